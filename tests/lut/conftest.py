"""A small synthetic LUT covering every part of the schema."""

import numpy as np
import pytest

from spincim.lut.schema import Area, Axis, Lut, McSummary, OpTable, make_provenance


def synthetic_lut(technology: str = "test_45nm", scale: float = 1.0) -> Lut:
    """Axes of every kind, ops over 3, 1 and 0 axes, areas, an MC summary with samples."""
    axes = {
        "vdd_v": Axis("vdd_v", [0.9, 1.0, 1.1], "V", nominal=1.0, description="supply"),
        "temperature_k": Axis("temperature_k", [250.0, 300.0, 350.0], "K", nominal=300.0),
        "rows": Axis("rows", [64, 128, 256, 512], "1", description="rows per sub-array"),
        "n_on": Axis("n_on", np.arange(10), "1", nominal=0, integer=True),
        "cols": Axis("cols", [256], "1", nominal=256),
    }
    v, t, r = np.meshgrid(axes["vdd_v"].values, axes["temperature_k"].values,
                          axes["rows"].values, indexing="ij")
    n = axes["n_on"].values
    ops = {
        "read": OpTable("read", ("vdd_v", "temperature_k", "rows"),
                        scale * 1e-15 * v**2 * (1 + 0.001 * t) * r, 1e-9 * (1 + r / 512) / v,
                        "one sensed row"),
        "majority": OpTable("majority", ("vdd_v", "n_on"),
                            1e-13 * np.outer([0.9, 1.0, 1.1], 1 + n),
                            np.full((3, 10), 5e-9), "majority write"),
        "cell_read": OpTable("cell_read", ("cols",), [2e-15], [1e-9]),
        "leak": OpTable("leak", (), 3e-16, 0.0, "scalar op"),
    }
    areas = {"cell": Area("cell", 0.05e-12, "2T1R"), "sense_amp": Area("sense_amp", 1.2e-12)}
    rng = np.random.default_rng(7)
    mc = {"sense_margin": McSummary(
        "sense_margin",
        attrs={"failure_rate": 1.5e-6, "n_trials": 100000, "method": "importance",
               "converged": True, "margin_sigma_v": float("nan")},
        datasets={"margin_v": np.array([0.11, 0.09, 0.12]),
                  "fail_counts": np.array([0, 3, 1], dtype=np.int64)},
        samples={"vsense_v": rng.normal(0.3, 0.01, 500)},
        dims={"margin_v": ("state",), "fail_counts": ("state",), "vsense_v": ("trial",)},
        coords={"state": np.array(["00", "01", "11"])})}
    prov = make_provenance(
        parameters={"mtj": {"ra_ohm_m2": 1e-11, "tmr0": 1.685}, "rows": [64, 128]},
        seed=2**100 + 12345,
        netlist_sha256={"cell.cir": "a" * 64}, model_card_sha256={"ptm45hp.lib": "b" * 64},
        ngspice_version="39", git_revision="deadbeef", command_line="spincim lut build",
        created_utc="2024-01-01T00:00:00+00:00")
    return Lut(technology, axes, ops, areas, mc, prov)


@pytest.fixture
def lut() -> Lut:
    return synthetic_lut()


@pytest.fixture
def make_lut():
    """The builder itself, for variants (``make_lut(technology=..., scale=...)``)."""
    return synthetic_lut


@pytest.fixture(scope="session")
def quick45():
    """One quick ngspice build of the shipped 45 nm node, shared by the LUT tests."""
    from spincim.lut import build

    return build.build("45nm", quick=True, seed=3)

"""Bank organization in the estimator: H-tree from the area, interconnect and leakage.

The interconnect ops are added to the shipped 45 nm LUT as constant tables over its own
(vdd_v, temperature_k) grid (values of the magnitude ngspice gives, but any positive
numbers test the accounting), so no simulator runs here.
"""

import dataclasses
import math
from importlib import resources

import numpy as np
import pytest
from spincim.errors import LutError, ParameterError
from spincim.estimator import bank as B
from spincim.estimator import energy as E
from spincim.estimator.arch import get_arch, with_overrides
from spincim.lut import io, schema

E_WIRE_J, T_WIRE_S = 0.25e-12, 57e-12          # per mm
E_FORK_J, T_FORK_S = 0.15e-12, 29e-12          # one spacing + fork
E_IO_J, T_IO_S = 0.046e-12, 36e-12
SPACING_M = 0.5e-3
P_CELL_W, P_PERI_W = 1e-10, 1e-9               # per cell, per row/column


@pytest.fixture(scope="module")
def bank_lut():
    lut = io.read_lut(str(resources.files("spincim.lut") / "data" / "default_45nm.h5"))
    axes = dict(lut.axes)
    rows = np.array([64.0, 128.0, 256.0, 512.0, 1024.0])
    axes["subarray_rows"] = schema.Axis("subarray_rows", rows, "1", integer=True)
    axes["subarray_cols"] = schema.Axis("subarray_cols", rows, "1", integer=True)
    shape = (len(axes["vdd_v"].values), len(axes["temperature_k"].values))
    ops = dict(lut.ops)
    for name, e, t in (("global_wire", E_WIRE_J, T_WIRE_S),
                       ("htree_segment", E_FORK_J, T_FORK_S),
                       ("bank_io_driver", E_IO_J, T_IO_S)):
        ops[name] = schema.OpTable(name, ("vdd_v", "temperature_k"), np.full(shape, e),
                                   np.full(shape, t))
    r, c = np.meshgrid(rows, rows, indexing="ij")
    for name, p in (("leakage_cells", P_CELL_W * r * c), ("leakage_periphery",
                                                          P_PERI_W * (r + c))):
        ops[name] = schema.OpTable(
            name, ("vdd_v", "temperature_k", "subarray_rows", "subarray_cols"),
            np.broadcast_to(p * 1e-6, (*shape, 5, 5)).copy(), np.full((*shape, 5, 5), 1e-6))
    prov = dict(lut.provenance)
    params = dict(prov.get("parameters", {}))
    params["calibrations"] = {**params.get("calibrations", {}),
                              "htree_segment": {"repeater_spacing_m": SPACING_M}}
    prov["parameters"] = params
    return schema.Lut(lut.technology, axes, ops, lut.areas, lut.mc, prov)


def _arch(**bank):
    """IMCE with a [bank] table (default keys unless given)."""
    bank = bank or {"activity": 0.5}
    return with_overrides(get_arch("imce"), {f"bank.{k}": v for k, v in bank.items()})


def test_htree_branches_halve_every_second_level():
    assert B.htree_branches_m(1, 1.0) == ()
    assert B.htree_branches_m(16, 1.0) == pytest.approx((0.25, 0.25, 0.125, 0.125))
    assert sum(B.htree_branches_m(2 ** 20, 1.0)) == pytest.approx(1.0, rel=2e-3)
    org = B.organize(16, 4e-6, 256, 256)
    assert org.side_m == pytest.approx(2e-3)
    assert org.htree_length_m == pytest.approx(0.75 * 2e-3)


def test_doubling_the_htree_raises_only_interconnect(bank_lut):
    base = E.estimate("svhn", _arch(activity=0.5), lut=bank_lut)
    length = base.bank["htree_length_m"]
    assert length == pytest.approx(sum(base.bank["htree_branches_m"]))
    assert length == pytest.approx(
        sum(B.htree_branches_m(base.bank["mats"], math.sqrt(base.area_m2))))
    double = E.estimate("svhn", _arch(activity=0.5, htree_length_m=2 * length), lut=bank_lut)
    a, b = base.energy_by_category(), double.energy_by_category()
    assert a["interconnect"] > 0 and a["leakage"] > 0
    for cat in E.CATEGORIES:
        if cat != "interconnect":
            assert b[cat] == pytest.approx(a[cat], rel=1e-12), cat
    # the increase is the extra wire: per moved bit 2 ways x L x E_wire per mm x activity
    per_bit = 0.5 * 2 * (length * 1e3) * E_WIRE_J
    assert double.bank["moved_bit_j"] - base.bank["moved_bit_j"] == pytest.approx(per_bit)
    moved = b["interconnect"] - a["interconnect"]
    bits = sum(l.ops.get(k, 0) for l in base.layers for k in B.MOVED_OPS)
    assert moved >= bits * per_bit * (1 - 1e-9)       # + the DPU outputs' word bits
    assert double.latency_per_image_s == pytest.approx(base.latency_per_image_s, rel=1e-12)


def test_no_bank_table_keeps_the_old_estimate(bank_lut):
    plain = E.estimate("svhn", "imce", lut=bank_lut)
    cats = plain.energy_by_category()
    assert cats["interconnect"] == 0.0 and cats["leakage"] == 0.0
    data = plain.to_json()
    assert data["bank"] is None
    assert {"energy_per_image_j", "latency_per_image_s", "energy_by_category_j",
            "area_m2"} <= set(data)


def test_leakage_is_power_times_latency(bank_lut):
    est = E.estimate("svhn", _arch(), lut=bank_lut)
    r, c = est.architecture.array.rows, est.architecture.array.cols
    p = est.bank["mats"] * (P_CELL_W * r * c + P_PERI_W * (r + c))
    assert est.bank["leakage_power_w"] == pytest.approx(p, rel=1e-9)
    assert est.energy_by_category()["leakage"] == pytest.approx(
        p * est.latency_per_image_s, rel=1e-9)
    off = E.estimate("svhn", _arch(leakage=False), lut=bank_lut)
    assert off.energy_by_category()["leakage"] == 0.0


def test_old_lut_names_the_missing_op_and_command():
    """The shipped LUT without its interconnect step's ops (a LUT built before the step)."""
    shipped = io.read_lut(str(resources.files("spincim.lut") / "data" / "default_45nm.h5"))
    old = dataclasses.replace(shipped, ops={k: v for k, v in shipped.ops.items()
                                            if k not in B.INTERCONNECT_OPS})
    with pytest.raises(LutError, match=r"needs op 'leakage_cells'.*spincim lut build"):
        E.estimate("svhn", _arch(), lut=old)


def test_bad_bank_keys_name_the_field():
    with pytest.raises(ParameterError, match="bank.activity"):
        _arch(activity=1.5)
    with pytest.raises(ParameterError, match="bank.htree_length_m"):
        _arch(htree_length_m=-1.0)
    with pytest.raises(ParameterError, match="bank.speed"):
        _arch(speed=1.0)

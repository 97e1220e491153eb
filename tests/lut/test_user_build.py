"""LUTs for the user's own device, technology and grid (spincim lut build --params/--tech/--grid)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from spincim.characterize import ops
from spincim.devices import mtj as M
from spincim.devices.technology import technology
from spincim.lut import build, grid, summary

pytestmark = pytest.mark.ngspice

TECH45 = technology("45nm")


def _spincim(*argv, cwd):
    return subprocess.run([sys.executable, "-m", "spincim.cli", *map(str, argv)],
                          capture_output=True, text=True, timeout=600, cwd=cwd)


def _tech_copy(tmp_path, **replace) -> Path:
    text = Path(TECH45.source_file).read_text()
    text = text.replace('path = "ptm45hp.lib"', f'path = "{TECH45.card_path}"')
    for key, line in replace.items():
        text = re.sub(rf"^{key} = .*$", line, text, count=1, flags=re.M)
    path = tmp_path / "my45.toml"
    path.write_text(text)
    return path


def test_technology_file_reproduces_the_shipped_node(tmp_path, ex, quick45):
    """The shipped card through a user technology file: the same quick LUT (1e-6)."""
    shipped = quick45
    mine = build.build(str(_tech_copy(tmp_path)), quick=True, executor=ex, seed=3,
                       steps=[s.name for s in build.steps_for("45nm")])
    assert set(mine.ops) == set(shipped.ops)
    for name, op in shipped.ops.items():
        np.testing.assert_allclose(mine.ops[name].energy_j, op.energy_j, rtol=1e-6)
        np.testing.assert_allclose(mine.ops[name].latency_s, op.latency_s, rtol=1e-6)
    assert mine.provenance["parameters"]["tech"]["card_sha256"] == \
        shipped.provenance["parameters"]["tech"]["card_sha256"]


def _read_parts(device, ex):
    """Per stored state of a memory read: (settled bit-line voltage, t_bl)."""
    out = {}
    for stored in (False, True):
        net = ops.read_netlist((stored,), "memory", tech=TECH45, temperature_k=300.0,
                               device=device)
        vec = ex.run_jobs([net], timeout_s=120)[0]
        m = ops.read_measure(net, vec, "memory", TECH45.vdd_v)
        out[stored] = (m["v_rbl_v"], m["t_bl_s"])
    return out


def test_ra_times_1p5_moves_the_read_as_a_divider_and_rc_predict(tmp_path, ex, quick45):
    """RA x 1.5: the read current meets R_MTJ + R_access into the bit-line C.

    Hand estimate: the settled bit line rises by I_read x dR_MTJ (dR = 0.5 RA/A for P;
    for AP the same at the bias-dependent TMR), and the development time t_bl = RC ln 10
    scales with the total resistance R = V_settled / I_read (C unchanged). Both within
    10 %; the LUT read latency and energy both rise; the provenance holds the device.
    """
    base = M.SotDevice()
    dev = base.replace(mtj={"ra_ohm_m2": 1.5 * base.mtj.ra_ohm_m2})
    i_read = 20e-6
    old, new = _read_parts(base, ex), _read_parts(dev, ex)
    for stored in (False, True):
        v_old, t_old = old[stored]
        v_new, t_new = new[stored]
        # AP: R_AP at the junction's bias, which is V_rbl less the access drop (the
        # access transistor carries the same current: v_mtj = I_read R_AP, solved below)
        def r_of(d, stored=stored, v_old=v_old):
            if not stored:
                return M.r_p_ohm(d.mtj)
            r = M.r_ap_ohm(d.mtj, 0.0)
            for _ in range(20):                       # fixed point of R = R_AP(I R)
                r = float(M.r_ap_ohm(d.mtj, i_read * r))
            return r
        d_r = float(r_of(dev) - r_of(base))
        assert v_new - v_old == pytest.approx(i_read * d_r, rel=0.10)
        r_old = v_old / i_read
        assert t_new / t_old == pytest.approx((r_old + d_r) / r_old, rel=0.10)
    lut = build.build("45nm", device=dev, quick=True, steps=["read_ops"], executor=ex)
    change = summary.change(quick45, lut)["ops"]["read"]
    assert change["latency_rel"] > 0.05 and change["energy_rel"] > 0
    assert lut.provenance["parameters"]["device"]["mtj"]["ra_ohm_m2"] == \
        pytest.approx(1.5 * base.mtj.ra_ohm_m2, rel=1e-12)
    assert lut.provenance["parameters"]["device_is_default"] is False


@pytest.mark.parametrize("change, field", [
    ({"nmos_model": 'nmos_model = "nosuch"'}, "technology.card.nmos_model"),
    ({"path": 'path = "missing.lib"'}, "technology.card.path"),
])
def test_bad_technology_file_is_one_line_exit_2(tmp_path, change, field):
    tech = _tech_copy(tmp_path, **change)
    run = _spincim("lut", "build", "--tech", tech, "--quick", "--out", tmp_path / "x.h5",
                   cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert run.stderr.count("\n") == 1 and run.stderr.startswith(f"error: {field}")
    assert not (tmp_path / "x.h5").exists()


def test_card_ngspice_cannot_load_is_one_line_exit_2(tmp_path):
    card = tmp_path / "broken.lib"
    card.write_text(".model nmos45 nmos level=54 version=4.5 nosuchparam=\n"
                    ".model pmos45 pmos level=54 version=4.5\n")
    tech = _tech_copy(tmp_path, path=f'path = "{card}"')
    run = _spincim("lut", "build", "--tech", tech, "--quick", "--out", tmp_path / "x.h5",
                   cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert run.stderr.count("\n") == 1 and "broken.lib" in run.stderr


@pytest.mark.parametrize("text, field", [
    ("temperatures_k = []", "grid.temperatures_k"),
    ("temperatures_k = [-10.0, 300.0]", "grid.temperatures_k"),
    ("rows = [64, 100]", "grid.rows"),
    ("vdd_rel = [0.1]\nvdd_v = [1.0]", "grid.vdd_rel"),
    ("colour = 1", "grid.colour"),
])
def test_bad_grid_file_is_exit_2_naming_the_field(tmp_path, text, field):
    path = tmp_path / "grid.toml"
    path.write_text(text + "\n")
    with pytest.raises(Exception) as info:
        grid.load_grid(path)
    assert getattr(info.value, "field", None) == field
    run = _spincim("lut", "build", "--tech", "45nm", "--quick", "--grid", path, "--out",
                   tmp_path / "x.h5", cwd=tmp_path)
    assert run.returncode == 2 and run.stderr.startswith(f"error: {field}"), run.stderr


def test_grid_file_sets_the_axes(tmp_path, ex):
    g = grid.Grid(vdd_rel=(-0.05, 0.0), temperatures_k=(250.0, 300.0), rows=(16, 32),
                  cols=(16, 64))
    # quick: the small decoder benches (the axes come from the grid either way)
    lut = build.build("45nm", grid=g, steps=["line_ops"], quick=True, executor=ex)
    assert lut.axes["rows"].values.tolist() == [16, 32]
    assert lut.axes["cols"].values.tolist() == [16, 64]
    assert lut.provenance["parameters"]["grid"]["vdd_rel"] == [-0.05, 0.0]
    out = json.loads(json.dumps(lut.provenance["parameters"]["grid"]))
    assert out["temperatures_k"] == [250.0, 300.0]

"""Operation energy / latency characterization (characterize/ops.py), quick grids."""

import math

import numpy as np
import pytest

from spincim.characterize import ops
from spincim.devices.technology import technology
from spincim.netlists import ngspice

pytestmark = pytest.mark.ngspice


@pytest.fixture(scope="module")
def reads():
    return {r.op: r for r in ops.read_ops("45nm", quick=True)}


@pytest.fixture(scope="module")
def majority():
    return {r.op: r for r in ops.majority_ops("22nm", quick=True)}


def _trapz(t, y, t0, t1):
    """Independent trapezoid integral of y over [t0, t1] on a fine resampled grid."""
    grid = np.union1d(t[(t > t0) & (t < t1)], [t0, t1])
    yy = np.interp(grid, t, y)
    return float(np.sum(0.5 * (yy[1:] + yy[:-1]) * np.diff(grid)))


def test_read_energy_matches_independent_integration(reads):
    """Re-run the nominal 'read' of a stored 1 and integrate v*i of every source by hand."""
    tech = technology("45nm")
    text = ops.read_netlist((True,), "memory", tech=tech, temperature_k=300.0)
    vec = ngspice.run(text, timeout_s=120)
    m = ops.read_measure(text, vec, "memory", tech.vdd_v)
    t = np.asarray(vec["time"])
    vdd, i_read = tech.vdd_v, 10e-6
    t_edge = ops.T_READ_S + ops.T_BL_WAIT_S + 0.5 * ops.CLK_EDGE_S
    windows = [(ops.T_READ_S, ops.T_READ_S + m["t_bl_s"]),
               (t_edge, t_edge + m["t_latch_s"] + ops.DECISION_MARGIN_S)]
    i_step = np.interp(t, [0, ops.T_READ_S, ops.T_READ_S + ops.T_READ_RISE_S], [0, 0, i_read])
    p_dc = (vdd * -np.asarray(vec["vdd#branch"])            # latch / logic supply
            + i_step * np.asarray(vec["rbl"])               # read current source
            + i_step * np.asarray(vec["ref"])               # reference current source
            + vdd * -np.asarray(vec["vrwl#branch"])         # read word line
            + vdd * -np.asarray(vec["venm#branch"]))        # memory reference enable
    e = sum(_trapz(t, p_dc, a, b) for a, b in windows)
    i_clk = -np.asarray(vec["vclk#branch"])
    q_out = sum(_trapz(t, np.maximum(i_clk, 0), a, b) for a, b in windows)
    q_back = sum(_trapz(t, np.maximum(-i_clk, 0), a, b) for a, b in windows)
    e += vdd * max(q_out, q_back)                           # clock driver: C V^2 per cycle
    assert m["energy_j"] == pytest.approx(e, rel=0.01)
    assert m["out_v"] > 0.5 * vdd                           # stored 1 read as 1
    # the stored-1 read is one of the two patterns averaged at the nominal point
    assert 0.2 * reads["read"].energy_j[0, 0] < e < 5 * reads["read"].energy_j[0, 0]


def test_read_energy_increases_with_vdd():
    res = {r.op: r for r in ops.read_ops("45nm", vdd_values=(0.9, 1.0, 1.1),
                                          temperatures_k=(300.0,), quick=False)}
    for name in ("read", "and2"):
        e = res[name].energy_j[:, 0]
        assert e.shape == (3,)
        assert np.all(np.diff(e) > 0), (name, e)


def test_read_shapes_and_finite(reads):
    assert set(reads) == {"read", "and2", "or2", "xnor2"}
    for r in reads.values():
        assert [a.name for a in r.axes] == ["vdd_v", "temperature_k"]
        shape = tuple(len(a.values) for a in r.axes)
        assert r.energy_j.shape == r.latency_s.shape == shape == (1, 1)
        assert np.all(np.isfinite(r.latency_s)) and np.all(r.latency_s > 0)
        assert np.all(r.energy_j > 0)
        assert "wrong logic outputs (VDD, T, pattern): none" in r.description
        assert r.netlist_sha256


def test_majority_program_energy_increases_with_n_on(majority):
    prog = majority["majority_program"]
    assert [a.name for a in prog.axes] == ["vdd_v", "temperature_k", "n_on"]
    assert prog.energy_j.shape == prog.latency_s.shape == (1, 1, 10)
    e = prog.energy_j[0, 0]
    assert np.all(np.diff(e) > 0), e
    lat = prog.latency_s[0, 0]
    assert np.all(np.isfinite(lat)) and np.all(lat > 0)
    # below the threshold the latency is the PROGRAM width (+ edge), above it shorter
    assert np.all(lat[:5] == lat[0]) and np.all(lat[5:] < lat[0])
    for name in ("preset", "maxpool_write"):
        r = majority[name]
        assert r.energy_j.shape == (1, 1)
        assert np.isfinite(r.latency_s[0, 0]) and r.latency_s[0, 0] > 0
        assert r.energy_j[0, 0] > 0
    assert majority["maxpool_write"].energy_j[0, 0] == e[5]


def test_write_ops_quick():
    res = {r.op: r for r in ops.write_ops("45nm", quick=True)}
    assert set(res) == {"write_p_to_ap", "write_ap_to_p"}
    for r in res.values():
        assert r.energy_j.shape == r.latency_s.shape == (1, 1)
        lat = float(r.latency_s[0, 0])
        assert math.isfinite(lat) and 0 < lat < ops.WRITE_PULSE_S
        # ~ V_w * 120 uA * pulse: 0.1 .. 1 pJ
        assert 1e-13 < r.energy_j[0, 0] < 1e-12

"""Operation energy / latency characterization (characterize/ops.py), quick grids."""

import math

import numpy as np
import pytest

from spincim.characterize import calibration, ops
from spincim.devices import mtj as M
from spincim.devices.technology import technology

pytestmark = pytest.mark.ngspice


@pytest.fixture(scope="module")
def reads(ex):
    return {r.op: r for r in ops.read_ops("45nm", quick=True, executor=ex)}


@pytest.fixture(scope="module")
def majority(ex):
    return {r.op: r for r in ops.majority_ops("22nm", quick=True, executor=ex)}


def _trapz(t, y, t0, t1):
    """Independent trapezoid integral of y over [t0, t1] on a fine resampled grid."""
    grid = np.union1d(t[(t > t0) & (t < t1)], [t0, t1])
    yy = np.interp(grid, t, y)
    return float(np.sum(0.5 * (yy[1:] + yy[:-1]) * np.diff(grid)))


def _hand_read_energy(vec, m, vdd, i_read):
    """Integrate v*i of every source of a memory read by hand (independent of ops.py)."""
    t = np.asarray(vec["time"])
    t_edge = ops.T_READ_S + ops.bl_wait_s(None) + 0.5 * ops.CLK_EDGE_S
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
    return e + vdd * max(q_out, q_back)                     # clock driver: C V^2 per cycle


def test_read_energy_matches_independent_integration(reads, ex):
    """Re-run both stored patterns of the nominal 'read', integrate v*i of every source by
    hand: each pattern within 1 % of ops.py's measure (the same samples, two trapezoid
    integrations), and the LUT value is their mean to the same tolerance."""
    tech = technology("45nm")
    vdd, i_read = tech.vdd_v, 20e-6
    hand = []
    for stored in (False, True):
        net = ops.read_netlist((stored,), "memory", tech=tech, temperature_k=300.0)
        vec = ex.run_jobs([net], timeout_s=120)[0]
        m = ops.read_measure(net, vec, "memory", vdd)
        e = _hand_read_energy(vec, m, vdd, i_read)
        assert m["energy_j"] == pytest.approx(e, rel=0.01)
        assert (m["out_v"] > 0.5 * vdd) == stored           # stored bit read back
        hand.append(e)
    assert reads["read"].energy_j[0, 0] == pytest.approx(np.mean(hand), rel=0.01)


def test_read_energy_increases_with_vdd(ex):
    res = {r.op: r for r in ops.read_ops("45nm", vdd_values=(0.9, 1.0, 1.1),
                                          temperatures_k=(300.0,), quick=False, executor=ex)}
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


def test_write_ops_quick(ex):
    """The write driver delivers ~I_w at V_w for the pulse (the heavy metal, not the MTJ,
    carries it, so the current does not change when the cell switches): the energy is
    V_w I_w (pulse + one edge) plus the word-line drivers' small share (< 10 %)."""
    tech = technology("45nm")
    res = {r.op: r for r in ops.write_ops("45nm", quick=True, executor=ex)}
    assert set(res) == {"write_p_to_ap", "write_ap_to_p"}
    for bit, name in ((1, "write_p_to_ap"), (0, "write_ap_to_p")):
        r = res[name]
        assert r.energy_j.shape == r.latency_s.shape == (1, 1)
        lat = float(r.latency_s[0, 0])
        assert math.isfinite(lat) and 0 < lat < ops.WRITE_PULSE_S
        cal = calibration.write_voltages(
            [ops._write_calibration_point(bit, tech, 300.0, M.SotDevice())], executor=ex)[0]
        hand = cal.v_write_v * M.IMCE_WRITE_CURRENT_A * (ops.WRITE_PULSE_S + ops.WRITE_EDGE_S)
        assert r.energy_j[0, 0] == pytest.approx(hand, rel=0.10)

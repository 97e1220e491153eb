"""Decide-and-write majority designs in ngspice: transients with the SOT-MTJ macromodel,
the LUT op and the area."""

import numpy as np
import pytest

from spincim.characterize import decide
from spincim.characterize.executor import LocalExecutor
from spincim.netlists import majority_decide as md
from spincim.netlists import majority_designs as designs
from spincim.netlists import ngspice
from spincim.netlists import write_driver as W

pytestmark = pytest.mark.ngspice

NAMES = ["comparator", "popcount"]


@pytest.fixture(scope="module")
def ex():
    with LocalExecutor(2) as executor:
        yield executor


@pytest.fixture(scope="module")
def rows(ex):
    """Macromodel transients at 4 and 5 inputs on of each decide design."""
    return {name: decide.run_patterns(designs.design(name),
                                      [W.pattern_for_count(4), W.pattern_for_count(5)],
                                      executor=ex) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_decides_and_writes_the_majority(rows, name):
    """From the opposite state, the cell ends in the majority at 4 and at 5 inputs (0 K)."""
    four, five = rows[name]
    assert (four.decided, five.decided) == (False, True)
    assert (four.switched, five.switched) == (False, True)
    assert four.mx_start < -0.99 and five.mx_start > 0.99      # the write had to switch
    for r in (four, five):
        assert 0 < r.t_switch_s < designs.design(name).write.pulse_s


@pytest.mark.parametrize("name", NAMES)
def test_energy_is_the_write_plus_a_small_decision(rows, name):
    """Every source over one majority: the write supply's V_w |I| t_w plus the decision,
    capture and gate drive, which stay below 15 % of it."""
    d = designs.design(name)
    for r in rows[name]:
        write = d.write.v_write_v * abs(r.i_shm_a) * d.write.pulse_s
        assert write < r.energy_j < 1.15 * write


def test_charge_sharing_matches_the_transient(ex):
    """charge_share_v (with the effective top-plate parasitic) gives the settled
    v(tp) - v(tn) of the transient within 10 % at 4 and 5 inputs on."""
    d = designs.design("comparator")
    tm = md.timing(d)
    pats = [W.pattern_for_count(4), W.pattern_for_count(5)]
    nets = [md.tran_netlist(d, p, W.buffer_device(0.0), cell="resistor",
                            max_step_s=2e-12) for p in pats]
    out = ex.run_jobs([ngspice.Job(n, None, ("time", "tp", "tn")) for n in nets])
    v_p, v_n = md.charge_share_v(d.decider, np.array(pats), 0.8)
    for vec, a, b in zip(out, v_p, v_n):
        t = np.asarray(vec["time"])
        k = np.searchsorted(t, tm.capture_s)
        sim = float(vec["tp"][k] - vec["tn"][k])
        assert sim == pytest.approx(a - b, rel=0.10)


@pytest.mark.parametrize("name", NAMES)
def test_write_op_quick(rows, ex, name):
    """The LUT op: energy at the nominal point equals the macromodel transient's (the
    heavy metal is the same resistor either way) within 1 %; latency the schedule."""
    d = designs.design(name)
    (op,) = decide.write_ops(d, quick=True, counts=(4, 5), executor=ex)
    assert op.op == designs.entry(name).ops["write"]
    assert [a.name for a in op.axes] == ["vdd_v", "temperature_k", "n_on"]
    assert op.energy_j.shape == (1, 1, 2)
    assert np.all(op.latency_s == md.timing(d).latency_s)
    assert "wrong decisions (VDD, T, n_on): none" in op.description
    for k, r in enumerate(rows[name]):
        assert op.energy_j[0, 0, k] == pytest.approx(r.energy_j, rel=0.01)


@pytest.mark.parametrize("name", NAMES)
def test_area(name):
    area, rule = decide.area_m2(designs.design(name))
    assert 0 < area < 1e-9
    assert ("capacitors" in rule) == (name == "comparator")

"""2T1R SOT-MRAM cell read path and the StrongARM sense amplifier (IMCE III-B, CORN XNOR)."""

import itertools

import pytest
from scipy.optimize import brentq

from spincim.devices import mtj as M
from spincim.errors import ParameterError
from spincim.netlists import cell, ngspice, sense_amp
from spincim.netlists import spice_text as st
from spincim.devices.technology import technology

I_READ = 10e-6
PAIRS = list(itertools.product([False, True], repeat=2))


# ----------------------------------------------------------------- pure (no ngspice)
def test_reference_resistances_are_midpoints(device):
    r_p, r_ap = M.r_p_ohm(device.mtj), M.r_ap_ohm(device.mtj)
    refs = cell.reference_resistances(device.mtj)
    par = lambda a, b: a * b / (a + b)  # noqa: E731
    assert r_p < refs["memory"] < r_ap
    assert par(r_p, r_p) < refs["or"] < par(r_p, r_ap) < refs["and"] < par(r_ap, r_ap)
    assert refs["and"] == pytest.approx(0.5 * (par(r_ap, r_p) + par(r_ap, r_ap)))


def test_bench_text_and_errors():
    text = cell.read_bench((True, False), "xnor", sense_amp=True)
    assert "Xsalo rbl ref_lo clkb c_lo vdd sa" in text and "l=4.5e-08" in text
    assert ".tran" in text and ".include" in text
    with pytest.raises(ParameterError):
        cell.read_bench((True,), "and")
    with pytest.raises(ParameterError):
        cell.read_bench((True,), "nor")
    lines = sense_amp.strongarm_subckt("sa", technology("45nm"))
    assert any(line.startswith(".subckt sa inp inn clkb out vdd") for line in lines)


# ----------------------------------------------------------------- ngspice
@pytest.fixture(scope="module")
def worker():
    with ngspice.Worker(timeout_s=60) as w:
        yield w


def _r_mtj(mtj, ap, i_a):
    """MTJ resistance at current i_a, solving V = I R(V) (bias-dependent TMR)."""
    cos = -1.0 if ap else 1.0
    v = brentq(lambda v: v - i_a * M.resistance_ohm(mtj, cos, v), 0.0, 50.0, xtol=1e-12)
    return v / i_a


def _analytic_vsense(mtj, states, r_on):
    """Vsense of parallel legs (R_on_k + R_mtj_k(I_k)) carrying I_READ in total."""
    def leg_current(v, ap, ron):
        return brentq(lambda i: i * (ron + _r_mtj(mtj, ap, i)) - v, 1e-12, 1e-3, xtol=1e-16)
    return brentq(lambda v: sum(leg_current(v, ap, ron) for ap, ron in zip(states, r_on))
                  - I_READ, 1e-4, 1.0, xtol=1e-12)


def _static(worker, device, states, op):
    v = worker.run(cell.read_bench(states, op, device=device, i_read_a=I_READ))
    r_on = []
    for k in range(1, len(states) + 1):
        i_k = float(v[f"vsl{k}#branch"][0])
        r_on.append((float(v["rbl"][0]) - float(v[f"xc{k}.rl"][0])) / i_k)
    return v, r_on


def _standalone_read_nmos_r_on(worker, v_drain, v_source):
    """R_on of a lone PTM 45 nm NMOS, W = 135 nm (3 x 45 nm, the read transistor's stated
    size), L = 45 nm, gate at VDD = 1 V, bulk at 0, biased at the given terminal voltages."""
    tech = technology("45nm")
    lines = [st.include(str(tech.card_path)),
             st.mosfet("M1", "d", "g", "s", "0", "nmos45", w_m=135e-9, l_m=45e-9),
             st.vsource_dc("Vd", "d", "0", v_drain), st.vsource_dc("Vg", "g", "0", 1.0),
             st.vsource_dc("Vs", "s", "0", v_source), st.analysis_line(st.op())]
    v = worker.run(st.netlist("lone read nmos", lines))
    return (v_drain - v_source) / -float(v["vd#branch"][0])


@pytest.mark.ngspice
@pytest.mark.parametrize("states,op", [((False,), "memory"), ((True,), "memory"),
                                       *[(s, "and") for s in PAIRS]])
def test_static_vsense_matches_divider(worker, device, states, op):
    """Vsense = the divider of (R_on + R_MTJ(I)) legs, with each leg's R_on equal to that of
    a separately simulated lone NMOS of the stated size at the same bias (measured to 1e-5;
    tolerance 1e-3, ngspice's reltol), so a wrongly sized or wrongly biased read transistor
    fails."""
    v, r_on = _static(worker, device, states, op)
    for k, r in enumerate(r_on, start=1):
        lone = _standalone_read_nmos_r_on(worker, float(v["rbl"][0]), float(v[f"xc{k}.rl"][0]))
        assert r == pytest.approx(lone, rel=1e-3), k
    expected = _analytic_vsense(device.mtj, states, r_on)
    assert float(v["rbl"][0]) == pytest.approx(expected, rel=0.01)


@pytest.mark.ngspice
@pytest.mark.parametrize("op,legs", [("memory", 1), ("and", 2), ("or", 2)])
def test_reference_voltage_and_ordering(worker, device, op, legs):
    refs = cell.reference_resistances(device.mtj)
    tag = {"memory": "m", "and": "and", "or": "or"}[op]
    cases = [(False,), (True,)] if op == "memory" else PAIRS
    vsense = {}
    for states in cases:
        v = worker.run(cell.read_bench(states, op, device=device, i_read_a=I_READ))
        vsense[states] = float(v["rbl"][0])
        v_ref = float(v["ref"][0])
        v_leg = float(v[f"ref_{tag}1"][0])
    # Vref = I (R_ref + R_on/n), R_on of the reference NMOS from the same run
    i_leg = v_leg / (legs * refs[op])
    r_on_ref = (v_ref - v_leg) / i_leg
    assert v_ref == pytest.approx(I_READ * (refs[op] + r_on_ref / legs), rel=0.01)
    ones = {s for s in cases if (s[0] if op == "memory" else
                                 (all(s) if op == "and" else any(s)))}
    assert all((vsense[s] > v_ref) == (s in ones) for s in cases)


def _expected(op, states):
    if op == "memory":
        return states[0]
    a, b = states
    return {"and": a and b, "or": a or b, "xnor": a == b}[op]


@pytest.mark.ngspice
@pytest.mark.parametrize("op", ["memory", "and", "or", "xnor"])
def test_sense_amp_logic(worker, device, op):
    tech = technology("45nm")
    cases = [(False,), (True,)] if op == "memory" else PAIRS
    for states in cases:
        v = worker.run(cell.read_bench(states, op, device=device, i_read_a=I_READ,
                                       sense_amp=True))
        out = float(v["out"][-1])
        want = _expected(op, states)
        assert abs(out - (tech.vdd_v if want else 0.0)) < 0.1 * tech.vdd_v, (op, states, out)
        # reset phase: the latch output (memory/AND/OR) is low before evaluation
        if op != "xnor":
            t = v["time"]
            assert float(v["out"][t < 0.9e-9][-1]) < 0.1 * tech.vdd_v

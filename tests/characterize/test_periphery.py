"""CMOS periphery characterization against physical bounds (ngspice).

Every energy and delay of :mod:`spincim.characterize.periphery` is checked against a
bound derived here from the charge the circuit must move and the current its transistors
can carry, both measured independently of the benches' transients:

* node charges Q = integral of C(V) dV from small-signal AC analyses at 41 (or 21) DC
  biases (quasi-static BSIM4 charges: the same charge a transient moves between the two
  end states); one AC run holds one copy of the circuit per bias;
* drive currents from DC sweeps of the same transistors.

Energy bounds: a node that rises from 0 to V draws at least V x (its charge) from a
supply or a counted input source, so E >= V sum(rises x Q_node) over nodes whose rises
are known (lower bound). The upper bound counts every node that can rise, each gate
charge doubled (worst-case Miller: the drain swings against the gate) plus 50 % for
short-circuit current and leakage. Delay bounds: see :func:`test_inverter_delay_within_drive_bounds`.
Each test states how far the measured value sits from its bounds, so a 2x error fails.
"""

import itertools
import math
from collections import defaultdict

import numpy as np
import pytest
from spincim.characterize import periphery as P
from spincim.characterize.areas import F2_PER_DEVICE, NANGATE45, areas, subckt_mosfets
from spincim.characterize.executor import LocalExecutor
from spincim.devices.technology import technology
from spincim.errors import ParameterError
from spincim.netlists import array as arr
from spincim.netlists import decoder as dn
from spincim.netlists import periphery as pn
from spincim.netlists import sense_amp as sa
from spincim.netlists import spice_text as st
from spincim.netlists import write_driver as wd
from spincim.netlists.cell import READ_W_MULT

#: AC frequency of the capacitance measurements: far below every RC corner of these
#: circuits (> 1 GHz), so C = Im(Y) / omega is the quasi-static capacitance.
F_AC_HZ = 1e6
#: short-circuit + leakage allowance of the upper energy bounds: with input edges no
#: slower than the output edges the short-circuit energy stays below 20 % of the load
#: energy (Veendrick, IEEE JSSC 19(4), 1984), leakage over these few-ns windows below 5 %
#: (the decoder's DC supply current x its window: < 2 %).
SHORT_CIRCUIT_LEAK = 1.25
#: worst-case Miller factor on a gate charge (drain swinging by -V against the gate)
MILLER_MAX = 2.0
#: trapezoid error of the 41-point charge integrals against the transient's charge
#: (measured < 3e-4 at 45 and 22 nm); a window/sign/VDD error is >= 5 %
CHARGE_RTOL = 0.01


# ----------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def gates_vdd(ex):
    """Gates of the 45 nm node at 0.9, 1.0, 1.1 V and 300 K."""
    return {g.op: g for g in P.gate_ops("45nm", vdd_values=(0.9, 1.0, 1.1),
                                        temperatures_k=(300.0,), executor=ex)}


COLS = (64, 256, 1024)
#: decoder sizes whose energy is bounded from the flipping nodes (the logic model is
#: per row, so small sizes); they sit on the rows axis with the rest
DECODER_ROWS = (4, 8, 64)
ROWS = (4, 8, 64, 256, 1024)
#: bit lines whose delay is checked: at 4 and 8 rows the line settles within the input
#: ramp (3-5 ps after its 50 % point), below what the ramp-based bounds resolve
BITLINE_DELAY_ROWS = tuple(n for n in ROWS if n >= 64)


@pytest.fixture(scope="module")
def lines45(ex):
    """Word line, bit line and decoder of the 45 nm node."""
    return {o.op: o for o in P.line_ops("45nm", rows=ROWS, cols=COLS, vdd_values=(1.0,),
                                        temperatures_k=(300.0,), executor=ex)}


# ----------------------------------------------------------------------------- charges
def _charge_curve(ex, header, copy, v_points):
    """C(V) (F) of a node at each bias: one AC run, one copy of the circuit per bias.

    ``copy(i, v)`` returns (lines, name of the ``dc v ac 1`` source on the node, probe
    source whose current is read); the copies share only ideal rails (AC ground).
    """
    lines, probes = list(header), []
    for i, v in enumerate(v_points):
        body, probe = copy(i, float(v))
        lines += body
        probes.append(probe)
    lines.append(st.analysis_line(f"ac lin 1 {F_AC_HZ!r} {F_AC_HZ!r}"))
    vec = ex.run_jobs([st.netlist("spincim test charge", lines)])[0]
    return np.array([(-vec[f"{p.lower()}#branch"][0]).imag / (2 * np.pi * F_AC_HZ)
                     for p in probes])


def _ac_source(name, node, v):
    return st.vsource_dc(name, node, "0", v) + " ac 1"


def _device_charge(ex, tech, kind, w_m, terminal, v_hi, *, rail_v=None, bulk_v=None, n=21):
    """Charge (C) into one terminal ('g' or 'd') of a transistor swept 0 -> v_hi, the
    other terminals on ``rail_v`` (default: 0 for NMOS, VDD for PMOS), bulk ``bulk_v``."""
    vdd = tech.vdd_v
    rail = (0.0 if kind == "n" else vdd) if rail_v is None else rail_v
    header = [st.include(str(tech.card_path)), st.temperature(300.0 - 273.15),
              st.vsource_dc("Vrail", "rail", "0", rail)]
    bulk = "rail"
    if bulk_v is not None:
        header.append(st.vsource_dc("Vbulk", "bulk", "0", bulk_v))
        bulk = "bulk"
    model = tech.nmos_model if kind == "n" else tech.pmos_model

    def copy(i, v):
        x = f"x{i}"
        g, d = (x, "rail") if terminal == "g" else ("rail", x)
        return [st.mosfet(f"M{i}", d, g, "rail", bulk, model, w_m=w_m, l_m=tech.l_min_m),
                _ac_source(f"Vx{i}", x, v)], f"Vx{i}"

    v = np.linspace(0.0, v_hi, n)
    return float(np.trapezoid(_charge_curve(ex, header, copy, v), v))


def _load_curve(ex, tech, v_points):
    """C(V) of the inverter bench's output node (DUT off, FO4 loads), per bias."""
    header = pn.bench_header(tech, tech.vdd_v, 300.0)

    def copy(i, v):
        out = f"out{i}"
        return [pn.pmos(tech, f"Mp{i}", out, "vdd", "vdd", pn.WP_UNIT),
                pn.nmos(tech, f"Mn{i}", out, "0", "0", pn.WN_UNIT),
                *pn.fo4_load(out, f"c{i}_"), _ac_source(f"Vo{i}", out, v)], f"Vo{i}"

    return _charge_curve(ex, header, copy, v_points)


@pytest.fixture(scope="module")
def unit45(ex):
    """Charges (C) and currents (A) of the unit devices at 45 nm, 1.0 V, 300 K.

    gn/gp: gate charge of the unit NMOS (W = 2 l_min) / PMOS (4 l_min), 0 -> VDD swing,
    source and drain on the rail that turns them on (the largest gate charge);
    gn_min/gp_min: the same with source and drain on the other rail (no channel forms:
    overlap and depletion charge only, the smallest gate charge of any bias);
    dn/dp: their drain junction + overlap charge; inv_in: input charge of a unit inverter
    (Miller included, quasi-static); load: C(V) of the inverter bench's output node.
    """
    tech = technology("45nm")
    vdd, l = tech.vdd_v, tech.l_min_m
    q = {"gn": _device_charge(ex, tech, "n", pn.WN_UNIT * l, "g", vdd),
         "gp": _device_charge(ex, tech, "p", pn.WP_UNIT * l, "g", vdd),
         "gn_min": _device_charge(ex, tech, "n", pn.WN_UNIT * l, "g", vdd, rail_v=vdd,
                                  bulk_v=0.0),
         "gp_min": _device_charge(ex, tech, "p", pn.WP_UNIT * l, "g", vdd, rail_v=0.0,
                                  bulk_v=vdd),
         "dn": _device_charge(ex, tech, "n", pn.WN_UNIT * l, "d", vdd),
         "dp": _device_charge(ex, tech, "p", pn.WP_UNIT * l, "d", vdd)}
    v41 = np.linspace(0.0, vdd, 41)
    header = pn.bench_header(tech, vdd, 300.0)
    c_in = _charge_curve(ex, header, lambda i, v: (
        [pn.instance(f"Xu{i}", (f"x{i}", f"y{i}", "vdd"), "unv"), _ac_source(f"Vx{i}", f"x{i}", v)],
        f"Vx{i}"), v41)
    q["inv_in"] = float(np.trapezoid(c_in, v41))
    q["load_v"], q["load_c"] = v41, _load_curve(ex, tech, v41)
    q["load"] = float(np.trapezoid(q["load_c"], v41))
    return q


def _gate_units(unit, tech, *, bound):
    """Per-metre-of-width gate and diffusion charges (NMOS, PMOS) from the unit devices.

    ``bound="lower"``: the smallest gate charge (no channel); ``"upper"``: the largest
    (channel on) times MILLER_MAX. Diffusion charges are the same for both.
    """
    wn, wp = pn.WN_UNIT * tech.l_min_m, pn.WP_UNIT * tech.l_min_m
    if bound == "lower":
        gn, gp = unit["gn_min"], unit["gp_min"]
    else:
        gn, gp = MILLER_MAX * unit["gn"], MILLER_MAX * unit["gp"]
    return {("g", True): gn / wn, ("g", False): gp / wp,
            ("d", True): unit["dn"] / wn, ("d", False): unit["dp"] / wp}


def _node_charges(mosfets, unit, tech, *, bound):
    """(gate charge, diffusion charge) per node from the builders' transistor sizes."""
    per_m = _gate_units(unit, tech, bound=bound)
    gate, diff = defaultdict(float), defaultdict(float)
    for m in mosfets:
        is_n = m.model == tech.nmos_model
        gate[m.gate] += per_m[("g", is_n)] * m.w_m
        for node in (m.drain, m.source):
            diff[node] += per_m[("d", is_n)] * m.w_m
    return gate, diff


# ----------------------------------------------------------------------------- inverter
@pytest.mark.ngspice
def test_load_capacitance_matches_small_signal_charge(ex, unit45):
    """The bench's transient charge equals the quasi-static charge integral (AC)."""
    c_tran = P.inverter_load_capacitance_f("45nm", vdd_v=1.0, executor=ex)
    c_ac = unit45["load"] / 1.0
    assert c_tran == pytest.approx(c_ac, rel=CHARGE_RTOL)
    # and it is the DUT's drains plus four unit-inverter inputs
    parts = 4 * unit45["inv_in"] + unit45["dn"] + unit45["dp"]
    assert c_ac * 1.0 == pytest.approx(parts, rel=CHARGE_RTOL)


@pytest.mark.ngspice
def test_load_capacitance_22nm(ex):
    tech = technology("22nm")
    v = np.linspace(0.0, tech.vdd_v, 41)
    c_ac = float(np.trapezoid(_load_curve(ex, tech, v), v)) / tech.vdd_v
    c_tran = P.inverter_load_capacitance_f(tech, executor=ex)
    assert c_tran == pytest.approx(c_ac, rel=CHARGE_RTOL)


@pytest.mark.ngspice
def test_inverter_energy_close_to_cv2(ex, gates_vdd):
    """2 E_transition (a full output cycle) against C_load(V) V^2 at each VDD.

    Lower bound 1: the output's rise draws its charge C_load V from Vdd (plus the DUT's
    own Miller charge, short-circuit and leakage, all positive). Upper bound
    SHORT_CIRCUIT_LEAK (input slew 20 ps <= output transition).
    """
    inv = gates_vdd["inv"]
    for i, vdd in enumerate(inv.axes[0].values):
        c_load = P.inverter_load_capacitance_f("45nm", vdd_v=vdd, executor=ex)
        ratio = 2.0 * inv.energy_j[i, 0] / (c_load * vdd ** 2)
        assert 1.0 < ratio < SHORT_CIRCUIT_LEAK, (vdd, ratio)


def _iv(ex, tech, kind, vds):
    """|I_d|(|V_gs| = 0 .. VDD) of the DUT transistor at |V_ds| = vds, 201 points."""
    vdd = tech.vdd_v
    if kind == "n":
        dev = pn.nmos(tech, "M1", "d", "g", "s", pn.WN_UNIT)
        rail, drain = 0.0, vds
    else:
        dev = pn.pmos(tech, "M1", "d", "g", "s", pn.WP_UNIT, bulk="s")
        rail, drain = vdd, vdd - vds
    lines = [st.include(str(tech.card_path)), st.temperature(300.0 - 273.15),
             st.vsource_dc("Vs", "s", "0", rail), st.vsource_dc("Vd", "d", "0", drain),
             st.vsource_dc("Vg", "g", "0", 0.0), dev,
             st.analysis_line(st.dc("Vg", 0.0, vdd, vdd / 200))]
    i = np.abs(ex.run_jobs([st.netlist("spincim test iv", lines)])[0]["vd#branch"])
    return i if kind == "n" else i[::-1]  # PMOS: index by |V_gs| = VDD - V_g


def _ramp_charge_time(i_curve, q, vdd):
    """Time (s, from the input ramp's 50 % point) to move charge ``q`` with a current of at
    most ``i_curve`` (A, on a 201-point 0 .. VDD gate grid) while the gate ramps over
    SLEW_S, then at most its full-drive value."""
    slew = pn.SLEW_S
    t = np.linspace(0.0, slew, 2001)
    i = np.interp(vdd * t / slew, np.linspace(0.0, vdd, len(i_curve)), i_curve)
    moved = np.concatenate([[0.0], np.cumsum(0.5 * (i[1:] + i[:-1]) * np.diff(t))])
    t_q = np.interp(q, moved, t) if moved[-1] >= q else slew + (q - moved[-1]) / i_curve[-1]
    return t_q - slew / 2


def _miller_charge(ex, tech, v_out):
    """Charge pushed into the DUT output (held at v_out) while its input swings 0 -> VDD."""
    vdd = tech.vdd_v
    v = np.linspace(0.0, vdd, 41)
    header = pn.bench_header(tech, vdd, 300.0)

    def copy(i, vin):
        out, inp = f"out{i}", f"in{i}"
        return [pn.pmos(tech, f"Mp{i}", out, inp, "vdd", pn.WP_UNIT),
                pn.nmos(tech, f"Mn{i}", out, inp, "0", pn.WN_UNIT),
                *pn.fo4_load(out, f"c{i}_"), st.vsource_dc(f"Vo{i}", out, "0", v_out),
                _ac_source(f"Vi{i}", inp, vin)], f"Vo{i}"

    return abs(float(np.trapezoid(_charge_curve(ex, header, copy, v), v)))


@pytest.mark.ngspice
def test_inverter_delay_within_drive_bounds(ex, gates_vdd, unit45):
    """Mean 50 % delay between a charge/current lower bound and upper bound (45 nm, 1 V).

    Falling output: the node must lose Q_hi = integral_{V/2}^{V} C_load dV through the
    NMOS, whose current is at most I_n(V_gs = V_in(t), V_ds = VDD) during the input ramp
    and I_n(VDD, VDD) after it -- the time this takes from the input's 50 % point is a
    lower bound (the PMOS fight and the Miller charge only slow it). Upper bound: once the
    ramp ends (SLEW/2 after the 50 % point) the NMOS carries at least I_n(VDD, VDD/2) while
    the output is above VDD/2 and the PMOS is off; the charge left is at most Q_hi plus
    the Miller charge the input pushed in. Rising output: the same with the PMOS and
    Q_lo. Measured: lower bound 0.96 x, upper bound 1.81 x the delay.
    """
    tech = technology("45nm")
    vdd, slew = tech.vdd_v, pn.SLEW_S
    v, c = unit45["load_v"], unit45["load_c"]
    half = len(v) // 2
    q_lo = float(np.trapezoid(c[:half + 1], v[:half + 1]))
    q_hi = float(np.trapezoid(c[half:], v[half:]))
    i_full = {k: _iv(ex, tech, k, vdd) for k in "np"}
    i_half = {k: _iv(ex, tech, k, vdd / 2)[-1] for k in "np"}

    t_lower = 0.5 * (_ramp_charge_time(i_full["n"], q_hi, vdd)
                     + _ramp_charge_time(i_full["p"], q_lo, vdd))
    t_upper = slew / 2 + 0.5 * ((q_hi + _miller_charge(ex, tech, vdd)) / i_half["n"]
                                + (q_lo + _miller_charge(ex, tech, 0.0)) / i_half["p"])
    inv = gates_vdd["inv"]
    t_p = inv.latency_s[inv.axes[0].values.index(1.0), 0]
    assert t_lower < t_p < t_upper, (t_lower, t_p, t_upper)
    assert t_upper < 2.0 * t_p and t_lower > 0.5 * t_p   # the bounds can catch a 2x error


# ----------------------------------------------------------------------------- FA, DFF
def _rises(seq):
    return sum(1 for a, b in itertools.pairwise(seq) if b > a)


@pytest.mark.ngspice
def test_full_adder_energy_between_switched_charge_bounds(gates_vdd, unit45):
    """E_fa per addition against the charge its nodes move over FA_SEQUENCE (45 nm, 1 V).

    Lower: the logic nodes s, co (unit inverter + FO4: the inverter bench's load),
    sb = NOT s and cob = NOT co rise the counted number of times and draw their gate and
    diffusion charge each time. Upper: every node (stack nodes too) rises at most once
    per input vector, gate charges doubled, x SHORT_CIRCUIT_LEAK. Measured 1.32 x the
    lower bound (a halved energy fails); the upper bound is 4.2 x the energy (the stack
    nodes' activity is unknown without a switch-level simulation), so a doubling is
    caught only by the regression cap E < 2 x the lower bound -- an empirical cap, not a
    physical bound.
    """
    tech = technology("45nm")
    vdd = 1.0
    seq = [pn.FA_SEQUENCE[-1], *pn.FA_SEQUENCE]
    s = [v.bit_count() % 2 for v in seq]
    co = [int(v.bit_count() >= 2) for v in seq]
    rises = {"s": _rises(s), "co": _rises(co), "sb": _rises([1 - x for x in s]),
             "cob": _rises([1 - x for x in co])}
    bench = pn.full_adder_bench(tech, vdd, 300.0)
    gate, diff = _node_charges(bench.mosfets, unit45, tech, bound="lower")
    # the two output inverters (unv) and the FO4 loads, as the bench describes them
    extra_lo = {"sb": unit45["inv_in"], "cob": unit45["inv_in"], "s": unit45["load"],
                "co": unit45["load"]}
    extra_hi = {"sb": MILLER_MAX * (unit45["gn"] + unit45["gp"]),
                "cob": MILLER_MAX * (unit45["gn"] + unit45["gp"]),
                "s": unit45["load"], "co": unit45["load"]}
    e_lower = vdd * sum(r * (gate[n] + diff[n] + extra_lo[n]) for n, r in rises.items())
    gate2, _ = _node_charges(bench.mosfets, unit45, tech, bound="upper")
    nodes = (set(gate2) | set(diff) | set(extra_hi)) - {"vdd", "0", "a", "b", "c"}
    n_vec = len(pn.FA_SEQUENCE)
    e_upper = SHORT_CIRCUIT_LEAK * vdd * n_vec * sum(
        gate2[n] + diff[n] + extra_hi.get(n, 0.0) for n in nodes)
    fa = gates_vdd["fa"]
    e_seq = fa.energy_j[fa.axes[0].values.index(1.0), 0] * n_vec
    assert e_lower < e_seq < e_upper, (e_lower, e_seq, e_upper)
    assert e_seq < 2.0 * e_lower   # regression cap (see docstring), not physical


@pytest.mark.ngspice
def test_dff_energy_between_switched_charge_bounds(gates_vdd, unit45):
    """E_dff per cycle (D toggling) against the charge of its clocked nodes (45 nm, 1 V).

    Per cycle clkb and clki rise once; m1, m2, m3, s1, q, s3 follow D, which toggles
    every cycle, so each rises every other cycle. Node charges: the transistors' gates and
    diffusions (builder sizes) plus the unit inverters (Xc1: clk->clkb, Xc2: clkb->clki,
    Xm1: m1->m2, Xm2: m2->m3, Xs1: s1->q, Xs2: q->s3) and FO4 on q (the inverter bench's
    load). Lower: those charges; upper: gate charges doubled, x SHORT_CIRCUIT_LEAK.
    Measured 1.10 x the lower bound; the upper bound is 1.83 x the energy.
    """
    tech = technology("45nm")
    vdd = 1.0
    bench = pn.dff_bench(tech, vdd, 300.0)
    inv_in_hi = MILLER_MAX * (unit45["gn"] + unit45["gp"])
    drains = unit45["dn"] + unit45["dp"]
    rises = {"clkb": 1.0, "clki": 1.0, "m1": 0.5, "m2": 0.5, "m3": 0.5, "s1": 0.5, "q": 0.5,
             "s3": 0.5}
    inputs_of = {"clkb": 1, "m1": 1, "m2": 1, "s1": 1, "q": 1}       # unv inputs on the node
    outputs_of = {"clkb": 1, "clki": 1, "m2": 1, "m3": 1, "s3": 1}   # unv outputs (q: in load)

    def total(bound, inv_in):
        gate, diff = _node_charges(bench.mosfets, unit45, tech, bound=bound)
        out = 0.0
        for node, r in rises.items():
            q = gate[node] + diff[node] + inputs_of.get(node, 0) * inv_in \
                + outputs_of.get(node, 0) * drains + (unit45["load"] if node == "q" else 0.0)
            out += r * q
        return vdd * out

    e_lower = total("lower", unit45["inv_in"])
    e_upper = SHORT_CIRCUIT_LEAK * total("upper", inv_in_hi)
    dff = gates_vdd["dff"]
    e = dff.energy_j[dff.axes[0].values.index(1.0), 0]
    assert e_lower < e < e_upper, (e_lower, e, e_upper)
    assert e < 2.0 * e_lower and e_upper < 2.0 * e


@pytest.mark.ngspice
def test_gate_energy_and_delay_scale_with_vdd(ex, gates_vdd):
    """Over 0.9-1.1 x VDD each gate's switched capacitance E / V^2 stays within 15 % (the
    capacitances are nearly bias-independent, short-circuit grows slowly with VDD), and
    each delay follows t ~ V / I_on(V) of its transistors within 15 % (alpha-power law,
    Sakurai & Newton, IEEE JSSC 25(2), 1990: same C, drive from the same devices); so a
    2x error at any one supply fails (measured: within 3.3 % and 5.4 %). Gates are slower
    than the inverter they contain (the FA's and the DFF's output stage is that inverter,
    fed by a slower internal edge)."""
    tech = technology("45nm")
    i_on = []
    for vdd in gates_vdd["inv"].axes[0].values:
        lines = [st.include(str(tech.card_path)), st.temperature(300.0 - 273.15),
                 st.vsource_dc("Vd", "d", "0", vdd),
                 pn.nmos(tech, "M1", "d", "d", "0", pn.WN_UNIT), st.analysis_line(st.op())]
        i_on.append(abs(ex.run_jobs([st.netlist("spincim test ion", lines)])[0]["vd#branch"][0]))
    vdds = np.array(gates_vdd["inv"].axes[0].values)
    drive = vdds / np.array(i_on)
    for op in ("inv", "fa", "dff"):
        g = gates_vdd[op]
        _finite_positive(g)
        assert g.axes[0].name == "vdd_v" and g.axes[1].name == "temperature_k"
        c_eff = g.energy_j[:, 0] / vdds ** 2
        assert np.all(np.abs(c_eff / c_eff[1] - 1.0) < 0.15), (op, c_eff)
        assert np.all(np.diff(g.energy_j[:, 0]) > 0), (op, g.energy_j)
        t_norm = g.latency_s[:, 0] / drive
        assert np.all(np.abs(t_norm / t_norm[1] - 1.0) < 0.15), (op, t_norm)
        assert np.all(np.diff(g.latency_s[:, 0]) < 0), (op, g.latency_s)
    for op in ("fa", "dff"):
        assert np.all(gates_vdd[op].latency_s > gates_vdd["inv"].latency_s), op


def _finite_positive(op):
    assert np.all(np.isfinite(op.energy_j)) and np.all(op.energy_j > 0), op.op
    assert np.all(np.isfinite(op.latency_s)) and np.all(op.latency_s > 0), op.op
    assert op.energy_j.shape == op.latency_s.shape == tuple(len(a.values) for a in op.axes)


@pytest.mark.ngspice
def test_gates_22nm_quick_and_composites(ex):
    gates = P.gate_ops("22nm", quick=True, executor=ex)
    by = {g.op: g for g in gates}
    assert set(by) == {"inv", "fa", "dff"}
    for g in gates:
        _finite_positive(g)
        assert g.energy_j.shape == (1, 1)
    # the 22 nm inverter obeys the same C V^2 bound as the 45 nm one
    tech = technology("22nm")
    c_load = P.inverter_load_capacitance_f(tech, executor=ex)
    ratio = 2.0 * by["inv"].energy_j[0, 0] / (c_load * tech.vdd_v ** 2)
    assert 1.0 < ratio < SHORT_CIRCUIT_LEAK, ratio
    comps = [P.bitcount_n(9, gates), P.adder_n(8, gates), P.shifter_n(8, gates),
             P.register_n(16, by), P.popcount_tree_n(64, gates)]
    for c in comps:
        _finite_positive(c)
    fa, dff = by["fa"], by["dff"]
    assert np.allclose(comps[1].energy_j, 8 * fa.energy_j)
    assert np.allclose(comps[1].latency_s, 8 * fa.latency_s)
    assert np.allclose(comps[3].energy_j, 16 * dff.energy_j)
    assert np.allclose(comps[3].latency_s, dff.latency_s)
    n_fa, n_ha, depth = P.fa_tree_counts(9)
    assert np.allclose(comps[0].energy_j, (n_fa + n_ha) * fa.energy_j)


def test_gate_ops_rejects_unknown_gate():
    with pytest.raises(ParameterError, match="ops"):
        P.gate_ops("45nm", ops=("nand3",))


# ----------------------------------------------------------------------------- FA tree
def _build_counter(n):
    """Independent construction: a recursive counter of explicit FA/HA gates on bit indices.

    popcount(n bits) = ripple addition of popcount(ceil((n-1)/2) bits) and
    popcount(floor((n-1)/2) bits) with the remaining bit as carry-in (FA where both
    operands have a bit, HA where only the wider one does). Returns (gates, output bit
    per weight); gates are ('fa'|'ha', inputs, (sum, carry)).
    """
    next_id = itertools.count(n)
    gates = []

    def build(inputs):
        if len(inputs) == 1:
            return [inputs[0]]
        m1 = len(inputs) // 2
        p1, p2 = build(inputs[1:1 + m1]), (build(inputs[1 + m1:]) if len(inputs) > 1 + m1 else [])
        carry, out = inputs[0], []
        for w in range(len(p1)):
            s, c = next(next_id), next(next_id)
            ins = (p1[w], p2[w], carry) if w < len(p2) else (p1[w], carry)
            gates.append(("fa" if len(ins) == 3 else "ha", ins, (s, c)))
            out.append(s)
            carry = c
        return out + [carry]

    bits = build(list(range(n)))
    return gates, dict(enumerate(bits))


def _evaluate(gates, outputs, bits):
    val = dict(enumerate(bits))
    for _, ins, (s, c) in gates:
        total = sum(val[i] for i in ins)
        val[s], val[c] = total & 1, total >> 1
    return sum(val[b] << w for w, b in outputs.items())


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 31, 64, 100])
def test_fa_tree_count_matches_an_independent_construction(n):
    gates, outputs = _build_counter(n)
    rng = np.random.default_rng(n)
    vectors = (itertools.product((0, 1), repeat=n) if n <= 10
               else (tuple(rng.integers(0, 2, n)) for _ in range(200)))
    for bits in vectors:
        assert _evaluate(gates, outputs, bits) == sum(bits)
    independent_fa = sum(1 for g in gates if g[0] == "fa")
    n_fa, n_ha, depth = P.fa_tree_counts(n)
    assert n_fa == independent_fa == n - n.bit_length()
    assert depth <= math.ceil(math.log(max(n, 2), 1.5)) + n.bit_length()


def test_popcount_tree_counts():
    assert P.popcount_tree_counts(2) == (1, 1)
    assert P.popcount_tree_counts(4) == (2 * 1 + 1 * 2, 3)
    n_fa, depth = P.popcount_tree_counts(64)
    assert n_fa == sum(j * 64 // 2 ** j for j in range(1, 7)) and depth == 21


# ----------------------------------------------------------------------------- lines
@pytest.mark.ngspice
@pytest.mark.slow
def test_line_ops_axes_and_monotonic(lines45):
    ops = lines45
    assert set(ops) == {"wordline", "bitline", "decoder"}
    assert ops["wordline"].axes[-1].name == "cols"
    for name in ("bitline", "decoder"):
        assert ops[name].axes[-1].name == "rows"
    for o in ops.values():
        _finite_positive(o)
        assert [a.name for a in o.axes[:2]] == ["vdd_v", "temperature_k"]
        assert o.axes[-1].values == (COLS if o.op == "wordline" else ROWS)
        assert o.axes[-1].units == "1"
        assert np.all(np.diff(o.energy_j) > 0), (o.op, o.energy_j)
        assert np.all(np.diff(o.latency_s) > 0), (o.op, o.latency_s)


@pytest.mark.ngspice
@pytest.mark.slow
def test_wordline_energy_between_wire_and_gate_charge_bounds(ex, lines45, unit45):
    """E per activation against C_wire V^2 + the access gates' charge (45 nm, 1 V).

    Lower: asserting the line draws V x (C_wire V + Q_gates) from Vdd, C_wire = cols x
    12 F x wire_c_f_per_m, Q_gates the access transistors' gate charge 0 -> V (builder
    widths). Upper: x SHORT_CIRCUIT_LEAK, plus the driver's own input and drain charge
    (cols/128 unit inverters). Measured 1.08-1.09 x the lower bound; the upper bound is
    1.22-1.23 x the energy.
    """
    tech = technology("45nm")
    vdd, l = tech.vdd_v, tech.l_min_m
    cell_w = READ_W_MULT * l   # the ladders hold m = cells copies of one cell's device
    q_cell = _device_charge(ex, tech, "n", cell_w, "g", vdd)
    unit_inv = unit45["inv_in"] + unit45["dn"] + unit45["dp"]
    wl = lines45["wordline"]
    for i, n in enumerate(wl.axes[-1].values):
        bench = pn.wordline_bench(tech, n, vdd)
        cells = [m for m in bench.mosfets if m.gate not in ("in",)]
        width = sum(m.w_m * dict(m.params).get("m", 1.0) for m in cells)
        assert width == pytest.approx(n * READ_W_MULT * l)
        q_gates = q_cell * width / cell_w
        c_wire = n * arr.PITCH_ALONG_ROW_F * tech.node_m * tech.wire_c_f_per_m
        e_lower = vdd * (c_wire * vdd + q_gates)
        e_upper = SHORT_CIRCUIT_LEAK * (e_lower + vdd * pn.line_driver_mult(n) / 2 * unit_inv)
        assert e_lower < wl.energy_j[0, 0, i] < e_upper, (n, e_lower, wl.energy_j[0, 0, i], e_upper)
        assert wl.energy_j[0, 0, i] < 2 * e_lower and e_upper < 2 * wl.energy_j[0, 0, i]


@pytest.mark.ngspice
@pytest.mark.slow
def test_bitline_energy_between_wire_and_switch_charge_bounds(ex, lines45):
    """E per precharge + discharge against v_read^2 C_wire + the switches' gate charge.

    Lower: the read source charges the wire (rows x 8 F) to v_read (v_read^2 C_wire) and
    the precharge and discharge inputs each charge their switch's gate 0 -> VDD (at least
    the smaller of the gate charges with source/drain at 0 and at v_read). Upper: plus the
    access drains' and switch diffusions' charge to v_read, the larger gate charge,
    x SHORT_CIRCUIT_LEAK. Measured 1.2-1.7 x the lower bound; the upper bound is
    1.19-1.24 x the energy.
    """
    tech = technology("45nm")
    vdd, l, v_read = tech.vdd_v, tech.l_min_m, 0.2
    q_drain = _device_charge(ex, tech, "n", READ_W_MULT * l, "d", v_read)  # one cell
    bl = lines45["bitline"]
    for i, n in enumerate(bl.axes[-1].values):
        w_sw = pn.line_driver_mult(n) * l
        q_g0 = _device_charge(ex, tech, "n", w_sw, "g", vdd)
        q_gr = _device_charge(ex, tech, "n", w_sw, "g", vdd, rail_v=v_read, bulk_v=0.0)
        q_sw_d = _device_charge(ex, tech, "n", w_sw, "d", v_read)
        c_wire = n * arr.PITCH_ALONG_COL_F * tech.node_m * tech.wire_c_f_per_m
        e_lower = v_read ** 2 * c_wire + 2 * vdd * min(q_g0, q_gr)
        e_upper = SHORT_CIRCUIT_LEAK * (
            v_read * (c_wire * v_read + q_drain * n + 2 * q_sw_d)
            + 2 * vdd * max(q_g0, q_gr))
        assert e_lower < bl.energy_j[0, 0, i] < e_upper, (n, e_lower, bl.energy_j[0, 0, i], e_upper)
        assert bl.energy_j[0, 0, i] < 2 * e_lower and e_upper < 2 * bl.energy_j[0, 0, i]


def _decoder_logic(n, address):
    """Independent model of decoder A (enabled) + row gates: node -> logic value and gates
    (kind, inputs, output), from the netlists.decoder description: the address splits into
    a low group of ceil(b/2) bits (with the enable) and a high group; each group's one-hot
    lines are balanced AND2 (NAND2 + inverter) trees over literals (literal inverters per
    bit), an AND2 of the same two inputs built once, the last stage NAND2 (or inverter)
    + line driver; per row k = j p + i: AND2 of low line i and high line j, NOR2 with
    decoder B's output (B idle: 0) and the word-line driver, so w_k = AND."""
    lo, hi = dn.split_bits(n)
    p, q = 2 ** lo, 2 ** hi
    val = {"en": 1, "zero": 0}
    gates = []

    def group(tag, bit_ids, enable, count, driver):
        for b in bit_ids:
            val[f"a{b}"] = (address >> b) & 1
            val[f"{tag}an{b}"] = 1 - val[f"a{b}"]
            gates.append(("inv", (f"a{b}",), f"{tag}an{b}"))
        shared = {}
        for k in range(count):
            level = [f"a{b}" if (k >> x) & 1 else f"{tag}an{b}" for x, b in enumerate(bit_ids)]
            level += ["en"] if enable else []
            while len(level) > 2:
                nxt = []
                for j in range(0, len(level) - 1, 2):
                    pair = (level[j], level[j + 1])
                    if pair not in shared:
                        g = f"{tag}s{len(shared)}"
                        shared[pair] = g
                        val[g + "n"] = 1 - (val[pair[0]] & val[pair[1]])
                        val[g] = 1 - val[g + "n"]
                        gates.extend([("nand", pair, g + "n"), ("inv", (g + "n",), g)])
                    nxt.append(shared[pair])
                if len(level) % 2:
                    nxt.append(level[-1])
                level = nxt
            yn, y = f"{tag}yn{k}", f"{tag}y{k}"
            if len(level) == 1:
                val[yn] = 1 - val[level[0]]
                gates.append(("inv", tuple(level), yn))
            else:
                val[yn] = 1 - (val[level[0]] & val[level[1]])
                gates.append(("nand", tuple(level), yn))
            val[y] = 1 - val[yn]
            gates.append((driver, (yn,), y))

    group("p", range(lo), True, p, "drvp")
    group("q", range(lo, lo + hi), False, q, "drvq")
    for k in range(n):
        i, j = k % p, k // p
        val[f"na{k}"] = 1 - (val[f"py{i}"] & val[f"qy{j}"])
        val[f"ya{k}"] = 1 - val[f"na{k}"]
        val[f"wn{k}"], val[f"w{k}"] = 1 - val[f"ya{k}"], val[f"ya{k}"]
        gates += [("nand", (f"py{i}", f"qy{j}"), f"na{k}"), ("inv", (f"na{k}",), f"ya{k}"),
                  ("nor", (f"ya{k}", "zero"), f"wn{k}"), ("drv", (f"wn{k}",), f"w{k}")]
    wire = {**{f"py{i}": 1 for i in range(p)}, **{f"qy{j}": 1 for j in range(q)}}
    return val, gates, wire


def _decoder_gate_input_charge(ex, tech, n, sub, n_inputs):
    """Quasi-static input charge (C) of the bench's gate subckt ``sub`` (ports: inputs,
    y, vdd), input ``a`` swept 0 -> VDD: the smaller over the other input at 0 or VDD."""
    vdd = tech.vdd_v
    v = np.linspace(0.0, vdd, 41)
    header = [st.include(str(tech.card_path)), st.temperature(300.0 - 273.15),
              st.vsource_dc("Vdd", "vdd", "0", vdd), *dn.gate_subckts(tech, n)]
    others = ("0", "vdd") if n_inputs == 2 else (None,)
    charges = []
    for other in others:
        def copy(i, vin, other=other):
            pins = (f"x{i}", *([other] if other else []), f"y{i}", "vdd")
            return [pn.instance(f"Xg{i}", pins, sub), _ac_source(f"Vx{i}", f"x{i}", vin)], \
                f"Vx{i}"
        charges.append(float(np.trapezoid(_charge_curve(ex, header, copy, v), v)))
    return min(charges)


@pytest.mark.ngspice
@pytest.mark.slow
def test_decoder_energy_between_switched_charge_bounds(ex, lines45, unit45):
    """Dynamic E per decode (address 0 -> n-1 -> 0, / 2) against the charge of the nodes
    that flip, at 4, 8 and 64 rows.

    Gate sizes from the bench's subcircuit transistors (Netlist.subckt_mosfets); which
    nodes flip from :func:`_decoder_logic`; a flipping predecode line also charges its
    wire (n row pitches x the technology's C per metre). Lower: every node whose value
    differs between addresses 0 and n-1 rises once per round trip, drawing its fan-out
    gates' input charge (quasi-static, the smaller over the other input's state), its
    drivers' diffusion charge and its wire. Upper: the largest gate charges doubled; a
    node equal in both states may pulse once per edge if its gate can (a NAND whose inputs
    can all be high at once, a NOR all low, an inverter whose input pulses: worst-case
    glitch propagation); NAND/NOR stack nodes once per edge; x SHORT_CIRCUIT_LEAK (the op
    subtracts the leakage at rest). Measured 1.41, 1.57, 1.48 x the lower bound (4, 8, 64
    rows), so a halved energy fails; the worst-case glitch bound is 2.9-17 x the energy,
    too loose to catch a doubling, so ``e < 2 e_lower`` does (a regression cap, not a
    physical bound).
    """
    tech = technology("45nm")
    vdd = tech.vdd_v
    per_m = {b: _gate_units(unit45, tech, bound=b) for b in ("lower", "upper")}
    dec = lines45["decoder"]
    kinds = {"inv": "dcinv", "nand": "dcnand", "nor": "dcnor", "drv": "dcwl",
             "drvp": "dcdrvp", "drvq": "dcdrvq"}
    for n in DECODER_ROWS:
        bench = dn.decoder_bench(tech, n, vdd)
        c_wire = n * arr.PITCH_ALONG_COL_F * tech.node_m * tech.wire_c_f_per_m
        load = {"lower": {}, "upper": {}}
        out_d, inner = {}, {}
        for kind, sub in kinds.items():
            devices = bench.subckt_mosfets[sub]
            ins, y = (("a", "b"), "y") if kind in ("nand", "nor") else (("a",), "y")
            g = [sum(per_m["upper"][("g", m.model == tech.nmos_model)] * m.w_m
                     for m in devices if m.gate == p) for p in ins]
            assert g[-1] == pytest.approx(g[0])  # symmetric inputs
            load["upper"][kind] = g[0]
            load["lower"][kind] = _decoder_gate_input_charge(ex, tech, n, sub, len(ins))
            d = defaultdict(float)
            for m in devices:
                for node in (m.drain, m.source):
                    d[node] += per_m["lower"][("d", m.model == tech.nmos_model)] * m.w_m
            out_d[kind] = d[y]
            inner[kind] = sum(v for k, v in d.items() if k not in (y, "vdd", "0"))
        v0, gates, wired = _decoder_logic(n, 0)
        v1, _, _ = _decoder_logic(n, n - 1)
        fan_lo, fan_hi = defaultdict(float), defaultdict(float)
        driver = {}
        for kind, ins, out in gates:
            for x in ins:
                fan_lo[x] += load["lower"][kind]
                fan_hi[x] += load["upper"][kind]
            driver[out] = kind

        def own(x):
            return out_d.get(driver.get(x), 0.0) + (c_wire * vdd if x in wired else 0.0)

        flips = [node for node in v0 if v0[node] != v1[node]]
        assert {f"w{n - 1}", "w0", "a0"} <= set(flips)
        e_lower = vdd * sum(fan_lo[x] + own(x) for x in flips) / 2
        up = sum(fan_hi[x] + own(x) for x in flips)
        glitch = set()      # nodes equal in both states that may pulse (gates in order)
        for kind, ins, out in gates:
            moving = [x for x in ins if v0[x] != v1[x] or x in glitch]
            if not moving:
                continue
            up += 2 * inner.get(kind, 0.0)               # stack node, once per edge
            if v0[out] != v1[out]:
                continue
            # a NAND (NOR) output pulses only if all inputs can be high (low) at once;
            # an inverter's only if its input pulses
            level = 1 if kind == "nand" else 0
            can = all(v0[x] == level or v1[x] == level or x in glitch for x in ins)
            if kind in ("nand", "nor") and can or kind not in ("nand", "nor"):
                glitch.add(out)
                up += 2 * (fan_hi[out] + own(out))       # once per edge
        e_upper = SHORT_CIRCUIT_LEAK * vdd * up / 2
        e = dec.energy_j[0, 0, dec.axes[-1].values.index(n)]
        assert e_lower < e < e_upper, (n, e_lower, e, e_upper)
        assert e < 2 * e_lower, (n, e / e_lower)     # regression cap (docstring)


# ----------------------------------------------------------------------------- areas
def _expected_f2(widths_f, length_f=1.0):
    """Independent per-device rule: F2_PER_DEVICE x max(1, W / 3F) plus the extra gate
    area W (L - F), W and L in F."""
    return sum(F2_PER_DEVICE * max(1.0, w / 3.0) + w * max(0.0, length_f - 1.0)
               for w in widths_f)


@pytest.mark.parametrize("tech_name", ["45nm", "22nm"])
def test_areas(tech_name):
    tech = technology(tech_name)
    items = {a.component: a for a in areas(tech_name)}
    f = tech.node_m
    f2 = f * f
    lm = tech.l_min_m / f
    for key in ("sot_2t1r_cell", "corn_3t_cell", "sense_amplifier", "xnor_logic",
                "write_driver_9nmos", "write_driver_switches", "fa", "dff", "inv"):
        assert items[key].area_m2 > 0 and items[key].description
    assert items["sot_2t1r_cell"].area_m2 == pytest.approx(96 * f2, rel=1e-12)
    for op in ("inv", "fa", "dff"):
        assert items[op].area_m2 == pytest.approx(NANGATE45[op] * (f / 45e-9) ** 2, rel=1e-12)
    # StrongARM: tail 8, input pair 6, latch 4 x 2, reset 4 x 2, three unit inverters (4, 2)
    sa_w = [8, 6, 6, *[2] * 4, *[2] * 4, *[4, 2] * 3]
    assert items["sense_amplifier"].area_m2 == pytest.approx(
        _expected_f2([w * lm for w in sa_w]) * f2, rel=1e-12)
    # XNOR: unit inverter (4, 2) + NAND2 (4, 4, 4, 4)
    assert items["xnor_logic"].area_m2 == pytest.approx(
        _expected_f2([w * lm for w in (4, 2, 4, 4, 4, 4)]) * f2, rel=1e-12)
    cfg = wd.DriverConfig(tech_name=tech_name)
    assert items["write_driver_9nmos"].area_m2 == pytest.approx(
        _expected_f2([cfg.width_factor] * wd.N_INPUTS, cfg.nmos_l_m / f) * f2, rel=1e-12)
    assert items["write_driver_switches"].area_m2 == pytest.approx(
        _expected_f2([cfg.switch_width_factor] * 3) * f2, rel=1e-12)
    assert items["inv"].area_m2 < items["fa"].area_m2 < items["dff"].area_m2


def test_subckt_mosfets_flattens_instances():
    tech = technology("45nm")
    devices = subckt_mosfets(sa.strongarm_subckt("sa", tech), "sa")
    assert len(devices) == 11 + 3 * 2
    assert len(subckt_mosfets(sa.xnor_logic_subckt("xn", tech), "XN")) == 6
    with pytest.raises(ParameterError, match="top"):
        subckt_mosfets(sa.inverter_subckt("inv", tech), "nope")


# ----------------------------------------------------------------------------- delays
#: input edge of the "stepped" benches (0.1 ps, s): a delay measured from a SLEW_S ramp's 50 %
#: point is at least the stepped bench's crossing time minus SLEW_S / 2 -- an input that
#: is ahead at every instant cannot make a monotone CMOS path's output later.
STEP_S = 1e-13


def _first_cross(t, v, level, t_from, rising):
    """First crossing of ``level`` after ``t_from`` in the given direction (s)."""
    d = np.asarray(v) - level
    idx = np.nonzero((t[1:] >= t_from) & ((d[:-1] < 0) & (d[1:] >= 0) if rising
                                          else (d[:-1] > 0) & (d[1:] <= 0)))[0]
    i = idx[0]
    return t[i] + d[i] / (d[i] - d[i + 1]) * (t[i + 1] - t[i])


@pytest.fixture(scope="module")
def stepped45(ex):
    """Lower bounds (s) on the measured delays from benches with 1 fs input edges."""
    tech = technology("45nm")
    vdd, half = tech.vdd_v, pn.SLEW_S / 2
    benches = {("fa", 0): pn.full_adder_bench(tech, vdd, 300.0, slew_s=STEP_S),
               ("dff", 0): pn.dff_bench(tech, vdd, 300.0, slew_s=STEP_S)}
    benches.update({("decoder", n): dn.decoder_bench(tech, n, vdd, slew_s=STEP_S)
                    for n in DECODER_ROWS})
    benches.update({("wordline", n): pn.wordline_bench(tech, n, vdd, slew_s=STEP_S)
                    for n in COLS})
    benches.update({("bitline", n): pn.bitline_bench(tech, n, vdd, 0.2, slew_s=STEP_S)
                    for n in BITLINE_DELAY_ROWS})
    vecs = dict(zip(benches, ex.run_jobs(list(benches.values()))))
    out = {}
    v = vecs[("fa", 0)]
    seq = [pn.FA_SEQUENCE[-1], *pn.FA_SEQUENCE]
    worst = 0.0
    for k in range(1, len(seq)):
        t0 = pn.FA_T0_S + (k - 1) * pn.FA_PERIOD_S
        for node, f in (("s", lambda x: x.bit_count() % 2),
                        ("co", lambda x: int(x.bit_count() >= 2))):
            if f(seq[k]) != f(seq[k - 1]):
                worst = max(worst, _first_cross(v["time"], v[node], vdd / 2, t0,
                                                f(seq[k]) == 1) - t0 - half)
    out["fa"] = worst
    v = vecs[("dff", 0)]
    p = pn.DFF_PERIOD_S
    out["dff"] = max(_first_cross(v["time"], v["q"], vdd / 2, k * p + p / 2,
                                  pn.dff_data_bit(k + 1) == 1) - (k * p + p / 2) - half
                     for k in range(2, pn.DFF_CYCLES))
    t1, t2 = dn.T1_S, dn.T2_S
    for n in DECODER_ROWS:
        v = vecs[("decoder", n)]
        out["decoder", n] = max(_first_cross(v["time"], v[f"w{n - 1}"], vdd / 2, t1, True) - t1,
                                _first_cross(v["time"], v["w0"], vdd / 2, t2, True) - t2) - half
    t1, t2 = pn.LINE_T1_S, pn.LINE_T2_S
    for n in COLS:
        v = vecs[("wordline", n)]
        out["wordline", n] = max(_first_cross(v["time"], v["far"], vdd / 2, t1, True) - t1,
                                 _first_cross(v["time"], v["far"], vdd / 2, t2, False) - t2) - half
    v_read = 0.2
    q_drain = _device_charge(ex, tech, "n", READ_W_MULT * tech.l_min_m, "d", v_read / 2)
    for n in BITLINE_DELAY_ROWS:
        # the precharge switch stays off (< 1e-3 of its full current) until its gate ramp
        # reaches v_on, so the stepped bench may start that much later
        w_sw = pn.line_driver_mult(n) * tech.l_min_m
        i_sw = _switch_iv(ex, tech, w_sw, v_read)
        v_on = float(np.linspace(0.0, vdd, len(i_sw))[np.argmax(i_sw >= 1e-3 * i_sw[-1])])
        v = vecs[("bitline", n)]
        stepped = (_first_cross(v["time"], v["far"], v_read / 2, t1, True) - t1 - half
                   + pn.SLEW_S * v_on / vdd)
        # and when the far end is at v_read / 2 the whole line is (monotone RC charging):
        # that charge came through the switch, at most I(V_gs(t), V_ds = v_read) each instant
        q_half = (n * arr.PITCH_ALONG_COL_F * tech.node_m * tech.wire_c_f_per_m * v_read / 2
                  + q_drain * n)
        out["bitline", n] = max(stepped, _ramp_charge_time(i_sw, q_half, vdd))
    return out


def _switch_iv(ex, tech, w_m, v_ds):
    """|I_d| of an NMOS (source and bulk 0, drain v_ds) over V_gs = 0 .. VDD (201 points)."""
    vdd = tech.vdd_v
    lines = [st.include(str(tech.card_path)), st.temperature(300.0 - 273.15),
             st.vsource_dc("Vd", "d", "0", v_ds), st.vsource_dc("Vg", "g", "0", 0.0),
             st.mosfet("M1", "d", "g", "0", "0", tech.nmos_model, w_m=w_m, l_m=tech.l_min_m),
             st.analysis_line(st.dc("Vg", 0.0, vdd, vdd / 200))]
    return np.abs(ex.run_jobs([st.netlist("spincim test switch", lines)])[0]["vd#branch"])


@pytest.mark.ngspice
@pytest.mark.slow
def test_delays_above_stepped_input_bound(gates_vdd, lines45, stepped45):
    """FA, DFF, decoder, word- and bit-line delays (45 nm, 1 V) are above the stepped-input
    bound; measured 1.05-1.66 x it, so a halved delay fails. The bit line's bound is the
    larger of that and the time its switch needs, at most I(V_gs(t), V_ds = v_read), to
    bring the whole line to v_read / 2. The FA, DFF and decoder have no physical upper
    bound here: a doubled delay of those is caught by the regression cap delay < 2 x the
    lower bound (an empirical cap, not a physical bound; word and bit lines have one in
    :func:`test_line_delays_below_resistive_driver_bound`)."""
    i = gates_vdd["fa"].axes[0].values.index(1.0)
    pairs = [(gates_vdd[op].latency_s[i, 0], stepped45[op]) for op in ("fa", "dff")]
    for op, sizes in (("decoder", DECODER_ROWS), ("wordline", COLS),
                      ("bitline", BITLINE_DELAY_ROWS)):
        o = lines45[op]
        pairs += [(o.latency_s[0, 0, o.axes[-1].values.index(n)], stepped45[op, n]) for n in sizes]
    for measured, bound in pairs:
        assert bound < measured < 2 * bound, (measured, bound)   # 2 x: regression cap


def _driver_resistance_max(ex, tech, kind, w_m, v_gate, v_from, v_to, *, pass_source=False):
    """Largest (V_from - V_node) / I of a fully-on transistor over the node's swing.

    ``pass_source``: the swept node is the NMOS source (a pass switch from ``v_from``);
    else the drain (a driver from a rail at ``v_from``). After its gate edge the real
    device carries at least (V_from - V_node) / R_max, so it is no weaker than R_max.
    """
    model = tech.nmos_model if kind == "n" else tech.pmos_model
    n = 200
    sweep = st.dc("Vx", v_to, v_from - (v_from - v_to) / n, (v_from - v_to) / n)
    if pass_source:
        dev = st.mosfet("M1", "top", "g", "x", "0", model, w_m=w_m, l_m=tech.l_min_m)
    else:
        bulk = "top" if kind == "p" else "0"
        dev = st.mosfet("M1", "x", "g", "top", bulk, model, w_m=w_m, l_m=tech.l_min_m)
    lines = [st.include(str(tech.card_path)), st.temperature(300.0 - 273.15),
             st.vsource_dc("Vtop", "top", "0", v_from), st.vsource_dc("Vg", "g", "0", v_gate),
             st.vsource_dc("Vx", "x", "0", v_to), dev, st.analysis_line(sweep)]
    vec = ex.run_jobs([st.netlist("spincim test rdrv", lines)])[0]
    v_node = np.asarray(vec["v-sweep"]) if "v-sweep" in vec else np.asarray(vec["x"])
    return float(np.max(np.abs(v_from - v_node) / np.abs(vec["vtop#branch"])))


def _ladder_upper_delay(ex, tech, lines, r_drv, v_lo, v_hi, level, t_start):
    """50 % time of ``far`` after a step v_lo -> v_hi at t_start through r_drv into the
    bench's own line (``lines``: the ladder and the off driver's diffusions)."""
    text = st.netlist("spincim test ladder", [
        st.include(str(tech.card_path)), st.temperature(300.0 - 273.15),
        st.vsource_pwl("Vstep", "src", "0", [0.0, t_start, t_start + STEP_S], [v_lo, v_lo, v_hi]),
        st.resistor("Rdrv", "src", "n0", r_drv), *lines,
        st.analysis_line(st.tran(1e-12, t_start + 2e-9, max_step_s=2e-12))])
    vec = ex.run_jobs([text])[0]
    return _first_cross(vec["time"], vec["far"], level, t_start, v_hi > v_lo) - t_start


@pytest.mark.ngspice
@pytest.mark.slow
def test_line_delays_below_resistive_driver_bound(ex, lines45):
    """Word- and bit-line delays (45 nm) below the delay of the same line driven, from the
    end of the input ramp, by a resistor R_max no stronger than the transistor at full
    gate drive (largest V/I over the swing, from a DC sweep) -- the ladder, the access
    transistors and the driver's diffusions are the bench's own (before the ramp ends the
    driver's current is counted as zero: its Miller kick, ~2 % of the line charge, is
    outweighed by the conduction in the ramp's second half). Measured 0.70-0.93 x it, so
    a doubled delay fails."""
    tech = technology("45nm")
    vdd, l, v_read = tech.vdd_v, tech.l_min_m, 0.2
    t0 = pn.SLEW_S   # ramp end, relative to the ramp start; the delay counts from SLEW/2
    wl = lines45["wordline"]
    for i, n in enumerate(COLS):
        m = pn.line_driver_mult(n)
        ladder = pn.rc_ladder(tech, "w", n, arr.PITCH_ALONG_ROW_F, "far", "n0",
                              lambda name, node, cells: st.mosfet(
                                  name, "0", node, "0", "0", tech.nmos_model,
                                  w_m=READ_W_MULT * l, l_m=l, m=cells))
        off = [st.vsource_dc("Vdd", "vdd", "0", vdd),
               pn.pmos(tech, "Mdp", "n0", "vdd", "vdd", 2 * m), pn.nmos(tech, "Mdn", "n0", "0", "0", m)]
        r_p = _driver_resistance_max(ex, tech, "p", 2 * m * l, 0.0, vdd, 0.0)
        r_n = _driver_resistance_max(ex, tech, "n", m * l, vdd, 0.0, vdd)
        rise = _ladder_upper_delay(ex, tech, off + ladder, r_p, 0.0, vdd, vdd / 2, t0)
        fall = _ladder_upper_delay(ex, tech, off + ladder, r_n, vdd, 0.0, vdd / 2, t0)
        upper = t0 - pn.SLEW_S / 2 + max(rise, fall)
        assert wl.latency_s[0, 0, i] < upper < 2 * wl.latency_s[0, 0, i], (n, wl.latency_s[0, 0, i], upper)
    bl = lines45["bitline"]
    for n in BITLINE_DELAY_ROWS:
        i = ROWS.index(n)
        m = pn.line_driver_mult(n)
        ladder = pn.rc_ladder(tech, "b", n, arr.PITCH_ALONG_COL_F, "far", "n0",
                              lambda name, node, cells: st.mosfet(
                                  name, node, "0", "0", "0", tech.nmos_model,
                                  w_m=READ_W_MULT * l, l_m=l, m=cells))
        off = [st.vsource_dc("Vr", "vr", "0", v_read),
               pn.nmos(tech, "Mpre", "vr", "0", "n0", m), pn.nmos(tech, "Mdis", "n0", "0", "0", m)]
        r_sw = _driver_resistance_max(ex, tech, "n", m * l, vdd, v_read, 0.0, pass_source=True)
        upper = t0 - pn.SLEW_S / 2 + _ladder_upper_delay(ex, tech, off + ladder, r_sw, 0.0,
                                                         v_read, v_read / 2, t0)
        assert bl.latency_s[0, 0, i] < upper < 2 * bl.latency_s[0, 0, i], (n, bl.latency_s[0, 0, i], upper)


# ----------------------------------------------------------------------------- runner
@pytest.mark.ngspice
def test_checkpointed_gate_and_line_ops_resume_identically(ex, tmp_path):
    """Benches stored in a checkpoint are restored, not re-run, with identical results."""
    from spincim.characterize.checkpoint import Checkpoint

    def run(path, executor):
        with Checkpoint(path, kind="test periphery", parameters={"tech": "22nm"}) as ck:
            g = P.gate_ops("22nm", quick=True, ops=("inv",), executor=executor, checkpoint=ck)
            lo = P.line_ops("22nm", rows=(64, 128), cols=(64, 128), quick=True,
                            executor=executor, checkpoint=ck)
            return g + lo, ck.count("gates"), ck.count("lines")

    path = tmp_path / "periphery.ckpt"
    first, n_gates, n_lines = run(path, ex)
    assert (n_gates, n_lines) == (1, 6)
    with LocalExecutor(1) as fresh:
        second, _, _ = run(path, fresh)
        assert fresh.report.restored == {"gates": 1, "lines": 6}
    for a, b in zip(first, second):
        assert a.op == b.op and a.netlist_sha256 == b.netlist_sha256
        assert np.array_equal(a.energy_j, b.energy_j) and np.array_equal(a.latency_s, b.latency_s)

"""CMOS periphery: gates, composite digital blocks, array lines, decoders and areas.

Everything here is either an ngspice transient at the technology node (PTM card of
:func:`spincim.devices.technology.technology`, L = l_min) or a documented formula over
those results. Energies are in J, latencies in s, areas in m^2.

Gate benches (:func:`gate_ops`) share one convention: the device under test (DUT) has
its own supply ``Vdd``; its fan-out-of-4 load (four unit inverters, Wn = 2 l_min,
Wp = 4 l_min, from :func:`netlists.sense_amp.inverter_subckt`) sits on a separate supply
``Vld`` whose energy is *not* counted; inputs are ideal PWL sources with a 20 ps slew
(their gate-charging energy belongs to the previous stage and is not counted). Energy is
the integral of VDD x (supply current) over a measurement window (dynamic, short-circuit
and leakage together); delays are 50 %-to-50 %.

Line benches (:func:`line_ops`) count the driver supply *and* the charge the driver's
input draws (VDD x positive charge of the input source, what a CMOS pre-driver would
draw), because a large line driver's gate is not negligible.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import numpy as np

from ..devices.technology import Technology, technology
from ..errors import ParameterError, SimulationError
from ..netlists import array as arr
from ..netlists import ngspice
from ..netlists import sense_amp as sa
from ..netlists import spice_text as st
from ..netlists.cell import READ_W_MULT
from .adders import (adder_tree_cost, check_n, dff_bank_cost, fa_tree_counts, popcount_cost,
                     popcount_tree_counts, ripple_adder_cost)
from .opdata import AreaItem, AxisSpec, OpCharacterization, integrate_power_j, sha256_text

__all__ = ["gate_ops", "inverter_load_capacitance_f", "fa_tree_counts", "bitcount_n",
           "adder_n", "shifter_n", "register_n", "popcount_tree_n", "line_ops", "areas",
           "SLEW_S", "FO", "SEGMENT_PITCHES", "NANGATE45"]

#: input slew of the ideal PWL sources (s)
SLEW_S = 20e-12
#: fan-out of the gate benches (unit inverters on each output)
FO = 4
#: cell pitches lumped into one RC segment of a line
SEGMENT_PITCHES = 16
#: unit inverter widths (multiples of l_min): the sense_amp.inverter_subckt defaults
WN_UNIT, WP_UNIT = 2.0, 4.0
#: NanGate FreePDK45 Open Cell Library (typical liberty, v1.3) cell areas in um^2 at
#: F = 45 nm: INV_X1 0.532 (2 x 0.19 um sites x 1.4 um row), FA_X1 4.256 (16 sites),
#: DFF_X1 4.522 (17 sites). Scaled to other nodes as F^2 multiples.
NANGATE45 = {"inv": 0.532e-12, "fa": 4.256e-12, "dff": 4.522e-12}
_NANGATE_F_M = 45e-9
#: area per transistor in F^2 for circuits without a standard cell (estimate: NanGate
#: FA_X1 is 2102 F^2 for 28 devices, 75 F^2 each; DFF_X1 2233 F^2 for ~24-28 devices,
#: 80-93 F^2 each). Devices wider than 3 F scale with W / 3 F.
F2_PER_DEVICE = 80.0


# ----------------------------------------------------------------------------- helpers
def _tech(tech_name: str | Technology) -> Technology:
    return tech_name if isinstance(tech_name, Technology) else technology(tech_name)


def _x(name: str, nodes: Sequence[str], sub: str) -> str:
    """Subcircuit instance line (names checked as spice_text does)."""
    st.check_name(name, field="instance")
    if name[0].lower() != "x":
        raise ParameterError("instance", f"{name!r} must start with 'X'")
    return " ".join([name, *(st.check_node(n) for n in nodes), st.check_name(sub)])


def _nm(tech, name, d, g, s, mult):
    return st.mosfet(name, d, g, s, "0", tech.nmos_model, w_m=mult * tech.l_min_m,
                     l_m=tech.l_min_m)


def _pm(tech, name, d, g, s, mult, bulk="vdd"):
    return st.mosfet(name, d, g, s, bulk, tech.pmos_model, w_m=mult * tech.l_min_m,
                     l_m=tech.l_min_m)


def _header(tech: Technology, vdd: float, temp_k: float) -> list[str]:
    return [st.include(str(tech.card_path)), st.temperature(temp_k - 273.15),
            st.vsource_dc("Vdd", "vdd", "0", vdd), st.vsource_dc("Vld", "vld", "0", vdd),
            *sa.inverter_subckt("unv", tech, wn_mult=WN_UNIT, wp_mult=WP_UNIT)]


def _fo4(node: str, tag: str) -> list[str]:
    return [_x(f"Xl{tag}{k}", (node, f"lo{tag}{k}", "vld"), "unv") for k in range(FO)]


def _pwl_bits(name: str, node: str, bits: Sequence[int], t0: float, period: float,
              vdd: float) -> str:
    """PWL source: ``bits[0]`` until t0, then bit k from t0 + (k-1) period (SLEW_S ramps)."""
    times, values = [0.0], [bits[0] * vdd]
    for k in range(1, len(bits)):
        tk = t0 + (k - 1) * period
        times += [tk, tk + SLEW_S]
        values += [bits[k - 1] * vdd, bits[k] * vdd]
    return st.vsource_pwl(name, node, "0", times, values)


def _crossings(t, v, level):
    """Times where v crosses level (linear interpolation), with direction (+1/-1)."""
    d = np.asarray(v) - level
    idx = np.nonzero(np.sign(d[:-1]) * np.sign(d[1:]) < 0)[0]
    out = []
    for i in idx:
        f = d[i] / (d[i] - d[i + 1])
        out.append((t[i] + f * (t[i + 1] - t[i]), 1 if d[i + 1] > d[i] else -1))
    return out


def _last_cross(t, v, level, t_from, t_to, direction):
    hits = [tc for tc, s in _crossings(t, v, level) if t_from <= tc <= t_to and s == direction]
    if not hits:
        raise SimulationError(f"no {'rising' if direction > 0 else 'falling'} crossing of "
                              f"{level:.3g} V in [{t_from:.3g}, {t_to:.3g}] s")
    return hits[-1]


def _supply_energy(vec, source: str, v: float, t0: float, t1: float) -> float:
    return v * integrate_power_j(vec["time"], -vec[f"{source.lower()}#branch"], t0, t1)


def _input_energy(vec, source: str, v: float, t0: float, t1: float) -> float:
    """VDD x positive charge delivered by an input source (what a pre-driver would draw)."""
    i = np.maximum(-vec[f"{source.lower()}#branch"], 0.0)
    return v * integrate_power_j(vec["time"], i, t0, t1)


def _run(jobs: list[ngspice.Job], workers: int | None) -> list:
    if not jobs:
        return []
    return ngspice.run_many(jobs, workers=workers or min(2, len(jobs)), timeout_s=300.0)


def _tran(stop_s: float) -> str:
    return st.tran(1e-12, stop_s, max_step_s=2e-12)


# ----------------------------------------------------------------------------- inverter
_INV_T1, _INV_T2, _INV_STOP = 100e-12, 500e-12, 900e-12


def _inv_netlist(tech: Technology, vdd: float, temp_k: float, *, cload: bool = False) -> str:
    """Unit inverter (Wn 2, Wp 4 x l_min) with FO4; ``cload``: bench measuring C_load."""
    lines = _header(tech, vdd, temp_k)
    gp, gn = ("vdd", "0") if cload else ("in", "in")
    lines += [_pm(tech, "Mp", "out", gp, "vdd", WP_UNIT), _nm(tech, "Mn", "out", gn, "0", WN_UNIT),
              *_fo4("out", "o")]
    if cload:   # DUT off; an ideal ramp charges the output node (DUT drains + FO4 gates)
        lines.append(st.vsource_pwl("Vout", "out", "0", [0.0, _INV_T1, _INV_T1 + SLEW_S],
                                    [0.0, 0.0, vdd]))
    else:
        lines.append(_pwl_bits("Vin", "in", [0, 1, 0], _INV_T1, _INV_T2 - _INV_T1, vdd))
    return st.netlist("spincim periphery inverter", [*lines, st.analysis_line(_tran(_INV_STOP))])


def _inv_measure(vec, vdd: float) -> tuple[float, float]:
    t = vec["time"]
    e = _supply_energy(vec, "Vdd", vdd, 50e-12, _INV_STOP - 10e-12) / 2.0
    tin1, tin2 = _INV_T1 + SLEW_S / 2, _INV_T2 + SLEW_S / 2
    t_hl = _last_cross(t, vec["out"], vdd / 2, _INV_T1, _INV_T2, -1) - tin1
    t_lh = _last_cross(t, vec["out"], vdd / 2, _INV_T2, _INV_STOP, +1) - tin2
    return e, 0.5 * (t_hl + t_lh)


def inverter_load_capacitance_f(tech_name: str, *, vdd_v: float | None = None,
                                temperature_k: float = 300.0) -> float:
    """Switched capacitance of the inverter bench's output node (F).

    Same netlist as the inverter bench with the DUT switched off (PMOS gate at VDD, NMOS
    gate at 0) and an ideal 0 -> VDD ramp on the output: C = (charge from the ramp) / VDD.
    Includes the DUT drain junctions and the four load inverters' gates (with their
    Miller charge). A full cycle of the inverter should then take about C x VDD^2.
    """
    tech = _tech(tech_name)
    vdd = tech.vdd_v if vdd_v is None else float(vdd_v)
    vec = ngspice.run(_inv_netlist(tech, vdd, temperature_k, cload=True), timeout_s=120.0)
    t = vec["time"]
    q = integrate_power_j(t, -vec["vout#branch"], _INV_T1 - 5e-12, _INV_T1 + SLEW_S + 50e-12)
    return q / vdd


# ----------------------------------------------------------------------------- full adder
#: input vectors (bit 2 = a, bit 1 = b, bit 0 = cin): a Gray cycle (single-input changes)
#: then a cycle of multi-input changes; the bench starts from the last vector.
FA_SEQUENCE = (0, 1, 3, 2, 6, 7, 5, 4, 0, 7, 1, 6, 2, 5, 3, 4)
_FA_T0, _FA_PERIOD = 100e-12, 300e-12


def _fa_lines(tech: Technology) -> list[str]:
    """28-transistor mirror adder (Weste & Harris, CMOS VLSI Design 4th ed., Fig. 11.4):
    inverting carry (10) and sum (14) stages plus two output inverters (4)."""
    n, p = WN_UNIT, WP_UNIT
    return [
        # carry stage: cob = NOT maj(a, b, c)
        _pm(tech, "Mp1", "x1", "a", "vdd", p), _pm(tech, "Mp2", "x1", "b", "vdd", p),
        _pm(tech, "Mp3", "cob", "c", "x1", p), _pm(tech, "Mp4", "x2", "a", "vdd", p),
        _pm(tech, "Mp5", "cob", "b", "x2", p),
        _nm(tech, "Mn1", "y1", "a", "0", n), _nm(tech, "Mn2", "y1", "b", "0", n),
        _nm(tech, "Mn3", "cob", "c", "y1", n), _nm(tech, "Mn4", "y2", "a", "0", n),
        _nm(tech, "Mn5", "cob", "b", "y2", n),
        # sum stage: sb = NOT (cob (a + b + c) + a b c)
        _pm(tech, "Mp6", "x3", "a", "vdd", p), _pm(tech, "Mp7", "x3", "b", "vdd", p),
        _pm(tech, "Mp8", "x3", "c", "vdd", p), _pm(tech, "Mp9", "sb", "cob", "x3", p),
        _pm(tech, "Mp10", "x4", "a", "vdd", p), _pm(tech, "Mp11", "x5", "b", "x4", p),
        _pm(tech, "Mp12", "sb", "c", "x5", p),
        _nm(tech, "Mn6", "y3", "a", "0", n), _nm(tech, "Mn7", "y3", "b", "0", n),
        _nm(tech, "Mn8", "y3", "c", "0", n), _nm(tech, "Mn9", "sb", "cob", "y3", n),
        _nm(tech, "Mn10", "y4", "a", "0", n), _nm(tech, "Mn11", "y5", "b", "y4", n),
        _nm(tech, "Mn12", "sb", "c", "y5", n),
        _x("Xoc", ("cob", "co", "vdd"), "unv"), _x("Xos", ("sb", "s", "vdd"), "unv"),
    ]


def _fa_netlist(tech: Technology, vdd: float, temp_k: float) -> str:
    seq = [FA_SEQUENCE[-1], *FA_SEQUENCE]
    lines = _header(tech, vdd, temp_k) + _fa_lines(tech) + _fo4("co", "c") + _fo4("s", "s")
    for bit, node in ((2, "a"), (1, "b"), (0, "c")):
        lines.append(_pwl_bits(f"V{node}", node, [(v >> bit) & 1 for v in seq], _FA_T0,
                               _FA_PERIOD, vdd))
    stop = _FA_T0 + len(FA_SEQUENCE) * _FA_PERIOD
    return st.netlist("spincim periphery full adder", [*lines, st.analysis_line(_tran(stop))])


def _fa_measure(vec, vdd: float) -> tuple[float, float]:
    t = vec["time"]
    seq = [FA_SEQUENCE[-1], *FA_SEQUENCE]
    n = len(FA_SEQUENCE)
    e = _supply_energy(vec, "Vdd", vdd, _FA_T0, _FA_T0 + n * _FA_PERIOD) / n
    worst = 0.0
    for k in range(1, n + 1):
        t0 = _FA_T0 + (k - 1) * _FA_PERIOD
        bits = [(seq[k] >> b) & 1 for b in (2, 1, 0)]
        prev = [(seq[k - 1] >> b) & 1 for b in (2, 1, 0)]
        for node, f in (("s", lambda x: sum(x) % 2), ("co", lambda x: int(sum(x) >= 2))):
            want = f(bits)
            v_end = np.interp(t0 + _FA_PERIOD - 5e-12, t, vec[node])
            if abs(v_end - want * vdd) > 0.2 * vdd:
                raise SimulationError(f"full adder: {node} = {v_end:.3f} V for inputs {bits}")
            if want != f(prev):
                tc = _last_cross(t, vec[node], vdd / 2, t0, t0 + _FA_PERIOD,
                                 1 if want else -1)
                worst = max(worst, tc - (t0 + SLEW_S / 2))
    return e, worst


# ----------------------------------------------------------------------------- flip-flop
_DFF_PERIOD, _DFF_CYCLES, _DFF_SKIP = 500e-12, 6, 2


def _dff_lines(tech: Technology) -> list[str]:
    """Positive-edge transmission-gate master-slave D flip-flop (Weste & Harris Fig. 10.19b
    style, clocked feedback): local clock inverters (clkb, clki), TG1/TG2 master, TG3/TG4
    slave, four storage inverters; 20 transistors, q = D after the rising clk edge."""
    n, p = WN_UNIT, WP_UNIT

    def tg(name, a, b, gn, gp):
        return [_nm(tech, f"Mn{name}", a, gn, b, n), _pm(tech, f"Mp{name}", a, gp, b, p)]

    return [_x("Xc1", ("clk", "clkb", "vdd"), "unv"), _x("Xc2", ("clkb", "clki", "vdd"), "unv"),
            *tg("t1", "d", "m1", "clkb", "clki"),     # master input: clk low
            _x("Xm1", ("m1", "m2", "vdd"), "unv"), _x("Xm2", ("m2", "m3", "vdd"), "unv"),
            *tg("t2", "m3", "m1", "clki", "clkb"),    # master feedback: clk high
            *tg("t3", "m2", "s1", "clki", "clkb"),    # slave input: clk high
            _x("Xs1", ("s1", "q", "vdd"), "unv"), _x("Xs2", ("q", "s3", "vdd"), "unv"),
            *tg("t4", "s3", "s1", "clkb", "clki")]    # slave feedback: clk low


def _dff_data(k: int) -> int:
    return k % 2


def _dff_netlist(tech: Technology, vdd: float, temp_k: float) -> str:
    p = _DFF_PERIOD
    lines = _header(tech, vdd, temp_k) + _dff_lines(tech) + _fo4("q", "q")
    lines.append(st.vsource_pulse("Vclk", "clk", "0", v1_v=0.0, v2_v=vdd, delay_s=p / 2,
                                  rise_s=SLEW_S, fall_s=SLEW_S, width_s=p / 2 - SLEW_S,
                                  period_s=p))
    # d changes at k P + P/4 (middle of the low phase), toggling every cycle
    lines.append(_pwl_bits("Vd", "d", [_dff_data(k) for k in range(_DFF_CYCLES + 1)], p / 4, p,
                           vdd))
    stop = _DFF_CYCLES * p
    return st.netlist("spincim periphery dff", [*lines, st.analysis_line(_tran(stop))])


def _dff_measure(vec, vdd: float) -> tuple[float, float]:
    t, p = vec["time"], _DFF_PERIOD
    e = _supply_energy(vec, "Vdd", vdd, _DFF_SKIP * p, _DFF_CYCLES * p) / (_DFF_CYCLES - _DFF_SKIP)
    worst = 0.0
    for k in range(_DFF_SKIP, _DFF_CYCLES):
        edge = k * p + p / 2
        want = _dff_data(k + 1)       # d applied at k P + P/4 is bits[k + 1]
        v_end = np.interp(edge + p / 2 - 5e-12, t, vec["q"])
        if abs(v_end - want * vdd) > 0.2 * vdd:
            raise SimulationError(f"dff: q = {v_end:.3f} V after edge {k}, expected {want}")
        tc = _last_cross(t, vec["q"], vdd / 2, edge, edge + p / 2, 1 if want else -1)
        worst = max(worst, tc - (edge + SLEW_S / 2))
    return e, worst


_GATES = {
    "inv": (_inv_netlist, _inv_measure,
            "unit CMOS inverter (Wn 2, Wp 4 x l_min) driving FO4",
            "energy: DUT supply energy over one rise + one fall of the output, / 2 (per "
            "transition; short-circuit and leakage included); latency: mean of the 50 % "
            "tpHL and tpLH; ideal 20 ps input ramps, FO4 load on a separate supply"),
    "fa": (_fa_netlist, _fa_measure,
           "28-transistor mirror full adder (Wn 2, Wp 4 x l_min) with FO4 on sum and carry",
           "energy: DUT supply energy over the 16 input transitions of FA_SEQUENCE, / 16 "
           "(per addition); latency: worst 50 % input-to-output delay of sum or carry "
           "over those transitions; outputs checked against the truth table"),
    "dff": (_dff_netlist, _dff_measure,
            "positive-edge transmission-gate master-slave D flip-flop (20 transistors, "
            "local clock inverters) driving FO4",
            "energy: DUT supply energy per clock cycle with D toggling every cycle (clock "
            "buffers included, the clock source's own gate charge not); latency: worst "
            "50 % clk-to-q of rising and falling q; setup time P/4 = 125 ps"),
}


def gate_ops(tech_name: str, *, vdd_values: Sequence[float] | None = None,
             temperatures_k: Sequence[float] = (300.0, 358.0), quick: bool = False,
             ops: Sequence[str] = ("inv", "fa", "dff"),
             workers: int | None = None) -> list[OpCharacterization]:
    """ngspice characterization of ``inv``, ``fa`` and ``dff`` over (vdd_v, temperature_k).

    ``vdd_values`` defaults to nominal x (0.9, 1.0, 1.1); ``quick`` uses nominal VDD and
    300 K only. Arrays have shape (len(vdd), len(temperature)).
    """
    tech = _tech(tech_name)
    unknown = set(ops) - set(_GATES)
    if unknown:
        raise ParameterError("ops", f"unknown gates {sorted(unknown)}; choose from {list(_GATES)}")
    if quick:
        vdds, temps = (tech.vdd_v,), (300.0,)
    else:
        vdds = tuple(sorted(round(float(v), 9) for v in (
            vdd_values if vdd_values is not None
            else (0.9 * tech.vdd_v, tech.vdd_v, 1.1 * tech.vdd_v))))
        temps = tuple(sorted(float(t) for t in temperatures_k))
    grid = [(op, i, j) for op in ops for i in range(len(vdds)) for j in range(len(temps))]
    texts = [_GATES[op][0](tech, vdds[i], temps[j]) for op, i, j in grid]
    results = _run([ngspice.Job(text) for text in texts], workers)
    out = []
    for op in ops:
        build, measure, description, criterion = _GATES[op]
        e = np.zeros((len(vdds), len(temps)))
        lat = np.zeros_like(e)
        hashes = {}
        for (o, i, j), text, vec in zip(grid, texts, results):
            if o != op:
                continue
            e[i, j], lat[i, j] = measure(vec, vdds[i])
            hashes[f"{op}_vdd{vdds[i]:.3g}_t{temps[j]:.0f}"] = sha256_text(text)
        axes = (AxisSpec("vdd_v", vdds, "V", tech.vdd_v),
                AxisSpec("temperature_k", temps, "K", 300.0))
        out.append(OpCharacterization(op, axes, e, lat, f"{tech.name}: {description}",
                                      criterion, hashes))
    return out


# ----------------------------------------------------------------------------- composites
def _gate_map(gates) -> dict[str, OpCharacterization]:
    if isinstance(gates, Mapping):
        return dict(gates)
    return {g.op: g for g in gates}


def _composite(op: str, base: OpCharacterization, energy, latency, description, criterion):
    return OpCharacterization(op, base.axes, np.asarray(energy, float),
                              np.asarray(latency, float), description, criterion,
                              dict(base.netlist_sha256))


def bitcount_n(n: int, gates) -> OpCharacterization:
    """Popcount of ``n`` bits as a full-adder tree (see :func:`fa_tree_counts`).

    Count: n - bit_length(n) full adders plus n_HA half adders, each half adder costed as
    one full adder (upper bound). Energy = (n_FA + n_HA) x E_fa; latency = depth x t_fa
    (t_fa = the FA's worst sum/carry delay).
    """
    g = _gate_map(gates)["fa"]
    n_fa, n_ha, depth = fa_tree_counts(check_n(n))
    return _composite(f"bitcount_{n}", g, *popcount_cost(n, g.energy_j, g.latency_s),
                      f"popcount of {n} bits: {n_fa} FA + {n_ha} HA (costed as FA), "
                      f"depth {depth} adders",
                      "formula over the fa characterization (same axes)")


def adder_n(n: int, gates) -> OpCharacterization:
    """n-bit ripple-carry adder: **n FA**; energy n x E_fa, latency n x t_fa (carry chain)."""
    g = _gate_map(gates)["fa"]
    return _composite(f"adder_{n}", g, *ripple_adder_cost(n, g.energy_j, g.latency_s),
                      f"{n}-bit ripple-carry adder: {n} FA",
                      "formula over the fa characterization (same axes)")


def shifter_n(n: int, gates) -> OpCharacterization:
    """n-bit 1-position shift register (not a barrel shifter): **n DFF** clocked once per
    shift; energy n x E_dff (every bit toggling: upper bound), latency one clk-to-q."""
    g = _gate_map(gates)["dff"]
    return _composite(f"shifter_{n}", g, *dff_bank_cost(n, g.energy_j, g.latency_s),
                      f"{n}-bit shift register (1 position per clock): {n} DFF",
                      "formula over the dff characterization (same axes)")


def register_n(n: int, gates) -> OpCharacterization:
    """n-bit register: **n DFF**; energy per clocked write n x E_dff (data toggling), latency
    clk-to-q."""
    g = _gate_map(gates)["dff"]
    return _composite(f"register_{n}", g, *dff_bank_cost(n, g.energy_j, g.latency_s),
                      f"{n}-bit register: {n} DFF",
                      "formula over the dff characterization (same axes)")


def popcount_tree_n(n: int, gates) -> OpCharacterization:
    """Popcount of n = 2^L bits as a binary tree of ripple adders (the IMC-DPU baseline's
    adder tree): n_FA = sum_{j=1..L} j n / 2^j FA (:func:`popcount_tree_counts`), energy
    n_FA x E_fa, latency L (L + 1) / 2 x t_fa."""
    g = _gate_map(gates)["fa"]
    n_fa, _ = popcount_tree_counts(n)
    return _composite(f"popcount_tree_{n}", g, *adder_tree_cost(n, g.energy_j, g.latency_s),
                      f"adder-tree popcount of {n} bits: {n_fa} FA in {n.bit_length() - 1} "
                      f"levels of ripple adders", "formula over the fa characterization")


# ----------------------------------------------------------------------------- lines
_LINE_T1, _LINE_T2, _LINE_STOP = 100e-12, 2.1e-9, 4.1e-9


def _driver_mult(n: int) -> float:
    """Driver NMOS width in l_min: 4 per 64 cells (so 4 .. 64 for 64 .. 1024), PMOS 2x."""
    return 4.0 * max(1.0, n / 64.0)


def _ladder(tech, prefix, n, pitch_f, far, first, cell_line):
    """RC ladder of n pitches in segments of SEGMENT_PITCHES; cell loads per segment."""
    k = min(SEGMENT_PITCHES, n)
    nseg = math.ceil(n / k)
    r_p = pitch_f * tech.node_m * tech.wire_r_ohm_per_m
    c_p = pitch_f * tech.node_m * tech.wire_c_f_per_m
    lines, prev = [], first
    for j in range(nseg):
        cells = min(k, n - j * k)
        node = far if j == nseg - 1 else f"{prefix}{j}"
        lines += [st.resistor(f"R{prefix}{j}", prev, node, cells * r_p),
                  st.capacitor(f"C{prefix}{j}", node, "0", cells * c_p),
                  cell_line(f"M{prefix}{j}", node, cells)]
        prev = node
    return lines


def _wordline_netlist(tech, n_cols, vdd, temp_k=300.0) -> str:
    m = _driver_mult(n_cols)
    l = tech.l_min_m
    lines = [st.include(str(tech.card_path)), st.temperature(temp_k - 273.15),
             st.vsource_dc("Vdd", "vdd", "0", vdd),
             _pm(tech, "Mdp", "wl0", "in", "vdd", 2 * m), _nm(tech, "Mdn", "wl0", "in", "0", m),
             # input: high (WL low), falls at T1 (WL asserted), rises at T2 (deasserted)
             _pwl_bits("Vin", "in", [1, 0, 1], _LINE_T1, _LINE_T2 - _LINE_T1, vdd)]
    # each cell's read access transistor gate (W = READ_W_MULT l_min) per column pitch
    lines += _ladder(tech, "w", n_cols, arr.PITCH_ALONG_ROW_F, "far", "wl0",
                     lambda name, node, cells: st.mosfet(name, "0", node, "0", "0",
                                                         tech.nmos_model,
                                                         w_m=cells * READ_W_MULT * l, l_m=l))
    return st.netlist("spincim periphery word line", [*lines, st.analysis_line(_tran(_LINE_STOP))])


def _bitline_netlist(tech, n_rows, vdd, v_read, temp_k=300.0) -> str:
    m = _driver_mult(n_rows)
    l = tech.l_min_m
    lines = [st.include(str(tech.card_path)), st.temperature(temp_k - 273.15),
             st.vsource_dc("Vr", "vr", "0", v_read),
             _nm(tech, "Mpre", "vr", "pre", "bl0", m), _nm(tech, "Mdis", "bl0", "dis", "0", m),
             _pwl_bits("Vpre", "pre", [0, 1, 0], _LINE_T1, _LINE_T2 - _LINE_T1 - 100e-12, vdd),
             _pwl_bits("Vdis", "dis", [0, 1, 0], _LINE_T2, _LINE_STOP - _LINE_T2 - 100e-12, vdd)]
    # each cell's read access transistor drain (off) per row pitch
    lines += _ladder(tech, "b", n_rows, arr.PITCH_ALONG_COL_F, "far", "bl0",
                     lambda name, node, cells: st.mosfet(name, node, "0", "0", "0",
                                                         tech.nmos_model,
                                                         w_m=cells * READ_W_MULT * l, l_m=l))
    return st.netlist("spincim periphery bit line", [*lines, st.analysis_line(_tran(_LINE_STOP))])


def _wordline_measure(vec, vdd):
    t = vec["time"]
    e = (_supply_energy(vec, "Vdd", vdd, 0.0, _LINE_STOP)
         + _input_energy(vec, "Vin", vdd, 0.0, _LINE_STOP))
    rise = _last_cross(t, vec["far"], vdd / 2, _LINE_T1, _LINE_T2, +1) - (_LINE_T1 + SLEW_S / 2)
    fall = _last_cross(t, vec["far"], vdd / 2, _LINE_T2, _LINE_STOP, -1) - (_LINE_T2 + SLEW_S / 2)
    return e, max(rise, fall)


def _bitline_measure(vec, vdd, v_read):
    t = vec["time"]
    e = (_supply_energy(vec, "Vr", v_read, 0.0, _LINE_STOP)
         + _input_energy(vec, "Vpre", vdd, 0.0, _LINE_STOP)
         + _input_energy(vec, "Vdis", vdd, 0.0, _LINE_STOP))
    rise = _last_cross(t, vec["far"], v_read / 2, _LINE_T1, _LINE_T2, +1) - (_LINE_T1 + SLEW_S / 2)
    return e, rise


#: decoder sizes simulated (quick, full); larger sizes use the documented scaling
DECODER_SIM_ROWS = ((4, 8), (8, 16, 32))


def _decoder_netlist(tech, n_rows, vdd, temp_k=300.0) -> str:
    bits = n_rows.bit_length() - 1
    lines = [st.include(str(tech.card_path)), st.temperature(temp_k - 273.15),
             st.vsource_dc("Vdd", "vdd", "0", vdd), st.vsource_dc("Vz", "zero", "0", 0.0),
             *arr.decoder_pair_subckt("dec", tech, n_rows)]
    ports = ([f"a{b}" for b in range(bits)] + ["vdd"] + ["zero"] * bits + ["zero"]
             + [f"w{k}" for k in range(n_rows)] + ["vdd"])
    lines.append(_x("Xdec", ports, "dec"))
    for b in range(bits):   # address 0 -> n-1 at T1 -> 0 at T2: every bit flips
        lines.append(_pwl_bits(f"Va{b}", f"a{b}", [0, 1, 0], _LINE_T1, _LINE_T2 - _LINE_T1, vdd))
    return st.netlist("spincim periphery decoder", [*lines, st.analysis_line(_tran(_LINE_STOP))])


def _decoder_measure(vec, vdd, n_rows):
    t = vec["time"]
    bits = n_rows.bit_length() - 1
    e = _supply_energy(vec, "Vdd", vdd, 0.0, _LINE_STOP)
    e += sum(_input_energy(vec, f"Va{b}", vdd, 0.0, _LINE_STOP) for b in range(bits))
    t_in1, t_in2 = _LINE_T1 + SLEW_S / 2, _LINE_T2 + SLEW_S / 2
    d1 = _last_cross(t, vec[f"w{n_rows - 1}"], vdd / 2, _LINE_T1, _LINE_T2, +1) - t_in1
    d2 = _last_cross(t, vec["w0"], vdd / 2, _LINE_T2, _LINE_STOP, +1) - t_in2
    return e / 2.0, max(d1, d2)


def _decoder_scale(sim: dict[int, tuple[float, float]], n: int) -> tuple[float, float]:
    """Decoder energy/delay at ``n`` rows from simulated sizes.

    Simulated sizes are used as they are. Beyond the largest simulated n0:
    E(n) = E(n0) (n log2 n) / (n0 log2 n0) -- each of the log2 n address literals fans
    out to n/2 first-level gates and the decoder holds ~n log2 n gates;
    t(n) = t(n0) + s (log2 n - log2 n0) -- one more address bit adds about one stage of
    delay, s fitted from the two largest simulated sizes (the log2 rows stages rule).
    """
    if n in sim:
        return sim[n]
    sizes = sorted(sim)
    n0, n1 = sizes[-1], sizes[-2]
    e0, t0 = sim[n0]
    s = max((t0 - sim[n1][1]) / (math.log2(n0) - math.log2(n1)), 0.0)
    if n < n0:
        raise ParameterError("rows", f"{n} below the largest simulated decoder ({n0}) and "
                                     f"not simulated")
    return (e0 * n * math.log2(n) / (n0 * math.log2(n0)),
            t0 + s * (math.log2(n) - math.log2(n0)))


def line_ops(tech_name: str, *, rows: Sequence[int] = (64, 128, 256, 512, 1024),
             cols: Sequence[int] = (64, 128, 256, 512, 1024), quick: bool = False,
             v_read_v: float = 0.2, decoder_sim_rows: Sequence[int] | None = None,
             workers: int | None = None) -> list[OpCharacterization]:
    """Word line (axis ``cols``), bit line and decoder (axis ``rows``) at nominal VDD, 300 K.

    * ``wordline``: inverter driver (Wn = 4 l_min per 64 cells, Wp = 2 Wn) into a wire of
      ``cols`` x 12 F (array.PITCH_ALONG_ROW_F) with R, C per metre of the technology,
      lumped SEGMENT_PITCHES pitches per RC segment, plus each cell's read access gate
      (READ_W_MULT x l_min). Energy per activation (assert + deassert) = driver supply +
      VDD x charge into the driver gate; latency = worst 50 % delay at the far end.
    * ``bitline``: the line of ``rows`` x 8 F with each cell's (off) access drain,
      **precharged to the read voltage** ``v_read_v`` through an NMOS switch (Wn as above)
      from a ``v_read_v`` source, then discharged to ground. Energy = read-source energy
      + gate charge of the precharge and discharge switches; latency = 50 % of v_read at
      the far end after the precharge edge.
    * ``decoder``: :func:`array.decoder_pair_subckt` simulated at DECODER_SIM_ROWS with the
      address flipping 0 -> n-1 -> 0 (enable A high, B idle, word lines unloaded); energy
      per decode (supply + address-source charge) and worst address-to-word-line delay;
      larger row counts by :func:`_decoder_scale`.

    ``quick`` simulates only the first and last of ``rows``/``cols`` and the small decoders.
    ``decoder_sim_rows`` overrides the simulated decoder sizes (powers of two, >= 2 of them).
    """
    tech = _tech(tech_name)
    vdd = tech.vdd_v
    rows = tuple(sorted(int(r) for r in rows))
    cols = tuple(sorted(int(c) for c in cols))
    if quick:
        rows, cols = (rows[0], rows[-1]), (cols[0], cols[-1])
    dec_rows = tuple(sorted(decoder_sim_rows)) if decoder_sim_rows is not None \
        else DECODER_SIM_ROWS[0 if quick else 1]
    if len(dec_rows) < 2:
        raise ParameterError("decoder_sim_rows", "give at least two sizes")
    texts = ([("wordline", c, _wordline_netlist(tech, c, vdd)) for c in cols]
             + [("bitline", r, _bitline_netlist(tech, r, vdd, v_read_v)) for r in rows]
             + [("decoder", n, _decoder_netlist(tech, n, vdd)) for n in dec_rows])
    results = _run([ngspice.Job(text) for _, _, text in texts], workers)
    meas: dict[str, dict[int, tuple[float, float]]] = {"wordline": {}, "bitline": {},
                                                       "decoder": {}}
    hashes: dict[str, dict[str, str]] = {"wordline": {}, "bitline": {}, "decoder": {}}
    for (kind, n, text), vec in zip(texts, results):
        if kind == "wordline":
            meas[kind][n] = _wordline_measure(vec, vdd)
        elif kind == "bitline":
            meas[kind][n] = _bitline_measure(vec, vdd, v_read_v)
        else:
            meas[kind][n] = _decoder_measure(vec, vdd, n)
        hashes[kind][f"{kind}_{n}"] = sha256_text(text)
    dec = [_decoder_scale(meas["decoder"], n) for n in rows]
    wire = (f"{tech.wire_r_ohm_per_m:.3g} Ohm/m, {tech.wire_c_f_per_m:.3g} F/m, "
            f"{SEGMENT_PITCHES} pitches per RC segment")
    return [
        OpCharacterization(
            "wordline", (AxisSpec("cols", cols, "1", None),),
            np.array([meas["wordline"][c][0] for c in cols]),
            np.array([meas["wordline"][c][1] for c in cols]),
            f"{tech.name}: word line of cols x {arr.PITCH_ALONG_ROW_F:g} F ({wire}) with "
            f"read-access gates, inverter driver Wn = 4 l_min per 64 cells",
            "energy per activation (assert + deassert): driver supply + VDD x driver-gate "
            "charge; latency: worst 50 % delay at the far end; VDD nominal, 300 K",
            hashes["wordline"]),
        OpCharacterization(
            "bitline", (AxisSpec("rows", rows, "1", None),),
            np.array([meas["bitline"][r][0] for r in rows]),
            np.array([meas["bitline"][r][1] for r in rows]),
            f"{tech.name}: bit line of rows x {arr.PITCH_ALONG_COL_F:g} F ({wire}) with "
            f"access-transistor drains, precharged to the read voltage {v_read_v:g} V "
            f"through an NMOS switch",
            "energy per precharge + discharge: read-source energy + VDD x switch gate "
            "charge; latency: far end reaches 50 % of the read voltage; VDD nominal, 300 K",
            hashes["bitline"]),
        OpCharacterization(
            "decoder", (AxisSpec("rows", rows, "1", None),),
            np.array([d[0] for d in dec]), np.array([d[1] for d in dec]),
            f"{tech.name}: multi-line-enable row decoder (array.decoder_pair_subckt); "
            f"simulated at {list(dec_rows)} rows, larger sizes scaled (E ~ n log2 n, "
            f"delay + one stage per address bit)",
            "energy per decode (address 0 -> n-1 and back, / 2; supply + address-source "
            "charge); latency: worst 50 % address-to-word-line delay; VDD nominal, 300 K",
            hashes["decoder"]),
    ]


# ----------------------------------------------------------------------------- areas
_W_RE = re.compile(r"\bw=([0-9.eE+-]+)")


def _device_area_f2(lines: Sequence[str], f_m: float,
                    top: str | None = None) -> tuple[float, int]:
    """Sum over MOSFETs of F2_PER_DEVICE x max(1, W / 3F); returns (F^2, devices).

    Subcircuit definitions are flattened (each ``X`` instance adds its subcircuit's
    devices); ``top`` names the subcircuit to count, None counts the top-level lines.
    """
    defs: dict[str, tuple[float, int]] = {}
    stack: list[tuple[str, float, int]] = [("", 0.0, 0)]
    for line in lines:
        words = line.split()
        if not words or words[0].startswith("*"):
            continue
        head = words[0].lower()
        name, total, count = stack[-1]
        if head == ".subckt":
            stack.append((words[1], 0.0, 0))
            continue
        if head == ".ends":
            defs[name] = (total, count)
            stack.pop()
            continue
        if head.startswith("m"):
            match = _W_RE.search(line)
            if match is not None:
                total += F2_PER_DEVICE * max(1.0, float(match.group(1)) / f_m / 3.0)
                count += 1
        elif head.startswith("x") and words[-1] in defs:
            total += defs[words[-1]][0]
            count += defs[words[-1]][1]
        stack[-1] = (name, total, count)
    return defs[top] if top is not None else stack[0][1:]


def areas(tech_name: str) -> list[AreaItem]:
    """Component areas (m^2) at the node, from F^2 rules (each item states its rule)."""
    from ..netlists import write_driver as wd

    tech = _tech(tech_name)
    f = tech.node_m
    f2 = f * f
    cell_f2 = arr.PITCH_ALONG_ROW_F * arr.PITCH_ALONG_COL_F
    items = [
        AreaItem("sot_2t1r_cell", cell_f2 * f2,
                 f"IMCE 2T1R SOT cell: {arr.PITCH_ALONG_ROW_F:g} F x {arr.PITCH_ALONG_COL_F:g} F "
                 f"= {cell_f2:g} F^2, the array pitch of netlists/array.py (IMCE Fig. 4a shows "
                 f"the layout but gives no number; estimate)"),
        AreaItem("corn_3t_cell", cell_f2 * f2,
                 f"CORN 3-terminal SOT cell: same {cell_f2:g} F^2 pitch as array.py uses for "
                 f"cell3t_subckt (estimate; CORN gives no cell area)"),
    ]
    for op, label in (("inv", "INV_X1"), ("fa", "FA_X1"), ("dff", "DFF_X1")):
        a_f2 = NANGATE45[op] / _NANGATE_F_M ** 2
        items.append(AreaItem(op, a_f2 * f2,
                              f"NanGate FreePDK45 Open Cell Library {label} "
                              f"({NANGATE45[op] * 1e12:.3f} um^2 at 45 nm = {a_f2:.0f} F^2), "
                              f"scaled by F^2"))
    sa_f2, sa_n = _device_area_f2(sa.strongarm_subckt("sa", tech), f, "sa")
    items.append(AreaItem("sense_amplifier", sa_f2 * f2,
                          f"StrongARM comparator with output buffers (sense_amp.strongarm_subckt,"
                          f" {sa_n} devices): {F2_PER_DEVICE:g} F^2 per device x max(1, W/3F) "
                          f"(estimate calibrated on NanGate FA_X1/DFF_X1 ~75-93 F^2 per device)"))
    xn_f2, xn_n = _device_area_f2(sa.xnor_logic_subckt("xn", tech), f, "xn")
    items.append(AreaItem("xnor_logic", xn_f2 * f2,
                          f"CORN XNOR output logic ({xn_n} devices), same per-device rule"))
    cfg = wd.DriverConfig(tech_name=tech.name)
    wd_lines = wd.driver_lines(cfg, [f"g{i}" for i in range(wd.N_INPUTS)])
    nine = [line for line in wd_lines if line.startswith("Mw")]
    switches = [line for line in wd_lines if line.startswith(("Mprl", "Mpsh", "Mpsl"))]
    wd_f2, wd_n = _device_area_f2(nine, f)
    items.append(AreaItem("write_driver_9nmos", wd_f2 * f2,
                          f"CORN 9-NMOS majority write driver (write_driver.driver_lines: "
                          f"{wd_n} NMOS of W = {cfg.width_factor:g} F), same per-device rule "
                          f"(estimate)"))
    sw_f2, sw_n = _device_area_f2(switches, f)
    items.append(AreaItem("write_driver_switches", sw_f2 * f2,
                          f"CORN PRESET/PROGRAM return switches of the write driver ({sw_n} "
                          f"NMOS of W = {cfg.switch_width_factor:g} F), same per-device rule "
                          f"(estimate)"))
    return items


if __name__ == "__main__":  # pragma: no cover - manual table
    import time

    for name in ("45nm", "22nm"):
        t0 = time.time()
        g = gate_ops(name, quick=True)
        lo = line_ops(name, quick=True)
        print(name, f"quick {time.time() - t0:.1f} s")
        for o in g + lo:
            print(f"  {o.op:10s} E={np.ravel(o.energy_j)} t={np.ravel(o.latency_s)}")
        for a in areas(name):
            print(f"  {a.component:20s} {a.area_m2:.3e} m^2")

"""2T1R SOT-MRAM cell (IMCE, ASP-DAC 2018, III-B) and read-path testbenches, as netlist text.

Pure functions: nothing here runs ngspice.

Cell ``.subckt NAME wbl rbl sl wwl rwl``: write NMOS (gate ``wwl``) from ``wbl`` to the
heavy-metal terminal ``sa``; heavy metal (``R_SHM``) from ``sa`` to ``sl`` (= ``sb``);
read NMOS (gate ``rwl``) from ``rbl`` to the MTJ reference-layer terminal ``rl``; the MTJ
free layer ``fl`` is the heavy metal at its ``sb`` = ``sl`` end. AP = logic 1, P = 0.
The MTJ is :func:`spincim.netlists.mtj_macro.static_subckt` (frozen state, bias-dependent
TMR). Internal nodes of instance ``xc1``: ``xc1.rl``, ``xc1.sa``.

Read path (:func:`read_bench`): an ideal read current ``i_read_a`` flows into RBL, through
the one (memory) or two (computing) selected cells of the column to SL = ground, giving
Vsense = v(rbl). Each SL leg has a 0 V source ``Vsl<k>`` to measure the cell current.

Reference (IMCE: selected by EN_M, EN_AND, EN_OR): a second current source of the same
``i_read_a`` drives node ``ref`` through reference legs, each an NMOS of the SAME size as
the cell's read transistor (its gate is the enable) in series with a resistor. With n
selected cells the sensed resistance is about R_on/n + R1||R2, so the AND/OR groups have
n = 2 parallel legs of 2 R_ref each (R_on/2 + R_ref) and the memory group one leg of
R_ref (R_on + R_ref): Vref = I_read (R_ref + R_on/n). R_ref are midpoints of the MTJ
combinations (:func:`reference_resistances`). Disabled groups stay connected (their
leakage is part of the circuit). XNOR uses two reference nodes: ``ref_lo`` (OR group)
and ``ref_hi`` (AND group), each with its own current source.

With ``sense_amp=True`` the bench adds the StrongARM latch(es) of
:mod:`spincim.netlists.sense_amp` (clock ``clkb`` falls at ``t_eval_s``) and the XNOR
logic stage, with the logic output on node ``out``. For XNOR, RBL drives two latches; a third,
dummy latch between ``ref_lo`` and ``ref_hi`` gives each reference node the same gate
load and kickback (without it the kickback imbalance, a few mV, flips the P||AP case).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..devices import mtj as M
from ..devices.technology import Technology, technology
from ..errors import ParameterError
from . import mtj_macro
from . import sense_amp as sa
from . import spice_text as st

__all__ = ["READ_CURRENT_A", "OPS", "cell_subckt", "reference_resistances", "read_bench", "READ_W_MULT",
           "WRITE_W_MULT"]

#: operations of the read path; "memory" reads one cell, the others two cells of a column
OPS = ("memory", "and", "or", "xnor")
#: THE read current of the sense path (A): every read netlist, the read-op energies and
#: the sense Monte Carlo use it. No paper fixes it (IMCE III-B: "a read current"); 20 uA
#: puts Vsense of P/AP at ~90/180 mV with the 10 Ohm um^2 junction
READ_CURRENT_A = 20e-6
#: read / write transistor widths of the shipped technologies in units of l_min; a
#: technology file sets its own (Technology.read_w_mult / write_w_mult), which every
#: cell builder uses unless a width is passed explicitly
READ_W_MULT = 3.0
WRITE_W_MULT = 4.0


def widths(tech: Technology, w_read_mult: float | None = None,
           w_write_mult: float | None = None) -> tuple[float, float]:
    """(read, write) transistor widths in l_min units: explicit values or the technology's."""
    return (tech.read_w_mult if w_read_mult is None else float(w_read_mult),
            tech.write_w_mult if w_write_mult is None else float(w_write_mult))


def two_transistor_cell(name: str, tech: Technology, middle: list[str], *,
                        w_read_mult: float | None = None,
                        w_write_mult: float | None = None) -> list[str]:
    """``.subckt NAME wbl rbl sl wwl rwl``: write NMOS wbl -> ``sa``, read NMOS rbl -> ``rl``,
    and ``middle``, the lines joining ``sa``, ``sl`` and ``rl`` (the SOT device). Widths
    in l_min units, default the technology's."""
    st.check_name(name)
    w_read_mult, w_write_mult = widths(tech, w_read_mult, w_write_mult)
    l = tech.l_min_m
    return [st.subckt(name, ("wbl", "rbl", "sl", "wwl", "rwl")),
            st.mosfet("Mw", "wbl", "wwl", "sa", "0", tech.nmos_model,
                      w_m=w_write_mult * l, l_m=l),
            *middle,
            st.mosfet("Mr", "rbl", "rwl", "rl", "0", tech.nmos_model,
                      w_m=w_read_mult * l, l_m=l),
            st.ends(name)]


def cell_subckt(name: str, tech: Technology, mtj_subckt: str, *, r_shm_ohm: float,
                w_read_mult: float | None = None,
                w_write_mult: float | None = None) -> list[str]:
    """Lines of ``.subckt NAME wbl rbl sl wwl rwl``: the 2T1R cell around ``mtj_subckt``.

    ``mtj_subckt`` must be a ``.subckt X fl rl`` (e.g. from ``mtj_macro.static_subckt``),
    defined separately. Transistors: ``tech.nmos_model``, L = l_min, W = mult x l_min.
    """
    st.check_name(mtj_subckt, field="mtj_subckt")
    return two_transistor_cell(name, tech, [
        st.resistor("Rshm", "sa", "sl", r_shm_ohm),
        mtj_macro.instance("Xmtj", ("sl", "rl"), mtj_subckt)],
        w_read_mult=w_read_mult, w_write_mult=w_write_mult)


def _par(a: float, b: float) -> float:
    return a * b / (a + b)


def reference_resistances(mtj: M.MtjParams, *, v_read_v: float = 0.0) -> dict[str, float]:
    """Reference resistances (Ohm) as midpoints of the MTJ combinations.

    ``memory``: (R_P + R_AP)/2; ``and``: between R_AP||R_P and R_AP||R_AP; ``or``:
    between R_P||R_P and R_P||R_AP (IMCE III-B). XNOR uses ``or`` (low) and ``and``
    (high). R_AP is taken at ``v_read_v`` (bias-dependent TMR; 0 V by default).
    """
    r_p = M.r_p_ohm(mtj)
    r_ap = float(M.r_ap_ohm(mtj, v_read_v))
    return {"memory": 0.5 * (r_p + r_ap),
            "and": 0.5 * (_par(r_ap, r_p) + _par(r_ap, r_ap)),
            "or": 0.5 * (_par(r_p, r_p) + _par(r_p, r_ap))}


def _ref_group(tag: str, node: str, gate: str, r_ref: float, legs: int, tech: Technology,
               w_mult: float, at: str | None = None) -> list[str]:
    """``legs`` reference legs of ``node`` (named after it), connected at ``at`` (default
    ``node`` itself; the far end of its line when the bench has lines)."""
    l = tech.l_min_m
    out = []
    for k in range(1, legs + 1):
        mid = f"{node}_{tag}{k}"
        out += [st.mosfet(f"M{node}_{tag}{k}", at or node, gate, mid, "0", tech.nmos_model,
                          w_m=w_mult * l, l_m=l),
                st.resistor(f"R{node}_{tag}{k}", mid, "0", legs * r_ref)]
    return out


def read_bench(states: Sequence[bool], op: str, *, tech: Technology | None = None,
               device: M.SotDevice | None = None, i_read_a: float = READ_CURRENT_A,
               w_read_mult: float | None = None, sense_amp: bool = False,
               c_bl_f: float = 10e-15, t_eval_s: float = 1e-9, t_stop_s: float = 2e-9,
               analysis: str | None = None) -> str:
    """Netlist text of :func:`read_circuit` (same arguments)."""
    return read_circuit(states, op, tech=tech, device=device, i_read_a=i_read_a,
                        w_read_mult=w_read_mult, sense_amp=sense_amp, c_bl_f=c_bl_f,
                        t_eval_s=t_eval_s, t_stop_s=t_stop_s, analysis=analysis).text


#: ``line(near, far)``: netlist lines of the wire from a sensed node to its far end
LineBuilder = Callable[[str, str], list[str]]


#: fall time of the sense amplifier's clock ``clkb`` (s)
CLOCK_EDGE_S = 20e-12


def _clock(vdd: float, t_eval_s: float, t_stop_s: float, step_s: float | None) -> st.Line:
    """``Vclk`` on ``clkb``: high (reset) until ``t_eval_s``, falls in :data:`CLOCK_EDGE_S`;
    as a pwl with a corner every ``step_s`` after the edge when given."""
    if step_s is None:
        return st.vsource_pulse("Vclk", "clkb", "0", v1_v=vdd, v2_v=0.0, delay_s=t_eval_s,
                                rise_s=CLOCK_EDGE_S, fall_s=CLOCK_EDGE_S,
                                width_s=10 * t_stop_s, period_s=20 * t_stop_s)
    if not step_s > 0:
        raise ParameterError("latch_step_s", f"must be > 0, got {step_s!r}")
    t_low = t_eval_s + CLOCK_EDGE_S
    n = max(int((t_stop_s - t_low) / step_s), 1)
    after = [t_low + k * step_s for k in range(1, n + 1)]
    return st.vsource_pwl("Vclk", "clkb", "0", [0.0, t_eval_s, t_low, *after],
                          [vdd, vdd, 0.0, *([0.0] * n)])


def read_circuit(states: Sequence[bool], op: str, *, tech: Technology | None = None,
                 device: M.SotDevice | None = None, i_read_a: float = READ_CURRENT_A,
                 w_read_mult: float | None = None, sense_amp: bool = False,
                 c_bl_f: float = 10e-15, t_eval_s: float = 1e-9, t_stop_s: float = 2e-9,
                 analysis: str | None = None, read_step_s: tuple[float, float] | None = None,
                 temperature_k: float | None = None,
                 line: LineBuilder | None = None,
                 latch_step_s: float | None = None) -> st.Netlist:
    """One column read: ``states`` (True = AP = '1') of the selected cells.

    ``op`` in :data:`OPS`; "memory" takes one state, the others two. Without
    ``sense_amp`` the analysis defaults to ``op``; with it, to a transient to
    ``t_stop_s`` (clock ``clkb`` high = reset until ``t_eval_s``, then evaluate).
    ``c_bl_f``: the same bit-line capacitance on ``rbl`` and on each reference node
    (10 fF ~ 128 rows x 0.3 um x 0.2 fF/um; 0 leaves it out).
    Nodes: ``rbl`` (Vsense), ``ref`` or ``ref_lo``/``ref_hi``, ``out`` (logic result),
    ``xc<k>.rl``; currents ``vsl<k>#branch`` (cell k, into SL). ``read_step_s`` =
    (start, rise) turns the read and reference currents into steps from 0 (the bit line
    then develops from 0 V); ``temperature_k`` adds a ``.temp`` line (transistor cards).

    ``line`` (with ``c_bl_f`` = 0): the column as a wire instead of a lumped capacitor.
    Each sensed node (``rbl`` and the reference nodes) keeps its current source and latch
    input at the near end, ``node``, and gets ``line(node, node + "_far")``; the selected
    cells (``rbl``) and the reference legs sit at ``<node>_far``, the far end of the
    column. The reference nodes thus run along dummy columns identical to the bit line.

    ``latch_step_s``: the clock as a piecewise-linear source with a corner every
    ``latch_step_s`` from its edge to ``t_stop_s``. ngspice takes a time point at every
    corner, so the latch's regeneration is resolved at that step whatever the analysis's
    maximum step (a long bit-line wait can then take large steps: with an 80 ps step
    and no corners, a 6 mV OR decision at 1024 rows came out wrong).
    """
    if op not in OPS:
        raise ParameterError("op", f"must be one of {OPS}, got {op!r}")
    states = tuple(bool(s) for s in states)
    if len(states) != (1 if op == "memory" else 2):
        raise ParameterError("states", f"op {op!r} needs {1 if op == 'memory' else 2} "
                                       f"cell states, got {len(states)}")
    tech = tech or technology("45nm")
    w_read_mult = widths(tech, w_read_mult)[0]
    device = device or M.SotDevice()
    refs = reference_resistances(device.mtj)
    vdd = tech.vdd_v
    if line is not None and c_bl_f > 0:
        raise ParameterError("c_bl_f", "must be 0 when the bench has lines (the wire "
                                       f"carries the capacitance), got {c_bl_f!r}")
    sensed = ("rbl", *(("ref_lo", "ref_hi") if op == "xnor" else ("ref",)))
    far = {n: (f"{n}_far" if line is not None else n) for n in sensed}
    def current(name: str, node: str):
        if read_step_s is None:
            return st.isource_dc(name, "0", node, i_read_a)
        t_on, rise = read_step_s
        return st.isource_pwl(name, "0", node, [0.0, t_on, t_on + rise], [0.0, 0.0, i_read_a])

    lines = [] if temperature_k is None else [st.temperature(temperature_k - 273.15)]
    lines += [st.include(str(tech.card_path)),
             *mtj_macro.static_subckt("mtjp", device.mtj, state_ap=False),
             *mtj_macro.static_subckt("mtjap", device.mtj, state_ap=True),
             *cell_subckt("cellp", tech, "mtjp", r_shm_ohm=M.r_shm_ohm(device.shm),
                          w_read_mult=w_read_mult),
             *cell_subckt("cellap", tech, "mtjap", r_shm_ohm=M.r_shm_ohm(device.shm),
                          w_read_mult=w_read_mult),
             st.vsource_dc("Vdd", "vdd", "0", vdd),
             st.vsource_dc("Vrwl", "rwl", "0", vdd),
             "* selected cells of one column; write transistors off (WWL = WBL = 0)",
             current("Iread", "rbl")]
    for k, ap in enumerate(states, start=1):
        lines += [mtj_macro.instance(f"Xc{k}", ("0", far["rbl"], f"sl{k}", "0", "rwl"),
                                     "cellap" if ap else "cellp"),
                  st.vsource_dc(f"Vsl{k}", f"sl{k}", "0", 0.0)]
    en = {"memory": op == "memory", "and": op == "and", "or": op == "or"}
    lines += [st.vsource_dc("Venm", "en_m", "0", vdd if en["memory"] else 0.0),
              st.vsource_dc("Venand", "en_and", "0", vdd if en["and"] else 0.0),
              st.vsource_dc("Venor", "en_or", "0", vdd if en["or"] else 0.0)]
    if op == "xnor":
        lines += [st.vsource_dc("Vxon", "en_x", "0", vdd),
                  current("Ireflo", "ref_lo"),
                  *_ref_group("or", "ref_lo", "en_x", refs["or"], 2, tech, w_read_mult,
                              far["ref_lo"]),
                  current("Irefhi", "ref_hi"),
                  *_ref_group("and", "ref_hi", "en_x", refs["and"], 2, tech, w_read_mult,
                              far["ref_hi"])]
    else:
        lines += [current("Iref", "ref"),
                  *_ref_group("m", "ref", "en_m", refs["memory"], 1, tech, w_read_mult,
                              far["ref"]),
                  *_ref_group("and", "ref", "en_and", refs["and"], 2, tech, w_read_mult,
                              far["ref"]),
                  *_ref_group("or", "ref", "en_or", refs["or"], 2, tech, w_read_mult,
                              far["ref"])]
    if c_bl_f > 0:
        lines += [st.capacitor(f"Cbl_{node}", node, "0", c_bl_f) for node in sensed]
    if line is not None:
        lines += [x for node in sensed for x in line(node, far[node])]
    if sense_amp:
        lines += [*sa.strongarm_subckt("sa", tech), _clock(vdd, t_eval_s, t_stop_s, latch_step_s)]
        if op == "xnor":
            lines += [*sa.xnor_logic_subckt("xnl", tech),
                      "Xsalo rbl ref_lo clkb c_lo vdd sa",
                      "Xsahi rbl ref_hi clkb c_hi vdd sa",
                      "* load-balancing dummy: rbl drives two latch inputs, so each reference",
                      "* node drives two as well (equal kickback on both sides)",
                      "Xsadum ref_lo ref_hi clkb dummy vdd sa",
                      "Xx c_lo c_hi out vdd xnl"]
        else:
            lines.append("Xsa rbl ref clkb out vdd sa")
        command = analysis or st.tran(1e-12, t_stop_s, max_step_s=5e-12)
    else:
        command = analysis or st.op()
    lines.append(st.analysis_line(command))
    return st.circuit(f"spincim 2T1R read {op} {''.join('1' if s else '0' for s in states)}",
                      lines)

"""CMOS periphery test benches: inverter, full adder, flip-flop, word/bit lines, decoder.

Pure functions: each bench builder returns a :class:`~.spice_text.Netlist` (text plus its
top-level sources and transistors, from :func:`spice_text.circuit`) and runs nothing;
:mod:`spincim.characterize.periphery` simulates them and measures energy and delay.
All transistors come from the technology's PTM card, L = l_min; widths are given as
multiples of l_min.

Gate benches share one convention: the device under test (DUT) has its own supply
``Vdd``; its fan-out-of-:data:`FO` load (unit inverters, Wn = :data:`WN_UNIT` l_min,
Wp = :data:`WP_UNIT` l_min, subckt ``unv`` from :func:`sense_amp.inverter_subckt`) sits
on a separate supply ``Vld``; inputs are ideal PWL sources with :data:`SLEW_S` ramps.
Line benches drive an RC ladder of the line's wire (R, C per metre of the technology,
:data:`SEGMENT_PITCHES` cell pitches per segment) loaded by each cell's read access
transistor.

Examples
--------
>>> from spincim.devices.technology import technology
>>> bench = inverter_bench(technology("45nm"), 1.0, 300.0)
>>> [s.name for s in bench.sources], [m.name for m in bench.mosfets]
(['vdd', 'vld', 'vin'], ['mp', 'mn'])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from ..devices.technology import Technology
from ..errors import ParameterError
from . import array as arr
from . import sense_amp as sa
from . import spice_text as st

__all__ = [
    "DFF_CYCLES",
    "DFF_PERIOD_S",
    "FA_PERIOD_S",
    "FA_SEQUENCE",
    "FA_T0_S",
    "FULL_ADDER_DEVICES",
    "FULL_ADDER_INVERTERS",
    "FO",
    "INV_STOP_S",
    "INV_T1_S",
    "INV_T2_S",
    "LINE_STOP_S",
    "LINE_T1_S",
    "LINE_T2_S",
    "SEGMENT_PITCHES",
    "SLEW_S",
    "WN_UNIT",
    "WP_UNIT",
    "bench_header",
    "bitline_bench",
    "dff_bench",
    "dff_data_bit",
    "dff_lines",
    "fo4_load",
    "full_adder_bench",
    "full_adder_lines",
    "instance",
    "inverter_bench",
    "line_driver_mult",
    "nmos",
    "pmos",
    "pwl_bits",
    "off_read_access",
    "rc_ladder",
    "sense_line",
    "transient",
    "wordline_bench",
    "write_column_bench",
    "write_driver_bench",
    "write_driver_gate_high_v",
    "write_driver_sweep",
]

#: input slew of the ideal PWL sources (s)
SLEW_S = 20e-12
#: fan-out of the gate benches (unit inverters on each output)
FO = 4
#: cell pitches lumped into one RC segment of a line
SEGMENT_PITCHES = 16
#: unit inverter widths (multiples of l_min): the sense_amp.inverter_subckt defaults
WN_UNIT, WP_UNIT = 2.0, 4.0

#: inverter bench: input rises at INV_T1_S, falls at INV_T2_S, stop (s)
INV_T1_S, INV_T2_S, INV_STOP_S = 100e-12, 500e-12, 900e-12
#: full-adder input vectors (bit 2 = a, bit 1 = b, bit 0 = cin): a Gray cycle (single-input
#: changes) then a cycle of multi-input changes; the bench starts from the last vector.
FA_SEQUENCE = (0, 1, 3, 2, 6, 7, 5, 4, 0, 7, 1, 6, 2, 5, 3, 4)
#: full-adder bench: first input change and the period between changes (s)
FA_T0_S, FA_PERIOD_S = 100e-12, 300e-12
#: flip-flop bench: clock period (s) and number of cycles simulated
DFF_PERIOD_S, DFF_CYCLES = 500e-12, 6
#: line benches: assert at LINE_T1_S, deassert/discharge at LINE_T2_S, stop (s)
LINE_T1_S, LINE_T2_S, LINE_STOP_S = 100e-12, 2.1e-9, 4.1e-9


# ----------------------------------------------------------------------------- pieces
def instance(name: str, nodes: Sequence[str], sub: str, *, m: int = 1) -> str:
    """Subcircuit instance line ``Xname node ... sub [m=M]`` (names checked as spice_text does).

    Parameters
    ----------
    name : str
        Instance name; must start with ``X``.
    nodes : sequence of str
        Port nodes in the subcircuit's port order.
    sub : str
        Subcircuit name.
    m : int
        Multiplicity: ngspice multiplies every device of the instance (``m`` identical
        copies on the same nodes).
    """
    st.check_name(name, field="instance")
    if name[0].lower() != "x":
        raise ParameterError("instance", f"{name!r} must start with 'X'")
    if isinstance(m, bool) or not isinstance(m, int) or m < 1:
        raise ParameterError("m", f"must be an integer >= 1, got {m!r}")
    line = " ".join([name, *(st.check_node(n) for n in nodes), st.check_name(sub)])
    return line if m == 1 else f"{line} m={m}"


def nmos(tech: Technology, name: str, d: str, g: str, s: str, mult: float) -> st.Line:
    """NMOS (bulk 0) of width ``mult`` x l_min and length l_min."""
    return st.mosfet(name, d, g, s, "0", tech.nmos_model, w_m=mult * tech.l_min_m,
                     l_m=tech.l_min_m)


def pmos(tech: Technology, name: str, d: str, g: str, s: str, mult: float,
         bulk: str = "vdd") -> st.Line:
    """PMOS (bulk ``bulk``) of width ``mult`` x l_min and length l_min."""
    return st.mosfet(name, d, g, s, bulk, tech.pmos_model, w_m=mult * tech.l_min_m,
                     l_m=tech.l_min_m)


def bench_header(tech: Technology, vdd_v: float, temp_k: float) -> list[str]:
    """Card, temperature, DUT supply ``Vdd``, load supply ``Vld`` (both ``vdd_v``, V) and
    the unit inverter subckt ``unv`` of the fan-out loads; ``temp_k`` in K."""
    return [st.include(str(tech.card_path)), st.temperature(temp_k - 273.15),
            st.vsource_dc("Vdd", "vdd", "0", vdd_v), st.vsource_dc("Vld", "vld", "0", vdd_v),
            *sa.inverter_subckt("unv", tech, wn_mult=WN_UNIT, wp_mult=WP_UNIT)]


def fo4_load(node: str, tag: str) -> list[str]:
    """:data:`FO` unit inverters (``unv`` on supply ``vld``) with their inputs on ``node``."""
    return [instance(f"Xl{tag}{k}", (node, f"lo{tag}{k}", "vld"), "unv") for k in range(FO)]


def pwl_bits(name: str, node: str, bits: Sequence[int], t0_s: float, period_s: float,
             vdd_v: float, *, slew_s: float = SLEW_S) -> st.Line:
    """PWL source: ``bits[0]`` until ``t0_s``, then bit k from t0 + (k-1) period.

    Each change is a ``slew_s`` ramp (default :data:`SLEW_S`) between 0 and ``vdd_v``
    (V); times in s.
    """
    times, values = [0.0], [bits[0] * vdd_v]
    for k in range(1, len(bits)):
        tk = t0_s + (k - 1) * period_s
        times += [tk, tk + slew_s]
        values += [bits[k - 1] * vdd_v, bits[k] * vdd_v]
    return st.vsource_pwl(name, node, "0", times, values)


def transient(stop_s: float) -> str:
    """The benches' transient command: 1 ps print step, 2 ps maximum step, to ``stop_s``."""
    return st.tran(1e-12, stop_s, max_step_s=2e-12)


# ----------------------------------------------------------------------------- gates
#: the 28-transistor mirror adder of :func:`full_adder_lines` as data: (type, name,
#: drain, gate, source, width / l_min) of its 24 transistors, then its two output
#: inverters (instance, input, output) of the ``unv`` subckt
FULL_ADDER_DEVICES = (
    # carry stage: cob = NOT maj(a, b, c)
    ("p", "Mp1", "x1", "a", "vdd", WP_UNIT), ("p", "Mp2", "x1", "b", "vdd", WP_UNIT),
    ("p", "Mp3", "cob", "c", "x1", WP_UNIT), ("p", "Mp4", "x2", "a", "vdd", WP_UNIT),
    ("p", "Mp5", "cob", "b", "x2", WP_UNIT),
    ("n", "Mn1", "y1", "a", "0", WN_UNIT), ("n", "Mn2", "y1", "b", "0", WN_UNIT),
    ("n", "Mn3", "cob", "c", "y1", WN_UNIT), ("n", "Mn4", "y2", "a", "0", WN_UNIT),
    ("n", "Mn5", "cob", "b", "y2", WN_UNIT),
    # sum stage: sb = NOT (cob (a + b + c) + a b c)
    ("p", "Mp6", "x3", "a", "vdd", WP_UNIT), ("p", "Mp7", "x3", "b", "vdd", WP_UNIT),
    ("p", "Mp8", "x3", "c", "vdd", WP_UNIT), ("p", "Mp9", "sb", "cob", "x3", WP_UNIT),
    ("p", "Mp10", "x4", "a", "vdd", WP_UNIT), ("p", "Mp11", "x5", "b", "x4", WP_UNIT),
    ("p", "Mp12", "sb", "c", "x5", WP_UNIT),
    ("n", "Mn6", "y3", "a", "0", WN_UNIT), ("n", "Mn7", "y3", "b", "0", WN_UNIT),
    ("n", "Mn8", "y3", "c", "0", WN_UNIT), ("n", "Mn9", "sb", "cob", "y3", WN_UNIT),
    ("n", "Mn10", "y4", "a", "0", WN_UNIT), ("n", "Mn11", "y5", "b", "y4", WN_UNIT),
    ("n", "Mn12", "sb", "c", "y5", WN_UNIT),
)
FULL_ADDER_INVERTERS = (("Xoc", "cob", "co"), ("Xos", "sb", "s"))


def full_adder_lines(tech: Technology) -> list[str]:
    """28-transistor mirror adder between nodes a, b, c and outputs s, co (supply vdd).

    Weste & Harris, CMOS VLSI Design 4th ed., Fig. 11.4: inverting carry (10) and sum
    (14) stages plus two output inverters (``unv`` instances, 4 transistors). Needs the
    ``unv`` subckt of :func:`bench_header`. The devices are :data:`FULL_ADDER_DEVICES`.
    """
    make = {"n": nmos, "p": pmos}
    return [*(make[kind](tech, name, d, g, s, mult)
              for kind, name, d, g, s, mult in FULL_ADDER_DEVICES),
            *(instance(name, (a, y, "vdd"), "unv") for name, a, y in FULL_ADDER_INVERTERS)]


def dff_lines(tech: Technology) -> list[str]:
    """Positive-edge transmission-gate master-slave D flip-flop, input d, clock clk, out q.

    Weste & Harris Fig. 10.19b style with clocked feedback: local clock inverters (clkb,
    clki), TG1/TG2 master, TG3/TG4 slave, four storage inverters; 20 transistors
    (8 + 6 ``unv`` instances), q = d after the rising clk edge. Needs ``unv``.
    """
    n, p = WN_UNIT, WP_UNIT

    def tg(name, a, b, gn, gp):
        return [nmos(tech, f"Mn{name}", a, gn, b, n), pmos(tech, f"Mp{name}", a, gp, b, p)]

    return [instance("Xc1", ("clk", "clkb", "vdd"), "unv"),
            instance("Xc2", ("clkb", "clki", "vdd"), "unv"),
            *tg("t1", "d", "m1", "clkb", "clki"),     # master input: clk low
            instance("Xm1", ("m1", "m2", "vdd"), "unv"),
            instance("Xm2", ("m2", "m3", "vdd"), "unv"),
            *tg("t2", "m3", "m1", "clki", "clkb"),    # master feedback: clk high
            *tg("t3", "m2", "s1", "clki", "clkb"),    # slave input: clk high
            instance("Xs1", ("s1", "q", "vdd"), "unv"), instance("Xs2", ("q", "s3", "vdd"), "unv"),
            *tg("t4", "s3", "s1", "clkb", "clki")]    # slave feedback: clk low


def dff_data_bit(k: int) -> int:
    """Data bit of the flip-flop bench before clock edge ``k``: toggles every cycle."""
    return k % 2


def inverter_bench(tech: Technology, vdd_v: float, temp_k: float, *,
                   cload: bool = False, slew_s: float = SLEW_S) -> st.Netlist:
    """Unit inverter (Wn 2, Wp 4 x l_min, input ``in``, output ``out``) driving FO4.

    The input rises at :data:`INV_T1_S` and falls at :data:`INV_T2_S` (``slew_s``
    ramps). With ``cload``
    the DUT is switched off (PMOS gate at VDD, NMOS gate at 0) and an ideal source
    ``Vout`` ramps the output 0 -> ``vdd_v`` at INV_T1_S, so the charge it delivers is
    the output node's switched capacitance x VDD.
    """
    lines = bench_header(tech, vdd_v, temp_k)
    gp, gn = ("vdd", "0") if cload else ("in", "in")
    lines += [pmos(tech, "Mp", "out", gp, "vdd", WP_UNIT),
              nmos(tech, "Mn", "out", gn, "0", WN_UNIT), *fo4_load("out", "o")]
    if cload:   # DUT off; an ideal ramp charges the output node (DUT drains + FO4 gates)
        lines.append(st.vsource_pwl("Vout", "out", "0", [0.0, INV_T1_S, INV_T1_S + SLEW_S],
                                    [0.0, 0.0, vdd_v]))
    else:
        lines.append(pwl_bits("Vin", "in", [0, 1, 0], INV_T1_S, INV_T2_S - INV_T1_S, vdd_v,
                              slew_s=slew_s))
    return st.circuit("spincim periphery inverter",
                      [*lines, st.analysis_line(transient(INV_STOP_S))])


def full_adder_bench(tech: Technology, vdd_v: float, temp_k: float, *,
                     slew_s: float = SLEW_S) -> st.Netlist:
    """:func:`full_adder_lines` with FO4 on ``s`` and ``co``, inputs ``Va``, ``Vb``, ``Vc``
    stepping through :data:`FA_SEQUENCE` every :data:`FA_PERIOD_S` from :data:`FA_T0_S`
    (``slew_s`` ramps)."""
    seq = [FA_SEQUENCE[-1], *FA_SEQUENCE]
    lines = (bench_header(tech, vdd_v, temp_k) + full_adder_lines(tech) + fo4_load("co", "c")
             + fo4_load("s", "s"))
    for bit, node in ((2, "a"), (1, "b"), (0, "c")):
        lines.append(pwl_bits(f"V{node}", node, [(v >> bit) & 1 for v in seq], FA_T0_S,
                              FA_PERIOD_S, vdd_v, slew_s=slew_s))
    stop = FA_T0_S + len(FA_SEQUENCE) * FA_PERIOD_S
    return st.circuit("spincim periphery full adder", [*lines, st.analysis_line(transient(stop))])


def dff_bench(tech: Technology, vdd_v: float, temp_k: float, *,
              slew_s: float = SLEW_S) -> st.Netlist:
    """:func:`dff_lines` with FO4 on ``q``, clock ``Vclk`` (period :data:`DFF_PERIOD_S`,
    rising at P/2 + k P) and data ``Vd`` changing at k P + P/4 (:func:`dff_data_bit`);
    clock and data edges are ``slew_s`` ramps."""
    p = DFF_PERIOD_S
    lines = bench_header(tech, vdd_v, temp_k) + dff_lines(tech) + fo4_load("q", "q")
    lines.append(st.vsource_pulse("Vclk", "clk", "0", v1_v=0.0, v2_v=vdd_v, delay_s=p / 2,
                                  rise_s=slew_s, fall_s=slew_s, width_s=p / 2 - slew_s,
                                  period_s=p))
    # d changes at k P + P/4 (middle of the low phase), toggling every cycle
    lines.append(pwl_bits("Vd", "d", [dff_data_bit(k) for k in range(DFF_CYCLES + 1)], p / 4,
                          p, vdd_v, slew_s=slew_s))
    stop = DFF_CYCLES * p
    return st.circuit("spincim periphery dff", [*lines, st.analysis_line(transient(stop))])


# ----------------------------------------------------------------------------- lines
def line_driver_mult(n: int) -> float:
    """Line driver NMOS width in l_min: 4 per 64 cells (4 .. 64 for 64 .. 1024); PMOS 2x."""
    return 4.0 * max(1.0, n / 64.0)


def _check_segment_pitches(segment_pitches) -> None:
    if isinstance(segment_pitches, bool) or not isinstance(segment_pitches, int) \
            or segment_pitches < 1:
        raise ParameterError("segment_pitches", f"must be an integer >= 1, got {segment_pitches!r}")


def rc_ladder(tech: Technology, prefix: str, n: int, pitch_f: float, far: str, first: str,
              cell_mosfet: Callable[[str, str, int], str], *,
              segment_pitches: int = SEGMENT_PITCHES, skip_far: int = 0) -> list[str]:
    """RC ladder of ``n`` cell pitches of ``pitch_f`` F from ``first`` to ``far``.

    Segments of ``segment_pitches`` pitches (the last may be shorter), each a series
    R and a C to ground of the technology's wire per metre, and one transistor
    ``cell_mosfet(name, node, cells)`` standing for the segment's ``cells`` cell loads
    (``segment_pitches`` = 1: the fully expanded line, one cell per pitch). The last
    ``skip_far`` pitches carry no load: the caller instantiates those cells itself.
    """
    _check_segment_pitches(segment_pitches)
    k = min(segment_pitches, n)
    nseg = math.ceil(n / k)
    r_p = pitch_f * tech.node_m * tech.wire_r_ohm_per_m
    c_p = pitch_f * tech.node_m * tech.wire_c_f_per_m
    if not 0 <= skip_far <= n:
        raise ParameterError("skip_far", f"must be in [0, {n}], got {skip_far!r}")
    lines, prev = [], first
    for j in range(nseg):
        cells = min(k, n - j * k)
        loads = cells - max(0, min(cells, j * k + cells - (n - skip_far)))
        node = far if j == nseg - 1 else f"{prefix}{j}"
        lines += [st.resistor(f"R{prefix}{j}", prev, node, cells * r_p),
                  st.capacitor(f"C{prefix}{j}", node, "0", cells * c_p)]
        if loads:
            lines.append(cell_mosfet(f"M{prefix}{j}", node, loads))
        prev = node
    return lines


def wordline_bench(tech: Technology, n_cols: int, vdd_v: float, temp_k: float = 300.0, *,
                   slew_s: float = SLEW_S, segment_pitches: int = SEGMENT_PITCHES) -> st.Netlist:
    """Inverter driver (``Mdp``/``Mdn``, :func:`line_driver_mult`) into a word line of
    ``n_cols`` x :data:`array.PITCH_ALONG_ROW_F` F ending at ``far``.

    Each column pitch carries a cell's read access gate (W = tech.read_w_mult l_min). The
    input ``Vin`` is high (WL low), falls at :data:`LINE_T1_S` (WL asserted) and rises at
    :data:`LINE_T2_S` (deasserted), ``slew_s`` ramps.
    """
    m = line_driver_mult(n_cols)
    l = tech.l_min_m
    lines = [st.include(str(tech.card_path)), st.temperature(temp_k - 273.15),
             st.vsource_dc("Vdd", "vdd", "0", vdd_v),
             pmos(tech, "Mdp", "wl0", "in", "vdd", 2 * m), nmos(tech, "Mdn", "wl0", "in", "0", m),
             pwl_bits("Vin", "in", [1, 0, 1], LINE_T1_S, LINE_T2_S - LINE_T1_S, vdd_v,
                      slew_s=slew_s)]
    lines += rc_ladder(tech, "w", n_cols, arr.PITCH_ALONG_ROW_F, "far", "wl0",
                       lambda name, node, cells: st.mosfet(name, "0", node, "0", "0",
                                                           tech.nmos_model,
                                                           w_m=tech.read_w_mult * l, l_m=l, m=cells),
                       segment_pitches=segment_pitches)
    return st.circuit("spincim periphery word line",
                      [*lines, st.analysis_line(transient(LINE_STOP_S))])


def off_read_access(tech: Technology) -> Callable[[str, str, int], str]:
    """Ladder load: ``cells`` off read-access transistors (gate, source and bulk at 0)
    with their drains on the line node, as ``m`` copies (W = tech.read_w_mult l_min)."""
    l = tech.l_min_m
    return lambda name, node, cells: st.mosfet(name, node, "0", "0", "0", tech.nmos_model,
                                               w_m=tech.read_w_mult * l, l_m=l, m=cells)


def sense_line(tech: Technology, n_rows: int, n_selected: int, *,
               segment_pitches: int = SEGMENT_PITCHES) -> Callable[[str, str], list[str]]:
    """``line(near, far)`` for :func:`netlists.cell.read_circuit`: a column of ``n_rows`` x
    :data:`array.PITCH_ALONG_COL_F` F (:func:`rc_ladder`) whose ``n_rows - n_selected``
    unselected cells load it with their off read-access drains; the ``n_selected`` cells
    the bench instantiates sit at ``far``."""
    if not isinstance(n_rows, int) or isinstance(n_rows, bool) or n_rows < max(n_selected, 1):
        raise ParameterError("n_rows", f"must be an integer >= {max(n_selected, 1)}, got {n_rows!r}")

    def line(near: str, far: str) -> list[str]:
        return rc_ladder(tech, f"l{near}", n_rows, arr.PITCH_ALONG_COL_F, far, near,
                         off_read_access(tech), segment_pitches=segment_pitches,
                         skip_far=n_selected)
    return line


def bitline_bench(tech: Technology, n_rows: int, vdd_v: float, v_read_v: float,
                  temp_k: float = 300.0, *, slew_s: float = SLEW_S,
                  segment_pitches: int = SEGMENT_PITCHES) -> st.Netlist:
    """Bit line of ``n_rows`` x :data:`array.PITCH_ALONG_COL_F` F ending at ``far``.

    Each row pitch carries a cell's (off) read access drain (W = tech.read_w_mult l_min). An
    NMOS switch ``Mpre`` (gate ``Vpre``, high from :data:`LINE_T1_S`) precharges the line
    from ``Vr`` = ``v_read_v`` (V); ``Mdis`` (gate ``Vdis``, high from :data:`LINE_T2_S`)
    discharges it to ground. Both of width :func:`line_driver_mult` l_min; gate edges
    are ``slew_s`` ramps.
    """
    m = line_driver_mult(n_rows)
    lines = [st.include(str(tech.card_path)), st.temperature(temp_k - 273.15),
             st.vsource_dc("Vr", "vr", "0", v_read_v),
             nmos(tech, "Mpre", "vr", "pre", "bl0", m), nmos(tech, "Mdis", "bl0", "dis", "0", m),
             pwl_bits("Vpre", "pre", [0, 1, 0], LINE_T1_S, LINE_T2_S - LINE_T1_S - 100e-12,
                      vdd_v, slew_s=slew_s),
             pwl_bits("Vdis", "dis", [0, 1, 0], LINE_T2_S, LINE_STOP_S - LINE_T2_S - 100e-12,
                      vdd_v, slew_s=slew_s)]
    lines += rc_ladder(tech, "b", n_rows, arr.PITCH_ALONG_COL_F, "far", "bl0",
                       off_read_access(tech), segment_pitches=segment_pitches)
    return st.circuit("spincim periphery bit line",
                      [*lines, st.analysis_line(transient(LINE_STOP_S))])


# ----------------------------------------------------------------------------- write column
def _write_column_lines(tech: Technology, n_rows: int, cell_lines: Sequence[str],
                        r_shm_ohm: float, vdd_v: float, temp_k: float,
                        segment_pitches: int) -> tuple[list[str], list[str]]:
    """(head, column): the card, the unselected cell ``woff``, the selected cell's lines
    and word line; the WBL and SL ladders from ``wd`` and ``sd`` to the selected cell
    (see :func:`write_column_bench`)."""
    if isinstance(n_rows, bool) or not isinstance(n_rows, int) or n_rows < 1:
        raise ParameterError("n_rows", f"must be an integer >= 1, got {n_rows!r}")
    _check_segment_pitches(segment_pitches)
    r_p = arr.PITCH_ALONG_COL_F * tech.node_m * tech.wire_r_ohm_per_m
    c_p = arr.PITCH_ALONG_COL_F * tech.node_m * tech.wire_c_f_per_m
    k = min(segment_pitches, n_rows)
    head = [st.include(str(tech.card_path)), st.temperature(temp_k - 273.15),
            st.subckt("woff", ("wbl", "sl")),
            st.mosfet("Mw", "wbl", "0", "sa", "0", tech.nmos_model,
                      w_m=tech.write_w_mult * tech.l_min_m, l_m=tech.l_min_m),
            st.resistor("Rshm", "sa", "sl", r_shm_ohm), st.ends("woff"),
            *cell_lines,
            st.vsource_dc("Vwwl", "wwl", "0", vdd_v), st.vsource_dc("Vz", "zero", "0", 0.0)]
    column: list[str] = []
    prev_b, prev_s = "wd", "sd"
    n_seg = math.ceil(n_rows / k)
    for j in range(n_seg):
        cells = min(k, n_rows - j * k)
        b, s = f"b{j}", f"s{j}"
        column += [st.resistor(f"Rb{j}", prev_b, b, cells * r_p), st.capacitor(f"Cb{j}", b, "0", cells * c_p),
                   st.resistor(f"Rs{j}", prev_s, s, cells * r_p), st.capacitor(f"Cs{j}", s, "0", cells * c_p)]
        off = cells - (1 if j == n_seg - 1 else 0)   # the selected cell is the last
        if off:
            column.append(instance(f"Xoff{j}", (b, s), "woff", m=off))
        prev_b, prev_s = b, s
    column += [st.vsource_dc("Vcell", prev_b, "cb", 0.0),
               instance("Xsel", ("cb", "zero", prev_s, "wwl", "zero"), "wcell")]
    return head, column


def write_column_bench(tech: Technology, n_rows: int, bit: int, v_write_v: float,
                       cell_lines: Sequence[str], r_shm_ohm: float, vdd_v: float,
                       temp_k: float = 300.0, *, t0_s: float, edge_s: float, pulse_s: float,
                       segment_pitches: int = SEGMENT_PITCHES) -> st.Netlist:
    """IMCE write of the far-end cell of an ``n_rows`` column (WBL and SL wires) by an
    ideal source.

    WBL runs from its driver node ``wd`` and SL from ``sd`` along ``n_rows`` x
    :data:`array.PITCH_ALONG_COL_F` F (technology R, C per metre, ``segment_pitches``
    pitches per segment). Each unselected cell of a segment is its write NMOS (gate on the
    grounded word line, drain on WBL) and heavy metal (``r_shm_ohm``) to SL: one flat
    instance of ``m`` = cells. The selected cell (``cell_lines`` define its subckt
    ``wcell``, ports ``wbl rbl sl wwl rwl``; word line at ``vdd_v``) sits at the far end of
    both wires behind the 0 V probe ``Vcell`` (its current). Bit 1 (P -> AP): ``Vwr``
    pulses ``v_write_v`` on WBL, SL grounded by ``Vgnd``; bit 0: the reverse. Pulse from
    ``t0_s``, ``edge_s`` ramps, ``pulse_s`` wide; stop one pulse width after it ends.
    :func:`write_driver_bench` is the same column driven by transistors.
    """
    head, column = _write_column_lines(tech, n_rows, cell_lines, r_shm_ohm, vdd_v, temp_k,
                                       segment_pitches)
    driven, grounded = ("wd", "sd") if bit else ("sd", "wd")
    t_end = t0_s + 2 * edge_s + pulse_s
    lines = [*head,
             st.vsource_pwl("Vwr", driven, "0", [0.0, t0_s, t0_s + edge_s, t_end - edge_s, t_end],
                            [0.0, 0.0, v_write_v, v_write_v, 0.0]),
             st.vsource_dc("Vgnd", grounded, "0", 0.0),
             *column,
             st.analysis_line(st.tran(1e-12, t_end + pulse_s, max_step_s=10e-12))]
    return st.circuit(f"spincim write column {n_rows} rows bit {int(bool(bit))}", lines)


def write_driver_gate_high_v(v_rail_v: float, vdd_v: float) -> float:
    """The PMOS pull-up's gate-off level (V): the rail above VDD (a level shifter's output,
    modelled as a source swinging 0 .. V_W), else VDD (plain VDD CMOS)."""
    return max(float(v_rail_v), float(vdd_v))


def _write_driver_lines(tech: Technology, wp_mult: float, wn_mult: float) -> list[str]:
    """The driver pair at each end of the column: ``Mpw``/``Mnw`` on ``wd`` (WBL),
    ``Mps``/``Mns`` on ``sd`` (SL); PMOS from the rail ``vw`` (bulk on it), NMOS to ground;
    gates ``gpw gnw gps gns``."""
    for name, mult in (("wp_mult", wp_mult), ("wn_mult", wn_mult)):
        if isinstance(mult, bool) or not isinstance(mult, (int, float)) or not mult > 0 \
                or not math.isfinite(mult):
            raise ParameterError(name, f"must be a finite width > 0 (x l_min), got {mult!r}")
    return [pmos(tech, "Mpw", "wd", "gpw", "vw", wp_mult, bulk="vw"),
            nmos(tech, "Mnw", "wd", "gnw", "0", wn_mult),
            pmos(tech, "Mps", "sd", "gps", "vw", wp_mult, bulk="vw"),
            nmos(tech, "Mns", "sd", "gns", "0", wn_mult)]


def write_driver_bench(tech: Technology, n_rows: int, bit: int, v_rail_v: float,
                       wp_mult: float, wn_mult: float, cell_lines: Sequence[str],
                       r_shm_ohm: float, vdd_v: float, temp_k: float = 300.0, *,
                       t0_s: float, edge_s: float, pulse_s: float,
                       segment_pitches: int = SEGMENT_PITCHES) -> st.Netlist:
    """The column of :func:`write_column_bench` written by a transistor write driver.

    At each end of the column an inverter pair (no tri-state): a PMOS pull-up of
    ``wp_mult`` l_min from the write rail ``Vw`` (``v_rail_v``; node ``vw``, also the
    PMOS bulk) and an NMOS pull-down of ``wn_mult`` l_min to ground. Idle, both ends pull
    down (PMOS gates at :func:`write_driver_gate_high_v`, NMOS gates at ``vdd_v``). Bit 1
    (P -> AP): from ``t0_s`` the WBL end's PMOS gate ``Vgpw`` and NMOS gate ``Vgnw`` fall
    to 0 over ``edge_s``, hold for ``pulse_s`` and rise again (WBL driven from the rail);
    the SL end stays pulled down (``Vgps``, ``Vgns`` constant). Bit 0: the reverse. The
    NMOS gates swing 0 .. ``vdd_v`` (VDD CMOS); the PMOS gates 0 .. max(V_W, VDD): above
    VDD that is a level shifter to the rail, modelled as an ideal source. The cell
    current is the probe ``Vcell``; stop one pulse width after the pulse.
    """
    head, column = _write_column_lines(tech, n_rows, cell_lines, r_shm_ohm, vdd_v, temp_k,
                                       segment_pitches)
    v_g = write_driver_gate_high_v(v_rail_v, vdd_v)
    on, off = ("w", "s") if bit else ("s", "w")
    t_end = t0_s + 2 * edge_s + pulse_s
    times = [0.0, t0_s, t0_s + edge_s, t_end - edge_s, t_end]

    def pulse(v):
        return [v, v, 0.0, 0.0, v]
    lines = [*head, st.vsource_dc("Vw", "vw", "0", v_rail_v),
             *_write_driver_lines(tech, wp_mult, wn_mult),
             st.vsource_pwl(f"Vgp{on}", f"gp{on}", "0", times, pulse(v_g)),
             st.vsource_pwl(f"Vgn{on}", f"gn{on}", "0", times, pulse(vdd_v)),
             st.vsource_dc(f"Vgp{off}", f"gp{off}", "0", v_g),
             st.vsource_dc(f"Vgn{off}", f"gn{off}", "0", vdd_v),
             *column,
             st.analysis_line(st.tran(1e-12, t_end + pulse_s, max_step_s=10e-12))]
    return st.circuit(f"spincim write driver column {n_rows} rows bit {int(bool(bit))}", lines)


def write_driver_sweep(tech: Technology, n_rows: int, bit: int, wp_mult: float,
                       wn_mult: float, cell_lines: Sequence[str], r_shm_ohm: float,
                       vdd_v: float, temp_k: float = 300.0, *, v_max: float,
                       v_step: float = 2e-3,
                       segment_pitches: int = SEGMENT_PITCHES) -> st.Netlist:
    """DC sweep of the rail ``Vw`` (0 .. ``v_max``, ``v_step``) of :func:`write_driver_bench`
    held in its write state: the driving end's PMOS and NMOS gates at 0, the other end's
    NMOS gate at ``vdd_v`` and its PMOS gate at max(V_W, VDD) (a B source following the
    swept rail). The cell current is ``vcell#branch``."""
    head, column = _write_column_lines(tech, n_rows, cell_lines, r_shm_ohm, vdd_v, temp_k,
                                       segment_pitches)
    on, off = ("w", "s") if bit else ("s", "w")
    lines = [*head, st.vsource_dc("Vw", "vw", "0", 0.0),
             *_write_driver_lines(tech, wp_mult, wn_mult),
             st.vsource_dc(f"Vgp{on}", f"gp{on}", "0", 0.0),
             st.vsource_dc(f"Vgn{on}", f"gn{on}", "0", 0.0),
             st.bsource_voltage(f"Bgp{off}", f"gp{off}", "0", "max(v({rail}),{vdd})",
                                rail="vw", vdd=float(vdd_v)),
             st.vsource_dc(f"Vgn{off}", f"gn{off}", "0", vdd_v),
             *column,
             st.analysis_line(st.dc("Vw", 0.0, v_max, v_step))]
    return st.circuit(f"spincim write driver sweep {n_rows} rows bit {int(bool(bit))}", lines)

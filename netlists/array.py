"""SOT-MRAM sub-array (IMCE, ASP-DAC 2018, III-B): cells, wires, row decoder, drivers.

Pure functions return netlist lines / text; nothing here runs ngspice (the write-voltage
calibration that sweeps :func:`write_calibration_netlist` is
:func:`spincim.characterize.calibration.write_voltage`).

Cells
    :func:`dynamic_cell_subckt` is the 2T1R cell of :func:`spincim.netlists.cell.cell_subckt`
    (``.subckt NAME wbl rbl sl wwl rwl``) around the LLGS macromodel
    (:func:`spincim.netlists.mtj_macro.dynamic_subckt`, ``fl rl sa sb``), so a write really
    switches the MTJ: write NMOS ``wbl`` -> ``sa``, heavy metal ``sa`` -> ``sl`` (inside the
    macromodel, current sa -> sb = sl writes P -> AP = '1'), free layer on ``sl``, read
    NMOS ``rbl`` -> ``rl``. The state is probed as ``v(xc<r>_<c>.xmtj.mx)``.
    :func:`cell3t_subckt` is CORN's 3-terminal cell (write transistor into heavy-metal
    terminal T1 = ``sa``, heavy metal T1 -> T2 = ``sl``, read transistor to the MTJ top
    T3 = ``rl``): the same topology, defaulting to the 22 nm card with a wider write NMOS.

Array (:func:`subarray_lines`)
    n x m cells; WWL/RWL run along rows, WBL/RBL/SL along columns. Every line is a chain
    of one series R and one shunt C per cell pitch (R and C per metre from the technology).
    Pitch: :data:`PITCH_ALONG_ROW_F` = 12 F between columns (three column wires WBL, RBL,
    SL cross each cell) and :data:`PITCH_ALONG_COL_F` = 8 F between rows (two word lines),
    our choice, about the 2T1R footprint of IMCE's layout. Drivers sit at the ends: the
    row-line driver nodes are ``wwl<r>``/``rwl<r>`` (column -1), the column driver nodes
    ``wbl<c>``/``rbl<c>``/``sl<c>`` (row -1); cell nodes are ``wbl<c>r<r>`` etc.

Row decoder with multi-line enable (:func:`decoder_pair_subckt`)
    Two single-line decoders (address A with enable ``ena``, address B with ``enb``) whose
    one-hot outputs are ORed per row (IMCE III-B): one row for memory access, two rows for
    computing. Static CMOS on the technology's PTM card (inverters, NAND2, NOR2), output
    inverter sized to drive a word line.

Write scheme
    Write '1' into (r, c): WWL_r on, SL_c = 0, WBL_c = +V_w1: current WBL -> SL (P -> AP).
    Write '0': WWL_r on, WBL_c = 0, SL_c = +V_w0: current SL -> WBL (AP -> P), i.e.
    V(WBL) - V(SL) = -V_w0, IMCE's negative write voltage taken as the bit-line to
    source-line difference. A literally negative WBL with grounded SL would give every
    unselected write NMOS of column c (gate 0, source at -V_w0) Vgs = +V_w0 > Vth and
    forward-bias its drain junction, writing the whole column; keeping every node >= 0
    avoids that without a negative word-line rail. All other WBL and SL are held at 0, so
    same-row cells (write NMOS on) see no voltage across their heavy metal and
    same-column cells have their write NMOS off. V_w is found by a DC sweep of one cell
    with the column's full wire resistance (``characterize.calibration.write_voltage``),
    not tuned.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


from ..devices import mtj as M
from ..devices import switching
from ..devices.technology import Technology, technology
from ..errors import ParameterError
from . import cell as cellmod
from . import mtj_macro
from . import sense_amp as sa
from . import spice_text as st

__all__ = ["PITCH_ALONG_ROW_F", "PITCH_ALONG_COL_F", "WRITE_W_MULT_22", "dynamic_cell_subckt",
           "cell3t_subckt", "static_cell_subckt", "nor2_subckt", "decoder_subckt", "decoder_pair_subckt", "subarray_lines",
           "write_calibration_netlist", "Phase", "ArrayBench",
           "array_bench", "static_read_netlist", "cell_node", "mx_node", "column_wire_r_ohm"]

#: distance between adjacent columns (along a word line), in units of F (our choice)
PITCH_ALONG_ROW_F = 12.0
#: distance between adjacent rows (along a bit line), in units of F (our choice)
PITCH_ALONG_COL_F = 8.0
#: write-NMOS width (x l_min) of the 22 nm 3T cell: 120 uA needs more width at 0.8 V
WRITE_W_MULT_22 = 8.0
#: digital edges of the testbench drivers (s)
EDGE_S = 50e-12


# ----------------------------------------------------------------------------- cells
def dynamic_cell_subckt(name: str, tech: Technology, mtj_subckt: str, *,
                        w_read_mult: float | None = None,
                        w_write_mult: float | None = None) -> list[str]:
    """``.subckt NAME wbl rbl sl wwl rwl``: 2T1R cell around a dynamic MTJ ``fl rl sa sb``.

    ``mtj_subckt`` comes from :func:`mtj_macro.dynamic_subckt` (its heavy metal is the
    cell's SHM, so the cell has no separate SHM resistor). Transistors: L = l_min,
    W = mult x l_min, on ``tech.nmos_model``.
    """
    st.check_name(mtj_subckt, field="mtj_subckt")
    return cellmod.two_transistor_cell(
        name, tech, [mtj_macro.instance("Xmtj", ("sl", "rl", "sa", "sl"), mtj_subckt)],
        w_read_mult=w_read_mult, w_write_mult=w_write_mult)


def static_cell_subckt(name: str, tech: Technology, mtj_subckt: str, *, r_shm_ohm: float,
                       lean: bool = False, w_read_mult: float | None = None,
                       w_write_mult: float | None = None) -> list[str]:
    """:func:`spincim.netlists.cell.cell_subckt` (static MTJ ``fl rl``); with ``lean`` the
    two NMOS get instance parameters ``rbodymod=0 rgatemod=0``: no body-resistor and
    gate-resistor internal nodes (the PTM card sets both to 1). DC results are the same
    (those resistors carry no DC current) and the matrix has half the equations."""
    lines = cellmod.cell_subckt(name, tech, mtj_subckt, r_shm_ohm=r_shm_ohm,
                                w_read_mult=w_read_mult, w_write_mult=w_write_mult)
    if not lean:
        return lines
    w_read_mult, w_write_mult = cellmod.widths(tech, w_read_mult, w_write_mult)
    l = tech.l_min_m
    return [lines[0],
            st.mosfet("Mw", "wbl", "wwl", "sa", "0", tech.nmos_model, w_m=w_write_mult * l,
                      l_m=l, rbodymod=0, rgatemod=0),
            *lines[2:4],
            st.mosfet("Mr", "rbl", "rwl", "rl", "0", tech.nmos_model, w_m=w_read_mult * l,
                      l_m=l, rbodymod=0, rgatemod=0),
            lines[-1]]


def cell3t_subckt(name: str, mtj_subckt: str, *, tech: Technology | None = None,
                  w_read_mult: float | None = None,
                  w_write_mult: float = WRITE_W_MULT_22) -> list[str]:
    """CORN's 3-terminal SOT cell, ``.subckt NAME wbl rbl sl wwl rwl`` (22 nm by default).

    T1 = heavy-metal input (write NMOS from ``wbl``), T2 = heavy-metal output = ``sl``,
    T3 = MTJ top (read NMOS from ``rbl``); dynamic macromodel ``mtj_subckt``.
    """
    return dynamic_cell_subckt(name, tech or technology("22nm"), mtj_subckt,
                               w_read_mult=w_read_mult, w_write_mult=w_write_mult)


# ----------------------------------------------------------------------------- gates
def nor2_subckt(name: str, tech: Technology, *, wn_mult: float = 2.0,
                wp_mult: float = 8.0) -> list[str]:
    """``.subckt NAME a b y vdd``: CMOS NOR2 (W = multiples of l_min)."""
    l = tech.l_min_m
    return [st.subckt(name, ("a", "b", "y", "vdd")),
            st.mosfet("Mpa", "px", "a", "vdd", "vdd", tech.pmos_model, w_m=wp_mult * l, l_m=l),
            st.mosfet("Mpb", "y", "b", "px", "vdd", tech.pmos_model, w_m=wp_mult * l, l_m=l),
            st.mosfet("Mna", "y", "a", "0", "0", tech.nmos_model, w_m=wn_mult * l, l_m=l),
            st.mosfet("Mnb", "y", "b", "0", "0", tech.nmos_model, w_m=wn_mult * l, l_m=l),
            st.ends(name)]


def _bits(n_rows: int) -> int:
    if isinstance(n_rows, bool) or not isinstance(n_rows, int) or n_rows < 2 \
            or n_rows & (n_rows - 1):
        raise ParameterError("n_rows", f"must be a power of two >= 2, got {n_rows!r}")
    return n_rows.bit_length() - 1


def decoder_subckt(name: str, tech: Technology, n_rows: int) -> list[str]:
    """Single-line decoder ``.subckt NAME a0 .. a<b-1> en y0 .. y<n-1> vdd`` (b = log2 n).

    ``y<k>`` = VDD iff ``en`` is high and the address bits (a0 = LSB) equal k. Each output
    is a balanced tree of AND2 gates (NAND2 + inverter) over the address literals and
    ``en``. Also defines ``NAME_inv`` and ``NAME_nand``.
    """
    st.check_name(name)
    bits = _bits(n_rows)
    inv, nand = f"{name}_inv", f"{name}_nand"
    ports = [*(f"a{b}" for b in range(bits)), "en", *(f"y{k}" for k in range(n_rows)), "vdd"]
    lines = [*sa.inverter_subckt(inv, tech), *sa.nand2_subckt(nand, tech),
             st.subckt(name, ports)]
    lines += [f"Xi{b} a{b} an{b} vdd {inv}" for b in range(bits)]
    for k in range(n_rows):
        level = [f"a{b}" if (k >> b) & 1 else f"an{b}" for b in range(bits)] + ["en"]
        depth = 0
        while len(level) > 1:
            nxt = []
            for j in range(0, len(level) - 1, 2):
                out = f"y{k}" if len(level) == 2 else f"t{k}_{depth}_{j}"
                lines += [f"Xn{k}_{depth}_{j} {level[j]} {level[j + 1]} n{k}_{depth}_{j} vdd {nand}",
                          f"Xv{k}_{depth}_{j} n{k}_{depth}_{j} {out} vdd {inv}"]
                nxt.append(out)
            if len(level) % 2:
                nxt.append(level[-1])
            level, depth = nxt, depth + 1
    lines.append(st.ends(name))
    return lines


def decoder_pair_subckt(name: str, tech: Technology, n_rows: int, *,
                        wn_out_mult: float = 8.0, wp_out_mult: float = 16.0) -> list[str]:
    """Row decoder with multi-line enable (IMCE III-B), ``.subckt NAME`` with ports
    ``a0..a<b-1> ena b0..b<b-1> enb w0..w<n-1> vdd``.

    Two :func:`decoder_subckt` instances (addresses A and B) whose outputs are ORed per row
    (NOR2 + inverter, the inverter sized ``wn_out_mult``/``wp_out_mult`` x l_min to drive
    the word line): ``w<k>`` is high iff (ena and A == k) or (enb and B == k).
    """
    st.check_name(name)
    bits = _bits(n_rows)
    dec, inv_out, nor = f"{name}_dec", f"{name}_drv", f"{name}_nor"
    a = [f"a{b}" for b in range(bits)]
    bb = [f"b{b}" for b in range(bits)]
    ya = [f"ya{k}" for k in range(n_rows)]
    yb = [f"yb{k}" for k in range(n_rows)]
    w = [f"w{k}" for k in range(n_rows)]
    lines = [*decoder_subckt(dec, tech, n_rows), *nor2_subckt(nor, tech),
             *sa.inverter_subckt(inv_out, tech, wn_mult=wn_out_mult, wp_mult=wp_out_mult),
             st.subckt(name, [*a, 'ena', *bb, 'enb', *w, 'vdd']),
             f"Xda {' '.join([*a, 'ena', *ya, 'vdd'])} {dec}",
             f"Xdb {' '.join([*bb, 'enb', *yb, 'vdd'])} {dec}"]
    for k in range(n_rows):
        lines += [f"Xo{k} ya{k} yb{k} wn{k} vdd {nor}", f"Xd{k} wn{k} w{k} vdd {inv_out}"]
    lines.append(st.ends(name))
    return lines


# ----------------------------------------------------------------------------- array
def cell_node(line: str, r: int, c: int) -> str:
    """Name of the wire node of ``line`` (wbl, rbl, sl, wwl, rwl) at cell (r, c)."""
    if line in ("wbl", "rbl", "sl"):
        return f"{line}{c}r{r}"
    if line in ("wwl", "rwl"):
        return f"{line}{r}c{c}"
    raise ParameterError("line", f"unknown array line {line!r}")


def mx_node(r: int, c: int) -> str:
    """Vector name of m_x of the dynamic MTJ in cell (r, c)."""
    return f"xc{r}_{c}.xmtj.mx"


def _rep(j: int, n: int, k: int) -> int:
    """Index of the wire node that cell j (of n, k cells per segment) connects to."""
    return min((j // k + 1) * k - 1, n - 1)


def subarray_lines(n_rows: int, n_cols: int, tech: Technology,
                   cell_of: Callable[[int, int], str], *,
                   pitch_row_f: float = PITCH_ALONG_ROW_F,
                   pitch_col_f: float = PITCH_ALONG_COL_F,
                   cells_per_segment: int = 1) -> list[str]:
    """Instances and wire RC of an ``n_rows`` x ``n_cols`` sub-array (no drivers).

    ``cell_of(r, c)`` names the cell subckt (ports ``wbl rbl sl wwl rwl``) of cell (r, c);
    instance ``Xc<r>_<c>``. Row lines ``wwl<r>``, ``rwl<r>`` and column lines ``wbl<c>``,
    ``rbl<c>``, ``sl<c>`` are the driver-end nodes; each wire is split into one R-C segment
    per cell pitch (``pitch_row_f`` F along rows, ``pitch_col_f`` F along columns).
    ``cells_per_segment`` = k > 1 lumps k pitches into one segment (the k cells connect to
    its far end: total wire R and C unchanged, each cell sees at most k - 1 pitches more);
    ngspice 39's sparse ordering grows as the square of the equation count, so a 64 x 64
    op at k = 1 takes ~3 min, k = 8 ~45 s, k = 16 ~5 s (measured).
    """
    if n_rows < 1 or n_cols < 1:
        raise ParameterError("n_rows/n_cols", "must be >= 1")
    k = int(cells_per_segment)
    if k < 1:
        raise ParameterError("cells_per_segment", "must be >= 1")
    f = tech.node_m
    seg_row = pitch_row_f * f     # one column pitch of a row wire (m)
    seg_col = pitch_col_f * f     # one row pitch of a column wire (m)
    rr, cr = tech.wire_r_ohm_per_m * seg_row, tech.wire_c_f_per_m * seg_row
    rc, cc = tech.wire_r_ohm_per_m * seg_col, tech.wire_c_f_per_m * seg_col
    lines = [f"* {n_rows} x {n_cols} sub-array: pitch {pitch_row_f} F along rows, "
             f"{pitch_col_f} F along columns, {k} cell(s) per wire segment"]

    def chain(line, driver, idx, n, node_of, r_pitch, c_pitch):
        out, prev, last = [], driver, -1
        for j in sorted({_rep(i, n, k) for i in range(n)}):
            node = node_of(j)
            out += [st.resistor(f"R{line}_{j}", prev, node, (j - last) * r_pitch),
                    st.capacitor(f"C{line}_{j}", node, "0", (j - last) * c_pitch)]
            prev, last = node, j
        return out

    for r in range(n_rows):
        for line in ("wwl", "rwl"):
            lines += chain(f"{line}{r}", f"{line}{r}", r, n_cols,
                           lambda j, line=line: cell_node(line, r, j), rr, cr)
    for c in range(n_cols):
        for line in ("wbl", "rbl", "sl"):
            lines += chain(f"{line}{c}", f"{line}{c}", c, n_rows,
                           lambda j, line=line: cell_node(line, j, c), rc, cc)
    for r in range(n_rows):
        for c in range(n_cols):
            rr_, cc_ = _rep(r, n_rows, k), _rep(c, n_cols, k)
            nodes = [cell_node("wbl", rr_, c), cell_node("rbl", rr_, c), cell_node("sl", rr_, c),
                     cell_node("wwl", r, cc_), cell_node("rwl", r, cc_)]
            lines.append(mtj_macro.instance(f"Xc{r}_{c}", nodes, cell_of(r, c)))
    return lines


def column_wire_r_ohm(tech: Technology, n_rows: int, pitch_col_f: float = PITCH_ALONG_COL_F) -> float:
    """Resistance of one column wire from its driver to the farthest row (Ohm)."""
    return n_rows * pitch_col_f * tech.node_m * tech.wire_r_ohm_per_m


# ----------------------------------------------------------------------------- write voltage
def write_calibration_netlist(bit: int, *, tech: Technology | None = None,
                              device: M.SotDevice | None = None,
                              r_wire_ohm: float = 0.0,
                              w_write_mult: float | None = None,
                              v_max: float | None = None, v_step: float = 2e-3,
                              temperature_k: float | None = None) -> st.Netlist:
    """DC sweep of the write voltage of one cell (static MTJ) with ``r_wire_ohm`` in series
    with both WBL and SL (the far-end cell of a column). Bit 1: source ``Vwr`` on WBL,
    SL grounded; bit 0: ``Vwr`` on SL, WBL grounded. Current = -i(vwr#branch).
    ``temperature_k`` adds a ``.temp`` line (transistor cards)."""
    tech = tech or technology("45nm")
    device = device or M.SotDevice()
    v_max = tech.vdd_v if v_max is None else v_max
    r_w = max(r_wire_ohm, 1e-3)
    driven, grounded = ("wd", "sd") if bit else ("sd", "wd")
    lines = [] if temperature_k is None else [st.temperature(temperature_k - 273.15)]
    lines += [st.include(str(tech.card_path)),
             *mtj_macro.static_subckt("mtjs", device.mtj, state_ap=False),
             *cellmod.cell_subckt("cw", tech, "mtjs", r_shm_ohm=M.r_shm_ohm(device.shm),
                                  w_write_mult=w_write_mult),
             st.vsource_dc("Vwwl", "wwl", "0", tech.vdd_v),
             st.vsource_dc("Vrwl", "rwl", "0", 0.0),
             st.vsource_dc("Vrbl", "rbl", "0", 0.0),
             st.resistor("Rwbl", "wd", "wbl", r_w),
             st.resistor("Rsl", "sd", "sl", r_w),
             st.vsource_dc("Vwr", driven, "0", 0.0),
             st.vsource_dc("Vgnd", grounded, "0", 0.0),
             "Xc wbl rbl sl wwl rwl cw",
             st.analysis_line(st.dc("Vwr", 0.0, v_max, v_step))]
    return st.circuit(f"spincim write calibration bit {int(bool(bit))}", lines)


# ----------------------------------------------------------------------------- testbench
@dataclass(frozen=True)
class Phase:
    """One operation of :func:`array_bench`: ``kind`` 'write' or 'read' (all columns)."""

    kind: str
    rows: tuple[int, ...]
    col: int = 0
    bit: int = 0
    t_start_s: float = 0.0
    t_end_s: float = 0.0

    @property
    def t_sample_s(self) -> float:
        """Time to sample a read (just before the phase ends)."""
        return self.t_end_s - EDGE_S


@dataclass(frozen=True)
class ArrayBench:
    text: str
    phases: tuple[Phase, ...]
    v_write: dict = field(default_factory=dict)
    t_stop_s: float = 0.0


def _pwl(name: str, node: str, idle: float, phases: Sequence[Phase],
         value: Callable[[Phase], float]) -> str:
    times, values = [0.0], [idle]
    for ph in phases:
        v = value(ph)
        if v == idle:
            continue
        times += [ph.t_start_s, ph.t_start_s + EDGE_S, ph.t_end_s, ph.t_end_s + EDGE_S]
        values += [idle, v, v, idle]
    return st.vsource_pwl(name, node, "0", times, values)


def array_bench(ops: Sequence[tuple], init_ap: Sequence[Sequence[bool]], *,
                v_write: dict[int, float], tech: Technology | None = None,
                device: M.SotDevice | None = None, t_write_s: float = 7e-9,
                t_read_s: float = 0.6e-9, t_gap_s: float = 0.3e-9,
                i_read_a: float = 10e-6, w_write_mult: float | None = None,
                dynamic: bool = True, max_step_s: float = 1e-12) -> ArrayBench:
    """Transient testbench of an n x m sub-array with decoders and column drivers.

    ``ops``: ``("write", r, c, bit)`` or ``("read", (r,))`` / ``("read", (r1, r2))`` in
    order. ``init_ap[r][c]``: initial state (True = AP = '1'; the dynamic model starts
    tilted by the 300 K rms angle from the easy axis). ``v_write``: {1: V_w1, 0: V_w0}
    (from ``characterize.calibration.write_voltage``). Reads drive ``i_read_a`` into every RBL and into
    the memory reference node ``ref`` (read NMOS + (R_P + R_AP)/2). WWL and RWL come from
    two :func:`decoder_pair_subckt` (write: enable A only; read: A, or A and B).
    Nodes: ``rbl<c>`` (Vsense), ``ref``, ``rwl<r>``/``wwl<r>``; m_x: :func:`mx_node`.

    0 K caveat: an idle macrospin relaxes to the easy axis (time constant ~0.8 ns), where
    the collinear SOT exerts no torque, so a cell written more than a few ns into a 0 K
    transient no longer switches. Run one write per bench and start the next bench from
    the resulting states (each cell re-tilted by the 300 K rms angle, as thermal
    fluctuations would keep it), or use thermal noise. ``max_step_s`` (dynamic model):
    1 ps by default (:data:`mtj_macro.MAX_STEP_S` = 0.5 ps is the accurate choice; 1 ps
    shifts the switching time by a few per cent and halves the run time).
    """
    tech = tech or technology("45nm")
    device = device or M.SotDevice()
    n_rows, n_cols = len(init_ap), len(init_ap[0])
    bits = _bits(n_rows)
    vdd = tech.vdd_v
    phases, t = [], t_gap_s
    for op in ops:
        if op[0] == "write":
            _, r, c, bit = op
            phases.append(Phase("write", (int(r),), int(c), int(bool(bit)), t, t + t_write_s))
            t += t_write_s + t_gap_s
        elif op[0] == "read":
            rows = tuple(int(x) for x in op[1])
            if not 1 <= len(rows) <= 2:
                raise ParameterError("ops", "a read selects one or two rows")
            phases.append(Phase("read", rows, 0, 0, t, t + t_read_s))
            t += t_read_s + t_gap_s
        else:
            raise ParameterError("ops", f"unknown operation {op!r}")
    t_stop = t
    tilt = switching.rms_thermal_tilt_rad(device)
    if dynamic:
        models = [*mtj_macro.dynamic_subckt("mtjdp", device,
                                            m0=tuple(switching.tilted_state(tilt))),
                  *mtj_macro.dynamic_subckt("mtjdap", device,
                                            m0=tuple(switching.tilted_state(tilt, True))),
                  *dynamic_cell_subckt("cellp", tech, "mtjdp", w_write_mult=w_write_mult),
                  *dynamic_cell_subckt("cellap", tech, "mtjdap", w_write_mult=w_write_mult)]
    else:
        models = [*mtj_macro.static_subckt("mtjsp", device.mtj, state_ap=False),
                  *mtj_macro.static_subckt("mtjsap", device.mtj, state_ap=True),
                  *cellmod.cell_subckt("cellp", tech, "mtjsp",
                                       r_shm_ohm=M.r_shm_ohm(device.shm)),
                  *cellmod.cell_subckt("cellap", tech, "mtjsap",
                                       r_shm_ohm=M.r_shm_ohm(device.shm))]
    lines = [st.include(str(tech.card_path)), *models,
             *decoder_pair_subckt("rowdec", tech, n_rows),
             st.vsource_dc("Vdd", "vdd", "0", vdd),
             *subarray_lines(n_rows, n_cols, tech,
                             lambda r, c: "cellap" if init_ap[r][c] else "cellp")]
    # decoders: write decoder uses only A; read decoder A (and B for two rows)
    for prefix, kind in (("w", "write"), ("r", "read")):
        sel = [p for p in phases if p.kind == kind]
        lines.append(_pwl(f"V{prefix}ena", f"{prefix}ena", 0.0, sel, lambda p: vdd))
        lines.append(_pwl(f"V{prefix}enb", f"{prefix}enb", 0.0, sel,
                          lambda p: vdd if len(p.rows) == 2 else 0.0))
        for b in range(bits):
            lines.append(_pwl(f"V{prefix}a{b}", f"{prefix}a{b}", 0.0, sel,
                              lambda p, b=b: vdd * ((p.rows[0] >> b) & 1)))
            lines.append(_pwl(f"V{prefix}b{b}", f"{prefix}b{b}", 0.0, sel,
                              lambda p, b=b: vdd * ((p.rows[-1] >> b) & 1)
                              if len(p.rows) == 2 else 0.0))
        ports = [*(f"{prefix}a{b}" for b in range(bits)), f"{prefix}ena",
                 *(f"{prefix}b{b}" for b in range(bits)), f"{prefix}enb",
                 *(f"{prefix}wl{k}" for k in range(n_rows)), "vdd"]
        lines.append(mtj_macro.instance(f"Xdec{prefix}", ports, "rowdec"))
    # column write drivers: WBL_c = V_w1 for a '1', SL_c = V_w0 for a '0'
    writes = [p for p in phases if p.kind == "write"]
    for c in range(n_cols):
        lines.append(_pwl(f"Vwbl{c}", f"wbl{c}", 0.0, writes,
                          lambda p, c=c: v_write[1] if p.col == c and p.bit == 1 else 0.0))
        lines.append(_pwl(f"Vsl{c}", f"sl{c}", 0.0, writes,
                          lambda p, c=c: v_write[0] if p.col == c and p.bit == 0 else 0.0))
    # read current into every RBL and into the memory reference, enabled by ``ren``
    reads = [p for p in phases if p.kind == "read"]
    lines.append(_pwl("Vren", "ren", 0.0, reads, lambda p: vdd))
    for c in range(n_cols):
        lines.append(st.bsource_current(f"Bread{c}", "0", f"rbl{c}", "{i}*v({n})",
                                        i=i_read_a / vdd, n="ren"))
    r_ref = cellmod.reference_resistances(device.mtj)["memory"]
    l = tech.l_min_m
    c_col = n_rows * PITCH_ALONG_COL_F * tech.node_m * tech.wire_c_f_per_m
    lines += [st.bsource_current("Bref", "0", "ref", "{i}*v({n})", i=i_read_a / vdd, n="ren"),
              st.mosfet("Mref", "ref", "ren", "refm", "0", tech.nmos_model,
                        w_m=tech.read_w_mult * l, l_m=l),
              st.resistor("Rref", "refm", "0", r_ref),
              st.capacitor("Cref", "ref", "0", c_col),
              st.analysis_line(st.tran(2e-12, t_stop, max_step_s=max_step_s
                                       if dynamic else 5e-12, uic=True))]
    # the decoders' outputs are the row-line driver nodes
    text = st.netlist(f"spincim {n_rows}x{n_cols} sub-array", lines)
    return ArrayBench(text, tuple(phases), dict(v_write), t_stop)


def static_read_netlist(n_rows: int, n_cols: int, states_ap: Sequence[Sequence[bool]] | None = None,
                        *, row: int = 0, col: int = 0, tech: Technology | None = None,
                        device: M.SotDevice | None = None, i_read_a: float = 10e-6,
                        decoder: bool = True, lean: bool = True,
                        cells_per_segment: int = 1) -> str:
    """Operating point of a memory read of cell (``row``, ``col``) in a static-MTJ array.

    ``i_read_a`` flows into ``rbl<col>`` (at the driver end); all SL and WBL are grounded,
    the RWL decoder (A = ``row``) selects one row, WWL are off. Vsense = ``v(rbl<col>)``.
    ``decoder=False`` drives the RWL from ideal sources (for large arrays: the decoder's
    gates multiply the equation count). ``lean``: see :func:`static_cell_subckt`.
    """
    tech = tech or technology("45nm")
    device = device or M.SotDevice()
    states_ap = states_ap or [[False] * n_cols for _ in range(n_rows)]
    bits = _bits(n_rows)
    vdd = tech.vdd_v
    r_shm = M.r_shm_ohm(device.shm)
    lines = [st.include(str(tech.card_path)),
             *mtj_macro.static_subckt("mtjsp", device.mtj, state_ap=False),
             *mtj_macro.static_subckt("mtjsap", device.mtj, state_ap=True),
             *static_cell_subckt("cellp", tech, "mtjsp", r_shm_ohm=r_shm, lean=lean),
             *static_cell_subckt("cellap", tech, "mtjsap", r_shm_ohm=r_shm, lean=lean),
             st.vsource_dc("Vdd", "vdd", "0", vdd),
             *subarray_lines(n_rows, n_cols, tech,
                             lambda r, c: "cellap" if states_ap[r][c] else "cellp",
                             cells_per_segment=cells_per_segment)]
    for r in range(n_rows):
        lines.append(st.vsource_dc(f"Vwwl{r}", f"wwl{r}", "0", 0.0))
    if decoder:
        lines += [*decoder_pair_subckt("rowdec", tech, n_rows),
                  st.vsource_dc("Vena", "ena", "0", vdd), st.vsource_dc("Venb", "enb", "0", 0.0)]
        for b in range(bits):
            lines += [st.vsource_dc(f"Va{b}", f"a{b}", "0", vdd * ((row >> b) & 1)),
                      st.vsource_dc(f"Vb{b}", f"b{b}", "0", 0.0)]
        lines.append(mtj_macro.instance(
            "Xdec", [*(f"a{b}" for b in range(bits)), "ena", *(f"b{b}" for b in range(bits)),
                     "enb", *(f"rwl{k}" for k in range(n_rows)), "vdd"], "rowdec"))
    else:
        lines += [st.vsource_dc(f"Vrwl{r}", f"rwl{r}", "0", vdd if r == row else 0.0)
                  for r in range(n_rows)]
    for c in range(n_cols):
        lines += [st.vsource_dc(f"Vwbl{c}", f"wbl{c}", "0", 0.0),
                  st.vsource_dc(f"Vsl{c}", f"sl{c}", "0", 0.0)]
        if c != col:
            lines.append(st.vsource_dc(f"Vrbl{c}", f"rbl{c}", "0", 0.0))
    lines += [st.isource_dc("Iread", "0", f"rbl{col}", i_read_a), st.analysis_line(st.op())]
    return st.netlist(f"spincim {n_rows}x{n_cols} static read", lines)

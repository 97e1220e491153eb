"""Majority writes that decide in CMOS and store the bit at full strength (builders only).

The circuits of the ``decide`` designs of :mod:`.majority_designs`. A transient
(:func:`tran_netlist`) runs one majority from the inputs to the written buffer cell (the
LLGS macromodel :func:`mtj_macro.dynamic_subckt`); the DC netlists evaluate many Monte
Carlo trials in one ``.dc`` sweep of an index source (every varied quantity a table,
as :mod:`spincim.characterize.sense_margin` does).

Stages (node names in brackets):

* **inputs** ``b0..b8``: the PE outputs (ideal PWL sources, valid from :data:`T_IN_S`,
  standing for the XNOR outputs that drive CORN's nine NMOS gates).
* **decider**, output ``d`` (1 = at least five inputs on):

  - ``comparator``: two arrays of nine unit capacitors, each top plate (``tp``, ``tn``)
    also loaded by a fixed capacitor to ground. While ``en`` is low both top plates are
    held at ground (``rst``) and every bottom plate is low; then ``en`` drives bottom plate
    i of the P array to b_i and of the N array to NOT b_i (``p_i = NOR(enb, NOT b_i)``,
    ``n_i = NOR(enb, b_i)``), so v(tp) - v(tn) = VDD (2n - 9) C_u / C_top: +-VDD/9 x
    attenuation between 4 and 5 inputs, at a common mode of VDD/2 x attenuation whatever
    n is. A static comparator (PMOS pair on ``tp`` / ``tn``, NMOS mirror load, PMOS tail
    switch on while ``en`` is high; ``Mor`` holds its output ``o2`` low otherwise) and
    two inverters give ``d`` = [v(tp) > v(tn)].
  - ``popcount``: seven mirror full adders (:data:`periphery.FULL_ADDER_DEVICES`): three
    add the inputs in groups of three (s_k + 2 c_k), one adds the sums (s4 + 2 c4), one
    the carries (weights 2 and 4: s5, c5), so n = s4 + 2 c4 + 2 s5 + 4 c5; one more
    adds (s4, c4, s5) (carry m, sum x) and the last one's carry is
    maj(c5, m, x) = c5 (s4 | c4 | s5) | s4 c4 s5 = [n >= 5].

* **capture**: a flip-flop (:func:`periphery.dff_lines`) takes ``d`` at the rising edge
  of ``cap``; the decider and the inputs may change afterwards.
* **write**: ``wen`` opens one side of an H-bridge of NMOS switches from ``Vw``:
  q = 1 -> ``Mah`` (vw -> sa) and ``Mal`` (sb -> 0), a positive SHM current (P -> AP,
  writes 1); q = 0 -> ``Mph`` (vw -> sb) and ``Mpl`` (sa -> 0), negative (writes P).
  Gates: ``wap = AND(wen, q)``, ``wp = AND(wen, NOT q)``. There is no PRESET: the cell
  ends in the decided state whatever it held.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..devices import mtj as M
from ..devices import switching
from ..devices.technology import Technology, technology
from ..errors import ParameterError
from . import mtj_macro
from . import periphery as pn
from . import sense_amp as sa
from . import spice_text as st
from .majority_designs import ComparatorParams, DecideDesign, WriteParams

__all__ = ["N_INPUTS", "T_IN_S", "Timing", "timing", "write_bridge_lines", "comparator_lines",
           "popcount_lines", "tran_netlist", "comparator_dc_netlist",
           "write_dc_netlist", "adder_dc_netlist", "area_lines", "capacitors_f", "comparator_vth_sizes",
           "charge_share_v",
           "popcount_vth_sizes", "majority_of_nine", "adder_inputs", "COMPARATOR_DEVICES", "POPCOUNT_ADDERS",
           "AREA_SUBCKT", "N_COMPARATOR_VTH", "N_POPCOUNT_VTH", "N_ADDER_VTH"]

N_INPUTS = 9
#: inputs (PE outputs) become valid at this time (s), with a periphery.SLEW_S ramp; the
#: 0.2 ns before it let the logic settle from the all-zero start of ``uic``
T_IN_S = 0.2e-9
#: comparator: the top plates are released (``rst`` falls), then ``en`` rises (s)
T_RST_OFF_S = 0.3e-9
T_EN_S = 0.4e-9
#: control edges (s)
EDGE_S = pn.SLEW_S

#: static comparator: (type, name, drain, gate, source, role); sizes from ComparatorParams
COMPARATOR_DEVICES = (
    ("p", "M1", "o1", "tp", "ct", "in"), ("p", "M2", "o2", "tn", "ct", "in"),
    ("n", "M3", "o1", "o1", "0", "load"), ("n", "M4", "o2", "o1", "0", "load"),
    ("p", "Mt", "ct", "enb", "vdd", "tail"),
)
#: comparator output inverters: (name, input, output), unit sizes
COMPARATOR_INVERTERS = (("Xc1", "o2", "ob"), ("Xc2", "ob", "d"))
#: NOR2 widths (multiples of l_min): series PMOS twice the unit
NOR_WN, NOR_WP = pn.WN_UNIT, 2 * pn.WP_UNIT
#: write-gate inverters driving the H-bridge gates (multiples of l_min)
GATE_DRV_WN, GATE_DRV_WP = 8.0, 16.0
#: top-plate reset switches and the comparator's output hold-low switch (x l_min)
RESET_W = 2.0


def majority_of_nine(bits) -> np.ndarray:
    """[sum >= 5] of the last axis (the logic every design must compute)."""
    return np.sum(np.asarray(bits, int), axis=-1) >= 5


# ----------------------------------------------------------------------------- timing
class Timing:
    """Event times of one decide-and-write majority (s)."""

    def __init__(self, design: DecideDesign) -> None:
        d = design.decider
        start = T_EN_S if isinstance(d, ComparatorParams) else T_IN_S
        self.capture_s = start + d.decide_s
        self.write_start_s = self.capture_s + design.capture_s
        self.write_end_s = self.write_start_s + design.write.pulse_s
        self.stop_s = self.write_end_s + 2 * design.write.edge_s + 0.2e-9
        self.latency_s = self.write_end_s + design.write.edge_s - T_IN_S


def timing(design: DecideDesign) -> Timing:
    """The :class:`Timing` of ``design``."""
    return Timing(design)


# ----------------------------------------------------------------------------- pieces
def _mos(tech: Technology, kind: str, name: str, d: str, g: str, s: str, w: float,
         l: float = 1.0) -> st.Line:
    """NMOS (bulk 0) or PMOS (bulk vdd); W and L as multiples of l_min."""
    model, bulk = (tech.nmos_model, "0") if kind == "n" else (tech.pmos_model, "vdd")
    return st.mosfet(name, d, g, s, bulk, model, w_m=w * tech.l_min_m, l_m=l * tech.l_min_m)


def _nor2_subckt(name: str, tech: Technology) -> list[str]:
    """``.subckt NAME a b y vdd``: CMOS NOR2 (series PMOS)."""
    return [st.subckt(name, ("a", "b", "y", "vdd")),
            _mos(tech, "p", "Mpa", "px", "a", "vdd", NOR_WP),
            _mos(tech, "p", "Mpb", "y", "b", "px", NOR_WP),
            _mos(tech, "n", "Mna", "y", "a", "0", NOR_WN),
            _mos(tech, "n", "Mnb", "y", "b", "0", NOR_WN),
            st.ends(name)]


def _subckt(name: str, ports: Sequence[str], lines: Sequence[str]) -> list[str]:
    return [st.subckt(name, ports), *lines, st.ends(name)]


def _library(tech: Technology, decision: str) -> list[str]:
    """Subcircuits: unit inverter ``unv``, gate driver ``gdrv``, NAND2 ``nand``, flip-flop
    ``dff`` and the decider's (NOR2 ``nor`` / full adder ``fa``)."""
    lines = [*sa.inverter_subckt("unv", tech, wn_mult=pn.WN_UNIT, wp_mult=pn.WP_UNIT),
             *sa.inverter_subckt("gdrv", tech, wn_mult=GATE_DRV_WN, wp_mult=GATE_DRV_WP),
             *sa.nand2_subckt("nand", tech),
             *_subckt("dff", ("d", "clk", "q", "vdd"), pn.dff_lines(tech))]
    if decision == "comparator":
        lines += _nor2_subckt("nor", tech)
    else:
        lines += _subckt("fa", ("a", "b", "c", "s", "co", "vdd"), pn.full_adder_lines(tech))
    return lines


def write_bridge_lines(w: WriteParams, tech: Technology) -> list[str]:
    """``Vw`` and the four H-bridge NMOS between ``vw``, ``sa``, ``sb`` and ground."""
    ws = w.switch_width_factor * tech.node_m
    n, lm = tech.nmos_model, tech.l_min_m
    return [st.vsource_dc("Vw", "vw", "0", w.v_write_v),
            st.mosfet("Mah", "vw", "wap", "sa", "0", n, w_m=ws, l_m=lm),
            st.mosfet("Mal", "sb", "wap", "0", "0", n, w_m=ws, l_m=lm),
            st.mosfet("Mph", "vw", "wp", "sb", "0", n, w_m=ws, l_m=lm),
            st.mosfet("Mpl", "sa", "wp", "0", "0", n, w_m=ws, l_m=lm)]


def _capture_and_gate_lines() -> list[str]:
    """Flip-flop d -> q on ``cap``; wap = AND(wen, q), wp = AND(wen, NOT q)."""
    return [pn.instance("Xff", ("d", "cap", "q", "vdd"), "dff"),
            pn.instance("Xqb", ("q", "qb", "vdd"), "unv"),
            pn.instance("Xna", ("wen", "q", "wapb", "vdd"), "nand"),
            pn.instance("Xnp", ("wen", "qb", "wpb", "vdd"), "nand"),
            pn.instance("Xda", ("wapb", "wap", "vdd"), "gdrv"),
            pn.instance("Xdp", ("wpb", "wp", "vdd"), "gdrv")]


def _comparator_size(c: ComparatorParams) -> dict:
    return {"in": (c.in_w, c.in_l), "load": (c.load_w, c.load_l), "tail": (c.tail_w, c.tail_l)}


def comparator_lines(c: ComparatorParams, tech: Technology) -> list[str]:
    """Bottom-plate gating, the two capacitor arrays with their fixed capacitors and
    resets, the comparator and its inverters: inputs ``b0..b8``, ``en``, ``rst``; output
    ``d``."""
    lines = [pn.instance("Xenb", ("en", "enb", "vdd"), "unv")]
    for i in range(N_INPUTS):
        lines += [pn.instance(f"Xbb{i}", (f"b{i}", f"bb{i}", "vdd"), "unv"),
                  pn.instance(f"Xgp{i}", ("enb", f"bb{i}", f"p{i}", "vdd"), "nor"),
                  pn.instance(f"Xgn{i}", ("enb", f"b{i}", f"n{i}", "vdd"), "nor"),
                  st.capacitor(f"Cp{i}", f"p{i}", "tp", c.unit_cap_f),
                  st.capacitor(f"Cn{i}", f"n{i}", "tn", c.unit_cap_f)]
    c_fix = c.fixed_cap_units * c.unit_cap_f
    lines += [st.capacitor("Cfp", "tp", "0", c_fix), st.capacitor("Cfn", "tn", "0", c_fix),
              _mos(tech, "n", "Mrp", "tp", "rst", "0", RESET_W),
              _mos(tech, "n", "Mrn", "tn", "rst", "0", RESET_W)]
    size = _comparator_size(c)
    lines += [_mos(tech, kind, name, d, g, s, *size[role])
              for kind, name, d, g, s, role in COMPARATOR_DEVICES]
    lines.append(_mos(tech, "n", "Mor", "o2", "enb", "0", RESET_W))
    lines += [pn.instance(name, (a, y, "vdd"), "unv") for name, a, y in COMPARATOR_INVERTERS]
    return lines


def charge_share_v(c: ComparatorParams, bits: np.ndarray, vdd_v: float, *,
                   cap_p: np.ndarray | None = None, cap_n: np.ndarray | None = None,
                   fixed_p: np.ndarray | float | None = None,
                   fixed_n: np.ndarray | float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top-plate voltages (V) after the charge sharing, from charge conservation.

    ``bits`` (trials, 9); ``cap_p`` / ``cap_n`` the unit capacitors of each trial
    (trials, 9; default nominal) and ``fixed_p`` / ``fixed_n`` the fixed capacitors
    (default nominal); the top plates start at 0 V with every bottom plate low, then
    bottom plate i of P rises to VDD b_i and of N to VDD (1 - b_i).
    """
    bits = np.asarray(bits, float)
    shape = bits.shape
    cp = np.full(shape, c.unit_cap_f) if cap_p is None else np.asarray(cap_p, float)
    cn = np.full(shape, c.unit_cap_f) if cap_n is None else np.asarray(cap_n, float)
    nominal_fix = c.fixed_cap_units * c.unit_cap_f
    fp = nominal_fix if fixed_p is None else np.asarray(fixed_p, float)
    fn = nominal_fix if fixed_n is None else np.asarray(fixed_n, float)
    v_p = vdd_v * np.sum(cp * bits, axis=-1) / (np.sum(cp, axis=-1) + fp + c.top_parasitic_f)
    v_n = vdd_v * np.sum(cn * (1 - bits), axis=-1) / (np.sum(cn, axis=-1) + fn
                                                       + c.top_parasitic_f)
    return v_p, v_n


#: popcount adders: (instance, a, b, c, s, co); the last carry is the majority ``d``
POPCOUNT_ADDERS = (
    ("X1", "b0", "b1", "b2", "s1", "c1"), ("X2", "b3", "b4", "b5", "s2", "c2"),
    ("X3", "b6", "b7", "b8", "s3", "c3"), ("X4", "s1", "s2", "s3", "s4", "c4"),
    ("X5", "c1", "c2", "c3", "s5", "c5"), ("X6", "s4", "c4", "s5", "s6", "c6"),
    ("X7", "c5", "c6", "s6", "s7", "d"),
)


def popcount_lines(tech: Technology) -> list[str]:
    """Seven full adders: inputs ``b0..b8``, output ``d`` = [at least five are 1]."""
    return [pn.instance(name, (a, b, c, s, co, "vdd"), "fa")
            for name, a, b, c, s, co in POPCOUNT_ADDERS]


def _pwl_step(name: str, node: str, t_on: float, t_off: float | None, vdd: float,
              *, high_first: bool = False) -> st.Line:
    """Control source: low (high with ``high_first``), switching at ``t_on`` and back at
    ``t_off`` (None: stays), :data:`EDGE_S` edges."""
    lo, hi = (vdd, 0.0) if high_first else (0.0, vdd)
    t = [0.0, t_on, t_on + EDGE_S]
    v = [lo, lo, hi]
    if t_off is not None:
        t += [t_off, t_off + EDGE_S]
        v += [hi, lo]
    return st.vsource_pwl(name, node, "0", t, v)


def tran_netlist(design: DecideDesign, pattern: Sequence[int], device: M.SotDevice, *,
                 m0=None, temperature_k: float | None = None, cell: str = "llgs",
                 vdd_v: float | None = None, max_step_s: float | None = None) -> st.Netlist:
    """One majority of ``pattern`` from valid inputs to the written buffer cell.

    ``cell="llgs"``: the buffer cell is the LLGS macromodel; ``m0`` defaults to the state
    opposite to the majority of ``pattern`` (the write must switch it), tilted by the
    300 K rms angle; the macromodel runs at 0 K. ``cell="resistor"``: the heavy metal
    alone (R_SHM between ``sa`` and ``sb``, current sensed by ``Vhm``): the same supply
    currents (R_SHM does not depend on the magnetization, the MTJ terminals carry no
    current), for energy at a coarser ``max_step_s`` (default ``design.max_step_s``).
    ``temperature_k`` adds a ``.temp`` line (transistor cards); ``vdd_v`` overrides the
    logic supply (default the technology's).
    """
    if cell not in ("llgs", "resistor"):
        raise ParameterError("cell", f"must be 'llgs' or 'resistor', got {cell!r}")
    bits = tuple(int(b) for b in pattern)
    if len(bits) != N_INPUTS or any(b not in (0, 1) for b in bits):
        raise ParameterError("pattern", f"need {N_INPUTS} bits of 0/1, got {pattern!r}")
    tech = technology(design.tech_name)
    vdd = tech.vdd_v if vdd_v is None else float(vdd_v)
    tm = timing(design)
    step = design.max_step_s if max_step_s is None else max_step_s
    if cell == "llgs":
        if m0 is None:  # start in the opposite state: AP when the majority is 0
            m0 = tuple(float(c) for c in switching.tilted_state(
                switching.rms_thermal_tilt_rad(device), toward_ap=not majority_of_nine(bits)))
        cell_lines = [*mtj_macro.dynamic_subckt("buf", device, m0=m0)]
        cell_inst = [mtj_macro.instance("Xbuf", ("0", "0", "sa", "sb"), "buf")]
    else:
        cell_lines = []
        cell_inst = [st.vsource_dc("Vhm", "sa", "sx", 0.0),
                     st.resistor("Rshm", "sx", "sb", M.r_shm_ohm(device.shm))]
    lines = [] if temperature_k is None else [st.temperature(temperature_k - 273.15)]
    lines += [st.include(str(tech.card_path)), *_library(tech, design.decision), *cell_lines,
              st.vsource_dc("Vdd", "vdd", "0", vdd)]
    lines += [_pwl_step(f"Vb{i}", f"b{i}", T_IN_S, None, vdd * b) if b
              else st.vsource_dc(f"Vb{i}", f"b{i}", "0", 0.0) for i, b in enumerate(bits)]
    if design.decision == "comparator":
        lines += comparator_lines(design.decider, tech)
        lines += [_pwl_step("Vrst", "rst", T_RST_OFF_S, tm.write_start_s, vdd,
                            high_first=True),
                  _pwl_step("Ven", "en", T_EN_S, tm.write_start_s, vdd)]
    else:
        lines += popcount_lines(tech)
    lines += [_pwl_step("Vcap", "cap", tm.capture_s, tm.write_start_s + EDGE_S, vdd),
              _pwl_step("Vwen", "wen", tm.write_start_s, tm.write_end_s, vdd),
              *_capture_and_gate_lines(), *write_bridge_lines(design.write, tech), *cell_inst,
              st.options(reltol=1e-4, method="gear"),
              st.analysis_line(st.tran(step, tm.stop_s, max_step_s=step, uic=True))]
    return st.circuit(f"spincim majority {design.name}: decide and write", lines)


# ----------------------------------------------------------------------------- devices
#: name of the subcircuit of :func:`area_lines`
AREA_SUBCKT = "majdw"


def area_lines(design: DecideDesign, tech: Technology) -> list[str]:
    """The design's circuit (decider, flip-flop, gates, H-bridge) as one subcircuit
    :data:`AREA_SUBCKT` after its library: the transistor list for area rules
    (:func:`spincim.characterize.areas.subckt_mosfets`)."""
    body = (comparator_lines(design.decider, tech) if design.decision == "comparator"
            else popcount_lines(tech))
    body += [*_capture_and_gate_lines(), *write_bridge_lines(design.write, tech)[1:]]
    ports = (*(f"b{i}" for i in range(N_INPUTS)), "en", "rst", "cap", "wen", "vw", "sa",
             "sb", "vdd")
    return [*_library(tech, design.decision), *_subckt(AREA_SUBCKT, ports, body)]


def capacitors_f(design: DecideDesign) -> list[float]:
    """The design's capacitors (F): the comparator's two arrays and fixed capacitors,
    none for the popcount."""
    if design.decision != "comparator":
        return []
    c = design.decider
    return [c.unit_cap_f] * (2 * N_INPUTS) + [c.fixed_cap_units * c.unit_cap_f] * 2


def comparator_vth_sizes(c: ComparatorParams, tech: Technology) -> list[tuple[str, float, float]]:
    """(type, W, L) in m of the transistors of :func:`comparator_dc_netlist`, in the order
    of its ``dvth`` columns."""
    lm = tech.l_min_m
    size = _comparator_size(c)
    out = [(kind, size[role][0] * lm, size[role][1] * lm)
           for kind, _n, _d, _g, _s, role in COMPARATOR_DEVICES]
    for _ in COMPARATOR_INVERTERS:
        out += [("n", pn.WN_UNIT * lm, lm), ("p", pn.WP_UNIT * lm, lm)]
    return out


def popcount_vth_sizes(tech: Technology) -> list[tuple[str, float, float]]:
    """(type, W, L) in m of the transistors of :func:`popcount_dc_netlist`, in the order
    of its ``dvth`` columns."""
    lm = tech.l_min_m
    one = [(kind, mult * lm, lm) for kind, _n, _d, _g, _s, mult in pn.FULL_ADDER_DEVICES]
    for _ in pn.FULL_ADDER_INVERTERS:
        one += [("n", pn.WN_UNIT * lm, lm), ("p", pn.WP_UNIT * lm, lm)]
    return one * len(POPCOUNT_ADDERS)


# ----------------------------------------------------------------------------- DC Monte Carlo
def _offset_gate(tag: str, gate: str, kind: str, dvth: np.ndarray) -> tuple[str, list[str]]:
    """A per-trial Vth shift as a series gate source: NMOS gate - dVth, PMOS gate + dVth.

    Returns the node the transistor's gate connects to and the table line."""
    node = f"g_{tag}"
    values = -dvth if kind == "n" else dvth
    return node, [st.bsource_table(f"Bo_{tag}", node, "idx", values, digits=5, n_minus=gate)]


def comparator_dc_netlist(c: ComparatorParams, tech: Technology, v_tp: np.ndarray,
                          v_tn: np.ndarray, dvth: np.ndarray) -> str:
    """The comparator and its inverters over trials, enabled: top-plate voltages
    ``v_tp`` / ``v_tn`` (V, from :func:`charge_share_v`) and every transistor's Vth
    shift ``dvth`` (trials, :data:`N_COMPARATOR_VTH`, in :func:`comparator_vth_sizes`
    order) as tables; the output is ``d``."""
    vdd = tech.vdd_v
    size = _comparator_size(c)
    lines = [st.include(str(tech.card_path)), st.vsource_dc("Vdd", "vdd", "0", vdd),
             st.vsource_dc("Vidx", "idx", "0", 0.0), st.vsource_dc("Venb", "enb", "0", 0.0),
             st.bsource_table("Btp", "tp", "idx", v_tp, digits=7),
             st.bsource_table("Btn", "tn", "idx", v_tn, digits=7)]
    k = 0
    for kind, name, d, g, s, role in COMPARATOR_DEVICES:
        node, extra = _offset_gate(name.lower(), g, kind, dvth[:, k])
        lines += extra + [_mos(tech, kind, name, d, node, s, *size[role])]
        k += 1
    for name, a, y in COMPARATOR_INVERTERS:
        for kind, mult in (("n", pn.WN_UNIT), ("p", pn.WP_UNIT)):
            tag = f"{name.lower()}{kind}"
            node, extra = _offset_gate(tag, a, kind, dvth[:, k])
            lines += extra + [_mos(tech, kind, f"M{tag}", y, node,
                                   "0" if kind == "n" else "vdd", mult)]
            k += 1
    lines.append(st.analysis_line(st.dc("Vidx", 0.0, float(max(len(v_tp) - 1, 1)), 1.0)))
    return st.netlist("spincim majority comparator Monte Carlo", lines)


#: Vth shifts per comparator trial (5 comparator + 2 x 2 inverter transistors)
N_COMPARATOR_VTH = len(COMPARATOR_DEVICES) + 2 * len(COMPARATOR_INVERTERS)
#: Vth shifts per adder (24 + 2 x 2) and per popcount trial (7 adders)
N_ADDER_VTH = len(pn.FULL_ADDER_DEVICES) + 2 * len(pn.FULL_ADDER_INVERTERS)
N_POPCOUNT_VTH = len(POPCOUNT_ADDERS) * N_ADDER_VTH


def adder_inputs(bits: np.ndarray) -> np.ndarray:
    """The ideal inputs (trials, 7, 3) of the seven adders of :data:`POPCOUNT_ADDERS` for
    input bits (trials, 9), from exact logic."""
    bits = np.asarray(bits, int)
    val = {f"b{i}": bits[:, i] for i in range(N_INPUTS)}
    out = np.zeros((bits.shape[0], len(POPCOUNT_ADDERS), 3), int)
    for k, (_inst, a, b, c, s, co) in enumerate(POPCOUNT_ADDERS):
        x = np.stack([val[a], val[b], val[c]], axis=-1)
        out[:, k] = x
        total = x.sum(axis=-1)
        val[s], val[co] = total % 2, (total >= 2).astype(int)
    return out


def adder_dc_netlist(tech: Technology, inputs: np.ndarray, dvth: np.ndarray) -> str:
    """One full adder over sweep points: inputs ``inputs`` (points, 3: a, b, c in 0/1) and
    its transistors' Vth shifts ``dvth`` (points, :data:`N_ADDER_VTH`, in the order of
    :data:`periphery.FULL_ADDER_DEVICES` then the output inverters' n, p) as tables;
    outputs ``s`` and ``co``.

    The popcount's seven adders are evaluated this way, each fed its exact inputs: in DC
    a gate draws no input current, so an adder driven by exact logic levels sees what it
    sees in the network whenever every earlier adder is right, and a trial whose seven
    adders all give their ideal outputs decides right. (The connected network as one DC
    sweep needs gmin stepping at every trial; one adder over points sorted by input
    vector converges directly.)
    """
    vdd = tech.vdd_v
    lines = [st.include(str(tech.card_path)), st.vsource_dc("Vdd", "vdd", "0", vdd),
             st.vsource_dc("Vidx", "idx", "0", 0.0)]
    lines += [st.bsource_table(f"B{n}", n, "idx", vdd * inputs[:, m], digits=3)
              for m, n in enumerate("abc")]

    def node(n):
        return n if n in ("a", "b", "c", "s", "co", "vdd", "0") else f"f_{n}"

    k = 0
    for kind, name, d, g, src, mult in pn.FULL_ADDER_DEVICES:
        gate, extra = _offset_gate(name.lower(), node(g), kind, dvth[:, k])
        lines += extra + [_mos(tech, kind, name, node(d), gate, node(src), mult)]
        k += 1
    for name, a_in, y in pn.FULL_ADDER_INVERTERS:
        for kind, mult in (("n", pn.WN_UNIT), ("p", pn.WP_UNIT)):
            tag = f"{name}{kind}".lower()
            gate, extra = _offset_gate(tag, node(a_in), kind, dvth[:, k])
            lines += extra + [_mos(tech, kind, f"M{tag}", node(y), gate,
                                   "0" if kind == "n" else "vdd", mult)]
            k += 1
    lines.append(st.analysis_line(st.dc("Vidx", 0.0, float(max(len(inputs) - 1, 1)), 1.0)))
    return st.netlist("spincim majority popcount adder Monte Carlo", lines)


def write_dc_netlist(w: WriteParams, tech: Technology, *, to_ap: bool, r_shm_ohm: np.ndarray,
                     dvth: np.ndarray) -> str:
    """The conducting half of the H-bridge over trials: the SHM resistance ``r_shm_ohm``
    and the two switches' Vth shifts ``dvth`` (trials, 2: high side, low side) as
    tables, gates at VDD; ``vhm#branch`` is the SHM current (sa -> sb positive)."""
    vdd = tech.vdd_v
    ws = w.switch_width_factor * tech.node_m
    n, lm = tech.nmos_model, tech.l_min_m
    hi, lo = (("vw", "sa"), ("sb", "0")) if to_ap else (("vw", "sb"), ("sa", "0"))
    lines = [st.include(str(tech.card_path)), st.vsource_dc("Vw", "vw", "0", w.v_write_v),
             st.vsource_dc("Vidx", "idx", "0", 0.0),
             st.bsource_table("Bgh", "gh", "idx", vdd - dvth[:, 0], digits=6),
             st.bsource_table("Bgl", "gl", "idx", vdd - dvth[:, 1], digits=6),
             st.mosfet("Mhi", hi[0], "gh", hi[1], "0", n, w_m=ws, l_m=lm),
             st.mosfet("Mlo", lo[0], "gl", lo[1], "0", n, w_m=ws, l_m=lm),
             st.vsource_dc("Vhm", "sa", "sx", 0.0),
             st.bsource_table("Brshm", "rshm", "idx", r_shm_ohm),
             st.bsource_current("Bshm", "sx", "sb", "v({a},{b})/v({r})", a="sx", b="sb",
                                r="rshm"),
             st.analysis_line(st.dc("Vidx", 0.0, float(max(len(r_shm_ohm) - 1, 1)), 1.0))]
    return st.netlist(f"spincim majority write current ({'P->AP' if to_ap else 'AP->P'})",
                      lines)

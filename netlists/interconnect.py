"""Global interconnect test benches: repeated wire, H-tree segment, bank I/O driver, leakage.

Pure functions: each builder returns a :class:`~.spice_text.Netlist` and runs nothing;
:mod:`spincim.characterize.interconnect` simulates them. Wires use the technology's
**global** wire R and C per metre (``Technology.global_wire_r_ohm_per_m`` /
``global_wire_c_f_per_m``, sourced in the technology file); a repeater spacing of
``seg_length_m`` is a pi ladder of :data:`PI_SECTIONS` sections (C/2 at both ends of each
section's R). A repeater of size ``h`` is an inverter of Wn = h x 2 l_min, Wp = h x 4 l_min
(the unit inverter of :mod:`.periphery` scaled by h).

Bench conventions (as the gate benches of :mod:`.periphery`): the devices whose energy is
counted sit on supply ``Vdd``; the pre-driver that gives the first counted repeater a
real input slew and the repeater(s) loading the far end sit on ``Vld`` (not counted: the
far-end gates are charged through the counted stage, which is what is priced); the input
``Vin`` rises at :data:`T1_S` and falls at ``t2_s`` with :data:`periphery.SLEW_S` ramps.

Examples
--------
>>> from spincim.devices.technology import technology
>>> b = repeated_wire_bench(technology("45nm"), 1.0, 300.0, h=64, seg_length_m=0.5e-3,
...                         n_stages=2)
>>> sorted(s.name for s in b.sources)
['vdd', 'vin', 'vld']
"""

from __future__ import annotations

import math

from ..devices.technology import Technology
from ..errors import ParameterError
from . import periphery as pn
from . import sense_amp as sa
from . import spice_text as st

__all__ = ["PI_SECTIONS", "T1_S", "FANOUT", "repeater_subckt", "wire_ladder", "window_s",
           "repeated_wire_bench", "htree_segment_bench", "io_driver_bench", "io_driver_sizes",
           "repeater_cload_bench", "leakage_bench", "LEAK_W_M"]

#: pi sections per repeater spacing (Elmore delay of an n-section pi ladder is exact for
#: any n; the 50 % delay of 8 sections is within ~1 % of the distributed line)
PI_SECTIONS = 8
#: first input edge (s)
T1_S = 100e-12
#: fan-out per stage of the tapered I/O driver (the FO4 rule, Weste & Harris 4.5.1)
FANOUT = 4.0
#: transistor width of the leakage bench's off devices (m)
LEAK_W_M = 1e-6


def _check_stage(h: float, seg_length_m: float, n_stages: int) -> None:
    if not (isinstance(h, (int, float)) and math.isfinite(h) and 1.0 <= h <= 4096.0):
        raise ParameterError("h", f"repeater size must be in [1, 4096] unit inverters, got {h!r}")
    if not (isinstance(seg_length_m, (int, float)) and 1e-6 <= seg_length_m <= 0.05):
        raise ParameterError("seg_length_m", f"must be in [1 um, 5 cm], got {seg_length_m!r}")
    if isinstance(n_stages, bool) or not isinstance(n_stages, int) or not 1 <= n_stages <= 64:
        raise ParameterError("n_stages", f"must be an integer in [1, 64], got {n_stages!r}")


def repeater_subckt(name: str, tech: Technology, h: float) -> list[str]:
    """``.subckt NAME a y vdd``: inverter of h unit inverters (Wn 2h, Wp 4h x l_min)."""
    return sa.inverter_subckt(name, tech, wn_mult=pn.WN_UNIT * h, wp_mult=pn.WP_UNIT * h)


def wire_ladder(tech: Technology, prefix: str, a: str, b: str, length_m: float,
                sections: int = PI_SECTIONS) -> list[str]:
    """Global wire of ``length_m`` from node ``a`` to ``b``: ``sections`` pi sections."""
    r = tech.global_wire_r_ohm_per_m * length_m / sections
    c = tech.global_wire_c_f_per_m * length_m / sections
    nodes = [a, *(f"{prefix}{k}" for k in range(1, sections)), b]
    lines = []
    for k in range(sections):
        lines.append(st.resistor(f"R{prefix}{k}", nodes[k], nodes[k + 1], r))
    for k, node in enumerate(nodes):
        share = 0.5 if k in (0, sections) else 1.0
        lines.append(st.capacitor(f"C{prefix}{k}", node, "0", share * c))
    return lines


def window_s(tech: Technology, seg_length_m: float, n_stages: int) -> float:
    """Time each input level is held: generous against the stages' Elmore delays (s)."""
    rc = tech.global_wire_r_ohm_per_m * tech.global_wire_c_f_per_m * seg_length_m ** 2
    return 400e-12 + n_stages * (2.0 * rc + 150e-12)


def _header(tech: Technology, vdd_v: float, temp_k: float, h: float) -> list[str]:
    return [st.include(str(tech.card_path)), st.temperature(temp_k - 273.15),
            st.vsource_dc("Vdd", "vdd", "0", vdd_v), st.vsource_dc("Vld", "vld", "0", vdd_v),
            *repeater_subckt("rep", tech, h)]


def _input(tech: Technology, vdd_v: float, h: float, t2_s: float) -> list[str]:
    """Ideal input ``in`` -> pre-driver (h / FANOUT, on Vld) -> node ``n0``."""
    return [*sa.inverter_subckt("pre", tech, wn_mult=pn.WN_UNIT * max(h / FANOUT, 1.0),
                                wp_mult=pn.WP_UNIT * max(h / FANOUT, 1.0)),
            pn.instance("Xpre", ("in", "n0", "vld"), "pre"),
            pn.pwl_bits("Vin", "in", [0, 1, 0], T1_S, t2_s - T1_S, vdd_v)]


def _tran(t2_s: float, window: float) -> str:
    return st.analysis_line(st.tran(1e-12, t2_s + window, max_step_s=2e-12))


def repeated_wire_bench(tech: Technology, vdd_v: float, temp_k: float, *, h: float,
                        seg_length_m: float, n_stages: int) -> st.Netlist:
    """``n_stages`` repeaters of size ``h`` (on ``Vdd``), each driving ``seg_length_m`` of
    global wire; stage k goes from node ``n{k}`` to ``n{k+1}``; ``n{n_stages}`` ends in
    one repeater on ``Vld`` (the next stage's input). Input edges at :data:`T1_S` and
    T1 + :func:`window_s`."""
    _check_stage(h, seg_length_m, n_stages)
    win = window_s(tech, seg_length_m, n_stages)
    t2 = T1_S + win
    lines = _header(tech, vdd_v, temp_k, h) + _input(tech, vdd_v, h, t2)
    for k in range(n_stages):
        lines.append(pn.instance(f"Xr{k}", (f"n{k}", f"o{k}", "vdd"), "rep"))
        lines += wire_ladder(tech, f"w{k}x", f"o{k}", f"n{k + 1}", seg_length_m)
    lines.append(pn.instance("Xend", (f"n{n_stages}", "nend", "vld"), "rep"))
    return st.circuit("spincim repeated global wire", [*lines, _tran(t2, win)])


def htree_segment_bench(tech: Technology, vdd_v: float, temp_k: float, *, h: float,
                        seg_length_m: float) -> st.Netlist:
    """One H-tree branch point: a repeater (``Vdd``) drives ``seg_length_m`` of global wire
    from ``n0`` to the fork ``nf``, which feeds two repeaters (both branches, on ``Vld``)."""
    _check_stage(h, seg_length_m, 1)
    win = window_s(tech, seg_length_m, 1)
    t2 = T1_S + win
    lines = _header(tech, vdd_v, temp_k, h) + _input(tech, vdd_v, h, t2)
    lines.append(pn.instance("Xr0", ("n0", "o0", "vdd"), "rep"))
    lines += wire_ladder(tech, "wfx", "o0", "nf", seg_length_m)
    lines += [pn.instance("Xb1", ("nf", "b1", "vld"), "rep"),
              pn.instance("Xb2", ("nf", "b2", "vld"), "rep")]
    return st.circuit("spincim H-tree segment", [*lines, _tran(t2, win)])


def io_driver_sizes(h: float) -> list[float]:
    """Stage sizes (unit inverters) of the tapered driver into a load of ``h`` unit
    inverters: N = max(1, round(log_FANOUT h)) stages of sizes f^k, k = 0..N-1, with the
    stage ratio f = h^(1/N) (close to :data:`FANOUT`)."""
    n = max(1, round(math.log(h) / math.log(FANOUT)))
    f = h ** (1.0 / n)
    return [f ** k for k in range(n)]


def io_driver_bench(tech: Technology, vdd_v: float, temp_k: float, *, h: float) -> st.Netlist:
    """Bank I/O driver: a tapered inverter chain (:func:`io_driver_sizes`, on ``Vdd``) from a
    unit-inverter signal at ``n0`` to ``out``, the input of the global wire's first repeater
    (size ``h``, on ``Vld``). The ideal input drives ``n0`` through a unit inverter on Vld."""
    _check_stage(h, 1e-6, 1)
    sizes = io_driver_sizes(h)
    win = 600e-12 + 100e-12 * len(sizes)
    t2 = T1_S + win
    lines = [st.include(str(tech.card_path)), st.temperature(temp_k - 273.15),
             st.vsource_dc("Vdd", "vdd", "0", vdd_v), st.vsource_dc("Vld", "vld", "0", vdd_v),
             *repeater_subckt("rep", tech, h), *repeater_subckt("unit", tech, 1.0),
             pn.instance("Xpre", ("in", "n0", "vld"), "unit"),
             pn.pwl_bits("Vin", "in", [0, 1, 0], T1_S, win, vdd_v)]
    prev = "n0"
    for k, size in enumerate(sizes):
        node = "out" if k == len(sizes) - 1 else f"d{k + 1}"
        lines += repeater_subckt(f"drv{k}", tech, size)
        lines.append(pn.instance(f"Xd{k}", (prev, node, "vdd"), f"drv{k}"))
        prev = node
    lines.append(pn.instance("Xload", ("out", "lo", "vld"), "rep"))
    return st.circuit("spincim bank io driver", [*lines, _tran(t2, win)])


def repeater_cload_bench(tech: Technology, vdd_v: float, temp_k: float, *,
                         h: float) -> st.Netlist:
    """Switched capacitance of one repeater stage without wire: the repeater's transistors
    ``Mp``/``Mn`` are switched off (PMOS gate at VDD, NMOS gate at 0) and an ideal
    0 -> VDD ramp ``Vout`` at :data:`T1_S` charges its output node: its drain junctions
    and the next repeater's gate (``Xnext``). C = charge / VDD."""
    _check_stage(h, 1e-6, 1)
    lines = _header(tech, vdd_v, temp_k, h)
    lines += [pn.pmos(tech, "Mp", "out", "vdd", "vdd", pn.WP_UNIT * h),
              pn.nmos(tech, "Mn", "out", "0", "0", pn.WN_UNIT * h),
              pn.instance("Xnext", ("out", "nxt", "vld"), "rep"),
              st.vsource_pwl("Vout", "out", "0", [0.0, T1_S, T1_S + pn.SLEW_S],
                             [0.0, 0.0, vdd_v])]
    return st.circuit("spincim repeater load",
                      [*lines, st.analysis_line(st.tran(1e-12, T1_S + 300e-12,
                                                        max_step_s=2e-12))])


def leakage_bench(tech: Technology, vdd_v: float, temp_k: float,
                  v_bitline_v: float) -> st.Netlist:
    """Off-state currents at one corner (``.op``): NMOS ``Mnoff`` (W = :data:`LEAK_W_M`,
    gate = source = bulk = 0, drain on ``Vnd`` = VDD), PMOS ``Mpoff`` (gate = source = bulk
    on ``Vps`` = VDD, drain 0) and a cell's read access NMOS ``Mcell`` (W = read_w_mult
    l_min, gate 0, drain on ``Vbl`` = ``v_bitline_v``: an unselected cell on a bit line at
    the read voltage)."""
    if not (isinstance(v_bitline_v, (int, float)) and 0.0 <= v_bitline_v <= vdd_v):
        raise ParameterError("v_bitline_v", f"must be in [0, VDD], got {v_bitline_v!r}")
    l = tech.l_min_m
    lines = [st.include(str(tech.card_path)), st.temperature(temp_k - 273.15),
             st.vsource_dc("Vnd", "nd", "0", vdd_v), st.vsource_dc("Vps", "ps", "0", vdd_v),
             st.vsource_dc("Vbl", "bl", "0", v_bitline_v),
             st.mosfet("Mnoff", "nd", "0", "0", "0", tech.nmos_model, w_m=LEAK_W_M, l_m=l),
             st.mosfet("Mpoff", "0", "ps", "ps", "ps", tech.pmos_model, w_m=LEAK_W_M, l_m=l),
             st.mosfet("Mcell", "bl", "0", "0", "0", tech.nmos_model,
                       w_m=tech.read_w_mult * l, l_m=l)]
    return st.circuit("spincim leakage", [*lines, st.analysis_line(st.op())])

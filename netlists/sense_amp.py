"""Voltage-mode sense amplifier: a clocked StrongARM latch comparator and the XNOR stage.

Pure functions returning netlist lines (no ngspice calls). All transistors come from the
technology's PTM card (:func:`spincim.devices.technology.technology`), L = l_min.

The read voltages of an SOT-MRAM column sit near ground (10 uA through a few kOhm is
30-100 mV), below an NMOS threshold, so the latch has a **PMOS input pair** (the dual of
the usual NMOS StrongARM):

* ``clkb`` high: reset. NMOS switches pull the latch outputs and the input-pair drains
  to ground; the PMOS tail is off.
* ``clkb`` low: evaluate. The tail turns on; the input PMOS whose gate is lower conducts
  more and charges its side first; the cross-coupled PMOS/NMOS pair regenerates to rails.

Subcircuit ``.subckt NAME inp inn clkb out vdd``: after evaluation ``out`` = VDD when
v(inp) > v(inn) and 0 otherwise (``out`` is 0 during reset). The output is buffered by
two inverters so a load does not unbalance the latch.

XNOR (CORN) uses two comparators against ``ref_low`` (OR reference, between P||P and
P||AP) and ``ref_high`` (AND reference, between P||AP and AP||AP); with
``c_lo = V > ref_low`` and ``c_hi = V > ref_high`` (c_hi implies c_lo),
``XNOR = NOT c_lo OR c_hi = NAND(c_lo, NOT c_hi)``: one inverter and one NAND2
(:func:`xnor_logic_subckt`). During reset both comparators read 0, so the XNOR output
reads 1 until evaluation: sample it after the latch has resolved.
"""

from __future__ import annotations

from ..devices.technology import Technology
from . import spice_text as st

__all__ = ["strongarm_subckt", "inverter_subckt", "nand2_subckt", "xnor_logic_subckt",
           "SA_PORTS", "XNOR_PORTS"]

#: port order of :func:`strongarm_subckt`
SA_PORTS = ("inp", "inn", "clkb", "out", "vdd")
#: port order of :func:`xnor_logic_subckt`
XNOR_PORTS = ("c_lo", "c_hi", "out", "vdd")


def _nm(tech: Technology, name, d, g, s, b, w_mult: float) -> str:
    return st.mosfet(name, d, g, s, b, tech.nmos_model, w_m=w_mult * tech.l_min_m,
                     l_m=tech.l_min_m)


def _pm(tech: Technology, name, d, g, s, b, w_mult: float) -> str:
    return st.mosfet(name, d, g, s, b, tech.pmos_model, w_m=w_mult * tech.l_min_m,
                     l_m=tech.l_min_m)


def inverter_subckt(name: str, tech: Technology, *, wn_mult: float = 2.0,
                    wp_mult: float = 4.0) -> list[str]:
    """``.subckt NAME a y vdd``: CMOS inverter (W = multiples of l_min)."""
    st.check_name(name)
    return [st.subckt(name, ("a", "y", "vdd")),
            _pm(tech, "Mp", "y", "a", "vdd", "vdd", wp_mult),
            _nm(tech, "Mn", "y", "a", "0", "0", wn_mult),
            st.ends(name)]


def nand2_subckt(name: str, tech: Technology, *, wn_mult: float = 4.0,
                 wp_mult: float = 4.0) -> list[str]:
    """``.subckt NAME a b y vdd``: CMOS NAND2."""
    st.check_name(name)
    return [st.subckt(name, ("a", "b", "y", "vdd")),
            _pm(tech, "Mpa", "y", "a", "vdd", "vdd", wp_mult),
            _pm(tech, "Mpb", "y", "b", "vdd", "vdd", wp_mult),
            _nm(tech, "Mna", "y", "a", "nx", "0", wn_mult),
            _nm(tech, "Mnb", "nx", "b", "0", "0", wn_mult),
            st.ends(name)]


def strongarm_subckt(name: str, tech: Technology, *, w_tail_mult: float = 8.0,
                     w_in_mult: float = 6.0, w_latch_mult: float = 2.0,
                     w_reset_mult: float = 2.0) -> list[str]:
    """``.subckt NAME inp inn clkb out vdd``: PMOS-input StrongARM latch comparator.

    ``out`` = VDD after evaluation (``clkb`` low) when v(inp) > v(inn). Also defines the
    helper inverter subckt ``NAME_inv`` (emitted before the comparator).
    """
    st.check_name(name)
    inv = f"{name}_inv"
    lines = inverter_subckt(inv, tech)
    lines += [
        st.subckt(name, SA_PORTS),
        "* tail, on while clkb is low (evaluate)",
        _pm(tech, "Mt", "tail", "clkb", "vdd", "vdd", w_tail_mult),
        "* input pair: the lower gate conducts more",
        _pm(tech, "M1", "x1", "inp", "tail", "vdd", w_in_mult),
        _pm(tech, "M2", "x2", "inn", "tail", "vdd", w_in_mult),
        "* cross-coupled PMOS and NMOS (regeneration)",
        _pm(tech, "M3", "oa", "ob", "x1", "vdd", w_latch_mult),
        _pm(tech, "M4", "ob", "oa", "x2", "vdd", w_latch_mult),
        _nm(tech, "M5", "oa", "ob", "0", "0", w_latch_mult),
        _nm(tech, "M6", "ob", "oa", "0", "0", w_latch_mult),
        "* reset switches (clkb high)",
        _nm(tech, "Mr1", "oa", "clkb", "0", "0", w_reset_mult),
        _nm(tech, "Mr2", "ob", "clkb", "0", "0", w_reset_mult),
        _nm(tech, "Mr3", "x1", "clkb", "0", "0", w_reset_mult),
        _nm(tech, "Mr4", "x2", "clkb", "0", "0", w_reset_mult),
        "* v(inp) > v(inn): M2 stronger, ob rises; buffered (two inverters), plus dummy on oa",
        f"Xb1 ob obb vdd {inv}",
        f"Xb2 obb out vdd {inv}",
        f"Xd1 oa oab vdd {inv}",
        st.ends(name),
    ]
    return lines


def xnor_logic_subckt(name: str, tech: Technology) -> list[str]:
    """``.subckt NAME c_lo c_hi out vdd``: ``out = NAND(c_lo, NOT c_hi)`` = XNOR of the cells.

    Also defines ``NAME_inv`` and ``NAME_nand``.
    """
    st.check_name(name)
    inv, nand = f"{name}_inv", f"{name}_nand"
    return [*inverter_subckt(inv, tech), *nand2_subckt(nand, tech),
            st.subckt(name, XNOR_PORTS),
            f"Xi c_hi nhi vdd {inv}",
            f"Xn c_lo nhi out vdd {nand}",
            st.ends(name)]

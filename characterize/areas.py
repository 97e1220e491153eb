"""Component areas (m^2) at a technology node: the one place for area rules.

Cells use the array pitch of :mod:`spincim.netlists.array`; CMOS gates with a standard
cell use the NanGate FreePDK45 cell areas scaled by F^2; circuits without one (sense
amplifier, XNOR logic, CORN write driver) are costed per transistor from the sizes their
netlist builders declare (:class:`~spincim.netlists.spice_text.Mosfet`), never from
netlist text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..devices.technology import Technology, technology
from ..errors import ParameterError
from ..netlists import array as arr
from ..netlists import sense_amp as sa
from ..netlists import spice_text as st
from .opdata import AreaItem

__all__ = ["F2_PER_DEVICE", "NANGATE45", "areas", "design_areas", "device_area_f2",
           "subckt_mosfets"]

#: NanGate FreePDK45 Open Cell Library (typical liberty, v1.3) cell areas in um^2 at
#: F = 45 nm: INV_X1 0.532 (2 x 0.19 um sites x 1.4 um row), FA_X1 4.256 (16 sites),
#: DFF_X1 4.522 (17 sites). Scaled to other nodes as F^2 multiples.
NANGATE45 = {"inv": 0.532e-12, "fa": 4.256e-12, "dff": 4.522e-12}
_NANGATE_F_M = 45e-9
#: area per transistor in F^2 for circuits without a standard cell (estimate: NanGate
#: FA_X1 is 2102 F^2 for 28 devices, 75 F^2 each; DFF_X1 2233 F^2 for ~24-28 devices,
#: 80-93 F^2 each). Devices wider than 3 F scale with W / 3 F; a gate longer than F adds
#: its extra gate area W (L - F).
F2_PER_DEVICE = 80.0


def device_area_f2(mosfets: Iterable[st.Mosfet], f_m: float) -> tuple[float, int]:
    """Sum over transistors of F2_PER_DEVICE x max(1, W / 3F) + W max(0, L - F) / F^2;
    returns (F^2, devices).

    Parameters
    ----------
    mosfets : iterable of Mosfet
        Transistors as their builders declared them (``w_m`` in m).
    f_m : float
        Feature size F (m).
    """
    total, count = 0.0, 0
    for mos in mosfets:
        total += (F2_PER_DEVICE * max(1.0, mos.w_m / f_m / 3.0)
                  + mos.w_m * max(0.0, mos.l_m - f_m) / f_m ** 2)
        count += 1
    return total, count


def _instance_subckt(line: str) -> str | None:
    """Subcircuit name of an ``X`` instance line (its last word), else None."""
    if getattr(line, "element", None) is not None:
        return None
    words = line.split()
    if not words or words[0][0] not in "xX":
        return None
    return words[-1].lower()


def subckt_mosfets(lines: Sequence[str], top: str) -> list[st.Mosfet]:
    """Transistors of subcircuit ``top`` with its ``X`` instances flattened.

    ``lines`` is a subcircuit definition list as the netlist builders return it (e.g.
    :func:`sense_amp.strongarm_subckt`): transistors are read from the lines' ``Mosfet``
    elements; an instance of a subcircuit defined earlier in ``lines`` contributes that
    subcircuit's transistors (instances of unknown subcircuits contribute none).
    """
    defs: dict[str, list[st.Mosfet]] = {}
    stack: list[tuple[str, list[st.Mosfet]]] = [("", [])]
    for line in lines:
        element = getattr(line, "element", None)
        if isinstance(element, st.SubcktMark):
            if element.opening:
                stack.append((element.name, []))
            else:
                name, devices = stack.pop()
                defs[name] = devices
        elif isinstance(element, st.Mosfet):
            stack[-1][1].append(element)
        else:
            sub = _instance_subckt(line)
            if sub is not None and sub in defs:
                stack[-1][1].extend(defs[sub])
    key = top.lower()
    if key not in defs:
        raise ParameterError("top", f"no subcircuit {top!r} defined in the lines")
    return defs[key]


def _tech(tech_name: str | Technology) -> Technology:
    return tech_name if isinstance(tech_name, Technology) else technology(tech_name)


def areas(tech_name: str | Technology) -> list[AreaItem]:
    """Component areas (m^2) at the node, from F^2 rules (each item states its rule).

    Parameters
    ----------
    tech_name : str or Technology
        Technology node, e.g. ``"45nm"``.

    Returns
    -------
    list of AreaItem
        Cells (``sot_2t1r_cell``, ``corn_3t_cell``), standard-cell gates (``inv``,
        ``fa``, ``dff``), ``sense_amplifier``, ``xnor_logic``, ``write_driver_9nmos``
        and ``write_driver_switches``.
    """
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
    sa_f2, sa_n = device_area_f2(subckt_mosfets(sa.strongarm_subckt("sa", tech), "sa"), f)
    items.append(AreaItem("sense_amplifier", sa_f2 * f2,
                          f"StrongARM comparator with output buffers (sense_amp.strongarm_subckt,"
                          f" {sa_n} devices): {F2_PER_DEVICE:g} F^2 per device x max(1, W/3F) "
                          f"(estimate calibrated on NanGate FA_X1/DFF_X1 ~75-93 F^2 per device)"))
    xn_f2, xn_n = device_area_f2(subckt_mosfets(sa.xnor_logic_subckt("xn", tech), "xn"), f)
    items.append(AreaItem("xnor_logic", xn_f2 * f2,
                          f"CORN XNOR output logic ({xn_n} devices), same per-device rule"))
    cfg = wd.DriverConfig(tech_name=tech.name)
    wd_mosfets = [line.element for line in wd.driver_lines(cfg, [f"g{i}" for i in
                                                                range(wd.N_INPUTS)])
                  if isinstance(getattr(line, "element", None), st.Mosfet)]
    nine = [m for m in wd_mosfets if m.name.startswith("mw")]
    switches = [m for m in wd_mosfets if m.name in ("mprl", "mpsh", "mpsl")]
    wd_f2, wd_n = device_area_f2(nine, f)
    items.append(AreaItem("write_driver_9nmos", wd_f2 * f2,
                          f"CORN 9-NMOS majority write driver (write_driver.driver_lines: "
                          f"{wd_n} NMOS of W = {cfg.width_factor:g} F), same per-device rule "
                          f"(estimate)"))
    sw_f2, sw_n = device_area_f2(switches, f)
    items.append(AreaItem("write_driver_switches", sw_f2 * f2,
                          f"CORN PRESET/PROGRAM return switches of the write driver ({sw_n} "
                          f"NMOS of W = {cfg.switch_width_factor:g} F), same per-device rule "
                          f"(estimate)"))
    return items + design_areas(tech)


def design_areas(tech: Technology) -> list[AreaItem]:
    """One driver of every registered majority design other than ``corn`` (whose parts
    are ``write_driver_9nmos`` and ``write_driver_switches``) built for ``tech``."""
    from ..netlists import majority_designs as designs
    from ..netlists import write_driver as wd
    from . import decide

    out = []
    for name, entry in designs.REGISTRY.items():
        if entry.areas != (f"majority_{name.replace('-', '_')}_driver",):
            continue
        spec = designs.design(name)
        if spec.kind == "threshold" and spec.driver.tech_name == tech.name:
            cfg = spec.driver
            mos = [line.element for line in wd.driver_lines(cfg, [f"g{i}" for i in
                                                                  range(wd.N_INPUTS)])
                   if isinstance(getattr(line, "element", None), st.Mosfet)]
            a_f2, n = device_area_f2(mos, tech.node_m)
            out.append(AreaItem(entry.areas[0], a_f2 * tech.node_m ** 2,
                                f"majority design {name!r}: nine NMOS (W = "
                                f"{cfg.width_factor:g} F, L = {cfg.nmos_l_m:.3g} m) and the "
                                f"three PRESET/PROGRAM switches, {n} devices by the "
                                f"per-device rule (estimate)"))
        elif spec.kind == "decide" and spec.tech_name == tech.name:
            area, rule = decide.area_m2(spec)
            out.append(AreaItem(entry.areas[0], area, f"majority design {name!r} (decider, "
                                f"flip-flop, gates, H-bridge): {rule}"))
    return out

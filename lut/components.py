"""Characterized components as small cost records: energy per action, latency, area.

The shape is that of an architecture-level component library (hwcomponents, Accelergy,
CiMLoop): a component has actions, each with an energy (J) and a latency (s), and an area
(m²). Every number is read from a LUT at an operating point (technology, supply,
temperature, array size); nothing is scaled or fitted here. The optional
``hwcomponents_spincim`` package (extra ``spincim[hwcomponents]``) wraps these records as
hwcomponents models.

Which LUT op prices which action is data (:data:`COMPONENTS`); an action whose op the LUT
lacks raises :class:`~spincim.errors.LutError` naming the op and the command that adds
it.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import LutError, ParameterError

__all__ = ["SHIPPED_NODES_M", "COMPONENTS", "Component", "OperatingPoint", "ActionValue",
           "shipped_lut_path", "load_lut", "action_value", "component_area",
           "majority_ops"]

#: Shipped LUTs by technology node (m): the node of each PTM model card.
SHIPPED_NODES_M = {45e-9: "default_45nm.h5", 22e-9: "default_22nm.h5"}


@dataclass(frozen=True)
class Component:
    """One characterized component: its actions (name -> LUT op) and area parts."""

    name: str
    description: str
    actions: dict
    areas: tuple[str, ...] = ()


#: The components spincim characterizes. An action maps to one LUT op or to a tuple of
#: ops whose values are averaged (``write``: a random bit flips P->AP or AP->P with equal
#: probability). The column ops (read, and2, or2, xnor2) are characterized as one circuit:
#: cell, bit line, reference and StrongARM sense amplifier together, so the cell's and the
#: sense amplifier's actions price the same column op -- count one of them per access.
COMPONENTS = {
    "sot_mram_cell": Component(
        "sot_mram_cell", "SOT-MRAM cell (IMCE 2T1R), sensed through its column",
        {"read": "read", "and2": "and2", "or2": "or2", "xnor2": "xnor2",
         "write": ("write_p_to_ap", "write_ap_to_p"), "write_p_to_ap": "write_p_to_ap",
         "write_ap_to_p": "write_ap_to_p"}, ("sot_2t1r_cell",)),
    "sense_amplifier": Component(
        "sense_amplifier", "StrongARM sense amplifier of a column (one decision per op)",
        {"read": "read", "and2": "and2", "or2": "or2", "xnor2": "xnor2"},
        ("sense_amplifier",)),
    "row_periphery": Component(
        "row_periphery", "row decoder, word line and bit line of an array",
        {"decode": "decoder", "wordline": "wordline", "bitline": "bitline"}, ()),
    "full_adder": Component("full_adder", "28-transistor mirror full adder",
                            {"add": "fa"}, ("fa",)),
    "flip_flop": Component("flip_flop", "transmission-gate master-slave D flip-flop",
                           {"clock": "dff"}, ("dff",)),
    "inverter": Component("inverter", "unit CMOS inverter (FO4)", {"switch": "inv"},
                          ("inv",)),
}


@dataclass(frozen=True, kw_only=True)
class OperatingPoint:
    """Where a LUT is read: technology node, supply, temperature, array size (SI).

    ``vdd_v`` and ``temperature_k`` None take the LUT's nominal values; ``lut_path`` a
    user LUT (``spincim lut build``) instead of the shipped one of ``tech_node_m``.
    """

    tech_node_m: float = 45e-9
    vdd_v: float | None = None
    temperature_k: float = 300.0
    rows: int = 256
    cols: int = 256
    lut_path: str | None = None

    def __post_init__(self) -> None:
        for name in ("tech_node_m", "temperature_k"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value) or value <= 0:
                raise ParameterError(name, f"must be finite and > 0, got {value!r}")
        if self.vdd_v is not None and (isinstance(self.vdd_v, bool)
                                       or not isinstance(self.vdd_v, (int, float))
                                       or not math.isfinite(self.vdd_v) or self.vdd_v <= 0):
            raise ParameterError("vdd_v", f"must be finite and > 0, got {self.vdd_v!r}")
        for name in ("rows", "cols"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ParameterError(name, f"must be a whole number >= 1, got {value!r}")

    def coords(self) -> dict:
        """LUT axis coordinates of this point (vdd only when given)."""
        out = {"temperature_k": float(self.temperature_k), "rows": float(self.rows),
               "cols": float(self.cols)}
        if self.vdd_v is not None:
            out["vdd_v"] = float(self.vdd_v)
        return out


@dataclass(frozen=True)
class ActionValue:
    """Energy (J) and latency (s) of one action, and the LUT ops it was read from."""

    energy_j: float
    latency_s: float
    ops: tuple[str, ...]


def shipped_lut_path(tech_node_m: float) -> Path:
    """The shipped LUT of a technology node (m); ParameterError naming the shipped ones."""
    for node, name in SHIPPED_NODES_M.items():
        if math.isclose(tech_node_m, node, rel_tol=1e-6):
            return Path(str(resources.files("spincim.lut") / "data" / name))
    shipped = ", ".join(f"{n * 1e9:g} nm" for n in SHIPPED_NODES_M)
    raise ParameterError("tech_node_m", f"{tech_node_m:g} m has no shipped LUT ({shipped}); "
                         "characterize it with 'spincim lut build --tech FILE.toml' and pass "
                         "lut_path")


@functools.lru_cache(maxsize=8)
def _read(path: str):
    from . import io
    return io.read_lut(path)


def load_lut(point: OperatingPoint):
    """The LUT of ``point`` (read once per file and process)."""
    path = point.lut_path or str(shipped_lut_path(point.tech_node_m))
    return _read(str(path))


def _usable(lut, coords: dict) -> dict:
    """The coordinates on this LUT's axes (an axis the LUT lacks is not a coordinate)."""
    return {k: v for k, v in coords.items() if k in lut.axes}


def _command(op: str) -> str:
    return (f"op {op!r} is not in this LUT; 'spincim lut build --tech NODE --out FILE.h5' "
            "characterizes every op of a node (a 22 nm build has the majority driver, a "
            "45 nm build the cell writes)")


def action_value(point: OperatingPoint, op, **extra: float) -> ActionValue:
    """Energy and latency of LUT ``op`` (or the mean of a tuple of ops) at ``point``.

    ``extra`` adds coordinates such as ``n_on`` (inputs on of a majority write).
    """
    from . import interp

    lut = load_lut(point)
    ops = (op,) if isinstance(op, str) else tuple(op)
    coords = {**_usable(lut, point.coords()), **extra}
    energies, latencies = [], []
    for name in ops:
        if name not in lut.ops:
            raise LutError(lut.label(), _command(name))
        used = {k: v for k, v in coords.items() if k in lut.ops[name].axes}
        energies.append(interp.value(lut, name, "energy_j", **used))
        latencies.append(interp.value(lut, name, "latency_s", **used))
    return ActionValue(sum(energies) / len(ops), sum(latencies) / len(ops), ops)


def component_area(point: OperatingPoint, parts) -> float:
    """Area (m²) of the LUT area components ``parts`` summed; 0 for no parts."""
    lut = load_lut(point)
    missing = [p for p in parts if p not in lut.areas]
    if missing:
        raise LutError(lut.label(), f"no area for {', '.join(missing)} in this LUT; "
                       "'spincim lut build' records the areas of every component")
    return float(sum(lut.areas[p].area_m2 for p in parts))


def majority_ops(design: str) -> tuple[dict, tuple[str, ...]]:
    """``({action: LUT op}, area parts)`` of a registered majority-write design.

    A threshold design (CORN) has ``preset``, ``program`` and ``maxpool``; a decide
    design prices ``program`` with its decision-plus-write op.
    """
    from ..netlists import majority_designs

    entry = majority_designs.entry(design)
    ops = dict(entry.ops)
    if "write" in ops:
        ops["program"] = ops.pop("write")
    return ops, tuple(entry.areas)

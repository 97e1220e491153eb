"""Registered majority-write designs: plain functions with keyword defaults (a registry).

A design is everything that turns nine input bits into the majority stored in a buffer
SOT cell. Two kinds:

* ``threshold`` -- CORN's current-summing write (CORN III-B): PRESET the cell to P, then
  PROGRAM it with the summed current of the NMOS that are on; the free layer's switching
  threshold decides. Circuits: :mod:`spincim.netlists.write_driver`.
* ``decide`` -- CMOS decides the majority, a full-strength bipolar SOT write (the CORN
  driver's PRESET strength in either direction) stores the decided bit; no PRESET.
  Circuits: :mod:`spincim.netlists.majority_decide`.

Registered designs (``spincim mc majority --design NAME``, ``spincim driver sweep
--design NAME``, ``buffer.majority`` of an architecture description):

``corn``
    CORN's driver as published: W = 3F, length and a series resistance fitted to CORN
    IV-B's I(1) = 32.5 uA and I(4) = 76.2 uA (the default).
``corn-ptm``
    The same driver with the PTM-native sizing (L = l_min, no series resistance).
``comparator``
    Differential charge-sharing majority: each input drives a 2 fF unit capacitor of one
    array and its complement one of a second array; a static comparator decides the sign
    of the difference (2n - 9 units), a flip-flop holds it, the H-bridge writes it.
``popcount``
    CMOS popcount: seven mirror full adders compute the majority of nine exactly (IMC-DPU
    style), a flip-flop holds it, the H-bridge writes it.

Importing this module is light (no circuit or device modules): the functions import
them when called, so the estimator can check names without loading them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from .write_driver import DriverConfig

__all__ = ["KINDS", "Entry", "REGISTRY", "register", "names", "entry", "design",
           "ThresholdDesign", "WriteParams", "ComparatorParams", "PopcountParams",
           "DecideDesign", "DEFAULT_DESIGN"]

#: the two kinds of majority write (see the module docstring)
KINDS = ("threshold", "decide")
#: the design used when none is named (CORN as published)
DEFAULT_DESIGN = "corn"


@dataclass(frozen=True)
class Entry:
    """One registered design: its name, kind, LUT op names, the LUT area components of
    one of its drivers (summed) and its function."""

    name: str
    kind: str
    ops: dict
    fn: Callable[..., Any]
    summary: str
    areas: tuple[str, ...]


#: every registered design by name, in registration order
REGISTRY: dict[str, Entry] = {}


def register(name: str, *, kind: str, ops: dict, summary: str,
             areas: tuple[str, ...] | None = None):
    """Register ``fn(**changes) -> design record`` as the majority design ``name``.

    ``ops`` maps the roles the estimator prices to LUT op names: ``preset``,
    ``program`` and ``maxpool`` for a threshold design, ``write`` (an op over ``n_on``:
    decision + write per majority) for a decide design. ``areas`` names the LUT area
    components of one driver (default ``majority_<name>_driver``).
    """
    if kind not in KINDS:
        raise ParameterError("kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    needed = {"threshold": {"preset", "program", "maxpool"}, "decide": {"write"}}[kind]
    if set(ops) != needed:
        raise ParameterError("ops", f"a {kind} design names ops {sorted(needed)}")

    def add(fn):
        if name in REGISTRY:
            raise ParameterError("design", f"majority design {name!r} registered twice")
        parts = areas or (f"majority_{name.replace('-', '_')}_driver",)
        REGISTRY[name] = Entry(name, kind, dict(ops), fn, summary, tuple(parts))
        return fn
    return add


def names() -> tuple[str, ...]:
    """Names of the registered designs."""
    return tuple(REGISTRY)


def entry(name: str, *, field_name: str = "design") -> Entry:
    """The :class:`Entry` of ``name``; :class:`ParameterError` naming ``field_name``."""
    if not isinstance(name, str) or name not in REGISTRY:
        raise ParameterError(field_name, f"unknown majority design {name!r}"[:120]
                             + f"; choose from {', '.join(REGISTRY)}")
    return REGISTRY[name]


def design(name: str, **changes):
    """The record of design ``name`` with keyword ``changes`` passed to its function."""
    return entry(name).fn(**changes)


def _positive(obj, names_) -> None:
    for name in names_:
        value = getattr(obj, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value) or value <= 0:
            raise ParameterError(name, f"must be finite and > 0, got {value!r}")


# ----------------------------------------------------------------------------- records
@dataclass(frozen=True, kw_only=True)
class ThresholdDesign:
    """CORN's threshold write: a :class:`~.write_driver.DriverConfig` and its buffer cell."""

    name: str
    driver: DriverConfig
    shm_thickness_m: float
    description: str = ""
    kind: str = field(default="threshold", init=False)

    def __post_init__(self) -> None:
        _positive(self, ("shm_thickness_m",))


@dataclass(frozen=True, kw_only=True)
class WriteParams:
    """The full-strength bipolar write of a decide design (SI).

    Defaults: the CORN driver's PRESET pair (40F NMOS from Vsub = 0.5 V, 5 ns), used in
    both directions: 207 uA = 3.25 Ic0 of the ``corn`` buffer cell at 0 K sizes.
    """

    v_write_v: float = 0.5          # CORN IV-B: Vsupply2 = 0.5 V (the driver's Vsub rail)
    switch_width_factor: float = 40.0  # write_driver.DriverConfig.switch_width_factor
    pulse_s: float = 5e-9           # write_driver.DriverConfig.preset_s
    edge_s: float = 50e-12          # write_driver.DriverConfig.edge_s

    def __post_init__(self) -> None:
        _positive(self, ("v_write_v", "switch_width_factor", "pulse_s", "edge_s"))


@dataclass(frozen=True, kw_only=True)
class ComparatorParams:
    """Differential charge-sharing majority and its static comparator (SI; transistor
    widths and lengths as multiples of l_min).

    Each array: nine unit capacitors plus ``fixed_cap_units`` units from the top plate to
    ground, which put the common mode (VDD/2 x attenuation, ~0.25 V) where the PMOS
    input pair has gain at VDD = 0.8 V (the long-channel PTM devices have |Vth| ~ 0.45 V,
    so a pair at mid-rail would sit below threshold). No source fixes the mismatch of
    small metal capacitors here, so ``sigma_cap`` is an assumed relative sigma per
    capacitor (3 %, the spread used for the device parameters); ``cap_density_f_per_m2``
    (2 fF/um^2, a metal-oxide-metal finger capacitor over several metal layers) is an
    estimate used only for area. ``top_parasitic_f`` is the rest of each top plate's
    capacitance, effective: the input-pair gate and reset-switch drain plus the kickback
    of the comparator's output swing through the pair's gate-drain capacitance, chosen
    so that :func:`spincim.netlists.majority_decide.charge_share_v` gives the settled
    v(tp) - v(tn) of the transient at 4 and 5 inputs (2026-11-24 run: -46.4 and +44.9 mV;
    tests check 10 %). Sizes: with the pair at 80 x 4 l_min and 2 fF units the Monte
    Carlo with the Pelgrom sigmas doubled gave 4.5 % errors at 4 inputs; at these sizes
    0.13 % (4,000 trials).
    """

    unit_cap_f: float = 4e-15
    fixed_cap_units: float = 4.0
    sigma_cap: float = 0.03
    cap_density_f_per_m2: float = 2e-3
    top_parasitic_f: float = 18.2e-15
    in_w: float = 160.0    # PMOS input pair: W = 160 l_min, L = 4 l_min (sigma Vth 2.8 mV)
    in_l: float = 4.0
    load_w: float = 80.0   # NMOS current-mirror load (sigma Vth 3.9 mV)
    load_l: float = 4.0
    tail_w: float = 20.0   # PMOS tail switch (gate = NOT enable), L = l_min
    tail_l: float = 1.0
    decide_s: float = 0.5e-9  # enable to the capture edge (settles in ~0.25 ns)

    def __post_init__(self) -> None:
        _positive(self, ("unit_cap_f", "fixed_cap_units", "cap_density_f_per_m2",
                         "top_parasitic_f", "in_w", "in_l", "load_w", "load_l", "tail_w",
                         "tail_l", "decide_s"))
        if not (math.isfinite(self.sigma_cap) and 0 <= self.sigma_cap < 0.3):
            raise ParameterError("sigma_cap", f"must be in [0, 0.3), got {self.sigma_cap!r}")

    @property
    def top_cap_f(self) -> float:
        """Total capacitance of one top plate (F)."""
        return (9 + self.fixed_cap_units) * self.unit_cap_f + self.top_parasitic_f


@dataclass(frozen=True, kw_only=True)
class PopcountParams:
    """Seven-full-adder majority of nine (the mirror adder of :mod:`.periphery`)."""

    decide_s: float = 0.4e-9  # adder-tree settling before the capture

    def __post_init__(self) -> None:
        _positive(self, ("decide_s",))


@dataclass(frozen=True, kw_only=True)
class DecideDesign:
    """CMOS decides, a flip-flop holds the decision, an H-bridge writes it (SI)."""

    name: str
    decider: ComparatorParams | PopcountParams
    write: WriteParams = WriteParams()
    shm_thickness_m: float
    tech_name: str = "22nm"
    capture_s: float = 0.1e-9   # flip-flop clock edge to write enable
    max_step_s: float = 1e-12   # transient max step (write_driver.MAX_STEP_S)
    description: str = ""
    kind: str = field(default="decide", init=False)

    def __post_init__(self) -> None:
        _positive(self, ("shm_thickness_m", "capture_s", "max_step_s"))
        if not isinstance(self.decider, (ComparatorParams, PopcountParams)):
            raise ParameterError("decider", "must be ComparatorParams or PopcountParams")

    @property
    def decision(self) -> str:
        return "comparator" if isinstance(self.decider, ComparatorParams) else "popcount"

    def replace(self, **changes) -> DecideDesign:
        return dataclasses.replace(self, **changes)


# ----------------------------------------------------------------------------- designs
@register("corn", kind="threshold",
          ops={"preset": "preset", "program": "majority_program", "maxpool": "maxpool_write"},
          areas=("write_driver_9nmos", "write_driver_switches"),
          summary="CORN's nine-NMOS threshold write as published (I(1), I(4) of CORN IV-B)")
def corn(*, shm_thickness_m: float | None = None, **driver_changes) -> ThresholdDesign:
    """CORN as published: :data:`write_driver.CORN` and its calibrated buffer cell."""
    from . import write_driver as wd
    return ThresholdDesign(
        name="corn", driver=dataclasses.replace(wd.CORN, **driver_changes),
        shm_thickness_m=wd.BUFFER_SHM_THICKNESS_M if shm_thickness_m is None
        else shm_thickness_m,
        description="CORN III-B/IV-B nine-NMOS threshold write; W = 3F, L and a series "
                    "resistance fitted to I(1) = 32.5 uA, I(4) = 76.2 uA")


@register("corn-ptm", kind="threshold",
          ops={"preset": "majority_corn_ptm_preset", "program": "majority_corn_ptm_program",
               "maxpool": "majority_corn_ptm_maxpool"},
          summary="the same driver with the PTM-native sizing (I(1) = 58.8 uA)")
def corn_ptm(*, shm_thickness_m: float | None = None, **driver_changes) -> ThresholdDesign:
    """The PTM-native sizing: :data:`write_driver.CORN_PTM` and its calibrated cell."""
    from . import write_driver as wd
    return ThresholdDesign(
        name="corn-ptm", driver=dataclasses.replace(wd.CORN_PTM, **driver_changes),
        shm_thickness_m=wd.PTM_SHM_THICKNESS_M if shm_thickness_m is None
        else shm_thickness_m,
        description="CORN's nine-NMOS threshold write, PTM-native sizing (W = 3F, L = l_min)")


@register("comparator", kind="decide", ops={"write": "majority_comparator"},
          summary="charge-sharing comparator (2n vs 9 unit charges) decides, full-strength "
                  "bipolar write stores")
def comparator(*, decider: ComparatorParams | None = None, write: WriteParams | None = None,
               shm_thickness_m: float | None = None, **changes) -> DecideDesign:
    """Differential charge-sharing majority + static comparator + flip-flop + H-bridge,
    into the ``corn`` buffer cell."""
    from . import write_driver as wd
    return DecideDesign(
        name="comparator", decider=decider or ComparatorParams(), write=write or WriteParams(),
        shm_thickness_m=wd.BUFFER_SHM_THICKNESS_M if shm_thickness_m is None
        else shm_thickness_m,
        description="differential charge-sharing majority (2 x 9 unit capacitors), static "
                    "PMOS-input comparator, flip-flop, bipolar H-bridge write at the CORN "
                    "PRESET strength", **changes)


@register("popcount", kind="decide", ops={"write": "majority_popcount"},
          summary="CMOS full-adder popcount decides, full-strength bipolar write stores")
def popcount(*, decider: PopcountParams | None = None, write: WriteParams | None = None,
             shm_thickness_m: float | None = None, **changes) -> DecideDesign:
    """Seven full adders (majority of nine) + flip-flop + H-bridge, into the ``corn``
    buffer cell."""
    from . import write_driver as wd
    return DecideDesign(
        name="popcount", decider=decider or PopcountParams(), write=write or WriteParams(),
        shm_thickness_m=wd.BUFFER_SHM_THICKNESS_M if shm_thickness_m is None
        else shm_thickness_m,
        description="seven mirror full adders (majority of nine), flip-flop, bipolar "
                    "H-bridge write at the CORN PRESET strength", **changes)

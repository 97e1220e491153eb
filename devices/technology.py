"""CMOS technology nodes: model card, supply, minimum length, wires and mismatch.

The model cards are PTM BSIM4 (level 54) files in ``devices/models/`` (each names its
origin in its header). IMCE used the NCSU 45 nm PDK, whose models are PTM-based; CORN
used a 28 nm FDSOI process, for which the PTM 22 nm HP bulk card stands in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..errors import ParameterError


@dataclass(frozen=True, kw_only=True)
class Technology:
    """One CMOS node as the netlists need it (SI units)."""

    name: str = field(metadata={"source": "short name used on the command line"})
    node_m: float = field(metadata={"unit": "m", "source": "feature size F"})
    vdd_v: float = field(metadata={"unit": "V", "source": "nominal supply of the PTM card header"})
    card_file: str = field(metadata={"source": "file in devices/models/"})
    nmos_model: str = field(metadata={"source": ".model name in the card"})
    pmos_model: str = field(metadata={"source": ".model name in the card"})
    l_min_m: float = field(metadata={"unit": "m", "source": "drawn minimum length of the card"})
    a_vt_v_m: float = field(metadata={
        "unit": "V m",
        "source": "Pelgrom coefficient; sigma(Vth) = A_VT / sqrt(W L) (Pelgrom, Duinmaijer, "
                  "Welbers, IEEE JSSC 24(5), 1433, 1989). Value: the ~1 mV um per nm of "
                  "inversion oxide rule of thumb (Pelgrom, Tuinhout, Vertregt, IEDM 1998, "
                  "'Transistor matching in analog CMOS applications', Fig. 5) applied to the "
                  "card's toxe plus ~0.5 nm inversion-layer thickness: an estimate, not a "
                  "measured foundry figure"})
    wire_r_ohm_per_m: float = field(metadata={
        "unit": "Ohm/m", "source": "local (M1-M2) copper wire resistance per length"})
    wire_c_f_per_m: float = field(metadata={
        "unit": "F/m", "source": "local wire capacitance per length"})

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise :class:`ParameterError` naming the first bad field."""
        for name in ("node_m", "vdd_v", "l_min_m", "a_vt_v_m", "wire_r_ohm_per_m",
                     "wire_c_f_per_m"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value) or value <= 0:
                raise ParameterError(f"technology.{name}", f"must be finite and > 0, got {value!r}")

    @property
    def card_path(self) -> Path:
        """Absolute path of the model card shipped with the package."""
        return Path(str(resources.files("spincim.devices") / "models" / self.card_file))

    def sigma_vth_v(self, w_m: float, l_m: float) -> float:
        """Pelgrom threshold-voltage mismatch sigma for a W x L transistor (V)."""
        if w_m <= 0 or l_m <= 0:
            raise ParameterError("w_m/l_m", "transistor sizes must be > 0")
        return self.a_vt_v_m / math.sqrt(w_m * l_m)


#: Local-wire RC. ITRS 2009 Interconnect tables (MPU/ASIC M1): at the 45 nm node,
#: about 4 Ohm/um (0.4 Ohm/sq Cu at 90 nm pitch) and 0.2 fF/um; at 22 nm about
#: 15 Ohm/um and 0.18 fF/um. Round numbers of that table's magnitude.
TECHNOLOGIES: dict[str, Technology] = {
    "45nm": Technology(
        name="45nm", node_m=45e-9, vdd_v=1.0, card_file="ptm45hp.lib",
        nmos_model="nmos45", pmos_model="pmos45", l_min_m=45e-9,
        a_vt_v_m=1.8e-3 * 1e-6,  # 1.8 mV um: toxe 1.25 nm + 0.5 nm (see field source)
        wire_r_ohm_per_m=4.0e6, wire_c_f_per_m=0.2e-9),
    "22nm": Technology(
        name="22nm", node_m=22e-9, vdd_v=0.8, card_file="ptm22hp.lib",
        nmos_model="nmos22", pmos_model="pmos22", l_min_m=22e-9,
        a_vt_v_m=1.55e-3 * 1e-6,  # 1.55 mV um: toxe 1.05 nm + 0.5 nm (see field source)
        wire_r_ohm_per_m=15.0e6, wire_c_f_per_m=0.18e-9),
}


def technology(name: str) -> Technology:
    """The technology called ``name`` ('45nm' or '22nm')."""
    try:
        return TECHNOLOGIES[name]
    except KeyError:
        raise ParameterError("tech", f"unknown technology {name!r}; choose from "
                             f"{', '.join(sorted(TECHNOLOGIES))}") from None

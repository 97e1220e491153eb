"""CMOS technology nodes: model card, supply, minimum length, wires, mismatch, sizing.

A technology is a small TOML file (template: ``devices/technologies/ptm45hp.toml``)::

    name = "45nm"
    node_m = 45e-9
    vdd_v = 1.0
    l_min_m = 45e-9
    [card]
    path = "ptm45hp.lib"     # shipped in devices/models/, or a path (relative: to the file)
    nmos_model = "nmos45"
    pmos_model = "pmos45"
    [mismatch]
    a_vt_v_m = 1.8e-9        # Pelgrom A_VT
    [wires]
    r_ohm_per_m = 4.0e6
    c_f_per_m = 0.2e-9
    source = "where the wire numbers come from"
    [global_wires]           # optional: repeated global wires (lut op global_wire)
    r_ohm_per_m = 2.72e5
    c_f_per_m = 2.96e-10
    source = "where the global wire numbers come from"
    [sizing]
    read_w_mult = 3.0        # cell access transistors, in units of l_min
    write_w_mult = 4.0

The shipped nodes are such files: ``45nm`` (PTM 45 nm HP, standing in for the PTM-based
NCSU 45 nm PDK that IMCE used) and ``22nm`` (PTM 22 nm HP, standing in for CORN's 28 nm
FDSOI). :func:`technology` takes a shipped name or a path to a file; every key is
checked and an unknown one refused. Whether ngspice can load the card and finds the
named models is checked by :func:`spincim.characterize.calibration.check_technology`
before any long run.
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..errors import ParameterError

__all__ = ["Technology", "technology", "load_technology", "SHIPPED", "MAX_FILE_BYTES"]

#: shipped technology files (devices/technologies/) by short name
SHIPPED = {"45nm": "ptm45hp.toml", "22nm": "ptm22hp.toml"}
#: largest technology file or model card read (bytes)
MAX_FILE_BYTES = 4 * 2**20
_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")        # model names (SPICE names)
_TECH_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # e.g. "45nm", "my_28nm"


@dataclass(frozen=True, kw_only=True)
class Technology:
    """One CMOS node as the netlists need it (SI units)."""

    name: str = field(metadata={"source": "short name (file's 'name' key)"})
    node_m: float = field(metadata={"unit": "m", "source": "feature size F"})
    vdd_v: float = field(metadata={"unit": "V", "source": "nominal supply of the card"})
    card_file: str = field(metadata={"source": "file in devices/models/ or an absolute path"})
    nmos_model: str = field(metadata={"source": ".model name in the card"})
    pmos_model: str = field(metadata={"source": ".model name in the card"})
    l_min_m: float = field(metadata={"unit": "m", "source": "drawn minimum length of the card"})
    a_vt_v_m: float = field(metadata={
        "unit": "V m",
        "source": "Pelgrom coefficient; sigma(Vth) = A_VT / sqrt(W L) (Pelgrom, Duinmaijer, "
                  "Welbers, IEEE JSSC 24(5), 1433, 1989)"})
    wire_r_ohm_per_m: float = field(metadata={
        "unit": "Ohm/m", "source": "local (M1-M2) copper wire resistance per length"})
    wire_c_f_per_m: float = field(metadata={
        "unit": "F/m", "source": "local wire capacitance per length"})
    wire_source: str = field(default="", metadata={"source": "where the wire R/C come from"})
    global_wire_r_ohm_per_m: float | None = field(default=None, metadata={
        "unit": "Ohm/m", "source": "global (top-level, repeated) wire resistance per length"})
    global_wire_c_f_per_m: float | None = field(default=None, metadata={
        "unit": "F/m", "source": "global wire capacitance per length"})
    global_wire_source: str = field(default="", metadata={
        "source": "where the global wire R/C come from"})
    read_w_mult: float = field(default=3.0, metadata={
        "unit": "l_min", "source": "cell read transistor width (sizing rule)"})
    write_w_mult: float = field(default=4.0, metadata={
        "unit": "l_min", "source": "cell write transistor width (sizing rule)"})
    source_file: str = field(default="", metadata={"source": "the technology file read"})

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise :class:`ParameterError` naming the first bad field."""
        for name in ("node_m", "vdd_v", "l_min_m", "a_vt_v_m", "wire_r_ohm_per_m",
                     "wire_c_f_per_m", "read_w_mult", "write_w_mult"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value) or value <= 0:
                raise ParameterError(f"technology.{name}", f"must be finite and > 0, got {value!r}")
        for name in ("global_wire_r_ohm_per_m", "global_wire_c_f_per_m"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool)
                                      or not isinstance(value, (int, float))
                                      or not math.isfinite(value) or value <= 0):
                raise ParameterError(f"technology.{name}", f"must be finite and > 0, got {value!r}")
        for name in ("name", "nmos_model", "pmos_model"):
            value = getattr(self, name)
            pattern = _TECH_NAME_RE if name == "name" else _NAME_RE
            if not isinstance(value, str) or not pattern.fullmatch(value):
                raise ParameterError(f"technology.{name}", f"must be a plain name, got "
                                     f"{value!r}")

    @property
    def card_path(self) -> Path:
        """Absolute path of the model card."""
        path = Path(self.card_file)
        if path.is_absolute():
            return path
        return Path(str(resources.files("spincim.devices") / "models" / self.card_file))

    def sigma_vth_v(self, w_m: float, l_m: float) -> float:
        """Pelgrom threshold-voltage mismatch sigma for a W x L transistor (V)."""
        if w_m <= 0 or l_m <= 0:
            raise ParameterError("w_m/l_m", "transistor sizes must be > 0")
        return self.a_vt_v_m / math.sqrt(w_m * l_m)

    def to_dict(self) -> dict:
        """Every field (JSON-ready), for provenance."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


# key -> (Technology field, kind); kind "num" (> 0 float), "name", "text", "path"
_LAYOUT = {
    "": {"name": ("name", "name"), "node_m": ("node_m", "num"), "vdd_v": ("vdd_v", "num"),
         "l_min_m": ("l_min_m", "num")},
    "card": {"path": ("card_file", "path"), "nmos_model": ("nmos_model", "name"),
             "pmos_model": ("pmos_model", "name")},
    "mismatch": {"a_vt_v_m": ("a_vt_v_m", "num")},
    "wires": {"r_ohm_per_m": ("wire_r_ohm_per_m", "num"),
              "c_f_per_m": ("wire_c_f_per_m", "num"), "source": ("wire_source", "text")},
    "global_wires": {"r_ohm_per_m": ("global_wire_r_ohm_per_m", "num"),
                     "c_f_per_m": ("global_wire_c_f_per_m", "num"),
                     "source": ("global_wire_source", "text")},
    "sizing": {"read_w_mult": ("read_w_mult", "num"), "write_w_mult": ("write_w_mult", "num")},
}
_OPTIONAL = {"wire_source", "read_w_mult", "write_w_mult", "global_wire_r_ohm_per_m",
             "global_wire_c_f_per_m", "global_wire_source"}
#: plausible ranges of the numbers (SI): guards against unit mistakes (nm typed as m)
_RANGES = {"node_m": (1e-9, 1e-5), "vdd_v": (0.1, 10.0), "l_min_m": (1e-9, 1e-5),
           "a_vt_v_m": (1e-12, 1e-6), "wire_r_ohm_per_m": (1e2, 1e10),
           "wire_c_f_per_m": (1e-13, 1e-8),
           "global_wire_r_ohm_per_m": (1e2, 1e10), "global_wire_c_f_per_m": (1e-13, 1e-8),
           "read_w_mult": (0.1, 1e4),
           "write_w_mult": (0.1, 1e4)}


def _read_toml(path: Path) -> dict:
    if not path.is_file():
        raise ParameterError("tech", f"technology file {str(path)!r} does not exist or is not "
                                     "a regular file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ParameterError("tech", f"{str(path)!r} is larger than {MAX_FILE_BYTES} bytes")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ParameterError("tech", f"{str(path)!r} is not valid TOML: {exc}") from None


def _value(key: str, kind: str, value, base: Path, field_name: str):
    where = f"technology.{key}"
    if kind == "num":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParameterError(where, f"must be a number, got {type(value).__name__}")
        number = float(value)
        lo, hi = _RANGES[field_name]
        if not (math.isfinite(number) and lo <= number <= hi):
            raise ParameterError(where, f"must be between {lo:g} and {hi:g} (SI), got {value!r}")
        return number
    if not isinstance(value, str):
        raise ParameterError(where, f"must be a string, got {type(value).__name__}")
    pattern = _TECH_NAME_RE if field_name == "name" else _NAME_RE
    if kind == "name" and not pattern.fullmatch(value):
        raise ParameterError(where, f"must be a plain name, got {value!r}")
    if kind == "text":
        if len(value) > 500 or not value.isprintable():
            raise ParameterError(where, "must be one printable line of at most 500 characters")
        return value
    if kind == "path":
        return _card(value, base, where)
    return value


def _card(text: str, base: Path, where: str) -> str:
    """A shipped card's file name, or the absolute path of the user's card."""
    if not text or not text.isprintable() or '"' in text or not text.isascii():
        raise ParameterError(where, f"{text!r} cannot be used as a model card path")
    shipped = Path(str(resources.files("spincim.devices") / "models" / text))
    if "/" not in text and shipped.is_file():
        return text
    path = (base / text).resolve()
    if not path.is_file():
        raise ParameterError(where, f"model card {str(path)!r} does not exist or is not a "
                                    "regular file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ParameterError(where, f"model card {str(path)!r} is larger than "
                                    f"{MAX_FILE_BYTES} bytes")
    return str(path)


def _check_models(tech: Technology) -> None:
    """Each named model has a ``.model`` line in the card (text check, before ngspice)."""
    try:
        text = tech.card_path.read_text(encoding="ascii", errors="replace").lower()
    except OSError as exc:
        raise ParameterError("technology.card.path", f"cannot read {tech.card_path}: "
                                                     f"{exc}") from None
    for key in ("nmos_model", "pmos_model"):
        name = getattr(tech, key).lower()
        if not re.search(rf"^\s*\.model\s+{re.escape(name)}\b", text, re.M):
            raise ParameterError(f"technology.card.{key}", f"the card {tech.card_path} has no "
                                 f".model {getattr(tech, key)}")


def load_technology(path: str | Path) -> Technology:
    """Read and check a technology file (see the module docstring)."""
    path = Path(path).expanduser().resolve()
    return _load(str(path), path.stat().st_mtime_ns if path.exists() else 0)


@functools.lru_cache(maxsize=32)
def _load(path_text: str, _mtime_ns: int) -> Technology:
    path = Path(path_text)
    data = _read_toml(path)
    values: dict = {}
    for section, keys in _LAYOUT.items():
        table = data if section == "" else data.get(section, {})
        if not isinstance(table, dict):
            raise ParameterError(f"technology.{section}", "must be a table")
        allowed = set(keys) | (set(_LAYOUT) - {""} if section == "" else set())
        unknown = sorted(set(table) - allowed)
        if unknown:
            prefix = f"{section}." if section else ""
            raise ParameterError(f"technology.{prefix}{unknown[0]}",
                                 f"unknown key; allowed: {', '.join(sorted(keys))}")
        for key, (field_name, kind) in keys.items():
            dotted = f"{section}.{key}" if section else key
            if key not in table:
                if field_name in _OPTIONAL:
                    continue
                raise ParameterError(f"technology.{dotted}", "missing")
            values[field_name] = _value(dotted, kind, table[key], path.parent, field_name)
    tech = Technology(**values, source_file=str(path))
    _check_models(tech)
    return tech


def technology(spec: str | Path) -> Technology:
    """A shipped node (``"45nm"``, ``"22nm"``) or the technology file at ``spec``."""
    if isinstance(spec, Technology):
        return spec
    text = str(spec)
    if text in SHIPPED:
        return _shipped(text)
    if text.endswith(".toml"):
        return load_technology(text)
    raise ParameterError("tech", f"unknown technology {text!r}; choose from "
                         f"{', '.join(sorted(SHIPPED))} or give a technology .toml file")


@functools.cache
def _shipped(name: str) -> Technology:
    path = Path(str(resources.files("spincim.devices") / "technologies" / SHIPPED[name]))
    return _load(str(path), 0)

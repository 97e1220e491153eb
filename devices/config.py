"""Device parameters from a TOML file (``--params FILE``).

The file overrides defaults; every key is checked, unknown ones are refused::

    temperature_k = 300.0
    [mtj]
    ra_ohm_m2 = 10e-12
    [shm]
    thickness_m = 3.25e-9
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

from ..errors import ParameterError
from .mtj import MtjParams, ShmParams, SotDevice

import tomllib

_SECTIONS = {"mtj": MtjParams, "shm": ShmParams}
_TOP_LEVEL = ("temperature_k",)

#: Plausible ranges (SI) of the values a file may set, far wider than any real SOT-MTJ but
#: narrow enough that every derived quantity stays a finite float. (low, high, unit).
RANGES = {
    "temperature_k": (1e-3, 2000.0, "K (or exactly 0)"),
    "mtj.ms_a_per_m": (1e4, 1e7, "A/m"),
    "mtj.t_free_m": (1e-10, 1e-7, "m"),
    "mtj.length_m": (1e-9, 1e-5, "m"),
    "mtj.width_m": (1e-9, 1e-5, "m"),
    "mtj.alpha": (1e-5, 1.0, ""),
    "mtj.hk_intrinsic_a_per_m": (-1e7, 1e7, "A/m"),
    "mtj.ra_ohm_m2": (1e-15, 1e-8, "Ohm m^2"),
    "mtj.tmr0": (1e-3, 10.0, ""),
    "mtj.v_half_v": (1e-3, 10.0, "V"),
    "mtj.t_barrier_m": (1e-10, 1e-8, "m"),
    "shm.resistivity_ohm_m": (1e-9, 1e-4, "Ohm m"),
    "shm.theta_sh": (1e-3, 10.0, ""),
    "shm.length_m": (1e-9, 1e-4, "m"),
    "shm.width_m": (1e-9, 1e-4, "m"),
    "shm.thickness_m": (1e-10, 1e-6, "m"),
    "shm.fl_ratio": (-100.0, 100.0, ""),
}


def _number(key: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        kind = type(value).__name__
        raise ParameterError(key, f"must be a number (TOML integer or float), got {kind} "
                                  f"{value!r}"[:300])
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ParameterError(key, f"must be a finite number, got {value!r}"[:300])
    if key in RANGES and not (key == "temperature_k" and number == 0):
        lo, hi, unit = RANGES[key]
        if not lo <= number <= hi:
            raise ParameterError(key, f"must be between {lo:g} and {hi:g} {unit}, "
                                      f"got {number!r}".replace("  ", " ").replace(" ,", ","))
    return number


def device_from_mapping(data: dict, base: SotDevice | None = None) -> SotDevice:
    """Apply a nested mapping of overrides to ``base`` (default device) and validate."""
    base = base or SotDevice()
    if not isinstance(data, dict):
        raise ParameterError("params", "must be a table of parameters")
    changes: dict = {}
    for key, value in data.items():
        if key in _SECTIONS:
            cls = _SECTIONS[key]
            if not isinstance(value, dict):
                raise ParameterError(key, "must be a table, e.g. [mtj]")
            allowed = {f.name for f in dataclasses.fields(cls)}
            for sub in value:
                if sub not in allowed:
                    raise ParameterError(f"{key}.{sub}", "unknown parameter; allowed: "
                                         + ", ".join(sorted(allowed)))
            fields = {sub: _number(f"{key}.{sub}", v) for sub, v in value.items()}
            changes[key] = dataclasses.replace(getattr(base, key), **fields)
        elif key in _TOP_LEVEL:
            changes[key] = _number(key, value)
        else:
            raise ParameterError(key, "unknown parameter; allowed: "
                                 + ", ".join(sorted([*_SECTIONS, *_TOP_LEVEL])))
    return dataclasses.replace(base, **changes)


def load_device(path: str | Path) -> SotDevice:
    """Read a TOML parameter file and return the validated device."""
    from ..limits import read_input_file
    path = Path(path)
    data = read_input_file("params", path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParameterError("params", f"cannot read {path}: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError("params", f"{path} is not valid TOML: {exc}") from None
    return device_from_mapping(data)

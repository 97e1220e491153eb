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
import sys
from pathlib import Path

from ..errors import ParameterError
from .mtj import MtjParams, ShmParams, SotDevice

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_SECTIONS = {"mtj": MtjParams, "shm": ShmParams}
_TOP_LEVEL = ("temperature_k",)


def _number(key: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(key, f"must be a number, got {value!r}")
    return float(value)


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
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError("params", f"cannot read {path}: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError("params", f"{path} is not valid TOML: {exc}") from None
    return device_from_mapping(data)

"""The characterization grid of a LUT build: supply points, temperatures, array sizes.

A grid file (``spincim lut build --grid GRID.toml``; every key optional, every key
checked)::

    vdd_v = [0.9, 1.0, 1.1]        # supply points (V), or instead:
    vdd_rel = [-0.1, 0.0, 0.1]     # relative to the technology's nominal VDD
    temperatures_k = [300.0, 358.0]
    rows = [64, 128, 256, 512, 1024]   # bit-line / decoder lengths (powers of two)
    cols = [64, 128, 256, 512, 1024]   # word-line lengths (powers of two)
    i_read_a = 20e-6                   # read current of the sense path (A)

Missing keys keep the defaults (:data:`DEFAULT`): nominal and +-10 % VDD, 300 K and the
85 C hot corner (358 K), 64..1024 rows and columns, the sense path's 20 uA read current.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import ParameterError
from ..netlists.cell import READ_CURRENT_A

__all__ = ["Grid", "DEFAULT", "load_grid", "MAX_FILE_BYTES"]

#: largest grid file read (bytes)
MAX_FILE_BYTES = 2**20
_SIZES = tuple(2 ** k for k in range(2, 13))   # 4 .. 4096
_KEYS = ("vdd_v", "vdd_rel", "temperatures_k", "rows", "cols", "i_read_a")


def _numbers(name: str, values, *, lo: float, hi: float, integer: bool = False) -> tuple:
    if not isinstance(values, (list, tuple)) or not values:
        raise ParameterError(f"grid.{name}", "must be a non-empty list")
    if len(values) > 64:
        raise ParameterError(f"grid.{name}", "at most 64 points")
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (integer and
                                                                       not isinstance(v, int)):
            kind = "whole number" if integer else "number"
            raise ParameterError(f"grid.{name}", f"each value must be a {kind}, got {v!r}")
        if not (math.isfinite(float(v)) and lo <= v <= hi):
            raise ParameterError(f"grid.{name}", f"each value must be between {lo:g} and "
                                                 f"{hi:g}, got {v!r}")
        out.append(int(v) if integer else float(v))
    if len(set(out)) != len(out):
        raise ParameterError(f"grid.{name}", "values must be distinct")
    return tuple(sorted(out))


@dataclass(frozen=True, kw_only=True)
class Grid:
    """Where a LUT is characterized (SI). ``vdd_v`` None: +-10 % around the nominal."""

    vdd_v: tuple[float, ...] | None = None
    vdd_rel: tuple[float, ...] | None = None
    temperatures_k: tuple[float, ...] = (300.0, 358.0)
    rows: tuple[int, ...] = (64, 128, 256, 512, 1024)
    cols: tuple[int, ...] = (64, 128, 256, 512, 1024)
    i_read_a: float = READ_CURRENT_A
    source_file: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.vdd_v is not None and self.vdd_rel is not None:
            raise ParameterError("grid.vdd_rel", "give vdd_v or vdd_rel, not both")
        if self.vdd_v is not None:
            object.__setattr__(self, "vdd_v", _numbers("vdd_v", self.vdd_v, lo=0.1, hi=10.0))
        if self.vdd_rel is not None:
            object.__setattr__(self, "vdd_rel", _numbers("vdd_rel", self.vdd_rel, lo=-0.5,
                                                         hi=0.5))
        object.__setattr__(self, "temperatures_k", _numbers(
            "temperatures_k", self.temperatures_k, lo=1.0, hi=600.0))
        for name in ("rows", "cols"):
            values = _numbers(name, getattr(self, name), lo=_SIZES[0], hi=_SIZES[-1],
                              integer=True)
            bad = [v for v in values if v not in _SIZES]
            if bad:
                raise ParameterError(f"grid.{name}", f"must be powers of two from {_SIZES[0]} "
                                                     f"to {_SIZES[-1]}, got {bad[0]}")
            if len(values) < 2:
                raise ParameterError(f"grid.{name}", "give at least two sizes")
            object.__setattr__(self, name, values)
        i = self.i_read_a
        if isinstance(i, bool) or not isinstance(i, (int, float)) \
                or not (math.isfinite(i) and 0 < i < 1e-3):
            raise ParameterError("grid.i_read_a", f"must be in (0, 1 mA), got {i!r}")

    def vdd_values(self, nominal_v: float) -> tuple[float, ...] | None:
        """Supply points (V) at a technology of nominal ``nominal_v``; None: the default."""
        if self.vdd_v is not None:
            return self.vdd_v
        if self.vdd_rel is not None:
            return tuple(nominal_v * (1.0 + r) for r in self.vdd_rel)
        return None

    def to_dict(self) -> dict:
        """JSON-ready (provenance)."""
        out = asdict(self)
        out.pop("source_file")
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in out.items()}


DEFAULT = Grid()


def load_grid(path: str | Path) -> Grid:
    """Read and check a grid file (see the module docstring)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise ParameterError("grid", f"grid file {str(path)!r} does not exist or is not a "
                                     "regular file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ParameterError("grid", f"{str(path)!r} is larger than {MAX_FILE_BYTES} bytes")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ParameterError("grid", f"{str(path)!r} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise ParameterError(f"grid.{unknown[0]}", f"unknown key; allowed: {', '.join(_KEYS)}")
    if "i_read_a" in data and isinstance(data["i_read_a"], list):
        raise ParameterError("grid.i_read_a", "must be one number")
    return Grid(**data, source_file=str(path))

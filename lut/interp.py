"""Look up an op's energy or latency at given coordinates of a :class:`~spincim.lut.schema.Lut`.

Along each of the op's axes:

* a coordinate not given defaults to the axis' ``nominal`` value (an axis without one
  needs the coordinate);
* ``integer`` axes (counts such as ``n_on``) need a grid value exactly;
* a one-point axis holds only its value (any value with ``extrapolate=True``: the table
  is constant along it);
* other axes are interpolated linearly (multilinear over all of them, through
  ``scipy.interpolate.RegularGridInterpolator``); outside the grid is an error unless
  ``extrapolate=True``, which continues the edge cells linearly.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.interpolate import RegularGridInterpolator

from spincim.errors import LutError, ParameterError
from spincim.lut.schema import QUANTITIES, Axis, Lut

#: Relative slack (of the axis span) for coordinates that hit a grid edge up to rounding.
EDGE_RTOL = 1e-12


def value(lut: Lut, op: str, quantity: str, /, *, extrapolate: bool = False,
          **coords: float) -> float:
    """Energy (J) or latency (s) of ``op`` at ``coords`` (SI, keyword per axis name).

    ``quantity`` is ``"energy_j"`` or ``"latency_s"``. Coordinates for LUT axes the op does
    not depend on are accepted (and range-checked); unknown names are an error.

    Raises ``LutError`` if the LUT has no such op, ``ParameterError`` for a bad quantity,
    an unknown or non-finite coordinate, a coordinate outside the grid (without
    ``extrapolate``), a non-grid value on an integer axis or a missing coordinate on an
    axis without a nominal value.
    """
    if op not in lut.ops:
        raise LutError(lut.label(), f"no op {op!r} (ops: {', '.join(sorted(lut.ops)) or 'none'})")
    if quantity not in QUANTITIES:
        raise ParameterError("quantity", f"{quantity!r} is not one of {', '.join(QUANTITIES)}")
    table = lut.ops[op]
    for name, x in coords.items():
        if name not in lut.axes:
            raise ParameterError(name, f"not an axis of this LUT "
                                       f"(axes: {', '.join(sorted(lut.axes)) or 'none'})")
        if name not in table.axes:
            _coordinate(lut.axes[name], x, extrapolate, op)  # range check only

    data = getattr(table, quantity)
    index: list[int | slice] = []
    points: list[np.ndarray] = []
    xi: list[float] = []
    for name in table.axes:
        axis = lut.axes[name]
        x = coords.get(name, axis.nominal)
        if x is None:
            raise ParameterError(name, f"op {op!r} needs a {name} coordinate ({axis.units}): "
                                       "the axis has no nominal value")
        x = _coordinate(axis, x, extrapolate, op)
        if axis.values.size == 1:
            index.append(0)
        elif axis.integer:
            index.append(int(np.searchsorted(axis.values, x)))
        else:
            index.append(slice(None))
            points.append(axis.values)
            xi.append(x)
    sub = data[tuple(index)]
    if not points:
        return float(sub)
    interp = RegularGridInterpolator(tuple(points), sub, method="linear",
                                     bounds_error=False, fill_value=None)
    return float(interp(np.array([xi]))[0])


def _coordinate(axis: Axis, x: float, extrapolate: bool, op: str) -> float:
    """``x`` checked against ``axis`` (snapped onto a grid edge within rounding)."""
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise ParameterError(axis.name, f"{x!r} is not a number")
    x = float(x)
    if not math.isfinite(x):
        raise ParameterError(axis.name, f"{x} is not finite")
    values = axis.values
    lo, hi = float(values[0]), float(values[-1])
    if axis.integer and values.size > 1:
        if x not in values:
            raise ParameterError(axis.name, f"{x:g} is not a grid value of the integer axis "
                                 f"{axis.name} (op {op!r}; values {_show(values)})")
        return x
    slack = EDGE_RTOL * max(hi - lo, abs(lo), abs(hi), 1e-300)
    if lo - slack <= x <= hi + slack:
        return min(max(x, lo), hi)
    if extrapolate:
        return x
    span = f"{lo:g}" if values.size == 1 else f"[{lo:g}, {hi:g}]"
    raise ParameterError(axis.name, f"{x:g} {axis.units} is outside the LUT grid {span} "
                                    f"{axis.units} (op {op!r}); pass extrapolate=True to "
                                    "extrapolate linearly")


def _show(values: np.ndarray) -> str:
    shown = ", ".join(f"{v:g}" for v in values[:8])
    return shown + (", ..." if values.size > 8 else "")

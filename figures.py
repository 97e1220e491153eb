"""One style for every spincim figure: SI symbols, log axes where values span decades,
a colour-blind-safe palette, PNG/PDF/SVG output.

matplotlib is imported inside the functions only (``import spincim`` stays light). The
module imports nothing from spincim's layers, so any of them may use it.
"""

from __future__ import annotations

import math
from pathlib import Path

from .errors import ParameterError

__all__ = ["PALETTE", "MARKERS", "FORMATS", "LOG_SPAN", "SI_SYMBOLS", "axis_label",
           "use_log_if_wide", "si_scale", "format_si", "error_bars", "new_figure", "save"]

#: Okabe & Ito (2008) colour-blind-safe palette, black last.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000")
#: Marker shapes cycled beside the colours (a curve stays apart in grey print too).
MARKERS = ("o", "s", "^", "D", "v", "<", ">", "p")
#: File types a figure is written as (from the file name's suffix).
FORMATS = (".png", ".pdf", ".svg")
#: An axis becomes logarithmic when its positive values span more than this ratio.
LOG_SPAN = 100.0
#: Unit symbols for the SI suffixes of spincim's keys (``_j`` -> J, ``_m2`` -> m²).
SI_SYMBOLS = {"j": "J", "s": "s", "v": "V", "a": "A", "k": "K", "ohm": "Ω", "m2": "m²",
              "m": "m", "w": "W", "hz": "Hz", "1": "1"}


def axis_label(words: str, unit: str) -> str:
    """``"Energy per operation (J)"``: a label in words with its unit symbol.

    ``unit`` is a symbol (``"J"``, ``"µA"``) or one of the key suffixes of
    :data:`SI_SYMBOLS` (``"j"``, ``"m2"``); ``"1"`` (a count or ratio) adds no unit.
    """
    if not words or not isinstance(words, str):
        raise ParameterError("label", "a figure label needs words")
    symbol = SI_SYMBOLS.get(unit.lower(), unit) if unit else ""
    return words if symbol in ("", "1") else f"{words} ({symbol})"


def use_log_if_wide(ax, values, axis: str = "y") -> bool:
    """Set ``axis`` of ``ax`` logarithmic when the positive ``values`` span > :data:`LOG_SPAN`.

    Returns True when the axis was made logarithmic.
    """
    positive = [float(v) for v in values if v is not None and math.isfinite(v) and v > 0]
    wide = bool(positive) and max(positive) / min(positive) > LOG_SPAN
    if wide:
        (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    return wide


_PREFIXES = ((1e-15, "f"), (1e-12, "p"), (1e-9, "n"), (1e-6, "µ"), (1e-3, "m"), (1.0, ""),
             (1e3, "k"), (1e6, "M"), (1e9, "G"))


def si_scale(values, unit: str) -> tuple[float, str]:
    """``(factor, symbol)`` that shows ``values`` (SI, in ``unit``) with an SI prefix.

    The prefix is the one of the largest magnitude: ``si_scale([2e-5], "A")`` is
    ``(1e6, "µA")`` (multiply by the factor to plot in µA).

    Examples
    --------
    >>> si_scale([2e-5, 4e-5], "A")
    (1000000.0, 'µA')
    >>> si_scale([0.0], "J")
    (1.0, 'J')
    """
    finite = [abs(float(v)) for v in values if v is not None and math.isfinite(v) and v != 0]
    if not finite:
        return 1.0, unit
    top = max(finite)
    scale, prefix = _PREFIXES[0]
    for s, p in _PREFIXES:
        if top >= s * (1 - 1e-9):
            scale, prefix = s, p
    return 1.0 / scale, prefix + unit


def format_si(value: float, unit: str, digits: int = 3) -> str:
    """``format_si(2e-5, "A")`` -> ``"20 µA"`` (``digits`` significant digits)."""
    factor, symbol = si_scale([value], unit)
    return f"{value * factor:.{digits}g} {symbol}"


def error_bars(values, intervals) -> list[list[float]]:
    """``yerr`` of :meth:`matplotlib.axes.Axes.errorbar` from ``[lo, hi]`` intervals.

    An interval side that is missing (None or NaN) draws no bar on that side.
    """
    below, above = [], []
    for v, (lo, hi) in zip(values, intervals):
        below.append(max(v - lo, 0.0) if lo is not None and math.isfinite(lo) else 0.0)
        above.append(max(hi - v, 0.0) if hi is not None and math.isfinite(hi) else 0.0)
    return [below, above]


def new_figure(n_rows: int = 1, n_cols: int = 1, *, width_in: float = 6.4,
               panel_height_in: float = 3.2):
    """A figure of ``n_rows`` x ``n_cols`` panels in the shared style.

    Returns (fig, axes) with ``axes[row][col]``.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from cycler import cycler

    style = {"axes.prop_cycle": cycler(color=PALETTE), "axes.grid": True,
             "grid.alpha": 0.3, "font.size": 9, "legend.fontsize": 8,
             "legend.framealpha": 0.9, "svg.fonttype": "none", "pdf.fonttype": 42}
    with plt.rc_context(style):
        fig, axes = plt.subplots(n_rows, n_cols, figsize=(width_in, panel_height_in * n_rows),
                                 squeeze=False)
    for ax in axes.flat:
        ax.set_prop_cycle(color=PALETTE)
        ax.grid(True, alpha=0.3, which="both")
    return fig, [list(row) for row in axes]


def save(fig, path) -> Path:
    """Write ``fig`` as PNG, PDF or SVG (by the file's suffix) and close it."""
    import matplotlib.pyplot as plt

    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        plt.close(fig)
        raise ParameterError("plot", f"{path.name}: the file name must end in "
                                     f"{', '.join(FORMATS)}")
    fig.tight_layout()
    fig.savefig(path, dpi=200)
    plt.close(fig)
    return path

"""``spincim lut show --plot``: energy and latency of every op against each LUT axis.

One row of panels per axis (supply, temperature, rows, columns, ...); in each, one line per
op that depends on that axis, the op's other axes at their nominal value (the first grid
value when an axis has none). Style, units and log scaling from :mod:`spincim.figures`.
"""

from __future__ import annotations

from .. import figures
from . import interp, schema

#: Axis names in words (others fall back to their description, then their name).
AXIS_WORDS = {"vdd_v": "Supply voltage", "temperature_k": "Temperature", "rows": "Array rows",
              "cols": "Array columns", "n_on": "Active driver inputs"}
_QUANTITIES = (("energy_j", "Energy per operation", "J"), ("latency_s", "Latency", "s"))


def _words(axis: schema.Axis) -> str:
    return AXIS_WORDS.get(axis.name) or axis.description.split(";")[0][:40] or axis.name


def curves(lut: schema.Lut, axis_name: str, quantity: str) -> dict[str, list[float]]:
    """``{op: [value at each grid point of axis_name]}`` for the ops that use the axis."""
    axis = lut.axes[axis_name]
    out = {}
    for name, op in sorted(lut.ops.items()):
        if axis_name not in op.axes:
            continue
        at = {a: (lut.axes[a].nominal if lut.axes[a].nominal is not None
                  else float(lut.axes[a].values[0])) for a in op.axes}
        out[name] = [interp.value(lut, name, quantity, **{**at, axis_name: float(x)})
                     for x in axis.values]
    return out


def plot_lut(lut: schema.Lut, path) -> dict:
    """Draw the figure to ``path`` (.png, .pdf or .svg); returns ``{axis: {quantity: log?}}``."""
    used = [a for a in sorted(lut.axes) if any(a in op.axes for op in lut.ops.values())]
    if not used:
        from ..errors import LutError
        raise LutError(lut.label(), "no op depends on an axis: nothing to plot")
    fig, grid = figures.new_figure(len(used), 2, width_in=10.0, panel_height_in=3.0)
    log = {}
    for row, axis_name in enumerate(used):
        axis = lut.axes[axis_name]
        log[axis_name] = {}
        for col, (quantity, words, unit) in enumerate(_QUANTITIES):
            ax = grid[row][col]
            data = curves(lut, axis_name, quantity)
            for k, (name, values) in enumerate(data.items()):
                ax.plot(axis.values, values, marker="os^Dv<>p"[k % 8], markersize=4,
                        color=figures.PALETTE[k % len(figures.PALETTE)],
                        linestyle=("-", "--", ":")[k // len(figures.PALETTE) % 3],
                        label=name.replace("_", " "))
            log[axis_name][quantity] = figures.use_log_if_wide(
                ax, [v for vs in data.values() for v in vs], "y")
            ax.set_xlabel(figures.axis_label(_words(axis), axis.units))
            ax.set_ylabel(figures.axis_label(words, unit))
        # the same ops in both panels: one legend, outside the data, right of the row
        grid[row][1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                            borderaxespad=0.0)
    fig.suptitle(f"LUT {lut.technology}: every op against each axis (others nominal)")
    figures.save(fig, path)
    return log


def diff_rows(data: dict) -> list[tuple[str, dict]]:
    """``[(op, {"energy_j": (max, median), "latency_s": (max, median)})]`` of a
    :func:`spincim.lut.summary.diff` result: the ops compared on shared grid points (ops
    with different axes or no shared point are left out)."""
    rows = []
    for op, d in data["ops"].items():
        if "error" in d or any("max_rel" not in d.get(q, {}) for q, _, _ in _QUANTITIES):
            continue
        rows.append((op, {q: (d[q]["max_rel"], d[q]["median_rel"]) for q, _, _ in _QUANTITIES}))
    return rows


def plot_diff(data: dict, path, *, names: tuple[str, str] = ("A", "B")) -> dict:
    """``lut diff --plot``: |relative difference| (B - A) / A of every shared op.

    One panel for energy and one for latency; per op a bar for the largest and one for
    the median difference over the grid points both LUTs have, in per cent. The axis is
    logarithmic when the non-zero differences span more than
    :data:`spincim.figures.LOG_SPAN`; an op whose tables are equal is labelled "equal".
    Returns ``{quantity: log?}``.
    """
    import math

    rows = diff_rows(data)
    if not rows:
        from ..errors import LutError
        raise LutError(names[1], "no op of the two LUTs shares grid points: nothing to plot")
    fig, grid = figures.new_figure(1, 2, width_in=10.0,
                                   panel_height_in=max(3.0, 0.32 * len(rows) + 1.2))
    log = {}
    y = list(range(len(rows)))
    for ax, (quantity, words, _) in zip(grid[0], _QUANTITIES):
        top = [100.0 * r[quantity][0] for _, r in rows]
        mid = [100.0 * r[quantity][1] for _, r in rows]
        ax.barh([k - 0.2 for k in y], top, 0.4, color=figures.PALETTE[0],
                label="Largest over shared points")
        ax.barh([k + 0.2 for k in y], mid, 0.4, color=figures.PALETTE[1],
                label="Median over shared points")
        log[quantity] = figures.use_log_if_wide(ax, top + mid, "x")
        for k, (a, b) in enumerate(zip(top, mid)):
            if (a == 0 and b == 0) or not (math.isfinite(a) and math.isfinite(b)):
                ax.text(0.01, k, "equal" if a == 0 else "not comparable",
                        transform=ax.get_yaxis_transform(), va="center", fontsize=7)
        ax.set_yticks(y, [op.replace("_", " ") for op, _ in rows], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel(figures.axis_label(f"{words}: |relative difference|", "%"))
    grid[0][0].set_ylabel("Operation")
    grid[0][1].legend(loc="lower right")
    only = [f"only in {n}: {', '.join(data[k])}" for n, k in zip(names, ("only_in_a",
                                                                       "only_in_b"))
            if data.get(k)]
    title = f"LUT {names[1]} against {names[0]}" + (f" ({'; '.join(only)})" if only else "")
    fig.suptitle(title if len(title) <= 110 else title[:107] + "...", fontsize=9)
    figures.save(fig, path)
    return log

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

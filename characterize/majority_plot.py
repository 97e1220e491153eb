"""Figure of the majority designs: the probability that the cell ends in AP per input count.

Shared style from :mod:`spincim.figures` (matplotlib is imported inside its functions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .. import figures

__all__ = ["DESIGN_WORDS", "plot_p_ap", "curve_from_sweep", "curve_from_mc"]

#: Majority designs in words for panel titles.
DESIGN_WORDS = {"corn": "CORN driver (as published)", "corn-ptm": "CORN driver, PTM sizing",
                "comparator": "Charge-sharing comparator",
                "popcount": "Full-adder popcount"}


def curve_from_sweep(data: Mapping) -> dict:
    """``{temperature_label: (n_on, p, lo, hi)}`` from a ``driver sweep`` result dict: the
    0 K transient outcome and, when present, the ensemble at its temperature."""
    n = list(data["n_on"])
    sw = [float(x) for x in data["switched"]]
    out = {"0 K": (n, sw, sw, sw)}
    if "p_switch" in data:
        lo = [c[0] for c in data["p_switch_ci95"]]
        hi = [c[1] for c in data["p_switch_ci95"]]
        out[f"{data['temperature_k']:g} K"] = (n, list(data["p_switch"]), lo, hi)
    return out


def curve_from_mc(data: Mapping) -> tuple[str, tuple]:
    """(temperature label, (n_on, p, lo, hi)) from an ``mc majority`` result dict."""
    rows = data["rows"]
    return (f"{data['temperature_k']:g} K",
            ([r["n_on"] for r in rows], [r["p_switch"] for r in rows],
             [r["p_switch_ci95"][0] for r in rows], [r["p_switch_ci95"][1] for r in rows]))


def plot_p_ap(curves: Mapping[str, Mapping[str, Sequence]], path, *, title: str = ""):
    """P(cell ends in AP) against the number of inputs on, one panel per design, one
    line per temperature with its 95 % interval as error bars (the lines shifted apart
    by a tenth of a count so that equal points stay visible); the ideal majority
    (0 below five inputs, 1 from five) dashed. ``curves[design][label] = (n_on, p, lo,
    hi)``. Writes ``path`` (PNG/PDF/SVG) in the shared style of :mod:`spincim.figures`
    and returns the panels (the figure itself is closed once written)."""
    names = list(curves)
    fig, grid = figures.new_figure(1, len(names), width_in=3.6 * len(names) + 1.8,
                                   panel_height_in=3.4)
    panels = grid[0]
    for ax, name in zip(panels, names):
        ax.plot(range(10), [0] * 5 + [1] * 5, color="black", ls="--", lw=0.8,
                label="Ideal majority")
        m = len(curves[name])
        for k, (label, (n, p, lo, hi)) in enumerate(curves[name].items()):
            dodge = 0.12 * (k - (m - 1) / 2)       # equal points stay visible side by side
            ax.errorbar([x + dodge for x in n], p, yerr=figures.error_bars(p, list(zip(lo, hi))),
                        fmt=figures.MARKERS[k % len(figures.MARKERS)] + "-", ms=4, capsize=3,
                        color=figures.PALETTE[k % len(figures.PALETTE)],
                        label=f"{label} (95 % interval)")
        ax.set_title(DESIGN_WORDS.get(name, name), fontsize=9)
        ax.set_xlabel(figures.axis_label("Inputs on (of 9)", "1"))
        ax.set_xticks(range(10))
        ax.set_ylim(-0.05, 1.05)
    panels[0].set_ylabel(figures.axis_label("Probability the cell ends in AP", "1"))
    panels[-1].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    if title:
        fig.suptitle(title, fontsize=9)
    figures.save(fig, path)
    return panels

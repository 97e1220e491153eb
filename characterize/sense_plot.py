"""IMCE Fig. 4b-style histograms of the Monte Carlo sense voltage, with references.

Top row: counts; bottom row: the same histograms on a log count axis (the tails, where
failures are), each reference marked. Style from :mod:`spincim.figures`.
"""

from __future__ import annotations

import numpy as np

from .. import figures
from .sense_margin import SenseSetup, reference_resistances


def plot_sense(setup: SenseSetup, volts: dict[str, np.ndarray], path: str):
    """Write the sense-voltage histograms to ``path`` (.png, .pdf or .svg).

    Returns the figure's axes ``[[read, K-cell], [read tail, K-cell tail]]`` (the figure
    itself is closed once written).
    """
    configs = setup.configurations()
    fig, grid = figures.new_figure(2, 2, width_in=11.0, panel_height_in=3.4)
    n = len(next(iter(volts.values())))
    for col, single in enumerate((True, False)):
        for row in (0, 1):
            ax = grid[row][col]
            k = 0
            for c, states in enumerate(configs):
                if (len(states) == 1) != single:
                    continue
                v = volts[f"bl{c}"]
                v = v[np.isfinite(v)] * 1e3
                label = "".join("1" if s else "0" for s in states)
                ax.hist(v, bins=120, histtype="step", linewidth=1.2,
                        color=figures.PALETTE[k % len(figures.PALETTE)],
                        label=f"stored {label}")
                k += 1
            ops = tuple(op for op in (("read",) if single else ("and", "or"))
                        if op in reference_resistances(setup))
            for op, style in zip(ops, ("-", "--")):
                ref = float(np.nanmean(volts[f"ref{op}"])) * 1e3
                ax.axvline(ref, color="k", linestyle=style,
                           label=f"{'memory' if op == 'read' else op.upper()} reference")
            ax.set_xlabel(figures.axis_label("Sense voltage", "mV"))
            ax.set_ylabel("Trials per bin" if row == 0 else "Trials per bin (log, tails)")
            if row == 1:
                ax.set_yscale("log")
            kind = "memory read" if single else f"{setup.fan_in}-cell computing read"
            if row == 0:
                ax.set_title(f"{kind}, {n} trials, RA σ {setup.sigma_ra:.0%}, "
                             f"TMR σ {setup.sigma_tmr:.0%}")
                ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                          borderaxespad=0.0)
    figures.save(fig, path)
    return grid

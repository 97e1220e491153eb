"""Figures of the rare-event write error rates (matplotlib, imported here only)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["plot_wer_curves", "plot_wer_contour", "plot_sweep"]


def plot_wer_curves(result: dict, path: str, *, floor: float | None = None):
    """WER against pulse width, one curve per current, log scale, 95 % intervals as
    error bars; ``floor`` (e.g. the WER target) fixes the lower end of the axis. Shared
    style (:mod:`spincim.figures`); returns the axes."""
    from .. import figures

    fig, grid = figures.new_figure(1, 1, width_in=6.4, panel_height_in=4.4)
    ax = grid[0][0]
    pulses_s = np.array(result["pulses_s"], dtype=float)
    t_factor, t_unit = figures.si_scale(pulses_s, "s")
    lowest = []
    for i, current in enumerate(result["currents_a"]):
        wer = np.array(result["wer"][i], dtype=float)
        ci = np.array(result["wer_ci95"][i], dtype=float)
        shown = wer > 0
        ax.errorbar(pulses_s[shown] * t_factor, wer[shown],
                    yerr=figures.error_bars(wer[shown], ci[shown].tolist()),
                    fmt=figures.MARKERS[i % len(figures.MARKERS)] + "-", ms=4, capsize=3,
                    color=figures.PALETTE[i % len(figures.PALETTE)],
                    label=f"{figures.format_si(current, 'A')} (95 % interval)")
        lowest += list(ci[shown, 0][ci[shown, 0] > 0])
    ax.set_yscale("log")
    if floor is not None:
        ax.axhline(floor, color="grey", lw=0.8, ls=":", label="Target write error rate")
        bottom = min([floor] + lowest) / 3
        ax.set_ylim(bottom=bottom)
    ax.set_xlabel(figures.axis_label("Pulse width", t_unit))
    ax.set_ylabel(figures.axis_label("Write error rate (P to AP)", "1"))
    ax.set_title(f"{result.get('temperature_k', 300):.0f} K, {result['method']} "
                 f"(bars: 95 % interval)", fontsize=9)
    ax.legend(title="Write current")
    figures.save(fig, path)
    return ax


def plot_wer_contour(result: dict, path: str) -> None:
    """Contours of log10(WER) over pulse width x current (shared style)."""
    from .. import figures

    fig, grid = figures.new_figure(1, 1, width_in=6.4, panel_height_in=4.4)
    ax = grid[0][0]
    t_factor, t_unit = figures.si_scale(result["pulses_s"], "s")
    i_factor, i_unit = figures.si_scale(result["currents_a"], "A")
    pulses = np.array(result["pulses_s"]) * t_factor
    currents = np.array(result["currents_a"]) * i_factor
    wer = np.array(result["wer"], dtype=float)
    log_wer = np.log10(np.where(wer > 0, wer, np.nan))
    finite = log_wer[np.isfinite(log_wer)]
    levels = np.arange(np.floor(finite.min()), np.ceil(finite.max()) + 1) if finite.size else 10
    cs = ax.contourf(pulses, currents, log_wer, levels=levels, cmap="viridis")
    lines = ax.contour(pulses, currents, log_wer, levels=levels, colors="white",
                       linewidths=0.6)
    ax.clabel(lines, fmt=lambda v: f"1e{v:.0f}", fontsize=7)
    ax.plot(*np.meshgrid(pulses, currents), "k.", ms=2)
    fig.colorbar(cs, ax=ax, label="Write error rate (decades, log10)")
    ax.set_xlabel(figures.axis_label("Pulse width", t_unit))
    ax.set_ylabel(figures.axis_label("Spin-Hall write current", i_unit))
    ax.set_title(f"Write error rate, {result.get('temperature_k', 300):.0f} K", fontsize=9)
    figures.save(fig, path)


def plot_sweep(result: dict, path: str, *, floor: float | None = None) -> list[str]:
    """:func:`plot_wer_curves` at ``path`` and, for a 2-D grid, the contour figure at
    ``<stem>_contour<suffix>``; returns the files written."""
    plot_wer_curves(result, path, floor=floor)
    written = [str(path)]
    if len(result["currents_a"]) > 1 and len(result["pulses_s"]) > 1:
        p = Path(path)
        contour = str(p.with_name(f"{p.stem}_contour{p.suffix}"))
        plot_wer_contour(result, contour)
        written.append(contour)
    return written

"""Figures of the rare-event write error rates (matplotlib, imported here only)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["plot_wer_curves", "plot_wer_contour", "plot_sweep"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot_wer_curves(result: dict, path: str, *, floor: float | None = None) -> None:
    """WER against pulse width, one curve per current, log scale, 95 % intervals as
    error bars; ``floor`` (e.g. the WER target) fixes the lower end of the axis."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.4), constrained_layout=True)
    pulses_ns = np.array(result["pulses_s"]) * 1e9
    lowest = []
    for i, current in enumerate(result["currents_a"]):
        wer = np.array(result["wer"][i], dtype=float)
        ci = np.array(result["wer_ci95"][i], dtype=float)
        shown = wer > 0
        lo = np.clip(wer - ci[:, 0], 0.0, None)
        hi = np.clip(ci[:, 1] - wer, 0.0, None)
        ax.errorbar(pulses_ns[shown], wer[shown], yerr=[lo[shown], hi[shown]], fmt="o-",
                    ms=4, capsize=3, label=f"{current * 1e6:.0f} uA")
        lowest += list(ci[shown, 0][ci[shown, 0] > 0])
    ax.set_yscale("log")
    if floor is not None:
        ax.axhline(floor, color="grey", lw=0.8, ls=":")
        bottom = min([floor] + lowest) / 3
        ax.set_ylim(bottom=bottom)
    ax.set_xlabel("pulse width (ns)")
    ax.set_ylabel("write error rate (P -> AP)")
    ax.set_title(f"{result.get('temperature_k', 300):.0f} K, {result['method']} "
                 f"(bars: 95 % interval)", fontsize=9)
    ax.grid(True, which="both", lw=0.3, alpha=0.5)
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=130)
    plt.close(fig)


def plot_wer_contour(result: dict, path: str) -> None:
    """Contours of log10(WER) over pulse width x current."""
    plt = _pyplot()
    pulses_ns = np.array(result["pulses_s"]) * 1e9
    currents_ua = np.array(result["currents_a"]) * 1e6
    wer = np.array(result["wer"], dtype=float)
    log_wer = np.log10(np.where(wer > 0, wer, np.nan))
    fig, ax = plt.subplots(figsize=(6.4, 4.4), constrained_layout=True)
    finite = log_wer[np.isfinite(log_wer)]
    levels = np.arange(np.floor(finite.min()), np.ceil(finite.max()) + 1) if finite.size else 10
    cs = ax.contourf(pulses_ns, currents_ua, log_wer, levels=levels, cmap="viridis")
    lines = ax.contour(pulses_ns, currents_ua, log_wer, levels=levels, colors="white",
                       linewidths=0.6)
    ax.clabel(lines, fmt=lambda v: f"1e{v:.0f}", fontsize=7)
    ax.plot(*np.meshgrid(pulses_ns, currents_ua), "k.", ms=2)
    fig.colorbar(cs, ax=ax, label="log10 WER")
    ax.set_xlabel("pulse width (ns)")
    ax.set_ylabel("SHM current (uA)")
    ax.set_title(f"write error rate, {result.get('temperature_k', 300):.0f} K", fontsize=9)
    fig.savefig(path, dpi=130)
    plt.close(fig)


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

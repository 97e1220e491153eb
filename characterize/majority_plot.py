"""Figure of the majority designs: the probability that the cell ends in AP per input count.

matplotlib is imported inside :func:`plot_p_ap` only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["plot_p_ap", "curve_from_sweep", "curve_from_mc"]


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


def plot_p_ap(curves: Mapping[str, Mapping[str, Sequence]], path, *, title: str = "") -> None:
    """P(cell ends in AP) against the number of inputs on, one panel per design, one
    line per temperature with its 95 % interval as error bars; the ideal majority
    (0 below five inputs, 1 from five) dashed. ``curves[design][label] = (n_on, p, lo,
    hi)``. Writes ``path`` (PNG/PDF/SVG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(curves)
    fig, axes = plt.subplots(1, len(names), figsize=(3.6 * len(names), 3.2), squeeze=False,
                             sharey=True)
    for ax, name in zip(axes[0], names):
        ax.plot(range(10), [0] * 5 + [1] * 5, "k--", lw=0.8, label="majority")
        for label, (n, p, lo, hi) in curves[name].items():
            err = [[max(pi - a, 0.0) for pi, a in zip(p, lo)],
                   [max(b - pi, 0.0) for pi, b in zip(p, hi)]]
            ax.errorbar(n, p, yerr=err, marker="o", ms=3.5, capsize=3, label=label)
        ax.set_title(name)
        ax.set_xlabel("inputs on (of 9)")
        ax.set_xticks(range(10))
        ax.set_ylim(-0.05, 1.05)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("P(cell ends in AP)")
    axes[0][-1].legend(fontsize=8, loc="center right")
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)

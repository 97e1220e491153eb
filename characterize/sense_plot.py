"""IMCE Fig. 4b-style histograms of the Monte Carlo sense voltage, with references."""

from __future__ import annotations

import numpy as np

from .sense_margin import SenseSetup, reference_resistances


def plot_sense(setup: SenseSetup, volts: dict[str, np.ndarray], path: str) -> None:
    """Write a PNG: Vsense histograms of the memory read and of the K-cell patterns."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    configs = setup.configurations()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    for ax, single in zip(axes, (True, False)):
        for c, states in enumerate(configs):
            if (len(states) == 1) != single:
                continue
            v = volts[f"bl{c}"]
            v = v[np.isfinite(v)] * 1e3
            label = "".join("1" if s else "0" for s in states)
            ax.hist(v, bins=120, histtype="stepfilled", alpha=0.55, label=f"'{label}'")
        ops = ("read",) if single else tuple(op for op in ("and", "or")
                                             if op in reference_resistances(setup))
        for op, style in zip(ops, ("-", "--")):
            ref = float(np.nanmean(volts[f"ref{op}"])) * 1e3
            ax.axvline(ref, color="k", linestyle=style, label=f"Vref {op.upper()}")
        ax.set_xlabel("Vsense (mV)")
        ax.set_ylabel("trials")
        n = len(next(iter(volts.values())))
        kind = "memory read" if single else f"{setup.fan_in}-cell computing read"
        ax.set_title(f"{kind}, {n} trials, RA {setup.sigma_ra:.0%} / TMR {setup.sigma_tmr:.0%}")
        ax.legend(fontsize=8)
    fig.savefig(path, dpi=130)
    plt.close(fig)

"""Fan-in sweep: how the AND/OR margins shrink as more cells are sensed at once.

The evidence behind IMCE's choice of fan-in 2 (IMCE III-B: "to avoid read failure
(overlapping of Vsense distribution), only two fan-in in-memory logic is used").
"""

from __future__ import annotations

import dataclasses

from ..errors import ParameterError
from . import sense_margin as sm

#: largest fan-in swept (the sense Monte Carlo netlist grows with it; IMCE uses 2)
MAX_FAN_IN = 8


def sweep(base: sm.SenseSetup, *, max_fan_in: int, trials: int, seed: int,
          workers: int = 1, progress=None) -> dict:
    """Monte Carlo of AND and OR for fan-in 2..max; JSON-ready per-K summary.

    Returns ``{"fan_in": [...], "and": {...lists...}, "or": {...}, "first_failing_fan_in"}``
    where each op holds ``margin_v`` (worst trial), ``margin_3sigma_v`` (mean - 3 sigma of
    the closest state), ``failures`` and ``failure_rate`` per K.
    """
    if isinstance(max_fan_in, bool) or not isinstance(max_fan_in, int) \
            or not 2 <= max_fan_in <= MAX_FAN_IN:
        raise ParameterError("max_fan_in", f"must be a fan-in between 2 and {MAX_FAN_IN}, "
                             f"got {max_fan_in!r}")
    ks = list(range(2, max_fan_in + 1))
    out = {"fan_in": ks, "trials": trials, "seed": seed}
    for op in ("and", "or"):
        out[op] = {"margin_v": [], "margin_3sigma_v": [], "failures": [], "failure_rate": [],
                   "ref_v": []}
    first = None
    for k in ks:
        setup = dataclasses.replace(base, fan_in=k)
        volts, failed = sm.simulate(setup, trials=trials, seed=seed, workers=workers,
                                    progress=progress)
        summary = sm.summarize(setup, volts, ("and", "or"))
        for op in ("and", "or"):
            d = summary[op]
            out[op]["margin_v"].append(d["margin_v"])
            out[op]["margin_3sigma_v"].append(d["margin_mean_minus_3sigma_v"])
            out[op]["failures"].append(d["failures"])
            out[op]["failure_rate"].append(d["failure_rate"])
            out[op]["ref_v"].append(d["ref_v"])
            if d["failures"] and first is None:
                first = k
        out.setdefault("failed_trials", []).append(failed)
    out["first_failing_fan_in"] = first
    return out


def plot(result: dict, path: str):
    """Worst-trial and mean - 3 sigma margins of AND and OR against fan-in (shared style,
    :mod:`spincim.figures`; PNG, PDF or SVG). Returns the axes."""
    from .. import figures

    fig, grid = figures.new_figure(1, 1, width_in=6.4, panel_height_in=4.0)
    ax = grid[0][0]
    ks = result["fan_in"]
    for j, op in enumerate(("and", "or")):
        colour = figures.PALETTE[2 * j]
        ax.plot(ks, [m * 1e3 for m in result[op]["margin_v"]], "o-", color=colour,
                label=f"{op.upper()}: worst trial")
        ax.plot(ks, [m * 1e3 for m in result[op]["margin_3sigma_v"]], "s--", color=colour,
                label=f"{op.upper()}: mean - 3 σ")
    ax.axhline(0.0, color="black", lw=0.8)
    ax.set_xlabel(figures.axis_label("Fan-in (cells sensed at once)", "1"))
    ax.set_ylabel(figures.axis_label("Sense margin", "mV"))
    ax.set_xticks(ks)
    ax.set_title(f"{result['trials']} trials per fan-in", fontsize=9)
    ax.legend()
    figures.save(fig, path)
    return ax

"""Figure of ``spincim mc importance``: the failure probability of every op and stored
pattern with its 95 % interval, and the distance of each pattern's design point.

Style, units and log scaling from :mod:`spincim.figures` (matplotlib is imported there,
inside its functions).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from .. import figures

__all__ = ["OP_WORDS", "DECADES_SHOWN", "points", "plot_importance"]

#: Decades a logarithmic failure-probability axis shows below its largest value.
DECADES_SHOWN = 20

#: Ops in words for the figure.
OP_WORDS = {"read": "Read", "and": "AND", "or": "OR", "xnor": "XNOR"}


def _finite(x) -> bool:
    return x is not None and math.isfinite(x)


def points(result: Mapping) -> list[dict]:
    """One row per (op, stored pattern) of an :func:`.importance.run` result.

    ``{"op", "state", "p_fail", "ci95", "sigma"}``; ``p_fail`` 0 (no failing sample or
    no reachable failure mode) is kept, the figure marks it apart.
    """
    rows = []
    for op, d in result["ops"].items():
        for state, r in d["states"].items():
            ci = list(r.get("ci95") or [None, None])
            if _finite(ci[1]):
                ci[1] = min(ci[1], 1.0)        # a probability: the interval ends at 1
            rows.append({"op": op, "state": state, "p_fail": float(r["p_fail"]),
                         "ci95": [ci[0], ci[1]],
                         "sigma": r.get("design_point_sigma")})
    return rows


def plot_importance(result: Mapping, path) -> dict:
    """Draw the figure to ``path`` (.png, .pdf or .svg).

    Top: failure probability per op and stored pattern (log axis when the values and
    their interval ends span more than :data:`spincim.figures.LOG_SPAN`), 95 % intervals
    as error bars, the op's mean over its patterns as a black diamond; patterns without
    a failing sample are drawn as open triangles on the axis' floor, patterns more than
    :data:`DECADES_SHOWN` decades below the largest as filled triangles with their
    value. Bottom: the design point's distance from
    the nominal point in standard deviations. Returns ``{"log": bool, "axes": [top,
    bottom]}`` (the figure itself is closed once written).
    """
    rows = points(result)
    fig, grid = figures.new_figure(2, 1, width_in=9.0, panel_height_in=3.2)
    left, right = grid[0][0], grid[1][0]
    labels = [f"{OP_WORDS.get(r['op'], r['op'])} {r['state']}" for r in rows]
    x = list(range(len(rows)))
    ops = list(result["ops"])
    colour = {op: figures.PALETTE[k % len(figures.PALETTE)] for k, op in enumerate(ops)}
    marker = {op: figures.MARKERS[k % len(figures.MARKERS)] for k, op in enumerate(ops)}
    positive = [r["p_fail"] for r in rows if r["p_fail"] > 0]
    positive += [c for r in rows for c in r["ci95"] if _finite(c) and c > 0]
    log = figures.use_log_if_wide(left, positive, "y")
    # a log axis shows DECADES_SHOWN decades below the largest value; a pattern further
    # down is drawn on that floor as a filled triangle with its value written beside it
    lowest = min(positive) if positive else 1e-12
    floor = max(lowest, max(positive, default=1.0) * 10.0 ** -DECADES_SHOWN) / 10 if log \
        else lowest / 10
    for op in ops:
        mine = [(k, r) for k, r in zip(x, rows) if r["op"] == op]
        deep = [(k, r) for k, r in mine if 0 < r["p_fail"] < floor]
        for k, r in deep:
            left.plot([k], [floor], "v", color=colour[op], ms=6)
            left.annotate(f"{r['p_fail']:.0e}", (k, floor), xytext=(4, 2),
                          textcoords="offset points", fontsize=6, color=colour[op])
        seen = [(k, r) for k, r in mine if r["p_fail"] >= floor]
        if seen:
            ys = [r["p_fail"] for _, r in seen]
            left.errorbar([k for k, _ in seen], ys,
                          yerr=figures.error_bars(ys, [r["ci95"] for _, r in seen]),
                          fmt=marker[op], color=colour[op], ms=5, capsize=3,
                          label=f"{OP_WORDS.get(op, op)} (95 % interval)")
        zero = [k for k, r in mine if r["p_fail"] <= 0]
        if zero:
            left.plot(zero, [floor] * len(zero), "v", mfc="none", color=colour[op], ms=6,
                      label=f"{OP_WORDS.get(op, op)}: no failing sample")
        mean = result["ops"][op].get("p_fail")
        if _finite(mean) and mean > 0:
            centre = sum(k for k, _ in mine) / len(mine)
            ci = list(result["ops"][op].get("ci95") or [None, None])
            ci[1] = min(ci[1], 1.0) if _finite(ci[1]) else ci[1]
            left.errorbar([centre], [mean], yerr=figures.error_bars([mean], [ci]), fmt="D",
                          color="black", mfc="none", ms=6, capsize=4)
    left.plot([], [], "D", color="black", mfc="none", label="Mean over stored patterns")
    if deep_any := any(0 < r["p_fail"] < floor for r in rows):
        left.plot([], [], "v", color="black", label="Below the axis (value written)")
    if log:
        left.set_ylim(floor / 3 if deep_any else None, 1.0)   # a probability: at most 1
    left.set_xticks(x, labels, rotation=45, ha="right", fontsize=7)
    left.set_xlabel("Operation and stored pattern")
    left.set_ylabel(figures.axis_label("Failure probability", "1"))
    left.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize=7)
    sigmas = [r["sigma"] if _finite(r["sigma"]) else math.nan for r in rows]
    for op in ops:
        mine = [(k, s) for k, s, r in zip(x, sigmas, rows) if r["op"] == op]
        right.plot([k for k, _ in mine], [s for _, s in mine], marker[op], color=colour[op],
                   ms=5, label=OP_WORDS.get(op, op))
    right.set_xticks(x, labels, rotation=45, ha="right", fontsize=7)
    right.set_xlabel("Operation and stored pattern")
    right.set_ylabel(figures.axis_label("Design-point distance", "σ"))
    right.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize=7)
    method = result.get("method", "")
    fig.suptitle(f"mc importance ({method}), {result.get('samples', '')} samples per "
                 f"pattern: failure probability and most probable failure point", fontsize=9)
    figures.save(fig, path)
    return {"log": log, "axes": [left, right]}

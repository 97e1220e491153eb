"""Rare events of the junction: write error rates to 1e-9 and beyond, read disturb,
retention -- unbiased estimators with 95 % intervals.

Brute force (one trajectory per trial) cannot reach the error rates memories are signed
off at: a WER of 1e-9 needs ~1e11 trajectories. Two unbiased methods do:

* **Write errors** -- importance sampling of the thermal field with the exact likelihood
  ratio (:mod:`.rare_is`): the failure (the spin has not left the P well when the pulse
  ends) is steered toward by a feedback control from the phase-averaged energy
  diffusion of the linearized LLGS; ``mean(w 1[fail])`` is unbiased; the interval is the
  normal one from the sample variance of ``w 1[fail]`` (``max_weight_share`` and ``ess``
  report how evenly the weights are spread).
* **Read disturb and retention** -- adaptive multilevel splitting (:mod:`.rare_ams`) on
  the well energy: a thermally activated flip over the barrier (possibly lowered by the
  read current's STT) within a time window; the interval comes from independent
  splitting runs (Student t).

Both run in seeded batches on :mod:`.executor` (``map``, results in item order), in
rounds of a fixed number of batches until the relative half-width of the 95 % interval
is below ``rel_tol``: the answer depends on the seed, never on the number of workers.
Both were validated against brute force on the same kernel (tests/characterize/test_rare.py,
bench/rare_events.py).
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy import stats

from ..devices.mtj import SotDevice
from ..devices.switching import SETTLE_S, binomial_ci95
from ..errors import ParameterError
from . import rare_is

__all__ = ["write_error_rate", "wer_sweep", "combine_weighted", "combine_binomial",
           "combine_runs", "BATCH_PATHS", "BATCHES_PER_ROUND", "METHODS"]

#: paths per batch (one executor item)
BATCH_PATHS = 2048
#: batches per round; fixed, so the stopping decision never depends on the workers
BATCHES_PER_ROUND = 4
#: two-sided 95 % normal quantile
Z95 = float(stats.norm.ppf(0.975))
#: write-error estimators
METHODS = ("auto", "is", "brute")
#: failures a pilot brute-force batch must see for "auto" to keep brute force
_AUTO_BRUTE_EVENTS = 400


# --------------------------------------------------------------------------- statistics
def combine_weighted(parts: list[dict]) -> dict:
    """Estimate from importance-sampling batches (sums of w and w^2 of the events)."""
    n = sum(p["n"] for p in parts)
    s1 = math.fsum(p["sum_w"] for p in parts)
    s2 = math.fsum(p["sum_w2"] for p in parts)
    p_hat = s1 / n
    var = max(s2 / n - p_hat * p_hat, 0.0) * n / max(n - 1, 1)
    se = math.sqrt(var / n)
    lo, hi = max(p_hat - Z95 * se, 0.0), p_hat + Z95 * se
    ess = s1 * s1 / s2 if s2 > 0 else 0.0
    max_share = max((p["max_w"] for p in parts), default=0.0) / s1 if s1 > 0 else math.nan
    return {"p": p_hat, "ci95": [lo, hi], "se": se,
            "rel_half_width": Z95 * se / p_hat if p_hat > 0 else math.inf,
            "n_paths": n, "events": sum(p["events"] for p in parts),
            "n_effective": p_hat * (1 - p_hat) / se**2 if se > 0 else math.nan,
            "ess": ess, "max_weight_share": max_share}


def combine_binomial(parts: list[dict]) -> dict:
    """Estimate from plain (brute-force) batches: Clopper-Pearson interval."""
    n = sum(p["n"] for p in parts)
    k = sum(p["events"] for p in parts)
    lo, hi = binomial_ci95(k, n)
    p_hat = k / n
    return {"p": p_hat, "ci95": [lo, hi], "se": math.sqrt(p_hat * (1 - p_hat) / n),
            "rel_half_width": (hi - lo) / 2 / p_hat if k else math.inf,
            "n_paths": n, "events": k, "n_effective": float(n), "ess": float(k),
            "max_weight_share": 1.0 / k if k else math.nan}


def combine_runs(estimates, costs_paths: int) -> dict:
    """Estimate from independent unbiased runs (splitting): mean, Student-t interval."""
    x = np.asarray(estimates, dtype=float)
    r = x.size
    mean = float(x.mean())
    se = float(x.std(ddof=1) / math.sqrt(r)) if r > 1 else math.inf
    t = float(stats.t.ppf(0.975, r - 1)) if r > 1 else math.inf
    half = t * se
    return {"p": mean, "ci95": [max(mean - half, 0.0), mean + half], "se": se,
            "rel_half_width": half / mean if mean > 0 else math.inf, "runs": r,
            "n_paths": int(costs_paths),
            "n_effective": mean * (1 - mean) / se**2 if 0 < se < math.inf else math.nan}


def run_rounds(fn, make_item, combine, *, rel_tol: float, max_batches: int, executor,
               min_events: int = 0, progress=None, stage: str = "rare", enough=None,
               checkpoint=None) -> tuple[list, dict]:
    """Batches ``fn(make_item(i))`` in rounds of :data:`BATCHES_PER_ROUND` until the
    relative 95 % half-width of ``combine(results)`` is <= ``rel_tol`` (and at least
    ``min_events`` events), ``enough(estimate)`` is true, or ``max_batches`` ran.

    Every round is one ``executor.map`` (stage ``{stage}-{first index}``, stored in and
    restored from ``checkpoint``). Returns (results, estimate)."""
    results: list = []
    est: dict = {}
    while len(results) < max_batches:
        first = len(results)
        items = [make_item(i) for i in range(first, min(first + BATCHES_PER_ROUND,
                                                        max_batches))]
        done = executor.map(fn, items, stage=f"{stage}-{first}", checkpoint=checkpoint,
                            on_result=None if progress is None
                            else (lambda _i, r: progress(r)))
        results.extend(done)
        est = combine(results)
        if est["rel_half_width"] <= rel_tol and est.get("events", min_events) >= min_events:
            break
        if enough is not None and enough(est):
            break
    return results, est


# --------------------------------------------------------------------------- write errors
def _check_tol(rel_tol: float, max_paths: int) -> None:
    if not (isinstance(rel_tol, (int, float)) and 0 < rel_tol < 1):
        raise ParameterError("rel_tol", f"must be in (0, 1), got {rel_tol!r}")
    if isinstance(max_paths, bool) or not isinstance(max_paths, int) or max_paths < 1:
        raise ParameterError("max_paths", f"must be a positive integer, got {max_paths!r}")


def _seed(seed: int, *key: int) -> np.random.SeedSequence:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParameterError("seed", f"must be a non-negative integer, got {seed!r}")
    return np.random.SeedSequence(seed, spawn_key=tuple(key))


def write_error_rate(device: SotDevice, *, i_shm_a: float, pulse_s: float,
                     method: str = "auto", rel_tol: float = 0.1,
                     wer_target: float | None = None, seed: int = 0,
                     max_paths: int = 4_000_000, batch_paths: int = BATCH_PATHS,
                     pilot_paths: int = rare_is.PILOT_PATHS, settle_s: float = SETTLE_S,
                     dt_s: float = 1e-12, workers: int | None = None, executor=None,
                     scheduler: str | None = None, checkpoint=None, progress=None,
                     _key: tuple = (), _store=None) -> dict:
    """WER of one SHM pulse from the P state with a 95 % interval (JSON-ready dict).

    ``method``: ``"is"`` (importance sampling), ``"brute"`` (plain paths on the same
    kernel) or ``"auto"`` (a pilot brute-force batch; brute force goes on when it saw at
    least 400 failures, otherwise importance sampling). Runs rounds of batches until the
    relative half-width is <= ``rel_tol``, the whole interval lies below ``wer_target``
    (the WER is certified below it; ``meets_target`` in the result) or ``max_paths`` paths
    ran. ``workers``: threads per batch; ``checkpoint``: a path or open Checkpoint where
    finished batches are stored (a re-run resumes).

    Returns the keys of ``spincim mc write`` (``wer``, ``wer_ci95``, ``runs``, ...) plus
    ``method``, ``rel_half_width``, ``n_trajectories`` (paths simulated, pilots
    included), ``n_effective`` (brute-force trajectories of the same variance),
    ``spin_steps`` and ``wall_s``.
    """
    from . import checkpoint as ckpt
    from .executor import executor_scope

    if method not in METHODS:
        raise ParameterError("method", f"must be one of {', '.join(METHODS)}, got {method!r}")
    _check_tol(rel_tol, max_paths)
    if wer_target is not None and not (isinstance(wer_target, (int, float))
                                       and 0 < wer_target < 1):
        raise ParameterError("wer_target", f"must be in (0, 1), got {wer_target!r}")
    if isinstance(batch_paths, bool) or not isinstance(batch_paths, int) or batch_paths < 64:
        raise ParameterError("batch_paths", f"must be an integer >= 64, got {batch_paths!r}")
    point = rare_is.WerPoint(device=device, i_shm_a=i_shm_a, pulse_s=pulse_s,
                             settle_s=settle_s, dt_s=dt_s)
    start = time.perf_counter()
    max_batches = max(1, max_paths // batch_paths)
    cost = {"spin_steps": 0, "paths": 0}

    def count(r) -> None:
        cost["spin_steps"] += r["spin_steps"]
        cost["paths"] += r["n"]
        if progress is not None:
            progress(r["spin_steps"])

    params = {"device": device, "i_shm_a": point.i_shm_a, "pulse_s": point.pulse_s,
              "method": method, "rel_tol": rel_tol, "wer_target": wer_target, "seed": seed,
              "max_paths": max_paths, "batch_paths": batch_paths, "pilot_paths": pilot_paths,
              "settle_s": settle_s, "dt_s": dt_s}
    if _store is not None:
        store = _store
    else:
        scope = ckpt.checkpoint_scope(checkpoint, kind="mc write rare", parameters=params)
        with scope as store:
            return write_error_rate(device, i_shm_a=i_shm_a, pulse_s=pulse_s, method=method,
                                    rel_tol=rel_tol, wer_target=wer_target, seed=seed,
                                    max_paths=max_paths, batch_paths=batch_paths,
                                    pilot_paths=pilot_paths, settle_s=settle_s, dt_s=dt_s,
                                    workers=workers,
                                    executor=executor, scheduler=scheduler,
                                    progress=progress, _key=_key,
                                    _store=False if store is None else store)
    store = None if store is False else store
    tag = "".join(f"-{k}" for k in _key)
    with executor_scope(executor, scheduler=scheduler, workers=1) as ex:
        chosen, control = method, None
        if method == "auto":
            pilot = ex.map(rare_is.batch, [(point, 0.0, 0, batch_paths,
                                            _seed(seed, *_key, 0, 0), workers)],
                           stage=f"wer{tag}-auto", checkpoint=store)[0]
            count(pilot)
            chosen = "brute" if pilot["events"] >= _AUTO_BRUTE_EVENTS else "is"
        if chosen == "is":
            control = rare_is.tune(point, seed=_seed(seed, *_key, 1), workers=workers,
                                   pilot_paths=pilot_paths)
            cost["spin_steps"] += control["pilot_spin_steps"]
            cost["paths"] += pilot_paths * len(control["pilot"])
            if progress is not None:
                progress(control["pilot_spin_steps"])
            window, free = control["window_e"], control["free_steps"]
            combine = combine_weighted
        else:
            window, free, combine = 0.0, 0, combine_binomial

        def make_item(i: int):
            return (point, window, free, batch_paths, _seed(seed, *_key, 2, i), workers)

        def below_target(e) -> bool:
            return wer_target is not None and e["events"] > 0 and e["ci95"][1] < wer_target

        results, est = run_rounds(rare_is.batch, make_item, combine, rel_tol=rel_tol,
                                  max_batches=max_batches, executor=ex,
                                  min_events=1 if chosen == "brute" else 0,
                                  progress=count, stage=f"wer{tag}", enough=below_target,
                                  checkpoint=store)
    wall = time.perf_counter() - start
    lo, hi = est["ci95"]
    wer = est["p"]
    out = {"current_a": point.i_shm_a, "pulse_s": point.pulse_s, "runs": est["n_paths"],
           "switched": est["n_paths"] - est["events"], "p_switch": 1.0 - wer,
           "p_switch_ci95": [1.0 - hi, 1.0 - lo], "wer": wer, "wer_ci95": [lo, hi],
           "wer_upper_bound_95": hi, "t_switch_s_median": math.nan, "wall_s": wall,
           "method": "importance sampling" if chosen == "is" else "brute force",
           "rel_half_width": est["rel_half_width"], "rel_tol": rel_tol,
           "converged": bool(est["rel_half_width"] <= rel_tol),
           "n_trajectories": cost["paths"], "n_effective": est["n_effective"],
           "ess": est["ess"], "max_weight_share": est["max_weight_share"],
           "spin_steps": cost["spin_steps"], "settle_s": point.settle_s, "dt_s": point.dt_s,
           "temperature_k": device.temperature_k, "seed": seed, "wer_target": wer_target,
           "meets_target": None if wer_target is None else bool(hi < wer_target)}
    if control is not None:
        out["control"] = {"window_e": control["window_e"],
                          "free_s": control["free_steps"] * point.dt_s,
                          "growth_rate_per_s": control["growth_rate_per_s"]}
    return out


def wer_sweep(device: SotDevice, *, currents_a, pulses_s, method: str = "auto",
              rel_tol: float = 0.1, wer_target: float | None = None, seed: int = 0,
              max_paths: int = 4_000_000, batch_paths: int = BATCH_PATHS,
              workers: int | None = None, executor=None, scheduler: str | None = None,
              checkpoint=None, progress=None) -> dict:
    """:func:`write_error_rate` over currents x pulses (``wer[i][j]``: current i, pulse j).

    Point (i, j) draws from ``SeedSequence(seed, spawn_key=(i, j, ...))``: adding points
    never changes the others.
    """
    from .executor import executor_scope

    currents = [float(c) for c in currents_a]
    pulses = [float(p) for p in pulses_s]
    if not currents or not pulses:
        raise ParameterError("sweep", "give at least one current and one pulse width")
    from . import checkpoint as ckpt

    grid = []
    params = {"device": device, "currents_a": currents, "pulses_s": pulses, "method": method,
              "rel_tol": rel_tol, "wer_target": wer_target, "seed": seed,
              "max_paths": max_paths, "batch_paths": batch_paths}
    with ckpt.checkpoint_scope(checkpoint, kind="mc write rare sweep",
                               parameters=params) as store, \
            executor_scope(executor, scheduler=scheduler, workers=1) as ex:
        for i, current in enumerate(currents):
            grid.append([write_error_rate(device, i_shm_a=current, pulse_s=pulse,
                                          method=method, rel_tol=rel_tol,
                                          wer_target=wer_target, seed=seed,
                                          max_paths=max_paths, batch_paths=batch_paths,
                                          workers=workers, executor=ex,
                                          progress=progress, _key=(i, j),
                                          _store=False if store is None else store)
                         for j, pulse in enumerate(pulses)])
    return {"currents_a": currents, "pulses_s": pulses, "seed": seed, "method": method,
            "runs": max(p["runs"] for row in grid for p in row),
            "runs_per_point": [[p["runs"] for p in row] for row in grid],
            "wer_target": wer_target,
            "rel_tol": rel_tol, "temperature_k": device.temperature_k,
            "wer": [[p["wer"] for p in row] for row in grid],
            "wer_ci95": [[p["wer_ci95"] for p in row] for row in grid],
            "methods": [[p["method"] for p in row] for row in grid],
            "rel_half_width": [[p["rel_half_width"] for p in row] for row in grid],
            "n_effective": [[p["n_effective"] for p in row] for row in grid],
            "wall_s": sum(p["wall_s"] for row in grid for p in row),
            "points": grid}


# --------------------------------------------------------------------------- thermal flips
#: splitting estimator name in results and provenance
SPLITTING = "adaptive multilevel splitting"


def flip_probability(problem, *, method: str = "splitting", rel_tol: float = 0.3,
                     seed: int = 0, max_groups: int = 16, runs_per_group: int | None = None,
                     replicas: int | None = None, brute_paths: int = BATCH_PATHS,
                     workers: int | None = None, executor=None,
                     scheduler: str | None = None, progress=None, _key: tuple = ()) -> dict:
    """Probability that a spin flips within the window of ``problem``
    (:class:`.rare_ams.EscapeProblem`), with a 95 % interval (JSON-ready dict).

    ``method="splitting"``: groups of independent splitting runs until the relative
    half-width is <= ``rel_tol`` or ``max_groups`` groups ran; ``"brute"``: plain paths
    on the same kernel (batches of ``brute_paths``, at most ``max_groups`` rounds).
    """
    from . import rare_ams
    from .executor import executor_scope

    if method not in ("splitting", "brute"):
        raise ParameterError("method", f"must be 'splitting' or 'brute', got {method!r}")
    _check_tol(rel_tol, 1)
    if isinstance(max_groups, bool) or not isinstance(max_groups, int) or max_groups < 1:
        raise ParameterError("max_groups", f"must be a positive integer, got {max_groups!r}")
    runs = rare_ams.RUNS_PER_GROUP if runs_per_group is None else runs_per_group
    n = rare_ams.REPLICAS if replicas is None else replicas
    start = time.perf_counter()
    cost = {"spin_steps": 0}

    def count(r) -> None:
        cost["spin_steps"] += r["spin_steps"]
        if progress is not None:
            progress(r["spin_steps"])

    with executor_scope(executor, scheduler=scheduler, workers=1) as ex:
        if method == "brute":
            results, est = run_rounds(
                rare_ams.brute_batch,
                lambda i: (problem, brute_paths, _seed(seed, *_key, 3, i), workers),
                combine_binomial, rel_tol=rel_tol, max_batches=max_groups * BATCHES_PER_ROUND,
                executor=ex, min_events=1, progress=count, stage="flip")
            extra = {"events": est["events"]}
        else:
            def combine(parts):
                return combine_runs([x for p in parts for x in p["estimates"]],
                                    sum(p["paths_equivalent"] for p in parts))
            results, est = run_rounds(
                rare_ams.group,
                lambda i: (problem, runs, n, rare_ams.KILL_FRACTION,
                           _seed(seed, *_key, 4, i), workers),
                combine, rel_tol=rel_tol, max_batches=max_groups, executor=ex,
                progress=count, stage="flip")
            extra = {"splitting_runs": est["runs"], "replicas_per_run": n,
                     "kill_fraction": rare_ams.KILL_FRACTION,
                     "extinct_runs": sum(r["extinct"] for r in results),
                     "iterations_mean": float(np.mean([i for r in results
                                                        for i in r["iterations"]]))}
    return {"p": est["p"], "ci95": est["ci95"], "rel_half_width": est["rel_half_width"],
            "rel_tol": rel_tol, "converged": bool(est["rel_half_width"] <= rel_tol),
            "method": SPLITTING if method == "splitting" else "brute force",
            "n_trajectories": int(round(cost["spin_steps"] / max(problem.steps, 1))),
            "n_effective": est["n_effective"], "spin_steps": cost["spin_steps"],
            "wall_s": time.perf_counter() - start, "temperature_k":
            problem.device.temperature_k, "window_s": problem.window_s, "on_s": problem.on_s,
            "i_shm_a": problem.i_shm_a, "i_mtj_a": problem.i_mtj_a, "s0": problem.s0,
            "e_target": problem.e_target, "seed": seed, **extra}


#: read window: the read current flows while the bit line settles and the latch decides
#: (characterize/ops.py: T_BL_WAIT_S + T_LATCH_WAIT_S = 1.5 ns), then a current-free
#: second so a spin that crossed the barrier during the read relaxes into its new well
READ_POST_S = 1e-9


def read_window_s() -> float:
    """How long the read current flows in the characterized read op (s)."""
    from .ops import T_BL_WAIT_S, T_LATCH_WAIT_S

    return T_BL_WAIT_S + T_LATCH_WAIT_S


def cell_read_currents(device: SotDevice, i_read_a: float) -> dict:
    """Current through each selected cell per read op and stored pattern (A).

    The read current enters the bit line and reaches each free layer through its MTJ
    (RBL -> read NMOS -> reference layer -> barrier -> free layer -> SL; netlists/cell.py):
    it drives STT, not SOT (the current leaves the free layer at the SHM's SL end; any
    share through the SHM is neglected). Two selected cells (AND/OR/XNOR) split it by
    their conductances at the common bias (bias-dependent TMR, solved self-consistently);
    the access transistors' on-resistance is left out, which gives the low-resistance P
    cell the largest share (the worst case for its disturb). AP = True.
    """
    from ..devices import mtj as M

    mtj = device.mtj

    def split(states):
        g = np.array([M.conductance_s(mtj, -1.0 if s else 1.0, 0.0) for s in states])
        for _ in range(50):
            v = i_read_a / g.sum()
            g = np.array([M.conductance_s(mtj, -1.0 if s else 1.0, v) for s in states])
        return (i_read_a * g / g.sum()).tolist()

    out = {"read": {"0": [i_read_a], "1": [i_read_a]}}
    for op in ("and2", "or2", "xnor2"):
        out[op] = {"".join("1" if s else "0" for s in st): split(st)
                   for st in ((False, False), (False, True), (True, False), (True, True))}
    return out


def read_disturb(device: SotDevice, *, temperature_k: float, i_read_a: float | None = None,
                 method: str = "splitting", rel_tol: float = 0.3, seed: int = 0,
                 max_groups: int = 16, replicas: int | None = None,
                 runs_per_group: int | None = None, workers: int | None = None,
                 executor=None, scheduler: str | None = None, progress=None,
                 _key: tuple = ()) -> dict:
    """Probability that one read flips a selected cell, per op, at ``temperature_k``.

    Each distinct cell current of :func:`cell_read_currents` is one flip problem (P
    cells: the read current's STT pushes toward AP, ``s0 = +1``, ``i_mtj_a = -I``; AP
    cells: the same current pushes them further into their well, ``s0 = -1``) over
    :func:`read_window_s` plus :data:`READ_POST_S`. Per op and pattern the disturb
    probability is the sum over its cells; the op's figure is the worst pattern.
    """
    from ..netlists.cell import READ_CURRENT_A
    from .executor import executor_scope
    from .rare_ams import EscapeProblem

    i_read = READ_CURRENT_A if i_read_a is None else float(i_read_a)
    if not (math.isfinite(i_read) and i_read > 0):
        raise ParameterError("i_read_a", f"must be > 0, got {i_read_a!r}")
    dev = device.replace(temperature_k=float(temperature_k))
    currents = cell_read_currents(dev, i_read)
    on_s = read_window_s()
    cells = sorted({(bool(int(bit)), round(i, 12)) for op in currents.values()
                    for pattern, row in op.items() for bit, i in zip(pattern, row)})
    per_cell = {}
    with executor_scope(executor, scheduler=scheduler, workers=1) as ex:
        for index, (ap, i_cell) in enumerate(cells):
            problem = EscapeProblem(device=dev, window_s=on_s + READ_POST_S, on_s=on_s,
                                    s0=-1.0 if ap else 1.0, i_mtj_a=-i_cell)
            per_cell[(ap, i_cell)] = flip_probability(
                problem, method=method, rel_tol=rel_tol, seed=seed, max_groups=max_groups,
                replicas=replicas, runs_per_group=runs_per_group, workers=workers,
                executor=ex, progress=progress, _key=(*_key, index))
    ops = {}
    for op, patterns in currents.items():
        rows = {}
        for pattern, row in patterns.items():
            parts = [per_cell[(bit == "1", round(i, 12))] for bit, i in zip(pattern, row)]
            rows[pattern] = {"cell_currents_a": row, "p": sum(p["p"] for p in parts),
                             "ci95": [sum(p["ci95"][0] for p in parts),
                                      sum(p["ci95"][1] for p in parts)]}
        worst = max(rows, key=lambda k: rows[k]["p"])
        ops[op] = {"p": rows[worst]["p"], "ci95": rows[worst]["ci95"], "worst_pattern": worst,
                   "patterns": rows}
    return {"temperature_k": float(temperature_k), "i_read_a": i_read, "read_s": on_s,
            "post_s": READ_POST_S, "method": per_cell[cells[0]]["method"], "ops": ops,
            "cells": [{"ap": ap, "i_cell_a": i, **per_cell[(ap, i)]} for ap, i in cells],
            "assumption": "read current reaches the free layer through the MTJ (STT only); "
                          "two cells split it by conductance, access resistance neglected"}


def retention(device: SotDevice, *, temperature_k: float, window_s: float = 10e-9,
              method: str = "splitting", rel_tol: float = 0.3, seed: int = 0,
              max_groups: int = 16, workers: int | None = None, executor=None,
              scheduler: str | None = None, progress=None) -> dict:
    """Mean time to a thermal flip at zero current: simulated and two formulas (s).

    Simulated: the flip probability P of a window of ``window_s`` from equilibrium gives
    ``tau = window_s / P`` (P << 1; it counts a flip once the spin has relaxed into the
    other well, which lags the barrier crossing by a fraction of a ns, so tau is
    overestimated by ~lag / window_s). Formulas (:mod:`spincim.devices.thermal`):
    Neel-Brown ``tau0 exp(Delta)`` with tau0 = 1 ns, and the Langer/Brown IHD rate.
    """
    from ..devices import mtj as M
    from ..devices import thermal
    from .rare_ams import EscapeProblem

    dev = device.replace(temperature_k=float(temperature_k))
    problem = EscapeProblem(device=dev, window_s=window_s)
    flip = flip_probability(problem, method=method, rel_tol=rel_tol, seed=seed,
                            max_groups=max_groups, workers=workers, executor=executor,
                            scheduler=scheduler, progress=progress)
    lo, hi = flip["ci95"]
    year = 365.25 * 86400.0
    return {"temperature_k": float(temperature_k), "delta": M.thermal_stability(dev),
            "window_s": window_s, "p_flip_window": flip["p"], "p_flip_ci95": flip["ci95"],
            "tau_simulated_s": window_s / flip["p"] if flip["p"] > 0 else math.inf,
            "tau_simulated_ci95_s": [window_s / hi if hi > 0 else math.inf,
                                     window_s / lo if lo > 0 else math.inf],
            "tau_neel_brown_s": thermal.neel_brown_time_s(dev),
            "tau0_neel_brown_s": thermal.NEEL_TAU0_S,
            "tau_ihd_s": thermal.ihd_escape_time_s(dev),
            "tau0_ihd_s": thermal.ihd_attempt_time_s(dev),
            "separatrix_loss_kt": thermal.separatrix_loss_kt(dev),
            "seconds_per_year": year, "flip": flip}


# --------------------------------------------------------------------------- LUT table
#: default corners: room temperature and the hot corner, 85 C (the top of the industrial
#: temperature range); Ms and Hk stay at their room-temperature values (no Ms(T) model),
#: so Delta falls as 1/T only -- an optimistic hot corner
DEFAULT_CORNERS_K = (300.0, 358.15)
#: read ops of the table (characterize/ops.py READ_PATTERNS names)
READ_OPS = ("read", "and2", "or2", "xnor2")


def reliability_table(device: SotDevice | None = None, corners=DEFAULT_CORNERS_K, *,
                      i_write_a: float | None = None, write_pulse_s: float | None = None,
                      i_read_a: float | None = None,
                      wer_rel_tol: float = 0.1, disturb_rel_tol: float = 0.3, seed: int = 0,
                      max_groups: int = 16, wer_max_paths: int = 4_000_000,
                      replicas: int | None = None, runs_per_group: int | None = None,
                      workers: int | None = None, executor=None, progress=None) -> dict:
    """Write error rate and read disturb per op and temperature corner, for the LUT.

    Returns plain data shaped like a LUT Monte Carlo summary:
    ``{"attrs": {...scalars...}, "datasets": {name: array over corners}}`` with
    ``temperature_k``, ``write_wer`` (+ ``_ci95_lo``/``_ci95_hi``) and
    ``<op>_disturb`` (+ interval) for ``read``, ``and2``, ``or2``, ``xnor2``; the
    methods, currents, windows and assumptions are in ``attrs``. The write is the LUT's
    IMCE write (default 120 uA, ``characterize/ops.py`` WRITE_PULSE_S) from P to AP; the
    read current ``i_read_a`` defaults to netlists/cell.py READ_CURRENT_A (IMCE: 20 uA).
    """
    from ..devices.mtj import IMCE_WRITE_CURRENT_A
    from ..netlists.cell import READ_CURRENT_A
    from .executor import executor_scope
    from .ops import WRITE_PULSE_S

    dev = SotDevice() if device is None else device
    temps = [float(t) for t in corners]
    if not temps or any(not (math.isfinite(t) and t > 0) for t in temps):
        raise ParameterError("corners", f"need temperatures > 0 K, got {corners!r}")
    i_write = IMCE_WRITE_CURRENT_A if i_write_a is None else float(i_write_a)
    pulse = WRITE_PULSE_S if write_pulse_s is None else float(write_pulse_s)
    i_read = READ_CURRENT_A if i_read_a is None else float(i_read_a)
    data: dict[str, list] = {"temperature_k": temps}
    methods = set()
    with executor_scope(executor, workers=1) as ex:
        for c, temp in enumerate(temps):
            w = write_error_rate(dev.replace(temperature_k=temp), i_shm_a=i_write,
                                 pulse_s=pulse, rel_tol=wer_rel_tol, seed=seed,
                                 max_paths=wer_max_paths, workers=workers, executor=ex,
                                 progress=progress, _key=(100, c))
            methods.add(("write", w["method"]))
            for key, value in (("write_wer", w["wer"]), ("write_wer_ci95_lo", w["wer_ci95"][0]),
                               ("write_wer_ci95_hi", w["wer_ci95"][1])):
                data.setdefault(key, []).append(value)
            rd = read_disturb(dev, temperature_k=temp, i_read_a=i_read,
                              rel_tol=disturb_rel_tol, seed=seed,
                              max_groups=max_groups, replicas=replicas,
                              runs_per_group=runs_per_group, workers=workers, executor=ex,
                              progress=progress, _key=(200, c))
            methods.add(("read", rd["method"]))
            for op in READ_OPS:
                entry = rd["ops"][op]
                data.setdefault(f"{op}_disturb", []).append(entry["p"])
                data.setdefault(f"{op}_disturb_ci95_lo", []).append(entry["ci95"][0])
                data.setdefault(f"{op}_disturb_ci95_hi", []).append(entry["ci95"][1])
    attrs = {"write_method": "; ".join(sorted(m for k, m in methods if k == "write")),
             "read_method": "; ".join(sorted(m for k, m in methods if k == "read")),
             "i_write_a": i_write, "write_pulse_s": pulse, "write_direction": "P to AP",
             "write_criterion": "fails unless m_x passes -0.9 during the pulse "
                                "(after a 2 ns settle at zero current)",
             "i_read_a": i_read, "read_s": read_window_s(), "read_post_s": READ_POST_S,
             "read_criterion": "a selected cell flips: relaxed into the other well "
                               "(well energy <= half the barrier) by the end of the window",
             "read_assumption": "read current through the MTJ (STT only); two cells split it "
                                "by conductance, access resistance neglected",
             "corner_assumption": "Ms and Hk at their 300 K values: Delta scales as 1/T",
             "wer_rel_tol": wer_rel_tol, "disturb_rel_tol": disturb_rel_tol, "seed": seed}
    return {"attrs": attrs,
            "datasets": {k: np.asarray(v, dtype=float) for k, v in data.items()}}

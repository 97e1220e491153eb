"""Rare events of the junction: write error rates to 1e-9 and beyond, read disturb,
retention -- unbiased estimators with 95 % intervals.

Brute force (one trajectory per trial) cannot reach the error rates memories are signed
off at: a WER of 1e-9 needs ~1e11 trajectories. Two unbiased methods do:

* **Write errors** -- importance sampling of the thermal field with the exact likelihood
  ratio (:mod:`.rare_is`): the failure (the spin has not left the P well when the pulse
  ends) is steered toward by a linear-feedback control derived from the linearized
  LLGS; ``mean(w 1[fail])`` is unbiased; the interval is the normal one from the sample
  variance of ``w 1[fail]``.
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
               min_events: int = 0, progress=None, stage: str = "rare") -> tuple[list, dict]:
    """Batches ``fn(make_item(i))`` in rounds of :data:`BATCHES_PER_ROUND` until the
    relative 95 % half-width of ``combine(results)`` is <= ``rel_tol`` (and at least
    ``min_events`` events) or ``max_batches`` ran. Returns (results, estimate)."""
    results: list = []
    est: dict = {}
    while len(results) < max_batches:
        first = len(results)
        items = [make_item(i) for i in range(first, min(first + BATCHES_PER_ROUND,
                                                        max_batches))]
        done = executor.map(fn, items, stage=f"{stage}-{first}",
                            on_result=None if progress is None
                            else (lambda _i, r: progress(r)))
        results.extend(done)
        est = combine(results)
        if est["rel_half_width"] <= rel_tol and est.get("events", min_events) >= min_events:
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
                     method: str = "auto", rel_tol: float = 0.1, seed: int = 0,
                     max_paths: int = 4_000_000, batch_paths: int = BATCH_PATHS,
                     settle_s: float = SETTLE_S, dt_s: float = 1e-12,
                     workers: int | None = None, executor=None, scheduler: str | None = None,
                     progress=None, _key: tuple = ()) -> dict:
    """WER of one SHM pulse from the P state with a 95 % interval (JSON-ready dict).

    ``method``: ``"is"`` (importance sampling), ``"brute"`` (plain paths on the same
    kernel) or ``"auto"`` (a pilot brute-force batch; brute force goes on when it saw at
    least 400 failures, otherwise importance sampling). Runs rounds of batches until the
    relative half-width is <= ``rel_tol`` or ``max_paths`` paths ran. ``workers``: threads
    per batch. The keys of ``spincim mc write`` (``wer``, ``wer_ci95``, ``runs``, ...)
    plus ``method``, ``rel_half_width``, ``n_trajectories`` (paths simulated, pilots
    included), ``n_effective`` (brute-force trajectories of the same variance),
    ``spin_steps`` and ``wall_s``.
    """
    from .executor import executor_scope

    if method not in METHODS:
        raise ParameterError("method", f"must be one of {', '.join(METHODS)}, got {method!r}")
    _check_tol(rel_tol, max_paths)
    if isinstance(batch_paths, bool) or not isinstance(batch_paths, int) or batch_paths < 64:
        raise ParameterError("batch_paths", f"must be an integer >= 64, got {batch_paths!r}")
    point = rare_is.WerPoint(device, i_shm_a=i_shm_a, pulse_s=pulse_s, settle_s=settle_s,
                             dt_s=dt_s)
    start = time.perf_counter()
    max_batches = max(1, max_paths // batch_paths)
    cost = {"spin_steps": 0, "paths": 0}

    def count(r) -> None:
        cost["spin_steps"] += r["spin_steps"]
        cost["paths"] += r["n"]
        if progress is not None:
            progress(r["spin_steps"])

    with executor_scope(executor, scheduler=scheduler, workers=1) as ex:
        chosen, control = method, None
        if method == "auto":
            pilot = ex.map(rare_is.batch, [(point, 0.0, 0, batch_paths,
                                            _seed(seed, *_key, 0, 0), workers)],
                           stage="wer-auto")[0]
            count(pilot)
            chosen = "brute" if pilot["events"] >= _AUTO_BRUTE_EVENTS else "is"
        if chosen == "is":
            control = rare_is.tune(point, seed=_seed(seed, *_key, 1), workers=workers)
            cost["spin_steps"] += control["pilot_spin_steps"]
            cost["paths"] += rare_is.PILOT_PATHS * len(control["pilot"])
            if progress is not None:
                progress(control["pilot_spin_steps"])
            window, free = control["window_e"], control["free_steps"]
            combine = combine_weighted
        else:
            window, free, combine = 0.0, 0, combine_binomial

        def make_item(i: int):
            return (point, window, free, batch_paths, _seed(seed, *_key, 2, i), workers)

        results, est = run_rounds(rare_is.batch, make_item, combine, rel_tol=rel_tol,
                                  max_batches=max_batches, executor=ex,
                                  min_events=1 if chosen == "brute" else 0,
                                  progress=count, stage="wer")
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
           "temperature_k": device.temperature_k, "seed": seed}
    if control is not None:
        out["control"] = {"window_e": control["window_e"],
                          "free_s": control["free_steps"] * point.dt_s,
                          "growth_rate_per_s": control["growth_rate_per_s"]}
    return out


def wer_sweep(device: SotDevice, *, currents_a, pulses_s, method: str = "auto",
              rel_tol: float = 0.1, seed: int = 0, max_paths: int = 4_000_000,
              batch_paths: int = BATCH_PATHS, workers: int | None = None, executor=None,
              scheduler: str | None = None, progress=None) -> dict:
    """:func:`write_error_rate` over currents x pulses (``wer[i][j]``: current i, pulse j).

    Point (i, j) draws from ``SeedSequence(seed, spawn_key=(i, j, ...))``: adding points
    never changes the others.
    """
    from .executor import executor_scope

    currents = [float(c) for c in currents_a]
    pulses = [float(p) for p in pulses_s]
    if not currents or not pulses:
        raise ParameterError("sweep", "give at least one current and one pulse width")
    grid = []
    with executor_scope(executor, scheduler=scheduler, workers=1) as ex:
        for i, current in enumerate(currents):
            grid.append([write_error_rate(device, i_shm_a=current, pulse_s=pulse,
                                          method=method, rel_tol=rel_tol, seed=seed,
                                          max_paths=max_paths, batch_paths=batch_paths,
                                          workers=workers, executor=ex, progress=progress,
                                          _key=(i, j))
                         for j, pulse in enumerate(pulses)])
    return {"currents_a": currents, "pulses_s": pulses, "seed": seed, "method": method,
            "rel_tol": rel_tol, "temperature_k": device.temperature_k,
            "wer": [[p["wer"] for p in row] for row in grid],
            "wer_ci95": [[p["wer_ci95"] for p in row] for row in grid],
            "methods": [[p["method"] for p in row] for row in grid],
            "rel_half_width": [[p["rel_half_width"] for p in row] for row in grid],
            "n_effective": [[p["n_effective"] for p in row] for row in grid],
            "wall_s": sum(p["wall_s"] for row in grid for p in row),
            "points": grid}

"""Thermally activated flips (read disturb, retention) by adaptive multilevel splitting.

The event: a spin that starts in thermal equilibrium in the well at ``m_x = s0`` flips
within a time window -- it crosses the barrier and relaxes into the other well to
normalized well energy ``e <= e_target`` (:func:`spincim.devices.rare_paths.escape_score`;
a spin that far down the other well comes back with probability ~exp(-Delta/2)). The
currents (e.g. a read current through the MTJ) are on for the first part of the window.

Method: generalized adaptive multilevel splitting (F. Cerou, A. Guyader, Stoch. Anal.
Appl. 25, 417 (2007); C.-E. Brehier, M. Gazeau, L. Goudenege, T. Lelievre, M. Rousset,
"Unbiasedness of some generalized adaptive multilevel splitting algorithms", Ann. Appl.
Probab. 26, 3559 (2016)). N replicas of the discrete-time chain run to the end of the
window or the target; the score of a path is the maximum of its integer level. Each
iteration kills every replica at or below the k-th lowest score Z (ties included: K >= k
killed) and restarts each from a uniformly chosen survivor's state at the first step its
level exceeded Z, with fresh noise, to the end of the window. With ``K_j`` killed at
iteration j, ``p = prod(1 - K_j / N) * (fraction of replicas in the target)`` is unbiased
for any score (Brehier et al., Thm. 4.1), and for the chain brute force runs (same
kernel, same noise law). A run whose replicas all sit at one level is extinct and
estimates 0 (also unbiased). The 95 % interval comes from independent runs (Student t).

Runs are grouped: the clones of all runs of a group are advanced together (one kernel
call per iteration, threads over chunks of spins). Every random choice is seeded from
``(seed, group, iteration)``, never from the number of workers.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ..devices import llg, rare_paths
from ..devices.mtj import SotDevice
from ..devices.switching import SETTLE_S
from ..errors import ParameterError

__all__ = ["EscapeProblem", "group", "brute_batch", "RUNS_PER_GROUP", "REPLICAS",
           "KILL_FRACTION"]

#: independent splitting runs per group (one executor item)
RUNS_PER_GROUP = 8
#: replicas per run
REPLICAS = 1000
#: fraction of the replicas killed per iteration (at least)
KILL_FRACTION = 0.3


@dataclass(frozen=True, kw_only=True)
class EscapeProblem:
    """A flip-in-a-window problem (SI).

    Every path starts at ``m_x = s0`` and relaxes for ``settle_s`` at zero current (as
    before a write pulse); then the window of ``window_s`` starts, with ``i_shm_a`` /
    ``i_mtj_a`` on for its first ``on_s``. The event: the spin is in the target set at
    some step of the window. The settle is part of every path, so splitting also
    selects the rare pre-window histories that leave the spin high in its well.
    """

    device: SotDevice
    window_s: float
    s0: float = 1.0
    i_shm_a: float = 0.0
    i_mtj_a: float = 0.0
    on_s: float = 0.0
    settle_s: float = SETTLE_S
    dt_s: float = 1e-12
    e_target: float = 0.5
    levels: int = 512

    def __post_init__(self) -> None:
        for name in ("window_s", "dt_s"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ParameterError(name, f"must be finite and > 0, got {value!r}")
        for name in ("on_s", "settle_s"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ParameterError(name, f"must be finite and >= 0, got {value!r}")
        if self.on_s > self.window_s:
            raise ParameterError("on_s", "the current must stop within the window")
        if self.s0 not in (1.0, -1.0):
            raise ParameterError("s0", f"must be +1 or -1, got {self.s0!r}")
        for name in ("i_shm_a", "i_mtj_a"):
            if not math.isfinite(getattr(self, name)):
                raise ParameterError(name, "must be finite")
        if self.device.temperature_k <= 0:
            raise ParameterError("temperature_k", "a thermal flip needs T > 0")

    @property
    def settle_steps(self) -> int:
        return int(round(self.settle_s / self.dt_s))

    @property
    def steps(self) -> int:
        """Steps of a whole path: settle and window."""
        return self.settle_steps + int(round(self.window_s / self.dt_s))

    @property
    def on_steps(self) -> int:
        return int(round(self.on_s / self.dt_s))

    def score(self) -> rare_paths.EscapeScore:
        co = llg.coefficients(self.device, 1)
        window = self.steps - self.settle_steps
        phases = [(self.settle_steps, 0.0, 0.0), (self.on_steps, self.i_shm_a, self.i_mtj_a),
                  (window - self.on_steps, 0.0, 0.0)]
        return rare_paths.escape_score(co, s0=self.s0, phases=[p for p in phases if p[0]],
                                       dt_s=self.dt_s, detect_from=self.settle_steps,
                                       e_target=self.e_target, levels=self.levels)


def _start(problem: EscapeProblem, n: int) -> np.ndarray:
    """``n`` copies of the well's minimum, the state every path starts from."""
    return np.tile(np.array([problem.s0, 0.0, 0.0]), (n, 1))


def _segments(problem, score, m0, t0, best0, seed, workers) -> rare_paths.AmsSegments:
    co = llg.coefficients(problem.device, len(t0))
    return rare_paths.ams_segments(co, m0=m0, t0=t0, best0=best0, t_end=problem.steps,
                                   on_start=problem.settle_steps,
                                   on_stop=problem.settle_steps + problem.on_steps,
                                   i_shm_a=problem.i_shm_a, i_mtj_a=problem.i_mtj_a,
                                   dt_s=problem.dt_s, score=score, seed=seed,
                                   workers=workers)


def brute_batch(item) -> dict:
    """Plain paths through the splitting kernel: ``(problem, n, seed, workers)``."""
    problem, n, seed, workers = item
    start = time.perf_counter()
    score = problem.score()
    m0 = _start(problem, n)
    best0 = rare_paths.level_of(score, m0)
    seg = _segments(problem, score, m0, np.zeros(n, dtype=np.int64), best0, seed, workers)
    events = int(np.sum(seg.best >= score.levels))
    return {"n": n, "events": events, "spin_steps": seg.steps,
            "wall_s": time.perf_counter() - start}


class _Replicas:
    """Records of every replica: steps, states and levels of its running maxima."""

    def __init__(self, m0: np.ndarray, best0: np.ndarray) -> None:
        n = len(best0)
        self.steps = [np.zeros(1, dtype=np.int64) for _ in range(n)]
        self.states = [m0[i:i + 1].copy() for i in range(n)]
        self.levels = [best0[i:i + 1].copy() for i in range(n)]
        self.best = best0.astype(np.int64).copy()

    def branch_point(self, j: int, z: int) -> tuple[int, np.ndarray, int]:
        """Step, state and level where replica j's level first exceeded ``z``."""
        r = int(np.searchsorted(self.levels[j], z, side="right"))
        return int(self.steps[j][r]), self.states[j][r], int(self.levels[j][r])

    def restart(self, i: int, step: int, state: np.ndarray, level: int) -> None:
        self.steps[i] = np.array([step], dtype=np.int64)
        self.states[i] = state[None, :].copy()
        self.levels[i] = np.array([level], dtype=np.int64)
        self.best[i] = level

    def extend(self, idx: np.ndarray, seg: rare_paths.AmsSegments) -> None:
        counts = seg.rec_count.tolist()
        for row, i in enumerate(idx.tolist()):
            c = counts[row]
            if c:
                self.steps[i] = np.concatenate([self.steps[i], seg.rec_step[row, :c]])
                self.states[i] = np.concatenate([self.states[i], seg.rec_m[row, :c]])
                self.levels[i] = np.concatenate([self.levels[i], seg.rec_level[row, :c]])
        self.best[idx] = np.maximum(self.best[idx], seg.best)


def group(item) -> dict:
    """``(problem, runs, replicas, kill_fraction, seed, workers)`` -> independent estimates.

    Runs ``runs`` splitting runs of ``replicas`` replicas in lockstep; returns their
    estimates, iterations, extinctions and the cost (spin-steps, wall time).
    """
    problem, runs, n, kill_fraction, seed, workers = item
    if n < 10 or not 0 < kill_fraction < 1:
        raise ParameterError("replicas", "need >= 10 replicas and 0 < kill_fraction < 1")
    start = time.perf_counter()
    score = problem.score()
    top = score.levels
    k = max(1, int(round(kill_fraction * n)))
    run_seed, choice_seed = rare_paths._seed(seed).spawn(2)
    total = runs * n
    m0 = _start(problem, total)
    best0 = rare_paths.level_of(score, m0)
    reps = _Replicas(m0, best0)
    seg = _segments(problem, score, m0, np.zeros(total, dtype=np.int64), best0,
                    run_seed.spawn(1)[0], workers)
    reps.extend(np.arange(total), seg)
    spin_steps = seg.steps
    rng = np.random.Generator(np.random.PCG64(choice_seed))
    log_p = np.zeros(runs)
    active = np.ones(runs, dtype=bool)
    extinct = np.zeros(runs, dtype=bool)
    iterations = np.zeros(runs, dtype=np.int64)
    while active.any():
        starts = []  # (step, replica, state, level)
        for r in np.flatnonzero(active):
            block = slice(r * n, (r + 1) * n)
            scores = reps.best[block]
            z = int(np.partition(scores, k - 1)[k - 1])
            if z >= top:
                active[r] = False
                continue
            killed = np.flatnonzero(scores <= z)
            survivors = np.flatnonzero(scores > z)
            if survivors.size == 0:
                active[r] = False
                extinct[r] = True
                continue
            log_p[r] += math.log1p(-killed.size / n)
            iterations[r] += 1
            parents = survivors[rng.integers(0, survivors.size, size=killed.size)]
            for i, j in zip(killed, parents):
                step, state, level = reps.branch_point(r * n + int(j), z)
                starts.append((step, r * n + int(i), state, level))
        if not starts:
            break
        starts.sort(key=lambda s: (s[0], s[1]))  # similar start steps share chunks
        for step, i, state, level in starts:
            reps.restart(i, step, state, level)
        idx = np.array([s[1] for s in starts], dtype=np.int64)
        seg = _segments(problem, score, np.array([s[2] for s in starts]),
                        np.array([s[0] for s in starts], dtype=np.int64),
                        np.array([s[3] for s in starts], dtype=np.int64),
                        run_seed.spawn(1)[0], workers)
        reps.extend(idx, seg)
        spin_steps += seg.steps
    estimates = []
    for r in range(runs):
        hit = np.mean(reps.best[r * n:(r + 1) * n] >= top)
        estimates.append(0.0 if extinct[r] else float(math.exp(log_p[r]) * hit))
    return {"estimates": estimates, "iterations": iterations.tolist(),
            "extinct": int(extinct.sum()), "replicas": n, "spin_steps": int(spin_steps),
            "paths_equivalent": spin_steps / max(problem.steps, 1),
            "wall_s": time.perf_counter() - start}

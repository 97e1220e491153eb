"""Path samplers for rare events of the stochastic LLGS (the physics side of
:mod:`spincim.characterize.rare`).

* **Importance sampling of the thermal field** (:func:`is_paths`). Near the well at
  ``m_x = s0`` the transverse components ``y = (m_y, m_z)`` obey the linear SDE
  ``dy = A y dt + G dH_th`` (:func:`transverse_linearization`; ``A`` and ``G`` are the
  Jacobians of the LLGS right-hand side, taken numerically, so every torque term is
  included). A write fails when ``y`` has *not* grown out of the well by the end of the
  pulse. For the linear SDE the probability of ending inside a Gaussian window
  ``exp(-y^T P y / 2)`` from ``(t, y)`` is ``q(t, y) ~ exp(-y^T M(t) y / 2)`` with
  ``M^-1 = W`` and ``-dW/dt = -A W - W A^T + G D G^T`` backwards from ``W(T) = P^-1``
  (a Lyapunov equation; :func:`control_gains` steps it exactly with Van Loan's matrix
  exponential). Doob's h-transform of the linear SDE toward that window shifts the
  thermal field by ``D G^T grad ln q = -D G^T M y``; the sampler draws the y/z normals
  ``eta`` of every step, uses ``eta + u`` with ``u = -sqrt(D dt) G^T M y`` and
  accumulates ``ln w = sum(-u.eta - |u|^2/2)``, the exact likelihood ratio of the
  discrete-time chain (each step's normals are Gaussian in both laws; ``u`` depends only
  on the past). The estimate of the failure probability ``E_q[w 1(not switched)]`` is
  therefore unbiased for the very chain brute force runs; the linear model only makes it
  efficient.
* **Path segments for adaptive multilevel splitting** (:func:`ams_segments`): spins that
  start at their own step from a branching point, with the escape score of
  :func:`._rare_kernel.escape_level` (energy in the source well, the flipped and relaxed
  spin as target) and the records a splitting branches from.

Spins run in chunks of :data:`llg.CHUNK_SPINS` with their own counter-based noise
streams spawned from one ``SeedSequence``, on threads: the result does not depend on the
number of workers.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from ..errors import ParameterError
from . import _noise, llg
from . import mtj as M

__all__ = ["transverse_linearization", "control_gains", "is_paths", "IsPaths",
           "EscapeScore", "escape_score", "ams_segments", "AmsSegments", "level_of"]


# --------------------------------------------------------------------------- linear model
def _rhs_yz(co_one: llg.LlgCoefficients, y, s0: float, i_shm_a: float, i_mtj_a: float,
            h_ext, h_yz=(0.0, 0.0)) -> np.ndarray:
    """(dm_y/dt, dm_z/dt) at m = (s0 sqrt(1 - y.y), y0, y1) with an extra field (h_y, h_z)."""
    my, mz = y
    m = np.array([[s0 * math.sqrt(1.0 - my * my - mz * mz), my, mz]])
    c = co_one.h_stt_per_a * i_mtj_a - co_one.h_dl_per_a * i_shm_a
    h = llg._field(m, c, co_one, i_shm_a, np.asarray(h_ext, float))
    h[0, 1] += h_yz[0]
    h[0, 2] += h_yz[1]
    return llg._rhs(m, h, co_one.alpha)[0, 1:]


def transverse_linearization(co: llg.LlgCoefficients, *, s0: float, i_shm_a: float = 0.0,
                             i_mtj_a: float = 0.0, h_ext_a_per_m=(0.0, 0.0, 0.0)
                             ) -> tuple[np.ndarray, np.ndarray]:
    """``(A, G)``: Jacobians (1/s and 1/(A/m s)) of (m_y, m_z)' at the well m_x = s0.

    ``A = d(dy/dt)/dy`` and ``G = d(dy/dt)/d(H_y, H_z)`` for spin 0 of ``co`` at
    ``y = 0`` (central differences; the field enters linearly). The well must be a fixed
    point: ``h_ext`` only along x.
    """
    if s0 not in (1.0, -1.0):
        raise ParameterError("s0", f"must be +1 or -1, got {s0!r}")
    h_ext = np.asarray(h_ext_a_per_m, dtype=float)
    if h_ext[1] != 0 or h_ext[2] != 0:
        raise ParameterError("h_ext_a_per_m", "the linearization needs a field along x only")
    one = co.take(slice(0, 1))
    eps = 1e-6
    cols_a, cols_g = [], []
    for k in range(2):
        d = np.zeros(2)
        d[k] = eps
        cols_a.append((_rhs_yz(one, d, s0, i_shm_a, i_mtj_a, h_ext)
                       - _rhs_yz(one, -d, s0, i_shm_a, i_mtj_a, h_ext)) / (2 * eps))
        dh = np.zeros(2)
        dh[k] = 1.0
        cols_g.append((_rhs_yz(one, (0.0, 0.0), s0, i_shm_a, i_mtj_a, h_ext, dh)
                       - _rhs_yz(one, (0.0, 0.0), s0, i_shm_a, i_mtj_a, h_ext, -dh)) / 2.0)
    return np.array(cols_a).T, np.array(cols_g).T


def _backward_step(a_mat: np.ndarray, noise_cov: np.ndarray, dt: float):
    """(E, Q) of one step of W backwards: W(t - dt) = E W(t) E^T + Q (exact, Van Loan)."""
    block = np.zeros((4, 4))
    block[:2, :2] = a_mat
    block[:2, 2:] = noise_cov
    block[2:, 2:] = -a_mat.T
    ex = scipy.linalg.expm(block * dt)
    e_mat = scipy.linalg.expm(-a_mat * dt)
    return e_mat, e_mat @ ex[:2, 2:]


def control_gains(co: llg.LlgCoefficients, *, s0: float, phases, dt_s: float,
                  window_e: float) -> np.ndarray:
    """Feedback gains K (steps, 4) of the importance sampler, row-major 2x2 per step.

    ``phases`` is a list of ``(steps, i_shm_a, i_mtj_a)`` (e.g. settle, then pulse).
    The target window at the end is ``exp(-e / (2 window_e))`` in the normalized well
    energy ``e = m_y^2 + (H_z/H_y) m_z^2`` (1 at the saddle).
    """
    if not (math.isfinite(window_e) and window_e > 0):
        raise ParameterError("window_e", f"must be > 0, got {window_e!r}")
    d = float(co.thermal_d[0])
    if d <= 0:
        raise ParameterError("temperature_k", "importance sampling needs T > 0")
    a0, _ = transverse_linearization(co, s0=s0)
    stiff_y, stiff_z = -a0[1, 0], a0[0, 1]  # ~ gamma'(H_y), gamma'(H_z) of the well
    ratio = abs(stiff_z / stiff_y)
    w = np.diag([window_e, window_e / ratio])
    from ._rare_kernel import lyapunov_gains

    total = sum(int(p[0]) for p in phases)
    gains = np.empty((total, 4))
    k = total
    for steps, i_shm, i_mtj in reversed(list(phases)):
        a_mat, g_mat = transverse_linearization(co, s0=s0, i_shm_a=i_shm, i_mtj_a=i_mtj)
        e_mat, q_mat = _backward_step(a_mat, d * g_mat @ g_mat.T, dt_s)
        scale = math.sqrt(d * dt_s) * g_mat.T
        lyapunov_gains(e_mat, q_mat, np.ascontiguousarray(scale), w, int(steps), gains, k)
        k -= int(steps)
    return gains


# --------------------------------------------------------------------------- threads
def _chunks(n: int) -> list[slice]:
    return [slice(a, min(a + llg.CHUNK_SPINS, n)) for a in range(0, n, llg.CHUNK_SPINS)]


def _run_threads(fn, n_items: int, workers: int | None) -> None:
    n_workers = max(1, min(workers or llg._cpu_count(), n_items))
    if n_workers == 1:
        for i in range(n_items):
            fn(i)
    else:
        with ThreadPoolExecutor(n_workers) as pool:
            list(pool.map(fn, range(n_items)))


def _seed(seed) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None:
        raise ParameterError("seed", "a thermal run needs a seed")
    return np.random.SeedSequence(seed)


# --------------------------------------------------------------------------- IS paths
@dataclass(frozen=True)
class IsPaths:
    """Importance-sampled paths: first hit step (-1: never) and log likelihood ratio."""

    hit_step: np.ndarray
    log_w: np.ndarray
    m_final: np.ndarray
    wall_s: float


def is_paths(co: llg.LlgCoefficients, *, s0: float, i_shm_a: float, i_mtj_a: float = 0.0,
             settle_steps: int, pulse_steps: int, dt_s: float, gains: np.ndarray, seed,
             threshold: float = llg.SWITCH_THRESHOLD, workers: int | None = None
             ) -> IsPaths:
    """Spins from ``m_x = s0``: ``settle_steps`` without current, then the pulse.

    Counts a switch (``-s0 m_x >= threshold``) only during the pulse, like
    :func:`spincim.devices.switching.pulse_from_p`. ``gains`` as from
    :func:`control_gains` over the same steps; zero gains give plain sampling.
    """
    from ._rare_kernel import is_block

    n = co.n
    total = settle_steps + pulse_steps
    if gains.shape != (total, 4):
        raise ParameterError("gains", f"need shape ({total}, 4), got {gains.shape}")
    m = np.zeros((n, 3))
    m[:, 0] = s0
    hit = np.full(n, -1, dtype=np.int64)
    log_w = np.zeros(n)
    sign = np.full(n, -s0)
    i_shm = np.full(n, float(i_shm_a))
    i_mtj = np.full(n, float(i_mtj_a))
    chunks = _chunks(n)
    seeds = _seed(seed).spawn(len(chunks))
    h_ext = np.zeros(3)

    def run(index: int) -> None:
        sl = chunks[index]
        cc = co.take(sl)
        mc = np.ascontiguousarray(m[sl].T)
        hs, lw = hit[sl].copy(), log_w[sl].copy()
        is_block(mc, cc.kx, cc.ky, cc.kz, cc.alpha, cc.h_dl_per_a, cc.h_fl_per_a,
                 cc.h_stt_per_a, cc.thermal_d, i_shm[sl], i_mtj[sl], h_ext, dt_s,
                 _noise.stream_key(seeds[index]), 0, total, settle_steps, total, sign[sl],
                 threshold, hs, gains, lw, M.GAMMA0)
        m[sl], hit[sl], log_w[sl] = mc.T, hs, lw

    start = time.perf_counter()
    _run_threads(run, len(chunks), workers)
    return IsPaths(hit_step=hit, log_w=log_w, m_final=m, wall_s=time.perf_counter() - start)


# --------------------------------------------------------------------------- AMS paths
@dataclass(frozen=True)
class EscapeScore:
    """Parameters of the escape score (see :func:`._rare_kernel.escape_level`)."""

    s0: float          #: source well, m_x = s0
    ratio_zy: float    #: H_z / H_y stiffness ratio of the well (normalized energy)
    e_target: float    #: the flipped spin counts once its well energy is <= this
    eps: float         #: tie-breaker span above the saddle
    levels: int        #: integer levels up to the target


def escape_score(co: llg.LlgCoefficients, *, s0: float, e_target: float = 0.5,
                 levels: int = 512, eps: float = 0.05) -> EscapeScore:
    """The escape score of spin 0's well at ``m_x = s0`` (zero current)."""
    if not 0 < e_target < 1:
        raise ParameterError("e_target", f"must be in (0, 1), got {e_target!r}")
    if isinstance(levels, bool) or not isinstance(levels, int) or levels < 8:
        raise ParameterError("levels", f"must be an integer >= 8, got {levels!r}")
    kx, ky, kz = float(co.kx[0]), float(co.ky[0]), float(co.kz[0])
    if not kx < ky <= kz:
        raise ParameterError("mtj", "the escape score needs an easy x axis (kx < ky <= kz)")
    return EscapeScore(s0=float(s0), ratio_zy=(kz - kx) / (ky - kx), e_target=e_target,
                       eps=eps, levels=levels)


def level_of(score: EscapeScore, m: np.ndarray) -> np.ndarray:
    """Score levels of states ``m`` (k, 3), as the kernel computes them."""
    from ._rare_kernel import escape_level

    return np.array([escape_level(float(x), float(y), float(z), score.s0, score.ratio_zy,
                                  score.e_target, score.eps, score.levels) for x, y, z in m],
                    dtype=np.int64)


@dataclass(frozen=True)
class AmsSegments:
    """Result of :func:`ams_segments` for k spins (records in step order per spin)."""

    best: np.ndarray        #: (k,) final running-maximum level
    rec_count: np.ndarray   #: (k,) number of records
    rec_step: np.ndarray    #: (k, cap) step after which the record's state holds
    rec_m: np.ndarray       #: (k, cap, 3) state
    rec_level: np.ndarray   #: (k, cap) level
    steps: int              #: spin-steps integrated (including masked lanes)


def ams_segments(co: llg.LlgCoefficients, *, m0: np.ndarray, t0: np.ndarray, best0: np.ndarray,
                 t_end: int, on_start: int, on_stop: int, i_shm_a: float = 0.0,
                 i_mtj_a: float = 0.0, dt_s: float, score: EscapeScore, seed,
                 workers: int | None = None) -> AmsSegments:
    """Continue k spins from states ``m0`` (k, 3) at steps ``t0`` (k,) to ``t_end``.

    ``best0`` is each spin's level at its start (only higher levels are recorded). The
    currents are on for ``on_start <= step < on_stop``. ``co`` must hold k spins.
    """
    from ._rare_kernel import ams_block

    k = co.n
    if m0.shape != (k, 3) or t0.shape != (k,) or best0.shape != (k,):
        raise ParameterError("m0", "m0 (k, 3), t0 (k,) and best0 (k,) must match co")
    cap = score.levels + 2
    best = best0.astype(np.int64).copy()
    rec_count = np.zeros(k, dtype=np.int64)
    rec_step = np.zeros((k, cap), dtype=np.int64)
    rec_m = np.zeros((k, cap, 3))
    rec_level = np.zeros((k, cap), dtype=np.int64)
    m = np.ascontiguousarray(m0, dtype=float).copy()
    t0 = t0.astype(np.int64)
    i_shm = np.full(k, float(i_shm_a))
    i_mtj = np.full(k, float(i_mtj_a))
    chunks = _chunks(k)
    seeds = _seed(seed).spawn(len(chunks))
    h_ext = np.zeros(3)
    steps = [0] * len(chunks)

    def run(index: int) -> None:
        sl = chunks[index]
        cc = co.take(sl)
        mc = np.ascontiguousarray(m[sl].T)
        b = best[sl].copy()
        rc, rs, rm, rl = (rec_count[sl].copy(), rec_step[sl].copy(), rec_m[sl].copy(),
                          rec_level[sl].copy())
        ams_block(mc, cc.kx, cc.ky, cc.kz, cc.alpha, cc.h_dl_per_a, cc.h_fl_per_a,
                  cc.h_stt_per_a, cc.thermal_d, i_shm[sl], i_mtj[sl], h_ext, dt_s,
                  _noise.stream_key(seeds[index]), t0[sl], int(t_end), int(on_start),
                  int(on_stop), score.s0, score.ratio_zy, score.e_target, score.eps,
                  score.levels, b, rs, rm, rl, rc, M.GAMMA0)
        best[sl], rec_count[sl], rec_step[sl], rec_m[sl], rec_level[sl] = b, rc, rs, rm, rl
        steps[index] = (sl.stop - sl.start) * int(t_end - t0[sl].min())

    _run_threads(run, len(chunks), workers)
    return AmsSegments(best=best, rec_count=rec_count, rec_step=rec_step, rec_m=rec_m,
                       rec_level=rec_level, steps=int(sum(steps)))

"""Path samplers for rare events of the stochastic LLGS (the physics side of
:mod:`spincim.characterize.rare`).

* **Importance sampling of the thermal field** (:func:`is_paths`). Near the well at
  ``m_x = s0`` the transverse components ``y = (m_y, m_z)`` obey ``dy = A y dt + G dH_th``
  (:func:`transverse_linearization`: Jacobians of the LLGS right-hand side, taken
  numerically, so every torque term is included). Averaged over the fast precession, the
  well energy ``e = y^T E y`` (``E = diag(1, H_z/H_y)``, 1 at the saddle) is a
  Cox-Ingersoll-Ross diffusion ``de = (c0 + 2 g e) dt + sqrt(2 c0 e) dW``
  (:func:`well_energy_diffusion`; ``g = -kappa`` is the growth rate, > 0 under a pulse
  beyond Ic0). A write fails when ``e`` has *not* grown out of the well by the end of the
  pulse. For the CIR diffusion the probability of ending inside the window
  ``exp(-e / 2w)`` from ``(t, e)`` is exactly ``h = exp(a(t) - beta(t) e)`` with the
  Riccati equation ``-dbeta/dt = 2 g beta - c0 beta^2``, ``beta(T) = 1/2w``
  (:func:`energy_control_gains`). Doob's h-transform toward that window shifts the
  thermal field by ``D G^T grad ln h = -2 beta D G^T E y``; the sampler draws the y/z
  normals ``eta`` of every step, uses ``eta + u`` with ``u = -K(t) y``,
  ``K = 2 beta sqrt(D dt) G^T E``, and accumulates ``ln w = sum(-u.eta - |u|^2/2)``, the
  exact likelihood ratio of the discrete-time chain (each step's normals are Gaussian in
  both laws; ``u`` depends only on the past). The estimate of the failure probability
  ``E_q[w 1(not switched)]`` is therefore unbiased for the very chain brute force runs; the
  model only makes it efficient. (The energy-shaped gain keeps the control independent of
  the precession phase, which the nonlinear orbits shift; a full 2-D linear-quadratic
  control was tried first and had half the effective sample size.)
* **Path segments for adaptive multilevel splitting** (:func:`ams_segments`): spins that
  start at their own step from a branching point, with the escape score of
  :func:`._rare_kernel.escape_level` (in the source well the log committor of a 1-D
  diffusion of the well energy, :func:`escape_committor`; the flipped and relaxed spin
  as target) and the records a splitting branches from.

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

from ..errors import ParameterError
from . import _noise, llg
from . import mtj as M

__all__ = ["transverse_linearization", "energy_control_gains", "is_paths", "IsPaths",
           "EscapeScore", "escape_score", "escape_committor", "well_energy_diffusion",
           "ams_segments", "AmsSegments", "level_of"]


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


def energy_control_gains(co: llg.LlgCoefficients, *, s0: float, phases, dt_s: float,
                         window_e: float) -> np.ndarray:
    """Feedback gains K (steps, 4) of the importance sampler, row-major 2x2 per step.

    ``phases`` is a list of ``(steps, i_shm_a, i_mtj_a)`` (e.g. settle, then pulse). The
    target window at the end is ``exp(-e / (2 window_e))`` in the normalized well energy
    ``e``; ``K = 2 beta(t) sqrt(D dt) G^T E`` with ``beta`` stepped backwards exactly
    (constant coefficients within a step: ``beta' = beta q / (1 + c0 beta (1 - q) / 2k)``,
    ``q = exp(-2 k dt)``, k = kappa of the step's phase).
    """
    if not (isinstance(window_e, (int, float)) and math.isfinite(window_e) and window_e > 0):
        raise ParameterError("window_e", f"must be > 0, got {window_e!r}")
    d = float(co.thermal_d[0])
    if d <= 0:
        raise ParameterError("temperature_k", "importance sampling needs T > 0")
    one = co.take(slice(0, 1))
    a0, g_mat = transverse_linearization(one, s0=s0)
    e_mat = np.diag([1.0, abs(a0[0, 1] / a0[1, 0])])
    base = 2.0 * math.sqrt(d * dt_s) * (g_mat.T @ e_mat)
    total = sum(int(p[0]) for p in phases)
    beta = np.empty(total)
    b = 1.0 / (2.0 * window_e)
    k = total
    for steps, i_shm, i_mtj in reversed(list(phases)):
        kappa, c0 = well_energy_diffusion(one, s0=s0, i_shm_a=i_shm, i_mtj_a=i_mtj)
        q = math.exp(-2.0 * kappa * dt_s)
        frac = (1.0 - q) / (2.0 * kappa) if kappa != 0 else dt_s
        for _ in range(int(steps)):
            b = b * q / (1.0 + c0 * b * frac)
            k -= 1
            beta[k] = b
    return beta[:, None] * base.ravel()[None, :]


# --------------------------------------------------------------------------- threads
#: spins per chunk of a splitting iteration: small, so the few hundred clones of one
#: iteration still spread over the threads
AMS_CHUNK_SPINS = 128


def _chunks(n: int, size: int = llg.CHUNK_SPINS) -> list[slice]:
    return [slice(a, min(a + size, n)) for a in range(0, n, size)]


def _run_threads(fn, n_items: int, workers: int | None) -> None:
    n_workers = max(1, min(workers or llg._cpu_count(), n_items))
    if n_workers == 1:
        for i in range(n_items):
            fn(i)
    else:
        with ThreadPoolExecutor(n_workers) as pool:
            list(pool.map(fn, range(n_items)))


def _seed(seed) -> np.random.SeedSequence:
    """A fresh ``SeedSequence`` (spawning never mutates the caller's object)."""
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key,
                                      pool_size=seed.pool_size)
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
    :func:`energy_control_gains` over the same steps; zero gains give plain sampling.
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
@dataclass(frozen=True, eq=False)
class EscapeScore:
    """Score of an escape from the well at m_x = s0 (see
    :func:`._rare_kernel.escape_level`): a log-committor table and the target."""

    s0: float             #: source well, m_x = s0
    ratio_zy: float       #: H_z / H_y stiffness ratio of the well (normalized energy)
    e_target: float       #: the flipped spin counts once its well energy is <= this
    eps: float            #: score span above the saddle (orders the states there)
    levels: int           #: integer levels up to the target
    log_q: np.ndarray     #: (n_t, n_e) log committor at steps 0, stride, ... and e in [0, 1]
    stride: int           #: steps per row of ``log_q``
    s_min: float          #: lowest score (level 0)
    detect_from: int      #: the target counts from this step on


def well_energy_diffusion(co: llg.LlgCoefficients, *, s0: float, i_shm_a: float = 0.0,
                          i_mtj_a: float = 0.0) -> tuple[float, float]:
    """``(kappa, c0)`` of the phase-averaged well energy ``e`` (1 at the saddle) of spin 0:
    ``de = (c0 - 2 kappa e) dt + sqrt(2 c0 e) dW`` (Ito), from the linearized LLGS.

    kappa = -Re(eig A) (> 0 while the well is stable), c0 = D tr(G^T E G) with
    E = diag(1, H_z/H_y); at zero current the stationary law exp(-2 kappa e / c0) is the
    Boltzmann one, exp(-Delta e).
    """
    a_mat, g_mat = transverse_linearization(co, s0=s0, i_shm_a=i_shm_a, i_mtj_a=i_mtj_a)
    a0, _ = transverse_linearization(co, s0=s0)
    ratio = abs(a0[0, 1] / a0[1, 0])
    kappa = -float(np.mean(np.linalg.eigvals(a_mat).real))
    c0 = float(co.thermal_d[0]) * float(np.trace(g_mat.T @ np.diag([1.0, ratio]) @ g_mat))
    return kappa, c0


def escape_committor(co: llg.LlgCoefficients, *, s0: float, phases, dt_s: float,
                     n_e: int = 401, stride: int = 5) -> np.ndarray:
    """log P(the well energy reaches the saddle by the end | e at step k*stride), (n_t, n_e).

    ``phases``: list of ``(steps, i_shm_a, i_mtj_a)``. The 1-D energy diffusion of
    :func:`well_energy_diffusion`, solved backwards from q(T, e<1) = 0, q(t, 1) = 1 with
    implicit Euler steps of ``stride`` time steps (an M-matrix: every value keeps its
    relative accuracy, down to 1e-300). Only the splitting's score: it never biases.
    """
    from scipy.linalg import solve_banded

    total = sum(int(p[0]) for p in phases)
    n_t = total // stride + 1
    grid = np.linspace(0.0, 1.0, n_e)
    h = grid[1] - grid[0]
    rate_of = np.empty(total)
    k = 0
    coeffs = []
    for steps, i_shm, i_mtj in phases:
        coeffs.append(well_energy_diffusion(co, s0=s0, i_shm_a=i_shm, i_mtj_a=i_mtj))
        rate_of[k:k + int(steps)] = len(coeffs) - 1
        k += int(steps)
    q = np.zeros(n_e)
    q[-1] = 1.0
    log_q = np.empty((n_t, n_e))
    log_q[-1] = np.log(np.maximum(q, 1e-300))
    inner = grid[:-1]
    for row in range(n_t - 2, -1, -1):
        step = row * stride
        kappa, c0 = coeffs[int(rate_of[min(step, total - 1)])]
        tau = (min((row + 1) * stride, total) - step) * dt_s
        drift = c0 - 2.0 * kappa * inner
        diff = c0 * inner
        # (I - tau L) q_new = q_old on e < 1, with q(1) = 1; upwind drift, e = 0 one-sided
        lower = -tau * (diff / h**2 - np.minimum(drift, 0.0) / h)
        upper = -tau * (diff / h**2 + np.maximum(drift, 0.0) / h)
        main = 1.0 - lower - upper
        rhs = q[:-1].copy()
        rhs[-1] -= upper[-1] * 1.0
        ab = np.zeros((3, n_e - 1))
        ab[0, 1:] = upper[:-1]
        ab[1] = main
        ab[2, :-1] = lower[1:]
        q[:-1] = solve_banded((1, 1), ab, rhs)
        log_q[row] = np.log(np.maximum(q, 1e-300))
    return log_q


def escape_score(co: llg.LlgCoefficients, *, s0: float, phases, dt_s: float,
                 detect_from: int = 0, e_target: float = 0.5, levels: int = 512,
                 eps: float = 0.5, stride: int = 5) -> EscapeScore:
    """The escape score of spin 0's well at m_x = s0 under the current ``phases``; the
    target counts from step ``detect_from``."""
    if not 0 < e_target < 1:
        raise ParameterError("e_target", f"must be in (0, 1), got {e_target!r}")
    if isinstance(levels, bool) or not isinstance(levels, int) or levels < 8:
        raise ParameterError("levels", f"must be an integer >= 8, got {levels!r}")
    kx, ky, kz = float(co.kx[0]), float(co.ky[0]), float(co.kz[0])
    if not kx < ky <= kz:
        raise ParameterError("mtj", "the escape score needs an easy x axis (kx < ky <= kz)")
    log_q = escape_committor(co, s0=s0, phases=phases, dt_s=dt_s, stride=stride)
    # every path starts at the minimum at step 0 and scores its running maximum, so no
    # score below the start's matters: the levels span [start, target]
    s_min = float(max(log_q[0, 0], np.log(1e-300))) - 1.0
    return EscapeScore(s0=float(s0), ratio_zy=(kz - kx) / (ky - kx), e_target=e_target,
                       eps=eps, levels=levels, log_q=log_q, stride=stride, s_min=s_min,
                       detect_from=int(detect_from))


def level_of(score: EscapeScore, m: np.ndarray, step: int = 0) -> np.ndarray:
    """Score levels of states ``m`` (k, 3) at ``step``, as the kernel computes them."""
    from ._rare_kernel import escape_level

    return np.array([escape_level(int(step), float(x), float(y), float(z), score.s0,
                                  score.ratio_zy, score.e_target, score.eps, score.levels,
                                  score.log_q, score.stride, score.s_min, score.detect_from)
                     for x, y, z in m],
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
    rec_step = np.empty((k, cap), dtype=np.int64)
    rec_m = np.empty((k, cap, 3))
    rec_level = np.empty((k, cap), dtype=np.int64)
    m = np.ascontiguousarray(m0, dtype=float).copy()
    t0 = t0.astype(np.int64)
    i_shm = np.full(k, float(i_shm_a))
    i_mtj = np.full(k, float(i_mtj_a))
    chunks = _chunks(k, AMS_CHUNK_SPINS)
    seeds = _seed(seed).spawn(len(chunks))
    h_ext = np.zeros(3)
    steps = [0] * len(chunks)

    def run(index: int) -> None:  # the kernel writes the chunk's rows in place
        sl = chunks[index]
        cc = co.take(sl)
        mc = np.ascontiguousarray(m[sl].T)
        ams_block(mc, cc.kx, cc.ky, cc.kz, cc.alpha, cc.h_dl_per_a, cc.h_fl_per_a,
                  cc.h_stt_per_a, cc.thermal_d, i_shm[sl], i_mtj[sl], h_ext, dt_s,
                  _noise.stream_key(seeds[index]), t0[sl], int(t_end), int(on_start),
                  int(on_stop), score.s0, score.ratio_zy, score.e_target, score.eps,
                  score.levels, score.log_q, score.stride, score.s_min, score.detect_from,
                  best[sl], rec_step[sl], rec_m[sl], rec_level[sl], rec_count[sl],
                  M.GAMMA0)
        steps[index] = (sl.stop - sl.start) * int(t_end - t0[sl].min())

    _run_threads(run, len(chunks), workers)
    return AmsSegments(best=best, rec_count=rec_count, rec_step=rec_step, rec_m=rec_m,
                       rec_level=rec_level, steps=int(sum(steps)))

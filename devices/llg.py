"""Macrospin Landau-Lifshitz-Gilbert-Slonczewski (LLGS) solver, vectorized over an ensemble.

The equation, in Gilbert form with every torque written as an effective field::

    dm/dt = -gamma0 m x H + alpha m x dm/dt
    H     = H_anis(m) + H_ext + H_th
            + c (m x x_hat)              damping-like SOT and STT, c = h_stt I_mtj - h_dl I_shm
            - fl_ratio h_dl I_shm x_hat  field-like SOT (spin polarization sigma = -x for I_shm > 0)
    H_anis = -(kx mx, ky my, kz mz)

solved in its explicit Landau-Lifshitz form
``dm/dt = -gamma0/(1+alpha^2) [m x H + alpha m x (m x H)]``. The Brown thermal field
has independent Gaussian components of variance ``2 alpha kB T / (gamma0 mu0 Ms V dt)``
(A/m)^2 (Brown, Phys. Rev. 130, 1677 (1963)); the stochastic equation is integrated in
the Stratonovich sense with Heun's predictor-corrector and renormalization of |m|.

Two interchangeable back ends consume the *same* noise stream: ``"numpy"`` (the readable
reference) and ``"numba"`` (a fused kernel, the default). Noise comes in fixed-size
chunks of spins, each a counter-based stream (:mod:`._noise`) keyed by a
``SeedSequence`` spawned from one root, so the result does not depend on the back end or
the number of worker threads.

A deterministic reference (scipy RK45) is in :func:`integrate_deterministic`.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from . import _noise
from . import mtj as M

#: spins per noise chunk: fixed, so results never depend on the number of workers
CHUNK_SPINS = 512
#: time steps per kernel call (progress granularity; bounds the numpy path's noise block)
BLOCK_STEPS = 1000
#: default switching criterion: m_x passes -0.9 (from +x) or +0.9 (from -x)
SWITCH_THRESHOLD = 0.9


@dataclass(frozen=True)
class LlgCoefficients:
    """Per-spin coefficients of the LLGS right-hand side, each an array of shape (n,).

    Built by :func:`coefficients`; per-spin arrays let a Monte Carlo vary the device.
    """

    kx: np.ndarray          #: easy-axis stiffness (A/m); H_x = -kx m_x
    ky: np.ndarray          #: in-plane hard-axis stiffness (A/m)
    kz: np.ndarray          #: out-of-plane stiffness (A/m)
    alpha: np.ndarray       #: Gilbert damping
    h_dl_per_a: np.ndarray  #: damping-like SOT field per SHM ampere (A/m/A)
    h_fl_per_a: np.ndarray  #: field-like SOT field per SHM ampere (A/m/A)
    h_stt_per_a: np.ndarray  #: STT field per MTJ ampere (A/m/A)
    thermal_d: np.ndarray   #: thermal diffusion 2 alpha kB T / (gamma0 mu0 Ms V), (A/m)^2 s

    @property
    def n(self) -> int:
        return self.kx.shape[0]

    def take(self, index) -> "LlgCoefficients":
        """The coefficients of a subset of spins."""
        return LlgCoefficients(*(getattr(self, f)[index] for f in self.__dataclass_fields__))


def coefficients(device: M.SotDevice, n: int = 1, *, temperature_k: float | None = None
                 ) -> LlgCoefficients:
    """LLGS coefficients of ``n`` identical copies of ``device`` (SI)."""
    if n < 1:
        raise ParameterError("n", f"need at least one spin, got {n}")
    t_k = device.temperature_k if temperature_k is None else temperature_k
    if not math.isfinite(t_k) or t_k < 0:
        raise ParameterError("temperature_k", f"must be finite and >= 0, got {t_k!r}")
    mtj = device.mtj
    kx, ky, kz = M.stiffness_fields_a_per_m(mtj)
    h_dl = M.h_dl_per_amp(device)
    d_th = (2.0 * mtj.alpha * M.KB * t_k
            / (M.GAMMA0 * M.MU0 * mtj.ms_a_per_m * M.volume_m3(mtj)))
    values = (kx, ky, kz, mtj.alpha, h_dl, device.shm.fl_ratio * h_dl,
              M.h_stt_per_amp(mtj), d_th)
    return LlgCoefficients(*(np.full(n, v, dtype=float) for v in values))


def coefficients_varied(device: M.SotDevice, *, ms_a_per_m, t_free_m, shm_thickness_m,
                        temperature_k: float | None = None) -> LlgCoefficients:
    """LLGS coefficients of spins that differ in Ms, free-layer and SHM thickness (SI).

    Each argument is an array of shape (n,) (e.g. Monte Carlo draws); everything else is
    ``device``'s. The formulas are those of :func:`coefficients` (devices/mtj.py),
    vectorized: demag factors of each spin's ellipsoid, H_DL ~ 1 / (Ms t_F w t_SHM),
    thermal diffusion ~ 1 / (Ms V).
    """
    ms = np.asarray(ms_a_per_m, dtype=float)
    t_f = np.asarray(t_free_m, dtype=float)
    t_shm = np.asarray(shm_thickness_m, dtype=float)
    if not (ms.shape == t_f.shape == t_shm.shape and ms.ndim == 1):
        raise ParameterError("ms_a_per_m", "Ms, t_free and SHM thickness need one shape (n,)")
    if not (np.all(ms > 0) and np.all(t_f > 0) and np.all(t_shm > 0)):
        raise ParameterError("ms_a_per_m", "varied parameters must stay > 0")
    t_k = device.temperature_k if temperature_k is None else temperature_k
    mtj, shm = device.mtj, device.shm
    nx, ny, nz = M.ellipsoid_demag_factors(mtj.length_m / 2, mtj.width_m / 2, t_f / 2)
    area = M.area_m2(mtj)
    h_dl = (M.HBAR * shm.theta_sh / (shm.width_m * t_shm)
            / (2.0 * M.E_CHARGE * M.MU0 * ms * t_f))
    h_stt = M.HBAR * M.spin_polarization(mtj) / area / (2.0 * M.E_CHARGE * M.MU0 * ms * t_f)
    d_th = 2.0 * mtj.alpha * M.KB * t_k / (M.GAMMA0 * M.MU0 * ms * area * t_f)
    n = ms.shape[0]
    return LlgCoefficients(nx * ms - mtj.hk_intrinsic_a_per_m, ny * ms, nz * ms,
                           np.full(n, mtj.alpha), h_dl, shm.fl_ratio * h_dl, h_stt, d_th)


#: largest precession angle of one Heun step (rad). The fastest time scale of the LLGS
#: equation is precession at the largest effective field, omega = gamma0 |H|; Heun's
#: method with renormalization loses the rotation (a switch is missed, issue 19: 0.0
#: instead of 1.0 at 1 A) from omega dt ~ 1.7 rad. A quarter of that keeps the default
#: 1 ps step (omega dt = 0.23 from the shape anisotropy alone) and up to ~18 mA of SHM
#: current on the default device; tests/test_hardening2.py checks the outcome converged.
MAX_ROTATION_RAD = 0.45


def max_field_a_per_m(co: LlgCoefficients, i_shm_a=0.0, i_mtj_a=0.0,
                      h_ext_a_per_m=(0.0, 0.0, 0.0)) -> float:
    """Upper bound of |H| over the ensemble and any orientation (A/m), thermal part aside.

    |H_anis| <= max(|kx|, |ky|, |kz|); the torque field |c| = |h_stt I_mtj - h_dl I_shm|
    and the field-like term add; so does |H_ext|.
    """
    i_shm = np.abs(np.asarray(i_shm_a, dtype=float))
    i_mtj = np.abs(np.asarray(i_mtj_a, dtype=float))
    stiff = np.maximum(np.maximum(np.abs(co.kx), np.abs(co.ky)), np.abs(co.kz))
    torque = np.abs(co.h_stt_per_a) * i_mtj + np.abs(co.h_dl_per_a) * i_shm
    field_like = np.abs(co.h_fl_per_a) * i_shm
    h_ext = float(np.linalg.norm(np.asarray(h_ext_a_per_m, dtype=float)))
    return float(np.max(stiff + torque + field_like)) + h_ext


def stable_dt_s(co: LlgCoefficients, i_shm_a=0.0, i_mtj_a=0.0,
                h_ext_a_per_m=(0.0, 0.0, 0.0)) -> float:
    """Largest time step (s) the solver follows: :data:`MAX_ROTATION_RAD` / (gamma0 |H|max).

    The thermal field's rotation per step grows only as sqrt(dt) and is left out.
    """
    h = max_field_a_per_m(co, i_shm_a, i_mtj_a, h_ext_a_per_m)
    return math.inf if h <= 0 else MAX_ROTATION_RAD / (M.GAMMA0 * h)


def check_stable_dt(co: LlgCoefficients, dt_s: float, i_shm_a=0.0, i_mtj_a=0.0,
                    h_ext_a_per_m=(0.0, 0.0, 0.0)) -> None:
    """Refuse ``dt_s`` above :func:`stable_dt_s`, naming the largest stable step."""
    limit = stable_dt_s(co, i_shm_a, i_mtj_a, h_ext_a_per_m)
    if dt_s > limit * (1.0 + 1e-9):
        h = max_field_a_per_m(co, i_shm_a, i_mtj_a, h_ext_a_per_m)
        raise ParameterError("dt_s", f"{dt_s:.3g} s is unstable: precession at the largest "
                             f"effective field ({h:.3g} A/m, anisotropy plus current torque) "
                             f"needs dt_s <= {limit:.3g} s")


@dataclass(frozen=True)
class LlgResult:
    """Outcome of an ensemble run.

    ``t_switch_s`` is NaN where a spin never met the switching criterion;
    ``trajectory`` (n_samples, n, 3) and ``t_s`` are filled only when recording.
    """

    m_final: np.ndarray
    t_switch_s: np.ndarray
    switched: np.ndarray
    t_s: np.ndarray
    trajectory: np.ndarray | None
    wall_s: float


# --------------------------------------------------------------------------- numpy path
def _field(m, c, co, i_shm, h_ext):
    """Effective field without the thermal part, (n, 3) A/m."""
    h = np.empty_like(m)
    h[:, 0] = -co.kx * m[:, 0] + h_ext[0] - co.h_fl_per_a * i_shm
    h[:, 1] = -co.ky * m[:, 1] + h_ext[1] + c * m[:, 2]
    h[:, 2] = -co.kz * m[:, 2] + h_ext[2] - c * m[:, 1]
    return h


def _rhs(m, h, alpha):
    """Landau-Lifshitz right-hand side -gamma'[m x H + alpha m x (m x H)] for (n, 3)."""
    mxh = np.cross(m, h)
    gp = M.GAMMA0 / (1.0 + alpha * alpha)
    return -gp[:, None] * (mxh + alpha[:, None] * np.cross(m, mxh))


def _heun_numpy(m, co, i_shm, i_mtj, h_ext, dt, noise, step0, pulse_steps, sign, thr,
                t_switch, rec_every, rec, rec_index):
    """Advance the spins in ``m`` (3, n) through one block of ``noise`` (steps, 3, n)."""
    sigma = np.sqrt(co.thermal_d / dt)
    m = m.T.copy()
    for k in range(noise.shape[0]):
        step = step0 + k
        on = 1.0 if step < pulse_steps else 0.0
        i_s = i_shm * on
        c = co.h_stt_per_a * i_mtj * on - co.h_dl_per_a * i_s
        h_th = noise[k].T * sigma[:, None]
        f0 = _rhs(m, _field(m, c, co, i_s, h_ext) + h_th, co.alpha)
        mp = m + f0 * dt
        f1 = _rhs(mp, _field(mp, c, co, i_s, h_ext) + h_th, co.alpha)
        m = m + 0.5 * dt * (f0 + f1)
        m /= np.linalg.norm(m, axis=1)[:, None]
        newly = np.isnan(t_switch) & (sign * m[:, 0] >= thr)
        t_switch[newly] = (step + 1) * dt
        if rec_every and (step + 1) % rec_every == 0:
            rec[rec_index[0]] = m.T
            rec_index[0] += 1
    return np.ascontiguousarray(m.T)


# --------------------------------------------------------------------------- driver
def _as_spin_array(value, n: int, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise ParameterError(name, f"must be a scalar or shape ({n},), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(name, "must be finite")
    return arr


def _initial_state(m0, n: int) -> np.ndarray:
    m = np.asarray(m0, dtype=float)
    if m.shape == (3,):
        m = np.broadcast_to(m, (n, 3))
    if m.shape != (n, 3) or not np.all(np.isfinite(m)):
        raise ParameterError("m0", f"must be finite with shape (3,) or ({n}, 3)")
    norm = np.linalg.norm(m, axis=1)
    if np.any(norm == 0):
        raise ParameterError("m0", "zero vector has no direction")
    return np.ascontiguousarray(m / norm[:, None])


def simulate(co: LlgCoefficients, *, m0=(1.0, 0.0, 0.0), i_shm_a=0.0, i_mtj_a=0.0,
             pulse_s: float, duration_s: float | None = None, dt_s: float = 1e-12,
             h_ext_a_per_m=(0.0, 0.0, 0.0), seed=None, record_every: int = 0,
             threshold: float = SWITCH_THRESHOLD, backend: str = "numba",
             workers: int | None = None, progress=None) -> LlgResult:
    """Integrate the LLGS ensemble described by ``co``.

    Parameters
    ----------
    co : LlgCoefficients
        Per-spin coefficients (n spins); ``thermal_d == 0`` means a deterministic run.
    m0 : array, (3,) or (n, 3)
        Initial magnetization (normalized here). Default +x (the P state).
    i_shm_a, i_mtj_a : float or (n,) array
        SHM and MTJ currents (A) applied for ``0 <= t < pulse_s``; zero afterwards.
    pulse_s, duration_s : float
        Pulse width and total simulated time (s); ``duration_s`` defaults to ``pulse_s``.
    dt_s : float
        Time step (s).
    seed : int or numpy.random.SeedSequence
        Root of the noise; required when any spin has a thermal field.
    record_every : int
        Keep m every this many steps (0 = no trajectory).
    threshold : float
        Switching criterion: ``-sign(m0_x) * m_x >= threshold``.
    backend : {"numba", "numpy"}
        Fused kernel or the readable numpy reference; both consume the same noise.
    workers : int
        Threads working on chunks of spins in parallel (default: CPU count).
    progress : callable(int)
        Called with the number of spin-steps done after each block.

    Returns
    -------
    LlgResult
    """
    n = co.n
    m = _initial_state(m0, n)
    i_shm = _as_spin_array(i_shm_a, n, "i_shm_a")
    i_mtj = _as_spin_array(i_mtj_a, n, "i_mtj_a")
    h_ext = np.asarray(h_ext_a_per_m, dtype=float)
    duration_s = pulse_s if duration_s is None else duration_s
    for name, value in (("pulse_s", pulse_s), ("duration_s", duration_s), ("dt_s", dt_s)):
        if not math.isfinite(value) or value < 0 or (name == "dt_s" and value <= 0):
            raise ParameterError(name, f"must be finite and positive, got {value!r}")
    if duration_s < pulse_s:
        raise ParameterError("duration_s", "must be >= pulse_s")
    if backend not in ("numba", "numpy"):
        raise ParameterError("backend", f"must be 'numba' or 'numpy', got {backend!r}")
    check_stable_dt(co, dt_s, i_shm, i_mtj, h_ext)
    n_steps = int(round(duration_s / dt_s))
    pulse_steps = int(round(pulse_s / dt_s))
    thermal = bool(np.any(co.thermal_d > 0))
    if thermal and seed is None:
        raise ParameterError("seed", "a thermal (T > 0) run needs a seed")

    sign = -np.sign(m[:, 0])
    sign[sign == 0] = -1.0
    t_switch = np.full(n, np.nan)
    n_rec = n_steps // record_every if record_every else 0
    trajectory = np.empty((n_rec, n, 3)) if record_every else None

    chunks = [slice(a, min(a + CHUNK_SPINS, n)) for a in range(0, n, CHUNK_SPINS)]
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    seeds = root.spawn(len(chunks))
    kernel = _numba_kernel() if backend == "numba" else None

    def run_chunk(index: int) -> None:
        sl = chunks[index]
        cc = co.take(sl)
        key = _noise.stream_key(seeds[index])
        width = sl.stop - sl.start
        mc = np.ascontiguousarray(m[sl].T)  # (3, width): the kernel's layout
        ts = t_switch[sl]
        rec = np.empty((n_rec, 3, width)) if record_every else np.empty((0, 3, 0))
        rec_index = np.zeros(1, dtype=np.int64)
        step = 0
        while step < n_steps:
            block = min(BLOCK_STEPS, n_steps - step)
            if kernel is None:
                noise = (_noise.normal_block(key, step, block, width) if thermal
                         else np.zeros((block, 3, width)))
                mc = _heun_numpy(mc, cc, i_shm[sl], i_mtj[sl], h_ext, dt_s, noise, step,
                                 pulse_steps, sign[sl], threshold, ts, record_every, rec,
                                 rec_index)
            else:
                kernel(mc, cc.kx, cc.ky, cc.kz, cc.alpha, cc.h_dl_per_a, cc.h_fl_per_a,
                       cc.h_stt_per_a, cc.thermal_d, i_shm[sl], i_mtj[sl], h_ext, dt_s,
                       key, step, block, pulse_steps, sign[sl], threshold, ts,
                       record_every, rec, rec_index, M.GAMMA0)
            step += block
            if progress is not None:
                progress(block * width)
        m[sl] = mc.T
        t_switch[sl] = ts
        if record_every:
            trajectory[:, sl] = rec.transpose(0, 2, 1)

    start = time.perf_counter()
    n_workers = max(1, min(workers or _cpu_count(), len(chunks)))
    if n_workers == 1:
        for i in range(len(chunks)):
            run_chunk(i)
    else:
        with ThreadPoolExecutor(n_workers) as pool:
            list(pool.map(run_chunk, range(len(chunks))))
    wall = time.perf_counter() - start
    t_rec = (np.arange(1, n_rec + 1) * record_every * dt_s) if record_every else np.empty(0)
    return LlgResult(m_final=m, t_switch_s=t_switch, switched=~np.isnan(t_switch),
                     t_s=t_rec, trajectory=trajectory, wall_s=wall)


def _cpu_count() -> int:
    import os
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _numba_kernel():
    from ._llg_kernel import heun_block
    return heun_block


# --------------------------------------------------------------------------- reference
def integrate_deterministic(co: LlgCoefficients, *, m0, t_span_s, i_shm_a=0.0, i_mtj_a=0.0,
                            h_ext_a_per_m=(0.0, 0.0, 0.0), t_eval=None, rtol=1e-9,
                            atol=1e-12):
    """Deterministic (0 K) LLGS of spin 0 of ``co`` with scipy's RK45 (reference solver).

    Returns scipy's ``OdeResult`` (``.t`` in s, ``.y`` of shape (3, len(t))). The current
    is constant over ``t_span_s``.
    """
    from scipy.integrate import solve_ivp

    one = co.take(slice(0, 1))
    h_ext = np.asarray(h_ext_a_per_m, dtype=float)
    c = one.h_stt_per_a * i_mtj_a - one.h_dl_per_a * i_shm_a
    scale = M.GAMMA0 * float(np.max([one.kz[0], 1.0]))  # 1/s, keeps the tolerances sane

    def f(_t, y):
        mm = y.reshape(1, 3) / np.linalg.norm(y)
        return _rhs(mm, _field(mm, c, one, i_shm_a, h_ext), one.alpha)[0] / scale

    sol = solve_ivp(f, (t_span_s[0] * scale, t_span_s[1] * scale), np.asarray(m0, float),
                    method="RK45", rtol=rtol, atol=atol,
                    t_eval=None if t_eval is None else np.asarray(t_eval) * scale)
    sol.t = sol.t / scale
    return sol

"""numba kernels of the rare-event path samplers (see :mod:`spincim.devices.rare_paths`).

Both advance spins with the Heun step of :mod:`._llg_kernel` and the counter-based
noise of :mod:`._noise`, exactly as the brute-force kernel does; they add:

* :func:`is_block` -- importance sampling: a feedback shift ``u = -K(step) (m_y, m_z)``
  of the y/z thermal-field normals (in units of the normals' standard deviation) and
  the log likelihood ratio ``-u.eta - |u|^2 / 2`` of every step;
* :func:`ams_block` -- path segments for adaptive multilevel splitting: each spin starts
  at its own step, carries an integer score level (:func:`escape_level`: a tabulated
  log committor of the well energy and time, then the flipped side), records every
  new maximum of the level (step and state: the points a splitting branches from), and
  stops when it reaches the target level or the horizon.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ._llg_kernel import FLAGS, heun_step
from ._noise import normals_into, prefer_wide_vectors


@numba.njit(cache=True, nogil=True, fastmath=FLAGS, error_model="numpy")
def is_block(m, kx, ky, kz, alpha, h_dl, h_fl, h_stt, thermal_d, i_shm, i_mtj, h_ext, dt,
             key, step0, n_block, on_start, on_stop, sign, thr, hit_step, gains, logw,
             gamma0):
    """Advance ``m`` (3, n) through ``n_block`` importance-sampled steps from ``step0``.

    The currents are on for ``on_start <= step < on_stop``. ``hit_step`` (n,) gets the
    first step ``>= on_start`` after which ``sign * m_x >= thr`` (-1: never).
    ``gains`` (steps, 4) is K row-major; ``logw`` (n,) accumulates the log likelihood
    ratio of the original over the shifted noise law.
    """
    prefer_wide_vectors()
    n = m.shape[1]
    per = (3 * n + 1) // 2
    gp = np.empty(n)
    sigma = np.empty(n)
    for j in range(n):
        gp[j] = gamma0 / (1.0 + alpha[j] * alpha[j])
        sigma[j] = math.sqrt(thermal_d[j] / dt)
    noise = np.empty(2 * per)
    mxa = m[0]
    mya = m[1]
    mza = m[2]
    for k in range(n_block):
        step = step0 + k
        on = 1.0 if (step >= on_start and step < on_stop) else 0.0
        detect = step >= on_start
        g00 = gains[step, 0]
        g01 = gains[step, 1]
        g10 = gains[step, 2]
        g11 = gains[step, 3]
        normals_into(key, step * per, noise)
        for j in range(n):
            mx = mxa[j]
            my = mya[j]
            mz = mza[j]
            uy = -(g00 * my + g01 * mz)
            uz = -(g10 * my + g11 * mz)
            ey = noise[n + j]
            ez = noise[2 * n + j]
            logw[j] += -(uy * ey + uz * ez) - 0.5 * (uy * uy + uz * uz)
            sg = sigma[j]
            i_s = i_shm[j] * on
            c = h_stt[j] * i_mtj[j] * on - h_dl[j] * i_s
            mx, my, mz = heun_step(mx, my, mz, h_ext[0] - h_fl[j] * i_s + noise[j] * sg,
                                   h_ext[1] + (ey + uy) * sg, h_ext[2] + (ez + uz) * sg,
                                   kx[j], ky[j], kz[j], c, gp[j], alpha[j], dt)
            mxa[j] = mx
            mya[j] = my
            mza[j] = mz
            hit = detect and hit_step[j] < 0 and sign[j] * mx >= thr
            hit_step[j] = step + 1 if hit else hit_step[j]


@numba.njit(inline="always", fastmath=FLAGS)
def escape_level(step, mx, my, mz, s0, ratio_zy, e_target, eps, levels, log_q, stride,
                 s_min, detect_from):
    """Integer score level of ``m`` at ``step`` for an escape from the well at m_x = s0.

    With the normalized well energy ``e = m_y^2 + ratio_zy m_z^2`` (0 at the minimum, 1 at
    the saddle +-y) the score is: in the source well the log committor ``log_q[step //
    stride, e]`` (linear in e; <= 0), above the saddle ``eps (1 - s0 m_x) / 2``, in the
    target well ``eps + 1 - e``. The target set (flipped and relaxed to ``e <= e_target``)
    is exactly score ``>= z = eps + 1 - e_target``; the level is
    ``floor(levels (score - s_min) / (z - s_min))``, so the target is ``level >= levels``
    -- from step ``detect_from`` on; before, the level stays below ``levels``.
    """
    e = my * my + ratio_zy * mz * mz
    side = s0 * mx
    n_t = log_q.shape[0]
    n_e = log_q.shape[1]
    # branch-free (the spin loop stays vectorized): every candidate, then select
    i = min(step // stride, n_t - 1)
    x = min(e, 1.0) * (n_e - 1)
    j = min(np.int64(x), n_e - 2)
    f = x - j
    source = log_q[i, j] * (1.0 - f) + log_q[i, j + 1] * f
    above = eps * 0.5 * (1.0 - side)
    target = eps + 1.0 - e
    score = above if e >= 1.0 else (source if side > 0.0 else target)
    z = eps + 1.0 - e_target
    lev = np.int64(math.floor(levels * (max(score, s_min) - s_min) / (z - s_min)))
    return lev if step >= detect_from else min(lev, levels - 1)


@numba.njit(cache=True, nogil=True, fastmath=FLAGS, error_model="numpy")
def ams_block(m, kx, ky, kz, alpha, h_dl, h_fl, h_stt, thermal_d, i_shm, i_mtj, h_ext, dt,
              key, t0, t_end, on_start, on_stop, s0, ratio_zy, e_target, eps, levels,
              log_q, stride, s_min, detect_from, best, rec_step, rec_m, rec_level, rec_count,
              gamma0):
    """Run spin j of ``m`` (3, n) from step ``t0[j]`` to ``t_end`` or its target level.

    ``best`` (n,) is each spin's running maximum level on entry (updated); every new
    maximum is recorded: ``rec_step[j, r]`` (the step after which the state holds),
    ``rec_m[j, r]`` (3,) and ``rec_level[j, r]``, ``r = rec_count[j]``. Local step k of
    every spin uses the normals of pairs ``k * ceil(3n/2) ..`` of stream ``key``.
    """
    prefer_wide_vectors()
    n = m.shape[1]
    per = (3 * n + 1) // 2
    gp = np.empty(n)
    sigma = np.empty(n)
    active = np.empty(n, dtype=np.bool_)
    longest = 0
    for j in range(n):
        gp[j] = gamma0 / (1.0 + alpha[j] * alpha[j])
        sigma[j] = math.sqrt(thermal_d[j] / dt)
        active[j] = best[j] < levels and t0[j] < t_end
        longest = max(longest, t_end - t0[j])
    noise = np.empty(2 * per)
    lev = np.empty(n, dtype=np.int64)
    mxa = m[0]
    mya = m[1]
    mza = m[2]
    for k in range(longest):
        normals_into(key, k * per, noise)
        # every spin steps (vectorized); finished ones keep their state
        for j in range(n):
            step = t0[j] + k
            on = 1.0 if (step >= on_start and step < on_stop) else 0.0
            sg = sigma[j]
            i_s = i_shm[j] * on
            c = h_stt[j] * i_mtj[j] * on - h_dl[j] * i_s
            mx, my, mz = heun_step(mxa[j], mya[j], mza[j],
                                   h_ext[0] - h_fl[j] * i_s + noise[j] * sg,
                                   h_ext[1] + noise[n + j] * sg,
                                   h_ext[2] + noise[2 * n + j] * sg,
                                   kx[j], ky[j], kz[j], c, gp[j], alpha[j], dt)
            act = active[j]
            mxa[j] = mx if act else mxa[j]
            mya[j] = my if act else mya[j]
            mza[j] = mz if act else mza[j]
            lev[j] = escape_level(step + 1, mx, my, mz, s0, ratio_zy, e_target, eps,
                                  levels, log_q, stride, s_min, detect_from)
        any_active = False
        for j in range(n):
            if not active[j]:
                continue
            any_active = True
            step = t0[j] + k
            if lev[j] > best[j]:
                best[j] = lev[j]
                r = rec_count[j]
                rec_step[j, r] = step + 1
                rec_m[j, r, 0] = mxa[j]
                rec_m[j, r, 1] = mya[j]
                rec_m[j, r, 2] = mza[j]
                rec_level[j, r] = lev[j]
                rec_count[j] = r + 1
            if lev[j] >= levels or step + 1 >= t_end:
                active[j] = False
        if not any_active:
            break


"""Fused numba kernel of the stochastic Heun LLGS step (see :mod:`spincim.devices.llg`).

The same equation as ``llg._field`` / ``llg._rhs`` written on scalars, in
structure-of-arrays layout (``m`` is (3, n)) and without branches in the spin loop, so
LLVM vectorizes the loop over spins (512-bit vectors where the CPU has AVX-512:
:func:`._noise.prefer_wide_vectors`). The thermal noise of each time step is made in the
kernel by :func:`._noise.normals_into` into a buffer of one step (3n doubles, in L1
cache), then read by the spin loop (counter-based: a function of the stream key and the
step; compiled once, without fast-math and before any kernel, so its bits are the same
for every caller), so no noise array goes through main memory. It releases the GIL, so
chunks of spins run in parallel threads. The tests check it against the numpy reference
fed :func:`._noise.normal_block`: the same noise in, the same trajectory out to rounding.

:func:`heun_step` is the one Heun step every kernel (here and in :mod:`._rare_kernel`)
inlines.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ._noise import normals_into, prefer_wide_vectors

#: fast-math without "no NaN / no inf" (the kernel relies on comparisons staying exact)
FLAGS = {"nsz", "arcp", "contract", "afn", "reassoc"}
#: "not switched yet" inside the kernel
_NEVER = 1e300


@numba.njit(inline="always", fastmath=FLAGS)
def _rhs(mx, my, mz, hx, hy, hz, gp, alpha):
    # m x H
    ax = my * hz - mz * hy
    ay = mz * hx - mx * hz
    az = mx * hy - my * hx
    # m x (m x H)
    bx = my * az - mz * ay
    by = mz * ax - mx * az
    bz = mx * ay - my * ax
    return (-gp * (ax + alpha * bx), -gp * (ay + alpha * by), -gp * (az + alpha * bz))


@numba.njit(inline="always", fastmath=FLAGS)
def heun_step(mx, my, mz, hfx, hfy, hfz, kx, ky, kz, c, g, a, dt):
    """One Heun (Stratonovich) step with renormalization.

    ``hf*`` is the field that does not depend on m (external + field-like SOT + thermal),
    ``c`` the damping-like coefficient (STT/SOT), ``g`` = gamma0 / (1 + alpha^2).
    """
    f0x, f0y, f0z = _rhs(mx, my, mz, hfx - kx * mx, hfy - ky * my + c * mz,
                         hfz - kz * mz - c * my, g, a)
    px = mx + f0x * dt
    py = my + f0y * dt
    pz = mz + f0z * dt
    f1x, f1y, f1z = _rhs(px, py, pz, hfx - kx * px, hfy - ky * py + c * pz,
                         hfz - kz * pz - c * py, g, a)
    mx = mx + 0.5 * dt * (f0x + f1x)
    my = my + 0.5 * dt * (f0y + f1y)
    mz = mz + 0.5 * dt * (f0z + f1z)
    inv = 1.0 / math.sqrt(mx * mx + my * my + mz * mz)
    return mx * inv, my * inv, mz * inv


@numba.njit(cache=True, nogil=True, fastmath=FLAGS, error_model="numpy")
def heun_block(m, kx, ky, kz, alpha, h_dl, h_fl, h_stt, thermal_d, i_shm, i_mtj, h_ext,
               dt, key, step0, n_block, pulse_steps, sign, thr, t_switch, rec_every, rec,
               rec_index, gamma0):
    """Advance ``m`` (3, n) in place through ``n_block`` Heun steps from step ``step0``.

    The noise of step ``s`` is stream ``key``'s pairs from ``s * ceil(3n/2)`` (none when
    no spin has a thermal field). ``t_switch`` (n,) is set at the first step where
    ``sign * m_x >= thr`` and left NaN otherwise (NaN is never compared in the fast
    loop: an unswitched spin holds a huge sentinel there until the end of the block).
    """
    prefer_wide_vectors()
    n = m.shape[1]
    per = (3 * n + 1) // 2
    gp = np.empty(n)
    sigma = np.empty(n)
    ts = np.empty(n)
    thermal = False
    for j in range(n):
        gp[j] = gamma0 / (1.0 + alpha[j] * alpha[j])
        sigma[j] = math.sqrt(thermal_d[j] / dt)
        thermal = thermal or sigma[j] > 0.0
        ts[j] = _NEVER if math.isnan(t_switch[j]) else t_switch[j]
    noise = np.zeros(2 * per)
    mxa = m[0]
    mya = m[1]
    mza = m[2]
    for k in range(n_block):
        step = step0 + k
        on = 1.0 if step < pulse_steps else 0.0
        t_now = (step + 1) * dt
        if thermal:
            normals_into(key, step * per, noise)
        for j in range(n):
            sg = sigma[j]
            i_s = i_shm[j] * on
            c = h_stt[j] * i_mtj[j] * on - h_dl[j] * i_s
            mx, my, mz = heun_step(mxa[j], mya[j], mza[j],
                                   h_ext[0] - h_fl[j] * i_s + noise[j] * sg,
                                   h_ext[1] + noise[n + j] * sg,
                                   h_ext[2] + noise[2 * n + j] * sg,
                                   kx[j], ky[j], kz[j], c, gp[j], alpha[j], dt)
            mxa[j] = mx
            mya[j] = my
            mza[j] = mz
            hit = sign[j] * mx >= thr
            ts[j] = min(ts[j], t_now) if hit else ts[j]
        if rec_every > 0 and (step + 1) % rec_every == 0:
            r = rec_index[0]
            for j in range(n):
                rec[r, 0, j] = mxa[j]
                rec[r, 1, j] = mya[j]
                rec[r, 2, j] = mza[j]
            rec_index[0] += 1
    for j in range(n):
        t_switch[j] = np.nan if ts[j] >= _NEVER else ts[j]

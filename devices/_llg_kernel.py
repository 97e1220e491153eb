"""Fused numba kernel of the stochastic Heun LLGS step (see :mod:`spincim.devices.llg`).

The same equation as ``llg._field`` / ``llg._rhs`` written on scalars, in
structure-of-arrays layout (``m`` is (3, n), the noise (steps, 3, n)) and without
branches in the spin loop, so LLVM vectorizes the loop over spins. It releases the
GIL, so chunks of spins run in parallel threads. The tests check it against the numpy
reference: the same noise in, the same trajectory out to rounding.
"""

from __future__ import annotations

import math

import numba
import numpy as np

#: fast-math without "no NaN / no inf" (the kernel relies on comparisons staying exact)
_FLAGS = {"nsz", "arcp", "contract", "afn", "reassoc"}
#: "not switched yet" inside the kernel
_NEVER = 1e300


@numba.njit(cache=True, inline="always", fastmath=_FLAGS)
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


@numba.njit(cache=True, nogil=True, fastmath=_FLAGS, error_model="numpy")
def heun_block(m, kx, ky, kz, alpha, h_dl, h_fl, h_stt, thermal_d, i_shm, i_mtj, h_ext,
               dt, noise, step0, pulse_steps, sign, thr, t_switch, rec_every, rec,
               rec_index, gamma0):
    """Advance ``m`` (3, n) in place through ``noise.shape[0]`` Heun steps.

    ``noise`` is (steps, 3, n) standard normals; ``t_switch`` (n,) is set at the first
    step where ``sign * m_x >= thr`` and left NaN otherwise (NaN is never compared in
    the fast loop: an unswitched spin holds a huge sentinel there until the end of the block).
    """
    n = m.shape[1]
    n_block = noise.shape[0]
    gp = np.empty(n)
    sigma = np.empty(n)
    ts = np.empty(n)
    for j in range(n):
        gp[j] = gamma0 / (1.0 + alpha[j] * alpha[j])
        sigma[j] = math.sqrt(thermal_d[j] / dt)
        ts[j] = _NEVER if math.isnan(t_switch[j]) else t_switch[j]
    mxa = m[0]
    mya = m[1]
    mza = m[2]
    for k in range(n_block):
        step = step0 + k
        on = 1.0 if step < pulse_steps else 0.0
        t_now = (step + 1) * dt
        nx = noise[k, 0]
        ny = noise[k, 1]
        nz = noise[k, 2]
        for j in range(n):
            a = alpha[j]
            g = gp[j]
            sg = sigma[j]
            i_s = i_shm[j] * on
            c = h_stt[j] * i_mtj[j] * on - h_dl[j] * i_s
            hfx = h_ext[0] - h_fl[j] * i_s + nx[j] * sg
            hfy = h_ext[1] + ny[j] * sg
            hfz = h_ext[2] + nz[j] * sg
            mx = mxa[j]
            my = mya[j]
            mz = mza[j]
            f0x, f0y, f0z = _rhs(mx, my, mz, hfx - kx[j] * mx, hfy - ky[j] * my + c * mz,
                                 hfz - kz[j] * mz - c * my, g, a)
            px = mx + f0x * dt
            py = my + f0y * dt
            pz = mz + f0z * dt
            f1x, f1y, f1z = _rhs(px, py, pz, hfx - kx[j] * px, hfy - ky[j] * py + c * pz,
                                 hfz - kz[j] * pz - c * py, g, a)
            mx = mx + 0.5 * dt * (f0x + f1x)
            my = my + 0.5 * dt * (f0y + f1y)
            mz = mz + 0.5 * dt * (f0z + f1z)
            inv = 1.0 / math.sqrt(mx * mx + my * my + mz * mz)
            mx *= inv
            mxa[j] = mx
            mya[j] = my * inv
            mza[j] = mz * inv
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

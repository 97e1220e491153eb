"""Counter-based standard normals for the LLGS kernels, generated inside numba loops.

Why: drawing the thermal field with ``numpy.random.Generator.standard_normal`` cost more
than the Heun step itself (3 normals per spin-step), and a per-chunk generator state
cannot be advanced inside a vectorized loop. Here every normal is a pure function of
``(key, index)``, so a kernel makes the noise of one time step for all its spins in one
SIMD loop, and any number of threads or processes reproduce the same numbers.

Method: normal pair ``p`` of stream ``key`` takes two 64-bit words
``w = mix64(key + c * GOLDEN)``, ``c = 2p, 2p + 1`` (the SplitMix64 output function:
G. L. Steele, D. Lea, C. H. Flood, "Fast splittable pseudorandom number generators",
OOPSLA 2014), turns them into ``u in (0, 1]`` (52 bits) and an angle (2 quadrant bits +
50 bits), and applies the Box-Muller transform (G. E. P. Box, M. E. Muller, Ann. Math.
Statist. 29, 610 (1958)): ``r = sqrt(-2 ln u)``, ``(r cos phi, r sin phi)``. ``ln``,
``sin`` and ``cos`` are polynomials written here (relative error < 1e-15, checked in the
tests against numpy), because numba calls scalar libm for ``math.log``/``math.cos``
and then the loop does not vectorize. The smallest ``u`` is 2^-52, so ``|z| <= 8.53``:
the Gaussian tail beyond is 1.4e-17 per draw, far below any probability spincim reports.

No fast-math flags here: the bits of every normal are the same in every kernel that
inlines these functions.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic

__all__ = ["normals_into", "normal_block", "pairs_per_step", "stream_key"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_S2, _S12, _S27, _S30, _S31, _S62 = (np.uint64(s) for s in (2, 12, 27, 30, 31, 62))
_ONE_BITS = np.int64(0x3FF0000000000000)     # exponent bits of 1.0
_MANT_BITS = np.int64(0x000FFFFFFFFFFFFF)
_MAGIC_BITS = np.int64(0x4330000000000000)   # 2^52: small ints to double by bits
_TWO52 = 2.0 ** 52
_SQRT2 = math.sqrt(2.0)
_LN2 = math.log(2.0)
_HALF_PI = 0.5 * math.pi


@intrinsic
def _f2i(typingctx, x):
    """Bits of a float64 as int64 (no conversion; vectorizes to nothing)."""
    sig = types.int64(types.float64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))
    return sig, codegen


@intrinsic
def _i2f(typingctx, x):
    """float64 with the bits of an int64."""
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))
    return sig, codegen


@numba.njit(inline="always")
def _mix64(z):
    z = (z ^ (z >> _S30)) * _C1
    z = (z ^ (z >> _S27)) * _C2
    return z ^ (z >> _S31)


@numba.njit(inline="always")
def _ln_unit(u):
    """ln(u) for normal positive doubles: exponent from the bits, ln of the mantissa
    f in [sqrt(1/2), sqrt(2)) as 2 atanh(s), s = (f-1)/(f+1), |s| < 0.172, to s^21."""
    b = _f2i(u)
    e = _i2f((b >> 52) | _MAGIC_BITS) - (_TWO52 + 1023.0)
    f = _i2f((b & _MANT_BITS) | _ONE_BITS)
    big = f > _SQRT2
    f = 0.5 * f if big else f
    e = e + 1.0 if big else e
    s = (f - 1.0) / (f + 1.0)
    s2 = s * s
    p = 1.0 / 21.0
    p = p * s2 + 1.0 / 19.0
    p = p * s2 + 1.0 / 17.0
    p = p * s2 + 1.0 / 15.0
    p = p * s2 + 1.0 / 13.0
    p = p * s2 + 1.0 / 11.0
    p = p * s2 + 1.0 / 9.0
    p = p * s2 + 1.0 / 7.0
    p = p * s2 + 1.0 / 5.0
    p = p * s2 + 1.0 / 3.0
    p = p * s2 + 1.0
    return 2.0 * s * p + e * _LN2


@numba.njit(inline="always")
def _cos_sin_quadrant(q, t):
    """cos and sin of q pi/2 + t for |t| <= pi/4 (Taylor to t^15 / t^16)."""
    t2 = t * t
    s = -1.0 / 1307674368000.0
    s = s * t2 + 1.0 / 6227020800.0
    s = s * t2 - 1.0 / 39916800.0
    s = s * t2 + 1.0 / 362880.0
    s = s * t2 - 1.0 / 5040.0
    s = s * t2 + 1.0 / 120.0
    s = s * t2 - 1.0 / 6.0
    s = (s * t2) * t + t
    c = 1.0 / 20922789888000.0
    c = c * t2 - 1.0 / 87178291200.0
    c = c * t2 + 1.0 / 479001600.0
    c = c * t2 - 1.0 / 3628800.0
    c = c * t2 + 1.0 / 40320.0
    c = c * t2 - 1.0 / 720.0
    c = c * t2 + 1.0 / 24.0
    c = c * t2 - 0.5
    c = c * t2 + 1.0
    odd = (q & 1) == 1
    cq = -s if odd else c
    sq = c if odd else s
    neg = (q & 2) == 2
    return (-cq if neg else cq), (-sq if neg else sq)


@numba.njit(inline="always")
def _pair(key, p):
    """Normal pair number ``p`` (int64 >= 0) of stream ``key`` (uint64)."""
    c = np.uint64(p) * np.uint64(2)
    a = _mix64(key + c * _GOLDEN)
    b = _mix64(key + (c + np.uint64(1)) * _GOLDEN)
    u = 2.0 - _i2f(np.int64(a >> _S12) | _ONE_BITS)              # (0, 1], 52 bits
    q = np.int64(b >> _S62)                                       # quadrant
    t = (_i2f(np.int64((b << _S2) >> _S12) | _ONE_BITS) - 1.5) * _HALF_PI
    r = math.sqrt(-2.0 * _ln_unit(u))
    c_, s_ = _cos_sin_quadrant(q, t)
    return r * c_, r * s_


@numba.njit(cache=True, nogil=True, error_model="numpy")
def normals_into(key, pair0, out):
    """Fill ``out`` (float64, 1-D) with normals of pairs ``pair0, pair0 + 1, ...``."""
    n = out.shape[0]
    half = n // 2
    for i in range(half):
        z0, z1 = _pair(key, pair0 + i)
        out[2 * i] = z0
        out[2 * i + 1] = z1
    if n % 2:
        z0, _ = _pair(key, pair0 + half)
        out[n - 1] = z0


def pairs_per_step(width: int) -> int:
    """Normal pairs one time step of ``width`` spins uses (3 normals per spin)."""
    return (3 * width + 1) // 2


def stream_key(seed: np.random.SeedSequence) -> np.uint64:
    """The 64-bit stream key of a ``SeedSequence``."""
    return np.uint64(seed.generate_state(1, np.uint64)[0])


def normal_block(key, step0: int, steps: int, width: int) -> np.ndarray:
    """The thermal noise a kernel draws for ``steps`` steps from ``step0``: (steps, 3, width).

    Step ``s`` uses pairs ``s * pairs_per_step(width)`` onward, component-major
    (x of every spin, then y, then z).
    """
    per = pairs_per_step(width)
    out = np.empty((steps, 3 * width))
    for k in range(steps):
        normals_into(np.uint64(key), (step0 + k) * per, out[k])
    return out.reshape(steps, 3, width)

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
``sin`` and ``cos`` are polynomials written here, because numba calls scalar libm for
``math.log``/``math.cos`` and then the loop does not vectorize: ``ln`` of the mantissa
``f`` in [sqrt(1/2), sqrt(2)) as ``2 atanh(s)``, ``s = (f-1)/(f+1)``, and ``sin``/``cos``
of ``|t| <= pi/4``, each with a degree-6 or -5 polynomial in ``s^2`` or ``t^2`` fitted by
Chebyshev interpolation (``mpmath.chebyfit``, 40 digits) on the whole reduced range.
Their approximation error after rounding the coefficients to doubles is below 5e-18
(relative, ``ln``) and 2e-17 (absolute, ``sin``/``cos``), far under the rounding of the
arithmetic (the tests bound the totals against libm: 6e-16 relative for ``ln``, 3e-16
absolute for ``sin``/``cos``).

The smallest ``u`` is 2^-52, so the radius is at most sqrt(104 ln 2) = 8.49: the mass
left out is P(r > 8.49) = 2^-52 = 2.2e-16 per pair (2.1e-17 for one normal beyond 8.49).
A 10 ns pulse at 1 ps (1.5e4 pairs per spin) meets it with probability 3.3e-12: even
counting every such path as an error, that is 0.3 % of a write error rate of 1e-9 (and a
single kick is not a switching event, which needs a sustained excursion over many
steps). One hash per pair (64 bits split between u and the angle) made the normals only
~5 % faster and would cut the radius to 7.45 with 40 bits of u (9.1e-13 per pair): not
done.

Bit reproducibility: every multiply-add is an explicit ``llvm.fma`` (one rounding, on
every target), every other operation a plain IEEE one (no fast-math). numba propagates a
caller's fast-math flags into a callee it compiles while typing the caller (numba issue
7168): when the fast-math LLGS kernel compiled :func:`normals_into` first, the normals
came out different in the last bits. So :func:`normals_into` is compiled eagerly for
its one signature at import, and kernels draw only through it (never by inlining the
helpers).

Speed: :func:`prefer_wide_vectors` lets LLVM use 512-bit vectors where the CPU has
AVX-512 (its default for these CPUs is 256-bit); this changes no result (no reductions
across lanes), only the throughput.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

__all__ = ["normals_into", "normal_block", "pairs_per_step", "prefer_wide_vectors",
           "stream_key"]

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
# Chebyshev fits on the full reduced range, highest degree first, rounded to doubles:
# ``mpmath.chebyfit(f, [0, z_max], 7 or 6)`` at mp.dps = 40; "error" is the largest
# |polynomial - f| of the rounded coefficients on a 2001-point grid (40 digits)
#: (atanh(s)/s - 1) / s^2 for s^2 <= ((sqrt2-1)/(sqrt2+1))^2 = 0.02944; error 1.6e-16
_LN_P = (0.07308224842521703, 0.07665860800278021, 0.09091444562630861,
         0.1111110556739754, 0.14285714312987743, 0.19999999999949752,
         0.3333333333333335)
#: (sin t - t) / t^3 for t^2 <= (pi/4)^2; error 3.2e-17
_SIN_P = (1.5918129294866608e-10, -2.5051131845003624e-08, 2.755731610255244e-06,
          -0.00019841269836758574, 0.008333333333330948, -0.16666666666666666)
#: (cos t - 1 + t^2/2) / t^4 for t^2 <= (pi/4)^2; error 2.3e-18
_COS_P = (-1.1382632425521717e-11, 2.08761462684032e-09, -2.7557317271729793e-07,
          2.480158729876569e-05, -0.0013888888888887398, 0.041666666666666664)


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


@intrinsic
def _fma(typingctx, a, b, c):
    """``a * b + c`` rounded once (``llvm.fma``: the same bits on every target)."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        dbl = context.get_value_type(types.float64)
        fnty = ir.FunctionType(dbl, [dbl] * 3)
        fn = builder.module.declare_intrinsic("llvm.fma", [dbl], fnty)
        return builder.call(fn, args)
    return sig, codegen


@intrinsic
def prefer_wide_vectors(typingctx):
    """Let LLVM vectorize the calling function with 512-bit registers where it can.

    LLVM's default for the AVX-512 CPUs (Skylake-X onward) is 256-bit vectors; this sets
    the function attribute ``"prefer-vector-width"="512"`` (a no-op without AVX-512). If a
    future llvmlite refuses the attribute, the code compiles as before.
    """
    sig = types.none()

    def codegen(context, builder, signature, args):
        try:
            set.add(builder.function.attributes, '"prefer-vector-width"="512"')
        except TypeError:  # pragma: no cover - llvmlite changed its attribute set
            pass
        return context.get_dummy_value()
    return sig, codegen


@numba.njit(inline="always")
def _horner(p, x):
    """Polynomial with the first 6 coefficients of ``p`` (highest degree first) at ``x``."""
    acc = _fma(p[0], x, p[1])
    acc = _fma(acc, x, p[2])
    acc = _fma(acc, x, p[3])
    acc = _fma(acc, x, p[4])
    return _fma(acc, x, p[5])


@numba.njit(inline="always")
def _mix64(z):
    z = (z ^ (z >> _S30)) * _C1
    z = (z ^ (z >> _S27)) * _C2
    return z ^ (z >> _S31)


@numba.njit(inline="always")
def _ln_unit(u):
    """ln(u) for normal positive doubles: exponent from the bits, ln of the mantissa
    f in [sqrt(1/2), sqrt(2)) as 2 atanh(s) = 2 s (1 + s^2 P(s^2)), s = (f-1)/(f+1)."""
    b = _f2i(u)
    e = _i2f((b >> 52) | _MAGIC_BITS) - (_TWO52 + 1023.0)
    f = _i2f((b & _MANT_BITS) | _ONE_BITS)
    big = f > _SQRT2
    f = 0.5 * f if big else f
    e = e + 1.0 if big else e
    s = (f - 1.0) / (f + 1.0)
    z = s * s
    s2 = s + s
    p = _fma(_horner(_LN_P, z), z, _LN_P[6])
    return _fma(e, _LN2, _fma(s2 * z, p, s2))


@numba.njit(inline="always")
def _cos_sin_quadrant(q, t):
    """cos and sin of q pi/2 + t for |t| <= pi/4."""
    z = t * t
    s = _fma(t * z, _horner(_SIN_P, z), t)
    c = _fma(_fma(_horner(_COS_P, z), z, -0.5), z, 1.0)
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


@numba.njit(types.void(types.uint64, types.int64, types.float64[::1]), cache=True,
            nogil=True, error_model="numpy")
def normals_into(key, pair0, out):
    """Fill ``out`` (float64, 1-D) with normals of pairs ``pair0, pair0 + 1, ...``.

    Compiled at import for this one signature (no caller's fast-math can reach it).
    """
    prefer_wide_vectors()
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

"""The counter-based normals of the LLGS kernels (devices/_noise.py)."""

import math
import os
import platform
import subprocess
import sys

import numpy as np
import numba
import pytest
from scipy import stats

from spincim.devices import _noise


@numba.njit
def _ln_many(u):
    out = np.empty_like(u)
    for i in range(u.shape[0]):
        out[i] = _noise._ln_unit(u[i])
    return out


@numba.njit
def _cos_sin_many(q, t):
    out = np.empty((2, t.shape[0]))
    for i in range(t.shape[0]):
        out[0, i], out[1, i] = _noise._cos_sin_quadrant(q[i], t[i])
    return out


def test_polynomial_log_and_sincos_match_libm():
    rng = np.random.default_rng(0)
    u = np.concatenate([rng.random(100_000), [2.0**-52, 1e-300, 0.5, 1.0, 2**-0.5]])
    u = u[u > 0]
    ln = np.log(u)
    # a few roundings (2e-16 is one ulp); the polynomials' own error is < 5e-18
    assert np.max(np.abs(_ln_many(u) - ln) / np.maximum(np.abs(ln), 1e-300)) < 6e-16
    assert _ln_many(np.array([1.0]))[0] == 0.0
    q = rng.integers(0, 4, 100_000)
    t = rng.uniform(-math.pi / 4, math.pi / 4, 100_000)
    cs = _cos_sin_many(q, t)
    # exact reference of q pi/2 + t: libm's cos t, sin t, rotated by the quadrant
    c, s = np.cos(t), np.sin(t)
    ref_cos = np.choose(q, [c, -s, -c, s])
    ref_sin = np.choose(q, [s, c, -s, -c])
    # a few roundings (1.1e-16 is half an ulp of 1); the polynomials' error is < 2e-17
    assert np.max(np.abs(cs[0] - ref_cos)) < 3e-16
    assert np.max(np.abs(cs[1] - ref_sin)) < 3e-16


def test_normals_are_standard_normal():
    """4e6 draws: mean, variance, kurtosis within 4 standard errors; KS and tails."""
    n = 4_000_000
    z = np.empty(n)
    _noise.normals_into(np.uint64(12345), 0, z)
    se = 1 / math.sqrt(n)
    assert abs(z.mean()) < 4 * se
    assert abs(z.var() - 1) < 4 * math.sqrt(2) * se
    assert abs(stats.kurtosis(z)) < 4 * math.sqrt(24) * se
    assert stats.kstest(z, "norm").pvalue > 1e-3
    # tail mass beyond 4 sigma: binomial count within 4 sigma of its expectation
    expect = n * 2 * stats.norm.sf(4.0)
    assert abs((np.abs(z) > 4).sum() - expect) < 4 * math.sqrt(expect)
    # pairs are uncorrelated, within and across pairs
    assert abs(np.corrcoef(z[0::2], z[1::2])[0, 1]) < 4 * math.sqrt(2) * se
    assert abs(np.corrcoef(z[:-1], z[1:])[0, 1]) < 4 * se


def test_streams_are_functions_of_key_and_counter():
    a = np.empty(1001)
    b = np.empty(1001)
    _noise.normals_into(np.uint64(7), 50, a)
    _noise.normals_into(np.uint64(7), 50, b)
    assert np.array_equal(a, b)
    c = np.empty(2 * 60)
    _noise.normals_into(np.uint64(7), 20, c)  # pairs 20.. contain pairs 50..
    assert np.array_equal(c[60:120], a[:60])
    _noise.normals_into(np.uint64(8), 50, b)
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.15
    block = _noise.normal_block(np.uint64(7), 3, 2, 5)
    assert block.shape == (2, 3, 5)
    per = _noise.pairs_per_step(5)
    row = np.empty(15)
    _noise.normals_into(np.uint64(7), 4 * per, row)
    assert np.array_equal(block[1].ravel(), row)


def test_stream_key_from_seed_sequence():
    s = np.random.SeedSequence(3)
    assert _noise.stream_key(s) == _noise.stream_key(np.random.SeedSequence(3))
    a, b = s.spawn(2)
    assert _noise.stream_key(a) != _noise.stream_key(b)


_ORDER_SCRIPT = """
import sys
import numba
import numpy as np
from spincim.devices import _noise


@numba.njit(fastmath=True)
def fast_caller(key, pair0, out):  # argument types as in the LLGS kernels
    _noise.normals_into(key, pair0, out)


out = np.empty(20001)
if sys.argv[1] == "fast-first":
    fast_caller(np.uint64(5), 3, out)
_noise.normals_into(np.uint64(5), 3, out)
sys.stdout.write(out.tobytes().hex())
"""


def _normals_in_fresh_process(tmp_path, order: str, name: str, **env) -> np.ndarray:
    script = tmp_path / "order.py"
    script.write_text(_ORDER_SCRIPT)
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / name), **env)
    run = subprocess.run([sys.executable, str(script), order], capture_output=True,
                         text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stderr
    return np.frombuffer(bytes.fromhex(run.stdout), dtype=np.float64)


def _reference_normals() -> np.ndarray:
    ref = np.empty(20001)
    _noise.normals_into(np.uint64(5), 3, ref)
    return ref


def test_normals_do_not_depend_on_which_caller_compiled_them_first(tmp_path):
    """numba hands a fast-math caller's flags to a callee it compiles (numba issue 7168);
    the normals must be the same bits whether a fast-math kernel or a plain call came
    first, each in a fresh process with an empty compilation cache."""
    fast = _normals_in_fresh_process(tmp_path, "fast-first", "fast")
    plain = _normals_in_fresh_process(tmp_path, "plain-first", "plain")
    assert np.array_equal(fast, plain)
    assert np.array_equal(fast, _reference_normals())


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"),
                    reason="names an x86-64 target")
def test_normals_are_the_same_bits_without_fma_or_wide_vectors(tmp_path):
    """Compiled for the baseline x86-64 (SSE2: no FMA unit, 128-bit vectors), the normals
    equal this machine's bit for bit: llvm.fma rounds once on every target."""
    base = _normals_in_fresh_process(tmp_path, "plain-first", "sse2",
                                     NUMBA_CPU_NAME="x86-64",
                                     NUMBA_CPU_FEATURES="+64bit,+sse,+sse2")
    assert np.array_equal(base, _reference_normals())

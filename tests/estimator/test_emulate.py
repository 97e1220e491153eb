"""Bit-exact emulation of IMCE bit-wise convolution and CORN majority / max-pool writes."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spincim.estimator.arch import get_arch, with_overrides
from spincim.estimator.emulate import (conv_direct, corn_majority_mismatch, imce_conv,
                                       imce_conv_signed, majority9, majority_tree_eval,
                                       maxpool_numpy, reduction_mismatch_exact,
                                       reduction_mismatch_mc, sign_popcount, threshold_maxpool,
                                       tree_joint)
from spincim.estimator.mapping import IMCE_CONFIGS, majority_tree, map_network
from spincim.estimator.networks import Conv, Network


@pytest.mark.parametrize("w,i", IMCE_CONFIGS)
@pytest.mark.parametrize("stride,padding,k", [(1, 1, 3), (1, 0, 3), (2, 1, 3), (1, 0, 5)])
def test_imce_conv_bit_exact(w, i, stride, padding, k):
    rng = np.random.default_rng(100 * w + 10 * i + stride + k)
    x = rng.integers(0, 2 ** i, size=(6, 11, 11))
    wt = rng.integers(0, 2 ** w, size=(5, 6, k, k))
    y, _ = imce_conv(x, wt, w, i, stride, padding)
    assert np.array_equal(y, conv_direct(x, wt, stride, padding))


def test_conv_direct_against_loops():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 4, size=(2, 5, 5))
    wt = rng.integers(0, 4, size=(3, 2, 3, 3))
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    ref = np.zeros((3, 5, 5), dtype=np.int64)
    for o, r, c in itertools.product(range(3), range(5), range(5)):
        ref[o, r, c] = (xp[:, r:r + 3, c:c + 3] * wt[o]).sum()
    assert np.array_equal(conv_direct(x, wt, 1, 1), ref)


@pytest.mark.parametrize("w,i", IMCE_CONFIGS)
def test_emulated_ops_equal_mapping(w, i):
    layer = Conv("c", 4, 3, 6, 6, 3, 1, 1)
    net = Network("t", (Conv("c0", 1, 4, 6, 6, 1), layer, Conv("c9", 3, 2, 6, 6, 1)))
    rng = np.random.default_rng(7)
    _, ops = imce_conv(rng.integers(0, 2 ** i, (4, 6, 6)), rng.integers(0, 2 ** w, (3, 4, 3, 3)),
                       w, i, 1, 1)
    arch = with_overrides(get_arch("imce"), {"layers.bits": f"{w}:{i}"})
    mapped = map_network(net, arch).layer("c").ops
    for op in ("and2", "bitcount", "shift", "add", "write", "weight_write", "output"):
        assert ops[op] == mapped[op], op


@pytest.mark.parametrize("w,i", IMCE_CONFIGS)
def test_signed_weights_sum_i_term(w, i):
    """DoReFa's symmetric weights (+-1 at w = 1) by Eq. (3) + the -sum(I) term equal a direct
    convolution, and the mapping counts the correction's operations."""
    rng = np.random.default_rng(11 * w + i)
    x = rng.integers(0, 2 ** i, size=(4, 6, 6))
    wu = rng.integers(0, 2 ** w, size=(3, 4, 3, 3))
    y, ops = imce_conv_signed(x, wu, w, i, 1, 1)
    assert np.array_equal(y, conv_direct(x, 2 * wu - (2 ** w - 1), 1, 1))
    if w == 1:
        assert set(np.unique(2 * wu - 1)) <= {-1, 1}
    layer = Conv("c", 4, 3, 6, 6, 3, 1, 1)
    net = Network("t", (Conv("c0", 1, 4, 6, 6, 1), layer, Conv("c9", 3, 2, 6, 6, 1)))
    arch = with_overrides(get_arch("imce"), {"layers.bits": f"{w}:{i}"})
    mapped = map_network(net, arch).layer("c").ops
    for op in ("sum_i_read", "sum_i_add", "sign_sub"):
        assert ops[op] == mapped[op], op


def test_majority9_all_512_patterns():
    pats = np.array(list(itertools.product((0, 1), repeat=9)), dtype=np.uint8)
    assert pats.shape == (512, 9)
    assert np.array_equal(majority9(pats), sign_popcount(pats))
    assert np.array_equal(majority_tree_eval(pats)[0], sign_popcount(pats))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([-1, 1]), min_size=9, max_size=9))
def test_majority9_is_sign_of_xnor_sum(vals):
    v = np.array(vals)
    assert majority9((v > 0).astype(np.uint8)) == (1 if v.sum() > 0 else 0)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 1), min_size=1, max_size=9))
def test_padded_group_is_exact_majority(bits):
    b = np.array(bits, dtype=np.uint8)
    out, writes = majority_tree_eval(b)
    assert writes == 1 and out == sign_popcount(b)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 3000))
def test_tree_write_count(n):
    rng = np.random.default_rng(n)
    _, writes = majority_tree_eval(rng.integers(0, 2, size=n))
    assert writes == sum(majority_tree(n))


def _joint_by_enumeration(n: int, p: float) -> np.ndarray:
    """P(tree output, popcount) over all 2^n patterns, weighted by p^c (1-p)^(n-c)."""
    pats = np.array(list(itertools.product((0, 1), repeat=n)), dtype=np.uint8)
    out, _ = majority_tree_eval(pats)
    c = pats.sum(axis=1)
    weight = p ** c * (1 - p) ** (n - c)
    j = np.zeros((2, n + 1))
    np.add.at(j, (out.astype(int), c), weight)
    return j


@pytest.mark.parametrize("n,p", [(9, 0.5), (12, 0.5), (14, 0.55), (18, 0.4), (19, 0.7)])
def test_tree_joint_equals_enumeration(n, p):
    """The exact (bit, count) distribution equals a brute-force sum over every pattern."""
    assert np.allclose(tree_joint(n, p), _joint_by_enumeration(n, p), rtol=0, atol=1e-13)


@pytest.mark.parametrize("n,bias", [(81, 0.0), (1152, 0.05), (1152, 0.10)])
def test_reduction_mismatch_monte_carlo_within_binomial_bounds(n, bias):
    """The bit-exact emulation agrees with the exact mismatch within 4 binomial sigma."""
    exact = reduction_mismatch_exact(n, bias)
    samples = 6000
    mc = reduction_mismatch_mc(n, bias, samples, seed=3)
    for ref in ("sign", "batchnorm"):
        q = exact[ref]
        sigma = math.sqrt(max(q * (1 - q), 1 / samples) / samples)
        assert abs(mc[ref]["rate"] - q) <= 4 * sigma, (ref, mc[ref], q)


def test_reduction_against_sign_and_batchnorm():
    # nine inputs: the majority is sign(popcount) exactly, at any bias
    for b in (0.0, 0.05, 0.2):
        assert reduction_mismatch_exact(9, b)["sign"] == pytest.approx(0.0, abs=1e-15)
    # without bias the centred batch-norm threshold is N/2: both references agree
    r0 = reduction_mismatch_exact(1152, 0.0)
    assert r0["sign"] == pytest.approx(r0["batchnorm"], abs=1e-12) and r0["sign"] > 0.3
    # leaning inputs: the tree follows sign(popcount) more often, a BN threshold less often
    r = [reduction_mismatch_exact(1152, b) for b in (0.0, 0.05, 0.10, 0.20)]
    assert [x["sign"] for x in r] == sorted([x["sign"] for x in r], reverse=True)
    assert r[-1]["batchnorm"] > 0.45 and r[-1]["sign"] < 1e-6


def test_tree_mismatch_is_measured_and_nonzero():
    r = corn_majority_mismatch(samples=2000, seed=1, layers=["conv2", "fc2"])
    assert set(r) == {"conv2", "fc2"}
    for v in r.values():
        assert 0.2 < v["rate"] < 0.5          # the hierarchical tree is not sign(popcount)


@pytest.mark.parametrize("seed", range(5))
def test_threshold_maxpool(seed):
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2, size=(4, 8, 6), dtype=np.uint8)
    bits[0] = 0
    assert np.array_equal(threshold_maxpool(bits), maxpool_numpy(bits))


def test_threshold_maxpool_all_16_windows():
    pats = np.array(list(itertools.product((0, 1), repeat=4)), dtype=np.uint8)
    maps = pats.reshape(16, 2, 2)
    assert np.array_equal(threshold_maxpool(maps)[:, 0, 0], pats.max(axis=1))

"""Bit-exact emulation of IMCE bit-wise convolution and CORN majority / max-pool writes."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal, stats

from spincim.estimator.emulate import (conv_direct, corn_majority_mismatch, imce_conv,
                                       majority9, majority_tree_eval, maxpool_numpy,
                                       sign_popcount, threshold_maxpool)
from spincim.estimator.mapping import IMCE_CONFIGS, majority_tree, map_imce
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
    mapped = map_imce(net, w, i).layer("c").ops
    for op in ("and2", "bitcount", "shift", "add", "write", "weight_write", "read"):
        assert ops[op] == mapped[op], op


def _majority_by_counting(pattern) -> int:
    """Reference majority with ties -> 1, by counting ones and zeros one by one in Python."""
    ones = sum(1 for b in pattern if b == 1)
    zeros = sum(1 for b in pattern if b == 0)
    assert ones + zeros == len(pattern)
    return 1 if ones >= zeros else 0


def test_majority9_all_512_patterns():
    """The driver's '>= 5 of 9 on' against two references that share no code with it: the
    median of the sorted bits (majority of an odd count) and a one-by-one count."""
    pats = np.array(list(itertools.product((0, 1), repeat=9)), dtype=np.uint8)
    assert pats.shape == (512, 9)
    median = np.array([sorted(p.tolist())[4] for p in pats], dtype=np.uint8)
    counted = np.array([_majority_by_counting(p.tolist()) for p in pats], dtype=np.uint8)
    assert np.array_equal(median, counted)
    assert median.sum() == 256                    # a fair split: C(9,5)+...+C(9,9) = 256
    assert np.array_equal(majority9(pats), median)
    assert np.array_equal(sign_popcount(pats), median)
    assert np.array_equal(majority_tree_eval(pats)[0], median)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 8, 10])
def test_sign_popcount_ties_go_to_one(n):
    """Every pattern of n bits, even n included (a tie is sign(0) = +1, i.e. bit 1)."""
    pats = np.array(list(itertools.product((0, 1), repeat=n)), dtype=np.uint8)
    want = np.array([_majority_by_counting(p.tolist()) for p in pats], dtype=np.uint8)
    assert np.array_equal(sign_popcount(pats), want)


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
    assert writes == 1 and out == _majority_by_counting(bits)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 3000))
def test_tree_write_count(n):
    rng = np.random.default_rng(n)
    _, writes = majority_tree_eval(rng.integers(0, 2, size=n))
    assert writes == sum(majority_tree(n))


@pytest.mark.parametrize("n,writes", [(1, 1), (9, 1), (10, 3), (81, 10), (82, 13),
                                      (1152, 128 + 15 + 2 + 1)])
def test_tree_write_count_by_hand(n, writes):
    """ceil(n/9) writes per level until one bit is left, counted by hand."""
    assert majority_tree_eval(np.ones(n, dtype=np.uint8))[1] == writes


def _tree_mismatch_probability(window: int) -> float:
    """Exact P(tree != sign(popcount)) for ``window`` independent fair bits.

    Dynamic programming over the tree of :func:`majority_tree_eval` as documented (groups
    of 9 consecutive elements per level, a short last group deciding the majority of its
    real elements with ties -> 1): each element carries the joint distribution of
    (popcount of the raw bits under it, its output bit). Shares no code with the emulator.
    """
    leaf = np.zeros((2, 2))
    leaf[0, 0] = leaf[1, 1] = 0.5                 # (popcount, output) of one raw bit
    level = [leaf] * window
    while len(level) > 1:
        nxt = []
        for start in range(0, len(level), 9):
            group = level[start:start + 9]
            joint = np.ones((1, 1))               # (popcount, number of ones in the group)
            for element in group:
                joint = signal.convolve2d(joint, element)
            out = np.zeros((joint.shape[0], 2))
            for ones in range(joint.shape[1]):
                out[:, 1 if 2 * ones >= len(group) else 0] += joint[:, ones]
            nxt.append(out)
        level = nxt
    final = level[0]
    k = np.arange(final.shape[0])
    correct = (2 * k >= window).astype(int)
    return float(final[k, 1 - correct].sum())


def test_mismatch_probability_reference_by_enumeration():
    """The dynamic program against brute force over all 2^n patterns for small windows."""
    for n in (10, 11, 13, 16):
        pats = np.array(list(itertools.product((0, 1), repeat=n)), dtype=np.uint8)
        tree = np.array([_majority_by_counting(
            [_majority_by_counting(p[i:i + 9].tolist()) for i in range(0, n, 9)])
            for p in pats])
        brute = np.mean(tree != np.array([_majority_by_counting(p.tolist()) for p in pats]))
        assert _tree_mismatch_probability(n) == pytest.approx(brute, abs=1e-12), n


def test_tree_mismatch_rate_matches_exact_probability():
    """Measured mismatch count within its binomial interval around the exact probability.

    The XNOR bits are independent fair bits (random inputs XOR random weights), so each
    sample mismatches with the probability of :func:`_tree_mismatch_probability`. Conv layers
    only: samples there are (pixel, channel) pairs that almost never repeat, so the count is
    binomial (an FC layer has one input vector and repeats channels). The interval is wide
    (1e-4 two-sided) for the weak dependence of overlapping windows that share a weight row,
    and the test checks it still excludes half and twice the probability.
    """
    samples = 2000
    r = corn_majority_mismatch(samples=samples, seed=1, layers=["conv2", "conv6"])
    assert set(r) == {"conv2", "conv6"}
    for name, v in r.items():
        p = _tree_mismatch_probability(v["window"])
        lo, hi = stats.binom.interval(1 - 1e-4, samples, p)
        assert lo <= v["mismatches"] <= hi, (name, v["mismatches"], samples * p)
        assert hi < samples * 2 * p and lo > samples * p / 2   # a 2x error cannot pass
        p_tie = stats.binom.pmf(v["window"] // 2, v["window"], 0.5)
        lo, hi = stats.binom.interval(1 - 1e-4, samples, p_tie)
        assert lo <= v["ties"] <= hi, (name, v["ties"], samples * p_tie)


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

"""Bit-exact emulation of IMCE bit-wise convolution and CORN majority / max-pool writes."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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

"""Bit-exact functional emulation of the mapped operations on random integer data.

(a) IMCE: a conv layer executed as the mapping says (unsigned bit-planes, AND, bitcount,
    shift, add; IMCE Eq. (3)) against a direct integer convolution; with DoReFa's symmetric
    weights (+-1 at one bit) through Eq. (3) plus the -sum(I) term.
(b) CORN: the nine-input majority write (PROGRAM switches iff >= 5 of 9 NMOS on, CORN III-B)
    against sign(popcount); the hierarchical majority tree of :mod:`.mapping` for windows of
    more than 9 inputs, with its mismatch rate measured on real layer shapes.
(c) CORN 2x2 max-pool by threshold write ([o1..o5] = [11110]) against numpy max-pooling.
(d) The reduction beyond nine inputs (hierarchical majority-of-nine): its exact mismatch
    against sign(popcount) and a centred batch-norm threshold on independent input bits
    with a controlled bias, checked by the bit-exact emulation and by enumeration.

Binary values: bits b in {0, 1} stand for {-1, +1}; sign(0) = +1.
"""

from __future__ import annotations

import math

import numpy as np

from spincim.errors import ParameterError
from spincim.estimator.mapping import MAJORITY_FANIN, majority_tree
from spincim.estimator.networks import Conv, get_network

__all__ = ["im2col", "conv_direct", "imce_conv", "imce_conv_signed", "write_driver", "majority9",
           "majority_tree_eval", "sign_popcount", "threshold_maxpool", "maxpool_numpy",
           "corn_majority_mismatch", "tree_joint", "reduction_mismatch_exact",
           "reduction_mismatch_mc", "reduction_table", "REDUCTION_BIASES"]


# ------------------------------------------------------------------------------------------
# (a) IMCE bit-wise convolution

def im2col(x: np.ndarray, kernel: int, stride: int = 1, padding: int = 0,
           pad_value: int = 0) -> np.ndarray:
    """Windows of x (C, H, W) as an array (out_h, out_w, C*k*k), ordered (c, ky, kx)."""
    c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)), constant_values=pad_value)
    win = np.lib.stride_tricks.sliding_window_view(xp, (kernel, kernel), axis=(1, 2))
    win = win[:, ::stride, ::stride]                      # (C, oh, ow, k, k)
    return np.ascontiguousarray(win.transpose(1, 2, 0, 3, 4)).reshape(
        win.shape[1], win.shape[2], c * kernel * kernel)


def conv_direct(x: np.ndarray, wt: np.ndarray, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Integer convolution (cross-correlation) y[o, i, j]; x (C, H, W), wt (O, C, k, k)."""
    o, c, k, _ = wt.shape
    xp = np.pad(x.astype(np.int64), ((0, 0), (padding, padding), (padding, padding)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(1, 2))[:, ::stride, ::stride]
    return np.einsum("chwyx,ocyx->ohw", win, wt.astype(np.int64))


def imce_conv(x: np.ndarray, wt: np.ndarray, w_bits: int, i_bits: int, stride: int = 1,
              padding: int = 0) -> tuple[np.ndarray, dict]:
    """Convolution by IMCE Eq. (3): sum_{m<i_bits, n<w_bits} 2^(m+n) bitcount(AND(C_n(W), C_m(I))).

    x holds unsigned i_bits integers (C, H, W), wt unsigned w_bits integers (O, C, k, k).
    Returns (output (O, out_h, out_w) int64, counted ops) with the op names of
    :func:`spincim.estimator.mapping.map_imce`.
    """
    if x.min() < 0 or x.max() >= 2 ** i_bits:
        raise ParameterError("x", f"inputs must be unsigned {i_bits}-bit integers")
    if wt.min() < 0 or wt.max() >= 2 ** w_bits:
        raise ParameterError("wt", f"weights must be unsigned {w_bits}-bit integers")
    o, c, k, _ = wt.shape
    cols = im2col(x, k, stride, padding)                  # (oh, ow, N)
    oh, ow, n = cols.shape
    cols = cols.reshape(oh * ow, n)
    wflat = wt.reshape(o, n)
    # bit-planes: C_m(I) for every window (rows written into the sub-array), C_n(W)
    iplanes = [((cols >> m) & 1).astype(np.uint8) for m in range(i_bits)]      # (P, N)
    wplanes = [((wflat >> b) & 1).astype(np.uint8) for b in range(w_bits)]     # (O, N)
    ops = {"and2": 0, "bitcount": 0, "shift": 0, "add": 0,
           "write": sum(p.size for p in iplanes), "weight_write": sum(p.size for p in wplanes)}
    acc = None
    for nb, wp in enumerate(wplanes):
        for m, ip in enumerate(iplanes):
            anded = ip[:, None, :] & wp[None, :, :]        # (P, O, N): column ANDs
            ops["and2"] += anded.size
            cnt = anded.sum(axis=2, dtype=np.int64)        # Bit-Counter
            ops["bitcount"] += anded.size
            part = cnt << (m + nb)                         # Shifter
            ops["shift"] += part.size
            if acc is None:
                acc = part
            else:
                acc = acc + part                           # Sum unit
                ops["add"] += part.size
    ops["output"] = acc.size
    return acc.T.reshape(o, oh, ow), ops


def imce_conv_signed(x: np.ndarray, wu: np.ndarray, w_bits: int, i_bits: int, stride: int = 1,
                     padding: int = 0) -> tuple[np.ndarray, dict]:
    """Convolution with DoReFa's symmetric w-bit weights W = 2 W_u - (2^w - 1) (odd integers;
    {-1, +1} at w = 1), unsigned inputs, by Eq. (3) on W_u and the sum(I) term:

        I . W = 2 Eq3(W_u) - (2^w - 1) sum(I),  sum(I) = sum_m 2^m bitcount(C_m(I)).

    The factor 2 is one more Shifter position; sum(I) is counted once per window and shared
    by every kernel. Returns (output, ops) with the correction's op names of
    :func:`spincim.estimator.mapping.map_network` (one row segment per window)."""
    y, ops = imce_conv(x, wu, w_bits, i_bits, stride, padding)
    cols = im2col(x, wu.shape[-1], stride, padding)
    oh, ow, n = cols.shape
    planes = [((cols.reshape(oh * ow, n) >> m) & 1) for m in range(i_bits)]
    sum_i = sum(p.sum(axis=1, dtype=np.int64) << m for m, p in enumerate(planes))
    ops.update(sum_i_read=sum(p.size for p in planes),
               sum_i_add=oh * ow * (i_bits - 1 + (1 if w_bits > 1 else 0)),
               sign_sub=y.size)
    out = 2 * y - (2 ** w_bits - 1) * sum_i.reshape(1, oh, ow)
    return out, ops


# ------------------------------------------------------------------------------------------
# (b) CORN majority write

def write_driver(on: np.ndarray) -> np.ndarray:
    """Nine-NMOS write driver after PRESET: the cell switches (1) iff >= 5 of the 9 inputs
    (last axis, 0/1) are on (CORN III-B, Fig. 5c)."""
    on = np.asarray(on)
    if on.shape[-1] != MAJORITY_FANIN:
        raise ParameterError("on", f"last axis must have {MAJORITY_FANIN} inputs, got {on.shape}")
    return (on.sum(axis=-1) >= 5).astype(np.uint8)


majority9 = write_driver


def sign_popcount(bits: np.ndarray) -> np.ndarray:
    """sign(2*popcount - N) as a bit over the last axis (ties -> 1, i.e. sign(0) = +1)."""
    bits = np.asarray(bits)
    return (2 * bits.sum(axis=-1, dtype=np.int64) >= bits.shape[-1]).astype(np.uint8)


def _pad_group(bits: np.ndarray) -> np.ndarray:
    """Pad the last axis (r <= 9 real bits) to 9 driver inputs: on/off pairs + one 'on' if
    9 - r is odd, so the driver computes majority of the r bits with ties -> 1."""
    r = bits.shape[-1]
    pad = MAJORITY_FANIN - r
    const = [1, 0] * (pad // 2) + ([1] if pad % 2 else [])
    if not const:
        return bits
    c = np.broadcast_to(np.array(const, dtype=bits.dtype), bits.shape[:-1] + (len(const),))
    return np.concatenate([bits, c], axis=-1)


def majority_tree_eval(bits: np.ndarray) -> tuple[np.ndarray, int]:
    """Hierarchical majority of 9 over the last axis (see :func:`mapping.majority_tree`).

    Returns (result bit per leading index, number of majority writes per result).
    """
    bits = np.asarray(bits, dtype=np.uint8)
    n_writes = 0
    while True:
        n = bits.shape[-1]
        full = (n // MAJORITY_FANIN) * MAJORITY_FANIN
        outs = []
        if full:
            g = bits[..., :full].reshape(bits.shape[:-1] + (full // MAJORITY_FANIN, MAJORITY_FANIN))
            outs.append(write_driver(g))
        if n > full:
            outs.append(write_driver(_pad_group(bits[..., full:]))[..., None])
        bits = np.concatenate(outs, axis=-1)
        n_writes += bits.shape[-1]
        if bits.shape[-1] == 1:
            return bits[..., 0], n_writes


def corn_majority_mismatch(network="cifar10-bnn", samples: int = 20000, seed: int = 0,
                           layers=None) -> dict:
    """Mismatch rate of the majority tree vs sign(popcount) on a network's binary layers.

    For each Conv/FC layer after the first (and before the last, which CORN does not binarize),
    draw a random +-1 input map and +-1 weights, take ``samples`` random (output pixel,
    output channel) pairs, form their XNOR windows (padding with -1, the only value a binary
    map can hold), and compare the tree with sign(popcount). Returns
    {layer: {"window", "tree", "samples", "mismatches", "rate", "ties"}}.
    """
    net = get_network(network)
    rng = np.random.default_rng(seed)
    comp = net.compute_layers()
    todo = comp[1:-1] if layers is None else [net[n] for n in layers]
    out = {}
    for l in todo:
        if isinstance(l, Conv):
            x = rng.integers(0, 2, size=l.in_shape, dtype=np.uint8)
            wt = rng.integers(0, 2, size=(l.out_ch, l.window), dtype=np.uint8)
            cols = im2col(x, l.kernel, l.stride, l.padding, pad_value=0)
            cols = cols.reshape(-1, l.window)
            pix = rng.integers(0, cols.shape[0], size=samples)
        else:
            x = rng.integers(0, 2, size=(1, l.in_features), dtype=np.uint8)
            wt = rng.integers(0, 2, size=(l.out_features, l.in_features), dtype=np.uint8)
            cols = x
            pix = np.zeros(samples, dtype=np.int64)
        och = rng.integers(0, wt.shape[0], size=samples)
        xn = 1 - (cols[pix] ^ wt[och])                     # XNOR bits (samples, N)
        ref = sign_popcount(xn)
        tree, writes = majority_tree_eval(xn)
        mism = int(np.count_nonzero(tree != ref))
        ties = int(np.count_nonzero(2 * xn.sum(axis=1, dtype=np.int64) == xn.shape[1]))
        assert writes == sum(majority_tree(l.window))
        out[l.name] = {"window": l.window, "tree": majority_tree(l.window), "samples": samples,
                       "mismatches": mism, "rate": mism / samples, "ties": ties}
    return out


# ------------------------------------------------------------------------------------------
# (c) 2x2 max-pool by threshold write

MAXPOOL_CONST = (1, 1, 1, 1, 0)   # [o1..o5] = [11110], CORN III-B


def threshold_maxpool(bits: np.ndarray) -> np.ndarray:
    """2x2/2 max-pool of a binary map (C, H, W) by the nine-input write driver with
    [o1..o5] = [11110] and the window's four bits on the other four NMOS."""
    c, h, w = bits.shape
    if h % 2 or w % 2:
        raise ParameterError("bits", f"height and width must be even, got {bits.shape}")
    win = bits.reshape(c, h // 2, 2, w // 2, 2).transpose(0, 1, 3, 2, 4).reshape(c, h // 2, w // 2, 4)
    const = np.broadcast_to(np.array(MAXPOOL_CONST, dtype=bits.dtype), win.shape[:-1] + (5,))
    return write_driver(np.concatenate([const, win], axis=-1))


def maxpool_numpy(x: np.ndarray, size: int = 2) -> np.ndarray:
    """Plain numpy non-overlapping max-pool of (C, H, W)."""
    c, h, w = x.shape
    return x.reshape(c, h // size, size, w // size, size).max(axis=(2, 4))


# ------------------------------------------------------------------------------------------
# (d) The reduction beyond nine inputs: hierarchical majority-of-nine on biased inputs

#: input biases of the measurement (probability of a '1' XNOR bit = 1/2 +- bias)
REDUCTION_BIASES = (0.0, 0.05, 0.10, 0.20)


def _const_on(r: int, fanin: int = MAJORITY_FANIN) -> int:
    """Constant 'on' driver inputs padding a group of r real bits (:func:`_pad_group`)."""
    pad = fanin - r
    return pad // 2 + pad % 2


def tree_joint(n: int, p: float, fanin: int = MAJORITY_FANIN) -> np.ndarray:
    """Exact joint distribution J[b, c] = P(tree output b, popcount c) of the hierarchical
    majority (:func:`majority_tree_eval`) over n independent bits, each 1 with probability p.

    Level by level, each node's (output bit, bit count of its subtree) distribution is
    convolved over its (at most nine) children; nodes with identical subtrees share one
    computation, so a 8192-bit window costs milliseconds.
    """
    if not 0.0 <= p <= 1.0:
        raise ParameterError("p", f"must be in [0, 1], got {p!r}")
    sizes = [fanin] * (n // fanin) + ([n % fanin] if n % fanin else [])
    dists: list[np.ndarray] = []
    leaf: dict = {}
    nodes = []
    for r in sizes:                      # level 1: binomial counts, switch iff >= (fanin+1)/2
        if r not in leaf:
            c = np.arange(r + 1)
            pmf = np.array([math.comb(r, k) * p ** k * (1 - p) ** (r - k) for k in c])
            d = np.zeros((2, r + 1))
            on = (c + _const_on(r, fanin)) >= (fanin + 1) // 2
            d[1, on], d[0, ~on] = pmf[on], pmf[~on]
            leaf[r] = len(dists)
            dists.append(d)
        nodes.append(leaf[r])
    while len(nodes) > 1:
        cache: dict = {}
        parents = []
        for k in range(0, len(nodes), fanin):
            group = tuple(nodes[k:k + fanin])
            if group not in cache:
                cache[group] = len(dists)
                dists.append(_combine([dists[g] for g in group], fanin))
            parents.append(cache[group])
        nodes = parents
    return dists[nodes[0]]


def _convolve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Convolution of two probability vectors (FFT for long ones; rounding noise ~1e-16)."""
    if a.size * b.size < 200_000:
        return np.convolve(a, b)
    n = a.size + b.size - 1
    nfft = 1 << (n - 1).bit_length()
    out = np.fft.irfft(np.fft.rfft(a, nfft) * np.fft.rfft(b, nfft), nfft)[:n]
    return np.clip(out, 0.0, None)


def _combine(children: list, fanin: int) -> np.ndarray:
    """(bit, count) distribution of a majority node over its children's distributions."""
    m = len(children)
    state = np.zeros((m + 1, 1))
    state[0, 0] = 1.0
    for d in children:
        width = state.shape[1] + d.shape[1] - 1
        new = np.zeros((m + 1, width))
        for k in range(m):
            if not state[k].any():
                continue
            for b in (0, 1):
                new[k + b] += _convolve(state[k], d[b])
        state = new
    out = np.zeros((2, state.shape[1]))
    for k in range(m + 1):
        out[int(k + _const_on(m, fanin) >= (fanin + 1) // 2)] += state[k]
    return out


def reduction_mismatch_exact(n: int, bias: float, fanin: int = MAJORITY_FANIN) -> dict:
    """Exact mismatch of the majority tree on n iid bits, P(1) = 1/2 + bias or 1/2 - bias
    (each direction half of the outputs), against

    * ``sign``: sign(popcount) = [2 c >= n] (ties -> +1, sign(0) = +1), and
    * ``batchnorm``: a centred batch-norm threshold [c >= n p]: a trained BN shifts each
      channel by its mean pre-activation (beta = 0), so the threshold follows the bias.
    """
    c = None
    out = {"sign": 0.0, "batchnorm": 0.0}
    for p in (0.5 + bias, 0.5 - bias):
        j = tree_joint(n, p, fanin)
        c = np.arange(j.shape[1])
        for name, ref in (("sign", 2 * c >= n), ("batchnorm", c >= n * p - 1e-9)):
            out[name] += 0.5 * float(j[0, ref].sum() + j[1, ~ref].sum())
    return out


def reduction_mismatch_mc(n: int, bias: float, samples: int, seed: int = 0) -> dict:
    """Monte Carlo of :func:`reduction_mismatch_exact` through the bit-exact emulation
    (:func:`majority_tree_eval`): counts and rates with the same two references."""
    rng = np.random.default_rng(seed)
    direction = rng.integers(0, 2, size=samples)
    p = np.where(direction == 1, 0.5 + bias, 0.5 - bias)
    bits = (rng.random((samples, n)) < p[:, None]).astype(np.uint8)
    tree, _ = majority_tree_eval(bits)
    c = bits.sum(axis=1, dtype=np.int64)
    out = {"samples": samples}
    for name, ref in (("sign", 2 * c >= n), ("batchnorm", c >= n * p - 1e-9)):
        k = int(np.count_nonzero(tree != ref.astype(np.uint8)))
        out[name] = {"mismatches": k, "rate": k / samples}
    return out


def reduction_table(network="cifar10-bnn", biases=REDUCTION_BIASES) -> dict:
    """Exact mismatch per binary layer window of ``network`` (all Conv/FC layers but the first
    and the last) and per input bias: {layer: {"window", "tree", bias: {sign, batchnorm}}}."""
    net = get_network(network)
    out = {}
    for l in net.compute_layers()[1:-1]:
        out[l.name] = {"window": l.window, "tree": majority_tree(l.window),
                       **{b: reduction_mismatch_exact(l.window, b) for b in biases}}
    return out

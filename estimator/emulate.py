"""Bit-exact functional emulation of the mapped operations on random integer data.

(a) IMCE: a conv layer executed as the mapping says (unsigned bit-planes, AND, bitcount,
    shift, add; IMCE Eq. (3)) against a direct integer convolution.
(b) CORN: the nine-input majority write (PROGRAM switches iff >= 5 of 9 NMOS on, CORN III-B)
    against sign(popcount); the hierarchical majority tree of :mod:`.mapping` for windows of
    more than 9 inputs, with its mismatch rate measured on real layer shapes.
(c) CORN 2x2 max-pool by threshold write ([o1..o5] = [11110]) against numpy max-pooling.

Binary values: bits b in {0, 1} stand for {-1, +1}; sign(0) = +1.
"""

from __future__ import annotations

import numpy as np

from spincim.errors import ParameterError
from spincim.estimator.mapping import MAJORITY_FANIN, majority_tree
from spincim.estimator.networks import Conv, get_network

__all__ = ["im2col", "conv_direct", "imce_conv", "write_driver", "majority9", "majority_tree_eval",
           "sign_popcount", "threshold_maxpool", "maxpool_numpy", "corn_majority_mismatch"]


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
    ops["read"] = acc.size
    return acc.T.reshape(o, oh, ow), ops


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

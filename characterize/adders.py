"""Gate counts of digital blocks built from full adders: pure integer arithmetic.

Kept apart from :mod:`spincim.characterize.periphery` (which simulates the gates in ngspice)
so that the estimator can size popcounts and adders without importing the circuit stack.
"""

from __future__ import annotations

from ..errors import ParameterError

__all__ = ["check_n", "fa_tree_counts", "popcount_tree_counts", "popcount_cost",
           "ripple_adder_cost", "dff_bank_cost", "adder_tree_cost"]


def check_n(n: int) -> int:
    """``n`` if it is an integer >= 1, else ``ParameterError``."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ParameterError("n", f"must be an integer >= 1, got {n!r}")
    return n


def fa_tree_counts(n: int) -> tuple[int, int, int]:
    """(full adders, half adders, depth in adder delays) of an n-input popcount tree.

    Column compression (Wallace/Dadda style): in each weight column, while it holds >= 3
    bits, a full adder takes the three earliest-arriving bits (1 sum bit stays, 1 carry
    moves up); a column left with 2 bits gets a half adder. Each FA removes exactly one
    bit and each HA none, and the result has bit_length(n) bits, so
    **n_FA = n - bit_length(n)** (e.g. 7 -> 4, 8 -> 4, 64 -> 57). Depth: arrival times
    with every adder (FA or HA) counted as one FA delay.
    """
    check_n(n)
    cols: dict[int, list[int]] = {0: [0] * n}
    n_fa = n_ha = 0
    w = 0
    while w in cols:
        col = sorted(cols[w])
        while len(col) >= 3:
            a, b, c = col[0], col[1], col[2]
            t = max(a, b, c) + 1
            col = sorted([*col[3:], t])
            cols.setdefault(w + 1, []).append(t)
            n_fa += 1
        if len(col) == 2:
            t = max(col) + 1
            col = [t]
            cols.setdefault(w + 1, []).append(t)
            n_ha += 1
        cols[w] = col
        w += 1
    depth = max(max(c) for c in cols.values() if c)
    return n_fa, n_ha, depth


def popcount_tree_counts(n: int) -> tuple[int, int]:
    """(full adders, depth in FA delays) of a binary adder tree over n = 2^L one-bit inputs.

    Level j = 1..L adds n / 2^j pairs of j-bit numbers with j-bit ripple adders (j FA
    each; the level-1 half adders are costed as FA):
    **n_FA = sum_j j n / 2^j = 2n - L - 2** (64 -> 120). Depth: the
    ripple adders are timed in series, sum_j j = L (L + 1) / 2 FA delays (conservative:
    carry chains of successive levels overlap in reality).
    """
    check_n(n)
    if n < 2 or n & (n - 1):
        raise ParameterError("n", f"must be a power of two >= 2, got {n!r}")
    levels = n.bit_length() - 1
    n_fa = sum(j * (n >> j) for j in range(1, levels + 1))
    return n_fa, levels * (levels + 1) // 2


# ----------------------------------------------------------------------------- cost formulas
# (energy, latency) of a block from its gate's energy/latency; scalars or numpy arrays.
def popcount_cost(n: int, e_fa, t_fa):
    """Popcount of ``n`` bits as a full-adder tree (:func:`fa_tree_counts`): every half
    adder costed as a full adder (upper bound); (n_FA + n_HA) x E_fa, depth x t_fa."""
    n_fa, n_ha, depth = fa_tree_counts(n)
    return (n_fa + n_ha) * e_fa, depth * t_fa


def ripple_adder_cost(n: int, e_fa, t_fa):
    """n-bit ripple-carry adder (or comparator): n FA; n x E_fa, n x t_fa (carry chain)."""
    check_n(n)
    return n * e_fa, n * t_fa


def dff_bank_cost(n: int, e_dff, t_dff):
    """n DFFs clocked once (register write or 1-position shift): n x E_dff, one clk-to-q."""
    check_n(n)
    return n * e_dff, t_dff


def adder_tree_cost(n: int, e_fa, t_fa):
    """Binary tree of ripple adders over n = 2^L bits (:func:`popcount_tree_counts`)."""
    n_fa, depth = popcount_tree_counts(n)
    return n_fa * e_fa, depth * t_fa

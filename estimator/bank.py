"""Bank organization: sub-arrays (mats) of one bank, its H-tree, and the per-access costs.

An architecture with a ``[bank]`` table (:mod:`spincim.estimator.arch`) places every
memory array the estimate counts (compute arrays, Kernel/Image Bank arrays, CORN buffers)
as the mats of one square bank:

* **area and side**: the bank's area A is the sum of the estimate's memory-array areas
  (cells, sense amplifiers, row drivers, add-on logic); side S = sqrt(A);
* **H-tree**: N mats are the leaves of an H-tree of L = ceil(log2 N) levels in the S x S
  square; the branch from level k-1 to level k is S / 2^(ceil(k/2) + 1) long (S/4, S/4,
  S/8, S/8, ...: horizontal and vertical halvings), so the root-to-leaf path is
  sum_k S / 2^(ceil(k/2) + 1) (-> S for many levels); ``bank.htree_length_m`` overrides
  this root-to-leaf length;
* **a bit moved** between two mats (Image/Kernel Bank -> compute array, results back, data
  to the DPU) travels leaf -> root -> leaf: twice the root-to-leaf path of repeated global
  wire (LUT ``global_wire``, per mm), one fork per level on each side (LUT
  ``htree_segment`` minus one spacing of wire, i.e. the extra branch repeater), and one
  launch by the bank I/O driver (LUT ``bank_io_driver``); energies are per transition,
  times the data activity ``bank.activity`` (1/2: a uniformly random bit toggles the line
  with probability 1/2);
* **an access** (a row read or written anywhere in the bank) also selects its mat: the
  LUT ``decoder`` at the smallest grid row count >= N (an upper bound for N below the
  grid);
* **leakage**: every mat leaks its cells and periphery (LUT ``leakage_cells`` +
  ``leakage_periphery`` at the operating point and the mat's rows x cols) during the whole
  image: energy = N_mats x P x latency.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["BankOrg", "htree_branches_m", "organize", "ACCESS_OPS", "MOVED_OPS",
           "INTERCONNECT_OPS"]

#: mapping ops that are one row access somewhere in the bank
ACCESS_OPS = ("row_write", "row_read", "bank_row_read", "bank_row_write", "kernel_row_read",
              "sum_i_row_read", "buffer_row_read", "buffer_row_write")
#: mapping ops whose bits cross the bank between two mats (one bit each)
MOVED_OPS = ("bank_read", "kernel_read", "bank_write", "buffer_read", "buffer_write")
#: LUT ops the bank accounting reads (and the command that adds them)
INTERCONNECT_OPS = ("global_wire", "htree_segment", "bank_io_driver", "leakage_cells",
                    "leakage_periphery")


def htree_branches_m(n_leaves: int, side_m: float) -> tuple[float, ...]:
    """Branch lengths (m) on a root-to-leaf path of the H-tree of ``n_leaves`` mats in a
    square of side ``side_m`` (module docstring); empty for one mat."""
    levels = math.ceil(math.log2(n_leaves)) if n_leaves > 1 else 0
    return tuple(side_m / 2 ** (math.ceil(k / 2) + 1) for k in range(1, levels + 1))


@dataclass(frozen=True)
class BankOrg:
    """One bank: mats, area, side and its H-tree (SI units)."""

    mats: int
    area_m2: float
    side_m: float
    branches_m: tuple
    htree_length_m: float          # root-to-leaf path used (derived or overridden)
    rows: int
    cols: int

    @property
    def levels(self) -> int:
        return len(self.branches_m)

    def to_json(self) -> dict:
        return {"mats": self.mats, "area_m2": self.area_m2, "side_m": self.side_m,
                "htree_levels": self.levels, "htree_length_m": self.htree_length_m,
                "htree_branches_m": list(self.branches_m), "rows": self.rows,
                "cols": self.cols}


def organize(mats: int, area_m2: float, rows: int, cols: int,
             htree_length_m: float | None = None) -> BankOrg:
    """The bank of ``mats`` sub-arrays covering ``area_m2`` (see the module docstring)."""
    mats = max(int(mats), 1)
    side = math.sqrt(max(area_m2, 0.0))
    branches = htree_branches_m(mats, side)
    length = sum(branches) if htree_length_m is None else float(htree_length_m)
    return BankOrg(mats=mats, area_m2=float(area_m2), side_m=side, branches_m=branches,
                   htree_length_m=length, rows=rows, cols=cols)

"""Energy, latency and area per image from a :class:`~spincim.estimator.mapping.Mapping` and a LUT.

Every energy and delay below is a LUT value (at the architecture's operating point) times a
count from the mapping; the organization comes from the architecture description
(:mod:`spincim.estimator.arch`). Nothing is fitted to a paper; paper figures used as inputs
(CORN's host rate) are marked in the shipped descriptions.

Pricing rules (each a sum of LUT entries):

* **Column logic** (``and2``/``xnor2`` per column, ``read`` per bit): the LUT's
  ``column_<op>`` at the array's real row count, the sense path simulated with its column
  as a wire of that many rows (:func:`spincim.characterize.ops.column_read_ops`). A LUT
  without those ops (built before them) prices the lumped sense op (its own 10 fF) plus
  the ``bitline`` op at the array's rows.
* **Rows**: a two-row logic activation costs one decode and two word lines (IMCE III-B: two
  single-line decoders ORed; the one holding the input row C_m(I) keeps its address while
  the other steps through the kernel rows); a row read or write one decode and one word
  line, all at the array's rows x cols. The LUT's decode flips every address bit: an upper
  bound for stepping to the next row.
* **Writes**: one SOT write per bit (mean of the LUT's two directions) plus the LUT's
  ``write_column`` at the array's row count (the transistor write driver and the longer
  WBL/SL over the write op's ideal-source 4-row column; ``Estimate.write_path`` reports
  the write rail it takes, whether it exceeds VDD and whether the column reaches the write
  current at all); the 22 nm LUT has no plain write, so a PE write there is the buffer PRESET, the
  same full-current SOT write.
* **Bit-Counter / popcount**: full-adder trees of each segment's width; Shifter and
  registers: DFFs of the word width; adds and compares: ripple adders of the word width
  (:mod:`spincim.characterize.adders`, at the LUT's ``fa``/``dff`` values).
* **Majority (CORN)**: PRESET + PROGRAM per buffer cell, the PROGRAM energy averaged over
  the number of inputs on for random XNOR bits (binomial(9, 1/2)); a buffer step lasts the
  PRESET + the longest PROGRAM latency + one row activation. The design is the
  description's ``buffer.majority`` (:mod:`spincim.netlists.majority_designs`): its LUT
  ops replace CORN's; a ``decide`` design has no PRESET, its decide-and-write op is
  averaged the same way, and a max-pool write is that op at five inputs on. Norm-Bin after a majority
  decides one bit (only the sign of gamma is left): one 2-input XOR, priced as one full
  adder (the LUT has no XOR2 op; an FA's sum is a 3-input XOR, an upper bound).
* **Banks** (IMCE Kernel/Image Bank): memory arrays of the compute array's size and cell.
* **Host**: the description's energy per MAC and MAC rate; ``host.overlap`` lets the host
  work on the next image, so the image interval is max(host, accelerator).
* **Latency**: per layer the sum of its phases; a pipelined phase lasts as long as its
  slowest stage (count x step time), with ``timing.clock_hz`` every step is rounded up to
  whole clock periods. Layers run one after another.
* **Bank** (only with a ``[bank]`` table, :mod:`spincim.estimator.bank`): every memory
  array is a mat of one square bank of the estimate's area; each bit moved between mats
  (``bank_read``, ``kernel_read``, ``bank_write``, ``buffer_read``, ``buffer_write``) pays
  the H-tree (repeated global wire, forks, the bank I/O driver) x ``bank.activity``, each
  row access the mat decoder (category ``interconnect``); every mat leaks (cells and
  periphery) for the whole latency (category ``leakage``). The transfer of a row's bits is
  one more pipeline stage beside the row access (hidden by a pipelined phase unless it is
  the slowest stage, added otherwise).
* **Area**: compute arrays (a pool of ``array.parallel`` with a kernel bank, or every
  layer's own arrays when kernels are stationary) with their sense amplifiers, row drivers
  and add-on logic, the banks, CORN's buffers and write drivers, the DPU lanes.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from spincim.characterize.adders import (dff_bank_cost, fa_tree_counts, popcount_cost,
                                         popcount_tree_counts, ripple_adder_cost)
from spincim.errors import LutError, ParameterError
from spincim.estimator import bank as B
from spincim.estimator.arch import (Architecture, describe, get_arch, parse_bits,
                                    with_overrides)
from spincim.estimator.mapping import LayerOps, Mapping, map_network
from spincim.estimator.networks import Pool, get_network

__all__ = ["CATEGORIES", "DEFAULT_LUTS", "LayerEstimate", "Estimate", "Pricer", "bit_write",
           "column_sense", "estimate",
           "parse_bits", "resolve_lut"]

#: energy breakdown categories (IMCE Fig. 9b: W/R, AND, bitcount, add; plus CORN's parts)
CATEGORIES = ("write_read", "and_xnor", "bitcount_popcount", "add", "majority_write", "dpu",
              "host", "interconnect", "leakage")

#: shipped LUT of each shipped architecture (kept for callers of the old API)
DEFAULT_LUTS = {"imce": "default_45nm.h5", "corn": "default_22nm.h5",
                "imc-dpu": "default_22nm.h5"}

_CELL = {"imce": "sot_2t1r_cell", "corn": "corn_3t_cell", "imc-dpu": "corn_3t_cell"}

# The adder-tree formulas are pure functions of their arguments and cost O(n log n) to
# evaluate: a sweep of a thousand points meets the same few widths again and again.
_popcount_cost = functools.lru_cache(maxsize=4096)(popcount_cost)
_fa_tree_counts = functools.lru_cache(maxsize=256)(fa_tree_counts)


# ----------------------------------------------------------------------------- LUT lookups
class Pricer:
    """LUT lookups at one operating point, cached (a sweep shares one Pricer per LUT).

    A coordinate on the LUT grid is read from the table directly; anything else goes
    through :func:`spincim.lut.interp.value` (linear interpolation, range checks). The
    direct read keeps a single estimate free of SciPy's start-up time."""

    def __init__(self, lut, path: str = "<in memory>", sha256: str = "") -> None:
        self.lut, self.path, self.sha256 = lut, path, sha256
        self._cache: dict = {}

    def get(self, op: str, quantity: str, arch_name: str = "", **coords) -> float:
        key = (op, quantity, tuple(sorted(coords.items())))
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._lookup(op, quantity, coords, arch_name)
        return hit

    def _lookup(self, op: str, quantity: str, coords: dict, arch_name: str) -> float:
        lut = self.lut
        if op not in lut.ops:
            raise LutError(lut.label(), f"architecture {arch_name!r} needs op {op!r}, which "
                                        f"this LUT lacks (ops: {', '.join(sorted(lut.ops))})")
        table = lut.ops[op]
        index = []
        for name, x in coords.items():
            if name not in lut.axes or not np.any(lut.axes[name].values == x):
                return self._interp(op, quantity, coords)
        for name in table.axes:
            axis = lut.axes[name]
            x = coords.get(name, axis.nominal)
            hits = np.flatnonzero(axis.values == x) if x is not None else ()
            if len(hits) != 1:
                return self._interp(op, quantity, coords)
            index.append(int(hits[0]))
        return float(getattr(table, quantity)[tuple(index)])

    def _interp(self, op: str, quantity: str, coords: dict) -> float:
        from spincim.lut import interp

        return interp.value(self.lut, op, quantity, **coords)


def column_sense(get, sense: str, rows: int, ops) -> float:
    """One column sense (``read``/``and2``/``or2``/``xnor2``) of a ``rows``-row column by
    ``get(op, **axes)`` (one quantity of a LUT op): the LUT's ``column_<sense>`` at
    ``rows`` (``characterize.ops.column_op_name``), or for a LUT without it (``ops``: its
    op names) the lumped sense op plus the ``bitline`` op."""
    column = f"column_{sense}"
    if column in ops:
        return get(column, rows=rows)
    return get(sense) + get("bitline", rows=rows)


def bit_write(get, quantity: str, rows: int, ops) -> float:
    """One SOT bit write by ``get(op, **axes)``: the write ops' mean (energy) or larger
    (latency) direction plus ``write_column`` at ``rows`` (0 for a LUT without it, which
    prices the write op's own short column only); the PRESET where no write op exists."""
    if "write_p_to_ap" not in ops:
        return get("preset")
    pair = (get("write_p_to_ap"), get("write_ap_to_p"))
    cell = 0.5 * sum(pair) if quantity == "energy_j" else max(pair)
    return cell + (get("write_column", rows=rows) if "write_column" in ops else 0.0)


class _Units:
    """Unit costs (J, s) of one architecture from a :class:`Pricer`."""

    def __init__(self, pricer: Pricer, arch: Architecture) -> None:
        self.p, self.arch = pricer, arch
        self.coords = arch.operating.coords()
        a = arch.array
        self.R, self.C = a.rows, a.cols
        b = arch.buffer
        self.BR, self.BC = (b.rows, b.cols) if b else (a.rows, a.cols)
        self._memo: dict = {}
        self.bank: B.BankOrg | None = None

    # -- bank (estimator/bank.py)
    def _need(self, op: str) -> None:
        if op not in self.p.lut.ops:
            raise LutError(self.p.lut.label(), f"architecture {self.arch.name!r} has a [bank] "
                           f"table and needs op {op!r}, which this LUT lacks; rebuild it with "
                           f"'spincim lut build' (step interconnect_ops) or drop [bank]")

    def _spacing_mm(self) -> float:
        cal = (self.p.lut.provenance.get("parameters", {}) or {}).get("calibrations", {})
        spacing = (cal.get("htree_segment") or {}).get("repeater_spacing_m")
        if not spacing:
            raise LutError(self.p.lut.label(), "op 'htree_segment' has no repeater spacing "
                           "in the provenance (calibrations.htree_segment."
                           "repeater_spacing_m); rebuild with 'spincim lut build'")
        return float(spacing) * 1e3

    def moved_bit(self) -> tuple[float, float]:
        """(energy per moved bit x activity, its delay): leaf -> root -> leaf."""
        def compute():
            for op in ("global_wire", "htree_segment", "bank_io_driver"):
                self._need(op)
            bank, s_mm = self.bank, self._spacing_mm()
            e_w, t_w = self.e("global_wire"), self.t("global_wire")
            e_fork = max(self.e("htree_segment") - e_w * s_mm, 0.0)
            t_fork = max(self.t("htree_segment") - t_w * s_mm, 0.0)
            l_mm = bank.htree_length_m * 1e3
            e = 2 * (l_mm * e_w + bank.levels * e_fork) + self.e("bank_io_driver")
            t = 2 * (l_mm * t_w + bank.levels * t_fork) + self.t("bank_io_driver")
            return self.arch.bank.activity * e, t
        return self.memo("moved_bit", compute)

    def mat_decoder(self) -> tuple[float, float]:
        """Mat select per access: the LUT decoder at the smallest grid rows >= mats."""
        def compute():
            rows = self.p.lut.axes["rows"].values
            fit = rows[rows >= self.bank.mats]
            n = float(fit[0] if len(fit) else rows[-1])
            return self.e("decoder", rows=n), self.t("decoder", rows=n)
        return self.memo("mat_decoder", compute)

    def leakage_w(self) -> float:
        """Leakage power of the whole bank (W): mats x (cells + periphery)."""
        def compute():
            total = 0.0
            for op in ("leakage_cells", "leakage_periphery"):
                self._need(op)
                axes = {"subarray_rows": float(self.R), "subarray_cols": float(self.C)}
                total += self.e(op, **axes) / self.t(op, **axes)
            return self.bank.mats * total
        return self.memo("leak", compute)

    def e(self, op: str, **axes) -> float:
        return self._get(op, "energy_j", axes)

    def t(self, op: str, **axes) -> float:
        return self._get(op, "latency_s", axes)

    def _get(self, op: str, quantity: str, axes: dict) -> float:
        try:
            return self.p.get(op, quantity, self.arch.name, **self.coords, **axes)
        except ParameterError as exc:    # an operating point off the LUT: name the key
            if exc.field in self.coords:
                raise ParameterError(f"operating.{exc.field}", exc.message) from None
            raise

    def memo(self, key, fn):
        out = self._memo.get(key)
        if out is None:
            out = self._memo[key] = fn()
        return out

    # -- cells and lines
    def _getter(self, quantity: str):
        return lambda op, **axes: self._get(op, quantity, axes)

    def write_e(self) -> float:
        """One SOT bit write (:func:`bit_write`) into the array's column."""
        return bit_write(self._getter("energy_j"), "energy_j", self.R, self.p.lut.ops)

    def write_t(self) -> float:
        return bit_write(self._getter("latency_s"), "latency_s", self.R, self.p.lut.ops)

    def _col(self, sense: str, rows: int, quantity: str) -> float:
        return column_sense(self._getter(quantity), sense, rows, self.p.lut.ops)

    def col_e(self, sense: str, rows: int) -> float:
        """One column sense (``read``/``and2``/``xnor2``) of a ``rows``-row column: the
        LUT's ``column_<sense>`` at ``rows``, or for a LUT without it the lumped sense op
        plus the ``bitline`` op."""
        return self._col(sense, rows, "energy_j")

    def col_t(self, sense: str, rows: int) -> float:
        """Latency of :meth:`col_e`."""
        return self._col(sense, rows, "latency_s")

    def act_e(self, rows: int, cols: int, lines: int = 1) -> float:
        """``lines`` decodes + word lines of a rows x cols array."""
        return lines * (self.e("decoder", rows=rows) + self.e("wordline", cols=cols))

    def act_t(self, rows: int, cols: int) -> float:
        return self.t("decoder", rows=rows) + self.t("wordline", cols=cols)

    # -- CMOS blocks
    def adder(self, bits: int) -> tuple[float, float]:
        return self.memo(("add", bits),
                         lambda: ripple_adder_cost(max(bits, 1), self.e("fa"), self.t("fa")))

    def register(self, bits: int) -> float:
        return self.memo(("reg", bits),
                         lambda: dff_bank_cost(max(bits, 1), self.e("dff"), self.t("dff"))[0])

    def popcount(self, n: int) -> tuple[float, float]:
        return self.memo(("pop", n), lambda: _popcount_cost(n, self.e("fa"), self.t("fa")))

    # -- CORN buffer: the architecture's majority design (buffer.majority)
    def majority_entry(self):
        """Registry entry of the majority design (``corn`` without a buffer)."""
        from spincim.netlists import majority_designs

        name = self.arch.buffer.majority if self.arch.buffer else majority_designs.DEFAULT_DESIGN
        return majority_designs.entry(name, field_name="buffer.majority")

    def _require(self, op: str) -> None:
        if op not in self.p.lut.ops:
            self.e(op)                                 # raises the LutError naming it

    def majority_program(self) -> tuple[float, float]:
        """(mean energy over binomial(9, 1/2) inputs on, longest latency) of the majority
        step after its PRESET: a threshold design's PROGRAM, a decide design's whole
        decide-and-write."""
        def compute():
            entry = self.majority_entry()
            op = entry.ops["program"] if entry.kind == "threshold" else entry.ops["write"]
            self._require(op)
            counts = self.p.lut.axes["n_on"].values.astype(int)
            weights = np.array([math.comb(9, int(k)) for k in counts], float) / 2 ** 9
            e = [self.e(op, n_on=float(k)) for k in counts]
            t = [self.t(op, n_on=float(k)) for k in counts]
            return float(np.dot(weights, e) / weights.sum()), max(t)
        return self.memo("majority", compute)

    def preset_cost(self) -> tuple[float, float]:
        """(energy, latency) of the PRESET before a majority: none for a decide design
        (its bipolar write needs none)."""
        entry = self.majority_entry()
        if entry.kind != "threshold":
            return 0.0, 0.0
        return self.e(entry.ops["preset"]), self.t(entry.ops["preset"])

    def maxpool_cost(self) -> tuple[float, float]:
        """(energy, latency) of a max-pool write ([o1..o5] = [11110]): a threshold
        design's op, a decide design's write at n_on = 5 (one window bit set)."""
        entry = self.majority_entry()
        if entry.kind == "threshold":
            return self.e(entry.ops["maxpool"]), self.t(entry.ops["maxpool"])
        self._require(entry.ops["write"])
        return (self.e(entry.ops["write"], n_on=5.0), self.t(entry.ops["write"], n_on=5.0))

    # -- stage times
    def stage_t(self, stage: str) -> float:
        return self.memo(("stage", stage), lambda: self._clocked(self._stage_t(stage)))

    def _clocked(self, t: float) -> float:
        f = self.arch.timing.clock_hz
        return math.ceil(t * f * (1 - 1e-12)) / f if f > 0 else t

    def _stage_t(self, stage: str) -> float:
        kind, _, arg = stage.partition(":")
        R, C, BR, BC = self.R, self.C, self.BR, self.BC
        if kind == "row_write":
            return self.write_t() + self.act_t(R, C)
        if kind == "row_read":
            return self.act_t(R, C) + self.col_t("read", R)
        if kind == "row_op":
            return self.act_t(R, C) + self.col_t(arg, R)
        if kind == "popcount":
            return self.popcount(int(arg))[1]
        if kind in ("add", "dpu"):
            return self.adder(int(arg))[1]
        if kind == "buffer_step":
            return self.preset_cost()[1] + self.majority_program()[1] + self.act_t(BR, BC)
        if kind == "buffer_row_read":
            return self.act_t(BR, BC) + self.col_t("read", BR)
        if kind == "maxpool_step":
            return self.preset_cost()[1] + self.maxpool_cost()[1] + self.act_t(BR, BC)
        if kind == "host_mac":
            return 1.0 / self.arch.host.mac_per_s
        if kind == "htree":
            return self.moved_bit()[1] + self.mat_decoder()[1]
        if kind == "dpu_mac":
            w, i, bits = (int(x) for x in arg.split(":"))
            return (w + i + bits) * self.t("fa")
        raise ValueError(f"unknown stage {stage!r}")   # a mapping bug, not user input


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class LayerEstimate:
    """One layer: op counts (from the mapping), energy by category (J), latency (s)."""

    name: str
    where: str
    ops: dict
    energy_by_category: dict
    latency_s: float
    arrays: int = 0
    note: str = ""
    phases: tuple = ()    # (phase, seconds, slowest stage, its steps, seconds per step)

    @property
    def phases_s(self) -> tuple:
        """(phase name, seconds) on the critical path."""
        return tuple((p[0], p[1]) for p in self.phases)

    @property
    def energy_j(self) -> float:
        return float(sum(self.energy_by_category.values()))


@dataclass(frozen=True)
class Estimate:
    """Per-image energy, latency, throughput and area of one network on one architecture."""

    network: str
    arch: str
    bits: str
    layers: tuple
    area_by_component: dict
    weight_load_j: float
    lut_path: str
    lut_sha256: str
    architecture: Architecture
    cell_area_m2: float = 0.0
    #: the LUT's technology (its node), e.g. ``ptm_45nm``
    lut_technology: str = ""
    bank: dict = field(default_factory=dict)
    #: :func:`spincim.estimator.reliability.bit_errors_per_image` (None: the LUT has no
    #: reliability table; ``bit_errors_note`` then says why and how to add it)
    bit_errors: dict | None = None
    bit_errors_note: str = ""
    #: :func:`write_path` of the array's rows (None: the LUT has no ``write_column``)
    write_path: dict | None = None

    @property
    def energy_per_image_j(self) -> float:
        return float(sum(l.energy_j for l in self.layers))

    @property
    def latency_per_image_s(self) -> float:
        return float(sum(l.latency_s for l in self.layers))

    @property
    def host_latency_s(self) -> float:
        return float(sum(l.latency_s for l in self.layers if l.where == "host"))

    @property
    def image_interval_s(self) -> float:
        """Time between images: with ``host.overlap`` the host works on the next image."""
        t, host = self.latency_per_image_s, self.host_latency_s
        return max(host, t - host) if self.architecture.host.overlap else t

    @property
    def area_m2(self) -> float:
        return float(sum(self.area_by_component.values()))

    def energy_by_category(self) -> dict:
        out = {c: 0.0 for c in CATEGORIES}
        for l in self.layers:
            for c, v in l.energy_by_category.items():
                out[c] += v
        return out

    def to_json(self) -> dict:
        """The ``spincim estimate --json`` document (keys are a contract; only added to)."""
        e = self.energy_per_image_j
        t = self.latency_per_image_s
        interval = self.image_interval_s
        a = self.architecture
        return {
            "network": self.network, "arch": self.arch, "bits": self.bits,
            "layers": [{"name": l.name, "where": l.where, "ops": dict(l.ops),
                        "energy_j": l.energy_j, "latency_s": l.latency_s,
                        "energy_by_category_j": dict(l.energy_by_category),
                        "arrays": l.arrays,
                        "phases_s": {name: s for name, s in l.phases_s}}
                       for l in self.layers],
            "energy_per_image_j": e,
            "latency_per_image_s": t,
            "image_interval_s": interval,
            "images_per_s": 1.0 / interval if interval > 0 else math.inf,
            "power_w": e / interval if interval > 0 else 0.0,
            "images_per_s_per_w": 1.0 / e if e > 0 else math.inf,
            "energy_by_category_j": self.energy_by_category(),
            "area_m2": self.area_m2,
            "area_by_component_m2": dict(self.area_by_component),
            "weight_load_j": self.weight_load_j,
            "hardware": {"rows": a.array.rows, "cols": a.array.cols,
                         "buffer_rows": a.buffer.rows if a.buffer else 0,
                         "replicas": a.array.parallel or max((l.arrays for l in self.layers),
                                                             default=1),
                         "dpu_lanes": a.dpu.lanes},
            "architecture": describe(a),
            "lut": {"path": self.lut_path, "sha256": self.lut_sha256,
                    "technology": self.lut_technology},
            "host_energy_share": self.energy_by_category()["host"] / e if e > 0 else 0.0,
            "host_latency_share": self.host_latency_s / t if t > 0 else 0.0,
            "bank": dict(self.bank) or None,
            "bit_errors_per_image": None if self.bit_errors is None
            else self.bit_errors["total"],
            "bit_errors_by_op": None if self.bit_errors is None
            else dict(self.bit_errors["by_op"]),
            "bit_errors_note": self.bit_errors_note,
            "write_path": self.write_path,
        }


# ----------------------------------------------------------------------------- layer energy
def _cat(**parts) -> dict:
    out = {c: 0.0 for c in CATEGORIES}
    for k, v in parts.items():
        out[k] += float(v)
    return out


def _pop_e(ops: LayerOps, u: _Units) -> float:
    return sum(n * u.popcount(width)[0] for width, n in ops.popcounts.items())


def _layer_energy(ops: LayerOps, u: _Units) -> dict:
    """Energy by category of one mapped layer (every event a count x LUT value)."""
    o = ops.ops.get
    R, C, BR, BC = u.R, u.C, u.BR, u.BC
    flow = u.arch.dataflow
    word = ops.word_bits
    e_add = u.adder(word)[0] if word else 0.0
    e_w = u.write_e() if (o("write") or o("kernel_write") or o("bank_write")
                          or o("buffer_write")) else 0.0
    bit_read = u.col_e("read", R) if (o("read") or o("bank_read") or o("kernel_read")
                                      or o("sum_i_read")) else 0.0
    write_read = (
        (o("write", 0) + o("kernel_write", 0) + o("bank_write", 0)) * e_w
        + (o("row_write", 0) + o("bank_row_write", 0)) * u.act_e(R, C)
        + (o("read", 0) + o("bank_read", 0) + o("kernel_read", 0) + o("sum_i_read", 0))
        * bit_read
        + (o("row_read", 0) + o("bank_row_read", 0) + o("kernel_row_read", 0)
           + o("sum_i_row_read", 0)) * u.act_e(R, C)
        + o("output", 0) * (u.register(word) if word else 0.0))
    if o("buffer_read"):
        write_read += (o("buffer_read") * u.col_e("read", BR)
                       + o("buffer_row_read") * u.act_e(BR, BC))
    if o("buffer_write"):              # IMC-DPU: DPU results written into the buffer
        write_read += o("buffer_write") * e_w + o("buffer_row_write") * u.act_e(R, C)
    and_xnor = 0.0
    for sense in ("and2", "xnor2"):
        if o(sense):
            and_xnor += o(sense) * u.col_e(sense, R)
    if o("row_pair"):     # one decode (the input row stays selected) + two word lines
        and_xnor += o("row_pair") * (u.e("decoder", rows=R) + 2 * u.e("wordline", cols=C))
    bitcount = _pop_e(ops, u) + o("shift", 0) * (u.register(word) if word else 0.0)
    add = (o("add", 0) + o("sum_i_add", 0) + o("sign_sub", 0)) * e_add
    majority = 0.0
    if o("majority_program"):
        majority += o("majority_program") * u.majority_program()[0]
    if o("preset"):
        majority += o("preset") * u.preset_cost()[0]
    if o("maxpool_write"):
        majority += o("maxpool_write") * u.maxpool_cost()[0]
    if flow == "corn" and o("buffer_row_write"):
        majority += o("buffer_row_write") * u.act_e(BR, BC)
    dpu = (o("batchnorm", 0) + o("quantize", 0) + o("compare", 0)) * e_add
    if o("norm_bin"):
        dpu += o("norm_bin") * (u.e("fa") if flow == "corn" else e_add)
    if o("dpu_mac"):
        w, i = ops.bits
        dpu += o("dpu_mac") * (w * i + word) * u.e("fa")
    host = 0.0
    if o("host_mac"):
        host = o("host_mac") * u.arch.host.energy_per_mac_j
    interconnect = 0.0
    if u.bank is not None:
        moved = sum(o(k, 0) for k in B.MOVED_OPS) + o("output", 0) * word
        accesses = sum(o(k, 0) for k in B.ACCESS_OPS)
        if moved:
            interconnect += moved * u.moved_bit()[0]
        if accesses:
            interconnect += accesses * u.mat_decoder()[0]
    return _cat(write_read=write_read, and_xnor=and_xnor, bitcount_popcount=bitcount, add=add,
                majority_write=majority, dpu=dpu, host=host, interconnect=interconnect)


#: pipeline stages that access a row of a mat (their bits cross the bank's H-tree)
_ROW_STAGES = ("row_write", "row_read", "buffer_row_read")


def _layer_latency(ops: LayerOps, u: _Units) -> tuple[float, tuple]:
    """(seconds, ((phase, seconds, slowest stage, its steps, its step time), ...))."""
    pipelined = u.arch.timing.pipeline
    out = []
    for ph in ops.phases:
        times = [(n * u.stage_t(stage), stage, n) for stage, n in ph.stages.items() if n]
        if u.bank is not None:      # each row access moves its bits over the H-tree
            rows = sum(n for stage, n in ph.stages.items()
                       if stage.split(":")[0] in _ROW_STAGES)
            if rows:
                times.append((rows * u.stage_t("htree"), "htree", rows))
        if not times:
            continue
        t = max(times)[0] if ph.pipelined and pipelined else sum(x[0] for x in times)
        slow, stage, n = max(times)
        out.append((ph.name, t, stage, n, slow / n))
    return sum(x[1] for x in out), tuple(out)


# ----------------------------------------------------------------------------- area
def _area(lut, name: str) -> float:
    if name not in lut.areas:
        raise LutError(lut.label(), f"no area for component {name!r}")
    return float(lut.areas[name].area_m2)


def _memory_array_area(lut, rows: int, cols: int, cell: str) -> float:
    """One memory array: cells, a sense amplifier per column, two row-driver inverters per
    row (decoder + word-line driver)."""
    return (rows * cols * _area(lut, cell) + cols * _area(lut, "sense_amplifier")
            + 2 * rows * _area(lut, "inv"))


def _areas(lut, arch: Architecture, mapping: Mapping, net) -> dict:
    a, flow = arch.array, arch.dataflow
    cell = _CELL[flow]
    compute = [l for l in mapping.layers if l.arrays]
    n_arrays = a.parallel if a.kernels == "bank" else sum(l.arrays for l in compute)
    fa, dff = _area(lut, "fa"), _area(lut, "dff")
    out = {"compute_arrays": n_arrays * _memory_array_area(lut, a.rows, a.cols, cell)}
    if flow == "imce":
        n_fa, n_ha, _ = _fa_tree_counts(a.cols)
        word = a.cols.bit_length() + 32          # wide enough for any W:I <= 16:16
        out["bitcount_shift_sum"] = n_arrays * ((n_fa + n_ha) * fa + word * (dff + fa))
    else:
        out["xnor_logic"] = n_arrays * a.cols * _area(lut, "xnor_logic")
    if flow == "corn":
        b = arch.buffer
        from spincim.netlists import majority_designs

        parts = majority_designs.entry(b.majority, field_name="buffer.majority").areas
        drv = b.drivers_per_row * sum(_area(lut, name) for name in parts)
        out["nv_buffers"] = n_arrays * b.per_pe * (
            _memory_array_area(lut, b.rows, b.cols, "corn_3t_cell") + drv)
    if flow == "imc-dpu":
        n_fa, _ = popcount_tree_counts(1 << (a.cols - 1).bit_length())
        out["dpu_popcount"] = n_arrays * n_fa * fa
    if a.kernels == "bank":
        cells = a.rows * a.cols
        kbits = sum(l.ops.get("weight_write", 0) for l in mapping.layers)
        out["kernel_bank"] = -(-kbits // cells) * _memory_array_area(lut, a.rows, a.cols, cell)
        fmap = _largest_fmap_bits(net, mapping)
        out["image_bank"] = -(-fmap // cells) * _memory_array_area(lut, a.rows, a.cols, cell)
    out["dpu_lanes"] = arch.dpu.lanes * 32 * fa
    return out


def _largest_fmap_bits(net, mapping: Mapping) -> int:
    """Image Bank: the largest input + output feature map of any layer at its precision."""
    best = 0
    prev_bits = mapping.layers[0].bits[1] if mapping.layers else 8
    for layer, ops in zip(net.layers, mapping.layers):
        c, h, w = layer.in_shape
        co, ho, wo = layer.out_shape
        out_bits = (ops.ops.get("bank_write", 0) // max(co * ho * wo, 1)) or prev_bits
        in_bits = ops.bits[1] if not isinstance(layer, Pool) else prev_bits
        best = max(best, c * h * w * in_bits + co * ho * wo * out_bits)
        prev_bits = out_bits
    return best


# ----------------------------------------------------------------------------- entry point
def resolve_lut(arch: Architecture, lut_path=None) -> Pricer:
    """Read the LUT a description names (or ``lut_path``) into a :class:`Pricer`."""
    from importlib import resources

    from spincim.lut import io

    if lut_path is not None:
        path = Path(str(lut_path))
    else:
        path, name = arch.lut_candidates()
        shipped = resources.files("spincim.lut") / "data" / name if name else None
        if not path.exists() and shipped is not None and shipped.is_file():
            path = Path(str(shipped))             # a shipped table (package data)
    return Pricer(io.read_lut(path), str(path), io.lut_sha256(path))


def _check_grid(pricer: Pricer, arch: Architecture) -> None:
    """Array sizes must be grid values of the LUT's line ops (rows, cols axes)."""
    checks = [("array.rows", arch.array.rows, "rows"), ("array.cols", arch.array.cols, "cols")]
    if arch.buffer:
        checks += [("buffer.rows", arch.buffer.rows, "rows"),
                   ("buffer.cols", arch.buffer.cols, "cols")]
    for key, value, axis in checks:
        ax = pricer.lut.axes.get(axis)
        if ax is not None and not np.any(ax.values == value):
            grid = ", ".join(f"{v:g}" for v in ax.values)
            raise ParameterError(key, f"{value} is not a grid value of the LUT's {axis} axis "
                                      f"({grid})")


def estimate(network, arch, *, bits=None, lut_path=None, lut=None, overrides=None,
             pricer: Pricer | None = None) -> Estimate:
    """Energy/latency/area per image of ``network`` on ``arch`` (a shipped name, a .toml
    description or an :class:`Architecture`), priced with the LUT the description names,
    ``lut_path``, an in-memory ``lut`` or a shared ``pricer``.

    ``bits`` ("W:I") and ``overrides`` ({dotted key: value}) change the description."""
    net = get_network(network)
    arch = get_arch(arch)
    changes = dict(overrides or {})
    if bits is not None:
        changes["layers.bits"] = bits if isinstance(bits, str) else "%d:%d" % tuple(bits)
    arch = with_overrides(arch, changes)
    if pricer is None:
        pricer = Pricer(lut, str(lut_path or "<in memory>")) if lut is not None \
            else resolve_lut(arch, lut_path)
    _check_grid(pricer, arch)
    mapping = map_network(net, arch)
    u = _Units(pricer, arch)
    areas = _areas(pricer.lut, arch, mapping, net)
    if arch.bank is not None:
        u.bank = B.organize(_mats(arch, mapping, net), sum(areas.values()), arch.array.rows,
                            arch.array.cols, arch.bank.htree_length_m)
    leak_w = u.leakage_w() if u.bank is not None and arch.bank.leakage else 0.0
    layers = []
    for ops in mapping.layers:
        lat, phases = _layer_latency(ops, u)
        energy = _layer_energy(ops, u)
        energy["leakage"] += leak_w * lat
        layers.append(LayerEstimate(ops.layer, ops.where, ops.ops, energy, lat,
                                    ops.arrays, ops.schedule, phases))
    weights = sum(l.ops.get("weight_write", 0) for l in mapping.layers)
    cell = _area(pricer.lut, _CELL[arch.dataflow])
    bank = {} if u.bank is None else {**u.bank.to_json(), "leakage_power_w": leak_w,
                                      "moved_bit_j": u.moved_bit()[0],
                                      "moved_bit_s": u.moved_bit()[1],
                                      "activity": arch.bank.activity}
    errors, note = _bit_errors(pricer.lut, layers, arch, u)
    return Estimate(net.name, arch.name, arch.bits_label, tuple(layers), areas,
                    weights * u.write_e(), pricer.path, pricer.sha256, arch, cell,
                    pricer.lut.technology, bank, errors, note, write_path(pricer.lut, arch))


def _mats(arch: Architecture, mapping: Mapping, net) -> int:
    """Memory arrays of the bank: compute arrays, Kernel/Image Bank arrays, buffers (the
    counts :func:`_areas` prices)."""
    a = arch.array
    compute = [l for l in mapping.layers if l.arrays]
    n = a.parallel if a.kernels == "bank" else sum(l.arrays for l in compute)
    mats = n
    if arch.buffer is not None:
        mats += n * arch.buffer.per_pe
    if a.kernels == "bank":
        cells = a.rows * a.cols
        kbits = sum(l.ops.get("weight_write", 0) for l in mapping.layers)
        mats += -(-kbits // cells) + -(-_largest_fmap_bits(net, mapping) // cells)
    return max(mats, 1)


def write_path(lut, arch: Architecture) -> dict | None:
    """The write voltage a bit write into the array's column takes (both directions, at the
    LUT corner nearest the operating point, from ``write_column``'s calibration) and
    whether it exceeds that corner's VDD; None for a LUT without ``write_column``."""
    if "write_column" not in lut.ops:
        return None
    cal = ((lut.provenance.get("parameters", {}) or {}).get("calibrations", {})
           .get("write_column", {}))
    volts = cal.get("v_write_v", {})
    coords = arch.operating.coords()

    def nearest(axis):
        values = lut.axes[axis].values
        x = coords.get(axis, lut.axes[axis].nominal)
        return float(values[int(np.argmin(np.abs(values - x)))])
    vdd, temp = nearest("vdd_v"), nearest("temperature_k")
    rows = arch.array.rows
    keys = [f"b{b}_{rows}_vdd{vdd:.3g}_t{temp:.0f}" for b in (1, 0)]
    if not all(k in volts for k in keys):
        return None
    v_write = [float(volts[k]) for k in keys]
    above = max(v_write) > vdd
    # LUTs with the transistor write driver record the far cell's current at each rail;
    # where the column cannot reach the write current it was characterized at its peak
    short = [k for k in keys if k in cal.get("short_of_current", [])]
    note = (f"a bit write into the {rows}-row column takes {max(v_write):.3g} V at the write "
            f"driver ({vdd:g} V, {temp:g} K): "
            + ("above VDD, so the array needs a boosted write rail (or a wider access "
               "transistor, fewer rows, a lower write current)" if above else "within VDD"))
    if short:
        i_min = min(float(cal["i_cell_a"][k]) for k in short)
        note += (f"; even so the far cell gets only {i_min * 1e6:.3g} uA of "
                 f"{float(cal['i_write_a']) * 1e6:.3g} uA (the column cannot be written at "
                 f"the write current; its energy is at that peak)")
    return {"rows": rows, "vdd_v": vdd, "temperature_k": temp,
            "v_write_p_to_ap_v": v_write[0], "v_write_ap_to_p_v": v_write[1],
            "above_vdd": above, "short_of_current": bool(short), "note": note}


def _bit_errors(lut, layers, arch: Architecture, u: "_Units") -> tuple[dict | None, str]:
    """(expected bit errors per image, note); (None, why) for a LUT without the table:
    energy and latency do not need it, so its absence is reported, not raised. Each
    read kind's current flows for its column sense at the array's rows (the buffer's
    for ``buffer_read``)."""
    from spincim.estimator import reliability

    counts: dict = {}
    for layer in layers:
        for kind, n in layer.ops.items():
            counts[kind] = counts.get(kind, 0) + n
    try:
        read_on = {kind: u.col_t(entry, u.BR if kind == "buffer_read" else u.R)
                   for kind, entry in reliability.READ_KINDS.items() if counts.get(kind)}
        out = reliability.bit_errors_per_image(lut, counts, arch.operating.temperature_k,
                                               read_on_s=read_on)
    except LutError as exc:
        return None, str(exc)
    return out, out["note"]

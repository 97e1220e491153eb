"""Energy, latency and area per image from a :class:`~spincim.estimator.mapping.Mapping` and a LUT.

Every energy and delay below is a LUT value (looked up through :func:`spincim.lut.interp.value`
at the hardware's VDD and temperature) times a count; the counts come from the mapping and
from the stated hardware organization (:class:`Hardware`). Nothing is fitted to a paper.

Organization (stated choices, none of them given by the papers unless cited):

* **Arrays.** IMCE: 256 x 256 sub-arrays (IMCE does not state a size; the middle of the LUT's
  line grid). CORN and IMC-DPU: 1024 x 512 PEs (CORN IV-A) and, for CORN, one 512-bit wide
  NV buffer of 1024 rows (64 KB, the largest size of CORN IV-C) per PE.
* **Static kernel bank.** Every layer's weights stay in their own arrays (IMCE IV; CORN III-C
  "weight-stationary"): a layer with Cout kernels of N bits at w bits needs
  Cout * w * ceil(N / cols) rows, and each array keeps i * ceil(N / cols) rows free for the input
  window. Array count per layer = ceil(kernel rows / free rows); area = all layers' arrays.
  Weight writes are a one-time cost (``weight_load_j``), not per image.
* **Input windows** are written into *every* array holding the layer's kernels (the AND/XNOR
  needs both operands in one column), row by row; a row write costs one SOT write per bit
  plus one decode and one word line. The 22 nm LUT has no plain write op: a PE write there
  is costed as the buffer PRESET (the same full-current SOT write with its driver).
* **Row operations.** An AND/XNOR of two rows costs per column bit the LUT's sense energy
  (``and2``/``xnor2``: cell, sense amplifier, 10 fF bit line) plus, per row pair, one decode
  and two word lines at the array size. The Bit-Counter, Shifter and Sum unit (IMCE) or the
  DPU popcount (IMC-DPU) are pipelined behind the row operations: the cycle is the slowest
  stage. Popcounts are full-adder trees (:mod:`spincim.characterize.adders`), adders ripple
  carry, registers DFFs, all at the LUT's ``fa``/``dff`` values.
* **Majority (CORN).** PRESET + PROGRAM per nine-input majority, the PROGRAM energy averaged
  over the number of inputs on for random XNOR bits (binomial(9, 1/2)); its duration is the
  longest PROGRAM latency in the LUT (the pulse must serve the slowest switching count).
  56 drivers per 512-bit buffer row (CORN IV-C) write in parallel.
* **DPU / reconfigurable logic.** Batch-norm, quantizer, Norm-Bin, max-pool compares: one
  ripple adder/comparator of the word width per event; ``dpu_lanes`` run in parallel.
* **Host.** Layers kept at full precision run on a host CPU: throughput from CORN Table I
  (conv1 of the CIFAR-10 BNN, 3,538,944 MACs, in 0.68 ms on the host CPU -> 5.2 GMAC/s),
  energy 4.6 pJ per MAC (45 nm float32 multiply 3.7 pJ + add 0.9 pJ: M. Horowitz, ISSCC 2014,
  "Computing's energy problem", Fig. 1.1.9; arithmetic only, a lower bound for a CPU).
  Host popcounts: one 64-bit POPCNT per 64 bits, costed as one MAC.
* Layers run one after another; throughput = 1 / latency; images/s/W = 1 / energy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from spincim.characterize.adders import (adder_tree_cost, dff_bank_cost, fa_tree_counts,
                                         popcount_cost, popcount_tree_counts,
                                         ripple_adder_cost)
from spincim.errors import LutError, ParameterError
from spincim.estimator.mapping import DRIVERS_PER_ROW, LayerOps, Mapping, map_network
from spincim.estimator.networks import Conv, Network, Pool, get_network

__all__ = ["CATEGORIES", "DEFAULT_LUTS", "HostModel", "Hardware", "LayerEstimate", "Estimate",
           "default_hardware", "estimate", "parse_bits"]

#: energy breakdown categories (IMCE Fig. 9b: W/R, AND, bitcount, add; plus CORN's parts)
CATEGORIES = ("write_read", "and_xnor", "bitcount_popcount", "add", "majority_write", "dpu",
              "host")

#: shipped LUTs per architecture: IMCE at 45 nm (IMCE V-C), CORN at 22 nm (nearest PTM
#: node to CORN's 28 nm FDSOI, CORN IV-A)
DEFAULT_LUTS = {"imce": "default_45nm.h5", "corn": "default_22nm.h5", "imc-dpu": "default_22nm.h5"}

_CIFAR_CONV1_MACS = 32 * 32 * 128 * 27     # CIFAR-10 BNN conv1: 32x32 outputs x 128 x (3x3x3)
_CORN_CONV1_HOST_S = 0.68e-3               # CORN Table I: conv1 on the host, 0.68 ms
_HOROWITZ_FP32_MAC_J = 3.7e-12 + 0.9e-12   # Horowitz ISSCC 2014 Fig. 1.1.9, 45 nm fp32 mul + add


@dataclass(frozen=True, kw_only=True)
class HostModel:
    """Host CPU for full-precision layers: MAC rate (1/s) and energy per MAC (J)."""

    mac_per_s: float = _CIFAR_CONV1_MACS / _CORN_CONV1_HOST_S
    energy_per_mac_j: float = _HOROWITZ_FP32_MAC_J
    popcount_bits_per_op: int = 64

    def __post_init__(self) -> None:
        for name in ("mac_per_s", "energy_per_mac_j"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ParameterError(f"host.{name}", f"must be finite and > 0, got {v!r}")


@dataclass(frozen=True, kw_only=True)
class Hardware:
    """Array organization of one accelerator (see the module docstring for each choice)."""

    rows: int
    cols: int
    buffer_rows: int = 0          # CORN NV buffer rows (512-bit wide, ``cols``), 0 = none
    replicas: int = 1             # copies of every layer's arrays working on other windows
    dpu_lanes: int = 64           # parallel word-level units in the DPU / reconfigurable logic
    vdd_v: float | None = None    # LUT coordinates (None: the LUT's nominal)
    temperature_k: float | None = None
    host: HostModel = field(default_factory=HostModel)

    def __post_init__(self) -> None:
        for name in ("rows", "cols", "replicas", "dpu_lanes"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ParameterError(f"hardware.{name}", f"must be an integer >= 1, got {v!r}")

    def coords(self) -> dict:
        """LUT coordinates of the operating point (only those given)."""
        out = {}
        if self.vdd_v is not None:
            out["vdd_v"] = self.vdd_v
        if self.temperature_k is not None:
            out["temperature_k"] = self.temperature_k
        return out


def default_hardware(arch: str) -> Hardware:
    """The stated default organization of ``arch``."""
    if arch == "imce":
        return Hardware(rows=256, cols=256)          # assumed: IMCE gives no sub-array size
    if arch == "corn":
        return Hardware(rows=1024, cols=512, buffer_rows=1024)   # CORN IV-A, IV-C
    if arch == "imc-dpu":
        return Hardware(rows=1024, cols=512)         # same PEs as CORN (CORN IV-D)
    raise ParameterError("arch", f"unknown architecture {arch!r}; expected corn, imc-dpu, imce")


def parse_bits(text: str) -> tuple[int, int]:
    """``"W:I"`` -> (w, i), both integers in [1, 16]."""
    parts = str(text).split(":")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise ParameterError("bits", f"expected W:I with two positive integers, e.g. 1:2; "
                                     f"got {text!r}")
    w, i = (int(p) for p in parts)
    if not (1 <= w <= 16 and 1 <= i <= 16):
        raise ParameterError("bits", f"W and I must be in [1, 16], got {text!r}")
    return w, i


# ----------------------------------------------------------------------------- unit costs
class _Units:
    """LUT lookups at one operating point, with clear errors for missing ops."""

    def __init__(self, lut, hw: Hardware, arch: str) -> None:
        from spincim.lut import interp

        self._value = interp.value
        self.lut, self.hw, self.arch = lut, hw, arch

    def get(self, op: str, quantity: str, **axes) -> float:
        if op not in self.lut.ops:
            raise LutError(self.lut.label(), f"architecture {self.arch!r} needs op {op!r}, "
                                             f"which this LUT lacks (ops: "
                                             f"{', '.join(sorted(self.lut.ops))})")
        return self._value(self.lut, op, quantity, **self.hw.coords(), **axes)

    def e(self, op: str, **axes) -> float:
        return self.get(op, "energy_j", **axes)

    def t(self, op: str, **axes) -> float:
        return self.get(op, "latency_s", **axes)

    def write_e(self) -> float:
        """One SOT bit write (mean of both directions; the PRESET where no write op exists)."""
        if "write_p_to_ap" in self.lut.ops:
            return 0.5 * (self.e("write_p_to_ap") + self.e("write_ap_to_p"))
        return self.e("preset")

    def write_t(self) -> float:
        if "write_p_to_ap" in self.lut.ops:
            return max(self.t("write_p_to_ap"), self.t("write_ap_to_p"))
        return self.t("preset")

    def row_e(self, rows: int, cols: int, lines: int = 1) -> float:
        """One decode plus ``lines`` word lines of an array of rows x cols."""
        return self.e("decoder", rows=rows) + lines * self.e("wordline", cols=cols)

    def row_t(self, rows: int, cols: int) -> float:
        return self.t("decoder", rows=rows) + self.t("wordline", cols=cols)

    def adder(self, bits: int) -> tuple[float, float]:
        """(energy, delay) of a ``bits``-wide ripple adder / comparator."""
        return ripple_adder_cost(bits, self.e("fa"), self.t("fa"))

    def register(self, bits: int) -> float:
        """Energy of one clocked write (or 1-position shift) of a ``bits``-wide register."""
        return dff_bank_cost(bits, self.e("dff"), self.t("dff"))[0]

    def popcount(self, n: int) -> tuple[float, float]:
        """(energy, delay) of one popcount of ``n`` bits as a full-adder tree."""
        return popcount_cost(n, self.e("fa"), self.t("fa"))

    def majority_program(self) -> tuple[float, float]:
        """(mean energy over binomial(9, 1/2) inputs on, longest PROGRAM latency)."""
        table = self.lut.ops.get("majority_program")
        if table is None:
            self.get("majority_program", "energy_j")  # raises the LutError
        counts = self.lut.axes["n_on"].values.astype(int)
        weights = np.array([math.comb(9, int(k)) for k in counts], float) / 2 ** 9
        e = [self.e("majority_program", n_on=float(k)) for k in counts]
        t = [self.t("majority_program", n_on=float(k)) for k in counts]
        return float(np.dot(weights, e) / weights.sum()), max(t)

    def host_mac(self) -> tuple[float, float]:
        h = self.hw.host
        return h.energy_per_mac_j, 1.0 / h.mac_per_s


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
    hardware: Hardware
    cell_area_m2: float = 0.0     # one memory cell of this architecture (from the LUT)

    @property
    def energy_per_image_j(self) -> float:
        return float(sum(l.energy_j for l in self.layers))

    @property
    def latency_per_image_s(self) -> float:
        return float(sum(l.latency_s for l in self.layers))

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
        """The ``spincim estimate --json`` document (keys are a contract)."""
        e = self.energy_per_image_j
        t = self.latency_per_image_s
        return {
            "network": self.network, "arch": self.arch, "bits": self.bits,
            "layers": [{"name": l.name, "where": l.where, "ops": dict(l.ops),
                        "energy_j": l.energy_j, "latency_s": l.latency_s,
                        "energy_by_category_j": dict(l.energy_by_category),
                        "arrays": l.arrays} for l in self.layers],
            "energy_per_image_j": e,
            "latency_per_image_s": t,
            "images_per_s": 1.0 / t if t > 0 else math.inf,
            "power_w": e / t if t > 0 else 0.0,
            "images_per_s_per_w": 1.0 / e if e > 0 else math.inf,
            "energy_by_category_j": self.energy_by_category(),
            "area_m2": self.area_m2,
            "area_by_component_m2": dict(self.area_by_component),
            "weight_load_j": self.weight_load_j,
            "hardware": {"rows": self.hardware.rows, "cols": self.hardware.cols,
                         "buffer_rows": self.hardware.buffer_rows,
                         "replicas": self.hardware.replicas,
                         "dpu_lanes": self.hardware.dpu_lanes},
            "lut": {"path": self.lut_path, "sha256": self.lut_sha256},
        }


# ----------------------------------------------------------------------------- layer models
def _geometry(layer) -> tuple[int, int, int]:
    """(P output pixels, Cout, N window bits) of a Conv or FC layer."""
    if isinstance(layer, Conv):
        return layer.out_h * layer.out_w, layer.out_ch, layer.window
    return 1, layer.out_features, layer.in_features


def _arrays_for(kernel_rows: int, input_rows: int, rows: int, layer: str) -> int:
    """Arrays needed to hold ``kernel_rows`` with ``input_rows`` free in each."""
    free = rows - input_rows
    if free < 1:
        raise ParameterError("hardware.rows", f"layer {layer}: {input_rows} input rows do not "
                                              f"leave room for kernels in {rows}-row arrays")
    return math.ceil(kernel_rows / free)


def _cat(**parts) -> dict:
    out = {c: 0.0 for c in CATEGORIES}
    for k, v in parts.items():
        out[k] += float(v)
    return out


def _host_layer(ops: LayerOps, u: _Units) -> LayerEstimate:
    e_mac, t_mac = u.host_mac()
    n = ops["host_mac"]
    return LayerEstimate(ops.layer, ops.where, ops.ops, _cat(host=n * e_mac), n * t_mac,
                         note="host CPU")


def _dpu_pool(ops: LayerOps, u: _Units, hw: Hardware, word_bits: int) -> LayerEstimate:
    """Pooling in the DPU: word adds/compares (+ shifts, reads and writes as counted)."""
    e_add, t_add = u.adder(word_bits)
    words = ops["add"] + ops["compare"]
    energy = _cat(dpu=words * e_add + ops["shift"] * u.register(word_bits),
                  write_read=ops["read"] * u.e("read") + ops["write"] * u.write_e())
    steps = math.ceil(words / hw.dpu_lanes)
    latency = steps * t_add + math.ceil(ops["write"] / hw.cols) * u.write_t()
    return LayerEstimate(ops.layer, ops.where, ops.ops, energy, latency, note="DPU")


def _imce_layer(layer, ops: LayerOps, u: _Units, hw: Hardware, w: int, i: int) -> LayerEstimate:
    P, cout, n = _geometry(layer)
    segs = math.ceil(n / hw.cols)
    width = min(n, hw.cols)
    arrays = _arrays_for(cout * w * segs, i * segs, hw.rows, layer.name)
    word = n.bit_length() + w + i                       # partial-sum width after the shift
    and_rows = P * cout * w * i * segs
    e_pop, t_pop = u.popcount(width)
    e_add, t_add = u.adder(word)
    e_w, t_w = u.write_e(), u.write_t()
    write_rows = P * i * segs * arrays
    energy = _cat(
        and_xnor=ops["and2"] * u.e("and2") + and_rows * u.row_e(hw.rows, hw.cols, lines=2),
        bitcount_popcount=and_rows * e_pop + ops["shift"] * u.register(word),
        add=ops["add"] * e_add,
        write_read=(ops["write"] * arrays * e_w + write_rows * u.row_e(hw.rows, hw.cols)
                    + ops["read"] * u.register(word)),
        dpu=ops["batchnorm"] * e_add + ops["quantize"] * (2 ** i - 1) * e_add)
    cycle = max(u.row_t(hw.rows, hw.cols) + u.t("and2"), t_pop, t_add)
    per_window = (i * segs * (t_w + u.row_t(hw.rows, hw.cols))
                  + math.ceil(cout * w * segs / arrays) * i * cycle)
    dpu = math.ceil((ops["batchnorm"] + ops["quantize"]) / hw.dpu_lanes) * t_add
    latency = math.ceil(P / hw.replicas) * per_window + dpu
    return LayerEstimate(ops.layer, ops.where, ops.ops, energy, latency, arrays * hw.replicas,
                         note=f"{arrays} sub-array(s) x {hw.replicas}, cycle {cycle:.3g} s")


def _pe_common(layer, ops: LayerOps, u: _Units, hw: Hardware):
    """XNOR + input-write part shared by CORN and IMC-DPU: (energy dict, per-window s, arrays)."""
    P, cout, n = _geometry(layer)
    segs = math.ceil(n / hw.cols)
    arrays = _arrays_for(cout * segs, segs, hw.rows, layer.name)
    write_rows = P * segs * arrays
    energy = _cat(
        and_xnor=ops["xnor2"] * u.e("xnor2")
        + ops["pe_row_reads"] * u.row_e(hw.rows, hw.cols, lines=2),
        write_read=P * n * arrays * u.write_e() + write_rows * u.row_e(hw.rows, hw.cols))
    t_write = segs * (u.write_t() + u.row_t(hw.rows, hw.cols))
    reads = math.ceil(cout * segs / arrays)
    return energy, t_write, reads, arrays


def _add(a: dict, b: dict) -> dict:
    return {k: a.get(k, 0.0) + b.get(k, 0.0) for k in CATEGORIES}


def _corn_layer(layer, ops: LayerOps, u: _Units, hw: Hardware) -> LayerEstimate:
    P, cout, n = _geometry(layer)
    energy, t_write, reads, arrays = _pe_common(layer, ops, u, hw)
    t_read = u.row_t(hw.rows, hw.cols) + u.t("xnor2")
    e_host, t_host = u.host_mac()
    host_ops = ops["host_popcount"] / hw.host.popcount_bits_per_op
    e_prog, t_prog = u.majority_program()
    e_cmp, t_cmp = u.adder(n.bit_length())
    buf_rows = hw.buffer_rows or hw.rows
    extra = _cat(
        majority_write=(ops["majority_program"] * e_prog + ops["preset"] * u.e("preset")
                        + ops["buffer_row_writes"] * u.row_e(buf_rows, hw.cols)),
        write_read=ops["buffer_read"] * u.e("read"),
        dpu=ops["norm_bin"] * e_cmp,
        host=host_ops * e_host)
    step = u.t("preset") + t_prog + u.row_t(buf_rows, hw.cols) + u.t("read")
    row_writes = math.ceil(ops["buffer_row_writes"] / max(P, 1) / arrays)
    per_window = t_write + reads * t_read + row_writes * step
    latency = (math.ceil(P / hw.replicas) * per_window
               + math.ceil(ops["norm_bin"] / hw.dpu_lanes) * t_cmp + host_ops * t_host)
    return LayerEstimate(ops.layer, ops.where, ops.ops, _add(energy, extra), latency,
                         arrays * hw.replicas, note=f"{arrays} PE(s) + buffer(s)")


def _corn_pool(ops: LayerOps, u: _Units, hw: Hardware, buffers: int) -> LayerEstimate:
    energy = _cat(write_read=ops["read"] * u.e("read"),
                  majority_write=ops["preset"] * u.e("preset")
                  + ops["maxpool_write"] * u.e("maxpool_write"))
    steps = math.ceil(ops["maxpool_write"] / (DRIVERS_PER_ROW * max(buffers, 1)))
    latency = steps * (u.t("preset") + u.t("maxpool_write") + 4 * u.t("read"))
    return LayerEstimate(ops.layer, ops.where, ops.ops, energy, latency,
                         note=f"threshold write, {DRIVERS_PER_ROW} drivers x {buffers} buffers")


def _dpu_layer(layer, ops: LayerOps, u: _Units, hw: Hardware) -> LayerEstimate:
    P, cout, n = _geometry(layer)
    energy, t_write, reads, arrays = _pe_common(layer, ops, u, hw)
    width = min(n, hw.cols)
    n_tree = 1 << (width - 1).bit_length() if width > 1 else 2
    e_tree, t_tree = adder_tree_cost(n_tree, u.e("fa"), u.t("fa"))
    e_pop_bit = e_tree / n_tree
    e_cmp, t_cmp = u.adder(n.bit_length())
    outs = P * cout
    extra = _cat(bitcount_popcount=ops["popcount"] * e_pop_bit,
                 dpu=ops["norm_bin"] * e_cmp,
                 write_read=outs * u.write_e())
    cycle = max(u.row_t(hw.rows, hw.cols) + u.t("xnor2"), t_tree)
    back = math.ceil(cout / hw.cols) * u.write_t()
    per_window = t_write + reads * cycle + back
    latency = (math.ceil(P / hw.replicas) * per_window
               + math.ceil(ops["norm_bin"] / hw.dpu_lanes) * t_cmp)
    return LayerEstimate(ops.layer, ops.where, ops.ops, _add(energy, extra), latency,
                         arrays * hw.replicas, note=f"{arrays} PE(s) + DPU")


# ----------------------------------------------------------------------------- area
_CELL = {"imce": "sot_2t1r_cell", "corn": "corn_3t_cell", "imc-dpu": "corn_3t_cell"}


def _area(lut, name: str) -> float:
    if name not in lut.areas:
        raise LutError(lut.label(), f"no area for component {name!r}")
    return float(lut.areas[name].area_m2)


def _array_area(lut, hw: Hardware, arch: str) -> dict:
    """Area of one array with its column periphery (m^2) by component."""
    out = {"cells": hw.rows * hw.cols * _area(lut, _CELL[arch]),
           "sense_amplifiers": hw.cols * _area(lut, "sense_amplifier"),
           "row_drivers": 2 * hw.rows * _area(lut, "inv")}
    if arch != "imce":
        out["xnor_logic"] = hw.cols * _area(lut, "xnor_logic")
    return out


def _areas(lut, hw: Hardware, arch: str, layers) -> dict:
    arrays = sum(l.arrays for l in layers)
    per = _array_area(lut, hw, arch)
    out = {k: arrays * v for k, v in per.items()}
    fa, dff = _area(lut, "fa"), _area(lut, "dff")
    if arch == "imce":
        n_fa, n_ha, _ = fa_tree_counts(hw.cols)
        word = hw.cols.bit_length() + 32          # wide enough for any W:I <= 16:16
        out["bitcount_shift_sum"] = arrays * ((n_fa + n_ha) * fa + word * (dff + fa))
    elif arch == "corn":
        buf = hw.buffer_rows * hw.cols * _area(lut, "corn_3t_cell")
        drv = DRIVERS_PER_ROW * (_area(lut, "write_driver_9nmos")
                                 + _area(lut, "write_driver_switches"))
        out["nv_buffers"] = arrays * (buf + drv)
    else:
        n_fa, _ = popcount_tree_counts(1 << (hw.cols - 1).bit_length())
        out["dpu_popcount"] = arrays * n_fa * fa
    out["dpu_lanes"] = hw.dpu_lanes * 32 * fa
    return out


# ----------------------------------------------------------------------------- entry point
def _resolve_lut(arch: str, lut_path):
    from importlib import resources

    from spincim.lut import io

    if lut_path is None:   # the shipped table of the architecture (package data)
        lut_path = resources.files("spincim.lut") / "data" / DEFAULT_LUTS[arch]
    path = Path(str(lut_path))
    return io.read_lut(path), str(path), io.lut_sha256(path)


def _layer_estimates(net: Network, mapping: Mapping, u: _Units, hw: Hardware, arch: str,
                     w: int, i: int) -> list[LayerEstimate]:
    out: list[LayerEstimate] = []
    compute = net.compute_layers()
    edges = (compute[0].name, compute[-1].name)
    for layer, ops in zip(net.layers, mapping.layers):
        if ops.where == "host":
            out.append(_host_layer(ops, u))
        elif isinstance(layer, Pool):
            if arch == "corn":
                out.append(_corn_pool(ops, u, hw, max((l.arrays for l in out), default=1)))
            else:
                # IMCE: sum of size^2 i-bit activations; IMC-DPU: 1-bit max compares
                word = i + (layer.size * layer.size - 1).bit_length() if arch == "imce" else 1
                out.append(_dpu_pool(ops, u, hw, word_bits=word))
        elif arch == "imce":
            edge = mapping.config.get("edge")
            bits = (edge, edge) if layer.name in edges else (w, i)
            out.append(_imce_layer(layer, ops, u, hw, *bits))
        elif arch == "corn":
            out.append(_corn_layer(layer, ops, u, hw))
        else:
            out.append(_dpu_layer(layer, ops, u, hw))
    return out


def estimate(network, arch: str, *, bits: str | tuple[int, int] = "1:1", lut_path=None,
             hardware: Hardware | None = None, lut=None) -> Estimate:
    """Energy/latency/area per image of ``network`` on ``arch`` from the LUT at ``lut_path``
    (default: the shipped LUT of the architecture). ``bits`` "W:I" applies to IMCE only."""
    net = get_network(network)
    hw = hardware or default_hardware(arch)
    w, i = parse_bits(bits) if isinstance(bits, str) else bits
    if arch != "imce" and (w, i) != (1, 1):
        raise ParameterError("bits", f"{arch} is binary (1:1); W:I applies to imce only")
    mapping = (map_network(net, arch, w_bits=w, i_bits=i) if arch == "imce"
               else map_network(net, arch))
    if lut is None:
        lut, path, sha = _resolve_lut(arch, lut_path)
    else:
        path, sha = str(lut_path or "<in memory>"), ""
    u = _Units(lut, hw, arch)
    layers = _layer_estimates(net, mapping, u, hw, arch, w, i)
    weights = sum(l.ops.get("weight_write", 0) for l in mapping.layers)
    cell = _area(lut, _CELL[arch])
    return Estimate(net.name, arch, f"{w}:{i}", tuple(layers), _areas(lut, hw, arch, layers),
                    weights * u.write_e(), path, sha, hw, cell)


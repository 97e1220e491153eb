"""Map network layers onto IMCE, CORN and an IMC-DPU baseline: operation COUNTS per layer.

No energies here (they come from the LUT through another module): each layer gets a dict
``op -> count`` (Python ints) and a one-line schedule. Notation per layer: P = output
pixels (out_h*out_w, 1 for FC), Cout = output channels, N = window (Cin*k*k, or in_features).

Op vocabulary (one count = one bit-level or one word-level event as stated):

IMCE (bit-wise convolution, IMCE Eq. (3), W:I = w:i bits, unsigned bit-planes):
  ``and2``      bit ANDs sensed in a sub-array column (two RWLs on: one bit of C_n(W), one of
                C_m(I)) = P*Cout*N*w*i
  ``bitcount``  bits counted by the Bit-Counter (every AND result bit)   = P*Cout*N*w*i
  ``shift``     Shifter operations, one per (m, n) partial sum (zero shifts included) = P*Cout*w*i
  ``add``       Sum-unit additions of partial sums = P*Cout*(w*i - 1)
  ``write``     input bits written into the sub-array, one row-segment C_m(I) per window (an
                im2col layout, IMCE Fig. 6) = P*N*i
  ``weight_write`` weight bits written once (static kernel bank) = Cout*N*w
  ``read``      output values fetched by the DPU = P*Cout; ``batchnorm`` and ``quantize``
                (Eq. (4)) one per output value
  Edge layers (the first conv and the last FC, "not quantized", IMCE V-A): ``edge="host"``
  counts them as ``host_mac`` = P*Cout*N; ``edge=b`` (int) maps them bit-serially at b:b.
  Pooling: avg -> ``add`` (size^2-1 per output) + ``shift`` (1 per output, divide by size^2);
  max -> ``compare`` (size^2-1 per output) in the DPU.
  Note: Eq. (3) is for unsigned integers; the signed-weight correction term of DoReFa's
  {-1,+1} weights is not counted.

CORN (XNOR read + majority write, CORN III):
  ``xnor2``     XNOR reads in a PE = P*Cout*N; ``write`` input bits into PEs = P*N;
  ``weight_write`` = Cout*N (static); ``pe_row_reads`` = P*Cout*ceil(N/512) (512-bit rows)
  ``majority_program`` nine-input majority writes, hierarchical (see :func:`majority_tree`):
                P*Cout*M(N) with M(N) the number of 9-input majorities in the tree;
  ``preset``    one PRESET per programmed buffer cell (majority or max-pool)
  ``buffer_read`` majority results read out of the buffer (to feed the next tree level or the
                reconfigurable logic) = P*Cout*M(N)
  ``buffer_row_writes`` 512-bit buffer-row write steps with 56 drivers per row (CORN IV-C)
  ``norm_bin``  Norm-Bin in the reconfigurable logic, one per output bit
  ``maxpool_write`` threshold write ([o1..o5]=[11110]) per 2x2 output bit, with
                ``read`` of size^2 bits per output and a ``preset``
  conv1 on the host: ``host_mac`` = P*Cout*N. The last FC (10 class scores) needs integers,
  not signs: XNORs in memory, ``host_popcount`` bits on the host.

IMC-DPU baseline (CORN Table I, after CORN ref [7]): ``xnor2`` in memory, ``popcount`` bits
  in the CMOS DPU (= xnor2), ``norm_bin`` and a ``write`` back of each output bit; max
  pooling in the DPU (``compare`` size^2-1 per output, ``write`` 1); conv1 on the host.

Hierarchical majority for windows of more than 9 inputs (CORN only supports 9, CORN VI):
  the N XNOR bits, ordered (cin, ky, kx) so that each first-level group is one channel's 3x3
  window, are split into groups of 9; each group gets a nine-input majority write; the
  results are read and grouped by 9 again, level by level, until one bit remains. A group of
  r < 9 real bits is padded with constant driver inputs: floor((9-r)/2) on/off pairs, plus
  one extra "on" if 9-r is odd, so it computes the exact majority of its r bits with ties
  -> +1 (the sign(0) = +1 convention). This is NOT equal to sign(popcount); its mismatch is
  measured in :mod:`spincim.estimator.emulate`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from spincim.errors import ParameterError
from spincim.estimator.networks import Conv, Network, Pool, get_network

__all__ = ["LayerOps", "Mapping", "majority_tree", "map_imce", "map_corn", "map_dpu",
           "map_network", "ARCHITECTURES", "IMCE_CONFIGS"]

MAJORITY_FANIN = 9          # CORN III-B: nine NMOS write driver
BUFFER_ROW_BITS = 512       # CORN IV-C: 512-bit buffer row, 56 = floor(512/9) drivers
DRIVERS_PER_ROW = BUFFER_ROW_BITS // MAJORITY_FANIN
PE_COLUMNS = 512            # CORN IV-A: 1024 x 512 PE
IMCE_CONFIGS = ((1, 1), (1, 2), (1, 3), (1, 4), (2, 2))   # IMCE V-A, W:I


@dataclass(frozen=True)
class LayerOps:
    """Operation counts of one layer on one architecture."""

    layer: str
    kind: str            # "conv", "fc", "pool"
    where: str           # "array", "host", "dpu", ...
    ops: dict
    schedule: str

    def __getitem__(self, op: str) -> int:
        return self.ops.get(op, 0)


@dataclass(frozen=True)
class Mapping:
    """All layers of a network mapped onto one architecture."""

    arch: str
    network: str
    config: dict
    layers: tuple = field(default_factory=tuple)

    def totals(self) -> dict:
        """Sum of every op over all layers."""
        out: dict = {}
        for l in self.layers:
            for k, v in l.ops.items():
                out[k] = out.get(k, 0) + v
        return out

    def layer(self, name: str) -> LayerOps:
        for l in self.layers:
            if l.layer == name:
                return l
        raise KeyError(name)

    def table(self) -> list[dict]:
        """One row per layer: layer, where, and every op count (0 where absent)."""
        keys = sorted({k for l in self.layers for k in l.ops})
        return [{"layer": l.layer, "where": l.where, **{k: l.ops.get(k, 0) for k in keys}}
                for l in self.layers]


def majority_tree(n: int, fanin: int = MAJORITY_FANIN) -> list[int]:
    """Number of ``fanin``-input majorities at each level of the tree reducing n bits to 1.

    ``majority_tree(1152) == [128, 15, 2, 1]``; ``majority_tree(9) == [1]``.
    """
    if n < 1:
        raise ParameterError("window", f"must be >= 1, got {n}")
    levels = []
    while True:
        groups = math.ceil(n / fanin)
        levels.append(groups)
        if groups == 1:
            return levels
        n = groups


def _geom(layer):
    """(P, Cout, N, kind) of a Conv or FC layer."""
    if isinstance(layer, Conv):
        return layer.out_h * layer.out_w, layer.out_ch, layer.window, "conv"
    return 1, layer.out_features, layer.in_features, "fc"


def _host_layer(layer, why: str) -> LayerOps:
    """A Conv/FC layer computed on the host: P x Cout x N MACs."""
    P, Cout, N, kind = _geom(layer)
    return LayerOps(layer.name, kind, "host", {"host_mac": P * Cout * N},
                    f"{kind} {layer.name}: {why}, {P * Cout * N} MACs on the host")


def _edge_names(net: Network) -> tuple[str, str]:
    comp = net.compute_layers()
    return comp[0].name, comp[-1].name


def _check_bits(name, v):
    if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 16:
        raise ParameterError(name, f"must be an integer in [1, 16], got {v!r}")


def _imce_compute(layer, w: int, i: int) -> LayerOps:
    P, Cout, N, kind = _geom(layer)
    outs = P * Cout
    ops = {
        "and2": outs * N * w * i,
        "bitcount": outs * N * w * i,
        "shift": outs * w * i,
        "add": outs * (w * i - 1),
        "write": P * N * i,
        "weight_write": Cout * N * w,
        "read": outs,
        "batchnorm": outs,
        "quantize": outs,
    }
    sched = (f"{kind} {layer.name}: for each of {P} windows write {i} input bit-planes of {N} bits; "
             f"for each of {Cout} kernels x {w}x{i} plane pairs AND two rows ({N} columns), "
             f"bitcount, shift by m+n, add {w * i} partials; DPU batch-norm + quantize")
    return LayerOps(layer.name, kind, "array", ops, sched)


def _pool_ops_imce(layer: Pool) -> LayerOps:
    c, h, wd = layer.out_shape
    outs = c * h * wd
    win = layer.size * layer.size
    if layer.kind == "avg":
        ops = {"add": outs * (win - 1), "shift": outs}
        sched = f"avg-pool {layer.name}: Sum unit adds {win} values, Shifter divides (IMCE IV-A)"
    else:
        ops = {"compare": outs * (win - 1)}
        sched = f"max-pool {layer.name}: {win - 1} compares per output in the DPU"
    return LayerOps(layer.name, "pool", "dpu", ops, sched)


def map_imce(network, w_bits: int = 1, i_bits: int = 1, edge="host") -> Mapping:
    """IMCE mapping at W:I = w_bits:i_bits; ``edge`` = "host" or an int bit width for the
    unquantized first conv and last FC."""
    net = get_network(network)
    _check_bits("w_bits", w_bits)
    _check_bits("i_bits", i_bits)
    if edge != "host":
        _check_bits("edge", edge)
    first, last = _edge_names(net)
    rows = []
    for l in net.layers:
        if isinstance(l, Pool):
            rows.append(_pool_ops_imce(l))
        elif l.name in (first, last):
            if edge == "host":
                rows.append(_host_layer(l, "not quantized (IMCE V-A)"))
            else:
                r = _imce_compute(l, edge, edge)
                rows.append(LayerOps(r.layer, r.kind, "array", r.ops,
                                     r.schedule + f" (edge layer at {edge}:{edge} bits)"))
        else:
            rows.append(_imce_compute(l, w_bits, i_bits))
    return Mapping("imce", net.name, {"w_bits": w_bits, "i_bits": i_bits, "edge": edge},
                   tuple(rows))


def _maxpool_corn(layer: Pool) -> LayerOps:
    c, h, w = layer.out_shape
    outs = c * h * w
    win = layer.size * layer.size
    if layer.kind != "max" or win > 4:
        raise ParameterError(f"{layer.name}.size",
                             "CORN threshold-write pooling supports max-pool windows of <= 4 bits "
                             f"(the [11110] driver), got {layer.kind} {layer.size}x{layer.size}")
    ops = {"read": outs * win, "preset": outs, "maxpool_write": outs}
    return LayerOps(layer.name, "pool", "buffer", ops,
                    f"max-pool {layer.name}: read {win} bits, PRESET, threshold write with "
                    f"[o1..o5]=[11110] (CORN III-B)")


def map_corn(network) -> Mapping:
    """CORN mapping: conv1 on the host, XNOR reads in PEs, hierarchical majority writes."""
    net = get_network(network)
    first, last = _edge_names(net)
    rows = []
    for l in net.layers:
        if isinstance(l, Pool):
            rows.append(_maxpool_corn(l))
            continue
        P, Cout, N, kind = _geom(l)
        outs = P * Cout
        if l.name == first:
            rows.append(_host_layer(l, "fixed-point on the host CPU (CORN III-A)"))
            continue
        base = {"xnor2": outs * N, "write": P * N, "weight_write": Cout * N,
                "pe_row_reads": outs * math.ceil(N / PE_COLUMNS)}
        if l.name == last:
            ops = {**base, "host_popcount": outs * N}
            rows.append(LayerOps(l.name, kind, "array+host", ops,
                                 f"{kind} {l.name}: XNOR reads in PEs, class scores need the "
                                 f"full popcount: {N} bits per output counted on the host"))
            continue
        tree = majority_tree(N)
        m = sum(tree)
        row_writes = sum(math.ceil(g / DRIVERS_PER_ROW) for g in tree)
        ops = {**base, "majority_program": outs * m, "preset": outs * m,
               "buffer_read": outs * m, "buffer_row_writes": outs * row_writes,
               "norm_bin": outs}
        rows.append(LayerOps(l.name, kind, "array+buffer", ops,
                             f"{kind} {l.name}: {N} XNOR reads per output, majority-of-9 tree "
                             f"{tree} ({m} majority writes per output bit), Norm-Bin in "
                             f"reconfigurable logic"))
    return Mapping("corn", net.name, {"fanin": MAJORITY_FANIN, "buffer_bits": BUFFER_ROW_BITS},
                   tuple(rows))


def map_dpu(network) -> Mapping:
    """IMC-DPU baseline: XNOR in memory, popcount + Norm-Bin + max-pool in a CMOS DPU."""
    net = get_network(network)
    first, last = _edge_names(net)
    rows = []
    for l in net.layers:
        if isinstance(l, Pool):
            c, h, w = l.out_shape
            outs = c * h * w
            win = l.size * l.size
            rows.append(LayerOps(l.name, "pool", "dpu",
                                 {"read": outs * win, "compare": outs * (win - 1), "write": outs},
                                 f"max-pool {l.name}: {win - 1} compares per output in the DPU"))
            continue
        P, Cout, N, kind = _geom(l)
        outs = P * Cout
        if l.name == first:
            rows.append(_host_layer(l, "fixed-point on the host CPU"))
            continue
        ops = {"xnor2": outs * N, "write": P * N + outs, "weight_write": Cout * N,
               "pe_row_reads": outs * math.ceil(N / PE_COLUMNS), "popcount": outs * N}
        if l.name != last:
            ops["norm_bin"] = outs
        rows.append(LayerOps(l.name, kind, "array+dpu", ops,
                             f"{kind} {l.name}: XNOR reads, {N}-bit popcount in the DPU, "
                             f"Norm-Bin, write back"))
    return Mapping("imc-dpu", net.name, {}, tuple(rows))


ARCHITECTURES = {"imce": map_imce, "corn": map_corn, "imc-dpu": map_dpu}


def map_network(network, arch: str, **kwargs) -> Mapping:
    """Dispatch to :func:`map_imce`, :func:`map_corn` or :func:`map_dpu` by name."""
    if arch not in ARCHITECTURES:
        raise ParameterError("arch", f"unknown architecture {arch!r}; expected {sorted(ARCHITECTURES)}")
    return ARCHITECTURES[arch](network, **kwargs)

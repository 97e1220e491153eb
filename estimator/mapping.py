"""Map network layers onto an :class:`~spincim.estimator.arch.Architecture`: operation COUNTS.

No energies here (they come from the LUT in :mod:`spincim.estimator.energy`). Each layer
gets ``ops`` (event -> count, Python ints), the popcounts it needs by width, and its
critical path as :class:`Phase` objects: stage -> number of steps one after another on the
busiest array (a pipelined phase lasts as long as its slowest stage, a sequential one as
the sum). Notation: P output pixels (1 for FC), K output channels, N window bits
(Cin*k*k or in_features), w:i bits, C array columns, R array rows.

Kernel placement (both dataflows, ``array.kernels``):

* segments: a window of N bits spans ``segs`` rows of C columns (CORN: ceil(groups/56)
  rows, a 9-bit group never straddles two rows, so one XNOR row feeds 56 drivers);
* a kernel takes ``w * segs`` rows, a window ``i * segs`` rows, so an array holds
  ``kpa = floor((R - i segs) / (w segs))`` kernels and the layer needs ``A = ceil(K / kpa)``
  kernel groups, K split as evenly as possible (the busiest array holds ceil(K / A)); a
  window too long for that (an FC layer at 8:8) is cut into chunks of
  ``floor(R / (w + i))`` segments, each chunk with kernel groups of its own;
* ``stationary``: each group has an array of its own for good (area grows with the
  kernels); ``parallel`` of them work at once ("all": every one);
* ``bank`` (IMCE IV, Fig. 5a): a pool of ``parallel`` = S arrays; groups are fetched from
  the Kernel Bank for every image (``kernel_read``/``kernel_write``), S at a time
  (``passes = ceil(A / S)``); if A < S the free arrays take other windows with copies of
  the kernels (``replicas = S // A``, each copy written);
* every window is written into every array that holds a kernel group (the AND/XNOR needs
  both operands in one column): ``write = P * N * i * A`` bits.

IMCE (Eq. 3, unsigned bit-planes, IMCE IV-A, Fig. 6), per layer at w:i:
  ``and2`` = P K N w i column ANDs, ``row_pair`` = P K w i segs two-row activations,
  ``bitcount`` = and2 bits counted (popcount of each segment), ``shift`` = P K w i,
  ``add`` = P K (w i segs - 1) (segment partials, then the shifted plane pairs),
  ``output`` = P K Sum-unit results fetched by the DPU;
  ``bank_read`` / ``bank_row_read`` window bits / rows read from the Image Bank (P N i /
  P i segs), ``write`` as above and ``row_write`` the rows written into the sub-arrays
  (window rows, plus the kernel rows in bank mode); bank mode also ``kernel_read`` /
  ``kernel_row_read`` from the Kernel Bank and ``kernel_write`` into the sub-arrays
  (K N w per copy); ``weight_write`` = K N w is the one-time load of the weights;
  signed weights: DoReFa's w-bit weights in [-1, 1] are W = (2 W_u - (2^w - 1)) / (2^w - 1)
  with unsigned W_u (IMCE ref [3]), so I.W is proportional to 2 Eq.3(W_u) - (2^w - 1) sum(I):
  ``sum_i_read`` P N i input bits read back and counted (i segs popcounts per window,
  ``sum_i_add`` = i segs - 1 adds plus one shift-and-subtract for w > 1), and
  ``sign_sub`` = P K subtracts; the factor 2 is one more position in the Shifter. Edge
  layers use two's-complement weights: the MSB plane is subtracted, no extra term.
  DPU per output: ``batchnorm`` (one add: the scale is folded into the quantizer's
  thresholds) and ``quantize`` (i_next compares: a binary search over the 2^i_next - 1
  thresholds of Eq. 4), ``bank_write`` / ``bank_row_write`` = P K i_next bits back to the
  Image Bank.
  Pooling: avg -> Sum/Shifter (IMCE IV-A), max -> compares; values read from and written
  back to the Image Bank at their precision.

CORN (CORN III): ``xnor2`` P K N, ``row_pair`` P K segs, a majority-of-9 tree per output
  (:func:`majority_tree`, the reduction beyond nine inputs that CORN leaves open, CORN V):
  ``majority_program`` = ``preset`` = P K sum(tree) buffer cells; ``buffer_row_write`` rows
  of 56 drivers **packed across outputs** level by level (:func:`buffer_row_writes`), every
  written row read once (``buffer_row_read``: by the next level, or by the reconfigurable
  logic, Fig. 3b step 4), ``buffer_read`` = the result bits (a PE's buffers must hold one
  window's rows of a level: ``buffer.rows`` x ``buffer.per_pe``); ``norm_bin`` one 1-bit decision
  per output (the majority already binarized; only the sign of gamma is left). The last
  layer (class scores) needs the popcount itself: a CMOS popcount in the reconfigurable
  logic. Max-pool by threshold write (CORN III-B).
IMC-DPU (CORN IV-D, CORN ref [7]): ``xnor2`` and ``row_pair`` as CORN with 512-bit segments,
  popcount trees in the DPU, ``add`` of segment partials, ``norm_bin`` compares of the
  popcount word, ``buffer_write`` of each output bit (CORN IV-C), max-pool in the DPU.
Host layers: ``host_mac`` = P K N; DPU layers: ``dpu_mac`` = P K N at w:i.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spincim.errors import ParameterError
from spincim.estimator.arch import Architecture, get_arch
from spincim.estimator.networks import Conv, Network, Pool, get_network

__all__ = ["supported_networks", "Phase", "LayerOps", "Mapping", "Placement", "majority_tree",
           "buffer_row_writes", "place", "map_network", "IMCE_CONFIGS", "MAJORITY_FANIN"]

MAJORITY_FANIN = 9                                     # CORN III-B: nine-NMOS write driver
IMCE_CONFIGS = ((1, 1), (1, 2), (1, 3), (1, 4), (2, 2))   # IMCE V-A, W:I


@dataclass(frozen=True)
class Phase:
    """Steps on the critical path of one layer: stage -> count; ``pipelined`` stages overlap.

    Stage keys: ``row_write``, ``row_read``, ``row_op:<and2|xnor2>``, ``popcount:<width>``,
    ``add:<bits>``, ``dpu:<bits>``, ``buffer_step``, ``buffer_row_read``, ``maxpool_step``,
    ``host_mac``, ``dpu_mac:<w>:<i>:<bits>``."""

    name: str
    stages: dict
    pipelined: bool = True


@dataclass(frozen=True)
class LayerOps:
    """Operation counts of one layer on one architecture."""

    layer: str
    kind: str            # "conv", "fc", "pool"
    where: str           # "array", "array+buffer", "array+dpu", "dpu", "host", "buffer"
    ops: dict
    schedule: str
    bits: tuple = (1, 1)
    word_bits: int = 1                               # accumulator / DPU word width
    popcounts: dict = field(default_factory=dict)    # width -> number of popcounts
    phases: tuple = ()
    arrays: int = 0                                  # arrays holding or running the layer

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
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ParameterError("window", f"must be an integer >= 1, got {n!r}")
    levels = []
    while True:
        groups = -(-n // fanin)
        levels.append(groups)
        if groups == 1:
            return levels
        n = groups


def _split(total: int, parts: int) -> list[tuple[int, int]]:
    """``total`` split over ``parts`` as evenly as possible: [(size, how many), ...]."""
    q, r = divmod(total, parts)
    return [(s, c) for s, c in ((q + 1, r), (q, parts - r)) if c and s]


def buffer_row_writes(kernels: int, groups: int, drivers: int) -> int:
    """Buffer rows written for one tree level: ``kernels`` outputs x ``groups`` majorities,
    packed ``drivers`` to a row across outputs (CORN IV-C: 56 drivers per 512-bit row)."""
    return -(-kernels * groups // drivers)


# ----------------------------------------------------------------------------- placement
@dataclass(frozen=True)
class Placement:
    """Where a layer's kernels sit (see the module docstring)."""

    segs: int            # row segments of a window (and of a kernel plane)
    chunk: int           # segments one array holds at a time (windows too long are split)
    kpa: int             # kernels per array
    per_chunk: int       # kernel groups per chunk of the window
    groups: int          # A: kernel groups = chunks x per_chunk
    busy: int            # kernels in the busiest array
    passes: int          # rounds of `parallel` arrays
    replicas: int        # copies of the kernel groups working on other windows (bank)
    windows: int         # windows each array handles per pass
    arrays: int          # arrays the layer holds (stationary) or uses at once (bank)
    split: tuple         # ((kernels in an array, number of such arrays), ...) per chunk


def _segments(n: int, cols: int, dataflow: str, fanin: int) -> int:
    if dataflow == "corn":
        per_row = cols // fanin
        return -(-(-(-n // fanin)) // per_row)
    return -(-n // cols)


def place(layer_name: str, P: int, K: int, N: int, w: int, i: int, arch: Architecture,
          ) -> Placement:
    """Kernel placement of one layer (module docstring). A window of more segments than an
    array can hold with one kernel is cut into chunks of ``floor(rows / (w + i))``
    segments, each chunk with its own kernel groups (partial sums added). Raises
    ParameterError naming ``array.rows`` if not even one segment fits."""
    a = arch.array
    fanin = arch.buffer.fanin if arch.buffer else MAJORITY_FANIN
    segs = _segments(N, a.cols, arch.dataflow, fanin)
    chunk = min(segs, a.rows // (w + i))
    if chunk < 1:
        raise ParameterError("array.rows", f"layer {layer_name}: a {w}-bit kernel row and "
                                           f"{i} window rows need {w + i} rows; the array "
                                           f"has {a.rows}")
    chunks = -(-segs // chunk)
    kpa = (a.rows - i * chunk) // (w * chunk)
    per_chunk = -(-K // kpa)
    groups = chunks * per_chunk
    split = tuple(_split(K, per_chunk))
    busy = split[0][0]
    if a.kernels == "stationary":
        par = groups if a.parallel == 0 else min(a.parallel, groups)
        passes, replicas, arrays = -(-groups // par), 1, groups
    else:
        passes = -(-groups // a.parallel)
        replicas = max(1, a.parallel // groups)
        arrays = min(a.parallel, groups * replicas)
    windows = -(-P // replicas)
    return Placement(segs, chunk, kpa, per_chunk, groups, busy, passes, replicas, windows,
                     arrays, split)


# ----------------------------------------------------------------------------- helpers
def _geom(layer) -> tuple[int, int, int, str]:
    """(P, K, N, kind) of a Conv or FC layer."""
    if isinstance(layer, Conv):
        return layer.out_h * layer.out_w, layer.out_ch, layer.window, "conv"
    return 1, layer.out_features, layer.in_features, "fc"


def _seg_widths(n: int, cols: int, segs: int) -> list[int]:
    """Columns used by each of ``segs`` row segments holding ``n`` bits."""
    full, last = divmod(n, cols)
    widths = [cols] * full + ([last] if last else [])
    while len(widths) < segs:            # CORN: 9-bit groups leave columns unused
        widths.append(0)
    return widths


def _corn_seg_widths(n: int, cols: int, fanin: int) -> list[int]:
    per_row = (cols // fanin) * fanin
    full, last = divmod(n, per_row)
    return [per_row] * full + ([last] if last else [])


def _add_pop(pops: dict, width: int, count: int) -> None:
    if width > 0 and count > 0:
        pops[width] = pops.get(width, 0) + count


def _rule(arch: Architecture, layer, first: str, last: str):
    if layer.name == first:
        return arch.layers.first.where, arch.layers.first.bits, "first"
    if layer.name == last:
        return arch.layers.last.where, arch.layers.last.bits, "last"
    return "array", arch.layers.bits, "inner"


def _host_layer(layer, why: str) -> LayerOps:
    P, K, N, kind = _geom(layer)
    macs = P * K * N
    return LayerOps(layer.name, kind, "host", {"host_mac": macs},
                    f"{kind} {layer.name}: {why}, {macs} MACs on the host",
                    phases=(Phase("host", {"host_mac": macs}),))


def _dpu_layer(layer, w: int, i: int, arch: Architecture) -> LayerOps:
    P, K, N, kind = _geom(layer)
    macs = P * K * N
    word = N.bit_length() + w + i
    steps = -(-macs // arch.dpu.lanes)
    return LayerOps(layer.name, kind, "dpu", {"dpu_mac": macs},
                    f"{kind} {layer.name}: {macs} {w}x{i}-bit MACs in {arch.dpu.lanes} DPU "
                    f"lanes", (w, i), word,
                    phases=(Phase("dpu", {f"dpu_mac:{w}:{i}:{word}": steps}),))


# ----------------------------------------------------------------------------- IMCE
def _imce_layer(layer, w: int, i: int, i_next: int, signed: bool,
                arch: Architecture) -> LayerOps:
    P, K, N, kind = _geom(layer)
    a = arch.array
    pl = place(layer.name, P, K, N, w, i, arch)
    segs, A, c = pl.segs, pl.per_chunk, pl.chunk
    outs = P * K
    word = N.bit_length() + w + i + 1
    widths = _seg_widths(N, a.cols, segs)
    pops: dict = {}
    for wd in widths:
        _add_pop(pops, wd, outs * w * i)
    kernel_rows = K * w * segs * pl.replicas
    ops = {
        "and2": outs * N * w * i,
        "row_pair": outs * w * i * segs,
        "bitcount": outs * N * w * i,
        "shift": outs * w * i,
        "add": outs * (w * i * segs - 1),
        "write": P * N * i * A,
        "row_write": P * i * segs * A,
        "bank_read": P * N * i,
        "bank_row_read": P * i * segs,
        "weight_write": K * N * w,
        "output": outs,
        "batchnorm": outs,
        "quantize": outs * i_next,
        "bank_write": outs * i_next,
        "bank_row_write": -(-outs * i_next // a.cols),
    }
    if a.kernels == "bank":
        ops.update(kernel_read=K * N * w, kernel_write=K * N * w * pl.replicas,
                   kernel_row_read=K * w * segs)
        ops["row_write"] += kernel_rows
    if signed:
        ops.update(sum_i_read=P * N * i, sum_i_row_read=P * i * segs,
                   sum_i_add=P * (i * segs - 1 + (1 if w > 1 else 0)), sign_sub=outs)
        for wd in widths:
            _add_pop(pops, wd, P * i)
    # critical path on the busiest array: pl.passes rounds of pl.windows windows each
    nw = pl.passes * pl.windows
    row_ops = nw * pl.busy * w * i * c
    phases = []
    if a.kernels == "bank":
        krows = pl.passes * pl.busy * w * c
        phases.append(Phase("kernel fetch", {"row_read": krows, "row_write": krows}))
    phases.append(Phase("window writes", {"row_read": nw * i * c, "row_write": nw * i * c}))
    phases.append(Phase("AND + Bit-Counter + Shifter + Sum",
                        {"row_op:and2": row_ops, f"popcount:{max(widths)}": row_ops,
                         f"add:{word}": row_ops}))
    if signed:
        phases.append(Phase("sum(I) term", {"row_read": nw * i * c,
                                            f"popcount:{max(widths)}": nw * i * c}))
    dpu_words = outs * (1 + i_next + (1 if signed else 0))
    phases.append(Phase("DPU batch-norm + quantize + write-back",
                        {f"dpu:{word}": -(-dpu_words // arch.dpu.lanes),
                         "row_write": ops["bank_row_write"]}))
    sched = (f"{kind} {layer.name} at {w}:{i}: {pl.groups} kernel group(s) of <= {pl.kpa} "
             f"kernels ({segs} row segment(s) in chunks of {c}), {pl.passes} pass(es) x "
             f"{pl.replicas} replica(s); per window write {i}x{segs} input rows into each "
             f"group, AND {w}x{i} plane pairs "
             f"per kernel, bitcount, shift, add" + ("; sum(I) term for +-1 weights"
                                                   if signed else ""))
    return LayerOps(layer.name, kind, "array", ops, sched, (w, i), word, pops, tuple(phases),
                    pl.arrays)


def _imce_pool(layer: Pool, i: int, arch: Architecture) -> LayerOps:
    c, h, wd = layer.out_shape
    outs = c * h * wd
    win = layer.size * layer.size
    word = i + (win - 1).bit_length()
    ops = {"bank_read": outs * win * i, "bank_row_read": -(-outs * win * i // arch.array.cols),
           "bank_write": outs * i, "bank_row_write": -(-outs * i // arch.array.cols)}
    if layer.kind == "avg":
        ops.update(add=outs * (win - 1), shift=outs)
        sched = f"avg-pool {layer.name}: Sum unit adds {win} values, Shifter divides (IMCE IV-A)"
    else:
        ops["compare"] = outs * (win - 1)
        sched = f"max-pool {layer.name}: {win - 1} compares per output in the DPU"
    steps = -(-(ops.get("add", 0) + ops.get("compare", 0)) // arch.dpu.lanes)
    phase = Phase("pool", {"row_read": ops["bank_row_read"], f"dpu:{word}": steps,
                           "row_write": ops["bank_row_write"]})
    return LayerOps(layer.name, "pool", "dpu", ops, sched, (1, i), word, {}, (phase,))


def _next_bits(net: Network, idx: int, arch: Architecture, first: str, last: str) -> int:
    """Input precision of the compute layer after position ``idx`` (the accumulator word of
    the last layer is not quantized: 0 bits -> written as a word by the caller)."""
    for l in net.layers[idx + 1:]:
        if not isinstance(l, Pool):
            return _rule(arch, l, first, last)[1][1]
    return 0


def _map_imce(net: Network, arch: Architecture) -> list[LayerOps]:
    comp = net.compute_layers()
    first, last = comp[0].name, comp[-1].name
    rows = []
    i_prev = arch.layers.first.bits[1]
    for idx, l in enumerate(net.layers):
        if isinstance(l, Pool):
            rows.append(_imce_pool(l, i_prev, arch))
            continue
        where, (w, i), role = _rule(arch, l, first, last)
        i_next = _next_bits(net, idx, arch, first, last)
        i_prev = i_next or i_prev
        if where == "host":
            rows.append(_host_layer(l, f"{role} layer on the host (architecture file)"))
        elif where == "dpu":
            rows.append(_dpu_layer(l, w, i, arch))
        else:
            out_bits = i_next or (_geom(l)[2].bit_length() + w + i + 1)
            rows.append(_imce_layer(l, w, i, out_bits, role == "inner", arch))
    return rows


# ----------------------------------------------------------------------------- CORN
def _corn_pool(layer: Pool, arch: Architecture, buffers: int) -> LayerOps:
    c, h, w = layer.out_shape
    outs = c * h * w
    win = layer.size * layer.size
    if layer.kind != "max" or win > 4:
        raise ParameterError(f"{layer.name}.size",
                             "CORN threshold-write pooling supports max-pool windows of <= 4 "
                             f"bits (the [11110] driver), got {layer.kind} "
                             f"{layer.size}x{layer.size}")
    b = arch.buffer
    rows_w = -(-outs // b.drivers_per_row)
    ops = {"read": outs * win, "row_read": -(-outs * win // arch.array.cols),
           "preset": outs, "maxpool_write": outs, "buffer_row_write": rows_w,
           "buffer_row_read": rows_w, "buffer_read": outs}
    steps = -(-rows_w // max(buffers, 1))
    phase = Phase("threshold write", {"row_read": -(-ops["row_read"] // max(buffers, 1)),
                                      "maxpool_step": steps, "buffer_row_read": steps})
    return LayerOps(layer.name, "pool", "buffer", ops,
                    f"max-pool {layer.name}: read {win} bits, PRESET, threshold write with "
                    f"[o1..o5]=[11110] (CORN III-B), {b.drivers_per_row} drivers per row, "
                    f"{buffers} buffer(s)", phases=(phase,))


def _corn_layer(layer, arch: Architecture, classifier: bool) -> LayerOps:
    P, K, N, kind = _geom(layer)
    a, b = arch.array, arch.buffer
    pl = place(layer.name, P, K, N, 1, 1, arch)
    segs, A, c = pl.segs, pl.per_chunk, pl.chunk
    outs = P * K
    ops = {"xnor2": outs * N, "row_pair": outs * segs, "write": P * N * A,
           "row_write": P * segs * A, "weight_write": K * N}
    nw = pl.passes * pl.windows
    phases = [Phase("window writes", {"row_write": nw * c})]
    widths = _corn_seg_widths(N, a.cols, b.fanin)
    pops: dict = {}
    word = N.bit_length()
    if classifier:   # class scores: popcount of the XNOR rows in the reconfigurable logic
        for wd in widths:
            _add_pop(pops, wd, outs)
        ops.update(add=outs * (segs - 1), output=outs)
        phases.append(Phase("XNOR + logic popcount",
                            {"row_op:xnor2": nw * pl.busy * c,
                             f"popcount:{max(widths)}": -(-outs * segs // arch.dpu.lanes)}))
        sched = (f"{kind} {layer.name}: XNOR reads in {A} PE(s); class scores need the "
                 f"popcount: {N} bits per output counted in the reconfigurable logic")
        return LayerOps(layer.name, kind, "array+logic", ops, sched, (1, 1), word, pops,
                        tuple(phases), pl.arrays)
    tree = majority_tree(N, b.fanin)
    per_level = [sum(cnt * buffer_row_writes(k, g, b.drivers_per_row) for k, cnt in pl.split)
                 for g in tree]
    busy_level = [buffer_row_writes(pl.busy, g, b.drivers_per_row) for g in tree]
    if max(busy_level) > b.rows * b.per_pe:
        raise ParameterError("buffer.rows", f"layer {layer.name}: one window's level-1 "
                                            f"majorities fill {max(busy_level)} buffer rows "
                                            f"of a PE; it has {b.per_pe} x {b.rows}")
    m = sum(tree)
    ops.update(majority_program=outs * m, preset=outs * m,
               buffer_row_write=P * sum(per_level), buffer_row_read=P * sum(per_level),
               buffer_read=outs * m, norm_bin=outs)
    B = b.per_pe
    steps = [-(-r // B) for r in busy_level]
    phases.append(Phase("XNOR read -> majority level 1",
                        {"row_op:xnor2": nw * pl.busy * c, "buffer_step": nw * steps[0]}))
    for lvl in range(1, len(tree)):
        phases.append(Phase(f"majority level {lvl + 1}",
                            {"buffer_row_read": nw * steps[lvl - 1],
                             "buffer_step": nw * steps[lvl]}))
    phases.append(Phase("read-out + Norm-Bin", {"buffer_row_read": nw * steps[-1],
                                                "dpu:1": -(-outs // arch.dpu.lanes)}))
    sched = (f"{kind} {layer.name}: {A} PE(s) of <= {pl.kpa} kernels, {segs} XNOR row(s) per "
             f"kernel; majority-of-{b.fanin} tree {tree} ({m} writes per output), "
             f"{sum(per_level)} buffer row writes per window (packed {b.drivers_per_row} "
             f"per row across outputs), {B} buffer(s) per PE; Norm-Bin in logic")
    return LayerOps(layer.name, kind, "array+buffer", ops, sched, (1, 1), word, pops,
                    tuple(phases), pl.arrays)


def _map_corn(net: Network, arch: Architecture) -> list[LayerOps]:
    comp = net.compute_layers()
    first, last = comp[0].name, comp[-1].name
    rows: list[LayerOps] = []
    buffers = 1
    for l in net.layers:
        if isinstance(l, Pool):
            rows.append(_corn_pool(l, arch, buffers))
            continue
        where, (w, i), role = _rule(arch, l, first, last)
        if where == "host":
            rows.append(_host_layer(l, "fixed-point on the host CPU (CORN III-A)"))
        elif where == "dpu":
            rows.append(_dpu_layer(l, w, i, arch))
        else:
            rows.append(_corn_layer(l, arch, role == "last"))
            buffers = rows[-1].arrays * arch.buffer.per_pe
    return rows


# ----------------------------------------------------------------------------- IMC-DPU
def _dpu_pool(layer: Pool, arch: Architecture) -> LayerOps:
    c, h, w = layer.out_shape
    outs = c * h * w
    win = layer.size * layer.size
    ops = {"read": outs * win, "row_read": -(-outs * win // arch.array.cols),
           "compare": outs * (win - 1), "write": outs,
           "row_write": -(-outs // arch.array.cols)}
    phase = Phase("pool", {"row_read": ops["row_read"],
                           "dpu:1": -(-ops["compare"] // arch.dpu.lanes),
                           "row_write": ops["row_write"]})
    return LayerOps(layer.name, "pool", "dpu", ops,
                    f"max-pool {layer.name}: {win - 1} compares per output in the DPU",
                    phases=(phase,))


def _imc_dpu_layer(layer, arch: Architecture, classifier: bool) -> LayerOps:
    P, K, N, kind = _geom(layer)
    a = arch.array
    pl = place(layer.name, P, K, N, 1, 1, arch)
    segs, A, c = pl.segs, pl.per_chunk, pl.chunk
    outs = P * K
    word = N.bit_length()
    widths = _seg_widths(N, a.cols, segs)
    pops: dict = {}
    for wd in widths:
        _add_pop(pops, wd, outs)
    ops = {"xnor2": outs * N, "row_pair": outs * segs, "write": P * N * A,
           "row_write": P * segs * A, "weight_write": K * N, "popcount": outs * N,
           "add": outs * (segs - 1), "buffer_write": outs,
           "buffer_row_write": -(-outs // a.cols)}
    if not classifier:
        ops["norm_bin"] = outs
    nw = pl.passes * pl.windows
    phases = (Phase("window writes", {"row_write": nw * c}),
              Phase("XNOR + DPU popcount", {"row_op:xnor2": nw * pl.busy * c,
                                            f"popcount:{max(widths)}": nw * pl.busy * c,
                                            f"add:{word}": nw * pl.busy * c}),
              Phase("Norm-Bin + write-back", {f"dpu:{word}": -(-outs // arch.dpu.lanes),
                                              "row_write": ops["buffer_row_write"]}))
    return LayerOps(layer.name, kind, "array+dpu", ops,
                    f"{kind} {layer.name}: XNOR reads in {A} PE(s), {N}-bit popcount in the "
                    f"DPU, Norm-Bin, write back", (1, 1), word, pops, phases, pl.arrays)


def _map_imc_dpu(net: Network, arch: Architecture) -> list[LayerOps]:
    comp = net.compute_layers()
    first, last = comp[0].name, comp[-1].name
    rows = []
    for l in net.layers:
        if isinstance(l, Pool):
            rows.append(_dpu_pool(l, arch))
            continue
        where, (w, i), role = _rule(arch, l, first, last)
        if where == "host":
            rows.append(_host_layer(l, "fixed-point on the host CPU"))
        elif where == "dpu":
            rows.append(_dpu_layer(l, w, i, arch))
        else:
            rows.append(_imc_dpu_layer(l, arch, role == "last"))
    return rows


_MAPPERS = {"imce": _map_imce, "corn": _map_corn, "imc-dpu": _map_imc_dpu}


def map_network(network, arch) -> Mapping:
    """Map ``network`` (zoo name, file or :class:`Network`) onto ``arch`` (shipped name,
    .toml file or :class:`Architecture`)."""
    net = get_network(network)
    arch = get_arch(arch)
    rows = _MAPPERS[arch.dataflow](net, arch)
    return Mapping(arch.name, net.name, {"dataflow": arch.dataflow, "bits": arch.bits_label},
                   tuple(rows))


def supported_networks(arch) -> dict[str, str | None]:
    """Which shipped networks map onto ``arch`` (a shipped name, .toml file or description).

    ``{network: None}`` when it maps, else ``{network: reason}`` (the mapping's own error,
    e.g. a pooling window the architecture cannot hold). No LUT is read.
    """
    from spincim.estimator.networks import NETWORKS

    description = get_arch(arch)
    out: dict[str, str | None] = {}
    for name in NETWORKS:
        try:
            map_network(get_network(name), description)
            out[name] = None
        except ParameterError as exc:
            out[name] = str(exc)
    return out

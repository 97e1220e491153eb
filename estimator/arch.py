"""Accelerator architectures as data: a small TOML file, checked key by key.

An architecture description says how an accelerator is organized and where each layer
runs; :mod:`spincim.estimator.mapping` turns it into operation counts and
:mod:`spincim.estimator.energy` prices them with a LUT. Shipped descriptions live in
``estimator/arch/<name>.toml`` (``imce``, ``corn``, ``imc-dpu``); each choice there cites the
paper's section or figure, or says that the paper is silent.

File format (every key optional unless marked; units in the key names)::

    name = "my-accel"                 # one line of text
    dataflow = "imce"                 # required: "imce" (bit-plane AND + Bit-Counter, IMCE
                                      # Eq. 3), "corn" (XNOR read + majority write, CORN III)
                                      # or "imc-dpu" (XNOR read + CMOS popcount, CORN ref [7])
    source = "..."                    # where the description comes from
    lut = "default_45nm.h5"           # required: a shipped LUT name or a path (relative
                                      # paths are taken from the description's folder)
    [operating]                       # LUT coordinates (default: the LUT's nominal values)
    vdd_v = 1.0
    temperature_k = 300.0
    [array]                           # compute sub-arrays (IMCE) / PEs (CORN)
    rows = 256                        # a LUT grid value of the line ops (64 .. 1024)
    cols = 256
    parallel = 1                      # arrays computing at once: an integer, or "all"
                                      # (every array holding the layer's kernels)
    kernels = "bank"                  # "bank": kernels fetched per image from a Kernel Bank
                                      # into a pool of `parallel` arrays; "stationary": every
                                      # layer's kernels stay in arrays of their own
    [buffer]                          # CORN computing data buffer (dataflow "corn" only)
    rows = 1024
    cols = 512
    fanin = 9                         # inputs of a majority write driver
    drivers_per_row = 56              # write drivers per buffer row
    per_pe = 1                        # buffers working beside each PE
    majority = "corn"                 # majority-write design (spincim.netlists.
                                      # majority_designs: "corn", "corn-ptm",
                                      # "comparator", "popcount")
    [layers]
    bits = "1:1"                      # W:I of the quantized layers
    [layers.first]                    # the first conv layer
    where = "array"                   # "array", "dpu" or "host"
    bits = "8:8"
    [layers.last]                     # the last (classifier) layer
    where = "array"
    bits = "8:8"
    [dpu]
    lanes = 64                        # word-level units working at once
    [host]                            # needed only if a layer runs on the host
    mac_per_s = 5.2e9
    energy_per_mac_j = 4.6e-12
    overlap = false                   # host works on the next image meanwhile
    [timing]
    pipeline = true                   # stages of a phase overlap (the slowest sets the pace)
    clock_hz = 0.0                    # > 0: every step rounds up to whole clock periods
    [bank]                            # optional: bank-level accounting (estimator/bank.py):
                                      # every memory array is a mat of one bank; bits moved
                                      # between mats pay the H-tree, accesses the mat
                                      # decoder, every mat leaks during the image
    activity = 0.5                    # probability that a moved bit toggles its wire
    htree_length_m = 1.5e-3           # root-to-leaf H-tree length (default: from the area)
    leakage = true                    # count leakage x latency

Errors are :class:`~spincim.errors.ParameterError` naming the dotted key (``array.rows``).
"""

from __future__ import annotations

import copy
import math
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from spincim.errors import ParameterError

__all__ = ["ArrayOrg", "BankCfg", "BufferOrg", "LayerRule", "LayerRules", "Dpu", "Host", "Timing",
           "Operating", "Architecture", "SHIPPED", "DATAFLOWS", "load_arch", "get_arch",
           "arch_from_dict", "parse_bits", "set_key", "with_overrides", "describe",
           "KEY_ALIASES"]

#: dataflow templates the mapping knows
DATAFLOWS = ("imce", "corn", "imc-dpu")
#: names of the shipped descriptions (estimator/arch/<name>.toml)
SHIPPED = ("imce", "corn", "imc-dpu")
#: largest count any field may hold (arrays, lanes, rows)
MAX_COUNT = 10**7
#: short names for ``--sweep`` / CLI overrides -> dotted keys of the description
KEY_ALIASES = {"rows": "array.rows", "cols": "array.cols", "parallel": "array.parallel",
               "kernels": "array.kernels", "bits": "layers.bits",
               "buffers": "buffer.per_pe", "buffer_rows": "buffer.rows",
               "dpu_lanes": "dpu.lanes", "vdd_v": "operating.vdd_v",
               "temperature_k": "operating.temperature_k", "clock_hz": "timing.clock_hz",
               "pipeline": "timing.pipeline", "overlap": "host.overlap",
               "first_bits": "layers.first.bits", "last_bits": "layers.last.bits",
               "majority": "buffer.majority",
               "htree_length_m": "bank.htree_length_m", "activity": "bank.activity"}
_TEXT_RE = re.compile(r"[ -~]{0,1000}")   # one line of printable ASCII


# ----------------------------------------------------------------------------- checks
def _int(key: str, value, lo: int = 1, hi: int = MAX_COUNT) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(key, f"must be an integer, got {value!r}"[:200])
    if not lo <= value <= hi:
        raise ParameterError(key, f"must be between {lo} and {hi}, got {value}"[:200])
    return value


def _float(key: str, value, lo: float = 0.0, hi: float = math.inf, *,
           open_lo: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(key, f"must be a number, got {value!r}"[:200])
    v = float(value)
    if not math.isfinite(v) or v > hi or v < lo or (open_lo and v == lo):
        side = ">" if open_lo else ">="
        raise ParameterError(key, f"must be finite, {side} {lo:g} and <= {hi:g}, got {value!r}"
                             [:200])
    return v


def _bool(key: str, value) -> bool:
    if not isinstance(value, bool):
        raise ParameterError(key, f"must be true or false, got {value!r}"[:200])
    return value


def _choice(key: str, value, allowed) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ParameterError(key, f"must be one of {', '.join(map(repr, allowed))}, "
                                  f"got {value!r}"[:200])
    return value


def _text(key: str, value) -> str:
    if not isinstance(value, str) or _TEXT_RE.fullmatch(value) is None:
        raise ParameterError(key, f"must be one line of printable text (<= 1000 characters), "
                                  f"got {value!r}"[:200])
    return value


def parse_bits(text, key: str = "bits") -> tuple[int, int]:
    """``"W:I"`` -> (w, i), both integers in [1, 16]."""
    parts = text.split(":") if isinstance(text, str) else []
    if len(parts) != 2 or not all(p.strip().isdigit() and len(p.strip()) <= 3 for p in parts):
        raise ParameterError(key, f"expected W:I with two positive integers, e.g. 1:2; "
                                  f"got {text!r}"[:200])
    w, i = (int(p) for p in parts)
    if not (1 <= w <= 16 and 1 <= i <= 16):
        raise ParameterError(key, f"W and I must be in [1, 16], got {text!r}")
    return w, i


# ----------------------------------------------------------------------------- sections
@dataclass(frozen=True, kw_only=True)
class ArrayOrg:
    """Compute arrays: rows x cols cells; ``parallel`` of them work at once (0 = "all")."""

    rows: int = 256
    cols: int = 256
    parallel: int = 1
    kernels: str = "bank"

    def __post_init__(self):
        _int("array.rows", self.rows, 2)
        _int("array.cols", self.cols, 1)
        _int("array.parallel", self.parallel, 0)
        _choice("array.kernels", self.kernels, ("bank", "stationary"))
        if self.kernels == "bank" and self.parallel == 0:
            raise ParameterError("array.parallel", '"all" needs kernels = "stationary" (a '
                                                   "kernel bank feeds a pool of a stated size)")


@dataclass(frozen=True, kw_only=True)
class BufferOrg:
    """CORN computing data buffer beside each PE (CORN III-A, IV-C)."""

    rows: int = 1024
    cols: int = 512
    fanin: int = 9
    drivers_per_row: int = 56
    per_pe: int = 1
    majority: str = "corn"

    def __post_init__(self):
        from spincim.netlists import majority_designs

        _int("buffer.rows", self.rows)
        _int("buffer.cols", self.cols)
        _int("buffer.fanin", self.fanin, 3, 9)
        if self.fanin % 2 == 0:
            raise ParameterError("buffer.fanin", f"must be odd (a majority), got {self.fanin}")
        _int("buffer.drivers_per_row", self.drivers_per_row, 1, self.cols // self.fanin or 1)
        _int("buffer.per_pe", self.per_pe)
        majority_designs.entry(self.majority, field_name="buffer.majority")


@dataclass(frozen=True, kw_only=True)
class LayerRule:
    """Where one layer runs ("array", "dpu" or "host") and at what W:I."""

    where: str
    bits: tuple[int, int]
    key: str = "layers.first"

    def __post_init__(self):
        _choice(f"{self.key}.where", self.where, ("array", "dpu", "host"))


@dataclass(frozen=True, kw_only=True)
class LayerRules:
    """W:I of the quantized layers and the rules of the first and last layer."""

    bits: tuple[int, int] = (1, 1)
    first: LayerRule = LayerRule(where="array", bits=(8, 8), key="layers.first")
    last: LayerRule = LayerRule(where="array", bits=(8, 8), key="layers.last")


@dataclass(frozen=True, kw_only=True)
class Dpu:
    """Digital processing unit / reconfigurable logic: ``lanes`` word units at once."""

    lanes: int = 64

    def __post_init__(self):
        _int("dpu.lanes", self.lanes)


@dataclass(frozen=True, kw_only=True)
class Host:
    """Host processor for layers kept off the accelerator: stated rate and energy per MAC.

    ``None`` values are allowed until a layer is placed on the host."""

    mac_per_s: float | None = None
    energy_per_mac_j: float | None = None
    overlap: bool = False
    popcount_bits_per_op: int = 64

    def __post_init__(self):
        if self.mac_per_s is not None:
            _float("host.mac_per_s", self.mac_per_s, 0.0, 1e18)
        if self.energy_per_mac_j is not None:
            _float("host.energy_per_mac_j", self.energy_per_mac_j, 0.0, 1.0)
        _bool("host.overlap", self.overlap)
        _int("host.popcount_bits_per_op", self.popcount_bits_per_op, 1, 4096)


@dataclass(frozen=True, kw_only=True)
class Timing:
    """Cycle rules: pipelined stages and an optional clock."""

    pipeline: bool = True
    clock_hz: float = 0.0

    def __post_init__(self):
        _bool("timing.pipeline", self.pipeline)
        if self.clock_hz != 0.0:
            _float("timing.clock_hz", self.clock_hz, 0.0, 1e12)


@dataclass(frozen=True, kw_only=True)
class BankCfg:
    """Bank-level accounting (:mod:`spincim.estimator.bank`): data activity, an optional
    root-to-leaf H-tree length (m) in place of the one derived from the area, leakage."""

    activity: float = 0.5
    htree_length_m: float | None = None
    leakage: bool = True

    def __post_init__(self):
        _float("bank.activity", self.activity, 0.0, 1.0)
        if self.htree_length_m is not None:
            _float("bank.htree_length_m", self.htree_length_m, 0.0, 1.0)
        _bool("bank.leakage", self.leakage)


@dataclass(frozen=True, kw_only=True)
class Operating:
    """LUT coordinates of the operating point (None: the LUT's nominal)."""

    vdd_v: float | None = None
    temperature_k: float | None = None

    def __post_init__(self):
        if self.vdd_v is not None:
            _float("operating.vdd_v", self.vdd_v, 0.0, 10.0)
        if self.temperature_k is not None:
            _float("operating.temperature_k", self.temperature_k, 0.0, 2000.0)

    def coords(self) -> dict:
        return {k: v for k, v in (("vdd_v", self.vdd_v), ("temperature_k", self.temperature_k))
                if v is not None}


@dataclass(frozen=True, kw_only=True)
class Architecture:
    """One accelerator: dataflow, organization, layer placement, LUT (see module doc)."""

    name: str
    dataflow: str
    lut: str
    source: str = ""
    array: ArrayOrg = ArrayOrg()
    buffer: BufferOrg | None = None
    layers: LayerRules = LayerRules()
    dpu: Dpu = Dpu()
    host: Host = Host()
    timing: Timing = Timing()
    operating: Operating = Operating()
    bank: BankCfg | None = None
    base_dir: str = ""                 # folder of the description file (relative LUT paths)
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        _text("name", self.name)
        _choice("dataflow", self.dataflow, DATAFLOWS)
        _text("lut", self.lut)
        _text("source", self.source)
        if self.dataflow == "corn" and self.buffer is None:
            raise ParameterError("buffer", 'dataflow "corn" needs a [buffer] table')
        if self.dataflow != "corn" and self.buffer is not None:
            raise ParameterError("buffer", f"only dataflow \"corn\" has a computing buffer, "
                                           f"not {self.dataflow!r}")
        if self.dataflow != "imce":
            for key, rule in (("layers", self.layers),
                              ("layers.first", self.layers.first),
                              ("layers.last", self.layers.last)):
                bits = rule.bits
                in_array = key == "layers" or rule.where == "array"
                if in_array and bits != (1, 1):
                    raise ParameterError(f"{key}.bits", f"{self.dataflow} arrays compute binary "
                                                        f"XNOR only (1:1), got {bits[0]}:{bits[1]}")
        for rule in (self.layers.first, self.layers.last):
            if rule.where == "host" and (self.host.mac_per_s is None
                                         or self.host.energy_per_mac_j is None):
                raise ParameterError("host.mac_per_s" if self.host.mac_per_s is None
                                     else "host.energy_per_mac_j",
                                     f"needed: {rule.key}.where = 'host'")

    @property
    def bits_label(self) -> str:
        w, i = self.layers.bits
        return f"{w}:{i}"

    def lut_candidates(self) -> tuple[Path, str]:
        """(path relative to the description's folder, bare name of a shipped LUT)."""
        p = Path(self.lut)
        return (p if p.is_absolute() else Path(self.base_dir or ".") / p), (
            self.lut if p.name == self.lut else "")


# ----------------------------------------------------------------------------- loading
_SECTIONS = {
    "array": (ArrayOrg, {"rows": "int", "cols": "int", "parallel": "parallel",
                         "kernels": "str"}),
    "buffer": (BufferOrg, {"rows": "int", "cols": "int", "fanin": "int",
                           "drivers_per_row": "int", "per_pe": "int", "majority": "str"}),
    "dpu": (Dpu, {"lanes": "int"}),
    "host": (Host, {"mac_per_s": "num", "energy_per_mac_j": "num", "overlap": "bool",
                    "popcount_bits_per_op": "int"}),
    "timing": (Timing, {"pipeline": "bool", "clock_hz": "num"}),
    "operating": (Operating, {"vdd_v": "num", "temperature_k": "num"}),
    "bank": (BankCfg, {"activity": "num", "htree_length_m": "num", "leakage": "bool"}),
}
_TOP = ("name", "dataflow", "source", "lut", "layers", *_SECTIONS)


def _table(key: str, value) -> dict:
    if not isinstance(value, dict):
        raise ParameterError(key, f"must be a table, got {value!r}"[:200])
    return value


def _section(name: str, raw) -> object:
    cls, kinds = _SECTIONS[name]
    raw = _table(name, raw)
    kwargs = {}
    for key, value in raw.items():
        if key not in kinds:
            raise ParameterError(f"{name}.{key}", f"unknown key; allowed: {', '.join(kinds)}")
        kind = kinds[key]
        full = f"{name}.{key}"
        if kind == "parallel":
            if value == "all":
                value = 0
            elif isinstance(value, str):
                raise ParameterError(full, f'must be an integer >= 1 or "all", got {value!r}'
                                     [:200])
            else:
                _int(full, value, 1)
        elif kind == "int":
            _int(full, value, 0 if key == "parallel" else 1)
        elif kind == "num":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ParameterError(full, f"must be a number, got {value!r}"[:200])
            value = float(value)
        elif kind == "bool":
            _bool(full, value)
        elif kind == "str" and not isinstance(value, str):
            raise ParameterError(full, f"must be a string, got {value!r}"[:200])
        kwargs[key] = value
    return cls(**kwargs)


def _rule(key: str, raw, default: LayerRule) -> LayerRule:
    raw = _table(key, raw)
    for k in raw:
        if k not in ("where", "bits"):
            raise ParameterError(f"{key}.{k}", "unknown key; allowed: where, bits")
    where = raw.get("where", default.where)
    bits = parse_bits(raw["bits"], f"{key}.bits") if "bits" in raw else default.bits
    return LayerRule(where=where, bits=bits, key=key)


def _default_rules(dataflow) -> LayerRules:
    """Edge layers at 8:8 in IMCE's bit-plane arrays; binary (1:1) where arrays only XNOR."""
    if dataflow == "imce":
        return LayerRules()
    return LayerRules(first=LayerRule(where="array", bits=(1, 1), key="layers.first"),
                      last=LayerRule(where="array", bits=(1, 1), key="layers.last"))


def _layers(raw, dataflow) -> LayerRules:
    raw = _table("layers", raw)
    for k in raw:
        if k not in ("bits", "first", "last"):
            raise ParameterError(f"layers.{k}", "unknown key; allowed: bits, first, last")
    base = _default_rules(dataflow)
    bits = parse_bits(raw["bits"], "layers.bits") if "bits" in raw else base.bits
    return LayerRules(bits=bits, first=_rule("layers.first", raw.get("first", {}), base.first),
                      last=_rule("layers.last", raw.get("last", {}), base.last))


def arch_from_dict(data, *, base_dir: str = "", default_name: str = "user") -> Architecture:
    """Build an :class:`Architecture` from a parsed TOML table, checking every key."""
    data = _table("architecture", data)
    for key in data:
        if key not in _TOP:
            raise ParameterError(key, f"unknown key; allowed: {', '.join(_TOP)}")
    for key in ("dataflow", "lut"):
        if key not in data:
            raise ParameterError(key, "missing (required)")
    kwargs = {k: _section(k, data[k]) for k in _SECTIONS if k in data}
    kwargs["layers"] = _layers(data.get("layers", {}), data["dataflow"])
    for key in ("name", "dataflow", "source", "lut"):
        if key in data:
            if not isinstance(data[key], str):
                raise ParameterError(key, f"must be a string, got {data[key]!r}"[:200])
            kwargs[key] = data[key]
    kwargs.setdefault("name", default_name)
    return Architecture(base_dir=base_dir, raw=copy.deepcopy(data), **kwargs)


def _read_toml(path: Path, key: str = "arch") -> dict:
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ParameterError(key, f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return tomllib.loads(text.decode())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ParameterError(key, f"{path}: cannot parse TOML: {exc}") from exc
    except RecursionError:
        raise ParameterError(key, f"{path}: nested too deeply") from None


def load_arch(path) -> Architecture:
    """Read and check an architecture description (.toml)."""
    path = Path(path)
    data = _read_toml(path)
    return arch_from_dict(data, base_dir=str(path.parent), default_name=path.stem)


def _shipped(name: str) -> Architecture:
    from importlib import resources

    res = resources.files("spincim.estimator") / "arch" / f"{name}.toml"
    data = tomllib.loads(res.read_text())
    return arch_from_dict(data, default_name=name)


def get_arch(name_or_path) -> Architecture:
    """A shipped description by name (``imce``, ``corn``, ``imc-dpu``) or a .toml file."""
    if isinstance(name_or_path, Architecture):
        return name_or_path
    text = str(name_or_path)
    if text in SHIPPED:
        return _shipped(text)
    if text.lower().endswith(".toml"):
        return load_arch(text)
    raise ParameterError("arch", f"unknown architecture {text!r}"[:200]
                         + f"; expected one of {', '.join(SHIPPED)} or a .toml file")


# ----------------------------------------------------------------------------- overrides
def set_key(arch: Architecture, key: str, value) -> Architecture:
    """A copy of ``arch`` with the dotted ``key`` (or a :data:`KEY_ALIASES` name) set to
    ``value``, checked again like a file."""
    return with_overrides(arch, {key: value})


def with_overrides(arch: Architecture, overrides: dict) -> Architecture:
    """Apply several :func:`set_key` overrides at once (one check at the end)."""
    if not overrides:
        return arch
    data = copy.deepcopy(arch.raw)
    for key, value in overrides.items():
        key = KEY_ALIASES.get(key, key)
        parts = key.split(".")
        if not all(parts) or len(parts) > 3:
            raise ParameterError(key, "expected a dotted key of the description, "
                                      "e.g. array.rows")
        node = data
        for p in parts[:-1]:
            nxt = node.setdefault(p, {})
            if not isinstance(nxt, dict):
                raise ParameterError(key, f"{p} is not a table")
            node = nxt
        node[parts[-1]] = value
    return arch_from_dict(data, base_dir=arch.base_dir, default_name=arch.name)


def describe(arch: Architecture) -> dict:
    """The resolved description as plain data (for JSON output)."""
    def plain(obj):
        return {f.name: getattr(obj, f.name) for f in fields(obj)}

    layers = arch.layers
    return {
        "name": arch.name, "dataflow": arch.dataflow, "source": arch.source, "lut": arch.lut,
        "array": {**plain(arch.array),
                  "parallel": arch.array.parallel or "all"},
        "buffer": plain(arch.buffer) if arch.buffer else None,
        "layers": {"bits": "%d:%d" % layers.bits,
                   "first": {"where": layers.first.where, "bits": "%d:%d" % layers.first.bits},
                   "last": {"where": layers.last.where, "bits": "%d:%d" % layers.last.bits}},
        "dpu": plain(arch.dpu), "host": plain(arch.host), "timing": plain(arch.timing),
        "operating": plain(arch.operating),
        "bank": plain(arch.bank) if arch.bank else None,
    }


"""Layer shapes of the networks spincim maps, as data.

A network is an ordered tuple of layers (:class:`Conv`, :class:`Pool`, :class:`FC`).
Every layer carries its full input shape so that a layer file is self-describing;
:class:`Network` checks that each layer's input matches the previous layer's output
(FC layers take the flattened C*H*W of what precedes them).

Shapes are (channels, height, width); sizes are in elements (pixels, channels).
Errors are :class:`spincim.errors.ParameterError` whose ``field`` is
``"<layer name>.<field>"`` (or ``"layers[i].<field>"`` before a name is known).
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import MISSING, dataclass, fields
from pathlib import Path

from spincim.errors import ParameterError

__all__ = ["Conv", "Pool", "FC", "Network", "NETWORKS", "load_network", "network_from_dict",
           "network_to_dict", "format_network", "get_network"]


#: Largest size a layer field may have (channels, pixels, features, kernel, stride, padding).
MAX_SIZE = 10**7
#: Layer names: what reports and tables can print on one line.
NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}")


def _check_int(layer: str, name: str, value, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(f"{layer}.{name}", f"must be an integer, got {value!r}"[:200])
    if not minimum <= value <= MAX_SIZE:
        raise ParameterError(f"{layer}.{name}",
                             f"must be between {minimum} and {MAX_SIZE}, got {value}"[:200])


@dataclass(frozen=True)
class Conv:
    """2-D convolution: in_ch x in_h x in_w -> out_ch x out_h x out_w, square kernel."""

    name: str
    in_ch: int
    out_ch: int
    in_h: int
    in_w: int
    kernel: int
    stride: int = 1
    padding: int = 0

    def __post_init__(self):
        _check_name(self.name)
        for f, lo in (("in_ch", 1), ("out_ch", 1), ("in_h", 1), ("in_w", 1), ("kernel", 1),
                      ("stride", 1), ("padding", 0)):
            _check_int(self.name, f, getattr(self, f), lo)
        for f, size in (("in_h", self.in_h), ("in_w", self.in_w)):
            if size + 2 * self.padding < self.kernel:
                raise ParameterError(f"{self.name}.kernel",
                                     f"kernel {self.kernel} larger than padded {f} "
                                     f"{size}+2*{self.padding}")

    @property
    def in_shape(self) -> tuple[int, int, int]:
        return (self.in_ch, self.in_h, self.in_w)

    @property
    def out_h(self) -> int:
        return (self.in_h + 2 * self.padding - self.kernel) // self.stride + 1

    @property
    def out_w(self) -> int:
        return (self.in_w + 2 * self.padding - self.kernel) // self.stride + 1

    @property
    def out_shape(self) -> tuple[int, int, int]:
        return (self.out_ch, self.out_h, self.out_w)

    @property
    def window(self) -> int:
        """Number of products per output value: in_ch * kernel^2."""
        return self.in_ch * self.kernel * self.kernel

    @property
    def macs(self) -> int:
        return self.out_h * self.out_w * self.out_ch * self.window


@dataclass(frozen=True)
class Pool:
    """Pooling over size x size windows; kind is "max" or "avg"."""

    name: str
    ch: int
    in_h: int
    in_w: int
    size: int
    stride: int
    kind: str = "max"

    def __post_init__(self):
        _check_name(self.name)
        for f, lo in (("ch", 1), ("in_h", 1), ("in_w", 1), ("size", 1), ("stride", 1)):
            _check_int(self.name, f, getattr(self, f), lo)
        if self.kind not in ("max", "avg"):
            raise ParameterError(f"{self.name}.kind", f"must be 'max' or 'avg', got {self.kind!r}")
        for f, size in (("in_h", self.in_h), ("in_w", self.in_w)):
            if size < self.size:
                raise ParameterError(f"{self.name}.{f}", f"{size} smaller than window {self.size}")

    @property
    def in_shape(self) -> tuple[int, int, int]:
        return (self.ch, self.in_h, self.in_w)

    @property
    def out_shape(self) -> tuple[int, int, int]:
        return (self.ch, (self.in_h - self.size) // self.stride + 1,
                (self.in_w - self.size) // self.stride + 1)


@dataclass(frozen=True)
class FC:
    """Fully connected layer: in_features -> out_features (a 1x1-output convolution)."""

    name: str
    in_features: int
    out_features: int

    def __post_init__(self):
        _check_name(self.name)
        _check_int(self.name, "in_features", self.in_features, 1)
        _check_int(self.name, "out_features", self.out_features, 1)

    @property
    def in_shape(self) -> tuple[int, int, int]:
        return (self.in_features, 1, 1)

    @property
    def out_shape(self) -> tuple[int, int, int]:
        return (self.out_features, 1, 1)

    @property
    def window(self) -> int:
        return self.in_features

    @property
    def macs(self) -> int:
        return self.in_features * self.out_features


Layer = Conv | Pool | FC
_TYPES = {"conv": Conv, "pool": Pool, "fc": FC}


def _check_name(name) -> None:
    if not isinstance(name, str) or NAME_RE.fullmatch(name) is None:
        raise ParameterError("layer.name", f"must be 1-64 letters, digits, '_', '.' or '-' "
                                           f"(not starting with '.' or '-'), got {name!r}"[:200])


def _prod(shape) -> int:
    c, h, w = shape
    return c * h * w


@dataclass(frozen=True)
class Network:
    """An ordered, shape-checked tuple of layers with the source it was taken from."""

    name: str
    layers: tuple
    source: str = ""
    input_shape: tuple | None = None   # (C, H, W) of the image; defaults to layer 0's input

    def __post_init__(self):
        if not self.layers:
            raise ParameterError(f"{self.name}.layers", "a network needs at least one layer")
        object.__setattr__(self, "layers", tuple(self.layers))
        seen = set()
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, (Conv, Pool, FC)):
                raise ParameterError(f"layers[{i}].type", f"not a layer: {layer!r}")
            if layer.name in seen:
                raise ParameterError(f"{layer.name}.name", f"duplicate layer name (layer {i})")
            seen.add(layer.name)
        if not any(isinstance(layer, (Conv, FC)) for layer in self.layers):
            raise ParameterError(f"{self.name}.layers", "a network needs at least one conv or "
                                 "fc layer (only pool layers given: nothing to compute)")
        shape = tuple(self.input_shape) if self.input_shape is not None else self.layers[0].in_shape
        object.__setattr__(self, "input_shape", shape)
        for i, layer in enumerate(self.layers):
            _check_follows(layer, shape, i)
            shape = layer.out_shape

    @property
    def output_shape(self) -> tuple[int, int, int]:
        return self.layers[-1].out_shape

    def shapes(self) -> list[tuple[str, tuple, tuple]]:
        """(layer name, input shape, output shape) for every layer."""
        return [(l.name, l.in_shape, l.out_shape) for l in self.layers]

    def compute_layers(self) -> list:
        """The Conv and FC layers, in order."""
        return [l for l in self.layers if isinstance(l, (Conv, FC))]

    def __getitem__(self, name: str):
        for l in self.layers:
            if l.name == name:
                return l
        raise KeyError(name)


def _check_follows(layer, shape, i) -> None:
    """Raise ParameterError if ``layer`` cannot take an input of ``shape``."""
    if isinstance(layer, FC):
        if layer.in_features != _prod(shape):
            raise ParameterError(f"{layer.name}.in_features",
                                 f"layer {i}: expected {_prod(shape)} (= flattened {shape}), "
                                 f"got {layer.in_features}")
        return
    names = ("in_ch", "in_h", "in_w") if isinstance(layer, Conv) else ("ch", "in_h", "in_w")
    for f, want, got in zip(names, shape, layer.in_shape):
        if want != got:
            raise ParameterError(f"{layer.name}.{f}",
                                 f"layer {i}: previous output is {shape}, got {f}={got}")


def network_from_dict(data: dict, default_name: str = "user") -> Network:
    """Build a :class:`Network` from ``{"name", "source", "input", "layers": [{type, ...}]}``."""
    if not isinstance(data, dict):
        raise ParameterError("network", "top level must be a table/object")
    layers_raw = data.get("layers")
    if not isinstance(layers_raw, list) or not layers_raw:
        raise ParameterError("layers", "must be a non-empty list of layer tables")
    layers = []
    for i, raw in enumerate(layers_raw):
        if not isinstance(raw, dict):
            raise ParameterError(f"layers[{i}]", "must be a table/object")
        raw = dict(raw)
        name = raw.get("name", f"layers[{i}]")
        if not isinstance(name, str) or NAME_RE.fullmatch(name) is None:
            name = f"layers[{i}]"   # _check_name reports the bad name itself
        kind = raw.pop("type", None)
        if not isinstance(kind, str) or kind not in _TYPES:
            raise ParameterError(f"{name}.type",
                                 f"unknown layer type {kind!r}; expected one of {sorted(_TYPES)}")
        cls = _TYPES[kind]
        allowed = {f.name for f in fields(cls)}
        for key in raw:
            if key not in allowed:
                raise ParameterError(f"{name}.{key}", f"unknown field for a {kind} layer")
        required = [f.name for f in fields(cls) if f.default is MISSING]
        for key in required:
            if key not in raw:
                raise ParameterError(f"{name}.{key}", f"missing required field of a {kind} layer")
        layers.append(cls(**raw))
    inp = data.get("input")
    if inp is not None:
        if (not isinstance(inp, list) or len(inp) != 3
                or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in inp)):
            raise ParameterError("input", f"must be [channels, height, width] of positive ints, "
                                          f"got {inp!r}"[:200])
        inp = tuple(inp)
    for key in data:
        if key not in ("name", "source", "input", "layers"):
            raise ParameterError(key, "unknown key; allowed: name, source, input, layers")
    name, source = data.get("name", default_name), data.get("source", "")
    for key, value in (("name", name), ("source", source)):
        if not isinstance(value, str) or not value.isprintable() or len(value) > 1000:
            raise ParameterError(key, f"must be one line of printable text (at most 1000 "
                                      f"characters), got {value!r}"[:200])
    return Network(name=name, layers=tuple(layers), source=source, input_shape=inp)


def network_to_dict(network: Network) -> dict:
    """The file form of ``network``: the inverse of :func:`network_from_dict`.

    Parameters
    ----------
    network : Network
        Any network (a zoo network or one read from a file).

    Returns
    -------
    dict
        ``{"name", "source", "input", "layers": [{"type", "name", ...}]}`` with every
        layer field written out, defaults included, so that the result is a complete
        template.
    """
    types = {cls: kind for kind, cls in _TYPES.items()}
    layers = []
    for layer in network.layers:
        entry = {"type": types[type(layer)]}
        entry.update({f.name: getattr(layer, f.name) for f in fields(layer)})
        layers.append(entry)
    return {"name": network.name, "source": network.source,
            "input": list(network.input_shape), "layers": layers}


def _toml_value(value) -> str:
    """One TOML scalar or array (ints, strings and lists of ints only)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)   # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(int(value))


def format_network(network: Network, fmt: str = "toml") -> str:
    """``network`` as the text of a network file that :func:`load_network` reads back.

    Parameters
    ----------
    network : Network
        The network to write.
    fmt : {"toml", "json"}
        File format.

    Returns
    -------
    str
        The file text, ending in a newline.
    """
    data = network_to_dict(network)
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    if fmt != "toml":
        raise ParameterError("format", f"must be 'toml' or 'json', got {fmt!r}"[:200])
    lines = ["# network file for spincim estimate --network FILE.toml",
             "# layer types: conv, pool, fc; shapes are (channels, height, width)"]
    lines += [f"{key} = {_toml_value(data[key])}" for key in ("name", "source", "input")]
    for layer in data["layers"]:
        lines += ["", "[[layers]]"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in layer.items()]
    return "\n".join(lines) + "\n"


def load_network(path) -> Network:
    """Read a network from a TOML (``.toml``) or JSON (``.json``) file of layer shapes.

    Format: optional ``name``, ``source``, ``input = [C, H, W]``, and a list ``layers`` of
    tables with ``type`` in {"conv", "pool", "fc"} and the fields of :class:`Conv`,
    :class:`Pool` or :class:`FC`. Raises ParameterError naming the layer and field.
    """
    from ..limits import read_input_file
    path = Path(path)
    text = read_input_file("network", path)
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        elif path.suffix.lower() == ".toml":
            data = tomllib.loads(text.decode())
        else:
            raise ParameterError("path", f"{path}: expected a .toml or .json file")
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ParameterError("path", f"{path}: cannot parse: {exc}") from exc
    except RecursionError:
        raise ParameterError("path", f"{path}: nested too deeply; expected a table of name, "
                                     "source, input and a list of layer tables") from None
    return network_from_dict(data, default_name=path.stem)


# ---------------------------------------------------------------------------------------------
# Model zoo. Helpers build layers with shapes propagated from the previous layer.

class _Builder:
    def __init__(self, shape):
        self.shape = tuple(shape)
        self.layers = []

    def conv(self, name, out_ch, kernel, stride=1, padding=0):
        c, h, w = self.shape
        l = Conv(name, c, out_ch, h, w, kernel, stride, padding)
        self.layers.append(l)
        self.shape = l.out_shape
        return self

    def pool(self, name, size=2, stride=2, kind="max"):
        c, h, w = self.shape
        l = Pool(name, c, h, w, size, stride, kind)
        self.layers.append(l)
        self.shape = l.out_shape
        return self

    def fc(self, name, out):
        l = FC(name, _prod(self.shape), out)
        self.layers.append(l)
        self.shape = l.out_shape
        return self


def _svhn() -> Network:
    # IMCE Sec. V-A: "A CNN with 6 (bit-wise) convolutional layers, 2 (average) pooling layers
    # and 2 FC layers ... for a 40x40 image", trained with DoReFa-Net [3]. Channel counts from
    # DoReFa-Net's reference model, tensorpack examples/DoReFa-Net/svhn-digit-dorefa.py:
    #   conv0 48 5x5 VALID (+bias, not quantized) -> pool0 2x2 -> conv1 64 3x3 SAME ->
    #   conv2 64 3x3 SAME -> pool1 2x2 -> conv3 128 3x3 VALID -> conv4 128 3x3 SAME ->
    #   conv5 128 3x3 VALID -> conv6 512 5x5 VALID (on a 5x5 map = an FC 3200->512) ->
    #   fc1 10 (not quantized).
    # IMCE's count "6 conv + 2 FC" = conv0..conv5 + (conv6, fc1); conv6 is kept here as the
    # FC it is equivalent to (IMCE: "FC layers are equivalently implemented by convolutions").
    # tensorpack uses max pooling; IMCE says average pooling (Sec. IV-A, V-A): we follow IMCE.
    b = (_Builder((3, 40, 40))
         .conv("conv0", 48, 5).pool("pool0", kind="avg")
         .conv("conv1", 64, 3, padding=1).conv("conv2", 64, 3, padding=1).pool("pool1", kind="avg")
         .conv("conv3", 128, 3).conv("conv4", 128, 3, padding=1).conv("conv5", 128, 3)
         .fc("fc0", 512).fc("fc1", 10))
    return Network("svhn", tuple(b.layers), input_shape=(3, 40, 40),
                   source="IMCE Sec. V-A; DoReFa-Net [IMCE ref 3] svhn-digit-dorefa.py "
                          "(tensorpack/examples/DoReFa-Net)")


def _alexnet() -> Network:
    # Binary-weight AlexNet on ImageNet (IMCE Table II, Fig. 8b; BWN of XNOR-Net, IMCE ref [5]).
    # Shapes of Krizhevsky et al. (NIPS 2012) on a 227x227 crop, written without the two-GPU
    # channel grouping (one tower: 96-256-384-384-256 channels), 3x3/2 max pooling,
    # FC 9216-4096-4096-1000. Conv1 and fc8 are the edge layers kept at full precision.
    b = (_Builder((3, 227, 227))
         .conv("conv1", 96, 11, stride=4).pool("pool1", 3, 2)
         .conv("conv2", 256, 5, padding=2).pool("pool2", 3, 2)
         .conv("conv3", 384, 3, padding=1).conv("conv4", 384, 3, padding=1)
         .conv("conv5", 256, 3, padding=1).pool("pool5", 3, 2)
         .fc("fc6", 4096).fc("fc7", 4096).fc("fc8", 1000))
    return Network("alexnet", tuple(b.layers), input_shape=(3, 227, 227),
                   source="IMCE Table II / Fig. 8b (binary-weight AlexNet, XNOR-Net BWN); "
                          "shapes of Krizhevsky et al. 2012, ungrouped")


def _mnist() -> Network:
    # IMCE Table II has an MNIST column but does not give the model. We use the LeNet-5-like
    # network of Caffe's examples/mnist/lenet.prototxt (conv 20 5x5, max 2x2, conv 50 5x5,
    # max 2x2, FC 800-500-10) because Table II compares convolutional (BCNN) accelerators,
    # which excludes the BinaryNet MLP; it is the most common small CNN for MNIST.
    b = (_Builder((1, 28, 28))
         .conv("conv1", 20, 5).pool("pool1")
         .conv("conv2", 50, 5).pool("pool2")
         .fc("fc1", 500).fc("fc2", 10))
    return Network("mnist", tuple(b.layers), input_shape=(1, 28, 28),
                   source="assumed: Caffe LeNet (examples/mnist/lenet.prototxt); IMCE Table II "
                          "does not name its MNIST model")


def _cifar10_bnn() -> Network:
    # CORN Sec. II / Fig. 3a: "six CONV layers, three FC, and three POOL layers", all 3x3
    # filters with edge padding, 2x2 max-pool without overlap, parameters from CORN ref [12]
    # (Zhao et al., FPGA'17, Table 1 there): conv 128-128-256-256-512-512 on 32x32x3, a
    # pool after conv2, conv4, conv6, FC 8192-1024-1024-10. Conv1 runs on the host (CORN III-A).
    b = (_Builder((3, 32, 32))
         .conv("conv1", 128, 3, padding=1).conv("conv2", 128, 3, padding=1).pool("pool1")
         .conv("conv3", 256, 3, padding=1).conv("conv4", 256, 3, padding=1).pool("pool2")
         .conv("conv5", 512, 3, padding=1).conv("conv6", 512, 3, padding=1).pool("pool3")
         .fc("fc1", 1024).fc("fc2", 1024).fc("fc3", 10))
    return Network("cifar10-bnn", tuple(b.layers), input_shape=(3, 32, 32),
                   source="CORN Sec. II, Fig. 3a; Zhao et al. FPGA'17 (CORN ref [12]) BNN")


NETWORKS: dict[str, Network] = {
    "svhn": _svhn(),
    "alexnet": _alexnet(),
    "mnist": _mnist(),
    "cifar10-bnn": _cifar10_bnn(),
}


def get_network(name_or_path) -> Network:
    """A zoo network by name, or a network file (.toml/.json) by path."""
    if isinstance(name_or_path, Network):
        return name_or_path
    if str(name_or_path) in NETWORKS:
        return NETWORKS[str(name_or_path)]
    p = Path(name_or_path)
    if p.suffix.lower() in (".toml", ".json"):
        return load_network(p)
    raise ParameterError("network", f"unknown network {name_or_path!r}; expected a zoo name "
                                    f"({', '.join(sorted(NETWORKS))}) or a .toml/.json file")

"""What a spincim lookup table holds: plain dataclasses and the HDF5 layout they map to.

No h5py here (only ``lut/io.py`` imports it). The file layout, schema version 2::

    /                       root attributes: schema_version, technology and the provenance
                            (spincim_version, git_revision, ngspice_version, netlist_sha256
                            and model_card_sha256 as JSON {name: sha256}, parameters as JSON,
                            seed, created_utc, command_line, plus optional extra scalars)
    /axes/<axis>            1-D dataset, a dimension scale named <axis>; attributes units,
                            description, integer (bool) and, when defined, nominal
    /ops/<op>/              group; attributes description and axes (axis names in order)
    /ops/<op>/energy_j      float64 over the op's axes (units "J"), each dimension attached
    /ops/<op>/latency_s     to its /axes/<axis> scale (units "s")
    /ops/<op>/<axis>        a copy of /axes/<axis> (values and attributes), also a dimension
                            scale, for every axis of the op: netCDF readers (xarray with
                            h5netcdf) look dimensions up in the op's group and its parents,
                            so ``xarray.open_dataset(path, group="ops/<op>")`` gets named
                            dimensions with coordinates; the reader ignores these copies
    /area/<component>       scalar float64 (units "m^2"), attribute description
    /mc/<experiment>/       group: summary attributes and summary datasets; optional raw
                            samples in /mc/<experiment>/samples/<name>
    /mc/<experiment>/<dim>  a dimension scale for every named dimension of its datasets and
                            samples, attached to them: the dimension's labels when given,
                            otherwise a netCDF "dimension but not a variable" placeholder

Which ops a technology must provide is data, not schema: readers pass ``required_ops``.
All values are SI floats. Names (technology, axes, ops, components, experiments, datasets)
match :data:`NAME_PATTERN`.
"""

from __future__ import annotations

import datetime
import json
import math
import re
import shlex
import sys
from dataclasses import dataclass, field, fields
from typing import Any, Mapping

import numpy as np

from spincim.errors import ParameterError

#: Version of the layout above; bump on any incompatible change. Version 2 added the
#: coordinate copies in every op group and the Monte Carlo dimension scales (a version-1
#: reader would take the latter for summary datasets).
SCHEMA_VERSION = 2

#: Versions :func:`spincim.lut.io.read_lut` reads (version 1 has neither addition).
READABLE_SCHEMA_VERSIONS = (1, 2)

#: Every name stored in a LUT: lower case, starts with a letter, at most 64 characters.
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")

#: Axis names that cannot be used: ``interp.value`` takes ``extrapolate`` as a keyword and
#: an op group holds its axes' coordinates beside its ``energy_j`` and ``latency_s`` tables.
RESERVED_AXIS_NAMES = frozenset({"extrapolate", "energy_j", "latency_s"})

#: The two tabulated quantities of every op and their units.
QUANTITIES = {"energy_j": "J", "latency_s": "s"}

AREA_UNITS = "m^2"

#: Root attributes every LUT carries besides ``schema_version`` and ``technology``.
PROVENANCE_KEYS = ("spincim_version", "git_revision", "ngspice_version", "netlist_sha256",
                   "model_card_sha256", "parameters", "seed", "created_utc", "command_line")

#: Provenance entries stored as JSON strings.
JSON_PROVENANCE_KEYS = ("netlist_sha256", "model_card_sha256", "parameters")

_SHA256 = re.compile(r"[0-9a-f]{64}")
_RESERVED_ROOT = frozenset({"schema_version", "technology"})


def check_name(field_name: str, name: Any) -> None:
    """Raise ``ParameterError`` unless ``name`` matches :data:`NAME_PATTERN`."""
    if not isinstance(name, str) or NAME_PATTERN.fullmatch(name) is None:
        raise ParameterError(field_name, f"{name!r} is not a valid name "
                                         f"(pattern {NAME_PATTERN.pattern})")


def _float_array(field_name: str, data: Any, *, ndim: int | None = None) -> np.ndarray:
    """A read-only float64 copy of ``data``; ``ParameterError`` if not numeric or finite."""
    try:
        arr = np.array(data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ParameterError(field_name, f"not a numeric array ({exc})") from None
    if ndim is not None and arr.ndim != ndim:
        raise ParameterError(field_name, f"expected {ndim} dimension(s), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(field_name, "contains NaN or infinite values")
    arr.flags.writeable = False
    return arr


def _same(a: Any, b: Any) -> bool:
    """Deep equality for the LUT dataclasses: arrays by dtype, shape and value."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
                and a.dtype == b.dtype and a.shape == b.shape
                and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


class _ArrayEq:
    """Field-wise equality that understands numpy arrays (fields with compare=False skipped)."""

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(_same(getattr(self, f.name), getattr(other, f.name))
                   for f in fields(self) if f.compare)

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, eq=False)
class Axis(_ArrayEq):
    """One named grid axis, stored as ``/axes/<name>`` and attached as a dimension scale.

    ``values`` (SI, in ``units``) are strictly increasing; they are kept as a read-only
    float64 copy. ``nominal`` is the coordinate used when a look-up does not give one
    (``None``: the caller must always give it). ``integer`` marks count axes (e.g. ``n_on``)
    whose look-ups must hit a grid value exactly instead of being interpolated.
    """

    name: str
    values: np.ndarray
    units: str
    nominal: float | None = None
    integer: bool = False
    description: str = ""

    def __post_init__(self):
        check_name("axis.name", self.name)
        where = f"axes.{self.name}"
        if self.name in RESERVED_AXIS_NAMES:
            raise ParameterError(where, f"{self.name!r} is reserved")
        values = _float_array(f"{where}.values", self.values, ndim=1)
        object.__setattr__(self, "values", values)
        if values.size == 0:
            raise ParameterError(f"{where}.values", "an axis needs at least one value")
        if values.size > 1 and not np.all(np.diff(values) > 0):
            raise ParameterError(f"{where}.values", "values must be strictly increasing")
        if not isinstance(self.units, str) or not self.units:
            raise ParameterError(f"{where}.units", "units must be a non-empty string "
                                                   "(use \"1\" for counts)")
        if not isinstance(self.integer, bool):
            raise ParameterError(f"{where}.integer", "must be True or False")
        if self.integer and not np.all(values == np.round(values)):
            raise ParameterError(f"{where}.values", "an integer axis needs integral values")
        if not isinstance(self.description, str):
            raise ParameterError(f"{where}.description", "must be a string")
        if self.nominal is not None:
            if (isinstance(self.nominal, bool) or not isinstance(self.nominal, (int, float))
                    or not math.isfinite(self.nominal)):
                raise ParameterError(f"{where}.nominal", f"{self.nominal!r} is not a finite number")
            if not values[0] <= self.nominal <= values[-1]:
                raise ParameterError(f"{where}.nominal", f"{self.nominal} {self.units} lies outside "
                                     f"the axis [{values[0]}, {values[-1]}]")
            if self.integer and self.nominal not in values:
                raise ParameterError(f"{where}.nominal", "the nominal value of an integer axis "
                                                         "must be one of its values")


@dataclass(frozen=True, eq=False)
class OpTable(_ArrayEq):
    """Energy (J) and latency (s) of one op tabulated over named axes.

    ``axes`` names the axes of both arrays in order (``()`` for a single scalar value);
    ``energy_j`` and ``latency_s`` have the same shape, finite and non-negative, kept as
    read-only float64 copies. The axis lengths are checked by :class:`Lut`.
    """

    op: str
    axes: tuple[str, ...]
    energy_j: np.ndarray
    latency_s: np.ndarray
    description: str = ""

    def __post_init__(self):
        check_name("op", self.op)
        where = f"ops.{self.op}"
        if not isinstance(self.axes, tuple):
            raise ParameterError(f"{where}.axes", "axes must be a tuple of axis names")
        for name in self.axes:
            check_name(f"{where}.axes", name)
        if len(set(self.axes)) != len(self.axes):
            raise ParameterError(f"{where}.axes", f"repeated axis in {self.axes}")
        for quantity in QUANTITIES:
            arr = _float_array(f"{where}.{quantity}", getattr(self, quantity),
                               ndim=len(self.axes))
            if np.any(arr < 0):
                raise ParameterError(f"{where}.{quantity}", "contains negative values")
            object.__setattr__(self, quantity, arr)
        if self.energy_j.shape != self.latency_s.shape:
            raise ParameterError(where, f"energy_j shape {self.energy_j.shape} differs from "
                                        f"latency_s shape {self.latency_s.shape}")
        if not isinstance(self.description, str):
            raise ParameterError(f"{where}.description", "must be a string")


@dataclass(frozen=True, eq=False)
class Area(_ArrayEq):
    """Layout area of one component in m^2 (finite, non-negative)."""

    component: str
    area_m2: float
    description: str = ""

    def __post_init__(self):
        check_name("area.component", self.component)
        where = f"area.{self.component}"
        if (isinstance(self.area_m2, bool) or not isinstance(self.area_m2, (int, float))
                or not math.isfinite(self.area_m2) or self.area_m2 < 0):
            raise ParameterError(f"{where}.area_m2",
                                 f"{self.area_m2!r} is not a finite non-negative area")
        if not isinstance(self.description, str):
            raise ParameterError(f"{where}.description", "must be a string")


_ATTR_TYPES = (str, bool, int, float, np.bool_, np.integer, np.floating)


@dataclass(frozen=True, eq=False)
class McSummary(_ArrayEq):
    """Summary of one Monte Carlo experiment (sense margins, failure rates, ...).

    ``attrs`` holds scalar summaries (str, bool, int or float; NaN allowed), ``datasets``
    numeric summary arrays, ``samples`` optional raw samples. Arrays keep their dtype.
    ``dims`` names the dimensions of any dataset or sample (``{"read_mean_v": ("read_state",)}``,
    one name per dimension); ``coords`` labels some of those dimensions
    (``{"read_state": np.array(["0", "1"])}``, numeric or text, one label per index). A named
    dimension is stored as an HDF5 dimension scale, so netCDF readers (xarray) see it.
    """

    experiment: str
    attrs: Mapping[str, Any] = field(default_factory=dict)
    datasets: Mapping[str, np.ndarray] = field(default_factory=dict)
    samples: Mapping[str, np.ndarray] = field(default_factory=dict)
    dims: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    coords: Mapping[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self):
        check_name("mc.experiment", self.experiment)
        where = f"mc.{self.experiment}"
        for key, val in self.attrs.items():
            check_name(f"{where}.attrs", key)
            if not isinstance(val, _ATTR_TYPES):
                raise ParameterError(f"{where}.attrs.{key}",
                                     f"{type(val).__name__} is not a str, bool, int or float")
        for group in ("datasets", "samples"):
            for key, arr in getattr(self, group).items():
                check_name(f"{where}.{group}", key)
                if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "biuf":
                    raise ParameterError(f"{where}.{group}.{key}", "must be a numeric numpy array")
        if "samples" in self.datasets:
            raise ParameterError(f"{where}.datasets", "'samples' is reserved for raw samples")
        self._check_dims(where)

    def _check_dims(self, where: str) -> None:
        """Every named dimension fits its array; every coordinate labels a named dimension."""
        arrays = {**self.datasets, **self.samples}
        sizes: dict[str, int] = {}
        for key, names in self.dims.items():
            if key not in arrays:
                raise ParameterError(f"{where}.dims.{key}", "no dataset or sample of that name")
            names = tuple(names) if isinstance(names, (tuple, list)) else (names,)
            if len(names) != arrays[key].ndim:
                raise ParameterError(f"{where}.dims.{key}", f"{len(names)} name(s) for "
                                                            f"{arrays[key].ndim} dimension(s)")
            for name, size in zip(names, arrays[key].shape):
                check_name(f"{where}.dims.{key}", name)
                if name in arrays or name == "samples":
                    raise ParameterError(f"{where}.dims.{key}", f"{name!r} is also an array name")
                if sizes.setdefault(name, size) != size:
                    raise ParameterError(f"{where}.dims.{key}", f"dimension {name!r} has "
                                                                f"sizes {sizes[name]} and {size}")
        for name, labels in self.coords.items():
            if name not in sizes:
                raise ParameterError(f"{where}.coords.{name}", "not a dimension named in dims")
            if (not isinstance(labels, np.ndarray) or labels.ndim != 1
                    or labels.dtype.kind not in "biufU"):
                raise ParameterError(f"{where}.coords.{name}", "must be a 1-D numeric or str "
                                                               "numpy array")
            if labels.size != sizes[name]:
                raise ParameterError(f"{where}.coords.{name}", f"{labels.size} labels for a "
                                                               f"dimension of {sizes[name]}")


def _check_provenance(prov: Mapping[str, Any]) -> None:
    missing = [k for k in PROVENANCE_KEYS if k not in prov]
    if missing:
        raise ParameterError("provenance", f"missing {', '.join(missing)} "
                                           "(see schema.make_provenance)")
    for key in ("spincim_version", "git_revision", "ngspice_version", "created_utc",
                "command_line"):
        if not isinstance(prov[key], str):
            raise ParameterError(f"provenance.{key}", "must be a string")
    for key in ("netlist_sha256", "model_card_sha256"):
        table = prov[key]
        if not isinstance(table, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and _SHA256.fullmatch(v)
                for k, v in table.items()):
            raise ParameterError(f"provenance.{key}",
                                 "must be a dict of name -> lower-case hex sha256")
    params = prov["parameters"]
    try:
        same = isinstance(params, dict) and json.loads(json.dumps(params)) == params
    except (TypeError, ValueError):
        same = False
    if not same:
        raise ParameterError("provenance.parameters",
                             "must be a dict that round-trips through JSON unchanged "
                             "(str keys; lists, not tuples)")
    seed = prov["seed"]
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParameterError("provenance.seed", f"{seed!r} is not a non-negative integer")
    for key, val in prov.items():
        if key in PROVENANCE_KEYS:
            continue
        check_name("provenance", key)
        if key in _RESERVED_ROOT or not isinstance(val, (str, bool, int, float)):
            raise ParameterError(f"provenance.{key}",
                                 "extra provenance entries must be str, bool, int or float")


@dataclass(frozen=True, eq=False)
class Lut(_ArrayEq):
    """A whole lookup table: one technology/configuration, one HDF5 file.

    Dict keys must equal the names inside their values (``axes[k].name == k`` ...);
    every op axis must be in ``axes`` with a matching length. ``provenance`` holds
    :data:`PROVENANCE_KEYS` (build it with :func:`make_provenance`). ``source`` is the
    file a LUT was read from (for messages only; not stored, not compared).
    """

    technology: str
    axes: Mapping[str, Axis]
    ops: Mapping[str, OpTable]
    areas: Mapping[str, Area] = field(default_factory=dict)
    mc: Mapping[str, McSummary] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)
    source: str = field(default="", compare=False)

    def __post_init__(self):
        check_name("technology", self.technology)
        for group, cls, attr in (("axes", Axis, "name"), ("ops", OpTable, "op"),
                                 ("areas", Area, "component"), ("mc", McSummary, "experiment")):
            for key, item in getattr(self, group).items():
                if not isinstance(item, cls):
                    raise ParameterError(f"{group}.{key}", f"expected a {cls.__name__}")
                if getattr(item, attr) != key:
                    raise ParameterError(f"{group}.{key}",
                                         f"key differs from the {attr} {getattr(item, attr)!r}")
        for op in self.ops.values():
            unknown = [a for a in op.axes if a not in self.axes]
            if unknown:
                raise ParameterError(f"ops.{op.op}.axes", f"unknown axis {', '.join(unknown)} "
                                     f"(LUT axes: {', '.join(sorted(self.axes)) or 'none'})")
            shape = tuple(self.axes[a].values.size for a in op.axes)
            if op.energy_j.shape != shape:
                raise ParameterError(f"ops.{op.op}", f"table shape {op.energy_j.shape} does not "
                                     f"match the axes {op.axes} of lengths {shape}")
        _check_provenance(self.provenance)

    def label(self) -> str:
        """The file this LUT came from, else its technology name (for error messages)."""
        return self.source or f"<lut {self.technology}>"


def make_provenance(*, parameters: dict, seed: int,
                    netlist_sha256: Mapping[str, str] | None = None,
                    model_card_sha256: Mapping[str, str] | None = None,
                    ngspice_version: str = "unknown", git_revision: str = "unknown",
                    command_line: str | None = None, created_utc: str | None = None,
                    **extra: Any) -> dict[str, Any]:
    """A provenance dict for :class:`Lut`: this spincim version, UTC now and ``sys.argv``
    unless given. ``parameters`` is the full parameter set (JSON-compatible)."""
    from spincim import __version__

    if created_utc is None:
        created_utc = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    if command_line is None:
        command_line = " ".join(shlex.quote(a) for a in sys.argv)
    return {"spincim_version": __version__, "git_revision": git_revision,
            "ngspice_version": ngspice_version,
            "netlist_sha256": dict(netlist_sha256 or {}),
            "model_card_sha256": dict(model_card_sha256 or {}),
            "parameters": parameters, "seed": seed, "created_utc": created_utc,
            "command_line": command_line, **extra}

"""Write and read lookup-table files (HDF5, layout in :mod:`spincim.lut.schema`).

The only module that imports h5py; nothing imports it when ``spincim`` is imported.
Writes are atomic: a temporary file in the target's directory is written, flushed,
fsync'ed and renamed over the target with ``os.replace``, so a crash at any moment leaves
either the old file or the new one, never a mix (a killed writer may leave a stray
``.<name>.*.tmp`` file beside it). Reads validate the layout and turn every problem into
one :class:`~spincim.errors.LutError` naming the file.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from typing import Any, Callable, Iterable

import h5py
import numpy as np

from spincim.errors import LutError, OutputError, ParameterError, is_disk_full
from spincim.lut.schema import (AREA_UNITS, JSON_PROVENANCE_KEYS, PROVENANCE_KEYS, QUANTITIES,
                                READABLE_SCHEMA_VERSIONS, SCHEMA_VERSION, Area, Axis, Lut,
                                McSummary, OpTable)

_INT64_MAX = 2**63 - 1

#: largest value a LUT entry may hold: one operation of one component costs at most 1 uJ
#: and takes at most 1 s (orders of magnitude above any CIM op; a larger value is a
#: corrupt or mis-scaled file, refused at read like NaN)
PHYSICAL_MAX = {"energy_j": 1e-6, "latency_s": 1.0}


def write_lut(lut: Lut, path: str | os.PathLike, *,
              _stage_hook: Callable[[str, str], None] | None = None) -> None:
    """Write ``lut`` to ``path`` atomically (temp file + fsync + ``os.replace``).

    ``_stage_hook(stage, temp_path)`` is a test hook called at the stages
    ``"created"``, ``"writing"`` (some data written), ``"written"`` (closed and fsync'ed)
    and ``"replaced"``.
    """
    if not isinstance(lut, Lut):
        raise TypeError(f"write_lut needs a Lut, got {type(lut).__name__}")
    path = os.path.abspath(os.fspath(path))
    directory, name = os.path.split(path)
    check_target(path)
    hook = _stage_hook or (lambda stage, tmp: None)
    tmp = os.path.join(directory, f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    # O_EXCL: never clobber another writer's temp file; mode 0o666 lets the umask decide.
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        hook("created", tmp)
        with h5py.File(tmp, "w") as f:
            _write(f, lut, lambda: hook("writing", tmp))
            f.flush()
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        hook("written", tmp)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, (OSError, RuntimeError)) and is_disk_full(exc):
            raise OutputError(path, "no space left on the device while writing the LUT; "
                              "the previous file (if any) is intact") from None
        raise
    _fsync_dir(directory)
    hook("replaced", tmp)


def check_target(path: str | os.PathLike) -> None:
    """Refuse an output ``path`` that is not a writable regular file or a new name.

    A symbolic link, device node (``/dev/null``), FIFO or directory would be replaced by
    the atomic rename; :func:`spincim.limits.check_output_path` says why, as a
    :class:`LutError` naming the file.
    """
    from spincim.limits import check_output_path
    try:
        check_output_path("out", path)
    except ParameterError as exc:
        raise LutError(os.fspath(path), exc.message) from None


def _fsync_dir(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems do not support fsync on directories
        pass
    finally:
        os.close(fd)


def _dataset(group: h5py.Group, name: str, data: Any) -> h5py.Dataset:
    # No timestamps: the same content gives the same bytes.
    return group.create_dataset(name, data=data, track_times=False)


def _coordinate(group: h5py.Group, axis: Axis) -> h5py.Dataset:
    """``axis`` as a dimension scale ``<group>/<axis.name>`` with its attributes."""
    data = axis.values.astype(np.int64) if axis.integer else axis.values
    ds = _dataset(group, axis.name, data)
    ds.attrs["units"] = axis.units
    ds.attrs["description"] = axis.description
    ds.attrs["integer"] = axis.integer
    if axis.nominal is not None:
        ds.attrs["nominal"] = float(axis.nominal)
    ds.make_scale(axis.name)
    return ds


def _write(f: h5py.File, lut: Lut, progress: Callable[[], None]) -> None:
    f.attrs["schema_version"] = SCHEMA_VERSION
    f.attrs["technology"] = lut.technology
    for key in sorted(lut.provenance):
        val = lut.provenance[key]
        if key in JSON_PROVENANCE_KEYS:
            val = json.dumps(val, sort_keys=True)
        elif key == "seed" and val > _INT64_MAX:
            val = str(val)  # SeedSequence entropy may exceed int64: keep every digit
        f.attrs[key] = val

    axes = f.create_group("axes")
    for name in sorted(lut.axes):
        _coordinate(axes, lut.axes[name])

    ops = f.create_group("ops")
    for name in sorted(lut.ops):
        table = lut.ops[name]
        grp = ops.create_group(name)
        grp.attrs["description"] = table.description
        grp.attrs["axes"] = list(table.axes) if table.axes else np.array([], dtype="S1")
        for axis_name in table.axes:  # a copy beside the tables: netCDF tools see coordinates
            _coordinate(grp, lut.axes[axis_name])
        for quantity, units in QUANTITIES.items():
            ds = _dataset(grp, quantity, getattr(table, quantity))
            ds.attrs["units"] = units
            for i, axis_name in enumerate(table.axes):
                ds.dims[i].attach_scale(axes[axis_name])
                ds.dims[i].label = axis_name
            progress()

    area = f.create_group("area")
    for name in sorted(lut.areas):
        ds = _dataset(area, name, np.float64(lut.areas[name].area_m2))
        ds.attrs["units"] = AREA_UNITS
        ds.attrs["description"] = lut.areas[name].description

    mc = f.create_group("mc")
    for name in sorted(lut.mc):
        summary = lut.mc[name]
        grp = mc.create_group(name)
        for key in sorted(summary.attrs):
            grp.attrs[key] = summary.attrs[key]
        scales = _mc_scales(grp, summary)
        for key in sorted(summary.datasets):
            _attach(_dataset(grp, key, summary.datasets[key]), summary.dims.get(key), scales)
        if summary.samples:
            samples = grp.create_group("samples")
            for key in sorted(summary.samples):
                _attach(_dataset(samples, key, summary.samples[key]), summary.dims.get(key),
                        scales)
                progress()


#: netCDF's NAME of a dimension scale that is not a variable (no labels): netCDF readers
#: show the dimension but no coordinate.
_NETCDF_DIM_ONLY = "This is a netCDF dimension but not a netCDF variable."


def _mc_scales(grp: h5py.Group, summary: McSummary) -> dict[str, h5py.Dataset]:
    """One dimension scale in ``grp`` per named dimension of ``summary``."""
    arrays = {**summary.datasets, **summary.samples}
    sizes = {}
    for key, names in summary.dims.items():
        sizes.update(zip(names, arrays[key].shape))
    scales = {}
    for dim in sorted(sizes):
        labels = summary.coords.get(dim)
        if labels is None:
            ds = _dataset(grp, dim, np.zeros(sizes[dim], dtype=np.float32))
            ds.make_scale(f"{_NETCDF_DIM_ONLY}{sizes[dim]:10d}")
        else:
            data = labels.astype(h5py.string_dtype()) if labels.dtype.kind == "U" else labels
            ds = _dataset(grp, dim, data)
            ds.make_scale(dim)
        scales[dim] = ds
    return scales


def _attach(ds: h5py.Dataset, names, scales: dict[str, h5py.Dataset]) -> None:
    for i, dim in enumerate(names or ()):
        ds.dims[i].attach_scale(scales[dim])
        ds.dims[i].label = dim


def lut_sha256(path: str | os.PathLike) -> str:
    """Hex sha256 of the file's bytes (identifies a LUT in results and reports)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise LutError(os.fspath(path), f"cannot read file: {exc.strerror or exc}") from None
    return digest.hexdigest()


def read_lut(path: str | os.PathLike, *, required_ops: Iterable[str] = ()) -> Lut:
    """Read and validate the LUT at ``path``; every op in ``required_ops`` must be present.

    Raises one :class:`LutError` naming the file for a missing, unreadable, corrupt or
    truncated file, a wrong schema version, a missing op, axis or dimension scale, units
    other than the schema's, or NaN/negative values in a table.
    """
    where = os.fspath(path)
    if not os.path.exists(where):
        raise LutError(where, "LUT file does not exist")
    if not os.path.isfile(where):
        raise LutError(where, "not a regular file")
    try:
        f = h5py.File(where, "r")
    except OSError as exc:
        raise LutError(where, _describe_oserror(exc)) from None
    try:
        with f:
            return _read(f, where, tuple(required_ops))
    except OSError as exc:
        raise LutError(where, _describe_oserror(exc)) from None
    except ParameterError as exc:
        raise LutError(where, f"invalid content at {exc.field}: {exc.message}") from None
    except (KeyError, ValueError, TypeError, RuntimeError, AttributeError, IndexError) as exc:
        raise LutError(where, f"malformed LUT: {exc}") from exc


def _describe_oserror(exc: OSError) -> str:
    text = str(exc)
    if "truncated" in text.lower():
        return f"file is truncated (an interrupted write or copy?): {text}"
    if "signature" in text.lower():
        return f"not an HDF5 file (corrupt, or some other format): {text}"
    if isinstance(exc, PermissionError) or "permission" in text.lower():
        return f"file is not readable (permission denied): {text}"
    return f"cannot read as HDF5 (corrupt file?): {text}"


def _py(val: Any) -> Any:
    """Attribute values back as plain Python scalars."""
    if isinstance(val, bytes):
        return val.decode()
    if isinstance(val, np.generic):
        return val.item()
    return val


def _read(f: h5py.File, where: str, required_ops: tuple[str, ...]) -> Lut:
    if "schema_version" not in f.attrs:
        raise LutError(where, "no 'schema_version' root attribute: not a spincim LUT")
    version = _py(f.attrs["schema_version"])
    if version not in READABLE_SCHEMA_VERSIONS:
        shown = " and ".join(str(v) for v in READABLE_SCHEMA_VERSIONS)
        raise LutError(where, f"schema version {version!r} is not supported "
                              f"(this spincim reads versions {shown}); rebuild the LUT")
    for group in ("axes", "ops", "area", "mc"):
        if not isinstance(f.get(group), h5py.Group):
            raise LutError(where, f"missing group /{group}")
    missing = [op for op in required_ops if op not in f["ops"]]
    if missing:
        raise LutError(where, f"missing required op(s) {', '.join(missing)} "
                              f"(file has: {', '.join(sorted(f['ops'])) or 'none'})")
    technology = _py(f.attrs.get("technology"))
    if technology is None:
        raise LutError(where, "no 'technology' root attribute")

    absent = [k for k in PROVENANCE_KEYS if k not in f.attrs]
    if absent:
        raise LutError(where, f"missing provenance root attribute(s) {', '.join(absent)}")
    provenance: dict[str, Any] = {}
    for key, val in f.attrs.items():
        if key in ("schema_version", "technology"):
            continue
        val = _py(val)
        if key in JSON_PROVENANCE_KEYS:
            try:
                val = json.loads(val)
            except (TypeError, ValueError) as exc:
                raise LutError(where, f"root attribute {key} is not valid JSON: {exc}") from None
        elif key == "seed" and isinstance(val, str):
            val = int(val)
        provenance[key] = val

    axes = {name: _read_axis(f["axes"], name) for name in f["axes"]}
    ops = {name: _read_op(f["ops"][name], name, axes, where) for name in f["ops"]}
    areas = {}
    for name, ds in f["area"].items():
        _check_units(ds, AREA_UNITS, where)
        areas[name] = Area(name, float(ds[()]), _py(ds.attrs.get("description", "")))
    mc = {name: _read_mc(name, grp) for name, grp in f["mc"].items()}
    return Lut(technology, axes, ops, areas, mc, provenance, source=where)


def _is_scale(ds: h5py.Dataset) -> bool:
    return _py(ds.attrs.get("CLASS", "")) == "DIMENSION_SCALE"


def _read_mc(name: str, grp: h5py.Group) -> McSummary:
    """One Monte Carlo summary; its dimension scales become ``dims`` and ``coords``."""
    groups = {"datasets": grp, "samples": grp.get("samples")}
    arrays: dict[str, dict] = {"datasets": {}, "samples": {}}
    dims, coords = {}, {}
    for kind, g in groups.items():
        for key, ds in (g.items() if g is not None else ()):
            if not isinstance(ds, h5py.Dataset):
                continue
            if _is_scale(ds):
                if not _py(ds.attrs.get("NAME", "")).startswith(_NETCDF_DIM_ONLY):
                    coords[key] = (np.array(ds.asstr()[()], dtype=str)
                                   if h5py.check_string_dtype(ds.dtype) else ds[()])
                continue
            arrays[kind][key] = ds[()]
            names = [[s.name for s in ds.dims[i].values()] for i in range(ds.ndim)]
            if ds.ndim and all(names):
                dims[key] = tuple(n[-1].rsplit("/", 1)[-1] for n in names)
    return McSummary(name, attrs={k: _py(v) for k, v in grp.attrs.items()},
                     datasets=arrays["datasets"], samples=arrays["samples"], dims=dims,
                     coords=coords)


def _read_axis(group: h5py.Group, name: str) -> Axis:
    ds = group[name]
    nominal = ds.attrs.get("nominal")
    return Axis(name, ds[()].astype(np.float64), _py(ds.attrs["units"]),
                nominal=None if nominal is None else float(nominal),
                integer=bool(ds.attrs.get("integer", False)),
                description=_py(ds.attrs.get("description", "")))


def _check_units(ds: h5py.Dataset, units: str, where: str) -> None:
    got = _py(ds.attrs.get("units"))
    if got != units:
        raise LutError(where, f"{ds.name} has units {got!r}, expected {units!r}")


def _read_op(grp: h5py.Group, name: str, axes: dict[str, Axis], where: str) -> OpTable:
    declared = tuple(_py(a) for a in grp.attrs.get("axes", ()))
    for axis_name in declared:
        if axis_name not in axes:
            raise LutError(where, f"op {name!r} uses axis {axis_name!r} but /axes/{axis_name} "
                                  "is missing")
    arrays = {}
    for quantity, units in QUANTITIES.items():
        if quantity not in grp:
            raise LutError(where, f"op {name!r} has no {quantity} dataset")
        ds = grp[quantity]
        _check_units(ds, units, where)
        if ds.ndim != len(declared):
            raise LutError(where, f"{ds.name} has {ds.ndim} dimension(s) but the op declares "
                                  f"axes {declared}")
        for i, axis_name in enumerate(declared):
            scales = [s.name for s in ds.dims[i].values()]
            if not scales:
                raise LutError(where, f"{ds.name} dimension {i} ({axis_name}) has no dimension "
                                      "scale attached")
            if scales != [f"/axes/{axis_name}"]:
                shown = ["<deleted axis>" if s is None else s for s in scales]
                raise LutError(where, f"{ds.name} dimension {i} is attached to {shown}, "
                                      f"expected /axes/{axis_name}")
        data = ds[()]
        if data.dtype.kind != "f":
            raise LutError(where, f"{ds.name} has dtype {data.dtype}, expected float")
        if not np.all(np.isfinite(data)):
            raise LutError(where, f"{ds.name} contains NaN or infinite values")
        bound = PHYSICAL_MAX[quantity]
        if data.size and np.max(data) > bound:
            raise LutError(where, f"{ds.name} holds {float(np.max(data)):.4g} {units}, above "
                                  f"the physical bound {bound:g} {units}")
        arrays[quantity] = data
    return OpTable(name, declared, arrays["energy_j"], arrays["latency_s"],
                   _py(grp.attrs.get("description", "")))

"""Checkpoint/resume of chunked runs: finished chunks in a small SQLite file.

A :class:`Checkpoint` belongs to one run, identified by the sha256 of its parameters
(everything that determines the result: setup, trials, seed, code version; never the
worker count or the executor). Each finished chunk is one row ``(stage, index)`` written
in its own transaction, so a run killed at any moment (even with SIGKILL) leaves only
whole chunks behind; re-running the same command skips them. A file written for other
parameters is refused with a :class:`~spincim.errors.ParameterError` naming the
parameters that differ.

Stored values are plain data only, never pickles (opening a checkpoint cannot run
code): ``None``, bool, int, float, str, lists, tuples, dicts with string keys, numpy
arrays and scalars (saved with ``numpy.save``, ``allow_pickle=False``) and the few
dataclasses of :data:`DATACLASSES`. Floats and arrays round-trip bit for bit.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hashlib
import io
import json
import math
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import OutputError, ParameterError, is_disk_full
from . import opdata

__all__ = ["Checkpoint", "Section", "parameters_hash", "canonical", "open_checkpoint", "checkpoint_scope",
           "DATACLASSES"]

#: checkpoint file layout version; bump on any incompatible change
#: (2: every chunk row carries the sha256 of its content and the shapes of its arrays)
FORMAT_VERSION = 2

#: dataclasses a checkpoint may store (decoded by this name only)
DATACLASSES = {"OpCharacterization": opdata.OpCharacterization,
               "AxisSpec": opdata.AxisSpec, "AreaItem": opdata.AreaItem}


def canonical(obj: Any) -> Any:
    """A JSON-ready canonical form of run parameters (for hashing and messages).

    Dataclasses become dicts of their fields (with their class name), paths strings,
    numpy arrays lists; floats keep their exact ``repr``.
    """
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {"__class__": type(obj).__name__}
        out.update({f.name: canonical(getattr(obj, f.name)) for f in dataclasses.fields(obj)})
        return out
    if isinstance(obj, enum.Enum):
        return canonical(obj.value)
    if isinstance(obj, dict):
        return {str(k): canonical(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, (list, tuple)):
        return [canonical(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return {"__array__": str(obj.dtype), "shape": list(obj.shape),
                "data": [canonical(v) for v in obj.ravel().tolist()]}
    if isinstance(obj, np.generic):
        return canonical(obj.item())
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else repr(obj)
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, np.random.SeedSequence):
        return {"entropy": canonical(obj.entropy), "spawn_key": list(obj.spawn_key)}
    raise ParameterError("checkpoint", f"cannot use a {type(obj).__name__} as a run parameter")


def parameters_hash(parameters: dict) -> str:
    """sha256 of the canonical JSON of ``parameters``."""
    text = json.dumps(canonical(parameters), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# ----------------------------------------------------------------------- value codec
def _encode(obj: Any, arrays: list[np.ndarray]) -> Any:
    if isinstance(obj, np.ndarray) or isinstance(obj, np.generic):
        arrays.append(np.asarray(obj))
        return {"$a": len(arrays) - 1, "scalar": isinstance(obj, np.generic)}
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return {"$f": obj.hex()}  # exact, and NaN/inf survive
    if isinstance(obj, tuple):
        return {"$t": [_encode(v, arrays) for v in obj]}
    if isinstance(obj, list):
        return [_encode(v, arrays) for v in obj]
    if isinstance(obj, dict):
        if not all(isinstance(k, str) for k in obj):
            raise ParameterError("checkpoint", "only dicts with string keys can be stored")
        return {"$d": {k: _encode(v, arrays) for k, v in obj.items()}}
    if dataclasses.is_dataclass(obj) and type(obj).__name__ in DATACLASSES \
            and DATACLASSES[type(obj).__name__] is type(obj):
        return {"$c": type(obj).__name__,
                "fields": {f.name: _encode(getattr(obj, f.name), arrays)
                           for f in dataclasses.fields(obj)}}
    raise ParameterError("checkpoint", f"cannot store a {type(obj).__name__} in a checkpoint")


def _decode(obj: Any, arrays: list[np.ndarray]) -> Any:
    if isinstance(obj, list):
        return [_decode(v, arrays) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "$a" in obj:
        arr = arrays[obj["$a"]]
        return arr[()] if obj["scalar"] else arr
    if "$f" in obj:
        return float.fromhex(obj["$f"])
    if "$t" in obj:
        return tuple(_decode(v, arrays) for v in obj["$t"])
    if "$d" in obj:
        return {k: _decode(v, arrays) for k, v in obj["$d"].items()}
    if "$c" in obj:
        cls = DATACLASSES[obj["$c"]]
        return cls(**{k: _decode(v, arrays) for k, v in obj["fields"].items()})
    raise ValueError(f"unknown stored value {obj!r:.80}")


def dumps(value: Any) -> tuple[str, bytes]:
    """(JSON text, blob of the arrays) of a storable value."""
    arrays: list[np.ndarray] = []
    text = json.dumps(_encode(value, arrays), separators=(",", ":"))
    buffer = io.BytesIO()
    for arr in arrays:
        np.save(buffer, arr, allow_pickle=False)
    return text, buffer.getvalue()


def loads(text: str, blob: bytes) -> Any:
    """Inverse of :func:`dumps`."""
    buffer = io.BytesIO(blob)
    arrays = []
    while buffer.tell() < len(blob):
        arrays.append(np.load(buffer, allow_pickle=False))
    return _decode(json.loads(text), arrays)


def _digest(stage: str, index: int, text: str, blob: bytes) -> str:
    """sha256 of one chunk row's content (stage and index included: a moved row fails)."""
    h = hashlib.sha256()
    for part in (stage.encode(), str(index).encode(), text.encode(), blob):
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


def _shapes(blob: bytes) -> list[list[int]]:
    """Shapes of the arrays in a blob of :func:`dumps`."""
    buffer = io.BytesIO(blob)
    out = []
    while buffer.tell() < len(blob):
        out.append(list(np.load(buffer, allow_pickle=False).shape))
    return out


# ------------------------------------------------------------------------ the file
def _diff(a: Any, b: Any, prefix: str = "") -> list[str]:
    """Dotted names where two canonical parameter trees differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            name = f"{prefix}.{key}" if prefix else key
            if key not in a or key not in b:
                out.append(name)
            else:
                out += _diff(a[key], b[key], name)
        return out
    return [] if a == b else [prefix or "<all>"]


class Checkpoint:
    """Finished chunks of one run, in the SQLite file ``path`` (created if missing).

    ``kind`` names the command (``"mc majority"``); ``parameters`` is everything that
    determines the result (see :func:`canonical`). Thread-safe; every :meth:`put` is
    one committed transaction.
    """

    def __init__(self, path: str | os.PathLike, *, kind: str, parameters: dict) -> None:
        self.path = Path(path)
        self.kind = kind
        self.parameters = canonical(parameters)
        self.key = parameters_hash(parameters)
        from ..limits import check_output_path
        check_output_path("checkpoint", self.path)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30,
                                       isolation_level=None)
            self._db.execute("PRAGMA synchronous=FULL")
            self._init()
        except sqlite3.DatabaseError as exc:
            self._close_quietly()
            if is_disk_full(exc):
                raise OutputError(str(self.path), "no space left on the device while "
                                  "creating the checkpoint") from None
            raise ParameterError("checkpoint", f"{str(self.path)!r} is not a spincim "
                                 f"checkpoint file ({exc})") from None

    def _close_quietly(self) -> None:
        db = getattr(self, "_db", None)
        if db is not None:
            db.close()
            self._db = None

    def _init(self) -> None:
        db = self._db
        # look and create in one write transaction: two runs creating the same new file at
        # once serialize here, and the second finds the first one's tables
        db.execute("BEGIN IMMEDIATE")
        try:
            tables = {r[0] for r in
                      db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not tables:
                db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
                db.execute("CREATE TABLE chunks (stage TEXT NOT NULL, idx INTEGER NOT NULL, "
                           "value TEXT NOT NULL, arrays BLOB NOT NULL, sha256 TEXT NOT NULL, "
                           "shapes TEXT NOT NULL, PRIMARY KEY (stage, idx))")
                db.executemany("INSERT INTO meta VALUES (?, ?)", [
                    ("format", str(FORMAT_VERSION)), ("kind", self.kind), ("key", self.key),
                    ("parameters", json.dumps(self.parameters, sort_keys=True))])
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        if not tables:
            return
        if tables != {"meta", "chunks"}:
            raise ParameterError("checkpoint", f"{str(self.path)!r} is not a spincim "
                                 "checkpoint file (unexpected tables)")
        meta = dict(db.execute("SELECT name, value FROM meta"))
        if meta.get("format") != str(FORMAT_VERSION):
            raise ParameterError("checkpoint", f"{str(self.path)!r} has checkpoint format "
                                 f"{meta.get('format')!r}, this spincim writes "
                                 f"{FORMAT_VERSION}: delete it or choose another file")
        if meta.get("kind") != self.kind:
            raise ParameterError("checkpoint", f"{str(self.path)!r} belongs to a "
                                 f"'{meta.get('kind')}' run, not '{self.kind}': delete it or "
                                 "choose another file")
        if meta.get("key") != self.key:
            try:
                differ = _diff(json.loads(meta.get("parameters", "{}")), self.parameters)
            except ValueError:
                differ = []
            names = ", ".join(differ[:8]) + (", ..." if len(differ) > 8 else "")
            raise ParameterError("checkpoint", f"{str(self.path)!r} was written by a run "
                                 f"with different parameters ({names or 'unknown'} "
                                 "differ); resume only with the same command, or delete it "
                                 "/ choose another file")

    def close(self) -> None:
        """Close the file (finished chunks stay in it)."""
        with self._lock:
            self._close_quietly()

    def __enter__(self) -> Checkpoint:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def put(self, stage: str, index: int, value: Any) -> None:
        """Store the finished chunk ``index`` of ``stage`` (one atomic commit)."""
        text, blob = dumps(value)
        digest, shapes = _digest(stage, int(index), text, blob), json.dumps(_shapes(blob))
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    self._db.execute("INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?, ?, ?)",
                                     (stage, int(index), text, blob, digest, shapes))
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                if self._db.in_transaction:
                    with contextlib.suppress(sqlite3.DatabaseError):
                        self._db.execute("ROLLBACK")
                if is_disk_full(exc):
                    raise OutputError(str(self.path), f"no space left on the device while "
                                      f"storing chunk {index} of {stage!r}; the chunks "
                                      "stored so far are intact and resume the run") from None
                raise OutputError(str(self.path), f"cannot store chunk {index} of "
                                  f"{stage!r} ({exc})") from None

    def get(self, stage: str, index: int, default: Any = None) -> Any:
        """The stored chunk, or ``default``."""
        with self._lock:
            row = self._db.execute("SELECT value, arrays, sha256, shapes FROM chunks "
                                   "WHERE stage=? AND idx=?", (stage, int(index))).fetchone()
        return default if row is None else self._verified(stage, int(index), *row)

    def done(self, stage: str) -> dict[int, Any]:
        """Every stored chunk of ``stage``: index -> value."""
        with self._lock:
            rows = self._db.execute("SELECT idx, value, arrays, sha256, shapes FROM chunks "
                                    "WHERE stage=? ORDER BY idx", (stage,)).fetchall()
        return {idx: self._verified(stage, idx, *row) for idx, *row in rows}

    def _verified(self, stage: str, index: int, text, blob, digest, shapes) -> Any:
        """A stored chunk after its checksum and array shapes are checked; a corrupt or
        edited row is never used: the run is refused naming the file and the chunk."""
        def corrupt(why: str):
            return ParameterError("checkpoint", f"{str(self.path)!r}: chunk {index} of "
                                  f"{stage!r} is corrupt ({why}); it is never used: delete "
                                  "the file (or choose another) and run again")
        if not isinstance(text, str) or not isinstance(blob, bytes):
            raise corrupt("wrong column types")
        if digest != _digest(stage, index, text, blob):
            raise corrupt("checksum mismatch: edited or damaged")
        try:
            if json.loads(shapes) != _shapes(blob):
                raise corrupt("array shapes differ from the stored ones")
            return loads(text, blob)
        except ParameterError:
            raise
        except (ValueError, KeyError, IndexError, TypeError, EOFError) as exc:
            raise corrupt(f"undecodable: {type(exc).__name__}") from None

    def section(self, prefix: str) -> Section:
        """The stages of one part of this run (see :class:`Section`)."""
        return Section(self, prefix)

    def count(self, stage: str | None = None) -> int:
        """Number of stored chunks (of ``stage``, or all)."""
        with self._lock:
            if stage is None:
                return self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
            return self._db.execute("SELECT COUNT(*) FROM chunks WHERE stage=?",
                                    (stage,)).fetchone()[0]


class Section:
    """The stages of one part of a larger run inside its :class:`Checkpoint`.

    A LUT build runs the sense Monte Carlo and every characterization step on one
    checkpoint; each part sees its own stages (``prefix/stage``). The parent's key covers
    every parameter of the whole run, so a section is never checked again.
    """

    def __init__(self, parent: Checkpoint | Section, prefix: str) -> None:
        self.parent, self.prefix = parent, str(prefix)
        self.path, self.kind = parent.path, parent.kind

    def _stage(self, stage: str) -> str:
        return f"{self.prefix}/{stage}"

    def put(self, stage: str, index: int, value: Any) -> None:
        self.parent.put(self._stage(stage), index, value)

    def get(self, stage: str, index: int, default: Any = None) -> Any:
        return self.parent.get(self._stage(stage), index, default)

    def done(self, stage: str) -> dict[int, Any]:
        return self.parent.done(self._stage(stage))

    def count(self, stage: str | None = None) -> int:
        return self.parent.count(None if stage is None else self._stage(stage))

    def section(self, prefix: str) -> Section:
        """A section inside this one."""
        return Section(self, prefix)


def open_checkpoint(path: str | os.PathLike | Checkpoint | Section | None, *, kind: str,
                    parameters: dict) -> Checkpoint | Section | None:
    """``path`` opened as the checkpoint of a ``kind`` run (None: no checkpoint).

    An already open :class:`Checkpoint` is returned as is after checking it belongs to
    the same run; a :class:`Section` of a larger run is returned as is.
    """
    if path is None or isinstance(path, Section):
        return path
    if isinstance(path, Checkpoint):
        if path.kind != kind or path.key != parameters_hash(parameters):
            raise ParameterError("checkpoint", f"{str(path.path)!r} is open for another run")
        return path
    return Checkpoint(path, kind=kind, parameters=parameters)


@contextlib.contextmanager
def checkpoint_scope(path: str | os.PathLike | Checkpoint | None, *, kind: str,
                     parameters: dict):
    """:func:`open_checkpoint` as a context: a checkpoint opened here is closed on exit
    (an already open :class:`Checkpoint` stays open for its owner)."""
    store = open_checkpoint(path, kind=kind, parameters=parameters)
    try:
        yield store
    finally:
        if store is not None and store is not path and isinstance(store, Checkpoint):
            store.close()

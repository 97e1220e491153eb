"""Ranges every entry point enforces, for Python callers and the CLI alike.

The command line refuses the same values with exit code 2 because it calls these same
checks; a library caller gets the :class:`~spincim.errors.ParameterError` naming the
argument. Each bound is a guard against runaway work or meaningless input, not physics:
physical validity lives in the parameter dataclasses.
"""

from __future__ import annotations

import math
import numbers

from .errors import ParameterError

__all__ = ["MAX_WORKERS", "MAX_COUNT", "T_MIN_K", "T_MAX_K", "PULSE_MIN_S", "PULSE_MAX_S",
           "DT_MIN_S", "DT_MAX_S", "MAX_STEPS", "MAX_CURRENT_A", "check_count",
           "check_workers", "check_temperature_k", "check_pulse_s", "check_dt_s",
           "check_current_a", "check_steps", "check_output_path",
           "MAX_INPUT_BYTES", "read_input_file", "MEMORY_BUDGET_BYTES", "check_memory"]

#: ngspice / Dask workers one run may ask for
MAX_WORKERS = 256
#: trials, runs, samples of one run
MAX_COUNT = 10**9
#: a temperature is 0 K (deterministic) or in this range (K)
T_MIN_K, T_MAX_K = 1e-3, 2000.0
#: LLGS / PROGRAM pulse widths (s)
PULSE_MIN_S, PULSE_MAX_S = 1e-12, 1e-6
#: LLGS time step (s)
DT_MIN_S, DT_MAX_S = 1e-16, 1e-11
#: LLGS time steps of one trajectory (pulse / dt)
MAX_STEPS = 10**7
#: |SHM current| (A)
MAX_CURRENT_A = 1.0


def _real(field: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(field, f"must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ParameterError(field, f"must be finite, got {value!r}")
    return value


def check_count(field: str, value) -> int:
    """A whole number of trials/runs/samples in 1 .. :data:`MAX_COUNT`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
            or not 1 <= value <= MAX_COUNT:
        raise ParameterError(field, f"must be a whole number between 1 and {MAX_COUNT:.0e}, "
                                    f"got {value!r}")
    return int(value)


def check_workers(field: str, value) -> int | None:
    """None (all cores) or a whole number in 1 .. :data:`MAX_WORKERS`."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
            or not 1 <= value <= MAX_WORKERS:
        raise ParameterError(field, f"must be a whole number between 1 and {MAX_WORKERS}, "
                                    f"got {value!r}")
    return int(value)


def check_temperature_k(field: str, value) -> float:
    """0 K or a temperature in :data:`T_MIN_K` .. :data:`T_MAX_K`."""
    t = _real(field, value)
    if t != 0 and not T_MIN_K <= t <= T_MAX_K:
        raise ParameterError(field, f"must be 0 or between {T_MIN_K:g} and {T_MAX_K:g} K, "
                                    f"got {value!r}")
    return t


def check_pulse_s(field: str, value) -> float:
    """A pulse width in :data:`PULSE_MIN_S` .. :data:`PULSE_MAX_S`."""
    p = _real(field, value)
    if not PULSE_MIN_S <= p <= PULSE_MAX_S:
        raise ParameterError(field, f"must be between {PULSE_MIN_S:g} and {PULSE_MAX_S:g} s, "
                                    f"got {value!r}")
    return p


def check_dt_s(field: str, value) -> float:
    """An LLGS time step in :data:`DT_MIN_S` .. :data:`DT_MAX_S`."""
    dt = _real(field, value)
    if not DT_MIN_S <= dt <= DT_MAX_S:
        raise ParameterError(field, f"must be between {DT_MIN_S:g} and {DT_MAX_S:g} s, "
                                    f"got {value!r}")
    return dt


def check_steps(field: str, duration_s: float, dt_s: float) -> int:
    """The number of time steps of ``duration_s`` at ``dt_s``, at most :data:`MAX_STEPS`."""
    steps = duration_s / dt_s
    if not steps <= MAX_STEPS:
        raise ParameterError(field, f"at most {MAX_STEPS:.0e} time steps, got {steps:.3g}")
    return int(math.ceil(steps))


def check_current_a(field: str, value) -> float:
    """A finite current with |I| <= :data:`MAX_CURRENT_A`."""
    i = _real(field, value)
    if abs(i) > MAX_CURRENT_A:
        raise ParameterError(field, f"must be finite with |I| <= {MAX_CURRENT_A:g} A, "
                                    f"got {value!r}")
    return i


def _kind(mode: int) -> str:
    import stat
    return ("a symbolic link" if stat.S_ISLNK(mode) else "a directory" if stat.S_ISDIR(mode)
            else "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device or special file")


def check_output_path(field: str, path) -> str:
    """An output file name that can be written, checked before any work is done.

    The target must be a regular file or absent (a symbolic link, device node such as
    ``/dev/null``, FIFO, socket or directory is refused: an atomic write would replace
    it), its directory must exist and accept a new file (probed by creating and removing
    a temporary file, which also catches read-only file systems), and an existing file
    must be writable. Returns ``path`` unchanged.
    """
    import os
    import stat
    import tempfile
    text = os.fspath(path) if isinstance(path, os.PathLike) else path
    if not isinstance(text, str) or not text.strip():
        raise ParameterError(field, f"expected a file name, got {path!r}")
    if "\x00" in text:
        raise ParameterError(field, "a file name cannot contain NUL characters")
    where = os.path.abspath(os.path.expanduser(text))
    try:
        mode = os.lstat(where).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise ParameterError(field, f"{text!r} cannot be examined ({exc.strerror})") from None
    if mode is not None and not stat.S_ISREG(mode):
        raise ParameterError(field, f"{text!r} is {_kind(mode)}; expected a regular file or "
                                    "a new file name")
    directory = os.path.dirname(where)
    if not os.path.isdir(directory):
        raise ParameterError(field, f"directory {directory!r} does not exist")
    try:
        fd, probe = tempfile.mkstemp(prefix=".spincim-probe-", dir=directory)
    except OSError as exc:
        raise ParameterError(field, f"directory {directory!r} is not writable "
                                    f"({exc.strerror})") from None
    os.close(fd)
    os.unlink(probe)
    if mode is not None and not os.access(where, os.W_OK):
        raise ParameterError(field, f"{text!r} is not writable")
    return text


#: largest input file (parameters, network, technology, grid) read whole (bytes)
MAX_INPUT_BYTES = 4 * 2**20


def read_input_file(field: str, path, max_bytes: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a small input file, read with a size cap.

    A device node (``/dev/zero``), FIFO or directory is refused before it is opened (a
    FIFO would block, a device never end); at most ``max_bytes + 1`` bytes are read, so
    a file that grows while read is refused too. Every refusal is one
    :class:`~spincim.errors.ParameterError` naming ``field`` and the file.
    """
    import os
    import stat
    text = os.fspath(path)
    try:
        mode = os.stat(text).st_mode
    except OSError as exc:
        raise ParameterError(field, f"cannot read {text!r}: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        raise ParameterError(field, f"{text!r} is {_kind(mode)}, not a regular file")
    try:
        with open(text, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise ParameterError(field, f"cannot read {text!r}: {exc.strerror}") from None
    if len(data) > max_bytes:
        raise ParameterError(field, f"{text!r} is larger than {max_bytes} bytes; not an "
                                    "input file of spincim")
    return data


#: memory one run may hold in result arrays (bytes): a count needing more is refused up
#: front with the number instead of failing later with an allocation error
MEMORY_BUDGET_BYTES = 8 * 2**30


def check_memory(field: str, count: int, bytes_per_item: int, what: str) -> int:
    """Refuse ``count`` items of ``bytes_per_item`` each above :data:`MEMORY_BUDGET_BYTES`."""
    need = count * bytes_per_item
    if need > MEMORY_BUDGET_BYTES:
        most = MEMORY_BUDGET_BYTES // bytes_per_item
        raise ParameterError(field, f"{count} would hold {need / 2**30:.1f} GiB of {what} "
                                    f"({bytes_per_item} bytes each), above the "
                                    f"{MEMORY_BUDGET_BYTES / 2**30:.0f} GiB budget: at most "
                                    f"{most} per run")
    return count

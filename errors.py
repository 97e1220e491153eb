"""The package's exceptions: one base class, each error also a builtin subclass.

Every error keeps its structured fields and survives pickling, so it can cross a
worker-process boundary unchanged (``__reduce__`` rebuilds it from its fields).
"""

from __future__ import annotations


class SpincimError(Exception):
    """Base class of every error spincim raises on purpose."""


class ParameterError(ValueError, SpincimError):
    """A parameter is missing, of the wrong type or non-physical.

    ``field`` names the offending parameter (e.g. ``"mtj.ms_a_per_m"``).
    """

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")

    def __reduce__(self):
        return (type(self), (self.field, self.message))


class SimulationError(RuntimeError, SpincimError):
    """ngspice failed, timed out or returned something unusable.

    ``where`` names the netlist line or node involved when known; ``log`` holds
    the tail of ngspice's output; ``rundir`` the kept files of the failed run.
    """

    def __init__(self, message: str, *, where: str = "", log: str = "", rundir: str = ""):
        self.message = message
        self.where = where
        self.log = log
        self.rundir = rundir
        text = message if not where else f"{message} (at {where})"
        super().__init__(text)

    def __reduce__(self):
        return (_rebuild_simulation_error,
                (type(self), self.message, self.where, self.log, self.rundir))


class ConvergenceError(SimulationError):
    """ngspice did not converge (operating point or time step too small)."""


class SimulationTimeout(SimulationError):
    """An ngspice run took longer than its time limit and was killed."""


class MemoryLimitError(SimulationError):
    """An ngspice process exceeded its memory limit and was killed."""


class WorkerDiedError(SimulationError):
    """An ngspice worker process exited unexpectedly (a crash, not the netlist)."""


class LutError(SpincimError):
    """A lookup-table file is missing, corrupt, of the wrong schema or lacks an entry."""

    def __init__(self, path: str, message: str):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")

    def __reduce__(self):
        return (type(self), (self.path, self.message))


def _rebuild_simulation_error(cls, message, where, log, rundir):
    return cls(message, where=where, log=log, rundir=rundir)


class OutputError(SpincimError):
    """An output file could not be written (e.g. the disk is full).

    ``path`` names the file; the previous content of the file is intact. The command
    line reports it as one line with exit code 1 (a failed run, not bad input).
    """

    def __init__(self, path: str, message: str):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")

    def __reduce__(self):
        return (type(self), (self.path, self.message))


def is_disk_full(exc: BaseException) -> bool:
    """True when ``exc`` says the file system is full (ENOSPC, EDQUOT or its text)."""
    import errno
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(exc).lower()
    return "no space left" in text or "disk is full" in text or "quota exceeded" in text

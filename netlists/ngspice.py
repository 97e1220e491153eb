"""Run netlist text in ngspice (shared library, through PySpice) inside worker processes.

This is the one module that imports PySpice, and it does so only inside the worker
processes: importing it in the caller loads nothing heavy. ngspice runs in persistent
``spawn``-ed processes because its shared library holds one simulator per process,
leaks memory over many circuits, and can crash or hang; a crash or hang kills a worker,
never the caller.

Results are ``dict[str, numpy.ndarray]``: every vector of the analysis' plot, keyed by
ngspice's own (lower-case) vector name. Node voltages are keyed by the node name
(``v(out)`` -> ``"out"``), branch currents by ``"<source>#branch"`` (``"vdd#branch"``,
positive into the source's + terminal), the DC sweep variable by ``"v-sweep"`` /
``"i-sweep"`` and transient time by ``"time"``. An ``op`` gives arrays of length 1.

Netlist text follows SPICE conventions (first line is the title); it must not contain
``.control`` blocks: analyses are passed as commands (see :mod:`.spice_text`'s ``op``,
``dc``, ``tran``) or written as ``.op``/``.dc``/``.tran`` lines. ngspice's failures
become :class:`~spincim.errors.SimulationError` (``where`` names the line or node),
:class:`~spincim.errors.ConvergenceError` or :class:`~spincim.errors.SimulationTimeout`;
each keeps ngspice's output and the netlist in ``log``. A "singular matrix" warning
is treated as an error even when ngspice's gmin stepping then finds a solution: it
means a floating node or a voltage-source loop. ngspice 39 falls back to a "transient
op" when gmin and source stepping fail; an operating point found that way is accepted.

Worker processes are started with ``spawn``. Only :mod:`spincim.characterize.executor`
starts them (it is the one runner: local processes or Dask, with checkpoints, limits and
progress); this module is the process and the protocol.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import re
import sys
import tempfile
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ConvergenceError, MemoryLimitError, ParameterError, SimulationError, \
    SimulationTimeout, SpincimError, WorkerDiedError
from . import spice_text as st

__all__ = ["Vectors", "Alter", "Job", "Worker"]

logger = logging.getLogger(__name__)

#: One analysis result: ngspice vector name (lower case) -> values (SI units).
Vectors = dict[str, np.ndarray]

_CONVERGENCE_RE = re.compile(
    r"timestep too small|singular matrix|gmin stepping failed|source stepping failed|"
    r"no convergence|iteration limit|solution failed|transient op failed", re.I)
_FAILURE_RE = re.compile(r"^\s*(fatal )?error|aborted|singular matrix|circuit not parsed",
                         re.I)
_WHERE_RES = (
    re.compile(r'trouble with node "?([^"\s]+)"?', re.I),
    re.compile(r"singular matrix:\s+check nodes? (\S+)", re.I),
    re.compile(r"can't find model '([^']+)'", re.I),
    re.compile(r"could not find include file (.+)", re.I),
    re.compile(r"no such device or model name (\S+)", re.I),
    re.compile(r"no such parameter (\S+?)\.?$", re.I),
    re.compile(r'named "([^"]+)" is not in the circuit', re.I),
)
_LINE_ERROR_RE = re.compile(r"error on line \d+", re.I)
_VERSION_RE = re.compile(r"\*\* ngspice-(\d+)")
_LOG_LINES = 300
_LOG_NETLIST_CHARS = 20_000
_START_TIMEOUT_S = 60.0
_HISTORY_RESET_COMMANDS = 1000
#: exit code of a worker process that exceeded its memory limit (its watchdog's exit)
_MEMORY_EXIT_CODE = 86
_MEMORY_POLL_S = 0.02


@dataclass(frozen=True)
class Alter:
    """One parameter change of a loaded circuit, in SI units.

    ``target`` is an element (``alter m1 w = 2.7e-07``) or, with ``model=True``, a model
    (``altermod nmos45 vth0 = 0.45``).
    """

    target: str
    param: str
    value: float
    model: bool = False

    def __post_init__(self) -> None:
        self.command  # noqa: B018 -- builds (and so validates) the command

    @property
    def command(self) -> str:
        """The ngspice command text."""
        build = st.altermod if self.model else st.alter
        return build(self.target, self.param, self.value)


@dataclass(frozen=True)
class Job:
    """One simulation as plain data: netlist text, analysis command, vectors to keep.

    ``analysis`` is an ngspice analysis command (``"op"``, ``st.tran(1e-12, 1e-9)``);
    ``None`` runs the netlist's own ``.op``/``.dc``/``.tran`` lines and returns the last
    plot. ``vectors`` limits the result to those names (``None``: all).
    """

    netlist: str
    analysis: str | None = None
    vectors: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.netlist, st.Netlist):  # a builder's netlist object: its text
            object.__setattr__(self, "netlist", self.netlist.text)
        if self.vectors is not None and not isinstance(self.vectors, str):
            object.__setattr__(self, "vectors", tuple(self.vectors))
        st.check_netlist(self.netlist)
        _check_analysis(self.analysis)
        if self.vectors is not None and (isinstance(self.vectors, str) or not all(
                isinstance(v, str) for v in self.vectors)):
            raise ParameterError("vectors", "must be a tuple of vector names")


def _check_analysis(analysis: str | None) -> None:
    if analysis is not None and st.check_command(analysis).startswith("alter"):
        raise ParameterError("analysis", f"{analysis!r} is not an analysis")


def _numbered(netlist: str) -> str:
    """Netlist lines numbered as ngspice counts them (blank lines are not sent)."""
    lines = [line for line in netlist.splitlines() if line.strip()]
    text = "\n".join(f"{i:4d}  {line}" for i, line in enumerate(lines, 1))
    return text if len(text) <= _LOG_NETLIST_CHARS else text[:_LOG_NETLIST_CHARS] + "\n..."


def _make_log(output: Sequence[str], netlist: str | None) -> str:
    parts = ["--- ngspice output ---", *output[-_LOG_LINES:]]
    if netlist:
        parts += ["--- netlist ---", _numbered(netlist)]
    return "\n".join(parts)


def _where(output: Sequence[str]) -> str:
    """The netlist line, node, model or file ngspice blames, or ''."""
    for i, line in enumerate(output):
        if _LINE_ERROR_RE.search(line) and i + 1 < len(output):
            return output[i + 1].strip()
    for pattern in _WHERE_RES:
        for line in output:
            match = pattern.search(line)
            if match:
                return match.group(1).strip()
    return ""


def _failure(output: Sequence[str]) -> str | None:
    """ngspice's reason for a failed command (from its first error line), or None."""
    for i, line in enumerate(output):
        match = _FAILURE_RE.search(line)
        if match is None:
            continue
        if _LINE_ERROR_RE.search(line) and i + 2 < len(output):
            return output[i + 2].strip()  # "Error on line N ...:", the line, the reason
        return line[match.start():].strip() if match.group(0).lower() == "singular matrix" \
            else line.strip()
    return None


def _raise_for(output: Sequence[str], netlist: str | None, what: str) -> None:
    reason = _failure(output)
    if reason is None:
        return
    cls = ConvergenceError if any(_CONVERGENCE_RE.search(x) for x in output) \
        else SimulationError
    raise cls(f"ngspice {what} failed: {reason}", where=_where(output),
              log=_make_log(output, netlist))


# --------------------------------------------------------------------------------------
# worker side: the only code that touches PySpice / libngspice


def _shared_class():
    """Import PySpice (worker process only); return (NgSpiceShared subclass, ffi)."""
    os.environ["OMP_NUM_THREADS"] = "1"
    # PySpice logs "Unsupported Ngspice version 39" and every stderr line of ngspice;
    # this module captures ngspice's output itself.
    logging.getLogger("PySpice").setLevel(logging.CRITICAL + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from PySpice.Spice.NgSpice.Shared import NgSpiceShared, ffi

    class _Shared(NgSpiceShared):
        """NgSpiceShared whose output goes to a list and whose exit sets a flag."""

        def __init__(self) -> None:
            self.output: list[str] = []
            self.exit_status: int | None = None
            super().__init__(ngspice_id=0, send_data=False)

        @staticmethod
        def _send_char(message_c, ngspice_id, user_data):
            self = ffi.from_handle(user_data)
            # messages arrive as "stdout <text>" or "stderr <text>"
            self.output.append(ffi.string(message_c).decode("utf-8", "replace")
                               .partition(" ")[2])
            return 0

        @staticmethod
        def _send_stat(message_c, ngspice_id, user_data):
            return 0

        @staticmethod
        def _exit(exit_status, immediate, quit_exit, ngspice_id, user_data):
            ffi.from_handle(user_data).exit_status = int(exit_status)
            return 0

    return _Shared, ffi


def _shared_library():
    """Start libngspice in this (worker) process; return (instance, ffi)."""
    shared_class, ffi = _shared_class()
    # libngspice reads .spiceinit from the working directory and $HOME at start-up:
    # start it in an empty directory so a user's init file cannot change results.
    cwd, home = os.getcwd(), os.environ.get("HOME")
    with tempfile.TemporaryDirectory(prefix="spincim-ngspice-") as empty:
        os.chdir(empty)
        os.environ["HOME"] = empty
        try:
            shared = shared_class()
        finally:
            os.chdir(cwd)
            if home is None:
                os.environ.pop("HOME", None)
            else:
                os.environ["HOME"] = home
    return shared, ffi


class _Engine:
    """One libngspice instance, driven by plain commands (lives in a worker process)."""

    def __init__(self) -> None:
        self._ng, self._ffi = _shared_library()
        self._lib = self._ng._ngspice_shared  # PySpice's cffi handle of libngspice
        banner = "\n".join(self._ng.output)
        self._commands = 0
        self._command("set num_threads=1")
        # ngspice 46 estimates a transient's output memory and unloads itself when the
        # estimate exceeds what it thinks is free; memory is bounded by the worker's
        # own limit (Worker(memory_limit_bytes=...)) instead
        self._command("set no_mem_check")
        match = _VERSION_RE.search(banner)
        self.version = match.group(1) if match else "unknown"
        self.netlist: str | None = None

    @property
    def broken(self) -> bool:
        """True once ngspice asked to be unloaded (the worker must exit)."""
        return self._ng.exit_status is not None

    def _command(self, command: str) -> list[str]:
        """Send one command; return the output lines it produced."""
        self._commands += 1
        if self._commands % _HISTORY_RESET_COMMANDS == 0:
            self._lib.ngSpice_Command(self._ffi.NULL)  # frees ngspice's command history
        start = len(self._ng.output)
        self._lib.ngSpice_Command(command.encode("ascii"))
        output = self._ng.output[start:]
        self._check_alive(output)
        return output

    def _check_alive(self, output: Sequence[str]) -> None:
        if self.broken:
            raise SimulationError(f"ngspice asked to be unloaded (status "
                                  f"{self._ng.exit_status}); the worker restarts",
                                  where=_where(output), log=_make_log(output, self.netlist))

    def _cur_plot(self) -> str:
        return self._ffi.string(self._lib.ngSpice_CurPlot()).decode()

    def _free(self) -> None:
        if self.broken:
            return
        self._command("destroy all")
        if self.netlist is not None:
            self._command("remcirc")
            self.netlist = None
        self._ng.output.clear()

    def load(self, netlist: str) -> None:
        """Parse ``netlist`` as the current circuit (replacing any loaded one)."""
        st.check_netlist(netlist)
        self._free()
        lines = [line for line in netlist.splitlines() if line.strip()]
        if lines[-1].strip().lower() != ".end":
            lines.append(".end")
        keep = [self._ffi.new("char[]", line.encode("ascii")) for line in lines]
        self._lib.ngSpice_Circ(self._ffi.new("char *[]", [*keep, self._ffi.NULL]))
        self.netlist = netlist
        output = list(self._ng.output)
        self._check_alive(output)
        if _failure(output) is not None:
            self._free()
            _raise_for(output, netlist, "netlist parsing")
        logger.debug("loaded circuit: %s", lines[0])

    def alter(self, commands: Sequence[str]) -> None:
        """Apply ``alter``/``altermod`` commands to the loaded circuit."""
        self._need_circuit()
        for command in commands:
            if not st.check_command(command).startswith("alter"):
                raise ParameterError("alter", f"{command!r} is not an alter command")
            output = self._command(command)
            reason = _failure(output)
            if reason is not None:
                raise SimulationError(f"ngspice rejected '{command}': {reason}",
                                      where=_where(output) or command.split()[1],
                                      log=_make_log(output, self.netlist))

    def _need_circuit(self) -> None:
        if self.netlist is None:
            raise SimulationError("no circuit loaded: call load() first")

    def simulate(self, analysis: str | None, vectors: Sequence[str] | None) -> Vectors:
        """Run ``analysis`` (None: the netlist's own) on the loaded circuit."""
        self._need_circuit()
        _check_analysis(analysis)
        self._ng.output.clear()
        before = self._cur_plot()
        try:
            output = self._command(analysis or "run")
            _raise_for(output, self.netlist, analysis or "run")
            plot = self._cur_plot()
            if plot == before or plot == "const":
                raise SimulationError("ngspice produced no plot: give an analysis or put "
                                      ".op/.dc/.tran in the netlist",
                                      log=_make_log(output, self.netlist))
            return self._vectors(plot, vectors)
        finally:
            # free the plot at once: an op slows from ~0.2 to ~1.3 ms with 2000 plots kept
            if not self.broken:
                self._lib.ngSpice_Command(b"destroy all")

    def _vectors(self, plot: str, wanted: Sequence[str] | None) -> Vectors:
        names = self._lib.ngSpice_AllVecs(plot.encode())
        keys = None if wanted is None else {w.lower() for w in wanted}
        result: Vectors = {}
        i = 0
        while names[i] != self._ffi.NULL:
            name = self._ffi.string(names[i]).decode()
            i += 1
            if keys is None or name.lower() in keys:
                result[name.lower()] = self._vector(f"{plot}.{name}")
        missing = sorted((keys or set()) - set(result))
        if missing:
            raise SimulationError(f"no vector {', '.join(missing)} in plot {plot}; it has "
                                  f"{', '.join(sorted(self._vectors(plot, None)))}",
                                  where=missing[0])
        return result

    def _vector(self, full_name: str) -> np.ndarray:
        info = self._lib.ngGet_Vec_Info(full_name.encode())
        n = info.v_length
        if info.v_realdata != self._ffi.NULL:
            return np.frombuffer(self._ffi.buffer(info.v_realdata, 8 * n), np.float64).copy()
        pairs = np.frombuffer(self._ffi.buffer(info.v_compdata, 16 * n), np.float64)
        return pairs[0::2] + 1j * pairs[1::2]

    def run_job(self, netlist: str, analysis: str | None,
                vectors: Sequence[str] | None) -> Vectors:
        """Load, simulate and free one netlist."""
        self.load(netlist)
        try:
            return self.simulate(analysis, vectors)
        finally:
            self._free()

    def run_built(self, builder, args: tuple, vectors: Sequence[str] | None) -> Vectors:
        """Build the netlist here, in the worker (``builder(*args)``), then run it.

        ``builder`` returns netlist text, a :class:`~.spice_text.Netlist` or a
        :class:`Job` (whose analysis and vectors then apply; ``vectors`` if it has none).
        """
        try:
            built = builder(*args)
        except SpincimError:
            raise
        except Exception as exc:  # a bug in the builder must not kill the worker silently
            raise SimulationError(f"netlist builder {getattr(builder, '__name__', builder)} "
                                  f"failed: {exc!r}") from None
        job = built if isinstance(built, Job) else Job(built)
        return self.run_job(job.netlist, job.analysis,
                            job.vectors if job.vectors is not None else vectors)

    def sweep(self, batches: Sequence[Sequence[str]], analysis: str | None,
              vectors: Sequence[str] | None) -> list[Vectors]:
        """For each batch of alter commands: apply it, simulate, collect the vectors."""
        results = []
        for index, commands in enumerate(batches):
            try:
                self.alter(commands)
                results.append(self.simulate(analysis, vectors))
            except SimulationError as exc:
                raise type(exc)(f"batch {index}: {exc.message}", where=exc.where,
                                log=exc.log) from None
        return results

    def unload(self) -> None:
        """Free the loaded circuit and all plots."""
        self._free()


def _memory_watchdog(limit_bytes: int) -> None:
    """Exit this (worker) process at once when its resident memory exceeds the limit."""
    page = os.sysconf("SC_PAGE_SIZE")
    while True:
        try:
            with open("/proc/self/statm") as fh:
                rss = int(fh.read().split()[1]) * page
        except (OSError, ValueError, IndexError):
            return  # no /proc: no watchdog
        if rss > limit_bytes:
            os._exit(_MEMORY_EXIT_CODE)
        threading.Event().wait(_MEMORY_POLL_S)


def _serve(conn, memory_limit_bytes: int | None = None) -> None:
    """Worker-process main loop: answer (operation, args) messages until told to stop."""
    if memory_limit_bytes is not None:  # ngspice runs without the GIL: a thread can watch
        threading.Thread(target=_memory_watchdog, args=(memory_limit_bytes,),
                         daemon=True).start()
    try:
        engine = _Engine()
    except SpincimError as exc:
        conn.send(("error", exc))
        return
    operations = {"run": engine.run_job, "run_built": engine.run_built,
                  "load": engine.load, "alter": engine.alter,
                  "simulate": engine.simulate, "sweep": engine.sweep,
                  "unload": engine.unload}
    conn.send(("ready", engine.version))
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        name, args = message
        try:
            reply = ("ok", operations[name](*args))
        except SpincimError as exc:
            reply = ("error", exc)
        if engine.broken:
            # ngspice 46 unloads itself on some netlist errors (a missing include):
            # say so with the reply, so the caller waits for this exit before its next call
            logger.debug("ngspice requested unloading (status %s); worker exits",
                           engine._ng.exit_status)
            conn.send(("exiting", reply))
            return
        conn.send(reply)


# --------------------------------------------------------------------------------------
# caller side

_MAIN_LOCK = threading.Lock()


@contextlib.contextmanager
def _own_main_module():
    """While a worker is spawned, ``__main__`` is spincim's empty worker module.

    ``spawn`` makes the child import the parent's ``__main__`` (a user's script, run
    again from the top: without an ``if __name__ == "__main__":`` guard it would start
    workers of its own, and so on). The child needs nothing from it (its target lives in
    this module), so it gets :mod:`spincim.netlists._worker_main` instead.
    """
    from . import _worker_main

    with _MAIN_LOCK:
        saved = sys.modules.get("__main__")
        sys.modules["__main__"] = _worker_main
        try:
            yield
        finally:
            if saved is None:
                sys.modules.pop("__main__", None)
            else:
                sys.modules["__main__"] = saved


class Worker:
    """One persistent ngspice process; use as a context manager.

    Parameters
    ----------
    timeout_s : float
        Default time limit of one call (s); a call that exceeds it kills the worker
        (restarted on the next call) and raises :class:`SimulationTimeout`.
    max_jobs : int
        Restart the process after this many netlist loads, bounding ngspice's leaks.
    memory_limit_bytes : int, optional
        Resident memory limit of the process: a watchdog thread in it exits the process
        as soon as it is exceeded, and the call raises :class:`SimulationError`.
    """

    def __init__(self, *, timeout_s: float = 60.0, max_jobs: int = 10_000,
                 memory_limit_bytes: int | None = None) -> None:
        if not timeout_s > 0 or max_jobs < 1:
            raise ParameterError("timeout_s/max_jobs", "must be > 0")
        if memory_limit_bytes is not None and (isinstance(memory_limit_bytes, bool) or not
                                               int(memory_limit_bytes) > 0):
            raise ParameterError("memory_limit_bytes", f"must be > 0, got "
                                 f"{memory_limit_bytes!r}")
        self.memory_limit_bytes = None if memory_limit_bytes is None \
            else int(memory_limit_bytes)
        self.timeout_s = float(timeout_s)
        self.max_jobs = int(max_jobs)
        self._process = None
        self._conn = None
        self._version = ""
        self._loads = 0
        self._netlist: str | None = None

    def __enter__(self) -> Worker:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __del__(self) -> None:
        self._kill()

    @property
    def pid(self) -> int | None:
        """Process id of the running worker, or None."""
        return self._process.pid if self._process is not None else None

    @property
    def ngspice_version(self) -> str:
        """Major version of the worker's ngspice, e.g. ``"39"``."""
        self.start()
        return self._version

    def rss_bytes(self) -> int:
        """Resident memory of the worker process (bytes), from /proc/PID/status."""
        self.start()
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise SimulationError("VmRSS not found in /proc status")

    def start(self) -> Worker:
        """Start the process if it is not running (called automatically)."""
        if self._spawn():
            self._await_ready()
        return self

    def _spawn(self) -> bool:
        """Launch the process unless it runs; True if it was launched."""
        if self._process is not None and self._process.is_alive():
            return False
        self._kill()
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=_serve, args=(child, self.memory_limit_bytes),
                                  daemon=True,
                                  name="spincim-ngspice")
        with _own_main_module():
            process.start()
        child.close()
        self._process, self._conn = process, parent
        return True

    def _await_ready(self) -> None:
        _, version = self._receive(_START_TIMEOUT_S, "starting ngspice", None)
        self._version, self._loads, self._netlist = version, 0, None
        logger.debug("ngspice %s worker started, pid %s", version, self.pid)

    def close(self) -> None:
        """Ask the worker to exit, then make sure it has."""
        if self._process is not None and self._process.is_alive():
            try:
                self._conn.send(None)
            except (BrokenPipeError, OSError):
                pass
            self._process.join(5.0)
        self._kill()

    def _kill(self) -> None:
        process, self._process = getattr(self, "_process", None), None
        if process is not None:
            if process.is_alive():
                process.kill()
            process.join(5.0)
            process.close()
        if getattr(self, "_conn", None) is not None:
            self._conn.close()
            self._conn = None
        self._netlist = None

    def _receive(self, timeout_s: float, what: str, netlist: str | None):
        log = _make_log([], netlist)
        if not self._conn.poll(timeout_s):
            pid = self.pid
            self._kill()
            raise SimulationTimeout(f"{what} exceeded {timeout_s:g} s; worker {pid} killed",
                                    log=log)
        try:
            status, payload = self._conn.recv()
        except (EOFError, ConnectionError):
            process = self._process
            process.join(5.0)
            code = process.exitcode
            self._kill()
            if code == _MEMORY_EXIT_CODE:
                raise MemoryLimitError(f"ngspice worker exceeded its memory limit of "
                                      f"{self.memory_limit_bytes / 2**20:.0f} MiB during "
                                      f"{what}; worker killed", log=log) from None
            raise WorkerDiedError(f"ngspice worker died during {what} (exit code {code})",
                                  log=log) from None
        if status == "exiting":  # the worker exits after this reply: restart on the next call
            self._process.join(5.0)
            self._kill()
            status, payload = payload
        if status == "error":
            raise payload
        return status, payload

    def _call(self, operation: str, args: tuple, timeout_s: float | None,
              netlist: str | None):
        self.start()
        self._conn.send((operation, args))
        timeout = self.timeout_s if timeout_s is None else float(timeout_s)
        return self._receive(timeout, operation, netlist)[1]

    def _recycle_if_due(self) -> None:
        self._loads += 1
        if self._loads > self.max_jobs:
            logger.debug("recycling ngspice worker %s after %d loads", self.pid, self.max_jobs)
            self.close()

    def run(self, netlist: str, analysis: str | None = None, *,
            vectors: Sequence[str] | None = None, timeout_s: float | None = None) -> Vectors:
        """Load ``netlist``, run ``analysis`` (None: its own analyses), return the vectors."""
        return self.run_job(Job(netlist, analysis, None if vectors is None
                                else tuple(vectors)), timeout_s=timeout_s)

    def run_job(self, job: Job, *, timeout_s: float | None = None) -> Vectors:
        """Run one :class:`Job` (loads and frees its circuit; see :meth:`run`)."""
        self._recycle_if_due()
        self._netlist = None
        return self._call("run", (job.netlist, job.analysis, job.vectors), timeout_s,
                          job.netlist)

    def run_built(self, builder, args: tuple, *, vectors: Sequence[str] | None = None,
                  timeout_s: float | None = None) -> Vectors:
        """Run the netlist that ``builder(*args)`` returns, built inside the worker.

        ``builder`` must be a module-level function (it is pickled by reference) that
        returns netlist text from :mod:`spice_text` builders; building in the worker
        keeps the caller's CPU free when many large netlists are run in parallel.
        """
        self._recycle_if_due()
        self._netlist = None
        return self._call("run_built", (builder, tuple(args),
                                        None if vectors is None else tuple(vectors)),
                          timeout_s, None)

    def load(self, netlist: str, *, timeout_s: float | None = None) -> None:
        """Parse ``netlist`` and keep it loaded for :meth:`alter`/:meth:`simulate`."""
        st.check_netlist(netlist)
        self._recycle_if_due()
        self._netlist = None
        self._call("load", (netlist,), timeout_s, netlist)
        self._netlist = netlist

    @property
    def loaded(self) -> str | None:
        """Text of the loaded netlist, or None (also after a crash or timeout)."""
        return self._netlist

    def _loaded_netlist(self) -> str:
        if self._netlist is None or self._process is None or not self._process.is_alive():
            self._netlist = None
            raise SimulationError("no circuit loaded in this worker: call load() first")
        return self._netlist

    def alter(self, *changes: Alter, timeout_s: float | None = None) -> None:
        """Apply parameter changes to the loaded circuit (they persist)."""
        netlist = self._loaded_netlist()
        self._call("alter", ([c.command for c in changes],), timeout_s, netlist)

    def simulate(self, analysis: str | None = "op", *, alters: Sequence[Alter] = (),
                 vectors: Sequence[str] | None = None,
                 timeout_s: float | None = None) -> Vectors:
        """Apply ``alters`` then run ``analysis`` on the loaded circuit."""
        return self.sweep([alters], analysis, vectors=vectors, timeout_s=timeout_s)[0]

    def sweep(self, batches: Sequence[Sequence[Alter]], analysis: str | None = "op", *,
              vectors: Sequence[str] | None = None,
              timeout_s: float | None = None) -> list[Vectors]:
        """For each batch of :class:`Alter` s: apply it, run ``analysis``, keep the vectors.

        One message to the worker for the whole sweep; ``timeout_s`` bounds all of it.
        Changes persist from one batch to the next, so each batch should set every
        parameter it varies.
        """
        netlist = self._loaded_netlist()
        _check_analysis(analysis)
        commands = [[c.command for c in batch] for batch in batches]
        wanted = None if vectors is None else tuple(vectors)
        return self._call("sweep", (commands, analysis, wanted), timeout_s, netlist)

    def unload(self, *, timeout_s: float | None = None) -> None:
        """Free the loaded circuit."""
        if self._process is not None and self._process.is_alive():
            self._call("unload", (), timeout_s, None)
        self._netlist = None

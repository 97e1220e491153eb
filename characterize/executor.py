"""Where chunked work runs: local ngspice processes (default) or a Dask cluster.

One interface, :class:`Executor`, two implementations:

* :class:`LocalExecutor` -- ``workers`` persistent ngspice processes on this machine
  (:class:`spincim.netlists.ngspice.Worker`), driven by threads; pure-Python work
  (:meth:`Executor.map`) runs in the calling process, in order (the LLGS kernels are
  already multi-threaded).
* :class:`DaskExecutor` -- a ``dask.distributed`` cluster (``scheduler="tcp://HOST:PORT"``)
  or a :class:`~dask.distributed.LocalCluster` started for the run (``scheduler="local"``).
  Every chunk is one Dask task; ngspice runs inside the Dask worker process, in a
  persistent ngspice process cached per worker thread. Dask is an optional extra
  (``pip install spincim[dask]``); nothing here imports it unless a Dask executor is made.

The work is always a list of independent, seeded items (:func:`sampling.chunks`), so a
result depends only on the items, never on the executor, the number of workers or the
order chunks finish in; results come back in item order.

Methods
-------
``run_built(builder, items, vectors=...)``
    ``builder(item)`` -> netlist text, built and simulated where the chunk runs; returns
    the vectors (``dict[str, ndarray]``) of each item. ``builder`` must be a
    module-level function (pickled by reference).
``run_jobs(jobs)``
    Ready :class:`~spincim.netlists.ngspice.Job` s (or netlist objects / text with their
    own analysis lines); the vectors of each, in order.
``map(fn, items)``
    ``fn(item)`` for pure-numpy work (LLGS ensembles, whole characterization steps).
    Inside ``fn``, :func:`process_worker` gives a persistent ngspice process of the
    process ``fn`` runs in (e.g. to re-run a failed chunk with relaxed options); a
    :class:`LocalExecutor` stops it when closed.

Both take ``on_result(index, result)``, called in the caller's process as each item is
done (also for items restored from a checkpoint), ``checkpoint=`` / ``stage=`` to store
finished items in a :class:`~.checkpoint.Checkpoint` and skip the stored ones, and
``return_exceptions`` (a failed item's :class:`SpincimError` in its place instead of
raising the first failure).

Faults
------
* A chunk that exceeds the time limit (``timeout_s``) or the memory limit
  (``memory_limit_bytes``, resident memory of the ngspice process) kills its ngspice
  process; the chunk is retried once in a fresh process, then reported as failed
  (:class:`~spincim.errors.SimulationError`). ngspice hangs never hang the run. A chunk
  that fails inside ngspice (convergence, bad netlist) is not retried.
* On Dask, a worker process that dies has its chunks re-run on another worker by the
  scheduler (up to ``distributed.scheduler.allowed-failures`` times, then the chunk
  fails). Retried and re-run chunks are listed in :attr:`Executor.report`.

Dask worker processes are daemonic by default and may not start child processes, but
the ngspice process must be one (it isolates crashes and hangs). ``scheduler="local"``
sets ``distributed.worker.daemon: False`` for the cluster it starts; for your own
cluster start the workers with it too, e.g.
``DASK_DISTRIBUTED__WORKER__DAEMON=False dask worker tcp://HOST:8786 --nthreads 1``
(one thread per process: ngspice runs single-threaded anyway). spincim must be
importable on every worker.
"""

from __future__ import annotations

import abc
import contextlib
import multiprocessing
import os
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .. import limits
from ..errors import ParameterError, SimulationError, SimulationTimeout, SpincimError

__all__ = ["Executor", "LocalExecutor", "DaskExecutor", "ExecutorReport", "make_executor",
           "executor_scope", "process_worker", "close_process_worker", "check_scheduler",
           "run_netlist", "DEFAULT_TIMEOUT_S"]

#: default time limit of one chunk (s)
DEFAULT_TIMEOUT_S = 600.0
#: a Dask run with no live worker for this long ends with one error (s)
NO_WORKERS_TIMEOUT_S = 60.0
#: how often a Dask run checks its scheduler and workers while waiting (s)
POLL_S = 1.0


@dataclass
class ExecutorReport:
    """What happened to the chunks of the runs on an executor (indices per stage)."""

    retried: dict = field(default_factory=dict)   # stage -> [index] retried after a limit
    rerun: dict = field(default_factory=dict)     # stage -> [index] re-run after a lost worker
    failed: dict = field(default_factory=dict)    # stage -> [index] failed for good
    restored: dict = field(default_factory=dict)  # stage -> number restored from a checkpoint

    def add(self, kind: str, stage: str, index: int) -> None:
        getattr(self, kind).setdefault(stage, []).append(int(index))

    def to_dict(self) -> dict:
        """JSON-ready summary (sorted indices)."""
        return {"retried_chunks": {k: sorted(v) for k, v in self.retried.items()},
                "rerun_chunks": {k: sorted(v) for k, v in self.rerun.items()},
                "failed_chunks": {k: sorted(v) for k, v in self.failed.items()},
                "restored_chunks": dict(self.restored)}

    @property
    def n_rerun(self) -> int:
        """Chunks run more than once (retried after a limit or re-run after a lost worker)."""
        return sum(len(v) for v in self.retried.values()) + \
            sum(len(v) for v in self.rerun.values())


# ------------------------------------------------------------------ per-process worker
_LOCAL = threading.local()


def process_worker(*, timeout_s: float = DEFAULT_TIMEOUT_S,
                   memory_limit_bytes: int | None = None):
    """The persistent ngspice :class:`~spincim.netlists.ngspice.Worker` of this thread.

    Cached per (process, thread); started on first use. Used by Dask tasks and by
    ``map`` functions that need ngspice.
    """
    from ..netlists import ngspice

    worker = getattr(_LOCAL, "worker", None)
    if worker is None or getattr(_LOCAL, "pid", None) != os.getpid():
        if multiprocessing.current_process().daemon:
            raise SimulationError(
                "this process is daemonic and cannot start its ngspice process: start Dask "
                "workers with DASK_DISTRIBUTED__WORKER__DAEMON=False (see "
                "spincim.characterize.executor)")
        worker = ngspice.Worker(timeout_s=timeout_s, memory_limit_bytes=memory_limit_bytes)
        _LOCAL.worker, _LOCAL.pid = worker, os.getpid()
    worker.timeout_s = float(timeout_s)
    if worker.memory_limit_bytes != memory_limit_bytes:
        worker.close()
        worker.memory_limit_bytes = memory_limit_bytes
    return worker


def close_process_worker() -> None:
    """Stop this thread's cached ngspice process (see :func:`process_worker`), if any."""
    worker = getattr(_LOCAL, "worker", None)
    if worker is not None and getattr(_LOCAL, "pid", None) == os.getpid():
        worker.close()
    _LOCAL.worker = _LOCAL.pid = None


def _run_chunk(worker, builder, item, vectors, timeout_s) -> tuple[object, int]:
    """Run one chunk on ``worker``; retry once if its process was killed (time/memory).

    Returns (vectors or the SpincimError, attempts).
    """
    for attempt in (1, 2):
        try:
            return worker.run_built(builder, (item,), vectors=vectors,
                                    timeout_s=timeout_s), attempt
        except SpincimError as exc:
            lost = isinstance(exc, SimulationTimeout) or worker.pid is None
            if not lost or attempt == 2:
                return exc, attempt
    raise AssertionError("unreachable")


def _dask_chunk(builder, item, vectors, timeout_s, memory_limit_bytes):
    """Dask task: one chunk on this worker's cached ngspice process."""
    try:
        worker = process_worker(timeout_s=timeout_s, memory_limit_bytes=memory_limit_bytes)
    except SpincimError as exc:
        return exc, 1
    return _run_chunk(worker, builder, item, vectors, timeout_s)


def _job(item):
    """Builder of :meth:`Executor.run_jobs`: the item is already the job."""
    return item


def _ngspice_version_task() -> str:
    return process_worker().ngspice_version


def _dask_map(fn, item):
    try:
        return fn(item), 1
    except SpincimError as exc:
        return exc, 1


# ------------------------------------------------------------------------ interface
class Executor(abc.ABC):
    """Runs lists of independent items; see the module docstring."""

    #: number of workers (ngspice processes or Dask workers)
    workers: int

    def __init__(self, *, timeout_s: float = DEFAULT_TIMEOUT_S,
                 memory_limit_bytes: int | None = None) -> None:
        if isinstance(timeout_s, bool) or not (isinstance(timeout_s, (int, float))
                                               and timeout_s > 0):
            raise ParameterError("timeout_s", f"must be > 0, got {timeout_s!r}")
        if memory_limit_bytes is not None and (
                isinstance(memory_limit_bytes, bool) or not isinstance(memory_limit_bytes, int)
                or memory_limit_bytes < 2**20):
            raise ParameterError("memory_limit_bytes", "must be an integer >= 1 MiB, got "
                                 f"{memory_limit_bytes!r}")
        self.timeout_s = float(timeout_s)
        self.memory_limit_bytes = memory_limit_bytes
        self.report = ExecutorReport()
        self._stage_counter = 0

    # context manager
    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Release the workers."""

    # the two entry points
    def run_built(self, builder: Callable, items: Sequence, *,
                  vectors: Sequence[str] | None = None, timeout_s: float | None = None,
                  on_result: Callable | None = None, return_exceptions: bool = False,
                  checkpoint=None, stage: str | None = None) -> list:
        """Vectors of ``builder(item)``'s netlist for every item, in item order."""
        timeout = self.timeout_s if timeout_s is None else float(timeout_s)
        wanted = None if vectors is None else tuple(vectors)
        name = stage or "spice"
        return self._drive(lambda todo, done: self._run_built(builder, todo, wanted, timeout,
                                                              done, name),
                           list(items), on_result, return_exceptions, checkpoint, name)

    def run_jobs(self, jobs: Sequence, *, timeout_s: float | None = None,
                 on_result: Callable | None = None, return_exceptions: bool = False,
                 checkpoint=None, stage: str | None = None) -> list:
        """Vectors of every :class:`~spincim.netlists.ngspice.Job` (or netlist), in order."""
        from ..netlists import ngspice

        items = [j if isinstance(j, ngspice.Job) else ngspice.Job(j) for j in jobs]
        return self.run_built(_job, items, timeout_s=timeout_s, on_result=on_result,
                              return_exceptions=return_exceptions, checkpoint=checkpoint,
                              stage=stage or "jobs")

    @abc.abstractmethod
    def ngspice_version(self) -> str:
        """Major version of the ngspice the workers run, e.g. ``"39"``."""

    def map(self, fn: Callable, items: Sequence, *, on_result: Callable | None = None,
            return_exceptions: bool = False, checkpoint=None,
            stage: str | None = None) -> list:
        """``fn(item)`` for every item, in item order (``fn`` module-level for Dask)."""
        name = stage or "map"
        return self._drive(lambda todo, done: self._map(fn, todo, done, name),
                           list(items), on_result, return_exceptions, checkpoint, name)

    def _drive(self, run, items: list, on_result, return_exceptions: bool, checkpoint,
               stage: str) -> list:
        results: list = [None] * len(items)
        stored = checkpoint.done(stage) if checkpoint is not None else {}
        stored = {i: v for i, v in stored.items() if 0 <= i < len(items)}
        if stored:
            self.report.restored[stage] = self.report.restored.get(stage, 0) + len(stored)
        for index in sorted(stored):
            results[index] = stored[index]
            if on_result is not None:
                on_result(index, stored[index])
        todo = [(i, items[i]) for i in range(len(items)) if i not in stored]
        errors: dict[int, SpincimError] = {}
        lock = threading.Lock()

        def done(index: int, value) -> None:  # may be called from pool threads
            with lock:
                results[index] = value
                if isinstance(value, SpincimError):
                    errors[index] = value
                    self.report.add("failed", stage, index)
                    return
                if checkpoint is not None:
                    checkpoint.put(stage, index, value)
                if on_result is not None:
                    on_result(index, value)

        if todo:
            run(todo, done)
        if errors and not return_exceptions:
            raise errors[min(errors)]
        return results

    # implementation hooks: call done(index, value_or_error) for every (index, item)
    @abc.abstractmethod
    def _run_built(self, builder, todo, vectors, timeout_s, done, stage) -> None:
        """Simulate ``builder(item)`` for every (index, item) of ``todo``."""

    @abc.abstractmethod
    def _map(self, fn, todo, done, stage) -> None:
        """Call ``fn(item)`` for every (index, item) of ``todo``."""


class LocalExecutor(Executor):
    """``workers`` ngspice processes on this machine (default: all cores)."""

    def __init__(self, workers: int | None = None, *, timeout_s: float = DEFAULT_TIMEOUT_S,
                 memory_limit_bytes: int | None = None) -> None:
        super().__init__(timeout_s=timeout_s, memory_limit_bytes=memory_limit_bytes)
        limits.check_workers("workers", workers)
        self.workers = (os.cpu_count() or 1) if workers is None else int(workers)
        self._pool: list = []
        self._mapped = False

    def _ngspice_workers(self, n: int) -> list:
        from ..netlists import ngspice

        while len(self._pool) < n:
            self._pool.append(ngspice.Worker(timeout_s=self.timeout_s,
                                             memory_limit_bytes=self.memory_limit_bytes))
        launched = [w for w in self._pool[:n] if w._spawn()]
        for worker in launched:  # the processes start in parallel (~0.6 s each)
            worker._await_ready()
        return self._pool[:n]

    def ngspice_version(self) -> str:
        return self._ngspice_workers(1)[0].ngspice_version

    def start(self) -> LocalExecutor:
        """Start every ngspice process now (in parallel) instead of at first use."""
        self._ngspice_workers(self.workers)
        return self

    def close(self) -> None:
        for worker in self._pool:
            worker.close()
        self._pool = []
        if self._mapped:  # map ran here: stop the ngspice process its functions used
            close_process_worker()
            self._mapped = False

    def _run_built(self, builder, todo, vectors, timeout_s, done, stage) -> None:
        queue = iter(todo)
        lock = threading.Lock()
        failure: list[BaseException] = []

        def drain(worker) -> None:
            try:
                while not failure:
                    with lock:
                        nxt = next(queue, None)
                    if nxt is None:
                        return
                    index, item = nxt
                    value, attempts = _run_chunk(worker, builder, item, vectors, timeout_s)
                    if attempts > 1:
                        with lock:
                            self.report.add("retried", stage, index)
                    done(index, value)
            except BaseException as exc:  # noqa: BLE001 -- re-raised in the caller
                failure.append(exc)

        threads = [threading.Thread(target=drain, args=(w,), daemon=True)
                   for w in self._ngspice_workers(min(self.workers, len(todo)))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failure:
            raise failure[0]

    def _map(self, fn, todo, done, stage) -> None:
        self._mapped = True
        for index, item in todo:
            try:
                value = fn(item)
            except SpincimError as exc:
                value = exc
            done(index, value)


class DaskExecutor(Executor):
    """Chunks as tasks of a Dask cluster: ``"tcp://HOST:PORT"`` or ``"local"``.

    ``workers`` is the size of a ``"local"`` cluster (default 2); with an address it is
    read from the scheduler.
    """

    def __init__(self, scheduler: str = "local", workers: int | None = None, *,
                 timeout_s: float = DEFAULT_TIMEOUT_S,
                 memory_limit_bytes: int | None = None,
                 no_workers_timeout_s: float = NO_WORKERS_TIMEOUT_S) -> None:
        super().__init__(timeout_s=timeout_s, memory_limit_bytes=memory_limit_bytes)
        check_scheduler(scheduler)
        if isinstance(no_workers_timeout_s, bool) or not (
                isinstance(no_workers_timeout_s, (int, float)) and no_workers_timeout_s > 0):
            raise ParameterError("no_workers_timeout_s", f"must be > 0, got "
                                 f"{no_workers_timeout_s!r}")
        self.no_workers_timeout_s = float(no_workers_timeout_s)
        try:
            import dask
            from dask import distributed
        except ImportError:
            raise ParameterError("scheduler", "Dask is not installed: pip install "
                                 "'spincim[dask]' (or dask[distributed])") from None
        self._distributed = distributed
        self.scheduler = scheduler
        self._cluster = None
        self._config = None
        if scheduler == "local":
            limits.check_workers("workers", workers)
            count = 2 if workers is None else int(workers)
            # the ngspice process is a child of the Dask worker process: the worker must
            # not be daemonic; the nanny reads this at every (re)start of a worker, so it
            # holds for the executor's lifetime (undone in close), not for the process
            self._config = dask.config.set({"distributed.worker.daemon": False})
            self._cluster = distributed.LocalCluster(
                n_workers=count, threads_per_worker=1, processes=True,
                dashboard_address=":0", silence_logs=50)
            self.client = distributed.Client(self._cluster)
        else:
            self._quiet_logs()
            try:
                self.client = distributed.Client(scheduler, timeout=30)
            except (OSError, TimeoutError) as exc:
                raise ParameterError("scheduler", f"cannot reach the Dask scheduler at "
                                     f"{scheduler}: {exc}") from None
        self.workers = count if scheduler == "local" else \
            max(1, len(self.client.scheduler_info().get("workers", {})))

    def _quiet_logs(self) -> None:
        """Dask's own log lines (tracebacks of a lost connection) off while this runs:
        the run reports a lost scheduler or worker as one line itself."""
        import logging
        names = ["distributed"] + [n for n in logging.root.manager.loggerDict
                                   if n.startswith("distributed.")]
        self._log_levels = {n: logging.getLogger(n).level for n in names}
        for name in names:
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)

    def close(self) -> None:
        client, self.client = getattr(self, "client", None), None
        if client is not None:
            with contextlib.suppress(Exception):  # a lost scheduler: nothing to close
                client.close(timeout=5)
        import logging
        for name, level in getattr(self, "_log_levels", {}).items():
            logging.getLogger(name).setLevel(level)
        self._log_levels = {}
        cluster, self._cluster = getattr(self, "_cluster", None), None
        if cluster is not None:
            cluster.close()
        config, self._config = getattr(self, "_config", None), None
        if config is not None:
            config.__exit__(None, None, None)

    def ngspice_version(self) -> str:
        return self.client.submit(_ngspice_version_task, pure=False).result()

    def worker_pids(self) -> dict[str, int]:
        """Process id of every Dask worker (address -> pid)."""
        return self.client.run(os.getpid)

    def _submit_all(self, fn, todo, done, stage, *args) -> None:
        distributed = self._distributed
        tag = uuid.uuid4().hex[:12]
        futures = {}
        for index, item in todo:
            key = f"spincim-{stage}-{tag}-{index}"
            futures[self.client.submit(fn, *args[:1], item, *args[1:], key=key,
                                       pure=False)] = index
        keys = [f.key for f in futures]
        try:
            for future in self._completed(list(futures)):
                index = futures[future]
                try:
                    value, attempts = future.result()
                except distributed.KilledWorker as exc:
                    value, attempts = SimulationError(
                        f"chunk {index} ({stage}) killed its Dask worker repeatedly: {exc}"), 1
                except Exception as exc:  # noqa: BLE001 -- cancelled: the scheduler is gone
                    if self._scheduler_alive():
                        raise
                    raise self._lost(exc) from None
                if attempts > 1:
                    self.report.add("retried", stage, index)
                done(index, value)
            for key, suspicious in self._suspicious(keys).items():
                if suspicious:
                    self.report.add("rerun", stage, int(key.rsplit("-", 1)[1]))
        finally:
            for future in futures:
                future.release()

    def _completed(self, futures: list):
        """Yield ``futures`` as they finish, waiting boundedly: no live worker for
        :attr:`no_workers_timeout_s`, or a lost scheduler, ends the run with one
        :class:`SimulationError` (finished chunks stay in the checkpoint)."""
        distributed = self._distributed
        pending = set(futures)
        idle_since = None
        while pending:
            try:
                finished, pending = distributed.wait(pending, timeout=POLL_S,
                                                     return_when="FIRST_COMPLETED")
            except distributed.TimeoutError:
                finished = set()
            except Exception as exc:  # noqa: BLE001 -- the connection broke
                raise self._lost(exc) from None
            yield from (f for f in futures if f in finished)
            if finished or not pending:
                idle_since = None
                continue
            live = self._live_workers()
            if live:
                idle_since = None
                continue
            now = time.monotonic()
            idle_since = now if idle_since is None else idle_since
            if now - idle_since >= self.no_workers_timeout_s:
                raise SimulationError(f"no live Dask worker at {self.scheduler} for "
                                      f"{self.no_workers_timeout_s:g} s; start workers (or "
                                      "raise --no-workers-timeout-s); finished chunks stay "
                                      "in the checkpoint and re-running the same command "
                                      "resumes")

    def _live_workers(self) -> int:
        """Workers the scheduler knows now (a lost scheduler raises SimulationError)."""
        try:
            return len(self.client.nthreads())
        except Exception as exc:  # noqa: BLE001 -- OSError, CommClosedError, TimeoutError
            raise self._lost(exc) from None

    def _scheduler_alive(self) -> bool:
        try:
            self.client.nthreads()
            return True
        except Exception:  # noqa: BLE001
            return False

    def _lost(self, exc: BaseException) -> SimulationError:
        return SimulationError(f"lost the Dask scheduler at {self.scheduler} "
                               f"({type(exc).__name__}); finished chunks stay in the "
                               "checkpoint: re-run the same command to resume")

    def _suspicious(self, keys: list[str]) -> dict[str, int]:
        """How often each task was on a worker that died (from the scheduler)."""
        try:
            return self.client.run_on_scheduler(_scheduler_suspicious, keys=keys)
        except Exception:  # noqa: BLE001 -- reporting only; a locked-down scheduler
            return {}

    def _run_built(self, builder, todo, vectors, timeout_s, done, stage) -> None:
        self._submit_all(_dask_chunk, todo, done, stage, builder, vectors, timeout_s,
                         self.memory_limit_bytes)

    def _map(self, fn, todo, done, stage) -> None:
        self._submit_all(_dask_map, todo, done, stage, fn)


def _scheduler_suspicious(dask_scheduler, keys):
    tasks = dask_scheduler.tasks
    return {k: tasks[k].suspicious for k in keys if k in tasks}


def check_scheduler(scheduler) -> str:
    """``scheduler`` if it is ``"local"`` or a ``tcp://``/``tls://`` address."""
    if not isinstance(scheduler, str) or not (
            scheduler == "local" or (scheduler.startswith(("tcp://", "tls://", "inproc://"))
                                     and len(scheduler) > 6 and not any(
                                         c.isspace() for c in scheduler))):
        raise ParameterError("scheduler", f"must be 'local' or an address like "
                             f"tcp://HOST:8786, got {scheduler!r}")
    return scheduler


def make_executor(scheduler: str | None = None, workers: int | None = None, *,
                  timeout_s: float = DEFAULT_TIMEOUT_S,
                  memory_limit_bytes: int | None = None,
                  no_workers_timeout_s: float | None = None) -> Executor:
    """:class:`LocalExecutor` (``scheduler=None``) or :class:`DaskExecutor`."""
    if scheduler is None:
        return LocalExecutor(workers, timeout_s=timeout_s,
                             memory_limit_bytes=memory_limit_bytes)
    return DaskExecutor(scheduler, workers, timeout_s=timeout_s,
                        memory_limit_bytes=memory_limit_bytes,
                        no_workers_timeout_s=no_workers_timeout_s or NO_WORKERS_TIMEOUT_S)


@contextlib.contextmanager
def executor_scope(executor: Executor | None = None, *, scheduler: str | None = None,
                   workers: int | None = None, timeout_s: float = DEFAULT_TIMEOUT_S):
    """``executor`` as is (the caller closes it) or a new one closed on exit."""
    if executor is not None:
        if scheduler is not None:
            raise ParameterError("scheduler", "give an executor or a scheduler, not both")
        yield executor
        return
    made = make_executor(scheduler, workers, timeout_s=timeout_s)
    try:
        yield made
    finally:
        made.close()


def run_netlist(netlist, analysis: str | None = None, *, vectors: Sequence[str] | None = None,
                timeout_s: float = 120.0) -> dict:
    """Run one netlist in a fresh one-worker :class:`LocalExecutor` (about 1 s start-up).

    For single checks and examples; anything repeated belongs on one executor.
    """
    from ..netlists import ngspice

    job = ngspice.Job(netlist, analysis, None if vectors is None else tuple(vectors))
    with LocalExecutor(1, timeout_s=timeout_s) as ex:
        return ex.run_jobs([job])[0]

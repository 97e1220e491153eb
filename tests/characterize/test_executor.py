"""Executors: identical results for any executor, limits, lost Dask workers."""

import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from spincim.characterize import checkpoint as C
from spincim.characterize import executor as E
from spincim.characterize import sampling
from spincim.characterize import sense_margin as sm
from spincim.errors import ParameterError, SimulationError, SimulationTimeout

pytestmark = pytest.mark.ngspice

SETUP = sm.SenseSetup()
NAMES = sm.result_vectors(SETUP, references=False)


def _items(trials=600, chunk=100, seed=5):
    return [(SETUP, c) for c in sampling.chunks(trials, seed, chunk)]


def _flat(results):
    return {k: np.concatenate([r[k] for r in results]) for k in NAMES}


def big_transient(item) -> str:
    """A transient that runs for minutes and keeps growing its vectors (~20 MB/s)."""
    lines = ["runaway transient", "V1 n0 0 pulse(0 1 0 1n 1n 5n 10n)"]
    for i in range(300):
        lines += [f"R{i} n{i} n{i + 1} 1k", f"C{i} n{i + 1} 0 1f"]
    return "\n".join([*lines, ".tran 1p 1m", ".end"]) + "\n"


def pick(item) -> str:
    """The runaway transient for item "big", a small sense chunk otherwise."""
    return big_transient(item) if item == "big" else sm.build_chunk(item)


@pytest.fixture(scope="module")
def reference():
    with E.LocalExecutor(1) as ex:
        return _flat(ex.run_built(sm.build_chunk, _items(), vectors=NAMES))


@pytest.fixture(scope="module")
def dask_executor():
    pytest.importorskip("dask.distributed")
    with E.DaskExecutor("local", 2, timeout_s=120) as ex:
        yield ex


def test_two_local_workers_give_identical_results_in_order(reference):
    seen = []
    with E.LocalExecutor(2) as ex:
        out = ex.run_built(sm.build_chunk, _items(), vectors=NAMES,
                           on_result=lambda i, r: seen.append(i))
    assert sorted(seen) == list(range(6))
    for k in NAMES:
        assert out[0][k].shape[0] >= 100
        np.testing.assert_array_equal(_flat(out)[k], reference[k])


def test_dask_local_cluster_gives_identical_results(reference, dask_executor):
    dask_executor.report = E.ExecutorReport()
    out = _flat(dask_executor.run_built(sm.build_chunk, _items(), vectors=NAMES))
    for k in NAMES:
        np.testing.assert_array_equal(out[k], reference[k])
    assert dask_executor.map(abs, [-1, 2, -3]) == [1, 2, 3]
    assert dask_executor.report.n_rerun == 0


def test_killed_dask_worker_has_its_chunk_rerun(reference, dask_executor):
    dask_executor.report = E.ExecutorReport()
    pids = list(dask_executor.worker_pids().values())
    assert len(pids) == 2
    killed = []

    def kill_one(index, result):
        if not killed:  # the other worker is busy with a chunk: kill it mid-run
            os.kill(pids[0], signal.SIGKILL)
            killed.append(index)

    items = _items(1200, 100, seed=5)
    out = _flat(dask_executor.run_built(sm.build_chunk, items, vectors=NAMES,
                                        on_result=kill_one))
    assert killed
    for k in NAMES:
        np.testing.assert_array_equal(out[k][:600], reference[k])
    assert dask_executor.report.n_rerun >= 1, dask_executor.report
    assert not dask_executor.report.failed


def test_checkpointed_chunks_are_skipped(tmp_path, reference):
    with C.Checkpoint(tmp_path / "c.db", kind="t", parameters={}) as ck, \
            E.LocalExecutor(1) as ex:
        first = ex.run_built(sm.build_chunk, _items()[:3], vectors=NAMES, checkpoint=ck,
                             stage="a")
        seen = []
        again = ex.run_built(sm.build_chunk, _items(), vectors=NAMES, checkpoint=ck,
                             stage="a", on_result=lambda i, r: seen.append(i))
        assert ex.report.restored == {"a": 3} and ck.count("a") == 6
    assert seen[:3] == [0, 1, 2] and sorted(seen) == list(range(6))
    for k in NAMES:
        np.testing.assert_array_equal(_flat(again)[k], reference[k])
        np.testing.assert_array_equal(first[1][k], again[1][k])


def test_time_limit_kills_retries_once_then_reports(reference):
    items = [*_items()[:2], "big"]
    with E.LocalExecutor(1) as ex:
        ex.run_built(pick, items[:1], vectors=NAMES)  # warm: start-up is not timed below
        out = ex.run_built(pick, items, vectors=NAMES, timeout_s=1.5, return_exceptions=True)
    assert isinstance(out[2], SimulationTimeout) and "1.5 s" in str(out[2])
    np.testing.assert_array_equal(out[1]["bl0"][:100], reference["bl0"][100:200])
    assert ex.report.retried == {"spice": [2]} and ex.report.failed == {"spice": [2]}


def test_memory_limit_kills_retries_once_then_reports(reference):
    items = [*_items()[:1], "big"]
    with E.LocalExecutor(1, timeout_s=60, memory_limit_bytes=90 * 2**20) as ex:
        out = ex.run_built(pick, items, vectors=NAMES, return_exceptions=True)
    assert isinstance(out[1], SimulationError) and "memory limit" in str(out[1])
    np.testing.assert_array_equal(out[0]["bl0"][:100], reference["bl0"][:100])
    assert ex.report.retried == {"spice": [1]} and ex.report.failed == {"spice": [1]}


def test_bad_executor_input_is_a_clear_error():
    for bad in ("", "localhost:8786", "tcp://", "tcp://a b", 5):
        with pytest.raises(ParameterError, match="scheduler"):
            E.check_scheduler(bad)
    with pytest.raises(ParameterError, match="workers"):
        E.LocalExecutor(0)
    with pytest.raises(ParameterError, match="timeout_s"):
        E.LocalExecutor(1, timeout_s=-1)
    with pytest.raises(ParameterError, match="memory_limit_bytes"):
        E.LocalExecutor(1, memory_limit_bytes=10)


def test_spincim_runs_without_dask():
    code = ("import sys, builtins\n"
            "real = builtins.__import__\n"
            "def no_dask(name, *a, **k):\n"
            "    if name.split('.')[0] in ('dask', 'distributed'):\n"
            "        raise ImportError('no dask here')\n"
            "    return real(name, *a, **k)\n"
            "builtins.__import__ = no_dask\n"
            "from spincim.characterize import executor as E\n"
            "from spincim import cli\n"
            "assert E.make_executor(None, 1).workers == 1\n"
            "try:\n"
            "    E.make_executor('local', 1)\n"
            "except Exception as exc:\n"
            "    print(type(exc).__name__, exc)\n"
            "assert 'dask' not in sys.modules\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert "ParameterError" in out.stdout and "pip install" in out.stdout

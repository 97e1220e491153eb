"""A run killed with SIGKILL and resumed from its checkpoint gives the uninterrupted result."""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

pytestmark = [pytest.mark.ngspice, pytest.mark.slow]

#: keys that hold wall-clock time (or the output path): not part of the result
WALL_KEYS = {"wall_s", "trials_per_s", "created_utc", "command_line", "path", "sha256"}


def _spincim(*argv, **kw):
    return subprocess.run([sys.executable, "-m", "spincim.cli", *map(str, argv)],
                          capture_output=True, text=True, timeout=600, **kw)


def _stored(path, stage: str = "%") -> int:
    """Chunks stored in the checkpoint (of the stages matching the SQL pattern ``stage``)."""
    if not os.path.exists(path):
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM chunks WHERE stage LIKE ?",
                              (stage,)).fetchone()[0]
    except sqlite3.Error:  # not created yet, or locked for a moment
        return 0


def _kill_after(argv, checkpoint, n_chunks: int, cwd, stage: str = "%") -> int:
    """Start the command, SIGKILL its process group once n_chunks (of ``stage``) are stored."""
    proc = subprocess.Popen([sys.executable, "-m", "spincim.cli", *map(str, argv)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while _stored(checkpoint, stage) < n_chunks:
            assert proc.poll() is None, "the run finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert proc.poll() is None, "the run finished before it could be killed"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its ngspice processes
        proc.wait(30)
    return _stored(checkpoint)


def _strip(obj):
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k not in WALL_KEYS}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def _dumps(obj) -> bytes:
    return json.dumps(_strip(obj), indent=2).encode()


def _resume_equals_plain(argv, ck, cwd) -> None:
    """Resuming from ``ck`` restores chunks and prints the uninterrupted run's JSON."""
    resumed = _spincim(*argv, "--checkpoint", ck, cwd=cwd)
    assert resumed.returncode == 0, resumed.stderr
    assert "restored from the checkpoint" in resumed.stderr
    plain = _spincim(*argv, cwd=cwd)
    assert plain.returncode == 0, plain.stderr
    assert _dumps(json.loads(resumed.stdout)) == _dumps(json.loads(plain.stdout))


def test_mc_majority_resumes_after_sigkill(tmp_path):
    ck = tmp_path / "majority.ckpt"
    argv = ["mc", "majority", "--trials", "400", "--seed", "3", "--workers", "2", "--json"]
    stored = _kill_after([*argv, "--checkpoint", ck], ck, 13, tmp_path)
    assert 13 <= stored < 20  # 10 current sweeps + some of the 10 LLGS ensembles
    _resume_equals_plain(argv, ck, tmp_path)
    other = _spincim(*argv[:-1], "--seed", "4", "--json", "--checkpoint", ck, cwd=tmp_path)
    assert other.returncode == 2 and "different parameters (seed differ)" in other.stderr


def _same_lut(a_path, b_path) -> None:
    from spincim.lut import io
    a, b = io.read_lut(a_path), io.read_lut(b_path)
    assert a.ops == b.ops and a.axes == b.axes and a.mc == b.mc and a.areas == b.areas
    assert _strip(dict(a.provenance)) == _strip(dict(b.provenance))


@pytest.fixture(scope="module")
def plain_quick_lut(tmp_path_factory):
    """An uninterrupted local ``lut build --tech 45nm --quick`` (JSON, path)."""
    cwd = tmp_path_factory.mktemp("plain")
    run = _spincim("lut", "build", "--tech", "45nm", "--quick", "--json", "--out",
                   cwd / "p.h5", cwd=cwd)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout), cwd / "p.h5"


@pytest.mark.parametrize("stage", ["write_ops/%", "line_ops/%"])
def test_lut_build_quick_resumes_after_sigkill(tmp_path, plain_quick_lut, stage):
    """Killed inside a step (the writes; the periphery's line benches), resumed: the same
    LUT as an uninterrupted build. Every earlier step comes back from the checkpoint."""
    ck = tmp_path / "lut.ckpt"
    argv = ["lut", "build", "--tech", "45nm", "--quick", "--json"]
    _kill_after([*argv, "--out", tmp_path / "k.h5", "--checkpoint", ck], ck, 1, tmp_path,
                stage=stage)
    assert not (tmp_path / "k.h5").exists()
    resumed = _spincim(*argv, "--out", tmp_path / "r.h5", "--checkpoint", ck, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "restored from the checkpoint" in resumed.stderr
    plain_json, plain_path = plain_quick_lut
    assert _dumps(json.loads(resumed.stdout)) == _dumps(plain_json)
    _same_lut(tmp_path / "r.h5", plain_path)


def test_lut_build_quick_on_dask_equals_local(tmp_path, plain_quick_lut):
    pytest.importorskip("dask.distributed")
    run = _spincim("lut", "build", "--tech", "45nm", "--quick", "--json", "--scheduler",
                   "local", "--out", tmp_path / "d.h5", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    _same_lut(tmp_path / "d.h5", plain_quick_lut[1])


def test_driver_sweep_same_json_for_one_and_two_workers(tmp_path):
    argv = ["driver", "sweep", "--temperature-k", "300", "--runs", "200", "--seed", "2",
            "--json"]
    runs = [_spincim(*argv, "--workers", str(n), cwd=tmp_path) for n in (1, 2)]
    for run in runs:
        assert run.returncode == 0, run.stderr
    assert runs[0].stdout == runs[1].stdout


def test_mc_sense_resumes_after_sigkill(tmp_path):
    ck = tmp_path / "sense.ckpt"
    argv = ["mc", "sense", "--trials", "40000", "--seed", "5", "--workers", "2", "--json"]
    stored = _kill_after([*argv, "--checkpoint", ck], ck, 8, tmp_path)
    assert 8 <= stored < 40
    _resume_equals_plain(argv, ck, tmp_path)
    other = _spincim(*argv[:-1], "--trials", "30000", "--json", "--checkpoint", ck,
                     cwd=tmp_path)
    assert other.returncode == 2 and "different parameters" in other.stderr


def test_mc_sense_same_json_local_and_dask(tmp_path):
    """Local pool with 1 and 2 workers and a Dask LocalCluster: identical results."""
    pytest.importorskip("dask.distributed")
    argv = ["mc", "sense", "--trials", "3000", "--seed", "9", "--json"]
    runs = [_spincim(*argv, "--workers", "1", cwd=tmp_path),
            _spincim(*argv, "--workers", "2", cwd=tmp_path),
            _spincim(*argv, "--scheduler", "local", cwd=tmp_path)]
    for run in runs:
        assert run.returncode == 0, run.stderr
    first = _dumps(json.loads(runs[0].stdout))
    assert all(_dumps(json.loads(r.stdout)) == first for r in runs[1:])


def test_mc_sense_memory_limit_is_reported_not_rescued(tmp_path):
    """Chunks killed at the memory limit are retried once, then counted as failed trials
    (never re-run without the limit); here every chunk exceeds it (an ngspice worker
    needs ~100 MiB)."""
    run = _spincim("mc", "sense", "--trials", "2000", "--workers", "1", "--memory-limit-mib",
                   "64", "--json", cwd=tmp_path)
    assert run.returncode == 1 and run.stdout == "" and "Traceback" not in run.stderr
    note, error = run.stderr.splitlines()
    # 2 chunks (+ the one-point reference run, when the watchdog catches it too)
    assert re.match(r"note: [23] retried after a time/memory limit, [23] failed$", note), note
    # the error names the limit, or (when the one-point reference run finished before the
    # watchdog's next look) the fact that no trial survived
    assert ("exceeded its memory limit of 64 MiB" in error
            or "all 2000 trials failed" in error), error


def test_mc_sense_on_a_running_dask_scheduler(tmp_path):
    """--scheduler tcp://HOST:PORT: the CLI joins an existing cluster; same JSON as local."""
    pytest.importorskip("dask.distributed")
    from spincim.characterize.executor import DaskExecutor

    argv = ["mc", "sense", "--trials", "3000", "--seed", "9", "--json"]
    with DaskExecutor("local", 2) as cluster:   # stands in for a remote cluster
        address = cluster.client.scheduler.address
        assert address.startswith("tcp://")
        remote = _spincim(*argv, "--scheduler", address, cwd=tmp_path)
    local = _spincim(*argv, "--workers", "2", cwd=tmp_path)
    assert remote.returncode == 0, remote.stderr
    assert _dumps(json.loads(remote.stdout)) == _dumps(json.loads(local.stdout))

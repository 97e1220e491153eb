"""Hardening II (issue 19): no hang, no traceback, no clobbered file, no silently wrong number.

Each test runs one probe of the issue's table through ``spincim.cli.main`` (or the library
call behind it) and asserts the one stderr line, the exit code and the state of the files
afterwards. Nothing here runs ngspice; the disk-full cases inject ENOSPC in-process.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import sqlite3
from pathlib import Path

import pytest

from spincim import cli
from spincim.errors import LutError, OutputError, ParameterError

SHIPPED = Path(cli.__file__).parent / "lut" / "data" / "default_45nm.h5"


def run(capsys, argv):
    """(exit code, stderr lines) of one command."""
    code = cli.main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    return code, err


# ----------------------------------------------------------------- 1. outputs checked first
@pytest.mark.parametrize("option", ["--out", "--checkpoint"])
def test_lut_build_refuses_device_node(capsys, tmp_path, option):
    argv = ["lut", "build", "--tech", "45nm", "--quick"]
    argv += ["--out", "/dev/null"] if option == "--out" else \
        ["--out", str(tmp_path / "x.h5"), "--checkpoint", "/dev/null"]
    code, err = run(capsys, argv)
    assert code == 2 and len(err) == 1
    assert "/dev/null" in err[0] and "device" in err[0] and option in err[0]
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not (tmp_path / "x.h5").exists()


def test_symlink_fifo_directory_refused(capsys, tmp_path):
    target = tmp_path / "target.h5"
    target.write_bytes(b"keep me")
    link = tmp_path / "link.h5"
    link.symlink_to(target)
    fifo = tmp_path / "fifo.h5"
    os.mkfifo(fifo)
    folder = tmp_path / "dir.h5"
    folder.mkdir()
    for path, kind in ((link, "symbolic link"), (fifo, "FIFO"), (folder, "directory")):
        code, err = run(capsys, ["lut", "export", "--lut", str(SHIPPED), "--out", str(path)])
        assert code == 2 and len(err) == 1, err
        assert kind in err[0] and str(path) in err[0]
    assert link.is_symlink() and target.read_bytes() == b"keep me"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and folder.is_dir()


def test_plot_and_checkpoint_directory_checked_before_work(capsys, tmp_path, monkeypatch):
    import tempfile

    from spincim.characterize import sense_margin
    called = []
    monkeypatch.setattr(sense_margin, "simulate", lambda *a, **k: called.append(1))
    code, err = run(capsys, ["mc", "sense", "--trials", "10", "--plot",
                             str(tmp_path / "missing" / "p.png")])
    assert code == 2 and len(err) == 1 and "--plot" in err[0] and "does not exist" in err[0]
    real = tempfile.mkstemp

    def read_only(*args, dir=None, **kwargs):  # a read-only directory, even for root
        if dir and Path(dir) == tmp_path / "ro":
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(*args, dir=dir, **kwargs)
    (tmp_path / "ro").mkdir()
    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    for option, name in (("--plot", "p.png"), ("--checkpoint", "c.sqlite")):
        code, err = run(capsys, ["mc", "sense", "--trials", "10", option,
                                 str(tmp_path / "ro" / name)])
        assert code == 2 and len(err) == 1, err
        assert option in err[0] and "not writable" in err[0]
    assert called == [] and list((tmp_path / "ro").iterdir()) == []


# ----------------------------------------------------------------- 1b. disk full
def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_lut_write_disk_full_keeps_previous_file(capsys, tmp_path, monkeypatch):
    from spincim.lut import build, io
    out = tmp_path / "old.h5"
    shutil.copy(SHIPPED, out)
    before = out.read_bytes()
    lut = io.read_lut(SHIPPED)
    monkeypatch.setattr(build, "build", lambda *a, **k: lut)

    def full(stage, tmp):
        if stage == "writing":
            _enospc()
    real_write = io.write_lut
    monkeypatch.setattr(io, "write_lut", lambda l, p: real_write(l, p, _stage_hook=full))
    code, err = run(capsys, ["lut", "build", "--tech", "45nm", "--quick", "--out", str(out)])
    assert code == 1 and len(err) == 1, err
    assert str(out) in err[0] and "no space left" in err[0]
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["old.h5"]   # no temp file left


class _FullDb:
    """A sqlite connection whose INSERTs fail as on a full disk."""

    def __init__(self, db):
        self.db = db

    def execute(self, sql, *args):
        if sql.startswith("INSERT"):
            raise sqlite3.OperationalError("database or disk is full")
        return self.db.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self.db, name)


def test_checkpoint_disk_full_one_line_and_resumable(tmp_path):
    from spincim.characterize.checkpoint import Checkpoint
    path = tmp_path / "c.sqlite"
    params = {"trials": 10, "seed": 0}
    with Checkpoint(path, kind="test", parameters=params) as ck:
        ck.put("s", 0, [1.0, 2.0])
        ck._db = _FullDb(ck._db)
        with pytest.raises(OutputError) as info:
            ck.put("s", 1, [3.0])
        ck._db = ck._db.db
    assert "no space left" in str(info.value) and str(path) in str(info.value)
    assert "\n" not in str(info.value)
    with Checkpoint(path, kind="test", parameters=params) as ck:
        assert ck.done("s") == {0: [1.0, 2.0]}


def test_checkpoint_creation_disk_full(tmp_path, monkeypatch):
    from spincim.characterize import checkpoint as C
    real = sqlite3.connect

    def connect(*args, **kwargs):
        return _FullCreate(real(*args, **kwargs))
    monkeypatch.setattr(C.sqlite3, "connect", connect)
    with pytest.raises(OutputError, match="no space left"):
        C.Checkpoint(tmp_path / "c.sqlite", kind="test", parameters={})


class _FullCreate(_FullDb):
    def execute(self, sql, *args):
        if sql.startswith("CREATE"):
            raise sqlite3.OperationalError("database or disk is full")
        return self.db.execute(sql, *args)


# ----------------------------------------------------------------- 2. physical parameters
def test_negative_hk_refused_naming_field_and_quantity(capsys, tmp_path):
    params = tmp_path / "p.toml"
    params.write_text("[mtj]\nhk_intrinsic_a_per_m = -1e7\n")
    for argv in (["device", "show"], ["llg", "switch", "--current-a", "1e-3", "--pulse-s",
                                      "1e-9", "--runs", "2"]):
        code, err = run(capsys, [*argv, "--params", str(params)])
        assert code == 2 and len(err) == 1, err
        assert "mtj.hk_intrinsic_a_per_m" in err[0] and "Hk" in err[0]


def test_derived_quantities_checked():
    from spincim.devices import mtj as M
    # Hk > 0 but barely: every derived quantity stays finite and positive, so it is accepted
    nx, ny, _ = M.demag_factors(M.MtjParams())
    hk_shape = (ny - nx) * M.MtjParams().ms_a_per_m
    ok = M.SotDevice(mtj=M.MtjParams(hk_intrinsic_a_per_m=-0.99 * hk_shape))
    d = M.derived(ok)
    assert d["delta"] > 0 and d["ic0_a"] > 0 and d["hk_a_per_m"] > 0
    with pytest.raises(ParameterError, match="Hk"):
        M.MtjParams(hk_intrinsic_a_per_m=-1.01 * hk_shape)


@pytest.mark.parametrize("quantity,value", [("energy_j", 1e300), ("energy_j", 2e-6),
                                            ("latency_s", 2.0)])
def test_lut_values_outside_physical_range_refused(capsys, tmp_path, quantity, value):
    import h5py
    path = tmp_path / "bad.h5"
    shutil.copy(SHIPPED, path)
    with h5py.File(path, "r+") as f:
        op = sorted(f["ops"])[0]
        ds = f[f"ops/{op}/{quantity}"]
        data = ds[()]
        data.flat[0] = value
        ds[...] = data
    before = path.read_bytes()
    code, err = run(capsys, ["lut", "show", str(path)])
    assert code == 2 and len(err) == 1, err
    assert str(path) in err[0] and quantity in err[0] and "physical bound" in err[0]
    assert path.read_bytes() == before


def test_shipped_luts_within_physical_range():
    from spincim.lut import io
    for name in ("default_45nm.h5", "default_22nm.h5"):
        lut = io.read_lut(SHIPPED.parent / name)
        assert all(t.energy_j.max() <= io.PHYSICAL_MAX["energy_j"] for t in lut.ops.values())


# ----------------------------------------------------------------- 3. numerically safe LLGS
def test_llg_switch_high_current_reduces_step_and_says_so(capsys):
    import json
    code = cli.main(["llg", "switch", "--current-a", "1", "--pulse-s", "1e-10",
                     "--temperature-k", "0", "--runs", "2", "--json"])
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert code == 0 and len(err) == 1 and "time step reduced" in err[0], err
    # 1 A drives H_DL ~ 7e7 A/m: the P state is destroyed within a few ps
    assert json.loads(captured.out)["switched_fraction"] == 1.0


def test_llg_switch_unstable_dt_refused_naming_largest_step(capsys):
    from spincim.devices import llg, mtj as M, switching
    code, err = run(capsys, ["llg", "switch", "--current-a", "1", "--pulse-s", "1e-10",
                             "--temperature-k", "0", "--runs", "2", "--dt-s", "1e-12"])
    assert code == 2 and len(err) == 1, err
    limit = llg.stable_dt_s(llg.coefficients(M.SotDevice(), 1), i_shm_a=1.0)
    assert "dt_s" in err[0] and f"{limit:.3g}" in err[0]
    assert limit == switching.default_dt_s(M.SotDevice(), 1.0)


@pytest.mark.parametrize("current_a", [1e-3, 0.3, -1.0])
def test_default_step_converged_at_range_limits(current_a):
    """At the step chosen by default, a T = 0 switch agrees with 8x finer steps: same
    outcome and a switching time within 1.5 steps (the crossing is resolved to one step)."""
    from spincim.devices import mtj as M, switching
    device = M.SotDevice(temperature_k=0.0)
    dt = switching.default_dt_s(device, abs(current_a))
    pulse = 2e-9 if abs(current_a) < 0.01 else 1e-10
    coarse, fine = (switching.switch_ensemble(device, i_shm_a=abs(current_a), pulse_s=pulse,
                                              runs=1, dt_s=step) for step in (dt, dt / 8))
    assert coarse.switched_fraction == fine.switched_fraction == 1.0
    assert abs(coarse.t_switch_s_median - fine.t_switch_s_median) <= 1.5 * dt


# ----------------------------------------------------------------- 4. limits where promised
@pytest.mark.parametrize("argv,module,name", [
    (["lut", "build", "--tech", "45nm", "--quick"], "spincim.lut.build", "build"),
    (["driver", "sweep"], "spincim.characterize.driver", "driver_sweep"),
    (["mc", "majority", "--trials", "10"], "spincim.characterize.majority", "run"),
    (["mc", "importance", "--samples", "10"], "spincim.characterize.importance", "run"),
    (["mc", "sense", "--trials", "10"], "spincim.characterize.sense_margin", "simulate"),
])
def test_chunk_limits_reach_the_executor(capsys, tmp_path, monkeypatch, argv, module, name):
    import importlib

    class Seen(BaseException):
        pass
    seen = {}

    def stub(*args, executor=None, **kwargs):
        seen["timeout_s"] = executor.timeout_s
        seen["memory_limit_bytes"] = executor.memory_limit_bytes
        raise Seen
    monkeypatch.setattr(importlib.import_module(module), name, stub)
    extra = ["--out", str(tmp_path / "x.h5")] if argv[0] == "lut" else []
    with pytest.raises(Seen):
        cli.main([*argv, *extra, "--chunk-timeout-s", "5", "--memory-limit-mib", "128"])
    assert seen == {"timeout_s": 5.0, "memory_limit_bytes": 128 * 2**20}


def test_mc_write_does_not_offer_ngspice_limits(capsys):
    code, err = run(capsys, ["mc", "write", "--current-a", "1e-3", "--pulse-s", "1e-9",
                             "--chunk-timeout-s", "5"])
    assert code == 2 and len(err) == 1 and "--chunk-timeout-s" in err[0]


@pytest.mark.parametrize("argv", [["mc", "majority", "--trials", "1000000000"],
                                  ["mc", "sense", "--trials", "1000000000"]])
def test_trial_count_above_memory_budget_refused_up_front(capsys, argv):
    code, err = run(capsys, argv)
    assert code == 2 and len(err) == 1, err
    assert "trials" in err[0] and "1000000000" in err[0] and "GiB" in err[0]


@pytest.mark.parametrize("kind", ["params", "network"])
def test_input_file_from_dev_zero_refused(capsys, tmp_path, kind):
    link = tmp_path / ("p.toml" if kind == "params" else "net.toml")
    link.symlink_to("/dev/zero")
    argv = (["device", "show", "--params", str(link)] if kind == "params" else
            ["estimate", "--network", str(link), "--arch", "imce"])
    code, err = run(capsys, argv)
    assert code == 2 and len(err) == 1, err
    assert str(link) in err[0] and "not a regular file" in err[0]


def test_input_file_size_cap(tmp_path):
    from spincim import limits
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (limits.MAX_INPUT_BYTES + 1))
    with pytest.raises(ParameterError, match="larger than"):
        limits.read_input_file("params", big)
    assert limits.read_input_file("params", big, max_bytes=limits.MAX_INPUT_BYTES + 1)


# ----------------------------------------------------------------- 5. checkpoints verified
def _tamper(path, sql, *args):
    with sqlite3.connect(path) as db:
        db.execute(sql, args)


def test_edited_checkpoint_chunk_refused_naming_file_and_chunk(capsys, tmp_path):
    import json
    ck = tmp_path / "w.ckpt"
    argv = ["mc", "write", "--current-a", "1e-3", "--pulse-s", "1e-9", "--runs", "16",
            "--checkpoint", str(ck), "--json"]
    assert cli.main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    from spincim.characterize import checkpoint as C
    with sqlite3.connect(ck) as db:
        text, blob = db.execute("SELECT value, arrays FROM chunks").fetchone()

    def nan(v):
        if isinstance(v, float):
            return float("nan")
        if isinstance(v, dict):
            return {k: nan(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return type(v)(nan(x) for x in v)
        return v
    nan_text, nan_blob = C.dumps(nan(C.loads(text, blob)))
    assert nan_text != text
    _tamper(ck, "UPDATE chunks SET value=?, arrays=?", nan_text, nan_blob)  # NaN overwrite
    code, err = run(capsys, argv)
    assert code == 2 and len(err) == 1, err
    assert str(ck) in err[0] and "chunk 0" in err[0] and "corrupt" in err[0]
    _tamper(ck, "UPDATE chunks SET value=?", text)      # restored: accepted again
    assert cli.main(argv) == 0
    assert json.loads(capsys.readouterr().out)["wer"] == first["wer"]


@pytest.mark.parametrize("edit", ["nan", "truncated", "unknown class", "shape"])
def test_corrupt_rows_never_accepted(tmp_path, edit):
    import numpy as np

    from spincim.characterize import checkpoint as C
    path = tmp_path / "c.sqlite"
    with C.Checkpoint(path, kind="t", parameters={}) as ck:
        ck.put("s", 3, {"failed": 0, "v": np.arange(4.0)})
    with sqlite3.connect(path) as db:
        text, blob, digest = db.execute("SELECT value, arrays, sha256 FROM chunks").fetchone()
    if edit == "nan":
        arr = np.full(4, np.nan)
        text2, blob2 = C.dumps({"failed": 0, "v": arr})
        _tamper(path, "UPDATE chunks SET value=?, arrays=?", text2, blob2)
    elif edit == "truncated":
        _tamper(path, "UPDATE chunks SET arrays=?", blob[:len(blob) // 2])
    elif edit == "unknown class":
        _tamper(path, "UPDATE chunks SET value=?",
                '{"$c":"Evil","fields":{}}')
    else:   # a consistent row of another shape, checksum recomputed by the editor
        text2, blob2 = C.dumps({"failed": 0, "v": np.arange(5.0)})
        _tamper(path, "UPDATE chunks SET value=?, arrays=?, sha256=?", text2, blob2,
                C._digest("s", 3, text2, blob2))
    with C.Checkpoint(path, kind="t", parameters={}) as ck:
        with pytest.raises(ParameterError, match=r"chunk 3 of 's' is corrupt"):
            ck.done("s")
        with pytest.raises(ParameterError, match="corrupt"):
            ck.get("s", 3)


def test_concurrent_creation_of_one_checkpoint(tmp_path):
    import threading

    from spincim.characterize.checkpoint import Checkpoint
    for attempt in range(15):
        path = tmp_path / f"c{attempt}.sqlite"
        barrier = threading.Barrier(4)
        errors = []

        def create():
            barrier.wait()
            try:
                Checkpoint(path, kind="t", parameters={"a": 1}).close()
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
        threads = [threading.Thread(target=create) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []


# ----------------------------------------------------------------- 6. Dask: bounded waiting
def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _scheduler(tmp_path):
    """A real Dask scheduler on 127.0.0.1 without workers: (process, address)."""
    import subprocess
    import sys
    import time
    pytest.importorskip("distributed")
    port = _free_port()
    dask = Path(sys.executable).with_name("dask")
    proc = subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port",
                             str(port), "--dashboard-address", "127.0.0.1:0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import socket
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"tcp://127.0.0.1:{port}"
        time.sleep(0.2)
    proc.kill()
    pytest.fail("the Dask scheduler did not start")


def _spincim(argv, timeout):
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-m", "spincim.cli", *argv], capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.slow
def test_dask_no_workers_bounded_wait(tmp_path):
    proc, address = _scheduler(tmp_path)
    ck = tmp_path / "run.ckpt"
    try:
        res = _spincim(["mc", "sense", "--trials", "10", "--scheduler", address,
                        "--no-workers-timeout-s", "2", "--checkpoint", str(ck)], timeout=240)
    finally:
        proc.kill()
        proc.wait()
    err = res.stderr.strip().splitlines()
    assert res.returncode == 1 and len(err) == 1, res.stderr
    assert address in err[0] and "no live Dask worker" in err[0] and "resumes" in err[0]
    assert ck.is_file()   # the checkpoint is kept


@pytest.mark.slow
def test_dask_scheduler_lost_one_line(tmp_path):
    import threading
    import time
    proc, address = _scheduler(tmp_path)
    ck = tmp_path / "run.ckpt"

    def kill_when_connected():   # the run has connected once its checkpoint exists
        deadline = time.monotonic() + 200
        while not ck.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)
        proc.kill()
    killer = threading.Thread(target=kill_when_connected)
    killer.start()
    try:
        res = _spincim(["mc", "sense", "--trials", "10", "--scheduler", address,
                        "--no-workers-timeout-s", "600", "--checkpoint", str(ck)], timeout=240)
    finally:
        killer.join()
        proc.wait()
    err = res.stderr.strip().splitlines()
    assert res.returncode == 1 and len(err) == 1, res.stderr
    assert "lost the Dask scheduler" in err[0] and address in err[0] and "resume" in err[0]
    assert ck.is_file()


# ----------------------------------------------------------------- 7. terminal output, networks
def test_lut_show_escapes_control_characters(capsys, tmp_path):
    import h5py
    path = tmp_path / "ansi.h5"
    shutil.copy(SHIPPED, path)
    with h5py.File(path, "r+") as f:
        f.attrs["command_line"] = "spincim \x1b[2J\x1b[31mred\x07\rover"
    assert cli.main(["lut", "show", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out
    assert "\\x1b[2J\\x1b[31mred\\x07\\rover" in out


def test_network_of_only_pool_layers(capsys, tmp_path):
    net = tmp_path / "pools.toml"
    net.write_text('input = [1, 8, 8]\n[[layers]]\ntype = "pool"\nname = "p1"\nch = 1\n'
                   'size = 2\nstride = 2\nin_h = 8\nin_w = 8\n')
    code, err = run(capsys, ["estimate", "--network", str(net), "--arch", "imce"])
    assert code == 2 and len(err) == 1, err
    assert "layers" in err[0] and "conv or fc" in err[0]


def test_no_workers_timeout_needs_scheduler(capsys):
    code, err = run(capsys, ["mc", "sense", "--trials", "10", "--no-workers-timeout-s", "5"])
    assert code == 2 and len(err) == 1 and "--no-workers-timeout-s" in err[0]


def test_write_lut_refuses_non_regular_target(tmp_path):
    from spincim.lut import io
    lut = io.read_lut(SHIPPED)
    target = tmp_path / "t.h5"
    target.write_bytes(b"keep")
    link = tmp_path / "l.h5"
    link.symlink_to(target)
    with pytest.raises(LutError, match="symbolic link"):
        io.write_lut(lut, link)
    with pytest.raises(LutError, match="device"):
        io.write_lut(lut, "/dev/null")
    assert link.is_symlink() and target.read_bytes() == b"keep"
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)

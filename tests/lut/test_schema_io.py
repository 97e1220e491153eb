"""LUT schema validation, HDF5 round trip, atomic writes and clear read errors."""

import dataclasses
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from spincim.errors import LutError, ParameterError
from spincim.lut.io import lut_sha256, read_lut, write_lut
from spincim.lut.schema import SCHEMA_VERSION, Area, Axis, McSummary, OpTable

CONFTEST = Path(__file__).with_name("conftest.py")


# --- schema ---------------------------------------------------------------------------

def test_import_spincim_loads_no_h5py():
    code = ("import sys, spincim, spincim.lut.schema, spincim.lut.interp; "
            "print('h5py' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("make, field", [
    (lambda: Axis("Vdd", [1.0], "V"), "axis.name"),
    (lambda: Axis("vdd_v", [1.0, 0.9], "V"), "axes.vdd_v.values"),
    (lambda: Axis("vdd_v", [0.9, np.nan], "V"), "axes.vdd_v.values"),
    (lambda: Axis("vdd_v", [0.9, 1.0], "V", nominal=1.2), "axes.vdd_v.nominal"),
    (lambda: Axis("vdd_v", [], "V"), "axes.vdd_v.values"),
    (lambda: Axis("n_on", [0, 0.5], "1", integer=True), "axes.n_on.values"),
    (lambda: Axis("extrapolate", [1.0], "1"), "axes.extrapolate"),
    (lambda: OpTable("read", ("vdd_v",), [1.0, -1.0], [1.0, 1.0]), "ops.read.energy_j"),
    (lambda: OpTable("read", ("vdd_v",), [1.0, np.inf], [1.0, 1.0]), "ops.read.energy_j"),
    (lambda: OpTable("read", ("vdd_v",), [1.0, 2.0], [1.0]), "ops.read"),
    (lambda: OpTable("read op", (), 1.0, 1.0), "op"),
    (lambda: Area("cell", -1e-12), "area.cell.area_m2"),
    (lambda: McSummary("mc", attrs={"x": [1, 2]}), "mc.mc.attrs.x"),
])
def test_invalid_parts_raise_parameter_error(make, field):
    with pytest.raises(ParameterError) as info:
        make()
    assert info.value.field == field


def test_lut_checks_shapes_axes_and_provenance(lut):
    bad = OpTable("read", ("vdd_v", "rows"), np.ones((3, 3)), np.ones((3, 3)))
    with pytest.raises(ParameterError, match=r"shape \(3, 3\) does not match"):
        dataclasses.replace(lut, ops={"read": bad})
    unknown = OpTable("read", ("vdd_x",), np.ones(3), np.ones(3))
    with pytest.raises(ParameterError, match="unknown axis vdd_x"):
        dataclasses.replace(lut, ops={"read": unknown})
    with pytest.raises(ParameterError, match="key differs"):
        dataclasses.replace(lut, areas={"sa": lut.areas["cell"]})
    prov = dict(lut.provenance)
    del prov["seed"]
    with pytest.raises(ParameterError, match="missing seed"):
        dataclasses.replace(lut, provenance=prov)
    with pytest.raises(ParameterError, match="sha256"):
        dataclasses.replace(lut, provenance={**lut.provenance, "netlist_sha256": {"a": "xyz"}})


def test_tables_are_read_only_copies(lut):
    data = np.ones(3)
    table = OpTable("x", ("vdd_v",), data, data)
    data[0] = 5.0
    assert table.energy_j[0] == 1.0
    with pytest.raises(ValueError):
        table.energy_j[0] = 2.0


# --- round trip -----------------------------------------------------------------------

def test_round_trip_preserves_everything(lut, tmp_path):
    path = tmp_path / "lut.h5"
    write_lut(lut, path)
    back = read_lut(path, required_ops=("read", "majority"))
    assert back == lut
    assert back.source == str(path)
    assert back.provenance["seed"] == 2**100 + 12345
    assert back.provenance["parameters"] == lut.provenance["parameters"]
    assert back.mc["sense_margin"].datasets["fail_counts"].dtype == np.int64
    assert back.mc["sense_margin"].attrs["converged"] is True
    assert back.axes["vdd_v"].nominal == 1.0 and back.axes["rows"].nominal is None
    # A second generation is byte-identical: nothing lost, nothing time-stamped.
    again = tmp_path / "again.h5"
    write_lut(back, again)
    assert lut_sha256(again) == lut_sha256(path)


def test_file_is_self_describing(lut, tmp_path):
    path = tmp_path / "lut.h5"
    write_lut(lut, path)
    with h5py.File(path, "r") as f:
        assert f.attrs["schema_version"] == SCHEMA_VERSION
        assert f.attrs["technology"] == "test_45nm"
        for key in ("spincim_version", "git_revision", "ngspice_version", "netlist_sha256",
                    "model_card_sha256", "parameters", "seed", "created_utc", "command_line"):
            assert key in f.attrs
        energy = f["ops/read/energy_j"]
        assert energy.attrs["units"] == "J" and f["ops/read/latency_s"].attrs["units"] == "s"
        assert [d.label for d in energy.dims] == ["vdd_v", "temperature_k", "rows"]
        assert energy.dims[0][0].name == "/axes/vdd_v"
        assert h5py.h5ds.is_scale(f["axes/vdd_v"].id)
        assert f["axes/vdd_v"].attrs["units"] == "V"
        assert f["axes/temperature_k"].attrs["nominal"] == 300.0
        assert f["axes/n_on"].dtype == np.int64
        assert f["area/cell"].attrs["units"] == "m^2"
        assert f["mc/sense_margin/samples/vsense_v"].shape == (500,)


def test_same_content_same_datasets(make_lut, tmp_path):
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    write_lut(make_lut(), a)
    write_lut(make_lut(), b)
    assert lut_sha256(a) == lut_sha256(b)
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        names = []
        fa.visit(names.append)
        for name in names:
            if isinstance(fa[name], h5py.Dataset):
                assert np.array_equal(fa[name][()], fb[name][()]), name
    write_lut(make_lut(scale=2.0), b)
    assert lut_sha256(a) != lut_sha256(b)


def test_overwrite_replaces_and_leaves_no_temp(make_lut, tmp_path):
    path = tmp_path / "lut.h5"
    write_lut(make_lut("old_tech"), path)
    write_lut(make_lut("new_tech"), path)
    assert read_lut(path).technology == "new_tech"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lut.h5"]


def test_failed_write_keeps_old_file_and_removes_temp(make_lut, tmp_path):
    path = tmp_path / "lut.h5"
    write_lut(make_lut("old_tech"), path)
    before = lut_sha256(path)

    def boom(stage, tmp):
        if stage == "writing":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_lut(make_lut("new_tech"), path, _stage_hook=boom)
    assert lut_sha256(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lut.h5"]


# --- atomic write under SIGKILL -------------------------------------------------------

CHILD = textwrap.dedent("""
    import importlib.util, sys, time
    import numpy as np
    from spincim.lut.io import write_lut
    spec = importlib.util.spec_from_file_location("lut_fixtures", sys.argv[1])
    fixtures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fixtures)
    path, stop_at = sys.argv[2], sys.argv[3]
    lut = fixtures.synthetic_lut("new_tech")
    if stop_at == "large":
        import dataclasses
        from spincim.lut.schema import Axis, OpTable
        wide = dict(lut.axes, rows=Axis("rows", np.arange(1, 400001), "1"))
        table = OpTable("read", ("rows",), np.ones(400000), np.ones(400000))
        samples = {f"s{i}": np.ones(1_000_000) for i in range(8)}  # 64 MB of raw samples
        mc = dict(lut.mc, big=fixtures.McSummary("big", samples=samples))
        lut = dataclasses.replace(lut, axes=wide, ops=dict(lut.ops, read=table), mc=mc)
        hook = None
        print("start", flush=True)
    else:
        def hook(stage, tmp):
            if stage == stop_at:
                print(tmp, flush=True)
                time.sleep(60)
    write_lut(lut, path, _stage_hook=hook)
    print("done", flush=True)
""")


def _start_child(path, stop_at):
    return subprocess.Popen([sys.executable, "-c", CHILD, str(CONFTEST), str(path), stop_at],
                            stdout=subprocess.PIPE, text=True)


@pytest.mark.parametrize("stage", ["created", "writing", "written"])
def test_sigkill_mid_write_leaves_old_file(make_lut, tmp_path, stage):
    path = tmp_path / "lut.h5"
    write_lut(make_lut("old_tech"), path)
    before = lut_sha256(path)
    child = _start_child(path, stage)
    try:
        tmp = child.stdout.readline().strip()
        assert os.path.exists(tmp), "the child should be inside write_lut"
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    assert lut_sha256(path) == before
    assert read_lut(path).technology == "old_tech"
    assert Path(tmp).parent == tmp_path  # temp file lives beside the target


def test_sigkill_during_large_write_leaves_a_whole_file(make_lut, tmp_path):
    """No hook: kill a real 64 MB write as soon as its temp file has grown."""
    path = tmp_path / "lut.h5"
    write_lut(make_lut("old_tech"), path)
    before = lut_sha256(path)
    child = _start_child(path, "large")
    try:
        assert child.stdout.readline().strip() == "start"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and child.poll() is None:
            temps = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
            if temps and temps[0].exists() and temps[0].stat().st_size > 1 << 20:
                break
            time.sleep(0.002)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
        child.stdout.close()
    if child.returncode == -signal.SIGKILL and lut_sha256(path) == before:
        assert read_lut(path).technology == "old_tech"
        assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir())  # killed mid-write
    else:  # the write won the race: then the new file must be whole
        assert read_lut(path).technology == "new_tech"


# --- read errors ----------------------------------------------------------------------

def _error(path, **kwargs) -> str:
    with pytest.raises(LutError) as info:
        read_lut(path, **kwargs)
    assert info.value.path == str(path)
    assert str(info.value).startswith(f"{path}: ")
    return info.value.message


def test_missing_file(tmp_path):
    assert _error(tmp_path / "nope.h5") == "LUT file does not exist"


def test_corrupt_file(tmp_path):
    path = tmp_path / "corrupt.h5"
    path.write_bytes(np.random.default_rng(1).bytes(4096))
    assert _error(path).startswith("not an HDF5 file (corrupt")


def test_truncated_file(lut, tmp_path):
    path = tmp_path / "lut.h5"
    write_lut(lut, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert _error(path).startswith("file is truncated")


def test_wrong_schema_version(lut, tmp_path):
    path = tmp_path / "lut.h5"
    write_lut(lut, path)
    with h5py.File(path, "r+") as f:
        f.attrs["schema_version"] = 99
    assert _error(path) == ("schema version 99 is not supported (this spincim reads "
                            "versions 1 and 2); rebuild the LUT")


def test_reads_schema_version_1(lut, tmp_path):
    """A version-1 file (no coordinate copies in op groups, no Monte Carlo scales) reads."""
    import dataclasses
    plain = {k: McSummary(k, attrs=v.attrs, datasets=v.datasets, samples=v.samples)
             for k, v in lut.mc.items()}
    lut = dataclasses.replace(lut, mc=plain)
    path = tmp_path / "v1.h5"
    write_lut(lut, path)
    with h5py.File(path, "r+") as f:
        assert f.attrs["schema_version"] == SCHEMA_VERSION == 2
        for name, table in lut.ops.items():
            for axis_name in table.axes:
                del f["ops"][name][axis_name]
        f.attrs["schema_version"] = 1
    assert read_lut(path) == lut


def test_not_a_lut(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f["x"] = 1
    assert "not a spincim LUT" in _error(path)


def test_missing_op(lut, tmp_path):
    path = tmp_path / "lut.h5"
    write_lut(lut, path)
    message = _error(path, required_ops=("read", "xnor", "and3"))
    assert message == ("missing required op(s) xnor, and3 "
                       "(file has: cell_read, leak, majority, read)")


def test_missing_axis(lut, tmp_path):
    path = tmp_path / "lut.h5"
    write_lut(lut, path)
    with h5py.File(path, "r+") as f:
        del f["axes/temperature_k"]
    assert _error(path) == "op 'read' uses axis 'temperature_k' but /axes/temperature_k is missing"


def test_missing_dimension_scale(lut, tmp_path):
    path = tmp_path / "lut.h5"
    write_lut(lut, path)
    with h5py.File(path, "r+") as f:
        f["ops/majority/latency_s"].dims[1].detach_scale(f["axes/n_on"])
    assert _error(path) == ("/ops/majority/latency_s dimension 1 (n_on) has no dimension "
                            "scale attached")


def test_nan_in_table(lut, tmp_path):
    path = tmp_path / "lut.h5"
    write_lut(lut, path)
    with h5py.File(path, "r+") as f:
        f["ops/read/energy_j"][1, 1, 1] = np.nan
    assert _error(path) == "/ops/read/energy_j contains NaN or infinite values"


def test_negative_energy_in_file(lut, tmp_path):
    path = tmp_path / "lut.h5"
    write_lut(lut, path)
    with h5py.File(path, "r+") as f:
        f["ops/majority/energy_j"][0, 0] = -1.0
    assert _error(path) == "invalid content at ops.majority.energy_j: contains negative values"


def test_wrong_units(lut, tmp_path):
    path = tmp_path / "lut.h5"
    write_lut(lut, path)
    with h5py.File(path, "r+") as f:
        f["ops/leak/energy_j"].attrs["units"] = "pJ"
    assert _error(path) == "/ops/leak/energy_j has units 'pJ', expected 'J'"


def test_lut_sha256_missing_file(tmp_path):
    with pytest.raises(LutError, match="cannot read file"):
        lut_sha256(tmp_path / "nope.h5")


def test_errors_pickle(tmp_path):
    import pickle
    err = LutError(str(tmp_path / "x.h5"), "file is truncated")
    assert str(pickle.loads(pickle.dumps(err))) == str(err)

"""The hwcomponents plug-in (``spincim[hwcomponents]``, package ``hwcomponents_spincim``).

hwcomponents needs Python >= 3.12; the suite may run on 3.11. The plug-in test therefore
finds a 3.12+ interpreter (on PATH, or under ``pyenv root`` / ``PYENV_ROOT``), keeps a venv
with ``spincim[hwcomponents]`` installed from this checkout in a cache directory (reused
between runs; spincim is re-installed only when its sources change) and runs the real
hwcomponents there: its ``--list`` and ``get_models`` show spincim's models and its
``get_action_cost`` / ``get_area`` return the LUT's values. Without such an interpreter
the test is skipped with the reason.

:mod:`spincim.lut.components` (the records the models wrap) is tested in this interpreter.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from spincim.errors import LutError, ParameterError
from spincim.lut import components as C
from spincim.lut import io

ROOT = Path(__file__).resolve().parents[1]
LUT45 = str(resources.files("spincim.lut") / "data" / "default_45nm.h5")
MODELS = ("SpincimSotMramCell", "SpincimSenseAmplifier", "SpincimMajorityDriver",
          "SpincimRowPeriphery", "SpincimFullAdder", "SpincimFlipFlop", "SpincimInverter")


@functools.lru_cache(maxsize=1)
def _lut45():
    return io.read_lut(LUT45)


def _table(op: str, quantity: str, **coords) -> float:
    """The value h5py stores at a grid point (no interpolation code involved)."""
    lut = _lut45()
    table = lut.ops[op]
    index = tuple(int(np.flatnonzero(lut.axes[a].values == coords[a])[0]) for a in table.axes)
    return float(getattr(table, quantity)[index])


# ------------------------------------------------------------------ records (any Python)
def test_component_values_are_the_luts_at_grid_points():
    point = C.OperatingPoint(tech_node_m=45e-9, vdd_v=0.9, temperature_k=358.0, rows=128,
                             cols=512)
    read = C.action_value(point, "read")
    assert read.energy_j == _table("read", "energy_j", vdd_v=0.9, temperature_k=358.0)
    assert read.latency_s == _table("read", "latency_s", vdd_v=0.9, temperature_k=358.0)
    corner = {"vdd_v": 0.9, "temperature_k": 358.0}     # the periphery is per corner too
    assert C.action_value(point, "bitline").energy_j == _table("bitline", "energy_j", rows=128,
                                                               **corner)
    assert C.action_value(point, "wordline").energy_j == _table("wordline", "energy_j",
                                                                 cols=512, **corner)
    assert C.action_value(point, "decoder").energy_j == _table("decoder", "energy_j", rows=128,
                                                              **corner)
    write = C.action_value(point, C.COMPONENTS["sot_mram_cell"].actions["write"])
    both = [_table(op, "energy_j", vdd_v=0.9, temperature_k=358.0)
            for op in ("write_p_to_ap", "write_ap_to_p")]
    assert write.energy_j == pytest.approx(sum(both) / 2, rel=1e-15)
    lut = _lut45()
    assert C.component_area(point, ("sot_2t1r_cell",)) == lut.areas["sot_2t1r_cell"].area_m2


def test_component_errors_name_the_field_and_the_fix():
    with pytest.raises(ParameterError, match="tech_node_m.*lut build"):
        C.shipped_lut_path(7e-9)
    with pytest.raises(ParameterError, match="vdd_v"):
        C.OperatingPoint(vdd_v=-1.0)
    ops, _ = C.majority_ops("corn")
    with pytest.raises(LutError, match="'preset'.*spincim lut build"):
        C.action_value(C.OperatingPoint(tech_node_m=45e-9), ops["preset"])


# ------------------------------------------------------------------ the real hwcomponents
def _pyenv_roots() -> list[Path]:
    roots = []
    if os.environ.get("PYENV_ROOT"):
        roots.append(Path(os.environ["PYENV_ROOT"]))
    pyenv = shutil.which("pyenv")
    if pyenv:
        try:
            out = subprocess.run([pyenv, "root"], capture_output=True, text=True, timeout=20)
            if out.returncode == 0 and out.stdout.strip():
                roots.append(Path(out.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    roots.append(Path.home() / ".pyenv")          # pyenv's default root
    return roots


def _is_312(python: str) -> bool:
    try:
        out = subprocess.run([python, "-c", "import sys, venv; "
                              "print(sys.version_info >= (3, 12))"],
                             capture_output=True, text=True, timeout=30,
                             env={**os.environ, "PYENV_VERSION": ""})
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and out.stdout.strip() == "True"


def find_python312() -> str | None:
    """A Python >= 3.12 with venv: this one, one on PATH, or a pyenv version."""
    if sys.version_info >= (3, 12):
        return sys.executable
    candidates = []
    for roots in _pyenv_roots():
        versions = roots / "versions"
        if versions.is_dir():
            candidates += sorted(versions.glob("3.1[2-9]*/bin/python3"), reverse=True)
    for name in ("python3.13", "python3.12", "python3.14"):
        found = shutil.which(name)
        if found and "shims" not in Path(found).parts:   # a pyenv shim needs a version set
            candidates.append(Path(found))
    return next((str(c) for c in candidates if _is_312(str(c))), None)


def _sources_hash() -> str:
    h = hashlib.sha256()
    files = [ROOT / "pyproject.toml", *sorted((ROOT / "hwcomponents_spincim").glob("*.py")),
             *sorted(ROOT.glob("*.py")), *sorted((ROOT / "lut").glob("*.py")),
             *sorted((ROOT / "netlists").glob("*.py")),
             *sorted((ROOT / "lut" / "data").glob("*.h5"))]
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes() if f.suffix != ".h5" else str(f.stat().st_size).encode())
    return h.hexdigest()


def _cache_dir() -> Path:
    """Where the 3.12 venv lives between runs (SPINCIM_HW_VENV overrides)."""
    if os.environ.get("SPINCIM_HW_VENV"):
        return Path(os.environ["SPINCIM_HW_VENV"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "spincim" / "venv-hw312"


def _run(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert proc.returncode == 0, f"{cmd[:4]} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def hw_venv(tmp_path_factory):
    """A 3.12+ venv with spincim[hwcomponents] installed from this checkout (cached; a
    file lock keeps checkouts that share the cache from installing over each other)."""
    python = find_python312()
    if python is None:
        pytest.skip("hwcomponents needs Python >= 3.12 and none was found (PATH, pyenv root, "
                    "PYENV_ROOT)")
    import fcntl

    venv = _cache_dir()
    venv.parent.mkdir(parents=True, exist_ok=True)
    bin_ = venv / "bin"
    stamp = venv / "spincim-sources.sha256"
    with open(venv.parent / "venv-hw312.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)               # one installer at a time
        wanted = _sources_hash()
        if not (bin_ / "hwcomponents").exists() or not _is_312(str(bin_ / "python")):
            shutil.rmtree(venv, ignore_errors=True)
            _run([python, "-m", "venv", str(venv)], timeout=300,
                 env={**os.environ, "PYENV_VERSION": ""})
            _run([str(bin_ / "python"), "-m", "pip", "install", "-q", "setuptools>=64",
                  f"{ROOT}[hwcomponents]"], timeout=1200, cwd=tmp_path_factory.mktemp("pip"))
            stamp.write_text(wanted)
        elif not stamp.exists() or stamp.read_text() != wanted:
            _run([str(bin_ / "python"), "-m", "pip", "install", "-q", "--no-deps",
                  "--no-build-isolation", "--force-reinstall", str(ROOT)], timeout=600,
                 cwd=tmp_path_factory.mktemp("pip"))
            stamp.write_text(wanted)
        yield bin_               # the lock is held while the tests use this install


_PROBE = """
import json, hwcomponents as h
models = [m.__name__ for m in h.get_models(name_must_include="spincim")]
read = h.get_action_cost("spincim_sot_mram_cell",
                         {"tech_node": 45e-9, "vdd_v": 0.9, "temperature_k": 358.0},
                         "read", {})
and2 = h.get_action_cost("spincim_sot_mram_cell", {"tech_node": 45e-9}, "and2", {})
area = h.get_area("spincim_sense_amplifier", {"tech_node": 45e-9})
print(json.dumps({"models": models, "read": [read.energy, read.latency],
                  "and2": [and2.energy, and2.latency], "area": area}))
"""


@pytest.mark.slow   # the first run builds the cached venv (minutes); later runs take seconds
def test_hwcomponents_lists_spincim_and_returns_lut_values(hw_venv, tmp_path):
    listing = _run([str(hw_venv / "hwcomponents"), "--list"], timeout=300, cwd=tmp_path)
    for name in ("spincim_sot_mram_cell", "spincim_sense_amplifier",
                 "spincim_majority_driver", "spincim_row_periphery"):
        assert name in listing.stdout
    assert "program(n_on=5)" in listing.stdout
    probe = _run([str(hw_venv / "python"), "-c", _PROBE], timeout=300, cwd=tmp_path)
    got = json.loads(probe.stdout.strip().splitlines()[-1])
    assert sorted(got["models"]) == sorted(MODELS)
    # exactly the stored numbers (JSON round-trips floats exactly)
    assert got["read"] == [_table("read", q, vdd_v=0.9, temperature_k=358.0)
                           for q in ("energy_j", "latency_s")]
    assert got["and2"] == [_table("and2", q, vdd_v=1.0, temperature_k=300.0)
                           for q in ("energy_j", "latency_s")]
    assert got["area"] == _lut45().areas["sense_amplifier"].area_m2

"""Exported netlists run in plain ``ngspice -b`` and agree with the library's runner."""

import os
import re
import shutil
import subprocess

import pytest

from spincim.characterize.executor import run_netlist
from spincim.errors import ParameterError
from spincim.netlists import export as E

pytestmark = pytest.mark.ngspice

NGSPICE = shutil.which("ngspice")
_VALUE_RE = re.compile(r"^\s*(\S+) = ([-+0-9.eE]+)\s*$")
_ERROR_RE = re.compile(r"^\s*(fatal )?error|circuit not parsed|no such vector|"
                       r"singular matrix|timestep too small", re.I | re.M)

needs_ngspice = pytest.mark.skipif(NGSPICE is None, reason="ngspice executable not found")


def _run_plain(exp, tmp_path):
    """Write the export and run the ngspice executable on it in tmp_path (no spincim)."""
    path = E.write(exp, tmp_path / f"{exp.kind}.cir")
    # no user .spiceinit; one OpenMP thread (Debian's ngspice spins its OpenMP threads on a
    # busy machine: 0.7 s alone, minutes beside other ngspice processes)
    env = {**os.environ, "HOME": str(tmp_path), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([NGSPICE, "-b", path.name], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert _ERROR_RE.search(out) is None, out[-3000:]
    return proc.stdout


def _printed(stdout):
    """name -> value of every 'name = value' line, first occurrence (the op block)."""
    values = {}
    for line in stdout.splitlines():
        match = _VALUE_RE.match(line)
        if match and match.group(1).lower() not in values:
            values[match.group(1).lower()] = float(match.group(2))
    return values


def _kinds():
    return ["cell2t1r", "cell3t", "sense", "driver", "subarray"]


def test_control_block_is_fixed_text():
    for kind in _kinds():
        exp = E.export(kind)
        text = exp.text.lower()
        assert text.count(".control") == 1 and text.count(".endc") == 1
        assert not any(line.startswith(".include") for line in text.splitlines())
        assert "shell" not in text.split(".control")[1]
        assert text.rstrip().endswith(".endc\n.end")
        assert ".control" not in exp.netlist.lower()


def test_unknown_kind_and_missing_directory(tmp_path):
    with pytest.raises(ParameterError):
        E.export("nope")
    with pytest.raises(ParameterError):
        E.write(E.export("cell2t1r"), tmp_path / "missing" / "x.cir")


@needs_ngspice
@pytest.mark.parametrize("kind", _kinds())
def test_runs_in_plain_ngspice(kind, tmp_path):
    exp = E.export(kind)
    stdout = _run_plain(exp, tmp_path)
    values = _printed(stdout)
    if exp.analysis.startswith("tran"):
        assert (tmp_path / f"{kind}.dat").stat().st_size > 0
    if kind == "cell3t":  # ~2 Ic0 through the write NMOS: the cell reverses within 10 ns
        assert values["mx_end"] < -0.9
        assert values["i_hm_end"] > 0
    if kind == "driver":
        assert -1.0 <= values["mx_end"] <= 1.0
    if kind == "sense":  # XNOR of (1, 0) reads 0
        assert values["out_end"] < 0.1


@needs_ngspice
@pytest.mark.parametrize("kind, keys", [("cell2t1r", ("rbl", "ref", "xc1.rl")),
                                        ("sense", ("rbl", "ref_lo", "ref_hi", "out")),
                                        ("subarray", ("rbl1", "rwl1", "rwl0"))])
def test_op_values_match_pyspice(kind, keys, tmp_path):
    exp = E.export(kind)
    plain = _printed(_run_plain(exp, tmp_path))
    ours = run_netlist(exp.netlist, "op")
    common = sorted(set(plain) & set(ours))
    assert set(keys) <= set(common), sorted(plain)
    assert len(common) > 10
    for name in common:
        a, b = plain[name], float(ours[name][0])
        # 16 printed digits; abs floor only for values at the solver's noise (< 1e-15)
        assert a == pytest.approx(b, rel=1e-6, abs=1e-15), name

"""The command-line contract: --json parses, bad input exits 2 with one line, fast import."""

import json
import subprocess
import sys

import pytest

from spincim import cli


def run_cli(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert "spincim" in capsys.readouterr().out


def test_device_show_json(capsys):
    code, out, _ = run_cli(capsys, "device", "show", "--json")
    assert code == 0
    data = json.loads(out)
    for key in ("r_p_ohm", "r_ap_ohm", "r_shm_ohm", "tmr", "area_m2", "volume_m3", "delta",
                "jc0_a_per_m2", "ic0_a"):
        assert key in data["derived"]
    assert data["params"]["mtj"]["ms_a_per_m"] == 1.1e6
    assert data["derived"]["r_ap_ohm"] > data["derived"]["r_p_ohm"]


def test_device_show_table(capsys):
    code, out, _ = run_cli(capsys, "device", "show")
    assert code == 0 and "ic0_a" in out and "mtj.alpha" in out


def test_device_show_params_file(capsys, tmp_path):
    f = tmp_path / "p.toml"
    f.write_text("[shm]\nthickness_m = 3.25e-9\n")
    code, out, _ = run_cli(capsys, "device", "show", "--params", str(f), "--json")
    assert code == 0
    assert json.loads(out)["params"]["shm"]["thickness_m"] == 3.25e-9


@pytest.mark.parametrize("text,field", [
    ("[mtj]\nms_a_per_m = -5\n", "mtj.ms_a_per_m"),
    ("[shm]\nwidth = 1\n", "shm.width"),
    ("[mtj\n", "params"),
])
def test_bad_params_file_exit_2_names_field(capsys, tmp_path, text, field):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    code, out, err = run_cli(capsys, "device", "show", "--params", str(f))
    assert code == 2
    assert out == ""
    assert field in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


@pytest.mark.parametrize("argv", [
    ["llg", "switch", "--current-a", "x", "--pulse-s", "1e-9"],
    ["llg", "switch", "--current-a", "1e-4", "--pulse-s", "-1"],
    ["llg", "switch", "--current-a", "nan", "--pulse-s", "1e-9"],
    ["llg", "switch", "--current-a", "1e-4", "--pulse-s", "1e-9", "--runs", "0"],
    ["nonsense"],
    [],
])
def test_bad_arguments_exit_2_one_line(capsys, argv):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1


def test_llg_switch_json(capsys):
    code, out, _ = run_cli(capsys, "llg", "switch", "--current-a", "2e-4", "--pulse-s", "5e-9",
                           "--runs", "64", "--seed", "1", "--json")
    assert code == 0
    data = json.loads(out)
    for key in ("runs", "switched_fraction", "t_switch_s_median", "wall_s",
                "trajectories_per_s"):
        assert key in data
    assert data["runs"] == 64
    assert data["switched_fraction"] == 1.0  # 2.5 Ic0 for 5 ns always reverses
    # the command passes its numbers through unchanged: the library call gives the same median
    from spincim.devices import switching
    from spincim.devices.mtj import SotDevice
    lib = switching.switch_ensemble(SotDevice(), i_shm_a=2e-4, pulse_s=5e-9, runs=64, seed=1)
    assert data["t_switch_s_median"] == lib.t_switch_s_median
    assert data["switched_fraction_ci95"] == list(lib.ci95)


def test_llg_switch_help_states_criterion(capsys):
    with pytest.raises(SystemExit):
        cli.main(["llg", "switch", "--help"])
    assert "-0.9" in capsys.readouterr().out


def test_import_is_light():
    code = ("import sys, spincim, spincim.cli, spincim.devices.mtj; "
            "heavy = [m for m in ('PySpice', 'h5py', 'matplotlib', 'numba') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

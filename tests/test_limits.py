"""The library enforces the CLI's ranges: a Python caller gets ParameterError naming the field."""

import subprocess
import sys

import pytest

from spincim import limits
from spincim.characterize import driver, fanin, importance, majority, sense_margin, write
from spincim.characterize.executor import LocalExecutor
from spincim.devices import mtj as M
from spincim.devices import switching
from spincim.errors import ParameterError

DEVICE = M.SotDevice()


@pytest.mark.parametrize("call, field", [
    (lambda: switching.switch_ensemble(DEVICE, i_shm_a=2.0, pulse_s=1e-9, runs=10), "i_shm_a"),
    (lambda: switching.switch_ensemble(DEVICE, i_shm_a=1e-4, pulse_s=1e-3, runs=10), "pulse_s"),
    (lambda: switching.switch_ensemble(DEVICE, i_shm_a=1e-4, pulse_s=1e-9, runs=0), "runs"),
    (lambda: switching.switch_ensemble(DEVICE, i_shm_a=1e-4, pulse_s=1e-9, runs=10,
                                       dt_s=1e-10), "dt_s"),
    (lambda: switching.switch_ensemble(DEVICE, i_shm_a=1e-4, pulse_s=1e-9, runs=10,
                                       temperature_k=5000.0), "temperature_k"),
    (lambda: write.wer_point(DEVICE, i_shm_a=1e-4, pulse_s=1e-9, runs=10**10, seed=0), "runs"),
    (lambda: write.wer_point(DEVICE, i_shm_a=float("nan"), pulse_s=1e-9, runs=10, seed=0),
     "currents_a"),
    (lambda: sense_margin.simulate(sense_margin.SenseSetup(), trials=0, seed=0), "trials"),
    (lambda: sense_margin.simulate(sense_margin.SenseSetup(), trials=10, seed=0,
                                   workers=10**6), "workers"),
    (lambda: fanin.sweep(sense_margin.SenseSetup(), max_fan_in=9, trials=10, seed=0),
     "max_fan_in"),
    (lambda: importance.run(sense_margin.SenseSetup(), samples=-5, seed=0), "samples"),
    (lambda: majority.run(majority.MajoritySetup(device=DEVICE), trials=10, seed=0, temperature_k=-1.0),
     "temperature_k"),
    (lambda: driver.driver_sweep(runs=10**12), "runs"),
    (lambda: driver.driver_sweep(temperature_k=float("inf")), "temperature_k"),
    (lambda: LocalExecutor(0), "workers"),
])
def test_out_of_range_raises_parameter_error_naming_the_field(call, field):
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.field == field


def test_limits_accept_their_own_bounds():
    assert limits.check_count("n", limits.MAX_COUNT) == limits.MAX_COUNT
    assert limits.check_temperature_k("t", 0) == 0.0
    assert limits.check_temperature_k("t", limits.T_MAX_K) == limits.T_MAX_K
    assert limits.check_pulse_s("p", limits.PULSE_MIN_S) == limits.PULSE_MIN_S
    assert limits.check_current_a("i", -limits.MAX_CURRENT_A) == -limits.MAX_CURRENT_A
    for bad in (True, 1.5, "3", limits.MAX_COUNT + 1):
        with pytest.raises(ParameterError):
            limits.check_count("n", bad)


def test_cli_maps_a_bug_to_internal_error_not_bad_input(tmp_path):
    """A plain ValueError from a bug exits 1 as an internal error (never as bad input, 2);
    the traceback appears only with SPINCIM_TRACEBACK=1."""
    code = ("import sys; from spincim import cli\n"
            "from spincim.devices import mtj\n"
            "def boom(*a, **k): raise ValueError('a bug')\n"
            "mtj.SotDevice.to_dict = boom\n"
            "sys.exit(cli.main(['device', 'show', '--json']))\n")
    plain = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           cwd=tmp_path)
    assert plain.returncode == 1, plain.stderr
    assert plain.stderr.startswith("internal error: ValueError: a bug")
    assert "Traceback" not in plain.stderr
    traced = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=tmp_path, env={"SPINCIM_TRACEBACK": "1", "PATH": ""})
    assert traced.returncode == 1 and "Traceback" in traced.stderr

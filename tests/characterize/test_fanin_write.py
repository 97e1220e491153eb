"""Fan-in sweep and write error rate."""

import json

import pytest

from spincim import cli
from spincim.characterize import fanin, sense_margin as sm, write
from spincim.devices import mtj as M


@pytest.mark.ngspice
def test_margins_shrink_with_fan_in():
    """Nominal (sigma = 0) AND and OR margins fall strictly as more cells are sensed."""
    flat = sm.SenseSetup(sigma_ra=0.0, sigma_tmr=0.0)
    r = fanin.sweep(flat, max_fan_in=4, trials=2, seed=0)
    for op in ("and", "or"):
        m = r[op]["margin_v"]
        assert m[0] > m[1] > m[2] > 0, (op, m)
    assert r["first_failing_fan_in"] is None  # no variation, no failure


def test_wer_limits(device):
    ic0 = M.critical_current_a(device)
    strong = write.wer_point(device, i_shm_a=3 * ic0, pulse_s=5e-9, runs=512, seed=1)
    weak = write.wer_point(device, i_shm_a=0.5 * ic0, pulse_s=2e-9, runs=512, seed=1)
    assert strong["wer"] == 0.0 and strong["wer_ci95"][0] == 0.0
    # no failure in 512 runs: Clopper-Pearson 95 % upper bound 1 - 0.025^(1/512) = 0.0072
    assert strong["wer_upper_bound_95"] == pytest.approx(1 - 0.025 ** (1 / 512), rel=1e-9)
    assert weak["wer"] == 1.0


def test_wer_sweep_monotonic_in_pulse(device):
    ic0 = M.critical_current_a(device)
    r = write.wer_sweep(device, currents_a=[1.3 * ic0], pulses_s=[2e-9, 5e-9, 10e-9],
                        runs=1024, seed=3)
    wer = r["wer"][0]
    assert wer[0] > wer[1] > wer[2]


def test_mc_write_cli_json(capsys):
    code = cli.main(["mc", "write", "--current-a", "150e-6", "--pulse-s", "5e-9",
                     "--runs", "256", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {"wer", "wer_ci95", "p_switch", "runs"} <= set(data)
    lo, hi = data["wer_ci95"]
    assert lo <= data["wer"] <= hi


def test_mc_write_needs_current(capsys):
    assert cli.main(["mc", "write", "--runs", "10"]) == 2
    assert "--current-a" in capsys.readouterr().err


def test_switching_window_brackets_and_narrows_with_pulse(device):
    short = write.switching_window(device, pulse_s=5e-9, runs=300, seed=2,
                                   grid=[0.6, 0.9, 1.1, 1.3, 1.6, 2.0, 2.6])
    assert short["i_low_a"] < short["i_high_a"]
    assert 1.1 < short["ratio"] < 3.0
    p = short["p_switch"]
    assert p[0] < 0.01 and p[-1] > 0.99

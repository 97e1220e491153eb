"""Majority-write Monte Carlo of CORN's nine-NMOS driver."""

import json

import numpy as np
import pytest

from spincim import cli
from spincim.characterize import majority
from spincim.netlists import write_driver as W

pytestmark = pytest.mark.ngspice


def _setup(**kw):
    return majority.MajoritySetup(device=W.buffer_device(0.0), **kw)


def test_zero_variation_has_no_errors():
    flat = _setup(vth_mismatch=False, sigma_resistivity=0.0, sigma_shm_thickness=0.0,
                  sigma_ms=0.0, sigma_t_free=0.0)
    r = majority.run(flat, trials=64, seed=0, temperature_k=0.0)
    assert r["error_rate"] == [0.0] * 10
    assert [row["p_switch"] for row in r["rows"]] == [0.0] * 5 + [1.0] * 5


def test_variation_errors_concentrate_at_the_threshold():
    r = majority.run(_setup(), trials=300, seed=1, temperature_k=0.0)
    rate = np.array(r["error_rate"])
    assert rate[0] == rate[1] == rate[9] == 0.0
    assert rate[4] > 0 and rate[5] > 0  # the 4/5 step is within the spread
    assert rate[4] >= rate[2] and rate[5] >= rate[8]
    currents = [row["i_hm_a_mean"] for row in r["rows"]]
    assert all(b > a for a, b in zip(currents, currents[1:]))


def test_same_seed_same_result():
    a = majority.run(_setup(), trials=100, seed=7, temperature_k=300.0)
    b = majority.run(_setup(), trials=100, seed=7, temperature_k=300.0)
    assert a["rows"] == b["rows"]


def test_cli_json(capsys):
    code = cli.main(["mc", "majority", "--trials", "64", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["n_on"] == list(range(10)) and len(data["error_rate"]) == 10

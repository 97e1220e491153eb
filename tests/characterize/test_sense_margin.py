"""Sense-path Monte Carlo: reproducibility, nominal agreement, analytic cross-check."""

import json

import numpy as np
import pytest

from spincim.characterize.executor import run_netlist
from spincim.characterize import sampling, sense_margin as sm, sense_model
from spincim.devices import mtj as M
from spincim.netlists import cell

pytestmark = pytest.mark.ngspice


@pytest.fixture(scope="module")
def setup():
    return sm.SenseSetup()


def test_same_seed_same_json_any_worker_count(setup):
    a = sm.run(setup, trials=1200, seed=3, workers=1)
    b = sm.run(setup, trials=1200, seed=3, workers=2)
    for r in (a, b):
        r.pop("wall_s"), r.pop("trials_per_s")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    c = sm.run(setup, trials=1200, seed=4, workers=1)
    assert c["ops"]["and"]["states"]["11"]["mean_v"] != a["ops"]["and"]["states"]["11"]["mean_v"]


def _nominal_read_bench(states, op, setup):
    text = cell.read_bench(states, op, device=setup.device, i_read_a=setup.i_read_a,
                           c_bl_f=0.0)
    return run_netlist(text)


def test_zero_sigma_equals_nominal_spice(setup):
    """sigma = 0: every trial equals an independent nominal netlist (netlists/cell.py)."""
    flat = sm.SenseSetup(sigma_ra=0.0, sigma_tmr=0.0, i_read_a=setup.i_read_a)
    volts, failed = sm.simulate(flat, trials=50, seed=0)
    assert failed == 0
    configs = flat.configurations()
    for c, states in enumerate(configs):
        v = volts[f"bl{c}"]
        assert np.ptp(v) < 1e-7  # identical within the solver tolerance (0.1 uV)
        op = "memory" if len(states) == 1 else "and"
        ref = _nominal_read_bench(states, op, flat)
        assert v[0] == pytest.approx(ref["rbl"][0], rel=1e-6)
    # the Monte Carlo gives each op its own reference node; in read_bench the disabled
    # reference groups stay connected, and their off-state leakage shifts Vref by ~1e-5
    for op in ("and", "or"):
        assert volts[f"ref{op}"][0] == pytest.approx(
            _nominal_read_bench((True, True), op, flat)["ref"][0], rel=1e-4)


def test_draws_have_requested_spread(setup):
    chunk = sampling.chunks(20000, 11, 20000)[0]
    d = sm.draw(setup, chunk)
    r_p = M.r_p_ohm(setup.device.mtj)
    n = d.r_p_ohm.size
    # sample std of a normal: relative standard error 1/sqrt(2n)
    assert np.std(d.r_p_ohm) / r_p == pytest.approx(0.05, rel=4 / np.sqrt(2 * n))
    assert np.std(d.tmr) / setup.device.mtj.tmr0 == pytest.approx(0.10, rel=4 / np.sqrt(2 * n))
    assert np.all(d.dvth_cell_v == 0)  # mismatch off by default


def test_spice_matches_analytic_model(setup):
    """Per-state mean Vsense of SPICE and of the numpy divider agree within 1 %."""
    trials = 1000
    volts, _ = sm.simulate(setup, trials=trials, seed=5)
    draws = sm.draw(setup, sampling.chunks(trials, 5, sm.CHUNK_TRIALS)[0])
    cell_index = 0
    for c, states in enumerate(setup.configurations()):
        n = len(states)
        # R_on of a read transistor extracted from a nominal SPICE run of this configuration
        nominal = _nominal_read_bench(states, "memory" if n == 1 else "and", setup)
        i_cell = abs(nominal["vsl1#branch"][0])
        r_on = (nominal["rbl"][0] - nominal["xc1.rl"][0]) / i_cell
        cols = slice(cell_index, cell_index + n)
        model = sense_model.vsense_v(setup.i_read_a, r_on, draws.r_p_ohm[:, cols],
                                     draws.tmr[:, cols], setup.device.mtj.v_half_v, states)
        spice = volts[f"bl{c}"]
        assert np.mean(model) == pytest.approx(np.mean(spice), rel=0.01), states
        assert np.max(np.abs(model - spice) / spice) < 0.02, states
        cell_index += n


def test_failures_counted_when_margin_is_gone():
    """A huge TMR spread must put trials on the wrong side, and they are counted."""
    wide = sm.SenseSetup(sigma_tmr=0.2, sigma_ra=0.2)
    r = sm.run(wide, trials=400, seed=1)
    assert r["ops"]["or"]["failures"] > 0
    assert r["ops"]["or"]["failure_rate"] == pytest.approx(
        r["ops"]["or"]["failures"] / (4 * 400))


def test_setup_validation():
    from spincim.errors import ParameterError
    with pytest.raises(ParameterError, match="i_read_a"):
        sm.SenseSetup(i_read_a=-1.0)
    with pytest.raises(ParameterError, match="fan_in"):
        sm.SenseSetup(fan_in=0)
    with pytest.raises(ParameterError, match="sigma_ra"):
        sm.SenseSetup(sigma_ra=float("nan"))


def test_snake_order_is_a_deterministic_permutation():
    keys = np.random.default_rng(0).random((1000, 3))
    for d in (1, 2, 3):
        order = sm.snake_order(keys[:, :d])
        assert sorted(order.tolist()) == list(range(1000))
        assert np.array_equal(order, sm.snake_order(keys[:, :d].copy()))
        # consecutive rows are much closer than in draw order (mean step 1/3 for U(0,1))
        assert np.abs(np.diff(keys[order, :d], axis=0)).mean() < 0.15
    assert sm.snake_order(keys[:1, :2]).tolist() == [0]


def test_index_table_text_matches_spice_text():
    from spincim.netlists import spice_text as st
    for n in (1, 2, 37):
        v = np.random.default_rng(n).normal(2500.0, 100.0, n)
        assert sm.index_table("Brpx", "rpx", v) == st.bsource_table(
            "Brpx", "rpx", "idx", v, digits=sm.TABLE_DIGITS)
    from spincim.errors import ParameterError
    with pytest.raises(ParameterError):
        sm.index_table("Brpx", "rpx", np.array([1.0, np.nan]))


@pytest.mark.parametrize("mismatch", [False, True])
def test_sweep_order_is_undone(mismatch):
    """simulate (per-subcircuit sweep order) = one chunk swept in draw order."""
    setup = sm.SenseSetup(vth_mismatch=mismatch)
    volts, failed = sm.simulate(setup, trials=60, seed=2)
    assert failed == 0
    draws = sm.draw(setup, sampling.chunks(60, 2, sm.CHUNK_TRIALS)[0])
    orders = sm.sweep_orders(setup, draws)
    assert any(not np.array_equal(o, np.arange(60)) for o in orders.values())
    plain = run_netlist(sm.chunk_netlist(setup, draws, references=True))
    for name in sm.result_vectors(setup, references=mismatch):
        assert np.max(np.abs(volts[name] - plain[name][:60])) < 1e-6, name

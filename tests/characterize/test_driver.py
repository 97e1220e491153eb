"""CORN majority write driver: nine NMOS into the calibrated buffer SOT cell (ngspice)."""

import dataclasses
import itertools

import numpy as np
import pytest

from spincim.characterize import driver as D
from spincim.devices import llg, switching
from spincim.devices import mtj as M
from spincim.netlists import write_driver as W

pytestmark = pytest.mark.ngspice


@pytest.fixture(scope="module")
def cal(ex):
    return D.calibrate_buffer_device(cfg=W.PROGRAM_ONLY, full=True, executor=ex)


def test_corn_currents_are_the_published_ones(ex):
    """The ``corn`` variant drives CORN IV-B's currents: I(1) = 32.5 uA, I(4) = 76.2 uA
    within 10 % (the fit makes them equal to 1e-4; 10 % is the issue's contract)."""
    device = W.buffer_device(0.0)
    i = D.op_currents([W.pattern_for_count(1), W.pattern_for_count(4)], device, W.CORN,
                      executor=ex)
    assert i[0] == pytest.approx(W.CORN_I1_A, rel=0.10)
    assert i[1] == pytest.approx(W.CORN_I4_A, rel=0.10)
    # the PTM-native sizing drives ~2x more (what the fit had to take back)
    ptm = D.op_currents([W.pattern_for_count(1), W.pattern_for_count(4)],
                        W.buffer_device(0.0, thickness_m=W.PTM_SHM_THICKNESS_M), W.CORN_PTM,
                        executor=ex)
    assert np.all(ptm / i > 1.5)


def test_declared_numbers_are_the_fit(ex):
    """fit_corn_driver + calibrate_buffer_device re-derive every declared number of the
    ``corn`` variant (length, series resistance, SHM thickness) to 0.5 %."""
    c = D.calibrate_corn(executor=ex)
    assert c.driver.length_factor == pytest.approx(W.CORN_LENGTH_FACTOR, rel=5e-3)
    assert c.driver.r_series_ohm == pytest.approx(W.CORN_R_SERIES_OHM, rel=5e-3)
    assert c.thickness_m == pytest.approx(W.BUFFER_SHM_THICKNESS_M, rel=5e-3)
    assert c.currents_a[1] == pytest.approx(W.CORN_I1_A, rel=1e-3)
    assert c.currents_a[4] == pytest.approx(W.CORN_I4_A, rel=1e-3)
    assert c.currents_a[4] < c.i_threshold_a < c.currents_a[5]
    assert c.driver.width_factor == 3.0          # CORN IV-B: W = 3F is not fitted


def test_currents_depend_only_on_count(cal, ex):
    """Different gate subsets with the same count give the same current (op, within 1 %)."""
    rng = np.random.default_rng(1)
    counts = [1, 4, 5, 8]
    patterns, keys = [], []
    for n in counts:
        for off in (0, 3, 7):
            patterns.append(W.pattern_for_count(n, offset=off))
            keys.append(n)
        bits = np.zeros(9, int)
        bits[rng.choice(9, n, replace=False)] = 1
        patterns.append(tuple(bits))
        keys.append(n)
    i = D.op_currents(patterns, cal.device, executor=ex)
    for n in counts:
        vals = i[np.array(keys) == n]
        assert np.ptp(vals) / vals.mean() < 0.01, (n, vals)
    # more NMOS, more current
    means = [i[np.array(keys) == n].mean() for n in counts]
    assert np.all(np.diff(means) > 0)


def test_threshold_between_four_and_five(cal):
    """The one calibrated number puts the 0 K reversal current between I(4) and I(5)."""
    i_rev = switching.reversal_threshold_0k(cal.device, pulse_s=W.PROGRAM_ONLY.program_s)
    assert cal.i4_a < i_rev < cal.i5_a
    assert i_rev == pytest.approx(np.sqrt(cal.i4_a * cal.i5_a), rel=5e-3)
    assert cal.device.shm.width_m == 150e-9
    # the declared number the commands use is this calibration's result
    assert cal.thickness_m == pytest.approx(W.BUFFER_SHM_THICKNESS_M, rel=5e-3)
    assert cal.i4_a == pytest.approx(W.CALIBRATED_I4_A, rel=5e-3)
    assert cal.i5_a == pytest.approx(W.CALIBRATED_I5_A, rel=5e-3)


def test_ptm_variant_calibration(ex):
    """The ``corn-ptm`` variant's declared buffer thickness is its own calibration."""
    c = D.calibrate_buffer_device(cfg=W.program_only(W.CORN_PTM), full=True, executor=ex)
    assert c.thickness_m == pytest.approx(W.PTM_SHM_THICKNESS_M, rel=5e-3)
    assert c.i4_a == pytest.approx(W.PTM_CALIBRATED_I4_A, rel=5e-3)
    assert c.i5_a == pytest.approx(W.PTM_CALIBRATED_I5_A, rel=5e-3)


def test_switches_iff_five_or_more(ex):
    """0 K transients with the macromodel: the corn variant switches iff >= 5 inputs."""
    rows = D.sweep(W.buffer_device(0.0), executor=ex)
    assert [r.switched for r in rows] == [n >= 5 for n in range(10)]
    for r in rows:
        assert r.i_shm_a == pytest.approx(r.i_shm_op_a, rel=0.01, abs=1e-7)
        assert r.mx_after_preset > 0.99
        assert np.isfinite(r.t_switch_s) == r.switched
        assert r.energy_j > 0


def test_all_512_patterns_decide_by_count(ex):
    """Every one of the 512 input patterns: its SPICE PROGRAM current reverses the cell
    at 0 K (LLGS of the macromodel's equations, 10 ns, rms start tilt) iff >= 5 inputs
    are on; grouped by count, the largest current below five inputs and the smallest
    from five on bracket the 0 K reversal current."""
    device = W.buffer_device(0.0)
    patterns = list(itertools.product((0, 1), repeat=9))
    currents = D.op_currents(patterns, device, W.CORN, executor=ex)
    counts = np.array([sum(p) for p in patterns])
    co = llg.coefficients(device, len(patterns), temperature_k=0.0)
    res = llg.simulate(co, m0=switching.tilted_state(switching.rms_thermal_tilt_rad(device)),
                       i_shm_a=currents, pulse_s=W.PROGRAM_ONLY.program_s)
    assert np.array_equal(res.switched, counts >= 5)
    i_rev = switching.reversal_threshold_0k(device, pulse_s=W.PROGRAM_ONLY.program_s)
    for n in range(10):
        group = currents[counts == n]
        assert len(group) == len(list(itertools.combinations(range(9), n)))
        assert (group.max() < i_rev) if n < 5 else (group.min() > i_rev), n


@pytest.mark.slow
@pytest.mark.parametrize("cfg", [W.CORN, W.CORN_PTM], ids=["corn", "corn-ptm"])
def test_switching_time_converged_at_the_chosen_step(cfg, ex):
    """The driver transient's switching time at the chosen max step is within 1 % of the
    time at half that step, at the slowest (5 inputs) and the fastest (9) switch."""
    thickness = W.BUFFER_SHM_THICKNESS_M if cfg is W.CORN else W.PTM_SHM_THICKNESS_M
    device = W.buffer_device(0.0, thickness_m=thickness)
    fine = dataclasses.replace(cfg, max_step_s=cfg.max_step_s / 2)
    pats = [W.pattern_for_count(5), W.pattern_for_count(9)]
    coarse_rows = D.run_patterns(pats, device, W.program_only(cfg), executor=ex)
    fine_rows = D.run_patterns(pats, device, W.program_only(fine), executor=ex)
    for a, b in zip(coarse_rows, fine_rows):
        assert a.switched and b.switched
        assert a.t_switch_s == pytest.approx(b.t_switch_s, rel=0.01)


def test_preset_drives_cell_to_p(cal, ex):
    """Full testbench: from (tilted) AP, PRESET sets P; PROGRAM with 0 of 9 keeps it."""
    cfg = W.DriverConfig(program_s=1e-9)
    rows = D.run_patterns([W.pattern_for_count(0)], cal.device, cfg, executor=ex)
    assert rows[0].mx_after_preset > 0.99
    assert not rows[0].switched


def test_max_pool_2x2(cal, ex):
    """[o1..o5] = [11110]: four NMOS tied on, one tied off, four window bits: OR of the window."""
    windows = list(itertools.product((0, 1), repeat=4))
    patterns = [(*w, 1, 1, 1, 1, 0) for w in windows]
    rows = D.run_patterns(patterns, cal.device, executor=ex)
    got = [r.switched for r in rows]
    assert got == [any(w) for w in windows]


def test_corn_fails_at_room_temperature(ex):
    """At 300 K the published design switches with four inputs on more often than 5 %
    (the 95 % interval's lower end), so its decision at four inputs is marked above the
    1e-4 threshold."""
    r = D.driver_sweep(design="corn", temperature_k=300.0, runs=400, seed=3, counts=[4],
                       executor=ex)
    assert r.p_switch_ci95[0][0] > 0.05
    assert r.to_dict()["error_status"] == ["above"]


def test_driver_sweep_keys_and_zero_kelvin(ex):
    r = D.driver_sweep(design="corn", temperature_k=0.0, counts=[3, 6], executor=ex)
    out = r.to_dict()
    for key in ("n_on", "i_hm_a", "i_hm_op_a", "switched", "t_switch_s", "energy_j",
                "program_s", "shm_thickness_m", "design", "decision_error", "error_status"):
        assert key in out
    assert out["switched"] == [False, True] and out["decision_error"] == [0.0, 0.0]
    assert "p_switch" not in out
    assert M.r_shm_ohm(r.device.shm) > 0

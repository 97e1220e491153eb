"""CORN majority write driver: nine NMOS into the calibrated buffer SOT cell (ngspice)."""

import itertools

import numpy as np
import pytest

from spincim.characterize import driver as D
from spincim.devices import switching
from spincim.netlists import write_driver as W

pytestmark = pytest.mark.ngspice


@pytest.fixture(scope="module")
def cal(ex):
    return D.calibrate_buffer_device(cfg=W.PROGRAM_ONLY, full=True, executor=ex)


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


def test_switches_iff_five_or_more(cal, ex):
    rows = D.sweep(cal.device, executor=ex)
    assert [r.switched for r in rows] == [n >= 5 for n in range(10)]
    for r in rows:
        assert r.i_shm_a == pytest.approx(r.i_shm_op_a, rel=0.01, abs=1e-7)
        assert r.mx_after_preset > 0.99
        assert np.isfinite(r.t_switch_s) == r.switched
        assert r.energy_j > 0


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

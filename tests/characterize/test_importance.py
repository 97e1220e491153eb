"""Importance sampling of sense failures: agreement with brute force, deep tail, seeds."""

import json
import math

import numpy as np
import pytest

from spincim.characterize.executor import LocalExecutor
from spincim.characterize import importance as imp, sense_margin as sm

pytestmark = pytest.mark.ngspice

#: wider spreads than IMCE (7 % RA, 14 % TMR): AND of '11' fails at ~2e-3, where
#: 20k brute-force SPICE trials see ~40 failures
WIDE = sm.SenseSetup(sigma_ra=0.07, sigma_tmr=0.14)
AND11 = ("and", (True, True))


def _agree(a: dict, b: dict) -> bool:
    return abs(a["p_fail"] - b["p_fail"]) <= 1.96 * math.hypot(a["se"], b["se"])


def test_is_matches_brute_force_spice_near_1e_3():
    brute = imp.brute_force_state(WIDE, *AND11, trials=20000, seed=2)
    assert 20 <= brute["n_fail"] <= 80  # really the ~1e-3 regime
    est = imp.estimate_state(WIDE, *AND11, samples=4000, seed=1)
    assert est["method"] == "spice" and est["failed_trials"] == 0
    assert est["rel_err"] < 0.1 and est["ess"] > 200
    assert est["design_point_sigma"] == pytest.approx(3.0, abs=0.3)
    assert _agree(est, brute), (est, brute)
    lo, hi = est["ci95"]
    assert lo < est["p_fail"] < hi


def test_model_is_matches_model_brute_force_including_two_mode_xnor():
    """Analytic model only: IS agrees with 1e6 plain trials; XNOR '01' has two modes."""
    for op, states in [AND11, ("xnor", (False, True))]:
        est = imp.estimate_state(WIDE, op, states, samples=20000, seed=1, method="model")
        brute = imp.brute_force_state(WIDE, op, states, trials=1_000_000, seed=1,
                                      method="model")
        assert brute["n_fail"] > 50
        assert _agree(est, brute), (op, est, brute)
    assert len(est["design_points"]) == 2


def test_deep_tail_finite_with_narrow_ci():
    """IMCE spreads, OR of '00' (~6.5 sigma): p ~ 1e-11 from 3000 SPICE samples."""
    est = imp.estimate_state(sm.SenseSetup(), "or", (False, False), samples=3000, seed=1)
    p, (lo, hi) = est["p_fail"], est["ci95"]
    assert 0 < p < 1e-9 and math.isfinite(lo) and math.isfinite(hi)
    assert lo < p < hi and hi / lo < 10
    assert est["design_point_sigma"] > 6
    model = imp.estimate_state(sm.SenseSetup(), "or", (False, False), samples=3000,
                               seed=1, method="model")
    assert 0.1 < model["p_fail"] / p < 10  # the analytic model is the right order


def test_same_seed_same_result_any_worker_count():
    kw = dict(samples=600, chunk_trials=300)  # two chunks: the workers split them
    with LocalExecutor(1) as one, LocalExecutor(2) as two:
        a = imp.estimate_state(WIDE, *AND11, seed=5, executor=one, **kw)
        b = imp.estimate_state(WIDE, *AND11, seed=5, executor=two, **kw)
        c = imp.estimate_state(WIDE, *AND11, seed=6, executor=one, **kw)
    for r in (a, b, c):
        r.pop("wall_s")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert c["p_fail"] != a["p_fail"]


def test_run_all_ops_json_ready_model():
    out = imp.run(sm.SenseSetup(), samples=2000, seed=0, method="model")
    json.dumps(out, allow_nan=False)
    assert set(out["ops"]) == set(sm.OPS)
    for op, res in out["ops"].items():
        states = res["states"]
        assert len(states) == (2 if op == "read" else 4)
        ps = [s["p_fail"] for s in states.values()]
        assert res["p_fail"] == pytest.approx(np.mean(ps))
        assert res["p_fail_max"] == max(ps)
        for s in states.values():
            assert {"p_fail", "ci95", "n", "design_point_sigma"} <= set(s)
    # IMCE defaults: every op fails below 1e-4 per random pattern
    assert all(res["p_fail"] < 1e-4 for res in out["ops"].values())


def test_bad_arguments():
    from spincim.errors import ParameterError

    with pytest.raises(ParameterError):
        imp.op_states(sm.SenseSetup(fan_in=1), "and")
    cal = imp.calibrate(sm.SenseSetup())
    with pytest.raises(ParameterError):
        imp.StateProblem(sm.SenseSetup(), "read", (True, True), cal)
    with pytest.raises(ParameterError):
        imp.estimate_state(sm.SenseSetup(), *AND11, samples=10, seed=0, method="x")

"""``spincim mc sense``: the JSON contract, plots, and clean errors."""

import json

import pytest

from spincim import cli

pytestmark = pytest.mark.ngspice


def test_mc_sense_json_contract_and_plot(capsys, tmp_path):
    png = tmp_path / "fig.png"
    code = cli.main(["mc", "sense", "--trials", "600", "--seed", "2", "--workers", "1",
                     "--plot", str(png), "--json"])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    for key in ("trials", "seed", "wall_s", "trials_per_s", "ops", "failed_trials"):
        assert key in data
    assert set(data["ops"]) == {"read", "and", "or", "xnor"}
    for op, d in data["ops"].items():
        for key in ("ref_v", "margin_v", "failures", "failure_rate", "states"):
            assert key in d
        for state in d["states"].values():
            assert {"mean_v", "std_v", "min_v", "max_v"} <= set(state)
            assert state["min_v"] <= state["mean_v"] <= state["max_v"]
    assert set(data["ops"]["and"]["states"]) == {"00", "01", "10", "11"}
    assert png.stat().st_size > 10_000


@pytest.mark.parametrize("argv", [
    ["mc", "sense", "--ops", "nand"],
    ["mc", "sense", "--ops", "xnor", "--fan-in", "3"],
    ["mc", "sense", "--sigma-ra", "0.5"],
    ["mc", "sense", "--trials", "-3"],
])
def test_mc_sense_bad_input(capsys, argv):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1


def test_mc_importance_model_json(capsys):
    code = cli.main(["mc", "importance", "--method", "model", "--samples", "500",
                     "--ops", "and,or", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    for op in ("and", "or"):
        d = data["ops"][op]
        assert 0 < d["p_fail"] < 1e-3
        assert d["ci95"][0] <= d["p_fail"] <= d["ci95"][1]
        assert set(d["states"]) == {"00", "01", "10", "11"}
        # a read of a uniformly random pattern: the mean over the four stored patterns
        per_state = [s["p_fail"] for s in d["states"].values()]
        assert d["p_fail"] == pytest.approx(sum(per_state) / 4, rel=1e-12)
        assert d["p_fail_max"] == max(per_state)

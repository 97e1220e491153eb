"""Design-space sweeps: parsing, every combination priced, the Pareto front, the CLI."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spincim import cli
from spincim.errors import ParameterError
from spincim.estimator import energy as E
from spincim.estimator.sweep import pareto_front, parse_sweep, run_sweep


def _dominated(k, e, t) -> bool:
    return any(e[j] <= e[k] and t[j] <= t[k] and (e[j] < e[k] or t[j] < t[k])
               for j in range(len(e)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=40))
def test_pareto_front_brute_force(points):
    e = [float(a) for a, _ in points]
    t = [float(b) for _, b in points]
    front = set(pareto_front(e, t))
    for k in range(len(points)):
        assert (k in front) == (not _dominated(k, e, t)), (k, points)


def test_parse_sweep():
    grid = parse_sweep(["rows=128,256", "bits=1:1,1:2", "buffer.per_pe=1,2",
                        "host.overlap=true,false", "parallel=all,2"])
    assert grid == {"array.rows": [128, 256], "layers.bits": ["1:1", "1:2"],
                    "buffer.per_pe": [1, 2], "host.overlap": [True, False],
                    "array.parallel": ["all", 2]}
    for bad in ("rows", "rows=", "=1", "rows=1,,2"):
        with pytest.raises(ParameterError):
            parse_sweep([bad])
    with pytest.raises(ParameterError):
        parse_sweep(["rows=64", "array.rows=128"])


def test_sweep_prices_every_combination_like_single_estimates():
    res = run_sweep("svhn", "imce", ["rows=128,256", "bits=1:1,2:2", "parallel=1,2"])
    assert len(res.points) == 8 and res.keys == ("array.rows", "layers.bits",
                                                 "array.parallel")
    combos = list(itertools.product([128, 256], ["1:1", "2:2"], [1, 2]))
    for p, (rows, bits, par) in zip(res.points, combos):
        one = E.estimate("svhn", "imce", overrides={"array.rows": rows, "layers.bits": bits,
                                                    "array.parallel": par})
        assert p.params == {"array.rows": rows, "layers.bits": bits, "array.parallel": par}
        assert p.energy_j == one.energy_per_image_j
        assert p.latency_s == one.latency_per_image_s and p.area_m2 == one.area_m2
    e = [p.energy_j for p in res.points]
    t = [p.latency_s for p in res.points]
    for k in range(len(e)):
        assert (k in res.pareto) == (not _dominated(k, e, t))


def test_infeasible_points_are_kept_out_of_the_front():
    res = run_sweep("svhn", "imce", {"array.rows": [2, 256], "layers.bits": ["2:2"]})
    assert not res.points[0].ok and "array.rows" in res.points[0].error
    assert res.points[1].ok and res.pareto == (1,)
    with pytest.raises(ParameterError, match="no design point"):
        run_sweep("svhn", "imce", {"array.rows": [2], "layers.bits": ["2:2"]})


def test_bad_values_fail_before_running():
    with pytest.raises(ParameterError) as exc:
        run_sweep("svhn", "imce", ["rows=256,many"])
    assert "array.rows" in exc.value.field
    with pytest.raises(ParameterError):
        run_sweep("svhn", "imce", ["rows=" + ",".join(["256"] * 400),
                                   "cols=" + ",".join(["256"] * 400)])


def test_cli_sweep_json_and_plot(tmp_path, capsys):
    png = tmp_path / "pareto.png"
    code = cli.main(["estimate", "--network", "cifar10-bnn", "--arch", "corn", "--sweep",
                     "buffers=1,2,4", "--sweep", "parallel=1,all", "--plot", str(png),
                     "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    data = json.loads(out.out)
    assert data["n_points"] == 6 and data["keys"] == ["buffer.per_pe", "array.parallel"]
    e = np.array([p["energy_per_image_j"] for p in data["points"]])
    t = np.array([p["latency_per_image_s"] for p in data["points"]])
    assert [p["pareto"] for p in data["points"]] == [not _dominated(k, e, t)
                                                     for k in range(6)]
    # parallelism and buffers change time and area, not energy
    assert np.allclose(e, e[0], rtol=1e-12, atol=0)
    assert png.stat().st_size > 10_000
    code = cli.main(["estimate", "--network", "svhn", "--arch", "imce", "--sweep", "rows=256"])
    table = capsys.readouterr().out
    assert code == 0 and "1 points" in table and "*" in table


@pytest.mark.parametrize("spec,needle", [("rows=abc", "array.rows"), ("nokey=1", "nokey"),
                                         ("rows", "sweep")])
def test_cli_sweep_bad_input(capsys, spec, needle):
    code = cli.main(["estimate", "--network", "svhn", "--arch", "imce", "--sweep", spec])
    err = capsys.readouterr().err
    assert code == 2 and needle in err and err.count("\n") == 1


def test_sweep_points_carry_the_write_voltage_of_their_column(capsys):
    """Each point names the write voltage of its array's column (the estimate's write_path)
    and the summary counts the points whose write needs more than VDD: at 45 nm, 1 V only
    the 1024-row column does (docs/physics.md)."""
    res = run_sweep("svhn", "imce", {"array.rows": [256, 1024]})
    for p in res.points:
        est = E.estimate("svhn", "imce", overrides={"array.rows": p.params["array.rows"]})
        path = est.write_path
        assert p.write_v == max(path["v_write_p_to_ap_v"], path["v_write_ap_to_p_v"])
        assert p.write_above_vdd is path["above_vdd"]
    data = res.to_json()
    assert [pt["write_above_vdd"] for pt in data["points"]] == [False, True]
    assert data["n_write_above_vdd"] == 1
    assert cli.main(["estimate", "--network", "svhn", "--arch", "imce",
                     "--sweep", "rows=256,1024"]) == 0
    out = capsys.readouterr().out
    assert "> VDD" in out and "1 need a write voltage above VDD" in out

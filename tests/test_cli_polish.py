"""CLI polish of issue 20: defaults and help text in every ``--help``, the estimate's host
share, LUT node, node warning and supported networks, the mc sense bound on a failure
rate it did not see, and ``--ops and,or`` without the read."""

from __future__ import annotations

import argparse
import json
import math

import pytest

from spincim import cli


def _parsers(parser=None, name="spincim"):
    parser = parser or cli.build_parser()
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, p in action.choices.items():
                yield from _parsers(p, f"{name} {sub}")


PARSERS = list(_parsers())


def _options(parser):
    return [a for a in parser._actions
            if not isinstance(a, (argparse._SubParsersAction, argparse._HelpAction,
                                  argparse._VersionAction))]


@pytest.mark.parametrize("name, parser", PARSERS, ids=[n for n, _ in PARSERS])
def test_every_option_has_help_and_every_default_is_shown(name, parser):
    text = parser.format_help()
    assert "%%" not in text and "%(" not in text
    for action in _options(parser):
        assert action.help, f"{name} {action.option_strings or action.dest}: no help text"
        shown = parser._get_formatter()._expand_help(action) if action.help else ""
        default = action.default
        if not action.option_strings or default in (None, argparse.SUPPRESS):
            continue
        if default is False and not isinstance(action, argparse.BooleanOptionalAction):
            continue                               # a plain flag: off unless given
        assert "default" in shown, f"{name} {action.option_strings}: default not shown"


def test_defaults_read_as_values():
    sense = dict(PARSERS)["spincim mc sense"]
    help_of = {a.dest: sense._get_formatter()._expand_help(a) for a in _options(sense)}
    assert help_of["trials"].endswith("(default: 10000)")
    assert help_of["ops"].endswith("(default: read,and,or,xnor)")
    assert help_of["vth_mismatch"].endswith("(default: off)")
    assert "5 % and 10 %" in sense.format_help().replace("\n", " ").replace("  ", " ")


# ------------------------------------------------------------------------------ estimate
def test_estimate_prints_host_share_and_lut_node(capsys):
    from spincim.estimator import energy

    assert cli.main(["estimate", "--network", "mnist", "--arch", "corn"]) == 0
    out = capsys.readouterr().out
    est = energy.estimate("mnist", "corn")
    host_e = sum(l.energy_by_category["host"] for l in est.layers)
    host_t = sum(l.latency_s for l in est.layers if l.where == "host")
    share_e = host_e / sum(l.energy_j for l in est.layers)
    share_t = host_t / sum(l.latency_s for l in est.layers)
    assert 0 < share_e < 1 and 0 < share_t < 1   # CORN's first layer runs on the host
    rows = {line[:30].strip(): line[30:].strip() for line in out.splitlines()}
    assert rows["host share of energy"] == f"{share_e:.1%}"
    assert rows["host share of latency"] == f"{share_t:.1%}"
    assert rows["lut node"] == "ptm_22nm"
    assert cli.main(["estimate", "--network", "mnist", "--arch", "corn", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["host_energy_share"] == pytest.approx(share_e, rel=1e-12)
    assert data["host_latency_share"] == pytest.approx(share_t, rel=1e-12)
    assert data["lut"]["technology"] == "ptm_22nm"


def test_estimate_warns_when_architectures_are_on_different_nodes(capsys):
    assert cli.main(["estimate", "--network", "mnist", "--arch", "imce,corn", "--json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert set(data["architectures"]) == {"imce", "corn"}
    assert data["architectures"]["imce"]["lut"]["technology"] == "ptm_45nm"
    warning = captured.err.strip()
    assert warning.startswith("warning:") and "ptm_45nm" in warning and "ptm_22nm" in warning
    assert data["warnings"] == [warning.removeprefix("warning: ")]
    # the same node: no warning
    assert cli.main(["estimate", "--network", "mnist", "--arch", "corn,imc-dpu"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "ptm_22nm" in captured.out


def test_estimate_compare_refuses_plot_and_sweep(capsys, tmp_path):
    assert cli.main(["estimate", "--network", "mnist", "--arch", "imce,corn", "--plot",
                     str(tmp_path / "x.png")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_estimate_help_lists_each_architectures_networks():
    text = dict(PARSERS)["spincim estimate"].format_help()
    note = text.split("shipped networks each shipped architecture supports:")[1]
    lines = " ".join(note.split())                       # undo the wrapping
    from spincim.estimator.arch import SHIPPED
    for arch in SHIPPED:
        assert f"{arch}: " in lines
    # CORN's threshold-write pooling cannot hold the 2x2 windows of 8-bit SVHN / AlexNet
    corn = lines.split("corn: ")[1].split(" imc-dpu: ")[0]
    ok, _, no = corn.partition("; not ")
    assert set(ok.split(", ")) == {"mnist", "cifar10-bnn"}
    assert "svhn (" in no and "alexnet (" in no
    imce = lines.split("imce: ")[1].split(" corn: ")[0]
    assert set(imce.split(", ")) == {"svhn", "alexnet", "mnist", "cifar10-bnn"}


# ------------------------------------------------------------------------------ mc sense
@pytest.mark.parametrize("failures, n", [(0, 1000), (0, 37), (3, 500), (500, 500)])
def test_failure_rate_interval_is_clopper_pearson(failures, n):
    from scipy.stats import binomtest

    from spincim.characterize.sense_margin import failure_rate_ci95
    lo, hi = failure_rate_ci95(failures, n)
    ref = binomtest(failures, n).proportion_ci(0.95, method="exact")
    assert lo == pytest.approx(ref.low, rel=1e-9, abs=1e-15)
    assert hi == pytest.approx(ref.high, rel=1e-9)
    if failures == 0:                          # the rule of three, exactly: 1 - 0.025^(1/n)
        assert hi == pytest.approx(1 - 0.025 ** (1 / n), rel=1e-12)


def test_ops_without_read_leave_the_read_out_of_the_netlist():
    from spincim.characterize import sampling
    from spincim.characterize import sense_margin as sm

    both = sm.SenseSetup()
    logic = sm.SenseSetup(ops=("and", "or"))
    assert [c for c in logic.configurations() if len(c) == 1] == []
    assert len(logic.configurations()) == len(both.configurations()) - 2
    assert "read" not in sm.reference_resistances(logic)
    chunk = sampling.chunks(4, 0, 4)[0]
    text = sm.chunk_netlist(logic, sm.draw(logic, chunk))
    assert "refread" not in text and "refand" in text
    assert text.count("Ibl") == 4                     # the four 2-cell patterns only
    with pytest.raises(Exception, match="ops"):
        sm.SenseSetup(ops=("nand",))


@pytest.mark.ngspice
def test_mc_sense_bound_without_failures_and_no_read(capsys, monkeypatch):
    from spincim.characterize import sense_margin as sm

    seen = []
    real = sm.simulate

    def spy(setup, **kw):
        seen.append(setup)
        return real(setup, **kw)
    monkeypatch.setattr(sm, "simulate", spy)
    argv = ["mc", "sense", "--trials", "60", "--ops", "and,or", "--workers", "1"]
    assert cli.main(argv + ["--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert seen[0].ops == ("and", "or")
    assert all(len(c) == 2 for c in seen[0].configurations())   # no one-cell read
    assert set(data["ops"]) == {"and", "or"}
    for d in data["ops"].values():
        assert d["decisions"] == 4 * 60
        assert d["failures"] == 0                     # 60 trials at 5 % / 10 % sigma
        assert d["failure_rate_ci95"][1] == pytest.approx(1 - 0.025 ** (1 / 240), rel=1e-9)
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    bound = f"{1 - 0.025 ** (1 / 240):.3g}"
    assert f"and: no failure in 240 decisions: failure rate < {bound} (95 % upper bound" \
        in out
    assert not math.isnan(float(bound))

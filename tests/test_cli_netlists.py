"""``spincim netlist export`` and ``spincim driver sweep``."""

import json

import pytest

from spincim.cli import main


def _one_line_error(capsys):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error:"), err
    return err


def test_export_writes_file(tmp_path, capsys):
    out = tmp_path / "cell.cir"
    assert main(["netlist", "export", "cell2t1r", "--out", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"kind", "path", "sha256", "lines"}
    assert data["kind"] == "cell2t1r" and out.exists()
    import hashlib
    assert data["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert data["lines"] == len(out.read_text().splitlines())
    assert ".control" in out.read_text()


def test_export_table(tmp_path, capsys):
    assert main(["netlist", "export", "sense", "--out", str(tmp_path / "s.cir")]) == 0
    assert "sha256" in capsys.readouterr().out


def test_export_bad_kind(tmp_path, capsys):
    assert main(["netlist", "export", "bogus", "--out", str(tmp_path / "x.cir")]) == 2
    _one_line_error(capsys)


def test_export_missing_directory(tmp_path, capsys):
    target = tmp_path / "missing" / "x.cir"
    assert main(["netlist", "export", "cell2t1r", "--out", str(target)]) == 2
    assert "does not exist" in _one_line_error(capsys)
    assert not target.exists()


@pytest.mark.ngspice
@pytest.mark.slow
def test_driver_sweep_json(capsys):
    """One run covers both contracts: 0 K booleans from SPICE and 300 K probabilities."""
    code = main(["driver", "sweep", "--temperature-k", "300", "--runs", "200", "--seed", "1",
                 "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("n_on", "i_hm_a", "switched", "t_switch_s", "energy_j", "p_switch",
                "p_switch_ci95"):
        assert len(data[key]) == 10, key
    assert data["n_on"] == list(range(10))
    assert data["switched"] == [n >= 5 for n in range(10)]
    assert all(b > a for a, b in zip(data["i_hm_a"], data["i_hm_a"][1:]))
    p, ci = data["p_switch"], data["p_switch_ci95"]
    for k in range(10):
        assert ci[k][0] <= p[k] <= ci[k][1]
    for k in range(9):  # non-decreasing within the Clopper-Pearson intervals
        assert p[k + 1] >= ci[k][0], (k, p, ci)
    assert p[0] == 0.0 and p[9] == 1.0


def test_majority_commands_default_to_room_temperature():
    """driver sweep and mc majority run at 300 K unless --temperature-k is given."""
    from spincim.cli import build_parser
    p = build_parser()
    for argv in (["driver", "sweep"], ["mc", "majority"]):
        args = p.parse_args(argv)
        assert args.temperature_k == 300.0 and args.design == ("corn",)
        assert args.error_threshold == 1e-4
    assert p.parse_args(["driver", "sweep", "--temperature-k", "0"]).temperature_k == 0.0

"""LUT views: nominal summary, diff, CSV component table, and the lut CLI on a file."""

import csv
import io
import json

import pytest

from spincim import cli
from spincim.lut import io as lut_io
from spincim.lut import summary


def test_nominal_values_use_axis_nominals(lut):
    nom = summary.nominal_values(lut)
    # read at vdd 1.0, 300 K, rows = first grid point (no nominal): 1e-15 * 1 * 1.3 * 64
    assert nom["read"]["energy_j"] == pytest.approx(1e-15 * 1.0 * 1.3 * 64)
    assert nom["read"]["at"] == {"vdd_v": 1.0, "temperature_k": 300.0, "rows": 64.0}
    assert nom["majority"]["energy_j"] == pytest.approx(1e-13)  # n_on nominal 0


def test_diff_reports_relative_change(make_lut):
    a, b = make_lut(), make_lut(scale=1.1)
    d = summary.diff(a, b)
    assert d["ops"]["read"]["energy_j"]["max_rel"] == pytest.approx(0.1)
    assert d["ops"]["read"]["latency_s"]["max_rel"] == pytest.approx(0.0)
    assert d["only_in_a"] == d["only_in_b"] == []


def test_csv_component_table(lut):
    rows = list(csv.DictReader(io.StringIO(summary.to_csv(lut))))
    assert {"component", "action", "energy_j", "latency_s", "area_m2"} <= set(rows[0])
    by = {(r["component"], r["action"]): r for r in rows}
    assert float(by[("cell", "read")]["energy_j"]) == pytest.approx(2e-15)
    assert float(by[("cell", "read")]["area_m2"]) == pytest.approx(0.05e-12)


def test_lut_cli_show_diff_export(tmp_path, make_lut, capsys):
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    lut_io.write_lut(make_lut(), a)
    lut_io.write_lut(make_lut(scale=2.0), b)
    assert cli.main(["lut", "show", str(a), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["provenance"]["ngspice_version"] == "39"
    assert "read" in shown["ops"]
    assert cli.main(["lut", "diff", str(a), str(b), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ops"]["read"]["energy_j"]["max_rel"] == \
        pytest.approx(1.0)
    out = tmp_path / "t.csv"
    assert cli.main(["lut", "export", "--lut", str(a), "--format", "table", "--out",
                     str(out)]) == 0
    assert out.read_text().startswith("component,action,energy_j,latency_s,area_m2")


def test_lut_cli_bad_files(tmp_path, capsys):
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not hdf5 at all")
    assert cli.main(["lut", "show", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.h5" in err and len(err.strip().splitlines()) == 1
    assert cli.main(["lut", "show", str(tmp_path / "missing.h5")]) == 2
    assert cli.main(["lut", "build", "--tech", "45nm", "--out", str(tmp_path / "no" / "x.h5")]) == 2

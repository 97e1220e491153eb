"""Expected bit errors per image (estimator/reliability.py) from a LUT's reliability table."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from spincim import cli
from spincim.errors import LutError
from spincim.estimator import energy as E
from spincim.estimator import reliability as R
from spincim.lut import io
from spincim.lut.schema import McSummary

DATA = Path(E.__file__).resolve().parent.parent / "lut" / "data"
CORNERS = np.array([300.0, 358.0])
#: distinct probabilities per entry and corner, so a wrong entry or corner is visible
TABLE = {"write_wer": [2e-6, 8e-6], "read_disturb": [3e-12, 5e-11],
         "and2_disturb": [7e-12, 9e-11], "or2_disturb": [4e-12, 6e-11],
         "xnor2_disturb": [5e-12, 7e-11]}


def _with_table(arch: str, table=TABLE):
    lut = io.read_lut(DATA / E.DEFAULT_LUTS[arch])
    lut = dataclasses.replace(lut, mc={k: v for k, v in lut.mc.items() if k != R.EXPERIMENT})
    datasets = {k: np.array(v) for k, v in table.items()}
    summary = McSummary(R.EXPERIMENT, attrs={"write_method": "importance sampling",
                                             "read_method": "adaptive multilevel splitting"},
                        datasets=datasets, dims={k: ("temperature_k",) for k in datasets},
                        coords={"temperature_k": CORNERS})
    return dataclasses.replace(lut, mc={**lut.mc, R.EXPERIMENT: summary})


def _hand_count(est, corner: int) -> float:
    """Every per-image op count of every layer times its probability, by hand."""
    p = {"write": "write_wer", "kernel_write": "write_wer", "bank_write": "write_wer",
         "buffer_write": "write_wer", "preset": "write_wer", "read": "read_disturb",
         "bank_read": "read_disturb", "kernel_read": "read_disturb",
         "sum_i_read": "read_disturb", "buffer_read": "read_disturb",
         "and2": "and2_disturb", "or2": "or2_disturb", "xnor2": "xnor2_disturb"}
    return sum(n * TABLE[p[k]][corner] for layer in est.layers for k, n in layer.ops.items()
               if k in p)


@pytest.mark.parametrize("arch,net", [("imce", "svhn"), ("corn", "cifar10-bnn")])
def test_bit_errors_equal_the_hand_count(arch, net):
    est = E.estimate(net, arch, lut=_with_table(arch))
    data = est.to_json()
    expect = _hand_count(est, 0)
    assert expect > 0
    assert data["bit_errors_per_image"] == pytest.approx(expect, rel=1e-12)
    assert sum(data["bit_errors_by_op"].values()) == pytest.approx(expect, rel=1e-12)
    assert "importance sampling" in data["bit_errors_note"]
    assert "splitting" in data["bit_errors_note"]
    json.dumps(data, allow_nan=False)
    # linear in every probability: doubling the table doubles the errors
    doubled = {k: [2 * x for x in v] for k, v in TABLE.items()}
    est2 = E.estimate(net, arch, lut=_with_table(arch, doubled))
    assert est2.to_json()["bit_errors_per_image"] == pytest.approx(2 * expect, rel=1e-12)


def test_corner_is_the_operating_temperature_or_the_next_hotter():
    lut = _with_table("imce")
    hot = E.estimate("svhn", "imce", lut=lut, overrides={"operating.temperature_k": 358.0})
    assert hot.bit_errors["corner_k"] == 358.0
    assert hot.bit_errors["total"] == pytest.approx(_hand_count(hot, 1), rel=1e-12)
    warm = E.estimate("svhn", "imce", lut=lut, overrides={"operating.temperature_k": 320.0})
    assert warm.bit_errors["corner_k"] == 358.0     # upper bound, never the colder corner
    with pytest.raises(LutError, match="above every corner"):
        R.reliability_corner(lut, 400.0)


def test_old_lut_reports_null_and_names_the_command():
    lut = io.read_lut(DATA / E.DEFAULT_LUTS["imce"])
    lut = dataclasses.replace(lut, mc={k: v for k, v in lut.mc.items() if k != R.EXPERIMENT})
    with pytest.raises(LutError, match=r"spincim lut build --tech 45nm"):
        R.bit_errors_per_image(lut, {"write": 1})
    data = E.estimate("svhn", "imce", lut=lut).to_json()
    assert data["bit_errors_per_image"] is None and data["bit_errors_by_op"] is None
    assert "no reliability table" in data["bit_errors_note"]
    assert "spincim lut build --tech 45nm" in data["bit_errors_note"]
    assert data["energy_per_image_j"] > 0      # energy and latency do not need the table


def test_cli_json_and_text(tmp_path, capsys):
    path = tmp_path / "rel.h5"
    io.write_lut(_with_table("imce"), path)
    argv = ["estimate", "--network", "svhn", "--arch", "imce", "--lut", str(path)]
    assert cli.main([*argv, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["bit_errors_per_image"] > 0
    assert cli.main(argv) == 0
    text = capsys.readouterr().out
    assert "bit_errors_per_image" in text and "bit errors: expected bit errors" in text


def test_read_disturb_grows_with_the_column_sense_time():
    """A read current flows as long as the column sense: past the table's window
    (attribute read_s) each read disturb scales by column latency / read_s; a short
    column keeps the table's value."""
    from spincim.lut.interp import value

    lut = _with_table("imce")
    summary = lut.mc[R.EXPERIMENT]
    summary = dataclasses.replace(summary, attrs={**summary.attrs, "read_s": 1.5e-9})
    lut = dataclasses.replace(lut, mc={**lut.mc, R.EXPERIMENT: summary})
    short = E.estimate("svhn", "imce", lut=lut, overrides={"array.rows": 64}).to_json()
    tall = E.estimate("svhn", "imce", lut=lut, overrides={"array.rows": 1024}).to_json()
    t_and = value(lut, "column_and2", "latency_s", rows=1024)
    assert t_and > 1.5e-9                                  # the 1024-row AND is longer
    want = TABLE["and2_disturb"][0] * t_and / 1.5e-9
    layer_ands = sum(l["ops"].get("and2", 0) for l in tall["layers"])
    assert tall["bit_errors_by_op"]["and2"] == pytest.approx(layer_ands * want, rel=1e-9)
    short_ands = sum(l["ops"].get("and2", 0) for l in short["layers"])
    assert value(lut, "column_and2", "latency_s", rows=64) < 1.5e-9
    assert short["bit_errors_by_op"]["and2"] == pytest.approx(
        short_ands * TABLE["and2_disturb"][0], rel=1e-9)
    assert "and2 x" in tall["bit_errors_note"] and "none longer" in short["bit_errors_note"]

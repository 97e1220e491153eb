"""Checkpoint files: exact round trips, refusal of foreign runs, resume of library runs."""

import math
import sqlite3

import numpy as np
import pytest

from spincim.characterize import checkpoint as C
from spincim.characterize import opdata, write
from spincim.errors import ParameterError


def _ck(path, **params):
    return C.Checkpoint(path, kind="test", parameters={"seed": 1, **params})


def test_values_round_trip_bit_for_bit(tmp_path):
    value = {"v": np.array([0.1, -0.0, np.nan, np.inf, 5e-324]),
             "i": np.arange(3, dtype=np.int32), "flags": np.array([True, False]),
             "f": 0.1 + 0.2, "nan": math.nan, "n": 7, "s": "x", "none": None,
             "tuple": (1, 2.5, "a"), "list": [np.float64(1.5), np.int64(3)],
             "op": opdata.OpCharacterization(
                 op="read", axes=(opdata.AxisSpec("vdd_v", (0.9, 1.0), "V", 1.0),),
                 energy_j=np.array([1e-15, 2e-15]), latency_s=np.array([1e-9, 2e-9]),
                 description="d", criterion="c", netlist_sha256={"a": "0" * 64})}
    with _ck(tmp_path / "c.db") as ck:
        ck.put("s", 3, value)
    with _ck(tmp_path / "c.db") as ck:
        back = ck.get("s", 3)
        assert ck.count() == 1 and ck.done("other") == {}
    np.testing.assert_array_equal(back["v"], value["v"])
    assert back["v"].tobytes() == value["v"].tobytes()
    assert back["i"].dtype == np.int32 and back["flags"].dtype == bool
    assert back["f"] == value["f"] and math.isnan(back["nan"])
    assert back["tuple"] == (1, 2.5, "a") and isinstance(back["tuple"], tuple)
    assert isinstance(back["list"][0], np.float64) and back["list"][1] == 3
    op = back["op"]
    assert isinstance(op, opdata.OpCharacterization) and op.axes[0].values == (0.9, 1.0)
    np.testing.assert_array_equal(op.energy_j, value["op"].energy_j)


def test_unstorable_values_are_refused(tmp_path):
    with _ck(tmp_path / "c.db") as ck:
        with pytest.raises(ParameterError, match="cannot store"):
            ck.put("s", 0, object())
        with pytest.raises(ParameterError, match="string keys"):
            ck.put("s", 0, {1: 2})
        assert ck.count() == 0


def test_other_parameters_are_refused_with_the_differing_names(tmp_path):
    path = tmp_path / "c.db"
    _ck(path, trials=100).close()
    with pytest.raises(ParameterError, match=r"different parameters \(trials differ\)"):
        _ck(path, trials=101)
    with pytest.raises(ParameterError, match="belongs to a 'test' run"):
        C.Checkpoint(path, kind="mc majority", parameters={"seed": 1, "trials": 100})
    with _ck(path, trials=100) as ck:  # the same run opens fine
        assert ck.count() == 0


def test_not_a_checkpoint_is_a_clear_error(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ParameterError, match="not a spincim checkpoint"):
        _ck(junk)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE x (a)")
    with pytest.raises(ParameterError, match="not a spincim checkpoint"):
        _ck(other)
    with pytest.raises(ParameterError, match="is a directory"):
        _ck(tmp_path)
    with pytest.raises(ParameterError, match="does not exist"):
        _ck(tmp_path / "missing" / "c.db")


def test_parameter_hash_ignores_key_order_but_not_values():
    a = C.parameters_hash({"a": 1, "b": [0.1, 2]})
    assert a == C.parameters_hash({"b": [0.1, 2], "a": 1})
    assert a != C.parameters_hash({"a": 1, "b": [0.1, 3]})
    with pytest.raises(ParameterError, match="run parameter"):
        C.parameters_hash({"a": object()})


def test_wer_sweep_resumes_to_the_same_result(device, tmp_path):
    kw = dict(currents_a=[150e-6, 200e-6], pulses_s=[1e-9, 2e-9], runs=32, seed=4)
    plain = write.wer_sweep(device, **kw)
    path = tmp_path / "w.db"
    first = write.wer_sweep(device, **kw, checkpoint=path)
    with sqlite3.connect(path) as db:  # as if killed after two of the four points
        db.execute("DELETE FROM chunks WHERE idx >= 2")
    with C.Checkpoint(path, kind="mc write", parameters=write._parameters(
            device, mode="sweep", currents_a=kw["currents_a"], pulses_s=kw["pulses_s"],
            runs=32, seed=4)) as ck:
        assert sorted(ck.done("points")) == [0, 1]
    resumed = write.wer_sweep(device, **kw, checkpoint=path)

    def strip(r):  # NaN (no switch: no median time) compared as a value, not an object
        return [[{k: (None if isinstance(v, float) and math.isnan(v) else v)
                  for k, v in p.items() if k != "wall_s"} for p in row]
                for row in r["points"]]

    assert strip(first) == strip(plain) == strip(resumed)
    assert resumed["wer"] == plain["wer"]
    with pytest.raises(ParameterError, match="different parameters"):
        write.wer_sweep(device, **{**kw, "runs": 33}, checkpoint=path)

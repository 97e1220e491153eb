"""LUT build from ngspice: a quick rebuild agrees with the shipped defaults."""

from importlib import resources

import numpy as np
import pytest

from spincim.lut import build, io, summary

pytestmark = pytest.mark.ngspice

#: ops characterized identically by the quick and the full grid at their shared points.
#: (none excluded: the quick grid simulates its first and last sizes with the same netlists
#: as the full grid).
EXCLUDED: set[str] = set()


def _shipped(tech: str):
    path = resources.files("spincim.lut") / "data" / f"default_{tech}.h5"
    return io.read_lut(str(path))


@pytest.mark.parametrize("tech", ["45nm", "22nm"])
def test_quick_rebuild_matches_shipped_default(tech, tmp_path, quick45):
    shipped = _shipped(tech)
    assert "spincim lut build" in shipped.provenance["command_line"]
    assert shipped.provenance["parameters"]["quick"] is False
    quick = quick45 if tech == "45nm" else build.build(tech, quick=True)
    path = tmp_path / "quick.h5"
    io.write_lut(quick, path)
    d = summary.diff(shipped, io.read_lut(path))
    assert not d["only_in_a"] and not d["only_in_b"]
    for op, entry in d["ops"].items():
        if op in EXCLUDED:
            continue
        for q in ("energy_j", "latency_s"):
            assert entry[q]["shared_points"] > 0, (op, q)
            # same netlists at the same grid points: only solver noise may differ
            assert entry[q]["max_rel"] < 1e-3, (op, q, entry[q])


def test_shipped_defaults_are_physical():
    lut = _shipped("45nm")
    nominal = summary.nominal_values(lut)
    assert nominal["write_p_to_ap"]["energy_j"] > 10 * nominal["read"]["energy_j"]
    e = lut.ops["read"].energy_j  # (vdd, temperature)
    assert np.all(np.diff(e, axis=0) > 0)  # energy rises with VDD
    rows = lut.ops["bitline"].energy_j
    assert np.all(np.diff(rows) > 0)  # and with array rows
    lut22 = _shipped("22nm")
    prog = lut22.ops["majority_program"].energy_j
    assert np.all(np.diff(prog, axis=-1) > 0)  # majority PROGRAM energy rises with n_on


@pytest.mark.parametrize("tech", ["45nm", "22nm"])
def test_shipped_periphery_simulated_at_every_size_and_corner(tech):
    """Every decoder / word-line / bit-line value of the shipped LUT names the netlist it
    came from (sha256 in the provenance): each size and corner was simulated, none scaled."""
    lut = _shipped(tech)
    hashes = lut.provenance["netlist_sha256"]
    for op, size_axis in (("decoder", "rows"), ("bitline", "rows"), ("wordline", "cols")):
        table = lut.ops[op]
        assert table.axes == ("vdd_v", "temperature_k", size_axis)
        vdds, temps, sizes = (lut.axes[a].values for a in table.axes)
        assert list(sizes) == [64, 128, 256, 512, 1024] and len(vdds) == 3 and len(temps) == 2
        for v in vdds:
            for t in temps:
                for n in sizes:
                    key = f"{op}/{op}_{int(n)}_vdd{v:.3g}_t{t:.0f}"
                    assert len(hashes[key]) == 64, key
        assert np.all(np.diff(table.energy_j, axis=-1) > 0), op   # grows with the line


@pytest.mark.parametrize("tech", ["45nm", "22nm"])
def test_shipped_sense_path_simulated_at_every_height_and_corner(tech):
    """Every column sense of the shipped LUT at every grid height and corner comes from a
    bench of that height (one sha256 per stored pattern), read every pattern right, and
    takes longer on a taller column."""
    lut = _shipped(tech)
    hashes = lut.provenance["netlist_sha256"]
    for name in ("read", "and2", "or2", "xnor2"):
        op = f"column_{name}"
        table = lut.ops[op]
        assert table.axes == ("vdd_v", "temperature_k", "rows")
        vdds, temps, sizes = (lut.axes[a].values for a in table.axes)
        assert list(sizes) == [64, 128, 256, 512, 1024] and len(vdds) == 3 and len(temps) == 2
        patterns = [k for k in hashes if k.startswith(f"{op}/") and k.endswith(
            f"_64_vdd{vdds[0]:.3g}_t{temps[0]:.0f}")]
        assert len(patterns) == (2 if name == "read" else 4), patterns
        for v in vdds:
            for t in temps:
                for n in sizes:
                    for p in patterns:
                        key = p.replace(f"_64_vdd{vdds[0]:.3g}_t{temps[0]:.0f}",
                                        f"_{int(n)}_vdd{v:.3g}_t{t:.0f}")
                        assert len(hashes[key]) == 64, key
        assert "wrong logic outputs (VDD, T, pattern, rows): none" in table.description
        assert np.all(np.diff(table.latency_s, axis=-1) > 0), op


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _strings(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _strings(v)


@pytest.mark.parametrize("tech", ["45nm", "22nm"])
def test_shipped_provenance_names_no_machine_path(tech):
    prov = _shipped(tech).provenance
    for text in _strings(prov):
        assert not text.startswith("/") and ":\\" not in text, text


def test_same_seed_gives_identical_datasets(tmp_path, quick45):
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    io.write_lut(quick45, a)
    io.write_lut(build.build("45nm", quick=True, seed=3), b)
    la, lb = io.read_lut(a), io.read_lut(b)
    for name in la.ops:
        assert np.array_equal(la.ops[name].energy_j, lb.ops[name].energy_j), name
        assert np.array_equal(la.ops[name].latency_s, lb.ops[name].latency_s), name
    for key, value in la.mc["sense_margin"].attrs.items():
        assert value == lb.mc["sense_margin"].attrs[key], key


def test_reliability_table_per_read_op_and_corner(tmp_path, quick45):
    """The build step 'reliability': WER and read disturb over the LUT's temperatures, the
    estimators in the provenance, through the file and into the estimator."""
    from spincim.estimator import reliability

    path = tmp_path / "q.h5"
    io.write_lut(quick45, path)
    lut = io.read_lut(path)
    rel = lut.mc[build.RELIABILITY]
    temps = lut.axes["temperature_k"].values
    assert np.array_equal(rel.coords["temperature_k"], temps)
    for name in ("write_wer", "read_disturb", "and2_disturb", "or2_disturb", "xnor2_disturb"):
        p, lo, hi = (rel.datasets[name + s] for s in ("", "_ci95_lo", "_ci95_hi"))
        assert p.shape == temps.shape and np.all((lo <= p) & (p <= hi)), name
    # IMCE's 120 uA, 7 ns write misses often at 300 K (percent level, ops.py WRITE_PULSE_S);
    # a read disturbs far less (Delta = 40.5)
    assert 1e-3 < rel.datasets["write_wer"][0] < 0.1
    assert 0 < rel.datasets["read_disturb"][0] < 1e-9
    methods = lut.provenance["parameters"]["reliability_methods"]
    assert methods == {"write_method": "importance sampling",
                       "read_method": "adaptive multilevel splitting"}
    errors = reliability.bit_errors_per_image(lut, {"write": 10, "read": 100, "and2": 7})
    d = rel.datasets
    assert errors["total"] == pytest.approx(10 * d["write_wer"][0] + 100 * d["read_disturb"][0]
                                            + 7 * d["and2_disturb"][0], rel=1e-12)

"""Energy/latency/area estimator: linearity in the LUT, hand-counted prices, CLI contract."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spincim import cli
from spincim.errors import LutError, ParameterError
from spincim.estimator import energy as E
from spincim.estimator import report
from spincim.lut import io
from spincim.lut.interp import value
from spincim.lut.schema import Lut, OpTable

DATA = Path(E.__file__).resolve().parent.parent / "lut" / "data"
CASES = [("imce", "svhn", "1:1"), ("imce", "svhn", "2:2"), ("imce", "mnist", "1:3"),
         ("corn", "cifar10-bnn", "1:1"), ("imc-dpu", "cifar10-bnn", "1:1")]


def _scaled(lut: Lut, energy: float = 1.0, latency: float = 1.0) -> Lut:
    ops = {k: OpTable(t.op, t.axes, t.energy_j * energy, t.latency_s * latency, t.description)
           for k, t in lut.ops.items()}
    return dataclasses.replace(lut, ops=ops)


def _lut(arch: str) -> Lut:
    return io.read_lut(DATA / E.DEFAULT_LUTS[arch])


def _e(lut, op, **axes):
    return value(lut, op, "energy_j", **axes)


def _t(lut, op, **axes):
    return value(lut, op, "latency_s", **axes)


@pytest.mark.parametrize("arch,net,bits", CASES)
def test_energy_linear_in_lut(arch, net, bits):
    """Doubling every LUT energy doubles every non-host energy; latency is untouched."""
    lut = _lut(arch)
    a = E.estimate(net, arch, bits=bits, lut=lut)
    b = E.estimate(net, arch, bits=bits, lut=_scaled(lut, energy=2.0))
    ca, cb = a.energy_by_category(), b.energy_by_category()
    for cat in E.CATEGORIES:
        want = ca[cat] if cat == "host" else 2 * ca[cat]
        assert cb[cat] == pytest.approx(want, rel=1e-12), cat
    assert b.latency_per_image_s == pytest.approx(a.latency_per_image_s, rel=1e-12)
    assert b.weight_load_j == pytest.approx(2 * a.weight_load_j, rel=1e-12)
    assert sum(v for k, v in ca.items() if k != "host") > 0


@pytest.mark.parametrize("arch,net,bits", CASES)
def test_latency_linear_in_lut(arch, net, bits):
    """Tripling every LUT latency triples the time of every non-host layer."""
    lut = _lut(arch)
    a = E.estimate(net, arch, bits=bits, lut=lut)
    b = E.estimate(net, arch, bits=bits, lut=_scaled(lut, latency=3.0))
    for la, lb in zip(a.layers, b.layers):
        if la.where == "host":
            assert lb.latency_s == la.latency_s
        else:
            assert lb.latency_s == pytest.approx(3 * la.latency_s, rel=1e-9), la.name


def test_imce_and_energy_equals_hand_count():
    """SVHN conv2 at 1:1: AND energy = N_and x E_column_and2(256 rows)
    + row pairs x (one decode + two word lines of the 256 x 256 sub-array)."""
    lut = _lut("imce")
    est = E.estimate("svhn", "imce", bits="1:1", lut=lut)
    layer = next(l for l in est.layers if l.name == "conv2")
    n = 64 * 9                                   # window of conv2: 64 channels x 3x3
    pixels, cout = 18 * 18, 64     # conv0 5x5 VALID: 40 -> 36, pool0 -> 18; SAME conv2
    segs = 3                                     # 576 bits in rows of 256 columns
    col = _e(lut, "column_and2", rows=256)
    row = _e(lut, "decoder", rows=256) + 2 * _e(lut, "wordline", cols=256)
    want = pixels * cout * n * col + pixels * cout * segs * row
    assert layer.energy_by_category["and_xnor"] == pytest.approx(want, rel=1e-12)


def test_lut_without_column_ops_prices_the_lumped_sense_plus_bit_line():
    """A LUT built before the per-height sense ops: the AND is the 10 fF sense op plus the
    bit line op at the array's rows (and the column ops differ from that composition)."""
    lut = _lut("imce")
    old = dataclasses.replace(lut, ops={k: t for k, t in lut.ops.items()
                                        if not k.startswith("column_")})
    a = E.estimate("svhn", "imce", bits="1:1", lut=lut)
    b = E.estimate("svhn", "imce", bits="1:1", lut=old)
    la = next(l for l in a.layers if l.name == "conv2")
    lb = next(l for l in b.layers if l.name == "conv2")
    d = la.ops["and2"] * (_e(lut, "column_and2", rows=256)
                          - _e(lut, "and2") - _e(lut, "bitline", rows=256))
    got = la.energy_by_category["and_xnor"] - lb.energy_by_category["and_xnor"]
    assert got == pytest.approx(d, rel=1e-9) and abs(d) > 0


def test_bit_lines_priced_at_the_array_size():
    """Rows 256 -> 512 changes each AND by E_column_and2(512) - E_column_and2(256), each row
    pair by the decoder difference."""
    lut = _lut("imce")
    a = E.estimate("mnist", "imce", lut=lut)
    b = E.estimate("mnist", "imce", lut=lut, overrides={"array.rows": 512})
    la = next(l for l in a.layers if l.name == "conv2")
    lb = next(l for l in b.layers if l.name == "conv2")
    d_col = _e(lut, "column_and2", rows=512) - _e(lut, "column_and2", rows=256)
    d_row = _e(lut, "decoder", rows=512) - _e(lut, "decoder", rows=256)
    want = la.ops["and2"] * d_col + la.ops["row_pair"] * d_row
    got = lb.energy_by_category["and_xnor"] - la.energy_by_category["and_xnor"]
    assert lb.ops["and2"] == la.ops["and2"] and got == pytest.approx(want, rel=1e-9)


def test_corn_majority_energy_uses_binomial_mean():
    lut = _lut("corn")
    est = E.estimate("cifar10-bnn", "corn", lut=lut)
    layer = next(l for l in est.layers if l.name == "conv2")
    mean = sum(math.comb(9, k) * _e(lut, "majority_program", n_on=k) for k in range(10)) / 512
    m = layer.ops["majority_program"]
    assert m == 32 * 32 * 128 * sum([128, 15, 2, 1])
    rows = 32 * 32 * 336 * (_e(lut, "decoder", rows=1024) + _e(lut, "wordline", cols=512))
    want = m * mean + m * _e(lut, "preset") + rows
    assert layer.energy_by_category["majority_write"] == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("design", ["comparator", "popcount", "corn-ptm"])
def test_majority_design_prices_its_own_ops(design):
    """buffer.majority selects the design's LUT ops: a decide design's decide-and-write
    op (binomial mean) and no PRESET; a threshold variant its own PRESET and PROGRAM."""
    from spincim.netlists import majority_designs

    lut = _lut("corn")
    ops = majority_designs.entry(design).ops
    est = E.estimate("cifar10-bnn", "corn", lut=lut, overrides={"buffer.majority": design})
    layer = next(l for l in est.layers if l.name == "conv2")
    m = layer.ops["majority_program"]
    op = ops.get("write") or ops["program"]
    mean = sum(math.comb(9, k) * _e(lut, op, n_on=k) for k in range(10)) / 512
    preset = _e(lut, ops["preset"]) if "preset" in ops else 0.0
    rows = 32 * 32 * 336 * (_e(lut, "decoder", rows=1024) + _e(lut, "wordline", cols=512))
    want = m * mean + m * preset + rows
    assert layer.energy_by_category["majority_write"] == pytest.approx(want, rel=1e-12)
    phases = dict(layer.phases_s)
    t_op = max(_t(lut, op, n_on=k) for k in range(10))
    act = _t(lut, "decoder", rows=1024) + _t(lut, "wordline", cols=512)
    step = (_t(lut, ops["preset"]) if "preset" in ops else 0.0) + t_op + act
    read = act + _t(lut, "column_read", rows=1024)
    assert phases["majority level 4"] == pytest.approx(1024 * max(3 * step, 5 * read),
                                                       rel=1e-12)
    drv = sum(lut.areas[a].area_m2 for a in majority_designs.entry(design).areas)
    base = E.estimate("cifar10-bnn", "corn", lut=lut)
    corn_drv = sum(lut.areas[a].area_m2 for a in majority_designs.entry("corn").areas)
    n_drv = 56 * sum(l.arrays for l in base.layers if l.arrays)
    assert est.area_m2 - base.area_m2 == pytest.approx(n_drv * (drv - corn_drv), rel=1e-9)


def test_majority_design_key_is_checked():
    with pytest.raises(ParameterError) as err:
        E.estimate("cifar10-bnn", "corn", overrides={"buffer.majority": "nope"})
    assert err.value.field == "buffer.majority" and "popcount" in str(err.value)
    with pytest.raises(ParameterError) as err:
        E.estimate("cifar10-bnn", "corn", overrides={"buffer.majority": 3})
    assert err.value.field == "buffer.majority"


def test_corn_norm_bin_decides_one_bit():
    """After a majority only the sign of gamma is left: one FA (an XOR bound) per output."""
    lut = _lut("corn")
    est = E.estimate("cifar10-bnn", "corn", lut=lut)
    layer = next(l for l in est.layers if l.name == "conv3")
    assert layer.energy_by_category["dpu"] == pytest.approx(256 * 256 * _e(lut, "fa"),
                                                            rel=1e-12)


def test_corn_buffer_step_time_from_the_lut():
    """conv2, level 4 of the tree: ceil(128/56) = 3 buffer rows per window over 1024
    windows, each PRESET + the longest PROGRAM + one row activation of the 1024 x 512
    buffer; it reads the ceil(256/56) = 5 rows of level 3 meanwhile (pipelined)."""
    lut = _lut("corn")
    est = E.estimate("cifar10-bnn", "corn", lut=lut)
    phases = dict(next(l for l in est.layers if l.name == "conv2").phases_s)
    t_prog = max(_t(lut, "majority_program", n_on=k) for k in range(10))
    act = _t(lut, "decoder", rows=1024) + _t(lut, "wordline", cols=512)
    step = _t(lut, "preset") + t_prog + act
    read = act + _t(lut, "column_read", rows=1024)
    assert phases["majority level 4"] == pytest.approx(1024 * max(3 * step, 5 * read),
                                                       rel=1e-12)


def test_host_overlap_sets_the_image_interval():
    est = E.estimate("cifar10-bnn", "corn")
    host = sum(l.latency_s for l in est.layers if l.where == "host")
    assert host == pytest.approx(32 * 32 * 128 * 27 / 5.2043e9, rel=1e-12)
    assert est.image_interval_s == pytest.approx(max(host, est.latency_per_image_s - host),
                                                 rel=1e-12)
    serial = E.estimate("cifar10-bnn", "corn", overrides={"host.overlap": False})
    assert serial.image_interval_s == serial.latency_per_image_s


def test_clock_rounds_every_step_up():
    base = E.estimate("mnist", "imce")
    clocked = E.estimate("mnist", "imce", overrides={"timing.clock_hz": 1e8})   # 10 ns
    for a, b in zip(base.layers, clocked.layers):
        for pa, pb in zip(a.phases, b.phases):
            assert pb[4] == pytest.approx(10e-9 * math.ceil(pa[4] / 10e-9 - 1e-9), rel=1e-9)
    assert clocked.energy_per_image_j == base.energy_per_image_j


def test_more_input_bits_cost_more():
    e = [E.estimate("svhn", "imce", bits=f"1:{i}").energy_per_image_j for i in (1, 2, 3, 4)]
    assert e == sorted(e) and e[0] < e[-1]


def test_missing_op_is_a_clear_error():
    lut = _lut("imce")                          # the 45 nm LUT has no majority ops
    with pytest.raises(LutError, match="majority_program|preset"):
        E.estimate("cifar10-bnn", "corn", lut=lut)


@pytest.mark.parametrize("bits", ["2", "0:1", "a:b", "1:17", "1:1:1", ""])
def test_bad_bits(bits):
    with pytest.raises(Exception, match="bits"):
        E.parse_bits(bits)


def _run(argv, capsys):
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_json_contract(capsys):
    code, out, _ = _run(["estimate", "--network", "cifar10-bnn", "--arch", "imc-dpu",
                         "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    for key in ("network", "arch", "bits", "layers", "energy_per_image_j",
                "latency_per_image_s", "images_per_s", "power_w", "images_per_s_per_w",
                "energy_by_category_j", "area_m2", "area_by_component_m2", "weight_load_j",
                "hardware", "lut", "image_interval_s", "architecture"):
        assert key in data
    assert set(data["hardware"]) >= {"rows", "cols", "buffer_rows", "replicas", "dpu_lanes"}
    assert set(data["lut"]) >= {"path", "sha256"} and len(data["lut"]["sha256"]) == 64
    for layer in data["layers"]:
        assert {"name", "where", "ops", "energy_j", "latency_s", "energy_by_category_j",
                "arrays", "phases_s"} <= set(layer)
        assert layer["latency_s"] == pytest.approx(sum(layer["phases_s"].values()), rel=1e-12)
    total = sum(l["energy_j"] for l in data["layers"])
    assert data["energy_per_image_j"] == pytest.approx(total, rel=1e-12)
    assert data["images_per_s_per_w"] == pytest.approx(1 / total, rel=1e-12)


@pytest.mark.parametrize("argv,needle", [
    (["--network", "resnet9000", "--arch", "imce"], "unknown network"),
    (["--network", "svhn", "--arch", "tpu"], "unknown architecture"),
    (["--network", "svhn", "--arch", "imce", "--bits", "x"], "bits"),
    (["--network", "svhn", "--arch", "imce", "--lut", "no_such.h5"], "does not exist"),
])
def test_cli_bad_input(argv, needle, capsys):
    code, out, err = _run(["estimate", *argv], capsys)
    assert code == 2 and out == ""
    assert needle in err and "Traceback" not in err and err.count("\n") == 1


@pytest.mark.parametrize("text,suffix", [
    ('{"input_shape": [1, 8, 8], "layers": [{"type": "conv"}]}', ".json"),
    ("input_shape = [1, 8, 8]\n[[layers]]\ntype = 'conv'\nname = 'c'\nout_ch = -3\n"
     "kernel = 3\n", ".toml"),
    ("this is not toml [", ".toml"),
])
def test_cli_malformed_network_file(tmp_path, capsys, text, suffix):
    path = tmp_path / f"net{suffix}"
    path.write_text(text)
    code, _, err = _run(["estimate", "--network", str(path), "--arch", "imce"], capsys)
    assert code == 2 and err.startswith("error:") and "Traceback" not in err


def test_cli_user_network_file(tmp_path, capsys):
    path = tmp_path / "tiny.toml"
    path.write_text("name = 'tiny'\ninput = [2, 8, 8]\n"
                    "[[layers]]\ntype = 'conv'\nname = 'c1'\nin_ch = 2\nout_ch = 4\n"
                    "in_h = 8\nin_w = 8\nkernel = 3\npadding = 1\n"
                    "[[layers]]\ntype = 'conv'\nname = 'c2'\nin_ch = 4\nout_ch = 4\n"
                    "in_h = 8\nin_w = 8\nkernel = 3\npadding = 1\n"
                    "[[layers]]\ntype = 'fc'\nname = 'f'\nin_features = 256\n"
                    "out_features = 10\n")
    code, out, _ = _run(["estimate", "--network", str(path), "--arch", "imce", "--bits", "1:2",
                         "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert [l["name"] for l in data["layers"]] == ["c1", "c2", "f"]
    assert data["layers"][1]["ops"]["and2"] == 64 * 4 * 36 * 1 * 2   # P Cout N w i


def test_cli_hardware_options(capsys):
    base = json.loads(_run(["estimate", "--network", "svhn", "--arch", "imce",
                            "--json"], capsys)[1])
    code, out, _ = _run(["estimate", "--network", "svhn", "--arch", "imce",
                         "--replicas", "4", "--cols", "128", "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["hardware"]["replicas"] == 4 and data["hardware"]["cols"] == 128
    assert data["architecture"]["array"]["parallel"] == 4
    # four 256 x 128 sub-arrays hold twice the cells of one 256 x 256
    cell = 256 * 256 * E._area(_lut("imce"), "sot_2t1r_cell")
    assert (data["area_by_component_m2"]["compute_arrays"]
            - base["area_by_component_m2"]["compute_arrays"]) > cell
    assert data["latency_per_image_s"] < base["latency_per_image_s"]
    code, _, err = _run(["estimate", "--network", "svhn", "--arch", "imce", "--rows", "300"],
                        capsys)
    assert code == 2 and "grid value" in err and "array.rows" in err


def test_cli_plot(tmp_path, capsys):
    png = tmp_path / "est.png"
    code, _, _ = _run(["estimate", "--network", "svhn", "--arch", "imce", "--plot", str(png)],
                      capsys)
    assert code == 0 and png.stat().st_size > 10_000


def test_cli_estimate_is_fast():
    """The whole command, interpreter start included (target <= 1 s on an idle machine;
    bound with slack for a shared one: bench/estimate_sweep.py measures it)."""
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "spincim.cli", "estimate", "--network",
                           "alexnet", "--arch", "imce", "--json"], capture_output=True,
                          text=True, check=False)
    wall = time.perf_counter() - t0
    assert done.returncode == 0, done.stderr
    assert wall < 4.0


def test_single_estimate_does_not_import_scipy():
    """Grid-point lookups read the LUT directly: SciPy's start-up (~0.5-1 s) is not paid."""
    code = ("import sys, io, contextlib; from spincim import cli\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    rc = cli.main(['estimate', '--network', 'svhn', '--arch', 'imce', '--json'])\n"
            "print(rc, 'scipy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.stdout.split() == ["0", "False"], done.stderr


def test_paper_report(tmp_path):
    path = report.paper_report(tmp_path)
    text = path.read_text()
    for needle in ("IMCE Table II", "IMCE Fig. 9", "CORN Table I", "785.25", "159.4",
                   "3.78 ms", "3.42 ms", "hierarchical majority-of-nine", "Scopes",
                   "Decomposition", "The majority write at room temperature",
                   "buffer.majority = popcount", "four inputs on"):
        assert needle in text, needle
    assert (tmp_path / "imce_fig9.png").stat().st_size > 10_000


def test_paper_comparison_decomposes_every_gap():
    rows = report.paper_comparison()
    assert {r.figure for r in rows} >= {"IMCE Table II svhn energy", "CORN Table I corn total"}
    for r in rows:
        assert r.scope
        if r.outside:
            assert r.causes, r.figure
            factors = [c.value for c in r.causes if c.unit == "x"]
            if len(factors) > 1:         # multiplicative causes multiply to the ratio
                assert math.prod(factors) == pytest.approx(r.ratio, rel=1e-9), r.figure
            for c in r.causes:
                assert math.isfinite(c.value) and c.name and c.text
    conv1 = next(r for r in rows if r.figure == "CORN Table I corn conv1")
    assert conv1.ours == pytest.approx(0.68, rel=1e-4)      # the host rate is Table I's


def test_corn_table1_inconsistency_from_the_quoted_rows():
    c = report.corn_table1_consistency()
    assert c["corn"]["rows_sum_ms"] == pytest.approx(0.68 + 2.21 + 0.89, abs=1e-12)
    assert c["corn"]["rows_sum_ms"] - c["corn"]["total_ms"] == pytest.approx(0.36, abs=1e-9)
    for arch in ("fpga", "imc-dpu"):
        assert c[arch]["rows_sum_ms"] == pytest.approx(c[arch]["total_ms"], abs=1e-9)
        # the stated speedups (1.74x, 2.12x) round the ratio of the totals, not the sums
        sp = c["speedups"][arch]
        assert round(sp["from_totals"], 2) == sp["stated"]
        assert round(sp["from_row_sums"], 2) != sp["stated"]


def test_writes_priced_with_the_column_of_the_array():
    """A bit write = mean of the write ops + write_column at the array's rows: adding
    x to write_column's energy adds (bit writes of the layer) x x to its energy, at 256
    and at 1024 rows."""
    lut = _lut("imce")
    t = lut.ops["write_column"]
    bumped = dataclasses.replace(lut, ops={**lut.ops, "write_column": OpTable(
        t.op, t.axes, t.energy_j + 1e-12, t.latency_s, t.description)})
    for rows in (256, 1024):
        over = {"array.rows": rows}
        a = E.estimate("mnist", "imce", lut=lut, overrides=over)
        b = E.estimate("mnist", "imce", lut=bumped, overrides=over)
        assert _e(lut, "write_column", rows=rows) > 0
        checked = 0
        for la, lb in zip(a.layers, b.layers):
            if la.where != "array":
                continue
            writes = sum(la.ops.get(k, 0) for k in ("write", "kernel_write", "bank_write",
                                                      "buffer_write"))
            assert lb.energy_j - la.energy_j == pytest.approx(writes * 1e-12, rel=1e-6,
                                                             abs=1e-24), la.name
            checked += writes > 0
        assert checked
        assert b.weight_load_j > a.weight_load_j


def test_write_path_reports_a_write_above_vdd():
    """The estimate names the write voltage of its column height from the LUT's
    calibration: within VDD at 256 rows, above it at 1024 (45 nm, 1 V, 300 K)."""
    lut = _lut("imce")
    volts = lut.provenance["parameters"]["calibrations"]["write_column"]["v_write_v"]
    for rows, above in ((256, False), (1024, True)):
        est = E.estimate("mnist", "imce", lut=lut, overrides={"array.rows": rows})
        path = est.to_json()["write_path"]
        assert path["rows"] == rows and path["above_vdd"] is above
        assert path["v_write_p_to_ap_v"] == volts[f"b1_{rows}_vdd1_t300"]
        assert ("above VDD" in path["note"]) is above

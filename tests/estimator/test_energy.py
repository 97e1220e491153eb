"""Energy/latency/area estimator: linearity in the LUT, counts, CLI contract and errors."""

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
from spincim.estimator import energy as E
from spincim.errors import LutError, ParameterError
from spincim.estimator import report
from spincim.lut import io
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
    array_part = sum(v for k, v in ca.items() if k != "host")
    assert array_part > 0


@pytest.mark.parametrize("arch,net,bits", CASES)
def test_latency_linear_in_lut(arch, net, bits):
    """Tripling every LUT latency triples the time of every non-host layer."""
    lut = _lut(arch)
    a = E.estimate(net, arch, bits=bits, lut=lut)
    b = E.estimate(net, arch, bits=bits, lut=_scaled(lut, latency=3.0))
    for la, lb in zip(a.layers, b.layers):
        if la.where == "host":
            assert lb.latency_s == la.latency_s
        elif la.energy_by_category["host"] == 0:
            assert lb.latency_s == pytest.approx(3 * la.latency_s, rel=1e-9), la.name


def test_imce_and_energy_equals_hand_count():
    """conv2 of SVHN at 1:1: AND energy = N_and x E_and2 + rows x (decoder + 2 word lines)."""
    lut = _lut("imce")
    est = E.estimate("svhn", "imce", bits="1:1", lut=lut)
    layer = next(l for l in est.layers if l.name == "conv2")
    n = 64 * 9                                   # window of conv2: 64 channels x 3x3
    pixels, cout = 18 * 18, 64     # conv0 5x5 VALID: 40 -> 36, pool0 -> 18; SAME conv2
    assert layer.ops["and2"] == pixels * cout * n
    segs = math.ceil(n / 256)
    from spincim.lut.interp import value
    e_row = value(lut, "decoder", "energy_j", rows=256) + 2 * value(lut, "wordline", "energy_j",
                                                                    cols=256)
    want = pixels * cout * n * value(lut, "and2", "energy_j") + pixels * cout * segs * e_row
    assert layer.energy_by_category["and_xnor"] == pytest.approx(want, rel=1e-12)


def test_corn_majority_energy_uses_binomial_mean():
    lut = _lut("corn")
    est = E.estimate("cifar10-bnn", "corn", lut=lut)
    layer = next(l for l in est.layers if l.name == "conv2")
    from spincim.lut.interp import value
    mean = sum(math.comb(9, k) * value(lut, "majority_program", "energy_j", n_on=k)
               for k in range(10)) / 512
    m = layer.ops["majority_program"]
    assert m == 32 * 32 * 128 * sum([128, 15, 2, 1])
    rows = layer.ops["buffer_row_writes"] * (value(lut, "decoder", "energy_j", rows=1024)
                                             + value(lut, "wordline", "energy_j", cols=512))
    want = m * mean + layer.ops["preset"] * value(lut, "preset", "energy_j") + rows
    assert layer.energy_by_category["majority_write"] == pytest.approx(want, rel=1e-12)


def test_replicas_trade_area_for_latency():
    base = E.estimate("svhn", "imce")
    two = E.estimate("svhn", "imce", hardware=dataclasses.replace(base.hardware, replicas=2))
    for a, b in zip(base.layers, two.layers):
        if a.where == "array" and a.name.startswith("conv"):   # FC: one window, no split
            assert b.latency_s < 0.6 * a.latency_s
            assert b.arrays == 2 * a.arrays
    assert two.energy_per_image_j == pytest.approx(base.energy_per_image_j, rel=1e-12)


def test_more_input_bits_cost_more():
    """IMCE Eq. (3): w x i bit-plane pairs, so the AND energy is exactly i times that of 1:1;
    the host layers do not change; the total grows."""
    ests = {i: E.estimate("svhn", "imce", bits=f"1:{i}") for i in (1, 2, 3, 4)}
    cats = {i: est.energy_by_category() for i, est in ests.items()}
    for i in (2, 3, 4):
        assert cats[i]["and_xnor"] == pytest.approx(i * cats[1]["and_xnor"], rel=1e-12)
        assert cats[i]["host"] == pytest.approx(cats[1]["host"], rel=1e-12)
    e = [ests[i].energy_per_image_j for i in (1, 2, 3, 4)]
    assert e == sorted(e) and e[0] < e[-1]


def test_host_layers_cost_macs_times_the_host_model():
    """SVHN's full-precision edge layers: MACs counted by hand from the layer shapes, times
    CORN's host rate (CIFAR conv1: 32x32 outputs x 128 x 27 MACs in 0.68 ms, CORN Table I)
    and 3.7 + 0.9 pJ per fp32 MAC (Horowitz, ISSCC 2014)."""
    mac_per_s = 32 * 32 * 128 * 27 / 0.68e-3
    est = E.estimate("svhn", "imce", bits="1:1")
    layers = {l.name: l for l in est.layers}
    # conv0: 48 kernels 5x5x3, VALID on 40x40 -> 36x36; fc1: 512 -> 10
    for name, macs in (("conv0", 36 * 36 * 48 * 5 * 5 * 3), ("fc1", 512 * 10)):
        layer = layers[name]
        assert layer.where == "host"
        assert layer.latency_s == pytest.approx(macs / mac_per_s, rel=1e-12), name
        assert layer.energy_j == pytest.approx(macs * 4.6e-12, rel=1e-12), name


def test_missing_op_is_a_clear_error():
    lut = _lut("imce")                          # the 45 nm LUT has no majority ops
    with pytest.raises(LutError, match="majority_program|preset"):
        E.estimate("cifar10-bnn", "corn", lut=lut)


@pytest.mark.parametrize("bits", ["2", "0:1", "a:b", "1:17", "1:1:1", ""])
def test_bad_bits(bits):
    with pytest.raises(ParameterError, match="bits") as info:
        E.parse_bits(bits)
    assert info.value.field == "bits"


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
                "latency_per_image_s", "images_per_s_per_w", "area_m2", "lut"):
        assert key in data
    assert set(data["lut"]) >= {"path", "sha256"} and len(data["lut"]["sha256"]) == 64
    for layer in data["layers"]:
        assert {"name", "ops", "energy_j", "latency_s"} <= set(layer)
    total = sum(l["energy_j"] for l in data["layers"])
    assert data["energy_per_image_j"] == pytest.approx(total, rel=1e-12)
    assert data["images_per_s_per_w"] == pytest.approx(1 / total, rel=1e-12)


@pytest.mark.parametrize("argv,needle", [
    (["--network", "resnet9000", "--arch", "imce"], "unknown network"),
    (["--network", "svhn", "--arch", "tpu"], "invalid choice"),
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
    base = json.loads(_run(["estimate", "--network", "cifar10-bnn", "--arch", "imc-dpu",
                            "--json"], capsys)[1])
    code, out, _ = _run(["estimate", "--network", "cifar10-bnn", "--arch", "imc-dpu",
                         "--replicas", "2", "--cols", "256", "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["hardware"]["replicas"] == 2 and data["hardware"]["cols"] == 256
    assert data["area_m2"] > base["area_m2"]
    conv = [(a, b) for a, b in zip(base["layers"], data["layers"]) if a["name"] == "conv2"]
    assert conv and conv[0][1]["arrays"] > conv[0][0]["arrays"]
    code, _, err = _run(["estimate", "--network", "svhn", "--arch", "imce", "--rows", "300"],
                        capsys)
    assert code == 2 and "grid value" in err


def test_cli_plot(tmp_path, capsys):
    png = tmp_path / "est.png"
    code, _, _ = _run(["estimate", "--network", "svhn", "--arch", "imce", "--plot", str(png)],
                      capsys)
    assert code == 0 and png.stat().st_size > 10_000


def test_cli_estimate_is_fast():
    """The whole command, interpreter start included (target <= 2 s; bound with slack)."""
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "spincim.cli", "estimate", "--network",
                           "alexnet", "--arch", "imce", "--json"], capture_output=True,
                          text=True, check=False)
    wall = time.perf_counter() - t0
    assert done.returncode == 0, done.stderr
    assert wall < 4.0


def _table_rows(text: str, first_cell: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("|")[1:-1]] for line in text.splitlines()
            if line.startswith(f"| {first_cell} |")]


def test_paper_report(tmp_path):
    """Every 'ours' cell equals an estimate computed here; every ratio is ours / paper of
    its own row (the quoted paper figures themselves are not asserted)."""
    path = report.paper_report(tmp_path)
    text = path.read_text()
    assert (tmp_path / "imce_fig9.png").stat().st_size > 10_000
    for net in ("alexnet", "svhn", "mnist"):
        (row,) = _table_rows(text, net)
        est = E.estimate(net, "imce", bits="1:1")
        total_uj = est.energy_per_image_j * 1e6
        array_uj = total_uj - est.energy_by_category()["host"] * 1e6
        area_mm2 = est.area_m2 * 1e6
        assert float(row[1]) == pytest.approx(total_uj, rel=1e-3)      # printed with 4 digits
        assert float(row[2]) == pytest.approx(array_uj, rel=1e-3)
        assert float(row[6]) == pytest.approx(area_mm2, rel=1e-3)
        paper_uj, paper_mm2 = float(row[3]), float(row[7])
        assert float(row[4]) == pytest.approx(total_uj / paper_uj, rel=1e-2)   # 3 digits
        assert float(row[5]) == pytest.approx(array_uj / paper_uj, rel=1e-2)
        assert float(row[8]) == pytest.approx(area_mm2 / paper_mm2, rel=1e-2)
    # CORN Table I rows: conv1 (host) and the total, both architectures
    ests = {arch: E.estimate("cifar10-bnn", arch) for arch in ("imc-dpu", "corn")}
    conv1_ms = {a: next(l for l in e.layers if l.name == "conv1").latency_s * 1e3
                for a, e in ests.items()}
    total_ms = {a: e.latency_per_image_s * 1e3 for a, e in ests.items()}
    for label, ours in (("Conv1", conv1_ms), ("total", total_ms)):
        (row,) = _table_rows(text, label)
        for arch, ours_col, paper_col in (("imc-dpu", 3, 2), ("corn", 6, 5)):
            assert float(row[ours_col]) == pytest.approx(ours[arch], rel=1e-3), (label, arch)
            assert float(row[ours_col + 1]) == pytest.approx(
                ours[arch] / float(row[paper_col]), rel=1e-2), (label, arch)

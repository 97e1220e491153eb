"""Architecture descriptions: shipped files, key-by-key checks, parallelism, scope, area."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spincim import cli
from spincim.errors import LutError, ParameterError
from spincim.estimator import energy as E
from spincim.estimator.arch import SHIPPED, arch_from_dict, get_arch, load_arch, with_overrides
from spincim.estimator.networks import NETWORKS

ARCH_DIR = Path(E.__file__).resolve().parent / "arch"

# a network whose middle layer fills exactly four IMCE kernel groups at 1:1:
# c1: 16 x 8 x 8 in, 3x3 SAME -> N = 144 bits (one 256-column segment); a 256-row sub-array
# holds (256 - 1) // 1 = 255 kernels, so 1020 kernels are 4 groups
NET = """name = "four-groups"
input = [4, 8, 8]
[[layers]]
type = "conv"
name = "c0"
in_ch = 4
out_ch = 16
in_h = 8
in_w = 8
kernel = 3
padding = 1
[[layers]]
type = "conv"
name = "c1"
in_ch = 16
out_ch = 1020
in_h = 8
in_w = 8
kernel = 3
padding = 1
[[layers]]
type = "fc"
name = "f"
in_features = 65280
out_features = 10
"""


def _arch_file(tmp_path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return path


def _imce_text(parallel: int) -> str:
    base = (ARCH_DIR / "imce.toml").read_text()
    return base.replace("parallel = 1\n", f"parallel = {parallel}\n")


def _run(argv, capsys):
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_descriptions_load_and_cite(name):
    arch = get_arch(name)
    assert arch.name == name and arch.dataflow == name
    text = (ARCH_DIR / f"{name}.toml").read_text()
    # every choice cites the paper or says the paper is silent
    assert text.count("IMCE") + text.count("CORN") >= 5
    assert "silent" in text


def test_doubled_parallelism_halves_array_latency_keeps_energy(tmp_path, capsys):
    net = _arch_file(tmp_path, "net", NET)
    out = {}
    for par in (1, 2):
        arch = _arch_file(tmp_path, f"imce{par}", _imce_text(par))
        code, text, err = _run(["estimate", "--network", str(net), "--arch", str(arch),
                                "--json"], capsys)
        assert code == 0, err
        out[par] = next(l for l in json.loads(text)["layers"] if l["name"] == "c1")
    one, two = out[1], out[2]
    assert two["energy_j"] == pytest.approx(one["energy_j"], rel=1e-12)
    assert two["energy_by_category_j"] == pytest.approx(one["energy_by_category_j"], rel=1e-12)
    assert two["arrays"] == 2 * one["arrays"] == 2
    for phase, seconds in one["phases_s"].items():
        if phase.startswith("DPU"):          # the DPU does not change with the sub-arrays
            assert two["phases_s"][phase] == pytest.approx(seconds, rel=1e-12)
        else:                                # 4 groups: 4 passes -> 2 passes, exactly
            assert two["phases_s"][phase] == pytest.approx(seconds / 2, rel=1e-12), phase
    array_one = sum(s for p, s in one["phases_s"].items() if not p.startswith("DPU"))
    array_two = sum(s for p, s in two["phases_s"].items() if not p.startswith("DPU"))
    assert array_two == pytest.approx(array_one / 2, rel=1e-12)


def test_corn_more_buffers_shorten_majority_keep_energy():
    one = E.estimate("cifar10-bnn", "corn")
    two = E.estimate("cifar10-bnn", "corn", overrides={"buffer.per_pe": 2})
    assert two.energy_per_image_j == pytest.approx(one.energy_per_image_j, rel=1e-12)
    a = dict(next(l for l in one.layers if l.name == "conv2").phases_s)
    b = dict(next(l for l in two.layers if l.name == "conv2").phases_s)
    # level 4 of conv2: ceil(128/56) = 3 rows per window -> ceil(3/2) = 2 steps
    assert b["majority level 4"] == pytest.approx(a["majority level 4"] * 2 / 3, rel=1e-12)
    assert b["window writes"] == pytest.approx(a["window writes"], rel=1e-12)


BASE = """name = "t"
dataflow = "corn"
lut = "default_22nm.h5"
[array]
rows = 1024
cols = 512
kernels = "stationary"
parallel = "all"
[buffer]
per_pe = 1
[layers]
bits = "1:1"
[layers.first]
where = "host"
[host]
mac_per_s = 5e9
energy_per_mac_j = 4.6e-12
[timing]
pipeline = true
"""
BAD = [   # (line of BASE, replacement, field named, word of the rule)
    ("rows = 1024", "rows = 'many'", "array.rows", "integer"),
    ('parallel = "all"', "parallel = -2", "array.parallel", "between"),
    ("per_pe = 1", "per_pe = 0", "buffer.per_pe", "between"),
    ("cols = 512", "columns = 512", "array.columns", "unknown"),
    ('name = "t"', 'name = "t"\nflux = 1', "flux", "unknown"),
    ('bits = "1:1"', "bits = '1-1'", "layers.bits", "expected"),
    ('where = "host"', "where = 'gpu'", "layers.first.where", "must be one of"),
    ("mac_per_s = 5e9", "mac_per_s = -1e9", "host.mac_per_s", "must be"),
    ("pipeline = true", "pipeline = 1", "timing.pipeline", "true or false"),
    ('dataflow = "corn"', "dataflow = 'systolic'", "dataflow", "must be one of"),
    ("rows = 1024", "rows = 300", "array.rows", "grid value"),
]


def test_base_description_is_valid(tmp_path, capsys):
    path = _arch_file(tmp_path, "base", BASE)
    code, _, err = _run(["estimate", "--network", "cifar10-bnn", "--arch", str(path)], capsys)
    assert code == 0, err


@pytest.mark.parametrize("old,new,field,word", BAD)
def test_bad_field_exits_2_naming_it(tmp_path, capsys, old, new, field, word):
    assert old in BASE
    path = _arch_file(tmp_path, "bad", BASE.replace(old, new, 1))
    code, out, err = _run(["estimate", "--network", "cifar10-bnn", "--arch", str(path)],
                          capsys)
    assert code == 2 and out == ""
    assert err.startswith(f"error: {field}:") and word in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_missing_and_unreadable(tmp_path, capsys):
    code, _, err = _run(["estimate", "--network", "svhn", "--arch", "tpu"], capsys)
    assert code == 2 and "arch" in err and "imce" in err
    code, _, err = _run(["estimate", "--network", "svhn", "--arch",
                         str(tmp_path / "none.toml")], capsys)
    assert code == 2 and "cannot read" in err
    path = _arch_file(tmp_path, "nolut", "dataflow = 'imce'\n")
    code, _, err = _run(["estimate", "--network", "svhn", "--arch", str(path)], capsys)
    assert code == 2 and err.startswith("error: lut:")


def test_host_layer_needs_host_figures():
    with pytest.raises(ParameterError) as exc:
        with_overrides(get_arch("imce"), {"layers.first.where": "host"})
    assert exc.value.field == "host.mac_per_s"
    arch = with_overrides(get_arch("imce"), {"layers.first.where": "host",
                                             "host.mac_per_s": 1e9,
                                             "host.energy_per_mac_j": 1e-12})
    est = E.estimate("svhn", arch)
    conv0 = next(l for l in est.layers if l.name == "conv0")
    assert conv0.where == "host"
    assert conv0.energy_j == pytest.approx(36 * 36 * 48 * 75 * 1e-12, rel=1e-12)
    assert conv0.latency_s == pytest.approx(36 * 36 * 48 * 75 / 1e9, rel=1e-12)


@pytest.mark.parametrize("net", list(NETWORKS))
def test_imce_scope_has_no_host(net):
    """IMCE Fig. 5a has no host: with the shipped description nothing runs on one."""
    est = E.estimate(net, "imce")
    assert est.energy_by_category()["host"] == 0.0
    assert all(l.where != "host" for l in est.layers)


def test_imce_area_grows_only_by_the_kernel_bank(tmp_path):
    """Doubling the kernels of a middle layer adds kernel-bank arrays and nothing else."""
    small = tmp_path / "small.toml"
    big = tmp_path / "big.toml"
    small.write_text(NET)
    # c1 with 2040 kernels; f takes 2040 x 64 inputs
    big.write_text(NET.replace("out_ch = 1020", "out_ch = 2040")
                   .replace("in_features = 65280", "in_features = 130560"))
    a = E.estimate(str(small), "imce")
    b = E.estimate(str(big), "imce")
    for comp in ("compute_arrays", "bitcount_shift_sum", "dpu_lanes"):
        assert b.area_by_component[comp] == a.area_by_component[comp]
    kbits = {x: sum(l.ops.get("weight_write", 0) for l in est.layers) for x, est in
             (("a", a), ("b", b))}
    # weight bits by hand: c0 16 x 36 x 8 (8:8), c1 K x 144, f 10 x inputs x 8 (8:8)
    assert kbits["a"] == 16 * 36 * 8 + 1020 * 144 + 10 * 65280 * 8
    assert kbits["b"] == 16 * 36 * 8 + 2040 * 144 + 10 * 130560 * 8
    cell = E._area(E.resolve_lut(get_arch("imce")).lut, "sot_2t1r_cell")
    per_array = a.area_by_component["kernel_bank"] / math.ceil(kbits["a"] / 65536)
    for x, est in (("a", a), ("b", b)):
        assert est.area_by_component["kernel_bank"] == pytest.approx(
            math.ceil(kbits[x] / 65536) * per_array, rel=1e-12)
    assert per_array > 65536 * cell           # cells plus their sense amps and drivers
    assert b.area_m2 - a.area_m2 == pytest.approx(
        b.area_by_component["kernel_bank"] - a.area_by_component["kernel_bank"]
        + b.area_by_component["image_bank"] - a.area_by_component["image_bank"], rel=1e-9)


def test_stationary_kernels_grow_area_with_kernels():
    """The other reading (every layer's kernels in arrays of their own) is still there."""
    bank = E.estimate("svhn", "imce")
    static = E.estimate("svhn", "imce", overrides={"array.kernels": "stationary",
                                                   "array.parallel": "all"})
    assert static.area_by_component["compute_arrays"] > \
        10 * bank.area_by_component["compute_arrays"]
    assert "kernel_bank" not in static.area_by_component


def test_load_arch_relative_lut(tmp_path):
    import shutil

    lut = Path(E.__file__).resolve().parent.parent / "lut" / "data" / "default_45nm.h5"
    shutil.copy(lut, tmp_path / "mine.h5")
    text = (ARCH_DIR / "imce.toml").read_text().replace('lut = "default_45nm.h5"',
                                                         'lut = "mine.h5"')
    arch = load_arch(_arch_file(tmp_path, "mine", text))
    est = E.estimate("mnist", arch)
    assert est.lut_path == str(tmp_path / "mine.h5")
    assert est.energy_per_image_j == pytest.approx(E.estimate("mnist", "imce")
                                                   .energy_per_image_j, rel=1e-12)


# ------------------------------------------------------------------------- fuzzing the file
FIELDS = ["array.rows", "array.cols", "array.parallel", "array.kernels", "buffer.rows",
          "buffer.cols", "buffer.fanin", "buffer.drivers_per_row", "buffer.per_pe",
          "layers.bits", "layers.first.where", "layers.first.bits", "layers.last.where",
          "layers.last.bits", "dpu.lanes", "host.mac_per_s", "host.energy_per_mac_j",
          "host.overlap", "timing.pipeline", "timing.clock_hz", "operating.vdd_v",
          "operating.temperature_k", "dataflow", "lut", "name", "source", "array.nope",
          "layers.first.nope", "nope", "buffer.majority"]
VALUES = st.one_of(st.integers(-10**20, 10**20), st.floats(allow_nan=True),
                   st.booleans(), st.text(max_size=12),
                   st.sampled_from(["all", "1:2", "8:8", "host", "dpu", "array", "bank",
                                    "stationary", "imce", "corn", "imc-dpu", "0:1", "1:17",
                                    "corn-ptm", "comparator", "popcount"]),
                   st.lists(st.integers(0, 3), max_size=2), st.just({}))


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(["imce", "corn", "imc-dpu"]),
       changes=st.lists(st.tuples(st.sampled_from(FIELDS), VALUES), min_size=1, max_size=3))
def test_fuzzed_descriptions_run_or_name_the_field(name, changes):
    """Any value in any key: a valid estimate, or a ParameterError/LutError naming a key."""
    import tomllib

    base = tomllib.loads((ARCH_DIR / f"{name}.toml").read_text())
    keys = {k for k, _ in changes}
    try:
        arch = with_overrides(arch_from_dict(base), dict(changes))
        est = E.estimate("mnist" if arch.dataflow == "imce" else "cifar10-bnn", arch)
    except ParameterError as exc:
        top = {k.split(".")[0] for k in keys} | {"array", "buffer", "host", "layers"}
        assert any(exc.field.startswith(k) for k in keys | top), (exc.field, changes)
        assert "\n" not in str(exc)
        return
    except LutError:
        return                       # an unreadable LUT name (the lut key was fuzzed)
    assert math.isfinite(est.energy_per_image_j) and est.energy_per_image_j > 0
    assert math.isfinite(est.latency_per_image_s) and est.latency_per_image_s > 0


def test_readme_example_description_runs(tmp_path, capsys):
    """The architecture file shown in the README is valid as printed."""
    readme = (Path(E.__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("### The estimator: architectures as data", 1)[1]
    text = section.split("```toml\n", 1)[1].split("```", 1)[0]
    path = _arch_file(tmp_path, "readme", text)
    code, out, err = _run(["estimate", "--network", "svhn", "--arch", str(path), "--json"],
                          capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["layers"][-1]["where"] == "host" and data["bits"] == "1:2"

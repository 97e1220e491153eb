"""Layer shapes, zoo, and the layer-file loader."""

import json

import pytest

from spincim.errors import ParameterError
from spincim.estimator.networks import (FC, NETWORKS, Conv, Network, Pool, get_network,
                                        load_network)


def test_zoo_output_shapes():
    assert set(NETWORKS) == {"svhn", "alexnet", "mnist", "cifar10-bnn"}
    for net in NETWORKS.values():
        assert net.output_shape[1:] == (1, 1)
        assert net.source
    assert NETWORKS["alexnet"].output_shape == (1000, 1, 1)


def test_svhn_matches_dorefa_and_imce():
    net = NETWORKS["svhn"]
    convs = [l for l in net.layers if isinstance(l, Conv)]
    pools = [l for l in net.layers if isinstance(l, Pool)]
    fcs = [l for l in net.layers if isinstance(l, FC)]
    assert (len(convs), len(pools), len(fcs)) == (6, 2, 2)           # IMCE V-A
    assert [c.out_ch for c in convs] == [48, 64, 64, 128, 128, 128]    # svhn-digit-dorefa.py
    assert net["conv0"].out_shape == (48, 36, 36)
    assert net["conv5"].out_shape == (128, 5, 5)
    assert net["fc0"].in_features == 128 * 5 * 5


def test_cifar10_bnn_shapes():
    net = NETWORKS["cifar10-bnn"]
    convs = [l for l in net.layers if isinstance(l, Conv)]
    assert [c.out_ch for c in convs] == [128, 128, 256, 256, 512, 512]
    assert all(c.kernel == 3 and c.padding == 1 for c in convs)
    assert [l.in_features for l in net.layers if isinstance(l, FC)] == [8192, 1024, 1024]
    assert net["pool3"].out_shape == (512, 4, 4)


def test_conv_output_formula():
    c = Conv("c", 3, 96, 227, 227, 11, stride=4)
    assert c.out_shape == (96, 55, 55)
    assert Pool("p", 96, 55, 55, 3, 2).out_shape == (96, 27, 27)


def test_shape_propagation_error_names_layer_and_field():
    a = Conv("a", 3, 8, 10, 10, 3, padding=1)
    with pytest.raises(ParameterError) as e:
        Network("x", (a, Conv("b", 4, 8, 10, 10, 3)))
    assert e.value.field == "b.in_ch"
    with pytest.raises(ParameterError) as e:
        Network("x", (a, Pool("p", 8, 9, 10, 2, 2)))
    assert e.value.field == "p.in_h"
    with pytest.raises(ParameterError) as e:
        Network("x", (a, FC("f", 801, 10)))
    assert e.value.field == "f.in_features"


@pytest.mark.parametrize("kw,field", [
    (dict(in_ch=-1), "c.in_ch"), (dict(kernel=0), "c.kernel"), (dict(stride=0), "c.stride"),
    (dict(padding=-1), "c.padding"), (dict(kernel=13), "c.kernel"), (dict(in_h=2.5), "c.in_h"),
])
def test_conv_validation(kw, field):
    base = dict(name="c", in_ch=3, out_ch=8, in_h=10, in_w=10, kernel=3, stride=1, padding=0)
    base.update(kw)
    with pytest.raises(ParameterError) as e:
        Conv(**base)
    assert e.value.field == field


def _write(tmp_path, data, suffix=".json"):
    p = tmp_path / f"net{suffix}"
    p.write_text(json.dumps(data))
    return p


GOOD = {"name": "tiny", "input": [1, 8, 8], "layers": [
    {"type": "conv", "name": "c1", "in_ch": 1, "out_ch": 4, "in_h": 8, "in_w": 8, "kernel": 3,
     "padding": 1},
    {"type": "pool", "name": "p1", "ch": 4, "in_h": 8, "in_w": 8, "size": 2, "stride": 2},
    {"type": "fc", "name": "f1", "in_features": 64, "out_features": 10}]}


def test_load_json_and_toml(tmp_path):
    net = load_network(_write(tmp_path, GOOD))
    assert net.output_shape == (10, 1, 1) and net.name == "tiny"
    toml = tmp_path / "n.toml"
    toml.write_text("""name = "tiny"
input = [1, 8, 8]
[[layers]]
type = "conv"
name = "c1"
in_ch = 1
out_ch = 4
in_h = 8
in_w = 8
kernel = 3
padding = 1
[[layers]]
type = "fc"
name = "f1"
in_features = 256
out_features = 10
""")
    net2 = get_network(toml)
    assert [l.name for l in net2.layers] == ["c1", "f1"]


@pytest.mark.parametrize("mutate,field", [
    (lambda d: d["layers"][1].update(type="lstm"), "p1.type"),
    (lambda d: d["layers"][0].update(out_ch=-4), "c1.out_ch"),
    (lambda d: d["layers"][0].pop("kernel"), "c1.kernel"),
    (lambda d: d["layers"][0].update(dilation=2), "c1.dilation"),
    (lambda d: d["layers"][2].update(in_features=65), "f1.in_features"),
    (lambda d: d["layers"][1].update(ch=5), "p1.ch"),
    (lambda d: d["layers"][1].update(kind="median"), "p1.kind"),
    (lambda d: d.update(input=[1, 9, 8]), "c1.in_h"),
    (lambda d: d.update(layers=[]), "layers"),
])
def test_malformed_file(tmp_path, mutate, field):
    data = json.loads(json.dumps(GOOD))
    mutate(data)
    with pytest.raises(ParameterError) as e:
        load_network(_write(tmp_path, data))
    assert e.value.field == field


def test_unparseable_and_unknown(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("layers = [")
    with pytest.raises(ParameterError):
        load_network(p)
    with pytest.raises(ParameterError):
        get_network("resnet-9000")


@pytest.mark.parametrize("name", sorted(NETWORKS))
@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_format_network_round_trips(tmp_path, name, fmt):
    from spincim.estimator.networks import format_network
    path = tmp_path / f"net.{fmt}"
    path.write_text(format_network(NETWORKS[name], fmt))
    back = load_network(path)
    assert back.layers == NETWORKS[name].layers
    assert (back.name, back.source, back.input_shape) == (
        NETWORKS[name].name, NETWORKS[name].source, NETWORKS[name].input_shape)


def test_network_show_cli_writes_a_template(tmp_path, capsys):
    from spincim.cli import main
    out = tmp_path / "svhn.toml"
    assert main(["network", "show", "svhn", "--format", "toml", "--out", str(out)]) == 0
    assert load_network(out).layers == NETWORKS["svhn"].layers
    assert main(["network", "show", "resnet-9000"]) == 2
    assert "network" in capsys.readouterr().err

"""Operation counts against independent hand counts."""

import pytest

from spincim.errors import ParameterError
from spincim.estimator.mapping import (IMCE_CONFIGS, majority_tree, map_corn, map_dpu, map_imce,
                                       map_network)
from spincim.estimator.networks import NETWORKS


def test_majority_tree():
    assert majority_tree(9) == [1]
    assert majority_tree(5) == [1]
    assert majority_tree(10) == [2, 1]
    assert majority_tree(1152) == [128, 15, 2, 1]   # 128 channels x 3x3
    assert majority_tree(81) == [9, 1]
    with pytest.raises(ParameterError):
        majority_tree(0)


def test_corn_cifar_conv_counts():
    m = map_corn("cifar10-bnn")
    # conv2: 32x32 output, 128 -> 128, 3x3
    assert m.layer("conv2")["xnor2"] == 32 * 32 * 128 * 128 * 9
    assert m.layer("conv2")["majority_program"] == 32 * 32 * 128 * (128 + 15 + 2 + 1)
    # conv5: 8x8, 256 -> 512
    assert m.layer("conv5")["xnor2"] == 8 * 8 * 512 * 256 * 9
    assert m.layer("conv5")["norm_bin"] == 8 * 8 * 512
    # pool1: 128 x 16 x 16 outputs, one threshold write each
    assert m.layer("pool1")["maxpool_write"] == 128 * 16 * 16
    assert m.layer("pool1")["read"] == 4 * 128 * 16 * 16
    assert m.layer("conv1").ops == {"host_mac": 32 * 32 * 128 * 3 * 9}
    assert m.layer("fc1")["xnor2"] == 8192 * 1024
    assert m.layer("fc3")["host_popcount"] == 1024 * 10
    assert "majority_program" not in m.layer("fc3").ops
    total_xnor = sum(m.layer(n)["xnor2"] for n in ("conv2", "conv3", "conv4", "conv5", "conv6",
                                                   "fc1", "fc2", "fc3"))
    assert m.totals()["xnor2"] == total_xnor


def test_dpu_popcount_equals_xnor():
    m = map_dpu("cifar10-bnn")
    t = m.totals()
    assert t["popcount"] == t["xnor2"] == map_corn("cifar10-bnn").totals()["xnor2"]
    assert m.layer("conv3")["popcount"] == 16 * 16 * 256 * 128 * 9


@pytest.mark.parametrize("w,i", IMCE_CONFIGS)
def test_imce_svhn_counts(w, i):
    m = map_imce("svhn", w, i)
    # conv1: 18x18 output, 48 -> 64, 3x3
    n_and = 18 * 18 * 64 * 48 * 9 * w * i
    assert m.layer("conv1")["and2"] == n_and == m.layer("conv1")["bitcount"]
    assert m.layer("conv1")["add"] == 18 * 18 * 64 * (w * i - 1)
    assert m.layer("conv1")["write"] == 18 * 18 * 48 * 9 * i
    # conv3: 7x7 output (VALID on 9x9), 64 -> 128
    assert m.layer("conv3")["and2"] == 7 * 7 * 128 * 64 * 9 * w * i
    # fc0 = conv6 of DoReFa: 3200 -> 512
    assert m.layer("fc0")["and2"] == 3200 * 512 * w * i
    # edge layers on the host
    assert m.layer("conv0").ops == {"host_mac": 36 * 36 * 48 * 3 * 25}
    assert m.layer("fc1").ops == {"host_mac": 512 * 10}
    assert m.layer("pool0").ops == {"add": 48 * 18 * 18 * 3, "shift": 48 * 18 * 18}


def test_imce_scaling_and_edge():
    a = map_imce("alexnet", 1, 1).totals()["and2"]
    b = map_imce("alexnet", 2, 2).totals()["and2"]
    assert b == 4 * a
    m8 = map_imce("mnist", 1, 1, edge=8)
    assert m8.layer("conv1")["and2"] == 24 * 24 * 20 * 25 * 64
    assert m8.layer("conv2")["and2"] == 8 * 8 * 50 * 20 * 25
    assert map_imce("alexnet").layer("fc7")["and2"] == 4096 * 4096
    assert all(isinstance(v, int) for l in m8.layers for v in l.ops.values())


def test_bad_arguments():
    with pytest.raises(ParameterError):
        map_imce("svhn", 0, 1)
    with pytest.raises(ParameterError):
        map_network("svhn", "gpu")
    with pytest.raises(ParameterError):
        map_corn("alexnet")          # 3x3 max-pool cannot be a [11110] threshold write
    assert map_network(NETWORKS["mnist"], "imc-dpu").arch == "imc-dpu"


# ----------------------------------------------------------------- found by mutation testing
def test_imce_configurations_are_the_papers():
    # IMCE V-A evaluates W:I = 1:1, 1:2, 1:3, 1:4 and 2:2 (the report iterates these)
    assert IMCE_CONFIGS == ((1, 1), (1, 2), (1, 3), (1, 4), (2, 2))


def test_layer_ops_are_frozen_and_absent_ops_count_zero():
    import dataclasses
    layer = map_imce("svhn").layer("conv1")
    assert layer["majority_program"] == 0 and layer["and2"] > 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        layer.where = "host"


def test_mapping_table_has_every_op_with_zero_where_absent():
    m = map_imce("svhn")
    table = m.table()
    assert [row["layer"] for row in table] == [l.layer for l in m.layers]
    keys = set().union(*(l.ops for l in m.layers))
    for row, layer in zip(table, m.layers):
        assert row["where"] == layer.where
        assert set(row) == {"layer", "where", *keys}
        for k in keys:
            assert row[k] == layer.ops.get(k, 0)
    assert table[0]["and2"] == 0          # conv0 runs on the host


def test_where_and_kind_of_every_layer():
    """The estimator dispatches on ``where``: each architecture's layers by hand."""
    imce = map_imce("svhn", edge=4)
    assert imce.config == {"w_bits": 1, "i_bits": 1, "edge": 4}
    assert imce.layer("conv0").where == "array" and imce.layer("fc1").where == "array"
    assert imce.layer("pool0").where == "dpu" and imce.layer("pool0").kind == "pool"
    assert map_imce("svhn").layer("conv0").where == "host"
    corn = map_corn("cifar10-bnn")
    assert [corn.layer(n).where for n in ("conv1", "conv2", "pool1", "fc3")] == [
        "host", "array+buffer", "buffer", "array+host"]
    assert corn.layer("pool1").kind == "pool" and corn.layer("fc1").kind == "fc"
    dpu = map_dpu("cifar10-bnn")
    assert [dpu.layer(n).where for n in ("conv1", "conv2", "pool1", "fc3")] == [
        "host", "array+dpu", "dpu", "array+dpu"]


def test_corn_buffer_counts_by_hand():
    """conv2 (N = 1152): tree [128, 15, 2, 1] = 146 majority writes per output bit, each
    with its PRESET and read-out; 56 drivers per 512-bit row give ceil(128/56) + 1 + 1 + 1
    = 6 row-write steps per output bit."""
    outs = 32 * 32 * 128
    layer = map_corn("cifar10-bnn").layer("conv2")
    assert layer["preset"] == layer["buffer_read"] == outs * 146
    assert layer["buffer_row_writes"] == outs * 6
    assert layer["pe_row_reads"] == outs * 3            # ceil(1152 / 512)
    assert layer["weight_write"] == 128 * 1152 and layer["write"] == 32 * 32 * 1152
    assert layer["norm_bin"] == outs


def test_dpu_counts_by_hand():
    m = map_dpu("cifar10-bnn")
    pool = m.layer("pool1")                              # 2x2 max-pool to 128 x 16 x 16
    outs = 128 * 16 * 16
    assert pool.ops == {"read": 4 * outs, "compare": 3 * outs, "write": outs}
    conv = m.layer("conv3")                              # 16x16, 128 -> 256, N = 1152
    assert conv["weight_write"] == 256 * 1152
    assert conv["write"] == 16 * 16 * 1152 + 16 * 16 * 256
    assert conv["norm_bin"] == 16 * 16 * 256
    assert "norm_bin" not in m.layer("fc3").ops          # class scores stay integers


def test_bad_arguments_name_the_field():
    with pytest.raises(ParameterError, match=r"must be an integer in \[1, 16\], got 0") as info:
        map_imce("svhn", 0, 1)
    assert info.value.field == "w_bits"
    with pytest.raises(ParameterError) as info:
        map_network("svhn", "gpu")
    assert info.value.field == "arch"

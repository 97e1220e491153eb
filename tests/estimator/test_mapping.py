"""Operation counts against hand counts written here, independent of mapping.py.

Every expected number below is worked out in the comments from the layer shape and the
organization the shipped descriptions state (IMCE: 256 x 256 sub-arrays, one at a time,
kernels from the Kernel Bank; CORN: 1024 x 512 PEs, 56 drivers per 512-bit buffer row).
"""

import pytest

from spincim.errors import ParameterError
from spincim.estimator.arch import get_arch, with_overrides
from spincim.estimator.mapping import majority_tree, map_network
from spincim.estimator.networks import NETWORKS


def test_majority_tree():
    assert majority_tree(9) == [1]
    assert majority_tree(5) == [1]
    assert majority_tree(10) == [2, 1]
    assert majority_tree(1152) == [128, 15, 2, 1]   # 128 channels x 3x3
    assert majority_tree(81) == [9, 1]
    with pytest.raises(ParameterError):
        majority_tree(0)


# ---------------------------------------------------------------------------------- IMCE
# SVHN conv2: 64 channels of 18 x 18 in (conv0 5x5 VALID 40 -> 36, pool0 -> 18), 64 kernels
# 3x3 SAME: P = 18*18 = 324 windows, K = 64, N = 64*9 = 576 bits.
# 256 columns: a window spans 3 row segments (256 + 256 + 64 columns).
P, K, N, SEGS = 324, 64, 576, 3


def test_imce_svhn_conv2_at_1_1():
    ops = map_network("svhn", with_overrides(get_arch("imce"), {"layers.bits": "1:1"})
                      ).layer("conv2").ops
    # one kernel = 3 rows, one window = 3 rows: (256 - 3) // 3 = 84 kernels fit in a
    # sub-array, so all 64 kernels form one group (A = 1)
    assert ops["and2"] == 324 * 64 * 576 == 11_943_936          # P K N w i
    assert ops["bitcount"] == 11_943_936
    assert ops["row_pair"] == 324 * 64 * 3 == 62_208            # P K w i segs
    assert ops["shift"] == 324 * 64 == 20_736                   # one per plane pair
    assert ops["add"] == 324 * 64 * (3 - 1) == 41_472           # 3 segment partials
    assert ops["write"] == 324 * 576 == 186_624                 # window bits into 1 group
    # rows written: 324 windows x 3 rows, plus the kernels fetched once: 64 x 3 rows
    assert ops["row_write"] == 324 * 3 + 64 * 3 == 1_164
    assert ops["kernel_write"] == ops["kernel_read"] == 64 * 576 == 36_864
    # +-1 weights (IMCE ref [3] DoReFa): sum(I) read back per window, one subtract per output
    assert ops["sum_i_read"] == 324 * 576 and ops["sign_sub"] == 324 * 64


def test_imce_svhn_conv2_at_1_2():
    ops = map_network("svhn", with_overrides(get_arch("imce"), {"layers.bits": "1:2"})
                      ).layer("conv2").ops
    # a window now takes 2 x 3 rows: (256 - 6) // 3 = 83 kernels per sub-array: A = 1
    assert ops["and2"] == 324 * 64 * 576 * 2 == 23_887_872
    assert ops["bitcount"] == 23_887_872
    assert ops["row_pair"] == 324 * 64 * 2 * 3 == 124_416
    assert ops["shift"] == 324 * 64 * 2 == 41_472
    assert ops["add"] == 324 * 64 * (2 * 3 - 1) == 103_680
    assert ops["write"] == 324 * 576 * 2 == 373_248
    assert ops["row_write"] == 324 * 2 * 3 + 64 * 3 == 2_136
    assert ops["sum_i_read"] == 324 * 576 * 2
    # sum(I) = C_0 + 2 C_1: 2 planes x 3 segments of counts added: 6 - 1 = 5 adds per window
    assert ops["sum_i_add"] == 324 * 5


def test_imce_edge_layer_in_the_accelerator_at_8_8():
    # SVHN conv0: 3 x 40 x 40 in, 48 kernels 5x5 VALID: P = 36*36, N = 75, 8 x 8 planes
    ops = map_network("svhn", "imce").layer("conv0").ops
    assert ops["and2"] == 36 * 36 * 48 * 75 * 64
    assert ops["shift"] == 36 * 36 * 48 * 64
    assert "host_mac" not in ops and "sign_sub" not in ops    # two's complement: no sum(I)


def test_imce_pool_replicas_when_groups_fewer_than_arrays():
    # SVHN conv2 at 1:1 is one kernel group; with 4 sub-arrays the three others take other
    # windows with their own copy of the kernels: 4 x 64 x 576 kernel bits written
    arch = with_overrides(get_arch("imce"), {"array.parallel": 4})
    layer = map_network("svhn", arch).layer("conv2")
    assert layer.ops["kernel_write"] == 4 * 64 * 576
    assert layer.ops["write"] == 324 * 576                    # each window into one group
    assert layer.arrays == 4


def test_imce_long_window_is_cut_into_chunks():
    # AlexNet fc6 on 64 x 64 sub-arrays at 1:1: N = 9216 bits = 144 segments of 64; a
    # kernel row + a window row per segment: 64 // 2 = 32 segments per array at a time ->
    # 5 chunks; (64 - 32) // 32 = 1 kernel per array: 4096 groups per chunk
    arch = with_overrides(get_arch("imce"), {"array.rows": 64, "array.cols": 64})
    ops = map_network("alexnet", arch).layer("fc6").ops
    assert ops["write"] == 9216 * 4096                  # every window chunk, every group
    assert ops["row_write"] == 144 * 4096 + 4096 * 144  # window rows + kernel rows
    assert ops["and2"] == 9216 * 4096 and ops["row_pair"] == 4096 * 144


def test_imce_array_too_small_names_the_field():
    arch = with_overrides(get_arch("imce"), {"array.rows": 2, "layers.bits": "2:2"})
    with pytest.raises(ParameterError) as exc:
        map_network("svhn", arch)
    assert exc.value.field == "array.rows"


# ---------------------------------------------------------------------------------- CORN
def test_corn_conv2_window_packs_336_buffer_rows():
    # conv2: 128 -> 128 channels, 32 x 32, N = 1152: tree [128, 15, 2, 1]. One PE holds all
    # 128 kernels (3 rows each). Rows of 56 drivers packed across the 128 outputs:
    # ceil(128*128/56) + ceil(128*15/56) + ceil(128*2/56) + ceil(128/56)
    # = 293 + 35 + 5 + 3 = 336 per window (one output at a time: 128 x (3+1+1+1) = 768)
    ops = map_network("cifar10-bnn", "corn").layer("conv2").ops
    assert ops["buffer_row_write"] == 32 * 32 * 336


def test_corn_conv3_counts():
    # conv3: 128 x 16 x 16 in, 256 kernels 3x3 SAME: P = 256, K = 256, N = 1152
    ops = map_network("cifar10-bnn", "corn").layer("conv3").ops
    assert ops["xnor2"] == 256 * 256 * 1152 == 75_497_472
    # 128 nine-bit groups, 56 per 512-bit row: 3 rows per kernel and per window;
    # (1024 - 3) // 3 = 340 kernels per PE: one PE
    assert ops["row_pair"] == 256 * 256 * 3
    assert ops["write"] == 256 * 1152
    # majority writes: 128 + 15 + 2 + 1 = 146 per output
    assert ops["majority_program"] == ops["preset"] == 256 * 256 * 146 == 9_568_256
    # rows: ceil(256*128/56) + ceil(256*15/56) + ceil(256*2/56) + ceil(256/56)
    #     = 586 + 69 + 10 + 5 = 670 per window
    assert ops["buffer_row_write"] == 256 * 670 == 171_520
    assert ops["norm_bin"] == 256 * 256


def test_corn_fc1_counts():
    # fc1: 8192 -> 1024. 911 nine-bit groups, 56 per row: 17 rows per kernel and window;
    # (1024 - 17) // 17 = 59 kernels per PE -> 18 PEs; 1024 = 16 x 57 + 2 x 56.
    # tree: 911, 102, 12, 2, 1 (1028 majorities per output)
    layer = map_network("cifar10-bnn", "corn").layer("fc1")
    ops = layer.ops
    assert layer.arrays == 18
    assert ops["xnor2"] == 8192 * 1024
    assert ops["write"] == 8192 * 18                     # the input vector into every PE
    assert ops["majority_program"] == 1024 * 1028 == 1_052_672
    # per PE, packed across its own outputs; 16 PEs of 57 kernels, 2 of 56:
    # 911: 16 x ceil(57*911/56)=16 x 928 + 2 x 911  = 16670
    # 102: 16 x 104 + 2 x 102 = 1868;  12: 16 x 13 + 2 x 12 = 232
    #   2: 16 x 3 + 2 x 2 = 52;         1: 16 x 2 + 2 x 1 = 34
    assert ops["buffer_row_write"] == 16670 + 1868 + 232 + 52 + 34 == 18_856


def test_corn_conv1_on_host_and_maxpool_by_threshold_write():
    m = map_network("cifar10-bnn", "corn")
    assert m.layer("conv1").ops == {"host_mac": 32 * 32 * 128 * 3 * 9}
    pool = m.layer("pool1").ops                # 128 x 16 x 16 outputs, 4 bits read each
    assert pool["maxpool_write"] == pool["preset"] == 128 * 16 * 16
    assert pool["read"] == 4 * 128 * 16 * 16
    assert pool["buffer_row_write"] == -(-128 * 16 * 16 // 56)
    assert "majority_program" not in m.layer("fc3").ops      # class scores: popcount


def test_imc_dpu_counts():
    m = map_network("cifar10-bnn", "imc-dpu")
    # conv3 with 512-bit segments: 1152 bits = 3 segments; popcount of every XNOR bit
    assert m.layer("conv3")["popcount"] == 256 * 256 * 1152
    assert m.layer("conv3")["row_pair"] == 256 * 256 * 3
    assert m.layer("conv3")["buffer_write"] == 256 * 256      # one output bit each
    assert m.totals()["xnor2"] == map_network("cifar10-bnn", "corn").totals()["xnor2"]


def test_corn_refuses_3x3_pooling():
    with pytest.raises(ParameterError):
        map_network(NETWORKS["alexnet"], "corn")

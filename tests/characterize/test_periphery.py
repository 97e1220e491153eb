"""CMOS periphery characterization: gates, composites, lines, decoders, areas (ngspice)."""

import itertools
import math

import numpy as np
import pytest

from spincim.characterize import periphery as P
from spincim.devices.technology import technology

#: 2 x E_transition (one full output cycle) against C_load x VDD^2: short-circuit and
#: leakage push the ratio above 1, a wrong integration (sign, window) would be far off.
CV2_RATIO_RANGE = (0.8, 1.5)


@pytest.fixture(scope="module")
def gates_vdd():
    """Gates of the 45 nm node at 0.9, 1.0, 1.1 V and 300 K."""
    return {g.op: g for g in P.gate_ops("45nm", vdd_values=(0.9, 1.0, 1.1),
                                        temperatures_k=(300.0,))}


def _finite_positive(op):
    assert np.all(np.isfinite(op.energy_j)) and np.all(op.energy_j > 0), op.op
    assert np.all(np.isfinite(op.latency_s)) and np.all(op.latency_s > 0), op.op
    assert op.energy_j.shape == op.latency_s.shape == tuple(len(a.values) for a in op.axes)


@pytest.mark.ngspice
def test_inverter_energy_close_to_cv2(gates_vdd):
    inv = gates_vdd["inv"]
    i = inv.axes[0].values.index(1.0)
    c_load = P.inverter_load_capacitance_f("45nm", vdd_v=1.0)
    assert 0.5e-15 < c_load < 10e-15
    ratio = 2.0 * inv.energy_j[i, 0] / (c_load * 1.0 ** 2)
    assert CV2_RATIO_RANGE[0] < ratio < CV2_RATIO_RANGE[1], ratio


@pytest.mark.ngspice
def test_gate_energies_increase_with_vdd(gates_vdd):
    for op in ("inv", "fa", "dff"):
        g = gates_vdd[op]
        _finite_positive(g)
        assert g.axes[0].name == "vdd_v" and g.axes[1].name == "temperature_k"
        assert np.all(np.diff(g.energy_j[:, 0]) > 0), (op, g.energy_j)
        assert np.all(np.diff(g.latency_s[:, 0]) < 0), (op, g.latency_s)   # faster at high VDD
        assert 1e-12 < g.latency_s[1, 0] < 200e-12
        assert 1e-17 < g.energy_j[1, 0] < 1e-13


@pytest.mark.ngspice
def test_gates_22nm_quick_and_composites():
    gates = P.gate_ops("22nm", quick=True)
    by = {g.op: g for g in gates}
    assert set(by) == {"inv", "fa", "dff"}
    for g in gates:
        _finite_positive(g)
        assert g.energy_j.shape == (1, 1)
    comps = [P.bitcount_n(9, gates), P.adder_n(8, gates), P.shifter_n(8, gates),
             P.register_n(16, by), P.popcount_tree_n(64, gates)]
    for c in comps:
        _finite_positive(c)
    fa, dff = by["fa"], by["dff"]
    assert np.allclose(comps[1].energy_j, 8 * fa.energy_j)
    assert np.allclose(comps[1].latency_s, 8 * fa.latency_s)
    assert np.allclose(comps[3].energy_j, 16 * dff.energy_j)
    assert np.allclose(comps[3].latency_s, dff.latency_s)
    n_fa, n_ha, depth = P.fa_tree_counts(9)
    assert np.allclose(comps[0].energy_j, (n_fa + n_ha) * fa.energy_j)


# ----------------------------------------------------------------------------- FA tree
def _build_counter(n):
    """Independent construction: a recursive counter of explicit FA/HA gates on bit indices.

    popcount(n bits) = ripple addition of popcount(ceil((n-1)/2) bits) and
    popcount(floor((n-1)/2) bits) with the remaining bit as carry-in (FA where both
    operands have a bit, HA where only the wider one does). Returns (gates, output bit
    per weight); gates are ('fa'|'ha', inputs, (sum, carry)).
    """
    next_id = itertools.count(n)
    gates = []

    def build(inputs):
        if len(inputs) == 1:
            return [inputs[0]]
        m1 = len(inputs) // 2
        p1, p2 = build(inputs[1:1 + m1]), (build(inputs[1 + m1:]) if len(inputs) > 1 + m1 else [])
        carry, out = inputs[0], []
        for w in range(len(p1)):
            s, c = next(next_id), next(next_id)
            ins = (p1[w], p2[w], carry) if w < len(p2) else (p1[w], carry)
            gates.append(("fa" if len(ins) == 3 else "ha", ins, (s, c)))
            out.append(s)
            carry = c
        return out + [carry]

    bits = build(list(range(n)))
    return gates, dict(enumerate(bits))


def _evaluate(gates, outputs, bits):
    val = dict(enumerate(bits))
    for _, ins, (s, c) in gates:
        total = sum(val[i] for i in ins)
        val[s], val[c] = total & 1, total >> 1
    return sum(val[b] << w for w, b in outputs.items())


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 31, 64, 100])
def test_fa_tree_count_matches_an_independent_construction(n):
    gates, outputs = _build_counter(n)
    rng = np.random.default_rng(n)
    vectors = (itertools.product((0, 1), repeat=n) if n <= 10
               else (tuple(rng.integers(0, 2, n)) for _ in range(200)))
    for bits in vectors:
        assert _evaluate(gates, outputs, bits) == sum(bits)
    independent_fa = sum(1 for g in gates if g[0] == "fa")
    n_fa, n_ha, depth = P.fa_tree_counts(n)
    assert n_fa == independent_fa == n - n.bit_length()
    assert depth <= math.ceil(math.log(max(n, 2), 1.5)) + n.bit_length()


def test_popcount_tree_counts():
    assert P.popcount_tree_counts(2) == (1, 1)
    assert P.popcount_tree_counts(4) == (2 * 1 + 1 * 2, 3)
    n_fa, depth = P.popcount_tree_counts(64)
    assert n_fa == sum(j * 64 // 2 ** j for j in range(1, 7)) and depth == 21


# ----------------------------------------------------------------------------- lines
@pytest.mark.ngspice
def test_line_energy_increases_with_size():
    sizes = (64, 256, 1024)
    ops = {o.op: o for o in P.line_ops("45nm", rows=sizes, cols=sizes,
                                       decoder_sim_rows=(4, 8))}
    assert set(ops) == {"wordline", "bitline", "decoder"}
    assert ops["wordline"].axes[0].name == "cols"
    for name in ("bitline", "decoder"):
        assert ops[name].axes[0].name == "rows"
    for o in ops.values():
        _finite_positive(o)
        assert o.axes[0].values == sizes and o.axes[0].units == "1"
        assert np.all(np.diff(o.energy_j) > 0), (o.op, o.energy_j)
        assert np.all(np.diff(o.latency_s) > 0), (o.op, o.latency_s)
    # a word line charges at least its wire and access gates: E > C_wire VDD^2
    tech = technology("45nm")
    c_wire = 1024 * 12 * tech.node_m * tech.wire_c_f_per_m
    assert ops["wordline"].energy_j[-1] > c_wire * tech.vdd_v ** 2


def test_areas():
    for tech_name in ("45nm", "22nm"):
        items = {a.component: a for a in P.areas(tech_name)}
        f2 = technology(tech_name).node_m ** 2
        for key in ("sot_2t1r_cell", "corn_3t_cell", "sense_amplifier", "write_driver_9nmos",
                    "fa", "dff", "inv"):
            assert items[key].area_m2 > 0 and items[key].description
        assert items["sot_2t1r_cell"].area_m2 == pytest.approx(96 * f2)
        assert items["inv"].area_m2 < items["fa"].area_m2 < items["dff"].area_m2

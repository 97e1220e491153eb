"""The reduced periphery netlists of the LUT against their fully expanded forms (ngspice).

``line_ops`` simulates every decoder, word line and bit line size of the grid, up to 1024
cells, with two reductions (netlists.decoder, netlists.periphery.rc_ladder): lines lumped
SEGMENT_PITCHES cell pitches per RC segment with the cells of a segment as one device of
``m`` = cells, and the decoder's quiet lines / static rows collapsed into ``m`` instances.
Here each is run against the same circuit with one wire segment and one device per cell
(per row for the decoder), at 64 and 128 cells (and 1024 for the lines, where the lumping is
coarsest), and the sense path of every column height (ops.column_read_ops) at 64 and
128 rows. Criterion: energy and delay within 2 % (the tolerance the LUT's construction
promises in its description; measured 0.03-0.6 % energy, 0.02-1.2 % delay).
"""

import numpy as np
import pytest
from spincim.characterize import periphery as P
from spincim.characterize.opdata import sha256_text
from spincim.devices.technology import technology
from spincim.netlists import decoder as dn
from spincim.netlists import periphery as pn

RTOL = 0.02


def _run(ex, benches):
    return ex.run_jobs(list(benches))


@pytest.mark.ngspice
@pytest.mark.slow
@pytest.mark.parametrize("tech_name,n_rows", [("45nm", 64), ("45nm", 128), ("22nm", 64)])
def test_reduced_decoder_matches_expanded(ex, tech_name, n_rows):
    tech = technology(tech_name)
    vdd = tech.vdd_v
    red, exp = (dn.decoder_bench(tech, n_rows, vdd, construction=c) for c in dn.CONSTRUCTIONS)
    assert len(exp.mosfets) + sum(len(v) for v in exp.subckt_mosfets.values()) > 0
    assert red.text.count("\n") < exp.text.count("\n") / 8     # it is a real reduction
    v_red, v_exp = _run(ex, (red, exp))
    e_red, t_red = P._decoder_measure(v_red, vdd, n_rows)
    e_exp, t_exp = P._decoder_measure(v_exp, vdd, n_rows)
    assert e_red == pytest.approx(e_exp, rel=RTOL)
    assert t_red == pytest.approx(t_exp, rel=RTOL)


@pytest.mark.ngspice
@pytest.mark.slow
@pytest.mark.parametrize("n", [64, 128, 1024])
def test_lumped_lines_match_one_segment_per_cell(ex, n):
    tech = technology("45nm")
    vdd, v_read = tech.vdd_v, 0.2
    benches = [pn.wordline_bench(tech, n, vdd, segment_pitches=k) for k in (pn.SEGMENT_PITCHES, 1)]
    benches += [pn.bitline_bench(tech, n, vdd, v_read, segment_pitches=k)
                for k in (pn.SEGMENT_PITCHES, 1)]
    wl_red, wl_exp, bl_red, bl_exp = _run(ex, benches)
    for red, exp in ((P._wordline_measure(wl_red, vdd), P._wordline_measure(wl_exp, vdd)),
                     (P._bitline_measure(bl_red, vdd, v_read),
                      P._bitline_measure(bl_exp, vdd, v_read))):
        assert red[0] == pytest.approx(exp[0], rel=RTOL)
        assert red[1] == pytest.approx(exp[1], rel=RTOL)


@pytest.mark.ngspice
def test_decoder_sizes_are_simulated_not_scaled(ex):
    """The op's provenance holds the sha256 of the bench of each size it reports (256 rows
    here; the shipped LUTs' every size: tests/lut/test_build.py)."""
    tech = technology("22nm")
    ops = {o.op: o for o in P.line_ops(tech, rows=(4, 256), cols=(64, 128), quick=True,
                                       executor=ex)}
    dec = ops["decoder"]
    assert dec.axes[-1].values == (4, 256)
    for n in (4, 256):
        key = f"decoder_{n}_vdd{tech.vdd_v:.3g}_t300"
        assert dec.netlist_sha256[key] == sha256_text(dn.decoder_bench(tech, n, tech.vdd_v).text)
    assert np.all(np.diff(dec.energy_j[0, 0]) > 0)
    assert "extrapol" not in dec.description and "scaled" not in dec.description


def test_decoder_rejects_sizes_it_cannot_build():
    tech = technology("45nm")
    for bad in (2, 3, 96, True, 64.0):
        with pytest.raises(Exception, match="n_rows"):
            dn.decoder_bench(tech, bad, tech.vdd_v)
    with pytest.raises(Exception, match="construction"):
        dn.decoder_bench(tech, 64, tech.vdd_v, construction="flat")


@pytest.mark.ngspice
@pytest.mark.slow
@pytest.mark.parametrize("rows", [64, 128])
def test_lumped_sense_column_matches_one_segment_per_cell(ex, rows):
    """``column_read_ops``' bench (bit line and dummy reference columns of SEGMENT_PITCHES
    pitches per segment, m-lumped cells) against one segment and one off cell per pitch:
    the read of both states and the AND of 01 and 11, energy and latency within 2 %."""
    from spincim.characterize import ops
    from spincim.netlists import ngspice

    tech = technology("45nm")
    cases = [((False,), "memory"), ((True,), "memory"), ((False, True), "and"),
             ((True, True), "and")]
    pairs = [(op, ops.read_netlist(states, op, tech=tech, temperature_k=300.0, rows=rows,
                                   segment_pitches=k))
             for states, op in cases for k in (pn.SEGMENT_PITCHES, 1)]
    assert pairs[0][1].text.count("\n") < pairs[1][1].text.count("\n") / 4   # a real reduction
    vecs = ex.run_jobs([ngspice.Job(net, None, ops._read_vectors(op)) for op, net in pairs])
    for j, (states, op) in enumerate(cases):
        red, exp = (ops.read_measure(pairs[2 * j + i][1], vecs[2 * j + i], op, tech.vdd_v, rows)
                    for i in (0, 1))
        assert red["energy_j"] == pytest.approx(exp["energy_j"], rel=RTOL), (states, op)
        assert red["latency_s"] == pytest.approx(exp["latency_s"], rel=RTOL), (states, op)
        assert red["out_v"] == pytest.approx(exp["out_v"], abs=0.1 * tech.vdd_v)


"""The sense path at every column height (``ops.column_read_ops``) against its physics (ngspice).

The column bench drives the 20 uA read current into the near end of a bit line of ``rows``
cells (``netlists.periphery.sense_line``) whose far end holds the selected cell. Seen from
the current source that is one resistance R = v_settled / I (cell + access transistor +
wire) charging the line's capacitance C, so the 90 % development time of a single pole is
ln(10) R C. The distributed wire puts the truth between two single poles: the wire's own
resistance R_wire = rows x 8 F x r_wire is in series with only part of C, so
ln(10) (R - R_wire) C <= t_bl <= ln(10) R C. C is measured here on the same line alone
(current into the open line: C = I dt / dV over 20-200 mV, the sense range, so the
drains' voltage-dependent junctions count at the voltages the read sees).
"""

import math

import numpy as np
import pytest
from spincim.characterize import ops
from spincim.devices.technology import technology
from spincim.errors import SimulationError
from spincim.netlists import cell as cellmod
from spincim.netlists import ngspice
from spincim.netlists import periphery as pn
from spincim.netlists import spice_text as st

#: margin on the single-pole bounds for what they leave out: the junction capacitance is
#: an average over 20-200 mV and the MTJ's bias-dependent TMR makes R a few % higher at low
#: bias than at its settled value (a 2x error in t_bl or C still fails by far)
MARGIN = 0.05


def _line_capacitance_f(ex, tech, rows: int) -> float:
    i = cellmod.READ_CURRENT_A
    bench = st.circuit("line capacitance", [
        st.include(str(tech.card_path)), st.temperature(27.0),
        st.isource_pwl("Iin", "0", "rbl", [0.0, 1e-12], [0.0, i]),
        *pn.sense_line(tech, rows, 1)("rbl", "rbl_far"),
        st.analysis_line(st.tran(5e-12, 3e-9))])
    vec = ex.run_jobs([ngspice.Job(bench, None, ("time", "rbl_far"))])[0]
    t, v = np.asarray(vec["time"]), np.asarray(vec["rbl_far"])
    t_lo, t_hi = np.interp([0.02, 0.2], v, t)       # v rises monotonically
    return i * (t_hi - t_lo) / 0.18


@pytest.mark.ngspice
@pytest.mark.parametrize("rows", [256, 1024])
def test_bit_line_development_is_the_line_rc(ex, rows):
    tech = technology("45nm")
    c = _line_capacitance_f(ex, tech, rows)
    c_wire = rows * 8 * tech.node_m * tech.wire_c_f_per_m
    r_wire = rows * 8 * tech.node_m * tech.wire_r_ohm_per_m
    assert c > c_wire                   # the cells' drains load the line beyond its wire
    nets = [ops.read_netlist((ap,), "memory", tech=tech, temperature_k=300.0, rows=rows)
            for ap in (False, True)]
    vecs = ex.run_jobs([ngspice.Job(n, None, ops._read_vectors("memory")) for n in nets])
    for ap, net, vec in zip((False, True), nets, vecs):
        m = ops.read_measure(net, vec, "memory", tech.vdd_v, rows)
        r = m["v_rbl_v"] / cellmod.READ_CURRENT_A
        lo = math.log(10) * (r - r_wire) * c * (1 - MARGIN)
        hi = math.log(10) * r * c * (1 + MARGIN)
        assert lo <= m["t_bl_s"] <= hi, (ap, m["t_bl_s"], lo, hi)
        assert (m["out_v"] > 0.5 * tech.vdd_v) == ap       # and the latch reads the cell


@pytest.mark.ngspice
def test_unsettled_bit_line_at_the_clock_is_an_error(ex):
    """A 1024-row column clocked after the 64-row wait has not settled: measuring it
    raises instead of storing a truncated development time."""
    tech = technology("45nm")
    t_eval = ops.T_READ_S + ops.bl_wait_s(None)
    net = cellmod.read_circuit(
        (True,), "memory", tech=tech, sense_amp=True, c_bl_f=0.0, t_eval_s=t_eval,
        t_stop_s=t_eval + ops.T_LATCH_WAIT_S, read_step_s=(ops.T_READ_S, ops.T_READ_RISE_S),
        temperature_k=300.0, line=pn.sense_line(tech, 1024, 1))
    vec = ex.run_jobs([ngspice.Job(net, None, ops._read_vectors("memory"))])[0]
    with pytest.raises(SimulationError, match="not settled") as err:
        ops.read_measure(net, vec, "memory", tech.vdd_v, None)
    assert err.value.where == "node rbl"


def test_line_and_lumped_capacitor_are_exclusive():
    tech = technology("45nm")
    with pytest.raises(Exception, match="c_bl_f"):
        cellmod.read_circuit((True,), "memory", tech=tech, c_bl_f=10e-15,
                             line=pn.sense_line(tech, 64, 1))


def test_sense_line_loads_every_unselected_cell_once():
    """The ladder carries rows - selected off drains (m copies), whatever the lumping."""
    tech = technology("45nm")
    for rows, k, sel in ((64, 16, 2), (100, 16, 1), (64, 1, 2), (1024, 16, 1)):
        lines = pn.sense_line(tech, rows, sel, segment_pitches=k)("rbl", "far")
        m = [float(x.split(" m=")[1].split()[0]) if " m=" in x else 1.0
             for x in map(str, lines) if str(x).startswith("M")]
        assert sum(m) == rows - sel, (rows, k, sel)


@pytest.mark.ngspice
def test_small_margin_decision_at_the_tallest_column(ex):
    """OR of two P cells (the reference 6 mV above the bit line) at 1024 rows: the latch
    window keeps its 5 ps step under the long wait's large one (the clock's pwl corners),
    so the 00 pattern reads 0 as at 64 rows."""
    tech = technology("45nm")
    nets = [ops.read_netlist((False, False), "or", tech=tech, temperature_k=300.0, rows=r)
            for r in (64, 1024)]
    vecs = ex.run_jobs([ngspice.Job(n, None, ops._read_vectors("or")) for n in nets])
    got = [ops.read_measure(n, v, "or", tech.vdd_v, r)
           for n, v, r in zip(nets, vecs, (64, 1024))]
    assert all(m["out_v"] < 0.5 * tech.vdd_v for m in got)
    # the latch itself does not depend on the column: its decision time is the same
    assert got[1]["t_latch_s"] == pytest.approx(got[0]["t_latch_s"], rel=0.05)

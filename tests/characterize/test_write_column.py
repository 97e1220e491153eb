"""The write path of a column at every array size (``write_column``, ngspice)."""

import numpy as np
import pytest
from spincim.characterize import write_column as W
from spincim.characterize.ops import WRITE_N_ROWS, WRITE_PULSE_S
from spincim.devices import mtj as M
from spincim.devices.technology import technology
from spincim.netlists import array as arr


@pytest.fixture(scope="module")
def col45(ex):
    return W.write_column_ops("45nm", rows=(64, 256, 1024), quick=False, vdd_values=(1.0,),
                              temperatures_k=(300.0,), executor=ex)[0]


@pytest.mark.ngspice
def test_write_column_energy_above_the_dc_power_it_must_deliver(col45):
    """Lower bound, per direction: over the flat part of the pulse the write source holds
    the write current at a voltage higher by dV = V_w(rows) - V_w(4 rows), both from the
    DC calibration (an operating point, not this transient), so it delivers at least
    dV I t_pulse more. Measured 1.01-1.36 x the bound (64-1024 rows) (the rest charges the wires and the
    unselected cells, and the edges), so a halved energy fails; a doubled one fails the
    cap E < 2 x bound (a regression cap, not a physical bound)."""
    i_w = col45.calibration["i_write_a"]
    volts = col45.calibration["v_write_v"]
    assert i_w == M.IMCE_WRITE_CURRENT_A
    for k, n in enumerate(col45.axes[-1].values):
        lower = np.mean([(volts[f"b{b}_{n}_vdd1_t300"] - volts[f"b{b}_{WRITE_N_ROWS}_vdd1_t300"])
                         * i_w * WRITE_PULSE_S for b in (1, 0)])
        e = col45.energy_j[0, 0, k]
        assert lower < e < 2 * lower, (n, lower, e)


@pytest.mark.ngspice
def test_write_voltage_rises_by_at_least_the_wire_drop(col45):
    """The calibrated write voltage rises at least by I x 2 x (R_wire(rows) - R_wire(4)):
    the two wires are in series with the cell (the access transistor's source degeneration
    adds more, never less)."""
    tech = technology("45nm")
    i_w, volts = col45.calibration["i_write_a"], col45.calibration["v_write_v"]
    for n in col45.axes[-1].values:
        drop = i_w * 2 * (arr.column_wire_r_ohm(tech, n) - arr.column_wire_r_ohm(tech, WRITE_N_ROWS))
        for b in (1, 0):
            rise = volts[f"b{b}_{n}_vdd1_t300"] - volts[f"b{b}_{WRITE_N_ROWS}_vdd1_t300"]
            assert rise > 0.98 * drop, (n, b, rise, drop)   # 2 % = the sweep's 2 mV step
    assert np.all(np.diff(col45.energy_j[0, 0]) > 0)
    assert np.all(np.diff(col45.latency_s[0, 0]) > 0)


@pytest.mark.ngspice
def test_write_column_settles_at_the_calibrated_current(ex):
    """The transient's settled cell current equals the DC calibration's (within the
    sweep's interpolation: 1 %) at 64 and 1024 rows."""
    from spincim.characterize import calibration
    from spincim.netlists import periphery as pn

    tech, device = technology("45nm"), M.SotDevice()
    for n in (64, 1024):
        w = calibration.write_voltages([{"bit": 1, "tech": tech, "device": device,
                                         "r_wire_ohm": arr.column_wire_r_ohm(tech, n),
                                         "v_max": 2.5}], executor=ex)[0]
        bench = pn.write_column_bench(tech, n, 1, w.v_write_v, W._cell_lines(tech, device, 1),
                                      M.r_shm_ohm(device.shm), tech.vdd_v,
                                      t0_s=W.WRITE_T0_S, edge_s=W.WRITE_EDGE_S,
                                      pulse_s=W.WRITE_PULSE_S)
        _, _, settled = W.column_measure(ex.run_jobs([bench])[0])
        assert settled == pytest.approx(M.IMCE_WRITE_CURRENT_A, rel=0.01)

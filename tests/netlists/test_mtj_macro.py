"""The ngspice LLGS macromodel against the Python solver, and the static MTJ model."""

import numpy as np
import pytest

from spincim.characterize.executor import run_netlist
from spincim.devices import mtj as M
from spincim.devices import switching
from spincim.netlists import mtj_macro, ngspice
from spincim.netlists import spice_text as st

pytestmark = pytest.mark.ngspice


def _macro_bench(device, i_shm_a, v_read_v, stop_s, m0):
    lines = [*mtj_macro.dynamic_subckt("sot", device, m0=m0),
             mtj_macro.instance("Xc", ("fl", "0", "sa", "0"), "sot"),
             st.vsource_dc("Vread", "fl", "0", v_read_v),
             st.isource_dc("Ishm", "0", "sa", i_shm_a),
             st.options(reltol=1e-4, method="gear"),
             st.analysis_line(st.tran(1e-12, stop_s, max_step_s=mtj_macro.MAX_STEP_S, uic=True))]
    return run_netlist(st.netlist("macro", lines), timeout_s=120)


def _first_crossing(t, mx, level=-0.9):
    k = np.nonzero(mx <= level)[0]
    if not len(k):
        return float("nan")
    k = k[0]
    return float(np.interp(level, [mx[k], mx[k - 1]], [t[k], t[k - 1]]))


@pytest.mark.parametrize("ratio", [1.5, 2.0])
def test_macromodel_switching_time_matches_python(device, ratio):
    i = ratio * M.critical_current_a(device)
    tilt = switching.rms_thermal_tilt_rad(device)
    vec = _macro_bench(device, i, 0.0, 8e-9, switching.tilted_state(tilt))
    t_spice = _first_crossing(vec["time"], vec["xc.mx"])
    t_python = switching.switching_time_0k(device, i, dt_s=0.1e-12)
    print(f"I = {ratio} Ic0: macromodel {t_spice * 1e9:.3f} ns, python {t_python * 1e9:.3f} ns")
    assert t_spice == pytest.approx(t_python, rel=0.05)


def test_mtj_resistance_follows_magnetization(device):
    """With a small read bias, R = V / I goes from R_P to R_AP as the cell switches."""
    v = 0.01
    tilt = switching.rms_thermal_tilt_rad(device)
    vec = _macro_bench(device, 2 * M.critical_current_a(device), v, 6e-9,
                       switching.tilted_state(tilt))
    r = v / -vec["vread#branch"]
    assert r[0] == pytest.approx(M.resistance_ohm(device.mtj, vec["xc.mx"][0], v), rel=1e-3)
    assert r[-1] == pytest.approx(M.r_ap_ohm(device.mtj, v), rel=0.02)
    # at every time point the resistance is G(theta, V)^-1 of the simulated state
    mx = vec["xc.mx"] / np.sqrt(vec["xc.mx"] ** 2 + vec["xc.my"] ** 2 + vec["xc.mz"] ** 2)
    np.testing.assert_allclose(r, M.resistance_ohm(device.mtj, mx, v), rtol=1e-3)


@pytest.mark.parametrize("state_ap", [False, True])
@pytest.mark.parametrize("v", [0.05, 0.3])
def test_static_model_resistance(device, state_ap, v):
    lines = [*mtj_macro.static_subckt("mtjs", device.mtj, state_ap=state_ap),
             mtj_macro.instance("Xm", ("a", "0"), "mtjs"), st.vsource_dc("Va", "a", "0", v), st.analysis_line(st.op())]
    vec = run_netlist(st.netlist("static", lines))
    r = v / -vec["va#branch"][0]
    expected = M.r_ap_ohm(device.mtj, v) if state_ap else M.r_p_ohm(device.mtj)
    assert r == pytest.approx(expected, rel=1e-9)


def _thermal_run(device, seed):
    noise, nodes = mtj_macro.thermal_sources("c", dt_s=2e-12, duration_s=2e-9,
                                             rng=np.random.default_rng(seed))
    lines = [*mtj_macro.dynamic_subckt("sot", device, m0=(1, 0, 0), thermal_dt_s=2e-12),
             mtj_macro.instance("Xc", ("fl", "0", "sa", "0", *nodes), "sot"), *noise,
             st.vsource_dc("Vread", "fl", "0", 0.0), st.isource_dc("Ishm", "0", "sa", 0.0),
             st.analysis_line(st.tran(2e-12, 2e-9, max_step_s=1e-12, uic=True))]
    return st.netlist("thermal", lines)


def test_thermal_macromodel_fluctuates_in_its_well_and_is_seeded(device):
    """The Brown field from seeded PWL sources: a fluctuating, bounded, reproducible state."""
    with ngspice.Worker(timeout_s=120) as worker:
        vec = worker.run(_thermal_run(device, 7))
        again = worker.run(_thermal_run(device, 7))
        other = worker.run(_thermal_run(device, 8))
    np.testing.assert_array_equal(vec["xc.my"], again["xc.my"])
    assert not np.array_equal(vec["xc.my"], other["xc.my"])
    my = vec["xc.my"]
    assert np.std(my) > 0.01  # it moves
    assert np.all(vec["xc.mx"] > 0.5)  # and stays in its well (Delta = 40)


def test_bad_instance_name_refused(device):
    from spincim.errors import ParameterError
    with pytest.raises(ParameterError):
        mtj_macro.dynamic_subckt("sot\n.control", device)

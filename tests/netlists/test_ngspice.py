"""The ngspice runner: analytic circuits, alter, typed errors, timeouts, workers, memory."""

import os
import pickle
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest

from spincim.devices.technology import technology
from spincim.errors import ConvergenceError, ParameterError, SimulationError, SimulationTimeout
from spincim.characterize.executor import LocalExecutor
from spincim.netlists import ngspice as ng
from spincim.netlists import spice_text as st

pytestmark = pytest.mark.ngspice

TECH = technology("45nm")


def divider(r1_ohm=1e3, r2_ohm=3e3, v=1.0, analysis_line=None):
    lines = [st.vsource_dc("V1", "in", "0", v), st.resistor("R1", "in", "out", r1_ohm),
             st.resistor("R2", "out", "0", r2_ohm)]
    return st.netlist("divider", lines + ([analysis_line] if analysis_line else []))


def nmos_load(r_ohm=1e3):
    return st.netlist("nmos with load", [
        st.include(TECH.card_path), st.vsource_dc("VD", "vdd", "0", TECH.vdd_v),
        st.vsource_dc("VG", "g", "0", TECH.vdd_v), st.resistor("R1", "vdd", "d", r_ohm),
        st.mosfet("M1", "d", "g", "0", "0", TECH.nmos_model, w_m=3 * TECH.l_min_m,
                  l_m=TECH.l_min_m)])


@pytest.fixture(scope="module")
def worker():
    with ng.Worker(timeout_s=30.0) as w:
        yield w


def test_divider_op_is_exact(worker):
    result = worker.run(divider(), st.op())
    assert set(result) == {"in", "out", "v1#branch"}
    assert result["out"] == pytest.approx([0.75], rel=1e-12)
    assert result["v1#branch"] == pytest.approx([-1.0 / 4e3], rel=1e-12)


def test_analysis_from_the_netlist_and_vector_selection(worker):
    result = worker.run(divider(analysis_line=".op"), vectors=["OUT"])
    assert list(result) == ["out"]
    with pytest.raises(SimulationError, match="no vector nope"):
        worker.run(divider(), "op", vectors=["nope"])


def test_rc_transient_matches_exponential(worker):
    r_ohm, c_f = 1e3, 1e-9
    tau = r_ohm * c_f
    text = st.netlist("rc", [st.vsource_dc("V1", "in", "0", 1.0),
                             st.resistor("R1", "in", "out", r_ohm),
                             st.capacitor("C1", "out", "0", c_f, ic_v=0.0)])
    result = worker.run(text, st.tran(tau / 100, 5 * tau, max_step_s=tau / 100, uic=True))
    t, v = result["time"], result["out"]
    # ngspice 39 with uic stores no t = 0 point: the first is a tiny initial step
    assert 0 < t[0] < tau / 100 and t[-1] == pytest.approx(5 * tau)
    assert len(t) > 100
    np.testing.assert_allclose(v, 1 - np.exp(-t / tau), atol=0.005)


def test_dc_sweep_returns_the_sweep_vector(worker):
    result = worker.run(divider(), st.dc("V1", 0.0, 2.0, 0.25))
    np.testing.assert_allclose(result["v-sweep"], np.arange(0, 2.01, 0.25), atol=1e-12)
    np.testing.assert_allclose(result["out"], 0.75 * result["v-sweep"], rtol=1e-12, atol=1e-15)


def test_alter_changes_the_result(worker):
    worker.load(divider())
    assert worker.simulate()["out"] == pytest.approx([0.75])
    worker.alter(ng.Alter("R2", "resistance", 1e3))
    assert worker.simulate()["out"] == pytest.approx([0.5])
    values = [1e3, 3e3, 9e3]
    results = worker.sweep([[ng.Alter("R2", "resistance", r)] for r in values],
                           vectors=["out"])
    assert [r["out"][0] for r in results] == pytest.approx([r / (1e3 + r) for r in values])
    worker.unload()
    with pytest.raises(SimulationError, match="no circuit loaded"):
        worker.simulate()


def test_altermod_and_delvto_change_the_mosfet(worker):
    worker.load(nmos_load())
    base = worker.simulate()["vd#branch"][0]
    slower = worker.simulate(alters=[ng.Alter("M1", "delvto", 0.1)])["vd#branch"][0]
    back = worker.simulate(alters=[ng.Alter("M1", "delvto", 0.0)])["vd#branch"][0]
    assert abs(slower) < abs(base) and back == base
    worker.alter(ng.Alter(TECH.nmos_model, "vth0", 0.3, model=True))
    assert abs(worker.simulate()["vd#branch"][0]) > abs(base)


def test_alter_of_an_unknown_element_names_it(worker):
    worker.load(divider())
    with pytest.raises(SimulationError) as info:
        worker.alter(ng.Alter("R9", "resistance", 1.0))
    assert info.value.where == "r9"
    with pytest.raises(SimulationError, match="no such parameter"):
        worker.alter(ng.Alter("R1", "nosuch", 1.0))
    batches = [[ng.Alter("R1", "resistance", 2e3)], [ng.Alter("R8", "resistance", 1.0)]]
    with pytest.raises(SimulationError, match="batch 1: ") as info:
        worker.sweep(batches)
    assert info.value.where == "r8"


def test_unknown_model_names_the_line(worker):
    text = st.netlist("bad model", [st.vsource_dc("V1", "d", "0", 1.0),
                                    st.mosfet("M1", "d", "d", "0", "0", "nosuch",
                                              w_m=1e-7, l_m=4.5e-8)])
    with pytest.raises(SimulationError) as info:
        worker.run(text, "op")
    assert type(info.value) is SimulationError
    assert info.value.where.startswith("m1 d d 0 0 nosuch")
    assert "model" in str(info.value)
    assert "nosuch" in info.value.log and "--- netlist ---" in info.value.log


def test_missing_include_names_the_file(worker):
    text = st.netlist("inc", [st.include("/nonexistent/card.lib"),
                              st.resistor("R1", "a", "0", 1.0)])
    with pytest.raises(SimulationError) as info:
        worker.run(text, "op")
    assert info.value.where == "/nonexistent/card.lib"


def test_the_job_after_a_missing_include_runs(worker):
    """ngspice 46 unloads itself on a missing include (its worker exits after the reply);
    the next call must start a new worker, not fail on the exiting one (39: no exit)."""
    text = st.netlist("inc", [st.include("/nonexistent/card.lib"),
                              st.resistor("R1", "a", "0", 1.0)])
    for _ in range(2):
        with pytest.raises(SimulationError):
            worker.run(text, "op")
        assert worker.run(divider(), "op")["out"] == pytest.approx([0.75])


def test_floating_node_is_a_convergence_error_naming_it(worker):
    text = st.netlist("floating", [st.vsource_dc("V1", "in", "0", 1.0),
                                   st.resistor("R1", "in", "out", 1e3),
                                   st.capacitor("C1", "out", "mid", 1e-12),
                                   st.capacitor("C2", "mid", "0", 1e-12)])
    with pytest.raises(ConvergenceError) as info:
        worker.run(text, "op")
    assert info.value.where == "mid"
    assert "singular matrix" in str(info.value)


def test_voltage_source_loop_names_the_branch(worker):
    text = st.netlist("loop", [st.vsource_dc("V1", "a", "0", 1.0),
                               st.vsource_dc("V2", "a", "0", 2.0),
                               st.resistor("R1", "a", "0", 1e3)])
    with pytest.raises(ConvergenceError) as info:
        worker.run(text, "op")
    assert info.value.where in {"v1#branch", "v2#branch"}


def test_non_convergence_names_the_node(worker):
    text = st.netlist("no solution", [
        st.vsource_dc("V1", "in", "0", 1.0), st.resistor("R1", "in", "a", 1e3),
        st.bsource_current("B1", "a", "0", "v({n}) > {t} ? {i} : -{i}", n="a", t=0.5, i=1.0)])
    with pytest.raises(ConvergenceError) as info:
        worker.run(text, "op")
    assert info.value.where == "a"
    assert "timestep too small" in str(info.value).lower()


def test_errors_survive_pickling(worker):
    with pytest.raises(ConvergenceError) as info:
        worker.run(st.netlist("f", [st.vsource_dc("V1", "a", "0", 1.0),
                                    st.capacitor("C1", "a", "b", 1e-12)]), "op")
    copy = pickle.loads(pickle.dumps(info.value))
    assert type(copy) is ConvergenceError
    assert (copy.where, copy.log, str(copy)) == (info.value.where, info.value.log,
                                                 str(info.value))


def test_control_blocks_and_commands_are_refused(worker):
    bad = divider().replace(".end", ".control\nshell touch /tmp/x\n.endc\n.end")
    with pytest.raises(ParameterError):
        worker.run(bad)
    with pytest.raises(ParameterError):
        worker.run(divider(), "shell touch /tmp/x")
    with pytest.raises(ParameterError):
        worker.run(divider(), "op; shell ls")
    with pytest.raises(ParameterError):
        ng.Alter("R1", "resistance\n", 1.0)


def test_no_analysis_is_an_error(worker):
    with pytest.raises(SimulationError, match="no plot"):
        worker.run(divider())


def test_timeout_kills_the_worker_and_the_next_job_runs():
    with ng.Worker() as w:
        pid = w.pid
        text = divider().replace(".end", st.capacitor("C1", "out", "0", 1e-9) + "\n.end")
        with pytest.raises(SimulationTimeout) as info:
            w.run(text, st.tran(1e-15, 1.0, max_step_s=1e-15), timeout_s=1.0)
        assert "divider" in info.value.log
        assert w.run(divider(), "op")["out"] == pytest.approx([0.75])
        assert w.pid != pid


def test_a_dying_worker_raises_with_its_exit_code():
    with ng.Worker() as w:
        text = divider().replace(".end", st.capacitor("C1", "out", "0", 1e-9) + "\n.end")
        killer = threading.Timer(0.5, os.kill, (w.pid, signal.SIGKILL))
        killer.start()
        with pytest.raises(SimulationError, match=f"exit code -{int(signal.SIGKILL)}"):
            w.run(text, st.tran(1e-15, 1.0, max_step_s=1e-15), timeout_s=30.0)
        killer.join()
        assert w.run(divider(), "op")["out"] == pytest.approx([0.75])


def _jobs():
    jobs = [ng.Job(divider(r1_ohm=1e3 * (k + 1)), "op") for k in range(6)]
    jobs += [ng.Job(nmos_load(r_ohm=500.0 * (k + 1)), st.dc("VG", 0.0, 1.0, 0.1))
             for k in range(6)]
    return jobs


def test_results_do_not_depend_on_the_worker_count():
    jobs = _jobs()
    with LocalExecutor(1) as ex1, LocalExecutor(2) as ex2:
        one, two = ex1.run_jobs(jobs), ex2.run_jobs(jobs)
    assert len(one) == len(two) == len(jobs)
    for a, b in zip(one, two):
        assert a.keys() == b.keys()
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
    assert one[2]["out"] == pytest.approx([3 / 6])


def test_executor_jobs_errors_in_order():
    jobs = [ng.Job(divider(), "op"), ng.Job(divider(), st.dc("VX", 0, 1, 0.5)),
            ng.Job(divider(), "op")]
    with LocalExecutor(2) as ex:
        results = ex.run_jobs(jobs, return_exceptions=True)
        assert isinstance(results[1], SimulationError) and results[1].where == "vx"
        assert results[2]["out"] == pytest.approx([0.75])
        with pytest.raises(SimulationError):
            ex.run_jobs(jobs)


def test_worker_sweep_of_alters(worker):
    worker.load(divider())
    batches = [[ng.Alter("R2", "resistance", 1e3 * (k + 1))] for k in range(10)]
    swept = worker.sweep(batches, vectors=["out"])
    assert [r["out"][0] for r in swept] == pytest.approx([(k + 1) / (k + 2) for k in range(10)])


def test_worker_memory_stays_bounded(worker):
    text = nmos_load()
    for _ in range(50):
        worker.run(text, "op")
    before = worker.rss_bytes()
    for _ in range(300):
        worker.run(text, "op")
    worker.load(text)
    worker.sweep([[ng.Alter("R1", "resistance", 1e3 + k)] for k in range(1000)],
                 vectors=["d"])
    assert worker.rss_bytes() - before < 20e6  # measured: < 1 MB per 300 jobs


def test_recycling_after_max_jobs():
    with ng.Worker(max_jobs=3) as w:
        pid = w.pid
        for _ in range(3):
            w.run(divider(), "op")
        assert w.pid == pid
        w.run(divider(), "op")
        assert w.pid != pid


def test_ngspice_version():
    with LocalExecutor(1) as ex:
        version = ex.ngspice_version()
    assert version.isdigit() and int(version) >= 36


def test_pyspice_version_warning_stays_in_the_worker(capfd):
    with ng.Worker() as w:
        w.run(divider(), "op")
    captured = capfd.readouterr()
    assert "Unsupported" not in captured.err + captured.out


def test_importing_the_runner_loads_no_pyspice():
    code = ("import sys, spincim.netlists.ngspice; "
            "assert not any(m.startswith('PySpice') for m in sys.modules), 'PySpice loaded'")
    subprocess.run([sys.executable, "-c", code], check=True)

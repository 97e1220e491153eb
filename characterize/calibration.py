"""Calibrations that size a circuit from a simulation: the IMCE write voltage.

:func:`write_voltage` finds the bit-line voltage that drives the write current through
the far-end cell of a column (a DC sweep of
:func:`spincim.netlists.array.write_calibration_netlist`), so writes are characterized
at the paper's current (IMCE III-B: 120 uA), not at a tuned voltage. The buffer-cell
calibration of CORN's majority driver is :func:`spincim.characterize.driver.calibrate_buffer_device`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..devices import mtj as M
from ..devices.technology import Technology, technology
from ..errors import (MemoryLimitError, ParameterError, SimulationError, SimulationTimeout,
                      WorkerDiedError)
from ..netlists import array as arr
from ..netlists import ngspice
from ..netlists import spice_text as st
from .executor import executor_scope

__all__ = ["WriteVoltage", "write_voltage", "write_voltages", "write_voltage_from_sweep",
           "check_technology"]

_VECTORS = ("v-sweep", "vwr#branch")


@dataclass(frozen=True)
class WriteVoltage:
    """A calibrated write: the voltage (V) and the current it drives there (A)."""

    bit: int
    v_write_v: float
    i_write_a: float


def write_voltage_from_sweep(vec, i_target_a: float) -> WriteVoltage:
    """The voltage at which the swept write current reaches ``i_target_a``."""
    v = np.asarray(vec["v-sweep"], dtype=float)
    i = -np.asarray(vec["vwr#branch"], dtype=float)
    if i[-1] < i_target_a:
        raise ParameterError("i_target_a", f"{i_target_a:g} A not reachable at "
                                           f"{v[-1]:g} V (max {i[-1]:g} A)")
    v_w = float(np.interp(i_target_a, i, v))
    return WriteVoltage(-1, v_w, float(np.interp(v_w, v, i)))


def write_voltages(points: Sequence[dict], *, i_target_a: float = M.IMCE_WRITE_CURRENT_A,
                   executor=None, checkpoint=None,
                   stage: str = "write_voltage") -> list[WriteVoltage]:
    """Calibrate many writes at once: each point is the keyword set of
    :func:`~spincim.netlists.array.write_calibration_netlist` (``bit`` included)."""
    jobs = [ngspice.Job(arr.write_calibration_netlist(**p), None, _VECTORS) for p in points]
    with executor_scope(executor) as ex:
        sweeps = ex.run_jobs(jobs, timeout_s=300, checkpoint=checkpoint, stage=stage)
    out = []
    for p, vec in zip(points, sweeps):
        w = write_voltage_from_sweep(vec, i_target_a)
        out.append(WriteVoltage(int(bool(p["bit"])), w.v_write_v, w.i_write_a))
    return out


def write_voltage(bit: int, *, tech: Technology | None = None,
                  device: M.SotDevice | None = None, n_rows: int = 4,
                  i_target_a: float = M.IMCE_WRITE_CURRENT_A,
                  w_write_mult: float | None = None, executor=None) -> WriteVoltage:
    """Write voltage (V) giving ``i_target_a`` through the far-end cell of an ``n_rows``
    column, and the current measured at that voltage (A): one ngspice DC sweep."""
    tech = tech or technology("45nm")
    point = {"bit": bit, "tech": tech, "device": device, "w_write_mult": w_write_mult,
             "r_wire_ohm": arr.column_wire_r_ohm(tech, n_rows)}
    return write_voltages([point], i_target_a=i_target_a, executor=executor)[0]


def check_technology(tech: Technology, *, executor=None) -> None:
    """ngspice loads ``tech``'s model card and finds both named models (one ``op`` of an
    NMOS and a PMOS at VDD); else one :class:`ParameterError` naming the file and model.

    Run before any long characterization, so a bad card fails in a second, not after
    the first step.
    """
    l = tech.l_min_m
    lines = [st.include(str(tech.card_path)),
             st.vsource_dc("Vdd", "vdd", "0", tech.vdd_v),
             st.mosfet("Mn", "vdd", "vdd", "0", "0", tech.nmos_model, w_m=3 * l, l_m=l),
             st.mosfet("Mp", "0", "0", "vdd", "vdd", tech.pmos_model, w_m=3 * l, l_m=l),
             st.analysis_line(st.op())]
    text = st.netlist(f"spincim technology check {tech.name}", lines)
    try:
        with executor_scope(executor) as ex:
            vec = ex.run_jobs([ngspice.Job(text, None, ("vdd#branch",))], timeout_s=60,
                              stage="technology_check")[0]
    except (SimulationTimeout, MemoryLimitError, WorkerDiedError):
        raise
    except SimulationError as exc:
        raise ParameterError("technology.card", f"ngspice cannot use {tech.card_path} with "
                             f"models {tech.nmos_model}/{tech.pmos_model}: {exc.message} "
                             f"{('(' + exc.where + ')') if exc.where else ''}".rstrip()) from None
    current = float(-vec["vdd#branch"][0])
    if not current > 0:
        raise ParameterError("technology.card", f"{tech.card_path}: the NMOS/PMOS at VDD "
                             f"conduct no current ({current:g} A); check the model names")

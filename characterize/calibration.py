"""Calibrations that size a circuit from a simulation: the IMCE write voltage.

:func:`write_voltage` finds the bit-line voltage that drives the write current through
the far-end cell of a column (a DC sweep of
:func:`spincim.netlists.array.write_calibration_netlist`), so writes are characterized
at the paper's current (IMCE III-B: 120 uA), not at a tuned voltage. The buffer-cell
calibration of CORN's majority driver is :func:`spincim.characterize.driver.calibrate_buffer_device`.

The transistor write driver of the column (:func:`spincim.netlists.periphery.write_driver_bench`)
is sized by :func:`write_driver_size` and its rail calibrated by :func:`write_rail_voltages`
(a DC sweep through the driver to the same current).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

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
           "WriteDriverSize", "write_driver_size", "write_rail_voltages", "DRIVER_R_FRACTION",
           "DRIVER_SIZING_ROWS", "check_technology"]

_VECTORS = ("v-sweep", "vwr#branch")


@dataclasses.dataclass(frozen=True)
class WriteVoltage:
    """A calibrated write: the voltage (V) and the current it drives there (A)."""

    bit: int
    v_write_v: float
    i_write_a: float


def write_voltage_from_sweep(vec, i_target_a: float, *,
                             current: str = "vwr#branch") -> WriteVoltage:
    """The voltage at which the swept write current reaches ``i_target_a``: the current is
    -``current`` (a source's branch; ``vcell#branch``: its magnitude, a probe)."""
    v = np.asarray(vec["v-sweep"], dtype=float)
    i = np.asarray(vec[current], dtype=float)
    i = np.abs(i) if current == "vcell#branch" else -i
    reached = np.flatnonzero(i >= i_target_a)
    if reached.size == 0:
        raise ParameterError("i_target_a", f"{i_target_a:g} A not reachable up to "
                                           f"{v[-1]:g} V (max {np.max(i):g} A)")
    # the first crossing: through a driver the current falls again at high rails (the
    # off transistors leak), so the curve need not be monotonic
    k = max(int(reached[0]), 1)
    v_w = float(np.interp(i_target_a, i[k - 1:k + 1], v[k - 1:k + 1]))
    return WriteVoltage(-1, v_w, float(np.interp(v_w, v[k - 1:k + 1], i[k - 1:k + 1])))


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


def write_rail_voltages(sweeps: Sequence, bits: Sequence[int], *,
                        i_target_a: float = M.IMCE_WRITE_CURRENT_A, short: str = "raise",
                        executor=None, checkpoint=None,
                        stage: str = "write_rail") -> list[WriteVoltage]:
    """Calibrate write rails: each of ``sweeps`` is a
    :func:`~spincim.netlists.periphery.write_driver_sweep` netlist (bit ``bits[k]``); the
    rail at which the far cell's current (probe ``Vcell``) first reaches ``i_target_a``.

    Where it never does: ``short`` = "raise" raises :class:`ParameterError`; "peak" returns
    the rail of the largest current of the sweep and that current (``i_write_a`` <
    ``i_target_a``: the column cannot be written at the target current).
    """
    if short not in ("raise", "peak"):
        raise ParameterError("short", f"must be 'raise' or 'peak', got {short!r}")
    jobs = [ngspice.Job(n, None, ("v-sweep", "vcell#branch")) for n in sweeps]
    with executor_scope(executor) as ex:
        vecs = ex.run_jobs(jobs, timeout_s=300, checkpoint=checkpoint, stage=stage)
    out = []
    for b, vec in zip(bits, vecs):
        try:
            w = write_voltage_from_sweep(vec, i_target_a, current="vcell#branch")
        except ParameterError:
            if short == "raise":
                raise
            i = np.abs(np.asarray(vec["vcell#branch"], dtype=float))
            k = int(np.argmax(i))
            w = WriteVoltage(-1, float(vec["v-sweep"][k]), float(i[k]))
        out.append(WriteVoltage(int(bool(b)), w.v_write_v, w.i_write_a))
    return out


#: each driver transistor in the write current's path (the driving end's PMOS, the other
#: end's NMOS) has this fraction of the column's linear path resistance as on-resistance
#: (the two together: twice that)
DRIVER_R_FRACTION = 0.025
#: :func:`write_driver_size`'s default column (the largest of the default grid);
#: ``write_column`` sizes for its grid's largest
DRIVER_SIZING_ROWS = 1024
#: width (x l_min) of the reference transistors the driver widths are scaled from
_W_REF_MULT = 20.0


@dataclasses.dataclass(frozen=True)
class WriteDriverSize:
    """The write driver's widths and the numbers of the rule that gave them.

    ``wp_mult``, ``wn_mult``: PMOS and NMOS widths (x l_min); ``r_on_ohm``: each one's
    on-resistance at the write current at its sizing point (Ohm); ``r_path_ohm``: the
    column's linear path resistance it is ``fraction`` of; ``v_rail_v``: the PMOS's source (and
    |V_GS|) at its sizing point; ``v_gate_n_v``: the NMOS's V_GS there; ``rows``: the
    column it is sized for.
    """

    wp_mult: float
    wn_mult: float
    r_on_ohm: float
    r_path_ohm: float
    v_rail_v: float
    v_gate_n_v: float
    rows: int
    fraction: float

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def _on_currents(tech: Technology, wp_mult: float, wn_mult: float, v_rail_v: float,
                 v_ds_v: float, ex) -> tuple[float, float]:
    """(PMOS, NMOS) drain currents (A) at |V_DS| = ``v_ds_v``: PMOS source and bulk at
    ``v_rail_v``, gate 0; NMOS gate at VDD; 300 K."""
    lines = [st.include(str(tech.card_path)), st.temperature(300.0 - 273.15),
             st.vsource_dc("Vr", "vr", "0", v_rail_v),
             st.vsource_dc("Vdp", "dp", "0", v_rail_v - v_ds_v),
             st.vsource_dc("Vdn", "dn", "0", v_ds_v),
             st.vsource_dc("Vgn", "gn", "0", tech.vdd_v),
             st.mosfet("Mp", "dp", "0", "vr", "vr", tech.pmos_model,
                       w_m=wp_mult * tech.l_min_m, l_m=tech.l_min_m),
             st.mosfet("Mn", "dn", "gn", "0", "0", tech.nmos_model,
                       w_m=wn_mult * tech.l_min_m, l_m=tech.l_min_m),
             st.analysis_line(st.op())]
    text = st.netlist(f"spincim write driver sizing {tech.name}", lines)
    vec = ex.run_jobs([ngspice.Job(text, None, ("vdp#branch", "vdn#branch"))], timeout_s=60,
                      stage="write_driver_size")[0]
    # the PMOS's drain current flows into Vdp (+), the NMOS's out of Vdn (+)
    return float(vec["vdp#branch"][0]), float(-vec["vdn#branch"][0])


def write_driver_size(tech: Technology, *, device: M.SotDevice | None = None,
                      i_write_a: float = M.IMCE_WRITE_CURRENT_A,
                      rows: int = DRIVER_SIZING_ROWS, fraction: float = DRIVER_R_FRACTION,
                      executor=None) -> WriteDriverSize:
    """Size the column's write driver from the technology (its nominal VDD, 300 K).

    Rule: each driver transistor in the write current's path has the on-resistance
    R_on = ``fraction`` x R_path, R_path = 2 R_wire + R_SHM the linear resistance of the
    path through the far cell of a ``rows``-row column (WBL and SL,
    :func:`array.column_wire_r_ohm`, and the heavy metal; the access transistor is left
    out: its V / I is no resistance). R_on is met at the write current, i.e. the
    transistor carries I_write at |V_DS| = I_write R_on: the NMOS pull-down with
    V_GS = VDD (its gate from VDD CMOS), the PMOS pull-up with source and bulk at the
    rail and |V_GS| = max(V_ideal, VDD), V_ideal the ideal-source write voltage of that
    column (the larger direction; :func:`write_voltages`, lumped wires): to first order
    the rail the largest column needs, its gate pulled to 0. Where that rail is below
    VDD the PMOS is sized at VDD: at a rail near its threshold no width gives it R_on
    (the rail calibration raises the rail instead). Widths from reference transistors of
    20 l_min scaled by I_write / I_ref, then once more at the scaled width (BSIM's width
    dependence), in ngspice ``.op`` runs.

    Why the linear path and not V_ideal / I_write: at the largest columns the access
    transistor is near saturation with its source lifted by the SL wire, so the cell
    current falls steeply with any resistance on the SL side; 2.5 % of V_ideal / I_write
    (300 Ohm at 45 nm, 1024 rows) left a 1024-row P -> AP write short of 120 uA at any
    rail up to 2.5 V.
    """
    device = device or M.SotDevice()
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise ParameterError("rows", f"must be an integer >= 1, got {rows!r}")
    if not 0.0 < fraction < 1.0:
        raise ParameterError("fraction", f"must be in (0, 1), got {fraction!r}")
    r_wire = arr.column_wire_r_ohm(tech, rows)
    r_path = 2 * r_wire + M.r_shm_ohm(device.shm)
    points = [{"bit": b, "tech": tech, "device": device, "temperature_k": 300.0,
               "r_wire_ohm": r_wire, "v_max": 3.0 * tech.vdd_v} for b in (1, 0)]
    with executor_scope(executor) as ex:
        try:
            v_ideal = max(w.v_write_v for w in write_voltages(points, i_target_a=i_write_a,
                                                              executor=ex,
                                                              stage="write_driver_size"))
        except ParameterError as exc:
            raise ParameterError("rows", f"write driver sizing: {exc.message} through the "
                                 f"far cell of a {rows}-row column") from None
        r_on = fraction * r_path
        v_ds = i_write_a * r_on
        v_rail = max(v_ideal, tech.vdd_v)
        wp, wn = _W_REF_MULT, _W_REF_MULT
        for _ in range(2):
            i_p, i_n = _on_currents(tech, wp, wn, v_rail, v_ds, ex)
            if not (i_p > 0 and i_n > 0):
                raise SimulationError(f"write driver sizing: no on-current ({i_p:g}, {i_n:g} A)",
                                      where=str(tech.card_path))
            wp, wn = wp * i_write_a / i_p, wn * i_write_a / i_n
    return WriteDriverSize(float(wp), float(wn), float(r_on), float(r_path), float(v_rail),
                           float(tech.vdd_v), rows, float(fraction))


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

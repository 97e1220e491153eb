"""The write path of a column at every array size: LUT op ``write_column`` (ngspice).

The LUT's ``write_p_to_ap`` / ``write_ap_to_p`` write one cell at the far end of a
:data:`ops.WRITE_N_ROWS`-row column from an ideal source. In an array of ``rows`` rows the
write current runs from a write driver through ``rows`` pitches of WBL and SL:
``write_column`` is what that real path adds, at each rows value and (vdd_v,
temperature_k) corner.

The driver (:func:`netlists.periphery.write_driver_bench`): at each end of the column a
PMOS pull-up from the write rail V_W and an NMOS pull-down to ground, no tri-state (the
idle end pulls down); IMCE writes both ways, bit 1 (P -> AP) drives WBL from the rail
with SL pulled down, bit 0 the reverse. The NMOS gates swing 0 .. VDD (VDD CMOS); the
PMOS gates 0 .. max(V_W, VDD), above VDD through a level shifter, modelled as an ideal
source swinging to the rail. Both are sized once per technology and grid
(:func:`calibration.write_driver_size`): each transistor in the current's path has, at
the write current, :data:`calibration.DRIVER_R_FRACTION` (2.5 %) of the linear path
resistance (both wires and the heavy metal) of the grid's largest column (1024 rows by
default), the NMOS at V_GS = VDD, the PMOS at |V_GS| = the ideal-source write voltage of
that column (VDD if lower); at 45 nm, 1024 rows: 90.0 Ohm of 3599 Ohm, PMOS 78.5 l_min,
NMOS 57.4 l_min. The same driver serves every height of the grid (the quick grid keeps
the largest, so it sizes the same driver).

Per point, the rail is calibrated by a DC sweep through the driver and the column
(:func:`netlists.periphery.write_driver_sweep`, :func:`calibration.write_rail_voltages`):
the first rail at which the far cell carries the write current. The transient
(lumped-segment WBL and SL ladders, each segment's unselected cells as ``m`` copies of
their write NMOS and heavy metal, the selected cell static at the far end) at that rail
gives

* energy: the rail's energy up to the end of the pulse (its standby leakage after it is
  not the write's) plus the driver gates' energy (each gate source taken as the
  CMOS stage on its high level: that level x the charge it delivers outside its low
  phase) at ``rows``, minus the write op's ideal write source's energy at WRITE_N_ROWS
  rows (:func:`netlists.periphery.write_column_bench`, calibrated as the write op), the
  mean of the two directions (as the estimator's write);
* latency: the 90 % point of the cell current from the gate edge at ``rows`` minus the
  ideal source's at WRITE_N_ROWS, the larger of the two directions (0 if negative).

The cell's MTJ stays in its initial state in both (its switching is the write op's); the
difference removes the cell's own energy, so the op adds the driver and the long column
to the write op without counting the cell twice.

At 45 nm, 1 V, 300 K the rail is 0.52 / 0.55 / 1.57 V at 64 / 256 / 1024 rows (P -> AP;
AP -> P 0.51 / 0.53 / 0.99 V), against an ideal source's 0.33 / 0.43 / 1.44 V: at short
columns the rail sits near the PMOS's threshold, whose drop (~0.2 V) then dominates; at
1024 rows the SL-side NMOS lifts the access transistor's source, which is near
saturation. Where no rail up to :data:`V_MAX_OVER_VDD` x VDD gets the write current
through the far cell (45 nm, 1024 rows: P -> AP at 0.9 V (300 and 358 K) and at 1 V,
358 K, AP -> P at 0.9 V, 358 K; 512 rows: P -> AP at 0.9 V, 358 K; the current peaks at
rails of ~1.75 V, where the off transistors' leakage starts to lift SL further), the
point is taken at the rail of the peak current and listed in the calibration
(``short_of_current``; ``i_cell_a`` holds the current of every point).

The calibration (the LUT provenance) holds ``v_write_v`` (the rails, keyed
``b<bit>_<rows>_vdd<V>_t<K>``), ``i_cell_a``, ``short_of_current``,
``v_write_reference_v`` (the ideal WRITE_N_ROWS-row voltages subtracted),
``driver_gate_energy_j`` and ``write_driver`` (the sizing). The estimator adds the op to
every write and reports, for the array's rows, whether the rail exceeds VDD
(docs/physics.md, "Array periphery at every size").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from ..devices import mtj as M
from ..devices.technology import Technology, technology
from ..errors import ParameterError, SimulationError
from ..netlists import array as arr
from ..netlists import cell as cellmod
from ..netlists import mtj_macro
from ..netlists import periphery as pn
from . import calibration
from .executor import executor_scope
from .opdata import AxisSpec, OpCharacterization, integrate_power_j, sha256_text
from .ops import WRITE_EDGE_S, WRITE_N_ROWS, WRITE_PULSE_S, WRITE_T0_S
from .periphery import corners

__all__ = ["write_column_ops", "column_measure", "driver_measure", "DriverWrite",
           "V_MAX_OVER_VDD"]

#: the write voltage sweep goes up to this multiple of VDD (45 nm, 0.9 V, 358 K: a
#: 1024-row column needs 2.1 V)
V_MAX_OVER_VDD = 2.5


def _cell_lines(tech: Technology, device: M.SotDevice, bit: int) -> list[str]:
    """Subckt ``wcell``: the selected cell, its static MTJ in the state the write leaves."""
    return [*mtj_macro.static_subckt("wmtj", device.mtj, state_ap=not bit),
            *cellmod.cell_subckt("wcell", tech, "wmtj", r_shm_ohm=M.r_shm_ohm(device.shm))]


def _cell_t90(vec) -> tuple[float, float]:
    """(90 % time of the cell current from the pulse's edge midpoint s, settled current A)."""
    t = np.asarray(vec["time"])
    i_cell = np.abs(np.asarray(vec["vcell#branch"]))
    t_end = WRITE_T0_S + WRITE_EDGE_S + WRITE_PULSE_S
    settled = float(np.interp(t_end, t, i_cell))
    start = WRITE_T0_S + WRITE_EDGE_S / 2
    after = np.flatnonzero((t >= start) & (i_cell >= 0.9 * settled))
    if settled <= 0.0 or after.size == 0:
        raise SimulationError("write column: the cell current never reached 90 % of its "
                              "value at the end of the pulse (node vcell)")
    k = after[0]
    t90 = float(np.interp(0.9 * settled, i_cell[k - 1:k + 1], t[k - 1:k + 1])) - start
    return t90, settled


def column_measure(vec) -> tuple[float, float, float]:
    """Ideal-source bench (:func:`netlists.periphery.write_column_bench`): (write-source
    energy J, 90 % time of the cell current s, settled cell current A)."""
    t = np.asarray(vec["time"])
    i_src = -np.asarray(vec["vwr#branch"])
    v_src = np.asarray(vec["wd"]) if np.max(np.abs(vec["wd"])) > 0 else np.asarray(vec["sd"])
    energy = integrate_power_j(t, v_src * i_src, 0.0, float(t[-1]))
    return (energy, *_cell_t90(vec))


@dataclasses.dataclass(frozen=True)
class DriverWrite:
    """One transistor-driven write (:func:`driver_measure`): energies J, times s, current A."""

    rail_j: float
    gate_j: float
    t90_s: float
    i_settled_a: float

    @property
    def energy_j(self) -> float:
        return self.rail_j + self.gate_j


def driver_measure(vec, bit: int, v_rail_v: float, vdd_v: float) -> DriverWrite:
    """Driver bench (:func:`netlists.periphery.write_driver_bench`) of bit ``bit``.

    Rail energy: V_W x the charge the rail ``Vw`` delivers from the start to the end of
    the gates' rising edge (leakage and crowbar during the write included; after it the
    rail only leaks, a standby current that is not the write's: 8 uA at the 1.57 V rail
    of a 1024-row column at 45 nm). Gate energy: each gate source as the CMOS stage that drives it, on the
    supply of its high level (VDD for the NMOS gates, max(V_W, VDD) for the PMOS gates):
    that level x the charge the source delivers while its output is high or rising, i.e.
    outside [t0, end of the falling edge + pulse] (the charge it sinks on the falling edge
    goes to ground); the held gates of the other end over the whole run.
    """
    t = np.asarray(vec["time"])
    stop = float(t[-1])
    on, off = ("w", "s") if bit else ("s", "w")
    v_g = pn.write_driver_gate_high_v(v_rail_v, vdd_v)
    t_rise = WRITE_T0_S + WRITE_EDGE_S + WRITE_PULSE_S

    def charge(name, t0, t1):
        return integrate_power_j(t, -np.asarray(vec[f"{name}#branch"]), t0, t1)
    rail = v_rail_v * charge("vw", 0.0, t_rise + WRITE_EDGE_S)
    gate = 0.0
    for name, level in ((f"vgp{on}", v_g), (f"vgn{on}", vdd_v)):
        gate += level * (charge(name, 0.0, WRITE_T0_S) + charge(name, t_rise, stop))
    for name, level in ((f"vgp{off}", v_g), (f"vgn{off}", vdd_v)):
        gate += level * charge(name, 0.0, stop)
    return DriverWrite(rail, gate, *_cell_t90(vec))


def write_column_ops(tech_name: str | Technology, *, rows: Sequence[int] = (64, 128, 256, 512, 1024),
                     vdd_values: Sequence[float] | None = None,
                     temperatures_k: Sequence[float] = (300.0, 358.0), quick: bool = False,
                     device: M.SotDevice | None = None,
                     i_write_a: float = M.IMCE_WRITE_CURRENT_A, executor=None,
                     checkpoint=None) -> list[OpCharacterization]:
    """``write_column`` over (vdd_v, temperature_k, rows): see the module docstring.

    ``quick``: the first and last rows at the nominal corner.
    """
    tech = technology(tech_name) if isinstance(tech_name, str) else tech_name
    device = device or M.SotDevice()
    rows = tuple(sorted(int(r) for r in rows))
    if quick:
        rows = (rows[0], rows[-1])
    ax_v, ax_t = corners(tech, vdd_values, temperatures_k, quick)
    corner = [(b, i, j) for b in (1, 0) for i in range(len(ax_v.values))
              for j in range(len(ax_t.values))]
    grid = [(b, i, j, n) for b, i, j in corner for n in rows]
    r_shm = M.r_shm_ohm(device.shm)

    def at(i):
        return dataclasses.replace(tech, vdd_v=ax_v.values[i])
    ref_points = [{"bit": b, "tech": at(i), "device": device, "temperature_k": ax_t.values[j],
                   "r_wire_ohm": arr.column_wire_r_ohm(tech, WRITE_N_ROWS),
                   "v_max": V_MAX_OVER_VDD * tech.vdd_v} for b, i, j in corner]
    with executor_scope(executor) as ex:
        try:
            size = calibration.write_driver_size(tech, device=device, i_write_a=i_write_a,
                                                 rows=max(rows), executor=ex)
            sweeps = [pn.write_driver_sweep(tech, n, b, size.wp_mult, size.wn_mult,
                                            _cell_lines(tech, device, b), r_shm,
                                            ax_v.values[i], ax_t.values[j],
                                            v_max=V_MAX_OVER_VDD * tech.vdd_v)
                      for b, i, j, n in grid]
            ref = calibration.write_voltages(ref_points, i_target_a=i_write_a, executor=ex,
                                             checkpoint=checkpoint,
                                             stage="write_column_reference")
            rails = calibration.write_rail_voltages(sweeps, [g[0] for g in grid],
                                                    i_target_a=i_write_a, short="peak",
                                                    executor=ex, checkpoint=checkpoint,
                                                    stage="write_column_rail")
        except ParameterError as exc:
            raise ParameterError("grid.rows", f"write_column: {exc.message} (the write "
                                 f"driver of a {max(rows)}-row column, its reference "
                                 f"write at {V_MAX_OVER_VDD:g} x VDD); give the grid fewer "
                                 f"rows or the device a lower write current") from None
        ref_benches = [pn.write_column_bench(tech, WRITE_N_ROWS, b, w.v_write_v,
                                             _cell_lines(tech, device, b), r_shm,
                                             ax_v.values[i], ax_t.values[j], t0_s=WRITE_T0_S,
                                             edge_s=WRITE_EDGE_S, pulse_s=WRITE_PULSE_S)
                       for (b, i, j), w in zip(corner, ref)]
        benches = [pn.write_driver_bench(tech, n, b, w.v_write_v, size.wp_mult, size.wn_mult,
                                         _cell_lines(tech, device, b), r_shm, ax_v.values[i],
                                         ax_t.values[j], t0_s=WRITE_T0_S, edge_s=WRITE_EDGE_S,
                                         pulse_s=WRITE_PULSE_S)
                   for (b, i, j, n), w in zip(grid, rails)]
        vecs = ex.run_jobs([*ref_benches, *benches], checkpoint=checkpoint,
                           stage="write_column")
    base = {key: column_measure(vec) for key, vec in zip(corner, vecs[:len(corner)])}
    got = {key: driver_measure(vec, key[0], w.v_write_v, ax_v.values[key[1]])
           for key, vec, w in zip(grid, vecs[len(corner):], rails)}
    shape = (len(ax_v.values), len(ax_t.values), len(rows))
    energy, latency = np.zeros(shape), np.zeros(shape)
    for i in range(shape[0]):
        for j in range(shape[1]):
            for k, n in enumerate(rows):
                de = [got[(b, i, j, n)].energy_j - base[(b, i, j)][0] for b in (1, 0)]
                dt = [got[(b, i, j, n)].t90_s - base[(b, i, j)][1] for b in (1, 0)]
                energy[i, j, k], latency[i, j, k] = float(np.mean(de)), max(max(dt), 0.0)

    def key(b, i, j, n):
        return f"b{b}_{n}_vdd{ax_v.values[i]:.3g}_t{ax_t.values[j]:.0f}"
    hashes = {f"write_column_{key(b, i, j, n)}": sha256_text(bench.text)
              for (b, i, j, n), bench in zip(grid, benches)}
    hashes.update({f"write_column_reference_{key(b, i, j, WRITE_N_ROWS)}": sha256_text(bench.text)
                   for (b, i, j), bench in zip(corner, ref_benches)})
    calib = {key(*g): w.v_write_v for g, w in zip(grid, rails)}
    i_cell = {key(*g): w.i_write_a for g, w in zip(grid, rails)}
    short = sorted(k for k, i in i_cell.items() if i < i_write_a * (1 - 1e-6))
    calib_ref = {key(b, i, j, WRITE_N_ROWS): w.v_write_v for (b, i, j), w in zip(corner, ref)}
    gate = {key(*g): got[g].gate_j for g in grid}
    description = (f"{tech.name}: a write at the far end of a rows-row column through a "
                   f"transistor write driver (at each end a PMOS of {size.wp_mult:.3g} l_min "
                   f"from the write rail and an NMOS of {size.wn_mult:.3g} l_min to ground, "
                   f"each with {size.fraction:g} x the {size.r_path_ohm:.4g} Ohm linear path "
                   f"(2 R_wire + R_SHM) of a {size.rows}-row column as on-resistance), "
                   f"the rail calibrated to {i_write_a:g} A through the far cell at each "
                   f"height, minus the write op's ideal-source write of its "
                   f"{WRITE_N_ROWS}-row column (WBL and SL of rows x "
                   f"{arr.PITCH_ALONG_COL_F:g} F, {pn.SEGMENT_PITCHES} pitches per RC "
                   f"segment, unselected cells' write NMOS + heavy metal as m-instances); "
                   f"rails, driver and reference voltages in the provenance")
    criterion = ("energy: rail energy to the end of the pulse + the driver gates' energy "
                 "(each gate's high level x "
                 "the charge its source delivers outside its low phase) at rows, minus the "
                 f"ideal write source's energy at the write op's {WRITE_N_ROWS}-row column, "
                 "mean of both directions; latency: 90 % of the cell current from the gate "
                 "edge midpoint, difference, the larger direction")
    return [OpCharacterization("write_column", (ax_v, ax_t, AxisSpec("rows", rows, "1", None)),
                               energy, latency, description, criterion, hashes,
                               {"i_write_a": i_write_a, "v_write_v": calib,
                                "i_cell_a": i_cell, "short_of_current": short,
                                "v_write_reference_v": calib_ref,
                                "driver_gate_energy_j": gate,
                                "write_driver": size.as_dict()})]

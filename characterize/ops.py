"""Energy and latency of the array operations from ngspice transients (LUT inputs).

Every function returns :class:`~spincim.characterize.opdata.OpCharacterization` records
over the axes ``vdd_v`` (nominal and +-10 %) and ``temperature_k`` (``.temp`` in Celsius
for the transistor cards). Energies are the integral of the power delivered by EVERY
independent source of the testbench (each voltage source: (v(n+) - v(n-)) x its current
out of n+; each current source ``I n1 n2``: I x (v(n2) - v(n1)), the ideal read/reference
current sources included), summed with sign, over the operation window stated in
``criterion``. Independent transients run in parallel on the one runner
(:mod:`spincim.characterize.executor`): pass ``executor=`` (and ``checkpoint=``) to share
it with the rest of a build.

* :func:`read_ops` -- IMCE column reads (``read``, ``and2``, ``or2``) and CORN ``xnor2``
  with the StrongARM latch of :func:`spincim.netlists.cell.read_bench`. The bench's DC read
  and reference currents are turned into steps at :data:`T_READ_S` (so the bit line really
  develops from 0 V); the clock falls at :data:`T_READ_S` + :func:`bl_wait_s`.
* :func:`column_read_ops` -- the same sense ops with the column of every grid row count
  as a wire (``column_read`` ...), the estimator's price of a column sense.
* :func:`write_ops` -- one 2T1R cell with the LLGS macromodel (0 K, 300 K rms tilt)
  driven at the IMCE write current (120 uA) by the write voltage of
  :func:`spincim.characterize.calibration.write_voltages`.
* :func:`majority_ops` -- CORN's nine-NMOS majority write driver into the buffer cell
  (:mod:`spincim.netlists.write_driver`): PRESET, PROGRAM over ``n_on`` and the
  max-pool threshold write.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..devices import mtj as M
from ..devices import switching
from ..devices.technology import Technology, technology
from ..errors import ParameterError, SimulationError
from ..netlists import array as arr
from ..netlists import cell as cellmod
from ..netlists import mtj_macro, ngspice
from ..netlists import periphery as pn
from ..netlists import spice_text as st
from ..netlists import write_driver as wd
from . import calibration, driver
from .executor import executor_scope
from .opdata import (AxisSpec, OpCharacterization, integrate_power_j, sha256_text,
                     temperature_spec, vdd_spec)

__all__ = ["read_ops", "column_read_ops", "column_op_name", "bl_wait_s", "write_ops", "majority_ops", "source_power_w",
           "source_energy_j", "vdd_axis",
           "temperature_axis", "read_netlist", "read_measure", "write_netlist",
           "T_READ_S", "T_BL_WAIT_S", "BENCH_WAIT_S", "T_LATCH_WAIT_S", "DECISION_MARGIN_S",
           "READ_PATTERNS", "WRITE_PULSE_S", "WRITE_T0_S"]

#: read current (and reference currents) step on at this time (s)
T_READ_S = 0.1e-9
#: rise time of the read-current step (s)
T_READ_RISE_S = 20e-12
#: bit-line part of the read window that ``rare.read_window_s`` gives the read disturb (s):
#: the 10 fF column's 90 % development takes 0.2-0.3 ns at 45 nm
T_BL_WAIT_S = 1.0e-9
#: the read benches' clock (clkb) falls this long after the read start, per 64 rows of
#: column (and for the lumped 10 fF column): long enough for the bit line to settle at
#: every shipped corner, which :func:`read_measure` checks over the wait's last quarter
#: (measured 99 % points: 22 nm at 0.9 VDD 2.5 ns lumped and 15.7 ns at 1024 rows; 45 nm
#: 0.5 ns lumped, 9.8 ns at 1024 rows)
BENCH_WAIT_S = 4.0e-9
#: the read benches' transient step bound (s) at :data:`BENCH_WAIT_S`; it grows with the
#: wait (a 1024-row column: 80 ps) while the latch window keeps this step: the clock is a
#: pwl with a corner every BENCH_MAX_STEP_S after its edge (``cell.read_circuit``
#: ``latch_step_s``; without it an 80 ps step decided a 6 mV OR wrong at 1024 rows)
BENCH_MAX_STEP_S = 5e-12
#: simulated time after the clock edge (s)
T_LATCH_WAIT_S = 0.5e-9
#: energy window extends this far past the latch decision (s)
DECISION_MARGIN_S = 20e-12
#: clock edge (20 ps fall of read_bench's Vclk): the reference instant is its midpoint
CLK_EDGE_S = cellmod.CLOCK_EDGE_S
#: read ops: (name, read_bench op, stored patterns (True = AP = '1'))
READ_PATTERNS = (
    ("read", "memory", ((False,), (True,))),
    ("and2", "and", ((False, False), (False, True), (True, False), (True, True))),
    ("or2", "or", ((False, False), (False, True), (True, False), (True, True))),
    ("xnor2", "xnor", ((False, False), (False, True), (True, False), (True, True))),
)
#: IMCE write: pulse start, edge and width (s); the width is array_bench's t_write_s
WRITE_T0_S = 0.1e-9
WRITE_EDGE_S = 50e-12
WRITE_PULSE_S = 7e-9
#: column height used for the write-voltage calibration wire
WRITE_N_ROWS = 4


# ----------------------------------------------------------------------------- axes, power
def vdd_axis(tech: Technology, quick: bool, vdd_values=None) -> AxisSpec:
    """``vdd_v``: :func:`opdata.vdd_spec` around the technology's nominal supply."""
    return vdd_spec(tech.vdd_v, quick, vdd_values)


def temperature_axis(temperatures_k, quick: bool) -> AxisSpec:
    """``temperature_k``: :func:`opdata.temperature_spec`."""
    return temperature_spec(temperatures_k, quick)


def _with_vdd(tech: Technology, vdd_v: float) -> Technology:
    return dataclasses.replace(tech, vdd_v=float(vdd_v))


def source_power_w(netlist: st.Netlist, vec) -> tuple[np.ndarray, dict, dict]:
    """(time, power delivered by each top-level source, current delivered by each).

    Voltage source ``V n+ n- ...``: i = -i(V#branch) (ngspice's branch current flows from
    n+ through the source to n-), p = (v(n+) - v(n-)) i. Current source ``I n1 n2 ...``
    (I flows n1 -> source -> n2): i = I, p = I (v(n2) - v(n1)). The sources are the ones
    the netlist's builders declared (:class:`~spincim.netlists.spice_text.Netlist`).
    """
    t = np.asarray(vec["time"], float)

    def v(node):
        return np.zeros_like(t) if node == "0" else np.asarray(vec[node], float)

    power, current = {}, {}
    for src in netlist.sources:
        if src.kind == "v":
            current[src.name] = -np.asarray(vec[f"{src.name}#branch"], float)
            power[src.name] = (v(src.n_plus) - v(src.n_minus)) * current[src.name]
        else:
            current[src.name] = src.waveform(t)
            power[src.name] = current[src.name] * (v(src.n_minus) - v(src.n_plus))
    return t, power, current


def _charge(t, i, t0, t1) -> tuple[float, float]:
    """(charge delivered, charge returned) over [t0, t1] (C, both >= 0)."""
    return (integrate_power_j(t, np.maximum(i, 0.0), t0, t1),
            integrate_power_j(t, np.maximum(-i, 0.0), t0, t1))


def source_energy_j(netlist: st.Netlist, vec,
                    windows: Sequence[tuple[float, float]]) -> tuple[float, dict]:
    """Energy of every source over the union of ``windows`` (J): total and per source.

    DC voltage sources and current sources: the signed integral of their power. Switching
    (pwl/pulse) voltage sources -- clock, gate and write drivers -- stand for CMOS drivers
    fed from a rail at their high level V_h: they cost V_h x max(charge delivered, charge
    returned) in the window, i.e. C V_h^2 per full cycle of a gate load (charging draws
    Q V_h from the rail; the charge returned on the opposite edge is restored in the next
    cycle, so an edge that only discharges, like the clock falling into evaluation, is
    still charged its recharge cost).
    """
    t, power, current = source_power_w(netlist, vec)
    parts = {}
    for src in netlist.sources:
        if src.kind == "v" and src.switching:
            q = np.sum([_charge(t, current[src.name], a, b) for a, b in windows], axis=0)
            parts[src.name] = src.high_level * float(np.max(q))
        else:
            parts[src.name] = float(sum(integrate_power_j(t, power[src.name], a, b)
                                        for a, b in windows))
    return float(sum(parts.values())), parts


def _first_crossing(t, y, level, t_from, rising: bool | None = None) -> float:
    """First time >= t_from where y crosses ``level`` (linear interpolation); NaN if none.

    ``rising`` True/False restricts to upward/downward crossings."""
    t = np.asarray(t, float)
    d = np.asarray(y, float) - level
    k = np.nonzero(t >= t_from)[0]
    if len(k) < 2:
        return float("nan")
    k0 = max(k[0] - 1, 0)
    a, b = d[k0:-1], d[k0 + 1:]
    up = (a < 0) & (b >= 0)
    down = (a > 0) & (b <= 0)
    hit = up if rising is True else down if rising is False else (up | down)
    hit &= t[k0 + 1:] >= t_from
    idx = np.nonzero(hit)[0]
    if not len(idx):
        return float("nan")
    i = k0 + idx[0]
    return float(t[i] + (0 - d[i]) * (t[i + 1] - t[i]) / (d[i + 1] - d[i]))


# ----------------------------------------------------------------------------- reads
def bl_wait_s(rows: int | None) -> float:
    """Clock delay of the read bench after the read start (s): :data:`BENCH_WAIT_S` for
    the lumped 10 fF column and up to 64 rows, growing with the rows beyond (the line's
    RC grows with them; :func:`read_measure` checks that the line has settled at the
    clock). The latency is not this wait: it is the bit line's 90 % development plus
    the latch (the clock is assumed to fire at 90 %)."""
    return BENCH_WAIT_S * (1.0 if rows is None else max(1.0, rows / 64.0))


def read_netlist(states, op: str, *, tech: Technology, temperature_k: float,
                 i_read_a: float = cellmod.READ_CURRENT_A, c_bl_f: float = 10e-15,
                 device: M.SotDevice | None = None, rows: int | None = None,
                 segment_pitches: int = pn.SEGMENT_PITCHES) -> st.Netlist:
    """:func:`cell.read_circuit` with the sense amp, read/reference currents as steps at
    :data:`T_READ_S` and a ``.temp`` line.

    ``rows``: the column of that many rows as a wire (:func:`netlists.periphery.sense_line`,
    ``segment_pitches`` per segment) instead of the lumped ``c_bl_f``; the clock then
    falls :func:`bl_wait_s` after the read start.
    """
    line = None
    if rows is not None:
        line = pn.sense_line(tech, rows, 1 if op == "memory" else 2,
                             segment_pitches=segment_pitches)
        c_bl_f = 0.0
    wait = bl_wait_s(rows)
    t_eval = T_READ_S + wait
    return cellmod.read_circuit(states, op, tech=tech, device=device, i_read_a=i_read_a,
                                sense_amp=True,
                                c_bl_f=c_bl_f, t_eval_s=t_eval,
                                t_stop_s=t_eval + T_LATCH_WAIT_S,
                                read_step_s=(T_READ_S, T_READ_RISE_S),
                                temperature_k=temperature_k, line=line,
                                analysis=st.tran(1e-12, t_eval + T_LATCH_WAIT_S,
                                                 max_step_s=BENCH_MAX_STEP_S * wait
                                                 / BENCH_WAIT_S),
                                latch_step_s=BENCH_MAX_STEP_S)


def _latches(op: str) -> tuple[str, ...]:
    return ("xsalo", "xsahi") if op == "xnor" else ("xsa",)


#: the bit line counts as settled at the clock when it moved less than this fraction of
#: its value over the last quarter of the wait before the clock edge
SETTLED_FRACTION = 0.01


def read_measure(netlist: st.Netlist, vec, op: str, vdd_v: float,
                 rows: int | None = None) -> dict:
    """Bit-line development time, latch decision time and the energy of one read.

    t_bl: from the read-current start (:data:`T_READ_S`) to v(rbl) reaching 90 % of its
    value just before the clock edge. t_latch: from the clock edge midpoint to the later of
    (a) each latch resolving, |v(oa) - v(ob)| >= VDD/2, and (b) ``out`` crossing VDD/2 when
    the result changes it (a '1' for the comparators; a '0' for XNOR, whose output is 1
    during reset). Energy: all sources over [T_READ_S, T_READ_S + t_bl] plus over
    [edge, edge + t_latch + margin] (the idle wait between bit-line settling and the
    clock edge is excluded: the latency assumes the clock fires at 90 % development).
    ``rows``: the bench of :func:`read_netlist` with that many rows (its clock time).
    Raises :class:`SimulationError` when v(rbl) has not settled at the clock
    (:data:`SETTLED_FRACTION`).
    """
    t = np.asarray(vec["time"], float)
    rbl = np.asarray(vec["rbl"], float)
    out = np.asarray(vec["out"], float)
    wait = bl_wait_s(rows)
    t_edge = T_READ_S + wait + 0.5 * CLK_EDGE_S
    v_final = float(np.interp(T_READ_S + wait, t, rbl))
    v_before = float(np.interp(T_READ_S + 0.75 * wait, t, rbl))
    if abs(v_final - v_before) > SETTLED_FRACTION * abs(v_final):
        raise SimulationError(
            f"read {op}: the bit line (node rbl{'' if rows is None else f', {rows} rows'}) "
            f"moved {abs(v_final - v_before) * 1e3:.2f} mV over the last quarter of the "
            f"{wait:g} s wait (v = {v_final * 1e3:.1f} mV): not settled at the clock",
            where="node rbl")
    t_bl = _first_crossing(t, rbl, 0.9 * v_final, T_READ_S, rising=True) - T_READ_S
    ends = []
    for x in _latches(op):
        d = np.abs(np.asarray(vec[f"{x}.oa"], float) - np.asarray(vec[f"{x}.ob"], float))
        ends.append(_first_crossing(t, d, 0.5 * vdd_v, t_edge, rising=True))
    out_before = float(np.interp(t_edge - CLK_EDGE_S, t, out))
    out_after = float(out[-1])
    if abs(out_after - out_before) > 0.5 * vdd_v:
        ends.append(_first_crossing(t, out, 0.5 * vdd_v, t_edge))
    t_latch = max(ends) - t_edge
    e, _ = source_energy_j(netlist, vec, [(T_READ_S, T_READ_S + t_bl),
                                       (t_edge, t_edge + t_latch + DECISION_MARGIN_S)])
    return {"t_bl_s": t_bl, "t_latch_s": t_latch, "latency_s": t_bl + t_latch,
            "energy_j": e, "out_v": out_after, "v_rbl_v": v_final}


def _expected(op: str, states) -> bool:
    """Logic result of a read op on the stored states (AP = True = '1')."""
    a = bool(states[0])
    b = bool(states[-1])
    return {"memory": a, "and": a and b, "or": a or b, "xnor": a == b}[op]


def _read_vectors(op: str) -> tuple[str, ...]:
    names = ["time", "rbl", "out", "clkb", "vdd", "en_m", "en_and", "en_or", "rwl",
             "vdd#branch", "vclk#branch", "vrwl#branch", "venm#branch", "venand#branch",
             "venor#branch", "vsl1#branch", "sl1"]
    if op != "memory":
        names += ["vsl2#branch", "sl2"]
    if op == "xnor":
        names += ["ref_lo", "ref_hi", "en_x", "vxon#branch"]
    else:
        names += ["ref"]
    for x in _latches(op):
        names += [f"{x}.oa", f"{x}.ob"]
    return tuple(names)


def read_ops(tech_name: str = "45nm", *, vdd_values=None,
             temperatures_k: Sequence[float] = (300.0, 358.0), quick: bool = False,
             i_read_a: float = cellmod.READ_CURRENT_A, c_bl_f: float = 10e-15,
             device: M.SotDevice | None = None, executor=None, checkpoint=None,
             stage: str = "read_ops") -> list[OpCharacterization]:
    """``read``, ``and2``, ``or2`` (IMCE) and ``xnor2`` (CORN) column reads at ``tech_name``.

    Per column operation: latency = bit-line development + latch decision, energy of all
    sources (see :func:`read_measure`), both AVERAGED over the stored patterns (2 for a
    read, the 4 input patterns of the 2-input ops), each pattern weighted equally. The
    column is the lumped ``c_bl_f`` on RBL and each reference node.
    """
    return _sense_ops(tech_name, None, vdd_values=vdd_values, temperatures_k=temperatures_k,
                      quick=quick, i_read_a=i_read_a, c_bl_f=c_bl_f, device=device,
                      executor=executor, checkpoint=checkpoint, stage=stage)


def column_op_name(name: str) -> str:
    """``column_<name>``: the op of :func:`column_read_ops` for read op ``name``."""
    return f"column_{name}"


def column_read_ops(tech_name: str = "45nm", *,
                    rows: Sequence[int] = (64, 128, 256, 512, 1024), vdd_values=None,
                    temperatures_k: Sequence[float] = (300.0, 358.0), quick: bool = False,
                    i_read_a: float = cellmod.READ_CURRENT_A,
                    device: M.SotDevice | None = None,
                    segment_pitches: int = pn.SEGMENT_PITCHES,
                    executor=None, checkpoint=None,
                    stage: str = "column_read_ops") -> list[OpCharacterization]:
    """The sense path at every column height: ``column_read``, ``column_and2``,
    ``column_or2``, ``column_xnor2`` over (vdd_v, temperature_k, rows).

    As :func:`read_ops`, with the column of ``rows`` cells as a wire instead of the lumped
    capacitor (:func:`read_netlist` ``rows=``): RBL and each reference node run along
    ``rows`` x 8 F of bit line (RC segments of ``segment_pitches`` pitches) loaded by the
    unselected cells' off read-access drains; the selected cells and the reference legs
    sit at the far end, the current sources and the latch at the near end. The op is the
    whole sense (bit line included), not an extra over the read op. ``quick``: the
    nominal corner and only the smallest and largest ``rows``.
    """
    if not rows:
        raise ParameterError("rows", "needs at least one column height")
    rows = tuple(sorted(int(r) for r in rows))
    if quick:                             # the smallest and largest, as every rows axis
        rows = (rows[0], rows[-1])
    return _sense_ops(tech_name, rows, vdd_values=vdd_values,
                      temperatures_k=temperatures_k, quick=quick, i_read_a=i_read_a,
                      c_bl_f=0.0, device=device, segment_pitches=segment_pitches,
                      executor=executor, checkpoint=checkpoint, stage=stage)


def _sense_ops(tech_name, rows, *, vdd_values, temperatures_k, quick, i_read_a, c_bl_f,
               device, executor, checkpoint, stage,
               segment_pitches=pn.SEGMENT_PITCHES) -> list[OpCharacterization]:
    """:func:`read_ops` (``rows`` None) or :func:`column_read_ops` (a tuple of heights)."""
    tech0 = technology(tech_name)
    ax_v = vdd_axis(tech0, quick, vdd_values)
    ax_t = temperature_axis(temperatures_k, quick)
    heights = (None,) if rows is None else rows
    items = [(name, op, states, iv, it, ir)
             for name, op, pats in READ_PATTERNS for states in pats
             for iv in range(len(ax_v.values)) for it in range(len(ax_t.values))
             for ir in range(len(heights))]

    def build(item):
        _, op, states, iv, it, ir = item
        return read_netlist(states, op, tech=_with_vdd(tech0, ax_v.values[iv]),
                            temperature_k=ax_t.values[it], i_read_a=i_read_a, c_bl_f=c_bl_f,
                            device=device, rows=heights[ir], segment_pitches=segment_pitches)

    texts = [build(i) for i in items]
    jobs = [ngspice.Job(tx, None, _read_vectors(i[1])) for tx, i in zip(texts, items)]
    with executor_scope(executor) as ex:
        results = ex.run_jobs(jobs, timeout_s=120, checkpoint=checkpoint, stage=stage)
    shape = (len(ax_v.values), len(ax_t.values), len(heights))
    out = []
    for name, op, pats in READ_PATTERNS:
        e = np.zeros(shape)
        lat = np.zeros(shape)
        shas, wrong = {}, []
        for item, tx, vec in zip(items, texts, results):
            if item[0] != name:
                continue
            iv, it, ir = item[3:]
            pattern = "".join("1" if s else "0" for s in item[2])
            m = read_measure(tx, vec, op, ax_v.values[iv], heights[ir])
            if (m["out_v"] > 0.5 * ax_v.values[iv]) != _expected(op, item[2]):
                wrong.append((ax_v.values[iv], ax_t.values[it], pattern)
                             + (() if rows is None else (heights[ir],)))
            e[iv, it, ir] += m["energy_j"] / len(pats)
            lat[iv, it, ir] += m["latency_s"] / len(pats)
            if rows is None and ax_v.values[iv] == ax_v.nominal and it == 0:
                shas[f"{op}_{pattern}"] = sha256_text(tx.text)
            elif rows is not None:
                shas[f"{op}_{pattern}_{heights[ir]}_vdd{ax_v.values[iv]:.3g}"
                     f"_t{ax_t.values[it]:.0f}"] = sha256_text(tx.text)
        out.append(_sense_characterization(name, op, len(pats), tech0, ax_v, ax_t, rows,
                                           e, lat, shas, wrong, i_read_a, c_bl_f,
                                           segment_pitches))
    return out


def _sense_characterization(name, op, n_pats, tech, ax_v, ax_t, rows, e, lat, shas, wrong,
                            i_read_a, c_bl_f, segment_pitches) -> OpCharacterization:
    who = "CORN" if op == "xnor" else "IMCE"
    latch = f"StrongARM latch{'es + XNOR logic' if op == 'xnor' else ''}"
    if rows is None:
        column = f"C_BL = {c_bl_f:g} F on RBL and each reference node"
        axes, e, lat = (ax_v, ax_t), e[..., 0], lat[..., 0]
    else:
        column = (f"RBL and each reference node along rows x {arr.PITCH_ALONG_COL_F:g} F of "
                  f"bit line (netlists.periphery.sense_line: RC segments of "
                  f"{segment_pitches} pitches, "
                  f"technology wire R and C per metre, the unselected cells' off "
                  f"read-access drains as m copies per segment), the selected cells and "
                  f"the reference legs at the far end, current sources and latch at the "
                  f"near end; clock at ops.bl_wait_s(rows) after the read start")
        axes = (ax_v, ax_t, AxisSpec("rows", rows, "1", None))
    return OpCharacterization(
        op=name if rows is None else column_op_name(name), axes=axes, energy_j=e,
        latency_s=lat,
        description=(f"{tech.name} column {name} ({who}): cell.read_bench op={op!r}, "
                     f"I_read = {i_read_a:g} A step, {column}, {latch}; average over "
                     f"the {n_pats} stored patterns; wrong logic outputs (VDD, T, "
                     f"pattern{'' if rows is None else ', rows'}): {wrong or 'none'}"),
        criterion=("latency = t_bl + t_latch: t_bl from the read-current step to v(rbl) "
                   "= 90 % of its settled value; t_latch from the clkb edge midpoint to "
                   "the later of every latch resolving (|oa-ob| >= VDD/2) and 'out' "
                   "crossing VDD/2 if it changes. Energy: integral of the power of all "
                   "sources (VDD, clock, read and reference current sources I*v, "
                   "enables, word line) over [read start, read start + t_bl] plus "
                   f"[clock edge, decision + {DECISION_MARGIN_S:g} s]; both averaged "
                   "(equal weights) over the stored patterns"),
        netlist_sha256=shas)


# ----------------------------------------------------------------------------- IMCE write
def _write_calibration_point(bit: int, tech: Technology, temperature_k: float,
                             device: M.SotDevice) -> dict:
    """:func:`calibration.write_voltages` point: far end of a :data:`WRITE_N_ROWS` column."""
    return {"bit": bit, "tech": tech, "device": device, "temperature_k": temperature_k,
            "r_wire_ohm": arr.column_wire_r_ohm(tech, WRITE_N_ROWS), "v_max": 1.6 * tech.vdd_v}


def write_netlist(bit: int, v_w: float, *, tech: Technology, temperature_k: float,
                  device: M.SotDevice | None = None) -> st.Netlist:
    """One dynamic 2T1R cell at the far end of a :data:`WRITE_N_ROWS` column (the wire
    resistance in series with WBL and SL, as the calibration) written by a ``v_w`` pulse.

    Bit 1 (P -> AP): ``Vwr`` on WBL, SL grounded, cell starts P; bit 0 (AP -> P): ``Vwr``
    on SL, WBL grounded, cell starts AP; both tilted by the 300 K rms angle. m_x is
    ``xc.xmtj.mx``. 0 K macromodel; ``temperature_k`` goes to ``.temp`` (transistors).
    """
    device = device or M.SotDevice()
    tilt = switching.rms_thermal_tilt_rad(device, 300.0)
    m0 = tuple(float(c) for c in switching.tilted_state(tilt, toward_ap=not bit))
    r_w = max(arr.column_wire_r_ohm(tech, WRITE_N_ROWS), 1e-3)
    driven, grounded = ("wd", "sd") if bit else ("sd", "wd")
    t0, e, w = WRITE_T0_S, WRITE_EDGE_S, WRITE_PULSE_S
    stop = t0 + w + 2 * e + 0.1e-9
    lines = [st.temperature(temperature_k - 273.15), st.include(str(tech.card_path)),
             *mtj_macro.dynamic_subckt("mtjd", device, m0=m0),
             *arr.dynamic_cell_subckt("cw", tech, "mtjd"),
             st.vsource_dc("Vwwl", "wwl", "0", tech.vdd_v),
             st.vsource_dc("Vrwl", "rwl", "0", 0.0),
             st.vsource_dc("Vrbl", "rbl", "0", 0.0),
             st.resistor("Rwbl", "wd", "wbl", r_w),
             st.resistor("Rsl", "sd", "sl", r_w),
             st.vsource_pwl("Vwr", driven, "0", [0.0, t0, t0 + e, t0 + e + w, t0 + 2 * e + w],
                            [0.0, 0.0, v_w, v_w, 0.0]),
             st.vsource_dc("Vgnd", grounded, "0", 0.0),
             "Xc wbl rbl sl wwl rwl cw",
             st.options(reltol=1e-4, method="gear"),
             st.analysis_line(st.tran(mtj_macro.MAX_STEP_S, stop,
                                      max_step_s=mtj_macro.MAX_STEP_S, uic=True))]
    return st.circuit(f"spincim IMCE write bit {bit}", lines)


_WRITE_VECTORS = ("time", "xc.xmtj.mx", "wd", "sd", "wwl", "vwr#branch", "vgnd#branch",
                  "vwwl#branch", "vrwl#branch", "vrbl#branch", "rwl", "rbl")


def write_ops(tech_name: str = "45nm", *, vdd_values=None,
              temperatures_k: Sequence[float] = (300.0, 358.0), quick: bool = False,
              i_write_a: float = M.IMCE_WRITE_CURRENT_A, device: M.SotDevice | None = None,
              executor=None, checkpoint=None,
              stage: str = "write_ops") -> list[OpCharacterization]:
    """``write_p_to_ap`` and ``write_ap_to_p`` of one IMCE cell at ``i_write_a``.

    At every (VDD, T) point the write voltage is re-calibrated (DC sweep of the static
    cell, :func:`array.write_calibration_netlist`, far end of a 4-row column) to give
    ``i_write_a``, so the grid is at constant write current; the word line is at VDD.
    """
    tech0 = technology(tech_name)
    device = M.SotDevice() if device is None else device
    ax_v = vdd_axis(tech0, quick, vdd_values)
    ax_t = temperature_axis(temperatures_k, quick)
    grid = [(iv, it) for iv in range(len(ax_v.values)) for it in range(len(ax_t.values))]
    items = [(bit, iv, it) for bit in (1, 0) for iv, it in grid]

    with executor_scope(executor) as ex:
        cal = calibration.write_voltages(
            [_write_calibration_point(bit, _with_vdd(tech0, ax_v.values[iv]), ax_t.values[it],
                                      device) for bit, iv, it in items],
            i_target_a=i_write_a, executor=ex, checkpoint=checkpoint,
            stage=f"{stage}:calibration")
        v_ws = [c.v_write_v for c in cal]
        texts = [write_netlist(bit, vw, tech=_with_vdd(tech0, ax_v.values[iv]),
                               temperature_k=ax_t.values[it], device=device)
                 for (bit, iv, it), vw in zip(items, v_ws)]
        results = ex.run_jobs([ngspice.Job(tx, None, _WRITE_VECTORS) for tx in texts],
                              timeout_s=300, checkpoint=checkpoint, stage=stage)
    shape = (len(ax_v.values), len(ax_t.values))
    out = []
    t0, t1 = WRITE_T0_S, WRITE_T0_S + 2 * WRITE_EDGE_S + WRITE_PULSE_S
    for bit, name in ((1, "write_p_to_ap"), (0, "write_ap_to_p")):
        e, lat = np.full(shape, np.nan), np.full(shape, np.nan)
        v_grid = np.full(shape, np.nan)
        shas, vw_nom = {}, None
        for (b, iv, it), tx, vec, vw in zip(items, texts, results, v_ws):
            if b != bit:
                continue
            t = np.asarray(vec["time"], float)
            v_grid[iv, it] = vw
            e[iv, it] = source_energy_j(tx, vec, [(t0, t1)])[0]
            mx = np.asarray(vec["xc.xmtj.mx"], float)
            lat[iv, it] = _first_crossing(t, mx, 0.0, t0, rising=not bit) - t0
            if ax_v.values[iv] == ax_v.nominal and it == 0:
                shas[name] = sha256_text(tx.text)
                vw_nom = vw
        out.append(OpCharacterization(
            op=name, axes=(ax_v, ax_t), energy_j=e, latency_s=lat,
            description=(f"{tech0.name} IMCE 2T1R cell write {'P->AP' if bit else 'AP->P'} at "
                         f"{i_write_a:g} A: LLGS macromodel (0 K dynamics, start tilted by "
                         f"the 300 K rms angle), far-end cell of a {WRITE_N_ROWS}-row column "
                         f"(wire R in WBL and SL), write voltage calibrated per grid point to "
                         f"the write current (nominal: {vw_nom:.4g} V), "
                         f"{WRITE_PULSE_S:g} s pulse, WWL = VDD, max step "
                         f"{mtj_macro.MAX_STEP_S:g} s"),
            criterion=("energy: integral of the power of all sources (write driver Vwr, "
                       "grounded driver, word-line sources) over the pulse "
                       f"[{t0:g}, {t1:g}] s incl. edges; latency: pulse start to m_x "
                       "crossing 0 (NaN if it does not switch)"),
            netlist_sha256=shas,
            calibration={"i_write_a": float(i_write_a),
                         "v_write_v": v_grid.tolist(), "grid": ["vdd_v", "temperature_k"]}))
    return out


# ----------------------------------------------------------------------------- CORN majority
@dataclass(frozen=True, kw_only=True)
class _VddConfig(wd.DriverConfig):
    """DriverConfig whose technology has its VDD (gate drive) overridden."""

    vdd_v: float | None = None

    @property
    def tech(self) -> Technology:
        tech = technology(self.tech_name)
        return tech if self.vdd_v is None else _with_vdd(tech, self.vdd_v)


_MAJ_VECTORS = ("time", "xbuf.mx", "v.xbuf.vshm#branch", "vsub#branch", "vsub", "sa", "sb",
                "pre", "prog", "vpre#branch", "vprog#branch",
                *(f"g{i}" for i in range(wd.N_INPUTS)),
                *(f"vg{i}#branch" for i in range(wd.N_INPUTS)))

#: PRESET-only timing: the default 5 ns PRESET, then a short idle PROGRAM (no gate on)
PRESET_CFG = dict(preset_s=5e-9, settle_s=0.2e-9, program_s=0.2e-9, tail_s=0.1e-9)


def majority_ops(tech_name: str = "22nm", *, design: str = "corn", vdd_values=None,
                 temperatures_k: Sequence[float] = (300.0, 358.0), quick: bool = False,
                 counts: Sequence[int] = range(wd.N_INPUTS + 1),
                 device: M.SotDevice | None = None, executor=None,
                 checkpoint=None, stage: str = "majority_ops") -> list[OpCharacterization]:
    """PRESET, PROGRAM (extra axis ``n_on``) and max-pool write of a threshold design.

    ``design`` names a registered ``threshold`` design
    (:mod:`spincim.netlists.majority_designs`); its ops are named by the registry
    (``corn``: ``preset``, ``majority_program``, ``maxpool_write``). Buffer cell of the
    design's SHM thickness, driver :func:`write_driver.program_only` timing for PROGRAM
    (0 K, P start with the 300 K rms tilt), :data:`PRESET_CFG` for PRESET (start AP with
    the rms tilt). ``vdd_v`` scales the gate drive (VDD) only; Vsub (Vsupply2 = 0.5 V) is
    a separate supply and stays fixed.
    With ``device`` (the user's junction) the buffer cell is re-calibrated for it
    (:func:`.driver.calibrate_buffer_device`: its SHM thickness puts the 0 K threshold
    between 4 and 5 NMOS on at this technology) instead of the design's declared SHM.
    """
    from ..netlists import majority_designs as designs

    spec = designs.design(design)
    if spec.kind != "threshold":
        raise ParameterError("design", f"{design!r} is not a threshold design")
    names = designs.entry(design).ops
    tech0 = technology(tech_name)
    calibration_record: dict = {}
    if device is None:
        device = wd.buffer_device(thickness_m=spec.shm_thickness_m)
    else:
        cal = driver.calibrate_buffer_device(
            base=device.replace(temperature_k=0.0),
            cfg=dataclasses.replace(wd.program_only(spec.driver), tech_name=tech_name),
            full=True, executor=executor)
        device = cal.device
        calibration_record = {"buffer_shm_thickness_m": cal.thickness_m,
                              "i_threshold_0k_a": cal.i_threshold_a, "i4_a": cal.i4_a,
                              "i5_a": cal.i5_a, "iterations": cal.iterations}
    ax_v = vdd_axis(tech0, quick, vdd_values)
    ax_t = temperature_axis(temperatures_k, quick)
    counts = tuple(int(n) for n in counts)
    ax_n = AxisSpec("n_on", counts, "1", nominal=None)
    grid = [(iv, it) for iv in range(len(ax_v.values)) for it in range(len(ax_t.values))]

    def cfg(iv, **kw):
        base = dataclasses.asdict(wd.program_only(spec.driver))
        base.update(kw)
        return _VddConfig(**{**base, "tech_name": tech_name, "vdd_v": ax_v.values[iv]})

    items = [("preset", 0, iv, it) for iv, it in grid]
    items += [("program", n, iv, it) for n in counts for iv, it in grid]
    cfgs, texts = [], []
    for kind, n, iv, it in items:
        c = cfg(iv, **PRESET_CFG) if kind == "preset" else cfg(iv)
        cfgs.append(c)
        texts.append(wd.tran_netlist(wd.pattern_for_count(n), device, c,
                                     temperature_k=ax_t.values[it]))
    with executor_scope(executor) as ex:
        results = ex.run_jobs([ngspice.Job(tx, None, _MAJ_VECTORS) for tx in texts],
                              timeout_s=300, checkpoint=checkpoint, stage=stage)
    shape = (len(ax_v.values), len(ax_t.values))
    e_pre, l_pre = np.zeros(shape), np.zeros(shape)
    e_prog = np.zeros((*shape, len(counts)))
    l_prog = np.zeros_like(e_prog)
    sw = np.zeros(e_prog.shape, bool)
    shas, pre_fail = {}, []
    for (kind, n, iv, it), c, tx, vec in zip(items, cfgs, texts, results):
        t = np.asarray(vec["time"], float)
        mx = np.asarray(vec["xbuf.mx"], float)
        nominal = ax_v.values[iv] == ax_v.nominal and it == 0
        if kind == "preset":
            t0, t1 = 0.0, 2 * c.edge_s + c.preset_s
            e_pre[iv, it] = source_energy_j(tx, vec, [(t0, t1)])[0]
            ts = _first_crossing(t, mx, 0.0, 0.0, rising=True)
            if np.isfinite(ts):
                l_pre[iv, it] = ts - c.edge_s
            else:
                l_pre[iv, it] = c.preset_s + c.edge_s
                pre_fail.append((ax_v.values[iv], ax_t.values[it]))
            if nominal:
                shas["preset"] = sha256_text(tx.text)
        else:
            t0 = c.program_start_s - c.edge_s
            t1 = c.program_start_s + c.program_s + c.edge_s
            k = counts.index(n)
            e_prog[iv, it, k] = source_energy_j(tx, vec, [(t0, t1)])[0]
            ts = _first_crossing(t, mx, 0.0, c.program_start_s - c.edge_s, rising=False)
            sw[iv, it, k] = np.isfinite(ts)
            l_prog[iv, it, k] = (ts - c.program_start_s + c.edge_s) if np.isfinite(ts) \
                else c.program_s + c.edge_s
            if nominal:
                shas[f"program_n{n}"] = sha256_text(tx.text)
    switched_map = {(ax_v.values[iv], ax_t.values[it]):
                    [counts[k] for k in range(len(counts)) if sw[iv, it, k]] for iv, it in grid}
    pc = cfg(0)
    common = (f"{tech0.name} CORN write driver, design {design!r} (nine NMOS, W = "
              f"{pc.width_factor:g}F, L = {pc.nmos_l_m:.4g} m, series {pc.r_series_ohm:g} "
              f"Ohm, Vsub = {pc.v_sub_v:g} V fixed; gates at VDD) into the buffer cell (LLGS "
              f"macromodel, SHM {device.shm.thickness_m:g} m, 0 K dynamics, 300 K rms start "
              f"tilt, max step {pc.max_step_s:g} s)")
    energy_rule = "integral of the power of all sources (Vsub, gate, PROGRAM/PRESET switches)"
    out = [OpCharacterization(
        op=names["preset"], axes=(ax_v, ax_t), energy_j=e_pre, latency_s=l_pre,
        description=(f"{common}; PRESET pulse {PRESET_CFG['preset_s']:g} s from tilted AP; "
                     f"did not switch within the pulse at (VDD, T): {pre_fail or 'none'}"),
        criterion=(f"energy: {energy_rule} over the PRESET pulse incl. edges; latency: PRESET "
                   f"gate edge start to m_x crossing 0 (AP -> P), or the PRESET width + edge "
                   f"when it does not switch (the scheduled PRESET phase is "
                   f"{PRESET_CFG['preset_s']:g} s)"),
        netlist_sha256={k: v for k, v in shas.items() if k == "preset"},
        calibration=calibration_record)]
    prog_shas = {k: v for k, v in shas.items() if k.startswith("program")}
    out.append(OpCharacterization(
        op=names["program"], axes=(ax_v, ax_t, ax_n), energy_j=e_prog, latency_s=l_prog,
        description=(f"{common}; PROGRAM {pc.program_s:g} s with n_on of the nine inputs on "
                     f"(write_driver.pattern_for_count); designed to switch at n_on >= 5 "
                     f"(nominal VDD, calibrated at 0 K); n_on that switched per (VDD, T): "
                     f"{switched_map}"),
        criterion=(f"energy: {energy_rule} over the PROGRAM window [gate edge start, end + "
                   f"edge]; latency: gate edge start to m_x crossing 0 when it switches, "
                   f"else the PROGRAM width + edge ({pc.program_s + pc.edge_s:g} s)"),
        netlist_sha256=prog_shas, calibration=calibration_record))
    if 5 in counts:
        k5 = counts.index(5)
        out.append(OpCharacterization(
            op=names["maxpool"], axes=(ax_v, ax_t), energy_j=e_prog[..., k5].copy(),
            latency_s=l_prog[..., k5].copy(),
            description=(f"{common}; max-pool threshold write of [o1..o5] = [11110]: the "
                         f"PROGRAM with >= 5 inputs on; representative n_on = 5 (one window "
                         f"bit set), i.e. the PROGRAM op at n_on = 5"),
            criterion=(f"as the PROGRAM op at n_on = 5: energy {energy_rule} over the "
                       f"PROGRAM window; latency to m_x crossing 0"),
            netlist_sha256={k: v for k, v in shas.items() if k == "program_n5"}))
    return out

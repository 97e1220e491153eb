"""Global interconnect and leakage characterization: repeated wire, H-tree, I/O, leakage.

Every energy and delay is an ngspice transient of a bench from
:mod:`spincim.netlists.interconnect` at the technology's PTM card and its **global** wire
R, C per metre (the technology file's ``[global_wires]``, sourced there; the same R and C
at every temperature: copper's +0.4 %/K is not applied). Energies are per bit transition
(J), delays 50 %-to-50 % (s).

* **Repeater sizing** (:func:`size_repeaters`): at nominal VDD and 300 K chains of
  :data:`SIZING_STAGES` repeaters are simulated on a lattice of sizes ``h`` and spacings
  (factors of 2 from :data:`SIZING_START`), descending to the pair with the smallest
  steady-state delay per metre (middle stages, real input slews). This is the
  classic delay-optimal repeated wire (Bakoglu & Meindl, IEEE TED 32(5), 1985), found by
  simulation instead of the R0/C0 formula.
* ``global_wire``: one bit over **1 mm** of that repeated wire: energy = VDD x the supply
  charge of :data:`WIRE_STAGES` stages per transition, scaled to 1 mm; latency = the
  steady-state delay per stage (from the second to the last stage input) scaled to 1 mm.
* ``htree_segment``: one H-tree branch point: a repeater driving one spacing of global
  wire into a fork of two repeaters (both branches); energy per transition, delay from
  the repeater input to the fork.
* ``bank_io_driver``: the FO4-tapered inverter chain that launches one bit from a unit
  inverter onto the global wire (its load the first repeater); energy per transition and
  delay.
* ``leakage_cells`` / ``leakage_periphery`` (axes ``subarray_rows``, ``subarray_cols``):
  leakage **power** of one sub-array, stored as the energy leaked in ``latency_s`` =
  :data:`LEAK_WINDOW_S` (power = energy_j / latency_s). From ``.op`` off-currents per metre
  of width (NMOS and PMOS, |Vds| = VDD) and of one cell read-access transistor (drain at
  the read voltage, the unselected cells of an active column; with the lines grounded in
  standby a SOT cell leaks nothing). Periphery = the transistor widths of the predecoded
  row decoder pair (:func:`netlists.decoder.decoder_widths_m`), one word-line driver per row
  (:func:`netlists.periphery.line_driver_mult`) and one StrongARM sense amplifier per
  column, each static gate leaking through half its width on average:
  P = VDD (I_n' sum W_n + I_p' sum W_p) / 2 (stack effect ignored: an upper bound).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..devices.technology import Technology, technology
from ..errors import ParameterError, SimulationError
from ..netlists import interconnect as ni
from ..netlists import periphery as pn
from .executor import executor_scope
from .periphery import corners as _corners
from .opdata import AxisSpec, OpCharacterization, integrate_power_j, sha256_text

__all__ = ["SIZING_STAGES", "WIRE_STAGES", "LEAK_WINDOW_S",
           "V_READ_V", "SIZING_START", "MAX_SIZING_ROUNDS", "RepeaterDesign", "size_repeaters", "wire_measure",
           "repeater_capacitance_f", "periphery_widths_m", "interconnect_ops"]

#: first point of the repeater sizing descent: (size in unit inverters, spacing in m)
SIZING_START = (64.0, 0.25e-3)
#: most descent rounds of the sizing
MAX_SIZING_ROUNDS = 8
#: stages of the sizing chain and of the characterized wire
SIZING_STAGES = 4
WIRE_STAGES = 4
#: window of the leakage ops: energy_j = P x LEAK_WINDOW_S (s)
LEAK_WINDOW_S = 1e-6
#: bit-line read voltage of the leaking cells (V): the line ops' precharge level
V_READ_V = 0.2


@dataclass(frozen=True)
class RepeaterDesign:
    """Delay-optimal repeaters found by :func:`size_repeaters`."""

    h: float                 # repeater size (unit inverters: Wn 2h, Wp 4h x l_min)
    spacing_m: float         # wire between repeaters (m)
    delay_per_m: float       # steady-state delay per metre at the sizing corner (s/m)
    tried: tuple = ()        # ((h, spacing_m, delay_per_m), ...)


def _tech(tech_name) -> Technology:
    tech = technology(tech_name)
    if tech.global_wire_r_ohm_per_m is None or tech.global_wire_c_f_per_m is None:
        raise ParameterError("technology.global_wires.r_ohm_per_m",
                             f"technology {tech.name!r} has no [global_wires] table: the "
                             f"interconnect ops need the global wire R and C per metre")
    return tech


def _simulate(netlists, executor, checkpoint, stage):
    if not netlists:
        return []
    with executor_scope(executor) as ex:
        return ex.run_jobs(list(netlists), checkpoint=checkpoint, stage=stage)


def _crossing(t, v, level, t_from, t_to) -> float:
    """First crossing of ``level`` in [t_from, t_to] (linear interpolation)."""
    t = np.asarray(t)
    d = np.asarray(v) - level
    idx = np.nonzero((np.sign(d[:-1]) != np.sign(d[1:])) & (t[1:] >= t_from)
                     & (t[:-1] <= t_to))[0]
    if len(idx) == 0:
        raise SimulationError(f"no crossing of {level:.3g} V in [{t_from:.3g}, {t_to:.3g}] s")
    i = idx[0]
    f = d[i] / (d[i] - d[i + 1])
    return float(t[i] + f * (t[i + 1] - t[i]))


def _edges(vec, a: str, b: str, vdd: float, t2: float, stop: float) -> float:
    """Mean of the rising-input and falling-input 50 % delays from node a to node b."""
    t = vec["time"]
    out = []
    for lo, hi in ((ni.T1_S, t2), (t2, stop)):
        ta = _crossing(t, vec[a], vdd / 2, lo, hi)
        tb = _crossing(t, vec[b], vdd / 2, ta, hi)
        out.append(tb - ta)
    return 0.5 * (out[0] + out[1])


def _energy(vec, vdd: float, stop: float) -> float:
    """Supply energy of ``Vdd`` per transition (two transitions per bench)."""
    return 0.5 * vdd * integrate_power_j(vec["time"], -vec["vdd#branch"], 0.0, stop)


def wire_measure(vec, vdd: float, tech: Technology, seg_m: float, n_stages: int) -> dict:
    """Energy per transition of the whole chain (J), end-to-end delay from ``n0`` to the
    last node (s), steady-state delay per stage from ``n1`` to the last node (s)."""
    win = ni.window_s(tech, seg_m, n_stages)
    t2, stop = ni.T1_S + win, ni.T1_S + 2 * win
    last = f"n{n_stages}"
    total = _edges(vec, "n0", last, vdd, t2, stop)
    steady = (_edges(vec, "n1", last, vdd, t2, stop) / (n_stages - 1) if n_stages > 1
              else total)
    return {"energy_j": _energy(vec, vdd, stop), "delay_s": total, "stage_delay_s": steady}


def size_repeaters(tech_name, *, quick: bool = False, executor=None,
                   checkpoint=None) -> RepeaterDesign:
    """Delay-optimal repeater size and spacing by simulation (module docstring).

    A descent on the lattice h = SIZING_START[0] x 2^i, spacing = SIZING_START[1] x 2^j:
    simulate the current point and its four neighbours (h and spacing halved and
    doubled), move to the fastest, repeat until the current point is the fastest of its
    neighbourhood (at most :data:`MAX_SIZING_ROUNDS` rounds). ``quick`` changes nothing
    (a quick LUT shares the design, so its values equal the full LUT's at the nominal
    corner)."""
    tech = _tech(tech_name)
    measured: dict = {}
    best = SIZING_START
    for round_ in range(MAX_SIZING_ROUNDS):
        h0, s0 = best
        around = [(h0, s0), (2 * h0, s0), (h0 / 2, s0), (h0, 2 * s0), (h0, s0 / 2)]
        todo = [(h, s) for h, s in around if (h, s) not in measured
                and 1.0 <= h <= 4096.0 and 1e-5 <= s <= 0.05]
        benches = [ni.repeated_wire_bench(tech, tech.vdd_v, 300.0, h=h, seg_length_m=s,
                                          n_stages=SIZING_STAGES) for h, s in todo]
        vecs = _simulate(benches, executor, checkpoint, f"repeater_sizing_{round_}")
        for (h, s), vec in zip(todo, vecs):
            m = wire_measure(vec, tech.vdd_v, tech, s, SIZING_STAGES)
            measured[(h, s)] = m["stage_delay_s"] / s
        nxt = min((p for p in around if p in measured), key=measured.get)
        if nxt == best:
            break
        best = nxt
    tried = tuple((h_, s_, d_) for (h_, s_), d_ in sorted(measured.items()))
    return RepeaterDesign(h=best[0], spacing_m=best[1], delay_per_m=measured[best],
                          tried=tried)


def repeater_capacitance_f(tech_name, h: float, *, vdd_v: float | None = None,
                           temperature_k: float = 300.0, executor=None) -> float:
    """Switched capacitance of one repeater's output node without wire (F): its drains
    and the next repeater's gate (:func:`netlists.interconnect.repeater_cload_bench`)."""
    tech = _tech(tech_name)
    vdd = tech.vdd_v if vdd_v is None else float(vdd_v)
    vec = _simulate([ni.repeater_cload_bench(tech, vdd, temperature_k, h=h)], executor, None,
                    "repeater_cload")[0]
    q = integrate_power_j(vec["time"], -vec["vout#branch"], ni.T1_S - 5e-12,
                          ni.T1_S + pn.SLEW_S + 150e-12)
    return q / vdd


@functools.lru_cache(maxsize=64)
def periphery_widths_m(tech_name: str, rows: int, cols: int) -> tuple[float, float]:
    """(sum of NMOS widths, sum of PMOS widths) of one sub-array's periphery (m)."""
    from ..netlists import decoder as dn
    from ..netlists import sense_amp as sa
    from ..netlists import spice_text as st

    tech = technology(tech_name)

    def widths(lines, name):
        mos = st.circuit("w", lines).subckt_mosfets.get(name, ())
        n = sum(m.w_m for m in mos if m.model == tech.nmos_model)
        p = sum(m.w_m for m in mos if m.model == tech.pmos_model)
        return n, p

    dec_n, dec_p = dn.decoder_widths_m(tech, rows)
    sa_n, sa_p = widths(sa.strongarm_subckt("sa", tech), "sa")
    drv_n = pn.line_driver_mult(cols) * tech.l_min_m
    return (dec_n + rows * drv_n + cols * sa_n, dec_p + rows * 2 * drv_n + cols * sa_p)


def _leak_currents(vec) -> tuple[float, float, float]:
    """(NMOS off current per metre, PMOS per metre, one cell) from the leakage bench (A)."""
    def i(name):
        return abs(float(np.asarray(vec[f"{name}#branch"]).ravel()[0]))
    return i("vnd") / ni.LEAK_W_M, i("vps") / ni.LEAK_W_M, i("vbl")


def interconnect_ops(tech_name, *, quick: bool = False, vdd_values=None,
                     temperatures_k: Sequence[float] = (300.0, 358.0),
                     rows: Sequence[int] = (64, 128, 256, 512, 1024),
                     cols: Sequence[int] = (64, 128, 256, 512, 1024),
                     executor=None, checkpoint=None) -> list[OpCharacterization]:
    """``global_wire``, ``htree_segment``, ``bank_io_driver``, ``leakage_cells`` and
    ``leakage_periphery`` over (vdd_v, temperature_k) (module docstring)."""
    tech = _tech(tech_name)
    spec = tech_name if isinstance(tech_name, str) else tech.source_file
    with executor_scope(executor) as ex:
        design = size_repeaters(tech, quick=quick, executor=ex, checkpoint=checkpoint)
        ax_v, ax_t = _corners(tech, vdd_values, temperatures_k, quick)
        vdds, temps = ax_v.values, ax_t.values
        corners = [(i, j) for i in range(len(vdds)) for j in range(len(temps))]
        h, s = design.h, design.spacing_m
        kinds = {
            "wire": lambda v, t: ni.repeated_wire_bench(tech, v, t, h=h, seg_length_m=s,
                                                         n_stages=WIRE_STAGES),
            "htree": lambda v, t: ni.htree_segment_bench(tech, v, t, h=h, seg_length_m=s),
            "io": lambda v, t: ni.io_driver_bench(tech, v, t, h=h),
            "leak": lambda v, t: ni.leakage_bench(tech, v, t, V_READ_V),
        }
        jobs = [(k, i, j, fn(vdds[i], temps[j])) for k, fn in kinds.items() for i, j in corners]
        vecs = _simulate([b for *_, b in jobs], ex, checkpoint, "interconnect")
    shape = (len(vdds), len(temps))
    res = {k: (np.zeros(shape), np.zeros(shape)) for k in ("wire", "htree", "io")}
    leak = {}
    hashes: dict = {k: {} for k in kinds}
    for (kind, i, j, bench), vec in zip(jobs, vecs):
        v = vdds[i]
        hashes[kind][f"{kind}_vdd{v:.3g}_t{temps[j]:.0f}"] = sha256_text(bench.text)
        if kind == "wire":
            m = wire_measure(vec, v, tech, s, WIRE_STAGES)
            res[kind][0][i, j] = m["energy_j"] / (WIRE_STAGES * s) * 1e-3
            res[kind][1][i, j] = m["stage_delay_s"] / s * 1e-3
        elif kind == "htree":
            win = ni.window_s(tech, s, 1)
            t2, stop = ni.T1_S + win, ni.T1_S + 2 * win
            res[kind][0][i, j] = _energy(vec, v, stop)
            res[kind][1][i, j] = _edges(vec, "n0", "nf", v, t2, stop)
        elif kind == "io":
            win = 600e-12 + 100e-12 * len(ni.io_driver_sizes(h))
            t2, stop = ni.T1_S + win, ni.T1_S + 2 * win
            res[kind][0][i, j] = _energy(vec, v, stop)
            res[kind][1][i, j] = _edges(vec, "n0", "out", v, t2, stop)
        else:
            leak[(i, j)] = _leak_currents(vec)
    axes = (ax_v, ax_t)
    wire = (f"global wire {tech.global_wire_r_ohm_per_m:.3g} Ohm/m, "
            f"{tech.global_wire_c_f_per_m:.3g} F/m ({tech.global_wire_source or 'unsourced'})")
    rep = (f"repeaters h = {h:g} unit inverters (Wn {2 * h:g}, Wp {4 * h:g} l_min) every "
           f"{s * 1e3:g} mm, delay-optimal on a factor-2 lattice by SPICE descent "
           f"({len(design.tried)} points tried, in the provenance): "
           f"{design.delay_per_m * 1e-3 * 1e12:.1f} ps/mm")
    calib = {"repeater_h": h, "repeater_spacing_m": s,
             "repeater_delay_per_m_s": design.delay_per_m,
             "sizing_tried": [list(x) for x in design.tried]}
    out = [
        OpCharacterization(
            "global_wire", axes, *res["wire"],
            f"{tech.name}: one bit over 1 mm of repeated global wire; {wire}; {rep}; "
            f"{ni.PI_SECTIONS} pi sections per spacing",
            f"energy per bit transition per mm: VDD x supply charge of {WIRE_STAGES} stages "
            "(each charging its wire and the next repeater's gate) / 2 transitions / length; "
            "latency per mm: steady-state 50 % stage delay (stages 2..N, mean of both edges) "
            "/ spacing", hashes["wire"], calib),
        OpCharacterization(
            "htree_segment", axes, *res["htree"],
            f"{tech.name}: one H-tree branch point: a repeater driving {s * 1e3:g} mm of "
            f"global wire into a fork of two repeaters; {wire}; {rep}",
            "energy per bit transition: VDD x supply charge / 2; latency: 50 % delay from "
            "the repeater input to the fork (mean of both edges)", hashes["htree"], calib),
        OpCharacterization(
            "bank_io_driver", axes, *res["io"],
            f"{tech.name}: bank-level I/O driver: FO{ni.FANOUT:g}-tapered inverter chain "
            f"(sizes {[round(x, 2) for x in ni.io_driver_sizes(h)]} unit inverters) from a "
            f"unit-inverter signal onto the global wire's first repeater (h = {h:g})",
            "energy per bit transition: VDD x supply charge / 2; latency: 50 % delay "
            "through the chain (mean of both edges)", hashes["io"], calib),
    ]
    out += _leakage_ops(spec, tech, vdds, temps, leak, axes, rows, cols, hashes["leak"])
    return out


def _leakage_ops(spec, tech, vdds, temps, leak, axes, rows, cols, hashes):
    rows = tuple(sorted(int(r) for r in rows))
    cols = tuple(sorted(int(c) for c in cols))
    cells = np.zeros((len(vdds), len(temps), len(rows), len(cols)))
    peri = np.zeros_like(cells)
    for (i, j), (i_n, i_p, i_cell) in leak.items():
        for a, r in enumerate(rows):
            for b, c in enumerate(cols):
                w_n, w_p = periphery_widths_m(spec, r, c)
                cells[i, j, a, b] = r * c * i_cell * V_READ_V
                peri[i, j, a, b] = 0.5 * vdds[i] * (i_n * w_n + i_p * w_p)
    all_axes = (*axes, AxisSpec("subarray_rows", rows, "1", None),
                AxisSpec("subarray_cols", cols, "1", None))
    window = np.full_like(cells, LEAK_WINDOW_S)
    crit = (f"leakage power = energy_j / latency_s (latency_s = {LEAK_WINDOW_S:g} s window); "
            ".op off-currents of the PTM card at each corner")
    return [
        OpCharacterization(
            "leakage_cells", all_axes, cells * LEAK_WINDOW_S, window,
            f"{tech.name}: cell leakage of one rows x cols sub-array: every cell's read "
            f"access NMOS (W = {tech.read_w_mult:g} l_min) off with its drain at the read "
            f"voltage {V_READ_V:g} V (lines grounded in standby leak nothing)", crit, hashes),
        OpCharacterization(
            "leakage_periphery", all_axes, peri * LEAK_WINDOW_S, window,
            f"{tech.name}: periphery leakage of one sub-array: decoder pair, a word-line "
            f"driver per row, a StrongARM sense amplifier per column; "
            f"P = VDD (I_n' W_n + I_p' W_p) / 2 from off-currents per metre of width "
            f"(|Vds| = VDD), stack effect ignored (upper bound)", crit, hashes),
    ]

"""The ``decide`` majority designs as experiments: transients, LUT ops, area.

The circuits are :mod:`spincim.netlists.majority_decide` (CMOS decides, a flip-flop
holds the decision, an H-bridge writes it at the CORN PRESET strength); everything runs
on the one runner (:mod:`.executor`):

* :func:`run_patterns` -- one majority per pattern with the LLGS macromodel as the
  buffer cell (starting in the state opposite to the majority): write current, final
  state, switching time and energy (the rows of ``spincim driver sweep --design``);
* :func:`write_ops` -- the LUT op ``majority_<design>`` over (vdd_v, temperature_k,
  n_on): energy of every source from valid inputs to the end of the write (the heavy
  metal as a plain resistor: it does not depend on the magnetization and the MTJ
  terminals carry no current, so the supplies see the same circuit), latency the
  scheduled decision + capture + write;
* :func:`area_m2` -- transistors by the per-device rule of :mod:`.areas` plus the
  capacitors at their stated density.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from ..devices import mtj as M
from ..devices.technology import technology
from ..netlists import majority_decide as md
from ..netlists import majority_designs as designs
from ..netlists import ngspice
from ..netlists import spice_text as st
from ..netlists import write_driver as wd
from .executor import executor_scope
from .opdata import AxisSpec, OpCharacterization, integrate_power_j, sha256_text

__all__ = ["source_vectors", "DecideRow", "run_patterns", "write_ops", "area_m2",
           "ENERGY_MAX_STEP_S", "energy_window"]

#: max step of the energy transients (heavy metal as a resistor): the energy at 10 and
#: 20 ps is within 0.1 % of 2 ps for both designs (2026-11-24 run)
ENERGY_MAX_STEP_S = 20e-12


def source_vectors(netlist: st.Netlist, extra: Sequence[str] = ()) -> tuple[str, ...]:
    """Vectors the energy of every top-level source needs (``time``, each voltage
    source's branch current and its nodes), plus ``extra``."""
    names = {"time", *extra}
    for src in netlist.sources:
        if src.kind == "v":
            names.add(f"{src.name}#branch")
        names.update(n for n in (src.n_plus, src.n_minus) if n != "0")
    return tuple(sorted(names))


def energy_window(design: designs.DecideDesign) -> tuple[float, float]:
    """(start, end) of one majority (s): valid inputs to the end of the write edge."""
    tm = md.timing(design)
    return md.T_IN_S, tm.write_end_s + design.write.edge_s


@dataclasses.dataclass(frozen=True)
class DecideRow:
    """One decide-and-write transient (SI units)."""

    n_on: int
    i_shm_a: float        # mean SHM current over the write pulse (sa -> sb positive)
    decided: bool         # the flip-flop's output at the end (1 = majority)
    switched: bool        # final m_x < 0 (the cell holds 1 = AP)
    t_switch_s: float     # write start to m_x crossing 0 (NaN if it does not cross)
    energy_j: float       # every source over energy_window
    mx_start: float       # m_x when the write starts


def _summarize(bits, netlist, vec, design) -> DecideRow:
    from .ops import _first_crossing, source_energy_j

    tm = md.timing(design)
    t = np.asarray(vec["time"], float)
    mx = np.asarray(vec["xbuf.mx"], float)
    i_shm = np.asarray(vec["v.xbuf.vshm#branch"], float)
    mean_i = integrate_power_j(t, i_shm, tm.write_start_s, tm.write_end_s) / (
        tm.write_end_s - tm.write_start_s)
    e, _ = source_energy_j(netlist, vec, [energy_window(design)])
    t_sw = _first_crossing(t, mx, 0.0, tm.write_start_s)
    q = float(np.asarray(vec["q"], float)[-1])
    return DecideRow(int(sum(bits)), mean_i, q > 0.5 * technology(design.tech_name).vdd_v,
                     bool(mx[-1] < 0), t_sw - tm.write_start_s if np.isfinite(t_sw)
                     else float("nan"), float(e), float(np.interp(tm.write_start_s, t, mx)))


def run_patterns(design: designs.DecideDesign, patterns: Sequence[Sequence[int]],
                 device: M.SotDevice | None = None, *, temperature_k: float | None = None,
                 executor=None, checkpoint=None, stage: str = "decide",
                 on_result=None) -> list[DecideRow]:
    """One majority per 9-bit pattern with the LLGS macromodel cell (0 K dynamics, start
    opposite to the majority with the 300 K rms tilt). ``device`` defaults to the
    design's buffer cell; ``temperature_k`` goes to ``.temp`` (transistor cards)."""
    device = device or wd.buffer_device(0.0, thickness_m=design.shm_thickness_m)
    pats = [tuple(int(b) for b in p) for p in patterns]
    nets = [md.tran_netlist(design, p, device, temperature_k=temperature_k) for p in pats]
    jobs = [ngspice.Job(n, None, source_vectors(n, ("xbuf.mx", "v.xbuf.vshm#branch", "q")))
            for n in nets]
    with executor_scope(executor) as ex:
        out = ex.run_jobs(jobs, timeout_s=900, checkpoint=checkpoint, stage=stage,
                          on_result=on_result)
    return [_summarize(p, n, v, design) for p, n, v in zip(pats, nets, out)]


def write_ops(design: designs.DecideDesign, *, vdd_values=None,
              temperatures_k: Sequence[float] = (300.0, 358.0), quick: bool = False,
              counts: Sequence[int] = range(md.N_INPUTS + 1), executor=None,
              checkpoint=None, stage: str | None = None) -> list[OpCharacterization]:
    """The LUT op of ``design`` (:data:`majority_designs.REGISTRY` name ``write``) over
    (vdd_v, temperature_k, n_on).

    Energy: every source (logic supply, inputs, controls, write supply) over
    :func:`energy_window`, pattern :func:`write_driver.pattern_for_count` of each
    count, the heavy metal as a resistor at :data:`ENERGY_MAX_STEP_S`. ``vdd_v`` scales
    the logic supply and input levels; the write supply (CORN's Vsupply2) stays fixed.
    Latency: the scheduled time from valid inputs to the end of the write edge (the
    write pulse has a fixed width).
    """
    from .ops import source_energy_j, temperature_axis, vdd_axis

    tech = technology(design.tech_name)
    ax_v = vdd_axis(tech, quick, vdd_values)
    ax_t = temperature_axis(temperatures_k, quick)
    counts = tuple(int(n) for n in counts)
    ax_n = AxisSpec("n_on", counts, "1", nominal=None)
    device = wd.buffer_device(0.0, thickness_m=design.shm_thickness_m)
    items = [(iv, it, k) for iv in range(len(ax_v.values)) for it in range(len(ax_t.values))
             for k in range(len(counts))]
    nets = [md.tran_netlist(design, wd.pattern_for_count(counts[k]), device,
                            temperature_k=ax_t.values[it], cell="resistor",
                            vdd_v=ax_v.values[iv], max_step_s=ENERGY_MAX_STEP_S)
            for iv, it, k in items]
    op = designs.entry(design.name).ops["write"]
    with executor_scope(executor) as ex:
        out = ex.run_jobs([ngspice.Job(n, None, source_vectors(n, ("q",))) for n in nets],
                          timeout_s=600, checkpoint=checkpoint, stage=stage or op)
    shape = (len(ax_v.values), len(ax_t.values), len(counts))
    energy = np.zeros(shape)
    wrong = []
    window = energy_window(design)
    for (iv, it, k), n, vec in zip(items, nets, out):
        energy[iv, it, k] = source_energy_j(n, vec, [window])[0]
        if (float(vec["q"][-1]) > 0.5 * ax_v.values[iv]) != (counts[k] >= 5):
            wrong.append((ax_v.values[iv], ax_t.values[it], counts[k]))
    latency = np.full(shape, md.timing(design).latency_s)
    shas = {f"n{counts[k]}": sha256_text(n.text) for (iv, it, k), n in zip(items, nets)
            if ax_v.values[iv] == ax_v.nominal and it == 0}
    return [OpCharacterization(
        op=op, axes=(ax_v, ax_t, ax_n), energy_j=energy, latency_s=latency,
        description=(f"{design.tech_name} majority design {design.name!r}: "
                     f"{design.description}; buffer SHM {design.shm_thickness_m:g} m, write "
                     f"{design.write.pulse_s:g} s from {design.write.v_write_v:g} V; pattern "
                     f"write_driver.pattern_for_count(n_on); wrong decisions (VDD, T, n_on): "
                     f"{wrong or 'none'}"),
        criterion=(f"energy: integral of the power of all sources (logic VDD, inputs, "
                   f"controls, write supply) over [inputs valid, write end + edge] = "
                   f"[{window[0]:g}, {window[1]:g}] s, heavy metal as a resistor, max step "
                   f"{ENERGY_MAX_STEP_S:g} s; latency: the scheduled decision + capture + "
                   f"write pulse + edge"),
        netlist_sha256=shas)]


def area_m2(design: designs.DecideDesign) -> tuple[float, str]:
    """Area of one decide-and-write majority unit (m^2) and the rule that gave it."""
    from .areas import device_area_f2, subckt_mosfets

    tech = technology(design.tech_name)
    mos = subckt_mosfets(md.area_lines(design, tech), md.AREA_SUBCKT)
    f2, n = device_area_f2(mos, tech.node_m)
    caps = md.capacitors_f(design)
    a_cap = (sum(caps) / design.decider.cap_density_f_per_m2) if caps else 0.0
    rule = (f"{n} transistors by areas.device_area_f2 ({f2:.0f} F^2)"
            + (f" + {len(caps)} capacitors, {sum(caps):.3g} F at "
               f"{design.decider.cap_density_f_per_m2:g} F/m^2 (estimate)" if caps else ""))
    return f2 * tech.node_m ** 2 + a_cap, rule

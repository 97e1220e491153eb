"""CMOS periphery experiments: gates, composite digital blocks, array lines and decoders.

Everything here is either an ngspice transient of a bench from
:mod:`spincim.netlists.periphery` at the technology node (PTM card of
:func:`spincim.devices.technology.technology`, L = l_min) or a documented formula over
those results. Energies are in J, latencies in s. Every simulation runs on an
:class:`~.executor.Executor` (``executor=None`` makes a local one for the call), so
checkpoints, time and memory limits and Dask apply; component areas live in
:mod:`spincim.characterize.areas`.

Gate benches (:func:`gate_ops`) share one convention: the device under test (DUT) has
its own supply ``Vdd``; its fan-out-of-4 load (four unit inverters, Wn = 2 l_min,
Wp = 4 l_min, from :func:`netlists.sense_amp.inverter_subckt`) sits on a separate supply
``Vld`` whose energy is *not* counted; inputs are ideal PWL sources with a 20 ps slew
(their gate-charging energy belongs to the previous stage and is not counted). Energy is
the integral of VDD x (supply current) over a measurement window (dynamic, short-circuit
and leakage together); delays are 50 %-to-50 %.

Line benches (:func:`line_ops`) count the driver supply *and* the charge the driver's
input draws (VDD x positive charge of the input source, what a CMOS pre-driver would
draw), because a large line driver's gate is not negligible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..devices.technology import Technology, technology
from ..errors import ParameterError, SimulationError
from ..netlists import array as arr
from ..netlists import decoder as dn
from ..netlists import periphery as pn
from ..netlists.periphery import FO, SEGMENT_PITCHES, SLEW_S
from .adders import (
    adder_tree_cost,
    check_n,
    dff_bank_cost,
    fa_tree_counts,
    popcount_cost,
    popcount_tree_counts,
    ripple_adder_cost,
)
from .executor import executor_scope
from .opdata import (AxisSpec, OpCharacterization, integrate_power_j, sha256_text,
                     temperature_spec, vdd_spec)

__all__ = [
    "FO",
    "SEGMENT_PITCHES",
    "SLEW_S",
    "adder_n",
    "bitcount_n",
    "corners",
    "fa_tree_counts",
    "gate_ops",
    "inverter_load_capacitance_f",
    "line_ops",
    "popcount_tree_counts",
    "popcount_tree_n",
    "register_n",
    "shifter_n",
]

#: flip-flop bench: clock cycles skipped before measuring (the first edges settle the latch)
_DFF_SKIP = 2


# ----------------------------------------------------------------------------- helpers
def _tech(tech_name: str | Technology) -> Technology:
    return tech_name if isinstance(tech_name, Technology) else technology(tech_name)


def _crossings(t, v, level):
    """Times where v crosses level (linear interpolation), with direction (+1/-1)."""
    d = np.asarray(v) - level
    idx = np.nonzero(np.sign(d[:-1]) * np.sign(d[1:]) < 0)[0]
    out = []
    for i in idx:
        f = d[i] / (d[i] - d[i + 1])
        out.append((t[i] + f * (t[i + 1] - t[i]), 1 if d[i + 1] > d[i] else -1))
    return out


def _last_cross(t, v, level, t_from, t_to, direction):
    hits = [tc for tc, s in _crossings(t, v, level) if t_from <= tc <= t_to and s == direction]
    if not hits:
        raise SimulationError(f"no {'rising' if direction > 0 else 'falling'} crossing of "
                              f"{level:.3g} V in [{t_from:.3g}, {t_to:.3g}] s")
    return hits[-1]


def _supply_energy(vec, source: str, v: float, t0: float, t1: float) -> float:
    return v * integrate_power_j(vec["time"], -vec[f"{source.lower()}#branch"], t0, t1)


def _input_energy(vec, source: str, v: float, t0: float, t1: float) -> float:
    """VDD x positive charge delivered by an input source (what a pre-driver would draw)."""
    i = np.maximum(-vec[f"{source.lower()}#branch"], 0.0)
    return v * integrate_power_j(vec["time"], i, t0, t1)


def _simulate(netlists, executor, checkpoint, stage: str) -> list:
    """Vectors of every netlist, in order, on ``executor`` (a local one if None)."""
    if not netlists:
        return []
    with executor_scope(executor) as ex:
        return ex.run_jobs(list(netlists), checkpoint=checkpoint, stage=stage)


# ----------------------------------------------------------------------------- inverter
def _inv_measure(vec, vdd: float) -> tuple[float, float]:
    t = vec["time"]
    e = _supply_energy(vec, "Vdd", vdd, 50e-12, pn.INV_STOP_S - 10e-12) / 2.0
    tin1, tin2 = pn.INV_T1_S + SLEW_S / 2, pn.INV_T2_S + SLEW_S / 2
    t_hl = _last_cross(t, vec["out"], vdd / 2, pn.INV_T1_S, pn.INV_T2_S, -1) - tin1
    t_lh = _last_cross(t, vec["out"], vdd / 2, pn.INV_T2_S, pn.INV_STOP_S, +1) - tin2
    return e, 0.5 * (t_hl + t_lh)


def inverter_load_capacitance_f(tech_name: str | Technology, *, vdd_v: float | None = None,
                                temperature_k: float = 300.0, executor=None) -> float:
    """Switched capacitance of the inverter bench's output node (F).

    Same netlist as the inverter bench with the DUT switched off (PMOS gate at VDD, NMOS
    gate at 0) and an ideal 0 -> VDD ramp on the output
    (:func:`netlists.periphery.inverter_bench` with ``cload=True``):
    C = (charge from the ramp) / VDD. Includes the DUT drain junctions and the four load
    inverters' gates (with their Miller charge). A full cycle of the inverter should then
    take about C x VDD^2.

    Parameters
    ----------
    tech_name : str or Technology
        Technology node, e.g. ``"45nm"``.
    vdd_v : float, optional
        Supply (V); the node's nominal VDD by default.
    temperature_k : float
        Temperature (K).
    executor : Executor, optional
        Where to run ngspice; a one-worker local executor for this call if None.
    """
    tech = _tech(tech_name)
    vdd = tech.vdd_v if vdd_v is None else float(vdd_v)
    bench = pn.inverter_bench(tech, vdd, temperature_k, cload=True)
    vec = _simulate([bench], executor, None, "inverter_cload")[0]
    t = vec["time"]
    q = integrate_power_j(t, -vec["vout#branch"], pn.INV_T1_S - 5e-12,
                          pn.INV_T1_S + SLEW_S + 50e-12)
    return q / vdd


# ----------------------------------------------------------------------------- full adder
def _fa_measure(vec, vdd: float) -> tuple[float, float]:
    t = vec["time"]
    seq = [pn.FA_SEQUENCE[-1], *pn.FA_SEQUENCE]
    n = len(pn.FA_SEQUENCE)
    t0_all, period = pn.FA_T0_S, pn.FA_PERIOD_S
    e = _supply_energy(vec, "Vdd", vdd, t0_all, t0_all + n * period) / n
    worst = 0.0
    for k in range(1, n + 1):
        t0 = t0_all + (k - 1) * period
        bits = [(seq[k] >> b) & 1 for b in (2, 1, 0)]
        prev = [(seq[k - 1] >> b) & 1 for b in (2, 1, 0)]
        for node, f in (("s", lambda x: sum(x) % 2), ("co", lambda x: int(sum(x) >= 2))):
            want = f(bits)
            v_end = np.interp(t0 + period - 5e-12, t, vec[node])
            if abs(v_end - want * vdd) > 0.2 * vdd:
                raise SimulationError(f"full adder: {node} = {v_end:.3f} V for inputs {bits}")
            if want != f(prev):
                tc = _last_cross(t, vec[node], vdd / 2, t0, t0 + period, 1 if want else -1)
                worst = max(worst, tc - (t0 + SLEW_S / 2))
    return e, worst


# ----------------------------------------------------------------------------- flip-flop
def _dff_measure(vec, vdd: float) -> tuple[float, float]:
    t, p, cycles = vec["time"], pn.DFF_PERIOD_S, pn.DFF_CYCLES
    e = _supply_energy(vec, "Vdd", vdd, _DFF_SKIP * p, cycles * p) / (cycles - _DFF_SKIP)
    worst = 0.0
    for k in range(_DFF_SKIP, cycles):
        edge = k * p + p / 2
        want = pn.dff_data_bit(k + 1)       # d applied at k P + P/4 is bits[k + 1]
        v_end = np.interp(edge + p / 2 - 5e-12, t, vec["q"])
        if abs(v_end - want * vdd) > 0.2 * vdd:
            raise SimulationError(f"dff: q = {v_end:.3f} V after edge {k}, expected {want}")
        tc = _last_cross(t, vec["q"], vdd / 2, edge, edge + p / 2, 1 if want else -1)
        worst = max(worst, tc - (edge + SLEW_S / 2))
    return e, worst


_GATES = {
    "inv": (pn.inverter_bench, _inv_measure,
            "unit CMOS inverter (Wn 2, Wp 4 x l_min) driving FO4",
            "energy: DUT supply energy over one rise + one fall of the output, / 2 (per "
            "transition; short-circuit and leakage included); latency: mean of the 50 % "
            "tpHL and tpLH; ideal 20 ps input ramps, FO4 load on a separate supply"),
    "fa": (pn.full_adder_bench, _fa_measure,
           "28-transistor mirror full adder (Wn 2, Wp 4 x l_min) with FO4 on sum and carry",
           "energy: DUT supply energy over the 16 input transitions of FA_SEQUENCE, / 16 "
           "(per addition); latency: worst 50 % input-to-output delay of sum or carry "
           "over those transitions; outputs checked against the truth table"),
    "dff": (pn.dff_bench, _dff_measure,
            "positive-edge transmission-gate master-slave D flip-flop (20 transistors, "
            "local clock inverters) driving FO4",
            "energy: DUT supply energy per clock cycle with D toggling every cycle (clock "
            "buffers included, the clock source's own gate charge not); latency: worst "
            "50 % clk-to-q of rising and falling q; setup time P/4 = 125 ps"),
}


def corners(tech: Technology, vdd_values, temperatures_k, quick: bool
            ) -> tuple[AxisSpec, AxisSpec]:
    """(vdd_v, temperature_k) axes of a characterization (:func:`opdata.vdd_spec`,
    :func:`opdata.temperature_spec`; ``quick``: the nominal corner)."""
    return vdd_spec(tech.vdd_v, quick, vdd_values), temperature_spec(temperatures_k, quick)


def gate_ops(tech_name: str | Technology, *, vdd_values: Sequence[float] | None = None,
             temperatures_k: Sequence[float] = (300.0, 358.0), quick: bool = False,
             ops: Sequence[str] = ("inv", "fa", "dff"), executor=None, checkpoint=None,
             stage: str = "gates") -> list[OpCharacterization]:
    """ngspice characterization of ``inv``, ``fa`` and ``dff`` over (vdd_v, temperature_k).

    Parameters
    ----------
    tech_name : str or Technology
        Technology node, e.g. ``"45nm"``.
    vdd_values : sequence of float, optional
        Supplies (V); nominal x (0.9, 1.0, 1.1) by default.
    temperatures_k : sequence of float
        Temperatures (K).
    quick : bool
        Nominal VDD and 300 K only.
    ops : sequence of str
        Gates to characterize, from ``inv``, ``fa``, ``dff``.
    executor : Executor, optional
        Where the benches run (:mod:`~spincim.characterize.executor`); a local executor
        for this call if None.
    checkpoint : Checkpoint, optional
        Store finished benches under ``stage`` and skip the stored ones.
    stage : str
        Checkpoint stage name.

    Returns
    -------
    list of OpCharacterization
        One per gate, arrays of shape (len(vdd), len(temperature)).
    """
    tech = _tech(tech_name)
    unknown = set(ops) - set(_GATES)
    if unknown:
        raise ParameterError("ops", f"unknown gates {sorted(unknown)}; choose from {list(_GATES)}")
    ax_v, ax_t = corners(tech, vdd_values, temperatures_k, quick)
    vdds, temps = ax_v.values, ax_t.values
    grid = [(op, i, j) for op in ops for i in range(len(vdds)) for j in range(len(temps))]
    benches = [_GATES[op][0](tech, vdds[i], temps[j]) for op, i, j in grid]
    results = _simulate(benches, executor, checkpoint, stage)
    out = []
    for op in ops:
        _, measure, description, criterion = _GATES[op]
        e = np.zeros((len(vdds), len(temps)))
        lat = np.zeros_like(e)
        hashes = {}
        for (o, i, j), bench, vec in zip(grid, benches, results):
            if o != op:
                continue
            e[i, j], lat[i, j] = measure(vec, vdds[i])
            hashes[f"{op}_vdd{vdds[i]:.3g}_t{temps[j]:.0f}"] = sha256_text(bench.text)
        axes = (ax_v, ax_t)
        out.append(OpCharacterization(op, axes, e, lat, f"{tech.name}: {description}",
                                      criterion, hashes))
    return out


# ----------------------------------------------------------------------------- composites
def _gate_map(gates) -> dict[str, OpCharacterization]:
    if isinstance(gates, Mapping):
        return dict(gates)
    return {g.op: g for g in gates}


def _composite(op: str, base: OpCharacterization, energy, latency, description, criterion):
    return OpCharacterization(op, base.axes, np.asarray(energy, float),
                              np.asarray(latency, float), description, criterion,
                              dict(base.netlist_sha256))


def bitcount_n(n: int, gates) -> OpCharacterization:
    """Popcount of ``n`` bits as a full-adder tree (see :func:`fa_tree_counts`).

    Count: n - bit_length(n) full adders plus n_HA half adders, each half adder costed as
    one full adder (upper bound). Energy = (n_FA + n_HA) x E_fa; latency = depth x t_fa
    (t_fa = the FA's worst sum/carry delay).
    """
    g = _gate_map(gates)["fa"]
    n_fa, n_ha, depth = fa_tree_counts(check_n(n))
    return _composite(f"bitcount_{n}", g, *popcount_cost(n, g.energy_j, g.latency_s),
                      f"popcount of {n} bits: {n_fa} FA + {n_ha} HA (costed as FA), "
                      f"depth {depth} adders",
                      "formula over the fa characterization (same axes)")


def adder_n(n: int, gates) -> OpCharacterization:
    """n-bit ripple-carry adder: **n FA**; energy n x E_fa, latency n x t_fa (carry chain)."""
    g = _gate_map(gates)["fa"]
    return _composite(f"adder_{n}", g, *ripple_adder_cost(n, g.energy_j, g.latency_s),
                      f"{n}-bit ripple-carry adder: {n} FA",
                      "formula over the fa characterization (same axes)")


def shifter_n(n: int, gates) -> OpCharacterization:
    """n-bit 1-position shift register (not a barrel shifter): **n DFF** clocked once per
    shift; energy n x E_dff (every bit toggling: upper bound), latency one clk-to-q."""
    g = _gate_map(gates)["dff"]
    return _composite(f"shifter_{n}", g, *dff_bank_cost(n, g.energy_j, g.latency_s),
                      f"{n}-bit shift register (1 position per clock): {n} DFF",
                      "formula over the dff characterization (same axes)")


def register_n(n: int, gates) -> OpCharacterization:
    """n-bit register: **n DFF**; energy per clocked write n x E_dff (data toggling), latency
    clk-to-q."""
    g = _gate_map(gates)["dff"]
    return _composite(f"register_{n}", g, *dff_bank_cost(n, g.energy_j, g.latency_s),
                      f"{n}-bit register: {n} DFF",
                      "formula over the dff characterization (same axes)")


def popcount_tree_n(n: int, gates) -> OpCharacterization:
    """Popcount of n = 2^L bits as a binary tree of ripple adders (the IMC-DPU baseline's
    adder tree): n_FA = sum_{j=1..L} j n / 2^j FA (:func:`popcount_tree_counts`), energy
    n_FA x E_fa, latency L (L + 1) / 2 x t_fa."""
    g = _gate_map(gates)["fa"]
    n_fa, _ = popcount_tree_counts(n)
    return _composite(f"popcount_tree_{n}", g, *adder_tree_cost(n, g.energy_j, g.latency_s),
                      f"adder-tree popcount of {n} bits: {n_fa} FA in {n.bit_length() - 1} "
                      f"levels of ripple adders", "formula over the fa characterization")


# ----------------------------------------------------------------------------- lines
def _wordline_measure(vec, vdd):
    t, t1, t2, stop = vec["time"], pn.LINE_T1_S, pn.LINE_T2_S, pn.LINE_STOP_S
    e = _supply_energy(vec, "Vdd", vdd, 0.0, stop) + _input_energy(vec, "Vin", vdd, 0.0, stop)
    rise = _last_cross(t, vec["far"], vdd / 2, t1, t2, +1) - (t1 + SLEW_S / 2)
    fall = _last_cross(t, vec["far"], vdd / 2, t2, stop, -1) - (t2 + SLEW_S / 2)
    return e, max(rise, fall)


def _bitline_measure(vec, vdd, v_read):
    t, t1, t2, stop = vec["time"], pn.LINE_T1_S, pn.LINE_T2_S, pn.LINE_STOP_S
    e = (_supply_energy(vec, "Vr", v_read, 0.0, stop)
         + _input_energy(vec, "Vpre", vdd, 0.0, stop)
         + _input_energy(vec, "Vdis", vdd, 0.0, stop))
    rise = _last_cross(t, vec["far"], v_read / 2, t1, t2, +1) - (t1 + SLEW_S / 2)
    return e, rise


def _static_power_w(vec, source: str, v: float, t_until: float) -> float:
    """Mean supply power before ``t_until`` (the circuit at rest: its leakage), W."""
    return _supply_energy(vec, source, v, 0.0, t_until) / t_until


def _decoder_measure(vec, vdd, n_rows):
    """Dynamic energy per decode and worst delay of :func:`netlists.decoder.decoder_bench`.

    Energy: supply energy over the round trip 0 -> n-1 -> 0 minus the leakage the decoder
    draws at rest (the mean supply power before the first edge x the window: leakage is
    the LUT's ``leakage_periphery``), plus the address sources' charge, / 2.
    """
    t, t1, t2, stop = vec["time"], dn.T1_S, dn.T2_S, dn.STOP_S
    bits = n_rows.bit_length() - 1
    e = _supply_energy(vec, "Vdd", vdd, 0.0, stop) - _static_power_w(vec, "Vdd", vdd, t1) * stop
    e += sum(_input_energy(vec, f"Va{b}", vdd, 0.0, stop) for b in range(bits))
    t_in1, t_in2 = t1 + SLEW_S / 2, t2 + SLEW_S / 2
    d1 = _last_cross(t, vec[f"w{n_rows - 1}"], vdd / 2, t1, t2, +1) - t_in1
    d2 = _last_cross(t, vec["w0"], vdd / 2, t2, stop, +1) - t_in2
    return e / 2.0, max(d1, d2)


#: (builder, measure) of each line op: builder(tech, n, vdd, temp_k, v_read_v)
_LINE_BENCHES = {
    "wordline": (lambda tech, n, vdd, temp, v_read: pn.wordline_bench(tech, n, vdd, temp),
                 lambda vec, n, vdd, v_read: _wordline_measure(vec, vdd)),
    "bitline": (lambda tech, n, vdd, temp, v_read: pn.bitline_bench(tech, n, vdd, v_read, temp),
                lambda vec, n, vdd, v_read: _bitline_measure(vec, vdd, v_read)),
    "decoder": (lambda tech, n, vdd, temp, v_read: dn.decoder_bench(tech, n, vdd, temp),
                lambda vec, n, vdd, v_read: _decoder_measure(vec, vdd, n)),
}


def line_ops(tech_name: str | Technology, *, rows: Sequence[int] = (64, 128, 256, 512, 1024),
             cols: Sequence[int] = (64, 128, 256, 512, 1024), quick: bool = False,
             v_read_v: float = 0.2, vdd_values: Sequence[float] | None = None,
             temperatures_k: Sequence[float] = (300.0, 358.0), executor=None,
             checkpoint=None, stage: str = "lines") -> list[OpCharacterization]:
    """Word line (axis ``cols``), bit line and row decoder (axis ``rows``), each simulated
    at every size and every (vdd_v, temperature_k) corner: no size is extrapolated.

    * ``wordline``: inverter driver (Wn = 4 l_min per 64 cells, Wp = 2 Wn) into a wire of
      ``cols`` x 12 F (array.PITCH_ALONG_ROW_F) with R, C per metre of the technology,
      lumped SEGMENT_PITCHES pitches per RC segment, plus each cell's read access gate
      (READ_W_MULT x l_min). Energy per activation (assert + deassert) = driver supply +
      VDD x charge into the driver gate; latency = worst 50 % delay at the far end.
    * ``bitline``: the line of ``rows`` x 8 F with each cell's (off) access drain,
      **precharged to the read voltage** ``v_read_v`` through an NMOS switch (Wn as above)
      from a ``v_read_v`` source, then discharged to ground. Energy = read-source energy
      + gate charge of the precharge and discharge switches; latency = 50 % of v_read at
      the far end after the precharge edge.
    * ``decoder``: the predecoded multi-line-enable decoder of
      :func:`netlists.decoder.decoder_bench` (its reduced construction), the address
      flipping 0 -> n-1 -> 0 (decoder A enabled, B idle, word lines unloaded); dynamic
      energy per decode (leakage at rest subtracted: it is ``leakage_periphery``) and the
      worst address-to-word-line delay.

    ``tests/characterize/test_line_reduction.py`` checks the lumped segments and the
    reduced decoder against one-segment-per-cell netlists at 64 and 128 cells.

    Parameters
    ----------
    tech_name : str or Technology
        Technology node, e.g. ``"45nm"``.
    rows, cols : sequence of int
        Line lengths in cells (the decoder needs powers of two >= 4).
    quick : bool
        The first and last of ``rows``/``cols`` at nominal VDD and the lowest temperature.
    v_read_v : float
        Bit-line precharge (read) voltage (V).
    vdd_values : sequence of float, optional
        Supplies (V); nominal x (0.9, 1.0, 1.1) by default.
    temperatures_k : sequence of float
        Temperatures (K).
    executor : Executor, optional
        Where the benches run; a local executor for this call if None.
    checkpoint : Checkpoint, optional
        Store finished benches under ``stage`` and skip the stored ones.
    stage : str
        Checkpoint stage name.

    Returns
    -------
    list of OpCharacterization
        ``wordline``, ``bitline``, ``decoder``, arrays of shape (len(vdd), len(temperature),
        len(sizes)).
    """
    tech = _tech(tech_name)
    rows = tuple(sorted(int(r) for r in rows))
    cols = tuple(sorted(int(c) for c in cols))
    for n in rows:
        dn.split_bits(n)          # a power of two >= 4, or a ParameterError naming rows
    if quick:
        rows, cols = (rows[0], rows[-1]), (cols[0], cols[-1])
    ax_v, ax_t = corners(tech, vdd_values, temperatures_k, quick)
    vdds, temps = ax_v.values, ax_t.values
    sizes = {"wordline": cols, "bitline": rows, "decoder": rows}
    grid = [(op, i, j, k) for op in _LINE_BENCHES for i in range(len(vdds))
            for j in range(len(temps)) for k in range(len(sizes[op]))]
    # largest first: the longest benches start early and the pool ends together
    grid.sort(key=lambda g: -sizes[g[0]][g[3]])
    benches = [_LINE_BENCHES[op][0](tech, sizes[op][k], vdds[i], temps[j], v_read_v)
               for op, i, j, k in grid]
    results = _simulate(benches, executor, checkpoint, stage)
    energy = {op: np.zeros((len(vdds), len(temps), len(sizes[op]))) for op in sizes}
    latency = {op: np.zeros_like(energy[op]) for op in sizes}
    hashes: dict[str, dict[str, str]] = {op: {} for op in sizes}
    for (op, i, j, k), bench, vec in zip(grid, benches, results):
        n = sizes[op][k]
        energy[op][i, j, k], latency[op][i, j, k] = _LINE_BENCHES[op][1](vec, n, vdds[i],
                                                                         v_read_v)
        hashes[op][f"{op}_{n}_vdd{vdds[i]:.3g}_t{temps[j]:.0f}"] = sha256_text(bench.text)
    corner = (ax_v, ax_t)
    wire = (f"{tech.wire_r_ohm_per_m:.3g} Ohm/m, {tech.wire_c_f_per_m:.3g} F/m, "
            f"{SEGMENT_PITCHES} pitches per RC segment")
    text = {
        "wordline": (f"{tech.name}: word line of cols x {arr.PITCH_ALONG_ROW_F:g} F ({wire}) "
                     f"with read-access gates, inverter driver Wn = 4 l_min per 64 cells",
                     "energy per activation (assert + deassert): driver supply + VDD x "
                     "driver-gate charge; latency: worst 50 % delay at the far end"),
        "bitline": (f"{tech.name}: bit line of rows x {arr.PITCH_ALONG_COL_F:g} F ({wire}) "
                    f"with access-transistor drains, precharged to the read voltage "
                    f"{v_read_v:g} V through an NMOS switch",
                    "energy per precharge + discharge: read-source energy + VDD x switch "
                    "gate charge; latency: far end reaches 50 % of the read voltage"),
        "decoder": (f"{tech.name}: multi-line-enable row decoder, "
                    f"{dn.construction_note(max(rows))}",
                    "dynamic energy per decode (address 0 -> n-1 and back, / 2; supply "
                    "minus leakage at rest + address-source charge); latency: worst 50 % "
                    "address-to-word-line delay"),
    }
    return [OpCharacterization(op, (*corner, AxisSpec("cols" if op == "wordline" else "rows",
                                                       sizes[op], "1", None)),
                               energy[op], latency[op], text[op][0], text[op][1], hashes[op])
            for op in ("wordline", "bitline", "decoder")]

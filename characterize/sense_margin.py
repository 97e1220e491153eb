"""Transistor-level Monte Carlo of the IMCE / CORN sense path in ngspice.

One trial draws RA and TMR of every MTJ (IMCE III-B: sigma 5 % and 10 %) and,
optionally, Pelgrom Vth mismatch of every access and reference transistor, then solves
every configuration of the column: the memory read of P and AP, and the K-cell
computing read of all 2^K stored patterns (K = fan-in, 2 in IMCE). A trial is on the
wrong side when its sense voltage falls on the wrong side of the op's reference.

Speed: no simulator call per trial. A chunk of trials is ONE netlist and ONE ``.dc``
sweep of an index source ``Vidx`` over 0..N-1; every varied quantity is a table
(``pwl(v(idx), ...)`` B-source, :func:`spice_text.bsource_table`) read at that index,
and each MTJ is a B-source conductance with the bias-dependent TMR of devices/mtj.py.
Chunks are seeded independently (:mod:`.sampling`) and run over ngspice worker
processes, so results are identical for any number of workers. Each configuration
sweeps its trials in its own order (:func:`sweep_orders`: neighbouring points have
close MTJ resistances, so Newton starts nearer) and the read NMOS is the card's model
with capMod = 0 (:func:`dc_model`: same DC currents, cheaper BSIM4 points); both are
undone or invisible in the results.

Circuit of one configuration (as :func:`spincim.netlists.cell.read_bench`): a read
current ``i_read_a`` into the bit line, through each selected cell's read NMOS (gate
at VDD, or VDD - dVth with mismatch: a gate offset is a threshold shift) and its MTJ to
SL = ground. References: a separate current source of the same value into n legs of an
NMOS of the same size and a resistor n R_ref (memory: n = 1; AND/OR: n = K), so
Vref = I (R_ref + R_on/n); R_ref are midpoints of the MTJ combinations.
"""

from __future__ import annotations

import concurrent.futures
import functools
import itertools
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import limits
from ..devices import mtj as M
from ..devices.technology import Technology, technology
from ..errors import MemoryLimitError, ParameterError, SimulationTimeout
from ..netlists import cell
from ..netlists import spice_text as st
from . import sampling

#: IMCE III-B Monte Carlo spreads
SIGMA_RA = 0.05   # RA sigma 5 % (IMCE III-B)
SIGMA_TMR = 0.10  # TMR sigma 10 % (IMCE III-B)
#: trials per netlist: ngspice's pwl lookup is linear in the table, so the cost per
#: trial grows past a few thousand (measured: 4.5k/s at 2000, 2.5k/s at 10,000)
CHUNK_TRIALS = 1000
OPS = ("read", "and", "or", "xnor")


@dataclass(frozen=True, kw_only=True)
class SenseSetup:
    """Everything that defines a sense-path Monte Carlo (SI units)."""

    device: M.SotDevice = field(default_factory=M.SotDevice)
    tech_name: str = "45nm"
    i_read_a: float = cell.READ_CURRENT_A
    fan_in: int = 2
    sigma_ra: float = SIGMA_RA
    sigma_tmr: float = SIGMA_TMR
    vth_mismatch: bool = False
    w_read_mult: float | None = None  # read NMOS width / l_min; None: the technology's
    #: ops the run decides: the one-cell patterns and memory reference are simulated only
    #: with "read", the K-cell patterns and AND/OR references only with and/or/xnor
    ops: tuple[str, ...] = OPS

    def __post_init__(self) -> None:
        technology(self.tech_name)
        if not isinstance(self.ops, tuple) or not self.ops \
                or any(op not in OPS for op in self.ops):
            raise ParameterError("ops", f"must be a non-empty tuple of {', '.join(OPS)}, "
                                 f"got {self.ops!r}"[:200])
        if not (math.isfinite(self.i_read_a) and 0 < self.i_read_a < 1e-3):
            raise ParameterError("i_read_a", f"must be in (0, 1 mA), got {self.i_read_a!r}")
        if isinstance(self.fan_in, bool) or not isinstance(self.fan_in, int) \
                or not 1 <= self.fan_in <= 8:
            raise ParameterError("fan_in", f"must be an integer 1..8, got {self.fan_in!r}")
        for name in ("sigma_ra", "sigma_tmr"):
            value = getattr(self, name)
            if not math.isfinite(value) or not 0 <= value < 0.3:
                raise ParameterError(name, f"must be in [0, 0.3), got {value!r}")

    @property
    def tech(self) -> Technology:
        return technology(self.tech_name)

    @property
    def read_w_mult(self) -> float:
        """Read NMOS width in l_min units (the technology's unless set)."""
        return self.tech.read_w_mult if self.w_read_mult is None else float(self.w_read_mult)

    def configurations(self) -> list[tuple[bool, ...]]:
        """Stored patterns simulated per trial: P, AP, then the 2^K K-cell patterns."""
        k = self.fan_in
        single = [(False,), (True,)] if "read" in self.ops else []
        logic = any(op != "read" for op in self.ops)
        return [*single, *(itertools.product((False, True), repeat=k) if logic else ())]


def reference_resistances(setup: SenseSetup) -> dict[str, float]:
    """R_ref (Ohm) of the memory, AND and OR references for fan-in K.

    Midpoints (IMCE III-B): memory between R_P and R_AP; AND between the all-AP pattern
    and one P among K - 1 AP; OR between all-P and one AP among K - 1 P.
    """
    mtj = setup.device.mtj
    r_p, r_ap = M.r_p_ohm(mtj), float(M.r_ap_ohm(mtj))
    k = setup.fan_in

    def par(n_ap: int) -> float:
        return 1.0 / (n_ap / r_ap + (k - n_ap) / r_p)

    refs = {"read": 0.5 * (r_p + r_ap)} if "read" in setup.ops else {}
    if k >= 2 and any(op != "read" for op in setup.ops):
        refs["and"] = 0.5 * (par(k) + par(k - 1))
        refs["or"] = 0.5 * (par(0) + par(1))
    return refs


def ref_legs(k: int, op: str) -> int:
    return 1 if op == "read" else k


@dataclass(frozen=True)
class Draws:
    """Per-trial parameters of one chunk: arrays of shape (trials, n)."""

    r_p_ohm: np.ndarray      # every MTJ of every configuration
    tmr: np.ndarray
    dvth_cell_v: np.ndarray  # every cell's read transistor
    dvth_ref_v: np.ndarray   # every reference-leg transistor

    def take(self, index) -> "Draws":
        """The draws of a subset of trials."""
        return Draws(self.r_p_ohm[index], self.tmr[index], self.dvth_cell_v[index],
                     self.dvth_ref_v[index])


def n_cells(setup: SenseSetup) -> int:
    return sum(len(c) for c in setup.configurations())


def n_ref_fets(setup: SenseSetup) -> int:
    return sum(ref_legs(setup.fan_in, op) for op in reference_resistances(setup))


def draw(setup: SenseSetup, chunk: sampling.Chunk) -> Draws:
    """The chunk's random draws, from its own generator, in a fixed order."""
    rng = chunk.rng()
    n, cells, mtj = chunk.size, n_cells(setup), setup.device.mtj
    r_p = sampling.relative_normal(rng, M.r_p_ohm(mtj), setup.sigma_ra, (n, cells))
    tmr = sampling.relative_normal(rng, mtj.tmr0, setup.sigma_tmr, (n, cells))
    tech = setup.tech
    l_m = tech.l_min_m
    sigma_vth = tech.sigma_vth_v(setup.read_w_mult * l_m, l_m) if setup.vth_mismatch else 0.0
    dvth_cell = sigma_vth * rng.standard_normal((n, cells))
    dvth_ref = sigma_vth * rng.standard_normal((n, n_ref_fets(setup)))
    return Draws(r_p, tmr, dvth_cell, dvth_ref)


def index_table(name: str, node: str, values: np.ndarray) -> str:
    """``st.bsource_table(name, node, "idx", values, digits=TABLE_DIGITS)``, same text.

    Formatted in one pass over the column: a chunk holds ~15 tables of 1000 numbers,
    and the generic builder spent more time checking each number than ngspice spends
    parsing it.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size < 1 or not np.all(np.isfinite(values)):
        raise ParameterError("values", f"table {name}: needs finite values")
    if values.size == 1:  # pwl needs two points
        values = np.repeat(values, 2)
    if not st.check_name(name, field="element").lower().startswith("b"):
        raise ParameterError("element", f"{name!r} must start with 'B'")
    head = f"{name} {st.check_node(node)} 0 V=pwl(v(idx),"
    pairs = ",".join([f"{k},{x:.{TABLE_DIGITS}g}" for k, x in enumerate(values.tolist())])
    return f"{head}{pairs})"


def _mtj_lines(tag: str, node: str, ap: bool, r_p: np.ndarray, tmr: np.ndarray,
               v_half_v: float) -> list[str]:
    lines = [index_table(f"Brp{tag}", f"rp{tag}", r_p)]
    if ap:
        lines.append(index_table(f"Btm{tag}", f"tm{tag}", tmr))
        lines.append(st.bsource_current(
            f"Bm{tag}", node, "0",
            "v({n})/(v({rp})*(1+v({tm})/(1+(v({n})/{vh})*(v({n})/{vh}))))",
            n=node, rp=f"rp{tag}", tm=f"tm{tag}", vh=v_half_v))
    else:
        lines.append(st.bsource_current(f"Bm{tag}", node, "0", "v({n})/v({rp})",
                                        n=node, rp=f"rp{tag}"))
    return lines


def _fet_lines(tag: str, drain: str, source: str, dvth: np.ndarray, setup: SenseSetup
               ) -> list[str]:
    tech = setup.tech
    l_m = tech.l_min_m
    if setup.vth_mismatch:
        gate = f"g{tag}"
        lines = [index_table(f"Bg{tag}", gate, tech.vdd_v - dvth)]
    else:
        gate, lines = "vdd", []
    lines.append(st.mosfet(f"M{tag}", drain, gate, source, "0", dc_model(setup.tech_name)[0],
                           w_m=setup.read_w_mult * l_m, l_m=l_m, **LEAN_DC))
    return lines


#: solver tolerances of a chunk: each .dc point starts from the previous trial's
#: solution, so ngspice's default reltol = 1e-3 leaves up to 0.15 mV; these give
#: < 0.2 uV against an independent .op per trial (bench/mc_speed.py), at no cost
TIGHT_OPTIONS = dict(reltol=1e-6, vntol=1e-8)
#: options of the retry of a chunk that did not converge
RELAXED_OPTIONS = dict(gmin=1e-10, reltol=1e-3, abstol=1e-10, itl1=1000, itl2=1000)
#: significant digits of the Monte Carlo tables: 1e-10 relative, far below the solver's
#: 1e-6 reltol, and a third shorter text for ngspice to parse than full repr
TABLE_DIGITS = 10
#: BSIM4 instance switches for DC: no body- and gate-resistor networks (the PTM card
#: turns them on). They carry no DC current, so the operating point is unchanged and the
#: matrix loses about half its equations.
LEAN_DC = dict(rbodymod=0, rgatemod=0)
#: model switches of the DC copy of the read NMOS (:func:`dc_model`): a BSIM4 ``.dc``
#: sweep evaluates the gate charges at every point although only AC and transient
#: analyses use them; capMod selects those charge equations and no DC current, and 0 is
#: the cheapest (the sweep's voltages are bit-identical, ~10 % less time per point)
DC_MODEL_SWITCHES = dict(capmod=0)
#: ngspice level numbers of BSIM4, the model the switches above belong to
_BSIM4_LEVELS = (14, 54)


def _card_model(card: str, name: str) -> tuple[str, dict[str, float]]:
    """(type, {parameter: value}) of ``.model name type level=.. +...`` in card text."""
    lines = card.splitlines()
    head = re.compile(rf"^\.model\s+{re.escape(name)}\s+(\w+)(.*)$", re.I)
    for i, line in enumerate(lines):
        match = head.match(line.strip())
        if match is None:
            continue
        body = [match.group(2)]
        for cont in lines[i + 1:]:
            if cont.strip() and not cont.startswith(("+", "*")):
                break
            body.append(cont.lstrip("+") if cont.startswith("+") else "")
        params = re.findall(r"(\w+)\s*=\s*([-+0-9.eE]+)", " ".join(body))
        return match.group(1).lower(), {k.lower(): float(v) for k, v in params}
    raise ParameterError("model", f"no .model {name} in the model card")


@functools.cache
def dc_model(tech_name: str) -> tuple[str, str]:
    """(model name, netlist line) of the read NMOS in a chunk's DC sweep.

    For a BSIM4 card: a ``.model`` copy of the card's NMOS with
    :data:`DC_MODEL_SWITCHES` (same DC currents, cheaper points); otherwise the card's
    own model and its ``.include``.
    """
    tech = technology(tech_name)
    kind, params = _card_model(Path(tech.card_path).read_text(), tech.nmos_model)
    if int(params.get("level", 0)) not in _BSIM4_LEVELS:
        return tech.nmos_model, st.include(str(tech.card_path))
    name = f"{tech.nmos_model}_dc"
    return name, st.model(name, kind, **{**params, **DC_MODEL_SWITCHES})


def chunk_netlist(setup: SenseSetup, draws: Draws, *, relaxed: bool = False,
                  references: bool = True) -> str:
    """The netlist of one chunk: every configuration and reference, swept over trials.

    ``references=False`` leaves the reference branches out (without Vth mismatch they
    are the same in every trial and are solved once, see :func:`nominal_references`).
    """
    n = draws.r_p_ohm.shape[0]
    tech = setup.tech
    vh = setup.device.mtj.v_half_v
    lines = [dc_model(setup.tech_name)[1], st.vsource_dc("Vidx", "idx", "0", 0.0),
             st.vsource_dc("Vdd", "vdd", "0", tech.vdd_v)]
    cell = 0
    for c, states in enumerate(setup.configurations()):
        bl = f"bl{c}"
        lines.append(st.isource_dc(f"I{bl}", "0", bl, setup.i_read_a))
        for k, ap in enumerate(states):
            tag = f"c{c}k{k}"
            lines += _fet_lines(tag, bl, f"rl{tag}", draws.dvth_cell_v[:, cell], setup)
            lines += _mtj_lines(tag, f"rl{tag}", ap, draws.r_p_ohm[:, cell],
                                draws.tmr[:, cell], vh)
            cell += 1
    fet = 0
    for op, r_ref in (reference_resistances(setup).items() if references else ()):
        node = f"ref{op}"
        legs = ref_legs(setup.fan_in, op)
        lines.append(st.isource_dc(f"I{node}", "0", node, setup.i_read_a))
        for leg in range(legs):
            tag = f"{op}{leg}"
            lines += _fet_lines(f"r{tag}", node, f"m{tag}", draws.dvth_ref_v[:, fet], setup)
            lines.append(st.resistor(f"R{tag}", f"m{tag}", "0", legs * r_ref))
            fet += 1
    lines.append(st.options(**(RELAXED_OPTIONS if relaxed else TIGHT_OPTIONS)))
    lines.append(st.analysis_line(st.dc("Vidx", 0.0, float(max(n - 1, 1)), 1.0)))
    return st.netlist("spincim sense Monte Carlo chunk", lines)


def snake_order(keys: np.ndarray) -> np.ndarray:
    """Row indices of ``keys`` (n, d) along a boustrophedon path through key space.

    Sorted by the first key, cut into ~n^(1/d) slabs, each slab ordered the same way by
    the remaining keys, every other slab reversed: consecutive rows are close in every
    key (1-D: a plain sort). Deterministic (stable sorts).
    """
    n, d = keys.shape
    first = np.argsort(keys[:, 0], kind="stable")
    if d == 1 or n < 3:
        return first
    slabs = max(1, round(n ** (1.0 / d)))
    bounds = np.arange(slabs + 1) * n // slabs
    if d == 2:  # the usual case (fan-in 2), in one sort
        slab = np.empty(n, dtype=np.intp)
        slab[first] = np.searchsorted(bounds, np.arange(n), side="right") - 1
        return np.lexsort((np.where(slab % 2 == 0, 1.0, -1.0) * keys[:, 1], slab))
    parts = [first[a:b][snake_order(keys[first[a:b], 1:])] for a, b in zip(bounds, bounds[1:])]
    return np.concatenate([p if i % 2 == 0 else p[::-1] for i, p in enumerate(parts)])


def sweep_orders(setup: SenseSetup, draws: Draws) -> dict[str, np.ndarray]:
    """Per result vector, the order in which a chunk's sweep visits its trials.

    Each configuration (and, with Vth mismatch, each reference) is a separate
    subcircuit, so each can visit the trials in its own order. ngspice starts every
    ``.dc`` point from the previous one (BSIM4 even extrapolates from the two previous
    points), so a path on which every cell's zero-bias MTJ resistance (reference legs:
    Vth shifts) changes little needs fewer Newton iterations than the draw order.
    """
    orders, cell = {}, 0
    for c, states in enumerate(setup.configurations()):
        cols = slice(cell, cell + len(states))
        r0 = np.where(np.array(states), draws.r_p_ohm[:, cols] * (1 + draws.tmr[:, cols]),
                      draws.r_p_ohm[:, cols])
        orders[f"bl{c}"] = snake_order(r0)
        cell += len(states)
    if setup.vth_mismatch:
        fet = 0
        for op in reference_resistances(setup):
            legs = ref_legs(setup.fan_in, op)
            orders[f"ref{op}"] = snake_order(draws.dvth_ref_v[:, fet:fet + legs])
            fet += legs
    return orders


def in_sweep_order(setup: SenseSetup, draws: Draws, orders: dict[str, np.ndarray]) -> Draws:
    """``draws`` with each subcircuit's columns permuted into its sweep order."""
    rp, tmr, dv_cell, dv_ref = (np.array(a) for a in (draws.r_p_ohm, draws.tmr,
                                                      draws.dvth_cell_v, draws.dvth_ref_v))
    cell = 0
    for c, states in enumerate(setup.configurations()):
        cols, order = slice(cell, cell + len(states)), orders[f"bl{c}"]
        for a in (rp, tmr, dv_cell):
            a[:, cols] = a[order, cols]
        cell += len(states)
    fet = 0
    for op in reference_resistances(setup):
        legs = ref_legs(setup.fan_in, op)
        if f"ref{op}" in orders:
            dv_ref[:, fet:fet + legs] = dv_ref[orders[f"ref{op}"], fet:fet + legs]
        fet += legs
    return Draws(rp, tmr, dv_cell, dv_ref)


def from_sweep_order(vectors: dict[str, np.ndarray], orders: dict[str, np.ndarray]
                     ) -> dict[str, np.ndarray]:
    """Chunk results back in trial order (inverse of :func:`in_sweep_order`)."""
    out = {}
    for name, values in vectors.items():
        if name in orders:
            values = np.empty_like(values)
            values[orders[name]] = vectors[name]
        out[name] = values
    return out


def build_chunk(item: tuple[SenseSetup, sampling.Chunk]) -> str:
    """Netlist of one chunk from (setup, chunk), in sweep order: runs inside a worker."""
    setup, chunk = item
    draws = draw(setup, chunk)
    return chunk_netlist(setup, in_sweep_order(setup, draws, sweep_orders(setup, draws)),
                         references=setup.vth_mismatch)


def result_vectors(setup: SenseSetup, *, references: bool = True) -> tuple[str, ...]:
    """Names of the vectors a chunk returns: sense voltages (and references)."""
    names = [f"bl{c}" for c in range(len(setup.configurations()))]
    if references:
        names += [f"ref{op}" for op in reference_resistances(setup)]
    return tuple(names)


def trim(vectors: dict, setup: SenseSetup, n: int) -> dict[str, np.ndarray]:
    """The sense (and reference, when present) voltages of a chunk, first ``n`` points."""
    return {k: vectors[k][:n] for k in result_vectors(setup) if k in vectors}


def nominal_netlist(setup: SenseSetup) -> str:
    """One-point sweep with every cell at nominal RA/TMR and every transistor at nominal Vth."""
    flat = Draws(np.full((1, n_cells(setup)), M.r_p_ohm(setup.device.mtj)),
                 np.full((1, n_cells(setup)), setup.device.mtj.tmr0),
                 np.zeros((1, n_cells(setup))), np.zeros((1, n_ref_fets(setup))))
    return chunk_netlist(setup, flat)


def references_from(vectors: dict) -> dict[str, float]:
    """The reference voltages of a :func:`nominal_netlist` run."""
    return {k: float(v[0]) for k, v in vectors.items() if k.startswith("ref")}


def nominal_references(setup: SenseSetup, worker) -> dict[str, float]:
    """Reference voltages with every transistor at nominal Vth (on ``worker``)."""
    return references_from(worker.run(nominal_netlist(setup), vectors=result_vectors(setup)))


def rescue(setup: SenseSetup, draws: Draws, worker, *, references: bool = True
           ) -> tuple[dict, int]:
    """Re-run a failed chunk with relaxed options; bisect down to the failing trials.

    Returns the chunk's voltages (NaN for trials that fail even alone) and their count.
    """
    from ..errors import SimulationError

    n = draws.r_p_ohm.shape[0]
    names = result_vectors(setup, references=references)
    try:
        text = chunk_netlist(setup, draws, relaxed=True, references=references)
        return trim(worker.run(text, vectors=names), setup, n), 0
    except SimulationError:
        if n == 1:
            return {k: np.full(1, np.nan) for k in names}, 1
    half = n // 2
    a, fa = rescue(setup, draws.take(slice(0, half)), worker, references=references)
    b, fb = rescue(setup, draws.take(slice(half, n)), worker, references=references)
    return {k: np.concatenate([a[k], b[k]]) for k in a}, fa + fb


def rescue_chunk(item: tuple[SenseSetup, sampling.Chunk]) -> tuple[dict, int]:
    """:func:`rescue` of one failed chunk on this process' ngspice worker (executor task)."""
    from .executor import process_worker

    setup, chunk = item
    return rescue(setup, draw(setup, chunk), process_worker(), references=setup.vth_mismatch)


def checkpoint_parameters(setup: SenseSetup, trials: int, seed: int, chunk_trials: int) -> dict:
    """Everything that determines a run's results (not the executor or worker count)."""
    from .. import __version__

    return {"setup": setup, "trials": trials, "seed": seed, "chunk_trials": chunk_trials,
            "spincim_version": __version__}


def simulate(setup: SenseSetup, *, trials: int, seed: int, workers: int = 1,
             chunk_trials: int = CHUNK_TRIALS, progress=None, executor=None,
             scheduler: str | None = None, checkpoint=None) -> tuple[dict, int]:
    """Run the Monte Carlo; returns (voltages, number of failed trials).

    Voltages: ``{"bl<c>": (trials,), "ref<op>": (trials,)}`` in V, ``bl<c>`` the sense
    voltage of configuration c of :meth:`SenseSetup.configurations`. A chunk that does
    not converge is retried with relaxed options and bisected; trials that fail alone
    are NaN and counted, never dropped. Chunks run on ``executor`` (or one made from
    ``scheduler`` / ``workers``, :mod:`.executor`); with ``checkpoint`` (a file name)
    finished chunks are stored and a re-run resumes from them.
    """
    from . import checkpoint as ckpt
    from .executor import executor_scope

    limits.check_count("trials", trials)
    limits.check_workers("workers", workers)
    refs_per_trial = setup.vth_mismatch  # otherwise every trial has the same references
    names = result_vectors(setup, references=refs_per_trial)
    # each trial keeps one float per result vector, held in the chunks, their
    # concatenation and the sorted copies of the summary: three times
    limits.check_memory("trials", trials, 3 * 8 * len(names), "sense voltages")
    work = sampling.chunks(trials, seed, chunk_trials)
    params = checkpoint_parameters(setup, trials, seed, chunk_trials)

    def done(index: int, _result) -> None:
        if progress is not None:
            progress(work[index].size)

    def orders_of(chunk: sampling.Chunk) -> dict[str, np.ndarray]:
        return sweep_orders(setup, draw(setup, chunk))

    with ckpt.checkpoint_scope(checkpoint, kind="mc sense", parameters=params) as store:
        with executor_scope(executor, scheduler=scheduler, workers=workers) as ex, \
                concurrent.futures.ThreadPoolExecutor(1) as background:
            # each worker draws and builds its own chunk's netlist; the caller only works
            # out the chunks' sweep orders again (to undo them), while the workers run
            orders = background.map(orders_of, work)
            results = ex.run_built(build_chunk, [(setup, chunk) for chunk in work],
                                   vectors=names, on_result=done, return_exceptions=True,
                                   checkpoint=store, stage="chunks")
            # a chunk killed at its time/memory limit (twice) is reported, all trials NaN;
            # one that did not converge is re-run with relaxed options and bisected
            bad = [i for i, r in enumerate(results) if isinstance(r, Exception)
                   and not isinstance(r, (SimulationTimeout, MemoryLimitError))]
            fixes = dict(zip(bad, ex.map(rescue_chunk, [(setup, work[i]) for i in bad])))
            fixes.update({i: ({k: np.full(work[i].size, np.nan) for k in names}, work[i].size)
                          for i, r in enumerate(results)
                          if isinstance(r, (SimulationTimeout, MemoryLimitError))})
            fixed = {} if refs_per_trial else references_from(
                ex.run_built(nominal_netlist, [setup], vectors=result_vectors(setup))[0])
            orders = list(orders)
    parts, failed = [], 0
    for index, (vectors, chunk, order) in enumerate(zip(results, work, orders)):
        if index in fixes:
            part, n_bad = fixes[index]
            failed += n_bad
            parts.append(part)
        else:
            parts.append(from_sweep_order(trim(vectors, setup, chunk.size), order))
    out = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    out.update({key: np.full(trials, value) for key, value in fixed.items()})
    return out, failed


# --------------------------------------------------------------------------- analysis
def expected_output(op: str, states: tuple[bool, ...]) -> bool:
    """Logic value the op should produce for the stored pattern (AP = 1)."""
    if op == "read":
        return states[0]
    if op == "and":
        return all(states)
    if op == "or":
        return any(states)
    if op == "xnor":
        return len(set(states)) == 1
    raise ParameterError("op", f"unknown op {op!r}")


def signed_margin_v(op: str, states, v_sense, refs: dict[str, np.ndarray]) -> np.ndarray:
    """Distance of each trial to its decision boundary, > 0 on the right side (V)."""
    want = expected_output(op, states)
    if op != "xnor":
        d = v_sense - refs[op]
        return d if want else -d
    lo, hi = refs["or"], refs["and"]  # XNOR = below the OR ref or above the AND ref
    if want:
        return np.where(all(states), v_sense - hi, lo - v_sense)
    return np.minimum(v_sense - lo, hi - v_sense)


def summarize(setup: SenseSetup, result: dict[str, np.ndarray], ops=OPS, k_sigma=3.0
              ) -> dict:
    """Per op: reference, margins, failures and per-state Vsense statistics (JSON-ready)."""
    configs = setup.configurations()
    refs = {op: result[f"ref{op}"] for op in reference_resistances(setup)}
    if not np.isfinite(result["bl0"]).any():
        from ..errors import SimulationError
        raise SimulationError(f"all {result['bl0'].size} trials failed (time/memory limits "
                              "or non-convergence): no statistics")
    summary = {}
    for op in ops:
        if op not in setup.ops:
            raise ParameterError("ops", f"{op} was not simulated (setup.ops: "
                                 f"{', '.join(setup.ops)})")
        if op != "read" and setup.fan_in < 2:
            raise ParameterError("ops", f"{op} needs fan-in >= 2")
        if op == "xnor" and setup.fan_in != 2:
            raise ParameterError("ops", "xnor is defined for fan-in 2")
        states_list = [c for c in configs if (len(c) == 1) == (op == "read")]
        states_out, failures, worst, low = {}, 0, math.inf, math.inf
        for states in states_list:
            v = result[f"bl{configs.index(states)}"]
            ok = np.isfinite(v)
            v = v[ok]
            m = signed_margin_v(op, states, v, {r: x[ok] for r, x in refs.items()})
            failures += int(np.sum(m <= 0))
            worst = min(worst, float(m.min()))
            low = min(low, float(m.mean() - k_sigma * m.std()))
            q = np.quantile(v, [0.001, 0.5, 0.999])
            states_out["".join("1" if s else "0" for s in states)] = {
                "mean_v": float(v.mean()), "std_v": float(v.std()), "min_v": float(v.min()),
                "max_v": float(v.max()), "q001_v": float(q[0]), "median_v": float(q[1]),
                "q999_v": float(q[2]), "margin_worst_v": float(m.min()),
                "failures": int(np.sum(m <= 0))}
        n_decisions = len(states_list) * int(np.isfinite(result["bl0"]).sum())
        ref_key = ("or", "and") if op == "xnor" else (op,)
        summary[op] = {
            "ref_v": [float(np.nanmean(refs[r])) for r in ref_key] if op == "xnor"
            else float(np.nanmean(refs[op])),
            "margin_v": worst, f"margin_mean_minus_{k_sigma:g}sigma_v": low,
            "failures": failures, "failure_rate": failures / n_decisions,
            "decisions": n_decisions,
            "failure_rate_ci95": list(failure_rate_ci95(failures, n_decisions)),
            "states": states_out}
    return summary


def failure_rate_ci95(failures: int, decisions: int) -> tuple[float, float]:
    """Clopper-Pearson 95 % interval of a failure rate (exact binomial).

    With no failure seen the upper end is 1 - 0.025^(1/n) (about 3.7/n), the bound a
    run without failures supports.

    Examples
    --------
    >>> lo, hi = failure_rate_ci95(0, 1000)
    >>> lo, round(hi, 6)
    (0.0, 0.003682)
    """
    from scipy.stats import beta

    if decisions < 1:
        return (math.nan, math.nan)
    lo = 0.0 if failures == 0 else float(beta.ppf(0.025, failures, decisions - failures + 1))
    hi = 1.0 if failures == decisions else float(beta.ppf(0.975, failures + 1,
                                                          decisions - failures))
    return lo, hi


def run(setup: SenseSetup, *, trials: int, seed: int, ops=OPS, workers: int = 1,
        progress=None) -> dict:
    """Monte Carlo + summary, with timing: the ``spincim mc sense`` result (JSON-ready)."""
    start = time.perf_counter()
    result, failed = simulate(setup, trials=trials, seed=seed, workers=workers,
                              progress=progress)
    wall = time.perf_counter() - start
    return {"trials": trials, "seed": seed, "wall_s": wall, "trials_per_s": trials / wall,
            "failed_trials": failed, "ops": summarize(setup, result, ops)}

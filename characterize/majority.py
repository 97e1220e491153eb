"""Monte Carlo of a nine-input majority write: how often is the stored bit wrong?

Any registered design (:mod:`spincim.netlists.majority_designs`). One trial is one
physical circuit + buffer cell: Pelgrom Vth mismatch on every transistor that decides or
drives, device spreads of the buffer cell (SHM resistivity and thickness, free-layer Ms
and thickness, which set both the write current and the switching threshold). Trials
come in seeded chunks (:func:`sampling.chunks`), so a result depends on the seed and the
chunk size only, never on the executor or the number of workers. An error is a cell
holding the wrong majority after the operation.

* ``threshold`` designs (CORN): for every count n = 0..9 the trial's PROGRAM current
  comes from ngspice (one ``.dc`` sweep per chunk over its trials, every varied quantity a
  table, as in :mod:`.sense_margin`); the LLGS ensemble of the trials' own free layers
  (per-spin coefficients) receives it for the PROGRAM pulse from P, at 0 K (variation
  alone) or at a temperature (variation plus thermal switching). Error: a switch with
  n <= 4 or none with n >= 5.
* ``decide`` designs: each trial draws one random order of the nine inputs (count n
  turns on its first n), so counts share the circuit and differ in their inputs. The
  decision comes from ngspice DC sweeps: the comparator with the trial's top-plate
  voltages (capacitor mismatch and the kT/C reset noise at the temperature, charge
  conservation by :func:`majority_decide.charge_share_v`) and Vth shifts; the popcount's
  seven adders each fed their exact inputs (a trial counts as wrong if any adder output
  is farther than VDD/4 from its logic level: an upper bound). The write current of each
  direction comes from a DC sweep of the H-bridge half with the trial's switches and
  SHM; the LLGS ensemble writes from the opposite state (the worst case: a stored bit
  equal to the decision cannot be lost). Error: a wrong decision, or a right one whose
  write fails. The write outcome of a trial does not depend on the count, so the counts
  that write one direction share that trial's write trajectory.

RA and TMR do not enter: the MTJ terminals carry no current while writing (the drivers
ground them), so they cannot change the outcome.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from scipy import constants

from .. import limits
from ..devices import llg, switching
from ..devices import mtj as M
from ..devices.technology import technology
from ..errors import ParameterError
from ..netlists import majority_designs as designs
from ..netlists import spice_text as st
from ..netlists import write_driver as wd
from . import sampling

THRESHOLD_COUNT = 5  # CORN III-B: the cell switches with >= 5 of 9 NMOS on
#: trials per chunk (one DC sweep and one LLGS ensemble)
CHUNK_TRIALS = 2000
#: decision error a design may have at any count: the issue's target
ERROR_THRESHOLD = 1e-4


@dataclass(frozen=True, kw_only=True)
class MajoritySetup:
    """A majority-write Monte Carlo (SI). ``device`` is the buffer cell (None: the
    design's, :attr:`cell`); ``cfg`` the driver of a threshold design (None: the
    design's, :attr:`driver`)."""

    design: str = designs.DEFAULT_DESIGN
    device: M.SotDevice | None = None
    cfg: wd.DriverConfig | None = None
    # no source fixes these process spreads: assumed values, all user parameters
    sigma_resistivity: float = 0.05  # SHM resistivity, relative (assumed)
    sigma_shm_thickness: float = 0.03  # SHM thickness, relative (assumed)
    sigma_ms: float = 0.03  # free-layer Ms, relative (assumed)
    sigma_t_free: float = 0.03  # free-layer thickness, relative (assumed)
    vth_mismatch: bool = True
    #: multiplies every Pelgrom sigma (1: the technology's; > 1 a stress test of margins)
    vth_sigma_scale: float = 1.0
    pulse_s: float | None = None  # default: the design's PROGRAM / write width

    def __post_init__(self) -> None:
        if not (math.isfinite(self.vth_sigma_scale) and 0 <= self.vth_sigma_scale <= 10):
            raise ParameterError("vth_sigma_scale",
                                 f"must be in [0, 10], got {self.vth_sigma_scale!r}")
        for name in ("sigma_resistivity", "sigma_shm_thickness", "sigma_ms", "sigma_t_free"):
            value = getattr(self, name)
            if not math.isfinite(value) or not 0 <= value < 0.3:
                raise ParameterError(name, f"must be in [0, 0.3), got {value!r}")
        if self.pulse_s is not None and not (math.isfinite(self.pulse_s) and self.pulse_s > 0):
            raise ParameterError("pulse_s", f"must be > 0, got {self.pulse_s!r}")
        designs.entry(self.design)
        if self.cfg is not None and designs.entry(self.design).kind != "threshold":
            raise ParameterError("cfg", f"design {self.design!r} has no threshold driver")

    @property
    def spec(self):
        """The design record (:mod:`spincim.netlists.majority_designs`)."""
        return designs.design(self.design)

    @property
    def kind(self) -> str:
        return designs.entry(self.design).kind

    @property
    def cell(self) -> M.SotDevice:
        """The buffer cell (``device`` or the design's)."""
        if self.device is not None:
            return self.device
        return wd.buffer_device(0.0, thickness_m=self.spec.shm_thickness_m)

    @property
    def driver(self) -> wd.DriverConfig:
        """The threshold design's driver (``cfg`` or the design's)."""
        return self.cfg if self.cfg is not None else self.spec.driver

    @property
    def program_s(self) -> float:
        """Width of the pulse that decides: the PROGRAM (threshold) or the write."""
        if self.pulse_s is not None:
            return self.pulse_s
        return self.driver.program_s if self.kind == "threshold" else self.spec.write.pulse_s


# ----------------------------------------------------------------------------- draws
@dataclass(frozen=True)
class TrialDraws:
    """Per-trial draws (trials,) and per-transistor Vth shifts (trials, k).

    ``dvth_v``: threshold designs the nine write NMOS then the PROGRAM return switch;
    decide designs the four H-bridge switches (AP high, AP low, P high, P low). Decide
    designs also carry ``order`` (trials, 9: input i is on at count n iff
    order[i] < n), ``dvth_decide_v`` and, for the comparator, ``cap_rel`` (trials, 20:
    P units, N units, P fixed, N fixed; relative) and ``noise`` (trials, 2: unit normals
    of the two top plates' kT/C noise).
    """

    resistivity_ohm_m: np.ndarray
    shm_thickness_m: np.ndarray
    ms_a_per_m: np.ndarray
    t_free_m: np.ndarray
    dvth_v: np.ndarray
    order: np.ndarray | None = None
    dvth_decide_v: np.ndarray | None = None
    cap_rel: np.ndarray | None = None
    noise: np.ndarray | None = None


def _sigmas(tech, sizes) -> np.ndarray:
    return np.array([tech.sigma_vth_v(w, l) for _k, w, l in sizes])


def draw_chunk(setup: MajoritySetup, chunk: sampling.Chunk) -> TrialDraws:
    """One chunk's draws from its own generator, in a fixed order."""
    from ..netlists import majority_decide as md

    rng = chunk.rng()
    n = chunk.size
    dev = setup.cell
    rel = sampling.relative_normal
    if setup.kind == "threshold":
        cfg = setup.driver
        tech = cfg.tech
        sig = [tech.sigma_vth_v(cfg.nmos_w_m, cfg.nmos_l_m)] * wd.N_INPUTS
        sig.append(tech.sigma_vth_v(cfg.switch_width_factor * tech.node_m, tech.l_min_m))
    else:
        tech = technology(setup.spec.tech_name)
        sig = [tech.sigma_vth_v(setup.spec.write.switch_width_factor * tech.node_m,
                                tech.l_min_m)] * 4
    dvth = rng.standard_normal((n, len(sig))) * np.array(sig)
    common = dict(
        resistivity_ohm_m=rel(rng, dev.shm.resistivity_ohm_m, setup.sigma_resistivity, n),
        shm_thickness_m=rel(rng, dev.shm.thickness_m, setup.sigma_shm_thickness, n),
        ms_a_per_m=rel(rng, dev.mtj.ms_a_per_m, setup.sigma_ms, n),
        t_free_m=rel(rng, dev.mtj.t_free_m, setup.sigma_t_free, n))
    scale = float(setup.vth_mismatch) * setup.vth_sigma_scale
    if setup.kind == "threshold":
        return TrialDraws(dvth_v=dvth * scale, **common)
    spec = setup.spec
    order = np.argsort(rng.random((n, md.N_INPUTS)), axis=1).argsort(axis=1)
    if spec.decision == "comparator":
        sizes = md.comparator_vth_sizes(spec.decider, tech)
        cap_rel = 1.0 + spec.decider.sigma_cap * rng.standard_normal((n, 2 * md.N_INPUTS + 2))
        noise = rng.standard_normal((n, 2))
    else:
        sizes = md.popcount_vth_sizes(tech)
        cap_rel = noise = None
    dvth_d = rng.standard_normal((n, len(sizes))) * _sigmas(tech, sizes)
    return TrialDraws(dvth_v=dvth * scale, order=order, dvth_decide_v=dvth_d * scale,
                      cap_rel=cap_rel, noise=noise, **common)


def draw(setup: MajoritySetup, trials: int, seed: int) -> TrialDraws:
    """All trials' draws as one chunk (small runs and tests)."""
    return draw_chunk(setup, sampling.chunks(trials, seed, trials)[0])


def r_shm_ohm(setup: MajoritySetup, d: TrialDraws) -> np.ndarray:
    """Each trial's SHM resistance (Ohm)."""
    dev = setup.cell
    return d.resistivity_ohm_m * dev.shm.length_m / (dev.shm.width_m * d.shm_thickness_m)


# ----------------------------------------------------------------------------- threshold
def current_netlist(setup: MajoritySetup, d: TrialDraws, n_on: int) -> str:
    """PROGRAM operating point of every trial with ``n_on`` inputs on, as one .dc sweep."""
    cfg = setup.driver
    vdd = cfg.tech.vdd_v
    bits = wd.pattern_for_count(n_on)
    gates = [f"g{i}" for i in range(wd.N_INPUTS)]
    r_shm = r_shm_ohm(setup, d)
    lines = [*wd.driver_lines(cfg, gates), st.vsource_dc("Vidx", "idx", "0", 0.0)]
    for i, (g, b) in enumerate(zip(gates, bits)):
        lines.append(st.bsource_table(f"Bg{i}", g, "idx", (vdd - d.dvth_v[:, i]) * b))
    lines += [st.bsource_table("Bprog", "prog", "idx", vdd - d.dvth_v[:, -1]),
              st.vsource_dc("Vpre", "pre", "0", 0.0),
              st.vsource_dc("Vhm", "sa", "sx", 0.0),
              st.bsource_table("Brshm", "rshm", "idx", r_shm),
              st.bsource_current("Bshm", "sx", "sb", "v({a},{b})/v({r})", a="sx", b="sb",
                                 r="rshm"),
              st.analysis_line(st.dc("Vidx", 0.0, float(max(len(r_shm) - 1, 1)), 1.0))]
    return st.netlist(f"CORN majority Monte Carlo, {n_on} inputs on", lines)


def build_count(item) -> str:
    """Netlist of one (setup, chunk, n_on): built inside an ngspice worker."""
    setup, chunk, n_on = item
    return current_netlist(setup, draw_chunk(setup, chunk), n_on)


def _coefficients(setup: MajoritySetup, d: TrialDraws, temperature_k: float):
    return llg.coefficients_varied(setup.cell, ms_a_per_m=d.ms_a_per_m, t_free_m=d.t_free_m,
                                   shm_thickness_m=d.shm_thickness_m,
                                   temperature_k=temperature_k)


def switch_count(item) -> np.ndarray:
    """Switched flags of one chunk's LLGS ensemble (runs where the chunk runs)."""
    setup, chunk, currents, pulse_s, seed, temperature_k = item
    d = draw_chunk(setup, chunk)
    co = _coefficients(setup, d, temperature_k)
    tilt = switching.rms_thermal_tilt_rad(setup.cell)
    return switching.pulse_from_p(co, i_shm_a=currents, pulse_s=pulse_s, seed=seed,
                                  tilt_rad=tilt).switched


# ----------------------------------------------------------------------------- decide
def count_bits(d: TrialDraws, n_on: int) -> np.ndarray:
    """The input bits (trials, 9) of every trial at ``n_on`` inputs on."""
    return (d.order < n_on).astype(int)


def top_plate_v(setup: MajoritySetup, d: TrialDraws, n_on: int, vdd_v: float,
                temperature_k: float) -> tuple[np.ndarray, np.ndarray]:
    """The comparator's top-plate voltages (V) of every trial: charge sharing with the
    trial's capacitors plus the kT/C noise sampled when the resets open."""
    from ..netlists import majority_decide as md

    c = setup.spec.decider
    k = md.N_INPUTS
    fixed = c.fixed_cap_units * c.unit_cap_f
    v_p, v_n = md.charge_share_v(c, count_bits(d, n_on), vdd_v,
                                 cap_p=c.unit_cap_f * d.cap_rel[:, :k],
                                 cap_n=c.unit_cap_f * d.cap_rel[:, k:2 * k],
                                 fixed_p=fixed * d.cap_rel[:, 2 * k],
                                 fixed_n=fixed * d.cap_rel[:, 2 * k + 1])
    sigma = math.sqrt(constants.k * temperature_k / c.top_cap_f)
    return v_p + sigma * d.noise[:, 0], v_n + sigma * d.noise[:, 1]


def adder_points(d: TrialDraws, counts) -> np.ndarray:
    """The (trial, adder, input vector) triples a popcount chunk needs over ``counts``,
    in sweep order (by input vector, then adder, then trial): (points, 3)."""
    from ..netlists import majority_decide as md

    used = np.zeros((d.order.shape[0], len(md.POPCOUNT_ADDERS), 8), bool)
    rows = np.arange(d.order.shape[0])[:, None]
    cols = np.arange(len(md.POPCOUNT_ADDERS))[None, :]
    for n in counts:
        used[rows, cols, md.adder_inputs(count_bits(d, n)) @ np.array([4, 2, 1])] = True
    pts = np.argwhere(used)
    return pts[np.lexsort((pts[:, 0], pts[:, 1], pts[:, 2]))]


def build_decision(item) -> str:
    """Decision netlist of one (setup, chunk, counts, temperature_k): inside a worker.
    Comparator: one count; popcount: every adder input vector of the given counts."""
    from ..netlists import majority_decide as md

    setup, chunk, counts, temperature_k = item
    d = draw_chunk(setup, chunk)
    spec = setup.spec
    tech = technology(spec.tech_name)
    if spec.decision == "comparator":
        v_p, v_n = top_plate_v(setup, d, counts[0], tech.vdd_v, temperature_k)
        return md.comparator_dc_netlist(spec.decider, tech, v_p, v_n, d.dvth_decide_v)
    pts = adder_points(d, counts)
    inputs = (pts[:, 2:3] >> np.array([2, 1, 0])) & 1
    k = md.N_ADDER_VTH
    dv = d.dvth_decide_v.reshape(d.order.shape[0], len(md.POPCOUNT_ADDERS), k)
    return md.adder_dc_netlist(tech, inputs, dv[pts[:, 0], pts[:, 1]])


def decision_vectors(setup: MajoritySetup) -> tuple[str, ...]:
    return ("d",) if setup.spec.decision == "comparator" else ("s", "co")


def decided(setup: MajoritySetup, chunk: sampling.Chunk, counts, vectors: dict) -> list:
    """The decided bit of each trial of a chunk, one array per count, from its decision
    vectors. A popcount trial is decided right only if every adder output is within
    VDD/4 of its logic level (else it counts as wrong: an upper bound)."""
    from ..netlists import majority_decide as md

    vdd = technology(setup.spec.tech_name).vdd_v
    n = chunk.size
    if setup.spec.decision == "comparator":
        return [np.asarray(vectors["d"][:n]) > 0.5 * vdd]
    d = draw_chunk(setup, chunk)
    pts = adder_points(d, counts)
    total = ((pts[:, 2:3] >> np.array([2, 1, 0])) & 1).sum(axis=1)
    p = len(pts)
    ok_pt = ((np.abs(np.asarray(vectors["s"][:p]) - vdd * (total % 2)) < 0.25 * vdd)
             & (np.abs(np.asarray(vectors["co"][:p]) - vdd * (total >= 2)) < 0.25 * vdd))
    ok = np.ones((n, len(md.POPCOUNT_ADDERS), 8), bool)
    ok[pts[:, 0], pts[:, 1], pts[:, 2]] = ok_pt
    out = []
    rows = np.arange(n)[:, None]
    cols = np.arange(len(md.POPCOUNT_ADDERS))[None, :]
    for c in counts:
        bits = count_bits(d, c)
        codes = md.adder_inputs(bits) @ np.array([4, 2, 1])
        right = md.majority_of_nine(bits)
        all_ok = ok[rows, cols, codes].all(axis=1)
        out.append(np.where(all_ok, right, ~right))
    return out


def build_write_current(item) -> str:
    """Write-current netlist of one (setup, chunk, towards AP): inside a worker."""
    from ..netlists import majority_decide as md

    setup, chunk, to_ap = item
    d = draw_chunk(setup, chunk)
    cols = [0, 1] if to_ap else [2, 3]
    return md.write_dc_netlist(setup.spec.write, technology(setup.spec.tech_name),
                               to_ap=to_ap, r_shm_ohm=r_shm_ohm(setup, d),
                               dvth=d.dvth_v[:, cols])


# ----------------------------------------------------------------------------- run
def checkpoint_parameters(setup: MajoritySetup, *, trials: int, seed: int,
                          temperature_k: float, counts=None) -> dict:
    """Everything that determines a :func:`run` result (the checkpoint key)."""
    from .. import __version__

    out = {"setup": setup, "trials": trials, "seed": seed,
           "temperature_k": float(temperature_k), "spincim_version": __version__,
           "chunk_trials": CHUNK_TRIALS}
    if counts is not None:
        out["counts"] = [int(c) for c in counts]
    return out


#: memory of one trial: 14 draws + 10 PROGRAM currents + 15 LLGS coefficients and state
#: floats, twice for temporaries (an upper estimate, 8-byte floats)
BYTES_PER_TRIAL = 2 * 8 * (14 + 10 + 15)


def _status(lo: float, hi: float, threshold: float) -> str:
    if lo > threshold:
        return "above"
    return "below" if hi <= threshold else "unresolved"


def run(setup: MajoritySetup, *, trials: int, seed: int, temperature_k: float = 300.0,
        workers: int = 1, progress=None, executor=None, scheduler: str | None = None,
        checkpoint=None, counts=None, error_threshold: float = ERROR_THRESHOLD) -> dict:
    """Error rate per count of active inputs (default every count 0..9); JSON-ready.

    Stages on ``executor`` (or a new one for ``workers`` / ``scheduler``, see
    :mod:`.executor`), one item per chunk (and count): threshold designs ``currents``
    then ``switch``; decide designs ``decide``, ``write_currents`` then ``write``. With
    ``checkpoint`` (a path or an open :class:`~.checkpoint.Checkpoint`) finished items
    are stored and skipped on resume. ``progress(spin_steps)`` after each ensemble. Each
    count is marked against ``error_threshold``: ``above`` (its 95 % interval lies above),
    ``below`` (at or below) or ``unresolved``.
    """
    from . import checkpoint as ckpt
    from .executor import executor_scope

    limits.check_count("trials", trials)
    limits.check_memory("trials", trials, BYTES_PER_TRIAL, "per-trial draws, currents and "
                        "LLGS state")
    limits.check_temperature_k("temperature_k", temperature_k)
    limits.check_workers("workers", workers)
    if not (math.isfinite(error_threshold) and 0 < error_threshold < 1):
        raise ParameterError("error_threshold", f"must be in (0, 1), got {error_threshold!r}")
    counts = list(range(wd.N_INPUTS + 1)) if counts is None else [int(c) for c in counts]
    if not counts or any(not 0 <= c <= wd.N_INPUTS for c in counts):
        raise ParameterError("counts", f"must be counts in 0..{wd.N_INPUTS}, got {counts!r}")
    start = time.perf_counter()
    chunks = sampling.chunks(trials, seed, CHUNK_TRIALS)
    params = checkpoint_parameters(setup, trials=trials, seed=seed, temperature_k=temperature_k,
                                   counts=None if len(counts) == wd.N_INPUTS + 1 else counts)
    with ckpt.checkpoint_scope(checkpoint, kind="mc majority", parameters=params) as store:
        with executor_scope(executor, scheduler=scheduler, workers=workers) as ex:
            if setup.kind == "threshold":
                result = _run_threshold(setup, chunks, counts, seed, temperature_k, ex,
                                        store, progress)
            else:
                result = _run_decide(setup, chunks, counts, seed, temperature_k, ex, store,
                                     progress)
    rows = []
    for n_on, r in zip(counts, result):
        errors = int(np.sum(r["wrong"]))
        lo, hi = switching.binomial_ci95(errors, trials)
        p_ap = float(np.mean(r["final_ap"]))
        k_ap = int(np.sum(r["final_ap"]))
        row = {"n_on": n_on, "i_hm_a_mean": float(np.mean(r["current"])),
               "i_hm_a_std": float(np.std(r["current"])), "p_switch": p_ap,
               "p_switch_ci95": list(switching.binomial_ci95(k_ap, trials)),
               "errors": errors, "error_rate": errors / trials, "error_rate_ci95": [lo, hi],
               "error_status": _status(lo, hi, error_threshold)}
        if "decision_errors" in r:
            row["decision_errors"] = int(r["decision_errors"])
            row["write_failures"] = int(r["write_failures"])
        rows.append(row)
    wall = time.perf_counter() - start
    return {"trials": trials, "seed": seed, "temperature_k": temperature_k,
            "pulse_s": setup.program_s, "vth_mismatch": setup.vth_mismatch,
            "shm_thickness_m": setup.cell.shm.thickness_m,
            "sigmas": {"resistivity": setup.sigma_resistivity,
                       "shm_thickness": setup.sigma_shm_thickness,
                       "ms": setup.sigma_ms, "t_free": setup.sigma_t_free},
            "n_on": [r["n_on"] for r in rows],
            "error_rate": [r["error_rate"] for r in rows],
            "rows": rows, "wall_s": wall, "design": setup.design, "kind": setup.kind,
            "error_threshold": error_threshold,
            "error_status": [r["error_status"] for r in rows],
            "trials_per_s": trials * len(counts) / max(wall, 1e-12)}


def _run_threshold(setup, chunks, counts, seed, temperature_k, ex, store, progress) -> list:
    items = [(setup, c, n) for n in counts for c in chunks]
    spice = ex.run_built(build_count, items, vectors=("vhm#branch",), checkpoint=store,
                         stage="currents")
    currents = [np.abs(r["vhm#branch"][:c.size]) for (_s, c, _n), r in zip(items, spice)]
    steps_per_trial = int(round((setup.program_s + switching.SETTLE_S) / 1e-12))
    llg_items = [(setup, c, i, setup.program_s,
                  np.random.SeedSequence([seed, 1, n, c.index]), float(temperature_k))
                 for (_s, c, n), i in zip(items, currents)]
    switched = ex.map(switch_count, llg_items,
                      on_result=None if progress is None else
                      (lambda k, _r: progress(llg_items[k][1].size * steps_per_trial)),
                      checkpoint=store, stage="switch")
    out = []
    per = len(chunks)
    for j, n in enumerate(counts):
        sw = np.concatenate(switched[j * per:(j + 1) * per])
        cur = np.concatenate(currents[j * per:(j + 1) * per])
        out.append({"wrong": sw != (n >= THRESHOLD_COUNT), "final_ap": sw, "current": cur})
    return out


def write_chunk(item) -> np.ndarray:
    """Switched flags of one chunk's write (towards AP or P; mirror images) at T."""
    setup, chunk, currents, pulse_s, seed, temperature_k = item
    d = draw_chunk(setup, chunk)
    co = _coefficients(setup, d, temperature_k)
    tilt = switching.rms_thermal_tilt_rad(setup.cell)
    return switching.pulse_from_p(co, i_shm_a=np.abs(currents), pulse_s=pulse_s, seed=seed,
                                  tilt_rad=tilt).switched


def _run_decide(setup, chunks, counts, seed, temperature_k, ex, store, progress) -> list:
    if setup.spec.decision == "comparator":
        items = [(setup, c, (n,), float(temperature_k)) for n in counts for c in chunks]
    else:
        items = [(setup, c, tuple(counts), float(temperature_k)) for c in chunks]
    dec = ex.run_built(build_decision, items, vectors=decision_vectors(setup),
                       checkpoint=store, stage="decide")
    per_item = [decided(setup, c, n, v) for (_s, c, n, _t), v in zip(items, dec)]
    if setup.spec.decision == "comparator":   # items by count, then chunk
        decisions = [x[0] for x in per_item]
    else:                                      # one item per chunk with every count
        decisions = [per_item[ci][j] for j in range(len(counts)) for ci in range(len(chunks))]
    w_items = [(setup, c, to_ap) for to_ap in (True, False) for c in chunks]
    wc = ex.run_built(build_write_current, w_items, vectors=("vhm#branch",), checkpoint=store,
                      stage="write_currents")
    w_currents = [np.asarray(r["vhm#branch"][:c.size]) for (_s, c, _d), r in zip(w_items, wc)]
    steps_per_trial = int(round((setup.program_s + switching.SETTLE_S) / 1e-12))
    llg_items = [(setup, c, i, setup.program_s,
                  np.random.SeedSequence([seed, 2, int(to_ap), c.index]), float(temperature_k))
                 for (_s, c, to_ap), i in zip(w_items, w_currents)]
    written = ex.map(write_chunk, llg_items,
                     on_result=None if progress is None else
                     (lambda k, _r: progress(llg_items[k][1].size * steps_per_trial)),
                     checkpoint=store, stage="write")
    per = len(chunks)
    ok_ap, ok_p = np.concatenate(written[:per]), np.concatenate(written[per:])
    i_ap, i_p = np.concatenate(w_currents[:per]), np.concatenate(w_currents[per:])
    out = []
    for j, n in enumerate(counts):
        d = np.concatenate(decisions[j * per:(j + 1) * per])
        right = n >= THRESHOLD_COUNT
        write_ok = ok_ap if right else ok_p
        wrong_decision = d != right
        wrong = wrong_decision | ~write_ok
        final_ap = np.where(wrong, not right, right)
        out.append({"wrong": wrong, "final_ap": final_ap, "current": i_ap if right else i_p,
                    "decision_errors": int(np.sum(wrong_decision)),
                    "write_failures": int(np.sum(~wrong_decision & ~write_ok))})
    return out

"""High-sigma failure probability of the sense path by importance sampling.

Brute-force Monte Carlo (:mod:`.sense_margin`) cannot reach the 1e-6 .. 1e-9 failure
rates an array needs: 1e-9 takes ~1e11 trials. This module estimates them for ONE op and
stored pattern (state) at a time, in the standard-normal coordinates ``z`` of the
per-trial variables that pattern depends on:

* RA (as R_P) of every selected cell, and the TMR of every selected AP cell
  (``x = mu (1 + sigma z)``, exactly how :func:`.sampling.relative_normal` draws them);
* with ``vth_mismatch``, the Vth offset of every selected cell's read transistor and of
  every leg of the op's reference(s) (``dVth = sigma_Vth z``); otherwise the reference
  is nominal.

Method (mean-shift importance sampling, FORM-guided):

1. Design point. The analytic divider (:func:`.sense_model.vsense_v`, with R_on of every
   access transistor extracted from a nominal SPICE run of the same netlist and, with
   mismatch, the transistors' dG_on/dVth from two more sweep points) gives the margin
   ``g(z)``. ``z* = argmin |z|  s.t.  g(z) = 0`` (SLSQP) is the most probable failure
   point; ``beta = |z*|`` is its distance in sigma. A margin that is the minimum of two
   distances (XNOR of '01' / '10': too low for the OR ref or too high for the AND ref)
   has one design point per failure mode.
2. Sampling. ``z ~ q = sum_j w_j N(z*_j, I)`` (one component unless XNOR mixed
   states; ``w_j`` proportional to the FORM estimate Phi(-beta_j)). Each sample is
   evaluated by the SPICE engine itself: the shifted samples become a
   :class:`.sense_margin.Draws` (every other cell and reference at its nominal value) and
   run through :func:`.sense_margin.chunk_netlist`, the same table-driven ``.dc``
   sweep as the brute-force Monte Carlo, so the model only steers the sampling and never
   biases the result.
3. Estimate. ``p = mean(1[g <= 0] w(z))`` with ``w = phi(z) / q(z)`` (the likelihood
   ratio), its standard error from the sample variance of ``1[g <= 0] w``, a 95 % CI
   ``p exp(+-1.96 se / p)`` (log-normal / delta method, never negative, matches the
   normal interval when se << p), and the effective sample size
   ``(sum 1[g<=0] w)^2 / sum (1[g<=0] w)^2``.

``method="model"`` evaluates the same samples with the analytic model only (millions
per second, to 1e-12 and below) for comparison. Chunks are seeded from
``SeedSequence(seed, spawn_key=(op, state))``, so results do not depend on the worker
count, nor on which other ops are run.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from .. import limits
from ..devices import mtj as M
from ..errors import ParameterError
from . import sampling, sense_margin as sm, sense_model
from .executor import executor_scope, process_worker

#: samples per netlist (as the brute-force Monte Carlo)
CHUNK_TRIALS = sm.CHUNK_TRIALS
#: two-sided 95 % normal quantile
_Z95 = float(stats.norm.ppf(0.975))
#: Vth points (in sigma_Vth) of the nominal run that fits dG_on/dVth
_VTH_FIT_SIGMA = 3.0


def state_key(states) -> str:
    """'0'/'1' string of a stored pattern (AP = 1)."""
    return "".join("1" if s else "0" for s in states)


def op_states(setup: sm.SenseSetup, op: str) -> list[tuple[bool, ...]]:
    """Stored patterns an op is evaluated on (as :func:`.sense_margin.summarize`)."""
    if op not in sm.OPS:
        raise ParameterError("op", f"unknown op {op!r}")
    if op != "read" and setup.fan_in < 2:
        raise ParameterError("ops", f"{op} needs fan-in >= 2")
    if op == "xnor" and setup.fan_in != 2:
        raise ParameterError("ops", "xnor is defined for fan-in 2")
    return [c for c in setup.configurations() if (len(c) == 1) == (op == "read")]


def _ref_ops(op: str) -> tuple[str, ...]:
    return ("or", "and") if op == "xnor" else (op,)


# ----------------------------------------------------------------------- calibration
def _nominal_draws(setup: sm.SenseSetup, dvth_v=(0.0,)) -> sm.Draws:
    """Nominal parameters, one trial per Vth offset (applied to every transistor)."""
    n, cells, mtj = len(dvth_v), sm.n_cells(setup), setup.device.mtj
    d = np.asarray(dvth_v, dtype=float)[:, None]
    return sm.Draws(np.full((n, cells), M.r_p_ohm(mtj)), np.full((n, cells), mtj.tmr0),
                    np.repeat(d, cells, axis=1),
                    np.repeat(d, sm.n_ref_fets(setup), axis=1))


def _sigma_vth(setup: sm.SenseSetup) -> float:
    if not setup.vth_mismatch:
        return 0.0
    l_m = setup.tech.l_min_m
    return float(setup.tech.sigma_vth_v(setup.read_w_mult * l_m, l_m))


@dataclass(frozen=True)
class Calibration:
    """What the analytic model takes from a nominal SPICE run of the MC netlist.

    Per cell column: ``g_on_s`` (1 / R_on) and ``dg_dvth`` (S/V, 0 without mismatch);
    per reference leg likewise; nominal bit-line and reference voltages.
    """

    g_on_s: np.ndarray
    dg_dvth: np.ndarray
    g_ref_s: np.ndarray
    dg_ref_dvth: np.ndarray
    v_bl_v: np.ndarray
    v_ref_v: dict


def calibrate(setup: sm.SenseSetup, executor=None) -> Calibration:
    """Nominal SPICE run of :func:`.sense_margin.chunk_netlist` (plus +-3 sigma_Vth)."""
    s = _sigma_vth(setup)
    offsets = (0.0, _VTH_FIT_SIGMA * s, -_VTH_FIT_SIGMA * s) if s > 0 else (0.0,)
    text = sm.chunk_netlist(setup, _nominal_draws(setup, offsets))
    with executor_scope(executor, workers=1) as ex:
        vec = ex.run_jobs([text], timeout_s=600, stage="importance:calibration")[0]
    mtj = setup.device.mtj
    r_p, vh = M.r_p_ohm(mtj), mtj.v_half_v
    g_cells, dg_cells = [], []
    for c, states in enumerate(setup.configurations()):
        v_bl = vec[f"bl{c}"][:len(offsets)]
        for k, ap in enumerate(states):
            v_rl = vec[f"rlc{c}k{k}"][:len(offsets)]
            r_mtj = r_p * (1 + mtj.tmr0 / (1 + (v_rl / vh) ** 2)) if ap else r_p
            g = (v_rl / r_mtj) / (v_bl - v_rl)
            g_cells.append(g[0])
            dg_cells.append((g[1] - g[2]) / (2 * offsets[1]) if s > 0 else 0.0)
    g_refs, dg_refs = [], []
    for op, r_ref in sm.reference_resistances(setup).items():
        legs = sm.ref_legs(setup.fan_in, op)
        v_ref = vec[f"ref{op}"][:len(offsets)]
        for leg in range(legs):
            v_m = vec[f"m{op}{leg}"][:len(offsets)]
            g = (v_m / (legs * r_ref)) / (v_ref - v_m)
            g_refs.append(g[0])
            dg_refs.append((g[1] - g[2]) / (2 * offsets[1]) if s > 0 else 0.0)
    return Calibration(
        np.array(g_cells), np.array(dg_cells), np.array(g_refs), np.array(dg_refs),
        np.array([vec[f"bl{c}"][0] for c in range(len(setup.configurations()))]),
        {op: float(vec[f"ref{op}"][0]) for op in sm.reference_resistances(setup)})


# ---------------------------------------------------------------------- one problem
def _vsense_per_trial_ron(i_a, r_on, r_p, tmr, vh, ap) -> np.ndarray:
    """:func:`.sense_model.vsense_v` with a per-trial R_on (trials, cells)."""
    r_mtj = np.where(ap, r_p * (1.0 + tmr), r_p)
    for _ in range(sense_model.ITERATIONS):
        g_branch = 1.0 / (r_on + r_mtj)
        v = i_a / g_branch.sum(axis=1)
        v_mtj = v[:, None] * g_branch * r_mtj
        r_mtj = np.where(ap, r_p * (1.0 + tmr / (1.0 + (v_mtj / vh) ** 2)), r_p)
    return i_a / (1.0 / (r_on + r_mtj)).sum(axis=1)


class StateProblem:
    """The failure of one op on one stored pattern, in standard-normal coordinates."""

    def __init__(self, setup: sm.SenseSetup, op: str, states, calib: Calibration):
        states = tuple(bool(s) for s in states)
        if states not in op_states(setup, op):
            raise ParameterError("states", f"{state_key(states)!r} is not a state of {op}")
        self.setup, self.op, self.states, self.calib = setup, op, states, calib
        configs = setup.configurations()
        self.config = configs.index(states)
        first = sum(len(c) for c in configs[:self.config])
        self.columns = np.arange(first, first + len(states))
        mtj = setup.device.mtj
        self.r_p0, self.tmr0 = M.r_p_ohm(mtj), mtj.tmr0
        self.sigma_vth = _sigma_vth(setup)
        # ref legs of the op's reference(s): fet indices in chunk_netlist order
        self.ref_fets: dict[str, np.ndarray] = {}
        fet = 0
        for name in sm.reference_resistances(setup):
            legs = sm.ref_legs(setup.fan_in, name)
            if name in _ref_ops(op):
                self.ref_fets[name] = np.arange(fet, fet + legs)
            fet += legs
        # variables: (kind, index into columns / ref fets)
        names: list[tuple[str, int]] = []
        if setup.sigma_ra > 0:
            names += [("ra", k) for k in range(len(states))]
        if setup.sigma_tmr > 0:
            names += [("tmr", k) for k, ap in enumerate(states) if ap]
        if self.sigma_vth > 0:
            names += [("vth_cell", k) for k in range(len(states))]
            names += [("vth_ref", int(f)) for r in _ref_ops(op) for f in self.ref_fets[r]]
        self.variables = names
        self.dim = len(names)
        self._idx = {kind: (np.array([i for i, (kd, _) in enumerate(names) if kd == kind],
                                     dtype=int),
                            np.array([j for kd, j in names if kd == kind], dtype=int))
                     for kind in ("ra", "tmr", "vth_cell", "vth_ref")}

    # ---- mapping z -> physical
    def _physical(self, z: np.ndarray):
        z = np.atleast_2d(np.asarray(z, dtype=float))
        n, k = z.shape[0], len(self.states)
        r_p = np.full((n, k), self.r_p0)
        tmr = np.full((n, k), self.tmr0)
        dv_cell = np.zeros((n, k))
        dv_ref = np.zeros((n, sm.n_ref_fets(self.setup)))
        zi, j = self._idx["ra"]
        r_p[:, j] = self.r_p0 * (1.0 + self.setup.sigma_ra * z[:, zi])
        zi, j = self._idx["tmr"]
        tmr[:, j] = self.tmr0 * (1.0 + self.setup.sigma_tmr * z[:, zi])
        zi, j = self._idx["vth_cell"]
        dv_cell[:, j] = self.sigma_vth * z[:, zi]
        zi, j = self._idx["vth_ref"]
        dv_ref[:, j] = self.sigma_vth * z[:, zi]
        return r_p, tmr, dv_cell, dv_ref

    def draws(self, z: np.ndarray) -> sm.Draws:
        """Full-netlist draws: this pattern's cells (and op refs) from z, all else nominal."""
        r_p, tmr, dv_cell, dv_ref = self._physical(z)
        if np.any(r_p <= 0) or np.any(1.0 + tmr <= 0):
            raise ParameterError("z", "sample gives a non-physical MTJ (R_P <= 0 or TMR <= -1)")
        n, cells = r_p.shape[0], sm.n_cells(self.setup)
        full_rp = np.full((n, cells), self.r_p0)
        full_tmr = np.full((n, cells), self.tmr0)
        full_dv = np.zeros((n, cells))
        full_rp[:, self.columns], full_tmr[:, self.columns] = r_p, tmr
        full_dv[:, self.columns] = dv_cell
        return sm.Draws(full_rp, full_tmr, full_dv, dv_ref)

    # ---- analytic model
    def _model_voltages(self, z: np.ndarray):
        setup, cal = self.setup, self.calib
        r_p, tmr, dv_cell, dv_ref = self._physical(z)
        i_a, vh = setup.i_read_a, setup.device.mtj.v_half_v
        g0 = cal.g_on_s[self.columns]
        if self.sigma_vth > 0:
            g = np.maximum(g0 + cal.dg_dvth[self.columns] * dv_cell, 1e-3 * g0)
            v = _vsense_per_trial_ron(i_a, 1.0 / g, r_p, tmr, vh, np.array(self.states))
        else:
            v = sense_model.vsense_v(i_a, 1.0 / g0, r_p, tmr, vh, self.states)
        # SPICE-calibrated: the model is shifted onto the nominal SPICE Vsense
        nominal = sense_model.vsense_v(i_a, 1.0 / g0, np.full((1, len(self.states)), self.r_p0),
                                       np.full((1, len(self.states)), self.tmr0), vh,
                                       self.states)[0]
        v = v + (cal.v_bl_v[self.config] - nominal)
        refs = {}
        for name in _ref_ops(self.op):
            v_ref = np.full(v.shape, cal.v_ref_v[name])
            if self.sigma_vth > 0:
                fets = self.ref_fets[name]
                legs = len(fets)
                r_leg = legs * sm.reference_resistances(setup)[name]
                gr0 = cal.g_ref_s[fets]
                gr = np.maximum(gr0 + cal.dg_ref_dvth[fets] * dv_ref[:, fets], 1e-3 * gr0)
                v_ref = v_ref + i_a / (1.0 / (r_leg + 1.0 / gr)).sum(axis=1) \
                    - i_a / (1.0 / (r_leg + 1.0 / gr0)).sum()
            refs[name] = v_ref
        return v, refs

    def model_components(self, z: np.ndarray) -> np.ndarray:
        """(n, modes) margins (V); a trial fails when any is <= 0 (the margin is the min)."""
        v, refs = self._model_voltages(z)
        if self.op != "xnor":
            return sm.signed_margin_v(self.op, self.states, v, refs)[:, None]
        lo, hi = refs["or"], refs["and"]
        if sm.expected_output("xnor", self.states):
            return ((v - hi) if all(self.states) else (lo - v))[:, None]
        return np.stack([v - lo, hi - v], axis=1)

    def model_margin(self, z: np.ndarray) -> np.ndarray:
        return self.model_components(z).min(axis=1)

    # ---- SPICE
    def spice_margin(self, volts: dict) -> np.ndarray:
        """Margins (V) of this pattern from one chunk's SPICE voltages (NaN = no result)."""
        refs = {name: volts[f"ref{name}"] for name in _ref_ops(self.op)}
        return sm.signed_margin_v(self.op, self.states, volts[f"bl{self.config}"], refs)

    # ---- design points
    def design_points(self) -> list[np.ndarray]:
        """Most probable failure point of each failure mode (FORM), by SLSQP."""
        points = []
        origin = np.zeros((1, self.dim))
        for mode in range(self.model_components(origin).shape[1]):
            def g(z, mode=mode):
                return float(self.model_components(z[None, :])[0, mode])

            g0 = g(np.zeros(self.dim))
            if g0 <= 0:
                points.append(np.zeros(self.dim))
                continue
            h = 1e-4
            grad = np.array([(g(h * e) - g(-h * e)) / (2 * h) for e in np.eye(self.dim)])
            if not np.any(grad):
                continue  # this mode cannot fail
            start = -g0 * grad / float(grad @ grad)
            res = optimize.minimize(
                lambda z: 0.5 * float(z @ z), start, jac=lambda z: z, method="SLSQP",
                constraints=[{"type": "eq", "fun": g}],
                options={"ftol": 1e-12, "maxiter": 500})
            z_star = res.x
            scale = abs(g0) + 1e-12
            if not np.all(np.isfinite(z_star)) or abs(g(z_star)) > 1e-6 * scale + 1e-9:
                # fall back: bisection along the linear guess direction
                direction = start / np.linalg.norm(start)
                lo, hi = 0.0, np.linalg.norm(start)
                while g(hi * direction) > 0 and hi < 40:
                    hi *= 1.5
                if g(hi * direction) > 0:
                    continue  # no failure within 40 sigma along this direction
                for _ in range(100):
                    mid = 0.5 * (lo + hi)
                    lo, hi = (mid, hi) if g(mid * direction) > 0 else (lo, mid)
                z_star = hi * direction
            points.append(np.asarray(z_star, dtype=float))
        return points


# ------------------------------------------------------------------------ estimators
def _log_ci(p: float, se: float) -> list[float]:
    if p <= 0:
        return [0.0, math.nan]
    f = math.exp(_Z95 * se / p)
    return [p / f, p * f]


def _estimate(y: np.ndarray) -> dict:
    """IS estimate from the weighted failure indicator y = 1[fail] w."""
    n = y.size
    p = float(y.mean())
    se = float(y.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    s1, s2 = float(y.sum()), float((y * y).sum())
    return {"p_fail": p, "se": se, "ci95": _log_ci(p, se),
            "ci95_normal": [p - _Z95 * se, p + _Z95 * se],
            "rel_err": se / p if p > 0 else math.nan,
            "ess": s1 * s1 / s2 if s2 > 0 else 0.0}


def _json_float(x):
    return None if isinstance(x, float) and not math.isfinite(x) else x


def _jsonify(d):
    if isinstance(d, dict):
        return {k: _jsonify(v) for k, v in d.items()}
    if isinstance(d, (list, tuple)):
        return [_jsonify(v) for v in d]
    return _json_float(d)


def _state_seed(seed: int, op: str, states) -> np.random.SeedSequence:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParameterError("seed", f"must be a non-negative integer, got {seed!r}")
    return np.random.SeedSequence(seed, spawn_key=(sm.OPS.index(op),
                                                   int(state_key(states), 2), len(states)))


def _chunks(n: int, seed_seq: np.random.SeedSequence, size: int) -> list[sampling.Chunk]:
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ParameterError("samples", f"must be an integer >= 2, got {n!r}")
    count = math.ceil(n / size)
    return [sampling.Chunk(i, i * size, min(size, n - i * size), s)
            for i, s in enumerate(seed_seq.spawn(count))]


def _proposal(problem: StateProblem, points: list[np.ndarray]):
    """Mixture weights (FORM estimates Phi(-beta_j), normalized) of the design points."""
    betas = np.array([np.linalg.norm(p) for p in points])
    logw = special.log_ndtr(-betas)
    logw -= special.logsumexp(logw)
    return np.array(points).reshape(len(points), problem.dim), np.exp(logw), betas


def _sample_chunk(problem: StateProblem, centers, weights, chunk: sampling.Chunk):
    """The chunk's shifted samples z and their log likelihood ratios log phi(z)/q(z)."""
    rng = chunk.rng()
    comp = rng.choice(len(weights), size=chunk.size, p=weights)
    z = centers[comp] + rng.standard_normal((chunk.size, problem.dim))
    d2 = ((z[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    log_q = special.logsumexp(np.log(weights)[None, :] - 0.5 * d2, axis=1)
    return z, -0.5 * (z * z).sum(axis=1) - log_q


def estimate_state(setup: sm.SenseSetup, op: str, states, *, samples: int, seed: int,
                   method: str = "spice", chunk_trials: int = CHUNK_TRIALS,
                   calib: Calibration | None = None, executor=None,
                   checkpoint=None) -> dict:
    """Importance-sampling p_fail of one op on one stored pattern (JSON-ready dict).

    ``method``: ``"spice"`` (samples evaluated by the ngspice sweep netlist) or
    ``"model"`` (analytic divider only). Keys: ``p_fail``, ``ci95`` (log-normal 95 %),
    ``ci95_normal``, ``se``, ``rel_err``, ``ess`` (effective failure samples), ``n``,
    ``n_fail`` (raw failing samples), ``design_point_sigma`` (min beta),
    ``design_points`` (z* per failure mode, with ``variables`` naming the axes),
    ``form_p`` (sum Phi(-beta_j), the first-order estimate), ``failed_trials``
    (SPICE trials without a solution, excluded), ``wall_s``.
    """
    if method not in ("spice", "model"):
        raise ParameterError("method", f"must be 'spice' or 'model', got {method!r}")
    limits.check_count("samples", samples)
    start = time.perf_counter()
    states = tuple(bool(s) for s in states)
    work = _chunks(samples, _state_seed(seed, op, states), chunk_trials)
    if calib is None:
        calib = calibrate(setup, executor)
    problem = StateProblem(setup, op, states, calib)
    points = problem.design_points()
    out = {"n": samples, "variables": [f"{k}{j}" for k, j in problem.variables]}
    if not points:
        out.update({"p_fail": 0.0, "ci95": [0.0, 0.0], "design_point_sigma": math.inf,
                    "note": "no failure mode reachable within 40 sigma"})
        return _jsonify(out)
    centers, weights, betas = _proposal(problem, points)
    sampled = [_sample_chunk(problem, centers, weights, c) for c in work]
    failed_trials = 0
    if method == "model":
        margins = [problem.model_margin(z) for z, _ in sampled]
    else:
        margins, failed_trials = _spice_margins(problem, [z for z, _ in sampled], work,
                                                executor, checkpoint)
    m = np.concatenate(margins)
    logw = np.concatenate([lw for _, lw in sampled])
    ok = np.isfinite(m)
    y = np.where(ok & (m <= 0), np.exp(np.minimum(logw, 700.0)), 0.0)[ok]
    out.update(_estimate(y))
    out.update({"n": int(ok.sum()), "n_fail": int(np.sum(m[ok] <= 0)),
                "design_point_sigma": float(betas.min()),
                "design_points": [[float(x) for x in c] for c in centers],
                "mode_weights": [float(w) for w in weights],
                "form_p": float(np.sum(special.ndtr(-betas))),
                "failed_trials": failed_trials, "method": method,
                "wall_s": time.perf_counter() - start})
    return _jsonify(out)


def _chunk_netlist(item) -> str:
    """Executor builder: the sweep netlist of (setup, draws), built in the worker."""
    setup, draws = item
    return sm.chunk_netlist(setup, draws)


def _rescue(item) -> tuple[dict, int]:
    """Executor task: :func:`.sense_margin.rescue` of a failed chunk on this process."""
    setup, draws = item
    return sm.rescue(setup, draws, process_worker())


def _spice_margins(problem: StateProblem, zs, work, executor, checkpoint=None):
    setup = problem.setup
    items = [(setup, problem.draws(z)) for z in zs]
    stage = f"{problem.op}:{state_key(problem.states)}"
    with executor_scope(executor) as ex:
        results = ex.run_built(_chunk_netlist, items, timeout_s=600, return_exceptions=True,
                               checkpoint=checkpoint, stage=stage)
        bad = [k for k, r in enumerate(results) if isinstance(r, Exception)]
        rescued = dict(zip(bad, ex.map(_rescue, [items[k] for k in bad],
                                       stage="importance:rescue")))
    margins, failed = [], 0
    for k, (vectors, chunk) in enumerate(zip(results, work)):
        if k in rescued:
            volts, n_bad = rescued[k]
            failed += n_bad
        else:
            volts = sm.trim(vectors, setup, chunk.size)
        margins.append(problem.spice_margin(volts))
    return margins, failed


# ------------------------------------------------------------------------ brute force
def brute_force_state(setup: sm.SenseSetup, op: str, states, *, trials: int, seed: int,
                      method: str = "spice", executor=None) -> dict:
    """Plain Monte Carlo of one op / pattern, with a Wilson 95 % CI (for validation).

    ``"spice"`` runs :func:`.sense_margin.simulate` (the ``spincim mc sense`` engine);
    ``"model"`` samples z ~ N(0, I) through the analytic model.
    """
    start = time.perf_counter()
    states = tuple(bool(s) for s in states)
    if method == "spice":
        with executor_scope(executor) as ex:
            volts, failed = sm.simulate(setup, trials=trials, seed=seed, executor=ex)
            problem = StateProblem(setup, op, states, calibrate(setup, ex))
        m = problem.spice_margin(volts)
    elif method == "model":
        failed = 0
        problem = StateProblem(setup, op, states, calibrate(setup))
        m = np.concatenate([problem.model_margin(c.rng().standard_normal((c.size,
                                                                          problem.dim)))
                            for c in _chunks(trials, _state_seed(seed, op, states),
                                             100_000)])
    else:
        raise ParameterError("method", f"must be 'spice' or 'model', got {method!r}")
    m = m[np.isfinite(m)]
    n, k = m.size, int(np.sum(m <= 0))
    p = k / n
    denom = 1 + _Z95 ** 2 / n
    centre = (p + _Z95 ** 2 / (2 * n)) / denom
    half = _Z95 * math.sqrt(p * (1 - p) / n + _Z95 ** 2 / (4 * n * n)) / denom
    return {"p_fail": p, "ci95": [max(0.0, centre - half), min(1.0, centre + half)],
            "n": n, "n_fail": k, "se": math.sqrt(max(p * (1 - p), 1.0 / n) / n),
            "failed_trials": failed, "method": method,
            "wall_s": time.perf_counter() - start}


# --------------------------------------------------------------------------- all ops
def run(setup: sm.SenseSetup, *, samples: int, seed: int, ops=sm.OPS,
        method: str = "spice", executor=None, progress=None, checkpoint=None) -> dict:
    """IS p_fail of every op and stored pattern (JSON-ready).

    ``{"method", "samples", "seed", "wall_s", "ops": {op: {"states": {state: {...}},
    "p_fail", "ci95", "p_fail_max", "worst_state", "aggregate"}}}``. The op's
    ``p_fail`` is the MEAN over its stored patterns (the failure probability of a read
    of a uniformly random pattern; the states are estimated independently, so its CI
    combines their standard errors); ``p_fail_max`` is the worst pattern. SPICE samples
    run on ``executor`` (:mod:`.executor`; a local one if None); with ``checkpoint`` (a
    path) finished sample chunks are stored and a re-run resumes from them.
    """
    from .. import __version__
    from . import checkpoint as ckpt

    limits.check_count("samples", samples)
    start = time.perf_counter()
    for op in ops:
        op_states(setup, op)

    def body(ex, store=None):
        calib = calibrate(setup, ex) if method == "spice" else calibrate(setup)
        result = {}
        for op in ops:
            per_state = {}
            for states in op_states(setup, op):
                r = estimate_state(setup, op, states, samples=samples, seed=seed,
                                   method=method, calib=calib, executor=ex,
                                   checkpoint=store)
                per_state[state_key(states)] = r
                if progress is not None:
                    progress(op, state_key(states), r)
            ps = np.array([r["p_fail"] for r in per_state.values()])
            ses = np.array([r.get("se") or 0.0 for r in per_state.values()])
            mean = float(ps.mean())
            se = float(math.sqrt(np.sum(ses ** 2)) / len(ps))
            worst = max(per_state, key=lambda s: per_state[s]["p_fail"])
            result[op] = {"states": per_state, "p_fail": mean, "se": se,
                          "ci95": _log_ci(mean, se),
                          "aggregate": "mean over stored patterns",
                          "p_fail_max": float(ps.max()), "worst_state": worst}
        return result

    params = {"setup": setup, "samples": samples, "seed": seed, "ops": list(ops),
              "chunk_trials": CHUNK_TRIALS, "spincim_version": __version__}
    if method == "spice":
        with ckpt.checkpoint_scope(checkpoint, kind="mc importance", parameters=params) as store, \
                executor_scope(executor) as ex:
            ops_out = body(ex, store)
    else:
        ops_out = body(None)
    return _jsonify({"method": method, "samples": samples, "seed": seed,
                     "wall_s": time.perf_counter() - start, "ops": ops_out})

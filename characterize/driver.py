"""CORN's majority write driver as an experiment: currents, calibration, sweeps.

The circuits are :mod:`spincim.netlists.write_driver` (nine NMOS into the buffer cell);
everything here runs them on the one runner (:mod:`.executor`):

* :func:`op_currents` -- PROGRAM current per input pattern (``op``, SHM as a resistor);
* :func:`fit_corn_driver` -- the ``corn`` variant's NMOS length and series resistance
  so that the SPICE currents are CORN IV-B's I(1) = 32.5 uA and I(4) = 76.2 uA;
* :func:`calibrate_buffer_device` -- the buffer cell's one calibrated number (its SHM
  thickness) so that the 0 K reversal current lies between 4 and 5 NMOS on (CORN IV-B);
  :func:`calibrate_corn` iterates both to their joint fixed point;
* :func:`run_patterns` / :func:`sweep` -- PRESET/PROGRAM transients with the LLGS
  macromodel: current, 0 K switching, switching time and energy per input count;
* :func:`driver_sweep` -- the ``spincim driver sweep`` experiment for any registered
  majority design (:mod:`spincim.netlists.majority_designs`): the transient sweep plus,
  at T > 0 (300 K by default), the probability that the cell ends in AP for each
  count's write current from the stochastic LLGS ensemble (one executor chunk per
  count), its 95 % interval, and the decision error against a stated threshold.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .. import limits
from ..devices import mtj as M
from ..devices import switching
from ..devices.technology import technology
from ..errors import ParameterError
from ..netlists import ngspice
from ..netlists import write_driver as wd
from ..netlists import majority_designs as designs
from ..netlists.write_driver import N_INPUTS, PROGRAM_ONLY, DriverConfig
from .executor import executor_scope

#: decision error a majority design may have at any count: the issue's target (1e-4)
ERROR_THRESHOLD = 1e-4

__all__ = ["op_currents", "Calibration", "calibrate_buffer_device", "fit_corn_driver",
           "CornCalibration", "calibrate_corn", "SweepRow", "run_patterns", "sweep",
           "DriverSweep", "driver_sweep", "ERROR_THRESHOLD", "error_status",
           "decision_error"]


def op_currents(patterns: Sequence[Sequence[int]], device: M.SotDevice,
                cfg: DriverConfig = wd.CORN, *, executor=None, checkpoint=None,
                stage: str = "driver_op") -> np.ndarray:
    """PROGRAM SHM current (A, sa -> sb) for each pattern, from ngspice ``op``."""
    jobs = [ngspice.Job(wd.op_netlist(p, device, cfg), None, wd.OP_VECTORS)
            for p in patterns]
    with executor_scope(executor) as ex:
        out = ex.run_jobs(jobs, timeout_s=60, checkpoint=checkpoint, stage=stage)
    return np.array([float(v["vhm#branch"][0]) for v in out])


@dataclass(frozen=True)
class Calibration:
    """Result of :func:`calibrate_buffer_device`: the device and what fixed it (SI)."""

    device: M.SotDevice
    thickness_m: float
    i_threshold_a: float
    i4_a: float
    i5_a: float
    iterations: int


def calibrate_buffer_device(base: M.SotDevice | None = None,
                            cfg: DriverConfig = PROGRAM_ONLY, *,
                            low_count: int = 4, t0_m: float = 3.25e-9,
                            rel_tol: float = 2e-3, max_iter: int = 12,
                            full: bool = False, executor=None):
    """Buffer-cell SotDevice whose 0 K reversal current for ``cfg.program_s`` lies at the
    geometric mean of the SPICE PROGRAM currents with ``low_count`` and ``low_count + 1``
    NMOS on (CORN: 4 and 5). Only the SHM thickness changes (beta-W, width unchanged).

    Fixed-point iteration: currents (op, R_SHM of the current thickness) -> target
    current -> thickness. The reversal current scales with the SHM cross-section
    (J_c0 is fixed by the free layer), so the update is t <- t * target / I_rev(t).
    ``full=True`` returns a :class:`Calibration` record instead of the device.
    """
    base = M.SotDevice(temperature_k=0.0) if base is None else base
    dev = base.replace(shm={"thickness_m": t0_m})
    patterns = [wd.pattern_for_count(low_count), wd.pattern_for_count(low_count + 1)]
    for it in range(1, max_iter + 1):
        i_lo, i_hi = op_currents(patterns, dev, cfg, executor=executor)
        target = math.sqrt(i_lo * i_hi)
        i_rev = switching.reversal_threshold_0k(dev, pulse_s=cfg.program_s)
        if abs(i_rev / target - 1.0) < rel_tol:
            break
        dev = dev.replace(shm={"thickness_m": dev.shm.thickness_m * target / i_rev})
    else:
        raise ParameterError("calibration", f"did not converge in {max_iter} iterations")
    if full:
        return Calibration(dev, dev.shm.thickness_m, i_rev, float(i_lo), float(i_hi), it)
    return dev


def fit_corn_driver(thickness_m: float = wd.BUFFER_SHM_THICKNESS_M, *,
                    base: DriverConfig = wd.CORN, targets_a=(wd.CORN_I1_A, wd.CORN_I4_A),
                    rel_tol: float = 1e-4, max_iter: int = 20,
                    executor=None) -> DriverConfig:
    """``base`` with the NMOS length and series resistance that make the SPICE PROGRAM
    currents with 1 and 4 NMOS on equal ``targets_a`` (CORN IV-B: 32.5 and 76.2 uA).

    The buffer SHM (``thickness_m``) is a resistor of its R_SHM. Newton iteration on
    (``length_factor``, ``r_series_ohm``) with finite-difference derivatives, starting
    from ``base``'s values, until both currents are within ``rel_tol``.
    """
    device = M.SotDevice(temperature_k=0.0).replace(shm={"thickness_m": thickness_m})
    target = np.asarray(targets_a, float)
    patterns = [wd.pattern_for_count(1), wd.pattern_for_count(4)]
    x = np.array([base.length_factor, base.r_series_ohm], float)
    steps = np.array([1e-3, 0.5])
    with executor_scope(executor) as ex:
        def residuals(points):
            jobs = [ngspice.Job(wd.op_netlist(p, device, dataclasses.replace(
                base, length_factor=float(a), r_series_ohm=float(b))), None, wd.OP_VECTORS)
                for a, b in points for p in patterns]
            out = ex.run_jobs(jobs, timeout_s=60)
            i = np.array([float(v["vhm#branch"][0]) for v in out])
            return i.reshape(len(points), 2) / target - 1.0

        for _ in range(max_iter):
            pts = [x, x + [steps[0], 0.0], x + [0.0, steps[1]]]
            f0, fa, fb = residuals(pts)
            if np.max(np.abs(f0)) < rel_tol:
                break
            jac = np.column_stack([(fa - f0) / steps[0], (fb - f0) / steps[1]])
            x = x - np.linalg.solve(jac, f0)
            if x[0] <= 0 or x[1] < 0:
                raise ParameterError("fit_corn_driver", f"left the physical range: {x}")
        else:
            raise ParameterError("fit_corn_driver", f"did not converge in {max_iter} steps")
    return dataclasses.replace(base, length_factor=float(x[0]), r_series_ohm=float(x[1]))


@dataclass(frozen=True)
class CornCalibration:
    """Result of :func:`calibrate_corn` (SI): the fitted driver, its buffer cell's SHM
    thickness, the PROGRAM currents for 0..9 NMOS on and the 0 K reversal current."""

    driver: DriverConfig
    thickness_m: float
    currents_a: tuple[float, ...]
    i_threshold_a: float
    iterations: int


def calibrate_corn(*, rel_tol: float = 1e-3, max_iter: int = 10,
                   executor=None) -> CornCalibration:
    """The ``corn`` variant's declared numbers from scratch: alternately
    :func:`fit_corn_driver` at the current SHM thickness and
    :func:`calibrate_buffer_device` with the fitted driver, until the thickness moves by
    less than ``rel_tol``. Starts from the declared values."""
    t = wd.BUFFER_SHM_THICKNESS_M
    cfg = wd.CORN
    with executor_scope(executor) as ex:
        for it in range(1, max_iter + 1):
            cfg = fit_corn_driver(t, base=cfg, executor=ex)
            cal = calibrate_buffer_device(cfg=wd.program_only(cfg), t0_m=t, full=True,
                                          executor=ex)
            moved = abs(cal.thickness_m / t - 1.0)
            t = cal.thickness_m
            if moved < rel_tol:
                break
        else:
            raise ParameterError("calibrate_corn", f"did not converge in {max_iter} steps")
        device = M.SotDevice(temperature_k=0.0).replace(shm={"thickness_m": t})
        currents = op_currents([wd.pattern_for_count(n) for n in range(N_INPUTS + 1)],
                               device, cfg, executor=ex)
    return CornCalibration(cfg, t, tuple(float(i) for i in currents), cal.i_threshold_a, it)


@dataclass(frozen=True)
class SweepRow:
    """One PROGRAM transient of the driver sweep (SI units)."""

    n_on: int
    i_shm_a: float       # mean SHM current over the PROGRAM window (transient)
    i_shm_op_a: float    # PROGRAM operating-point current (SHM as resistor)
    switched: bool       # final m_x < 0
    t_switch_s: float    # from PROGRAM start to m_x = 0 crossing (NaN if none)
    energy_j: float      # integral of Vsub * I(Vsub) over the PROGRAM window
    mx_after_preset: float


def _program_window(t, cfg):
    t0 = cfg.program_start_s
    t1 = t0 + cfg.program_s
    return t0, t1, (t >= t0) & (t <= t1)


def _integrate(t, y, t0, t1):
    """Integral of y dt from t0 to t1 (linear interpolation at the window edges)."""
    inside = (t > t0) & (t < t1)
    tt = np.concatenate([[t0], t[inside], [t1]])
    yy = np.concatenate([[np.interp(t0, t, y)], y[inside], [np.interp(t1, t, y)]])
    return float(np.sum(0.5 * (yy[1:] + yy[:-1]) * np.diff(tt)))


def _summarize(n_on, vec, i_op, cfg: DriverConfig) -> SweepRow:
    t, mx = vec["time"], vec["xbuf.mx"]
    t0, t1, _ = _program_window(t, cfg)
    i_shm = vec["v.xbuf.vshm#branch"]
    i_sup = -vec["vsub#branch"]  # current delivered by Vsub
    mean_i = _integrate(t, i_shm, t0, t1) / cfg.program_s
    energy = cfg.v_sub_v * _integrate(t, i_sup, t0, t1)
    after = t >= t0
    k = np.nonzero(after & (mx < 0))[0]
    t_sw = float(t[k[0]] - t0) if len(k) else float("nan")
    mx_pre = float(np.interp(t0, t, mx))
    return SweepRow(n_on, float(mean_i), float(i_op), bool(mx[-1] < 0), t_sw, energy, mx_pre)


def run_patterns(patterns: Sequence[Sequence[int]], device: M.SotDevice,
                 cfg: DriverConfig = PROGRAM_ONLY, *, executor=None, checkpoint=None,
                 stage: str = "driver", on_result=None) -> list[SweepRow]:
    """Transient (macromodel) + op for arbitrary 9-bit patterns; ``n_on`` = ones in each.

    ``on_result(index, vectors)`` is called as each transient finishes (progress)."""
    pats = [wd.pattern_bits(p) for p in patterns]
    with executor_scope(executor) as ex:
        i_op = op_currents(pats, device, cfg, executor=ex, checkpoint=checkpoint,
                           stage=f"{stage}:op")
        jobs = [ngspice.Job(wd.tran_netlist(p, device, cfg), None, wd.TRAN_VECTORS)
                for p in pats]
        out = ex.run_jobs(jobs, timeout_s=300, checkpoint=checkpoint, stage=f"{stage}:tran",
                          on_result=on_result)
    return [_summarize(sum(p), {k: np.asarray(v[k]) for k in wd.TRAN_VECTORS}, i, cfg)
            for p, v, i in zip(pats, out, i_op)]


def sweep(device: M.SotDevice | None = None, cfg: DriverConfig = PROGRAM_ONLY, *,
          counts: Sequence[int] = range(N_INPUTS + 1), executor=None, checkpoint=None,
          on_result=None) -> list[SweepRow]:
    """For each count n_on (default 0..9): PROGRAM current (transient mean and op), 0 K
    switching (final m_x < 0), time from PROGRAM start to m_x = 0, and supply energy
    Vsub * integral I(Vsub) dt over the PROGRAM window. ``device`` defaults to
    :func:`calibrate_buffer_device`."""
    with executor_scope(executor) as ex:
        device = calibrate_buffer_device(cfg=cfg, executor=ex) if device is None else device
        return run_patterns([wd.pattern_for_count(n) for n in counts], device, cfg,
                            executor=ex, checkpoint=checkpoint, on_result=on_result)


#: time step of the 300 K LLGS ensembles of :func:`driver_sweep` (s)
ENSEMBLE_DT_S = 1e-12


def _p_switch_chunk(item) -> dict:
    """Executor chunk: switching statistics of one count's write current at T > 0."""
    device, i_shm_a, pulse_s, runs, seed, temperature_k = item
    stats = switching.switch_ensemble(device, i_shm_a=i_shm_a, pulse_s=pulse_s, runs=runs,
                                      seed=seed, temperature_k=temperature_k,
                                      dt_s=ENSEMBLE_DT_S)
    return {"p_switch": stats.switched_fraction, "ci95": list(stats.ci95)}


def decision_error(n_on: int, p_ap: float, ci95=None):
    """(error, interval) of a count from P(cell ends in AP): P(AP) below five inputs,
    1 - P(AP) from five on."""
    if n_on >= 5:
        return 1.0 - p_ap, None if ci95 is None else (1.0 - ci95[1], 1.0 - ci95[0])
    return p_ap, None if ci95 is None else tuple(ci95)


def error_status(ci95, threshold: float = ERROR_THRESHOLD) -> str:
    """``"above"`` when the 95 % interval lies above ``threshold``, ``"below"`` when it
    lies at or below it, else ``"unresolved"`` (more trials needed to tell)."""
    lo, hi = ci95
    if lo > threshold:
        return "above"
    if hi <= threshold:
        return "below"
    return "unresolved"


@dataclass(frozen=True)
class DriverSweep:
    """Result of :func:`driver_sweep`: the transient rows and, at T > 0, the probability
    that the cell ends in AP per count, its interval and the decision error."""

    rows: tuple[SweepRow, ...]
    design: str
    pulse_program_s: float
    device: M.SotDevice
    temperature_k: float = 0.0
    runs: int = 0
    seed: int = 0
    pulse_s: float = 0.0
    p_switch: tuple[float, ...] = ()
    p_switch_ci95: tuple[tuple[float, float], ...] = ()
    error_threshold: float = ERROR_THRESHOLD
    energy_rule: str = ""
    extra: dict = field(default_factory=dict)

    def decision_errors(self) -> list[tuple[float, tuple[float, float]]]:
        """(error, 95 % interval) per row at T > 0; at 0 K 0 or 1 from the transient."""
        if self.temperature_k > 0:
            return [decision_error(r.n_on, p, c)
                    for r, p, c in zip(self.rows, self.p_switch, self.p_switch_ci95)]
        wrong = [float(r.switched != (r.n_on >= 5)) for r in self.rows]
        return [(e, (e, e)) for e in wrong]

    def to_dict(self) -> dict:
        """JSON-ready result (the ``spincim driver sweep --json`` keys)."""
        rows = self.rows
        # the JSON keys keep their contracted names (i_hm_a = the SHM current)
        out = {"n_on": [r.n_on for r in rows], "i_hm_a": [r.i_shm_a for r in rows],
               "i_hm_op_a": [r.i_shm_op_a for r in rows],
               "switched": [r.switched for r in rows],
               "t_switch_s": [r.t_switch_s for r in rows],
               "energy_j": [r.energy_j for r in rows],
               "program_s": self.pulse_program_s, "shm_thickness_m": self.device.shm.thickness_m,
               "design": self.design, "kind": designs.entry(self.design).kind,
               "energy_rule": self.energy_rule, "temperature_k": self.temperature_k,
               "error_threshold": self.error_threshold}
        errors = self.decision_errors()
        out["decision_error"] = [e for e, _ in errors]
        out["decision_error_ci95"] = [list(c) for _, c in errors]
        out["error_status"] = [error_status(c, self.error_threshold) for _, c in errors]
        if self.temperature_k > 0:
            out.update({"p_switch": list(self.p_switch),
                        "p_switch_ci95": [list(c) for c in self.p_switch_ci95],
                        "runs": self.runs, "seed": self.seed, "pulse_s": self.pulse_s})
        return out


def _threshold_rows(d: designs.ThresholdDesign, counts, ex, checkpoint, tick, calibrate):
    cfg = wd.program_only(d.driver)
    device = (calibrate_buffer_device(cfg=cfg, executor=ex, t0_m=d.shm_thickness_m)
              if calibrate else wd.buffer_device(0.0, thickness_m=d.shm_thickness_m))
    tick("calibration" if calibrate else "buffer cell")
    rows = run_patterns([wd.pattern_for_count(n) for n in counts], device, cfg,
                        executor=ex, checkpoint=checkpoint,
                        on_result=lambda index, _v: tick(f"n_on={counts[index]}"))
    return rows, device, cfg.program_s, ("Vsub x integral of I(Vsub) over the PROGRAM "
                                         "window (the nine NMOS' supply)")


def _decide_rows(d: designs.DecideDesign, counts, ex, checkpoint, tick):
    from ..netlists import majority_decide as md
    from . import decide

    device = wd.buffer_device(0.0, thickness_m=d.shm_thickness_m)
    tick("buffer cell")
    tech = d.tech_name
    out = decide.run_patterns(d, [wd.pattern_for_count(n) for n in counts], device,
                              executor=ex, checkpoint=checkpoint,
                              on_result=lambda index, _v: tick(f"n_on={counts[index]}"))
    r_shm = np.array([M.r_shm_ohm(device.shm)])
    ops = {}
    for to_ap in (True, False):
        text = md.write_dc_netlist(d.write, technology(tech), to_ap=to_ap, r_shm_ohm=r_shm,
                                   dvth=np.zeros((1, 2)))
        ops[to_ap] = float(ex.run_jobs([ngspice.Job(text, None, ("vhm#branch",))])[0]
                           ["vhm#branch"][0])
    rows = [SweepRow(r.n_on, r.i_shm_a, ops[r.n_on >= 5], r.switched, r.t_switch_s,
                     r.energy_j, r.mx_start) for r in out]
    return rows, device, d.write.pulse_s, ("every source (logic, inputs, controls, write "
                                           "supply) from valid inputs to the write end")


def driver_sweep(*, design: str = designs.DEFAULT_DESIGN, calibrate: bool = False,
                 temperature_k: float = 300.0, runs: int = 2000, seed: int = 0,
                 pulse_s: float | None = None, counts: Sequence[int] = range(N_INPUTS + 1),
                 error_threshold: float = ERROR_THRESHOLD, executor=None, checkpoint=None,
                 progress: Callable[[str], None] | None = None) -> DriverSweep:
    """The driver sweep of ``spincim driver sweep`` for the majority design ``design``.

    Per count: a transient with the LLGS macromodel (0 K dynamics): write current, 0 K
    outcome, switching time, energy. For a ``threshold`` design (CORN) the PROGRAM-only
    transient from P; for a ``decide`` design one decision and write from the state
    opposite to the majority. At ``temperature_k`` > 0 (default 300 K) also the
    probability that the cell ends in AP, from ``runs`` stochastic LLGS trajectories at
    each count's mean write current for ``pulse_s`` (default the design's write/PROGRAM
    width): P_sw for a PROGRAM (or a write towards AP), 1 - P_sw for a write towards P
    (the write from AP is the mirror image of the one from P). ``calibrate`` re-derives
    a threshold design's buffer cell instead of using its declared SHM thickness.
    ``progress(label)`` is called after the set-up, each transient and each ensemble.
    """
    limits.check_temperature_k("temperature_k", temperature_k)
    limits.check_count("runs", runs)
    if pulse_s is not None:
        limits.check_pulse_s("pulse_s", pulse_s)
    if not (math.isfinite(error_threshold) and 0 < error_threshold < 1):
        raise ParameterError("error_threshold", f"must be in (0, 1), got {error_threshold!r}")
    from . import checkpoint as ckpt
    from .. import __version__

    d = designs.design(design)
    tick = progress or (lambda _label: None)
    counts = [int(n) for n in counts]
    params = {"design": d, "calibrate": calibrate, "temperature_k": float(temperature_k),
              "runs": runs, "seed": seed, "pulse_s": pulse_s, "counts": counts,
              "spincim_version": __version__}
    with ckpt.checkpoint_scope(checkpoint, kind="driver sweep", parameters=params) as store, \
            executor_scope(executor) as ex:
        checkpoint = store
        if d.kind == "threshold":
            rows, device, width, rule = _threshold_rows(d, counts, ex, checkpoint, tick,
                                                        calibrate)
        else:
            rows, device, width, rule = _decide_rows(d, counts, ex, checkpoint, tick)
        base = DriverSweep(tuple(rows), design, width, device, energy_rule=rule,
                           error_threshold=error_threshold)
        if temperature_k <= 0:
            return base
        pulse = width if pulse_s is None else float(pulse_s)
        items = [(device, abs(r.i_shm_a), pulse, runs, seed, float(temperature_k))
                 for r in rows]
        stats = ex.map(_p_switch_chunk, items, checkpoint=checkpoint, stage="driver:p_switch",
                       on_result=lambda index, _v: tick(f"P_sw n_on={counts[index]}"))
    p_ap, ci_ap = [], []
    for r, st_ in zip(rows, stats):
        p, (lo, hi) = st_["p_switch"], tuple(st_["ci95"])
        towards_ap = d.kind == "threshold" or r.n_on >= 5
        p_ap.append(p if towards_ap else 1.0 - p)
        ci_ap.append((lo, hi) if towards_ap else (1.0 - hi, 1.0 - lo))
    return dataclasses.replace(base, temperature_k=float(temperature_k), runs=runs, seed=seed,
                               pulse_s=pulse, p_switch=tuple(p_ap), p_switch_ci95=tuple(ci_ap))

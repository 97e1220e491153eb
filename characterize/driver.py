"""CORN's majority write driver as an experiment: currents, calibration, sweeps.

The circuits are :mod:`spincim.netlists.write_driver` (nine NMOS into the buffer cell);
everything here runs them on the one runner (:mod:`.executor`):

* :func:`op_currents` -- PROGRAM current per input pattern (``op``, SHM as a resistor);
* :func:`calibrate_buffer_device` -- the buffer cell's one calibrated number (its SHM
  thickness) so that the 0 K reversal current lies between 4 and 5 NMOS on (CORN IV-B);
* :func:`run_patterns` / :func:`sweep` -- PRESET/PROGRAM transients with the LLGS
  macromodel: current, 0 K switching, switching time and energy per input count;
* :func:`driver_sweep` -- the ``spincim driver sweep`` experiment: the transient sweep
  plus, at T > 0, the switching probability of each count's current from the stochastic
  LLGS ensemble (one executor chunk per count).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .. import limits
from ..devices import mtj as M
from ..devices import switching
from ..errors import ParameterError
from ..netlists import ngspice
from ..netlists import write_driver as wd
from ..netlists.write_driver import N_INPUTS, PROGRAM_ONLY, DriverConfig
from .executor import executor_scope

__all__ = ["op_currents", "Calibration", "calibrate_buffer_device", "SweepRow",
           "run_patterns", "sweep", "DriverSweep", "driver_sweep"]


def op_currents(patterns: Sequence[Sequence[int]], device: M.SotDevice,
                cfg: DriverConfig = DriverConfig(), *, executor=None, checkpoint=None,
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
                            cfg: DriverConfig = DriverConfig(), *,
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
    """Executor chunk: switching statistics of one count's PROGRAM current at T > 0."""
    device, i_shm_a, pulse_s, runs, seed, temperature_k = item
    stats = switching.switch_ensemble(device, i_shm_a=i_shm_a, pulse_s=pulse_s, runs=runs,
                                      seed=seed, temperature_k=temperature_k,
                                      dt_s=ENSEMBLE_DT_S)
    return {"p_switch": stats.switched_fraction, "ci95": list(stats.ci95)}


@dataclass(frozen=True)
class DriverSweep:
    """Result of :func:`driver_sweep`: the transient rows and, at T > 0, P_sw per count."""

    rows: tuple[SweepRow, ...]
    cfg: DriverConfig
    device: M.SotDevice
    temperature_k: float = 0.0
    runs: int = 0
    seed: int = 0
    pulse_s: float = 0.0
    p_switch: tuple[float, ...] = ()
    p_switch_ci95: tuple[tuple[float, float], ...] = ()
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready result (the ``spincim driver sweep --json`` keys)."""
        rows = self.rows
        # the JSON keys keep their contracted names (i_hm_a = the SHM current)
        out = {"n_on": [r.n_on for r in rows], "i_hm_a": [r.i_shm_a for r in rows],
               "i_hm_op_a": [r.i_shm_op_a for r in rows],
               "switched": [r.switched for r in rows],
               "t_switch_s": [r.t_switch_s for r in rows],
               "energy_j": [r.energy_j for r in rows],
               "program_s": self.cfg.program_s, "shm_thickness_m": self.device.shm.thickness_m}
        if self.temperature_k > 0:
            out.update({"p_switch": list(self.p_switch),
                        "p_switch_ci95": [list(c) for c in self.p_switch_ci95],
                        "temperature_k": self.temperature_k, "runs": self.runs,
                        "seed": self.seed, "pulse_s": self.pulse_s})
        return out


def driver_sweep(*, calibrate: bool = False, temperature_k: float = 0.0, runs: int = 2000,
                 seed: int = 0, pulse_s: float | None = None,
                 counts: Sequence[int] = range(N_INPUTS + 1), executor=None,
                 checkpoint=None, progress: Callable[[str], None] | None = None) -> DriverSweep:
    """The driver sweep of ``spincim driver sweep``: PROGRAM transients per count and, at
    ``temperature_k`` > 0, P_sw of each count's mean PROGRAM current (``runs`` stochastic
    LLGS trajectories, ``pulse_s`` default the PROGRAM width). ``calibrate`` re-derives
    the buffer cell instead of using :data:`write_driver.BUFFER_SHM_THICKNESS_M`.
    ``progress(label)`` is called after the calibration, each transient and each ensemble.
    """
    limits.check_temperature_k("temperature_k", temperature_k)
    limits.check_count("runs", runs)
    if pulse_s is not None:
        limits.check_pulse_s("pulse_s", pulse_s)
    cfg = PROGRAM_ONLY
    tick = progress or (lambda _label: None)
    with executor_scope(executor) as ex:
        device = (calibrate_buffer_device(cfg=cfg, executor=ex) if calibrate
                  else wd.buffer_device(temperature_k=0.0))
        tick("calibration" if calibrate else "buffer cell")
        rows = run_patterns([wd.pattern_for_count(n) for n in counts], device, cfg,
                            executor=ex, checkpoint=checkpoint,
                            on_result=lambda index, _v: tick(f"n_on={counts[index]}"))
        if temperature_k <= 0:
            return DriverSweep(tuple(rows), cfg, device)
        pulse = cfg.program_s if pulse_s is None else float(pulse_s)
        items = [(device, r.i_shm_a, pulse, runs, seed, float(temperature_k)) for r in rows]
        stats = ex.map(_p_switch_chunk, items, checkpoint=checkpoint, stage="driver:p_switch",
                       on_result=lambda index, _v: tick(f"P_sw n_on={counts[index]}"))
    return DriverSweep(tuple(rows), cfg, device, temperature_k=float(temperature_k),
                       runs=runs, seed=seed, pulse_s=pulse,
                       p_switch=tuple(s["p_switch"] for s in stats),
                       p_switch_ci95=tuple(tuple(s["ci95"]) for s in stats))

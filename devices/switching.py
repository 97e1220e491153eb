"""Switching experiments on the macrospin: probabilities, times, 0 K thresholds.

Built on :mod:`spincim.devices.llg`; used by ``spincim llg switch`` and the tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .. import limits
from ..errors import ParameterError
from . import llg
from . import mtj as M


#: relaxation before a 300 K pulse: about 2.4 time constants 1/(alpha gamma0 (H_y+H_z)/2)
#: of the default layer (0.84 ns), so <m_y^2> is within 1 % of equilibrium
SETTLE_S = 2e-9


def rms_thermal_tilt_rad(device: M.SotDevice, temperature_k: float = 300.0) -> float:
    """RMS thermal angle from the easy axis, 1/sqrt(2 Delta) at ``temperature_k``.

    The initial tilt of a deterministic (0 K) run: the typical angle the moment
    sits at before a pulse (J. Z. Sun, PRB 62, 570 (2000), Sec. III).
    """
    dev = device.replace(temperature_k=temperature_k)
    return 1.0 / math.sqrt(2.0 * M.thermal_stability(dev))


def tilted_state(tilt_rad: float, toward_ap: bool = False) -> np.ndarray:
    """Unit vector tilted in-plane (toward +y) by ``tilt_rad`` from +x (or from -x)."""
    mx = -math.cos(tilt_rad) if toward_ap else math.cos(tilt_rad)
    return np.array([mx, math.sin(tilt_rad), 0.0])


@dataclass(frozen=True)
class SwitchStats:
    """Summary of an ensemble switching run (SI)."""

    runs: int
    switched: int
    switched_fraction: float
    ci95: tuple[float, float]
    t_switch_s_median: float
    wall_s: float
    trajectories_per_s: float


def binomial_ci95(k: int, n: int) -> tuple[float, float]:
    """Clopper-Pearson 95 % interval of a binomial proportion k/n."""
    lo = 0.0 if k == 0 else float(stats.beta.ppf(0.025, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.ppf(0.975, k + 1, n - k))
    return lo, hi


#: time step of the LLGS ensembles when none is asked for (s)
DEFAULT_DT_S = 1e-12


def default_dt_s(device: M.SotDevice, i_shm_a: float) -> float:
    """:data:`DEFAULT_DT_S`, or the largest stable step at ``i_shm_a`` when smaller (s)."""
    co = llg.coefficients(device, 1, temperature_k=0.0)
    return min(DEFAULT_DT_S, llg.stable_dt_s(co, i_shm_a=i_shm_a))


def switch_ensemble(device: M.SotDevice, *, i_shm_a: float, pulse_s: float, runs: int,
                    seed: int | None = None, temperature_k: float | None = None,
                    dt_s: float = 1e-12, tilt_rad: float | None = None,
                    backend: str = "numba", workers: int | None = None,
                    settle_s: float = SETTLE_S, progress=None) -> SwitchStats:
    """Apply one SHM pulse to ``runs`` copies of the P state; count reversals.

    At T > 0 every run starts at +x and first relaxes without current for ``settle_s``,
    so the pulse meets the thermal-equilibrium distribution of the P well; at T = 0 the
    start is tilted in-plane by ``tilt_rad`` (default: the 300 K rms angle).
    """
    limits.check_count("runs", runs)
    limits.check_current_a("i_shm_a", i_shm_a)
    limits.check_pulse_s("pulse_s", pulse_s)
    limits.check_dt_s("dt_s", dt_s)
    limits.check_steps("pulse_s / dt_s", pulse_s + settle_s, dt_s)
    t_k = device.temperature_k if temperature_k is None else temperature_k
    limits.check_temperature_k("temperature_k", t_k)
    co = llg.coefficients(device, runs, temperature_k=t_k)
    tilt = rms_thermal_tilt_rad(device) if tilt_rad is None else tilt_rad
    res = pulse_from_p(co, i_shm_a=i_shm_a, pulse_s=pulse_s, seed=seed, tilt_rad=tilt,
                       dt_s=dt_s, backend=backend, workers=workers, settle_s=settle_s,
                       progress=progress)
    k = int(res.switched.sum())
    t_med = float(np.median(res.t_switch_s[res.switched])) if k else math.nan
    return SwitchStats(runs=runs, switched=k, switched_fraction=k / runs,
                       ci95=binomial_ci95(k, runs), t_switch_s_median=t_med,
                       wall_s=res.wall_s, trajectories_per_s=runs / max(res.wall_s, 1e-12))


def pulse_from_p(co: llg.LlgCoefficients, *, i_shm_a, pulse_s: float, seed, tilt_rad: float,
                 dt_s: float = 1e-12, backend: str = "numba", workers: int | None = None,
                 settle_s: float = SETTLE_S, progress=None) -> llg.LlgResult:
    """One SHM pulse on spins starting in P; ``co`` may differ spin by spin.

    Thermal spins (``co.thermal_d > 0``) start at +x and relax for ``settle_s`` without
    current; athermal ones start tilted in-plane by ``tilt_rad``. The settle and the
    pulse draw from two generators spawned from ``seed``.
    """
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    settle_seed, pulse_seed = root.spawn(2)
    common = dict(dt_s=dt_s, backend=backend, workers=workers, progress=progress)
    if np.any(co.thermal_d > 0):
        m0 = np.array([1.0, 0.0, 0.0])
        if settle_s > 0:
            m0 = llg.simulate(co, m0=m0, pulse_s=settle_s, seed=settle_seed, **common).m_final
    else:
        m0 = tilted_state(tilt_rad)
    return llg.simulate(co, m0=m0, i_shm_a=i_shm_a, pulse_s=pulse_s, seed=pulse_seed, **common)


def switching_time_0k(device: M.SotDevice, i_shm_a: float, *, max_s: float = 50e-9,
                      dt_s: float = 1e-12, tilt_rad: float | None = None) -> float:
    """0 K time for m_x to pass -0.9 under a constant SHM current (s); NaN if never."""
    co = llg.coefficients(device, 1, temperature_k=0.0)
    tilt = rms_thermal_tilt_rad(device) if tilt_rad is None else tilt_rad
    res = llg.simulate(co, m0=tilted_state(tilt), i_shm_a=i_shm_a, pulse_s=max_s, dt_s=dt_s)
    return float(res.t_switch_s[0])


def reversal_threshold_0k(device: M.SotDevice, *, pulse_s: float, lo_a: float | None = None,
                          hi_a: float | None = None, rel_tol: float = 1e-3,
                          dt_s: float = 1e-12, tilt_rad: float | None = None) -> float:
    """Smallest SHM current that reverses the P state within ``pulse_s`` at 0 K (A).

    Bisection on the deterministic solver between ``lo_a`` (default Ic0) and ``hi_a``
    (default 3 Ic0); each step runs many currents at once as one ensemble.
    """
    ic0 = M.critical_current_a(device)
    lo = ic0 if lo_a is None else lo_a
    hi = 3 * ic0 if hi_a is None else hi_a
    tilt = rms_thermal_tilt_rad(device) if tilt_rad is None else tilt_rad
    m0 = tilted_state(tilt)
    n_grid = 16
    while (hi - lo) > rel_tol * hi:
        currents = np.linspace(lo, hi, n_grid)
        co = llg.coefficients(device, n_grid, temperature_k=0.0)
        res = llg.simulate(co, m0=m0, i_shm_a=currents, pulse_s=pulse_s, dt_s=dt_s)
        ok = res.switched
        if not ok[-1]:
            raise ParameterError("hi_a", f"{hi:.4g} A does not reverse the state in {pulse_s} s")
        first = int(np.argmax(ok))
        if first == 0:
            return float(currents[0])
        lo, hi = float(currents[first - 1]), float(currents[first])
    return hi

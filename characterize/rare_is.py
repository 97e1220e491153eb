"""Write error rate by importance sampling of the thermal field (one batch at a time).

The sampler is :func:`spincim.devices.rare_paths.is_paths`: the y/z thermal-field normals
of every step are shifted by the linear-feedback control of
:func:`~spincim.devices.rare_paths.energy_control_gains` and the exact likelihood ratio of
the discrete chain is carried along, so ``mean(w 1[not switched])`` is unbiased for the
write error rate of the very chain brute force runs (same Heun step, same settle, same
switching criterion as :func:`spincim.devices.switching.switch_ensemble`).

The control steers toward an exponential window ``exp(-e / 2w)`` of the well energy
``e`` (normalized to 1 at the saddle) at ``T1 = T - t_free`` and is off for the last
``t_free`` of the pulse. Why not up to the end: a write fails whenever the spin has not
crossed m_x = -0.9 at ``T``, and close to ``T`` that includes large, nonlinear orbits; an
exponential window cannot match that set (the weights ``exp(e/2w)`` of paths ending far
out have infinite variance). ``t_free`` a few growth times ``1/(2 lambda)`` before the end, the failing set
at ``T1`` is a small, still linear neighbourhood of the axis, and the last stretch runs
with the natural noise. The window ``w`` and ``t_free`` are picked per point from a small
pilot grid by the lowest relative variance of the weights (:func:`tune`); the pilot
paths are not reused, so the choice does not bias the estimate.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass

import numpy as np

from ..devices import llg, rare_paths
from ..devices.mtj import SotDevice
from ..devices.switching import SETTLE_S
from ..errors import ParameterError

__all__ = ["WerPoint", "growth_rate_per_s", "gains_for", "batch", "tune", "PILOT_WINDOWS",
           "PILOT_FREE_GROWTH_TIMES", "PILOT_PATHS"]

#: pilot grid: Gaussian windows of the well energy (1 = saddle) ...
PILOT_WINDOWS = (0.1, 0.2, 0.4)
#: ... and uncontrolled tails in growth times 1/(2 lambda)
PILOT_FREE_GROWTH_TIMES = (2.5, 3.5)
#: paths per pilot candidate
PILOT_PATHS = 1024


@dataclass(frozen=True, kw_only=True)
class WerPoint:
    """One write (SI): device, SHM current, pulse, settle before it, time step."""

    device: SotDevice
    i_shm_a: float
    pulse_s: float
    settle_s: float = SETTLE_S
    dt_s: float = 1e-12

    def __post_init__(self) -> None:
        for name in ("i_shm_a", "pulse_s", "dt_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not (isinstance(value, (int, float))
                                               and math.isfinite(value) and value > 0):
                raise ParameterError(name, f"must be finite and > 0, got {value!r}")
        if not (isinstance(self.settle_s, (int, float)) and math.isfinite(self.settle_s)
                and self.settle_s >= 0):
            raise ParameterError("settle_s", f"must be finite and >= 0, got {self.settle_s!r}")
        if self.device.temperature_k <= 0:
            raise ParameterError("temperature_k", "a write error rate needs T > 0")

    @property
    def settle_steps(self) -> int:
        return int(round(self.settle_s / self.dt_s))

    @property
    def pulse_steps(self) -> int:
        return int(round(self.pulse_s / self.dt_s))

    @property
    def steps(self) -> int:
        return self.settle_steps + self.pulse_steps


def growth_rate_per_s(point: WerPoint) -> float:
    """Growth rate lambda of the transverse amplitude in the P well under the pulse
    (1/s; <= 0 when the current does not destabilize P)."""
    co = llg.coefficients(point.device, 1)
    a_mat, _ = rare_paths.transverse_linearization(co, s0=1.0, i_shm_a=point.i_shm_a)
    return float(np.max(np.linalg.eigvals(a_mat).real))


@functools.lru_cache(maxsize=16)
def gains_for(point: WerPoint, window_e: float, free_steps: int) -> np.ndarray:
    """Control gains of ``point``: window ``window_e`` at T - ``free_steps``, then off."""
    co = llg.coefficients(point.device, 1)
    free = min(int(free_steps), point.pulse_steps)
    if window_e <= 0:  # plain sampling (brute force through the same kernel)
        return np.zeros((point.steps, 4))
    phases = [(point.settle_steps, 0.0, 0.0), (point.pulse_steps - free, point.i_shm_a, 0.0)]
    controlled = rare_paths.energy_control_gains(co, s0=1.0, phases=phases,
                                                 dt_s=point.dt_s, window_e=window_e)
    return np.vstack([controlled, np.zeros((free, 4))])


def batch(item) -> dict:
    """One batch of paths: ``(point, window_e, free_steps, n_paths, SeedSequence, workers)``.

    ``window_e = 0`` runs plain (brute-force) paths. Returns sums of the weights of the
    failed writes (plain data, combined by :func:`spincim.characterize.rare.combine`).
    """
    point, window_e, free_steps, n_paths, seed, workers = item
    gains = gains_for(point, window_e, free_steps)
    co = llg.coefficients(point.device, n_paths)
    start = time.perf_counter()
    res = rare_paths.is_paths(co, s0=1.0, i_shm_a=point.i_shm_a,
                              settle_steps=point.settle_steps,
                              pulse_steps=point.pulse_steps, dt_s=point.dt_s, gains=gains,
                              seed=seed, workers=workers)
    failed = res.hit_step < 0
    w = np.where(failed, np.exp(res.log_w), 0.0)
    return {"n": int(n_paths), "events": int(failed.sum()), "sum_w": float(w.sum()),
            "sum_w2": float(np.sum(w * w)), "max_w": float(w.max()),
            "spin_steps": int(n_paths) * point.steps,
            "wall_s": time.perf_counter() - start}


def tune(point: WerPoint, *, seed: np.random.SeedSequence, workers: int | None = None,
         pilot_paths: int = PILOT_PATHS) -> dict:
    """Pick (window, free tail) of the pilot grid with the lowest weight variance.

    Returns the choice, the pilot table and its cost (spin-steps, wall time).
    """
    lam = growth_rate_per_s(point)
    if lam <= 0:
        raise ParameterError("i_shm_a", f"{point.i_shm_a:.4g} A does not destabilize the P "
                             "state: the write fails typically, use brute force")
    growth_steps = 1.0 / (2.0 * lam * point.dt_s)
    seeds = seed.spawn(len(PILOT_WINDOWS) * len(PILOT_FREE_GROWTH_TIMES))
    rows, steps, wall, k = [], 0, 0.0, 0
    for window in PILOT_WINDOWS:
        for tail in PILOT_FREE_GROWTH_TIMES:
            free = min(int(round(tail * growth_steps)), point.pulse_steps)
            out = batch((point, window, free, pilot_paths, seeds[k], workers))
            k += 1
            steps += out["spin_steps"]
            wall += out["wall_s"]
            mean = out["sum_w"] / out["n"]
            rel_var = (out["sum_w2"] / out["n"] / mean**2 - 1.0) if mean > 0 else math.inf
            ess = out["sum_w"] ** 2 / out["sum_w2"] if out["sum_w2"] > 0 else 0.0
            rows.append({"window_e": window, "free_steps": free, "p": mean,
                         "rel_var": rel_var, "ess": ess, "events": out["events"]})
    usable = [r for r in rows if r["events"] >= 10 and math.isfinite(r["rel_var"])]
    if not usable:
        raise ParameterError("pulse_s", "no pilot of the importance sampler saw a failed "
                             "write: the point is outside the sampler's range")
    best = min(usable, key=lambda r: r["rel_var"])
    return {"window_e": best["window_e"], "free_steps": best["free_steps"],
            "growth_rate_per_s": lam, "pilot": rows, "pilot_spin_steps": steps,
            "pilot_wall_s": wall}

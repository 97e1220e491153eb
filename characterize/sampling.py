"""Seeded Monte Carlo sampling: chunked seeds and device / transistor variation draws.

Work is split into fixed-size chunks, each with its own generator spawned from one
root ``SeedSequence``; a chunk's draws depend only on (root seed, chunk index), so the
result never depends on how many workers process the chunks or in which order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError

#: default trials per chunk (one unit of work for a worker)
CHUNK_TRIALS = 2000


@dataclass(frozen=True)
class Chunk:
    """One unit of seeded work: trials ``start .. start + size`` of the run."""

    index: int
    start: int
    size: int
    seed: np.random.SeedSequence

    def rng(self) -> np.random.Generator:
        """The chunk's own generator."""
        return np.random.Generator(np.random.PCG64(self.seed))


def chunks(n_trials: int, seed: int, chunk_trials: int = CHUNK_TRIALS) -> list[Chunk]:
    """Split ``n_trials`` into seeded chunks (the last one may be smaller)."""
    if isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 1:
        raise ParameterError("trials", f"must be a positive integer, got {n_trials!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParameterError("seed", f"must be a non-negative integer, got {seed!r}")
    if chunk_trials < 1:
        raise ParameterError("chunk_trials", "must be >= 1")
    n_chunks = math.ceil(n_trials / chunk_trials)
    seeds = np.random.SeedSequence(seed).spawn(n_chunks)
    return [Chunk(i, i * chunk_trials, min(chunk_trials, n_trials - i * chunk_trials), s)
            for i, s in enumerate(seeds)]


def relative_normal(rng: np.random.Generator, mean: float, sigma_rel: float,
                    shape) -> np.ndarray:
    """Draws of N(mean, (sigma_rel * mean)^2); ``sigma_rel = 0`` returns the mean exactly.

    Non-positive draws (beyond ~20 sigma for the IMCE spreads) are refused rather than
    silently clipped.
    """
    if not math.isfinite(sigma_rel) or sigma_rel < 0:
        raise ParameterError("sigma", f"must be finite and >= 0, got {sigma_rel!r}")
    if sigma_rel == 0:
        return np.full(shape, float(mean))
    x = mean * (1.0 + sigma_rel * rng.standard_normal(shape))
    if np.any(x <= 0):
        raise ParameterError("sigma", f"relative sigma {sigma_rel} gives non-positive draws")
    return x

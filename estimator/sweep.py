"""Design-space sweeps: every combination of architecture keys, priced with LUT lookups only.

``spincim estimate --sweep rows=128,256,512 --sweep bits=1:1,1:2`` builds the cartesian
product of the values, re-checks the description at each point (a value of the wrong type
is an error naming the key before anything runs) and prices every point with one shared
:class:`~spincim.estimator.energy.Pricer` per LUT (cached lookups). A combination the
organization cannot hold (e.g. a window larger than an array) is kept with its error and
left out of the Pareto front.
"""

from __future__ import annotations

import itertools
import math
import re
import time
from dataclasses import dataclass

from spincim.errors import ParameterError
from spincim.estimator.arch import KEY_ALIASES, get_arch, with_overrides
from spincim.estimator.energy import Estimate, estimate, resolve_lut
from spincim.estimator.networks import get_network

__all__ = ["SweepPoint", "SweepResult", "parse_sweep", "run_sweep", "pareto_front",
           "MAX_POINTS"]

#: largest number of design points one sweep may hold
MAX_POINTS = 100_000
_INT = re.compile(r"[+-]?\d{1,12}")
_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?")


def _value(text: str):
    """One sweep value: integer, number, true/false or text (e.g. "1:2", "all")."""
    t = text.strip()
    if _INT.fullmatch(t):
        return int(t)
    if _FLOAT.fullmatch(t):
        return float(t)
    if t in ("true", "false"):
        return t == "true"
    return t


def parse_sweep(specs) -> dict:
    """``["rows=128,256", "bits=1:1,1:2"]`` -> {"array.rows": [128, 256], ...}."""
    out: dict = {}
    for spec in specs:
        key, sep, values = str(spec).partition("=")
        key = key.strip()
        if not sep or not key or not values.strip():
            raise ParameterError("sweep", f"expected KEY=V1,V2,... got {spec!r}"[:200])
        key = KEY_ALIASES.get(key, key)
        if key in out:
            raise ParameterError(f"sweep.{key}"[:120], "given twice")
        parts = [v for v in values.split(",")]
        if any(not p.strip() for p in parts):
            raise ParameterError(f"sweep.{key}"[:120], f"empty value in {values!r}"[:200])
        out[key] = [_value(p) for p in parts]
    return out


@dataclass(frozen=True)
class SweepPoint:
    """One design point: its key values and the estimate's headline figures (or error)."""

    params: dict
    energy_j: float = math.nan
    latency_s: float = math.nan
    interval_s: float = math.nan
    area_m2: float = math.nan
    error: str = ""
    #: the larger write voltage of the array's column (``Estimate.write_path``) and whether
    #: it exceeds VDD; None for a LUT without ``write_column``
    write_v: float | None = None
    write_above_vdd: bool | None = None

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass(frozen=True)
class SweepResult:
    network: str
    arch: str
    keys: tuple
    points: tuple
    pareto: tuple         # indices into points: non-dominated in (energy, latency)
    wall_s: float
    lut: dict

    def to_json(self) -> dict:
        front = set(self.pareto)
        return {
            "network": self.network, "arch": self.arch, "keys": list(self.keys),
            "points": [{"params": p.params, "energy_per_image_j": p.energy_j,
                        "latency_per_image_s": p.latency_s, "image_interval_s": p.interval_s,
                        "area_m2": p.area_m2,
                        "images_per_s_per_w": 1.0 / p.energy_j if p.ok and p.energy_j > 0
                        else None,
                        "write_v": p.write_v, "write_above_vdd": p.write_above_vdd,
                        "pareto": k in front, **({"error": p.error} if p.error else {})}
                       for k, p in enumerate(self.points)],
            "pareto": list(self.pareto), "n_points": len(self.points),
            "n_failed": sum(not p.ok for p in self.points),
            "n_write_above_vdd": sum(bool(p.write_above_vdd) for p in self.points),
            "wall_s": self.wall_s,
            "lut": self.lut,
        }


def pareto_front(energy, latency) -> list[int]:
    """Indices of the points no other point dominates (<= in both, < in one), minimizing
    energy and latency; NaN points are never on the front."""
    idx = [k for k in range(len(energy))
           if math.isfinite(energy[k]) and math.isfinite(latency[k])]
    idx.sort(key=lambda k: (energy[k], latency[k]))
    front, best_t = [], math.inf
    k = 0
    while k < len(idx):                        # equal energies: one group
        j = k
        while j < len(idx) and energy[idx[j]] == energy[idx[k]]:
            j += 1
        t_min = latency[idx[k]]
        if t_min < best_t:
            front += [i for i in idx[k:j] if latency[i] == t_min]
            best_t = t_min
        k = j
    return sorted(front)


def _check_values(arch, grid: dict) -> None:
    """Every value of every key must make a valid description on its own."""
    for key, values in grid.items():
        for v in values:
            try:
                with_overrides(arch, {key: v})
            except ParameterError as exc:
                raise ParameterError(f"--sweep {exc.field}"[:120], exc.message) from None


def run_sweep(network, arch, specs, *, overrides=None, lut_path=None) -> SweepResult:
    """Price every combination of ``specs`` (``["key=v1,v2", ...]`` or a parsed dict)."""
    t0 = time.perf_counter()
    net = get_network(network)
    base = with_overrides(get_arch(arch), dict(overrides or {}))
    grid = specs if isinstance(specs, dict) else parse_sweep(specs)
    if not grid:
        raise ParameterError("sweep", "give at least one KEY=V1,V2,...")
    n = math.prod(len(v) for v in grid.values())
    if n > MAX_POINTS:
        raise ParameterError("sweep", f"{n} design points; at most {MAX_POINTS}")
    _check_values(base, grid)
    keys = tuple(grid)
    pricers: dict = {}
    points = []
    for combo in itertools.product(*grid.values()):
        params = dict(zip(keys, combo))
        try:
            a = with_overrides(base, params)
            path = str(lut_path) if lut_path is not None else f"{a.base_dir}|{a.lut}"
            if path not in pricers:
                pricers[path] = resolve_lut(a, lut_path)
            est: Estimate = estimate(net, a, pricer=pricers[path])
        except ParameterError as exc:
            points.append(SweepPoint(params, error=str(exc)))
            continue
        wp = est.write_path
        points.append(SweepPoint(params, est.energy_per_image_j, est.latency_per_image_s,
                                 est.image_interval_s, est.area_m2,
                                 write_v=None if wp is None else max(
                                     wp["v_write_p_to_ap_v"], wp["v_write_ap_to_p_v"]),
                                 write_above_vdd=None if wp is None else wp["above_vdd"]))
    if all(not p.ok for p in points):
        raise ParameterError("sweep", f"no design point is feasible; first: "
                                      f"{points[0].error}"[:300])
    front = pareto_front([p.energy_j for p in points], [p.latency_s for p in points])
    luts = [{"path": p.path, "sha256": p.sha256} for p in pricers.values()]
    return SweepResult(net.name, base.name, keys, tuple(points), tuple(front),
                       time.perf_counter() - t0, luts[0] if len(luts) == 1 else luts)


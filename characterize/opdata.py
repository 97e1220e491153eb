"""Plain data for characterized operations: what the LUT builder stores.

Characterization functions return :class:`OpCharacterization` (energy and latency over
named axes) and :class:`AreaItem`; ``lut/`` turns them into HDF5 tables. Nothing here
imports h5py or runs a simulator.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class AxisSpec:
    """One named axis of a characterization grid (SI values)."""

    name: str          # e.g. "vdd_v", "temperature_k", "rows", "n_on"
    values: tuple      # grid values, increasing
    units: str         # "V", "K", "1"
    nominal: float | None = None


#: the temperature every op is quoted at unless asked otherwise (K): room temperature
NOMINAL_TEMPERATURE_K = 300.0


def vdd_spec(nominal_v: float, quick: bool, vdd_values=None) -> AxisSpec:
    """``vdd_v`` axis of a characterization: ``vdd_values``, or the nominal and +-10 %;
    only the nominal with ``quick``."""
    if quick:
        vdd_values = (nominal_v,)
    elif vdd_values is None:
        vdd_values = (0.9 * nominal_v, nominal_v, 1.1 * nominal_v)
    vals = tuple(sorted(round(float(v), 9) for v in vdd_values))
    return AxisSpec("vdd_v", vals, "V", nominal=nominal_v)


def temperature_spec(temperatures_k, quick: bool) -> AxisSpec:
    """``temperature_k`` axis of a characterization: the grid's temperatures, or with
    ``quick`` the one nearest :data:`NOMINAL_TEMPERATURE_K`. Its nominal is 300 K when the
    axis spans it, else the axis point nearest it (a grid of 250 K only is quoted at 250 K)."""
    vals = tuple(sorted(float(t) for t in temperatures_k))

    def nearest(values):
        return min(values, key=lambda t: abs(t - NOMINAL_TEMPERATURE_K))
    if quick:
        vals = (nearest(vals),)
    nominal = NOMINAL_TEMPERATURE_K if vals[0] <= NOMINAL_TEMPERATURE_K <= vals[-1] \
        else nearest(vals)
    return AxisSpec("temperature_k", vals, "K", nominal)


@dataclass(frozen=True)
class OpCharacterization:
    """Energy (J) and latency (s) of one operation over ``axes`` (array shapes match).

    ``netlist_sha256`` maps a short netlist name to the sha256 of the text simulated, for
    provenance; ``criterion`` states how energy and latency were measured;
    ``calibration`` holds the results of the calibrations the op depended on (JSON-ready,
    SI keys), for the LUT's provenance.
    """

    op: str
    axes: tuple[AxisSpec, ...]
    energy_j: np.ndarray
    latency_s: np.ndarray
    description: str
    criterion: str
    netlist_sha256: dict = field(default_factory=dict)
    calibration: dict = field(default_factory=dict)


@dataclass(frozen=True)
class AreaItem:
    """Area of one component (m^2) with its layout rule and source."""

    component: str
    area_m2: float
    description: str


def sha256_text(text: str) -> str:
    """sha256 of a netlist text (provenance)."""
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def integrate_power_j(t_s: np.ndarray, p_w: np.ndarray, t0_s: float, t1_s: float) -> float:
    """Energy of a power waveform over [t0, t1] by the trapezoid rule on the samples (J)."""
    t = np.asarray(t_s, float)
    p = np.asarray(p_w, float)
    inside = (t >= t0_s) & (t <= t1_s)
    tt = np.concatenate([[t0_s], t[inside], [t1_s]])
    pp = np.concatenate([[np.interp(t0_s, t, p)], p[inside], [np.interp(t1_s, t, p)]])
    return float(np.trapezoid(pp, tt))

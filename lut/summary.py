"""Human- and tool-facing views of a LUT: nominal summary, differences, CSV table."""

from __future__ import annotations

import csv
import io as _io
import math

import numpy as np

from . import interp, schema


def _nominal_coords(lut: schema.Lut, op: schema.OpTable) -> dict[str, float]:
    """Nominal coordinate of each of the op's axes (the first grid value if none)."""
    coords = {}
    for name in op.axes:
        axis = lut.axes[name]
        coords[name] = axis.nominal if axis.nominal is not None else float(axis.values[0])
    return coords


def nominal_values(lut: schema.Lut) -> dict[str, dict]:
    """Energy and latency of every op at nominal conditions (axes without a nominal at
    their first grid point), with the coordinates used."""
    out = {}
    for name, op in sorted(lut.ops.items()):
        coords = _nominal_coords(lut, op)
        out[name] = {"energy_j": interp.value(lut, name, "energy_j", **coords),
                     "latency_s": interp.value(lut, name, "latency_s", **coords),
                     "at": coords, "axes": list(op.axes), "description": op.description}
    return out


def summary(lut: schema.Lut) -> dict:
    """JSON-ready: provenance, axes, ops at nominal conditions, areas, Monte Carlo."""
    return {"technology": lut.technology,
            "provenance": {k: v for k, v in lut.provenance.items()},
            "axes": {n: {"values": a.values.tolist(), "units": a.units, "nominal": a.nominal}
                     for n, a in lut.axes.items()},
            "ops": nominal_values(lut),
            "areas": {n: {"area_m2": a.area_m2, "description": a.description}
                      for n, a in lut.areas.items()},
            "mc": {n: dict(m.attrs) for n, m in lut.mc.items()}}


def diff(a: schema.Lut, b: schema.Lut) -> dict:
    """Relative differences (b - a) / a of every op both LUTs have, on shared grid points.

    Per op and quantity: max and median |relative difference| over the points whose
    coordinates exist in both; ops present in one LUT only are listed.
    """
    out = {"only_in_a": sorted(set(a.ops) - set(b.ops)),
           "only_in_b": sorted(set(b.ops) - set(a.ops)), "ops": {}}
    for name in sorted(set(a.ops) & set(b.ops)):
        oa, ob = a.ops[name], b.ops[name]
        if oa.axes != ob.axes:
            out["ops"][name] = {"error": f"different axes {oa.axes} vs {ob.axes}"}
            continue
        idx_a, idx_b = [], []
        for ax in oa.axes:
            va, vb = a.axes[ax].values, b.axes[ax].values
            common = np.intersect1d(va, vb)
            idx_a.append(np.searchsorted(va, common))
            idx_b.append(np.searchsorted(vb, common))
        entry = {}
        for q in ("energy_j", "latency_s"):
            xa = getattr(oa, q)[np.ix_(*idx_a)] if idx_a else getattr(oa, q)
            xb = getattr(ob, q)[np.ix_(*idx_b)] if idx_b else getattr(ob, q)
            if xa.size == 0:
                entry[q] = {"shared_points": 0}
                continue
            with np.errstate(divide="ignore", invalid="ignore"):
                rel = np.abs(xb - xa) / np.abs(xa)
            rel = rel[np.isfinite(rel)]
            entry[q] = {"shared_points": int(xa.size),
                        "max_rel": float(rel.max()) if rel.size else math.nan,
                        "median_rel": float(np.median(rel)) if rel.size else math.nan}
        out["ops"][name] = entry
    return out


def change(base: schema.Lut, new: schema.Lut) -> dict:
    """Signed relative change (new - base) / base of every shared op at nominal conditions.

    ``{"ops": {op: {"energy_rel": .., "latency_rel": .., "energy_j": [base, new],
    "latency_s": [base, new]}}, "only_in_base": [...], "only_in_new": [...]}``. The nominal
    point is each LUT's own (their grids may differ: a new VDD changes the nominal too).
    """
    a, b = nominal_values(base), nominal_values(new)
    ops = {}
    for name in sorted(set(a) & set(b)):
        entry = {}
        for q, key in (("energy_j", "energy_rel"), ("latency_s", "latency_rel")):
            x, y = a[name][q], b[name][q]
            entry[q] = [x, y]
            entry[key] = (y - x) / x if x and math.isfinite(x) and math.isfinite(y) \
                else math.nan
        ops[name] = entry
    return {"ops": ops, "only_in_base": sorted(set(a) - set(b)),
            "only_in_new": sorted(set(b) - set(a))}


def plot_change(data: dict, path: str):
    """Bar chart of :func:`change`: relative change of energy and latency per op (shared
    style, :mod:`spincim.figures`; PNG, PDF or SVG). Returns the axes."""
    from .. import figures

    names = list(data["ops"])
    e = np.array([data["ops"][n]["energy_rel"] for n in names]) * 100
    t = np.array([data["ops"][n]["latency_rel"] for n in names]) * 100
    x = np.arange(len(names))
    fig, grid = figures.new_figure(1, 1, width_in=max(6.0, 0.5 * len(names) + 2),
                                   panel_height_in=4.0)
    ax = grid[0][0]
    ax.bar(x - 0.2, e, 0.4, label="Energy per operation", color=figures.PALETTE[0])
    ax.bar(x + 0.2, t, 0.4, label="Latency", color=figures.PALETTE[1])
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xticks(x, [n.replace("_", " ") for n in names], rotation=45, ha="right")
    ax.set_ylabel(figures.axis_label("Change against the base LUT", "%"))
    ax.legend()
    figures.save(fig, path)
    return ax


def to_csv(lut: schema.Lut) -> str:
    """Component table (component, action, energy_j, latency_s, area_m2) at nominal.

    The layout architecture tools such as Accelergy / CiMLoop take as a component
    library: one row per action of a component, SI units.
    """
    buf = _io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["component", "action", "energy_j", "latency_s", "area_m2"])
    for name, v in nominal_values(lut).items():
        component, _, action = name.partition("_")
        area = lut.areas[component].area_m2 if component in lut.areas else ""
        w.writerow([component, action or name, repr(v["energy_j"]), repr(v["latency_s"]),
                    repr(area) if area != "" else ""])
    for name, a in sorted(lut.areas.items()):
        w.writerow([name, "area", "", "", repr(a.area_m2)])
    return buf.getvalue()

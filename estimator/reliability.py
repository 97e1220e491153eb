"""Expected bit errors per image from the LUT's reliability table (``/mc/reliability``).

The LUT build step ``reliability`` (:mod:`spincim.lut.build`) stores, per temperature
corner, the write error rate of one SOT write (``write_wer``) and the probability that
one read op flips a selected cell (``<op>_disturb`` for ``read``, ``and2``, ``or2``,
``xnor2``: the worst stored pattern, summed over the op's cells). By linearity of
expectation the expected number of bit errors per image is, exactly and whatever the
correlations between ops,

    sum over write kinds (count x WER) + sum over read kinds (count x disturb).

Counted (per image, from the mapping): SOT writes ``write``, ``kernel_write``,
``bank_write``, ``buffer_write`` and CORN's ``preset``, each at the table's WER (the
WER of the two directions is the same, the macrospin and its SOT being symmetric under
a 180 degree rotation about z). The table's write is IMCE's (120 uA, 7 ns: its
attributes ``i_write_a``, ``write_pulse_s``); for CORN's buffer PRESET (its own driver
current, a 5 ns pulse) that is an approximation, as the energy side already prices a
PE write there as the PRESET; reads ``read``,
``bank_read``, ``kernel_read``, ``sum_i_read``, ``buffer_read`` (one cell each) and the
two-cell senses ``and2``, ``or2``, ``xnor2``. Not counted: ``weight_write`` (once per
network load, not per image) and the threshold writes ``majority_program`` /
``maxpool_write``, whose error is the majority decision error (``spincim mc majority``),
not a write error rate.
"""

from __future__ import annotations

import math

import numpy as np

from spincim.errors import LutError

__all__ = ["EXPERIMENT", "WRITE_KINDS", "READ_KINDS", "bit_errors_per_image",
           "read_scale", "reliability_corner"]

#: the LUT's Monte Carlo summary written by the build step ``reliability``
EXPERIMENT = "reliability"
#: op counts of the mapping that are one SOT write each
WRITE_KINDS = ("write", "kernel_write", "bank_write", "buffer_write", "preset")
#: op counts of the mapping that are one read op each, and the table entry they use
READ_KINDS = {"read": "read", "bank_read": "read", "kernel_read": "read",
              "sum_i_read": "read", "buffer_read": "read", "and2": "and2", "or2": "or2",
              "xnor2": "xnor2"}


def _technology(lut) -> str:
    tech = lut.provenance.get("parameters", {}).get("technology") if isinstance(
        lut.provenance.get("parameters"), dict) else None
    return str(tech) if tech else lut.technology.removeprefix("ptm_")


def reliability_corner(lut, temperature_k: float | None) -> tuple[int, float]:
    """(index, temperature in K) of the table corner used at ``temperature_k``.

    The corner itself when it is one; otherwise the next hotter corner (error rates rise
    with temperature, so this is an upper bound). ``None``: the LUT's nominal temperature
    (300 K when the LUT has no temperature axis). ``LutError`` when the table is missing
    or every corner is colder.
    """
    summary = lut.mc.get(EXPERIMENT)
    if summary is None:
        tech = _technology(lut)
        raise LutError(lut.label(), "this LUT has no reliability table (/mc/reliability: "
                       "write error rate and read disturb per op and corner); a LUT built "
                       f"by this version has it: 'spincim lut build --tech {tech} --out "
                       "FILE.h5' (its step 'reliability'), then pass --lut FILE.h5")
    corners = np.asarray(summary.coords.get("temperature_k", ()), dtype=float)
    if corners.size == 0:
        raise LutError(lut.label(), "the reliability table has no temperature_k corners")
    if temperature_k is None:
        axis = lut.axes.get("temperature_k")
        temperature_k = axis.nominal if axis is not None and axis.nominal is not None \
            else 300.0
    t = float(temperature_k)
    hotter = np.flatnonzero(corners >= t - 1e-9)
    if hotter.size == 0:
        raise LutError(lut.label(), f"operating temperature {t:g} K is above every corner "
                       f"of the reliability table ({', '.join(f'{c:g}' for c in corners)} K)")
    index = int(hotter[np.argmin(corners[hotter])])
    return index, float(corners[index])


def read_scale(read_on_s: float | None, table_read_s: float | None) -> float:
    """Factor on a read op's disturb probability for a read current that flows
    ``read_on_s`` in the array instead of the table's ``table_read_s`` window: their
    ratio when longer, else 1 (the table's value is kept for shorter reads).

    First order in time: a thermally activated flip under a constant current has a
    constant escape rate, so a small probability grows with the time the current flows.
    The array's read current reaches the far cell as its bit line charges (lower current
    early: the factor is high), and ``read_on_s`` is the op's latency averaged over its
    stored patterns (the slowest pattern flows longer: low for it; at 45 nm, 1024 rows
    the AP read takes 1.29x the mean).
    """
    if read_on_s is None or not table_read_s or not math.isfinite(table_read_s):
        return 1.0
    return max(1.0, float(read_on_s) / float(table_read_s))


def _scales_text(scales: dict) -> str:
    longer = {k: f for k, f in scales.items() if f > 1.0}
    return (", ".join(f"{k} x{f:.3g}" for k, f in longer.items()) if longer
            else "none longer")


def bit_errors_per_image(lut, op_counts: dict, temperature_k: float | None = None, *,
                         read_on_s: dict | None = None) -> dict:
    """Expected bit errors per image from per-image ``op_counts`` ({op kind: count}).

    ``read_on_s`` ({read kind: s}): how long each read kind's current flows in the
    array (its column sense latency); each read disturb is scaled by :func:`read_scale`
    against the table's read window (attribute ``read_s``).

    Returns ``{"total": ..., "by_op": {kind: expected errors}, "probability": {kind:
    per-op probability used}, "read_scale": {kind: factor}, "corner_k": ...,
    "write_method": ..., "read_method": ..., "note": ...}``. ``LutError`` (naming the
    command that adds it) when the LUT has no reliability table or lacks an entry a
    counted op needs.
    """
    index, corner = reliability_corner(lut, temperature_k)
    summary = lut.mc[EXPERIMENT]

    def prob(name: str) -> float:
        data = summary.datasets.get(name)
        if data is None:
            raise LutError(lut.label(), f"the reliability table lacks {name!r}; rebuild it "
                           f"with 'spincim lut build --tech {_technology(lut)} --out FILE.h5'")
        value = float(np.asarray(data)[index])
        if not (math.isfinite(value) and value >= 0):
            raise LutError(lut.label(), f"reliability {name!r} at {corner:g} K is {value!r}")
        return value

    attrs = summary.attrs
    by_op, used, scales = {}, {}, {}
    for kind in WRITE_KINDS:
        n = op_counts.get(kind, 0)
        if n:
            used[kind] = prob("write_wer")
            by_op[kind] = n * used[kind]
    for kind, entry in READ_KINDS.items():
        n = op_counts.get(kind, 0)
        if n:
            scales[kind] = read_scale((read_on_s or {}).get(kind), attrs.get("read_s"))
            used[kind] = prob(f"{entry}_disturb") * scales[kind]
            by_op[kind] = n * used[kind]
    write = (f"{attrs.get('write_method', '?')}, one {attrs.get('i_write_a', math.nan):.3g} A "
             f"{attrs.get('write_pulse_s', math.nan):.3g} s pulse")
    note = (f"expected bit errors = sum of count x probability at the {corner:g} K corner "
            f"(write: {write}; read disturb, worst stored pattern: "
            f"{attrs.get('read_method', '?')}, over a {attrs.get('read_s', math.nan):.3g} s "
            "read window, scaled up by the array's longer column senses: "
            f"{_scales_text(scales)}); not counted: weight loads (once per "
            "network) and majority/max-pool threshold writes (their error is the "
            "majority decision error)")
    return {"total": float(math.fsum(by_op.values())), "by_op": by_op, "probability": used,
            "read_scale": scales, "corner_k": corner, "write_method": str(attrs.get("write_method", "")),
            "read_method": str(attrs.get("read_method", "")), "note": note}

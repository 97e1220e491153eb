"""Look-ups: exact on grid points, linear between, errors outside, extrapolation."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from spincim.errors import LutError, ParameterError
from spincim.lut.interp import value
from spincim.lut.schema import Axis, Lut, OpTable


def test_exact_at_every_grid_point(lut):
    table = lut.ops["read"]
    for i, vdd in enumerate(lut.axes["vdd_v"].values):
        for j, temp in enumerate(lut.axes["temperature_k"].values):
            for k, rows in enumerate(lut.axes["rows"].values):
                for q in ("energy_j", "latency_s"):
                    got = value(lut, "read", q, vdd_v=vdd, temperature_k=temp, rows=rows)
                    assert got == getattr(table, q)[i, j, k]


def test_linear_between_grid_points_by_hand(lut):
    # read latency = 1e-9 (1 + rows/512) / vdd on the grid; between rows 128 and 256
    # at vdd 1.0 (grid point) it is interpolated linearly in rows:
    lat_128 = 1e-9 * (1 + 128 / 512) / 1.0
    lat_256 = 1e-9 * (1 + 256 / 512) / 1.0
    want = lat_128 + (160 - 128) / (256 - 128) * (lat_256 - lat_128)
    got = value(lut, "read", "latency_s", vdd_v=1.0, temperature_k=300.0, rows=160)
    assert got == pytest.approx(want, rel=1e-12)
    # Bilinear between vdd 0.9/1.0 and rows 64/128 at nominal 300 K, by hand:
    e = lambda v, r: 1e-15 * v**2 * (1 + 0.3) * r
    tv, tr = (0.95 - 0.9) / 0.1, (100 - 64) / 64
    want = ((1 - tv) * (1 - tr) * e(0.9, 64) + tv * (1 - tr) * e(1.0, 64)
            + (1 - tv) * tr * e(0.9, 128) + tv * tr * e(1.0, 128))
    assert value(lut, "read", "energy_j", vdd_v=0.95, rows=100) == pytest.approx(want, rel=1e-12)


def test_missing_coordinates_take_the_nominal(lut):
    at_nominal = value(lut, "read", "energy_j", vdd_v=1.0, temperature_k=300.0, rows=128)
    assert value(lut, "read", "energy_j", rows=128) == at_nominal
    assert value(lut, "majority", "energy_j") == lut.ops["majority"].energy_j[1, 0]
    assert value(lut, "leak", "energy_j") == 3e-16
    assert value(lut, "cell_read", "latency_s") == 1e-9


def test_axis_without_nominal_needs_a_coordinate(lut):
    with pytest.raises(ParameterError, match="needs a rows coordinate"):
        value(lut, "read", "energy_j")


def test_integer_axis_is_exact_lookup(lut):
    assert value(lut, "majority", "energy_j", n_on=5) == lut.ops["majority"].energy_j[1, 5]
    with pytest.raises(ParameterError, match="not a grid value of the integer axis n_on"):
        value(lut, "majority", "energy_j", n_on=4.5)
    with pytest.raises(ParameterError, match="not a grid value"):
        value(lut, "majority", "energy_j", n_on=12, extrapolate=True)


def test_outside_grid_is_an_error(lut):
    with pytest.raises(ParameterError) as info:
        value(lut, "read", "energy_j", vdd_v=1.2, rows=128)
    assert info.value.field == "vdd_v"
    assert info.value.message == ("1.2 V is outside the LUT grid [0.9, 1.1] V (op 'read'); "
                                  "pass extrapolate=True to extrapolate linearly")
    with pytest.raises(ParameterError, match="outside the LUT grid 256 1"):
        value(lut, "cell_read", "energy_j", cols=512)
    # a coordinate for an axis the op does not use is still range-checked
    with pytest.raises(ParameterError, match="outside the LUT grid"):
        value(lut, "leak", "energy_j", temperature_k=400.0)


def test_extrapolate_continues_the_edge_cell(lut):
    # latency is linear in rows: extrapolation beyond 512 rows is exact
    want = 1e-9 * (1 + 1024 / 512)
    got = value(lut, "read", "latency_s", rows=1024, extrapolate=True)
    assert got == pytest.approx(want, rel=1e-12)
    # energy is quadratic in vdd: the edge chord (1.0 -> 1.1) continued to 1.2
    e = lambda v: 1e-15 * v**2 * 1.3 * 128
    want = e(1.1) + (e(1.1) - e(1.0))
    assert value(lut, "read", "energy_j", vdd_v=1.2, rows=128,
                 extrapolate=True) == pytest.approx(want, rel=1e-12)
    # a one-point axis is constant along itself
    assert value(lut, "cell_read", "energy_j", cols=512, extrapolate=True) == 2e-15


def test_bad_requests(lut):
    with pytest.raises(LutError, match="no op 'xnor'"):
        value(lut, "xnor", "energy_j")
    with pytest.raises(ParameterError, match="not one of energy_j, latency_s"):
        value(lut, "read", "power_w", rows=128)
    with pytest.raises(ParameterError, match="not an axis of this LUT"):
        value(lut, "read", "energy_j", rows=128, vdd=1.0)
    with pytest.raises(ParameterError, match="not finite"):
        value(lut, "read", "energy_j", rows=np.nan)


def test_grid_edge_within_rounding(lut):
    edge = 0.9 + 0.2  # 1.1000000000000001
    assert value(lut, "read", "energy_j", vdd_v=edge, rows=64) == \
        lut.ops["read"].energy_j[2, 1, 0]


@st.composite
def _multilinear_case(draw):
    """A random grid over 1-3 axes, a function linear in each axis, a point inside."""
    ndim = draw(st.integers(1, 3))
    finite = st.floats(-10, 10, allow_nan=False)
    axes, coords = {}, {}
    for d in range(ndim):
        n = draw(st.integers(2, 5))
        start = draw(finite)
        steps = draw(st.lists(st.floats(0.01, 5), min_size=n - 1, max_size=n - 1))
        values = start + np.concatenate([[0.0], np.cumsum(steps)])
        name = f"x{d}"
        axes[name] = Axis(name, values, "1")
        coords[name] = draw(st.floats(values[0], values[-1]))
    # f = c + sum a_d x_d + b x0 x1 (+ e x0 x1 x2): linear in each axis separately
    c, a, b, e = draw(st.tuples(finite, st.lists(finite, min_size=3, max_size=3),
                                finite, finite))
    return axes, coords, (c, a, b, e)


def _f(x, coef):
    c, a, b, e = coef
    x = list(x) + [0.0] * (3 - len(x))
    return c + sum(ai * xi for ai, xi in zip(a, x)) + b * x[0] * x[1] + e * x[0] * x[1] * x[2]


@settings(max_examples=60, deadline=None)
@given(_multilinear_case())
def test_multilinear_function_is_interpolated_exactly(case):
    axes, coords, coef = case
    names = tuple(axes)
    grids = np.meshgrid(*(axes[n].values for n in names), indexing="ij")
    table = np.asarray(_f(grids, coef), dtype=float)
    shift = max(0.0, -float(table.min()))  # energies are non-negative; a constant shift
    table = table + shift                  # keeps the function multilinear
    lut = Lut("prop", axes, {"op": OpTable("op", names, table, np.ones_like(table))},
              provenance=_provenance())
    want = _f([coords[n] for n in names], coef) + shift
    got = value(lut, "op", "energy_j", **coords)
    scale = max(1.0, float(np.abs(table).max()))
    assert got == pytest.approx(want, rel=1e-9, abs=1e-9 * scale)


def _provenance():
    from spincim.lut.schema import make_provenance
    return make_provenance(parameters={}, seed=0, command_line="", created_utc="")


# ----------------------------------------------------------------- found by mutation testing
def _one_op_lut(axis: Axis, energy) -> Lut:
    """A LUT with one op over ``axis`` (energy as given, latency 1 s everywhere)."""
    energy = np.asarray(energy, dtype=float)
    return Lut("t", {axis.name: axis}, {"op": OpTable("op", (axis.name,), energy,
                                                       np.ones_like(energy))},
               provenance=_provenance())


def test_two_point_axis_is_interpolated():
    lut = _one_op_lut(Axis("vdd_v", [0.8, 1.0], "V"), [2.0, 4.0])
    assert value(lut, "op", "energy_j", vdd_v=0.85) == pytest.approx(2.5, rel=1e-12)


def test_two_point_integer_axis_needs_a_grid_value():
    lut = _one_op_lut(Axis("n_on", [0, 1], "1", integer=True), [1.0, 3.0])
    assert value(lut, "op", "energy_j", n_on=1) == 3.0
    with pytest.raises(ParameterError, match="not a grid value"):
        value(lut, "op", "energy_j", n_on=0.5)


def test_one_point_integer_axis_is_constant_with_extrapolate():
    lut = _one_op_lut(Axis("n_on", [3], "1", integer=True), [7.0])
    assert value(lut, "op", "energy_j", n_on=3) == 7.0
    assert value(lut, "op", "energy_j", n_on=5, extrapolate=True) == 7.0
    with pytest.raises(ParameterError, match="outside the LUT grid 3 1"):
        value(lut, "op", "energy_j", n_on=5)


def test_edge_slack_is_relative_to_the_axis():
    """Within 1e-12 of the span (or of |values|) a coordinate snaps onto the edge; beyond
    it is outside. Tiny SI values (ns) get a tiny slack, not a huge one."""
    lut = _one_op_lut(Axis("x", [100.0, 101.0], "1"), [1.0, 2.0])
    assert value(lut, "op", "energy_j", x=101.0 + 0.5e-10) == 2.0   # slack 1.01e-10
    with pytest.raises(ParameterError, match="outside"):
        value(lut, "op", "energy_j", x=101.0 + 1.5e-10)
    tiny = _one_op_lut(Axis("t_s", [1e-9, 2e-9], "s"), [1.0, 2.0])
    with pytest.raises(ParameterError, match="outside"):
        value(tiny, "op", "energy_j", t_s=2.1e-9)


def test_non_numbers_are_refused(lut):
    for bad in ("1.0", [1.0], True):
        with pytest.raises(ParameterError, match="is not a number") as info:
            value(lut, "read", "energy_j", vdd_v=bad, rows=128)
        assert info.value.field == "vdd_v"


def test_error_messages_name_the_field_and_list_the_choices(lut):
    with pytest.raises(LutError) as info:
        value(lut, "xnor", "energy_j")
    assert info.value.message == "no op 'xnor' (ops: cell_read, leak, majority, read)"
    with pytest.raises(ParameterError) as info:
        value(lut, "read", "power_w", rows=128)
    assert (info.value.field, info.value.message) == (
        "quantity", "'power_w' is not one of energy_j, latency_s")
    with pytest.raises(ParameterError) as info:
        value(lut, "read", "energy_j", rows=128, vdd=1.0)
    assert (info.value.field, info.value.message) == (
        "vdd", "not an axis of this LUT (axes: cols, n_on, rows, temperature_k, vdd_v)")
    with pytest.raises(ParameterError) as info:
        value(lut, "read", "energy_j")
    assert (info.value.field, info.value.message) == (
        "rows", "op 'read' needs a rows coordinate (1): the axis has no nominal value")
    with pytest.raises(ParameterError) as info:
        value(lut, "read", "energy_j", rows=np.inf)
    assert info.value.message == "inf is not finite"
    empty = Lut("t", {}, {}, provenance=_provenance())
    with pytest.raises(LutError, match=r"\(ops: none\)"):
        value(empty, "read", "energy_j")
    with pytest.raises(ParameterError, match=r"\(axes: none\)"):
        value(Lut("t", {}, {"op": OpTable("op", (), 1.0, 1.0)}, provenance=_provenance()),
              "op", "energy_j", y=1.0)


@pytest.mark.parametrize("n,shown", [(8, "0, 1, 2, 3, 4, 5, 6, 7)"),
                                     (9, "0, 1, 2, 3, 4, 5, 6, 7, ...)")])
def test_integer_axis_message_shows_at_most_eight_values(n, shown):
    lut = _one_op_lut(Axis("n_on", np.arange(n), "1", integer=True), np.arange(n))
    with pytest.raises(ParameterError) as info:
        value(lut, "op", "energy_j", n_on=0.5)
    assert info.value.message.endswith(f"values {shown}")

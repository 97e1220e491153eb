"""Outside tools read a LUT naturally: xarray (h5netcdf engine) opens every op group with
named, labelled dimensions whose coordinates and values equal spincim's reader's."""

from importlib import resources

import numpy as np
import pytest

from spincim.lut.io import read_lut, write_lut

xr = pytest.importorskip("xarray", reason="xarray is not installed (test extra)")
pytest.importorskip("h5netcdf", reason="h5netcdf is not installed (test extra)")

SHIPPED = ("default_45nm.h5", "default_22nm.h5")


def _check_every_op(path, lut):
    for name, table in lut.ops.items():
        with xr.open_dataset(path, group=f"ops/{name}", engine="h5netcdf") as ds:
            for quantity, units in (("energy_j", "J"), ("latency_s", "s")):
                da = ds[quantity]
                assert da.dims == table.axes, (name, quantity)
                assert da.attrs["units"] == units
                np.testing.assert_array_equal(da.values, getattr(table, quantity))
            for axis_name in table.axes:
                axis = lut.axes[axis_name]
                coord = ds.coords[axis_name]
                np.testing.assert_array_equal(coord.values.astype(float), axis.values)
                assert coord.attrs["units"] == axis.units


@pytest.mark.parametrize("name", SHIPPED)
def test_xarray_opens_every_op_of_a_shipped_lut(name):
    path = str(resources.files("spincim.lut") / "data" / name)
    lut = read_lut(path)
    assert any(len(t.axes) >= 2 for t in lut.ops.values())
    _check_every_op(path, lut)


def test_xarray_opens_every_op_of_a_written_lut(tmp_path, lut):
    path = tmp_path / "t.h5"
    write_lut(lut, path)
    assert read_lut(path) == lut
    _check_every_op(path, lut)


def test_xarray_names_monte_carlo_dimensions(tmp_path, lut):
    path = tmp_path / "t.h5"
    write_lut(lut, path)
    mc = lut.mc["sense_margin"]
    with xr.open_dataset(path, group="mc/sense_margin", engine="h5netcdf") as ds:
        assert ds["margin_v"].dims == ("state",)
        assert list(ds.coords["state"].values) == ["00", "01", "11"]
        np.testing.assert_array_equal(ds["fail_counts"].values, mc.datasets["fail_counts"])
    with xr.open_dataset(path, group="mc/sense_margin/samples", engine="h5netcdf") as ds:
        assert ds["vsense_v"].dims == ("trial",)
        assert "trial" not in ds.coords          # a dimension without labels
        np.testing.assert_array_equal(ds["vsense_v"].values, mc.samples["vsense_v"])


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_sense_summary_has_state_labels(name):
    path = str(resources.files("spincim.lut") / "data" / name)
    mc = read_lut(path).mc["sense_margin"]
    with xr.open_dataset(path, group="mc/sense_margin", engine="h5netcdf") as ds:
        for op, bits in (("read", 1), ("and", mc.attrs["fan_in"])):
            da = ds[f"{op}_mean_v"]
            assert da.dims == (f"{op}_state",)
            assert [len(s) for s in da.coords[f"{op}_state"].values] == [bits] * 2 ** bits
            np.testing.assert_array_equal(da.values, mc.datasets[f"{op}_mean_v"])

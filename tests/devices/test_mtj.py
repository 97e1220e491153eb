"""Analytic device quantities against independent hand arithmetic."""

import math

import pytest

from spincim.devices import mtj as M
from spincim.devices.config import device_from_mapping, load_device
from spincim.errors import ParameterError

# CODATA constants typed in by hand, so the test does not share the code's constants
MU0 = 1.25663706212e-6
HBAR = 1.054571817e-34
QE = 1.602176634e-19
KB = 1.380649e-23


def test_delta_and_ic0_by_hand(device):
    # default set: Ms 1.1e6 A/m, 120 x 40 x 1.8 nm ellipse, alpha 0.01, theta 0.3,
    # SHM 150 nm x 4 nm; demag factors of that ellipsoid (docs/physics.md, section 7)
    nx, ny, nz = 0.00774, 0.04022, 0.95204
    ms, t, alpha, theta = 1.1e6, 1.8e-9, 0.01, 0.30
    vol = math.pi / 4 * 120e-9 * 40e-9 * t
    hk = (ny - nx) * ms
    delta = MU0 * ms * hk * vol / (2 * KB * 300.0)
    meff = (nz - ny) * ms
    jc0 = (2 * QE / HBAR) * (MU0 * ms * t / theta) * alpha * (hk + meff / 2)
    ic0 = jc0 * 150e-9 * 4e-9
    assert M.thermal_stability(device) == pytest.approx(delta, rel=2e-3)
    assert M.critical_current_density_a_per_m2(device) == pytest.approx(jc0, rel=2e-3)
    assert M.critical_current_a(device) == pytest.approx(ic0, rel=2e-3)
    # the worked numbers of docs/physics.md, section 7
    assert delta == pytest.approx(40.5, abs=0.1)
    assert ic0 == pytest.approx(81e-6, rel=0.01)


def test_demag_factors_sum_to_one_and_match_design(device):
    n = M.demag_factors(device.mtj)
    assert sum(n) == pytest.approx(1.0, abs=1e-12)
    assert n == pytest.approx((0.00774, 0.04022, 0.95204), abs=5e-5)


def test_sphere_demag_is_one_third():
    assert M.ellipsoid_demag_factors(1e-9, 1e-9, 1e-9) == pytest.approx((1 / 3,) * 3)


def test_resistances(device):
    area = math.pi / 4 * 120e-9 * 40e-9
    rp = 10e-12 / area
    assert M.r_p_ohm(device.mtj) == pytest.approx(rp)
    assert M.r_ap_ohm(device.mtj) == pytest.approx(rp * 2.685)
    assert M.r_shm_ohm(device.shm) == pytest.approx(260e-8 * 150e-9 / (150e-9 * 4e-9))
    # TMR halves at V_h; theta = 90 deg conductance is the mean of G_P and G_AP
    assert M.tmr_at_bias(device.mtj, 0.5) == pytest.approx(1.685 / 2)
    g90 = M.conductance_s(device.mtj, 0.0)
    assert g90 == pytest.approx((1 / rp + 1 / (rp * 2.685)) / 2)
    assert M.resistance_ohm(device.mtj, -1.0) == pytest.approx(rp * 2.685)


@pytest.mark.parametrize("field,value", [
    ("ms_a_per_m", 0.0), ("ms_a_per_m", -1.0), ("t_free_m", float("nan")),
    ("alpha", float("inf")), ("ra_ohm_m2", -1e-12), ("alpha", 1.5), ("tmr0", "big"),
])
def test_mtj_validate_names_field(field, value):
    with pytest.raises(ParameterError) as err:
        M.MtjParams(**{field: value})
    assert err.value.field == f"mtj.{field}"
    assert isinstance(err.value, ValueError)


def test_shm_and_device_validate():
    with pytest.raises(ParameterError, match="shm.thickness_m"):
        M.ShmParams(thickness_m=0.0)
    with pytest.raises(ParameterError, match="temperature_k"):
        M.SotDevice(temperature_k=-1.0)


def test_toml_override(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text("temperature_k = 358\n[mtj]\nra_ohm_m2 = 5e-12\n[shm]\nthickness_m = 3.25e-9\n")
    d = load_device(f)
    assert d.temperature_k == 358.0
    assert d.mtj.ra_ohm_m2 == 5e-12
    assert d.shm.thickness_m == 3.25e-9
    assert d.mtj.ms_a_per_m == 1.1e6


@pytest.mark.parametrize("data,field", [
    ({"mtj": {"nonsense": 1.0}}, "mtj.nonsense"),
    ({"mtj": {"alpha": "x"}}, "mtj.alpha"),
    ({"bogus": 1}, "bogus"),
    ({"shm": {"width_m": -1.0}}, "shm.width_m"),
    ({"mtj": 3}, "mtj"),
])
def test_mapping_errors_name_field(data, field):
    with pytest.raises(ParameterError) as err:
        device_from_mapping(data)
    assert err.value.field == field


def test_bad_toml_file(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text("[mtj\n")
    with pytest.raises(ParameterError, match="not valid TOML"):
        load_device(f)
    with pytest.raises(ParameterError, match="cannot read"):
        load_device(tmp_path / "missing.toml")


def test_errors_pickle():
    import pickle

    from spincim.errors import ConvergenceError
    e = pickle.loads(pickle.dumps(ParameterError("mtj.alpha", "bad")))
    assert e.field == "mtj.alpha" and str(e) == "mtj.alpha: bad"
    c = pickle.loads(pickle.dumps(ConvergenceError("no", where="node n1", log="x")))
    assert isinstance(c, ConvergenceError) and c.where == "node n1" and c.log == "x"


# ----------------------------------------------------------------- found by mutation testing
def test_parameters_are_keyword_only():
    with pytest.raises(TypeError):
        M.MtjParams(1.1e6)
    with pytest.raises(TypeError):
        M.ShmParams(260e-8)


def test_free_layer_as_thick_as_wide_is_refused():
    with pytest.raises(ParameterError) as err:
        M.MtjParams(t_free_m=40e-9, width_m=40e-9, length_m=120e-9)
    assert err.value.field == "mtj.t_free_m"
    M.MtjParams(t_free_m=39e-9, width_m=40e-9)          # just thinner: accepted


def test_validation_messages_state_the_rule():
    with pytest.raises(ParameterError) as err:
        M.MtjParams(ms_a_per_m=-1.0)
    assert err.value.message == "must be finite and > 0, got -1.0"
    with pytest.raises(ParameterError) as err:
        M.SotDevice(shm=M.MtjParams())
    assert (err.value.field, err.value.message) == ("shm", "must be a ShmParams")


_UNIT_OF_SUFFIX = {"_a_per_m": "A/m", "_ohm_m2": "Ohm m^2", "_ohm_m": "Ohm m", "_m": "m",
                   "_v": "V"}


@pytest.mark.parametrize("cls", [M.MtjParams, M.ShmParams])
def test_every_default_has_a_source_and_the_unit_of_its_name(cls):
    import dataclasses
    for f in dataclasses.fields(cls):
        assert f.metadata["source"], f.name
        suffix = next((s for s in _UNIT_OF_SUFFIX if f.name.endswith(s)), None)
        want = _UNIT_OF_SUFFIX[suffix] if suffix else "1"     # alpha, tmr0, theta_sh, ratios
        assert f.metadata["unit"] == want, f.name
        assert "DESIGN" not in f.metadata["source"] and "shared" not in f.metadata["source"]

"""The LLGS solver against analytic macrospin results."""

import math

import numpy as np
import pytest
from scipy import integrate, special, stats

from spincim.devices import llg, switching
from spincim.devices import mtj as M

GAMMA0 = 1.76085963023e11 * 1.25663706212e-6  # gamma_e * mu0, typed independently


def _zero_k(device, n=1):
    return llg.coefficients(device, n, temperature_k=0.0)


def test_no_current_at_zero_kelvin_keeps_state(device):
    res = llg.simulate(_zero_k(device, 2), m0=[[1, 0, 0], [-1, 0, 0]], pulse_s=5e-9)
    assert np.array_equal(res.m_final, [[1, 0, 0], [-1, 0, 0]])
    assert not res.switched.any()


def test_norm_preserved(device):
    co = llg.coefficients(device, 64)
    res = llg.simulate(co, i_shm_a=1.2 * M.critical_current_a(device), pulse_s=2e-9,
                       seed=3, record_every=50)
    norms = np.linalg.norm(res.trajectory, axis=2)
    assert np.max(np.abs(norms - 1.0)) < 1e-9


def test_kittel_frequency(device):
    """A small tilt precesses at f = gamma0/2pi sqrt(H_y H_z) (in-plane easy axis)."""
    kx, ky, kz = M.stiffness_fields_a_per_m(device.mtj)
    f_kittel = GAMMA0 / (2 * math.pi) * math.sqrt((ky - kx) * (kz - kx))
    dev = device.replace(mtj={"alpha": 1e-4})  # keep the orbit from decaying
    res = llg.simulate(_zero_k(dev), m0=switching.tilted_state(0.02), pulse_s=3e-9,
                       dt_s=0.1e-12, record_every=1)
    my = res.trajectory[:, 0, 1]
    t = res.t_s
    up = np.nonzero((my[:-1] < 0) & (my[1:] >= 0))[0]
    # interpolate the upward zero crossings
    tc = t[up] - my[up] * (t[up + 1] - t[up]) / (my[up + 1] - my[up])
    f_measured = (len(tc) - 1) / (tc[-1] - tc[0])
    assert len(tc) > 15
    assert f_measured == pytest.approx(f_kittel, rel=0.01)


def test_heun_matches_rk45_reference(device):
    """The deterministic Heun path follows scipy's RK45 solution."""
    co = _zero_k(device)
    m0 = switching.tilted_state(0.1)
    i = 1.5 * M.critical_current_a(device)
    res = llg.simulate(co, m0=m0, i_shm_a=i, pulse_s=1e-9, dt_s=0.1e-12, record_every=100)
    ref = llg.integrate_deterministic(co, m0=m0, t_span_s=(0, 1e-9), i_shm_a=i,
                                      t_eval=res.t_s)
    assert np.max(np.abs(res.trajectory[:, 0, :] - ref.y.T)) < 2e-3


def _growth_rate(device, currents):
    """Growth rate (1/s) of a small tilt from +x under each SHM current, at 0 K."""
    n = len(currents)
    co = _zero_k(device, n)
    res = llg.simulate(co, m0=switching.tilted_state(1e-3), i_shm_a=currents, pulse_s=8e-9,
                       record_every=10)
    tilt = np.sqrt(1.0 - np.clip(res.trajectory[:, :, 0], -1, 1) ** 2)
    t = res.t_s
    # envelope: max tilt over the first and the last precession period windows
    w = int(0.3e-9 / (t[1] - t[0]))
    early, late = tilt[w:2 * w].max(axis=0), tilt[-w:].max(axis=0)
    return np.log(late / early) / (t[-w] - t[w])


def test_instability_threshold_matches_ic0(device):
    """A small tilt decays below Ic0 and grows above it: the zero of the growth rate."""
    ic0 = M.critical_current_a(device)
    currents = ic0 * np.linspace(0.9, 1.1, 11)
    rate = _growth_rate(device, currents)
    assert rate[0] < 0 < rate[-1]
    k = int(np.argmax(rate > 0))
    i_zero = np.interp(0.0, rate[k - 1:k + 1], currents[k - 1:k + 1])
    assert i_zero == pytest.approx(ic0, rel=0.02)


@pytest.mark.slow
def test_zero_kelvin_reversal_threshold_and_precession_window(device):
    """Between Ic0 and ~1.21 Ic0 the moment precesses without reversing (DESIGN.md §3)."""
    ic0 = M.critical_current_a(device)
    i_rev = switching.reversal_threshold_0k(device, pulse_s=50e-9, rel_tol=2e-3)
    ratio = i_rev / ic0
    print(f"0 K reversal threshold (50 ns pulse): {i_rev * 1e6:.2f} uA = {ratio:.3f} Ic0")
    assert 1.15 < ratio < 1.28
    # inside the window: large steady precession, no reversal
    co = _zero_k(device, 1)
    res = llg.simulate(co, m0=switching.tilted_state(0.05), i_shm_a=1.1 * ic0, pulse_s=50e-9,
                       record_every=100)
    mx = res.trajectory[-2000:, 0, 0]
    assert not res.switched[0]
    assert mx.min() < 0.9  # far from the +x state: a large orbit
    assert mx.min() > -0.9  # ... that never reaches the reversed state


def test_backends_agree_and_workers_do_not_matter(device):
    co = llg.coefficients(device, 700)  # two chunks
    kw = dict(i_shm_a=1.1 * M.critical_current_a(device), pulse_s=1e-9, seed=11)
    a = llg.simulate(co, backend="numba", workers=1, **kw)
    b = llg.simulate(co, backend="numba", workers=2, **kw)
    c = llg.simulate(co, backend="numpy", workers=1, **kw)
    assert np.array_equal(a.m_final, b.m_final)
    assert np.array_equal(a.t_switch_s, b.t_switch_s, equal_nan=True)
    assert np.max(np.abs(a.m_final - c.m_final)) < 1e-9


def test_same_seed_same_result_other_seed_differs(device):
    co = llg.coefficients(device, 100)
    a = llg.simulate(co, pulse_s=0.5e-9, seed=1)
    b = llg.simulate(co, pulse_s=0.5e-9, seed=1)
    c = llg.simulate(co, pulse_s=0.5e-9, seed=2)
    assert np.array_equal(a.m_final, b.m_final)
    assert not np.array_equal(a.m_final, c.m_final)


def _boltzmann_mx_cdf(device, grid):
    """CDF of m_x on the +x well for the shape-anisotropy energy at T (numerical)."""
    nx, ny, nz = M.demag_factors(device.mtj)
    ms, vol = device.mtj.ms_a_per_m, M.volume_m3(device.mtj)
    beta_c = 1.25663706212e-6 * ms * ms * vol / 2 / (1.380649e-23 * device.temperature_k)
    # E/kT = beta_c (Nx mx^2 + s^2 (Ny cos^2 phi + Nz sin^2 phi)), s^2 = 1 - mx^2;
    # integrating phi gives exp(-beta_c s^2 (Ny+Nz)/2) I0(beta_c s^2 (Nz-Ny)/2)
    def log_density(mx):
        s2 = 1 - mx * mx
        a = beta_c * s2 * (nz - ny) / 2
        return -beta_c * (nx * mx * mx + s2 * (ny + nz) / 2) + np.log(special.i0e(a)) + a
    x = np.linspace(0.0, 1.0, 20001)
    ld = log_density(x)
    pdf = np.exp(ld - ld.max())
    cdf = integrate.cumulative_trapezoid(pdf, x, initial=0.0)
    return np.interp(grid, x, cdf / cdf[-1])


@pytest.mark.slow
def test_thermal_equilibrium_is_boltzmann(device):
    """No current at 300 K: m_x of independent spins follows the Boltzmann distribution.

    Spins start at +x; after 4 ns (about 10 relaxation times 1/(alpha gamma0 Ms)) each
    contributes one sample. A chi-square test on 20 equiprobable bins, p > 1e-3.
    """
    n = 20000
    res = llg.simulate(llg.coefficients(device, n), pulse_s=4e-9, dt_s=0.5e-12, seed=5)
    mx = res.m_final[:, 0]
    assert mx.min() > 0  # Delta = 40: no spin leaves the well
    edges_p = np.linspace(0, 1, 21)
    # invert the model CDF on a fine grid to get equiprobable bin edges
    grid = np.linspace(0.5, 1.0, 200001)
    cdf = _boltzmann_mx_cdf(device, grid)
    edges = np.interp(edges_p, cdf, grid)
    edges[0], edges[-1] = 0.0, 1.0
    counts, _ = np.histogram(mx, edges)
    chi2, p = stats.chisquare(counts)
    assert p > 1e-3, (chi2, counts)
    # equipartition along the in-plane hard axis, 1/(2 Delta) to first order
    assert np.mean(res.m_final[:, 1] ** 2) == pytest.approx(
        1 / (2 * M.thermal_stability(device)), rel=0.05)


def test_thermal_run_needs_seed(device):
    from spincim.errors import ParameterError
    with pytest.raises(ParameterError, match="seed"):
        llg.simulate(llg.coefficients(device, 2), pulse_s=1e-10)


def test_bad_inputs_refused(device):
    from spincim.errors import ParameterError
    co = _zero_k(device, 2)
    with pytest.raises(ParameterError, match="m0"):
        llg.simulate(co, m0=(0, 0, 0), pulse_s=1e-10)
    with pytest.raises(ParameterError, match="i_shm_a"):
        llg.simulate(co, i_shm_a=[1e-4, 1e-4, 1e-4], pulse_s=1e-10)
    with pytest.raises(ParameterError, match="dt_s"):
        llg.simulate(co, pulse_s=1e-10, dt_s=0.0)
    with pytest.raises(ParameterError, match="backend"):
        llg.simulate(co, pulse_s=1e-10, backend="cuda")

"""Path samplers of the rare-event estimators (devices/rare_paths.py) and the thermal
escape formulas (devices/thermal.py)."""

import math

import numpy as np
import pytest

from spincim.devices import llg, rare_paths as R, thermal
from spincim.devices import mtj as M


def test_linearization_matches_the_analytic_jacobian(device):
    """Around +x: A = -g [[c + a Hy, Hz - a c], [-Hy + a c, c + a Hz]], G = g [[a, 1], [-1, a]]
    (g = gamma0 / (1 + a^2), c the damping-like coefficient), derived by hand."""
    co = llg.coefficients(device, 1)
    i = 120e-6
    kx, ky, kz = M.stiffness_fields_a_per_m(device.mtj)
    hy, hz, a = ky - kx, kz - kx, device.mtj.alpha
    g = M.GAMMA0 / (1 + a * a)
    c = -M.h_dl_per_amp(device) * i
    a_mat, g_mat = R.transverse_linearization(co, s0=1.0, i_shm_a=i)
    expect = -g * np.array([[c + a * hy, hz - a * c], [-hy + a * c, c + a * hz]])
    assert np.allclose(a_mat, expect, rtol=1e-6, atol=1e-6 * np.abs(expect).max())
    assert np.allclose(g_mat, g * np.array([[a, 1.0], [-1.0, a]]), rtol=1e-9)


def test_energy_gains_solve_the_riccati_equation(device):
    """beta(t) of the gains against scipy's ODE solution of -dbeta/dt = 2 g beta - c0 beta^2
    (settle at kappa0, then the pulse at kappa1 < 0)."""
    from scipy.integrate import solve_ivp

    co = llg.coefficients(device, 1)
    settle, pulse, dt, window = 400, 1500, 1e-12, 0.1
    gains = R.energy_control_gains(co, s0=1.0, phases=[(settle, 0.0, 0.0),
                                                       (pulse, 120e-6, 0.0)],
                                   dt_s=dt, window_e=window)
    k0, c0 = R.well_energy_diffusion(co, s0=1.0)
    k1, _ = R.well_energy_diffusion(co, s0=1.0, i_shm_a=120e-6)
    assert k1 < 0 < k0
    t_end = (settle + pulse) * dt

    def rhs(t, b):  # forward time t; dbeta/dt = 2 kappa beta + c0 beta^2
        kappa = k0 if t < settle * dt else k1
        return 2 * kappa * b + c0 * b * b
    sol = solve_ivp(rhs, (t_end, 0.0), [1 / (2 * window)], rtol=1e-10, atol=0,
                    dense_output=True, max_step=5e-12)
    a0, g_mat = R.transverse_linearization(co, s0=1.0)
    base = 2 * math.sqrt(co.thermal_d[0] * dt) * (g_mat.T @ np.diag([1, abs(a0[0, 1] / a0[1, 0])]))
    for k in (0, settle - 1, settle + 10, settle + pulse - 1):
        beta = sol.sol(k * dt)[0]
        assert np.allclose(gains[k], beta * base.ravel(), rtol=1e-6), k


def test_zero_gains_reproduce_the_brute_force_kernel(device):
    """Importance sampler with K = 0: the same noise, the same trajectories as llg.simulate,
    likelihood ratio exactly 1."""
    co = llg.coefficients(device, 600)  # two chunks
    i = 2.5 * M.critical_current_a(device)
    steps = 1500
    res = llg.simulate(co, i_shm_a=i, pulse_s=steps * 1e-12, seed=21, threshold=0.0)
    paths = R.is_paths(co, s0=1.0, i_shm_a=i, settle_steps=0, pulse_steps=steps, dt_s=1e-12,
                       gains=np.zeros((steps, 4)), seed=21, threshold=0.0)
    assert np.array_equal(paths.m_final, res.m_final)
    assert np.array_equal(paths.log_w, np.zeros(600))
    hit = paths.hit_step >= 0
    assert hit.any() and not hit.all()
    assert np.array_equal(hit, res.switched)
    assert np.allclose(paths.hit_step[hit] * 1e-12, res.t_switch_s[hit], rtol=1e-12)


def test_likelihood_ratio_has_unit_mean(device):
    """E_q[w] = 1 for the exact likelihood ratio, whatever the control: the mean weight of
    all paths (failed or not) is 1 within 4 standard errors."""
    co = llg.coefficients(device, 4096)
    settle, pulse = 300, 700
    gains = R.energy_control_gains(co, s0=1.0,
                                   phases=[(settle, 0.0, 0.0), (pulse, 150e-6, 0.0)],
                                   dt_s=1e-12, window_e=0.05)
    paths = R.is_paths(co, s0=1.0, i_shm_a=150e-6, settle_steps=settle, pulse_steps=pulse,
                       dt_s=1e-12, gains=gains, seed=5)
    w = np.exp(paths.log_w)
    assert np.std(paths.log_w) > 0.2  # the control really moved the paths
    assert abs(w.mean() - 1.0) < 4 * w.std() / math.sqrt(w.size)


def test_well_energy_diffusion_is_boltzmann(device):
    """2 kappa / c0 = Delta at zero current; a destabilizing MTJ current lowers kappa by
    I / Ic_STT (Ic_STT = alpha (Hy + Hz)/2 / H_STT per ampere)."""
    co = llg.coefficients(device, 1)
    kappa, c0 = R.well_energy_diffusion(co, s0=1.0)
    assert 2 * kappa / c0 == pytest.approx(M.thermal_stability(device), rel=1e-9)
    kx, ky, kz = M.stiffness_fields_a_per_m(device.mtj)
    ic_stt = device.mtj.alpha * ((ky - kx) + (kz - kx)) / 2 / M.h_stt_per_amp(device.mtj)
    kappa_i, _ = R.well_energy_diffusion(co, s0=1.0, i_mtj_a=-20e-6)
    assert kappa_i / kappa == pytest.approx(1 - 20e-6 / ic_stt, rel=1e-6)


def test_escape_score_levels(device):
    co = llg.coefficients(device, 1)
    score = R.escape_score(co, s0=1.0, phases=[(100, 0.0, 0.0), (100, 0.0, 0.0)], dt_s=1e-12,
                           detect_from=100)
    at_min = R.level_of(score, np.array([[1.0, 0.0, 0.0]]))[0]
    higher = R.level_of(score, np.array([[math.sqrt(1 - 0.3), math.sqrt(0.3), 0.0]]))[0]
    flipped = np.array([[-1.0, 0.0, 0.0]])
    assert 0 <= at_min < higher < score.levels
    assert R.level_of(score, flipped, step=99)[0] == score.levels - 1
    assert R.level_of(score, flipped, step=100)[0] >= score.levels
    # the committor falls as the window runs out
    assert score.log_q[0, 100] > score.log_q[-2, 100]


def test_ihd_saddle_rate_matches_the_linearized_llg():
    """lambda_+ of thermal.ihd_attempt_time_s against the Jacobian of the LLG at m = +y."""
    dev = M.SotDevice().replace(mtj={"alpha": 0.05})
    co = llg.coefficients(dev, 1)

    def f(u):
        mx, mz = u
        m = np.array([[mx, math.sqrt(1 - mx * mx - mz * mz), mz]])
        r = llg._rhs(m, llg._field(m, 0.0, co, 0.0, np.zeros(3)), co.alpha)[0]
        return np.array([r[0], r[2]])
    eps = 1e-7
    jac = np.array([(f([eps, 0]) - f([-eps, 0])) / (2 * eps),
                    (f([0, eps]) - f([0, -eps])) / (2 * eps)]).T
    lam = max(np.linalg.eigvals(jac).real)
    kx, ky, kz = M.stiffness_fields_a_per_m(dev.mtj)
    prefactor = 2 * lam / (2 * math.pi) * math.sqrt((ky - kx) * (kz - kx) / ((ky - kx) * (kz - ky)))
    assert thermal.ihd_attempt_time_s(dev) == pytest.approx(1 / prefactor, rel=1e-6)


def test_depopulation_factor_limits_and_loss_scaling(device):
    assert thermal.depopulation_factor(60.0) == pytest.approx(1.0, abs=1e-6)
    assert 0.4 < thermal.depopulation_factor(2.2) < 0.5  # Mel'nikov: A(2.2) = 0.447
    low = thermal.separatrix_loss_kt(device)
    high = thermal.separatrix_loss_kt(device.replace(mtj={"alpha": 0.02}))
    assert high == pytest.approx(2 * low, rel=1e-9)
    assert thermal.neel_brown_time_s(device) == pytest.approx(
        1e-9 * math.exp(M.thermal_stability(device)), rel=1e-12)

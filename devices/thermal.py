"""Thermally activated reversal of the in-plane macrospin: Neel-Brown and Langer/Brown
escape times, the references for the simulated retention of
:mod:`spincim.characterize.rare`.

The free layer's energy is ``E = mu0 Ms V / 2 (kx mx^2 + ky my^2 + kz mz^2)`` (shape
anisotropy plus the intrinsic easy axis, :func:`.mtj.stiffness_fields_a_per_m`): minima at
``+-x``, two saddles at ``+-y``, barrier ``Delta kB T`` (:func:`.mtj.thermal_stability`).

* Neel-Brown: ``tau = tau0 exp(Delta)`` with the conventional attempt time
  ``tau0 = 1 ns`` (L. Neel, Ann. Geophys. 5, 99 (1949); the value retention
  specifications of MRAM quote, e.g. "10 years at Delta = 40" with 1 ns).
* Langer / Brown intermediate-to-high damping (IHD) rate for a magnetic moment
  (J. S. Langer, Ann. Phys. 54, 258 (1969); W. F. Brown, IEEE Trans. Magn. 15, 1196
  (1979); reviewed by W. T. Coffey, Y. P. Kalmykov, J. Appl. Phys. 112, 121301 (2012),
  Sec. IV): per saddle ``Gamma = lambda_+ / (2 pi) sqrt(det H_min / |det H_saddle|)
  exp(-Delta)``, ``lambda_+`` the unstable rate of the linearized LLG at the saddle and
  ``H`` the energy Hessians in the tangent plane; two saddles double it. It holds when the
  energy lost per orbit near the separatrix is many kB T (:func:`separatrix_loss_kt`:
  8.6 kB T for the default layer at 300 K); corrections of order 1/Delta besides.
* Below that, the escape is limited by energy diffusion: the Mel'nikov-Meshkov
  depopulation factor ``A(loss)`` (V. I. Mel'nikov, S. V. Meshkov, J. Chem. Phys. 85,
  1018 (1986); applied to magnetic moments by Coffey & Kalmykov, Sec. IV) multiplies the
  IHD rate (:func:`crossover_escape_time_s`); A -> 1 for a large loss.
"""

from __future__ import annotations

import math

import numpy as np

from . import mtj as M

__all__ = ["NEEL_TAU0_S", "neel_brown_time_s", "ihd_escape_time_s", "ihd_attempt_time_s",
           "separatrix_loss_kt", "depopulation_factor", "crossover_escape_time_s"]

#: conventional Neel-Brown attempt time (s): L. Neel, Ann. Geophys. 5, 99 (1949)
NEEL_TAU0_S = 1e-9


def neel_brown_time_s(device: M.SotDevice, tau0_s: float = NEEL_TAU0_S) -> float:
    """Mean time to a thermal flip tau0 exp(Delta) (s)."""
    return tau0_s * math.exp(M.thermal_stability(device))


def _stiffness(device: M.SotDevice) -> tuple[float, float, float]:
    return M.stiffness_fields_a_per_m(device.mtj)


def ihd_attempt_time_s(device: M.SotDevice) -> float:
    """tau0 of the Langer/Brown IHD rate: tau = tau0 exp(Delta) (s), both saddles."""
    kx, ky, kz = _stiffness(device)
    alpha = device.mtj.alpha
    gp = M.GAMMA0 / (1.0 + alpha * alpha)
    # tangent-plane Hessians (in units of mu0 Ms V): minimum at x, saddle at y
    c1, c2 = ky - kx, kz - kx
    s1, s2 = kx - ky, kz - ky        # s1 < 0: unstable direction (toward x)
    # linearized Landau-Lifshitz at the saddle: l^2 + gp a (s1+s2) l + gp^2 (1+a^2) s1 s2 = 0
    b = gp * alpha * (s1 + s2)
    c = gp * gp * (1.0 + alpha * alpha) * s1 * s2
    lam = 0.5 * (-b + math.sqrt(b * b - 4.0 * c))
    rate_prefactor = 2.0 * lam / (2.0 * math.pi) * math.sqrt(c1 * c2 / abs(s1 * s2))
    return 1.0 / rate_prefactor


def ihd_escape_time_s(device: M.SotDevice) -> float:
    """Mean time to a thermal flip from the IHD rate (s)."""
    return ihd_attempt_time_s(device) * math.exp(M.thermal_stability(device))


def separatrix_loss_kt(device: M.SotDevice, points: int = 20001) -> float:
    """Energy the damping removes along the separatrix orbit, in kB T (dimensionless).

    ``dE/dt = -alpha gamma' mu0 Ms V |m x H|^2`` on the undamped orbit through the saddle,
    integrated over one passage (``ds = gamma' |m x H| dt``): ``alpha mu0 Ms V / kB T
    * integral |m x H| ds`` along the separatrix ``(ky-kx) mx^2 = (kz-ky) mz^2``.
    """
    kx, ky, kz = _stiffness(device)
    mtj = device.mtj
    # separatrix in the x-z plane direction: mz = r mx, my^2 = 1 - (1 + r^2) mx^2
    r = math.sqrt((ky - kx) / (kz - ky))
    mx = np.linspace(0.0, 1.0 / math.sqrt(1.0 + r * r), points)
    mz = r * mx
    my = np.sqrt(np.clip(1.0 - mx * mx - mz * mz, 0.0, None))
    m = np.stack([mx, my, mz], axis=1)
    h = -m * np.array([kx, ky, kz])
    torque = np.linalg.norm(np.cross(m, h), axis=1)
    ds = np.linalg.norm(np.diff(m, axis=0), axis=1)
    quarter = float(np.sum(0.5 * (torque[1:] + torque[:-1]) * ds))
    # one passage from saddle +y to saddle -y around a pole: two quarter arcs
    loss_j = mtj.alpha * M.MU0 * mtj.ms_a_per_m * M.volume_m3(mtj) * 2.0 * quarter
    return loss_j / (M.KB * device.temperature_k)


def depopulation_factor(loss_kt: float) -> float:
    """Mel'nikov-Meshkov A(d) = exp[(1/pi) int ln(1 - exp(-d (l^2 + 1/4))) dl / (l^2 + 1/4)]."""
    from scipy import integrate

    if not loss_kt > 0:
        return 0.0

    def f(lam):
        return np.log(-np.expm1(-loss_kt * (lam * lam + 0.25))) / (lam * lam + 0.25)
    value, _ = integrate.quad(f, -np.inf, np.inf, limit=200)
    return float(np.exp(value / np.pi))


def crossover_escape_time_s(device: M.SotDevice) -> float:
    """IHD escape time divided by the depopulation factor of the separatrix loss (s)."""
    return ihd_escape_time_s(device) / depopulation_factor(separatrix_loss_kt(device))

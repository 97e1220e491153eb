"""SOT-MTJ device parameters and the analytic quantities derived from them.

Conventions (used everywhere in spincim):

* easy axis along +x (in-plane free layer, IMCE III-A); the reference layer points
  along +x, so m_x = +1 is the parallel (P, low-resistance) state and m_x = -1 the
  antiparallel (AP) state;
* the heavy-metal (SHM) current flows along +y; a positive SHM current injects spins
  polarized along -x into the free layer, i.e. it writes P -> AP; a negative one
  writes AP -> P;
* SI units everywhere; field names carry the unit.

Every default carries its source; docs/physics.md (section 7) lists them with full
references, and the quantities derived from the default set.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from scipy import constants as sc
from scipy.special import elliprd

from ..errors import ParameterError

MU0 = sc.mu_0
#: gyromagnetic ratio times mu0, m/(A s): dm/dt = -GAMMA0 m x H with H in A/m
GAMMA0 = sc.physical_constants["electron gyromag. ratio"][0] * MU0
HBAR = sc.hbar
E_CHARGE = sc.e
KB = sc.k

#: SHM write current of the IMCE sub-array (IMCE III-B: "120 uA")
IMCE_WRITE_CURRENT_A = 120e-6


def _src(default: float, text: str, unit: str = ""):
    return field(default=default, metadata={"source": text, "unit": unit})


def _check_positive(obj, names: tuple[str, ...], prefix: str) -> None:
    for name in names:
        value = getattr(obj, name)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ParameterError(f"{prefix}{name}", f"must be a number, got {value!r}")
        if not math.isfinite(value) or value <= 0:
            raise ParameterError(f"{prefix}{name}", f"must be finite and > 0, got {value!r}")


def _check_finite(obj, names: tuple[str, ...], prefix: str) -> None:
    for name in names:
        value = getattr(obj, name)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ParameterError(f"{prefix}{name}", f"must be a number, got {value!r}")
        if not math.isfinite(value):
            raise ParameterError(f"{prefix}{name}", f"must be finite, got {value!r}")


def _check_derived(field_name: str, quantity: str, value: float, unit: str) -> None:
    """A derived quantity must be finite and > 0; the error names the field behind it."""
    if not (math.isfinite(value) and value > 0):
        raise ParameterError(field_name, f"gives {quantity} = {value:.4g} {unit}".rstrip()
                             + ", which must be finite and > 0")


@dataclass(frozen=True, kw_only=True)
class MtjParams:
    """Free layer and MgO barrier of the in-plane SOT-MTJ (shape: ellipse along x)."""

    ms_a_per_m: float = _src(1.1e6,
        "CoFeB saturation magnetization; default set (docs/physics.md)", "A/m")
    t_free_m: float = _src(1.8e-9, "free-layer thickness; default set (docs/physics.md)", "m")
    length_m: float = _src(120e-9,
        "ellipse long axis (easy axis x); default set (docs/physics.md)", "m")
    width_m: float = _src(40e-9, "ellipse short axis (y); default set (docs/physics.md)", "m")
    alpha: float = _src(0.01, "Gilbert damping; default set (docs/physics.md)", "1")
    hk_intrinsic_a_per_m: float = _src(0.0,
        "uniaxial (x) anisotropy field beyond shape anisotropy; 0 = shape only", "A/m")
    ra_ohm_m2: float = _src(10e-12,
        "resistance-area product, 10 Ohm um^2; no source fixes it: a free parameter", "Ohm m^2")
    tmr0: float = _src(1.685, "zero-bias TMR ratio, 168.5 % (IMCE III-A)", "1")
    v_half_v: float = _src(0.5,
        "bias where TMR halves, 0.5 V (Y. Zhang et al., IEEE TED 59(3), 819, 2012, Table I)", "V")
    t_barrier_m: float = _src(1.2e-9, "MgO thickness 1.2 nm (IMCE III-A); enters only via RA", "m")

    def __post_init__(self) -> None:
        self.validate()

    def validate(self, prefix: str = "mtj.") -> None:
        """Raise :class:`ParameterError` naming the first non-physical field."""
        _check_positive(self, ("ms_a_per_m", "t_free_m", "length_m", "width_m", "alpha",
                               "ra_ohm_m2", "tmr0", "v_half_v", "t_barrier_m"), prefix)
        _check_finite(self, ("hk_intrinsic_a_per_m",), prefix)
        if self.alpha >= 1:
            raise ParameterError(f"{prefix}alpha", f"must be < 1, got {self.alpha!r}")
        if self.length_m < self.width_m:
            raise ParameterError(f"{prefix}length_m",
                                 "the easy axis is x: length_m must be >= width_m")
        if self.t_free_m >= self.width_m:
            raise ParameterError(f"{prefix}t_free_m",
                                 "an in-plane free layer must be thinner than it is wide")
        _check_derived(f"{prefix}hk_intrinsic_a_per_m", "the in-plane anisotropy field Hk",
                       hk_a_per_m(self), "A/m")
        _check_derived(f"{prefix}ra_ohm_m2", "the parallel resistance R_P", r_p_ohm(self),
                       "Ohm")



@dataclass(frozen=True, kw_only=True)
class ShmParams:
    """Spin Hall metal strip (beta-W) under the free layer; current flows along y."""

    resistivity_ohm_m: float = _src(260e-8,
        "beta-W, 260 uOhm cm (Pai et al., APL 101, 122404, 2012)", "Ohm m")
    theta_sh: float = _src(0.30, "spin Hall angle of beta-W, 0.30 (Pai et al., APL 101, 122404, 2012)",
                           "1")
    length_m: float = _src(150e-9,
        "strip length along the current (y); default set (docs/physics.md)", "m")
    width_m: float = _src(150e-9, "strip width (x); default set (docs/physics.md)", "m")
    thickness_m: float = _src(4e-9, "strip thickness; default set (docs/physics.md)", "m")
    fl_ratio: float = _src(0.0,
        "field-like / damping-like SOT ratio; 0 = damping-like only (docs/physics.md)", "1")

    def __post_init__(self) -> None:
        self.validate()

    def validate(self, prefix: str = "shm.") -> None:
        """Raise :class:`ParameterError` naming the first non-physical field."""
        _check_positive(self, ("resistivity_ohm_m", "theta_sh", "length_m", "width_m",
                               "thickness_m"), prefix)
        _check_finite(self, ("fl_ratio",), prefix)



@dataclass(frozen=True, kw_only=True)
class SotDevice:
    """A complete three-terminal SOT-MTJ: free layer + barrier, SHM, temperature."""

    mtj: MtjParams = field(default_factory=MtjParams)
    shm: ShmParams = field(default_factory=ShmParams)
    temperature_k: float = field(default=300.0, metadata={"source": "room temperature",
                                                          "unit": "K"})

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise :class:`ParameterError` naming the first non-physical field."""
        if not isinstance(self.mtj, MtjParams):
            raise ParameterError("mtj", "must be an MtjParams")
        if not isinstance(self.shm, ShmParams):
            raise ParameterError("shm", "must be a ShmParams")
        t = self.temperature_k
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or t < 0:
            raise ParameterError("temperature_k", f"must be finite and >= 0, got {t!r}")
        if t > 0:
            _check_derived("mtj.hk_intrinsic_a_per_m", "the thermal stability Delta",
                           thermal_stability(self), "")
        _check_derived("mtj.hk_intrinsic_a_per_m", "the critical current Ic0",
                       critical_current_a(self), "A")
        _check_derived("shm.thickness_m", "the SHM resistance", r_shm_ohm(self.shm), "Ohm")

    def replace(self, **changes) -> "SotDevice":
        """Copy with changes; ``mtj`` / ``shm`` accept dicts of field changes."""
        for part in ("mtj", "shm"):
            if isinstance(changes.get(part), dict):
                changes[part] = dataclasses.replace(getattr(self, part), **changes[part])
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """Plain nested dict of every parameter (SI, unit in each key)."""
        return dataclasses.asdict(self)


# --------------------------------------------------------------------------- geometry
def ellipsoid_demag_factors(a_m, b_m, c_m):
    """Demagnetizing factors (Nx, Ny, Nz) of an ellipsoid with semi-axes a, b, c (m).

    Osborn, Phys. Rev. 67, 351 (1945), written with Carlson's symmetric integral:
    N_a = (abc/3) R_D(b^2, c^2, a^2). The three factors add up to 1. Scalars give
    floats; arrays give arrays (element-wise).
    """
    abc3 = a_m * b_m * c_m / 3.0
    a2, b2, c2 = a_m * a_m, b_m * b_m, c_m * c_m
    factors = (abc3 * elliprd(b2, c2, a2), abc3 * elliprd(c2, a2, b2),
               abc3 * elliprd(a2, b2, c2))
    if all(isinstance(x, (int, float)) for x in (a_m, b_m, c_m)):
        return tuple(float(f) for f in factors)
    return factors


def demag_factors(mtj: MtjParams) -> tuple[float, float, float]:
    """Demag factors of the free layer taken as the ellipsoid inscribed in its ellipse."""
    return ellipsoid_demag_factors(mtj.length_m / 2, mtj.width_m / 2, mtj.t_free_m / 2)


def area_m2(mtj: MtjParams) -> float:
    """Elliptical junction area pi/4 L W (m^2)."""
    return math.pi / 4.0 * mtj.length_m * mtj.width_m


def volume_m3(mtj: MtjParams) -> float:
    """Free-layer volume: area times thickness (m^3)."""
    return area_m2(mtj) * mtj.t_free_m


def stiffness_fields_a_per_m(mtj: MtjParams) -> tuple[float, float, float]:
    """Effective anisotropy coefficients (kx, ky, kz) in A/m: H_eff = -(kx mx, ky my, kz mz).

    Shape anisotropy N_i Ms, with the intrinsic uniaxial field folded into the easy axis.
    """
    nx, ny, nz = demag_factors(mtj)
    ms = mtj.ms_a_per_m
    return (nx * ms - mtj.hk_intrinsic_a_per_m, ny * ms, nz * ms)


def hk_a_per_m(mtj: MtjParams) -> float:
    """In-plane anisotropy field Hk = (Ny - Nx) Ms + Hk_intrinsic (A/m)."""
    kx, ky, _ = stiffness_fields_a_per_m(mtj)
    return ky - kx


# --------------------------------------------------------------------------- energetics
def thermal_stability(device: SotDevice) -> float:
    """Delta = mu0 Ms Hk V / (2 kB T): barrier over thermal energy (in-plane, saddle along y)."""
    if device.temperature_k <= 0:
        return math.inf
    mtj = device.mtj
    barrier_j = MU0 * mtj.ms_a_per_m * hk_a_per_m(mtj) * volume_m3(mtj) / 2.0
    return barrier_j / (KB * device.temperature_k)


def critical_current_density_a_per_m2(device: SotDevice) -> float:
    """Antidamping SOT critical current density for an in-plane free layer (A/m^2).

    Jc0 = (2e/hbar) (mu0 Ms t_F / theta_SH) alpha (Hk + M_eff/2),
    M_eff = (Nz - Ny) Ms, the macrospin instability threshold of the +x state
    (Liu, Pai, Li, Tseng, Ralph, Buhrman, Science 336, 555 (2012); equivalently
    alpha (H_y + H_z)/2 with the two transverse stiffness fields, derived in
    docs/physics.md, section 4).
    """
    mtj, shm = device.mtj, device.shm
    kx, ky, kz = stiffness_fields_a_per_m(mtj)
    mean_stiffness = ((ky - kx) + (kz - kx)) / 2.0
    prefactor = (2.0 * E_CHARGE / HBAR) * (MU0 * mtj.ms_a_per_m * mtj.t_free_m / shm.theta_sh)
    return prefactor * mtj.alpha * mean_stiffness


def critical_current_a(device: SotDevice) -> float:
    """Ic0 = Jc0 times the SHM cross-section width x thickness (A)."""
    shm = device.shm
    return critical_current_density_a_per_m2(device) * shm.width_m * shm.thickness_m


def h_dl_per_amp(device: SotDevice) -> float:
    """Damping-like SOT effective field per ampere of SHM current (A/m per A).

    H_DL = hbar theta_SH J / (2 e mu0 Ms t_F), J = I / (w t).
    """
    mtj, shm = device.mtj, device.shm
    j_per_a = 1.0 / (shm.width_m * shm.thickness_m)
    return HBAR * shm.theta_sh * j_per_a / (2.0 * E_CHARGE * MU0 * mtj.ms_a_per_m * mtj.t_free_m)


def spin_polarization(mtj: MtjParams) -> float:
    """Tunnelling spin polarization from Julliere's model, TMR = 2P^2/(1-P^2).

    Julliere, Phys. Lett. A 54, 225 (1975); used for the STT efficiency.
    """
    return math.sqrt(mtj.tmr0 / (2.0 + mtj.tmr0))


def h_stt_per_amp(mtj: MtjParams) -> float:
    """Slonczewski STT effective field per ampere of MTJ current (A/m per A).

    H_STT = hbar P J / (2 e mu0 Ms t_F), J = I / area (Slonczewski, JMMM 159, L1 (1996)).
    """
    j_per_a = 1.0 / area_m2(mtj)
    return (HBAR * spin_polarization(mtj) * j_per_a
            / (2.0 * E_CHARGE * MU0 * mtj.ms_a_per_m * mtj.t_free_m))


# --------------------------------------------------------------------------- resistance
def r_p_ohm(mtj: MtjParams) -> float:
    """Parallel-state resistance RA / area (Ohm)."""
    return mtj.ra_ohm_m2 / area_m2(mtj)


def tmr_at_bias(mtj: MtjParams, v_v):
    """Bias-dependent TMR(V) = TMR0 / (1 + (V/V_h)^2); accepts arrays."""
    return mtj.tmr0 / (1.0 + (v_v / mtj.v_half_v) ** 2)


def r_ap_ohm(mtj: MtjParams, v_v: float = 0.0):
    """Antiparallel-state resistance R_P (1 + TMR(V)) (Ohm)."""
    return r_p_ohm(mtj) * (1.0 + tmr_at_bias(mtj, v_v))


def conductance_s(mtj: MtjParams, cos_theta, v_v=0.0):
    """MTJ conductance G(theta, V) = G_P (1+cos)/2 + G_AP(V) (1-cos)/2 (S).

    ``cos_theta`` is m . p, i.e. m_x with the reference layer along +x.
    """
    g_p = 1.0 / r_p_ohm(mtj)
    g_ap = g_p / (1.0 + tmr_at_bias(mtj, v_v))
    return g_p * (1.0 + cos_theta) / 2.0 + g_ap * (1.0 - cos_theta) / 2.0


def resistance_ohm(mtj: MtjParams, cos_theta, v_v=0.0):
    """MTJ resistance R(theta, V) = 1 / G(theta, V) (Ohm)."""
    return 1.0 / conductance_s(mtj, cos_theta, v_v)


def r_shm_ohm(shm: ShmParams) -> float:
    """Heavy-metal strip resistance rho L / (w t) (Ohm)."""
    return shm.resistivity_ohm_m * shm.length_m / (shm.width_m * shm.thickness_m)


def derived(device: SotDevice) -> dict:
    """The derived quantities ``spincim device show`` prints (SI, unit in each key)."""
    mtj = device.mtj
    nx, ny, nz = demag_factors(mtj)
    return {
        "r_p_ohm": r_p_ohm(mtj),
        "r_ap_ohm": r_ap_ohm(mtj),
        "r_shm_ohm": r_shm_ohm(device.shm),
        "tmr": mtj.tmr0,
        "area_m2": area_m2(mtj),
        "volume_m3": volume_m3(mtj),
        "demag_factors": [nx, ny, nz],
        "hk_a_per_m": hk_a_per_m(mtj),
        "delta": thermal_stability(device),
        "jc0_a_per_m2": critical_current_density_a_per_m2(device),
        "ic0_a": critical_current_a(device),
        "spin_polarization": spin_polarization(mtj),
    }

"""spincim's free layer as a `cmtj <https://github.com/LemurPwned/cmtj>`_ junction: the
independent solver the LLGS tests and ``bench/llg_ensemble.py`` compare against.

cmtj is an optional dependency (in the ``test`` extra); it is imported only when these
functions run. cmtj keeps its physical constants in process-wide state: call
:func:`set_constants` in every process before building a junction (a spawned worker starts
with cmtj's own constants) and :func:`reset_constants` when done.
"""

from __future__ import annotations

from . import mtj as M

__all__ = ["set_constants", "reset_constants", "junction"]


def set_constants() -> None:
    """Give cmtj spincim's gamma, mu0 and kB (devices/mtj.py)."""
    import cmtj

    pc = cmtj.constants.PhysicalConstants
    pc.set_gyromagnetic_ratio(M.GAMMA0)
    pc.set_magnetic_permeability(M.MU0)
    pc.set_boltzmann_constant(M.KB)


def reset_constants() -> None:
    """Restore cmtj's own constants."""
    import cmtj

    cmtj.constants.PhysicalConstants.resetToDefaults()


def junction(device: M.SotDevice, m0=(1.0, 0.0, 0.0), i_shm_a: float = 0.0,
             temperature_k: float = 0.0, seed: int | None = None):
    """One cmtj SOT free layer with exactly ``device``'s parameters, magnetization ``m0``,
    a constant SHM current (A; > 0 injects spins along -x) and, above 0 K, a seeded
    thermal field."""
    import cmtj

    mtj = device.mtj
    nx, ny, nz = M.demag_factors(mtj)
    demag = [cmtj.CVector(nx, 0.0, 0.0), cmtj.CVector(0.0, ny, 0.0), cmtj.CVector(0.0, 0.0, nz)]
    h_dl = M.h_dl_per_amp(device)
    layer = cmtj.Layer.createSOTLayer(
        "free", cmtj.CVector(*map(float, m0)), cmtj.CVector(1.0, 0.0, 0.0),
        M.MU0 * mtj.ms_a_per_m, mtj.t_free_m, M.area_m2(mtj), demag, damping=mtj.alpha,
        fieldLikeTorque=device.shm.fl_ratio * h_dl, dampingLikeTorque=h_dl)
    layer.setReferenceLayer(cmtj.CVector(-1.0, 0.0, 0.0))  # spin polarization sigma = -x
    j = cmtj.Junction([layer])
    j.setLayerAnisotropyDriver("free", cmtj.constantDriver(
        mtj.hk_intrinsic_a_per_m * M.MU0 * mtj.ms_a_per_m / 2.0))
    j.setLayerCurrentDriver("free", cmtj.constantDriver(float(i_shm_a)))
    if temperature_k > 0:
        j.setLayerTemperatureDriver("free", cmtj.constantDriver(float(temperature_k)))
        j.setLayerSeed("free", int(seed))
    return j

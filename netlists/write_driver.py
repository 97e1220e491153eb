"""CORN majority write driver: nine parallel NMOS into a buffer SOT cell (CORN III-B, IV-B).

Circuit (all netlist text built with :mod:`spice_text`):

* ``Vsub`` (Vsupply2 = 0.5 V) feeds nine NMOS (W = 3F, L = ``length_factor`` x l_min)
  whose sources all meet at node ``ss``; a series resistance ``r_series_ohm`` joins
  ``ss`` to the heavy-metal terminal ``sa`` of the buffer cell (a 1 mOhm link when it is
  0); gate ``i`` is driven to VDD during PROGRAM iff input bit ``i`` is 1.
* PROGRAM return: a wide NMOS ``Mprl`` from ``sb`` to ground (gate ``prog``), so the
  PROGRAM current flows ``sa -> sb`` (positive: writes P -> AP in spincim's convention).
* PRESET (before PROGRAM): an H-bridge pair ``Mpsh`` (Vsub -> ``sb``) and ``Mpsl``
  (``sa`` -> ground) drives a negative SHM current (CORN's T3 -> T2) and sets the cell to P.
* The cell is :func:`mtj_macro.dynamic_subckt` (transient) or a plain resistor R_SHM
  (``op``: current versus number of NMOS on). The MTJ terminals are grounded (no read
  current during writing).

Two variants of the driver (:data:`CORN` and :data:`CORN_PTM`), each with its buffer
cell; every number they declare is in the block "Declared numbers" below with its
reason:

* ``corn`` (the default, CORN as published): W = 3F as CORN IV-B says; the NMOS length
  and one series resistance are fitted (:func:`spincim.characterize.driver.fit_corn_driver`)
  so that the SPICE currents are CORN IV-B's I(1) = 32.5 uA and I(4) = 76.2 uA (the
  PTM 22 nm HP card drives ~2x CORN's 28 nm FDSOI at the same size);
* ``corn-ptm``: the PTM-native sizing (W = 3F, L = l_min, no series resistance), which
  drives I(1) = 58.8 uA and I(4) = 165.5 uA.

Each buffer cell has one calibrated number, its beta-W SHM thickness (width kept at
150 nm): :func:`spincim.characterize.driver.calibrate_buffer_device` puts the 0 K
reversal current for the PROGRAM pulse (Python LLGS,
:func:`switching.reversal_threshold_0k`) at the geometric mean of the SPICE currents with
4 and 5 NMOS on, iterating because R_SHM depends on the thickness. Nothing depends on
the count except through the simulated current.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..devices import mtj as M
from ..devices import switching
from ..devices.technology import Technology, technology
from ..errors import ParameterError
from . import mtj_macro
from . import spice_text as st

__all__ = ["BUFFER_SHM_THICKNESS_M", "PTM_SHM_THICKNESS_M", "buffer_device", "DriverConfig",
           "driver_lines", "op_netlist", "tran_netlist", "program_only", "PROGRAM_ONLY",
           "CORN", "CORN_PTM", "CORN_I1_A", "CORN_I4_A", "pattern_for_count",
           "pattern_bits", "N_INPUTS", "OP_VECTORS", "TRAN_VECTORS", "MAX_STEP_S",
           "CORN_LENGTH_FACTOR", "CORN_R_SERIES_OHM"]

#: number of parallel write NMOS (CORN III-B)
N_INPUTS = 9
#: CORN IV-B measured currents (A): 1 NMOS and 4 NMOS (no switch)
CORN_I1_A = 32.5e-6
CORN_I4_A = 76.2e-6
#: vectors of :func:`op_netlist` (the SHM current) and :func:`tran_netlist` runs
OP_VECTORS = ("vhm#branch",)
TRAN_VECTORS = ("time", "xbuf.mx", "v.xbuf.vshm#branch", "vsub#branch")

# ----------------------------------------------------------------------------- declared numbers
# Every number the two driver variants and their buffer cells declare, with its reason.
# Each is re-derived by tests/characterize/test_driver.py from the SPICE runs it comes from.
#
#: ``corn``: NMOS length / l_min. CORN IV-B gives W = 3F but no length; with W = 3F the
#: length and :data:`CORN_R_SERIES_OHM` are the two unknowns that CORN's two currents
#: I(1) = 32.5 uA and I(4) = 76.2 uA fix (``characterize.driver.fit_corn_driver``, PTM 22 nm
#: HP card, buffer SHM :data:`BUFFER_SHM_THICKNESS_M`; 2026-11-24 run: L = 27.57 nm).
CORN_LENGTH_FACTOR = 1.2530
#: ``corn``: resistance (Ohm) between the nine NMOS sources and the heavy metal: what the
#: published driver's current ratio I(4)/I(1) = 2.34 needs beyond the buffer's own SHM
#: (CORN does not give it; wiring, contacts, FDSOI source resistance); same fit.
CORN_R_SERIES_OHM = 556.6
#: ``corn``: the buffer cell's beta-W SHM thickness (m), the one calibrated number of the
#: cell: 0 K reversal current for the 10 ns PROGRAM at the geometric mean of the fitted
#: driver's I(4) = 76.2 uA and I(5) = 84.1 uA (I_rev = 80.06 uA). 3.14 nm sits inside the
#: beta phase of W films (which forms below ~10 nm; Pai et al., APL 101, 122404, 2012).
BUFFER_SHM_THICKNESS_M = 3.1387e-9
#: ``corn``: PROGRAM currents of that calibration with 4 and 5 NMOS on (A), for reports
CALIBRATED_I4_A = 76.20e-6
CALIBRATED_I5_A = 84.12e-6
#: ``corn-ptm``: buffer SHM thickness for the PTM-native driver (same calibration, 2026-11-23
#: run: 6.917 nm, I_rev = 176.4 uA between I4 = 165.5 and I5 = 188.3 uA)
PTM_SHM_THICKNESS_M = 6.917e-9
PTM_CALIBRATED_I4_A = 165.5e-6
PTM_CALIBRATED_I5_A = 188.3e-6
#: transient max step (s) of the driver with the LLGS macromodel (also the print step, so
#: the m_x = 0 crossing is resolved to it): the switching time at 1 ps is within 0.33 % of
#: the time at 0.5 ps for counts 5..9 of both variants (2026-11-24 run; 2 ps was 4.5 % off
#: at 9 inputs); tests/characterize/test_driver.py checks the 1 % bound
MAX_STEP_S = 1e-12


def _check_positive(obj, names) -> None:
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value) or value <= 0:
            raise ParameterError(name, f"must be finite and > 0, got {value!r}")


@dataclass(frozen=True, kw_only=True)
class DriverConfig:
    """Driver sizing and timing (SI units); the defaults are the ``corn`` variant."""

    tech_name: str = "22nm"      # PTM 22 nm HP standing in for CORN's 28 nm FDSOI
    v_sub_v: float = 0.5         # Vsub = Vsupply2 (CORN IV-B)
    width_factor: float = 3.0    # NMOS width = 3F (CORN IV-B)
    length_factor: float = CORN_LENGTH_FACTOR   # NMOS length / l_min (declared above)
    r_series_ohm: float = CORN_R_SERIES_OHM     # NMOS sources -> heavy metal (declared above)
    switch_width_factor: float = 40.0  # PRESET / PROGRAM-return switches: wide, low R
    preset_s: float = 5e-9       # PRESET pulse
    settle_s: float = 2e-9       # gap between PRESET and PROGRAM
    program_s: float = 10e-9     # PROGRAM pulse (the width the threshold is calibrated for)
    tail_s: float = 1e-9         # after PROGRAM
    edge_s: float = 50e-12       # gate rise / fall time
    max_step_s: float = MAX_STEP_S  # transient max step (declared above)

    def __post_init__(self) -> None:
        _check_positive(self, ("v_sub_v", "width_factor", "length_factor",
                               "switch_width_factor", "program_s", "edge_s", "max_step_s"))
        for name in ("r_series_ohm", "preset_s", "settle_s", "tail_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value) or value < 0:
                raise ParameterError(name, f"must be finite and >= 0, got {value!r}")

    @property
    def tech(self) -> Technology:
        return technology(self.tech_name)

    @property
    def nmos_w_m(self) -> float:
        """Width of each of the nine write NMOS (m)."""
        return self.width_factor * self.tech.node_m

    @property
    def nmos_l_m(self) -> float:
        """Length of each of the nine write NMOS (m)."""
        return self.length_factor * self.tech.l_min_m

    @property
    def program_start_s(self) -> float:
        return self.edge_s + self.preset_s + self.settle_s

    @property
    def stop_s(self) -> float:
        return self.program_start_s + self.program_s + self.tail_s


def program_only(cfg: DriverConfig) -> DriverConfig:
    """``cfg`` without PRESET: the timing of the 0 K decision (the cell starts in P with
    the rms tilt)."""
    return dataclasses.replace(cfg, preset_s=0.0, settle_s=0.2e-9)


#: the ``corn`` variant (CORN as published) and the ``corn-ptm`` variant (PTM-native)
CORN = DriverConfig()
CORN_PTM = DriverConfig(length_factor=1.0, r_series_ohm=0.0)
#: PROGRAM-only timing of the ``corn`` variant for the 0 K decision
PROGRAM_ONLY = program_only(CORN)


def pattern_bits(pattern: Sequence[int]) -> tuple[int, ...]:
    """``pattern`` as nine 0/1 bits, checked."""
    bits = tuple(int(b) for b in pattern)
    if len(bits) != N_INPUTS or any(b not in (0, 1) for b in bits):
        raise ParameterError("pattern", f"need {N_INPUTS} bits of 0/1, got {pattern!r}")
    return bits


def pattern_for_count(n_on: int, *, offset: int = 0) -> tuple[int, ...]:
    """A 9-bit pattern with ``n_on`` ones, rotated by ``offset`` (different gate subsets)."""
    if not 0 <= n_on <= N_INPUTS:
        raise ParameterError("n_on", f"must be in 0..{N_INPUTS}")
    base = [1] * n_on + [0] * (N_INPUTS - n_on)
    k = offset % N_INPUTS
    return tuple(base[k:] + base[:k])


def driver_lines(cfg: DriverConfig, gate_nodes: Sequence[str]) -> list[str]:
    """Card, Vsub, the nine write NMOS into ``ss`` -> ``sa`` and the PROGRAM / PRESET
    switches."""
    tech = cfg.tech
    ws = cfg.switch_width_factor * tech.node_m
    lines = [st.include(str(tech.card_path)),
             st.vsource_dc("Vsub", "vsub", "0", cfg.v_sub_v)]
    for i, g in enumerate(gate_nodes):
        lines.append(st.mosfet(f"Mw{i}", "vsub", g, "ss", "0", tech.nmos_model,
                               w_m=cfg.nmos_w_m, l_m=cfg.nmos_l_m))
    lines += [st.resistor("Rser", "ss", "sa", max(cfg.r_series_ohm, 1e-3)),
              st.mosfet("Mprl", "sb", "prog", "0", "0", tech.nmos_model, w_m=ws,
                        l_m=tech.l_min_m),
              st.mosfet("Mpsh", "vsub", "pre", "sb", "0", tech.nmos_model, w_m=ws,
                        l_m=tech.l_min_m),
              st.mosfet("Mpsl", "sa", "pre", "0", "0", tech.nmos_model, w_m=ws,
                        l_m=tech.l_min_m)]
    return lines


def op_netlist(pattern: Sequence[int], device: M.SotDevice,
               cfg: DriverConfig = CORN) -> st.Netlist:
    """Operating point of the PROGRAM phase with the SHM as a plain resistor R_SHM."""
    bits = pattern_bits(pattern)
    vdd = cfg.tech.vdd_v
    gates = [f"g{i}" for i in range(N_INPUTS)]
    lines = driver_lines(cfg, gates)
    lines += [st.vsource_dc(f"Vg{i}", g, "0", vdd * b) for i, (g, b) in enumerate(zip(gates, bits))]
    lines += [st.vsource_dc("Vprog", "prog", "0", vdd),
              st.vsource_dc("Vpre", "pre", "0", 0.0),
              st.vsource_dc("Vhm", "sa", "sx", 0.0),  # senses the SHM current sa -> sb
              st.resistor("Rshm", "sx", "sb", M.r_shm_ohm(device.shm)),
              st.analysis_line(st.op())]
    return st.circuit("CORN write driver, PROGRAM operating point", lines)


def tran_netlist(pattern: Sequence[int], device: M.SotDevice,
                 cfg: DriverConfig = CORN, *, m0=None,
                 temperature_k: float | None = None) -> st.Netlist:
    """PRESET then PROGRAM transient with the LLGS macromodel as the buffer cell.

    ``m0`` is the initial magnetization (default: the 300 K rms tilt away from AP, so
    PRESET has to do real work). With ``cfg.preset_s == 0`` there is no PRESET pulse and
    the default ``m0`` is the P state with the 300 K rms tilt: the initial condition of
    :func:`switching.reversal_threshold_0k`. (After a PRESET at 0 K the moment relaxes to
    the exact +x fixed point, from which no current switches it in finite time; the 0 K
    decision therefore starts PROGRAM from the thermally tilted P state, see
    :data:`PROGRAM_ONLY`.) The analysis line carries ``uic``; ``temperature_k`` adds a
    ``.temp`` line (transistor cards; the macromodel runs at 0 K).
    """
    bits = pattern_bits(pattern)
    vdd = cfg.tech.vdd_v
    e = cfg.edge_s
    gates = [f"g{i}" for i in range(N_INPUTS)]
    if m0 is None:  # 300 K rms tilt: away from AP before PRESET, away from P without it
        m0 = tuple(float(c) for c in np.ravel(switching.tilted_state(
            switching.rms_thermal_tilt_rad(device), toward_ap=cfg.preset_s > 0)))
    sub = mtj_macro.dynamic_subckt("buf", device, m0=m0)
    lines = [] if temperature_k is None else [st.temperature(temperature_k - 273.15)]
    lines += [*sub, *driver_lines(cfg, gates)]
    t0, t1 = cfg.program_start_s, cfg.program_start_s + cfg.program_s
    if cfg.preset_s > 0:
        t_pre_end = e + cfg.preset_s
        lines.append(st.vsource_pwl("Vpre", "pre", "0", [0.0, e, t_pre_end, t_pre_end + e],
                                    [0.0, vdd, vdd, 0.0]))
    else:
        lines.append(st.vsource_dc("Vpre", "pre", "0", 0.0))
    prog_t = [0.0, t0 - e, t0, t1, t1 + e]
    prog_v = [0.0, 0.0, vdd, vdd, 0.0]
    lines.append(st.vsource_pwl("Vprog", "prog", "0", prog_t, prog_v))
    for i, (g, b) in enumerate(zip(gates, bits)):
        lines.append(st.vsource_pwl(f"Vg{i}", g, "0", prog_t, [v * b for v in prog_v]))
    lines += [mtj_macro.instance("Xbuf", ("0", "0", "sa", "sb"), "buf"),
              st.options(reltol=1e-4, method="gear"),
              st.analysis_line(st.tran(cfg.max_step_s, cfg.stop_s,
                                       max_step_s=cfg.max_step_s, uic=True))]
    return st.circuit("CORN write driver, PRESET + PROGRAM transient", lines)


def buffer_device(temperature_k: float = 300.0, *,
                  thickness_m: float = BUFFER_SHM_THICKNESS_M) -> M.SotDevice:
    """The default free layer with a buffer SHM thickness (default: the ``corn`` cell)."""
    return M.SotDevice(temperature_k=temperature_k).replace(shm={"thickness_m": thickness_m})

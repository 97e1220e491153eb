"""CORN majority write driver: nine parallel NMOS into a buffer SOT cell (CORN III-B, IV-B).

Circuit (all netlist text built with :mod:`spice_text`):

* ``Vsub`` (Vsupply2 = 0.5 V) feeds nine NMOS (W = 3F, L = l_min of the node) whose
  sources all meet at the heavy-metal terminal ``sa`` of the buffer cell; gate ``i`` is
  driven to VDD during PROGRAM iff input bit ``i`` is 1.
* PROGRAM return: a wide NMOS ``Mprl`` from ``sb`` to ground (gate ``prog``), so the
  PROGRAM current flows ``sa -> sb`` (positive: writes P -> AP in spincim's convention).
* PRESET (before PROGRAM): an H-bridge pair ``Mpsh`` (Vsub -> ``sb``) and ``Mpsl``
  (``sa`` -> ground) drives a negative SHM current (CORN's T3 -> T2) and sets the cell to P.
* The cell is :func:`mtj_macro.dynamic_subckt` (transient) or a plain resistor R_SHM
  (``op``: current versus number of NMOS on). The MTJ terminals are grounded (no read
  current during writing).

The only calibrated number is the buffer cell's SHM thickness (beta-W, width kept at
150 nm): :func:`spincim.characterize.driver.calibrate_buffer_device` puts the 0 K reversal current for the PROGRAM
pulse (Python LLGS, :func:`switching.reversal_threshold_0k`) at the geometric mean of the
SPICE currents with 4 and 5 NMOS on, iterating because R_SHM depends on the thickness.
Nothing depends on the count except through the simulated current.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..devices import mtj as M
from ..devices import switching
from ..devices.technology import Technology, technology
from ..errors import ParameterError
from . import mtj_macro
from . import spice_text as st

__all__ = ["BUFFER_SHM_THICKNESS_M", "buffer_device", "DriverConfig", "driver_lines",
           "op_netlist", "tran_netlist", "PROGRAM_ONLY", "CORN_I1_A", "CORN_I4_A",
           "pattern_for_count", "pattern_bits", "N_INPUTS", "OP_VECTORS", "TRAN_VECTORS"]

#: number of parallel write NMOS (CORN III-B)
N_INPUTS = 9
#: CORN IV-B measured currents (A): 1 NMOS and 4 NMOS (no switch)
CORN_I1_A = 32.5e-6
CORN_I4_A = 76.2e-6
#: vectors of :func:`op_netlist` (the SHM current) and :func:`tran_netlist` runs
OP_VECTORS = ("vhm#branch",)
TRAN_VECTORS = ("time", "xbuf.mx", "v.xbuf.vshm#branch", "vsub#branch")


@dataclass(frozen=True, kw_only=True)
class DriverConfig:
    """Driver sizing and timing (SI units)."""

    tech_name: str = "22nm"      # PTM 22 nm HP standing in for CORN's 28 nm FDSOI
    v_sub_v: float = 0.5         # Vsub = Vsupply2 (CORN III-B)
    width_factor: float = 3.0    # NMOS width = 3F (CORN III-B)
    switch_width_factor: float = 40.0  # PRESET / PROGRAM-return switches: wide, low R
    preset_s: float = 5e-9       # PRESET pulse
    settle_s: float = 2e-9       # gap between PRESET and PROGRAM
    program_s: float = 10e-9     # PROGRAM pulse (the width the threshold is calibrated for)
    tail_s: float = 1e-9         # after PROGRAM
    edge_s: float = 50e-12       # gate rise / fall time
    max_step_s: float = 2e-12    # transient max step (the LLGS needs ~ps steps)

    @property
    def tech(self) -> Technology:
        return technology(self.tech_name)

    @property
    def program_start_s(self) -> float:
        return self.edge_s + self.preset_s + self.settle_s

    @property
    def stop_s(self) -> float:
        return self.program_start_s + self.program_s + self.tail_s


#: PROGRAM-only timing for the 0 K decision (the cell starts in P with the rms tilt)
PROGRAM_ONLY = DriverConfig(preset_s=0.0, settle_s=0.2e-9)


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
    """Card, Vsub, the nine write NMOS into ``sa`` and the PROGRAM / PRESET switches."""
    tech = cfg.tech
    w = cfg.width_factor * tech.node_m
    ws = cfg.switch_width_factor * tech.node_m
    lines = [st.include(str(tech.card_path)),
             st.vsource_dc("Vsub", "vsub", "0", cfg.v_sub_v)]
    for i, g in enumerate(gate_nodes):
        lines.append(st.mosfet(f"Mw{i}", "vsub", g, "sa", "0", tech.nmos_model,
                               w_m=w, l_m=tech.l_min_m))
    lines += [st.mosfet("Mprl", "sb", "prog", "0", "0", tech.nmos_model, w_m=ws,
                        l_m=tech.l_min_m),
              st.mosfet("Mpsh", "vsub", "pre", "sb", "0", tech.nmos_model, w_m=ws,
                        l_m=tech.l_min_m),
              st.mosfet("Mpsl", "sa", "pre", "0", "0", tech.nmos_model, w_m=ws,
                        l_m=tech.l_min_m)]
    return lines


def op_netlist(pattern: Sequence[int], device: M.SotDevice,
               cfg: DriverConfig = DriverConfig()) -> st.Netlist:
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
                 cfg: DriverConfig = DriverConfig(), *, m0=None,
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


#: THE calibrated number of the buffer cell: beta-W SHM thickness (m) from
#: ``characterize.driver.calibrate_buffer_device(cfg=PROGRAM_ONLY)`` with the PTM 22 nm card (2026-11-23 run:
#: 6.917 nm, I_rev = 176.4 uA between I4 = 165.5 and I5 = 188.3 uA). Declared so that
#: commands need not recalibrate; tests/netlists/test_driver.py re-derives it (0.5 %).
BUFFER_SHM_THICKNESS_M = 6.917e-9
#: PROGRAM currents of that calibration run with 4 and 5 NMOS on (A), for reports
CALIBRATED_I4_A = 165.5e-6
CALIBRATED_I5_A = 188.3e-6


def buffer_device(temperature_k: float = 300.0) -> M.SotDevice:
    """The default free layer with the calibrated buffer SHM thickness."""
    return M.SotDevice(temperature_k=temperature_k).replace(
        shm={"thickness_m": BUFFER_SHM_THICKNESS_M})

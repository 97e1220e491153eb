"""SOT-MTJ macromodels for ngspice, written as behavioural sources (no Verilog-A).

Dynamic model (:func:`dynamic_subckt`): the LLGS of :mod:`spincim.devices.llg` as a
circuit. Three 1 pF capacitors hold m_x, m_y, m_z as node voltages; B-sources inject
``C dm/dt``. The SHM is a resistor between terminals ``sa`` and ``sb`` (current along +y
when it flows from ``sa`` to ``sb``: positive writes P -> AP), sensed by a 0 V source
whose current drives the spin-orbit torques. The MTJ is a B-source conductance
G(theta, V) from the free-layer terminal ``fl`` to the reference-layer terminal ``rl``;
its current (conventional, ``fl`` -> ``rl``, i.e. electrons from the reference layer
into the free layer) drives the STT toward P. All expressions use the normalized
m / |m|, so a small drift of |m| in the integrator never changes the dynamics.
Optional thermal field: three ``trnoise`` sources of unit rms, scaled by the Brown
standard deviation for the noise time step (seeded with ``set rndseed``).

Static model (:func:`static_subckt`): a fixed state (P or AP) with per-instance RA and
TMR and the bias-dependent TMR, for DC Monte Carlo.

Internal node names: the LLGS state is probed as ``v(xNAME.mx)`` etc. for an instance
``xNAME``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..devices import mtj as M
from ..errors import ParameterError
from .spice_text import check_name, check_node, fmt_number as num

#: capacitance holding each magnetization component (F); the B-sources inject C dm/dt
C_STATE_F = 1e-12
#: largest transient step that keeps the macromodel within 0.1 % of the Python LLGS
#: switching time up to 2 Ic0 (measured: 2 ps gives +7 % at 2 Ic0, 0.5 ps +0.03 %)
MAX_STEP_S = 0.5e-12
#: |m| from the state nodes only (never from a solved node that starts at 0 under uic)
_NORM = "sqrt(v(mx)*v(mx)+v(my)*v(my)+v(mz)*v(mz))"
#: fields are carried as node voltages in MA/m to keep node values near unity
FIELD_SCALE = 1e-6


@dataclass(frozen=True)
class MacroNodes:
    """Names of the internal nodes of one macromodel instance, for probing."""

    instance: str

    def node(self, name: str) -> str:
        return f"{self.instance}.{name}"

    @property
    def mx(self) -> str:
        return self.node("mx")


def _conductance_expr(mtj: M.MtjParams, cos_expr: str, v_expr: str) -> str:
    """G(theta, V) of devices.mtj.conductance_s as an ngspice expression (S)."""
    g_p = 1.0 / M.r_p_ohm(mtj)
    tmr_v = f"({num(mtj.tmr0)}/(1+({v_expr}/{num(mtj.v_half_v)})^2))"
    return (f"({num(g_p)}*(1+{cos_expr})/2"
            f"+{num(g_p)}/(1+{tmr_v})*(1-{cos_expr})/2)")


def dynamic_subckt(name: str, device: M.SotDevice, *, m0=(1.0, 0.0, 0.0),
                   thermal_dt_s: float | None = None) -> list[str]:
    """Subcircuit lines ``.subckt NAME fl rl sa sb`` of the LLGS macromodel.

    ``m0`` sets the initial magnetization (via ``.ic``-free initial capacitor voltages,
    ``ic=`` on each capacitor: run the transient with ``uic``). ``thermal_dt_s`` adds the
    Brown field at ``device.temperature_k`` sampled every ``thermal_dt_s`` seconds.
    """
    check_name(name)
    mtj = device.mtj
    norm = math.sqrt(sum(float(c) ** 2 for c in m0))
    mx0, my0, mz0 = (float(c) / norm for c in m0)
    kx, ky, kz = (k * FIELD_SCALE for k in M.stiffness_fields_a_per_m(mtj))
    h_dl = M.h_dl_per_amp(device) * FIELD_SCALE
    h_fl = device.shm.fl_ratio * h_dl
    h_stt = M.h_stt_per_amp(mtj) * FIELD_SCALE
    alpha = mtj.alpha
    rate = M.GAMMA0 / FIELD_SCALE / (1.0 + alpha * alpha) * C_STATE_F  # C * gamma'
    lines = [f".subckt {name} fl rl sa sb",
             "* heavy metal: sense source + resistor, current sa -> sb drives the SOT",
             "Vshm sa sx 0",
             f"Rshm sx sb {num(M.r_shm_ohm(device.shm))}",
             "* magnetization state (volts = components of m), normalized copies n*",
             f"Cmx mx 0 {num(C_STATE_F)} ic={num(mx0)}",
             f"Cmy my 0 {num(C_STATE_F)} ic={num(my0)}",
             f"Cmz mz 0 {num(C_STATE_F)} ic={num(mz0)}",
             f"Bnx nx 0 V=v(mx)/{_NORM}",
             f"Bny ny 0 V=v(my)/{_NORM}",
             f"Bnz nz 0 V=v(mz)/{_NORM}",
             "* MTJ: conductance G(theta, V) between free and reference layer",
             f"Bmtj fl ri I=v(fl,ri)*{_conductance_expr(mtj, 'v(nx)', 'v(fl,ri)')}",
             "Vmtj ri rl 0",
             "* torque coefficient c = h_stt I_mtj - h_dl I_shm (MA/m)",
             f"Bc cc 0 V={num(h_stt)}*i(Vmtj)-{num(h_dl)}*i(Vshm)"]
    thermal = ""
    if thermal_dt_s is not None and device.temperature_k > 0:
        d_th = (2.0 * alpha * M.KB * device.temperature_k
                / (M.GAMMA0 * M.MU0 * mtj.ms_a_per_m * M.volume_m3(mtj)))
        sigma = math.sqrt(d_th / thermal_dt_s) * FIELD_SCALE
        lines += [f"Vthx tx 0 dc 0 trnoise(1 {num(thermal_dt_s)} 0 0)",
                  f"Vthy ty 0 dc 0 trnoise(1 {num(thermal_dt_s)} 0 0)",
                  f"Vthz tz 0 dc 0 trnoise(1 {num(thermal_dt_s)} 0 0)"]
        thermal = f"+{num(sigma)}*v(t%s)"
    lines += [
        "* effective field H (MA/m)",
        f"Bhx hx 0 V=-{num(kx)}*v(nx)-{num(h_fl)}*i(Vshm)" + (thermal % "x" if thermal else ""),
        f"Bhy hy 0 V=-{num(ky)}*v(ny)+v(cc)*v(nz)" + (thermal % "y" if thermal else ""),
        f"Bhz hz 0 V=-{num(kz)}*v(nz)-v(cc)*v(ny)" + (thermal % "z" if thermal else ""),
        "* a = m x H, b = m x a",
        "Bax ax 0 V=v(ny)*v(hz)-v(nz)*v(hy)",
        "Bay ay 0 V=v(nz)*v(hx)-v(nx)*v(hz)",
        "Baz az 0 V=v(nx)*v(hy)-v(ny)*v(hx)",
        "Bbx bx 0 V=v(ny)*v(az)-v(nz)*v(ay)",
        "Bby by 0 V=v(nz)*v(ax)-v(nx)*v(az)",
        "Bbz bz 0 V=v(nx)*v(ay)-v(ny)*v(ax)",
        "* C dm/dt = -C gamma' (a + alpha b), injected into the state nodes",
        f"Bdx 0 mx I=-{num(rate)}*(v(ax)+{num(alpha)}*v(bx))",
        f"Bdy 0 my I=-{num(rate)}*(v(ay)+{num(alpha)}*v(by))",
        f"Bdz 0 mz I=-{num(rate)}*(v(az)+{num(alpha)}*v(bz))",
        f".ends {name}",
    ]
    return [line for line in lines if line]


def static_subckt(name: str, mtj: M.MtjParams, *, state_ap: bool) -> list[str]:
    """Subcircuit lines ``.subckt NAME fl rl`` of an MTJ frozen in P or AP (bias-dependent TMR)."""
    check_name(name)
    cos = "-1" if state_ap else "1"
    g = _conductance_expr(mtj, cos, "v(fl,rl)")
    return [f".subckt {name} fl rl", f"Bmtj fl rl I=v(fl,rl)*{g}", f".ends {name}"]


def instance(name: str, nodes, subckt: str) -> str:
    """An ``X`` line instantiating ``subckt`` on ``nodes`` (all names validated)."""
    check_name(name)
    if not name.upper().startswith("X"):
        raise ParameterError("name", f"a subcircuit instance name starts with X, got {name!r}")
    return " ".join([name, *(check_node(n) for n in nodes), check_name(subckt)])

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
Optional thermal field: three extra pins take unit-normal noise voltages from PWL
sources filled by a seeded numpy generator (:func:`thermal_sources`), scaled inside by
the Brown standard deviation for the noise time step. (ngspice's own ``trnoise`` was
not reproducible run to run in one session even after ``setseed``, so it is not used.)

Static model (:func:`static_subckt`): a fixed state (P or AP) with per-instance RA and
TMR and the bias-dependent TMR, for DC Monte Carlo.

Internal node names: the LLGS state is probed as ``v(xNAME.mx)`` etc. for an instance
``xNAME``.
"""

from __future__ import annotations

import math

import numpy as np

from ..devices import mtj as M
from ..errors import ParameterError
from . import spice_text as st
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


def _conductance_expr(mtj: M.MtjParams, cos_expr: str, v_expr: str) -> str:
    """G(theta, V) of devices.mtj.conductance_s as an ngspice expression (S)."""
    g_p = 1.0 / M.r_p_ohm(mtj)
    tmr_v = f"({num(mtj.tmr0)}/(1+({v_expr}/{num(mtj.v_half_v)})^2))"
    return (f"({num(g_p)}*(1+{cos_expr})/2"
            f"+{num(g_p)}/(1+{tmr_v})*(1-{cos_expr})/2)")


def dynamic_subckt(name: str, device: M.SotDevice, *, m0=(1.0, 0.0, 0.0),
                   thermal_dt_s: float | None = None) -> list[str]:
    """Subcircuit lines ``.subckt NAME fl rl sa sb`` of the LLGS macromodel.

    ``m0`` sets the initial magnetization (``ic=`` on each state capacitor: run the
    transient with ``uic``). With ``thermal_dt_s`` the subcircuit gains three pins
    ``tx ty tz`` that take unit-variance noise voltages (see :func:`thermal_sources`),
    scaled inside to the Brown field at ``device.temperature_k`` for noise sampled
    every ``thermal_dt_s`` seconds.
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
    lines = [st.subckt(name, ("fl", "rl", "sa", "sb")),
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
    if thermal_dt_s is not None:
        lines[0] += " tx ty tz"
        thermal = f"+{num(thermal_sigma_a_per_m(device, thermal_dt_s) * FIELD_SCALE)}*v(t%s)"
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
        st.ends(name),
    ]
    return [line for line in lines if line]


def thermal_sigma_a_per_m(device: M.SotDevice, dt_s: float) -> float:
    """Standard deviation of each Brown-field component for samples ``dt_s`` apart (A/m)."""
    mtj = device.mtj
    d_th = (2.0 * mtj.alpha * M.KB * device.temperature_k
            / (M.GAMMA0 * M.MU0 * mtj.ms_a_per_m * M.volume_m3(mtj)))
    return math.sqrt(d_th / dt_s)


def thermal_sources(prefix: str, *, dt_s: float, duration_s: float,
                    rng: np.random.Generator) -> tuple[list[str], tuple[str, str, str]]:
    """Three PWL sources of independent unit normals every ``dt_s`` up to ``duration_s``.

    The noise comes from the seeded ``rng`` (numpy), so a run is reproducible and each
    instance gets its own stream. Returns the source lines and the three node names to
    connect to the ``tx ty tz`` pins of :func:`dynamic_subckt`. ngspice interpolates
    linearly between samples (as its own ``trnoise`` does).
    """
    check_name(prefix)
    n = int(math.ceil(duration_s / dt_s)) + 1
    times = np.arange(n) * dt_s
    nodes = tuple(f"{prefix}_t{axis}" for axis in "xyz")
    values = rng.standard_normal((3, n))
    lines = [st.vsource_pwl(f"V{node}", node, "0", times, values[i])
             for i, node in enumerate(nodes)]
    return lines, nodes


def static_subckt(name: str, mtj: M.MtjParams, *, state_ap: bool) -> list[str]:
    """Subcircuit lines ``.subckt NAME fl rl`` of an MTJ frozen in P or AP (bias-dependent TMR)."""
    check_name(name)
    cos = "-1" if state_ap else "1"
    g = _conductance_expr(mtj, cos, "v(fl,rl)")
    return [st.subckt(name, ("fl", "rl")), f"Bmtj fl rl I=v(fl,rl)*{g}", st.ends(name)]


def instance(name: str, nodes, subckt: str) -> str:
    """An ``X`` line instantiating ``subckt`` on ``nodes`` (all names validated)."""
    check_name(name)
    if not name.upper().startswith("X"):
        raise ParameterError("name", f"a subcircuit instance name starts with X, got {name!r}")
    return " ".join([name, *(check_node(n) for n in nodes), check_name(subckt)])

"""Monte Carlo of CORN's nine-NMOS majority write: how often does it decide wrong?

One trial is one physical driver + buffer cell: Pelgrom Vth mismatch on each of its
nine write NMOS and the PROGRAM return switch, and device spreads of the buffer cell
(SHM resistivity and thickness, free-layer Ms and thickness, which set both the
drive current and the switching threshold). For every count of active inputs
n = 0..9 the trial's PROGRAM current comes from ngspice (one ``.dc`` sweep over all
trials, every varied quantity a table, as in :mod:`.sense_margin`), then the LLGS
ensemble of the trials' own free layers (per-spin coefficients) receives that current
for the PROGRAM pulse: at 0 K (variation alone) or at a temperature (variation plus
thermal switching). An error is a switch with n <= 4 or no switch with n >= 5.

RA and TMR do not enter: the MTJ terminals carry no current while writing (the driver
grounds them), so they cannot change the decision.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .. import limits
from ..devices import llg, switching
from ..devices import mtj as M
from ..errors import ParameterError
from ..netlists import spice_text as st
from ..netlists import write_driver as wd
from . import sampling

THRESHOLD_COUNT = 5  # CORN III-B: the cell switches with >= 5 of 9 NMOS on


@dataclass(frozen=True, kw_only=True)
class MajoritySetup:
    """A majority-write Monte Carlo (SI). ``device`` is the calibrated buffer cell."""

    device: M.SotDevice
    cfg: wd.DriverConfig = field(default_factory=wd.DriverConfig)
    # no source fixes these process spreads: assumed values, all user parameters
    sigma_resistivity: float = 0.05  # SHM resistivity, relative (assumed)
    sigma_shm_thickness: float = 0.03  # SHM thickness, relative (assumed)
    sigma_ms: float = 0.03  # free-layer Ms, relative (assumed)
    sigma_t_free: float = 0.03  # free-layer thickness, relative (assumed)
    vth_mismatch: bool = True
    pulse_s: float | None = None  # default: the driver's PROGRAM width

    def __post_init__(self) -> None:
        for name in ("sigma_resistivity", "sigma_shm_thickness", "sigma_ms", "sigma_t_free"):
            value = getattr(self, name)
            if not math.isfinite(value) or not 0 <= value < 0.3:
                raise ParameterError(name, f"must be in [0, 0.3), got {value!r}")
        if self.pulse_s is not None and not (math.isfinite(self.pulse_s) and self.pulse_s > 0):
            raise ParameterError("pulse_s", f"must be > 0, got {self.pulse_s!r}")

    @property
    def program_s(self) -> float:
        return self.cfg.program_s if self.pulse_s is None else self.pulse_s


@dataclass(frozen=True)
class TrialDraws:
    """Per-trial draws (trials,) and per-transistor Vth shifts (trials, 10)."""

    resistivity_ohm_m: np.ndarray
    shm_thickness_m: np.ndarray
    ms_a_per_m: np.ndarray
    t_free_m: np.ndarray
    dvth_v: np.ndarray  # nine write NMOS, then the PROGRAM return switch


def draw(setup: MajoritySetup, trials: int, seed: int) -> TrialDraws:
    """All trials' draws from one generator (trials are cheap; one chunk)."""
    rng = sampling.chunks(trials, seed, trials)[0].rng()
    dev = setup.device
    rel = sampling.relative_normal
    tech = setup.cfg.tech
    l_m = tech.l_min_m
    sig_w = tech.sigma_vth_v(setup.cfg.width_factor * tech.node_m, l_m)
    sig_s = tech.sigma_vth_v(setup.cfg.switch_width_factor * tech.node_m, l_m)
    dvth = rng.standard_normal((trials, wd.N_INPUTS + 1))
    dvth *= np.array([sig_w] * wd.N_INPUTS + [sig_s])
    if not setup.vth_mismatch:
        dvth[:] = 0.0
    return TrialDraws(
        resistivity_ohm_m=rel(rng, dev.shm.resistivity_ohm_m, setup.sigma_resistivity, trials),
        shm_thickness_m=rel(rng, dev.shm.thickness_m, setup.sigma_shm_thickness, trials),
        ms_a_per_m=rel(rng, dev.mtj.ms_a_per_m, setup.sigma_ms, trials),
        t_free_m=rel(rng, dev.mtj.t_free_m, setup.sigma_t_free, trials),
        dvth_v=dvth)


def current_netlist(setup: MajoritySetup, d: TrialDraws, n_on: int) -> str:
    """PROGRAM operating point of every trial with ``n_on`` inputs on, as one .dc sweep."""
    cfg, dev = setup.cfg, setup.device
    vdd = cfg.tech.vdd_v
    bits = wd.pattern_for_count(n_on)
    gates = [f"g{i}" for i in range(wd.N_INPUTS)]
    r_shm = d.resistivity_ohm_m * dev.shm.length_m / (dev.shm.width_m * d.shm_thickness_m)
    lines = [*wd.driver_lines(cfg, gates), st.vsource_dc("Vidx", "idx", "0", 0.0)]
    for i, (g, b) in enumerate(zip(gates, bits)):
        lines.append(st.bsource_table(f"Bg{i}", g, "idx", (vdd - d.dvth_v[:, i]) * b))
    lines += [st.bsource_table("Bprog", "prog", "idx", vdd - d.dvth_v[:, -1]),
              st.vsource_dc("Vpre", "pre", "0", 0.0),
              st.vsource_dc("Vhm", "sa", "sx", 0.0),
              st.bsource_table("Brshm", "rshm", "idx", r_shm),
              st.bsource_current("Bshm", "sx", "sb", "v({a},{b})/v({r})", a="sx", b="sb",
                                 r="rshm"),
              st.analysis_line(st.dc("Vidx", 0.0, float(max(len(r_shm) - 1, 1)), 1.0))]
    return st.netlist(f"CORN majority Monte Carlo, {n_on} inputs on", lines)


def build_count(item: tuple[MajoritySetup, TrialDraws, int]) -> str:
    """Netlist of one count from (setup, draws, n_on): built inside an ngspice worker."""
    setup, d, n_on = item
    return current_netlist(setup, d, n_on)


def switch_count(item) -> np.ndarray:
    """Switched flags of one count's LLGS ensemble (runs where the chunk runs)."""
    co, currents, pulse_s, seed, tilt = item
    return switching.pulse_from_p(co, i_shm_a=currents, pulse_s=pulse_s, seed=seed,
                                  tilt_rad=tilt).switched


def checkpoint_parameters(setup: MajoritySetup, *, trials: int, seed: int,
                          temperature_k: float) -> dict:
    """Everything that determines a :func:`run` result (the checkpoint key)."""
    from .. import __version__

    return {"setup": setup, "trials": trials, "seed": seed,
            "temperature_k": float(temperature_k), "spincim_version": __version__}


#: memory of one trial: 14 draws + 10 PROGRAM currents + 15 LLGS coefficients and state
#: floats, twice for temporaries (an upper estimate, 8-byte floats)
BYTES_PER_TRIAL = 2 * 8 * (14 + 10 + 15)


def run(setup: MajoritySetup, *, trials: int, seed: int, temperature_k: float = 0.0,
        workers: int = 1, progress=None, executor=None, scheduler: str | None = None,
        checkpoint=None) -> dict:
    """Error rate per count of active inputs; JSON-ready (SI keys).

    Each count n_on = 0..9 is a chunk: its ngspice sweep (stage ``currents``) and its
    LLGS ensemble (stage ``switch``) run on ``executor`` (or a new one for ``workers`` /
    ``scheduler``, see :mod:`.executor`); with ``checkpoint`` (a path or an open
    :class:`~.checkpoint.Checkpoint`) finished counts are stored and skipped on resume.
    ``progress(spin_steps)`` after each count's ensemble. Re-run, retried and restored
    chunks are in ``executor.report`` (pass an executor to read it).
    """
    from . import checkpoint as ckpt
    from .executor import executor_scope

    limits.check_count("trials", trials)
    limits.check_memory("trials", trials, BYTES_PER_TRIAL, "per-trial draws, currents and "
                        "LLGS state")
    limits.check_temperature_k("temperature_k", temperature_k)
    limits.check_workers("workers", workers)
    start = time.perf_counter()
    d = draw(setup, trials, seed)
    counts = list(range(wd.N_INPUTS + 1))
    params = checkpoint_parameters(setup, trials=trials, seed=seed,
                                   temperature_k=temperature_k)
    with ckpt.checkpoint_scope(checkpoint, kind="mc majority", parameters=params) as store:
        with executor_scope(executor, scheduler=scheduler, workers=workers) as ex:
            spice = ex.run_built(build_count, [(setup, d, k) for k in counts],
                                 vectors=("vhm#branch",), checkpoint=store,
                                 stage="currents")
            currents = np.array([np.abs(r["vhm#branch"][:trials]) for r in spice])
            co = llg.coefficients_varied(setup.device, ms_a_per_m=d.ms_a_per_m,
                                         t_free_m=d.t_free_m,
                                         shm_thickness_m=d.shm_thickness_m,
                                         temperature_k=temperature_k)
            tilt = switching.rms_thermal_tilt_rad(setup.device)
            seeds = np.random.SeedSequence([seed, 1]).spawn(wd.N_INPUTS + 1)
            steps = trials * int(round((setup.program_s + 2e-9) / 1e-12))
            switched = ex.map(switch_count,
                              [(co, currents[k], setup.program_s, seeds[k], tilt)
                               for k in counts],
                              on_result=None if progress is None
                              else (lambda i, r: progress(steps)),
                              checkpoint=store, stage="switch")
    rows = []
    for n_on in counts:
        want = n_on >= THRESHOLD_COUNT
        errors = int(np.sum(switched[n_on] != want))
        lo, hi = switching.binomial_ci95(errors, trials)
        rows.append({"n_on": n_on, "i_hm_a_mean": float(currents[n_on].mean()),
                     "i_hm_a_std": float(currents[n_on].std()),
                     "p_switch": float(switched[n_on].mean()), "errors": errors,
                     "error_rate": errors / trials, "error_rate_ci95": [lo, hi]})
    wall = time.perf_counter() - start
    return {"trials": trials, "seed": seed, "temperature_k": temperature_k,
            "pulse_s": setup.program_s, "vth_mismatch": setup.vth_mismatch,
            "shm_thickness_m": setup.device.shm.thickness_m,
            "sigmas": {"resistivity": setup.sigma_resistivity,
                       "shm_thickness": setup.sigma_shm_thickness,
                       "ms": setup.sigma_ms, "t_free": setup.sigma_t_free},
            "n_on": [r["n_on"] for r in rows],
            "error_rate": [r["error_rate"] for r in rows],
            "rows": rows, "wall_s": wall}

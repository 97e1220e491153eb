"""Build a lookup table from ngspice characterizations: ``spincim lut build``.

Every energy and latency comes from a characterization in :mod:`spincim.characterize`
(ngspice transients at the technology), collected here into a :class:`schema.Lut` with
provenance: the sha256 of every netlist simulated and of the model card, ngspice's
version, the git revision, the full parameter set, the seed and the command line.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..characterize.opdata import AreaItem, OpCharacterization
from ..devices.technology import technology
from ..errors import LutError
from . import schema

#: the characterization steps of each technology: (label, module, function name)
STEPS = {
    "45nm": (("read / AND / OR / XNOR", "ops", "read_ops"),
             ("writes", "ops", "write_ops"),
             ("CMOS gates", "periphery", "gate_ops"),
             ("lines and decoders", "periphery", "line_ops")),
    "22nm": (("read / XNOR", "ops", "read_ops"),
             ("majority driver", "ops", "majority_ops"),
             ("CMOS gates", "periphery", "gate_ops"),
             ("lines and decoders", "periphery", "line_ops")),
}


def git_revision() -> str:
    """The repository's HEAD commit, or ``unknown`` outside a checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).resolve().parent, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() if out.returncode == 0 else "unknown"


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def merge_axes(results: Sequence[OpCharacterization]) -> dict[str, schema.Axis]:
    """One :class:`schema.Axis` per axis name; the same name must mean the same grid."""
    axes: dict[str, schema.Axis] = {}
    for r in results:
        for spec in r.axes:
            values = np.asarray(spec.values, dtype=float)
            if spec.name in axes:
                if not np.array_equal(axes[spec.name].values, values):
                    raise LutError("<build>", f"axis {spec.name!r} has two different grids "
                                   f"(op {r.op!r}): {values} vs {axes[spec.name].values}")
                continue
            axes[spec.name] = schema.Axis(
                name=spec.name, values=values, units=spec.units, nominal=spec.nominal,
                integer=spec.name in ("n_on", "rows", "cols", "bits"))
    return axes


def to_lut(tech_name: str, results: Sequence[OpCharacterization],
           areas: Sequence[AreaItem], provenance: dict,
           mc: Sequence[schema.McSummary] = ()) -> schema.Lut:
    """Assemble characterizations into a validated :class:`schema.Lut`."""
    ops = {}
    for r in results:
        if r.op in ops:
            raise LutError("<build>", f"op {r.op!r} characterized twice")
        ops[r.op] = schema.OpTable(op=r.op, axes=tuple(a.name for a in r.axes),
                                   energy_j=r.energy_j, latency_s=r.latency_s,
                                   description=f"{r.description} [{r.criterion}]")
    return schema.Lut(technology=f"ptm_{tech_name}", axes=merge_axes(results), ops=ops,
                      areas={a.component: schema.Area(component=a.component,
                                                      area_m2=a.area_m2,
                                                      description=a.description)
                             for a in areas},
                      mc={m.experiment: m for m in mc}, provenance=provenance)


def run_steps(tech_name: str, *, quick: bool, workers: int = 2,
              progress: Callable[[str], None] | None = None) -> list[OpCharacterization]:
    """Run every characterization step of ``tech_name``; ``progress(label)`` after each.

    ``workers`` ngspice processes run each step's independent transients in parallel.
    """
    import importlib

    if tech_name not in STEPS:
        raise LutError("<build>", f"no characterization plan for {tech_name!r}; "
                       f"choose from {', '.join(STEPS)}")
    results: list[OpCharacterization] = []
    for label, module, function in STEPS[tech_name]:
        mod = importlib.import_module(f"spincim.characterize.{module}")
        results += list(getattr(mod, function)(tech_name, quick=quick, workers=workers))
        if progress is not None:
            progress(label)
    return results


#: sense Monte Carlo stored with each LUT: trials (quick, full)
MC_TRIALS = (2000, 20000)


def sense_mc_summary(tech_name: str, *, quick: bool, seed: int,
                     workers: int | None = None) -> schema.McSummary:
    """The sense-margin Monte Carlo of the technology (IMCE III-B spreads), summarized."""
    from ..characterize import sense_margin as sm

    setup = sm.SenseSetup(tech_name=tech_name)
    trials = MC_TRIALS[0] if quick else MC_TRIALS[1]
    volts, failed = sm.simulate(setup, trials=trials, seed=seed, workers=workers or 2)
    summ = sm.summarize(setup, volts)
    attrs = {"trials": trials, "seed": seed, "failed_trials": failed,
             "i_read_a": setup.i_read_a, "sigma_ra": setup.sigma_ra,
             "sigma_tmr": setup.sigma_tmr, "fan_in": setup.fan_in}
    datasets = {}
    for op, d in summ.items():
        attrs[f"{op}_margin_v"] = d["margin_v"]
        attrs[f"{op}_failures"] = d["failures"]
        attrs[f"{op}_failure_rate"] = d["failure_rate"]
        states = sorted(d["states"])
        datasets[f"{op}_mean_v"] = np.array([d["states"][k]["mean_v"] for k in states])
        datasets[f"{op}_std_v"] = np.array([d["states"][k]["std_v"] for k in states])
    return schema.McSummary(experiment="sense_margin", attrs=attrs, datasets=datasets)


def _task(item) -> object:
    """One chunk of a build: a characterization step, or the sense Monte Carlo."""
    import importlib

    if item[0] == "step":
        _, tech_name, module, function, quick, workers = item
        mod = importlib.import_module(f"spincim.characterize.{module}")
        return list(getattr(mod, function)(tech_name, quick=quick, workers=workers))
    _, tech_name, quick, seed, workers = item
    summ = sense_mc_summary(tech_name, quick=quick, seed=seed, workers=workers)
    return {"attrs": dict(summ.attrs), "datasets": dict(summ.datasets)}


def checkpoint_parameters(tech_name: str, *, quick: bool, seed: int) -> dict:
    """Everything that determines a :func:`build` (the checkpoint key)."""
    from .. import __version__

    return {"technology": tech_name, "quick": quick, "seed": seed,
            "mc_trials": list(MC_TRIALS), "spincim_version": __version__,
            "git_revision": git_revision()}


def build(tech_name: str, *, quick: bool = False, seed: int = 0, workers: int = 2,
          command_line: str | None = None,
          progress: Callable[[str], None] | None = None, executor=None,
          scheduler: str | None = None, checkpoint=None) -> schema.Lut:
    """Characterize ``tech_name`` in ngspice and return the LUT (not yet written).

    Each characterization step and the sense Monte Carlo is one chunk of
    ``executor.map`` (:mod:`spincim.characterize.executor`; ``scheduler`` makes a Dask
    one, where the steps run in parallel, each with ``workers`` ngspice processes).
    With ``checkpoint`` (a path or an open Checkpoint) finished steps are stored and a
    re-run after a kill resumes from them; ``progress(label)`` after each step.
    """
    from ..characterize import checkpoint as ckpt
    from ..characterize import periphery
    from ..characterize.executor import executor_scope
    from ..devices.mtj import SotDevice
    from ..netlists import ngspice

    if tech_name not in STEPS:
        raise LutError("<build>", f"no characterization plan for {tech_name!r}; "
                       f"choose from {', '.join(STEPS)}")
    tech = technology(tech_name)
    labels = [label for label, _, _ in STEPS[tech_name]] + ["sense Monte Carlo"]
    items = [("step", tech_name, module, function, quick, workers)
             for _, module, function in STEPS[tech_name]]
    items.append(("mc", tech_name, quick, seed, workers))
    params = checkpoint_parameters(tech_name, quick=quick, seed=seed)
    with ckpt.checkpoint_scope(checkpoint, kind="lut build", parameters=params) as store:
        with executor_scope(executor, scheduler=scheduler, workers=workers) as ex:
            done = ex.map(_task, items, checkpoint=store, stage="steps",
                          on_result=None if progress is None
                          else (lambda index, _r: progress(labels[index])))
    results = [r for part in done[:-1] for r in part]
    mc = [schema.McSummary(experiment="sense_margin", **done[-1])]
    netlists = {f"{r.op}/{k}": v for r in results for k, v in r.netlist_sha256.items()}
    prov = schema.make_provenance(
        parameters={"technology": tech_name, "quick": quick,
                    "device": SotDevice().to_dict(),
                    "tech": {k: getattr(tech, k) for k in ("node_m", "vdd_v", "l_min_m",
                                                           "a_vt_v_m", "wire_r_ohm_per_m",
                                                           "wire_c_f_per_m")}},
        seed=seed, netlist_sha256=netlists,
        model_card_sha256={tech.card_file: _file_sha256(tech.card_path)},
        ngspice_version=ngspice.ngspice_version(), git_revision=git_revision(),
        command_line=command_line)
    return to_lut(tech_name, results, periphery.areas(tech_name), prov, mc)

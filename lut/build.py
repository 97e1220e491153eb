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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..characterize.executor import Executor
from ..characterize.opdata import AreaItem, OpCharacterization
from ..devices.technology import SHIPPED, technology
from ..errors import LutError, ParameterError
from . import schema
from .grid import DEFAULT as DEFAULT_GRID
from .grid import Grid

@dataclass(frozen=True)
class BuildContext:
    """What every LUT build step gets: the node, the device, the grid and the one runner.

    ``tech`` is the technology spec (a shipped name or a technology file path: worker
    processes load it from there); ``device`` is None for the default junction (whose
    derived numbers are declared) or the user's; ``checkpoint`` is the step's own
    :class:`~spincim.characterize.checkpoint.Section` of the build's checkpoint (None
    without one): pass it to every executor call.
    """

    tech: str
    quick: bool
    seed: int
    executor: Executor
    checkpoint: object = None
    device: object = None
    grid: Grid = DEFAULT_GRID

    @property
    def vdd_values(self):
        return self.grid.vdd_values(technology(self.tech).vdd_v)


@dataclass(frozen=True)
class Step:
    """One registered characterization step of :func:`build`."""

    name: str
    label: str
    technologies: tuple[str, ...]
    run: Callable[[BuildContext], list]


#: every registered step, in build order (see :func:`step`)
REGISTRY: dict[str, Step] = {}
#: the steps a user technology file gets (its name is not a shipped node's)
USER_TECHNOLOGY = "user"


def step(name: str, label: str, technologies: Sequence[str]):
    """Register ``fn(ctx) -> list[OpCharacterization]`` as the build step ``name``.

    A step may also return Monte Carlo summaries as plain dicts
    ``{"experiment": name, "attrs": {...}, "datasets": {...}}`` (the fields of
    :class:`schema.McSummary`; plain data, so checkpoints can store them).

    ``technologies`` lists the shipped node names the step characterizes, and
    :data:`USER_TECHNOLOGY` if it also runs for a technology file.
    """
    def register(fn):
        if name in REGISTRY:
            raise LutError("<build>", f"build step {name!r} registered twice")
        REGISTRY[name] = Step(name, label, tuple(technologies), fn)
        return fn
    return register


def plan_key(tech_spec: str) -> str:
    """The plan a technology follows: its shipped name, or :data:`USER_TECHNOLOGY`."""
    return str(tech_spec) if str(tech_spec) in SHIPPED else USER_TECHNOLOGY


def steps_for(tech_spec: str) -> list[Step]:
    """The registered steps that characterize ``tech_spec``, in build order."""
    key = plan_key(tech_spec)
    chosen = [s for s in REGISTRY.values() if key in s.technologies]
    if not chosen:
        raise LutError("<build>", f"no characterization plan for {tech_spec!r}; give "
                       f"{', '.join(sorted(SHIPPED))} or a technology .toml file")
    return chosen


@step("read_ops", "read / AND / OR / XNOR", ("45nm", USER_TECHNOLOGY))
def _read_imce(ctx: BuildContext) -> list:
    """The sense ops with the lumped 10 fF column and the sense path at every grid
    row count (``column_<op>``)."""
    from ..characterize import ops
    common = {"quick": ctx.quick, "vdd_values": ctx.vdd_values,
              "temperatures_k": ctx.grid.temperatures_k, "i_read_a": ctx.grid.i_read_a,
              "device": ctx.device, "executor": ctx.executor, "checkpoint": ctx.checkpoint}
    return (ops.read_ops(ctx.tech, **common)
            + ops.column_read_ops(ctx.tech, rows=ctx.grid.rows, **common))


@step("read_xnor", "read / XNOR", ("22nm",))
def _read_corn(ctx: BuildContext) -> list:
    return _read_imce(ctx)


@step("write_ops", "writes", ("45nm", USER_TECHNOLOGY))
def _writes(ctx: BuildContext) -> list:
    """The cell's writes and the write path of a column at every grid row count."""
    from ..characterize import ops, write_column
    return (ops.write_ops(ctx.tech, quick=ctx.quick, vdd_values=ctx.vdd_values,
                          temperatures_k=ctx.grid.temperatures_k, device=ctx.device,
                          executor=ctx.executor, checkpoint=ctx.checkpoint)
            + write_column.write_column_ops(ctx.tech, rows=ctx.grid.rows, quick=ctx.quick,
                                            vdd_values=ctx.vdd_values,
                                            temperatures_k=ctx.grid.temperatures_k,
                                            device=ctx.device, executor=ctx.executor,
                                            checkpoint=ctx.checkpoint))


@step("majority_ops", "majority driver", ("22nm", USER_TECHNOLOGY))
def _majority(ctx: BuildContext) -> list:
    from ..characterize import ops
    return ops.majority_ops(ctx.tech, quick=ctx.quick, vdd_values=ctx.vdd_values,
                            temperatures_k=ctx.grid.temperatures_k, device=ctx.device,
                            executor=ctx.executor, checkpoint=ctx.checkpoint)


@step("majority_designs", "majority designs", ("22nm",))
def _majority_designs(ctx: BuildContext) -> list:
    """Every registered majority design but ``corn`` (the ``majority_ops`` step): threshold
    designs' PRESET / PROGRAM / max-pool ops, decide designs' decide-and-write op."""
    from ..characterize import decide, ops
    from ..netlists import majority_designs as designs

    out = []
    for name, entry in designs.REGISTRY.items():
        if name == designs.DEFAULT_DESIGN:
            continue
        if entry.kind == "threshold":
            out += ops.majority_ops(ctx.tech, design=name, quick=ctx.quick,
                                    vdd_values=ctx.vdd_values,
                                    temperatures_k=ctx.grid.temperatures_k, device=ctx.device,
                                    executor=ctx.executor, checkpoint=ctx.checkpoint,
                                    stage=f"majority_ops:{name}")
        else:
            out += decide.write_ops(designs.design(name), quick=ctx.quick,
                                    vdd_values=ctx.vdd_values,
                                    temperatures_k=ctx.grid.temperatures_k,
                                    executor=ctx.executor, checkpoint=ctx.checkpoint)
    return out


@step("gate_ops", "CMOS gates", ("45nm", "22nm", USER_TECHNOLOGY))
def _gates(ctx: BuildContext) -> list:
    from ..characterize import periphery
    return periphery.gate_ops(ctx.tech, quick=ctx.quick, vdd_values=ctx.vdd_values,
                              temperatures_k=ctx.grid.temperatures_k,
                              executor=ctx.executor, checkpoint=ctx.checkpoint)


@step("line_ops", "lines and decoders", ("45nm", "22nm", USER_TECHNOLOGY))
def _lines(ctx: BuildContext) -> list:
    from ..characterize import periphery
    return periphery.line_ops(ctx.tech, quick=ctx.quick, rows=ctx.grid.rows,
                              cols=ctx.grid.cols, vdd_values=ctx.vdd_values,
                              temperatures_k=ctx.grid.temperatures_k,
                              executor=ctx.executor, checkpoint=ctx.checkpoint)


@step("interconnect_ops", "global interconnect and leakage", ("45nm", "22nm", USER_TECHNOLOGY))
def _interconnect(ctx: BuildContext) -> list:
    """Repeated global wire, H-tree segment, bank I/O driver, sub-array leakage; nothing
    for a technology file without a ``[global_wires]`` table."""
    from ..characterize import interconnect

    if technology(ctx.tech).global_wire_r_ohm_per_m is None:
        return []
    return interconnect.interconnect_ops(ctx.tech, quick=ctx.quick, vdd_values=ctx.vdd_values,
                                         temperatures_k=ctx.grid.temperatures_k,
                                         rows=ctx.grid.rows, cols=ctx.grid.cols,
                                         executor=ctx.executor, checkpoint=ctx.checkpoint)


#: Monte Carlo summary of the reliability step (``/mc/reliability`` in the LUT)
RELIABILITY = "reliability"
#: effort of the reliability step, (quick, full): relative 95 % half-width of the WER and of
#: the read disturb, splitting groups at most, replicas per splitting run, runs per group,
#: importance-sampling paths at most per WER
RELIABILITY_EFFORT = (
    {"wer_rel_tol": 0.3, "disturb_rel_tol": 0.6, "max_groups": 1, "replicas": 20,
     "runs_per_group": 3, "wer_max_paths": 8192},
    {"wer_rel_tol": 0.1, "disturb_rel_tol": 0.5, "max_groups": 2, "replicas": 100,
     "runs_per_group": 8, "wer_max_paths": 262_144},
)


@step(RELIABILITY, "write error rate / read disturb", ("45nm", "22nm", USER_TECHNOLOGY))
def _reliability(ctx: BuildContext) -> list:
    """WER of the write and read disturb of every read op at each grid temperature
    (:func:`spincim.characterize.rare.reliability_table`) as the Monte Carlo summary
    ``/mc/reliability``: datasets ``write_wer`` and ``<op>_disturb`` (with their 95 %
    interval ``_ci95_lo``/``_ci95_hi``) over the dimension ``temperature_k`` (the grid's
    temperatures, as the ops' axis: only the first in a quick build); the estimators
    (importance sampling / adaptive multilevel splitting) are in its attributes and in the
    provenance parameters (``reliability_methods``)."""
    from ..characterize import rare
    from ..characterize.ops import temperature_axis

    corners = temperature_axis(ctx.grid.temperatures_k, ctx.quick).values
    table = rare.reliability_table(ctx.device, corners, i_read_a=ctx.grid.i_read_a,
                                   seed=ctx.seed, executor=ctx.executor,
                                   **RELIABILITY_EFFORT[0 if ctx.quick else 1])
    datasets = dict(table["datasets"])
    temps = np.asarray(datasets.pop("temperature_k"), dtype=float)
    return [{"experiment": RELIABILITY, "attrs": table["attrs"], "datasets": datasets,
             "dims": {k: ("temperature_k",) for k in datasets},
             "coords": {"temperature_k": temps}}]


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
                integer=spec.name in ("n_on", "rows", "cols", "bits", "subarray_rows",
                                                "subarray_cols"))
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


#: sense Monte Carlo stored with each LUT: trials (quick, full)
MC_TRIALS = (2000, 20000)


def sense_mc_summary(tech_name: str, *, quick: bool, seed: int, executor=None,
                     checkpoint=None, device=None, i_read_a: float | None = None
                     ) -> schema.McSummary:
    """The sense-margin Monte Carlo of the technology (IMCE III-B spreads), summarized."""
    from ..characterize import sense_margin as sm

    setup = sm.SenseSetup(tech_name=tech_name,
                          **({} if device is None else {"device": device}),
                          **({} if i_read_a is None else {"i_read_a": i_read_a}))
    trials = MC_TRIALS[0] if quick else MC_TRIALS[1]
    volts, failed = sm.simulate(setup, trials=trials, seed=seed, executor=executor,
                                checkpoint=checkpoint)
    summ = sm.summarize(setup, volts)
    attrs = {"trials": trials, "seed": seed, "failed_trials": failed,
             "i_read_a": setup.i_read_a, "sigma_ra": setup.sigma_ra,
             "sigma_tmr": setup.sigma_tmr, "fan_in": setup.fan_in}
    datasets, dims, coords = {}, {}, {}
    for op, d in summ.items():
        attrs[f"{op}_margin_v"] = d["margin_v"]
        attrs[f"{op}_failures"] = d["failures"]
        attrs[f"{op}_failure_rate"] = d["failure_rate"]
        states = sorted(d["states"])   # stored bits, one character per sensed cell
        for stat in ("mean_v", "std_v"):
            datasets[f"{op}_{stat}"] = np.array([d["states"][k][stat] for k in states])
            dims[f"{op}_{stat}"] = (f"{op}_state",)
        coords[f"{op}_state"] = np.array(states, dtype=str)
    return schema.McSummary(experiment="sense_margin", attrs=attrs, datasets=datasets,
                            dims=dims, coords=coords)


#: majority-write Monte Carlo stored with the LUT of the designs' node: trials per count
#: (quick, full) at 300 K, every registered design
MAJORITY_MC_TRIALS = (100, 2000)
#: the node the majority designs are built for
MAJORITY_MC_TECH = "22nm"


def majority_mc_summaries(tech_name: str, *, quick: bool, seed: int, executor=None,
                          checkpoint=None, device=None) -> list[schema.McSummary]:
    """The 300 K majority Monte Carlo of every registered design (device variation and
    Pelgrom mismatch at their defaults), summarized per count: ``mc/majority_<design>``.
    Only for the designs' node and the default junction (the designs' buffer cells are
    declared for it); a user device gets its threshold-design ops re-calibrated instead."""
    from ..characterize import majority
    from ..netlists import majority_designs as designs

    if not _runs_majority_mc(tech_name, device):
        return []
    trials = MAJORITY_MC_TRIALS[0] if quick else MAJORITY_MC_TRIALS[1]
    out = []
    for name in designs.names():
        r = majority.run(majority.MajoritySetup(design=name), trials=trials, seed=seed,
                         temperature_k=300.0, executor=executor,
                         checkpoint=None if checkpoint is None else checkpoint.section(name))
        rows = r["rows"]
        attrs = {"design": name, "kind": r["kind"], "trials": trials, "seed": seed,
                 "temperature_k": 300.0, "pulse_s": r["pulse_s"],
                 "error_threshold": r["error_threshold"],
                 "sigma_resistivity": r["sigmas"]["resistivity"],
                 "sigma_shm_thickness": r["sigmas"]["shm_thickness"],
                 "sigma_ms": r["sigmas"]["ms"], "sigma_t_free": r["sigmas"]["t_free"],
                 "vth_mismatch": bool(r["vth_mismatch"])}
        datasets = {"n_on": np.array(r["n_on"], dtype=np.int64),
                    "p_switch": np.array([x["p_switch"] for x in rows]),
                    "errors": np.array([x["errors"] for x in rows], dtype=np.int64),
                    "error_rate": np.array([x["error_rate"] for x in rows]),
                    "error_rate_ci95_lo": np.array([x["error_rate_ci95"][0] for x in rows]),
                    "error_rate_ci95_hi": np.array([x["error_rate_ci95"][1] for x in rows])}
        out.append(schema.McSummary(experiment=f"majority_{name.replace('-', '_')}",
                                    attrs=attrs, datasets=datasets))
    return out


def _technology_record(tech) -> dict:
    """The technology as used (every field, the card's sha256), for provenance and keys."""
    record = tech.to_dict()
    record["card_sha256"] = _file_sha256(tech.card_path)
    if record.get("source_file"):   # the file's name and content, not this machine's path
        record["source_sha256"] = _file_sha256(Path(record["source_file"]))
        record["source_file"] = Path(record["source_file"]).name
    return record


def checkpoint_parameters(tech_name: str, *, quick: bool, seed: int, device=None,
                          grid: Grid = DEFAULT_GRID, steps: Sequence[str] | None = None) -> dict:
    """Everything that determines a :func:`build` (the checkpoint key)."""
    from .. import __version__

    return {"technology": _technology_record(technology(tech_name)), "quick": quick,
            "seed": seed, "device": None if device is None else device.to_dict(),
            "grid": grid.to_dict(), "steps": [s.name for s in _chosen(tech_name, steps)],
            "mc_trials": list(MC_TRIALS),
            "majority_mc_trials": list(MAJORITY_MC_TRIALS), "spincim_version": __version__,
            "git_revision": git_revision()}


def _chosen(tech_name: str, steps: Sequence[str] | None) -> list[Step]:
    plan = steps_for(tech_name)
    if steps is None:
        return plan
    names = [s.name for s in plan]
    unknown = [n for n in steps if n not in names]
    if unknown or not steps:
        raise ParameterError("steps", f"choose from {', '.join(names)}; got "
                             f"{', '.join(unknown) or 'none'}")
    return [s for s in plan if s.name in steps]


def progress_count(tech_name: str, steps: Sequence[str] | None = None, device=None) -> int:
    """How many times :func:`build` calls ``progress``: once per chosen step, once for the
    sense Monte Carlo, once for the majority Monte Carlo where it runs
    (:func:`majority_mc_summaries`)."""
    return len(_chosen(tech_name, steps)) + 1 + int(_runs_majority_mc(tech_name, device))


def _runs_majority_mc(tech_name: str, device) -> bool:
    """The majority Monte Carlo runs for the designs' node with the default junction."""
    return tech_name == MAJORITY_MC_TECH and device is None


def check_inputs(technology_spec, device=None, grid=None, executor=None):
    """Everything a build needs, checked before any long run: the technology file (keys,
    card, model names; ngspice loads the card and finds both models), the device and
    the grid. Returns (technology spec string, device or None, grid)."""
    from ..characterize.calibration import check_technology
    from ..devices.mtj import SotDevice

    spec = technology_spec if isinstance(technology_spec, str) else str(technology_spec)
    tech = technology(spec)
    if device is not None and not isinstance(device, SotDevice):
        raise ParameterError("device", f"must be a SotDevice, got {type(device).__name__}")
    grid = DEFAULT_GRID if grid is None else grid
    if not isinstance(grid, Grid):
        raise ParameterError("grid", f"must be a Grid, got {type(grid).__name__}")
    check_technology(tech, executor=executor)
    return spec, (None if device is None or device == SotDevice() else device), grid


def build(technology_spec: str = "45nm", *, device=None, grid: Grid | None = None,
          quick: bool = False, seed: int = 0, steps: Sequence[str] | None = None,
          workers: int | None = None, command_line: str | None = None,
          progress: Callable[[str], None] | None = None, executor=None,
          scheduler: str | None = None, checkpoint=None) -> schema.Lut:
    """Characterize a technology (and a device) in ngspice; return the LUT (not written).

    ``technology_spec``: a shipped node (``"45nm"``, ``"22nm"``) or a technology file
    (:mod:`spincim.devices.technology`); ``device``: the junction (a
    :class:`~spincim.devices.mtj.SotDevice`; default IMCE's), from which every derived
    number is recomputed (write voltages, references, the majority buffer, the sense
    margins); ``grid``: a :class:`~spincim.lut.grid.Grid`; ``steps``: a subset of the
    registered step names. Inputs are checked first (:func:`check_inputs`).

    The registered steps (:func:`steps_for`) and the sense Monte Carlo run one after the
    other on ONE executor (:mod:`spincim.characterize.executor`: ``executor``, or one
    made from ``scheduler`` / ``workers``), each spreading its own simulations over its
    workers. With ``checkpoint`` (a path or an open Checkpoint) every finished
    simulation chunk and every finished step is stored; a re-run after a kill resumes
    from them. ``progress(label)`` is called after each step.
    """
    from ..characterize import checkpoint as ckpt
    from ..characterize.areas import areas
    from ..characterize.executor import executor_scope
    from ..devices.mtj import SotDevice

    with executor_scope(executor, scheduler=scheduler, workers=workers) as ex:
        spec, device, grid = check_inputs(technology_spec, device, grid, executor=ex)
        chosen = _chosen(spec, steps)
        tech = technology(spec)
        params = checkpoint_parameters(spec, quick=quick, seed=seed, device=device, grid=grid,
                                       steps=steps)
        results: list = []
        with ckpt.checkpoint_scope(checkpoint, kind="lut build", parameters=params) as store:
            for index, item in enumerate(chosen):
                results += _run_step(item, index, BuildContext(
                    spec, quick, seed, ex, None if store is None else store.section(item.name),
                    device, grid), store)
                if progress is not None:
                    progress(item.label)
            mc = sense_mc_summary(spec, quick=quick, seed=seed, executor=ex,
                                  checkpoint=None if store is None
                                  else store.section("sense_mc"),
                                  device=device, i_read_a=grid.i_read_a)
            if progress is not None:
                progress("sense Monte Carlo")
            mc_majority = majority_mc_summaries(
                spec, quick=quick, seed=seed, executor=ex, device=device,
                checkpoint=None if store is None else store.section("majority_mc"))
            if mc_majority and progress is not None:
                progress("majority Monte Carlo")
        version = ex.ngspice_version()
    summaries = [schema.McSummary(**r) for r in results if isinstance(r, dict)]
    results = [r for r in results if not isinstance(r, dict)]
    netlists = {f"{r.op}/{k}": v for r in results for k, v in r.netlist_sha256.items()}
    calibrations = {r.op: r.calibration for r in results if r.calibration}
    prov = schema.make_provenance(
        parameters={"technology": spec if spec in SHIPPED else tech.name, "quick": quick,
                    "steps": [s.name for s in chosen],
                    "device": (device or SotDevice()).to_dict(),
                    "device_is_default": device is None,
                    "tech": _technology_record(tech), "grid": grid.to_dict(),
                    "calibrations": calibrations,
                    **{f"{m.experiment}_methods": {k: v for k, v in m.attrs.items()
                                                   if k.endswith("_method")}
                       for m in summaries}},
        seed=seed, netlist_sha256=netlists,
        model_card_sha256={tech.card_path.name: _file_sha256(tech.card_path)},
        ngspice_version=version, git_revision=git_revision(),
        command_line=command_line)
    return to_lut(tech.name, results, areas(spec), prov, [mc, *mc_majority, *summaries])


def _run_step(item: Step, index: int, ctx: BuildContext, store) -> list:
    """One step's characterizations, restored whole from the checkpoint when stored."""
    if store is not None:
        stored = store.get("steps", index)
        if stored is not None:
            return list(stored)
    result = list(item.run(ctx))
    if store is not None:
        store.put("steps", index, result)
    return result

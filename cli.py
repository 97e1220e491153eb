"""The ``spincim`` command line: thin subcommands over the library.

Every subcommand prints a readable table by default and, with ``--json``, exactly one
JSON object on stdout whose keys carry SI units as suffixes. Bad input gives one line on
stderr and exit code 2. Heavy modules are imported inside the commands.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from . import __version__
from .errors import LutError, ParameterError, SimulationError, SpincimError

EXIT_BAD_INPUT = 2
EXIT_FAILURE = 1


class _HelpFormatter(argparse.HelpFormatter):
    """Help that states every option's default (unless its text already does)."""

    def _get_help_string(self, action):
        text = action.help or ""
        default = action.default
        if (not action.option_strings or default is None
                or (default is False and not isinstance(action, argparse.BooleanOptionalAction))
                or default is argparse.SUPPRESS or "default" in text
                or isinstance(action, (argparse._HelpAction, argparse._VersionAction))):
            return text
        if isinstance(default, (tuple, list)):
            default = ",".join(str(d) for d in default)
        elif isinstance(action, argparse.BooleanOptionalAction):
            default = "on" if default else "off"
        return f"{text} (default: {str(default).replace('%', '%%')})"


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line on stderr, exit 2; every help
    states the defaults."""

    def __init__(self, *args, **kwargs):
        import re
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)
        # "-1e-4" is a negative number (a value), not an option (argparse < 3.13 misses it)
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")

    #: a callable whose text ends this parser's --help (computed only when shown)
    help_note = None

    def format_help(self):
        text = super().format_help()
        return text + "\n" + self.help_note() + "\n" if self.help_note else text

    def error(self, message):  # noqa: D401 - argparse API
        raise _UsageError(f"{self.prog}: {message}")


class _UsageError(Exception):
    pass


# --------------------------------------------------------------------------- helpers
def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be finite and > 0, got {text!r}")
    return value


def _nonneg_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be finite and >= 0, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text!r}")
    return value


def _finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be finite, got {text!r}")
    return value


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


PLOT_SUFFIXES = (".png", ".pdf", ".svg")


def _check_ranges(args) -> None:
    """Refuse out-of-range values of shared options before any work (exit 2).

    The ranges are the library's own (:mod:`spincim.limits`): the same checks run again
    inside the library, so a Python caller gets the same ``ParameterError``.
    """
    from . import limits

    def get(name):
        return getattr(args, name, None)

    def bad(option, allowed, value):
        raise _UsageError(f"{option} must be {allowed}, got {value!r}")

    def check(option, fn, *values):
        try:
            fn(option, *values)
        except ParameterError as exc:
            raise _UsageError(str(exc)) from None

    if get("replicas") is not None and get("replicas") > 10**6:
        bad("--replicas", "between 1 and 1e6", get("replicas"))
    if get("chunk_timeout_s") is not None and not 0.1 <= get("chunk_timeout_s") <= 1e6:
        bad("--chunk-timeout-s", "between 0.1 and 1e6 s", get("chunk_timeout_s"))
    if get("no_workers_timeout_s") is not None:
        if not 0.1 <= get("no_workers_timeout_s") <= 1e6:
            bad("--no-workers-timeout-s", "between 0.1 and 1e6 s", get("no_workers_timeout_s"))
        if get("scheduler") is None:
            bad("--no-workers-timeout-s", "given with --scheduler (it bounds a Dask run's "
                "wait for workers)", get("no_workers_timeout_s"))
    if get("memory_limit_mib") is not None and not 64 <= get("memory_limit_mib") <= 1e7:
        bad("--memory-limit-mib", "between 64 and 1e7 MiB", get("memory_limit_mib"))
    for name, value in vars(args).items():   # file names: the OS refuses NUL bytes
        if isinstance(value, str) and "\x00" in value:
            bad(f"--{name.replace('_', '-')}", "text without NUL characters", value)
    check("--workers", limits.check_workers, get("workers"))
    for name in ("runs", "trials", "samples", "max_paths"):
        if get(name) is not None:
            check(f"--{name.replace('_', '-')}", limits.check_count, get(name))
    if get("temperature_k") is not None:
        check("--temperature-k", limits.check_temperature_k, get("temperature_k"))
    for option, p in [("--pulse-s", get("pulse_s"))] + [("--pulses", p)
                                                        for p in get("pulses") or ()]:
        if p is not None:
            check(option, limits.check_pulse_s, p)
    if get("dt_s") is not None:
        check("--dt-s", limits.check_dt_s, get("dt_s"))
        if get("pulse_s") is not None:
            check("--pulse-s / --dt-s", limits.check_steps, get("pulse_s"), get("dt_s"))
    for option, c in [("--current-a", get("current_a"))] + [("--currents", c)
                                                            for c in get("currents") or ()]:
        if c is not None:
            check(option, limits.check_current_a, c)
    p_low = get("p_low")
    if p_low is not None and not 0 < p_low < 0.5:
        bad("--p-low", "in (0, 0.5)", p_low)
    if get("func") is cmd_mc_fanin and not 2 <= args.max <= 8:
        bad("--max", "a fan-in between 2 and 8", args.max)
    if get("plot"):
        from pathlib import Path
        plot = Path(args.plot)
        if plot.suffix.lower() not in PLOT_SUFFIXES:
            bad("--plot", f"a file ending in {', '.join(PLOT_SUFFIXES)}", args.plot)
        try:
            _out_path(args.plot)
        except argparse.ArgumentTypeError as exc:
            raise _UsageError(f"--plot: {exc}") from None


def _json_clean(obj):
    """NaN/inf become null so the output is strict JSON."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _json_clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_clean(v) for v in obj]
    return obj


def emit_json(obj: dict) -> None:
    """Print exactly one JSON object on stdout."""
    sys.stdout.write(json.dumps(_json_clean(obj), indent=2, allow_nan=False) + "\n")


def fmt(value) -> str:
    """Engineering format for tables: 4 significant digits."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if not math.isfinite(value) else f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    return _one_line(value)   # file-borne text: control characters escaped


def print_table(rows, headers=("quantity", "value")) -> None:
    """Print rows (sequences) under headers as an aligned text table."""
    cells = [[fmt(c) for c in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) if cells else len(str(h))
              for i, h in enumerate(headers)]
    line = "  ".join(str(h).ljust(w) for h, w in zip(headers, widths))
    print(line)
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))


def progress_bar(total: int, desc: str, unit: str = "it"):
    """A tqdm bar on stderr (silent when stderr is not a terminal)."""
    from tqdm import tqdm
    return tqdm(total=total, desc=desc, unit=unit, unit_scale=True, file=sys.stderr,
                disable=None, leave=False)


def _plot_and_emit(args, out: dict, plot) -> bool:
    """Draw ``plot(path)`` for --plot (recorded in ``out``); print ``out`` for --json.

    Returns True when the JSON was printed (the command is done)."""
    if args.plot:
        plot(args.plot)
        out["plot"] = args.plot
    if args.json:
        emit_json(out)
        return True
    return False


def _load_device(args):
    from .devices.config import load_device
    from .devices.mtj import SotDevice
    device = load_device(args.params) if args.params else SotDevice()
    if getattr(args, "temperature_k", None) is not None:
        device = device.replace(temperature_k=args.temperature_k)
    return device


# --------------------------------------------------------------------------- commands
def cmd_device_show(args) -> int:
    from .devices import mtj as M
    device = _load_device(args)
    out = {"params": device.to_dict(), "derived": M.derived(device)}
    if args.json:
        emit_json(out)
        return 0
    rows = []
    for part in ("mtj", "shm"):
        rows += [(f"{part}.{k}", v) for k, v in out["params"][part].items()]
    rows.append(("temperature_k", device.temperature_k))
    rows += [(k, v) for k, v in out["derived"].items()]
    print_table(rows, ("parameter", "value (SI)"))
    return 0


def cmd_llg_switch(args) -> int:
    from .devices import switching
    device = _load_device(args)
    from .devices.switching import SETTLE_S
    if args.dt_s is None:  # the default step, reduced where the current needs it
        args.dt_s = switching.default_dt_s(device, args.current_a)
        if args.dt_s < switching.DEFAULT_DT_S:
            print(f"note: time step reduced to {args.dt_s:.3g} s, the largest stable step at "
                  f"{args.current_a:g} A", file=sys.stderr)
    settle = SETTLE_S if device.temperature_k > 0 else 0.0
    total = args.runs * int(round((args.pulse_s + settle) / args.dt_s))
    with progress_bar(total, "LLGS spin-steps") as bar:
        st = switching.switch_ensemble(device, i_shm_a=args.current_a, pulse_s=args.pulse_s,
                                       runs=args.runs, seed=args.seed, dt_s=args.dt_s,
                                       backend=args.backend, workers=args.workers,
                                       progress=bar.update)
    out = {"runs": st.runs, "switched_fraction": st.switched_fraction,
           "switched_fraction_ci95": list(st.ci95), "t_switch_s_median": st.t_switch_s_median,
           "wall_s": st.wall_s, "trajectories_per_s": st.trajectories_per_s,
           "current_a": args.current_a, "pulse_s": args.pulse_s,
           "temperature_k": device.temperature_k, "seed": args.seed}
    if args.json:
        emit_json(out)
    else:
        print_table([(k, v) for k, v in out.items()])
    return 0


def cmd_netlist_export(args) -> int:
    import hashlib
    from pathlib import Path
    from .netlists import export as E
    out = Path(args.out)
    kwargs = {}
    if args.kind == "driver":
        kwargs["n_on"] = args.n_on
        if args.calibrate:
            from .characterize import driver
            from .netlists import write_driver as W
            kwargs["device"] = driver.calibrate_buffer_device(cfg=W.PROGRAM_ONLY)
    exp = E.export(args.kind, **kwargs)
    try:
        E.write(exp, out)
    except OSError as exc:
        raise _UsageError(f"--out: cannot write {str(out)!r}: {exc.strerror or exc}") from None
    data = out.read_bytes()
    result = {"kind": exp.kind, "path": str(out.resolve()),
              "sha256": hashlib.sha256(data).hexdigest(), "lines": exp.lines,
              "analysis": exp.analysis}
    if args.json:
        emit_json(result)
    else:
        print_table([(k, v) for k, v in result.items()])
    return 0


def _designs(text: str) -> tuple[str, ...]:
    """``--design``: one or more registered majority designs, comma-separated."""
    from .netlists import majority_designs
    names = tuple(t.strip() for t in text.split(",") if t.strip())
    bad = [n for n in names if n not in majority_designs.REGISTRY]
    if not names or bad or len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(
            f"expected design names from {', '.join(majority_designs.REGISTRY)} "
            f"(comma-separated, each once), got {text!r}"[:200])
    return names


def _threshold(text: str) -> float:
    value = _positive_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1), got {text!r}")
    return value


_STATUS_MARK = {"above": "ABOVE", "below": "ok", "unresolved": "?"}


def _status_note(threshold: float) -> str:
    return (f"status against a decision error of {threshold:g}: ABOVE = the 95 % interval "
            f"lies above it, ok = at or below it, ? = the interval straddles it")


def _checkpoints(args, kind: str):
    """``part(name)``: the checkpoint of one run of a command over several designs (or
    temperatures): the --checkpoint file itself for a single run, else a section of it
    keyed by every option of the command."""
    import contextlib

    @contextlib.contextmanager
    def scope():
        several = len(args.design) > 1 or (getattr(args, "plot", None) and kind == "mc majority"
                                            and args.temperature_k > 0)
        if args.checkpoint is None or not several:
            yield lambda _name: args.checkpoint
            return
        from .characterize import checkpoint as ckpt
        keys = {k: v for k, v in sorted(vars(args).items())
                if k not in ("func", "json", "plot", "workers", "scheduler", "chunk_timeout_s",
                             "memory_limit_mib", "checkpoint")}
        with ckpt.checkpoint_scope(args.checkpoint, kind=kind,
                                   parameters={"argv": keys, "version": __version__}) as store:
            yield lambda name: store.section(name)
    return scope()


def _emit_designs(args, results: dict) -> None:
    """JSON of one design as its own object, of several as {"designs": {name: ...}}."""
    emit_json(next(iter(results.values())) if len(results) == 1 else {"designs": results})


def cmd_driver_sweep(args) -> int:
    from .characterize import driver
    from .netlists import write_driver as W
    counts = range(W.N_INPUTS + 1)
    per = 1 + len(counts) * (2 if args.temperature_k > 0 else 1)
    results, sweeps = {}, {}
    with _executor(args, args.workers) as ex, _checkpoints(args, "driver sweep") as part, \
            progress_bar(per * len(args.design), "driver transients and ensembles",
                         unit="run") as bar:
        for name in args.design:
            sweeps[name] = driver.driver_sweep(
                design=name, calibrate=args.calibrate, temperature_k=args.temperature_k,
                runs=args.runs, seed=args.seed, pulse_s=args.pulse_s, counts=counts,
                error_threshold=args.error_threshold, executor=ex, checkpoint=part(name),
                progress=lambda label: (bar.set_postfix_str(label), bar.update(1)))
            results[name] = sweeps[name].to_dict()
    _note_executor(ex)
    if args.plot:
        from .characterize import majority_plot
        majority_plot.plot_p_ap({n: majority_plot.curve_from_sweep(r)
                                 for n, r in results.items()}, args.plot,
                                title=f"driver sweep, {args.runs} runs per count")
        for r in results.values():
            r["plot"] = args.plot
    if args.json:
        _emit_designs(args, results)
        return 0
    for name, out in results.items():
        rows = sweeps[name].rows
        print(f"design {name} ({out['kind']}); energy: {out['energy_rule']}")
        headers = ["n_on", "i_hm_a", "switched(0K)", "t_switch_s", "energy_j"]
        table = [[r.n_on, r.i_shm_a, r.switched, r.t_switch_s, r.energy_j] for r in rows]
        if args.temperature_k > 0:
            headers += [f"p_ap({args.temperature_k:g}K)", "ci95", "decision_error", "status"]
            table = [row + [p, c, e, _STATUS_MARK[st]] for row, p, c, e, st in
                     zip(table, out["p_switch"], out["p_switch_ci95"], out["decision_error"],
                         out["error_status"])]
        print_table(table, headers)
        print()
    if args.temperature_k > 0:
        print(f"p_ap: probability that the cell ends in AP (the write of a majority 1), "
              f"{args.runs} stochastic LLGS runs per count at the transient's mean current; "
              + _status_note(args.error_threshold))
    return 0


def _ops(text: str) -> tuple[str, ...]:
    ops = tuple(o.strip() for o in text.split(",") if o.strip())
    allowed = ("read", "and", "or", "xnor")
    bad = [o for o in ops if o not in allowed]
    if not ops or bad:
        raise argparse.ArgumentTypeError(f"ops must be a comma list of {', '.join(allowed)}")
    return ops


def _fraction(text: str) -> float:
    value = _nonneg_float(text)
    if value >= 0.3:
        raise argparse.ArgumentTypeError(f"must be < 0.3 (a relative sigma), got {text!r}")
    return value


def _unit_interval(text: str) -> float:
    """A number strictly between 0 and 1 (a probability or a relative tolerance)."""
    value = _positive_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1), got {text!r}")
    return value


def cmd_mc_sense(args) -> int:
    import time

    from .characterize import sense_margin as sm
    device = _load_device(args)
    extra = {} if args.i_read_a is None else {"i_read_a": args.i_read_a}
    setup = sm.SenseSetup(device=device, **extra, fan_in=args.fan_in,
                          sigma_ra=args.sigma_ra, sigma_tmr=args.sigma_tmr,
                          vth_mismatch=args.vth_mismatch, tech_name="45nm", ops=args.ops)
    if "xnor" in args.ops and setup.fan_in != 2:
        raise _UsageError("--ops xnor needs --fan-in 2")
    if any(op != "read" for op in args.ops) and setup.fan_in < 2:
        raise _UsageError("and/or/xnor need --fan-in >= 2")
    start = time.perf_counter()
    with _executor(args, args.workers) as ex, \
            progress_bar(args.trials, "sense Monte Carlo", "trial") as bar:
        try:
            volts, failed = sm.simulate(setup, trials=args.trials, seed=args.seed,
                                        progress=bar.update, executor=ex,
                                        checkpoint=args.checkpoint)
        finally:  # what was retried or lost is said even when the run fails
            _note_executor(ex)
    wall = time.perf_counter() - start
    out = {"trials": args.trials, "seed": args.seed, "wall_s": wall,
           "trials_per_s": args.trials / wall, "failed_trials": failed,
           "i_read_a": setup.i_read_a, "fan_in": setup.fan_in,
           "sigma_ra": setup.sigma_ra, "sigma_tmr": setup.sigma_tmr,
           "vth_mismatch": setup.vth_mismatch, "ops": sm.summarize(setup, volts, args.ops)}
    if args.plot:
        from .characterize.sense_plot import plot_sense
        plot_sense(setup, volts, args.plot)
        out["plot"] = args.plot
    if args.json:
        emit_json(out)
        return 0
    rows = []
    for op, d in out["ops"].items():
        for state, st in d["states"].items():
            rows.append((op, state, st["mean_v"], st["std_v"], st["min_v"], st["max_v"],
                         st["margin_worst_v"], st["failures"]))
    print_table(rows, ("op", "state", "mean_v", "std_v", "min_v", "max_v", "margin_v",
                       "failures"))
    print()
    print_table([(op, d["ref_v"], d["margin_v"], d["failures"], d["decisions"],
                  d["failure_rate"], d["failure_rate_ci95"])
                 for op, d in out["ops"].items()],
                ("op", "ref_v", "margin_worst_v", "failures", "decisions", "failure_rate",
                 "failure_rate_ci95"))
    for op, d in out["ops"].items():
        if d["failures"] == 0:
            print(f"{op}: no failure in {d['decisions']} decisions: failure rate < "
                  f"{d['failure_rate_ci95'][1]:.3g} (95 % upper bound, Clopper-Pearson)")
    print(f"\n{args.trials} trials in {wall:.1f} s ({out['trials_per_s']:.0f} trials/s), "
          f"{failed} failed to converge")
    return 0


def _float_list(text: str) -> list[float]:
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a comma list of numbers, got {text!r}") \
            from None
    if not values or not all(math.isfinite(v) and v > 0 for v in values):
        raise argparse.ArgumentTypeError(f"need positive finite numbers, got {text!r}")
    return values


def _sense_setup(args, **changes):
    """The SenseSetup of mc sense / fanin / importance from their common options."""
    from .characterize import sense_margin as sm
    extra = {} if args.i_read_a is None else {"i_read_a": args.i_read_a}
    return sm.SenseSetup(device=_load_device(args), **extra,
                         sigma_ra=args.sigma_ra, sigma_tmr=args.sigma_tmr,
                         vth_mismatch=args.vth_mismatch, **changes)


def cmd_mc_fanin(args) -> int:
    from .characterize import fanin
    setup = _sense_setup(args, fan_in=2)
    total = args.trials * (args.max - 1)
    with progress_bar(total, "fan-in sweep", "trial") as bar:
        out = fanin.sweep(setup, max_fan_in=args.max, trials=args.trials, seed=args.seed,
                          workers=args.workers, progress=bar.update)
    if _plot_and_emit(args, out, lambda path: fanin.plot(out, path)):
        return 0
    rows = [(k, out["and"]["margin_v"][i], out["and"]["margin_3sigma_v"][i],
             out["and"]["failures"][i], out["or"]["margin_v"][i],
             out["or"]["margin_3sigma_v"][i], out["or"]["failures"][i])
            for i, k in enumerate(out["fan_in"])]
    print_table(rows, ("fan_in", "and_margin_v", "and_3sigma_v", "and_fail", "or_margin_v",
                       "or_3sigma_v", "or_fail"))
    first = out["first_failing_fan_in"]
    print(f"\nfirst fan-in with failures in {args.trials} trials: "
          f"{first if first else 'none up to ' + str(args.max)}")
    return 0


def _mc_write_rare(args, device) -> int:
    """mc write with --method / --wer-target: the rare-event estimators (characterize/rare.py)."""
    from .characterize import rare
    method = args.method or "auto"
    common = dict(method=method, rel_tol=args.rel_tol, wer_target=args.wer_target,
                  seed=args.seed, max_paths=args.max_paths, workers=args.workers,
                  checkpoint=args.checkpoint)
    if args.sweep:
        currents = args.currents or [args.current_a]
        pulses = args.pulses or [args.pulse_s]
        if None in currents or None in pulses:
            raise _UsageError("mc write --sweep needs --currents (or --current-a) and "
                              "--pulses (or --pulse-s)")
        with _executor(args, always=False) as ex, \
                progress_bar(None, "WER sweep spin-steps") as bar:
            out = rare.wer_sweep(device, currents_a=currents, pulses_s=pulses,
                                 progress=bar.update, executor=ex, **common)
        _note_executor(ex)
        if args.plot:
            from .characterize import rare_plot
            out["plots"] = rare_plot.plot_sweep(out, args.plot, floor=args.wer_target)
            out["plot"] = args.plot
        if args.json:
            emit_json({k: v for k, v in out.items() if k != "points"})
            return 0
        rows = [(c, p, pt["wer"], pt["wer_ci95"], pt["rel_half_width"], pt["n_effective"],
                 pt["method"], pt["wall_s"])
                for i, c in enumerate(out["currents_a"])
                for j, (p, pt) in enumerate(zip(out["pulses_s"], out["points"][i]))]
        print_table(rows, ("current_a", "pulse_s", "wer", "wer_ci95", "rel_half_width",
                           "n_effective", "method", "wall_s"))
        return 0
    if args.current_a is None or args.pulse_s is None:
        raise _UsageError("mc write needs --current-a and --pulse-s (or --sweep with lists)")
    with _executor(args, always=False) as ex, progress_bar(None, "LLGS spin-steps") as bar:
        out = rare.write_error_rate(device, i_shm_a=args.current_a, pulse_s=args.pulse_s,
                                    progress=bar.update, executor=ex, **common)
    _note_executor(ex)
    if args.json:
        emit_json(out)
    else:
        print_table([(k, v) for k, v in out.items()])
    return 0


def cmd_mc_write(args) -> int:
    from .characterize import write
    device = _load_device(args)
    if args.method is not None or args.wer_target is not None:
        return _mc_write_rare(args, device)
    if args.sweep:
        currents = args.currents or [args.current_a]
        pulses = args.pulses or [args.pulse_s]
        if None in currents or None in pulses:
            raise _UsageError("mc write --sweep needs --currents (or --current-a) and "
                              "--pulses (or --pulse-s)")
        steps = sum(args.runs * int(round((p + 2e-9) / 1e-12)) for p in pulses) * len(currents)
        with _executor(args, always=False) as ex, \
                progress_bar(steps, "WER sweep spin-steps") as bar:
            out = write.wer_sweep(device, currents_a=currents, pulses_s=pulses, runs=args.runs,
                                  seed=args.seed, workers=args.workers, progress=bar.update,
                                  executor=ex, checkpoint=args.checkpoint)
        _note_executor(ex)
        if args.plot:
            write.plot_wer(out, args.plot)
            out["plot"] = args.plot
        if args.json:
            emit_json({k: v for k, v in out.items() if k != "points"})
            return 0
        rows = [(c, p, out["wer"][i][j], out["wer_ci95"][i][j])
                for i, c in enumerate(out["currents_a"]) for j, p in enumerate(out["pulses_s"])]
        print_table(rows, ("current_a", "pulse_s", "wer", "wer_ci95"))
        return 0
    if args.current_a is None or args.pulse_s is None:
        raise _UsageError("mc write needs --current-a and --pulse-s (or --sweep with lists)")
    steps = args.runs * int(round((args.pulse_s + 2e-9) / 1e-12))
    with _executor(args, always=False) as ex, progress_bar(steps, "LLGS spin-steps") as bar:
        out = write.wer_point(device, i_shm_a=args.current_a, pulse_s=args.pulse_s,
                              runs=args.runs, seed=args.seed, workers=args.workers,
                              progress=bar.update, executor=ex, checkpoint=args.checkpoint)
    _note_executor(ex)
    if args.json:
        emit_json(out)
    else:
        print_table([(k, v) for k, v in out.items()])
    return 0


def cmd_mc_importance(args) -> int:
    from .characterize import importance
    setup = _sense_setup(args, fan_in=2)
    if "xnor" in args.ops and setup.fan_in != 2:
        raise _UsageError("--ops xnor needs fan-in 2")
    n_states = sum(2 if op == "read" else 4 for op in args.ops)
    with _executor(args, args.workers) as ex, \
            progress_bar(n_states, "importance sampling", "state") as bar:
        out = importance.run(setup, samples=args.samples, seed=args.seed, ops=args.ops,
                             method=args.method, executor=ex, checkpoint=args.checkpoint,
                             progress=lambda *_: bar.update(1))
    _note_executor(ex)
    if args.plot:
        from .characterize.importance_plot import plot_importance
        plot_importance(out, args.plot)
        out["plot"] = args.plot
    if args.json:
        emit_json(out)
        return 0
    rows = []
    for op, d in out["ops"].items():
        for state, r in d["states"].items():
            rows.append((op, state, r["p_fail"], r["ci95"], r["design_point_sigma"], r["n"]))
    print_table(rows, ("op", "state", "p_fail", "ci95", "design_point_sigma", "samples"))
    print()
    print_table([(op, d["p_fail"], d["ci95"], d["p_fail_max"], d["worst_state"])
                 for op, d in out["ops"].items()],
                ("op", "p_fail_mean_over_states", "ci95", "p_fail_max", "worst_state"))
    return 0


def _scheduler_arg(text: str) -> str:
    from .characterize.executor import check_scheduler
    try:
        return check_scheduler(text)
    except SpincimError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _sense_variation_options(p) -> None:
    """The sense Monte Carlo's variation and read-current options (mc sense, fanin,
    importance)."""
    p.add_argument("--sigma-ra", type=_fraction, default=0.05,
                   help="relative RA sigma (IMCE III-B)")
    p.add_argument("--sigma-tmr", type=_fraction, default=0.10,
                   help="relative TMR sigma (IMCE III-B)")
    p.add_argument("--vth-mismatch", action=argparse.BooleanOptionalAction, default=False,
                   help="Pelgrom Vth mismatch on every access/reference NMOS")
    p.add_argument("--i-read-a", type=_positive_float, default=None,
                   help="read current (A); default the cell's, 20 µA")


def _scale_options(q, *, ngspice: bool = True) -> None:
    """--checkpoint and --scheduler (checkpoint/resume, Dask) of a long command; with
    ``ngspice`` also the limits of its ngspice processes (a command without ngspice
    chunks cannot honour them and does not offer them)."""
    q.add_argument("--checkpoint", type=_out_path, metavar="FILE", default=None,
                   help="store finished chunks in FILE (SQLite); re-running the same "
                   "command resumes from it")
    q.add_argument("--scheduler", type=_scheduler_arg, metavar="ADDRESS|local",
                   default=None, help="run chunks on a Dask cluster (tcp://HOST:PORT) or "
                   "a local one ('local'); needs spincim[dask]")
    q.add_argument("--no-workers-timeout-s", type=_positive_float, default=None, metavar="S",
                   help="with --scheduler: end the run (exit 1, checkpoint kept) when the "
                   "scheduler has had no live worker this long (default 60)")
    if not ngspice:
        return
    q.add_argument("--chunk-timeout-s", type=_positive_float, default=None, metavar="S",
                   help="time limit of one chunk: its ngspice process is killed, the chunk "
                   "retried once, then reported (default 600)")
    q.add_argument("--memory-limit-mib", type=_positive_float, default=None, metavar="MIB",
                   help="resident-memory limit of each ngspice process, same handling")


def _executor(args, workers=None, *, always: bool = True):
    """The executor of --scheduler / --workers as a context manager (None: the default)."""
    import contextlib

    from .characterize.executor import DEFAULT_TIMEOUT_S, make_executor
    timeout_s = getattr(args, "chunk_timeout_s", None)
    memory_mib = getattr(args, "memory_limit_mib", None)
    limits = {"timeout_s": timeout_s or DEFAULT_TIMEOUT_S,
              "memory_limit_bytes": None if memory_mib is None else int(memory_mib * 2**20)}
    if args.scheduler is not None:
        limits["no_workers_timeout_s"] = getattr(args, "no_workers_timeout_s", None)
    if args.scheduler is None and not always and timeout_s is None and memory_mib is None:
        return contextlib.nullcontext(None)
    return make_executor(args.scheduler, workers, **limits)


def _note_executor(ex) -> None:
    """One stderr line on restored, retried, re-run and failed chunks (if any)."""
    if ex is None:
        return
    r = ex.report
    parts = [f"{sum(r.restored.values())} chunks restored from the checkpoint"
             if r.restored else "",
             f"{sum(map(len, r.retried.values()))} retried after a time/memory limit"
             if r.retried else "",
             f"{sum(map(len, r.rerun.values()))} re-run after a lost worker"
             if r.rerun else "",
             f"{sum(map(len, r.failed.values()))} failed" if r.failed else ""]
    if any(parts):
        print("note: " + ", ".join(x for x in parts if x), file=sys.stderr)


def _counts(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(t) for t in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected counts like 4,5, got {text!r}") from None
    if not values or any(not 0 <= v <= 9 for v in values) or len(set(values)) != len(values):
        raise argparse.ArgumentTypeError(f"counts must be distinct values in 0..9, got {text!r}")
    return tuple(sorted(values))


def cmd_mc_majority(args) -> int:
    from .characterize import majority
    temps = [args.temperature_k]
    if args.plot and args.temperature_k > 0:
        temps.insert(0, 0.0)          # the figure shows 0 K beside the run temperature
    setups = {name: majority.MajoritySetup(
        design=name, vth_mismatch=args.vth_mismatch,
        sigma_resistivity=args.sigma_resistivity, sigma_shm_thickness=args.sigma_shm_thickness,
        sigma_ms=args.sigma_ms, sigma_t_free=args.sigma_t_free, pulse_s=args.pulse_s)
        for name in args.design}
    n_counts = len(args.counts) if args.counts else 10
    steps = sum(n_counts * args.trials * int(round((s.program_s + 2e-9) / 1e-12))
                for s in setups.values()) * len(temps)
    results, at_zero = {}, {}
    with _executor(args, args.workers) as ex, _checkpoints(args, "mc majority") as part, \
            progress_bar(steps, "majority Monte Carlo spin-steps") as bar:
        for name, setup in setups.items():
            for t_k in temps:
                out = majority.run(setup, trials=args.trials, seed=args.seed,
                                   temperature_k=t_k, workers=args.workers,
                                   progress=bar.update, executor=ex,
                                   checkpoint=part(f"{name}@{t_k:g}K"), counts=args.counts,
                                   error_threshold=args.error_threshold)
                (results if t_k == args.temperature_k else at_zero)[name] = out
    _note_executor(ex)
    if args.plot:
        from .characterize import majority_plot
        curves = {}
        for name in results:
            curves[name] = dict(majority_plot.curve_from_mc(r) for r in
                                (at_zero.get(name), results[name]) if r is not None)
        majority_plot.plot_p_ap(curves, args.plot, title=f"mc majority, {args.trials} trials "
                                f"per count, device variation and Pelgrom mismatch")
        for name, r in results.items():
            r["plot"] = args.plot
            if name in at_zero:
                r["p_switch_0k"] = [row["p_switch"] for row in at_zero[name]["rows"]]
    if args.json:
        _emit_designs(args, results)
        return 0
    for name, out in results.items():
        print(f"design {name} ({out['kind']})")
        print_table([(r["n_on"], r["i_hm_a_mean"], r["i_hm_a_std"], r["p_switch"],
                      r["p_switch_ci95"], r["errors"], r["error_rate"], r["error_rate_ci95"],
                      _STATUS_MARK[r["error_status"]]) for r in out["rows"]],
                    ("n_on", "i_hm_a_mean", "i_hm_a_std", "p_ap", "ci95", "errors",
                     "error_rate", "ci95", "status"))
        print(f"{args.trials} trials per count at {args.temperature_k:g} K, pulse "
              f"{out['pulse_s'] * 1e9:g} ns, {out['trials_per_s']:.3g} trials/s\n")
    print("an error is a cell holding the wrong majority (a switch with <= 4 inputs on or "
          "none with >= 5); p_ap = fraction ending in AP; " + _status_note(args.error_threshold))
    return 0


def _out_path(text: str) -> str:
    """An output file (--out, --plot, --checkpoint) checked before any work: its directory
    exists and is writable, the target is a regular file or absent (the one helper every
    command uses, :func:`spincim.limits.check_output_path`)."""
    from .limits import check_output_path
    try:
        return check_output_path("file", text)
    except ParameterError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def cmd_lut_build(args) -> int:
    import shlex

    from .devices.technology import technology
    from .lut import build, grid, io, summary
    if args.plot and not args.compare:
        raise _UsageError("--plot needs --compare BASE.h5 (it draws the changes)")
    technology(args.tech)
    device = _load_device(args) if args.params else None
    the_grid = grid.load_grid(args.grid) if args.grid else None
    base = io.read_lut(args.compare) if args.compare else None
    steps = None if args.steps is None else [s.strip() for s in args.steps.split(",")]
    total = build.progress_count(args.tech, steps, device)
    with _executor(args, args.workers if args.scheduler is None else None) as ex, \
            progress_bar(total, f"characterizing {args.tech}", "step") as bar:
        lut = build.build(args.tech, device=device, grid=the_grid, quick=args.quick,
                          seed=args.seed, steps=steps,
                          command_line=shlex.join(["spincim", *sys.argv[1:]]),
                          progress=lambda label: (bar.set_postfix_str(label), bar.update(1)),
                          executor=ex, checkpoint=args.checkpoint)
    _note_executor(ex)
    io.write_lut(lut, args.out)
    out = {"path": args.out, "sha256": io.lut_sha256(args.out), "technology": args.tech,
           "ops": sorted(lut.ops), "quick": args.quick}
    if base is not None:
        out["compare"] = summary.change(base, lut)
        if args.plot:
            summary.plot_change(out["compare"], args.plot)
            out["plot"] = args.plot
    if args.json:
        emit_json(out)
        return 0
    print_table([(k, v) for k, v in out.items() if k != "compare"])
    if base is not None:
        print(f"\nchange against {args.compare} (nominal point of each LUT):")
        print_table([(op, d["energy_rel"], d["latency_rel"])
                     for op, d in out["compare"]["ops"].items()],
                    ("op", "energy_rel_change", "latency_rel_change"))
    return 0


def cmd_lut_show(args) -> int:
    from .lut import io, summary
    lut = io.read_lut(args.file)
    data = summary.summary(lut)
    if args.plot:
        from .lut.plot import plot_lut
        plot_lut(lut, args.plot)
        data["plot"] = args.plot
    if args.json:
        emit_json(data)
        return 0
    print_table([(k, v) for k, v in data["provenance"].items()
                 if k not in ("parameters", "netlist_sha256")], ("provenance", "value"))
    print()
    print_table([(n, v["energy_j"], v["latency_s"], ", ".join(f"{k}={fmt(c)}" for k, c in
                                                               v["at"].items()))
                 for n, v in data["ops"].items()], ("op", "energy_j", "latency_s", "at"))
    if data["areas"]:
        print()
        print_table([(n, a["area_m2"]) for n, a in data["areas"].items()],
                    ("component", "area_m2"))
    return 0


def cmd_lut_diff(args) -> int:
    from .lut import io, summary
    data = summary.diff(io.read_lut(args.a), io.read_lut(args.b))
    if args.plot:
        from .lut.plot import plot_diff
        plot_diff(data, args.plot, names=(args.a, args.b))
        data["plot"] = args.plot
    if args.json:
        emit_json(data)
        return 0
    rows = []
    for op, d in data["ops"].items():
        if "error" in d:
            rows.append((op, d["error"], "", ""))
            continue
        rows.append((op, d["energy_j"].get("max_rel"), d["latency_s"].get("max_rel"),
                     d["energy_j"]["shared_points"]))
    print_table(rows, ("op", "energy_max_rel_diff", "latency_max_rel_diff", "shared_points"))
    for key in ("only_in_a", "only_in_b"):
        if data[key]:
            print(f"{key}: {', '.join(data[key])}")
    return 0


def cmd_lut_export(args) -> int:
    from .lut import nvsim, summary
    lut = nvsim.lut_for_export(args.lut, args.tech)
    text = summary.to_csv(lut) if args.format == "table" else nvsim.to_cell_text(lut)
    with open(args.out, "w", encoding="ascii") as fh:
        fh.write(text)
    out = {"path": args.out, "format": args.format, "rows": text.count("\n") - 1}
    if args.json:
        emit_json(out)
    else:
        print_table([(k, v) for k, v in out.items()])
    return 0


def cmd_mc_window(args) -> int:
    from .characterize import write
    from .netlists import write_driver as W
    device = _load_device(args) if args.params else W.buffer_device(300.0)
    device = device.replace(temperature_k=args.temperature_k)
    out = write.switching_window(device, pulse_s=args.pulse_s, runs=args.runs,
                                 seed=args.seed, p_low=args.p_low, workers=args.workers)
    if not args.params:  # the CORN buffer: compare with its driver's 4 -> 5 step
        out["driver_i5_over_i4"] = W.CALIBRATED_I5_A / W.CALIBRATED_I4_A
    if args.json:
        emit_json(out)
        return 0
    print_table([(k, v) for k, v in out.items() if k not in ("currents_a", "p_switch")])
    return 0


# --------------------------------------------------------------------------- parser
_SWITCH_HELP = """\
Apply one rectangular SHM current pulse to an ensemble of free layers starting in the
P state (m = +x) and report how many reverse. Switching criterion: a run has switched
once m_x passes -0.9 (from +x) at any time during the pulse; t_switch is that first
crossing. At T > 0 each run starts at +x and relaxes for 2 ns without current, so the
pulse meets the thermal-equilibrium P state; at T = 0 the start is tilted in-plane by the 300 K rms angle 1/sqrt(2 Delta).
Positive current writes P -> AP."""


def _estimate_overrides(args) -> dict:
    """--rows/--cols/--replicas as description keys (only those given)."""
    out = {}
    for option, key in (("rows", "array.rows"), ("cols", "array.cols"),
                        ("replicas", "array.parallel")):
        if getattr(args, option) is not None:
            out[key] = getattr(args, option)
    if args.bits is not None:
        out["layers.bits"] = args.bits
    return out


def _arch_list(text: str) -> tuple[str, ...]:
    """``--arch``: one architecture, or several comma-separated to compare."""
    names = tuple(t.strip() for t in text.split(",") if t.strip())
    if not names or len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"expected architecture names or .toml files, "
                                         f"comma-separated, each once, got {text!r}"[:200])
    return names


def _node_warning(estimates: dict) -> str | None:
    """The warning of a comparison whose architectures are priced on different nodes."""
    nodes = {name: est.lut_technology for name, est in estimates.items()}
    if len(set(nodes.values())) <= 1:
        return None
    return ("the architectures are priced on different technology nodes ("
            + ", ".join(f"{n}: {t}" for n, t in nodes.items())
            + "): their energies, latencies and areas are not like for like")


def _estimate_compare(args) -> int:
    """``estimate --arch A,B``: one network on several architectures, side by side."""
    from .estimator import energy
    if args.sweep or args.plot:
        raise _UsageError("--arch with several architectures compares them; --sweep and "
                          "--plot take one")
    estimates = {name: energy.estimate(args.network, name, lut_path=args.lut,
                                       overrides=_estimate_overrides(args))
                 for name in args.arch}
    warning = _node_warning(estimates)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    data = {name: est.to_json() for name, est in estimates.items()}
    if args.json:
        emit_json({"architectures": data, "warnings": [warning] if warning else []})
        return 0
    keys = ("energy_per_image_j", "latency_per_image_s", "images_per_s",
            "images_per_s_per_w", "area_m2", "host_energy_share", "host_latency_share")
    rows = [(k, *(d[k] for d in data.values())) for k in keys]
    rows.append(("lut node", *(d["lut"]["technology"] for d in data.values())))
    print_table(rows, ("quantity", *data))
    return 0


def cmd_estimate(args) -> int:
    from .estimator import energy, report
    if len(args.arch) > 1:
        return _estimate_compare(args)
    args.arch = args.arch[0]
    if args.sweep:
        return _estimate_sweep(args)
    est = energy.estimate(args.network, args.arch, lut_path=args.lut,
                          overrides=_estimate_overrides(args))
    data = est.to_json()
    if _plot_and_emit(args, data, lambda path: report.plot_estimate(est, path)):
        return 0
    print_table(report.layer_rows(est),
                ("layer", "where", "and2/xnor2", "energy_j", "latency_s", "arrays"))
    print()
    print_table([("energy_per_image_j", data["energy_per_image_j"]),
                 ("latency_per_image_s", data["latency_per_image_s"]),
                 ("image_interval_s", data["image_interval_s"]),
                 ("images_per_s", data["images_per_s"]),
                 ("images_per_s_per_w", data["images_per_s_per_w"]),
                 ("area_m2", data["area_m2"]),
                 ("bit_errors_per_image", "n/a" if data["bit_errors_per_image"] is None
                  else data["bit_errors_per_image"]),
                 ("weight_load_j (once)", data["weight_load_j"]),
                 *((f"energy {k} (J)", v) for k, v in data["energy_by_category_j"].items() if v),
                 ("host share of energy", f"{data['host_energy_share']:.1%}"),
                 ("host share of latency", f"{data['host_latency_share']:.1%}"),
                 ("arch", f"{est.arch} ({est.architecture.dataflow})"),
                 ("lut", data["lut"]["path"]),
                 ("lut node", data["lut"]["technology"])])
    print(f"\nbit errors: {data['bit_errors_note']}")
    if data["write_path"]:
        print(f"write path: {data['write_path']['note']}")
    return 0


def _estimate_support_note() -> str:
    """The --help section of ``estimate``: which shipped networks each architecture maps."""
    from .estimator.arch import SHIPPED
    from .estimator.mapping import supported_networks
    import textwrap
    lines = ["shipped networks each shipped architecture supports:"]
    for arch in SHIPPED:
        support = supported_networks(arch)
        ok = [n for n, why in support.items() if why is None]
        no = [f"{n} ({why.split(':', 1)[-1].split('(')[0].strip()})"
              for n, why in support.items() if why is not None]
        text = f"{arch}: {', '.join(ok) or 'none'}" + (f"; not {'; '.join(no)}" if no else "")
        lines += textwrap.wrap(text, 78, initial_indent="  ", subsequent_indent="    ")
    return "\n".join(lines)


def _estimate_sweep(args) -> int:
    from .estimator import report, sweep
    res = sweep.run_sweep(args.network, args.arch, args.sweep, lut_path=args.lut,
                          overrides=_estimate_overrides(args))
    data = res.to_json()
    if _plot_and_emit(args, data, lambda path: report.plot_pareto(res, path)):
        return 0
    front = set(res.pareto)
    write = any(p.write_v is not None for p in res.points)
    print_table([(*(p.params[k] for k in res.keys), p.energy_j, p.latency_s, p.area_m2,
                  *((("" if p.write_v is None else f"{p.write_v:.3g}"
                      + (" > VDD" if p.write_above_vdd else "")),) if write else ()),
                  "*" if k in front else ("" if p.ok else p.error[:60]))
                 for k, p in enumerate(res.points)],
                (*res.keys, "energy_j", "latency_s", "area_m2", *(("write_v",) if write else ()),
                 "pareto"))
    above = (f"; {data['n_write_above_vdd']} need a write voltage above VDD (write_v)"
             if data["n_write_above_vdd"] else "")
    print(f"\n{len(res.points)} points ({data['n_failed']} infeasible), "
          f"{len(res.pareto)} on the Pareto front (*), {res.wall_s:.2f} s{above}")
    return 0


def cmd_network_show(args) -> int:
    from .estimator import networks
    text = networks.format_network(networks.get_network(args.name), args.format)
    if args.out:
        from pathlib import Path
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def cmd_report_paper(args) -> int:
    from pathlib import Path
    from .estimator import report
    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise _UsageError(f"--out must be a directory, got the file {args.out!r}")
    path = report.paper_report(args.out)
    if args.json:
        emit_json({"report": str(path)})
    else:
        print(f"wrote {path}")
    return 0


def _group(sub, name: str, help: str):
    """A command group (``spincim NAME ACTION``): its subparsers, an ACTION required."""
    group = sub.add_parser(name, help=help).add_subparsers(dest="action", metavar="ACTION",
                                                             parser_class=_Parser)
    group.required = True
    return group


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="spincim", description="Characterize spintronic compute-in-memory "
                "circuits in ngspice and estimate accelerators from lookup tables.")
    p.add_argument("--version", action="version", version=f"spincim {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def common(q, *, params=True):
        q.add_argument("--json", action="store_true", help="print one JSON object (SI keys)")
        if params:
            q.add_argument("--params", metavar="FILE", help="TOML file overriding device "
                           "parameters ([mtj], [shm], temperature_k)")

    dsub = _group(sub, "device", help="device parameters and derived quantities")
    show = dsub.add_parser("show", help="print parameters, R_P, R_AP, Delta, Ic0, ...")
    common(show)
    show.add_argument("--temperature-k", type=_nonneg_float, help="override temperature (K)")
    show.set_defaults(func=cmd_device_show)

    lsub = _group(sub, "llg", help="macrospin LLGS experiments")
    sw = lsub.add_parser("switch", help="switching probability of one SHM pulse",
                         description=_SWITCH_HELP)
    common(sw)
    sw.add_argument("--current-a", type=_finite_float, required=True,
                    help="SHM current (A); > 0 writes P -> AP")
    sw.add_argument("--pulse-s", type=_positive_float, required=True, help="pulse width (s)")
    sw.add_argument("--temperature-k", type=_nonneg_float, help="temperature (K), default 300")
    sw.add_argument("--runs", type=_positive_int, default=1000, help="ensemble size")
    sw.add_argument("--seed", type=_seed, default=0, help="root seed of the thermal noise")
    sw.add_argument("--dt-s", type=_positive_float, default=None,
                    help="time step (s); default 1e-12, reduced to the largest stable step "
                    "at high currents (a larger --dt-s than that is refused)")
    sw.add_argument("--backend", choices=("numba", "numpy"), default="numba",
                    help="LLGS kernel: numba (compiled) or numpy (reference)")
    sw.add_argument("--workers", type=_positive_int, default=None, help="threads")
    sw.set_defaults(func=cmd_llg_switch)

    nsub = _group(sub, "netlist", help="self-contained netlist files for plain ngspice")
    ex = nsub.add_parser("export", help="write a netlist that 'ngspice -b FILE' runs "
                         "(model card inlined, .control block with run/print/wrdata)")
    common(ex, params=False)
    ex.add_argument("kind", choices=("cell2t1r", "cell3t", "subarray", "sense", "driver"),
                    help="circuit to export: 2T1R cell, 3-terminal cell, sub-array, sense "
                    "path or majority driver")
    ex.add_argument("--out", type=_out_path, required=True, metavar="FILE",
                    help="output .cir file (its directory must exist)")
    ex.add_argument("--n-on", type=_whole, choices=range(10), default=5, metavar="N",
                    help="driver: NMOS on during PROGRAM (0..9, default 5)")
    ex.add_argument("--calibrate", action="store_true",
                    help="driver: use the calibrated buffer cell (runs ngspice + LLGS)")
    ex.set_defaults(func=cmd_netlist_export)

    drsub = _group(sub, "driver", help="majority write drivers (CORN and the other designs)")
    dsw = drsub.add_parser("sweep", help="write current, 0 K outcome, time and energy versus "
                           "the number of inputs on (0..9); at T > 0 (default 300 K) also the "
                           "LLGS probability that the cell ends in AP at each SPICE current")
    common(dsw, params=False)
    dsw.add_argument("--design", type=_designs, default=("corn",), metavar="NAME[,NAME]",
                     help="majority design(s): corn (CORN as published), corn-ptm, "
                     "comparator, popcount (default corn)")
    dsw.add_argument("--temperature-k", type=_nonneg_float, default=300.0,
                     help="temperature of the LLGS ensembles (K, default 300; 0: the 0 K "
                     "transient only)")
    dsw.add_argument("--runs", type=_positive_int, default=1000, help="ensemble size")
    dsw.add_argument("--seed", type=_seed, default=0, help="root seed (same for every count)")
    dsw.add_argument("--pulse-s", type=_positive_float, default=None,
                     help="LLGS pulse width (s); default the design's PROGRAM / write width")
    dsw.add_argument("--error-threshold", type=_threshold, default=1e-4,
                     help="decision error a count may have (default 1e-4)")
    dsw.add_argument("--calibrate", action="store_true", help="re-run the buffer calibration "
                     "of a threshold design instead of using the declared SHM thickness")
    dsw.add_argument("--plot", metavar="FILE.png",
                     help="P(cell ends in AP) per count for each design at 0 K and T")
    dsw.add_argument("--workers", type=_positive_int, default=None,
                     help="ngspice processes (default: all cores)")
    _scale_options(dsw)
    dsw.set_defaults(func=cmd_driver_sweep)

    lsub2 = _group(sub, "lut", help="HDF5 lookup tables of characterized energies")
    lb = lsub2.add_parser("build", help="characterize a technology in ngspice into a LUT")
    common(lb)
    lb.add_argument("--tech", required=True, metavar="NAME|FILE.toml",
                    help="a shipped node (45nm, 22nm) or a technology file")
    lb.add_argument("--out", type=_out_path, required=True, metavar="FILE.h5",
                    help="output LUT file (HDF5; its directory must exist)")
    lb.add_argument("--quick", action="store_true", help="reduced grid (nominal corner)")
    lb.add_argument("--grid", metavar="GRID.toml", help="VDD points, temperatures, rows/cols, "
                    "read current (default: nominal +-10 %%, 300/358 K, 64..1024)")
    lb.add_argument("--steps", metavar="A,B", default=None,
                    help="only these registered steps (default: all of the technology's)")
    lb.add_argument("--compare", metavar="BASE.h5", help="print the change of every op "
                    "against this LUT (with --plot: a bar chart)")
    lb.add_argument("--plot", metavar="FILE.png", help="with --compare: bar chart of changes")
    lb.add_argument("--seed", type=_seed, default=0,
                    help="root seed of the build's Monte Carlo steps")
    lb.add_argument("--workers", type=_positive_int, default=2, help="ngspice processes")
    _scale_options(lb)
    lb.set_defaults(func=cmd_lut_build)
    ls_ = lsub2.add_parser("show", help="provenance and every op at nominal conditions")
    common(ls_, params=False)
    ls_.add_argument("file", metavar="FILE.h5", help="LUT file (HDF5)")
    ls_.add_argument("--plot", metavar="FILE.png", default=None,
                     help="energy and latency of every op against each axis (.png, .pdf or "
                     ".svg)")
    ls_.set_defaults(func=cmd_lut_show)
    ld = lsub2.add_parser("diff", help="relative differences of two LUTs")
    common(ld, params=False)
    ld.add_argument("a", metavar="A.h5", help="base LUT (differences are relative to it)")
    ld.add_argument("b", metavar="B.h5", help="LUT compared with A")
    ld.add_argument("--plot", metavar="FILE.png", default=None,
                    help="largest and median |relative difference| of every shared op's "
                    "energy and latency (.png, .pdf or .svg)")
    ld.set_defaults(func=cmd_lut_diff)
    le = lsub2.add_parser("export", help="component table (CSV) or NVSim .cell file")
    common(le, params=False)
    le.add_argument("--lut", metavar="FILE.h5", help="LUT to export (default: the shipped "
                    "LUT of --tech)")
    le.add_argument("--tech", choices=("45nm", "22nm"), default="45nm",
                    help="node whose shipped LUT is exported without --lut")
    le.add_argument("--format", choices=("table", "nvsim"), default="table",
                    help="table: component,action,energy_j,latency_s,area_m2 CSV; "
                    "nvsim: the SOT cell as an NVSim MRAM .cell file")
    le.add_argument("--out", type=_out_path, required=True, metavar="FILE",
                    help="output file (its directory must exist)")
    le.set_defaults(func=cmd_lut_export)

    msub = _group(sub, "mc", help="Monte Carlo characterization")
    ms = msub.add_parser("sense", help="transistor-level Monte Carlo of the sense path",
                         description="Per trial, every MTJ draws RA ~ N(mu, sigma_RA mu) and "
                         "TMR ~ N(mu, sigma_TMR mu) (IMCE III-B: 5 % and 10 %), optionally "
                         "Pelgrom Vth mismatch; each op's sense voltages are compared with its "
                         "reference. A failure is a trial on the wrong side.")
    common(ms)
    ms.add_argument("--trials", type=_positive_int, default=10000, help="Monte Carlo trials")
    ms.add_argument("--seed", type=_seed, default=0,
                    help="root seed of the device and mismatch draws")
    ms.add_argument("--ops", type=_ops, default=("read", "and", "or", "xnor"),
                    help="comma list of read,and,or,xnor")
    ms.add_argument("--fan-in", type=_positive_int, default=2, help="cells sensed at once")
    _sense_variation_options(ms)
    ms.add_argument("--workers", type=_positive_int, default=None,
                    help="ngspice worker processes (default: all cores)")
    ms.add_argument("--plot", metavar="FILE.png", help="write Fig. 4b-style histograms")
    _scale_options(ms)
    ms.set_defaults(func=cmd_mc_sense)

    mf = msub.add_parser("fanin", help="AND/OR margins against the number of sensed cells")
    common(mf)
    mf.add_argument("--max", type=_positive_int, default=4, help="largest fan-in (>= 2)")
    mf.add_argument("--trials", type=_positive_int, default=10000, help="trials per fan-in")
    mf.add_argument("--seed", type=_seed, default=0,
                    help="root seed of the device and mismatch draws")
    _sense_variation_options(mf)
    mf.add_argument("--workers", type=_positive_int, default=None,
                    help="worker processes (default: all cores)")
    mf.add_argument("--plot", metavar="FILE.png", help="margins against fan-in")
    mf.set_defaults(func=cmd_mc_fanin)

    mi = msub.add_parser("importance", help="high-sigma failure rates by importance sampling",
                         description="Mean-shift importance sampling around the most probable "
                         "failure point (found with the analytic model), evaluated in ngspice "
                         "(--method spice) or the analytic model: failure probabilities down "
                         "to 1e-9 and below with 95 % intervals.")
    common(mi)
    mi.add_argument("--samples", type=_positive_int, default=4000, help="samples per state")
    mi.add_argument("--seed", type=_seed, default=0, help="root seed of the importance samples")
    mi.add_argument("--ops", type=_ops, default=("read", "and", "or", "xnor"),
                    help="comma list of read,and,or,xnor")
    mi.add_argument("--method", choices=("spice", "model"), default="spice",
                    help="evaluate samples in ngspice (spice) or the analytic divider model "
                    "(model)")
    _sense_variation_options(mi)
    mi.add_argument("--workers", type=_positive_int, default=None,
                    help="ngspice worker processes (default: all cores)")
    mi.add_argument("--plot", metavar="FILE.png", default=None,
                    help="failure probability per op and stored pattern with 95 %% "
                    "intervals, and the design points' distance (.png, .pdf or .svg)")
    _scale_options(mi)
    mi.set_defaults(func=cmd_mc_importance)

    mj = msub.add_parser("majority", help="error rate of a majority write per input count",
                         description="Per trial: Pelgrom Vth mismatch on the deciding and "
                         "driving transistors and spreads of SHM resistivity/thickness and "
                         "free-layer Ms/thickness (assumed relative sigmas, all options); "
                         "currents and CMOS decisions from ngspice DC sweeps, switching from "
                         "the LLGS ensemble of the trials' own free layers at "
                         "--temperature-k (default 300 K).")
    common(mj, params=False)
    mj.add_argument("--design", type=_designs, default=("corn",), metavar="NAME[,NAME]",
                    help="majority design(s): corn (CORN as published), corn-ptm, "
                    "comparator, popcount (default corn)")
    mj.add_argument("--trials", type=_positive_int, default=2000,
                    help="Monte Carlo trials per input count")
    mj.add_argument("--seed", type=_seed, default=0, help="root seed (same for every count)")
    mj.add_argument("--temperature-k", type=_nonneg_float, default=300.0,
                    help="0: variation alone (deterministic LLGS); > 0 (default 300): plus "
                    "the thermal field")
    mj.add_argument("--counts", type=_counts, default=None, metavar="N[,N]",
                    help="inputs-on counts to run (default 0..9)")
    mj.add_argument("--pulse-s", type=_positive_float, default=None,
                    help="PROGRAM / write pulse (s), default the design's")
    mj.add_argument("--error-threshold", type=_threshold, default=1e-4,
                    help="decision error a count may have (default 1e-4)")
    mj.add_argument("--vth-mismatch", action=argparse.BooleanOptionalAction, default=True,
                    help="Pelgrom Vth mismatch on the deciding and driving transistors")
    mj.add_argument("--sigma-resistivity", type=_fraction, default=0.05,
                    help="relative sigma of the SHM resistivity (assumed)")
    mj.add_argument("--sigma-shm-thickness", type=_fraction, default=0.03,
                    help="relative sigma of the SHM thickness (assumed)")
    mj.add_argument("--sigma-ms", type=_fraction, default=0.03,
                    help="relative sigma of the free layer's saturation magnetization (assumed)")
    mj.add_argument("--sigma-t-free", type=_fraction, default=0.03,
                    help="relative sigma of the free-layer thickness (assumed)")
    mj.add_argument("--plot", metavar="FILE.png",
                    help="P(cell ends in AP) per count for each design at 0 K and T (runs "
                    "the Monte Carlo at 0 K as well)")
    mj.add_argument("--workers", type=_positive_int, default=None,
                    help="ngspice worker processes (default: all cores)")
    _scale_options(mj)
    mj.set_defaults(func=cmd_mc_majority)

    mwin = msub.add_parser("window", help="current window of thermal switching (1 %% .. 99 %%)",
                           description="Currents where one pulse switches with probability "
                           "p_low and 1 - p_low at --temperature-k, and their ratio: the "
                           "current step a threshold write needs. Default device: the "
                           "calibrated CORN buffer cell (--params for another).")
    common(mwin)
    mwin.add_argument("--pulse-s", type=_positive_float, default=10e-9, help="pulse width (s)")
    mwin.add_argument("--runs", type=_positive_int, default=2000, help="runs per current")
    mwin.add_argument("--seed", type=_seed, default=0, help="root seed of the thermal noise")
    mwin.add_argument("--p-low", type=_positive_float, default=0.01,
                    help="switching probability at the low end of the window (the high end "
                    "is 1 - p_low)")
    mwin.add_argument("--temperature-k", type=_positive_float, default=300.0,
                    help="temperature (K)")
    mwin.add_argument("--workers", type=_positive_int, default=None, help="threads")
    mwin.set_defaults(func=cmd_mc_window)

    mw = msub.add_parser("write", help="write error rate from the 300 K LLGS ensemble",
                         description="WER = 1 - P(switch) of one SHM pulse from the P state "
                         "(criterion as 'spincim llg switch'), with a Clopper-Pearson 95 % "
                         "interval. --sweep maps WER over --currents x --pulses.")
    common(mw)
    mw.add_argument("--current-a", type=_positive_float, help="SHM current (A)")
    mw.add_argument("--pulse-s", type=_positive_float, help="pulse width (s)")
    mw.add_argument("--runs", type=_positive_int, default=10000, help="LLGS runs per point")
    mw.add_argument("--seed", type=_seed, default=0, help="root seed of the thermal noise")
    mw.add_argument("--sweep", action="store_true", help="grid of --currents x --pulses")
    mw.add_argument("--currents", type=_float_list, help="comma list of currents (A)")
    mw.add_argument("--pulses", type=_float_list, help="comma list of pulse widths (s)")
    mw.add_argument("--workers", type=_positive_int, default=None, help="threads")
    mw.add_argument("--plot", metavar="FILE.png", help="WER against pulse width (sweep); "
                    "with --method/--wer-target also FILE_contour.png over current x pulse")
    mw.add_argument("--method", choices=("auto", "is", "brute"), default=None,
                    help="rare-event estimator: importance sampling of the thermal field "
                    "(is), plain paths (brute) or auto (brute force while it sees failures "
                    "often, else is); reports the 95 %% interval, effective trajectories and "
                    "wall time")
    mw.add_argument("--wer-target", type=_unit_interval, default=None, metavar="WER",
                    help="resolve WERs down to this level (implies --method auto): a point "
                    "stops once its interval lies below it; the plot's axis reaches it")
    mw.add_argument("--rel-tol", type=_unit_interval, default=0.1, metavar="R",
                    help="rare-event runs stop at this relative half-width of the 95 %% "
                    "interval (default 0.1)")
    mw.add_argument("--max-paths", type=_positive_int, default=4_000_000,
                    help="rare-event paths per point at most (default 4e6)")
    _scale_options(mw, ngspice=False)   # LLGS only: no ngspice process to limit
    mw.set_defaults(func=cmd_mc_write)

    est = sub.add_parser("estimate", help="energy, latency and area per image from the LUTs",
                         description="Maps a network onto an architecture description and "
                         "prices every operation with LUT values (no simulation). NETWORK: "
                         "svhn, alexnet, mnist, cifar10-bnn or a .toml/.json layer file; "
                         "ARCH: imce, corn, imc-dpu or an architecture .toml file.")
    common(est, params=False)
    est.add_argument("--network", required=True, help="zoo name or layer file")
    est.add_argument("--arch", required=True, type=_arch_list, metavar="ARCH[,ARCH]",
                     help="shipped description (imce, corn, imc-dpu) or a .toml file; "
                     "several, comma-separated, to compare them (a warning when their LUTs "
                     "are of different nodes)")
    est.help_note = _estimate_support_note
    est.add_argument("--bits", default=None,
                     help="W:I of the quantized layers, e.g. 1:2 (default: the description's)")
    est.add_argument("--lut", metavar="FILE.h5", default=None,
                     help="LUT file (default: the one the description names)")
    est.add_argument("--plot", metavar="FILE.png", help="op counts and energy breakdown; "
                     "with --sweep: energy vs latency, area as marker size, Pareto front")
    est.add_argument("--rows", type=_positive_int, default=None,
                     help="rows of a sub-array / PE (a LUT grid value: 64 .. 1024)")
    est.add_argument("--cols", type=_positive_int, default=None,
                     help="columns of a sub-array / PE (a LUT grid value: 64 .. 1024)")
    est.add_argument("--replicas", type=_positive_int, default=None,
                     help="arrays computing at once (array.parallel)")
    est.add_argument("--sweep", action="append", metavar="KEY=V1,V2", default=None,
                     help="design-space sweep over a description key (rows, cols, parallel, "
                     "bits, buffers, ... or a dotted key such as buffer.per_pe); repeat for "
                     "every combination")
    est.set_defaults(func=cmd_estimate)

    wsub = _group(sub, "network", help="network layer files")
    ws = wsub.add_parser("show", help="write a network as a layer file (a template)",
                         description="Prints a zoo network (svhn, alexnet, mnist, cifar10-bnn) "
                         "or a layer file as a complete network file that 'estimate --network "
                         "FILE' reads back: edit it to describe your own network.")
    ws.add_argument("name", help="zoo name or a .toml/.json layer file")
    ws.add_argument("--format", choices=("toml", "json"), default="toml",
                    help="file format (default: toml)")
    ws.add_argument("--out", metavar="FILE", default=None,
                    help="write to FILE instead of standard output")
    ws.set_defaults(func=cmd_network_show)

    rsub = _group(sub, "report", help="reports")
    rp = rsub.add_parser("paper", help="Markdown comparison with IMCE Table II / Fig. 9 and "
                         "CORN Table I, with plots")
    common(rp, params=False)
    rp.add_argument("--out", default="paper_report", help="output directory")
    rp.set_defaults(func=cmd_report_paper)
    return p


def _one_line(exc) -> str:
    """The message of ``exc`` on one printable line (control characters escaped)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(exc))


def main(argv=None) -> int:
    """Run one command; the exit code says what kind of failure it was.

    0 success; 2 bad input (usage, :class:`ParameterError`, :class:`LutError`, an
    unreadable or unwritable file); 1 a failed run (:class:`SimulationError`) or an
    internal error -- a bug, printed as ``internal error`` with its traceback when
    ``SPINCIM_TRACEBACK=1`` is set; 130 interrupted.
    """
    import os

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if getattr(args, "current_a", None) is not None and not math.isfinite(args.current_a):
            raise _UsageError("--current-a must be finite")
        _check_ranges(args)
        return args.func(args)
    except _UsageError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SimulationError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_FAILURE
    except (ParameterError, LutError, OSError) as exc:  # OSError: an unreadable/unwritable file
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SpincimError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 -- a bug: say so, never as bad input
        if os.environ.get("SPINCIM_TRACEBACK") == "1":
            import traceback
            traceback.print_exc()
        print(f"internal error: {type(exc).__name__}: {_one_line(exc)} (a bug in spincim; "
              f"set SPINCIM_TRACEBACK=1 for the traceback)", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

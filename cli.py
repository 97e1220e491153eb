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
from .errors import SpincimError

EXIT_BAD_INPUT = 2
EXIT_FAILURE = 1


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line on stderr, exit 2."""

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
    return str(value)


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


# --------------------------------------------------------------------------- parser
_SWITCH_HELP = """\
Apply one rectangular SHM current pulse to an ensemble of free layers starting in the
P state (m = +x) and report how many reverse. Switching criterion: a run has switched
once m_x passes -0.9 (from +x) at any time during the pulse; t_switch is that first
crossing. At T > 0 each run starts at +x and relaxes for 2 ns without current, so the
pulse meets the thermal-equilibrium P state; at T = 0 the start is tilted in-plane by the 300 K rms angle 1/sqrt(2 Delta).
Positive current writes P -> AP."""


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

    dev = sub.add_parser("device", help="device parameters and derived quantities")
    dsub = dev.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    dsub.required = True
    show = dsub.add_parser("show", help="print parameters, R_P, R_AP, Delta, Ic0, ...")
    common(show)
    show.add_argument("--temperature-k", type=_nonneg_float, help="override temperature (K)")
    show.set_defaults(func=cmd_device_show)

    llg_p = sub.add_parser("llg", help="macrospin LLGS experiments")
    lsub = llg_p.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    lsub.required = True
    sw = lsub.add_parser("switch", help="switching probability of one SHM pulse",
                         description=_SWITCH_HELP)
    common(sw)
    sw.add_argument("--current-a", type=float, required=True,
                    help="SHM current (A); > 0 writes P -> AP")
    sw.add_argument("--pulse-s", type=_positive_float, required=True, help="pulse width (s)")
    sw.add_argument("--temperature-k", type=_nonneg_float, help="temperature (K), default 300")
    sw.add_argument("--runs", type=_positive_int, default=1000, help="ensemble size")
    sw.add_argument("--seed", type=_seed, default=0, help="root seed of the thermal noise")
    sw.add_argument("--dt-s", type=_positive_float, default=1e-12, help="time step (s)")
    sw.add_argument("--backend", choices=("numba", "numpy"), default="numba")
    sw.add_argument("--workers", type=_positive_int, default=None, help="threads")
    sw.set_defaults(func=cmd_llg_switch)
    return p


def main(argv=None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if getattr(args, "current_a", None) is not None and not math.isfinite(args.current_a):
            raise _UsageError("--current-a must be finite")
        return args.func(args)
    except _UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (SpincimError, ValueError) as exc:
        from .errors import SimulationError
        code = EXIT_FAILURE if isinstance(exc, SimulationError) else EXIT_BAD_INPUT
        print(f"error: {exc}", file=sys.stderr)
        return code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

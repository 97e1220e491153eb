"""Sparse-matrix solver cost of the full two-dimensional array in one or more ngspice builds.

Run: ``python bench/array_solver.py --ngspice ngspice [--ngspice OTHER_NGSPICE ...]
[--sizes 16,64] [--solvers sparse,klu] [--tran]`` (one ngspice process at a time,
``OMP_NUM_THREADS=1``). ``--ngspice`` is a command-line ngspice executable (repeat it to
compare builds, e.g. the distribution's ngspice 39 and a later one). A build whose
``ngspice`` is not installed in its configured prefix needs ``SPICE_LIB_DIR`` pointing
at a directory ``scripts/spinit`` that loads that build's own code models.

The netlist is :func:`spincim.netlists.array.static_read_netlist` of an n x n array
(static MTJs, every cell's two transistors, one wire R-C segment per cell pitch on all
five lines, ideal row drive, ``decoder=False``), with ``.options acct`` and, for the KLU
rows, ``.options klu`` (ngspice 42 and later; ngspice 39 ignores the option and keeps
Sparse 1.3: the solver column is read from ngspice's own "Using ... as Direct Linear
Solver" line). Rows:

* ``op``: the read operating point (``i_read`` into ``rbl0``, row 0 selected);
* ``tran`` (with ``--tran``): the same read as a step: the row-0 read word line and the
  read current rise from 0 in 50 ps at 0.1 ns, ``.tran 5p 2n 0 10p`` (about 215 time
  points), all other drives as in the operating point.

Each row prints wall and CPU time of the ngspice process, the equation count, Newton
iterations, time points, ngspice's split into matrix load / reorder / factor / solve,
the fill-in and ``v(rbl0)`` (at the end of the transient) so that builds
and solvers can be checked against each other. Last line: a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from spincim.devices.technology import technology
from spincim.netlists import array as arr
from spincim.netlists import spice_text as st

#: read-step timing of the ``tran`` rows (s): start, rise, stop, print step, max step
T_STEP_S, T_RISE_S, T_STOP_S, T_PRINT_S, T_MAX_S = 0.1e-9, 50e-12, 2e-9, 5e-12, 10e-12
#: read current into ``rbl0`` (A), static_read_netlist's default
I_READ_A = 10e-6


def _replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise RuntimeError(f"expected one {old!r} in the netlist")
    return text.replace(old, new)


def mesh_netlist(tech, n: int, *, klu: bool, tran: bool) -> str:
    """The n x n static read with ngspice accounting (and KLU, and the read step)."""
    text = arr.static_read_netlist(n, n, tech=tech, decoder=False, i_read_a=I_READ_A)
    opts = ".options acct klu" if klu else ".options acct"
    if not tran:
        return _replace_once(text, "\n.op\n", f"\n{opts}\n.op\n")
    vdd, i_read = st.fmt_number(tech.vdd_v), st.fmt_number(I_READ_A)
    t0, t1 = st.fmt_number(T_STEP_S), st.fmt_number(T_STEP_S + T_RISE_S)
    text = _replace_once(text, f"\nVrwl0 rwl0 0 dc {vdd}\n",
                         f"\nVrwl0 rwl0 0 dc 0 pwl(0 0 {t0} 0 {t1} {vdd})\n")
    text = _replace_once(text, f"\nIread 0 rbl0 dc {i_read}\n",
                         f"\nIread 0 rbl0 dc 0 pwl(0 0 {t0} 0 {t1} {i_read})\n")
    tran = st.analysis_line(st.tran(T_PRINT_S, T_STOP_S, max_step_s=T_MAX_S))
    return _replace_once(text, "\n.op\n", f"\n{opts}\n{tran}\n.print tran v(rbl0)\n")


def _num(out: str, label: str) -> float | None:
    m = re.search(rf"{label}\s*=\s*([0-9.eE+-]+)", out)
    return float(m.group(1)) if m else None


def _rbl0(out: str, tran: bool) -> float | None:
    """v(rbl0): the last row of the ``.print tran`` table, or the op's node table (a
    transient's output also holds the initial-solution table: not used for it)."""
    if tran:
        rows = re.findall(r"^\d+\s+[0-9.eE+-]+\s+([0-9.eE+-]+)\s*$", out, re.M)
        return float(rows[-1]) if rows else None
    m = re.search(r"^\s*rbl0\s+([0-9.eE+-]+)\s*$", out, re.M)
    return float(m.group(1)) if m else None


def version(ngspice: str) -> str | None:
    """Major version that ``ngspice -v`` reports."""
    out = subprocess.run([ngspice, "-v"], capture_output=True, text=True, timeout=60,
                         check=False).stdout
    m = re.search(r"ngspice-(\d+)", out)
    return m.group(1) if m else None


def run(ngspice: str, text: str, timeout_s: float, *, tran: bool) -> dict:
    """Run ``text`` in batch mode; ngspice's accounting, wall and CPU time."""
    with tempfile.TemporaryDirectory() as tmp:
        path, log = Path(tmp) / "mesh.cir", Path(tmp) / "mesh.log"
        path.write_text(text)
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        t0 = time.perf_counter()
        with open(log, "w") as fh:
            proc = subprocess.Popen([ngspice, "-b", str(path)], stdout=fh,
                                    stderr=subprocess.STDOUT, env=env)
            killer = threading.Timer(timeout_s, proc.kill)
            killer.start()
            _, status, usage = os.wait4(proc.pid, 0)   # this child's own resource usage
            killer.cancel()
        wall = time.perf_counter() - t0
        out = log.read_text(errors="replace")
    solver = re.search(r"Using (\S+(?: \S+)?) as Direct Linear Solver", out)
    return {"ngspice": ngspice,
            "solver": solver.group(1) if solver else "not printed",
            "wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "equations": _num(out, "Circuit Equations"),
            "iterations": _num(out, "Total iterations"),
            "timepoints": _num(out, "Accepted timepoints"),
            "fill_in": _num(out, "Circuit fill-in non-zeroes"),
            "load_s": _num(out, "Matrix load time"),
            "reorder_s": _num(out, "Matrix reorder time"),
            "factor_s": _num(out, "Matrix factor time"),
            "solve_s": _num(out, "Matrix solve time"),
            "rbl0_v": _rbl0(out, tran), "exit_status": os.waitstatus_to_exitcode(status)}


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ngspice", action="append", help="ngspice executable (repeatable)")
    ap.add_argument("--tech", default="45nm")
    ap.add_argument("--sizes", default="16,64", help="array sizes n (comma list)")
    ap.add_argument("--solvers", default="sparse,klu", help="sparse, klu or both")
    ap.add_argument("--tran", action="store_true", help="also the read-step transient")
    ap.add_argument("--timeout", type=float, default=7200.0, help="per run (s)")
    args = ap.parse_args(argv)
    tech = technology(args.tech)
    rows = []
    print(f"{tech.name}, full n x n array (static_read_netlist, decoder=False); load average "
          f"{os.getloadavg()[0]:.2f}")
    print(f"{'ngspice':>8} {'analysis':>8} {'n':>4} {'solver':>10} {'wall s':>8} {'cpu s':>8} "
          f"{'eqns':>7} {'iter':>5} {'reorder s':>9} {'factor s':>9} {'load s':>7} "
          f"{'fill-in':>9} {'v(rbl0) V':>12}")
    for ngspice in args.ngspice or ["ngspice"]:
        major = version(ngspice)
        for analysis in ("op", "tran") if args.tran else ("op",):
            for n in (int(x) for x in args.sizes.split(",") if x.strip()):
                for solver in (s.strip() for s in args.solvers.split(",") if s.strip()):
                    text = mesh_netlist(tech, n, klu=solver == "klu", tran=analysis == "tran")
                    row = {"analysis": analysis, "n": n, "requested": solver,
                           "version": major,
                           **run(ngspice, text, args.timeout, tran=analysis == "tran")}
                    rows.append(row)
                    f = {k: (v if v is not None else float("nan")) for k, v in row.items()}
                    print(f"{str(row['version']):>8} {analysis:>8} {n:>4} {row['solver']:>10} "
                          f"{f['wall_s']:>8.1f} {f['cpu_s']:>8.1f} {f['equations']:>7.0f} "
                          f"{f['iterations']:>5.0f} {f['reorder_s']:>9.2f} "
                          f"{f['factor_s']:>9.2f} {f['load_s']:>7.2f} {f['fill_in']:>9.0f} "
                          f"{f['rbl0_v']:>12.6e}", flush=True)
    print(json.dumps({"bench": "array_solver", "tech": tech.name, "rows": rows}))
    return rows


if __name__ == "__main__":
    main()

"""Trials per second of the sense-path Monte Carlo engines, on the same sampled parameters.

Run: ``python bench/mc_speed.py [--trials 20000] [--naive 300] [--alter 4000]
[--analytic 1000000] [--repeat 3] [--big 100000]`` (about 4 min on 2 idle cores). Compares, in one run, on the SAME ``sense_margin.draw``
outputs (trial i of every engine uses the parameters of trial i of the engine run):

1. engine: ``sense_margin.simulate`` (one ``.dc`` sweep over an index source per chunk,
   every varied quantity a ``pwl(v(idx), ...)`` table), 2 workers and 1 worker;
2. naive: one PySpice ``Circuit`` built and solved (``.op``) per trial, in spawned
   processes (PySpice is imported only there), a few hundred trials, extrapolated;
3. alter: one netlist (the engine's circuit for one trial, the tables replaced by DC
   voltage sources) and a fixed ``.control`` loop (``alter`` + ``op`` per trial) over
   data vectors loaded from an ASCII rawfile, run by ``ngspice -b`` subprocesses;
4. analytic: ``sense_model.vsense_v`` with R_on extracted from a nominal SPICE run.

The engine's chunks carry ``.options reltol=1e-06 vntol=1e-08``
(``sense_margin.TIGHT_OPTIONS``): with ngspice's default tolerances the ``.dc``
continuation stops Newton up to ~0.2 mV from the converged operating point, which ``op``
(naive, alter) reaches to ~1e-8 V. The engine's wall time includes starting its worker
pool (~1 s, also printed apart); the naive and alter loops are timed without start-up.

All six configurations per trial (memory P/AP and the four 2-cell patterns) in every
engine. Prints trials/s (best and median of the repeats), the ratios against the targets,
max |dV| between the engines on the same trials, the 100k-trial engine time, and last one
JSON summary line.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from spincim.characterize.executor import LocalExecutor, run_netlist
from spincim.characterize import sampling
from spincim.characterize import sense_margin as sm
from spincim.characterize import sense_model
from spincim.devices import mtj as M

SEED = 20240601


# ----------------------------------------------------------------------------- shared
def all_draws(setup: sm.SenseSetup, trials: int, seed: int) -> sm.Draws:
    """The draws of trials 0..trials-1 exactly as ``simulate`` makes them."""
    parts = [sm.draw(setup, c) for c in sampling.chunks(trials, seed, sm.CHUNK_TRIALS)]
    return sm.Draws(*(np.concatenate([getattr(p, f) for p in parts])
                      for f in ("r_p_ohm", "tmr", "dvth_cell_v", "dvth_ref_v")))


def cell_layout(setup: sm.SenseSetup):
    """[(config index, cell k, global cell index, ap)] in draw-column order."""
    out, cell = [], 0
    for c, states in enumerate(setup.configurations()):
        for k, ap in enumerate(states):
            out.append((c, k, cell, ap))
            cell += 1
    return out


def bl_matrix(result: dict, n_cfg: int) -> np.ndarray:
    return np.stack([np.asarray(result[f"bl{c}"]) for c in range(n_cfg)], axis=1)


def rates(times: list[float], n: int) -> dict:
    r = [n / t for t in times]
    return {"best": max(r), "median": statistics.median(r), "all": r}


# ----------------------------------------------------------------------------- 2. naive
def _naive_worker(args) -> tuple[np.ndarray, float, int]:
    """Spawned process: one PySpice Circuit + operating_point per trial."""
    setup, rp, tmr, dv_cell, dv_ref = args
    os.environ["OMP_NUM_THREADS"] = "1"
    import logging
    import warnings
    logging.disable(logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from PySpice.Spice.Netlist import Circuit
        from PySpice.Spice.NgSpice.Shared import NgSpiceShared
    ng = NgSpiceShared.new_instance()
    ng.exec_command("set num_threads=1")  # as the engine does; 2 OpenMP threads otherwise
    tech = setup.tech
    l_m = tech.l_min_m
    w_m = setup.read_w_mult * l_m
    vh = setup.device.mtj.v_half_v
    refs = sm.reference_resistances(setup)
    layout = cell_layout(setup)
    n_cfg = len(setup.configurations())

    def one(i: int) -> np.ndarray:
        circuit = Circuit("naive sense trial")
        circuit.include(str(tech.card_path))
        circuit.V("dd", "vdd", circuit.gnd, tech.vdd_v)
        for c in range(n_cfg):
            circuit.I(f"bl{c}", circuit.gnd, f"bl{c}", setup.i_read_a)
        for c, k, cell, ap in layout:
            tag = f"c{c}k{k}"
            gate = "vdd"
            if setup.vth_mismatch:
                gate = f"g{tag}"
                circuit.V(f"g{tag}", gate, circuit.gnd, tech.vdd_v - dv_cell[i, cell])
            circuit.M(tag, f"bl{c}", gate, f"rl{tag}", circuit.gnd, model=tech.nmos_model,
                      w=w_m, l=l_m)
            n, r = f"rl{tag}", repr(float(rp[i, cell]))
            if ap:
                expr = (f"v({n})/({r}*(1+{repr(float(tmr[i, cell]))}"
                        f"/(1+(v({n})/{vh!r})^2)))")
            else:
                expr = f"v({n})/{r}"
            circuit.B(f"m{tag}", n, circuit.gnd, current_expression=expr)
        fet = 0
        for op, r_ref in refs.items():
            legs = 1 if op == "read" else setup.fan_in  # as sense_margin (ref legs)
            node = f"ref{op}"
            circuit.I(node, circuit.gnd, node, setup.i_read_a)
            for leg in range(legs):
                tag = f"{op}{leg}"
                gate = "vdd"
                if setup.vth_mismatch:
                    gate = f"gr{tag}"
                    circuit.V(f"gr{tag}", gate, circuit.gnd, tech.vdd_v - dv_ref[i, fet])
                circuit.M(f"r{tag}", node, gate, f"m{tag}", circuit.gnd,
                          model=tech.nmos_model, w=w_m, l=l_m)
                circuit.R(tag, f"m{tag}", circuit.gnd, legs * r_ref)
                fet += 1
        sim = circuit.simulator(simulator="ngspice-shared", ngspice_shared=ng)
        analysis = sim.operating_point()
        return np.array([float(analysis.nodes[f"bl{c}"][0]) for c in range(n_cfg)])

    one(0)  # warm-up (model card parse, library start)
    start = time.perf_counter()
    out = np.stack([one(i) for i in range(rp.shape[0])])
    elapsed = time.perf_counter() - start
    rss = 0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) * 1024
    return out, elapsed, rss


def run_naive(setup, draws: sm.Draws, n: int, procs: int) -> tuple[np.ndarray, float, list]:
    """n trials over ``procs`` spawned processes; returns (V, loop wall s, per-proc RSS)."""
    bounds = np.linspace(0, n, procs + 1).astype(int)
    jobs = [(setup, draws.r_p_ohm[a:b], draws.tmr[a:b], draws.dvth_cell_v[a:b],
             draws.dvth_ref_v[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(procs, mp_context=ctx) as pool:
        results = list(pool.map(_naive_worker, jobs))
    # processes run concurrently: wall of the loops = the slowest process' loop
    return (np.concatenate([r[0] for r in results]), max(r[1] for r in results),
            [r[2] for r in results])


# ----------------------------------------------------------------------------- 3. alter
_TABLE_RE = re.compile(r"^B(\w+) (\w+) 0 V=pwl\(v\(idx\),0,([^,]+),.*$")


def alter_netlist(setup: sm.SenseSetup, draws: sm.Draws, raw_path: str, out_path: str
                  ) -> tuple[str, list[tuple[str, str]]]:
    """The engine's circuit for one trial with every pwl table a DC source, plus the loop.

    Returns (netlist text, [(V-source name, data vector name)]).
    """
    one = sm.chunk_netlist(setup, draws.take(slice(0, 1)))
    lines, altered = [], []
    for line in one.splitlines():
        if line.startswith(("Vidx", ".dc", ".end")):
            continue
        match = _TABLE_RE.match(line)
        if match:  # Brpc0k0 rpc0k0 0 V=pwl(...) -> Vrpc0k0 rpc0k0 0 dc value
            name, node, value = match.groups()
            lines.append(f"V{name} {node} 0 dc {value}")
            altered.append((f"v{name}".lower(), f"x{name}".lower()))
        else:
            lines.append(line)
    n_cfg = len(setup.configurations())
    alters = "\n".join(f"  alter {src} = {vec}[i]" for src, vec in altered)
    stores = "\n".join(f"  let o{c}[i] = v(bl{c})" for c in range(n_cfg))
    allocs = "\n".join(f"let o{c} = vector(n)" for c in range(n_cfg))
    copies = "\n".join(f"let {vec} = unknown1.{vec}" for _, vec in altered)
    outs = " ".join(f"o{c}" for c in range(n_cfg))
    control = f"""
.control
set num_threads=1
load {raw_path}
setplot const
{copies}
let n = length({altered[0][1]})
{allocs}
let i = 0
while i < n
{alters}
  op
{stores}
  destroy all
  let i = i + 1
end
let tix = vector(n)
setscale tix
set wr_vecnames
set numdgt=17
wrdata {out_path} {outs}
.endc
.end
"""
    return "\n".join(lines) + control, altered


def write_raw(path: str, names: list[str], columns: list[np.ndarray]) -> None:
    """An ASCII rawfile holding the per-trial data vectors."""
    n = len(columns[0])
    data = np.stack(columns, axis=1)
    with open(path, "w") as f:
        f.write(f"Title: mc data\nDate: now\nPlotname: mcdata\nFlags: real\n"
                f"No. Variables: {len(names)}\nNo. Points: {n}\nVariables:\n")
        for k, name in enumerate(names):
            f.write(f"\t{k}\t{name}\tnotype\n")
        f.write("Values:\n")
        for i in range(n):
            f.write(f" {i}" + "".join(f"\t{x!r}\n" for x in data[i].tolist()))


def _alter_inputs(setup, draws: sm.Draws, work: Path, tag: str):
    raw, out, cir = work / f"{tag}.raw", work / f"{tag}.out", work / f"{tag}.cir"
    text, altered = alter_netlist(setup, draws, str(raw), str(out))
    cols = []
    layout = {f"c{c}k{k}": cell for c, k, cell, _ in cell_layout(setup)}
    for _, vec in altered:  # xrpc0k0 / xtmc1k0
        kind, cell_tag = vec[1:3], vec[3:]
        arr = draws.r_p_ohm if kind == "rp" else draws.tmr
        cols.append(arr[:, layout[cell_tag]])
    write_raw(str(raw), [v for _, v in altered], cols)
    cir.write_text(text)
    return cir, out


def _read_wrdata(path: Path, n_cfg: int) -> np.ndarray:
    d = np.loadtxt(path, skiprows=1, ndmin=2)
    return d[:, 1::2][:, :n_cfg]


def run_alter(setup, draws: sm.Draws, n: int, procs: int, work: Path
              ) -> tuple[np.ndarray, float]:
    """n trials over ``procs`` concurrent ``ngspice -b`` runs; returns (V, wall s)."""
    if setup.vth_mismatch:
        raise SystemExit("alter loop: vth_mismatch not wired (the default setup has none)")
    bounds = np.linspace(0, n, procs + 1).astype(int)
    files = [_alter_inputs(setup, draws.take(slice(a, b)), work, f"alter{p}")
             for p, (a, b) in enumerate(zip(bounds[:-1], bounds[1:]))]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    start = time.perf_counter()
    running = [subprocess.Popen(["ngspice", "-b", str(cir)], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, cwd=work, env=env)
               for cir, _ in files]
    logs = [p.communicate()[0].decode(errors="replace") for p in running]
    elapsed = time.perf_counter() - start
    n_cfg = len(setup.configurations())
    parts = []
    for (cir, out), log, (a, b) in zip(files, logs, zip(bounds[:-1], bounds[1:])):
        if not out.exists():
            raise SystemExit(f"alter loop wrote no output; ngspice said:\n{log[-3000:]}")
        v = _read_wrdata(out, n_cfg)
        if v.shape[0] != b - a:
            raise SystemExit(f"alter loop: {v.shape[0]} rows for {b - a} trials")
        bad = [x for x in log.splitlines() if re.search(r"error|singular|gmin step", x, re.I)]
        if bad:
            print(f"  alter loop: {len(bad)} ngspice warnings, e.g. {bad[0]!r}")
        parts.append(v)
        out.unlink()
    return np.concatenate(parts), elapsed


# ----------------------------------------------------------------------------- 4. analytic
def extract_r_on(setup: sm.SenseSetup) -> dict[int, np.ndarray]:
    """Per configuration, the access-FET on-resistance of each cell at nominal draws."""
    nominal = replace(setup, sigma_ra=0.0, sigma_tmr=0.0, vth_mismatch=False)
    d = sm.draw(nominal, sampling.chunks(2, 0, 2)[0])
    v = run_netlist(sm.chunk_netlist(nominal, d))
    mtj = setup.device.mtj
    r_p, tmr0, vh = M.r_p_ohm(mtj), mtj.tmr0, mtj.v_half_v
    r_on: dict[int, list[float]] = {}
    for c, k, _, ap in cell_layout(setup):
        v_bl, v_rl = v[f"bl{c}"][0], v[f"rlc{c}k{k}"][0]
        r_mtj = r_p * (1 + tmr0 / (1 + (v_rl / vh) ** 2)) if ap else r_p
        r_on.setdefault(c, []).append((v_bl - v_rl) / (v_rl / r_mtj))
    return {c: np.array(x) for c, x in r_on.items()}


def analytic(setup, draws: sm.Draws, r_on: dict[int, np.ndarray]) -> np.ndarray:
    mtj = setup.device.mtj
    cols = []
    for c, states in enumerate(setup.configurations()):
        idx = [cell for cc, _, cell, _ in cell_layout(setup) if cc == c]
        cols.append(sense_model.vsense_v(setup.i_read_a, r_on[c], draws.r_p_ohm[:, idx],
                                         draws.tmr[:, idx], mtj.v_half_v, states))
    return np.stack(cols, axis=1)


# ----------------------------------------------------------------------------- main
def time_engine(setup, trials: int, workers: int) -> tuple[dict, float]:
    start = time.perf_counter()
    result, failed = sm.simulate(setup, trials=trials, seed=SEED, workers=workers)
    elapsed = time.perf_counter() - start
    if failed:
        print(f"  engine: {failed} failed trials")
    return result, elapsed


def _ngspice_version() -> str:
    with LocalExecutor(1) as ex:
        return ex.ngspice_version()


def pool_start_s(workers: int) -> float:
    start = time.perf_counter()
    with LocalExecutor(workers) as ex:
        ex.start()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=20_000, help="engine trials")
    ap.add_argument("--naive", type=int, default=300, help="naive-loop trials")
    ap.add_argument("--alter", type=int, default=4000, help="alter-loop trials")
    ap.add_argument("--analytic", type=int, default=1_000_000)
    ap.add_argument("--big", type=int, default=100_000, help="engine trials, 2 workers")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    procs = 2
    setup = sm.SenseSetup()
    n_cfg = len(setup.configurations())
    print(f"# mc_speed: {n_cfg} configurations/trial, ngspice {_ngspice_version()}, "
          f"{os.cpu_count()} cpus, load avg {os.getloadavg()[0]:.2f}, chunk "
          f"{sm.CHUNK_TRIALS} trials, seed {SEED}")
    draws = all_draws(setup, max(args.trials, args.naive, args.alter), SEED)
    summary: dict = {"configs_per_trial": n_cfg}

    # 1. engine
    t_pool = {w: min(pool_start_s(w) for _ in range(2)) for w in (1, 2)}
    eng_times: dict[int, list[float]] = {1: [], 2: []}
    v_eng = None
    for rep in range(args.repeat):
        for w in (2, 1):
            if w == 1 and rep >= max(1, args.repeat - 1):
                continue
            result, t = time_engine(setup, args.trials, w)
            eng_times[w].append(t)
            v = bl_matrix(result, n_cfg)
            if v_eng is None:
                v_eng = v
            elif not np.array_equal(np.nan_to_num(v), np.nan_to_num(v_eng)):
                print(f"  engine: workers={w} rep {rep} differs from the first run by "
                      f"{np.nanmax(np.abs(v - v_eng)):.3g} V")
    eng = {w: rates(ts, args.trials) for w, ts in eng_times.items()}
    eng_net = {w: rates([t - t_pool[w] for t in ts], args.trials)
               for w, ts in eng_times.items()}
    for w in (2, 1):
        print(f"engine   {w} worker(s): {args.trials} trials  best {eng[w]['best']:9.0f}/s  "
              f"median {eng[w]['median']:9.0f}/s  (wall s {[round(t, 2) for t in eng_times[w]]};"
              f" without pool start {t_pool[w]:.2f} s: best {eng_net[w]['best']:.0f}/s)")
    assert v_eng is not None
    if np.isnan(v_eng).any():
        print(f"  engine: {int(np.isnan(v_eng).any(axis=1).sum())} NaN trials")

    # 2. naive
    naive_times, v_naive, rss = {1: [], 2: []}, None, []
    n_naive = args.naive
    for rep in range(max(1, args.repeat - 1)):
        for p in (2, 1):
            n = n_naive if p == procs else n_naive // 2
            v, t, rss = run_naive(setup, draws, n, p)
            naive_times[p].append(t if p == procs else t * n_naive / n)
            if p == procs:
                v_naive = v
    naive = {p: rates(ts, n_naive) for p, ts in naive_times.items()}
    for p in (2, 1):
        print(f"naive    {p} process(es): {n_naive if p == 2 else n_naive // 2} trials  best "
              f"{naive[p]['best']:9.1f}/s  median {naive[p]['median']:9.1f}/s"
              + (f"  (worker RSS after loop {[round(r / 2**20) for r in rss]} MiB)"
                 if p == 2 else ""))

    # 3. alter
    alter_times: dict[int, list[float]] = {1: [], 2: []}
    v_alter = None
    with tempfile.TemporaryDirectory(prefix="mc_speed_") as tmp:
        for rep in range(args.repeat):
            for p in (2, 1):
                if p == 1 and rep >= max(1, args.repeat - 1):
                    continue
                n = args.alter if p == procs else args.alter // 2
                v, t = run_alter(setup, draws, n, p, Path(tmp))
                alter_times[p].append(t * args.alter / n)
                if p == procs:
                    v_alter = v
    alt = {p: rates(ts, args.alter) for p, ts in alter_times.items()}
    for p in (2, 1):
        print(f"alter    {p} process(es): {args.alter if p == 2 else args.alter // 2} trials  "
              f"best {alt[p]['best']:9.0f}/s  median {alt[p]['median']:9.0f}/s")

    # 4. analytic
    r_on = extract_r_on(setup)
    big_draws = all_draws(setup, args.analytic, SEED)
    ana_times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        v_ana_big = analytic(setup, big_draws, r_on)
        ana_times.append(time.perf_counter() - start)
    start = time.perf_counter()
    all_draws(setup, args.analytic, SEED)
    t_draw = time.perf_counter() - start
    ana = rates(ana_times, args.analytic)
    print(f"analytic numpy      : {args.analytic} trials  best {ana['best']:9.0f}/s  median "
          f"{ana['median']:9.0f}/s  (drawing them: {args.analytic / t_draw:.0f}/s; R_on per "
          f"config {[np.round(r, 1).tolist() for r in r_on.values()]} Ohm)")
    v_ana = v_ana_big[:args.trials]

    # 100k
    big_t = []
    for _ in range(max(1, args.repeat - 1)):
        _, t = time_engine(setup, args.big, 2)
        big_t.append(t)
    print(f"engine   2 workers : {args.big} trials  best {min(big_t):.2f} s  median "
          f"{statistics.median(big_t):.2f} s  ({args.big / min(big_t):.0f}/s)  target <= 60 s")

    # accuracy
    def dmax(a, b):
        return float(np.nanmax(np.abs(a - b)))

    nn, na = v_naive.shape[0], v_alter.shape[0]
    dv = {"engine_vs_naive_v": dmax(v_eng[:nn], v_naive),
          "engine_vs_alter_v": dmax(v_eng[:na], v_alter),
          "naive_vs_alter_v": dmax(v_naive, v_alter[:nn]),
          "engine_vs_analytic_v": dmax(v_eng, v_ana),
          "engine_vs_analytic_rel": float(np.nanmax(np.abs(v_eng - v_ana) / v_eng))}
    per_cfg = np.nanmax(np.abs(v_eng - v_ana), axis=0)
    print("max |dV|: " + ", ".join(f"{k} {v:.3g}" for k, v in dv.items()))
    print(f"  engine vs alter per config (V): "
          f"{np.nanmax(np.abs(v_eng[:na] - v_alter), axis=0).round(12).tolist()}")
    print(f"  engine vs analytic per config (V): {per_cfg.round(6).tolist()}")

    r_naive = eng[2]["best"] / naive[2]["best"]
    r_alter = eng[2]["best"] / alt[2]["best"]
    r_naive_med = eng[2]["median"] / naive[2]["median"]
    r_alter_med = eng[2]["median"] / alt[2]["median"]
    r_naive_big = args.big / min(big_t) / naive[2]["best"]
    print(f"ratio engine/naive (2 cores), {args.trials} trials incl. pool start: best "
          f"{r_naive:.1f}x  median {r_naive_med:.1f}x")
    print(f"ratio engine/naive (2 cores), {args.big} trials (the issue's 100k run): "
          f"{r_naive_big:.1f}x  target >= 40x  {'OK' if r_naive_big >= 40 else 'MISS'}")
    print(f"ratio engine/alter (2 cores): best {r_alter:.2f}x  median {r_alter_med:.2f}x  "
          f"target >= 4x  {'OK' if r_alter >= 4 else 'MISS'}")
    print(f"ratio analytic/engine       : {ana['best'] / eng[2]['best']:.0f}x")
    spice_dv = max(dv["engine_vs_naive_v"], dv["engine_vs_alter_v"])
    print(f"SPICE engines agree within 1 uV: {'OK' if spice_dv <= 1e-6 else 'MISS'} "
          f"({spice_dv:.3g} V)")

    def r(x):
        return {k: round(v, 1) for k, v in x.items() if k != "all"}

    summary.update({
        "engine_2w_per_s": r(eng[2]), "engine_1w_per_s": r(eng[1]),
        "engine_2w_no_pool_start_per_s": r(eng_net[2]),
        "naive_2p_per_s": r(naive[2]), "naive_1p_per_s": r(naive[1]),
        "alter_2p_per_s": r(alt[2]), "alter_1p_per_s": r(alt[1]),
        "analytic_per_s": r(ana),
        "ratio_engine_naive": round(r_naive, 1), "ratio_engine_alter": round(r_alter, 2),
        "ratio_engine_naive_100k": round(r_naive_big, 1),
        "engine_100k_s": round(min(big_t), 2),
        "max_dv": dv, "trials": {"engine": args.trials, "naive": nn, "alter": na,
                                  "analytic": args.analytic},
        "load_avg": os.getloadavg()[0]})
    print(json.dumps(summary))


if __name__ == "__main__":
    sys.exit(main())

"""Throughput of the stochastic LLGS ensemble: spincim (numba, numpy) against cmtj.

Run: ``python bench/llg_ensemble.py``. Every solver integrates the same problem: the
default device (docs/physics.md §7), 300 K, one 10 ns SHM pulse of ~1.12 Ic0 (near 50 %
switching) from the P state, dt = 1 ps, switched = m_x passed -0.9. cmtj runs with
exactly spincim's parameters and constants (stochastic ``SolverMode.Heun``; its
``EulerHeun`` over-heats the thermal field: its equipartition is off, see
``tests/devices/test_llg_cmtj.py``), once in this process and
once in two worker processes, so that both sides use the same cores. Prints a table and,
on the last line, a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import time

import numpy as np

from spincim.devices import cmtj_oracle as oracle
from spincim.devices import mtj as M
from spincim.devices import switching as S

DT = 1e-12
PULSE = 10e-9
FACTOR = 1.12
#: cmtj log interval (s): a reversed spin stays below -0.9 for far longer than this
CMTJ_LOG = 10e-12


# --------------------------------------------------------------------------- cmtj
def cmtj_chunk(args) -> tuple[int, float]:
    """``runs`` cmtj trajectories from +x; returns (how many reversed, CPU seconds)."""
    import cmtj

    cpu0 = time.process_time()
    i_shm_a, runs, seed = args
    oracle.set_constants()
    j = oracle.junction(M.SotDevice(), (1.0, 0.0, 0.0), i_shm_a, 300.0, seed)
    switched = 0
    for _ in range(runs):
        j.clearLog()
        j.setLayerMagnetisation("free", cmtj.CVector(1.0, 0.0, 0.0))
        j.runSimulation(PULSE, DT, CMTJ_LOG, solverMode=cmtj.SolverMode.Heun)
        switched += bool(np.min(j.getLog()["free_mx"]) <= -0.9)
    return switched, time.process_time() - cpu0


def _seeds(entropy: int, n: int) -> list[int]:
    return [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(entropy).spawn(n)]


# --------------------------------------------------------------------------- main
class _Tally:
    """Repeated timings of one solver: best / median throughput, pooled P_sw."""

    def __init__(self, name: str):
        self.name, self.rates, self.runs, self.switched, self.walls = name, [], 0, 0, []
        self.cpu_s = 0.0

    def add(self, runs: int, wall_s: float, switched: int, cpu_s: float) -> None:
        self.rates.append(runs / wall_s)
        self.walls.append(wall_s)
        self.runs += runs
        self.switched += switched
        self.cpu_s += cpu_s

    def row(self) -> dict:
        lo, hi = S.binomial_ci95(self.switched, self.runs)
        timed = bool(self.rates)
        return {"solver": self.name, "runs": self.runs, "reps": len(self.rates),
                "best_traj_per_s": max(self.rates) if timed else None,
                "median_traj_per_s": float(np.median(self.rates)) if timed else None,
                "best_wall_s": min(self.walls) if timed else None,
                "traj_per_cpu_s": self.runs / self.cpu_s if timed else None,
                "p_sw": self.switched / self.runs, "ci95": [lo, hi]}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3,
                    help="timed repetitions per solver (best and median are reported; the "
                         "machine may be shared, so the best is the least disturbed)")
    ap.add_argument("--cmtj-runs", type=int, default=300,
                    help="cmtj trajectories per process per repetition (default 300)")
    ap.add_argument("--numpy-runs", type=int, default=1000)
    args = ap.parse_args(argv)

    device = M.SotDevice()
    ic0 = M.critical_current_a(device)
    i_shm = FACTOR * ic0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    n_proc = 2
    seeds = iter(_seeds(2024, 10_000))

    def spincim(tally, runs, backend):
        t0, cpu0 = time.perf_counter(), time.process_time()  # CPU time of all threads
        st = S.switch_ensemble(device, i_shm_a=i_shm, pulse_s=PULSE, runs=runs,
                               seed=next(seeds), temperature_k=300.0, dt_s=DT, backend=backend,
                               settle_s=0.0)  # same 10 ns work as cmtj's runs
        tally.add(runs, time.perf_counter() - t0, st.switched, time.process_time() - cpu0)

    sp3, sp4 = _Tally("spincim numba, 1e3"), _Tally("spincim numba, 1e4")
    spn = _Tally(f"spincim numpy, {args.numpy_runs}")
    c1, c2 = _Tally("cmtj Heun, 1 process"), _Tally(f"cmtj Heun, {n_proc} processes")

    # warm-up: numba compiles (or loads its cache) on the first call; cmtj imports
    S.switch_ensemble(device, i_shm_a=i_shm, pulse_s=0.1e-9, runs=2 * 512, seed=0,
                      temperature_k=300.0)
    oracle.set_constants()
    cmtj_chunk((i_shm, 2, 1))  # warm-up
    chunks = 2 * n_proc
    per = max(1, (n_proc * args.cmtj_runs) // chunks)
    with mp.get_context("spawn").Pool(n_proc) as pool:
        pool.map(cmtj_chunk, [(i_shm, 2, next(seeds)) for _ in range(n_proc)], chunksize=1)
        for _ in range(args.reps):  # interleaved, so a busy spell hits every solver alike
            spincim(sp3, 1000, "numba")
            spincim(sp4, 10_000, "numba")
            t0 = time.perf_counter()
            k, cpu = cmtj_chunk((i_shm, args.cmtj_runs, next(seeds)))
            c1.add(args.cmtj_runs, time.perf_counter() - t0, k, cpu)
            t0 = time.perf_counter()
            out = pool.map(cmtj_chunk, [(i_shm, per, next(seeds)) for _ in range(chunks)],
                           chunksize=1)
            c2.add(per * chunks, time.perf_counter() - t0, sum(o[0] for o in out),
                   sum(o[1] for o in out))
    spincim(spn, args.numpy_runs, "numpy")

    rows = [t.row() for t in (sp3, sp4, spn, c1, c2)]
    cm = _Tally("cmtj Heun, all runs")  # P_sw only: both cmtj set-ups pooled
    cm.runs, cm.switched = c1.runs + c2.runs, c1.switched + c2.switched
    pooled = cm.row()
    r4, r1, r2 = rows[1], rows[3], rows[4]
    ratio1 = r4["best_traj_per_s"] / r1["best_traj_per_s"]
    ratio2 = r4["best_traj_per_s"] / r2["best_traj_per_s"]
    ratio2_med = r4["median_traj_per_s"] / r2["median_traj_per_s"]
    ratio_cpu = r4["traj_per_cpu_s"] / r2["traj_per_cpu_s"]

    print(f"LLGS ensemble: 10 ns at dt = 1 ps, 300 K, I_SHM = {FACTOR} Ic0 = "
          f"{i_shm * 1e6:.1f} uA, {cores} cores; trajectories/s best (median) of "
          f"{args.reps} interleaved repetitions")
    print(f"{'solver':<26}{'runs':>7}{'traj/s best':>13}{'(median)':>10}{'traj/CPU-s':>12}"
          f"{'P_sw':>8}   95 % CI")
    for r in rows + [pooled]:
        rate = (f"{r['best_traj_per_s']:>13.0f}{'(' + format(r['median_traj_per_s'], '.0f') + ')':>10}"
                f"{r['traj_per_cpu_s']:>12.0f}" if r["best_traj_per_s"] is not None else " " * 35)
        print(f"{r['solver']:<26}{r['runs']:>7}{rate}{r['p_sw']:>8.3f}"
              f"   [{r['ci95'][0]:.3f}, {r['ci95'][1]:.3f}]")
    print(f"spincim numba 1e4 / cmtj: {ratio1:.1f}x vs 1 process, {ratio2:.1f}x vs {n_proc} "
          f"processes (median {ratio2_med:.1f}x); per CPU-second {ratio_cpu:.1f}x; "
          f"1e4 x 10 ns in {r4['best_wall_s']:.1f} s")
    summary = {
        "bench": "llg_ensemble", "pulse_s": PULSE, "dt_s": DT, "temperature_k": 300.0,
        "i_shm_over_ic0": FACTOR, "cores": cores, "reps": args.reps,
        "spincim_numba_1e3_traj_per_s": round(rows[0]["best_traj_per_s"], 1),
        "spincim_numba_1e4_traj_per_s": round(r4["best_traj_per_s"], 1),
        "spincim_numba_1e4_wall_s": round(r4["best_wall_s"], 2),
        "spincim_numpy_traj_per_s": round(rows[2]["best_traj_per_s"], 1),
        "cmtj_1proc_traj_per_s": round(r1["best_traj_per_s"], 1),
        "cmtj_2proc_traj_per_s": round(r2["best_traj_per_s"], 1),
        "ratio_vs_cmtj_1proc": round(ratio1, 2), "ratio_vs_cmtj_2proc": round(ratio2, 2),
        "ratio_vs_cmtj_2proc_median": round(ratio2_med, 2),
        "ratio_per_cpu_s": round(ratio_cpu, 2),
        "spincim_numba_1e4_traj_per_cpu_s": round(r4["traj_per_cpu_s"], 1),
        "cmtj_traj_per_cpu_s": round(r2["traj_per_cpu_s"], 1),
        "p_sw": {r["solver"]: [round(r["p_sw"], 4), r["runs"]] + [round(c, 4) for c in r["ci95"]]
                 for r in rows + [pooled]},
        "targets_met": bool(r4["best_wall_s"] <= 60.0 and ratio2 >= 10.0),
    }
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()

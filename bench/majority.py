"""Speed of the 300 K majority-write Monte Carlo per design, and the time a 1e-4 bound takes.

Run: ``python bench/majority.py [--trials 2000] [--designs corn,comparator,popcount]``
(a few minutes on 2 idle cores).

Workload: :func:`spincim.characterize.majority.run` of each registered design at 300 K with
the default device variation and Pelgrom mismatch, every count 0..9, on one local
executor with 2 ngspice workers (one warm-up run of 20 trials first: process start,
imports, numba compilation). Printed per design: trials/s (trial-counts per second:
one trial at one count), the wall time split is in the JSON.

Time to a decision-error bound: with k errors in N trials the 95 % Clopper-Pearson upper
bound is below ``--bound`` only once N is large enough, and never if the error rate is
above the bound. Per count the script reports the trials a zero-error count needs (the
bound at k = 0) and the time that takes at the measured per-count rate, or "never" with
the measured rate when the count already erred more often than the bound allows. Last a
JSON summary line.
"""

from __future__ import annotations

import argparse
import json
import math
import time

from spincim.characterize import majority
from spincim.characterize.executor import LocalExecutor
from spincim.devices import switching
from spincim.netlists import majority_designs


def trials_for_bound(bound: float, errors: int = 0) -> int:
    """Smallest N whose 95 % upper bound with ``errors`` errors is <= ``bound``."""
    lo, hi = errors + 1, 10
    while switching.binomial_ci95(errors, hi)[1] > bound:
        lo, hi = hi, hi * 2
    while lo < hi:
        mid = (lo + hi) // 2
        if switching.binomial_ci95(errors, mid)[1] <= bound:
            hi = mid
        else:
            lo = mid + 1
    return hi


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=2000, help="trials per count")
    ap.add_argument("--designs", default=",".join(majority_designs.names()))
    ap.add_argument("--bound", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.designs.split(",") if n.strip()]
    need = trials_for_bound(args.bound)
    summary = {"trials_per_count": args.trials, "bound": args.bound,
               "trials_for_bound_zero_errors": need, "designs": {}}
    print(f"{args.trials} trials per count at 300 K; a zero-error count needs {need} trials "
          f"for a 95 % bound of {args.bound:g}\n")
    with LocalExecutor(2) as ex:
        for name in names:
            setup = majority.MajoritySetup(design=name)
            majority.run(setup, trials=20, seed=args.seed + 1, temperature_k=300.0,
                         executor=ex)                                   # warm-up
            start = time.perf_counter()
            out = majority.run(setup, trials=args.trials, seed=args.seed,
                               temperature_k=300.0, executor=ex)
            wall = time.perf_counter() - start
            rate = args.trials * len(out["n_on"]) / wall       # trial-counts per second
            per_count = args.trials / wall * len(out["n_on"])  # one count alone
            rows = []
            for row in out["rows"]:
                if row["errors"] == 0:
                    t = need / per_count
                    rows.append((row["n_on"], row["errors"], f"{t:.3g} s"))
                elif row["error_rate_ci95"][0] > args.bound:
                    rows.append((row["n_on"], row["errors"],
                                 f"never (error rate {row['error_rate']:.3g})"))
                else:
                    n = trials_for_bound(args.bound, row["errors"])
                    rows.append((row["n_on"], row["errors"],
                                 f">= {n / per_count:.3g} s (if no more errors)"))
            print(f"{name}: {rate:,.0f} trials/s ({wall:.1f} s for {args.trials} x "
                  f"{len(out['n_on'])} counts)")
            for n_on, err, t in rows:
                print(f"  n_on={n_on}: {err} errors; time to the bound: {t}")
            print()
            summary["designs"][name] = {
                "trials_per_s": rate, "wall_s": wall,
                "errors": [r["errors"] for r in out["rows"]],
                "time_to_bound_s": [need / per_count if r["errors"] == 0 else math.inf
                                    for r in out["rows"]]}
    print(json.dumps(summary, default=lambda x: None if x == math.inf else x))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Speed of the estimator: a 1,000-point design-space sweep and one estimate from a cold start.

Run: ``python bench/estimate_sweep.py [--repeat 3]`` (about half a minute on 2 cores).

Targets (issue 14): 1,000 design points in <= 10 s on 2 cores (LUT lookups only); one
``spincim estimate`` <= 1 s including the interpreter start.

Workloads:

* sweep A, IMCE on SVHN: rows 64..1024 (5) x cols 64..1024 (5) x W:I 1:1, 1:2, 1:3, 1:4,
  2:2 (5) x sub-arrays 1, 2, 4, 8, 16, 32, 64, 128 (8) = 1,000 points;
* sweep B, CORN on the CIFAR-10 BNN: buffers per PE 1..10 (10) x PEs at once 1..10, all
  (11) x buffer rows 64..1024 (5) x PE rows 512, 1024 (2) = 1,100 points;

each timed through the command line (``spincim estimate --sweep ... --json``: interpreter
start, LUT read, every point, the Pareto front, JSON) and through the library
(``run_sweep``). The single estimate is ``spincim estimate --network svhn --arch imce
--json`` in a fresh interpreter. Printed: best and median wall times of the repeats; last
a JSON summary line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

SWEEPS = {
    "imce/svhn": ("svhn", "imce", ["rows=64,128,256,512,1024", "cols=64,128,256,512,1024",
                                   "bits=1:1,1:2,1:3,1:4,2:2",
                                   "parallel=1,2,4,8,16,32,64,128"]),
    "corn/cifar10-bnn": ("cifar10-bnn", "corn", ["buffers=1,2,3,4,5,6,7,8,9,10",
                                                 "parallel=1,2,3,4,5,6,7,8,9,10,all",
                                                 "buffer_rows=64,128,256,512,1024",
                                                 "rows=512,1024"]),
}


def _cli(argv: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "spincim.cli", *argv], capture_output=True,
                          text=True, check=True)
    return time.perf_counter() - start, done.stdout


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    from spincim.estimator.sweep import run_sweep

    summary = {}
    for name, (net, arch, specs) in SWEEPS.items():
        argv = ["estimate", "--network", net, "--arch", arch, "--json"]
        for spec in specs:
            argv += ["--sweep", spec]
        cli_times, lib_times = [], []
        for _ in range(args.repeat):
            wall, out = _cli(argv)
            cli_times.append(wall)
            data = json.loads(out)
            start = time.perf_counter()
            res = run_sweep(net, arch, specs)
            lib_times.append(time.perf_counter() - start)
        n, failed = data["n_points"], data["n_failed"]
        print(f"sweep {name}: {n} points ({failed} infeasible), {len(res.pareto)} on the "
              f"Pareto front")
        print(f"  command line: best {min(cli_times):.2f} s, median "
              f"{statistics.median(cli_times):.2f} s "
              f"({min(cli_times) / n * 1e3:.2f} ms per point, interpreter start included)")
        print(f"  library:      best {min(lib_times):.2f} s, median "
              f"{statistics.median(lib_times):.2f} s")
        summary[name] = {"points": n, "infeasible": failed, "cli_best_s": min(cli_times),
                         "cli_median_s": statistics.median(cli_times),
                         "library_best_s": min(lib_times)}
    single = [_cli(["estimate", "--network", "svhn", "--arch", "imce", "--json"])[0]
              for _ in range(max(args.repeat, 5))]
    print(f"single estimate (svhn on imce, fresh interpreter): best {min(single):.2f} s, "
          f"median {statistics.median(single):.2f} s")
    summary["single_estimate"] = {"best_s": min(single), "median_s": statistics.median(single)}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())

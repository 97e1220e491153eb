"""Wall time of the ngspice netlists and memory of a long-lived ngspice worker.

Run: ``python bench/netlist_speed.py [--skip-64]``. Measures, each in a warm
:class:`spincim.netlists.ngspice.Worker` (start-up timed separately):

* a 10 ns transient of one 3-terminal SOT cell with the LLGS macromodel
  (``netlists.export.cell3t``: write from P, max step 0.5 ps, ``uic``);
* a 4 x 4 and a 64 x 64 sub-array memory read (the 64 x 64 op took > 3 min on a
  2-core machine; ``--skip-64`` leaves it out): ``array.static_read_netlist`` (static
  MTJs, wire RC per cell pitch, row decoder; ``op``). Without ``netlists/array.py`` a
  column of N static 2T1R cells from ``netlists.cell`` stands in, labelled so;
* the CORN driver sweep (calibration, then 10 macromodel transients, 2 workers);
* the resident memory (VmRSS) of one Worker after 100 and after 1,000 ``op`` calls of
  the 2T1R read netlist, to show it does not grow without bound.

Prints one line per measurement and, last, a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import time

from spincim.netlists import export as E
from spincim.netlists import ngspice


def _subarray(n: int) -> tuple[str, str]:
    from spincim.netlists import array
    states = [[(r + c) % 2 == 1 for c in range(n)] for r in range(n)]
    if n <= 16:
        return (f"{n}x{n} sub-array read (array.static_read_netlist, op)",
                array.static_read_netlist(n, n, states, row=1, col=1))
    # full per-cell wire segments plus a 64-row decoder take minutes in ngspice 39
    # (see the module docstring): lump 16 pitches per R-C segment, ideal RWL drive
    return (f"{n}x{n} sub-array read (16 pitches per wire segment, no decoder, op)",
            array.static_read_netlist(n, n, states, row=1, col=1, decoder=False,
                                      cells_per_segment=16))


def _timed(worker: ngspice.Worker, text: str, analysis=None, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        worker.run(text, analysis)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-64", action="store_true", help="skip the 64 x 64 read")
    ap.add_argument("--calls", type=int, default=1000, help="calls for the RSS test")
    args = ap.parse_args()
    out: dict = {}
    t0 = time.perf_counter()
    with ngspice.Worker(timeout_s=600) as worker:
        out["worker_start_s"] = time.perf_counter() - t0

        cell = E.cell3t()
        out["cell_tran_10ns_s"] = _timed(worker, cell.netlist, repeat=2)
        print(f"10 ns macromodel cell transient ({cell.description}): "
              f"{out['cell_tran_10ns_s']:.3f} s")

        for n in (4, 64):
            if n == 64 and args.skip_64:
                continue
            label, text = _subarray(n)
            wall = _timed(worker, text, repeat=3 if n == 4 else 1)
            out[f"subarray_{n}x{n}_read_s"] = wall
            out[f"subarray_{n}x{n}_label"] = label
            print(f"{label}: {wall:.3f} s ({len(text.splitlines())} netlist lines)")

    from spincim.characterize import driver
    from spincim.characterize.executor import LocalExecutor
    from spincim.netlists import write_driver as W
    with LocalExecutor(2) as ex:
        t0 = time.perf_counter()
        device = driver.calibrate_buffer_device(cfg=W.PROGRAM_ONLY, executor=ex)
        out["driver_calibration_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        rows = driver.sweep(device, W.PROGRAM_ONLY, executor=ex)
    out["driver_sweep_s"] = time.perf_counter() - t0
    print(f"driver calibration: {out['driver_calibration_s']:.2f} s; driver sweep "
          f"(10 transients, 2 workers): {out['driver_sweep_s']:.2f} s; switched = "
          f"{[int(r.switched) for r in rows]}")

    read = E.cell2t1r().netlist
    rss = {}
    with ngspice.Worker(timeout_s=60) as worker:
        rss[0] = worker.rss_bytes()
        t0 = time.perf_counter()
        for k in range(1, args.calls + 1):
            worker.run(read, "op")
            if k in (10, 100, 500, args.calls):
                rss[k] = worker.rss_bytes()
        per_call = (time.perf_counter() - t0) / args.calls
    for k, v in rss.items():
        print(f"worker RSS after {k:5d} op calls: {v / 2**20:7.1f} MiB")
    print(f"op call of the 2T1R read (load + op + free): {per_call * 1e3:.2f} ms")
    out["rss_mib"] = {str(k): v / 2**20 for k, v in rss.items()}
    out["op_call_ms"] = per_call * 1e3
    print(json.dumps(out))


if __name__ == "__main__":
    main()

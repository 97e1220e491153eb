"""LUT build times: quick and full, for the default device and a user device (RA x 1.5).

Usage: ``python bench/lut_build.py [--full] [--tech 45nm]``. Each build runs on one local
executor with 2 ngspice workers, in this process; the times include the technology check
and the sense Monte Carlo. The issue's target: a full build <= 10 minutes on 2 cores.
The printed ratio user/default shows what a user device costs on top (the majority
buffer is re-calibrated only at the 22 nm node, whose plan has that step).
"""

from __future__ import annotations

import argparse
import os
import time

from spincim.characterize.executor import LocalExecutor
from spincim.devices.mtj import SotDevice
from spincim.lut import build


def timed(tech: str, *, quick: bool, device=None) -> tuple[float, int]:
    start = time.perf_counter()
    with LocalExecutor(2) as ex:
        lut = build.build(tech, quick=quick, device=device, executor=ex)
    return time.perf_counter() - start, len(lut.ops)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tech", default="45nm")
    ap.add_argument("--full", action="store_true", help="also the full grid (minutes)")
    args = ap.parse_args()
    base = SotDevice()
    user = base.replace(mtj={"ra_ohm_m2": 1.5 * base.mtj.ra_ohm_m2})
    print(f"# lut_build: {args.tech}, 2 workers, load average {os.getloadavg()[0]:.2f}")
    modes = [True, False] if args.full else [True]
    for quick in modes:
        label = "quick" if quick else "full"
        t_def, n_ops = timed(args.tech, quick=quick)
        t_user, _ = timed(args.tech, quick=quick, device=user)
        print(f"{label:5s} default device: {t_def:7.1f} s ({n_ops} ops); RA x 1.5 device: "
              f"{t_user:7.1f} s; user/default {t_user / t_def:.2f}")


if __name__ == "__main__":
    main()

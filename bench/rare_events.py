"""Wall time to write error rates of 1e-6 and 1e-9 with the rare-event estimator.

Run: ``python bench/rare_events.py`` (2 cores). IMCE's 120 uA write of the docs/physics.md §7
default device at 300 K, with pulse widths that put the WER near 1e-6 and 1e-9; each point
runs importance sampling of the thermal field (characterize/rare.py) until the 95 %
interval's relative half-width is <= 10 %, and the brute-force time for the same
precision is estimated from brute-force trajectories/s measured in the same run
(n = (1.96 / 0.1)^2 (1 - p) / p trajectories). ``--validate`` adds the brute-force checks
near 1e-3 of both estimators (intervals overlap, estimates within 20 %), and
``--validate-1e-5`` one near 1e-5 (~1e7 short trajectories: long). The last line is a JSON
summary.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from spincim.characterize import rare
from spincim.devices import mtj as M

#: IMCE III-B write current
I_WRITE_A = M.IMCE_WRITE_CURRENT_A
#: pulse widths near WER 1e-6 and 1e-9 at 120 uA, 300 K (from earlier runs of this bench)
POINTS = (("1e-6", 16e-9, 10.0), ("1e-9", 22e-9, 60.0))
REL_TOL = 0.1


def brute_rate(device, pulse_s: float, paths: int, seed: int) -> float:
    """Brute-force trajectories per second (settle + pulse, same kernel, same threads)."""
    t0 = time.perf_counter()
    rare.write_error_rate(device, i_shm_a=I_WRITE_A, pulse_s=pulse_s, method="brute",
                          rel_tol=1e-6, max_paths=paths, batch_paths=paths // 4, seed=seed)
    return paths / (time.perf_counter() - t0)


def _compare(name: str, est: dict, brute: dict, p_key: str, ci_key: str) -> dict:
    lo, hi = est[ci_key]
    blo, bhi = brute[ci_key]
    return {"check": name, "rare": est[p_key], "rare_ci95": est[ci_key],
            "rare_method": est["method"], "rare_paths": est["n_trajectories"],
            "brute": brute[p_key], "brute_ci95": brute[ci_key],
            "brute_paths": brute.get("runs", brute.get("n_trajectories")),
            "overlap": bool(lo <= bhi and blo <= hi),
            "rel_diff": abs(est[p_key] / brute[p_key] - 1) if brute[p_key] > 0 else None}


def validate(device, seed: int, long: bool) -> list[dict]:
    """Rare-event estimates against brute force on the same kernel (criterion of issue 18:
    intervals overlap, estimates within 20 %): WER and a read-disturb-like flip near 1e-3
    (102,400 brute-force paths); with ``long``, a WER near 1e-5 (~1e7 paths)."""
    from spincim.characterize import rare_ams

    rows = []
    kw = dict(i_shm_a=200e-6, pulse_s=3e-9, settle_s=1e-9, seed=seed)
    rows.append(_compare("WER near 1e-3 (200 uA, 3 ns)",
                         rare.write_error_rate(device, method="is", rel_tol=0.05, **kw),
                         rare.write_error_rate(device, method="brute", rel_tol=1e-3,
                                               max_paths=102_400, **kw), "wer", "wer_ci95"))
    small = device.replace(mtj={"length_m": 60e-9, "width_m": 20e-9, "t_free_m": 1.5e-9})
    problem = rare_ams.EscapeProblem(device=small, window_s=1.5e-9, on_s=1e-9, i_mtj_a=-40e-6,
                                     settle_s=1e-9)
    rows.append(_compare("flip near 1e-3 (Delta 13.6, -40 uA STT)",
                         rare.flip_probability(problem, rel_tol=0.1, seed=seed),
                         rare.flip_probability(problem, method="brute", rel_tol=1e-3,
                                               seed=seed, max_groups=1, brute_paths=25_600),
                         "p", "ci95"))
    if long:
        kw = dict(i_shm_a=300e-6, pulse_s=1.6e-9, settle_s=0.5e-9, seed=seed)
        rows.append(_compare("WER near 1e-5 (300 uA, 1.6 ns)",
                             rare.write_error_rate(device, method="is", rel_tol=0.05, **kw),
                             rare.write_error_rate(device, method="brute", rel_tol=0.1,
                                                   max_paths=16_000_000, batch_paths=65536,
                                                   **kw), "wer", "wer_ci95"))
    return rows


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--brute-paths", type=int, default=8192,
                    help="brute-force trajectories timed per pulse width (default 8192)")
    ap.add_argument("--validate", action="store_true",
                    help="also check both estimators against brute force near 1e-3")
    ap.add_argument("--validate-1e-5", action="store_true", dest="validate_long",
                    help="... and importance sampling near 1e-5 (~1e7 paths, long)")
    args = ap.parse_args(argv)
    device = M.SotDevice()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    # warm-up: numba compiles (or loads its cache)
    rare.write_error_rate(device, i_shm_a=I_WRITE_A, pulse_s=0.2e-9, settle_s=0.1e-9,
                          method="brute", max_paths=256, batch_paths=256)
    rows = []
    for label, pulse, target_s in POINTS:
        out = rare.write_error_rate(device, i_shm_a=I_WRITE_A, pulse_s=pulse, method="is",
                                    rel_tol=REL_TOL, seed=args.seed)
        rate = brute_rate(device, pulse, args.brute_paths, args.seed + 1)
        p = out["wer"]
        n_brute = (rare.Z95 / REL_TOL) ** 2 * (1 - p) / p
        brute_s = n_brute / rate
        rows.append({"target": label, "pulse_s": pulse, "wer": p, "wer_ci95": out["wer_ci95"],
                     "rel_half_width": out["rel_half_width"], "wall_s": out["wall_s"],
                     "target_wall_s": target_s, "met": bool(out["wall_s"] <= target_s
                                                            and out["converged"]),
                     "paths": out["n_trajectories"], "n_effective": out["n_effective"],
                     "ess": out["ess"], "control": out["control"],
                     "brute_traj_per_s": rate, "brute_paths_needed": n_brute,
                     "brute_wall_s": brute_s, "speedup": brute_s / out["wall_s"]})
    print(f"rare-event WER, {I_WRITE_A * 1e6:.0f} uA, 300 K, {cores} cores, 95 % interval to "
          f"+-{REL_TOL:.0%} (importance sampling of the thermal field)")
    print(f"{'target':>7}{'pulse':>8}{'WER':>11}{'95 % interval':>26}{'paths':>8}"
          f"{'wall s':>8}{'brute traj/s':>14}{'brute time':>14}{'ratio':>10}")
    for r in rows:
        lo, hi = r["wer_ci95"]
        print(f"{r['target']:>7}{r['pulse_s'] * 1e9:>6.0f}ns{r['wer']:>11.3e}"
              f"   [{lo:.3e}, {hi:.3e}]{r['paths']:>8}{r['wall_s']:>8.1f}"
              f"{r['brute_traj_per_s']:>14.0f}{r['brute_wall_s'] / 86400:>11.1f} d"
              f"{r['speedup']:>10.2e}   target <= {r['target_wall_s']:.0f} s: "
              f"{'met' if r['met'] else 'MISSED'}")
    summary = {"bench": "rare_events", "i_shm_a": I_WRITE_A, "temperature_k": 300.0,
               "cores": cores, "rel_tol": REL_TOL, "points": rows,
               "targets_met": all(r["met"] for r in rows)}
    if args.validate or args.validate_long:
        rows_v = validate(device, args.seed, args.validate_long)
        print(f"{'check':<42}{'rare-event':>12}{'95 % interval':>26}{'paths':>9}"
              f"{'brute':>12}{'95 % interval':>26}{'paths':>9}  overlap  diff")
        for v in rows_v:
            print(f"{v['check']:<42}{v['rare']:>12.3e}   [{v['rare_ci95'][0]:.3e}, "
                  f"{v['rare_ci95'][1]:.3e}]{v['rare_paths']:>9}{v['brute']:>12.3e}   "
                  f"[{v['brute_ci95'][0]:.3e}, {v['brute_ci95'][1]:.3e}]{v['brute_paths']:>9}"
                  f"  {str(v['overlap']):<7}{v['rel_diff']:>5.1%}")
        summary["validation"] = rows_v
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()

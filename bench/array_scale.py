"""Wall time of the array periphery in ngspice: reduced read path, expanded forms, full 2-D array.

Run: ``python bench/array_scale.py [--tech 45nm] [--mesh 32,64]`` (a few minutes on 2 idle
cores; each row is one ngspice process, one at a time, ``OMP_NUM_THREADS=1``).

Rows printed (nominal VDD, 300 K, the netlists of ``spincim lut build``'s ``line_ops``):

* the read path of a 1024 x 512 sub-array as the LUT simulates it: the reduced
  predecoded decoder of 1024 rows (``netlists.decoder``), the word line of 512 columns,
  the bit line of 1024 rows (16 pitches per segment, m-lumped cells) and the column sense
  of ``column_read`` (an AP read along the same line, with its dummy reference column);
* the same three at 128 x 128 in both constructions, reduced and fully expanded (every row
  its own decoder gates, one wire segment and one transistor per cell), with the
  energies and delays side by side (the test criterion is 2 %);
* the full two-dimensional array (``netlists.array.static_read_netlist``: every cell of an
  n x n array, one wire segment per cell, read operating point) at the ``--mesh`` sizes,
  with ngspice's own accounting of where the time goes (``.options acct``): matrix
  reordering and factorization, which is why that netlist is not the LUT's reference.

Each ratio is measured in this one run. Last line: a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

from spincim.characterize import ops
from spincim.characterize import periphery as P
from spincim.characterize.executor import LocalExecutor
from spincim.devices.technology import technology
from spincim.netlists import array as arr
from spincim.netlists import decoder as dn
from spincim.netlists import ngspice
from spincim.netlists import periphery as pn


def _timed(ex, bench, measure):
    t0 = time.perf_counter()
    vec = ex.run_jobs([bench])[0]
    wall = time.perf_counter() - t0
    e, t = measure(vec)
    return {"wall_s": round(wall, 2), "energy_j": e, "latency_s": t}


def _path(ex, tech, rows, cols, *, expanded: bool) -> dict:
    vdd, v_read = tech.vdd_v, 0.2
    k = 1 if expanded else pn.SEGMENT_PITCHES
    construction = "expanded" if expanded else "reduced"
    return {
        "decoder": _timed(ex, dn.decoder_bench(tech, rows, vdd, construction=construction),
                          lambda v: P._decoder_measure(v, vdd, rows)),
        "wordline": _timed(ex, pn.wordline_bench(tech, cols, vdd, segment_pitches=k),
                           lambda v: P._wordline_measure(v, vdd)),
        "bitline": _timed(ex, pn.bitline_bench(tech, rows, vdd, v_read, segment_pitches=k),
                          lambda v: P._bitline_measure(v, vdd, v_read)),
        "sense": _timed(ex, _sense_job(tech, rows, k), lambda v: _sense_measure(tech, rows, k, v)),
    }


def _sense_net(tech, rows: int, k: int):
    """The column sense of ``column_read`` (an AP cell, the slower state) at ``rows``."""
    return ops.read_netlist((True,), "memory", tech=tech, temperature_k=300.0, rows=rows,
                            segment_pitches=k)


def _sense_job(tech, rows: int, k: int):
    return ngspice.Job(_sense_net(tech, rows, k), None, ops._read_vectors("memory"))


def _sense_measure(tech, rows: int, k: int, vec):
    m = ops.read_measure(_sense_net(tech, rows, k), vec, "memory", tech.vdd_v, rows)
    return m["energy_j"], m["latency_s"]


def _mesh(tech, n: int) -> dict:
    """ngspice's time accounting of the n x n static read (plain ngspice, one thread)."""
    text = arr.static_read_netlist(n, n, tech=tech, decoder=False)
    text = text.replace("\n.op\n", "\n.options acct\n.op\n")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mesh.cir"
        path.write_text(text)
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        t0 = time.perf_counter()
        out = subprocess.run(["ngspice", "-b", str(path)], capture_output=True, text=True,
                             env=env, timeout=7200).stdout
        wall = time.perf_counter() - t0

    def num(label):
        m = re.search(rf"{label}\s*=\s*([0-9.eE+-]+)", out)
        return float(m.group(1)) if m else None
    return {"n": n, "wall_s": round(wall, 2), "equations": num("Circuit Equations"),
            "iterations": num("Total iterations"), "reorder_s": num("Matrix reorder time"),
            "factor_s": num("Matrix factor time")}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tech", default="45nm")
    ap.add_argument("--mesh", default="32,64",
                    help="sizes n of the full n x n array operating point (comma list; '' none)")
    args = ap.parse_args(argv)
    tech = technology(args.tech)
    with LocalExecutor(1) as ex:
        ex.run_jobs([pn.wordline_bench(tech, 64, tech.vdd_v)])     # worker start-up
        big = _path(ex, tech, 1024, 512, expanded=False)
        red = _path(ex, tech, 128, 128, expanded=False)
        exp = _path(ex, tech, 128, 128, expanded=True)
    meshes = [_mesh(tech, int(n)) for n in args.mesh.split(",") if n.strip()]

    print(f"{tech.name}, nominal VDD {tech.vdd_v:g} V, 300 K")
    total = sum(r["wall_s"] for r in big.values())
    print(f"1024 x 512 read path, reduced: {total:.1f} s "
          "(" + ", ".join(f"{k} {v['wall_s']:.1f} s" for k, v in big.items()) + ")")
    print(f"{'128 x 128':<12}{'reduced s':>10}{'expanded s':>11}{'x':>6}"
          f"{'E red/exp - 1':>15}{'t red/exp - 1':>15}")
    rows = {}
    for k in big:
        r, e = red[k], exp[k]
        rows[k] = {"reduced_s": r["wall_s"], "expanded_s": e["wall_s"],
                   "speedup": round(e["wall_s"] / r["wall_s"], 2),
                   "energy_rel": r["energy_j"] / e["energy_j"] - 1,
                   "latency_rel": r["latency_s"] / e["latency_s"] - 1}
        print(f"{k:<12}{r['wall_s']:>10.1f}{e['wall_s']:>11.1f}{rows[k]['speedup']:>6.1f}"
              f"{100 * rows[k]['energy_rel']:>14.2f}%{100 * rows[k]['latency_rel']:>14.2f}%")
    for m in meshes:
        per = m["factor_s"] / m["iterations"] if m["iterations"] else float("nan")
        print(f"full {m['n']} x {m['n']} array, read operating point: {m['wall_s']:.1f} s, "
              f"{m['equations']:.0f} equations, reorder {m['reorder_s']:.1f} s, "
              f"{per:.2f} s per factorization ({m['iterations']:.0f} iterations)")
    summary = {"bench": "array_scale", "tech": tech.name,
               "read_path_1024x512_reduced_s": round(total, 2),
               "read_path_1024x512": {k: v["wall_s"] for k, v in big.items()},
               "at_128x128": rows, "full_array_op": meshes}
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()

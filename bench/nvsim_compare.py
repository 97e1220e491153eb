"""spincim's bank-level read/write vs NVSim for the same cell, capacity and word width.

Usage (NVSim built outside the repository, e.g. ``make CXXFLAGS="-O2 -std=gnu++98 -w"``)::

    python bench/nvsim_compare.py --nvsim PATH/TO/nvsim [--force-mat 4x4] [--work DIR]
    python bench/nvsim_compare.py --nvsim PATH/TO/nvsim --force-mat none   # NVSim searches
    python bench/nvsim_compare.py --nvsim-output NVSIM_STDOUT.txt          # parse a run

The script exports spincim's cell (``lut export --format nvsim``), writes an NVSim RAM
configuration (1 MB, 64-bit words, ReadEDP, H-tree, global aggressive repeated wires,
300 K), by default forced to 4 x 4 sub-arrays (1024 x 512 each: the largest sub-array
on spincim's LUT grid; ``--force-mat none`` lets NVSim search its design space, minutes
on a busy 2-core machine), runs NVSim, reads the organization it reports and prices the
same organization with spincim: the shipped LUT's decoder, word line, column sense and
SOT write ops (with the write path of the sub-array's column) at the sub-array size
(clamped to the LUT grid) and the interconnect
ops characterized here in ngspice at the nominal corner. A column sense is priced as the
estimator prices it (``col_e``/``col_t`` in ``spincim.estimator.energy``):
the LUT's ``column_read`` at the sub-array's rows (the sense path with its column of that
many rows as a wire), or for a LUT built before it the lumped ``read`` op plus the
``bitline`` op. A 64-bit access: one row decode + mat select, one word line, 64 sensed (or
written) columns, 64 bits over the H-tree one way (every bit toggling, NVSim's
assumption) and the bank I/O driver. Prints both.
"""

from __future__ import annotations

import argparse
import math
import re
import subprocess
from pathlib import Path

CAPACITY_BITS = 8 * 2 ** 20
WORD_BITS = 64

CFG = """-DesignTarget: RAM
-OptimizationTarget: ReadEDP
-EnablePruning: Yes
-ProcessNode: {node}
-Capacity (MB): 1
-WordWidth (bit): {word}
-DeviceRoadmap: HP
-LocalWireType: LocalAggressive
-LocalWireRepeaterType: RepeatedNone
-LocalWireUseLowSwing: No
-GlobalWireType: GlobalAggressive
-GlobalWireRepeaterType: RepeatedOpt
-GlobalWireUseLowSwing: No
-Routing: H-tree
-InternalSensing: true
-MemoryCellInputFile: {cell}
-Temperature (K): 300
-BufferDesignOptimization: latency
{force}"""

FORCE = """-ForceBank (Total AxB, Active CxD): 1x1, 1x1
-ForceMat (Total AxB, Active CxD): {mat}, 1x1
-ForceMuxSenseAmp: 8
-ForceMuxOutputLev1: 1
-ForceMuxOutputLev2: 1
"""

_UNITS = {"ps": 1e-12, "ns": 1e-9, "us": 1e-6, "pJ": 1e-12, "nJ": 1e-9, "fJ": 1e-15,
          "mm^2": 1e-6, "um^2": 1e-12, "mW": 1e-3, "uW": 1e-6, "W": 1.0}


def parse_nvsim(text: str) -> dict:
    """Organization and results of NVSim's report (SI)."""
    def num(pattern):
        m = re.search(pattern + r"\s*=?\s*([0-9.]+)\s*([a-zA-Z^2]+)", text)
        if m is None:
            raise SystemExit(f"NVSim output has no {pattern!r}")
        return float(m.group(1)) * _UNITS[m.group(2)]
    sub = re.search(r"Subarray Size\s*:\s*(\d+) Rows x (\d+) Columns", text)
    mat = re.search(r"Mat Organization: (\d+) x (\d+)", text)
    bank = re.search(r"Bank Organization: (\d+) x (\d+)", text)
    mux = re.search(r"Senseamp Mux\s*:\s*(\d+)", text)
    return {"rows": int(sub.group(1)), "cols": int(sub.group(2)),
            "subarrays": (int(mat.group(1)) * int(mat.group(2)) * int(bank.group(1))
                          * int(bank.group(2))),
            "sa_mux": int(mux.group(1)),
            "area_m2": num(r"Total Area = [0-9.]+[a-z]+ x [0-9.]+[a-z]+"),
            "read_latency_s": num(r"-  Read Latency"),
            "write_latency_s": num(r"- Write Latency"),
            "read_energy_j": num(r"-  Read Dynamic Energy"),
            "write_energy_j": num(r"- Write Dynamic Energy"),
            "htree_read_energy_j": num(r"H-Tree Dynamic Energy"),
            "decoder_read_energy_j": (num(r"Predecoder Dynamic Energy")
                                      + num(r"Row Decoder Dynamic Energy")
                                      + num(r"Mux Decoder Dynamic Energy")),
            "leakage_w": num(r"- Leakage Power")}


def _grid(values, x):
    values = sorted(float(v) for v in values)
    fit = [v for v in values if v >= x]
    return fit[0] if fit else values[-1]


def spincim_bank(tech: str, org: dict) -> dict:
    """spincim's 64-bit read and write of one bank of ``org`` (NVSim's organization)."""
    from importlib import resources

    from spincim.characterize import interconnect as ic
    from spincim.characterize.executor import LocalExecutor
    from spincim.estimator import bank as B
    from spincim.estimator.energy import Pricer, _memory_array_area, bit_write, column_sense
    from spincim.lut import io

    lut = io.read_lut(str(resources.files("spincim.lut") / "data" / f"default_{tech}.h5"))
    p = Pricer(lut)
    rows = _grid(lut.axes["rows"].values, org["rows"])
    cols = _grid(lut.axes["cols"].values, org["cols"])
    mats = math.ceil(CAPACITY_BITS / (rows * cols))
    with LocalExecutor(2) as ex:
        ops = {o.op: o for o in ic.interconnect_ops(tech, quick=True, executor=ex)}
    nominal = {k: (float(v.energy_j.ravel()[0]), float(v.latency_s.ravel()[0]))
               for k, v in ops.items() if not k.startswith("leakage")}
    spacing_mm = ops["htree_segment"].calibration["repeater_spacing_m"] * 1e3
    area = mats * _memory_array_area(lut, int(rows), int(cols), "sot_2t1r_cell")
    org_b = B.organize(mats, area, int(rows), int(cols))
    e_w, t_w = nominal["global_wire"]
    e_fork = max(nominal["htree_segment"][0] - e_w * spacing_mm, 0.0)
    t_fork = max(nominal["htree_segment"][1] - t_w * spacing_mm, 0.0)
    l_mm = org_b.htree_length_m * 1e3
    # one way (mat <-> bank port at the root), every bit toggling (NVSim's assumption)
    e_bit = l_mm * e_w + org_b.levels * e_fork + nominal["bank_io_driver"][0]
    t_bit = l_mm * t_w + org_b.levels * t_fork + nominal["bank_io_driver"][1]

    def e(op, **ax):
        return p.get(op, "energy_j", **ax)

    def t(op, **ax):
        return p.get(op, "latency_s", **ax)

    # one column sense of ``rows`` cells, as the estimator prices it
    e_col, t_col = (column_sense(g, "read", rows, lut.ops) for g in (e, t))

    dec_rows = _grid(lut.axes["rows"].values, mats)
    e_dec = e("decoder", rows=rows) + e("decoder", rows=dec_rows)
    t_dec = t("decoder", rows=rows) + t("decoder", rows=dec_rows)
    e_act = e_dec + e("wordline", cols=cols)
    t_act = t_dec + t("wordline", cols=cols)
    # the cell's write plus its column of ``rows``, as the estimator prices it
    e_wr = bit_write(e, "energy_j", rows, lut.ops)
    t_wr = bit_write(t, "latency_s", rows, lut.ops)
    w = WORD_BITS
    leak_ops = {k: ops[k] for k in ("leakage_cells", "leakage_periphery")}
    leak_w = 0.0
    for o in leak_ops.values():
        r_ax = [a.values for a in o.axes if a.name == "subarray_rows"][0]
        c_ax = [a.values for a in o.axes if a.name == "subarray_cols"][0]
        i, j = list(r_ax).index(rows), list(c_ax).index(cols)
        leak_w += mats * float(o.energy_j[0, 0, i, j] / o.latency_s[0, 0, i, j])
    return {
        "rows": int(rows), "cols": int(cols), "subarrays": mats, "area_m2": area,
        "htree_length_m": org_b.htree_length_m,
        "read_energy_j": e_act + w * e_col + w * e_bit,
        "write_energy_j": e_act + w * e_wr + w * e_bit,
        "read_latency_s": t_act + t_col + t_bit,
        "write_latency_s": t_act + t_wr + t_bit,
        "htree_read_energy_j": w * e_bit,
        "decoder_read_energy_j": e_dec,
        "leakage_w": leak_w,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nvsim", help="path of an NVSim binary (run here)")
    ap.add_argument("--nvsim-output", help="stdout of a finished NVSim run (parsed)")
    ap.add_argument("--tech", default="45nm", choices=("45nm",))
    ap.add_argument("--force-mat", default="4x4", help="NVSim -ForceMat AxB, or none")
    ap.add_argument("--work", default="nvsim_run", help="folder for the .cell/.cfg/output")
    args = ap.parse_args(argv)
    if args.nvsim_output:
        text = Path(args.nvsim_output).read_text()
    elif args.nvsim:
        from spincim.lut import nvsim

        work = Path(args.work)
        work.mkdir(parents=True, exist_ok=True)
        (work / "spincim.cell").write_text(nvsim.to_cell_text(nvsim.lut_for_export(
            None, args.tech)))
        force = "" if args.force_mat == "none" else FORCE.format(mat=args.force_mat)
        (work / "spincim.cfg").write_text(CFG.format(node=args.tech.removesuffix("nm"),
                                                     word=WORD_BITS, cell="spincim.cell",
                                                     force=force))
        out = subprocess.run([str(Path(args.nvsim).resolve()), "spincim.cfg"], cwd=work,
                             capture_output=True, text=True, check=True)
        text = out.stdout
        (work / "nvsim_output.txt").write_text(text)
    else:
        ap.error("give --nvsim or --nvsim-output")
    nv = parse_nvsim(text)
    sp = spincim_bank(args.tech, nv)
    print(f"NVSim organization: {nv['subarrays']} sub-arrays of {nv['rows']} x {nv['cols']}, "
          f"sense-amp mux {nv['sa_mux']}; spincim: {sp['subarrays']} of {sp['rows']} x "
          f"{sp['cols']} (LUT grid), H-tree root-to-leaf {sp['htree_length_m'] * 1e3:.3g} mm")
    print(f"{'quantity':24s} {'spincim':>12s} {'NVSim':>12s} {'ratio':>7s}")
    for key in ("read_energy_j", "write_energy_j", "read_latency_s", "write_latency_s",
                "area_m2", "htree_read_energy_j", "decoder_read_energy_j", "leakage_w"):
        a, b = sp[key], nv[key]
        ratio = a / b if b else float("inf")
        print(f"{key:24s} {a:12.4g} {b:12.4g} {ratio:7.3g}")
    rest = ("read_energy_j", "htree_read_energy_j", "decoder_read_energy_j")
    a = sp[rest[0]] - sp[rest[1]] - sp[rest[2]]
    b = nv[rest[0]] - nv[rest[1]] - nv[rest[2]]
    print(f"{'read_rest_j':24s} {a:12.4g} {b:12.4g} {a / b:7.3g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Tables, plots and the paper-comparison report of :mod:`spincim.estimator.energy` results.

Paper figures are quoted with their source (IMCE Table II, CORN Table I); every "ours"
number is computed here from the LUTs by :func:`spincim.estimator.energy.estimate`.
"""

from __future__ import annotations

import math
from pathlib import Path

from spincim.estimator.emulate import corn_majority_mismatch
from spincim.estimator.energy import CATEGORIES, Estimate, estimate
from spincim.estimator.mapping import DRIVERS_PER_ROW, IMCE_CONFIGS

__all__ = ["layer_rows", "plot_estimate", "plot_imce_fig9", "paper_report",
           "IMCE_TABLE2", "CORN_TABLE1"]

#: IMCE Table II, row "BCNN-SOT-MRAM": energy (uJ/img) and area (mm^2) per data set
IMCE_TABLE2 = {"alexnet": (785.25, 2.12), "svhn": (135.26, 0.01), "mnist": (0.92, 0.009)}
#: IMCE Table II, rows CNN-RRAM and BCNN-RRAM (IMCE ref [8]), same units, for context
IMCE_TABLE2_RRAM = {"alexnet": ((5444.85, 21.25), (2275.34, 9.19)),
                    "svhn": ((850.42, 0.09), (425.21, 0.085)),
                    "mnist": ((18.39, 0.054), (13.55, 0.060))}
#: CORN Table I: execution time per image (ms) per layer group, power (W), images/s/W
CORN_TABLE1 = {
    "fpga": {"conv1": 1.13, "conv2_6": 2.68, "fc1_3": 2.13, "total": 5.94, "power_w": 4.7,
             "images_per_s_per_w": 35.8},
    "imc-dpu": {"conv1": 0.68, "conv2_6": 5.35, "fc1_3": 1.23, "total": 7.26, "power_w": 2.1,
                "images_per_s_per_w": 68.1},
    "corn": {"conv1": 0.68, "conv2_6": 2.21, "fc1_3": 0.89, "total": 3.42, "power_w": 1.83,
             "images_per_s_per_w": 159.4},
}
_GROUP_LABEL = {"conv1": "Conv1", "conv2_6": "Conv2-6 (+pools; CORN: 'Conv2-5')",
                "fc1_3": "FC1-3"}


def layer_rows(est: Estimate) -> list[tuple]:
    """One row per layer: name, where, main op count, energy (J), latency (s), arrays."""
    main = {"imce": "and2", "corn": "xnor2", "imc-dpu": "xnor2"}[est.arch]
    return [(l.name, l.where, l.ops.get(main, 0), l.energy_j, l.latency_s, l.arrays)
            for l in est.layers]


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _stacked(ax, names, parts: dict, scale: float, ylabel: str) -> None:
    bottom = [0.0] * len(names)
    for cat, values in parts.items():
        if not any(values):
            continue
        scaled = [v * scale for v in values]
        ax.bar(names, scaled, bottom=bottom, label=cat)
        bottom = [b + v for b, v in zip(bottom, scaled)]
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7)


def plot_estimate(est: Estimate, path) -> None:
    """IMCE Fig. 9-style figure of one estimate: (a) logic-op count per layer, (b) energy
    per layer by category."""
    plt = _pyplot()
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    main = {"imce": "and2", "corn": "xnor2", "imc-dpu": "xnor2"}[est.arch]
    names = [l.name for l in est.layers]
    a.bar(names, [l.ops.get(main, 0) for l in est.layers])
    a.set_yscale("log")
    a.set_ylabel(f"{main} operations per image")
    a.set_title(f"(a) {est.network} on {est.arch} ({est.bits})")
    parts = {c: [l.energy_by_category[c] for l in est.layers] for c in CATEGORIES}
    _stacked(b, names, parts, 1e6, "energy per image (uJ)")
    b.set_title(f"(b) energy {est.energy_per_image_j * 1e6:.3g} uJ/img, "
                f"latency {est.latency_per_image_s * 1e3:.3g} ms")
    for ax in (a, b):
        ax.tick_params(axis="x", rotation=60, labelsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_imce_fig9(estimates: dict, path) -> None:
    """IMCE Fig. 9: (a) ANDs per conv layer per W:I, (b) array energy by category per W:I."""
    plt = _pyplot()
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    first = next(iter(estimates.values()))
    layers = [l.name for l in first.layers if l.ops.get("and2")]
    width = 0.8 / len(estimates)
    for k, (bits, est) in enumerate(estimates.items()):
        counts = [est.layers[[x.name for x in est.layers].index(n)].ops["and2"] for n in layers]
        a.bar([j + k * width for j in range(len(layers))], counts, width, label=bits)
    a.set_xticks([j + 0.4 - width / 2 for j in range(len(layers))], layers)
    a.set_ylabel("AND operations per image")
    a.set_yscale("log")
    a.legend(fontsize=7, title="W:I")
    a.set_title("(a) ANDs per layer (SVHN)")
    cats = ("write_read", "and_xnor", "bitcount_popcount", "add")
    parts = {c: [est.energy_by_category()[c] for est in estimates.values()] for c in cats}
    _stacked(b, list(estimates), parts, 1e6, "array energy per image (uJ)")
    b.set_title("(b) energy by operation (host layers excluded)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ----------------------------------------------------------------------------- paper report
def _ratio(ours: float, paper: float) -> str:
    if paper == 0 or not math.isfinite(ours):
        return "-"
    return f"{ours / paper:.3g}"


def _big(ours: float, paper: float) -> bool:
    return paper > 0 and not 0.5 <= ours / paper <= 2.0


def _imce_section(out: Path, lines: list[str]) -> None:
    lines += ["## IMCE Table II: BCNN on SOT-MRAM, energy per image and area (W:I = 1:1)", "",
              "| data set | ours total (uJ) | ours array only (uJ) | IMCE (uJ) | ratio total | "
              "ratio array | ours area (mm^2) | IMCE area (mm^2) | ratio area |",
              "|---|---|---|---|---|---|---|---|---|"]
    notes = []
    for net, (e_paper, a_paper) in IMCE_TABLE2.items():
        est = estimate(net, "imce", bits="1:1")
        e = est.energy_per_image_j * 1e6
        host = est.energy_by_category()["host"] * 1e6
        arr = e - host
        area = est.area_m2 * 1e6
        lines.append(f"| {net} | {e:.4g} | {arr:.4g} | {e_paper} | {_ratio(e, e_paper)} | "
                     f"{_ratio(arr, e_paper)} | {area:.4g} | {a_paper} | "
                     f"{_ratio(area, a_paper)} |")
        cats = est.energy_by_category()
        top = max((c for c in CATEGORIES if c != "host"), key=cats.get)
        weight_bits = sum(l.ops.get("weight_write", 0) for l in est.layers)
        cell_mm2 = weight_bits * est.cell_area_m2 * 1e6
        notes.append(
            f"- **{net}**: {weight_bits:.3g} weight bits need {cell_mm2:.3g} mm^2 of cells "
            f"alone; host (unquantized first/last layers, IMCE V-A) {host:.3g} uJ = "
            f"{100 * host / e:.0f} % of ours; in the array the largest part is {top} "
            f"({cats[top] * 1e6:.3g} uJ). Static kernel bank: "
            f"{sum(l.arrays for l in est.layers)} sub-arrays of "
            f"{est.hardware.rows}x{est.hardware.cols}.")
    lines += ["", "Per data set, and why the differences beyond 2x arise:", ""] + notes + [
        "",
        "- Energy: ours prices each event with a sub-array-local SPICE characterization "
        "(cell + sense amplifier + 10 fF bit line per bit; one decode and two word lines per "
        "row pair; full-adder trees for the Bit-Counter). IMCE's Table II comes from a "
        "modified NVSim co-simulated with an in-house C++ model (IMCE V-C) whose per-access "
        "energy includes the bank-level periphery (global decoders, H-tree routing, I/O "
        "buffers, leakage over the run time) that a sub-array model omits; IMCE does not "
        "break its numbers down, so the gap cannot be attributed term by term. The ratio "
        "is far from constant over the data sets, which also points to a different "
        "accounting of the full-precision edge layers (IMCE counts 'the convolution "
        "computation energy of all layers as an accelerator').",
        "- Area: ours is the area of the sub-arrays the static kernel bank needs, with sense "
        "amplifiers, row drivers and the Bit-Counter/Shifter/Sum unit; IMCE's SVHN and MNIST "
        "areas (0.01 and 0.009 mm^2), and its AlexNet area, are smaller than the cells that "
        "the 1:1 weights alone need at our 45 nm 2T1R cell size (bullets above), so IMCE "
        "cannot hold every kernel at once (it must time-share or reload sub-arrays, or "
        "count only part of the chip), while our static-bank model holds them all.",
        ""]
    svhn = {f"{w}:{i}": estimate("svhn", "imce", bits=f"{w}:{i}") for w, i in IMCE_CONFIGS}
    plot_imce_fig9(svhn, out / "imce_fig9.png")
    lines += ["## IMCE Fig. 9: ANDs per layer and energy breakdown (SVHN)", "",
              "![IMCE Fig. 9 style](imce_fig9.png)", "",
              "| W:I | ANDs per image | W/R (uJ) | AND (uJ) | bitcount+shift (uJ) | add (uJ) | "
              "AND share of array energy |", "|---|---|---|---|---|---|---|"]
    for bits, est in svhn.items():
        c = est.energy_by_category()
        arr = sum(v for k, v in c.items() if k != "host")
        ands = sum(l.ops.get("and2", 0) for l in est.layers)
        lines.append(f"| {bits} | {ands:.4g} | {c['write_read'] * 1e6:.3g} | "
                     f"{c['and_xnor'] * 1e6:.3g} | {c['bitcount_popcount'] * 1e6:.3g} | "
                     f"{c['add'] * 1e6:.3g} | {100 * c['and_xnor'] / arr:.0f} % |")
    lines += ["", "IMCE's figure values are not in the text we have (figures were lost); IMCE "
              "states that AND operations dominate the energy (V-C), which the last column "
              "checks.", ""]


def _corn_groups(est: Estimate) -> dict:
    groups = {"conv1": 0.0, "conv2_6": 0.0, "fc1_3": 0.0}
    for l in est.layers:
        key = "conv1" if l.name == "conv1" else ("fc1_3" if l.name.startswith("fc") else
                                                  "conv2_6")
        groups[key] += l.latency_s * 1e3
    groups["total"] = sum(groups.values())
    groups["power_w"] = est.energy_per_image_j / est.latency_per_image_s
    groups["images_per_s_per_w"] = 1.0 / est.energy_per_image_j
    return groups


def _corn_section(lines: list[str]) -> None:
    ours = {arch: _corn_groups(estimate("cifar10-bnn", arch)) for arch in ("imc-dpu", "corn")}
    lines += ["## CORN Table I: CIFAR-10 BNN, time per image (ms), power, images/s/W", "",
              "| item | FPGA (CORN, quoted) | IMC-DPU (CORN) | IMC-DPU (ours) | ratio | "
              "CORN (CORN) | CORN (ours) | ratio |", "|---|---|---|---|---|---|---|---|"]
    keys = list(_GROUP_LABEL) + ["total", "power_w", "images_per_s_per_w"]
    flagged = []
    for key in keys:
        label = _GROUP_LABEL.get(key, key)
        p_dpu, p_corn = CORN_TABLE1["imc-dpu"][key], CORN_TABLE1["corn"][key]
        o_dpu, o_corn = ours["imc-dpu"][key], ours["corn"][key]
        lines.append(f"| {label} | {CORN_TABLE1['fpga'][key]} | {p_dpu} | {o_dpu:.4g} | "
                     f"{_ratio(o_dpu, p_dpu)} | {p_corn} | {o_corn:.4g} | "
                     f"{_ratio(o_corn, p_corn)} |")
        flagged += [(key, "IMC-DPU", o_dpu, p_dpu)] if _big(o_dpu, p_dpu) else []
        flagged += [(key, "CORN", o_corn, p_corn)] if _big(o_corn, p_corn) else []
    corn = estimate("cifar10-bnn", "corn")
    dpu = estimate("cifar10-bnn", "imc-dpu")
    samples = 4000
    mism = corn_majority_mismatch("cifar10-bnn", samples=samples, seed=0)
    rates = ", ".join(f"{k} {100 * v['rate']:.1f} %" for k, v in mism.items())
    c, d = corn.energy_by_category(), dpu.energy_by_category()
    lines += ["", "Beyond 2x: " + (", ".join(f"{k} {a} ({o:.3g} vs {p})"
                                             for k, a, o, p in flagged) or "none") + ".", "",
              "Why:", "",
              "- Conv1 runs on the host in all three designs; our host throughput is taken "
              "from CORN Table I (0.68 ms), so that row agrees by construction.",
              f"- Power and images/s/W: ours counts the dynamic energy of the characterized "
              f"events only ({corn.energy_per_image_j * 1e6:.3g} uJ/img for CORN, "
              f"{dpu.energy_per_image_j * 1e6:.3g} uJ/img for IMC-DPU, host arithmetic "
              f"included at 4.6 pJ/MAC). CORN's 1.83 W x 3.42 ms = 6.3 mJ/img must include the "
              f"host CPU's and the chip's static/control power, which no LUT event carries.",
              f"- CORN vs IMC-DPU reverses in our estimate: a nine-input majority write costs "
              f"one PRESET + one PROGRAM through the SHM (characterized: "
              f"{c['majority_write'] * 1e6:.3g} uJ/img in total), while a CMOS full-adder "
              f"popcount of the same bits costs {d['bitcount_popcount'] * 1e6:.3g} uJ/img. "
              f"CORN compares against an FPGA-style pop-counter (376 LUTs + 29 FFs, CORN IV-C) "
              f"with its control and communication overhead, not a full-adder tree.",
              f"- Time: every majority step needs PRESET + the PROGRAM pulse "
              f"(the LUT's longest PROGRAM latency, ~10 ns), and one buffer per PE serves "
              f"{DRIVERS_PER_ROW} drivers per row; CORN does not state how many PEs and buffers work in "
              f"parallel, which sets its layer times.",
              "- The hierarchical majority-of-majorities that CORN's 9-input driver implies for "
              "windows of more than 9 bits is not sign(popcount); measured by "
              "`spincim.estimator.emulate.corn_majority_mismatch` on random +-1 data "
              f"({samples} output bits per layer): {rates}.", ""]


def paper_report(out_dir) -> Path:
    """Write ``report.md`` and its figures into ``out_dir``; returns the report path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lines = ["# spincim vs the seed papers", "",
             "Every 'ours' figure is computed by `spincim.estimator.energy.estimate` from the "
             "shipped LUTs (IMCE: PTM 45 nm, CORN/IMC-DPU: PTM 22 nm); paper figures are "
             "quoted. Ratio = ours / paper.", ""]
    _imce_section(out, lines)
    _corn_section(lines)
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path

"""Periphery bench builders (netlists/periphery.py): what each netlist carries, no ngspice.

Every builder is checked for its sources (names, waveforms), its transistors (count,
widths, models) and, for every element its metadata lists, that the netlist text holds
exactly that element, so :func:`spice_text.circuit`'s metadata cannot drift from the text.
"""

import ast
import math
from pathlib import Path

import numpy as np
import pytest
import spincim.netlists.periphery as pn
from spincim.netlists import decoder as dn
from spincim.devices.technology import technology
from spincim.errors import ParameterError
from spincim.netlists import array as arr
from spincim.netlists import spice_text as st
from spincim.netlists.cell import READ_W_MULT

TECHS = ("45nm", "22nm")


def _benches(tech):
    vdd = tech.vdd_v
    return {
        "inverter": pn.inverter_bench(tech, vdd, 300.0),
        "inverter_cload": pn.inverter_bench(tech, vdd, 300.0, cload=True),
        "full_adder": pn.full_adder_bench(tech, vdd, 358.0),
        "dff": pn.dff_bench(tech, 0.9 * vdd, 300.0),
        "wordline": pn.wordline_bench(tech, 100, vdd),
        "bitline": pn.bitline_bench(tech, 64, vdd, 0.2),
        "decoder": dn.decoder_bench(tech, 8, vdd),
    }


def _widths(mosfets, tech):
    """Sorted (model kind, W / l_min) of transistors."""
    return sorted(("n" if m.model == tech.nmos_model else "p", round(m.w_m / tech.l_min_m, 9))
                  for m in mosfets)


def _top_lines(text):
    """Element lines outside .subckt blocks, keyed by lower-case element name."""
    out, depth = {}, 0
    for line in text.splitlines()[1:]:
        head = line.split()[0].lower() if line.split() else ""
        if head == ".subckt":
            depth += 1
        elif head == ".ends":
            depth -= 1
        elif depth == 0 and head and not head.startswith((".", "*")):
            out[head] = line
    return out


@pytest.mark.parametrize("tech_name", TECHS)
@pytest.mark.parametrize("name", ["inverter", "inverter_cload", "full_adder", "dff",
                                  "wordline", "bitline", "decoder"])
def test_metadata_matches_text(tech_name, name):
    """Each listed source and transistor is one top-level line of the text, as listed."""
    tech = technology(tech_name)
    bench = _benches(tech)[name]
    assert isinstance(bench, st.Netlist)
    assert bench.text.splitlines()[0] == bench.title
    lines = _top_lines(bench.text)
    for m in bench.mosfets:
        words = lines[m.name].split()
        assert words[1:6] == [m.drain, m.gate, m.source, m.bulk, m.model]
        assert words[6:8] == [f"w={m.w_m!r}", f"l={m.l_m!r}"]
        assert m.l_m == tech.l_min_m
    for s in bench.sources:
        words = lines[s.name].split()
        assert [w.lower() for w in words[1:3]] == [s.n_plus, s.n_minus]
        assert float(words[4]) == s.dc
    n_elements = sum(1 for k in lines if k[0] in "mv")
    assert n_elements == len(bench.mosfets) + len(bench.sources)
    # the text ends with the bench's transient
    assert bench.text.splitlines()[-2].startswith(".tran 1e-12 ")
    assert bench.text.splitlines()[-1] == ".end"


@pytest.mark.parametrize("tech_name", TECHS)
def test_builders_are_pure_and_deterministic(tech_name):
    tech = technology(tech_name)
    a, b = _benches(tech), _benches(tech)
    assert {k: v.text for k, v in a.items()} == {k: v.text for k, v in b.items()}
    assert pn.inverter_bench(tech, 0.9 * tech.vdd_v, 300.0).text != a["inverter"].text
    assert pn.inverter_bench(tech, tech.vdd_v, 358.0).text != a["inverter"].text


def test_inverter_bench():
    tech = technology("45nm")
    vdd = tech.vdd_v
    bench = pn.inverter_bench(tech, vdd, 300.0)
    assert [s.name for s in bench.sources] == ["vdd", "vld", "vin"]
    assert bench.source("Vdd").dc == bench.source("Vld").dc == vdd
    vin = bench.source("vin")
    t1, t2 = pn.INV_T1_S, pn.INV_T2_S
    assert np.allclose(vin.waveform([t1 - 1e-12, t1 + pn.SLEW_S, t2 - 1e-12,
                                     t2 + pn.SLEW_S, pn.INV_STOP_S]),
                       [0.0, vdd, vdd, 0.0, 0.0])
    assert _widths(bench.mosfets, tech) == [("n", pn.WN_UNIT), ("p", pn.WP_UNIT)]
    assert {m.gate for m in bench.mosfets} == {"in"}
    assert _widths(bench.subckt_mosfets["unv"], tech) == [("n", pn.WN_UNIT), ("p", pn.WP_UNIT)]
    assert bench.text.count(" vld unv\n") == pn.FO
    cload = pn.inverter_bench(tech, vdd, 300.0, cload=True)
    assert [s.name for s in cload.sources] == ["vdd", "vld", "vout"]
    assert {m.name: m.gate for m in cload.mosfets} == {"mp": "vdd", "mn": "0"}
    assert np.allclose(cload.source("vout").waveform([0.0, t1, t1 + pn.SLEW_S]), [0, 0, vdd])


def test_full_adder_bench():
    tech = technology("45nm")
    vdd = tech.vdd_v
    bench = pn.full_adder_bench(tech, vdd, 300.0)
    # 24 of the 28 mirror-adder transistors at top level (the 4 others: two unv inverters)
    assert _widths(bench.mosfets, tech) == [("n", 2.0)] * 12 + [("p", 4.0)] * 12
    assert bench.text.count(" vdd unv\n") == 2 and bench.text.count(" vld unv\n") == 2 * pn.FO
    assert [s.name for s in bench.sources] == ["vdd", "vld", "va", "vb", "vc"]
    seq = [pn.FA_SEQUENCE[-1], *pn.FA_SEQUENCE]
    for k, value in enumerate(seq):   # vector k holds from t0 + (k-1) P + slew to t0 + k P
        t = pn.FA_T0_S + (k - 0.5) * pn.FA_PERIOD_S if k else pn.FA_T0_S / 2
        for bit, src in ((2, "va"), (1, "vb"), (0, "vc")):
            assert bench.source(src).waveform([t])[0] == pytest.approx(((value >> bit) & 1) * vdd)
    stop = pn.FA_T0_S + len(pn.FA_SEQUENCE) * pn.FA_PERIOD_S
    assert bench.text.splitlines()[-2] == "." + pn.transient(stop)


def test_dff_bench():
    tech = technology("22nm")
    vdd = 0.9 * tech.vdd_v
    bench = pn.dff_bench(tech, vdd, 300.0)
    # four transmission gates + six unv inverters (20 transistors) + FO4 on q
    assert _widths(bench.mosfets, tech) == [("n", 2.0)] * 4 + [("p", 4.0)] * 4
    assert bench.text.count(" vdd unv\n") == 6 and bench.text.count(" vld unv\n") == pn.FO
    clk = bench.source("vclk")
    p = pn.DFF_PERIOD_S
    assert clk.pulse == (0.0, vdd, p / 2, pn.SLEW_S, pn.SLEW_S, p / 2 - pn.SLEW_S, p)
    d = bench.source("vd")
    for k in range(pn.DFF_CYCLES):   # D before the rising edge k (at k P + P/2)
        assert d.waveform([k * p + p / 2])[0] == pytest.approx(pn.dff_data_bit(k + 1) * vdd)
    assert bench.text.splitlines()[-2] == "." + pn.transient(pn.DFF_CYCLES * p)


@pytest.mark.parametrize("n_cols", [10, 16, 64, 100, 1024])
def test_wordline_bench(n_cols):
    tech = technology("45nm")
    vdd, l = tech.vdd_v, tech.l_min_m
    bench = pn.wordline_bench(tech, n_cols, vdd)
    m = pn.line_driver_mult(n_cols)
    assert m == 4.0 * max(1.0, n_cols / 64)
    drivers = {x.name: x for x in bench.mosfets if x.gate == "in"}
    assert drivers["mdp"].w_m == pytest.approx(2 * m * l) and drivers["mdn"].w_m == pytest.approx(m * l)
    cells = [x for x in bench.mosfets if x.gate != "in"]
    n_seg = math.ceil(n_cols / min(pn.SEGMENT_PITCHES, n_cols))
    assert len(cells) == n_seg
    assert all(x.w_m == pytest.approx(READ_W_MULT * l) for x in cells)   # one cell each, m = cells
    assert sum(dict(x.params)["m"] if "m" in dict(x.params) else 1 for x in cells) == n_cols
    assert all(x.drain == x.source == x.bulk == "0" for x in cells)   # gate loads
    assert cells[-1].gate == "far"
    lines = _top_lines(bench.text)
    length = n_cols * arr.PITCH_ALONG_ROW_F * tech.node_m
    c_total = sum(float(v.split()[-1]) for k, v in lines.items() if k[0] == "c")
    r_total = sum(float(v.split()[-1]) for k, v in lines.items() if k[0] == "r")
    assert c_total == pytest.approx(length * tech.wire_c_f_per_m, rel=1e-12)
    assert r_total == pytest.approx(length * tech.wire_r_ohm_per_m, rel=1e-12)
    vin = bench.source("vin")
    assert np.allclose(vin.waveform([0.0, pn.LINE_T1_S + pn.SLEW_S, pn.LINE_T2_S + pn.SLEW_S]),
                       [vdd, 0.0, vdd])


@pytest.mark.parametrize("n_rows", [4, 64, 1024])
def test_bitline_bench(n_rows):
    tech = technology("45nm")
    vdd, l, v_read = tech.vdd_v, tech.l_min_m, 0.2
    bench = pn.bitline_bench(tech, n_rows, vdd, v_read)
    m = pn.line_driver_mult(n_rows)
    switches = {x.name: x for x in bench.mosfets if x.name in ("mpre", "mdis")}
    assert switches["mpre"].w_m == pytest.approx(m * l) == switches["mdis"].w_m
    assert (switches["mpre"].gate, switches["mdis"].gate) == ("pre", "dis")
    cells = [x for x in bench.mosfets if x.name not in switches]
    assert all(x.w_m == pytest.approx(READ_W_MULT * l) for x in cells)   # one cell each, m = cells
    assert sum(dict(x.params)["m"] if "m" in dict(x.params) else 1 for x in cells) == n_rows
    assert all(x.gate == x.source == x.bulk == "0" for x in cells)   # off drains
    assert bench.source("vr").dc == v_read and not bench.source("vr").switching
    t1, t2 = pn.LINE_T1_S, pn.LINE_T2_S
    pre, dis = bench.source("vpre"), bench.source("vdis")
    assert np.allclose(pre.waveform([t1 - 1e-12, t1 + pn.SLEW_S, t2 - 1e-12]), [0, vdd, 0])
    assert np.allclose(dis.waveform([t2 - 1e-12, t2 + pn.SLEW_S, pn.LINE_STOP_S - 1e-12]),
                       [0, vdd, 0])
    lines = _top_lines(bench.text)
    c_total = sum(float(v.split()[-1]) for k, v in lines.items() if k[0] == "c")
    assert c_total == pytest.approx(n_rows * arr.PITCH_ALONG_COL_F * tech.node_m
                                    * tech.wire_c_f_per_m, rel=1e-12)


@pytest.mark.parametrize("n_rows", [4, 8, 32, 1024])
def test_decoder_bench(n_rows):
    tech = technology("45nm")
    vdd = tech.vdd_v
    bits = n_rows.bit_length() - 1
    lo, hi = dn.split_bits(n_rows)
    assert (lo, hi) == ((bits + 1) // 2, bits // 2)
    bench = dn.decoder_bench(tech, n_rows, vdd)
    assert [s.name for s in bench.sources] == ["vdd", "vz", *(f"va{b}" for b in range(bits))]
    for b in range(bits):
        src = bench.source(f"va{b}")
        assert np.allclose(src.waveform([0.0, dn.T1_S + pn.SLEW_S, dn.T2_S + pn.SLEW_S]),
                           [0.0, vdd, 0.0])
    assert bench.mosfets == ()   # everything inside the gate subckts
    sub = bench.subckt_mosfets
    assert _widths(sub["dcinv"], tech) == [("n", 2.0), ("p", 4.0)]
    assert _widths(sub["dcnand"], tech) == [("n", 4.0)] * 2 + [("p", 4.0)] * 2
    assert _widths(sub["dcnor"], tech) == [("n", 2.0)] * 2 + [("p", 8.0)] * 2
    assert _widths(sub["dcwl"], tech) == [("n", 8.0), ("p", 16.0)]
    for name, fanout in (("dcdrvp", 2 ** hi), ("dcdrvq", 2 ** lo)):
        wn = dn.line_driver_mult(fanout)
        assert _widths(sub[name], tech) == [("n", wn), ("p", 2 * wn)]
    top = _top_lines(bench.text)
    # decoder A on the address sources with its enable high; B on 0 V
    assert top["xpalo"].split()[1:lo + 2] == [*(f"a{b}" for b in range(lo)), "vdd"]
    assert top["xpahi"].split()[1:hi + 1] == [f"a{b}" for b in range(lo, bits)]
    assert top["xpblo"].split()[1:lo + 2] == ["zero"] * (lo + 1)
    # every row is counted once: the rows of the instances add up to n_rows
    rows = sum(int(line.split("m=")[1]) if "m=" in line else 1
               for name, line in top.items() if name.startswith("xna"))
    assert rows == n_rows
    # the selected rows exist as nodes: w0 and w{n-1}
    assert any(line.split()[2] == "w0" for name, line in top.items() if name.startswith("xd"))
    assert any(line.split()[2] == f"w{n_rows - 1}" for name, line in top.items()
               if name.startswith("xd"))


def test_decoder_expanded_has_every_row_and_wire_segment():
    tech = technology("45nm")
    n = 16
    bench = dn.decoder_bench(tech, n, tech.vdd_v, construction="expanded")
    top = _top_lines(bench.text)
    assert sum(name.startswith("xna") for name in top) == n
    assert not any("m=" in line for line in top.values())
    lo, hi = dn.split_bits(n)
    # one segment per row on every predecode line of both decoders
    assert sum(name.startswith("r") for name in top) == 2 * (2 ** lo + 2 ** hi) * n
    r_pitch = arr.PITCH_ALONG_COL_F * tech.node_m * tech.wire_r_ohm_per_m
    assert float(top["rap0l_0"].split()[3]) == pytest.approx(r_pitch, rel=1e-9)


def test_decoder_widths_count_every_device():
    """decoder_widths_m against the transistors of the expanded bench, counted per instance."""
    tech = technology("22nm")
    n = 16
    bench = dn.decoder_bench(tech, n, tech.vdd_v, construction="expanded")
    sub = bench.subckt_mosfets
    per = {k: (sum(m.w_m for m in v if m.model == tech.nmos_model),
               sum(m.w_m for m in v if m.model == tech.pmos_model)) for k, v in sub.items()}
    # the predecoders' own instances, from their subckt bodies in the text
    body, inside = {"dcplo": [], "dcphi": []}, None
    for line in bench.text.splitlines():
        w = line.split()
        if w and w[0].lower() == ".subckt":
            inside = w[1].lower()
        elif w and w[0].lower() == ".ends":
            inside = None
        elif inside in body and w and w[0][0] in "xX":
            body[inside].append(w[-1].lower())
    want_n = want_p = 0.0
    for name, line in _top_lines(bench.text).items():
        if name.startswith("x"):
            subs = [line.split()[-1].lower()]
            subs = body.get(subs[0], subs)
            want_n += sum(per[s][0] for s in subs)
            want_p += sum(per[s][1] for s in subs)
    assert dn.decoder_widths_m(tech, n) == pytest.approx((want_n, want_p), rel=1e-12)


def test_pwl_bits_and_instance():
    src = pn.pwl_bits("Vx", "x", [1, 0, 0, 1], 1e-10, 2e-10, 0.8)
    assert src.element.pwl[1] == (0.8, 0.8, 0.0, 0.0, 0.0, 0.0, 0.8)
    assert src.element.pwl[0][1:] == pytest.approx((1e-10, 1.2e-10, 3e-10, 3.2e-10, 5e-10, 5.2e-10))
    assert pn.instance("Xa", ("in", "out", "vdd"), "unv") == "Xa in out vdd unv"
    assert pn.instance("Xa", ("in", "out", "vdd"), "unv", m=12) == "Xa in out vdd unv m=12"
    for bad in (("Ma", ("in",), "unv"), ("Xa", ("in out",), "unv"), ("Xa", ("in",), "u;v")):
        with pytest.raises(ParameterError):
            pn.instance(*bad)
    for m in (0, 1.5, True, "2"):
        with pytest.raises(ParameterError, match="m"):
            pn.instance("Xa", ("in",), "unv", m=m)
    assert pn.fo4_load("q", "q")[0] == "Xlq0 q loq0 vld unv" and len(pn.fo4_load("q", "q")) == pn.FO


def test_netlists_do_not_import_characterize():
    """netlists/ builds, characterize/ runs: no import to the right (lazy ones included)."""
    tree = ast.parse(Path(pn.__file__).read_text())
    names = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    names += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [n for n in names if "characterize" in n or "lut" in n or "estimator" in n]

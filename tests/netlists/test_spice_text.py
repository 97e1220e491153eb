"""Netlist text builders: exact snapshots, strict names, exact numbers, no injection."""

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as hs

from spincim.errors import ParameterError
from spincim.netlists import spice_text as st

INJECTIONS = [
    "", " ", "a b", "a\nb", "a\r\nb", "a;b", "a$b", "a*b", "a.b", "a=b", "a(b)", "'a'", '"a"',
    ".control", "\n.control\nshell rm -rf /\n.endc", "x\n.endc", "1abc", "_a", "a-b",
    "a" * 65, "é", "a\x00", "a\tb",
]

SNAPSHOTS = [
    (lambda: st.resistor("R1", "in", "out", 1e3), "R1 in out 1000.0"),
    (lambda: st.capacitor("C1", "out", "0", 1e-15), "C1 out 0 1e-15"),
    (lambda: st.capacitor("c2", "a", "0", 2e-12, ic_v=0.5), "c2 a 0 2e-12 ic=0.5"),
    (lambda: st.vsource_dc("VDD", "vdd", "0", 1.0), "VDD vdd 0 dc 1.0"),
    (lambda: st.isource_dc("I1", "0", "x", 1.2e-4), "I1 0 x dc 0.00012"),
    (lambda: st.vsource_pulse("V1", "in", "0", v1_v=0, v2_v=1, delay_s=1e-9, rise_s=1e-12,
                              fall_s=1e-12, width_s=5e-9, period_s=1e-8),
     "V1 in 0 dc 0.0 pulse(0.0 1.0 1e-09 1e-12 1e-12 5e-09 1e-08)"),
    (lambda: st.vsource_pwl("V2", "a", "0", [0, 1e-9, 2e-9], [0, 0.8, 0.8]),
     "V2 a 0 dc 0.0 pwl(0.0 0.0 1e-09 0.8 2e-09 0.8)"),
    (lambda: st.mosfet("M1", "d", "g", "0", "0", "nmos45", w_m=1.35e-7, l_m=4.5e-8),
     "M1 d g 0 0 nmos45 w=1.35e-07 l=4.5e-08"),
    (lambda: st.mosfet("M2", "d", "g", "s", "b", "pmos22", w_m=6.6e-8, l_m=2.2e-8,
                       delvto=-0.012),
     "M2 d g s b pmos22 w=6.6e-08 l=2.2e-08 delvto=-0.012"),
    (lambda: st.bsource_current("B1", "out", "0", "{g}*v({a},{b})", g=1e-3, a="in", b="out"),
     "B1 out 0 I=0.001*v(in,out)"),
    (lambda: st.bsource_voltage("B2", "y", "0", "tanh({k}*v({x}))", k=2.5, x="x"),
     "B2 y 0 V=tanh(2.5*v(x))"),
    (lambda: st.model("dd", "d", is_=1e-14, n=1.5), ".model dd d(is=1e-14 n=1.5)"),
    (lambda: st.options(gmin=1e-12, reltol=1e-4), ".options gmin=1e-12 reltol=0.0001"),
    (lambda: st.temperature(27), ".temp 27.0"),
    (lambda: st.include("/x/models/ptm45hp.lib"), '.include "/x/models/ptm45hp.lib"'),
    (lambda: st.op(), "op"),
    (lambda: st.dc("VIN", 0, 1, 0.1), "dc vin 0.0 1.0 0.1"),
    (lambda: st.tran(1e-12, 1e-9), "tran 1e-12 1e-09"),
    (lambda: st.tran(1e-12, 1e-9, max_step_s=1e-12, uic=True), "tran 1e-12 1e-09 0.0 1e-12 uic"),
    (lambda: st.analysis_line(st.tran(1e-12, 1e-9)), ".tran 1e-12 1e-09"),
    (lambda: st.alter("M1", "W", 2.7e-7), "alter m1 w = 2.7e-07"),
    (lambda: st.alter("m.x1.m1", "delvto", 0.01), "alter m.x1.m1 delvto = 0.01"),
    (lambda: st.altermod("nmos45", "vth0", 0.45), "altermod nmos45 vth0 = 0.45"),
    (lambda: st.netlist("t", [st.resistor("R1", "a", "0", 1.0)]), "t\nR1 a 0 1.0\n.end\n"),
]


@pytest.mark.parametrize("build, expected", SNAPSHOTS)
def test_builder_snapshots(build, expected):
    assert build() == expected


@pytest.mark.parametrize("build, expected", SNAPSHOTS[15:-1])
def test_every_command_passes_the_command_checker(build, expected):
    text = build()
    assert st.check_command(text.lstrip(".")) == text.lstrip(".")


@pytest.mark.parametrize("bad", INJECTIONS)
def test_check_name_refuses(bad):
    with pytest.raises(ParameterError, match="not a valid SPICE name"):
        st.check_name(bad)


@pytest.mark.parametrize("good", ["a", "R1", "vdd", "nmos45", "bl_0", "Out_B", "a" * 64])
def test_check_name_accepts(good):
    assert st.check_name(good) == good


def test_ground_is_a_node_but_not_a_name():
    assert st.check_node("0") == "0"
    with pytest.raises(ParameterError):
        st.check_name("0")
    with pytest.raises(ParameterError):
        st.check_node("00")


@given(hs.text(max_size=80))
def test_check_name_fuzz(text):
    try:
        name = st.check_name(text)
    except ParameterError as exc:
        assert exc.field == "name"
        return
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,63}", name)
    assert not any(c in name for c in " \t\r\n;$*.=()'\"")


@given(hs.text(alphabet=hs.characters(max_codepoint=127), max_size=40))
def test_builders_never_emit_injected_text(text):
    for build in (lambda: st.resistor("R1", text, "0", 1.0),
                  lambda: st.mosfet("M1", "d", "g", "0", "0", text, w_m=1e-7, l_m=4.5e-8),
                  lambda: st.bsource_current("B1", "a", "0", "v({n})", n=text)):
        try:
            line = build()
        except ParameterError:
            continue
        # one line, and the text stays one token: it cannot start a command or a comment
        assert "\n" not in line and "\r" not in line and ";" not in line and "$" not in line
        assert ".control" not in line.lower()
        assert text in re.split(r"[ (),=]", line)


@given(hs.floats(allow_nan=False, allow_infinity=False))
def test_fmt_number_round_trips_without_suffix(x):
    text = st.fmt_number(x)
    assert float(text) == x
    assert re.fullmatch(r"-?\d+\.\d+(e[-+]\d+)?|-?\d(\.\d+)?e[-+]\d+", text)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, True, "1k", "45n", None, 1j])
def test_fmt_number_refuses(bad):
    with pytest.raises(ParameterError):
        st.fmt_number(bad)


def test_fmt_number_accepts_numpy_and_int():
    np = pytest.importorskip("numpy")
    assert st.fmt_number(np.float64(4.5e-8)) == "4.5e-08"
    assert st.fmt_number(np.int64(3)) == "3.0"
    assert st.fmt_number(1000) == "1000.0"


@pytest.mark.parametrize("build", [
    lambda: st.resistor("X1", "a", "0", 1.0),            # wrong element letter
    lambda: st.resistor("R1", "a", "0", -1.0),
    lambda: st.resistor("R1", "a;b", "0", 1.0),
    lambda: st.capacitor("C1", "a", "0", 0.0),
    lambda: st.mosfet("M1", "d", "g", "0", "0", "nmos45", w_m=1e-7, l_m="4.5e-08m"),
    lambda: st.mosfet("M1", "d", "g", "0", "0", "nmos45", w_m=1e-7, l_m=4.5e-8,
                      **{"delvto\n.control": 0.1}),
    lambda: st.vsource_pwl("V1", "a", "0", [0, 1e-9, 1e-9], [0, 1, 1]),
    lambda: st.vsource_pulse("V1", "a", "0", v1_v=0, v2_v=1, delay_s=-1, rise_s=0, fall_s=0,
                             width_s=0, period_s=0),
    lambda: st.dc("V1", 0, 1, 0),
    lambda: st.tran(0, 1e-9),
    lambda: st.include('/tmp/x"\n.control'),
    lambda: st.netlist("t\n.control", []),
    lambda: st.netlist("t", ["R1 a 0 1\n.control"]),
    lambda: st.alter("m1; shell ls", "w", 1e-7),
    lambda: st.alter("m1", "w", math.nan),
])
def test_builders_refuse_bad_input(build):
    with pytest.raises(ParameterError):
        build()


@pytest.mark.parametrize("template, values", [
    ("v({a}); shell ls", {"a": "x"}),
    ("v({a})\n.control", {"a": "x"}),
    ("v({a}) $ comment", {"a": "x"}),
    ("{a.__class__}", {"a": 1.0}),
    ("{a!r}", {"a": 1.0}),
    ("{a:>10}", {"a": 1.0}),
    ("{a}*{b}", {"a": 1.0}),                 # missing value
    ("{a}", {"a": 1.0, "b": 2.0}),           # unused value
    ("v({a}", {"a": "x"}),                   # unbalanced
    ("v({a}))(", {"a": "x"}),
    ("v({a})", {"a": "x\n.control"}),        # injected node name
    ("{g}*v(a)", {"g": "1k"}),               # string where a number belongs: not a name
    ("{g}*v(a)", {"g": math.inf}),
    ('v("a")', {}),
])
def test_bsource_expression_refuses(template, values):
    with pytest.raises(ParameterError):
        st.bsource_current("B1", "a", "0", template, **values)


@pytest.mark.parametrize("command", [
    "shell ls", "source /tmp/x.cir", "set num_threads=8", "op; shell ls", "op\nshell ls",
    "tran 1n 1u", "alter m1 w = 1e-7; shell ls", "write /tmp/x.raw", "quit", "run",
    "alter m1 w = nan", ".control",
])
def test_check_command_refuses(command):
    with pytest.raises(ParameterError):
        st.check_command(command)


@pytest.mark.parametrize("text", [
    "t\nR1 a 0 1\n.control\nshell ls\n.endc\n.end\n",
    "t\nR1 a 0 1\n  .CONTROL\n.end\n",
    ".control\nshell ls\n.endc\n",
    "t\nR1 a 0 1\n.endc\n",
    "t\nR1 a 0 1 \u00b5\n.end\n",
    "",
])
def test_check_netlist_refuses(text):
    with pytest.raises(ParameterError):
        st.check_netlist(text)


def test_lengths_are_plain_numbers_not_milli():
    line = st.mosfet("M1", "d", "g", "0", "0", "nmos45", w_m=1.35e-7, l_m=4.5e-8)
    assert "l=4.5e-08" in line and "4.5e-08m" not in line

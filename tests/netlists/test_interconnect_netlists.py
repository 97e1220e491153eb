"""Interconnect bench builders: pure text, the wire of the technology file, checked inputs."""

import re

import pytest
from spincim.devices.technology import technology
from spincim.errors import ParameterError
from spincim.netlists import interconnect as ni
from spincim.netlists import spice_text as st


def _values(text, letter):
    """Values of every R or C element line (SI)."""
    out = []
    for line in text.splitlines():
        if line[:1].upper() == letter:
            out.append(float(line.split()[3]))
    return out


@pytest.mark.parametrize("tech_name", ["45nm", "22nm"])
@pytest.mark.parametrize("n", [1, 3])
def test_wire_bench_holds_the_global_wire_of_the_technology(tech_name, n):
    tech = technology(tech_name)
    seg = 0.3e-3
    b = ni.repeated_wire_bench(tech, tech.vdd_v, 300.0, h=32, seg_length_m=seg, n_stages=n)
    assert b.text == ni.repeated_wire_bench(tech, tech.vdd_v, 300.0, h=32, seg_length_m=seg,
                                            n_stages=n).text
    assert sum(_values(b.text, "R")) == pytest.approx(n * seg * tech.global_wire_r_ohm_per_m)
    assert sum(_values(b.text, "C")) == pytest.approx(n * seg * tech.global_wire_c_f_per_m)
    assert len(re.findall(r"^Xr\d+ ", b.text, re.M)) == n
    assert re.search(rf"^Xend n{n} nend vld rep$", b.text, re.M)
    # the repeater subckt: Wn = 2h, Wp = 4h x l_min
    widths = sorted(m.w_m for m in b.subckt_mosfets["rep"])
    assert widths == pytest.approx([64 * tech.l_min_m, 128 * tech.l_min_m])


def test_htree_fork_io_and_leakage_benches():
    tech = technology("45nm")
    h = ni.htree_segment_bench(tech, 1.0, 300.0, h=64, seg_length_m=0.25e-3)
    assert re.search(r"^Xb1 nf b1 vld rep$", h.text, re.M)
    assert re.search(r"^Xb2 nf b2 vld rep$", h.text, re.M)
    io = ni.io_driver_bench(tech, 1.0, 300.0, h=64)
    assert ni.io_driver_sizes(64) == pytest.approx([1.0, 4.0, 16.0])
    assert len(re.findall(r"^Xd\d ", io.text, re.M)) == 3
    leak = ni.leakage_bench(tech, 1.0, 358.0, 0.2)
    assert {m.name for m in leak.mosfets} == {"mnoff", "mpoff", "mcell"}
    assert st.temperature(358.0 - 273.15) in leak.text.splitlines()


@pytest.mark.parametrize("kwargs, field", [
    ({"h": 0.5}, "h"), ({"h": 1e5}, "h"), ({"seg_length_m": 1.0}, "seg_length_m"),
    ({"n_stages": 0}, "n_stages"), ({"n_stages": True}, "n_stages")])
def test_bad_stage_parameters_name_the_field(kwargs, field):
    args = {"h": 32, "seg_length_m": 1e-4, "n_stages": 2, **kwargs}
    with pytest.raises(ParameterError, match=field):
        ni.repeated_wire_bench(technology("45nm"), 1.0, 300.0, **args)


def test_leakage_bench_refuses_a_bit_line_above_vdd():
    with pytest.raises(ParameterError, match="v_bitline_v"):
        ni.leakage_bench(technology("45nm"), 1.0, 300.0, 1.5)

"""The registry of majority designs and the decide designs' netlist builders (no ngspice)."""

import itertools
import subprocess
import sys

import numpy as np
import pytest

from spincim.devices.technology import technology
from spincim.errors import ParameterError
from spincim.netlists import majority_decide as md
from spincim.netlists import majority_designs as designs
from spincim.netlists import write_driver as W

TECH = technology("22nm")


def test_registry_names_kinds_and_ops():
    assert designs.names()[:2] == ("corn", "corn-ptm")
    assert {"comparator", "popcount"} <= set(designs.names())
    assert designs.entry("corn").ops == {"preset": "preset", "program": "majority_program",
                                         "maxpool": "maxpool_write"}
    for name in designs.names():
        e = designs.entry(name)
        rec = designs.design(name)
        assert rec.kind == e.kind and rec.name == name
        ops = set(e.ops.values())
        assert len(ops) == len(e.ops)          # every role its own op
    # no two designs share an op name
    every = [op for n in designs.names() for op in designs.entry(n).ops.values()]
    assert len(every) == len(set(every))


def test_registry_refuses_unknown_and_duplicates():
    with pytest.raises(ParameterError, match="buffer.majority"):
        designs.entry("nope", field_name="buffer.majority")
    with pytest.raises(ParameterError, match="registered twice"):
        designs.register("corn", kind="threshold", ops={"preset": "a", "program": "b",
                                                        "maxpool": "c"}, summary="")(lambda: 0)
    with pytest.raises(ParameterError, match="ops"):
        designs.register("x", kind="decide", ops={"preset": "a"}, summary="")


def test_variants_declare_their_driver():
    corn, ptm = designs.design("corn"), designs.design("corn-ptm")
    assert corn.driver == W.CORN and ptm.driver == W.CORN_PTM
    assert corn.driver.width_factor == ptm.driver.width_factor == 3.0     # CORN IV-B
    assert ptm.driver.length_factor == 1.0 and ptm.driver.r_series_ohm == 0.0
    assert corn.shm_thickness_m == W.BUFFER_SHM_THICKNESS_M
    assert ptm.shm_thickness_m == W.PTM_SHM_THICKNESS_M
    assert designs.design("corn", r_series_ohm=0.0).driver.r_series_ohm == 0.0


def test_param_records_check_fields():
    with pytest.raises(ParameterError, match="sigma_cap"):
        designs.ComparatorParams(sigma_cap=0.5)
    with pytest.raises(ParameterError, match="pulse_s"):
        designs.WriteParams(pulse_s=0.0)
    with pytest.raises(ParameterError, match="r_series_ohm"):
        W.DriverConfig(r_series_ohm=-1.0)


def test_importing_the_registry_is_light():
    code = ("import sys, spincim.netlists.majority_designs as m; m.names(); "
            "print(any(k in sys.modules for k in ('PySpice', 'h5py', 'matplotlib', "
            "'spincim.netlists.write_driver')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_popcount_logic_is_the_majority_of_all_512_patterns():
    """The adders' exact logic (the inputs each adder sees) ends in the majority."""
    bits = np.array(list(itertools.product((0, 1), repeat=9)))
    inputs = md.adder_inputs(bits)
    assert inputs.shape == (512, 7, 3)
    assert np.array_equal(inputs[:, -1].sum(axis=-1) >= 2, md.majority_of_nine(bits))


def test_charge_share_is_linear_in_the_count():
    c = designs.ComparatorParams()
    bits = np.array([W.pattern_for_count(n) for n in range(10)])
    v_p, v_n = md.charge_share_v(c, bits, 0.8)
    step = 0.8 * c.unit_cap_f / c.top_cap_f
    assert np.allclose(v_p - v_n, step * (2 * np.arange(10) - 9), rtol=1e-12)
    assert np.allclose(v_p + v_n, 9 * step, rtol=1e-12)      # common mode fixed


@pytest.mark.parametrize("name", ["comparator", "popcount"])
def test_tran_netlist(name):
    d = designs.design(name)
    tm = md.timing(d)
    assert tm.capture_s < tm.write_start_s < tm.write_end_s < tm.stop_s
    n = md.tran_netlist(d, W.pattern_for_count(5), W.buffer_device(0.0))
    src = {s.name for s in n.sources}
    assert {"vdd", "vw", "vcap", "vwen", *(f"vb{i}" for i in range(9))} <= src
    assert "xbuf" in n.text.lower() and "uic" in n.text
    r = md.tran_netlist(d, W.pattern_for_count(5), W.buffer_device(0.0), cell="resistor")
    assert "xbuf" not in r.text.lower() and "rshm" in r.text.lower()
    with pytest.raises(ParameterError, match="pattern"):
        md.tran_netlist(d, (1, 0), W.buffer_device(0.0))
    with pytest.raises(ParameterError, match="cell"):
        md.tran_netlist(d, W.pattern_for_count(5), W.buffer_device(0.0), cell="x")


def test_dc_netlists_have_one_table_per_varied_quantity():
    c = designs.ComparatorParams()
    k = 5
    v = np.linspace(0.2, 0.3, k)
    text = md.comparator_dc_netlist(c, TECH, v, v[::-1], np.zeros((k, md.N_COMPARATOR_VTH)))
    assert text.count("pwl(v(idx)") == 2 + md.N_COMPARATOR_VTH
    text = md.adder_dc_netlist(TECH, np.zeros((k, 3), int), np.zeros((k, md.N_ADDER_VTH)))
    assert text.count("pwl(v(idx)") == 3 + md.N_ADDER_VTH
    assert len(md.popcount_vth_sizes(TECH)) == md.N_POPCOUNT_VTH == 7 * md.N_ADDER_VTH
    text = md.write_dc_netlist(designs.WriteParams(), TECH, to_ap=True,
                               r_shm_ohm=np.full(k, 800.0), dvth=np.zeros((k, 2)))
    assert "mhi vw gh sa" in text.lower() and "mlo sb gl 0" in text.lower()

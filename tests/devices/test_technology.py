"""The shipped PTM cards load in ngspice and give plausible Id-Vgs curves."""

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from spincim.devices.technology import SHIPPED, Technology, load_technology, technology
from spincim.errors import ParameterError
from spincim.netlists import ngspice as ng
from spincim.netlists import spice_text as st

# Measured when the cards were added (ngspice 39, 27 C, W = 3 L, |Vds| = VDD; see the card
# headers): nmos45 1278, pmos45 910, nmos22 1269, pmos22 875 uA/um. Published PTM HP
# figures are of this magnitude; the bounds catch a card that loads wrongly (e.g. lengths
# read as milli-metres, or a model falling back to defaults) and are set so that half and
# twice each card's value fall outside (pmos22: 437 < 500, pmos45: 1820 > 1500).
ION_UA_PER_UM = {"nmos": (800.0, 2000.0), "pmos": (500.0, 1500.0)}
POINTS = 41


@pytest.fixture(scope="module")
def worker():
    with ng.Worker(timeout_s=30.0) as w:
        yield w


def id_vgs(worker, tech: Technology, polarity: str) -> tuple[np.ndarray, np.ndarray]:
    """|Vgs| (V) and |Id| (A) of a W = 3 L_min transistor at |Vds| = VDD."""
    length, vdd = tech.l_min_m, tech.vdd_v
    if polarity == "nmos":
        lines = [st.vsource_dc("VD", "d", "0", vdd), st.vsource_dc("VG", "g", "0", 0.0),
                 st.mosfet("M1", "d", "g", "0", "0", tech.nmos_model, w_m=3 * length,
                           l_m=length)]
    else:  # source and bulk at VDD, drain at 0 V through a 0 V source that measures Id
        lines = [st.vsource_dc("VS", "s", "0", vdd), st.vsource_dc("VD", "d", "0", 0.0),
                 st.vsource_dc("VG", "g", "0", vdd),
                 st.mosfet("M1", "d", "g", "s", "s", tech.pmos_model, w_m=3 * length,
                           l_m=length)]
    text = st.netlist(f"{tech.name} {polarity} Id-Vgs", [st.include(tech.card_path), *lines])
    result = worker.run(text, st.dc("VG", 0.0, vdd, vdd / (POINTS - 1)))
    vg, i_d = result["v-sweep"], np.abs(result["vd#branch"])
    if polarity == "pmos":
        return (vdd - vg)[::-1], i_d[::-1]
    return vg, i_d


@pytest.mark.ngspice
@pytest.mark.parametrize("polarity", ["nmos", "pmos"])
@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_id_vgs_is_plausible(worker, name, polarity):
    tech = technology(name)
    vgs, i_d = id_vgs(worker, tech, polarity)
    assert vgs[0] == pytest.approx(0.0, abs=1e-12)
    assert vgs[-1] == pytest.approx(tech.vdd_v)
    width_um = 3 * tech.l_min_m * 1e6
    ion = i_d[-1] / width_um * 1e6
    low, high = ION_UA_PER_UM[polarity]
    assert low < ion < high, f"Ion = {ion:.0f} uA/um"
    assert i_d[0] < 1e-3 * i_d[-1]          # Ioff << Ion
    assert np.all(np.diff(i_d) > 0)         # monotonic in Vgs


def test_technology_lookup_and_validation():
    assert technology("45nm") is technology("45nm")
    with pytest.raises(ParameterError, match="unknown technology"):
        technology("7nm")
    for tech in map(technology, SHIPPED):
        assert tech.card_path.is_file()
        assert tech.sigma_vth_v(3 * tech.l_min_m, tech.l_min_m) > 0


SHIPPED_45 = technology("45nm")


def _write_tech(tmp_path, **changes):
    """A copy of the shipped 45 nm technology file with ``changes`` (section.key = text)."""
    text = Path(SHIPPED_45.source_file).read_text()
    for dotted, line in changes.items():
        key = dotted.split(".")[-1]
        text = re.sub(rf"^{key} = .*$", line, text, count=1, flags=re.M)
    path = tmp_path / "tech.toml"
    path.write_text(text)
    return path


def test_technology_file_equal_to_shipped(tmp_path):
    """A user file with the shipped content gives the same technology (but its source)."""
    mine = load_technology(_write_tech(tmp_path))
    assert dataclasses.replace(mine, source_file="") == \
        dataclasses.replace(SHIPPED_45, source_file="")
    assert technology(str(tmp_path / "tech.toml")) == mine


@pytest.mark.parametrize("change, field", [
    ({"nmos_model": 'nmos_model = "nmos99"'}, "technology.card.nmos_model"),
    ({"path": 'path = "missing.lib"'}, "technology.card.path"),
    ({"vdd_v": "vdd_v = 1000.0"}, "technology.vdd_v"),
    ({"node_m": 'node_m = "45n"'}, "technology.node_m"),
    ({"read_w_mult": "read_w_mult = -3.0"}, "technology.sizing.read_w_mult"),
    ({"name": 'name = "x;shell"'}, "technology.name"),
])
def test_technology_file_errors_name_the_key(tmp_path, change, field):
    with pytest.raises(ParameterError) as info:
        load_technology(_write_tech(tmp_path, **change))
    assert info.value.field == field


def test_technology_file_unknown_key_and_user_card(tmp_path):
    path = _write_tech(tmp_path)
    path.write_text(path.read_text() + "\n[extra]\nx = 1\n")
    with pytest.raises(ParameterError, match="unknown key"):
        load_technology(path)
    card = tmp_path / "cards" / "my.lib"
    card.parent.mkdir()
    card.write_text(SHIPPED_45.card_path.read_text())
    tech = load_technology(_write_tech(tmp_path, path='path = "cards/my.lib"'))
    assert tech.card_path == card.resolve() and tech.nmos_model == "nmos45"


@pytest.mark.parametrize("name", ["45nm", "22nm"])
def test_shipped_global_wires_are_stated_and_sourced(name):
    """Global wire R/C per metre in the shipped files, with their source (CACTI's global
    aggressive wire: R = rho / (w t) recomputed here from the geometry in the file)."""
    tech = technology(name)
    assert "CACTI" in tech.global_wire_source
    w = 8 * tech.node_m / 2                              # pitch 8F, width = spacing
    rho = {"45nm": 2.06e-8, "22nm": 3.0e-8}[name]
    assert tech.global_wire_r_ohm_per_m == pytest.approx(rho / (w * 2.34 * w), rel=0.01)
    assert 0.2e-9 < tech.global_wire_c_f_per_m < 0.4e-9

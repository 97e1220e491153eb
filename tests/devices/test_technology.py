"""The shipped PTM cards load in ngspice and give plausible Id-Vgs curves."""

import numpy as np
import pytest

from spincim.devices.technology import TECHNOLOGIES, Technology, technology
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
@pytest.mark.parametrize("name", sorted(TECHNOLOGIES))
def test_id_vgs_is_plausible(worker, name, polarity):
    tech = TECHNOLOGIES[name]
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
    assert technology("45nm") is TECHNOLOGIES["45nm"]
    with pytest.raises(ParameterError, match="unknown technology"):
        technology("7nm")
    for tech in TECHNOLOGIES.values():
        assert tech.card_path.is_file()
        assert tech.sigma_vth_v(3 * tech.l_min_m, tech.l_min_m) > 0

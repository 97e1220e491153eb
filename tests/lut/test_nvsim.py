"""NVSim .cell export: the values written are the LUT's, in NVSim's units."""

import pytest

from spincim import cli
from spincim.devices import mtj as M
from spincim.lut import io as lut_io
from spincim.lut import nvsim, schema, summary
from spincim.errors import LutError


def _cell_lut(lut):
    """The synthetic LUT plus the ops and MC summary the NVSim export needs."""
    ops = dict(lut.ops)
    for name, e, t in (("read", 3e-15, 2e-10), ("write_p_to_ap", 2.6e-13, 5e-9),
                       ("write_ap_to_p", 2.3e-13, 4.9e-9)):
        ops[name] = schema.OpTable(name, (), e, t)
    mc = {"sense_margin": schema.McSummary("sense_margin", attrs={"read_margin_v": 0.004})}
    return schema.Lut("ptm_45nm", lut.axes, ops, lut.areas, mc, lut.provenance)


def test_cell_file_round_trip(lut):
    data = _cell_lut(lut)
    text = nvsim.to_cell_text(data)
    assert text.splitlines()[1] == "-MemCellType: MRAM"
    back = nvsim.parse_cell_text(text)
    dev = M.SotDevice()
    assert back["r_on_ohm"] == pytest.approx(M.r_p_ohm(dev.mtj), rel=1e-5)
    assert back["r_off_ohm"] == pytest.approx(M.r_ap_ohm(dev.mtj), rel=1e-5)
    assert back["reset_energy_j"] == pytest.approx(2.6e-13, rel=1e-5)
    assert back["set_pulse_s"] == pytest.approx(4.9e-9, rel=1e-5)
    assert back["read_power_w"] == pytest.approx(3e-15 / 2e-10, rel=1e-5)
    assert back["min_sense_voltage_v"] == pytest.approx(0.004, rel=1e-5)
    assert back["cell_area_f2"] == pytest.approx(96.0)  # no sot_2t1r_cell area: 12F x 8F
    assert back["ReadMode"] == "voltage" and back["AccessType"] == "CMOS"
    assert "read_current_a" in back and not any(k.startswith("ReadVoltage") for k in back)


def test_missing_write_op_is_a_clear_error(lut):
    with pytest.raises(LutError, match="write_p_to_ap"):
        nvsim.to_cell_text(schema.Lut("ptm_45nm", lut.axes, {"read": schema.OpTable(
            "read", (), 1e-15, 1e-10)}, {}, {}, lut.provenance))


@pytest.mark.ngspice
def test_cli_exports_shipped_lut(tmp_path, capsys):
    from importlib import resources
    path = str(resources.files("spincim.lut") / "data" / "default_45nm.h5")
    out = tmp_path / "sot.cell"
    assert cli.main(["lut", "export", "--lut", path, "--format", "nvsim", "--out",
                     str(out)]) == 0
    back = nvsim.parse_cell_text(out.read_text())
    assert back["MemCellType"] == "MRAM"
    shipped = lut_io.read_lut(path)
    nominal = summary.nominal_values(shipped)
    margin_v = float(shipped.mc["sense_margin"].attrs["read_margin_v"])
    assert margin_v > 0
    assert back["min_sense_voltage_v"] == pytest.approx(margin_v, rel=1e-5)   # 6 digits
    for key, op in (("reset", "write_p_to_ap"), ("set", "write_ap_to_p")):
        assert back[f"{key}_pulse_s"] == pytest.approx(nominal[op]["latency_s"], rel=1e-5)
        assert back[f"{key}_energy_j"] == pytest.approx(nominal[op]["energy_j"], rel=1e-5)


def test_cli_without_lut_exports_the_shipped_lut_of_tech(tmp_path, capsys):
    """No --lut: the shipped LUT of --tech; the read is current-in voltage sensing."""
    from importlib import resources
    path = str(resources.files("spincim.lut") / "data" / "default_45nm.h5")
    a, b = tmp_path / "a.cell", tmp_path / "b.cell"
    assert cli.main(["lut", "export", "--format", "nvsim", "--tech", "45nm",
                     "--out", str(a)]) == 0
    assert cli.main(["lut", "export", "--format", "nvsim", "--lut", path,
                     "--out", str(b)]) == 0
    assert a.read_text() == b.read_text()
    lines = a.read_text().splitlines()
    assert "-ReadMode: voltage" in lines
    assert any(l.startswith("-ReadCurrent (uA): ") for l in lines)
    assert not any(l.startswith("-ReadVoltage") for l in lines)
    capsys.readouterr()
    # the shipped 22 nm LUT has no plain write: a clear error naming the op, exit 2
    assert cli.main(["lut", "export", "--format", "nvsim", "--tech", "22nm",
                     "--out", str(tmp_path / "c.cell")]) == 2
    assert "write_p_to_ap" in capsys.readouterr().err

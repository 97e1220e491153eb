"""Export the SOT-MRAM cell of a LUT as an NVSim ``.cell`` file, and read one back.

NVSim (Dong et al., IEEE TCAD 31(7), 2012) takes a memory cell as ``-Key (unit): value``
lines (its public sources: ``MemCell.cpp`` and the sample ``sample_STTRAM.cell``). NVSim
knows no SOT cell, so the export maps it onto NVSim's MRAM cell: ResistanceOn = R_P,
ResistanceOff = R_AP (at zero bias), the read as NVSim's *current-in voltage sensing*
(spincim forces the read current through the cell and senses the voltage it develops:
``-ReadMode: voltage`` with ``-ReadCurrent`` and no ``-ReadVoltage``, NVSim
SubArray.cpp; ``-ReadMode: current`` would apply a read voltage and ignore the current), Set
(to the low state) = the AP -> P write and Reset = the P -> AP write, with the pulses,
currents and energies characterized in ngspice; the cell area and aspect ratio from the
12F x 8F pitch of ``netlists/array.py``; MinSenseVoltage from the LUT's sense Monte Carlo.
"""

from __future__ import annotations

from ..devices import mtj as M
from ..devices.mtj import IMCE_WRITE_CURRENT_A
from ..devices.technology import technology
from ..errors import LutError
from ..netlists import cell
from . import schema, summary

#: cell pitch of netlists/array.py in F: 12 along the word line, 8 along the bit line
CELL_WIDTH_F, CELL_HEIGHT_F = 12.0, 8.0
#: read current of the characterized read op and of the sense Monte Carlo (A)
READ_CURRENT_A = cell.READ_CURRENT_A


def lut_for_export(lut_path=None, tech: str = "45nm"):
    """The LUT at ``lut_path``, or the shipped LUT of the node ``tech`` (``45nm``, ``22nm``)."""
    from importlib import resources

    from . import io

    if lut_path is None:
        if tech not in ("45nm", "22nm"):
            raise LutError("tech", f"no shipped LUT for {tech!r}; give --lut or 45nm / 22nm")
        lut_path = str(resources.files("spincim.lut") / "data" / f"default_{tech}.h5")
    return io.read_lut(lut_path)


def cell_values(lut: schema.Lut, device: M.SotDevice | None = None) -> dict[str, float]:
    """The NVSim cell quantities (SI) from ``lut`` (must hold read and both writes)."""
    for op in ("read", "write_p_to_ap", "write_ap_to_p"):
        if op not in lut.ops:
            raise LutError(lut.source or "<lut>", f"NVSim export needs op {op!r}")
    device = device or M.SotDevice()
    tech = technology(lut.technology.removeprefix("ptm_"))
    nominal = summary.nominal_values(lut)
    area_f2 = CELL_WIDTH_F * CELL_HEIGHT_F
    if "sot_2t1r_cell" in lut.areas:
        area_f2 = lut.areas["sot_2t1r_cell"].area_m2 / tech.node_m ** 2
    mc = lut.mc.get("sense_margin")
    margin_v = float(mc.attrs["read_margin_v"]) if mc is not None else float("nan")
    read = nominal["read"]
    return {
        "process_node_nm": tech.node_m * 1e9,
        "cell_area_f2": area_f2,
        "aspect_ratio": CELL_HEIGHT_F / CELL_WIDTH_F,
        "r_on_ohm": M.r_p_ohm(device.mtj),
        "r_off_ohm": float(M.r_ap_ohm(device.mtj)),
        "read_current_a": READ_CURRENT_A,
        "read_power_w": read["energy_j"] / read["latency_s"],
        "min_sense_voltage_v": margin_v,
        "set_current_a": IMCE_WRITE_CURRENT_A,
        "set_pulse_s": nominal["write_ap_to_p"]["latency_s"],
        "set_energy_j": nominal["write_ap_to_p"]["energy_j"],
        "reset_current_a": IMCE_WRITE_CURRENT_A,
        "reset_pulse_s": nominal["write_p_to_ap"]["latency_s"],
        "reset_energy_j": nominal["write_p_to_ap"]["energy_j"],
        "access_width_f": 4.0,  # write NMOS W = 4 l_min (netlists/cell.py WRITE_W_MULT)
    }


def to_cell_text(lut: schema.Lut, device: M.SotDevice | None = None) -> str:
    """NVSim ``.cell`` text (NVSim's units: F^2, ohm, uA, uW, mV, ns, pJ)."""
    v = cell_values(lut, device)
    if not v["min_sense_voltage_v"] > 0:
        raise LutError(lut.source or "<lut>", "the LUT's sense Monte Carlo has no positive "
                       "read margin to give NVSim as MinSenseVoltage")
    lines = [
        f"// spincim SOT-MRAM 2T1R cell from LUT {lut.technology}, "
        f"git {lut.provenance.get('git_revision', 'unknown')[:12]}",
        "-MemCellType: MRAM",
        f"-CellArea (F^2): {v['cell_area_f2']:.6g}",
        f"-CellAspectRatio: {v['aspect_ratio']:.6g}",
        f"-ResistanceOn (ohm): {v['r_on_ohm']:.6g}",
        f"-ResistanceOff (ohm): {v['r_off_ohm']:.6g}",
        "-ReadMode: voltage",
        f"-ReadCurrent (uA): {v['read_current_a'] * 1e6:.6g}",
        f"-ReadPower (uW): {v['read_power_w'] * 1e6:.6g}",
        f"-MinSenseVoltage (mV): {v['min_sense_voltage_v'] * 1e3:.6g}",
        "-ResetMode: current",
        f"-ResetCurrent (uA): {v['reset_current_a'] * 1e6:.6g}",
        f"-ResetPulse (ns): {v['reset_pulse_s'] * 1e9:.6g}",
        f"-ResetEnergy (pJ): {v['reset_energy_j'] * 1e12:.6g}",
        "-SetMode: current",
        f"-SetCurrent (uA): {v['set_current_a'] * 1e6:.6g}",
        f"-SetPulse (ns): {v['set_pulse_s'] * 1e9:.6g}",
        f"-SetEnergy (pJ): {v['set_energy_j'] * 1e12:.6g}",
        "-AccessType: CMOS",
        f"-AccessCMOSWidth (F): {v['access_width_f']:.6g}",
    ]
    return "\n".join(lines) + "\n"


#: NVSim key -> (our key, factor from NVSim's unit to SI)
_KEYS = {
    "-CellArea (F^2)": ("cell_area_f2", 1.0), "-CellAspectRatio": ("aspect_ratio", 1.0),
    "-ResistanceOn (ohm)": ("r_on_ohm", 1.0), "-ResistanceOff (ohm)": ("r_off_ohm", 1.0),
    "-ReadCurrent (uA)": ("read_current_a", 1e-6), "-ReadPower (uW)": ("read_power_w", 1e-6),
    "-MinSenseVoltage (mV)": ("min_sense_voltage_v", 1e-3),
    "-ResetCurrent (uA)": ("reset_current_a", 1e-6), "-ResetPulse (ns)": ("reset_pulse_s", 1e-9),
    "-ResetEnergy (pJ)": ("reset_energy_j", 1e-12),
    "-SetCurrent (uA)": ("set_current_a", 1e-6), "-SetPulse (ns)": ("set_pulse_s", 1e-9),
    "-SetEnergy (pJ)": ("set_energy_j", 1e-12), "-AccessCMOSWidth (F)": ("access_width_f", 1.0),
}


def parse_cell_text(text: str) -> dict:
    """Read a ``.cell`` file the way NVSim's MemCell::ReadCellFromFile does (SI out)."""
    out: dict = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line.startswith("-") or ":" not in line:
            continue
        key, _, value = line.partition(":")
        value = value.strip()
        if key in _KEYS:
            name, factor = _KEYS[key]
            out[name] = float(value) * factor
        else:
            out[key.lstrip("-")] = value
    return out

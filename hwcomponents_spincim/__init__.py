"""spincim's characterized components as hwcomponents models (``pip install
spincim[hwcomponents]``, Python >= 3.12).

hwcomponents gathers models from every installed top-level package whose name starts with
``hwcomponents_``: the public classes below appear in ``hwcomponents --list`` and
``hwcomponents.get_models()``, and ``hwcomponents.get_action_cost`` / ``get_area`` price
them. Every energy (J), latency (s) and area (m²) is read from a spincim LUT
(:mod:`spincim.lut.components`) at the requested technology node, supply, temperature
and array size; nothing is scaled. Leakage is not characterized by spincim: 0 W.

Attributes of every model (all optional):

* ``tech_node`` (m): 45e-9 or 22e-9, the shipped LUTs (default 45e-9; the majority
  driver 22e-9, where CORN's driver is characterized);
* ``vdd_v`` (V): a supply on the LUT grid range (default: the LUT's nominal);
* ``temperature_k`` (K): default 300;
* ``rows``, ``cols``: array size for the row periphery (default 256 x 256);
* ``lut_path``: a LUT built with ``spincim lut build`` instead of the shipped one.
"""

from __future__ import annotations

from hwcomponents import ActionCost, ComponentModel, action

from spincim.lut import components as _c

__all__ = ["SpincimSotMramCell", "SpincimSenseAmplifier", "SpincimMajorityDriver",
           "SpincimRowPeriphery", "SpincimFullAdder", "SpincimFlipFlop", "SpincimInverter"]


class _SpincimModel(ComponentModel):
    """A spincim component at one operating point (the shared constructor)."""

    _component = ""
    priority = 0.5

    def __init__(self, tech_node: float = 45e-9, vdd_v: float | None = None,
                 temperature_k: float = 300.0, rows: int = 256, cols: int = 256,
                 lut_path: str | None = None):
        self.point = _c.OperatingPoint(tech_node_m=float(tech_node), vdd_v=vdd_v,
                                       temperature_k=float(temperature_k), rows=int(rows),
                                       cols=int(cols), lut_path=lut_path)
        self.spincim_component = _c.COMPONENTS.get(self._component)
        super().__init__(leak_power=0.0, area=self._area())

    def _area(self) -> float:
        return _c.component_area(self.point, self.spincim_component.areas)

    def _cost(self, op, **extra) -> ActionCost:
        value = _c.action_value(self.point, op, **extra)
        return ActionCost(energy=value.energy_j, latency=value.latency_s,
                          throughput=1.0 / value.latency_s)

    def _act(self, name: str) -> ActionCost:
        return self._cost(self.spincim_component.actions[name])


class SpincimSotMramCell(_SpincimModel):
    """IMCE 2T1R SOT-MRAM cell: column read, AND, OR, XNOR of two cells and the write.

    The column ops (cell, bit line, reference, StrongARM sense amplifier) are one
    characterized circuit; ``write`` is the mean of the P->AP and AP->P writes.
    """

    component_name = ["spincim_sot_mram_cell", "sot_mram_cell"]
    _component = "sot_mram_cell"

    @action
    def read(self) -> ActionCost:
        """One column read (J, s)."""
        return self._act("read")

    @action
    def and2(self) -> ActionCost:
        """AND of two cells sensed on one column (IMCE)."""
        return self._act("and2")

    @action
    def or2(self) -> ActionCost:
        """OR of two cells sensed on one column (IMCE)."""
        return self._act("or2")

    @action
    def xnor2(self) -> ActionCost:
        """XNOR of two cells (CORN): two latches and the XNOR gate."""
        return self._act("xnor2")

    @action
    def write(self) -> ActionCost:
        """Write of a random bit: the mean of the P->AP and AP->P writes."""
        return self._act("write")

    @action
    def write_p_to_ap(self) -> ActionCost:
        """Write P -> AP."""
        return self._act("write_p_to_ap")

    @action
    def write_ap_to_p(self) -> ActionCost:
        """Write AP -> P."""
        return self._act("write_ap_to_p")


class SpincimSenseAmplifier(_SpincimModel):
    """StrongARM sense amplifier of a column: its area, and the column op it decides
    (the same characterized circuit as the cell's column ops: count one per access)."""

    component_name = ["spincim_sense_amplifier"]
    _component = "sense_amplifier"

    @action
    def read(self) -> ActionCost:
        """The column read it decides."""
        return self._act("read")

    @action
    def and2(self) -> ActionCost:
        """The column AND it decides."""
        return self._act("and2")

    @action
    def or2(self) -> ActionCost:
        """The column OR it decides."""
        return self._act("or2")

    @action
    def xnor2(self) -> ActionCost:
        """The column XNOR it decides."""
        return self._act("xnor2")


class SpincimMajorityDriver(_SpincimModel):
    """Majority write driver of a registered design (``design``: corn, corn-ptm,
    comparator, popcount; 22 nm LUT by default).

    ``program(n_on)`` writes the majority of nine inputs with ``n_on`` of them on; a
    threshold design (CORN) also has ``preset`` and ``maxpool``.
    """

    component_name = ["spincim_majority_driver"]

    def __init__(self, design: str = "corn", tech_node: float = 22e-9,
                 vdd_v: float | None = None, temperature_k: float = 300.0,
                 lut_path: str | None = None):
        self.design = design
        self.ops, self.parts = _c.majority_ops(design)
        super().__init__(tech_node=tech_node, vdd_v=vdd_v, temperature_k=temperature_k,
                         lut_path=lut_path)

    def _area(self) -> float:
        return _c.component_area(self.point, self.parts)

    def _role(self, role: str, **extra) -> ActionCost:
        if role not in self.ops:
            raise ValueError(f"majority design {self.design!r} has no {role} step (it "
                             f"has {', '.join(sorted(self.ops))})")
        return self._cost(self.ops[role], **extra)

    @action
    def program(self, n_on: int = 5) -> ActionCost:
        """Majority write with ``n_on`` of the nine inputs on (0..9)."""
        return self._role("program", n_on=float(n_on))

    @action
    def preset(self) -> ActionCost:
        """PRESET of the buffer cell (threshold designs)."""
        return self._role("preset")

    @action
    def maxpool(self) -> ActionCost:
        """Max-pool threshold write (threshold designs)."""
        return self._role("maxpool")


class SpincimRowPeriphery(_SpincimModel):
    """Row decoder, word line and bit line of a ``rows`` x ``cols`` array.

    Area 0: the lines lie within the cell pitch and the decoder's area is not
    characterized by spincim.
    """

    component_name = ["spincim_row_periphery"]
    _component = "row_periphery"

    @action
    def decode(self) -> ActionCost:
        """One row decode (``rows`` word lines)."""
        return self._act("decode")

    @action
    def wordline(self) -> ActionCost:
        """One word-line activation across ``cols`` cells."""
        return self._act("wordline")

    @action
    def bitline(self) -> ActionCost:
        """One bit-line precharge and discharge over ``rows`` cells."""
        return self._act("bitline")


class SpincimFullAdder(_SpincimModel):
    """28-transistor mirror full adder."""

    component_name = ["spincim_full_adder"]
    _component = "full_adder"

    @action
    def add(self) -> ActionCost:
        """One addition."""
        return self._act("add")


class SpincimFlipFlop(_SpincimModel):
    """Transmission-gate master-slave D flip-flop."""

    component_name = ["spincim_flip_flop"]
    _component = "flip_flop"

    @action
    def clock(self) -> ActionCost:
        """One clock cycle with D toggling."""
        return self._act("clock")


class SpincimInverter(_SpincimModel):
    """Unit CMOS inverter driving FO4."""

    component_name = ["spincim_inverter"]
    _component = "inverter"

    @action
    def switch(self) -> ActionCost:
        """One output transition."""
        return self._act("switch")

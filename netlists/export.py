"""Self-contained netlist files that plain ``ngspice -b FILE.cir`` runs without spincim.

Pure functions: nothing here runs ngspice. Each exporter builds the circuit with the
library's own builders (:mod:`.cell`, :mod:`.sense_amp`, :mod:`.write_driver`,
:mod:`.mtj_macro`), then

* replaces every ``.include "<card>"`` line by the text of the PTM card itself (the
  cards ship in ``devices/models/``), so the file runs anywhere;
* keeps the analysis line (``.op``, or ``.tran ... uic`` for the LLGS macromodel);
* appends a ``.control`` block whose text is written by this module only (fixed
  commands, plus numbers formatted by :func:`spice_text.fmt_number` and node names that
  the builders produced): ``run``, ``print`` of the key nodes (``print all`` for an
  operating point, at 16 significant digits), ``wrdata`` of the key transient
  waveforms into ``<kind>.dat`` in the working directory, and ``quit``.

No user string reaches the file: the only inputs are kinds from :data:`KINDS`, numbers
and :class:`~spincim.devices.mtj.SotDevice` objects.

:class:`Export` also carries ``netlist``: the same circuit without the ``.control``
block (card inlined), runnable by :func:`spincim.netlists.ngspice.run`, so the values
printed by plain ngspice can be compared with the library's runner.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ..devices import mtj as M
from ..devices import switching
from ..devices.technology import Technology, technology
from ..errors import ParameterError
from . import array as arr
from . import cell as cell_mod
from . import mtj_macro
from . import spice_text as st

__all__ = ["KINDS", "Export", "export", "cell2t1r", "cell3t", "sense", "driver",
           "subarray", "write"]

#: kinds of circuit :func:`export` knows (``subarray`` needs :mod:`.array`)
KINDS = ("cell2t1r", "cell3t", "subarray", "sense", "driver")

_INCLUDE_RE = re.compile(r'^\.include "([^"]+)"$')
_ANALYSIS_RE = re.compile(r"^\.(op|tran|dc)\b", re.I)
#: digits of ``print`` (ngspice writes numdgt + 1 significant digits)
_NUMDGT = 15


@dataclass(frozen=True)
class Export:
    """One exported circuit."""

    kind: str
    text: str        # the self-contained file (with .control block)
    netlist: str     # the same circuit without .control (for netlists.ngspice.run)
    analysis: str    # the analysis command of the circuit ("op" or a "tran ..." command)
    description: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("ascii")).hexdigest()

    @property
    def lines(self) -> int:
        return len(self.text.splitlines())


# ------------------------------------------------------------------------------- helpers
def _models_dir() -> Path:
    return technology("45nm").card_path.parent.resolve()


def _card_lines(path_text: str) -> list[str]:
    """Lines of a PTM card shipped in devices/models/ (and only there)."""
    path = Path(path_text).resolve()
    if path.parent != _models_dir() or path.suffix != ".lib":
        raise ParameterError("include", f"{path_text!r} is not a card in devices/models/")
    text = path.read_text(encoding="ascii")
    out = [f"* ---- model card {path.name} (inlined from spincim devices/models/) ----"]
    for line in text.splitlines():
        low = line.strip().lower()
        if low.startswith((".control", ".endc", ".end")) and not low.startswith(".ends"):
            raise ParameterError("include", f"{path.name} contains {line.strip()!r}")
        out.append(line.rstrip())
    out.append(f"* ---- end of model card {path.name} ----")
    return out


def _split(netlist_text: str) -> tuple[str, list[str], list[str]]:
    """(title, body lines with cards inlined, analysis lines) of a builder's netlist."""
    st.check_netlist(netlist_text)
    lines = netlist_text.splitlines()
    title, body, analyses = lines[0], [], []
    for line in lines[1:]:
        stripped = line.strip()
        if stripped.lower() == ".end":
            break
        match = _INCLUDE_RE.match(stripped)
        if match:
            body += _card_lines(match.group(1))
        elif _ANALYSIS_RE.match(stripped):
            analyses.append(stripped)
        else:
            body.append(line)
    return title, body, analyses


def _assemble(kind: str, description: str, builder_text: str, control: list[str]) -> Export:
    title, body, analyses = _split(builder_text)
    if len(analyses) != 1:
        raise ParameterError("netlist", f"expected one analysis line, got {analyses}")
    analysis = analyses[0][1:]
    st.check_command(analysis)
    header = [f"* spincim export: {kind} -- {description}",
              "* run with: ngspice -b THIS_FILE  (writes " + f"{kind}.dat" +
              " for transients)"]
    netlist = st.check_netlist("\n".join([title, *header, *body, analyses[0], ".end", ""]))
    text = "\n".join([title, *header, *body, analyses[0], ".control",
                      f"set numdgt={_NUMDGT}", *control, "quit", ".endc", ".end", ""])
    if not text.isascii():
        raise ParameterError("netlist", "export must be ASCII")
    return Export(kind, text, netlist, analysis, description)


def _last(vector: str, name: str) -> list[str]:
    """Control lines printing the last sample of ``vector`` as ``name``."""
    return [f"let {name} = {vector}[length(time)-1]", f"print {name}"]


# ------------------------------------------------------------------------------ exporters
def cell2t1r(*, states=(True,), op: str = "memory", tech: Technology | None = None,
             device: M.SotDevice | None = None, i_read_a: float = 10e-6) -> Export:
    """Operating point of a 2T1R column read (:func:`cell.read_bench`, static MTJ)."""
    text = cell_mod.read_bench(states, op, tech=tech, device=device, i_read_a=i_read_a)
    bits = "".join("1" if s else "0" for s in states)
    return _assemble("cell2t1r", f"2T1R SOT-MRAM read, op={op}, cells={bits}, "
                     f"I_read={st.fmt_number(i_read_a)} A, .op", text,
                     ["run", "print all"])


def cell3t(*, device: M.SotDevice | None = None, tech: Technology | None = None,
           w_write_mult: float | None = None, stop_s: float = 10e-9,
           wwl_delay_s: float = 0.1e-9) -> Export:
    """10 ns write transient of one 3-terminal SOT cell with the dynamic LLGS macromodel.

    The cell is :func:`array.cell3t_subckt` (CORN's 3-terminal cell, 22 nm card, wide
    write NMOS). The SOT-MTJ (:func:`mtj_macro.dynamic_subckt`) starts in P
    with the 300 K rms tilt and is written through the write NMOS (WWL rises after
    ``wwl_delay_s``) from WBL = VDD to SL = ground; read NMOS off. Probes:
    ``xc1.xmtj.mx`` (m_x), ``v.xc1.xmtj.vshm#branch`` (write current, > 0: P -> AP).
    """
    tech = tech or technology("22nm")
    device = device or M.SotDevice(temperature_k=0.0)
    m0 = tuple(float(c) for c in switching.tilted_state(
        switching.rms_thermal_tilt_rad(device)))
    vdd = tech.vdd_v
    kw = {} if w_write_mult is None else {"w_write_mult": w_write_mult}
    cell_lines = arr.cell3t_subckt("cell3t", "sotmtj", tech=tech, **kw)
    origin = "array.cell3t_subckt"
    lines = [st.include(str(tech.card_path)),
             *mtj_macro.dynamic_subckt("sotmtj", device, m0=m0),
             *cell_lines,
             mtj_macro.instance("Xc1", ("wbl", "rbl", "sl", "wwl", "rwl"), "cell3t"),
             st.vsource_dc("Vwbl", "wbl", "0", vdd),
             st.vsource_dc("Vsl", "sl", "0", 0.0),
             st.vsource_dc("Vrbl", "rbl", "0", 0.0),
             st.vsource_dc("Vrwl", "rwl", "0", 0.0),
             st.vsource_pwl("Vwwl", "wwl", "0", [0.0, wwl_delay_s, wwl_delay_s + 50e-12],
                            [0.0, 0.0, vdd]),
             st.options(reltol=1e-4, method="gear"),
             st.analysis_line(st.tran(mtj_macro.MAX_STEP_S, stop_s,
                                      max_step_s=mtj_macro.MAX_STEP_S, uic=True))]
    text = st.netlist("spincim 3-terminal SOT cell write, dynamic LLGS macromodel", lines)
    control = ["run", *_last("v(xc1.xmtj.mx)", "mx_end"),
               *_last("v.xc1.xmtj.vshm#branch", "i_hm_end"),
               "wrdata cell3t.dat v(xc1.xmtj.mx) v(xc1.xmtj.my) v(xc1.xmtj.mz) "
               "v.xc1.xmtj.vshm#branch"]
    return _assemble("cell3t", f"3-terminal SOT cell ({origin}, {tech.name}) write from P, "
                     f"{st.fmt_number(stop_s)} s .tran uic", text, control)


def sense(*, states=(True, False), op: str = "xnor", tech: Technology | None = None,
          device: M.SotDevice | None = None, t_eval_s: float = 1e-9,
          t_stop_s: float = 2e-9) -> Export:
    """Column read with the StrongARM sense amplifier(s) (:func:`cell.read_bench`).

    The control block first prints the reset operating point (``op``, ``print all``),
    then runs the evaluation transient and prints the final logic output ``out``.
    """
    text = cell_mod.read_bench(states, op, tech=tech, device=device, sense_amp=True,
                               t_eval_s=t_eval_s, t_stop_s=t_stop_s)
    bits = "".join("1" if s else "0" for s in states)
    control = ["op", "print all", "run", *_last("v(out)", "out_end"),
               "wrdata sense.dat v(rbl) v(out)"]
    exp = _assemble("sense", f"StrongARM sense amplifier read, op={op}, cells={bits}; "
                    "reset .op then evaluation .tran", text, control)
    # the comparable part of this kind is its reset operating point
    return Export(exp.kind, exp.text, exp.netlist, "op", exp.description)


def driver(*, n_on: int = 5, device: M.SotDevice | None = None, cfg=None) -> Export:
    """CORN majority write driver PROGRAM transient (:func:`write_driver.tran_netlist`).

    ``device`` defaults to the uncalibrated buffer cell (SHM 3.25 nm, 0 K); pass
    :func:`write_driver.calibrate_buffer_device`'s device for the calibrated one.
    """
    from . import write_driver as W
    cfg = W.PROGRAM_ONLY if cfg is None else cfg
    if device is None:
        device = M.SotDevice(temperature_k=0.0).replace(shm={"thickness_m": 3.25e-9})
    text = W.tran_netlist(W.pattern_for_count(n_on), device, cfg).text
    control = ["run", *_last("v(xbuf.mx)", "mx_end"),
               "wrdata driver.dat v(xbuf.mx) v.xbuf.vshm#branch vsub#branch"]
    return _assemble("driver", f"CORN 9-NMOS majority write driver, {n_on} of 9 on, "
                     "PROGRAM into the LLGS macromodel buffer cell, .tran uic", text, control)


#: default stored pattern of the exported sub-array (True = AP = '1'), 4 x 4
SUBARRAY_STATES = ((False, True, False, True), (True, True, False, False),
                   (False, False, True, True), (True, False, True, False))


def subarray(*, states=SUBARRAY_STATES, row: int = 1, col: int = 1,
             tech: Technology | None = None, device: M.SotDevice | None = None,
             i_read_a: float = 10e-6) -> Export:
    """Operating point of a memory read of cell (row, col) of a static-MTJ sub-array
    with wire RC and the row decoder (:func:`array.static_read_netlist`)."""
    states = [list(r) for r in states]
    text = arr.static_read_netlist(len(states), len(states[0]), states, row=row,
                                               col=col, tech=tech, device=device,
                                               i_read_a=i_read_a)
    return _assemble("subarray", f"{len(states)}x{len(states[0])} static sub-array, memory "
                     f"read of cell ({row}, {col}), .op", text, ["run", "print all"])


_EXPORTERS = {"cell2t1r": cell2t1r, "cell3t": cell3t, "sense": sense, "driver": driver,
              "subarray": subarray}


def export(kind: str, **kwargs) -> Export:
    """The :class:`Export` of ``kind`` (one of :data:`KINDS`)."""
    if kind not in _EXPORTERS:
        raise ParameterError("kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    return _EXPORTERS[kind](**kwargs)


def write(exp: Export, path: str | Path) -> Path:
    """Write ``exp.text`` to ``path`` (its directory must exist); return the path."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ParameterError("out", f"directory {str(path.parent)!r} does not exist")
    path.write_text(exp.text, encoding="ascii")
    return path

"""Netlist text as pure functions: validated names, exactly formatted numbers, one line each.

Nothing here imports PySpice or runs ngspice. Every value a caller can influence goes
through :func:`check_name` (names of elements, nodes, models, parameters) or
:func:`fmt_number` (SI floats), so no text can smuggle a newline, a comment, a
``.control`` block or a ``shell`` command into a netlist. Numbers are written without
unit suffixes: ``4.5e-08``, never ``45n`` or ``4.5e-08m`` (which ngspice reads as milli).

Element builders return one netlist line; analysis builders (:func:`op`, :func:`dc`,
:func:`tran`) return the ngspice *command* (``"tran 1e-12 1e-09"``), which
:func:`analysis_line` turns into a netlist line (``".tran 1e-12 1e-09"``).

Examples
--------
>>> resistor("R1", "in", "out", 1e3)
'R1 in out 1000.0'
>>> mosfet("M1", "d", "g", "0", "0", "nmos45", w_m=135e-9, l_m=45e-9)
'M1 d g 0 0 nmos45 w=1.35e-07 l=4.5e-08'
>>> bsource_current("B1", "out", "0", "{g}*v({a},{b})", g=1e-3, a="in", b="out")
'B1 out 0 I=0.001*v(in,out)'
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..errors import ParameterError

__all__ = [
    "NAME_PATTERN", "check_name", "check_node", "check_instance", "check_command",
    "check_netlist", "fmt_number",
    "Line", "Source", "Mosfet", "Netlist", "netlist", "circuit", "subckt", "ends", "include", "options", "temperature", "model", "analysis_line",
    "resistor", "capacitor", "vsource_dc", "isource_dc", "isource_pwl", "vsource_pulse", "vsource_pwl",
    "mosfet", "bsource_current", "bsource_voltage", "bsource_table",
    "op", "dc", "tran", "alter", "altermod",
]

#: Element, node, model, subcircuit and parameter names: a letter, then letters, digits, '_'.
NAME_PATTERN = r"[A-Za-z][A-Za-z0-9_]{0,63}"
_NAME_RE = re.compile(NAME_PATTERN)
#: Flattened instance names inside subcircuits, as ngspice writes them (``m.x1.m1``).
_INSTANCE_RE = re.compile(rf"{NAME_PATTERN}(\.{NAME_PATTERN}){{0,15}}")
#: Characters allowed in a B-source expression template (no ';', '$', quotes, newlines).
_EXPR_CHARS_RE = re.compile(r"[A-Za-z0-9_ ().,+\-*/^<>=!&|?:{}]*")
_PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NUMBER_TOKEN = r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?"
_COMMAND_RE = re.compile(
    rf"(op|dc|tran|ac|noise|tf)( ({NAME_PATTERN}|{_NUMBER_TOKEN}))*"
    rf"|(alter|altermod) [A-Za-z][A-Za-z0-9_.]{{0,255}}( {NAME_PATTERN})? = {_NUMBER_TOKEN}")
_FORBIDDEN_DOT_LINES = (".control", ".endc")


class Line(str):
    """One netlist line that also says what it describes (``element``).

    Element builders return these, so :func:`circuit` learns a netlist's sources and
    transistors from the builders themselves instead of parsing the text back.
    ``element`` is a :class:`Source`, a :class:`Mosfet`, a :class:`SubcktMark` or None.
    """

    element: object = None

    @classmethod
    def of(cls, text: str, element: object) -> Line:
        line = cls(text)
        line.element = element
        return line

    def __reduce__(self):
        return (Line.of, (str(self), self.element))


@dataclass(frozen=True)
class SubcktMark:
    """Start (``opening``) or end of a ``.subckt`` block."""

    name: str
    opening: bool


@dataclass(frozen=True)
class Source:
    """An independent source as built: SI values (V or A), lower-case names.

    ``kind`` is ``"v"`` or ``"i"``; a current source's current flows from ``n_plus``
    through the source to ``n_minus``. ``pwl`` holds (times_s, values) and ``pulse``
    (v1, v2, delay, rise, fall, width, period) when the source has that waveform.
    """

    name: str
    kind: str
    n_plus: str
    n_minus: str
    dc: float
    pwl: tuple[tuple[float, ...], tuple[float, ...]] | None = None
    pulse: tuple[float, ...] | None = None

    @property
    def switching(self) -> bool:
        """True for a pwl or pulse waveform (a driver edge rather than a supply)."""
        return self.pwl is not None or self.pulse is not None

    @property
    def high_level(self) -> float:
        """Largest |level| of the waveform (its DC value for a DC source)."""
        if self.pwl is not None:
            return max(abs(v) for v in self.pwl[1])
        if self.pulse is not None:
            return max(abs(self.pulse[0]), abs(self.pulse[1]))
        return abs(self.dc)

    def waveform(self, t_s):
        """The source value on the time grid ``t_s`` (pwl interpolated, else DC)."""
        import numpy as np

        t = np.asarray(t_s, float)
        if self.pwl is not None:
            return np.interp(t, self.pwl[0], self.pwl[1])
        if self.pulse is not None:
            raise ParameterError("source", f"{self.name}: pulse waveforms are not sampled")
        return np.full_like(t, self.dc)


@dataclass(frozen=True)
class Mosfet:
    """A transistor as built: nodes, model and W, L in metres."""

    name: str
    drain: str
    gate: str
    source: str
    bulk: str
    model: str
    w_m: float
    l_m: float
    params: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Netlist:
    """Netlist text with what its builders put at its top level.

    ``sources`` and ``mosfets`` list the top-level elements (those inside ``.subckt``
    blocks belong to the subcircuit), ``subckt_mosfets`` the transistors of each
    subcircuit definition. Run it as ``netlist.text``.
    """

    text: str
    title: str
    sources: tuple[Source, ...] = ()
    mosfets: tuple[Mosfet, ...] = ()
    subckt_mosfets: Mapping[str, tuple[Mosfet, ...]] = field(default_factory=dict)

    def source(self, name: str) -> Source:
        """The top-level source ``name`` (case-insensitive)."""
        key = name.lower()
        for src in self.sources:
            if src.name == key:
                return src
        raise ParameterError("source", f"no source {name!r} in netlist {self.title!r}")

    def __str__(self) -> str:
        return self.text


def check_name(name: str, *, field: str = "name") -> str:
    """Return ``name`` if it is a plain SPICE name, else raise :class:`ParameterError`.

    A plain name is a letter followed by up to 63 letters, digits or underscores
    (no dots, spaces, quotes, ``;``, ``$`` or newlines). ``field`` names the argument
    in the error.
    """
    if not isinstance(name, str) or _NAME_RE.fullmatch(name) is None:
        raise ParameterError(field, f"{name!r} is not a valid SPICE name "
                                    f"(pattern {NAME_PATTERN})")
    return name


def check_node(node: str, *, field: str = "node") -> str:
    """Return ``node`` if it is a plain name or ``"0"`` (ground)."""
    if node == "0":
        return node
    return check_name(node, field=field)


def check_instance(name: str, *, field: str = "element") -> str:
    """Return an element name, allowing ngspice's flattened form ``m.x1.m1``."""
    if not isinstance(name, str) or _INSTANCE_RE.fullmatch(name) is None:
        raise ParameterError(field, f"{name!r} is not a valid SPICE instance name")
    return name


def check_command(command: str) -> str:
    """Return an analysis or alter command built by this module, else raise.

    Accepts ``op``, ``dc``, ``tran``, ``ac``, ``noise``, ``tf`` followed by names and
    plain numbers, and ``alter``/``altermod`` commands; refuses everything else
    (``shell``, ``source``, ``set``, ``;``, newlines ...).
    """
    if not isinstance(command, str) or _COMMAND_RE.fullmatch(command) is None:
        raise ParameterError("command", f"{command!r} is not an allowed ngspice command")
    return command


def check_netlist(text: str) -> str:
    """Return netlist ``text`` if it can be handed to ngspice, else raise.

    The first line is the title (SPICE convention). ``.control``/``.endc`` blocks are
    refused: the runner sends ngspice's commands itself. NUL and non-ASCII characters
    are refused too.
    """
    if not isinstance(text, str) or not text.strip():
        raise ParameterError("netlist", "must be non-empty text")
    if not text.isascii() or "\x00" in text:
        raise ParameterError("netlist", "must be ASCII without NUL characters")
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().lower().startswith(_FORBIDDEN_DOT_LINES):
            raise ParameterError("netlist", f"line {number}: .control blocks are not "
                                            f"allowed; pass analyses to the runner instead")
    return text


def fmt_number(x: float, *, field: str = "value", digits: int | None = None) -> str:
    """Format a real number for a netlist: shortest exact repr, no unit suffix.

    ``fmt_number(4.5e-8) == '4.5e-08'``; ``fmt_number(1000) == '1000.0'``. Raises
    :class:`ParameterError` for bools, strings, complex, NaN and infinities.
    ``digits`` rounds to that many significant digits (for long Monte Carlo tables).
    """
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise ParameterError(field, f"must be a real number, got {x!r}")
    value = float(x)
    if not math.isfinite(value):
        raise ParameterError(field, f"must be finite, got {value!r}")
    return repr(value) if digits is None else f"{value:.{int(digits)}g}"


def _positive(x: float, field: str) -> str:
    text = fmt_number(x, field=field)
    if float(x) <= 0:
        raise ParameterError(field, f"must be > 0, got {x!r}")
    return text


def _non_negative(x: float, field: str) -> str:
    text = fmt_number(x, field=field)
    if float(x) < 0:
        raise ParameterError(field, f"must be >= 0, got {x!r}")
    return text


def _element(name: str, letter: str) -> str:
    check_name(name, field="element")
    if name[0].lower() != letter:
        raise ParameterError("element", f"{name!r} must start with '{letter.upper()}'")
    return name


def _param_list(params: Mapping[str, float]) -> str:
    return " ".join(f"{check_name(k, field='parameter')}={fmt_number(v, field=k)}"
                    for k, v in params.items())


def netlist(title: str, lines: Sequence[str]) -> str:
    """Join a title and netlist lines into netlist text ending in ``.end``."""
    if not isinstance(title, str) or not title.isprintable() or not title.isascii():
        raise ParameterError("title", "must be one printable ASCII line")
    for line in lines:
        if not isinstance(line, str) or "\n" in line or "\r" in line:
            raise ParameterError("lines", f"each entry must be one line, got {line!r}")
    return check_netlist("\n".join([title or "spincim", *lines, ".end", ""]))


def circuit(title: str, lines: Sequence[str]) -> Netlist:
    """:func:`netlist` text plus the sources and transistors its builders declared."""
    text = netlist(title, lines)
    sources, mosfets, inner = [], [], {}
    stack: list[str] = []
    for line in lines:
        element = getattr(line, "element", None)
        if isinstance(element, SubcktMark):
            if element.opening:
                stack.append(element.name)
                inner.setdefault(element.name, [])
            elif stack:
                stack.pop()
        elif isinstance(element, Mosfet):
            (inner[stack[-1]] if stack else mosfets).append(element)
        elif isinstance(element, Source) and not stack:
            sources.append(element)
    return Netlist(text=text, title=title or "spincim", sources=tuple(sources),
                   mosfets=tuple(mosfets),
                   subckt_mosfets={k: tuple(v) for k, v in inner.items()})


def subckt(name: str, ports: Sequence[str]) -> Line:
    """``.subckt NAME port ...`` (opens a subcircuit definition)."""
    text = f".subckt {check_name(name, field='subckt')} " + \
        " ".join(check_node(p, field="port") for p in ports)
    return Line.of(text, SubcktMark(name.lower(), True))


def ends(name: str) -> Line:
    """``.ends NAME`` (closes :func:`subckt`)."""
    return Line.of(f".ends {check_name(name, field='subckt')}", SubcktMark(name.lower(), False))


def include(path: str) -> str:
    """``.include "path"`` for a model card (absolute paths recommended)."""
    text = str(path)
    if not text or not text.isascii() or not text.isprintable() or '"' in text:
        raise ParameterError("path", f"{text!r} cannot be written into a netlist")
    return f'.include "{text}"'


#: integration methods ngspice knows (the only text-valued option accepted)
INTEGRATION_METHODS = ("gear", "trap")


def options(*, method: str | None = None, **params: float) -> str:
    """``.options name=value ...``: numeric values (e.g. ``gmin=1e-12``) and ``method``."""
    if method is None and not params:
        raise ParameterError("options", "give at least one option")
    parts = [_param_list(params)] if params else []
    if method is not None:
        if method not in INTEGRATION_METHODS:
            raise ParameterError("method", f"must be one of {INTEGRATION_METHODS}, got {method!r}")
        parts.append(f"method={method}")
    return f".options {' '.join(parts)}"


def temperature(t_c: float) -> str:
    """``.temp`` line; ``t_c`` in degrees Celsius (ngspice's unit)."""
    return f".temp {fmt_number(t_c, field='t_c')}"


def model(name: str, kind: str, **params: float) -> str:
    """``.model name kind(param=value ...)``, e.g. ``model("dd", "d", is_=1e-14)``.

    A trailing underscore in a keyword is dropped, so Python keywords (``is``) work.
    """
    cleaned = {k.rstrip("_"): v for k, v in params.items()}
    body = f"({_param_list(cleaned)})" if cleaned else ""
    return f".model {check_name(name, field='model')} {check_name(kind, field='kind')}{body}"


def analysis_line(command: str) -> str:
    """Netlist line for an analysis command: ``"op"`` -> ``".op"``."""
    check_command(command)
    if command.startswith("alter"):
        raise ParameterError("command", "alter is not an analysis")
    return "." + command


def resistor(name: str, n1: str, n2: str, r_ohm: float) -> str:
    """Resistor line, ``r_ohm`` > 0 in Ohm."""
    return (f"{_element(name, 'r')} {check_node(n1)} {check_node(n2)} "
            f"{_positive(r_ohm, 'r_ohm')}")


def capacitor(name: str, n1: str, n2: str, c_f: float, *, ic_v: float | None = None) -> str:
    """Capacitor line, ``c_f`` > 0 in F, optional initial voltage ``ic_v`` in V."""
    line = f"{_element(name, 'c')} {check_node(n1)} {check_node(n2)} {_positive(c_f, 'c_f')}"
    return line if ic_v is None else f"{line} ic={fmt_number(ic_v, field='ic_v')}"


def _source(text: str, name: str, kind: str, n_plus: str, n_minus: str, dc: float,
            **waveform) -> Line:
    return Line.of(text, Source(name=name.lower(), kind=kind, n_plus=n_plus.lower(),
                                n_minus=n_minus.lower(), dc=float(dc), **waveform))


def vsource_dc(name: str, n_plus: str, n_minus: str, v: float) -> Line:
    """DC voltage source line (V)."""
    text = (f"{_element(name, 'v')} {check_node(n_plus)} {check_node(n_minus)} "
            f"dc {fmt_number(v, field='v')}")
    return _source(text, name, "v", n_plus, n_minus, v)


def isource_dc(name: str, n_plus: str, n_minus: str, i_a: float) -> Line:
    """DC current source line (A, flowing from ``n_plus`` through the source to ``n_minus``)."""
    text = (f"{_element(name, 'i')} {check_node(n_plus)} {check_node(n_minus)} "
            f"dc {fmt_number(i_a, field='i_a')}")
    return _source(text, name, "i", n_plus, n_minus, i_a)


def isource_pwl(name: str, n_plus: str, n_minus: str, times_s: Sequence[float],
                values_a: Sequence[float]) -> Line:
    """Piecewise-linear current source line (A, from ``n_plus`` through it to ``n_minus``)."""
    return _pwl_source(name, "i", n_plus, n_minus, times_s, values_a)


def vsource_pulse(name: str, n_plus: str, n_minus: str, *, v1_v: float, v2_v: float,
                  delay_s: float, rise_s: float, fall_s: float, width_s: float,
                  period_s: float) -> Line:
    """Pulse voltage source line; DC value ``v1_v`` (V), times in s."""
    times = {"delay_s": delay_s, "rise_s": rise_s, "fall_s": fall_s, "width_s": width_s,
             "period_s": period_s}
    args = " ".join([fmt_number(v1_v, field="v1_v"), fmt_number(v2_v, field="v2_v"),
                     *(_non_negative(v, k) for k, v in times.items())])
    text = (f"{_element(name, 'v')} {check_node(n_plus)} {check_node(n_minus)} "
            f"dc {fmt_number(v1_v, field='v1_v')} pulse({args})")
    return _source(text, name, "v", n_plus, n_minus, v1_v,
                   pulse=tuple(float(x) for x in (v1_v, v2_v, *times.values())))


def vsource_pwl(name: str, n_plus: str, n_minus: str, times_s: Sequence[float],
                values_v: Sequence[float]) -> Line:
    """Piecewise-linear voltage source line; ``times_s`` strictly increasing (s), values in V."""
    return _pwl_source(name, "v", n_plus, n_minus, times_s, values_v)


def _pwl_source(name: str, kind: str, n_plus: str, n_minus: str, times_s: Sequence[float],
                values: Sequence[float]) -> Line:
    if len(times_s) != len(values) or len(times_s) < 1:
        raise ParameterError("times_s", "times_s and values need the same, non-zero length")
    t = [fmt_number(x, field="times_s") for x in times_s]
    if any(b <= a for a, b in zip(times_s, times_s[1:])):
        raise ParameterError("times_s", "must be strictly increasing")
    field_name = "values_v" if kind == "v" else "values_a"
    pairs = " ".join(f"{a} {fmt_number(v, field=field_name)}" for a, v in zip(t, values))
    text = (f"{_element(name, kind)} {check_node(n_plus)} {check_node(n_minus)} "
            f"dc {fmt_number(values[0])} pwl({pairs})")
    return _source(text, name, kind, n_plus, n_minus, values[0],
                   pwl=(tuple(float(x) for x in times_s), tuple(float(v) for v in values)))


def mosfet(name: str, d: str, g: str, s: str, b: str, model_name: str, *, w_m: float,
           l_m: float, **instance_params: float) -> Line:
    """MOSFET line with W and L in metres (written as plain numbers, e.g. ``l=4.5e-08``).

    Extra instance parameters (e.g. ``delvto=0.01`` in V, ``m=2``) are appended.
    """
    nodes = " ".join(check_node(n) for n in (d, g, s, b))
    line = (f"{_element(name, 'm')} {nodes} {check_name(model_name, field='model')} "
            f"w={_positive(w_m, 'w_m')} l={_positive(l_m, 'l_m')}")
    text = f"{line} {_param_list(instance_params)}" if instance_params else line
    return Line.of(text, Mosfet(name=name.lower(), drain=d, gate=g, source=s, bulk=b,
                                model=model_name, w_m=float(w_m), l_m=float(l_m),
                                params=tuple((k, float(v)) for k, v in
                                             instance_params.items())))


def _expression(template: str, values: Mapping[str, float | str]) -> str:
    if not isinstance(template, str) or _EXPR_CHARS_RE.fullmatch(template) is None:
        raise ParameterError("template", f"{template!r} has characters not allowed "
                                         f"in an expression")
    wanted = set(_PLACEHOLDER_RE.findall(template))
    if wanted != set(values):
        raise ParameterError("template", f"placeholders {sorted(wanted)} do not match "
                                         f"values {sorted(values)}")

    def substitute(match: re.Match) -> str:
        key = match.group(1)
        value = values[key]
        return check_node(value, field=key) if isinstance(value, str) \
            else fmt_number(value, field=key)

    text = _PLACEHOLDER_RE.sub(substitute, template)
    if "{" in text or "}" in text:
        raise ParameterError("template", "placeholders must look like {name}")
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        raise ParameterError("template", f"unbalanced parentheses in {template!r}")
    return text


def bsource_current(name: str, n1: str, n2: str, template: str,
                    **values: float | str) -> str:
    """Behavioural current source ``B.. n1 n2 I=expr`` (A, from n1 through it to n2).

    ``template`` holds ``{key}`` placeholders; each value is a node name (str, checked
    by :func:`check_node`) or a number (formatted by :func:`fmt_number`). The template's
    own text may use only letters, digits, spaces and ``_().,+-*/^<>=!&|?:``.
    """
    return f"{_element(name, 'b')} {check_node(n1)} {check_node(n2)} " \
           f"I={_expression(template, values)}"


def bsource_voltage(name: str, n1: str, n2: str, template: str,
                    **values: float | str) -> str:
    """Behavioural voltage source ``B.. n1 n2 V=expr`` (V); see :func:`bsource_current`."""
    return f"{_element(name, 'b')} {check_node(n1)} {check_node(n2)} " \
           f"V={_expression(template, values)}"


def bsource_table(name: str, node: str, index_node: str, values: Sequence[float], *,
                  digits: int | None = None, n_minus: str = "0") -> str:
    """Voltage source ``B.. node n_minus V=pwl(v(index_node), 0, y0, 1, y1, ...)``.

    A lookup table indexed by the voltage of ``index_node``: swept by a ``.dc`` over
    0, 1, ..., len(values) - 1 it sets ``node`` to ``values[k]`` (above ``n_minus``,
    default ground: a node-to-node ``n_minus`` makes it a per-trial offset in series)
    at step k. This is how one simulator call evaluates many Monte Carlo trials.
    """
    if len(values) < 1:
        raise ParameterError("values", "a table needs at least one value")
    pairs = ",".join(f"{k},{fmt_number(float(v), field='values', digits=digits)}"
                     for k, v in enumerate(values))
    if len(values) == 1:  # pwl needs two points
        pairs += f",1,{fmt_number(float(values[0]), field='values', digits=digits)}"
    return (f"{_element(name, 'b')} {check_node(node)} {check_node(n_minus)} "
            f"V=pwl(v({check_node(index_node)}),{pairs})")


def op() -> str:
    """Operating-point analysis command."""
    return "op"


def dc(source: str, start: float, stop: float, step: float) -> str:
    """DC sweep command of one source from ``start`` to ``stop`` by ``step`` (V or A).

    The source name is written in lower case: ngspice's ``dc`` command, unlike the
    netlist, is case-sensitive.
    """
    if float(fmt_number(step, field="step")) == 0:
        raise ParameterError("step", "must be non-zero")
    return (f"dc {check_name(source, field='source').lower()} {fmt_number(start, field='start')} "
            f"{fmt_number(stop, field='stop')} {fmt_number(step, field='step')}")


def tran(step_s: float, stop_s: float, *, start_s: float = 0.0,
         max_step_s: float | None = None, uic: bool = False) -> str:
    """Transient command: print step and stop time (s), optional start and max step (s)."""
    parts = ["tran", _positive(step_s, "step_s"), _positive(stop_s, "stop_s")]
    if start_s or max_step_s is not None:
        parts.append(fmt_number(start_s, field="start_s"))
    if max_step_s is not None:
        parts.append(_positive(max_step_s, "max_step_s"))
    if uic:
        parts.append("uic")
    return " ".join(parts)


def alter(element: str, param: str, value: float) -> str:
    """``alter element param = value`` command for a loaded circuit (SI value)."""
    return (f"alter {check_instance(element).lower()} "
            f"{check_name(param, field='param').lower()} = "
            f"{fmt_number(value, field=param)}")


def altermod(model_name: str, param: str, value: float) -> str:
    """``altermod model param = value`` command for a loaded circuit (SI value)."""
    return (f"altermod {check_instance(model_name, field='model').lower()} "
            f"{check_name(param, field='param').lower()} = {fmt_number(value, field=param)}")

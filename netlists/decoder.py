"""Predecoded row decoder with multi-line enable, as an ngspice bench at any row count.

IMCE (ASP-DAC 2018, III-B) activates one row for a memory access and two rows for computing:
two single-line decoders (addresses A and B) whose one-hot outputs are ORed per row. Here
each of them is a two-level predecoded decoder, the organization CACTI and NVSim use for
large arrays (docs/bank.md):

* the b = log2 n address bits split into a low group of ``ceil(b / 2)`` bits and a high group
  of the rest; each group is a one-hot predecoder (:func:`predecoder_subckt`: AND2 trees
  whose shared first levels are 2-to-4 decoders, the enable folded into the low group),
  p = 2^ceil(b/2) and q = 2^floor(b/2) predecode lines, each ending in a line driver sized
  for its fan-out (:func:`line_driver_mult`);
* every predecode line runs along the whole decoder column (n row pitches of
  :data:`array.PITCH_ALONG_COL_F` F, the technology's wire R and C per metre) and is tapped
  by the row gates that use it: row k = j p + i takes low line i and high line j;
* per row: NAND2 + inverter (AND) of its two lines for decoder A and for decoder B, NOR2 of
  the two, and the word-line driver inverter (Wn 8, Wp 16 x l_min), output ``w<k>``.

Two constructions of the same circuit (:func:`decoder_bench`):

``expanded``
    every row's gates instantiated, every predecode line an RC ladder of one segment per
    row pitch with each row's gate input at its own row.
``reduced``
    the same predecoders and lines; what is collapsed is exact or bounded:

    - The bench switches the address 0 -> n-1 -> 0 with decoder A enabled and B idle, so
      only four predecode lines of A switch: low lines 0 and p-1, high lines 0 and q-1
      ("active"); every other line and all of decoder B stay at a rail.
    - An active line is a ladder of :data:`REDUCED_SEGMENTS` segments; the rows that tap
      it in one segment are one set of gate instances with ``m`` = their count (identical
      devices on the same nodes: exact; ngspice multiplies the devices of a flat subckt
      instance, not through nested instances), their other input on the quiet low rail.
    - The four rows that take two active lines are instantiated alone, at their segment.
    - A quiet line keeps its full wire (one segment) and carries, as its load, NAND2
      inputs ``m`` = its tap count with the other input low (the gate load a quiet line
      really sees); the rows on quiet lines only (all inputs low, static) are one
      instance with ``m`` = their count, so their leakage is counted.
    - Decoder B idles (enable low, address 0): every row's B gates sit in the row's
      instance with their inputs on the rails B's lines hold (low lines low, high line 0
      up), so B's predecode lines carry no load (they never switch).

    What the reduction drops: glitches of quiet lines reaching row gates, and position
    along an active line within a segment. ``tests/characterize/test_line_reduction.py``
    bounds both against the expanded netlist at 64 and 128 rows.
"""

from __future__ import annotations

from ..devices.technology import Technology
from ..errors import ParameterError
from . import array as arr
from . import periphery as pn
from . import sense_amp as sa
from . import spice_text as st

__all__ = ["REDUCED_SEGMENTS", "CONSTRUCTIONS", "split_bits", "line_driver_mult", "gate_subckts",
           "predecoder_subckt", "decoder_widths_m",
           "decoder_bench", "construction_note"]

#: ladder segments of a switching predecode line in the reduced construction (our choice;
#: the test against the expanded netlist bounds its error)
REDUCED_SEGMENTS = 16
#: the two constructions of :func:`decoder_bench`
CONSTRUCTIONS = ("reduced", "expanded")
#: decoder bench: address 0 -> n-1 at T1, back to 0 at T2, stop (s); 0.8 ns per edge is
#: more than 4x the slowest decode (1024 rows)
T1_S, T2_S, STOP_S = 100e-12, 900e-12, 1.7e-9
#: word-line driver at each decoder output (x l_min), as array.decoder_pair_subckt
WN_OUT, WP_OUT = 8.0, 16.0
#: predecode line driver: Wn = 2 l_min per 4 unit-gate loads (fan-out of 4), at least 2
_FANOUT_PER_UNIT = 4.0


def split_bits(n_rows: int) -> tuple[int, int]:
    """(low, high) predecoder group widths in address bits for ``n_rows`` (a power of two >= 4)."""
    if isinstance(n_rows, bool) or not isinstance(n_rows, int) or n_rows < 4 \
            or n_rows & (n_rows - 1):
        raise ParameterError("n_rows", f"must be a power of two >= 4, got {n_rows!r}")
    b = n_rows.bit_length() - 1
    return (b + 1) // 2, b // 2


def line_driver_mult(fanout: int) -> float:
    """NMOS width (x l_min) of a predecode line driver with ``fanout`` row-gate inputs."""
    return 2.0 * max(1.0, fanout / _FANOUT_PER_UNIT)


def gate_subckts(tech: Technology, n_rows: int) -> list[str]:
    """The subcircuits of the decoder of ``n_rows``: gates (``dcinv``, ``dcnand``, ``dcnor``),
    the word-line driver ``dcwl``, the predecode line drivers ``dcdrvp``/``dcdrvq`` and the
    predecoders ``dcplo``/``dcphi``."""
    lo_bits, hi_bits = split_bits(n_rows)
    p, q = 2 ** lo_bits, 2 ** hi_bits
    wn_p, wn_q = line_driver_mult(q), line_driver_mult(p)
    lines = [*sa.nand2_subckt("dcnand", tech), *sa.inverter_subckt("dcinv", tech),
             *arr.nor2_subckt("dcnor", tech),
             *sa.inverter_subckt("dcwl", tech, wn_mult=WN_OUT, wp_mult=WP_OUT),
             *sa.inverter_subckt("dcdrvp", tech, wn_mult=wn_p, wp_mult=2 * wn_p),
             *sa.inverter_subckt("dcdrvq", tech, wn_mult=wn_q, wp_mult=2 * wn_q),
             *predecoder_subckt("dcplo", lo_bits, enable=True, driver="dcdrvp"),
             *predecoder_subckt("dcphi", hi_bits, enable=False, driver="dcdrvq")]
    return lines


def predecoder_subckt(name: str, bits: int, *, enable: bool, driver: str) -> list[str]:
    """One-hot predecoder ``.subckt NAME a0 .. a<bits-1> [en] y0 .. y<2^bits - 1> vdd``.

    ``y<k>`` is high iff the address equals k (and ``en`` is high, with ``enable``). Each
    output is a balanced AND2 tree (``dcnand`` + ``dcinv``) over its literals (and ``en``),
    the last inverter the line driver ``driver``; an AND2 of the same two inputs is built
    once and shared by every output that needs it (so the first levels are 2-to-4
    decoders, as in CACTI's predecode blocks).
    """
    st.check_name(name)
    ports = [*(f"a{b}" for b in range(bits)), *(["en"] if enable else []),
             *(f"y{k}" for k in range(2 ** bits)), "vdd"]
    lines = [st.subckt(name, ports)]
    lines += [pn.instance(f"Xl{b}", (f"a{b}", f"an{b}", "vdd"), "dcinv") for b in range(bits)]
    shared: dict[tuple[str, str], str] = {}
    for k in range(2 ** bits):
        level = [f"a{b}" if (k >> b) & 1 else f"an{b}" for b in range(bits)]
        level += ["en"] if enable else []
        while len(level) > 2:
            nxt = []
            for j in range(0, len(level) - 1, 2):
                pair = (level[j], level[j + 1])
                if pair not in shared:
                    g = len(shared)
                    shared[pair] = f"s{g}"
                    lines += [pn.instance(f"Xn{g}", (*pair, f"sn{g}", "vdd"), "dcnand"),
                              pn.instance(f"Xv{g}", (f"sn{g}", f"s{g}", "vdd"), "dcinv")]
                nxt.append(shared[pair])
            if len(level) % 2:
                nxt.append(level[-1])
            level = nxt
        if len(level) == 1:     # one bit, no enable: the literal through the driver
            lines.append(pn.instance(f"Xy{k}", (level[0], f"yn{k}", "vdd"), "dcinv"))
            lines.append(pn.instance(f"Xd{k}", (f"yn{k}", f"y{k}", "vdd"), driver))
            continue
        lines += [pn.instance(f"Xy{k}", (*level, f"yn{k}", "vdd"), "dcnand"),
                  pn.instance(f"Xd{k}", (f"yn{k}", f"y{k}", "vdd"), driver)]
    lines.append(st.ends(name))
    return lines


def _row(tag: str, pa: str, qa: str, pb: str, qb: str, w: str, m: int = 1) -> list[str]:
    """One row's gates (``m`` identical rows on the same nodes): AND of its A lines, AND of
    its B lines, NOR2 of the two, the word-line driver; internal nodes suffixed ``tag``."""
    x = lambda name, nodes, sub: pn.instance(f"X{name}{tag}", (*nodes, "vdd"), sub, m=m)
    return [x("na", (pa, qa, f"na{tag}"), "dcnand"), x("ia", (f"na{tag}", f"ya{tag}"), "dcinv"),
            x("nb", (pb, qb, f"nb{tag}"), "dcnand"), x("ib", (f"nb{tag}", f"yb{tag}"), "dcinv"),
            x("o", (f"ya{tag}", f"yb{tag}", f"wn{tag}"), "dcnor"),
            x("d", (f"wn{tag}", w), "dcwl")]


def _predecoders(tag: str, addr: list[str], en: str, p: int, q: int) -> list[str]:
    lo = len(addr) - (q.bit_length() - 1)
    return [pn.instance(f"Xp{tag}lo", [*addr[:lo], en, *(f"{tag}p{i}" for i in range(p)),
                                       "vdd"], "dcplo"),
            pn.instance(f"Xp{tag}hi", [*addr[lo:], *(f"{tag}q{j}" for j in range(q)), "vdd"],
                        "dcphi")]


def _ladder(tech: Technology, prefix: str, first: str, n_rows: int, segments: int) -> list[str]:
    """Wire of ``n_rows`` row pitches from ``first`` to node ``{prefix}_{segments - 1}``."""
    r_p = arr.PITCH_ALONG_COL_F * tech.node_m * tech.wire_r_ohm_per_m
    c_p = arr.PITCH_ALONG_COL_F * tech.node_m * tech.wire_c_f_per_m
    out, prev = [], first
    for s in range(segments):
        rows = (s + 1) * n_rows // segments - s * n_rows // segments
        node = f"{prefix}_{s}"
        out += [st.resistor(f"R{prefix}_{s}", prev, node, rows * r_p),
                st.capacitor(f"C{prefix}_{s}", node, "0", rows * c_p)]
        prev = node
    return out


def _segment(k: int, n_rows: int, segments: int) -> int:
    return k * segments // n_rows


def _expanded_rows(tech: Technology, n: int, p: int, q: int) -> list[str]:
    lines = []
    for tag in ("a", "b"):
        lines += [*(x for i in range(p) for x in _ladder(tech, f"{tag}p{i}l", f"{tag}p{i}", n, n)),
                  *(x for j in range(q) for x in _ladder(tech, f"{tag}q{j}l", f"{tag}q{j}", n, n))]
    for k in range(n):
        i, j = k % p, k // p
        lines += _row(f"r{k}", f"ap{i}l_{k}", f"aq{j}l_{k}", f"bp{i}l_{k}", f"bq{j}l_{k}",
                      f"w{k}")
    return lines


def _reduced_rows(tech: Technology, n: int, p: int, q: int) -> list[str]:
    seg = min(REDUCED_SEGMENTS, n)
    act_p, act_q = (0, p - 1), (0, q - 1)
    lines = []
    for group, count, taps, active in (("p", p, q, act_p), ("q", q, p, act_q)):
        for i in range(count):
            line = f"a{group}{i}"
            if i in active:     # switching: a ladder, its taps come with the rows below
                lines += _ladder(tech, f"{line}l", line, n, seg)
            else:               # quiet: its wire and the gate load of all its taps
                lines += [*_ladder(tech, f"{line}l", line, n, 1),
                          pn.instance(f"Xq{group}{i}", (f"{line}l_0", "0", f"q{group}y{i}", "vdd"),
                                      "dcnand", m=taps)]
    groups: dict[tuple[str, str, str], int] = {}
    for k in range(n):
        i, j = k % p, k // p
        s = _segment(k, n, seg)
        qb = "vdd" if j == 0 else "0"   # decoder B idles at address 0: its high line 0 is up
        if i in act_p and j in act_q:     # the four rows on two switching lines: alone
            lines += _row(f"r{k}", f"ap{i}l_{s}", f"aq{j}l_{s}", "0", qb, f"w{k}")
            continue
        key = (f"ap{i}l_{s}" if i in act_p else "0", f"aq{j}l_{s}" if j in act_q else "0", qb)
        groups[key] = groups.get(key, 0) + 1
    for g, ((pa, qa, qb), m) in enumerate(sorted(groups.items())):
        lines += _row(f"g{g}", pa, qa, "0", qb, f"wg{g}", m)
    return lines


def decoder_bench(tech: Technology, n_rows: int, vdd_v: float, temp_k: float = 300.0, *,
                  construction: str = "reduced", slew_s: float = pn.SLEW_S) -> st.Netlist:
    """The predecoded decoder pair of ``n_rows`` (a power of two >= 4) switching its address.

    Address sources ``Va0`` .. ``Va{b-1}`` go 0 -> n-1 at :data:`T1_S` and
    back to 0 at :data:`T2_S` (every bit flips, ``slew_s`` ramps); decoder A
    enabled, decoder B's address and enable on ``Vz`` (0 V). Outputs ``w0`` and
    ``w{n-1}`` exist in both constructions (see the module docstring); word lines
    unloaded (the word-line op prices its own driver).
    """
    if construction not in CONSTRUCTIONS:
        raise ParameterError("construction", f"choose from {CONSTRUCTIONS}, got {construction!r}")
    lo_bits, hi_bits = split_bits(n_rows)
    p, q, bits = 2 ** lo_bits, 2 ** hi_bits, lo_bits + hi_bits
    addr = [f"a{b}" for b in range(bits)]
    lines = [st.include(str(tech.card_path)), st.temperature(temp_k - 273.15),
             st.vsource_dc("Vdd", "vdd", "0", vdd_v), st.vsource_dc("Vz", "zero", "0", 0.0),
             *gate_subckts(tech, n_rows),
             *_predecoders("a", addr, "vdd", p, q), *_predecoders("b", ["zero"] * bits, "zero", p, q)]
    if construction == "expanded":
        lines += _expanded_rows(tech, n_rows, p, q)
    else:
        lines += _reduced_rows(tech, n_rows, p, q)
    for b in range(bits):   # address 0 -> n-1 at T1 -> 0 at T2: every bit flips
        lines.append(pn.pwl_bits(f"Va{b}", f"a{b}", [0, 1, 0], T1_S, T2_S - T1_S, vdd_v,
                                 slew_s=slew_s))
    return st.circuit(f"spincim {construction} predecoded decoder {n_rows} rows",
                      [*lines, st.analysis_line(pn.transient(STOP_S))])


def decoder_widths_m(tech: Technology, n_rows: int) -> tuple[float, float]:
    """(sum of NMOS widths, sum of PMOS widths) of the decoder pair of ``n_rows`` (m):
    both decoders' predecoders and every row's gates (the expanded circuit, counted, not
    simulated)."""
    lines = gate_subckts(tech, n_rows)
    gates = st.circuit("widths", lines).subckt_mosfets

    def width(sub):
        mos = gates.get(sub, ())
        return (sum(m.w_m for m in mos if m.model == tech.nmos_model),
                sum(m.w_m for m in mos if m.model == tech.pmos_model))

    count: dict[str, int] = {}
    inside = None
    for line in lines:
        element = getattr(line, "element", None)
        if isinstance(element, st.SubcktMark):
            inside = element.name if element.opening else None
        elif inside in ("dcplo", "dcphi") and str(line)[:1].upper() == "X":
            sub = str(line).split()[-1].lower()
            count[sub] = count.get(sub, 0) + 2          # decoders A and B
    for sub, per_row in (("dcnand", 2), ("dcinv", 2), ("dcnor", 1), ("dcwl", 1)):
        count[sub] = count.get(sub, 0) + per_row * n_rows
    n_m = sum(k * width(sub)[0] for sub, k in count.items())
    p_m = sum(k * width(sub)[1] for sub, k in count.items())
    return n_m, p_m


def construction_note(n_rows_max: int) -> str:
    """One sentence for the LUT description of how the decoder was simulated."""
    return (f"predecoded (two groups of ceil/floor(b/2) bits, AND2-tree predecoders with "
            f"fan-out-sized line drivers, predecode lines as RC wires along the column), "
            f"simulated at every size up to {n_rows_max} rows: switching lines as "
            f"{REDUCED_SEGMENTS}-segment ladders with the row gates of each segment as one "
            f"instance (m = count), quiet lines with their full gate load, static rows as "
            f"one instance (leakage kept)")

"""DOT for a circuit diagram, and SVG through graphviz's ``dot``.

The drawing follows Abbott's grammar as far as graphviz allows: columns left to right
(``rankdir=LR``); every wire is its own edge from port to port, and each box is an HTML table
with one port row per axis, labelled ``name=size`` where the wire starts; wires that a box does
not touch run beside it (a thin line, not through the box); learned maps are shaded boxes with
a bold **L** and their name; softmax is a triangle on the axis it normalises; copy is a dot;
members of a tuple are separated by dashed lines; module calls are clusters (×N when rolled).
Nodes and edges carry ``class`` attributes, which graphviz copies into the SVG.
"""

from __future__ import annotations

import html
import re
import shutil
from collections import defaultdict
from math import prod
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # ir imports render (Diagram.to_dot, the notebook display); render needs ir for types only
    from paperlab.diagrams.ir import Axis, Diagram, Node, Scope

INSTALL_HINT = (
    "graphviz's `dot` program is needed to draw SVG (the DOT text is still available via .to_dot()). "
    "Install it with one of: `sudo apt-get install graphviz` (Debian/Ubuntu), "
    "`conda install -c conda-forge graphviz` (conda), `brew install graphviz` (macOS); "
    "the Python side is `pip install graphviz`."
)

_FILL = {
    "linear": "#cfe0f5",
    "block": "#e8eef7",
    "generic": "#fde2e2",
    "reindex": "#f2f2f2",
    "add": "#ffffff",
    "contraction": "#fff4d6",
    "reduce": "#fff4d6",
    "elementwise": "#ffffff",
    "softmax": "#ffffff",
}
_LEARNED_FILL = "#cfe0f5"


class DotMissing(RuntimeError):
    """graphviz's ``dot`` binary (or the ``graphviz`` Python package) is not installed."""


INSTALL_LINE = (
    "graphviz's `dot` is not installed, so this diagram was not drawn here; install it with "
    "`sudo apt-get install graphviz`, `conda install -c conda-forge graphviz` or `brew install graphviz`."
)
"""The one line a notebook shows under a committed diagram when it cannot draw one itself."""


def committed_svg(dot: str, folder: Path | None = None) -> Path | None:
    """The committed picture of exactly this DOT text: ``diagrams/<stem>.svg`` beside a ``<stem>.dot``
    that is byte-identical to ``dot`` (``paperlab diagrams`` writes both), or None.

    Without graphviz, a notebook can still show the committed drawing of a paper's diagram: the DOT
    text is pure Python, so comparing it with the committed ``.dot`` proves the picture is this one.
    """
    if folder is None:
        from paperlab.catalog import ROOT

        folder = ROOT / "diagrams"
    try:
        candidates = sorted(Path(folder).glob("*.dot"))
    except OSError:
        return None
    for path in candidates:
        svg = path.with_suffix(".svg")
        try:
            if svg.is_file() and path.read_text(encoding="utf-8") == dot:
                return svg
        except (OSError, UnicodeDecodeError):
            continue
    return None


def committed_bundle(dot: str, folder: Path | None = None) -> dict[str, str] | None:
    """A display bundle of the committed picture of ``dot`` (:func:`committed_svg`) with a one-line
    note on installing graphviz under it, or None when no committed picture matches.

    ``text/html`` is an ``<img>`` of the SVG (JupyterLab shows it trusted or not: its sanitizer keeps
    ``data:`` images) with the note as a caption; ``image/svg+xml`` is the picture itself.
    """
    import base64

    path = committed_svg(dot, folder)
    if path is None:
        return None
    try:
        svg = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    try:
        width = f"max-width: {svg_size(svg)[0]:g}pt; "
    except ValueError:
        width = ""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    note = f"Saved picture ({path.parent.name}/{path.name}): {INSTALL_LINE}"
    figure = (
        '<figure class="paperlab-diagram-saved" style="margin: 0">'
        f'<img src="data:image/svg+xml;base64,{data}" alt="circuit diagram ({_e(path.stem)})" '
        f'style="{width}width: 100%; height: auto">'
        f'<figcaption style="font-size: 0.85em; color: #555">{_e(note)}</figcaption></figure>'
    )
    return {"text/html": figure, "image/svg+xml": svg, "text/plain": note}


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _small(text: str, size: int = 8, color: str = "#333333") -> str:
    return f'<FONT POINT-SIZE="{size}" COLOR="{color}">{_e(text)}</FONT>'


def _port(kind: str, slot: int, ax: Axis | None) -> str:
    return f"{kind}{slot}a{ax.id}" if ax is not None else f"{kind}{slot}s"


def _flops_text(f: int) -> str:
    for unit, scale in (("GFLOP", 1e9), ("MFLOP", 1e6), ("kFLOP", 1e3)):
        if f >= scale:
            return f"{f / scale:.3g} {unit}"
    return f"{f} FLOP"


def _center(n: Node, cost: bool = False, framed: int = 1) -> str:
    own = n.repeat // max(framed, 1)  # a block inside a "×N" frame shows only the repeats the frame does not
    rep = f" ×{own}" if own > 1 and n.kind == "block" else ""
    note = n.meta.get("note")
    extra = f"<BR/>{_small(note, 7)}" if note else ""
    if cost and n.flops:
        extra += "<BR/>" + _small(_flops_text(n.flops * n.repeat), 7, "#aa3333")
    if n.kind == "linear":
        return f"<B>L</B><SUP>{_e(n.label)}</SUP>{extra}"
    if n.kind == "softmax":
        ax = n.meta.get("axis")
        under = _small(f"softmax {ax.display}" if hasattr(ax, "display") else n.label, 7)
        return f'<FONT POINT-SIZE="16">▷</FONT><BR/>{under}'
    if n.kind == "copy":
        return '<FONT POINT-SIZE="12">●</FONT>'
    if n.kind == "block":
        path = n.meta.get("path", "")
        sub = f"<BR/>{_small(path, 7)}" if path else ""
        return f"<B>{_e(n.label)}{rep}</B>{sub}{extra}"
    if n.kind == "generic":
        return f"{_e(n.label)} ?"
    if n.kind == "reindex":  # "windows 3×3, stride 2×2, pad 1×1": one line per part keeps the box narrow
        return "<BR/>".join(_e(part) for part in n.label.split(", ")) + extra
    return f"{_e(n.label)}{extra}"


def _cell(port: str | None, text: str = "", align: str = "LEFT") -> str:
    p = f' PORT="{port}"' if port else ""
    body = _small(text) if text else ""
    return f'<TD{p} ALIGN="{align}" HEIGHT="14">{body}</TD>'


_SEP = '<TD HEIGHT="3" SIDES="B" BORDER="1" STYLE="dashed" COLOR="#888888"></TD>'


def _column(
    n: Node, side: str, skip: set[tuple[int, int]], labelled: bool, started: set[int] = frozenset()
) -> list[str]:
    tensors = n.inputs if side == "i" else n.outputs
    cells: list[str] = []
    for slot, t in enumerate(tensors):
        rows = [a for a in t.axes if (slot, a.id) not in skip]
        if slot and cells and rows:
            cells.append(_SEP)
        for ax in rows:
            cells.append(_cell(_port(side, slot, ax), ax.label if labelled and ax.id not in started else ""))
        if not t.axes:  # a scalar still gets a port so that its edge has an end
            cells.append(_cell(_port(side, slot, None), "scalar" if labelled else ""))
    return cells


def _table(n: Node, cost: bool = False, framed: int = 1) -> str:
    head = '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
    if n.kind in ("input", "output"):
        side = "o" if n.kind == "input" else "i"
        tensors = n.outputs if n.kind == "input" else n.inputs
        names = n.meta.get("names") or (
            ["out"] if len(tensors) == 1 else [f"out{k}" for k in range(len(tensors))]
        )
        rows = []
        for slot, t in enumerate(tensors):
            if slot:
                rows.append(f"<TR>{_SEP}{_SEP}</TR>")
            axes = t.axes or [None]
            for r, ax in enumerate(axes):
                port = _cell(_port(side, slot, ax), ax.label if ax else "scalar")
                name = (
                    (
                        f'<TD ROWSPAN="{len(axes)}" BGCOLOR="#eeeeee"><B>{_e(names[slot] if slot < len(names) else "")}'
                        f"</B></TD>"
                    )
                    if r == 0
                    else ""
                )
                rows.append(f"<TR>{name}{port}</TR>" if n.kind == "input" else f"<TR>{port}{name}</TR>")
        return head + "".join(rows) + "</TABLE>"
    beside_ids = {a.id for a in n.beside}
    first_in = n.inputs[0].axes if n.inputs else ()
    box_at = next((k for k, a in enumerate(first_in) if a.id not in beside_ids), len(first_in))
    before = {a.id for a in first_in[:box_at]}
    beside_rows, after_rows = [], []
    skip_in: set[tuple[int, int]] = set()
    skip_out: set[tuple[int, int]] = set()
    for ax in n.beside:
        i_slot = next((k for k, t in enumerate(n.inputs) if any(a is ax for a in t.axes)), None)
        o_slot = next((k for k, t in enumerate(n.outputs) if any(a is ax for a in t.axes)), None)
        if i_slot is None or o_slot is None:
            continue
        skip_in.add((i_slot, ax.id))
        skip_out.add((o_slot, ax.id))
        (beside_rows if ax.id in before else after_rows).append(
            f"<TR>{_cell(_port('i', i_slot, ax))}<TD>{_small('───', 8, '#999999')}</TD>"
            f"{_cell(_port('o', o_slot, ax))}</TR>"
        )
    left = _column(n, "i", skip_in, labelled=False)
    # a wire is labelled where it starts (Abbott): an output axis the box passes through unchanged stays unlabelled
    started = {a.id for t in n.inputs for a in t.axes}
    right = _column(n, "o", skip_out, labelled=n.kind != "copy", started=started)
    rows_n = max(len(left), len(right), 1)
    left += ["<TD></TD>"] * (rows_n - len(left))
    right += ["<TD></TD>"] * (rows_n - len(right))
    fill = _LEARNED_FILL if n.learned else _FILL.get(n.kind, "#ffffff")
    border = "0" if n.kind in ("softmax", "copy") else "2" if n.kind == "block" else "1"
    style = ' STYLE="rounded"' if n.kind in ("elementwise", "add", "block") else ""
    bg = "" if n.kind in ("softmax", "copy") else f' BGCOLOR="{fill}"'
    center = (
        f'<TD ROWSPAN="{rows_n}" BORDER="{border}"{style}{bg} CELLPADDING="4">{_center(n, cost, framed)}</TD>'
    )
    box_rows = [f"<TR>{left[0]}{center}{right[0]}</TR>"] + [
        f"<TR>{a}{b}</TR>" for a, b in zip(left[1:], right[1:], strict=True)
    ]
    return head + "".join(beside_rows + box_rows + after_rows) + "</TABLE>"


_PORTLESS = ("copy", "softmax")  # drawn shapes that the wires meet, not tables with a port per axis


def _node_line(n: Node, cost: bool = False, framed: int = 1) -> str:
    cls = f"op-{n.kind}" + (" learned" if n.learned else "")
    tip = f"{n.kind}: {n.label}" + (f" ({n.flops * n.repeat:,} FLOPs)" if n.flops else "")
    if n.kind == "copy":  # Abbott's copy: a dot on the wire it forks
        return f'n{n.id} [class="{cls}" tooltip="{_e(tip)}" shape=point width=0.09 color="#333333" label=""];'
    if n.kind == "softmax":  # Abbott's softmax: a drawn triangle on the wires (no glyph: fonts may lack ▷)
        ax = n.meta.get("axis")
        under = f"softmax {ax.display}" if hasattr(ax, "display") else n.label
        fill = _LEARNED_FILL if n.learned else "#ffffff"
        return (
            f'n{n.id} [class="{cls}" tooltip="{_e(tip)}" shape=triangle orientation=270 width=0.32 height=0.36'
            f' fixedsize=true style=filled fillcolor="{fill}" color="#333333" label="" xlabel=<{_small(under, 7)}>];'
        )
    return f'n{n.id} [class="{cls}" tooltip="{_e(tip)}" label=<{_table(n, cost, framed)}>];'


def to_dot(d: Diagram, cost: bool = False) -> str:
    """The DOT text of a diagram (deterministic: ids come from the trace order); ``cost`` prints FLOPs per box."""
    lines = [
        "digraph circuit {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.12, ranksep=0.2, newrank=true,'
        f' labelloc=t, label=<<B>{_e(d.title)}</B>>, class="circuit"];',
        '  node [shape=plaintext, fontname="Helvetica", fontsize=10, margin=0];',
        '  edge [arrowhead=none, color="#555555", penwidth=1.0];',
    ]
    tree: dict[tuple[Scope, ...], list[Node]] = defaultdict(list)
    children: dict[tuple[Scope, ...], list[tuple[Scope, ...]]] = defaultdict(list)
    for n in d.nodes:
        tree[n.scope].append(n)
        for k in range(1, len(n.scope) + 1):
            parent, me = n.scope[: k - 1], n.scope[:k]
            if me not in children[parent]:
                children[parent].append(me)
    counter = [0]

    def emit(scope: tuple[Scope, ...], indent: str) -> None:
        framed = prod(d.repeats.get(sc, 1) for sc in scope)
        for n in tree.get(scope, []):
            lines.append(indent + _node_line(n, cost, framed))
        for child in children.get(scope, []):
            own = child[-1]
            if not children.get(child) and len(tree.get(child, [])) == 1 and d.repeats.get(own, 1) == 1:
                lines.append(
                    indent + _node_line(tree[child][0], cost, prod(d.repeats.get(sc, 1) for sc in child))
                )  # a leaf module (Linear, ReLU): no fence
                continue
            counter[0] += 1
            rep = d.repeats.get(own, 1)
            title = _e(own.title) + (f" <B>×{rep}</B>" if rep > 1 else "")
            lines.append(f"{indent}subgraph cluster_{counter[0]} {{")
            lines.append(
                f'{indent}  graph [label=<{title}>, class="module", style="rounded,dashed", color="#7a8aa6",'
                " fontsize=9, labeljust=l];"
            )
            emit(child, indent + "  ")
            lines.append(indent + "}")

    emit((), "  ")
    for e in d.edges():
        src = (
            f"n{e.src.id}:e" if e.src.kind in _PORTLESS else f"n{e.src.id}:{_port('o', e.src_slot, e.axis)}:e"
        )
        dst = (
            f"n{e.dst.id}:w" if e.dst.kind in _PORTLESS else f"n{e.dst.id}:{_port('i', e.dst_slot, e.axis)}:w"
        )
        tip = e.axis.label if e.axis is not None else "scalar"
        lines.append(f'  {src} -> {dst} [class="wire" tooltip="{_e(tip)}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _pipe(dot: str, fmt: str) -> bytes:
    """Run graphviz on DOT text, output format ``fmt`` (``DotMissing`` says how to install it).

    Without a ``dot`` binary, a ``graphviz-pure`` executable on the PATH (PyPI's Rust port) is
    tried as a fallback.
    """
    try:
        import graphviz
        from graphviz.backend import dot_command
    except ImportError as exc:  # pragma: no cover - graphviz is a dependency
        raise DotMissing(INSTALL_HINT) from exc
    try:
        return graphviz.Source(dot).pipe(format=fmt)
    except graphviz.ExecutableNotFound as exc:
        alt = shutil.which("graphviz-pure")
        if alt is None:
            raise DotMissing(INSTALL_HINT) from exc
        before = dot_command.DOT_BINARY
        dot_command.DOT_BINARY = Path(alt)
        try:
            return graphviz.Source(dot).pipe(format=fmt)
        except (graphviz.ExecutableNotFound, graphviz.CalledProcessError) as exc2:
            raise DotMissing(INSTALL_HINT) from exc2
        finally:
            dot_command.DOT_BINARY = before


_SVG_SIZE = re.compile(r'<svg width="([0-9.]+)pt" height="([0-9.]+)pt"')


def fit_width(svg: str) -> str:
    """Make an SVG scale to its container: ``width="100%"``, capped at its natural width.

    graphviz writes ``<svg width="Wpt" height="Hpt" viewBox=...>``, which a notebook shows at W pt
    (sideways scrolling when the diagram is wide). The fixed size is replaced by ``width="100%"``
    and ``style="max-width: Wpt"``; the ``viewBox`` keeps the aspect ratio, so the height follows.
    """
    return _SVG_SIZE.sub(
        lambda m: f'<svg width="100%" style="max-width: {m.group(1)}pt; height: auto"', svg, count=1
    )


def svg_size(svg: str) -> tuple[float, float]:
    """A graphviz SVG's natural (width, height) in pt, read from its ``viewBox``."""
    m = re.search(r'viewBox="([-0-9.]+) ([-0-9.]+) ([0-9.]+) ([0-9.]+)"', svg)
    if m is None:
        raise ValueError("the SVG has no viewBox")
    return float(m.group(3)), float(m.group(4))


def to_svg(dot: str) -> str:
    """Render DOT text to SVG with graphviz, scaled to its container's width (:func:`fit_width`).

    ``DotMissing`` says how to install graphviz; a ``graphviz-pure`` executable is the fallback.
    """
    svg = _pipe(dot, "svg").decode("utf-8")
    return fit_width(re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S))


PNG_DPI = 96  # graphviz's default for PNG
PNG_MAX_PX = 3000  # wider diagrams are drawn at a lower dpi, to keep committed notebooks small


def to_png(dot: str, width_pt: float | None = None) -> bytes:
    """Render DOT text to PNG with graphviz (the picture untrusted notebooks and GitHub show).

    At 96 dpi, or less where that would be wider than ``PNG_MAX_PX`` pixels (``width_pt``, the
    natural width, is measured from the SVG when not given).
    """
    if width_pt is None:
        width_pt, _ = svg_size(_pipe(dot, "svg").decode("utf-8"))
    dpi = min(
        PNG_DPI, int(PNG_MAX_PX * 72 / max(width_pt, 1.0) * 10) / 10
    )  # rounded down: never over the cap
    if dpi < PNG_DPI:
        dot = re.sub(r"^(digraph \w+ \{\n)", rf"\1  graph [dpi={dpi:.1f}];\n", dot, count=1)
    return _pipe(dot, "png")

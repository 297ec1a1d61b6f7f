"""The intermediate representation of a neural circuit diagram (Abbott, TMLR 2024, §2-3).

Wires are axes (:class:`Axis`: a name and a size, tracked by identity), tensors are ordered
tuples of wires, and operations are :class:`Node` boxes of one ``kind``:

``input``/``output`` (the diagram's ends), ``linear`` (learned map, bold L), ``contraction``
(einsum/matmul), ``softmax`` (triangle on one axis), ``elementwise`` (on all its wires),
``reduce`` (sum/mean/pool: wires end), ``reindex`` (reshape splits/merges, conv windows,
cat, index), ``copy`` (a dot where wires fork), ``add`` (a "+" joining matching wires),
``block`` (a module drawn as one box, maybe rolled ×N) and ``generic`` (an op without a rule).

A :class:`Diagram` holds the nodes in execution order and the module scopes (clusters). It
knows its cost (FLOPs per box: 2·∏ of the distinct axis sizes it touches, Abbott §4) and its
memory per column (numbers alive between operations); ``to_dot`` draws it.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from math import prod
from typing import Any

KINDS = (
    "input",
    "output",
    "linear",
    "contraction",
    "softmax",
    "elementwise",
    "reduce",
    "reindex",
    "copy",
    "add",
    "block",
    "generic",
)
MATMUL_KINDS = ("linear", "contraction")  # the boxes torch's FlopCounterMode counts (mm, bmm, conv, sdpa)


@dataclass(eq=False)
class Axis:
    """One wire: ``name=size``. ``fixed`` names (given by the user or an einsum equation) are never renamed."""

    id: int
    name: str
    size: int
    fixed: bool = False
    parts: tuple[Axis, ...] = ()

    @property
    def display(self) -> str:
        """The name; a merged wire without a name of its own shows its parts, ``(h k)``."""
        if self.parts and not self.fixed:
            return "(" + " ".join(p.display for p in self.parts) + ")"
        return self.name

    @property
    def label(self) -> str:
        return f"{self.display}={self.size}"

    def __repr__(self) -> str:
        return self.label


@dataclass(eq=False)
class Tensor:
    """A value on the diagram: its wires in order. An alias (a permutation, a dtype change) shares its root."""

    id: int
    axes: tuple[Axis, ...]
    dtype: str = "float32"
    root: Tensor | None = None

    @property
    def origin(self) -> Tensor:
        return self if self.root is None else self.root

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(a.size for a in self.axes)

    @property
    def numel(self) -> int:
        return prod(self.shape)

    def __repr__(self) -> str:
        return "[" + " ".join(a.label for a in self.axes) + "]"


@dataclass(frozen=True)
class Scope:
    """One call of a module: its dotted path, class name and a unique call number."""

    path: str
    cls: str
    call: int

    @property
    def title(self) -> str:
        return f"{self.path}: {self.cls}" if self.path else self.cls


@dataclass(eq=False)
class Node:
    """One box. ``beside`` lists the axes that run past it (broadcast), ``flops`` its cost per call."""

    id: int
    kind: str
    label: str
    inputs: list[Tensor]
    outputs: list[Tensor]
    scope: tuple[Scope, ...] = ()
    learned: bool = False
    flops: int = 0
    repeat: int = 1
    beside: tuple[Axis, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        ins = ", ".join(map(repr, self.inputs))
        outs = ", ".join(map(repr, self.outputs))
        rep = f" x{self.repeat}" if self.repeat > 1 else ""
        return f"<{self.kind} {self.label!r}{rep}: {ins} -> {outs}>"


def box_flops(axes: Iterable[Axis]) -> int:
    """Abbott's cost of a box: 2·∏ of the sizes of the distinct axes it touches."""
    return 2 * prod({id(a): a.size for a in axes}.values())


@dataclass(frozen=True)
class Edge:
    """One wire drawn from an output port of ``src`` to an input port of ``dst``."""

    src: Node
    src_slot: int
    dst: Node
    dst_slot: int
    axis: Axis | None  # None: a scalar value, drawn as one wire


@dataclass
class Diagram:
    """A traced or hand-built circuit diagram; see the module docstring for the node kinds."""

    nodes: list[Node]
    title: str = ""
    warnings: list[str] = field(default_factory=list)
    repeats: dict[Scope, int] = field(default_factory=dict)

    # --- structure -------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """How many nodes of each kind the diagram draws (the SVG has exactly this many node groups)."""
        return dict(sorted(Counter(n.kind for n in self.nodes).items()))

    def edges(self) -> list[Edge]:
        """Every wire, port to port (the SVG has exactly this many edge groups)."""
        producer: dict[int, tuple[Node, int]] = {}
        for node in self.nodes:
            for slot, t in enumerate(node.outputs):
                producer.setdefault(t.origin.id, (node, slot))
        out = []
        for node in self.nodes:
            for slot, t in enumerate(node.inputs):
                src = producer.get(t.origin.id)
                if src is None:
                    continue
                for axis in t.axes or (None,):
                    out.append(Edge(src[0], src[1], node, slot, axis))
        return out

    def find(self, kind: str) -> list[Node]:
        """The nodes of one kind, in execution order."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
        return [n for n in self.nodes if n.kind == kind]

    # --- cost ------------------------------------------------------------------------------
    def flops(self, kinds: Iterable[str] | None = None) -> int:
        """Total FLOPs over boxes (times their ×N repeats); ``kinds`` restricts to some node kinds.

        ``flops(MATMUL_KINDS)`` is what ``torch.utils.flop_counter.FlopCounterMode`` counts.
        """
        wanted = set(KINDS if kinds is None else kinds)
        bad = wanted - set(KINDS)
        if bad:
            raise ValueError(f"kinds must be among {', '.join(KINDS)}; got {sorted(bad)}")
        total = 0
        for n in self.nodes:
            if n.kind in wanted:
                total += n.flops * n.repeat
            elif n.kind == "block" and "inner_flops" in n.meta:
                total += sum(v for k, v in n.meta["inner_flops"].items() if k in wanted) * n.repeat
        return total

    def memory(self) -> list[tuple[str, int]]:
        """Numbers held in memory in each column: after each box, Σ over live tensors of ∏ sizes."""
        same: dict[int, int] = {}  # a copy's branches are the value it copies
        for node in self.nodes:
            if node.kind == "copy":
                for t in node.outputs:
                    same[t.id] = node.inputs[0].origin.id
        last_use: dict[int, int] = {}
        for i, node in enumerate(self.nodes):
            for t in node.inputs:
                key = same.get(t.origin.id, t.origin.id)
                last_use[key] = max(last_use.get(key, -1), i)
        out = self.nodes[-1].inputs if self.nodes and self.nodes[-1].kind == "output" else []
        for t in out:
            last_use[same.get(t.origin.id, t.origin.id)] = len(self.nodes)
        live: dict[int, int] = {}
        columns = []
        for i, node in enumerate(self.nodes):
            for t in node.outputs:
                if node.kind != "copy" and last_use.get(t.origin.id, -1) > i:
                    live[t.origin.id] = t.numel
            for key in [k for k in live if last_use[k] <= i]:
                del live[key]
            if node.kind not in ("output", "copy"):
                columns.append((node.label, sum(live.values())))
        return columns

    def peak_memory(self) -> int:
        """The largest column of :meth:`memory`."""
        return max((m for _, m in self.memory()), default=0)

    # --- drawing ---------------------------------------------------------------------------
    def to_dot(self, cost: bool = False) -> str:
        """The DOT source (pure Python, deterministic: the same model gives byte-identical text).

        ``cost=True`` prints each box's FLOPs under its label.
        """
        from paperlab.diagrams.render import to_dot

        return to_dot(self, cost=cost)

    def to_svg(self, cost: bool = False) -> str:
        """The SVG drawn by graphviz's ``dot`` (a clear error says how to install it when missing)."""
        from paperlab.diagrams.render import to_svg

        return to_svg(self.to_dot(cost=cost))

    def to_png(self, cost: bool = False) -> bytes:
        """The PNG drawn by graphviz's ``dot`` (what untrusted notebooks, static HTML and GitHub show)."""
        from paperlab.diagrams.render import to_png

        return to_png(self.to_dot(cost=cost))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        # never crash a notebook over drawing; a missing `dot` says how to install it.
        # SVG for trusted notebooks, PNG (base64, as nbformat stores it) beside it for untrusted
        # ones (JupyterLab renders no SVG from untrusted outputs), static HTML and GitHub
        from paperlab.diagrams.render import DotMissing

        dot = None
        try:
            dot = self.to_dot()
            from paperlab.diagrams.render import svg_size, to_png, to_svg

            svg = to_svg(dot)
            png = base64.b64encode(to_png(dot, width_pt=svg_size(svg)[0])).decode("ascii")
            return {"image/svg+xml": svg, "image/png": png, "text/plain": repr(self)}
        except DotMissing as exc:
            # no graphviz: a paper's diagram still shows its committed picture (diagrams/*.svg, drawn
            # from this very DOT text), with one line on how to install graphviz under it
            from paperlab.diagrams.render import committed_bundle

            saved = committed_bundle(dot) if dot is not None else None
            if saved is not None:
                return {**saved, "text/plain": f"{self!r}\n{saved['text/plain']}"}
            return {"text/plain": f"{self!r}\n{type(exc).__name__}: {exc}"}
        except Exception as exc:
            return {"text/plain": f"{self!r}\n{type(exc).__name__}: {exc}"}

    def _repr_svg_(self) -> str | None:
        # IPython asks for SVG on its own too: without `dot`, give none (the bundle says why)
        try:
            return self.to_svg()
        except Exception:
            return None

    def summary(self) -> str:
        """One line per node: kind, label, input and output wires."""
        return "\n".join(repr(n) for n in self.nodes)

    def __repr__(self) -> str:
        parts = ", ".join(f"{k} {v}" for k, v in self.counts().items())
        return f"Diagram({self.title!r}: {len(self.nodes)} nodes: {parts})"

"""Neural circuit diagrams (Abbott, TMLR 2024): trace a torch module, draw its wires and boxes.

``trace(module, *inputs, axes="b t d")`` returns a :class:`Diagram` (IR, cost, DOT, SVG);
``for_paper(slug)`` draws a paper's model; ``render_all(folder)`` writes every diagram.
"""

from paperlab.diagrams.build import for_paper, render_all
from paperlab.diagrams.ir import MATMUL_KINDS, Axis, Diagram, Node, Tensor
from paperlab.diagrams.render import DotMissing
from paperlab.diagrams.tracer import DiagramWarning, trace

__all__ = [
    "MATMUL_KINDS",
    "Axis",
    "Diagram",
    "DiagramWarning",
    "DotMissing",
    "Node",
    "Tensor",
    "for_paper",
    "render_all",
    "trace",
]

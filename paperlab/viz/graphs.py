"""Pictures of graphs: nodes coloured by a value (prediction, error, embedding coordinate), adjacency
and graphon heatmaps. Matplotlib only; layouts from networkx (seeded, so figures are reproducible)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import torch

__all__ = ["draw_graph", "adjacency_heatmap", "graphon_heatmap", "layout"]


def _nx(edge_index: torch.Tensor | np.ndarray, num_nodes: int) -> nx.Graph:
    ei = np.asarray(edge_index.cpu() if isinstance(edge_index, torch.Tensor) else edge_index)
    g = nx.Graph()
    g.add_nodes_from(range(num_nodes))
    g.add_edges_from(zip(ei[0].tolist(), ei[1].tolist(), strict=True))
    return g


def layout(edge_index: torch.Tensor | np.ndarray, num_nodes: int, *, seed: int = 0) -> dict[int, np.ndarray]:
    """A seeded spring layout (positions per node), to reuse across panels of one figure."""
    return nx.spring_layout(_nx(edge_index, num_nodes), seed=seed)


def draw_graph(
    edge_index: torch.Tensor | np.ndarray,
    values: Sequence[float] | np.ndarray | torch.Tensor | None = None,
    *,
    num_nodes: int | None = None,
    pos: dict[int, np.ndarray] | None = None,
    ax: plt.Axes | None = None,
    cmap: str = "viridis",
    node_size: float = 30.0,
    title: str | None = None,
    categorical: bool = False,
    colorbar: bool = True,
    vmin: float | None = None,
    vmax: float | None = None,
    highlight: Sequence[int] | np.ndarray | torch.Tensor | None = None,
    highlight_size: float | None = None,
) -> plt.Axes:
    """Draw a graph with nodes coloured by ``values`` (one per node; ``categorical=True`` for labels
    or predictions, drawn with a qualitative colour map). ``vmin``/``vmax`` fix the colour scale (one
    scale across panels); nodes in ``highlight`` (indices) are drawn again on top, larger
    (``highlight_size``, default 8 × ``node_size``) and outlined in black. Returns the axes."""
    if values is not None:
        values = np.asarray(values.detach().cpu() if isinstance(values, torch.Tensor) else values)
    if num_nodes is None:
        num_nodes = len(values) if values is not None else int(np.asarray(edge_index).max()) + 1
    if values is not None and len(values) != num_nodes:
        raise ValueError(f"values has {len(values)} entries for {num_nodes} nodes")
    g = _nx(edge_index, num_nodes)
    pos = pos if pos is not None else nx.spring_layout(g, seed=0)
    ax = ax if ax is not None else plt.gca()
    nx.draw_networkx_edges(g, pos, ax=ax, alpha=0.15, width=0.5)
    colours = "tab:blue" if values is None else values
    cm = "tab10" if categorical else cmap
    scale = {} if values is None else {"vmin": vmin, "vmax": vmax}
    sc = nx.draw_networkx_nodes(g, pos, ax=ax, node_size=node_size, node_color=colours, cmap=cm, **scale)
    if highlight is not None:
        hl = np.asarray(highlight.cpu() if isinstance(highlight, torch.Tensor) else highlight, dtype=int)
        if hl.size and (hl.min() < 0 or hl.max() >= num_nodes):
            raise ValueError(f"highlight indices must be in [0, {num_nodes}); got {hl.tolist()}")
        hl_colours = "tab:blue" if values is None else values[hl]
        nodes = nx.draw_networkx_nodes(
            g,
            pos,
            nodelist=hl.tolist(),
            ax=ax,
            node_size=8 * node_size if highlight_size is None else highlight_size,
            node_color=hl_colours,
            cmap=cm,
            edgecolors="k",
            **scale,
        )
        nodes.set_zorder(3)
    if values is not None and colorbar and not categorical:
        plt.colorbar(sc, ax=ax, fraction=0.046)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def adjacency_heatmap(
    adj: np.ndarray | torch.Tensor,
    *,
    order: Sequence[int] | None = None,
    ax: plt.Axes | None = None,
    title: str | None = None,
) -> plt.Axes:
    """The adjacency matrix as an image (optionally with rows/columns reordered, e.g. by class or degree)."""
    a = np.asarray(adj.detach().cpu() if isinstance(adj, torch.Tensor) else adj, dtype=float)
    if order is not None:
        o = np.asarray(order)
        a = a[np.ix_(o, o)]
    ax = ax if ax is not None else plt.gca()
    ax.imshow(a, cmap="Greys", interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax


def graphon_heatmap(
    w: np.ndarray, *, ax: plt.Axes | None = None, title: str | None = None, vmax: float | None = 1.0
) -> plt.Axes:
    """A graphon (a k×k step function, or values on a grid) on the unit square, u down, v across."""
    w = np.asarray(w, dtype=float)
    ax = ax if ax is not None else plt.gca()
    im = ax.imshow(w, cmap="magma", vmin=0.0, vmax=vmax, extent=(0, 1, 1, 0), interpolation="nearest")
    plt.colorbar(im, ax=ax, fraction=0.046)
    ax.set_xlabel("v")
    ax.set_ylabel("u")
    if title:
        ax.set_title(title)
    return ax

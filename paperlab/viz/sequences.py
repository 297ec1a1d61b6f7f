"""Figures for sequence models: gate heat-maps, gradient vs lag, point sets with hulls/tours, pointer maps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from paperlab.viz.style import PALETTE, subplots


def gradient_vs_lag(series: Mapping[str, np.ndarray], *, ax: Axes | None = None, title: str = "") -> Axes:
    """Log-scale ‖∂h_T/∂x_{T-lag}‖ against lag, one curve per model."""
    if ax is None:
        _, ax = subplots(width=5.0)
    for name, values in series.items():
        ax.semilogy(np.arange(len(values)), np.maximum(values, 1e-30), label=name)
    ax.set(
        xlabel="lag T − t (steps back)",
        ylabel="‖∂(u·h_T)/∂x_t‖",
        title=title or "gradient reaching back in time",
    )
    ax.legend()
    return ax


def gate_heatmaps(
    gates: Mapping[str, np.ndarray],
    *,
    names: Sequence[str] = ("i", "f", "o", "c"),
    units: int = 16,
    tokens: Sequence[str] | None = None,
) -> np.ndarray:
    """One heat-map per gate (``units × time``) of an unrolled LSTM (see :func:`paperlab.nn.rnn.lstm_gates`)."""
    titles = {
        "i": "input gate i_t",
        "f": "forget gate f_t",
        "g": "candidate g_t",
        "o": "output gate o_t",
        "c": "cell state c_t",
        "h": "hidden h_t",
    }
    fig, axes = subplots(len(names), 1, width=9.0, height=1.6, sharex=True)
    axes = np.atleast_1d(axes)
    for ax, name in zip(axes, names, strict=True):
        g = np.asarray(gates[name])[:, :units].T  # (units, time)
        signed = name in ("g", "c", "h")
        lim = max(float(np.abs(g).max()), 1e-6)
        im = ax.imshow(
            g,
            aspect="auto",
            cmap="RdBu_r" if signed else "viridis",
            vmin=-lim if signed else 0,
            vmax=lim if signed else 1,
            interpolation="nearest",
        )
        ax.set_ylabel("unit")
        ax.set_title(titles.get(name, name), fontsize=9, loc="left")
        ax.grid(False)
        fig.colorbar(im, ax=ax, pad=0.01)
    axes[-1].set_xlabel("time step")
    if tokens is not None:
        axes[-1].set_xticks(range(len(tokens)), tokens, fontsize=7)
    return axes


def points_with_path(
    points: np.ndarray,
    path: Sequence[int] | None = None,
    *,
    true_path: Sequence[int] | None = None,
    closed: bool = True,
    ax: Axes | None = None,
    title: str = "",
) -> Axes:
    """Scatter 2-D points (numbered) and draw a predicted ``path`` (solid) and a reference (dashed)."""
    if ax is None:
        _, ax = subplots(width=3.4, height=3.4)
    pts = np.asarray(points)
    ax.scatter(pts[:, 0], pts[:, 1], s=18, color="k", zorder=3)
    for i, (px, py) in enumerate(pts):
        ax.annotate(str(i), (px, py), textcoords="offset points", xytext=(3, 3), fontsize=7)
    for seq, style, color, label in (
        (true_path, "--", PALETTE[3], "exact"),
        (path, "-", PALETTE[1], "predicted"),
    ):
        if seq is None or len(seq) == 0:
            continue
        idx = list(seq) + ([seq[0]] if closed else [])
        ax.plot(
            pts[idx, 0],
            pts[idx, 1],
            style,
            color=color,
            label=label,
            lw=1.6 if style == "-" else 2.4,
            alpha=0.9,
        )
    ax.set(xlim=(-0.05, 1.05), ylim=(-0.05, 1.05), title=title, aspect="equal")
    ax.legend(fontsize=7, loc="lower right")
    return ax


def pointer_heatmap(
    attn: np.ndarray, *, ax: Axes | None = None, title: str = "pointer distribution p(C_i | C_<i, P)"
) -> Axes:
    """Decoder step × input position heat-map of pointer probabilities."""
    if ax is None:
        _, ax = subplots(width=4.0, height=3.2)
    a = np.asarray(attn)
    im = ax.imshow(a, aspect="auto", cmap="magma", vmin=0, vmax=1, interpolation="nearest")
    ax.set(xlabel="input position j", ylabel="output step i", title=title)
    ax.set_xticks(range(a.shape[1]))
    ax.set_yticks(range(a.shape[0]))
    ax.grid(False)
    ax.figure.colorbar(im, ax=ax, pad=0.01)
    return ax


def layered_graph(dag, layers: Sequence[Sequence[int]], *, ax: Axes | None = None, title: str = "") -> Axes:
    """Draw a DAG with its nodes placed by layer (left to right), as wired into a sparse graph RNN."""
    import networkx as nx

    if ax is None:
        _, ax = subplots(width=5.0, height=3.4)
    pos = {v: (i, j - (len(layer) - 1) / 2) for i, layer in enumerate(layers) for j, v in enumerate(layer)}
    sources = [v for v in dag.nodes if dag.in_degree(v) == 0]
    sinks = [v for v in dag.nodes if dag.out_degree(v) == 0]
    colors = [PALETTE[3] if v in sources else PALETTE[1] if v in sinks else PALETTE[0] for v in dag.nodes]
    nx.draw_networkx(
        dag,
        pos,
        ax=ax,
        node_color=colors,
        node_size=160,
        font_size=6,
        font_color="w",
        arrowsize=6,
        width=0.6,
        edge_color="#999999",
    )
    ax.set_title(title or "green: read the input · red: read by the classifier")
    ax.set_xlabel("layer")
    ax.grid(False)
    return ax

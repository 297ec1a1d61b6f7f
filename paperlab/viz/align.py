"""Figures for representation alignment: correlation matrices, matched-correlation curves,
CKA heatmaps, and prototype galleries with an ipywidgets explorer."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from paperlab.viz.style import PALETTE, subplots


def _heat(
    ax: Axes, m: np.ndarray, title: str, vmin: float = -1.0, vmax: float = 1.0, cmap: str = "RdBu_r"
) -> None:
    im = ax.imshow(m, vmin=vmin, vmax=vmax, cmap=cmap, interpolation="nearest")
    ax.set_title(title)
    ax.grid(False)
    plt.colorbar(im, ax=ax, fraction=0.046, pad=0.04)


def correlation_matrices(
    within: np.ndarray, between: np.ndarray, perm: np.ndarray, *, title: str = ""
) -> Figure:
    """Three panels: within-net correlation, between-net before matching, between-net after permuting
    the second net's units by ``perm`` (the paper's Fig. 2 layout). Units of net 1 are sorted by
    their matched correlation so the diagonal fades from strong to weak matches."""
    if between.shape[0] != len(perm):
        raise ValueError(f"perm must have one entry per row of between; got {len(perm)} for {between.shape}")
    order = np.argsort(-between[np.arange(len(perm)), perm])
    fig, axes = subplots(1, 3, width=3.6, height=3.2)
    _heat(axes[0], within[np.ix_(order, order)], "within net 1")
    _heat(axes[1], between[order], "net 1 × net 2 (unmatched)")
    _heat(axes[2], between[np.ix_(order, perm[order])], "net 1 × net 2 (matched)")
    for ax in axes:
        ax.set(xlabel="unit", ylabel="unit of net 1")
    if title:
        fig.suptitle(title)
    return fig


def correlation_plotly(between: np.ndarray, perm: np.ndarray | None = None, *, title: str = "") -> object:
    """Interactive between-net correlation heatmap; hover shows both unit ids and the correlation."""
    import plotly.graph_objects as go

    cols = np.arange(between.shape[1]) if perm is None else np.asarray(perm)
    m = between[:, cols]
    text = [
        [f"net1 unit {i}<br>net2 unit {j}<br>r = {m[i, k]:.3f}" for k, j in enumerate(cols)]
        for i in range(len(m))
    ]
    fig = go.Figure(go.Heatmap(z=m, zmin=-1, zmax=1, colorscale="RdBu_r", text=text, hoverinfo="text"))
    fig.update_layout(
        title=title, width=480, height=440, xaxis_title="net 2 unit (matched order)", yaxis_title="net 1 unit"
    )
    fig.update_yaxes(autorange="reversed")
    return fig


def matched_curves(
    corrs: Mapping[str, np.ndarray], *, ax: Axes | None = None, title: str = "sorted matched correlation"
) -> Axes:
    """One descending curve of matched correlations per entry (e.g. per layer), x = unit rank / units."""
    if ax is None:
        _, ax = subplots()
    for name, c in corrs.items():
        c = np.sort(np.asarray(c))[::-1]
        ax.plot(np.linspace(0, 1, len(c)), c, label=name)
    ax.set(
        xlabel="unit rank (fraction of layer)",
        ylabel="correlation",
        title=title,
        ylim=(min(0, ax.get_ylim()[0]), 1),
    )
    ax.legend()
    return ax


def cka_heatmap(
    m: np.ndarray,
    xlabels: Sequence[str],
    ylabels: Sequence[str],
    *,
    ax: Axes | None = None,
    title: str = "linear CKA",
) -> Axes:
    """Layer × layer CKA matrix with the values written in the cells."""
    if m.shape != (len(ylabels), len(xlabels)):
        raise ValueError(f"m has shape {m.shape} but labels give {(len(ylabels), len(xlabels))}")
    if ax is None:
        _, ax = subplots(width=0.7 * len(xlabels) + 2.5, height=0.6 * len(ylabels) + 1.8)
    im = ax.imshow(m, vmin=0, vmax=1, cmap="viridis")
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            ax.text(
                j,
                i,
                f"{m[i, j]:.2f}",
                ha="center",
                va="center",
                color="w" if m[i, j] < 0.6 else "k",
                fontsize=8,
            )
    ax.set_xticks(range(len(xlabels)), xlabels, rotation=30)
    ax.set_yticks(range(len(ylabels)), ylabels)
    ax.set_title(title)
    ax.grid(False)
    plt.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return ax


def image_grid(
    images: np.ndarray,
    *,
    titles: Sequence[str] | None = None,
    ncols: int = 8,
    cmap: str = "gray_r",
    title: str = "",
) -> Figure:
    """A grid of small images ``(n, h, w)`` (prototypes, filters, nearest examples)."""
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images must be (n, h, w); got shape {images.shape}")
    n = len(images)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.1 * ncols, 1.25 * nrows), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < n:
            lim = np.abs(images[k]).max() if cmap == "RdBu_r" else None
            ax.imshow(images[k], cmap=cmap, vmin=-lim if lim else None, vmax=lim)
            if titles is not None:
                ax.set_title(titles[k], fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def prototype_gallery(
    prototypes: np.ndarray,
    nearest: np.ndarray | None = None,
    *,
    labels: Sequence[str] | None = None,
    title: str = "decoded prototypes",
) -> Figure:
    """Decoded prototypes in the top row and, if given, each one's nearest training example below."""
    rows = [np.asarray(prototypes)] + ([np.asarray(nearest)] if nearest is not None else [])
    n = len(rows[0])
    fig, axes = plt.subplots(len(rows), n, figsize=(0.95 * n, 1.2 * len(rows) + 0.3), squeeze=False)
    for r, imgs in enumerate(rows):
        for k in range(n):
            ax = axes[r, k]
            ax.imshow(imgs[k], cmap="gray_r")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0 and labels is not None:
                ax.set_title(labels[k], fontsize=8)
        axes[r, 0].set_ylabel("prototype" if r == 0 else "nearest\ntrain", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def prototype_explorer(
    images: np.ndarray,
    distances: np.ndarray,
    prototypes: np.ndarray,
    predict: Callable[[int], str] | None = None,
) -> object:
    """ipywidgets slider over test inputs: the image, its squared distance to every prototype (bars),
    and the closest prototype decoded. ``distances`` is ``(n_inputs, n_prototypes)``."""
    import ipywidgets as widgets

    if len(images) != len(distances) or distances.shape[1] != len(prototypes):
        raise ValueError(
            f"need images (n, h, w), distances (n, m), prototypes (m, h, w); got {len(images)}, "
            f"{distances.shape}, {len(prototypes)}"
        )
    out = widgets.Output()

    def show(i: int) -> None:
        with out:
            out.clear_output(wait=True)
            fig, axes = plt.subplots(1, 3, figsize=(9, 2.6), gridspec_kw={"width_ratios": [1, 3, 1]})
            axes[0].imshow(images[i], cmap="gray_r")
            axes[0].set_title(predict(i) if predict else f"input {i}", fontsize=9)
            d = distances[i]
            colors = [PALETTE[1] if k == d.argmin() else PALETTE[0] for k in range(len(d))]
            axes[1].bar(range(len(d)), d, color=colors)
            axes[1].set(xlabel="prototype", ylabel="squared distance")
            axes[2].imshow(prototypes[d.argmin()], cmap="gray_r")
            axes[2].set_title(f"closest: prototype {d.argmin()}", fontsize=9)
            for ax in (axes[0], axes[2]):
                ax.axis("off")
            plt.show()

    slider = widgets.IntSlider(value=0, min=0, max=len(images) - 1, description="test input")
    slider.observe(lambda change: show(change["new"]), names="value")
    show(0)
    return widgets.VBox([slider, out])


def layer_explorer(draw: Callable[[str], None], layers: Sequence[str], description: str = "layer") -> object:
    """A slider over layer names that calls ``draw(layer)`` to redraw its figures."""
    import ipywidgets as widgets

    if not layers:
        raise ValueError("layers must be a non-empty sequence of names")
    out = widgets.Output()

    def show(layer: str) -> None:
        with out:
            out.clear_output(wait=True)
            draw(layer)
            plt.show()

    slider = widgets.SelectionSlider(options=list(layers), value=layers[0], description=description)
    slider.observe(lambda change: show(change["new"]), names="value")
    show(layers[0])
    return widgets.VBox([slider, out])

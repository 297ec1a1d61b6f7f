"""Attention over tokens: static heat-maps (matplotlib) and an explorer over examples × heads (ipywidgets).

Everything takes the words of a sentence and a ``(heads, tokens)`` array of weights, so any model that
attends over tokens can use it::

    token_heatmap(tokens, weights)                   # one sentence, every head
    attention_explorer([(tokens, weights, title), ...])  # sliders over examples and heads
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes

from paperlab.viz.style import subplots

if TYPE_CHECKING:
    import ipywidgets


def _as_weights(tokens: Sequence[str], weights: np.ndarray) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    if w.ndim == 1:
        w = w[None, :]
    if w.ndim != 2 or w.shape[1] != len(tokens):
        raise ValueError(
            f"weights must have shape (heads, {len(tokens)}) for {len(tokens)} tokens; got {w.shape}"
        )
    return w


def token_heatmap(
    tokens: Sequence[str],
    weights: np.ndarray,
    *,
    ax: Axes | None = None,
    head_labels: Sequence[str] | None = None,
    title: str = "",
    emphasize: Sequence[int] = (),
) -> Axes:
    """A heat-map of attention ``weights`` (heads, tokens) with the words along the x axis.

    Each row is one head's distribution over the sentence. Words at the indices in ``emphasize`` are
    printed in bold red (e.g. the words that decide the label).
    """
    w = _as_weights(tokens, weights)
    if head_labels is None:
        head_labels = [f"head {j + 1}" for j in range(len(w))]
    if len(head_labels) != len(w):
        raise ValueError(f"head_labels must have {len(w)} entries; got {len(head_labels)}")
    if ax is None:
        _, ax = subplots(width=max(4.0, 0.22 * len(tokens) + 1.5), height=0.35 * len(w) + 1.4)
    im = ax.imshow(w, aspect="auto", cmap="Blues", vmin=0, vmax=max(float(w.max()), 1e-9))
    ax.set_xticks(range(len(tokens)), tokens, rotation=90, fontsize=8)
    ax.set_yticks(range(len(w)), head_labels, fontsize=8)
    ax.grid(False)
    for i in emphasize:
        ax.get_xticklabels()[i].set(color="#dc3912", fontweight="bold")
    ax.figure.colorbar(im, ax=ax, fraction=0.03, pad=0.01, label="weight")
    ax.set_title(title)
    return ax


def category_heatmap(
    values: np.ndarray,
    categories: Sequence[str],
    *,
    ax: Axes | None = None,
    head_labels: Sequence[str] | None = None,
    title: str = "",
    fmt: str = "{:.1f}",
) -> Axes:
    """A (heads, categories) table of numbers as an annotated heat-map, e.g. attention per word role."""
    v = np.asarray(values, dtype=float)
    if v.ndim != 2 or v.shape[1] != len(categories):
        raise ValueError(f"values must have shape (heads, {len(categories)}); got {v.shape}")
    if head_labels is None:
        head_labels = [f"head {j + 1}" for j in range(len(v))]
    if ax is None:
        _, ax = subplots(width=0.9 * len(categories) + 1.5, height=0.4 * len(v) + 1.3)
    ax.imshow(v, aspect="auto", cmap="Oranges")
    ax.set_xticks(range(len(categories)), categories, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(v)), head_labels, fontsize=8)
    ax.grid(False)
    for (j, k), x in np.ndenumerate(v):
        if np.isfinite(x):
            ax.text(k, j, fmt.format(x), ha="center", va="center", fontsize=8)
    ax.set_title(title)
    return ax


def attention_explorer(examples: Sequence[tuple[Sequence[str], np.ndarray, str]]) -> ipywidgets.VBox:
    """An ipywidgets explorer: a slider over ``examples`` ``(tokens, weights (heads, tokens), title)`` and a
    head selector ("all heads" draws the heat-map, a single head draws its weights as bars)."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    if not examples:
        raise ValueError("examples must hold at least one (tokens, weights, title) triple")
    checked = [(list(t), _as_weights(t, w), title) for t, w, title in examples]
    n_heads = max(len(w) for _, w, _ in checked)
    example = widgets.IntSlider(0, 0, len(checked) - 1, description="example")
    head = widgets.Dropdown(
        options=[("all heads", -1)] + [(f"head {j + 1}", j) for j in range(n_heads)], description="head"
    )

    def draw(example: int, head: int) -> None:
        tokens, w, title = checked[example]
        if head < 0 or head >= len(w):
            token_heatmap(tokens, w, title=title)
        else:
            _, ax = subplots(width=max(4.0, 0.22 * len(tokens) + 1.0), height=2.6)
            ax.bar(range(len(tokens)), w[head])
            ax.set_xticks(range(len(tokens)), tokens, rotation=90, fontsize=8)
            ax.set(ylabel="weight", title=f"{title} · head {head + 1}")
        plt.show()

    out = widgets.interactive_output(draw, {"example": example, "head": head})
    return widgets.VBox([widgets.HBox([example, head]), out])

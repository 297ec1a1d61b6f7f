"""Continual-learning figures: the task × time accuracy matrix and forgetting curves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from paperlab.viz.style import subplots


def accuracy_matrix(
    r: np.ndarray, *, ax: Axes | None = None, title: str = "", names: Sequence[str] | None = None
) -> Axes:
    """Heat map of R[i, j] (accuracy on task j after training task i), each cell annotated."""
    if ax is None:
        _, ax = subplots(width=3.2, height=3.0)
    n = len(r)
    im = ax.imshow(np.ma.masked_invalid(r), vmin=0.0, vmax=1.0, cmap="viridis")
    for i in range(n):
        for j in range(n):
            if np.isfinite(r[i, j]):
                ax.text(j, i, f"{r[i, j]:.2f}", ha="center", va="center", fontsize=7,
                        color="black" if r[i, j] > 0.6 else "white")  # fmt: skip
    labels = list(names) if names is not None else [str(k) for k in range(n)]
    ax.set_xticks(range(n), labels, fontsize=7, rotation=30)
    ax.set_yticks(range(n), [f"after {k}" for k in labels], fontsize=7)
    ax.set(xlabel="evaluated on task", title=title)
    ax.grid(False)
    ax.figure.colorbar(im, ax=ax, shrink=0.7)
    return ax


def forgetting_curves(
    r: np.ndarray, *, ax: Axes | None = None, title: str = "", names: Sequence[str] | None = None
) -> Axes:
    """Accuracy on each task (one line per task) against the number of tasks trained so far."""
    if ax is None:
        _, ax = subplots()
    n = len(r)
    labels = list(names) if names is not None else [str(k) for k in range(n)]
    for j in range(n):
        ax.plot(range(j + 1, n + 1), r[j:, j], marker="o", ms=3, label=f"task {labels[j]}")
    ax.set(xlabel="tasks trained", ylabel="test accuracy", title=title, ylim=(0, 1.02))
    ax.set_xticks(range(1, n + 1))
    ax.legend(fontsize=7)
    return ax


def mean_accuracy_curves(
    matrices: Mapping[str, np.ndarray], *, ax: Axes | None = None, title: str = ""
) -> Axes:
    """Mean accuracy over the tasks seen so far against tasks trained, one line per method."""
    if ax is None:
        _, ax = subplots()
    for name, r in matrices.items():
        n = len(r)
        ax.plot(range(1, n + 1), [np.nanmean(r[i, : i + 1]) for i in range(n)], marker="o", ms=3, label=name)
    ax.set(xlabel="tasks trained", ylabel="mean accuracy on tasks seen", title=title, ylim=(0, 1.02))
    ax.legend(fontsize=7)
    return ax

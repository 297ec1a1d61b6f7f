"""One house style for static figures, and small helpers every notebook uses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

PALETTE = ("#3366cc", "#dc3912", "#ff9900", "#109618", "#990099", "#0099c6", "#dd4477", "#66aa00")

_STYLE = {
    "figure.dpi": 90,
    "savefig.dpi": 120,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "font.size": 10,
    "axes.titlesize": 11,
    "legend.frameon": False,
}


def use() -> None:
    """Apply the paperlab style to matplotlib (idempotent)."""
    mpl.rcParams.update(_STYLE)


def subplots(
    nrows: int = 1, ncols: int = 1, *, width: float = 4.2, height: float = 3.2, **kw
) -> tuple[Figure, np.ndarray | Axes]:
    """``plt.subplots`` in the house style, sized per panel."""
    use()
    kw.setdefault("constrained_layout", True)
    return plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), **kw)


def curves(
    series: Mapping[str, tuple[Sequence[float], Sequence[float]] | Sequence[float]],
    *,
    ax: Axes | None = None,
    xlabel: str = "step",
    ylabel: str = "",
    title: str = "",
    logx: bool = False,
    logy: bool = False,
) -> Axes:
    """Plot named curves: ``{"name": ys}`` or ``{"name": (xs, ys)}`` on one axis."""
    if ax is None:
        _, ax = subplots()
    for name, s in series.items():
        xs, ys = s if isinstance(s, tuple) else (range(1, len(s) + 1), s)
        ax.plot(list(xs), list(ys), label=name)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    if len(series) > 1:
        ax.legend()
    return ax


def bars(
    values: Mapping[str, float],
    *,
    ax: Axes | None = None,
    ylabel: str = "",
    title: str = "",
    fmt: str = "{:.3g}",
) -> Axes:
    """A labelled bar chart of named values."""
    if ax is None:
        _, ax = subplots()
    names = list(values)
    rects = ax.bar(names, [values[n] for n in names], color=PALETTE[: len(names)])
    ax.bar_label(rects, labels=[fmt.format(values[n]) for n in names], fontsize=8)
    ax.set(ylabel=ylabel, title=title)
    ax.tick_params(axis="x", rotation=20)
    return ax

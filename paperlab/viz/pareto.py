"""Pareto fronts and hypervolume for multi-objective search (NAS, compression).

Non-dominated sorting and the hypervolume indicator come from pymoo; every objective is
**minimised** (pass −accuracy or error, MACs, latency). Helpers:

* :func:`non_dominated` -- indices of the non-dominated points of ``F`` (n, m);
* :func:`hypervolume` -- the volume dominated by ``F`` and bounded by ``ref`` (pymoo ``HV``);
* :func:`hv_curve` -- hypervolume of the first 1..n evaluations, in evaluation order;
* :func:`plot_front` -- scatter of all points and the 2-D front as a staircase;
* :func:`plot_hv_curves` -- hypervolume against the number of evaluations, one curve per method.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from paperlab.viz.style import subplots


def _as_2d(F: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    arr = np.asarray(F, dtype=float)
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise ValueError(f"F must be a non-empty (n_points, n_objectives) array; got shape {arr.shape}")
    return arr


def non_dominated(F: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    """Indices of the points of ``F`` that no other point dominates (all objectives minimised)."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    arr = _as_2d(F)
    return np.asarray(NonDominatedSorting().do(arr, only_non_dominated_front=True), dtype=int)


def hypervolume(F: Sequence[Sequence[float]] | np.ndarray, ref: Sequence[float]) -> float:
    """The hypervolume of ``F`` with reference point ``ref`` (pymoo ``HV``; points beyond ``ref`` add 0)."""
    from pymoo.indicators.hv import HV

    arr = _as_2d(F)
    ref_arr = np.asarray(ref, dtype=float)
    if ref_arr.shape != (arr.shape[1],):
        raise ValueError(f"ref must have one entry per objective ({arr.shape[1]}); got shape {ref_arr.shape}")
    inside = np.all(arr < ref_arr, axis=1)
    if not inside.any():
        return 0.0
    return float(HV(ref_point=ref_arr)(arr[inside]))


def hv_curve(F: Sequence[Sequence[float]] | np.ndarray, ref: Sequence[float]) -> np.ndarray:
    """Hypervolume of the first k points of ``F`` for k = 1..n (the search's evaluation order)."""
    arr = _as_2d(F)
    return np.array([hypervolume(arr[: k + 1], ref) for k in range(len(arr))])


def plot_front(
    F: Sequence[Sequence[float]] | np.ndarray,
    *,
    ax: Axes | None = None,
    label: str = "",
    color: str | None = None,
    xlabel: str = "objective 1",
    ylabel: str = "objective 2",
    title: str = "",
    show_points: bool = True,
) -> Axes:
    """All points of a 2-objective ``F`` (faint) and its non-dominated front as a staircase."""
    arr = _as_2d(F)
    if arr.shape[1] != 2:
        raise ValueError(f"plot_front draws two objectives; F has {arr.shape[1]}")
    if ax is None:
        _, ax = subplots()
    front = arr[non_dominated(arr)]
    front = front[np.argsort(front[:, 0])]
    (line,) = ax.step(front[:, 0], front[:, 1], where="post", label=label, color=color)
    ax.plot(front[:, 0], front[:, 1], "o", ms=4, color=line.get_color())
    if show_points:
        ax.plot(arr[:, 0], arr[:, 1], ".", ms=3, alpha=0.3, color=line.get_color())
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if label:
        ax.legend()
    return ax


def plot_hv_curves(
    curves: Mapping[str, Sequence[float] | tuple[Sequence[float], Sequence[float]]],
    *,
    ax: Axes | None = None,
    title: str = "hypervolume vs evaluations",
    band: Mapping[str, tuple[Sequence[float], Sequence[float]]] | None = None,
) -> Axes:
    """Hypervolume against the number of evaluations: ``{"method": hv}`` or ``{"method": (evals, hv)}``;
    ``band`` optionally gives a (low, high) envelope per method (e.g. over seeds)."""
    if ax is None:
        _, ax = subplots()
    for name, c in curves.items():
        xs, ys = c if isinstance(c, tuple) else (np.arange(1, len(c) + 1), c)
        (line,) = ax.plot(list(xs), list(ys), label=name)
        if band and name in band:
            lo, hi = band[name]
            ax.fill_between(list(xs), list(lo), list(hi), alpha=0.2, color=line.get_color())
    ax.set(xlabel="evaluations (validated sub-networks)", ylabel="hypervolume", title=title)
    ax.legend()
    return ax

"""Data sets that ship with scikit-learn and networkx: no network, identical on every machine.

- :func:`digits`: 1,797 8×8 handwritten digits (10 classes), pixels scaled to [0, 1].
- :func:`iris`, :func:`wine`, :func:`breast_cancer`: small tabular classification sets,
  min–max scaled with the training split's range.
- :func:`karate_club`: Zachary's karate club graph and its two-faction labels.

Tabular loaders return float32 features and int64 labels as torch tensors, split with a
stratified, seeded ``train_test_split``: ``X_train, X_test, y_train, y_test``.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import torch
from sklearn import datasets
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

Split = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]
Whole = tuple[torch.Tensor, torch.Tensor]


def _check_args(split: bool, seed: int, test_size: float, scale: bool) -> None:
    for name, value in (("split", split), ("scale", scale)):
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be True or False; got {value!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed!r}")
    if isinstance(test_size, bool) or not isinstance(test_size, int | float) or not 0 < test_size < 1:
        raise ValueError(f"test_size must be a fraction strictly between 0 and 1; got {test_size!r}")


def _tensors(X: np.ndarray, y: np.ndarray, split: bool, seed: int, test_size: float) -> Split | Whole:
    X_t = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    y_t = torch.from_numpy(np.ascontiguousarray(y, dtype=np.int64))
    if not split:
        return X_t, y_t
    idx_train, idx_test = train_test_split(
        np.arange(len(y)), test_size=test_size, random_state=int(seed), stratify=y
    )
    idx_train, idx_test = torch.from_numpy(idx_train), torch.from_numpy(idx_test)
    return X_t[idx_train], X_t[idx_test], y_t[idx_train], y_t[idx_test]


def _minmax(X_train: torch.Tensor, *others: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Scale every column to [0, 1] with the range seen in ``X_train`` (others may fall slightly outside)."""
    lo, hi = X_train.min(0).values, X_train.max(0).values
    width = torch.where(hi > lo, hi - lo, torch.ones_like(hi))
    return tuple((X - lo) / width for X in (X_train, *others))


def digits(split: bool = True, seed: int = 0, test_size: float = 0.25, scale: bool = True) -> Split | Whole:
    """scikit-learn's 8×8 digits as float32 ``(n, 64)`` features and int64 labels 0–9.

    ``scale`` divides the 0–16 pixel counts by 16, so every value lies in [0, 1] (train and test alike).
    ``split=False`` returns ``(X, y)`` for all 1,797 images.
    """
    _check_args(split, seed, test_size, scale)
    bunch = datasets.load_digits()
    X = bunch.data / 16.0 if scale else bunch.data
    return _tensors(X, bunch.target, split, seed, test_size)


def digit_images(
    test_size: int = 497, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The digits as images for conv nets: ``(x_train, y_train, x_test, y_test)``, x ``(n, 1, 8, 8)`` in [0, 1].

    The split is a seeded permutation with the last ``len - test_size`` images for training.
    """
    if not 0 < test_size < 1797:
        raise ValueError(f"test_size must be an int in 1..1796; got {test_size!r}")
    bunch = datasets.load_digits()
    x = torch.tensor(bunch.images / 16.0, dtype=torch.float32).unsqueeze(1)
    y = torch.tensor(bunch.target)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    test, train = order[:test_size], order[test_size:]
    return x[train], y[train], x[test], y[test]


def _tabular(bunch: Bunch, split: bool, seed: int, test_size: float, scale: bool) -> Split | Whole:
    _check_args(split, seed, test_size, scale)
    out = _tensors(bunch.data, bunch.target, split, seed, test_size)
    if not scale:
        return out
    if split:
        X_train, X_test, y_train, y_test = out
        X_train, X_test = _minmax(X_train, X_test)
        return X_train, X_test, y_train, y_test
    X, y = out
    return _minmax(X)[0], y


def iris(split: bool = True, seed: int = 0, test_size: float = 0.25, scale: bool = True) -> Split | Whole:
    """Fisher's iris: 150 flowers, 4 features, 3 classes (min–max scaled on the training split)."""
    return _tabular(datasets.load_iris(), split, seed, test_size, scale)


def wine(split: bool = True, seed: int = 0, test_size: float = 0.25, scale: bool = True) -> Split | Whole:
    """UCI wine: 178 samples, 13 features, 3 cultivars (min–max scaled on the training split)."""
    return _tabular(datasets.load_wine(), split, seed, test_size, scale)


def breast_cancer(
    split: bool = True, seed: int = 0, test_size: float = 0.25, scale: bool = True
) -> Split | Whole:
    """Wisconsin breast cancer: 569 samples, 30 features, 2 classes (min–max scaled on the train split)."""
    return _tabular(datasets.load_breast_cancer(), split, seed, test_size, scale)


KARATE_FACTIONS = ("Mr. Hi", "Officer")


def karate_club() -> tuple[nx.Graph, torch.Tensor]:
    """Zachary's karate club (34 members, 78 ties) and each member's faction after the split.

    Labels are int64: 0 for ``"Mr. Hi"``'s group, 1 for the ``"Officer"``'s, indexed by node 0..33.
    """
    graph = nx.karate_club_graph()
    labels = [KARATE_FACTIONS.index(graph.nodes[v]["club"]) for v in sorted(graph.nodes)]
    return graph, torch.tensor(labels, dtype=torch.int64)

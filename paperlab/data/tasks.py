"""Task sequences for continual learning, built on the bundled 8×8 digits (offline).

- :func:`split_digits`: Split-digits, the digits cut into tasks of a few classes each
  ({0, 1}, {2, 3}, … for 5 tasks), labels renumbered 0..k−1 within a task (the Split-MNIST protocol
  of Zenke et al. 2017 / von Oswald et al. 2020, task-incremental: the task identity is given);
- :func:`permuted_digits`: Permuted-digits, the same 10-class problem under a fixed random pixel
  permutation per task (task 0 unpermuted), as Permuted-MNIST;
- :func:`accuracy_matrix`, :func:`average_accuracy`, :func:`forgetting`: the task × time accuracy
  matrix R[i, j] (accuracy on task j after training task i) and its summaries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from paperlab.data.bundled import digits


@dataclass(frozen=True)
class Task:
    """One task: its name, train/test tensors, the original classes, and the number of outputs."""

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    classes: tuple[int, ...]

    @property
    def n_out(self) -> int:
        return len(self.classes)


def _check(n_tasks: int, most: int) -> None:
    if isinstance(n_tasks, bool) or not isinstance(n_tasks, int) or not 1 <= n_tasks <= most:
        raise ValueError(f"n_tasks must be a whole number in 1..{most}; got {n_tasks!r}")


def split_digits(n_tasks: int = 5, seed: int = 0, test_size: float = 0.25) -> list[Task]:
    """Digits split into ``n_tasks`` tasks of ``10 // n_tasks`` consecutive classes, labels renumbered."""
    _check(n_tasks, 5)
    x_tr, x_te, y_tr, y_te = digits(seed=seed, test_size=test_size)
    per = 10 // n_tasks
    tasks = []
    for t in range(n_tasks):
        classes = tuple(range(t * per, (t + 1) * per))
        lookup = torch.full((10,), -1, dtype=torch.long)
        lookup[list(classes)] = torch.arange(per)
        m_tr, m_te = lookup[y_tr] >= 0, lookup[y_te] >= 0
        tasks.append(
            Task(
                "{" + ",".join(map(str, classes)) + "}",
                x_tr[m_tr],
                lookup[y_tr[m_tr]],
                x_te[m_te],
                lookup[y_te[m_te]],
                classes,
            )
        )
    return tasks


def permuted_digits(n_tasks: int = 5, seed: int = 0, test_size: float = 0.25) -> list[Task]:
    """Digits under ``n_tasks`` fixed pixel permutations (task 0 is the identity), 10 classes each."""
    _check(n_tasks, 100)
    x_tr, x_te, y_tr, y_te = digits(seed=seed, test_size=test_size)
    gen = torch.Generator().manual_seed(10_000 + seed)
    tasks = []
    for t in range(n_tasks):
        perm = torch.arange(64) if t == 0 else torch.randperm(64, generator=gen)
        tasks.append(Task(f"perm {t}", x_tr[:, perm], y_tr, x_te[:, perm], y_te, tuple(range(10))))
    return tasks


def accuracy(predict: Callable[[torch.Tensor], torch.Tensor], task: Task) -> float:
    """Test accuracy of ``predict(x) -> logits`` on ``task``."""
    with torch.no_grad():
        return (predict(task.x_test).argmax(-1) == task.y_test).float().mean().item()


def accuracy_matrix(rows: Sequence[Sequence[float]]) -> np.ndarray:
    """R[i, j] = accuracy on task j after training task i (NaN where j > i), from per-stage rows.

    ``rows[i]`` holds the accuracies on tasks 0..i (or on all tasks; entries past i are masked).
    """
    n = len(rows)
    out = np.full((n, n), np.nan)
    for i, row in enumerate(rows):
        if len(row) < i + 1:
            raise ValueError(f"row {i} must hold at least {i + 1} accuracies; got {len(row)}")
        out[i, : i + 1] = row[: i + 1]
    return out


def average_accuracy(r: np.ndarray) -> float:
    """Mean accuracy over all tasks after the last task (the last row of R)."""
    return float(np.nanmean(r[-1]))


def forgetting(r: np.ndarray) -> float:
    """Mean over tasks j < T of (best accuracy ever on j) − (accuracy on j after the last task)."""
    n = len(r)
    if n < 2:
        return 0.0
    return float(np.mean([np.nanmax(r[:, j]) - r[-1, j] for j in range(n - 1)]))

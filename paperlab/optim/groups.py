"""Per-group loss tracking: the mean loss on named subsets of a data set, step by step."""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import nn

LOSSES = ("ce", "mse")


def per_sample_loss(logits: torch.Tensor, y: torch.Tensor, loss: str = "ce") -> torch.Tensor:
    """Cross-entropy, or squared error ½‖logits − onehot(y)‖², per sample."""
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}; got {loss!r}")
    if loss == "ce":
        return F.cross_entropy(logits, y, reduction="none")
    return 0.5 * ((logits - F.one_hot(y, logits.shape[1]).to(logits.dtype)) ** 2).sum(1)


@torch.no_grad()
def group_losses(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, groups: Mapping[str, torch.Tensor], loss: str = "ce"
) -> dict[str, float]:
    """Mean loss of ``model`` on each group (index tensors into ``x``), plus ``"all"``."""
    per = per_sample_loss(model(x), y, loss)
    out = {"all": float(per.mean())}
    for name, idx in groups.items():
        if len(idx) == 0:
            raise ValueError(f"groups[{name!r}] is empty")
        out[name] = float(per[idx].mean())
    return out


def loss_change_correlation(a: list[float], b: list[float]) -> float:
    """Pearson correlation of the step-to-step changes of two loss traces (antiphase → negative)."""
    if len(a) != len(b) or len(a) < 3:
        raise ValueError(f"a and b must have equal length >= 3; got {len(a)} and {len(b)}")
    da = torch.diff(torch.tensor(a, dtype=torch.float64))
    db = torch.diff(torch.tensor(b, dtype=torch.float64))
    return float(torch.corrcoef(torch.stack([da, db]))[0, 1])

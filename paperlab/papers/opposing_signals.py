"""Outliers with Opposing Signals Have an Outsized Effect on Neural Network Optimization (Rosenfeld & Risteski, ICLR 2024, arXiv 2311.04163).

Some training images carry a *large-magnitude* feature (the paper's examples: a sky
background, a grass texture) that appears with different labels in different groups. Early
in training the network leans on the feature, the two groups pull it in opposite
directions, and gradient descent settles into a narrow valley that balances them. As the
network sharpens (progressive sharpening, up to the edge of stability where the top Hessian
eigenvalue reaches 2/η), the iterates bounce across that valley: the loss on one group
rises while the other falls, in antiphase, and the total loss spikes.

Here the opposing groups are planted: a bright patch added to a few percent of the images of
two classes. Per-group losses come from ``paperlab.optim.groups`` and the sharpness from
Hessian-vector-product power iteration in ``paperlab.optim.sharpness``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from paperlab.data.bundled import digits
from paperlab.optim.groups import group_losses, per_sample_loss
from paperlab.optim.sharpness import top_eigenvalue
from paperlab.train import progress

OPTIMIZERS = ("gd", "adam")

# --- 1. model -------------------------------------------------------------------------------------


class MLP(nn.Module):
    """A tanh MLP: ``64 → width → width → 10``."""

    def __init__(self, d_in: int = 64, width: int = 64, depth: int = 2, n_out: int = 10) -> None:
        super().__init__()
        if depth < 1 or width < 1:
            raise ValueError(f"depth and width must be >= 1; got {depth}, {width}")
        sizes = [d_in] + [width] * depth
        layers: list[nn.Module] = []
        for a, b in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [nn.Linear(a, b), nn.Tanh()]
        self.net = nn.Sequential(*layers, nn.Linear(width, n_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, 64) -> (batch, 10)
        return self.net(x)


# --- 2. data with planted opposing signals ------------------------------------------------------------


@dataclass
class OpposingData:
    """Training digits where a bright patch marks a few images of two classes (groups A and B)."""

    x: torch.Tensor
    y: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    groups: dict[str, torch.Tensor]  # name -> indices into x
    patch: list[int]  # pixel indices of the patch


def opposing_digits(
    classes: tuple[int, int] = (3, 8),
    fraction: float = 0.1,
    magnitude: float = 4.0,
    patch: tuple[int, ...] = (0, 1, 8, 9),
    seed: int = 0,
) -> OpposingData:
    """Digits with a patch of value ``magnitude`` (pixels are in [0, 1]) added to ``fraction`` of two classes.

    The patch is the same in both groups but their labels differ: an opposing signal. Two
    random groups of the same sizes (from the other images) serve as a control.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be in (0, 1); got {fraction}")
    if classes[0] == classes[1] or not all(0 <= c <= 9 for c in classes):
        raise ValueError(f"classes must be two different digits 0-9; got {classes}")
    x, x_te, y, y_te = digits(seed=seed)
    x = x.clone()
    gen = torch.Generator().manual_seed(seed)
    groups: dict[str, torch.Tensor] = {}
    for name, c in zip(("A", "B"), classes, strict=True):
        idx = (y == c).nonzero().squeeze(1)
        pick = idx[torch.randperm(len(idx), generator=gen)[: max(2, round(fraction * len(idx)))]]
        x[pick.unsqueeze(1), torch.tensor(patch)] = magnitude
        groups[name] = pick
    rest = torch.tensor(np.setdiff1d(np.arange(len(y)), torch.cat(list(groups.values())).numpy()))
    perm = rest[torch.randperm(len(rest), generator=gen)]
    n_a, n_b = len(groups["A"]), len(groups["B"])
    groups["random 1"], groups["random 2"] = perm[:n_a], perm[n_a : n_a + n_b]
    return OpposingData(x, y, x_te, y_te, groups, list(patch))


# --- 3. training with per-group losses and sharpness ----------------------------------------------------


@dataclass
class Trace:
    """Per-step group losses, periodic sharpness, and the learning rate."""

    lr: float
    optimizer: str
    losses: dict[str, list[float]]
    sharp_steps: list[int]
    sharpness: list[float]
    test_acc: float


def train(
    data: OpposingData,
    *,
    optimizer: str = "gd",
    loss: str = "mse",
    lr: float = 0.2,
    steps: int = 1500,
    width: int = 64,
    sharp_every: int = 50,
    sharp_iters: int = 20,
    seed: int = 0,
) -> Trace:
    """Full-batch training; record every group's loss at every step and the top Hessian eigenvalue every ``sharp_every``."""
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}; got {optimizer!r}")
    torch.manual_seed(seed)
    model = MLP(width=width)
    opt = (
        torch.optim.SGD(model.parameters(), lr=lr)
        if optimizer == "gd"
        else torch.optim.Adam(model.parameters(), lr=lr)
    )
    losses: dict[str, list[float]] = {}
    sharp_steps, sharp = [], []

    def full_loss(m: nn.Module) -> torch.Tensor:
        return per_sample_loss(m(data.x), data.y, loss).mean()

    for step in progress(range(steps), desc=optimizer):
        for k, v in group_losses(model, data.x, data.y, data.groups, loss).items():
            losses.setdefault(k, []).append(v)
        if step % sharp_every == 0 or step == steps - 1:
            sharp_steps.append(step)
            sharp.append(top_eigenvalue(model, full_loss, iters=sharp_iters, seed=seed))
        opt.zero_grad(set_to_none=True)
        full_loss(model).backward()
        opt.step()
    with torch.no_grad():
        acc = (model(data.x_test).argmax(-1) == data.y_test).float().mean().item()
    return Trace(lr, optimizer, losses, sharp_steps, sharp, acc)


# --- 4. diagram --------------------------------------------------------------------------------------


def diagram_example() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
    """The tanh MLP trained full-batch on digits with planted opposing signals."""
    torch.manual_seed(0)
    return MLP(), (torch.randn(2, 64),), ["b d"]

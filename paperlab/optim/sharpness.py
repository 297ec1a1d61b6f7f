"""Sharpness: the top Hessian eigenvalue by power iteration on Hessian-vector products.

``hvp`` uses double backpropagation (Pearlmutter's trick): H v = ∇(∇L · v). The edge of
stability (Cohen et al. 2021) is where this eigenvalue reaches 2/η for gradient descent.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


def hvp(
    loss_fn: Callable[[], torch.Tensor], params: list[torch.Tensor], vec: list[torch.Tensor]
) -> list[torch.Tensor]:
    """Hessian of ``loss_fn()`` w.r.t. ``params`` times ``vec`` (same shapes as ``params``)."""
    loss = loss_fn()
    grads = torch.autograd.grad(loss, params, create_graph=True)
    dot = sum((g * v).sum() for g, v in zip(grads, vec, strict=True))
    return list(torch.autograd.grad(dot, params))


def top_eigenvalue(
    model: nn.Module, loss_fn: Callable[[nn.Module], torch.Tensor], *, iters: int = 20, seed: int = 0
) -> float:
    """Largest-magnitude Hessian eigenvalue of ``loss_fn(model)`` by ``iters`` power-iteration steps."""
    if iters < 1:
        raise ValueError(f"iters must be >= 1; got {iters}")
    params = [p for p in model.parameters() if p.requires_grad]
    gen = torch.Generator().manual_seed(seed)
    vec = [torch.randn(p.shape, generator=gen, dtype=p.dtype) for p in params]
    eig = 0.0
    for _ in range(iters):
        norm = torch.sqrt(sum((v * v).sum() for v in vec))
        vec = [v / norm for v in vec]
        hv = hvp(lambda: loss_fn(model), params, vec)
        eig = float(sum((h * v).sum() for h, v in zip(hv, vec, strict=True)))
        vec = [h.detach() for h in hv]
    return eig

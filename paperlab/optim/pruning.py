"""Unstructured pruning masks for iterative magnitude pruning (Frankle & Carbin 2019, Alg. 1).

A mask is a dict ``{parameter name: 0/1 tensor}`` over the weights that may be pruned.
``prune_magnitude`` removes, per layer, a fraction of the *remaining* weights with the
smallest magnitude (the paper's layer-wise pruning; open_lth's ``sparse_global`` prunes
globally instead). ``attach`` keeps pruned weights at zero during training by masking
both the weights and their gradients.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

Masks = dict[str, torch.Tensor]


def full_masks(model: nn.Module, names: list[str] | None = None) -> Masks:
    """All-ones masks for ``names`` (default: every parameter with more than one dimension)."""
    params = dict(model.named_parameters())
    if names is None:
        names = [n for n, p in params.items() if p.dim() > 1]
    unknown = [n for n in names if n not in params]
    if unknown:
        raise ValueError(
            f"names must be parameters of the model; unknown {unknown}, allowed {sorted(params)}"
        )
    return {n: torch.ones_like(params[n], dtype=torch.bool) for n in names}


def _check_rates(masks: Masks, rates: Mapping[str, float]) -> None:
    for name, rate in rates.items():
        if name not in masks:
            raise ValueError(f"rates names a parameter without a mask: {name!r}; masked: {sorted(masks)}")
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"rates[{name!r}] must be in [0, 1); got {rate}")


def prune_magnitude(weights: Mapping[str, torch.Tensor], masks: Masks, rates: Mapping[str, float]) -> Masks:
    """New masks that drop ``rates[name]`` of each layer's surviving weights, smallest ``|w|`` first."""
    _check_rates(masks, rates)
    out = {}
    for name, mask in masks.items():
        rate = rates.get(name, 0.0)
        alive = int(mask.sum())
        n_drop = round(rate * alive)
        new = mask.clone()
        if n_drop > 0:
            score = weights[name].detach().abs().masked_fill(~mask, float("inf")).flatten()
            drop = torch.topk(score, n_drop, largest=False).indices
            new.view(-1)[drop] = False
        out[name] = new
    return out


def prune_random(masks: Masks, rates: Mapping[str, float], generator: torch.Generator) -> Masks:
    """New masks that drop ``rates[name]`` of each layer's surviving weights uniformly at random."""
    _check_rates(masks, rates)
    out = {}
    for name, mask in masks.items():
        n_drop = round(rates.get(name, 0.0) * int(mask.sum()))
        new = mask.clone()
        if n_drop > 0:
            alive = mask.flatten().nonzero().squeeze(1)
            drop = alive[torch.randperm(len(alive), generator=generator)[:n_drop]]
            new.view(-1)[drop] = False
        out[name] = new
    return out


@torch.no_grad()
def rewind(model: nn.Module, theta0: Mapping[str, torch.Tensor], masks: Masks) -> None:
    """Reset ``model`` to its initial state ``theta0`` and zero the pruned weights (the ticket m ⊙ θ₀)."""
    model.load_state_dict(theta0)
    apply(model, masks)


@torch.no_grad()
def apply(model: nn.Module, masks: Masks) -> None:
    """Zero the pruned weights of ``model`` in place."""
    params = dict(model.named_parameters())
    for name, mask in masks.items():
        params[name].mul_(mask)


def attach(model: nn.Module, masks: Masks) -> list[torch.utils.hooks.RemovableHandle]:
    """Zero pruned weights and mask their gradients, so any optimizer keeps them at zero.

    (Adam with a zero gradient and zero state makes a zero update.) Returns hook handles;
    call ``h.remove()`` on each to detach.
    """
    apply(model, masks)
    params = dict(model.named_parameters())
    return [params[n].register_hook(lambda g, m=m: g * m) for n, m in masks.items()]


def fraction_remaining(masks: Masks) -> float:
    """Fraction of maskable weights still alive."""
    total = sum(m.numel() for m in masks.values())
    return sum(int(m.sum()) for m in masks.values()) / max(total, 1)

"""Collect layer activations from any torch module with forward hooks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import torch
from torch import nn

SPATIAL = ("positions", "mean", "flatten")


def layer_names(
    model: nn.Module, types: tuple[type[nn.Module], ...] = (nn.Conv2d, nn.Linear, nn.ReLU)
) -> list[str]:
    """Names of the submodules of ``model`` of the given types, in registration order."""
    return [name for name, m in model.named_modules() if name and isinstance(m, types)]


def _reduce(out: torch.Tensor, spatial: str) -> torch.Tensor:
    if out.dim() <= 2:
        return out.reshape(out.shape[0], -1)
    if spatial == "mean":
        return out.flatten(2).mean(-1)  # (batch, channels)
    if spatial == "positions":
        return out.flatten(2).transpose(1, 2).reshape(-1, out.shape[1])  # (batch * positions, channels)
    return out.reshape(out.shape[0], -1)  # (batch, channels * positions)


@torch.no_grad()
def collect_activations(
    model: nn.Module,
    data: torch.Tensor | Iterable | Callable[[], Iterable],
    layers: Sequence[str],
    *,
    spatial: str = "positions",
    batch_size: int = 512,
) -> dict[str, np.ndarray]:
    """Run ``model`` over ``data`` and return ``{layer: (samples, units)}`` activations.

    ``data``: a tensor of inputs, an iterable of batches (a tensor, or a tuple whose
    first item is the input), or an epoch factory such as :func:`paperlab.train.batches`.
    ``spatial`` says what a conv feature map ``(batch, channels, h, w)`` becomes:
    ``"positions"`` (every position a sample, channels the units — as in the
    convergent-learning paper), ``"mean"`` (spatial mean) or ``"flatten"``.
    """
    if spatial not in SPATIAL:
        raise ValueError(f"spatial must be one of {SPATIAL}; got {spatial!r}")
    modules = dict(model.named_modules())
    missing = [name for name in layers if name not in modules]
    if missing or not layers:
        raise ValueError(
            f"layers must name submodules of the model; unknown {missing}; known {layer_names(model)}"
        )
    store: dict[str, list[torch.Tensor]] = {name: [] for name in layers}
    handles = [
        modules[name].register_forward_hook(
            lambda _m, _i, out, name=name: store[name].append(_reduce(out, spatial).cpu())
        )
        for name in layers
    ]
    if isinstance(data, torch.Tensor):
        data = [data[i : i + batch_size] for i in range(0, len(data), batch_size)]
    elif callable(data):
        data = data()
    was_training = model.training
    model.eval()
    try:
        for batch in data:
            model(batch[0] if isinstance(batch, tuple | list) else batch)
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return {name: torch.cat(chunks).numpy().astype(np.float64) for name, chunks in store.items()}

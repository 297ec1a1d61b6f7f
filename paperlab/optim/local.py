"""Layer-local training helpers: saved-activation memory of a backward pass.

Backpropagation keeps every intermediate tensor autograd saved during the forward pass
until ``backward``; a layer-local rule (tpSGD, forward-forward) keeps one layer's worth at
a time. ``saved_bytes`` measures this directly with ``torch.autograd.graph.saved_tensors_hooks``
rather than assuming it.
"""

from __future__ import annotations

from collections.abc import Callable

import torch


class SavedMemory:
    """Context manager counting bytes autograd saves for backward; ``peak`` is the high-water mark.

    Call ``release()`` after a ``backward`` frees a graph, so the live count drops.
    """

    def __init__(self) -> None:
        self.live = 0
        self.peak = 0
        self._ctx = torch.autograd.graph.saved_tensors_hooks(self._pack, lambda t: t)

    def _pack(self, t: torch.Tensor) -> torch.Tensor:
        self.live += t.numel() * t.element_size()
        self.peak = max(self.peak, self.live)
        return t

    def release(self) -> None:
        self.live = 0

    def __enter__(self) -> SavedMemory:
        self._ctx.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._ctx.__exit__(*exc)


def saved_bytes(step: Callable[[SavedMemory], None]) -> int:
    """Peak saved-activation bytes of ``step(meter)``; ``step`` calls ``meter.release()`` after each backward."""
    with SavedMemory() as meter:
        step(meter)
    return meter.peak

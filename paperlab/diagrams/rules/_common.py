"""Argument helpers shared by the per-op rules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import torch

from paperlab.diagrams.ir import Axis, Tensor

if TYPE_CHECKING:
    from paperlab.diagrams.tracer import Tracer


Rule = Callable[["Tracer", str, Sequence[Any], dict[str, Any], list[Tensor], list[torch.Tensor]], None]


def _arg(args: Sequence[Any], kwargs: dict[str, Any], i: int, key: str, default: Any = None) -> Any:
    if key in kwargs:
        return kwargs[key]
    return args[i] if len(args) > i else default


def _dims(d: Any, ndim: int) -> list[int]:
    if d is None:
        return list(range(ndim))
    if isinstance(d, (list, tuple)):
        return sorted(int(x) % ndim for x in d)
    return [int(d) % max(ndim, 1)]


def _base(name: str) -> str:
    return name.rstrip("'")


def _prime(ax: Axis) -> str:
    return _base(ax.display) + "'"


def _num(v: Any) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def _main(tr: Tracer, args: Sequence[Any], ins: list[Tensor]) -> Tensor:
    t = tr.get(args[0]) if args else None
    return t if t is not None else ins[0]


def flatten(obj: Any, depth: int = 0) -> list[Any]:
    """Tensors inside nested tuples, lists and dicts (and named tuples), in order."""
    if isinstance(obj, torch.Tensor):
        return [obj]
    if depth > 4:
        return []
    if isinstance(obj, dict):
        return [t for v in obj.values() for t in flatten(v, depth + 1)]
    if isinstance(obj, (tuple, list)):
        return [t for v in obj for t in flatten(v, depth + 1)]
    return []

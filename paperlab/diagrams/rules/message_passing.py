"""Message passing (PyTorch Geometric) drawn as aggregations over a neighbour axis.

A PyG layer (:class:`torch_geometric.nn.conv.MessagePassing`) runs its learned maps as ordinary
modules (``self.lin`` ...) and its graph step as gathers by edge index and scatter/segment
reductions, plus index bookkeeping (self loops, degree normalisation). The tracer draws the learned
maps with their usual rules, folds the bookkeeping away, and draws

- ``propagate`` as one **aggregation** box, ``Σ_{j∈N(i)}`` (or mean/max/...), a contraction over the
  neighbour axis whose inputs are the node features and the adjacency (the ``edge_index`` wire);
- ``edge_updater`` (GAT's attention coefficients) as one **softmax over N(i)** box.

This module holds those two rules; :mod:`paperlab.diagrams.tracer` calls them from PyG's own
propagate/edge-update hooks (Gilmer et al. 2017, eq. 1-2: messages, then a permutation-invariant
aggregation over neighbours).
"""

from __future__ import annotations

import sys
from math import prod
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from paperlab.diagrams.rules._common import flatten

if TYPE_CHECKING:
    from paperlab.diagrams.ir import Axis, Tensor
    from paperlab.diagrams.tracer import Tracer

_AGGR = {"add": "Σ", "sum": "Σ", "mean": "mean", "max": "max", "min": "min", "mul": "Π"}


def is_message_passing(module: nn.Module) -> bool:
    """Whether ``module`` is a PyG message-passing layer (without importing PyG when it is not loaded)."""
    if "torch_geometric" not in sys.modules:
        return False
    from torch_geometric.nn.conv import MessagePassing

    return isinstance(module, MessagePassing)


def _tensors(obj: Any) -> list[torch.Tensor]:
    return flatten(obj)


def _inputs(tr: Tracer, edge_index: Any, kwargs: dict[str, Any]) -> tuple[list[Tensor], Tensor | None]:
    """Traced feature inputs (deduplicated by origin) and the adjacency wire, if traced."""
    adj = tr.get(edge_index) if isinstance(edge_index, torch.Tensor) else None
    adj = adj.origin if adj is not None else None  # the graph's own edge_index, before self loops
    seen = {adj.origin.id} if adj is not None else set()
    feats = []
    for v in _tensors(list(kwargs.values())):
        t = tr.get(v)
        if t is None or t.origin.id in seen or not v.is_floating_point():
            continue
        seen.add(t.origin.id)
        feats.append(t)
    return feats, adj


def _out_axes(tr: Tracer, feats: list[Tensor], out: torch.Tensor) -> list[Axis]:
    """The output keeps the node axis and the feature axes of the input it aggregates, when sizes match."""
    src = feats[0].axes if feats else ()
    axes: list[Axis] = []
    for i, size in enumerate(out.shape):
        j = i - out.dim() + len(src) if i else 0
        same = src[j] if src and 0 <= j < len(src) and src[j].size == size else None
        axes.append(same if same is not None else tr.fresh("n" if i == 0 else "f", size))
    return axes


def _operands(
    tr: Tracer, edge_index: Any, kwargs: dict[str, Any], out: Any
) -> tuple[list[torch.Tensor], list[Tensor], list[Tensor]] | None:
    """(torch outputs, traced feature inputs, box inputs = features + adjacency), or None if nothing to draw."""
    outs = _tensors(out)
    if not outs:
        return None
    feats, adj = _inputs(tr, edge_index, kwargs)
    if not feats and adj is None:
        return None
    return outs, feats, feats + ([adj] if adj is not None else [])


def aggregation(tr: Tracer, module: nn.Module, edge_index: Any, kwargs: dict[str, Any], out: Any) -> None:
    """One box for ``propagate``: an aggregation over the neighbours j of each node i."""
    found = _operands(tr, edge_index, kwargs, out)
    if found is None:
        return
    outs, feats, inputs = found
    o = outs[0]
    aggr = getattr(module, "aggr", "add")
    symbol = _AGGR.get(aggr, str(aggr)) if isinstance(aggr, str) else type(aggr).__name__
    n_edges = (
        int(edge_index.shape[-1]) if isinstance(edge_index, torch.Tensor) and edge_index.dim() == 2 else 0
    )
    width = prod(o.shape[1:]) if o.dim() > 1 else 1
    axes = _out_axes(tr, feats, o)
    tr.node(
        "contraction",
        f"{symbol} j∈N(i)",
        inputs,
        [(o, axes)],
        flops=2 * n_edges * width,
        note="over neighbours (edge_index)",
        aggregation=str(aggr),
    )
    for extra in outs[1:]:  # rare: propagate returning a tuple
        tr.bind(extra, [tr.fresh("d", s) for s in extra.shape], root=tr.get(o))


def edge_update(tr: Tracer, module: nn.Module, edge_index: Any, kwargs: dict[str, Any], out: Any) -> None:
    """One box for ``edge_updater`` (e.g. GAT's α_ij): a normalisation over each node's neighbours."""
    found = _operands(tr, edge_index, kwargs, out)
    if found is None:
        return
    outs, feats, inputs = found
    o = outs[0]
    e_axis = tr.fresh("e", o.shape[0])
    rest = [tr.fresh("h", s) for s in o.shape[1:]]
    learned = any("att" in name for name, _ in module.named_parameters(recurse=False))
    tr.node(
        "softmax",
        "softmax j∈N(i)",
        inputs,
        [(o, [e_axis, *rest])],
        learned=learned,
        flops=2 * o.numel(),
        note="attention over neighbours",
    )


def hooks(tr: Tracer, module: nn.Module) -> list[Any]:
    """Register the propagate/edge-update hooks on one PyG layer; returns the handles."""
    state: list[tuple[Any, dict[str, Any]]] = []

    def pre(_m: nn.Module, inputs: tuple[Any, ...]) -> None:
        edge_index, _size, kw = inputs
        state.append((edge_index, dict(kw)))
        tr.silent += 1

    def post(rule: Any) -> Any:
        def hook(m: nn.Module, _inputs: tuple[Any, ...], output: Any) -> None:
            tr.silent -= 1
            edge_index, kw = state.pop()
            if tr.silent or tr.atomic:
                return
            try:
                rule(tr, m, edge_index, kw, output)
            except Exception as exc:  # a rule bug must never break the user's forward pass
                tr.failed.append(f"{type(m).__name__}.{rule.__name__}: {type(exc).__name__}: {exc}")

        return hook

    return [
        module.register_propagate_forward_pre_hook(pre),
        module.register_propagate_forward_hook(post(aggregation)),
        module.register_edge_update_forward_pre_hook(pre),
        module.register_edge_update_forward_hook(post(edge_update)),
    ]

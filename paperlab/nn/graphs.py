"""Shared graph-learning pieces used by more than one paper notebook.

- :func:`smv`: the smoothness metric value of node representations (DAGNN, Liu et al. KDD 2020, §3.1).
- :class:`Propagate`: the parameter-free propagation ``x ↦ Â x`` with
  ``Â = D̃^{-1/2}(A + I)D̃^{-1/2}`` (Kipf & Welling 2017; DAGNN's ``Prop`` step, SGC/APPNP style).
- :func:`fit_node_classifier`: full-batch transductive node classification (Adam on the training
  nodes' cross-entropy) that keeps the state of best validation accuracy, as the usual Planetoid
  early stopping does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from torch_geometric.data import Data
from torch_geometric.nn import MessagePassing
from torch_geometric.nn.conv.gcn_conv import gcn_norm

__all__ = ["smv", "Propagate", "NodeFit", "fit_node_classifier", "graph_forward", "features_forward"]


def smv(h: torch.Tensor) -> float:
    """The smoothness metric value SMV_G (DAGNN §3.1) of node representations ``h`` (n × c).

    ``D(x_i, x_j) = ½‖x_i/‖x_i‖ − x_j/‖x_j‖‖``, averaged over all ordered pairs ``i ≠ j``
    (rows of norm 0 are left as 0-vectors, as in the paper's definition with a safe division).
    0 means every node has the same direction (fully smoothed).
    """
    if h.dim() != 2 or h.shape[0] < 2:
        raise ValueError(f"h must be (n, c) with n >= 2; got shape {tuple(h.shape)}")
    u = h.detach().double()
    u = u / u.norm(dim=1, keepdim=True).clamp_min(1e-12)
    dist = 0.5 * torch.cdist(u, u)  # (n, n), zero diagonal
    n = u.shape[0]
    return float(dist.sum() / (n * (n - 1)))


class Propagate(MessagePassing):
    """``x ↦ Â x`` with ``Â = D̃^{-1/2}(A + I)D̃^{-1/2}`` (PyG ``gcn_norm``); no parameters.

    The normalised edge weights are cached per ``edge_index`` object (transductive: one graph).
    """

    def __init__(self) -> None:
        super().__init__(aggr="add")
        self._cache: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None

    def _norm(self, edge_index: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        if self._cache is None or self._cache[0] is not edge_index:
            ei, w = gcn_norm(edge_index, None, n, add_self_loops=True)
            self._cache = (edge_index, ei, w)
        return self._cache[1], self._cache[2]

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        ei, w = self._norm(edge_index, x.shape[0])
        return self.propagate(ei, x=x, norm=w)

    def message(self, x_j: torch.Tensor, norm: torch.Tensor) -> torch.Tensor:
        return norm.view(-1, 1) * x_j


def graph_forward(model: nn.Module, data: Data) -> torch.Tensor:
    """``model(data.x, data.edge_index)``: the default forward of :func:`fit_node_classifier`."""
    return model(data.x, data.edge_index)


def features_forward(model: nn.Module, data: Data) -> torch.Tensor:
    """``model(data.x)``: the forward of a graph-free model (an MLP on node features)."""
    return model(data.x)


@dataclass
class NodeFit:
    """The outcome of :func:`fit_node_classifier`; the model holds its best-validation state."""

    val_acc: float  # best validation accuracy
    test_acc: float  # test accuracy of the best-validation state
    best_epoch: int
    curve: list[tuple[int, float]] = field(default_factory=list)  # (epoch, validation accuracy)


def _acc(pred: torch.Tensor, y: torch.Tensor, mask: torch.Tensor) -> float:
    return float((pred[mask] == y[mask]).float().mean())


def fit_node_classifier(
    model: nn.Module,
    data: Data,
    *,
    epochs: int,
    lr: float,
    weight_decay: float,
    eval_every: int = 5,
    no_decay: tuple[str, ...] = (),
    forward: Callable[[nn.Module, Data], torch.Tensor] = graph_forward,
) -> NodeFit:
    """Full-batch Adam on the cross-entropy of ``data.train_mask`` nodes for ``epochs`` epochs.

    Every ``eval_every`` epochs (and at the last) the model is evaluated in eval mode; the state with
    the best validation accuracy (the earliest on ties) is kept and loaded at the end (the model is
    left in eval mode). Parameters whose names start with one of ``no_decay`` get no weight decay.
    ``forward(model, data)`` returns the logits (n × classes); :func:`features_forward` for an MLP.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1; got {epochs}")
    if eval_every < 1:
        raise ValueError(f"eval_every must be >= 1; got {eval_every}")
    params = list(model.named_parameters())
    groups = [
        {"params": [p for n, p in params if not no_decay or not n.startswith(no_decay)]},
        {"params": [p for n, p in params if no_decay and n.startswith(no_decay)], "weight_decay": 0.0},
    ]
    opt = torch.optim.Adam([g for g in groups if g["params"]], lr=lr, weight_decay=weight_decay)
    best_val, best_test, best_epoch = -1.0, 0.0, 0
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    curve: list[tuple[int, float]] = []
    for epoch in range(1, epochs + 1):
        model.train()
        opt.zero_grad()
        out = forward(model, data)
        F.cross_entropy(out[data.train_mask], data.y[data.train_mask]).backward()
        opt.step()
        if epoch % eval_every == 0 or epoch == epochs:
            model.eval()
            with torch.no_grad():
                pred = forward(model, data).argmax(1)
            val, test = _acc(pred, data.y, data.val_mask), _acc(pred, data.y, data.test_mask)
            curve.append((epoch, val))
            if val > best_val:
                best_val, best_test, best_epoch = val, test, epoch
                state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    model.eval()
    return NodeFit(best_val, best_test, best_epoch, curve)

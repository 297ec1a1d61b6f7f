"""Shared graph pieces (paperlab.nn.graphs): SMV, Â propagation, the best-validation node trainer."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch_geometric.nn.models import GCN
from torch_geometric.utils import to_dense_adj

from paperlab.data.graphs import csbm
from paperlab.nn.graphs import NodeFit, Propagate, features_forward, fit_node_classifier, smv


def _data(n: int = 120):
    return csbm(n=n, n_classes=3, d=8, avg_degree=6.0, train_per_class=10, n_val=30, seed=0)


def test_smv_limits() -> None:
    same = torch.tensor([[1.0, 2.0], [2.0, 4.0], [0.5, 1.0]])
    assert smv(same) == pytest.approx(0.0, abs=1e-12)  # one direction: fully smoothed
    assert smv(torch.eye(2)) == pytest.approx(0.5 * math.sqrt(2))  # orthogonal unit vectors
    assert smv(torch.tensor([[1.0, 0.0], [-1.0, 0.0]])) == pytest.approx(1.0)  # opposite: the maximum
    with pytest.raises(ValueError, match="h must be"):
        smv(torch.ones(1, 3))


def test_propagate_is_the_normalised_adjacency_with_self_loops() -> None:
    data = _data()
    n = data.num_nodes
    a = to_dense_adj(data.edge_index, max_num_nodes=n)[0] + torch.eye(n)
    d = a.sum(1).rsqrt()
    a_hat = d[:, None] * a * d[None, :]
    x = torch.randn(n, 4)
    prop = Propagate()
    torch.testing.assert_close(prop(x, data.edge_index), a_hat @ x)
    assert not list(prop.parameters())  # parameter-free
    h = x
    for _ in range(200):
        h = prop(h, data.edge_index)
    assert smv(h) < smv(x) and smv(h) < 0.02  # Â^k x tends to the rank-one limit: over-smoothing


def test_fit_node_classifier_keeps_the_best_validation_state() -> None:
    data = _data()
    torch.manual_seed(0)
    model = GCN(8, 16, num_layers=2, out_channels=3)
    fit = fit_node_classifier(model, data, epochs=40, lr=0.01, weight_decay=5e-4, eval_every=5)
    assert isinstance(fit, NodeFit) and not model.training
    assert [e for e, _ in fit.curve] == list(range(5, 45, 5))
    best = max(v for _, v in fit.curve)
    assert fit.val_acc == best and fit.best_epoch == next(e for e, v in fit.curve if v == best)  # earliest
    with torch.no_grad():
        pred = model(data.x, data.edge_index).argmax(1)  # the loaded state is the best-validation one
    assert float((pred[data.val_mask] == data.y[data.val_mask]).float().mean()) == fit.val_acc
    assert float((pred[data.test_mask] == data.y[data.test_mask]).float().mean()) == fit.test_acc
    assert fit.test_acc > 0.6


def test_fit_node_classifier_no_decay_and_features_forward() -> None:
    data = _data()
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    before = mlp[2].weight.detach().clone()
    # huge decay on everything but the last layer; the last layer must still train freely
    fit = fit_node_classifier(
        mlp, data, epochs=3, lr=0.01, weight_decay=10.0, no_decay=("2.",), forward=features_forward
    )
    assert fit.best_epoch in (3,) and len(fit.curve) == 1
    assert not torch.equal(before, mlp[2].weight)
    with pytest.raises(ValueError, match="epochs"):
        fit_node_classifier(mlp, data, epochs=0, lr=0.01, weight_decay=0.0)


def test_draw_graph_shared_scale_and_highlight() -> None:
    """paperlab.viz.graphs.draw_graph: ``vmin``/``vmax`` fix the colour scale, ``highlight`` redraws nodes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from paperlab.viz.graphs import draw_graph

    data = _data(30)
    fig, ax = plt.subplots()
    draw_graph(data.edge_index, torch.linspace(0, 1, 30), ax=ax, vmin=0.0, vmax=2.0, highlight=[0, 3])
    base, top = ax.collections[1], ax.collections[2]  # edges, all nodes, highlighted nodes
    assert base.norm.vmin == 0.0 and base.norm.vmax == 2.0 and top.norm.vmax == 2.0
    assert len(top.get_offsets()) == 2 and top.get_sizes()[0] > base.get_sizes()[0]
    with pytest.raises(ValueError, match="highlight"):
        draw_graph(data.edge_index, torch.zeros(30), ax=ax, highlight=[30])
    plt.close(fig)

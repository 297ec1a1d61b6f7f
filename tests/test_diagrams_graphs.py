"""Message passing in circuit diagrams: a PyG layer is its learned maps plus one aggregation over
the neighbour axis (the adjacency as an input), with the index bookkeeping folded away."""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn
from torch_geometric.nn import GATConv, GCNConv, GINConv, SAGEConv

from paperlab.diagrams import trace
from paperlab.diagrams.tracer import DiagramWarning


class TwoLayer(nn.Module):
    def __init__(self, conv1: nn.Module, conv2: nn.Module) -> None:
        super().__init__()
        self.c1, self.c2 = conv1, conv2

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        return self.c2(torch.relu(self.c1(x, edge_index)), edge_index)


def _graph() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    src = torch.randint(0, 20, (60,), generator=g)
    dst = torch.randint(0, 20, (60,), generator=g)
    return torch.randn(20, 8, generator=g), torch.stack([src, dst])


def _kinds(model: nn.Module) -> list[str]:
    x, ei = _graph()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DiagramWarning)  # no generic boxes, no failed rules
        d = trace(model, x, ei, axes=["n f", "s e"])
    return [n.kind for n in d.nodes if n.kind not in ("input", "output", "copy")]


def test_two_layer_gcn_is_two_linear_maps_and_two_aggregations() -> None:
    kinds = _kinds(TwoLayer(GCNConv(8, 16), GCNConv(16, 3)))
    assert kinds.count("linear") == 2 and kinds.count("contraction") == 2
    assert "generic" not in kinds and "reindex" not in kinds
    assert kinds == ["linear", "contraction", "elementwise", "linear", "contraction"]


def test_gat_draws_attention_over_neighbours_then_aggregation() -> None:
    kinds = _kinds(TwoLayer(GATConv(8, 16), GATConv(16, 3)))
    assert kinds == ["linear", "softmax", "contraction", "elementwise", "linear", "softmax", "contraction"]


def test_aggregation_takes_the_adjacency_and_keeps_the_node_axis() -> None:
    x, ei = _graph()
    d = trace(TwoLayer(GCNConv(8, 16), GCNConv(16, 3)), x, ei, axes=["n f", "s e"])
    agg = [n for n in d.nodes if n.kind == "contraction"]
    for node in agg:
        assert any(t.axes and t.axes[-1].name == "e" for t in node.inputs), "adjacency wire missing"
        assert node.outputs[0].axes[0].name == "n" and node.label.startswith("Σ")
        assert node.flops > 0


@pytest.mark.parametrize(
    ("conv", "symbol"),
    [(lambda: SAGEConv(8, 8), "mean"), (lambda: GINConv(nn.Sequential(nn.Linear(8, 8), nn.ReLU())), "Σ")],
)
def test_other_layers_aggregate_with_their_own_reduction(conv, symbol: str) -> None:
    x, ei = _graph()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DiagramWarning)
        d = trace(TwoLayer(conv(), conv()), x, ei)
    agg = [n for n in d.nodes if n.kind == "contraction"]
    assert len(agg) == 2 and all(n.label.startswith(symbol) for n in agg)
    assert not [n for n in d.nodes if n.kind == "generic"]


def test_hooks_are_removed_after_tracing() -> None:
    conv = GCNConv(8, 4)
    x, ei = _graph()
    trace(conv, x, ei)
    assert not conv._propagate_forward_pre_hooks and not conv._propagate_forward_hooks
    conv(x, ei)  # still runs untraced


def test_k_hop_layer_draws_each_hop_and_its_map() -> None:
    """TAGConv (Σ_k Θ_k S^k x): maps called as lin.forward inside the layer and the sum over hops are drawn."""
    from torch_geometric.nn import TAGConv

    x, ei = _graph()
    d = trace(TAGConv(8, 4, K=2), x, ei)
    kinds = [n.kind for n in d.nodes if n.kind not in ("input", "output", "copy")]
    assert kinds.count("contraction") == 2 and kinds.count("linear") == 3 and kinds.count("add") == 2

"""Mechanism tests for magnitude pruning, graph-wired sparse RNNs and the embedded Reber generator."""

import networkx as nx
import pytest
import torch

from paperlab.data.sequences import REBER_ALPHABET, embedded_reber, is_embedded_reber
from paperlab.papers import sparse_rnn_pruning as paper


def test_reber_labels_match_the_grammar():
    x, lengths, y = embedded_reber(200, seed=0)
    pad = len(REBER_ALPHABET)
    for row, n, label in zip(x.tolist(), lengths.tolist(), y.tolist(), strict=True):
        s = "".join(REBER_ALPHABET[i] for i in row if i != pad)
        assert len(s) == n and is_embedded_reber(s) == bool(label)
    assert 0.45 <= y.float().mean() <= 0.55
    assert x[:, -1].ne(pad).all()  # left padding: every string ends at the last step


def test_embedded_dependency_is_checked():
    assert is_embedded_reber("BTBTXSETE")
    assert not is_embedded_reber("BTBTXSEPE")  # wrapper mismatch
    assert not is_embedded_reber("BTBTXXETE")  # inner grammar broken


@pytest.mark.parametrize("cell", ["rnn", "rnn_relu", "gru", "lstm"])
def test_magnitude_pruning_zeros_the_smallest_weights_and_survives_training(cell):
    torch.manual_seed(0)
    model = paper.reber_classifier(cell, hidden=12)
    w_before = model.rnn.weight_hh_l0.detach().abs().clone()
    paper.magnitude_prune(model, 0.6)
    assert paper.sparsity(model) == pytest.approx(0.6, abs=0.01)
    kept = model.rnn.weight_hh_l0 != 0
    assert w_before[kept].min() >= w_before[~kept].max()  # magnitude criterion
    data = paper.reber_data(n_train=64, n_test=16)
    paper.train(model, data, epochs=1)
    assert paper.sparsity(model) == pytest.approx(0.6, abs=0.01)  # the mask holds while retraining
    x = data.x_test[:4]
    assert model(x).shape == (4, 2)


def test_bad_prune_amount():
    with pytest.raises(ValueError, match="amount"):
        paper.magnitude_prune(paper.reber_classifier("gru"), 1.0)


def test_layered_dag_respects_edges():
    g = paper.random_graph("barabasi_albert", 20, seed=1)
    dag, layers = paper.layered_dag(g)
    depth = {v: i for i, layer in enumerate(layers) for v in layer}
    assert nx.is_directed_acyclic_graph(dag) and sorted(depth) == sorted(g.nodes)
    assert all(depth[u] < depth[v] for u, v in dag.edges)


def test_graph_rnn_unit_reads_only_its_predecessors():
    g = nx.path_graph(4)  # 0-1-2-3 → chain DAG, one node per layer
    model = paper.GraphRNN(g, "gru", embed=4)
    assert [len(layer) for layer in model.layers] == [1, 1, 1, 1]
    mask = model.rnns[2].weight_ih_l0_mask  # node 2 reads node 1 only: columns [embed | 0 | 1]
    assert mask[0].tolist() == [0, 0, 0, 0, 0, 1]
    assert model.sinks == [3]
    assert model(torch.randint(0, paper.VOCAB, (3, 7))).shape == (3, 2)


def test_graph_properties_and_generators():
    props = paper.graph_properties(nx.cycle_graph(6))
    assert props["density"] == pytest.approx(0.4) and props["diameter"] == 3
    with pytest.raises(ValueError, match="kind"):
        paper.random_graph("erdos", 10, seed=0)

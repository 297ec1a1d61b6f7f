"""Mechanism tests for magnitude pruning, graph-wired sparse RNNs and the embedded Reber generator."""

import networkx as nx
import pytest
import torch

import paperlab
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
def test_per_matrix_pruning_zeros_the_smallest_weights_and_survives_training(cell):
    torch.manual_seed(0)
    model = paper.reber_classifier(cell, hidden=12)
    w_before = model.rnn.weight_hh_l0.detach().abs().clone()
    paper.magnitude_prune(model, 0.6, "per_matrix")
    assert all(v == pytest.approx(0.6, abs=0.01) for v in paper.matrix_sparsity(model).values())
    assert paper.sparsity(model) == pytest.approx(0.6, abs=0.01)
    kept = model.rnn.weight_hh_l0 != 0
    assert w_before[kept].min() >= w_before[~kept].max()  # magnitude criterion
    data = paper.reber_data(n_train=64, n_test=16)
    paper.train(model, data, epochs=1)
    assert paper.sparsity(model) == pytest.approx(0.6, abs=0.01)  # the mask holds while retraining
    x = data.x_test[:4]
    assert model(x).shape == (4, 2)


def test_global_pruning_uses_one_threshold_over_all_matrices():
    """The thesis' PruneRNN.__get_masks: one percentile of |w| pooled over every W_ih and W_hh."""
    torch.manual_seed(0)
    model = paper.reber_classifier("gru", hidden=12, num_layers=2)
    with torch.no_grad():
        model.rnn.weight_hh_l1.mul_(0.1)  # one matrix of small weights: the global rule prunes it hardest
    names = paper.recurrent_weight_names(model.rnn)
    before = {n: getattr(model.rnn, n).detach().abs().clone() for n in names}
    paper.magnitude_prune(model, 0.5)
    assert paper.sparsity(model) == pytest.approx(0.5, abs=0.01)
    kept = {n: getattr(model.rnn, n) != 0 for n in names}
    pruned_w = torch.cat([before[n][~kept[n]] for n in names])
    kept_w = torch.cat([before[n][kept[n]] for n in names])
    assert pruned_w.max() <= kept_w.min()
    per = paper.matrix_sparsity(model)
    assert per["weight_hh_l1"] > 0.95 and min(per.values()) < 0.5  # uneven across matrices


def test_controls_keep_the_size_but_not_the_mechanism():
    torch.manual_seed(0)
    a, b = paper.reber_classifier("lstm", hidden=12), paper.reber_classifier("lstm", hidden=12)
    b.load_state_dict(a.state_dict())
    paper.magnitude_prune(a, 0.6)
    paper.random_prune(b, 0.6, seed=0)
    assert paper.sparsity(b) == pytest.approx(0.6, abs=0.01)
    assert not torch.equal(a.rnn.weight_hh_l0_mask, b.rnn.weight_hh_l0_mask)


def test_claim_rows_compare_ours_with_the_controls():
    data = paper.reber_data(n_train=64, n_test=32)
    cfg = paperlab.setup(seed=0, mode="fast", verbose=False)
    res = paper.run_pruning(
        cfg, data, cells=("gru",), levels=(0.6, 0.9), rules=("global",), epochs=1, hidden=8
    )
    rows = paper.claim_rows(res)
    assert set(rows) == {"ours", "pruned, not retrained", "random mask + retrain", "fresh init, same mask"}
    table = paper.CLAIM.check(rows)  # every clause measured on every row
    assert all(abs(r["sparsity_60"] - 0.6) < 0.01 for r in table.rows.values())
    # the fresh control keeps the magnitude mask: same zeros, other weights
    assert res.sparsity["fresh"]["gru"][0.6] == pytest.approx(res.sparsity["global"]["gru"][0.6])


def test_bad_prune_arguments():
    with pytest.raises(ValueError, match="amount"):
        paper.magnitude_prune(paper.reber_classifier("gru"), 1.0)
    with pytest.raises(ValueError, match="rule"):
        paper.magnitude_prune(paper.reber_classifier("gru"), 0.5, "layerwise")
    with pytest.raises(ValueError, match="rules/controls"):
        paper.run_pruning(paperlab.setup(seed=0, verbose=False), paper.reber_data(8, 8), rules=("magic",))


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

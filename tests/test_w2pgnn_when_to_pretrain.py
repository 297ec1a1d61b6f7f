import numpy as np
import pytest
import torch

from paperlab.data.graphs import sample_graphon
from paperlab.papers import w2pgnn_when_to_pretrain as w2


def test_estimate_graphon_recovers_a_known_step_graphon():
    # a 2-block SBM whose blocks differ in degree (0.45 vs 0.15): sorting by degree separates them
    truth = np.array([[0.7, 0.2], [0.2, 0.1]])
    graphs = [sample_graphon(truth, 200, seed=s) for s in range(30)]
    est = w2.estimate_graphon(graphs, 2)
    assert np.abs(est - truth).max() < 0.03


def test_estimate_graphon_recovers_a_smooth_monotone_graphon():
    graphs = w2.sample_graphs(w2.DOMAINS["W = uv"], 30, sizes=(150, 150), seed=0)
    est = w2.estimate_graphon(graphs, 5)
    centres = (np.arange(5) + 0.5) / 5
    truth = np.outer(1 - centres, 1 - centres)
    assert np.abs(est - truth).mean() < 0.03
    assert np.allclose(est, est.T)


def test_estimate_graphon_arguments():
    with pytest.raises(ValueError, match="k"):
        w2.estimate_graphon([np.zeros((5, 5))], 0)
    with pytest.raises(ValueError, match="at least k"):
        w2.estimate_graphon([np.zeros((5, 5))], 8)


def test_gw_distance_is_zero_for_a_relabelled_graphon():
    w = np.array([[0.8, 0.3, 0.1], [0.3, 0.5, 0.2], [0.1, 0.2, 0.4]])
    perm = [2, 0, 1]
    assert w2.gw_distance(w, w[np.ix_(perm, perm)]) < 1e-6
    assert w2.gw_distance(w, np.full((3, 3), 0.3)) > 0.05


def test_fit_generator_finds_the_mixture_of_exact_bases():
    rng = np.random.default_rng(0)
    bases = [np.sort(rng.random((6, 6)), axis=None).reshape(6, 6)[::-1, ::-1] for _ in range(2)]
    bases = [(b + b.T) / 2 for b in bases] + [np.full((6, 6), 0.05)]
    target = 0.6 * bases[0] + 0.4 * bases[2]
    fit = w2.fit_generator(bases, target, epochs=150)
    assert fit.alpha.sum() == pytest.approx(1.0)
    assert fit.distance < w2.mean_generator_distance(bases, target)
    assert fit.distance < 0.02


def test_bases_variants_and_bad_variant():
    doms = {n: w2.sample_graphs(w, 8, seed=i) for i, (n, w) in enumerate(list(w2.DOMAINS.items())[:2])}
    assert len(w2.graphon_bases(doms, "integrated")) == 1
    assert len(w2.graphon_bases(doms, "domain")) == 2
    topo = w2.graphon_bases(doms, "topological", n_clusters=2)
    assert 1 <= len(topo) <= 2 and topo[0].shape == (10, 10)
    with pytest.raises(ValueError, match="variant"):
        w2.graphon_bases(doms, "spectral")


def test_graph_classifier_shapes():
    graphs, _ = w2.downstream_task(w2.DOMAINS["2-block SBM"], n_train=4, n_test=2)
    from torch_geometric.data import Batch

    b = Batch.from_data_list(graphs)
    model = w2.GraphClassifier(hidden=8, layers=2)
    assert model(b.x, b.edge_index, b.batch).shape == (4, 2)
    assert sorted(torch.cat([g.y for g in graphs]).tolist()) == [0, 0, 1, 1]

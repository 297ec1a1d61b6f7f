import numpy as np
import pytest
import torch

from paperlab.data.graphs import csl_graphs, dense_adj
from paperlab.papers import benchmarking_gnns_pe as bg


@pytest.mark.parametrize("kind", bg.LAYERS)
def test_widths_meet_the_shared_parameter_budget(kind):
    kw = dict(in_dim=1, n_classes=10, layers=4, pe_dim=20, graph_level=True)
    width = bg.width_for_budget(kind, 10_000, **kw)
    params = bg.n_params(bg.BenchmarkGNN(kind, width=width, **kw))
    assert abs(params / 10_000 - 1) <= 0.1


def test_laplacian_pe_are_eigenvectors_of_the_normalised_laplacian():
    g = bg.add_lap_pe(csl_graphs(skips=(3,), per_class=1), 4)[0]
    a = dense_adj(g.edge_index, g.num_nodes).double()
    d = a.sum(1).rsqrt()
    lap = torch.eye(g.num_nodes, dtype=torch.float64) - d[:, None] * a * d[None, :]
    pe = g.pe.double()
    lam = (pe * (lap @ pe)).sum(0) / (pe * pe).sum(0)
    assert torch.allclose(lap @ pe, pe * lam, atol=1e-5)
    assert lam.min() > 1e-6  # the trivial eigenvector (λ = 0) is left out


def test_sign_flips_are_per_graph_and_per_eigenvector():
    pe = torch.ones(6, 3)
    batch = torch.tensor([0, 0, 0, 1, 1, 1])
    out = bg.random_sign_flip(pe, batch, torch.Generator().manual_seed(0))
    assert torch.equal(out.abs(), pe)
    assert torch.equal(out[0], out[1]) and torch.equal(out[3], out[5])  # one sign per graph and column


def test_without_pe_message_passing_cannot_tell_csl_nodes_or_classes_apart():
    graphs = bg.add_lap_pe(csl_graphs(skips=(2, 5), per_class=1), 8)
    torch.manual_seed(0)
    for kind in bg.LAYERS:
        plain = bg.BenchmarkGNN(kind, 1, 2, width=16).eval()  # node-level outputs
        with_pe = bg.BenchmarkGNN(kind, 1, 2, width=16, pe_dim=8).eval()
        with torch.no_grad():
            o = torch.cat([plain(g.x, g.edge_index) for g in graphs])
            p = torch.cat([with_pe(g.x, g.edge_index, g.pe) for g in graphs])
        # 4-regular graphs with identical features: every node of both classes gets the same output (1-WL)
        assert torch.allclose(o, o[:1].expand_as(o), atol=1e-5), kind
        assert (p - p[:1]).abs().max() > 1e-2, kind


def test_pattern_graphs_plant_the_same_pattern_everywhere():
    gs = bg.pattern_graphs(3, size_range=(5, 8), pattern_size=6, seed=0)
    subs = []
    for g in gs:
        assert int(g.y.sum()) == 6
        idx = torch.nonzero(g.y).flatten()
        a = dense_adj(g.edge_index, g.num_nodes)[idx][:, idx]
        subs.append(sorted(a.sum(1).tolist()))  # the pattern's degree sequence
    assert subs[0] == subs[1] == subs[2]


def test_csl_folds_are_stratified_and_disjoint():
    tests = [bg.csl_split(f)[1] for f in range(5)]
    assert sorted(sum(tests, [])) == list(range(150))
    assert all(np.bincount(np.array(t) // 15, minlength=10).tolist() == [3] * 10 for t in tests)
    with pytest.raises(ValueError, match="fold"):
        bg.csl_split(5)

"""Generated graphs (paperlab.data.graphs): the knobs do what they say."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch_geometric.utils import degree, homophily

from paperlab.data import graphs


@pytest.mark.parametrize("h", [0.2, 0.5, 0.9])
def test_csbm_homophily_and_degree(h: float) -> None:
    d = graphs.csbm(900, 3, homophily=h, avg_degree=10, seed=1)
    assert abs(homophily(d.edge_index, d.y) - h) < 0.05
    assert abs(d.edge_index.shape[1] / 900 - 10) < 1.0
    assert int(d.train_mask.sum()) == 60 and not (d.train_mask & d.test_mask).any()


def test_csbm_bad_arguments() -> None:
    with pytest.raises(ValueError, match="homophily"):
        graphs.csbm(homophily=1.5)


def test_csl_is_4_regular_with_ten_classes() -> None:
    gs = graphs.csl_graphs(per_class=2)
    assert len(gs) == 20 and {int(g.y) for g in gs} == set(range(10))
    for g in gs:
        assert torch.all(degree(g.edge_index[0], g.num_nodes) == 4)


def test_graphon_sampling_matches_density() -> None:
    w = np.array([[0.8, 0.1], [0.1, 0.4]])
    d = graphs.sample_graphon(w, 400, seed=0)
    density = d.edge_index.shape[1] / (400 * 399)
    assert abs(density - w.mean()) < 0.02


def test_gpvar_oracle_error_is_the_noise() -> None:
    s = graphs.gpvar(T=600, seed=0)
    mse = float(((s.x - s.oracle)[2:] ** 2).mean())
    assert abs(mse - s.noise_std**2) < 0.02


def test_csbm_fractional_split() -> None:
    d = graphs.csbm(600, 5, split=(0.64, 0.16, 0.20), seed=2)
    tr, va, te = (int(m.sum()) for m in (d.train_mask, d.val_mask, d.test_mask))
    assert (tr, va, te) == (5 * round(0.64 * 600 / 5), 96, 600 - tr - 96)
    assert not (d.train_mask & d.val_mask).any() and not (d.val_mask & d.test_mask).any()
    # default: today's behaviour, the same outputs for the same seed
    a, b = graphs.csbm(seed=3), graphs.csbm(seed=3, split=None)
    for k in ("x", "y", "edge_index", "train_mask", "val_mask", "test_mask"):
        assert torch.equal(a[k], b[k])
    # the split changes only the masks, not the graph
    c = graphs.csbm(seed=3, split=(0.5, 0.25, 0.25))
    assert torch.equal(a.x, c.x) and torch.equal(a.edge_index, c.edge_index)
    with pytest.raises(ValueError, match="split"):
        graphs.csbm(split=(0.5, 0.5, 0.5))


def test_pattern_graphs_plant_the_same_pattern() -> None:
    gs = graphs.pattern_graphs(3, size_range=(5, 8), pattern_size=6, seed=0)
    degs = []
    for g in gs:
        assert int(g.y.sum()) == 6 and g.x.shape == (g.num_nodes, 3)
        assert torch.all(g.x.sum(1) == 1)  # one-hot node features
        idx = torch.nonzero(g.y).flatten()
        a = graphs.dense_adj(g.edge_index, g.num_nodes)[idx][:, idx]
        degs.append(sorted(a.sum(1).tolist()))  # the pattern's degree sequence inside the pattern
    assert degs[0] == degs[1] == degs[2]
    with pytest.raises(ValueError, match="size_range"):
        graphs.pattern_graphs(1, size_range=(5, 2))


def test_add_lap_pe_is_seeded_and_leaves_the_global_rng_alone() -> None:
    gs = graphs.csl_graphs(skips=(2, 5), per_class=1)
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    a = graphs.add_lap_pe(gs, 4, seed=0)
    assert torch.equal(torch.rand(1), expected)  # the global generator is untouched
    b = graphs.add_lap_pe(gs, 4, seed=0)
    assert all(torch.equal(x.pe, y.pe) and x.pe.dtype == torch.float32 for x, y in zip(a, b, strict=True))
    assert all(not hasattr(g, "pe") or g.pe is None for g in gs)  # copies, inputs unchanged
    # eigenvectors of the normalised Laplacian, up to the seeded sign
    g, pe = gs[0], a[0].pe.double()
    adj = graphs.dense_adj(g.edge_index, g.num_nodes).double()
    dinv = adj.sum(1).rsqrt()
    lap = torch.eye(g.num_nodes, dtype=torch.double) - dinv[:, None] * adj * dinv[None, :]
    lam = (pe * (lap @ pe)).sum(0)
    torch.testing.assert_close(lap @ pe, pe * lam, atol=1e-5, rtol=1e-5)


def test_add_lap_pe_seed_arpack_makes_large_graphs_reproducible() -> None:
    gs = graphs.pattern_graphs(2, size_range=(25, 30), seed=1)  # >= 100 nodes: PyG uses ARPACK
    assert all(g.num_nodes >= 100 for g in gs)
    a = graphs.add_lap_pe(gs, 3, seed=0, seed_arpack=True)
    b = graphs.add_lap_pe(gs, 3, seed=0, seed_arpack=True)
    assert all(torch.equal(x.pe, y.pe) for x, y in zip(a, b, strict=True))

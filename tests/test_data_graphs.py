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

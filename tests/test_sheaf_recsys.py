import numpy as np
import pytest
import torch

from paperlab.papers import sheaf_recsys as sr


def _graph():
    data = sr.multi_interest_data(20, 30, n_topics=3, per_user=(4, 8), seed=0)
    return data, data.edge_index, data.n_users + data.n_items


def test_identity_maps_give_the_normalised_graph_laplacian_and_it_is_psd():
    data, ei, n = _graph()
    lap = sr.sheaf_laplacian(ei, torch.ones(ei.shape[1], dtype=torch.float64), n).numpy()
    a = np.zeros((n, n))
    a[ei[0].numpy(), ei[1].numpy()] = 1.0
    a_tilde = a + np.eye(n)
    d = a_tilde.sum(1) ** -0.5
    expected = np.eye(n) - d[:, None] * a_tilde * d[None, :]
    assert np.abs(lap - expected).max() < 1e-12
    assert np.linalg.eigvalsh(lap).min() > -1e-10


def test_learned_maps_laplacian_is_symmetric_psd_and_matches_the_layer():
    data, ei, n = _graph()
    maps = torch.tanh(torch.randn(ei.shape[1], dtype=torch.float64))
    lap = sr.sheaf_laplacian(ei, maps, n)
    assert torch.allclose(lap, lap.T)
    assert torch.linalg.eigvalsh(lap).min() > -1e-10
    y = torch.randn(n, 4, dtype=torch.float64)
    assert torch.allclose(sr._apply_sheaf_laplacian(ei, maps, y), lap @ y, atol=1e-12)


def test_rank_metrics_on_a_perfect_and_a_constant_ranking():
    data, ei, n = _graph()
    perfect = torch.zeros(data.n_users, data.n_items)
    perfect[torch.as_tensor(data.test[:, 0]), torch.as_tensor(data.test[:, 1])] = 1.0
    m = sr.rank_metrics(perfect, data, ks=(10,))
    assert m["recall@10"] == pytest.approx(1.0) and m["ndcg@10"] == pytest.approx(1.0)
    assert 0.0 <= sr.rank_metrics(sr.popularity_scores(data), data)["ndcg@10"] < 1.0


def test_models_forward_and_bad_model():
    data, ei, n = _graph()
    for model in sr.MODELS:
        rec = sr.Recommender(data.n_users, data.n_items, dim=4, layers=2, model=model)
        assert rec.scores(ei).shape == (data.n_users, data.n_items)
    with pytest.raises(ValueError, match="model"):
        sr.Recommender(2, 2, model="gat")


def test_training_lowers_the_bpr_loss():
    data, ei, n = _graph()
    rec = sr.Recommender(data.n_users, data.n_items, dim=8, layers=1, model="sheaf")
    losses = sr.train_bpr(rec, data, steps=40, batch_size=64)
    assert np.mean(losses[-5:]) < np.mean(losses[:5])


def test_dropping_w_leaves_plain_sheaf_diffusion():
    data, ei, n = _graph()
    rec = sr.Recommender(
        data.n_users, data.n_items, dim=4, layers=1, model="sheaf (maps = 1)", sheaf_linear=False
    )
    x = rec.embedding.weight.detach().double()
    lap = sr.sheaf_laplacian(ei, torch.ones(ei.shape[1], dtype=torch.float64), n)
    with torch.no_grad():
        out = rec.convs[0](x, ei)
    assert torch.allclose(out, x - lap @ x, atol=1e-10)

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from paperlab.papers import deep_interest_network as din


def test_gauc_matches_per_user_sklearn_auc_weighted_by_impressions():
    rng = np.random.default_rng(0)
    users = rng.integers(0, 12, size=300)
    labels = rng.integers(0, 2, size=300)
    labels[users == 3] = 1  # one user with only clicks: skipped
    scores = rng.normal(size=300) + labels * 0.7
    scores[:40] = np.round(scores[:40])  # some ties
    num, den = 0.0, 0
    for u in np.unique(users):
        m = users == u
        if labels[m].min() == labels[m].max():
            continue
        num += m.sum() * roc_auc_score(labels[m], scores[m])
        den += m.sum()
    assert din.gauc(users, labels, scores) == pytest.approx(num / den, abs=1e-12)


def test_gauc_rejects_bad_input():
    with pytest.raises(ValueError, match="undefined"):
        din.gauc([0, 0, 1], [1, 1, 0], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="equal length"):
        din.gauc([0, 1], [1, 0, 1], [0.1, 0.2, 0.3])


def test_rela_impr():
    assert din.rela_impr(0.8, 0.7) == pytest.approx(50.0)
    assert din.rela_impr(0.7, 0.7) == pytest.approx(0.0)
    assert np.isnan(din.rela_impr(0.8, 0.5))


def test_dice_limits():
    torch.manual_seed(0)
    dice = din.Dice(3)
    with torch.no_grad():
        dice.alpha.fill_(0.3)
    s = torch.randn(500, 3)
    s[0] = 50.0  # far above E[s]: p -> 1, f(s) -> s
    s[1] = -50.0  # far below E[s]: p -> 0, f(s) -> alpha * s
    out = dice(s)
    assert torch.allclose(out[0], s[0], rtol=1e-4)
    assert torch.allclose(out[1], 0.3 * s[1], rtol=1e-4)
    # the gate is p(s) = sigmoid((s - E[s]) / sqrt(Var[s] + eps)) with the batch statistics
    p = dice.gate(s)
    ref = torch.sigmoid((s - s.mean(0)) / torch.sqrt(s.var(0, unbiased=False) + 1e-8))
    assert torch.allclose(p, ref, atol=1e-5)


def test_dice_alpha_zero_is_a_soft_relu_gate_and_eval_uses_running_stats():
    torch.manual_seed(0)
    dice = din.Dice(1, momentum=1.0)  # momentum 1: the running stats are the last batch's
    s = torch.randn(4000, 1)
    s = (s - s.mean()) / s.std(unbiased=False)  # zero mean, unit variance
    out = dice(s)
    assert torch.allclose(out, torch.sigmoid(s) * s, atol=1e-3)  # alpha = 0: f(s) = s * sigmoid(s) (SiLU)
    assert (out[s > 3] > 0.95 * s[s > 3]).all() and (out[s < -3].abs() < 0.16).all()
    dice.eval()
    shifted = torch.full((5, 1), 2.0)  # a batch with zero variance: eval must not use its own stats
    p = dice.gate(shifted)
    assert torch.allclose(p, torch.sigmoid(torch.tensor(2.0)).expand(5, 1), atol=1e-3)


def test_activation_unit_shapes_and_unnormalised_weights():
    torch.manual_seed(0)
    pool = din.DINPooling(6)
    q, k = torch.randn(4, 6), torch.randn(4, 7, 6)
    w = pool.weights(q, k)
    assert w.shape == (4, 7)
    assert not torch.allclose(w.sum(1), torch.ones(4))  # no softmax: weights do not sum to 1
    # the unit sees [q, k, q - k, q * k]
    assert pool.unit.net[0].in_features == 4 * 6
    v = pool(q, k)
    assert torch.allclose(v, (w.unsqueeze(-1) * k).sum(1), atol=1e-6)
    # the weight of a behaviour depends on the candidate
    assert not torch.allclose(pool.weights(q.flip(0), k), w)
    soft = din.DINPooling(6, normalise=True)
    assert torch.allclose(soft.weights(q, k).sum(1), torch.ones(4), atol=1e-6)
    blind = din.DINPooling(6, query=False)
    assert torch.allclose(blind.weights(q, k), blind.weights(torch.randn(4, 6), k))


def test_model_forward_and_sum_pooling_weights():
    item_cat = np.arange(20) % 5
    hist, cand = torch.randint(20, (3, 6)), torch.randint(20, (3,))
    for attention in din.ATTENTIONS:
        model = din.CTRModel(20, item_cat, dim=4, attention=attention)
        assert model(hist, cand).shape == (3,)
    base = din.CTRModel(20, item_cat, dim=4, attention="sum")
    assert torch.equal(base.attention_weights(hist, cand), torch.ones(3, 6))
    with pytest.raises(ValueError, match="attention"):
        din.CTRModel(20, item_cat, attention="mean")


def test_mba_regulariser_touches_only_the_batch_rows_scaled_by_counts():
    emb = torch.nn.Embedding(10, 3)
    counts = torch.arange(1, 11).float()
    ids = torch.tensor([[2, 5, 5], [7, 2, 2]])
    reg = din.mba_l2(emb.weight, ids, counts, lam=0.5)
    reg.backward()
    g = emb.weight.grad
    rows = [2, 5, 7]
    for j in range(10):
        if j in rows:
            # Eq. 6: lam * (alpha_mj / n_j) * w_j, once per row however often it appears
            assert torch.allclose(g[j], 0.5 / counts[j] * emb.weight[j].detach(), atol=1e-7)
        else:
            assert torch.all(g[j] == 0)


def test_generated_data_shapes_and_click_rule():
    data = din.multi_interest_ctr(50, 120, n_train=6, n_test=4, seed=1)
    assert data.hist.shape == (50, 20)
    assert data.train.shape == (300, 3) and data.test.shape == (200, 3)
    k = (data.interest > 0).sum(1)
    assert k.min() >= 2 and k.max() <= 4
    assert np.allclose(data.interest.sum(1), 1)
    # behaviours come from the user's interests (or noise), candidates half from interests
    in_interest = data.interest[np.arange(50)[:, None], data.item_cat[data.hist]] > 0
    assert in_interest.mean() > 0.6
    cat = data.item_cat[data.test[:, 1]]
    w = data.interest[data.test[:, 0], cat]
    assert np.allclose(data.click_prob_test, 1 / (1 + np.exp(-(-2.5 + 9.0 * w))))
    n_item, n_cat = data.occurrences()
    assert int(n_item.sum()) == 300 * 21 and int(n_cat.sum()) == 300 * 21


def test_history_attention_sorts_by_category_and_matches_the_model():
    data = din.multi_interest_ctr(50, 120, n_train=6, n_test=4, seed=1)
    torch.manual_seed(0)
    model = din.CTRModel(data.n_items, data.item_cat, dim=4, attention="din")
    cats, w, p = din.history_attention(model, data, user=3, item=7)
    assert np.all(np.diff(cats) >= 0) and sorted(cats.tolist()) == sorted(
        data.item_cat[data.hist[3]].tolist()
    )
    with torch.no_grad():
        order = np.argsort(data.item_cat[data.hist[3]], kind="stable")
        hist = torch.as_tensor(data.hist[3][order])[None]
        assert np.allclose(w, model.attention_weights(hist, torch.tensor([7]))[0].numpy())
        assert p == pytest.approx(torch.sigmoid(model(hist, torch.tensor([7])))[0].item())

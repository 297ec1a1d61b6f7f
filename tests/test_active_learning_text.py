import numpy as np
import pytest
import torch
from small_text.query_strategies import BreakingTies, LeastConfidence, PredictionEntropy
from small_text.query_strategies.bayesian import _bald
from small_text.query_strategies.coresets import greedy_coreset

from paperlab.papers import active_learning_text as al


class _Fixed:
    """A stand-in classifier for small-text: fixed probabilities."""

    def __init__(self, p):
        self.p = p

    def predict_proba(self, dataset):
        return self.p


@pytest.fixture(scope="module")
def proba():
    rng = np.random.default_rng(0)
    return rng.dirichlet(np.ones(5) * 0.7, size=60)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(al.least_confidence, LeastConfidence), (al.entropy, PredictionEntropy), (al.margin, BreakingTies)],
)
def test_prediction_based_strategies_pick_what_small_text_picks(proba, ours, theirs):
    unl = np.arange(10, 60)
    want = theirs().query(_Fixed(proba), np.zeros(60), unl, np.arange(10), None, n=8)
    got = unl[np.argsort(-ours(proba[unl]), kind="stable")[:8]]
    assert set(got) == set(want)


def test_bald_matches_small_text(proba):
    rng = np.random.default_rng(1)
    samples = rng.dirichlet(np.ones(5), size=(40, 10))  # (n, T, classes)
    ours = al.bald(samples)
    theirs = _bald(samples) * np.log(2)  # small-text uses log2
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    agree = rng.dirichlet(np.ones(5), size=(40, 1)).repeat(10, 1)
    np.testing.assert_allclose(al.bald(agree), 0, atol=1e-9)  # no disagreement, no information


def test_k_center_greedy_matches_small_text():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(80, 4))
    lab, unl = np.arange(5), np.arange(5, 80)
    ours = al.k_center_greedy(x, lab, unl, 6)
    # small-text works on a subset ordered unlabelled-first (as its GreedyCoreset.query builds it)
    sub = np.concatenate([x[unl], x[lab]])
    n_unl = len(unl)
    picked = greedy_coreset(sub, np.arange(n_unl), np.arange(n_unl, len(sub)), 6, distance_metric="euclidean")
    theirs = unl[picked]
    assert list(ours) == list(theirs)


def test_expected_gradient_length_is_the_output_layer_gradient_norm():
    torch.manual_seed(0)
    model = al.FastText(30, 4, dim=6).eval()
    x = torch.randint(0, 30, (3, 7))
    egl = al.expected_gradient_length(model, x)
    for i in range(3):
        p = torch.softmax(model(x[i : i + 1]), -1)[0].detach()
        want = 0.0
        for y in range(4):
            model.zero_grad()
            torch.nn.functional.cross_entropy(model(x[i : i + 1]), torch.tensor([y])).backward()
            g = torch.cat([model.out.weight.grad.flatten(), model.out.bias.grad])
            want += p[y].item() * g.norm().item()
        assert egl[i] == pytest.approx(want, rel=1e-4)


def test_query_returns_new_unlabelled_documents_and_rejects_unknown_strategy():
    pool = al.text_pool(n_pool=120, n_test=40, seed=0)
    lab = np.arange(20)
    model = al.train_classifier(pool, lab, steps=5)
    rng = np.random.default_rng(0)
    for s in al.STRATEGIES:
        q = al.query(s, model, pool, lab, 7, rng)
        assert len(set(q)) == 7 and not set(q) & set(lab)
    with pytest.raises(ValueError, match="strategy"):
        al.query("density", model, pool, lab, 7, rng)


def test_reliability_of_a_perfectly_calibrated_predictor_is_near_zero():
    rng = np.random.default_rng(3)
    conf = rng.uniform(0.5, 1.0, 20000)
    p = np.stack([conf, 1 - conf], 1)
    y = (rng.random(20000) > conf).astype(int)  # class 0 with probability conf
    *_, ece = al.reliability(p, y)
    assert ece < 0.02

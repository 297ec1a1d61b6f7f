"""paperlab.align with planted ground truth."""

import numpy as np
import pytest
import torch
from torch import nn

from paperlab.align.cka import cka_matrix, kernel_cka, linear_cka, linear_cka_torch
from paperlab.align.hooks import collect_activations, layer_names
from paperlab.align.matching import bipartite_match, correlation_matrix, sparse_prediction, spectral_groups


def _planted(seed=0, n=2000, units=30, noise=0.3):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, units)) * rng.uniform(0.5, 3, size=units)
    perm = rng.permutation(units)
    b = np.empty_like(a)
    b[:, perm] = 2.0 * a + 1.0 + noise * rng.normal(size=a.shape) * a.std(0)
    return a, b, perm


def test_hungarian_recovers_planted_permutation():
    a, b, perm = _planted()
    got, corr = bipartite_match(a, b)
    np.testing.assert_array_equal(got, perm)
    assert corr.min() > 0.9


def test_semi_matching_allows_duplicates_and_hungarian_does_not():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(500, 3))
    b = np.column_stack([a[:, 0] + a[:, 1], rng.normal(size=500), rng.normal(size=500)])
    semi, _ = bipartite_match(a, b, method="semi")
    hung, _ = bipartite_match(a, b)
    assert semi[0] == semi[1] == 0
    assert len(set(hung)) == 3


def test_matching_beats_random_baseline_and_handles_dead_units():
    a, b, _ = _planted(seed=2)
    b[:, 0] = 1.0  # a dead unit
    c = correlation_matrix(a, b)
    assert np.all(c[:, 0] == 0)
    _, corr = bipartite_match(a, b)
    assert np.isfinite(corr).all()


def test_sparse_prediction_recovers_planted_sparse_map():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(3000, 20))
    w = np.zeros((20, 10))
    for j in range(10):
        w[rng.choice(20, size=2, replace=False), j] = rng.choice([-1.0, 1.0], size=2) * rng.uniform(
            0.7, 1.5, size=2
        )
    b = a @ w + 0.1 * rng.normal(size=(3000, 10))
    res = sparse_prediction(a, b, l1=0.02)
    np.testing.assert_array_equal(np.abs(res.weights) > 0.05, w != 0)
    assert res.explained_variance.min() > 0.95
    assert res.nonzeros.max() <= 6
    strong = sparse_prediction(a, b, l1=5.0)
    assert strong.nonzeros.sum() == 0 and strong.mean_explained < 0.01


def test_spectral_groups_find_planted_blocks():
    rng = np.random.default_rng(4)
    z = rng.normal(size=(1500, 3))
    a = np.repeat(z, 4, axis=1) + 0.3 * rng.normal(size=(1500, 12))
    b = np.repeat(z[:, [2, 0, 1]], 3, axis=1) + 0.3 * rng.normal(size=(1500, 9))
    g = spectral_groups(a, b, k=3)
    true_a, true_b = np.repeat([0, 1, 2], 4), np.repeat([2, 0, 1], 3)
    for t in range(3):
        assert len(set(g.labels_a[true_a == t]) | set(g.labels_b[true_b == t])) == 1
    within, between = g.within_between()
    assert within > 0.8 > 0.1 > between


def test_cka_invariances():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, 20))
    y = np.tanh(x @ rng.normal(size=(20, 15)))
    q, _ = np.linalg.qr(rng.normal(size=(15, 15)))
    base = linear_cka(x, y)
    assert linear_cka(x, x) == pytest.approx(1.0)
    assert linear_cka(x, 3.7 * y @ q) == pytest.approx(base, abs=1e-10)
    assert kernel_cka(x, 3.7 * y @ q) == pytest.approx(kernel_cka(x, y), abs=1e-8)
    assert kernel_cka(x, y, kernel="linear") == pytest.approx(base, abs=1e-10)
    # not invariant to a general (anisotropic) invertible linear map
    m = np.diag(np.geomspace(0.05, 20, 15)) @ q
    assert abs(linear_cka(x, y @ m) - base) > 0.05
    assert linear_cka(x, rng.normal(size=(300, 15))) < 0.2


def test_torch_cka_matches_numpy_and_is_differentiable():
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(64, 10)), rng.normal(size=(64, 7))
    y[:, :3] += x[:, :3]
    xt = torch.tensor(x, requires_grad=True)
    val = linear_cka_torch(xt, torch.tensor(y))
    assert val.item() == pytest.approx(linear_cka(x, y), abs=1e-5)
    (1 - val).backward()
    assert xt.grad is not None and torch.isfinite(xt.grad).all()
    m = cka_matrix([x, y], [x, y])
    assert m.shape == (2, 2) and m[0, 0] == pytest.approx(1.0)


def test_collect_activations_shapes():
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 5))
    x = torch.randn(10, 1, 8, 8)
    assert layer_names(net) == ["0", "1", "3"]
    acts = collect_activations(net, x, ["0", "3"], batch_size=4)
    assert acts["0"].shape == (10 * 36, 4) and acts["3"].shape == (10, 5)
    assert collect_activations(net, [(x, None)], ["0"], spatial="mean")["0"].shape == (10, 4)
    assert collect_activations(net, x, ["0"], spatial="flatten")["0"].shape == (10, 144)


def test_bad_arguments():
    a = np.zeros((10, 3))
    with pytest.raises(ValueError, match="method"):
        bipartite_match(a, a, method="greedy")
    with pytest.raises(ValueError, match="units_a <= units_b"):
        bipartite_match(np.ones((10, 4)), a)
    with pytest.raises(ValueError, match="l1"):
        sparse_prediction(a, a, l1=-1)
    with pytest.raises(ValueError, match="k must"):
        spectral_groups(a, a, k=0)
    with pytest.raises(ValueError, match="kernel"):
        kernel_cka(a, a, kernel="poly")
    with pytest.raises(ValueError, match="layers"):
        collect_activations(nn.Linear(2, 2), torch.zeros(2, 2), ["nope"])
    with pytest.raises(ValueError, match="spatial"):
        collect_activations(nn.Linear(2, 2), torch.zeros(2, 2), [""], spatial="max")

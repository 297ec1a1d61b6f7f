"""Mechanism tests for paperlab.papers.fccov_sdr."""

import numpy as np
import pytest
import torch

from paperlab.papers import fccov_sdr as fs


def _naive(f, dist):
    n = len(f)
    fc = f - f.mean(0)
    total = 0.0
    for j in range(n):
        for k in range(n):
            ind = (dist[:, j] <= dist[k, j]).double()
            total += ((fc * ind[:, None]).sum(0) / n).pow(2).sum()
    return total / n**2


def test_sorted_prefix_sums_equal_the_naive_triple_sum():
    g = torch.Generator().manual_seed(0)
    f = torch.randn(25, 2, generator=g, dtype=torch.float64)
    y = torch.randn(25, 3, generator=g, dtype=torch.float64)
    dist = torch.cdist(y, y)
    assert fs.fccov(f, dist).item() == pytest.approx(_naive(f, dist).item(), rel=1e-10)


def test_fccov_depends_on_distances_only_through_their_order():
    g = torch.Generator().manual_seed(1)
    f, y = torch.randn(40, 1, generator=g), torch.randn(40, 5, generator=g)
    dist = torch.cdist(y, y)
    assert fs.fccov(f, dist).item() == pytest.approx(fs.fccov(f, dist**3 + 2 * dist).item(), rel=1e-6)


def test_fccov_detects_the_planted_index():
    x, y, f_star = fs.simulate(300, seed=0)
    dist = fs.wasserstein_dist(y)
    z = lambda v: ((v - v.mean()) / v.std())[:, None]  # noqa: E731
    assert fs.fccov(z(f_star), dist) > 20 * fs.fccov(z(x[:, 5]), dist)


def test_penalty_and_distance_correlation():
    g = torch.Generator().manual_seed(2)
    f = torch.randn(2000, 2, generator=g)
    assert fs.cov_penalty(f).item() < 0.01
    assert fs.cov_penalty(3 * f).item() > 100
    a = np.random.default_rng(0).normal(size=200)
    assert fs.distance_correlation(a, 2 * a + 1) == pytest.approx(1.0)
    assert fs.distance_correlation(a, np.random.default_rng(1).normal(size=200)) < 0.2


def test_outliers_and_bad_arguments():
    _, y_clean, _ = fs.simulate(200, outlier_frac=0.0, seed=3)
    _, y_bad, _ = fs.simulate(200, outlier_frac=0.2, seed=3)
    shifted = (y_bad - y_clean).mean(1) > 29
    assert 0.1 < shifted.float().mean() < 0.3
    with pytest.raises(ValueError, match="outlier_frac"):
        fs.simulate(10, outlier_frac=0.6)
    with pytest.raises(ValueError, match="dist"):
        fs.fccov(torch.zeros(5, 1), torch.zeros(4, 4))


def test_sir_recovers_a_linear_index():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 5))
    beta = fs.sliced_inverse_regression(x, x[:, 0] + 0.5 * x[:, 1] + 0.1 * rng.normal(size=2000))[:, 0]
    assert abs(beta @ np.array([1, 0.5, 0, 0, 0])) / np.linalg.norm(beta) / np.sqrt(1.25) > 0.99
    with pytest.raises(ValueError, match="n_slices"):
        fs.sliced_inverse_regression(x, x[:, 0], n_slices=1)


def test_linear_sir_control_fails_the_clean_recovery_clause():
    x, y, _ = fs.simulate(600, seed=0)
    xt, _, ft = fs.simulate(400, seed=1000)
    beta = fs.sliced_inverse_regression(x.numpy(), y.numpy().mean(1))
    d = fs.distance_correlation(xt.numpy() @ beta, ft.numpy())
    assert not fs.CLAIM.clause("dcor_clean").holds(d)


def test_distance_correlation_is_affine_but_not_monotone_invariant():
    f = np.random.default_rng(0).normal(size=400)
    assert fs.distance_correlation(f, -3 * f + 2) == pytest.approx(1.0)
    assert fs.distance_correlation(f, -np.exp(-f)) < 0.95

"""Mechanism tests for the More-is-Better module: the RF model, its kernel limit, the digits eigen-task."""

import math

import numpy as np
import pytest
import torch

from paperlab.papers import more_is_better_rf as mib
from paperlab.theory.kernels import nngp_kernel
from paperlab.theory.rf import power_law_task, rf_ridge_solution


def test_feature_kernel_tends_to_arc_cosine():
    x = torch.randn(6, 20, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    phi = mib.RandomFeatureModel(20, 200_000, seed=1).features(x)
    kernel = nngp_kernel(x, depth=1, activation="relu", weight_var=1.0, bias_var=0.0)
    # max deviation over seeds 1-3 with 40,000 features: 2-4.6 %, shrinking as 1/sqrt(N) (1.1 % at 400,000)
    assert torch.allclose(phi @ phi.T, kernel, atol=0.03 * kernel.diagonal().mean().item())


def test_fit_ridge_is_the_ridge_solution():
    gen = torch.Generator().manual_seed(0)
    x, y = (
        torch.randn(30, 5, generator=gen, dtype=torch.float64),
        torch.randn(30, 2, generator=gen, dtype=torch.float64),
    )
    model = mib.RandomFeatureModel(5, 50, 2, seed=0)
    model.fit_ridge(x, y, ridge=0.3)
    phi = model.features(x)
    a = torch.linalg.solve(phi.T @ phi + 0.3 * torch.eye(50, dtype=phi.dtype), phi.T @ y)  # primal form
    assert torch.allclose(model.readout.weight.T, a, atol=1e-8)
    model.fit_ridge(x, y, ridge=1e-10)
    assert ((model(x) - y) ** 2).mean() < 1e-6  # 50 features > 30 points: ridgeless interpolates


def test_digits_task_spectrum():
    task = mib.digits_task()
    assert np.all(np.diff(task.eigenvalues) <= 0) and task.eigenvalues.sum() == pytest.approx(
        np.mean(
            nngp_kernel(task.x[:200], depth=1, activation="relu", weight_var=1.0, bias_var=0.0).diagonal()
        ),
        rel=0.2,
    )
    assert task.coeffs_sq.sum() == pytest.approx((task.y**2).sum(1).mean(), rel=1e-6)  # Parseval
    # the kernel simulation agrees with the theory at a moderate ridge
    _, test = mib.simulate_digits_rf(task, n_samples=200, n_features=None, ridges=[1.0], trials=2)
    th = rf_ridge_solution(task.eigenvalues, task.coeffs_sq, n_samples=200, n_features=math.inf, ridge=1.0)
    assert test[0] == pytest.approx(th.test_mse, rel=0.1)


def test_theory_grid_shapes_and_monotone_optimum():
    lam, v2 = power_law_task(200, alpha=1.5, beta=1.5)
    test, train = mib.theory_grid(
        lam, v2, n_samples=[64], n_features=[16, 64, 256], ridges=np.logspace(-4, 1, 11), noise_var=0.0
    )
    assert test.shape == train.shape == (1, 3, 11)
    best = test[0].min(-1)
    assert best[0] > best[1] > best[2] and np.all(train <= test + 1e-12)


def test_diagram_example():
    module, inputs, axes = mib.diagram_example()
    assert module(*inputs).shape == (2, 10) and axes == ["b d"]


def test_ridge_fit_view_is_the_fit_ridge_solution() -> None:
    """The mechanism diagram's RidgeFit computes the readout fit_ridge sets (δ > 0: solve == lstsq)."""
    from paperlab.papers.more_is_better_rf import RandomFeatureModel, RidgeFit

    model = RandomFeatureModel(64, 32, 10, seed=0)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(20, 64, generator=g, dtype=torch.float64)
    y = torch.randn(20, 10, generator=g, dtype=torch.float64)
    model.fit_ridge(x, y, ridge=1e-2)
    weights = RidgeFit(model, ridge=1e-2)(x, y)
    assert torch.allclose(weights.T, model.readout.weight, atol=1e-8)
    with pytest.raises(ValueError, match="ridge"):
        RidgeFit(model, ridge=0.0)

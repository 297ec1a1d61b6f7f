"""Test risk of random-feature ridge regression: the eigenframework of "More is Better".

Simon, Karkada, Ghosh & Belkin 2023 ("More is Better in Modern Machine Learning: when Infinite
Overparameterization is Optimal and Overfitting is Obligatory", arXiv 2311.14646, §4).

Setting: a kernel with eigenvalues λᵢ and an orthonormal eigenbasis, a target f* = Σᵢ vᵢ φᵢ plus label
noise of variance ε², n samples, N random features z_j(x) = Σᵢ gⱼᵢ √λᵢ φᵢ(x) / √N (so that the feature
kernel averages to the kernel), and ridge regression ``min_a Σ (a·z(x) − y)² + δ |a|²``.

The framework solves two coupled conservation laws for the effective ridges κ (features) and γ (kernel):

    n = Σᵢ λᵢ/(λᵢ + γ) + δ/κ,            N = Σᵢ λᵢ/(λᵢ + γ) + N κ/γ,

then, with learnabilities Lᵢ = λᵢ/(λᵢ + γ), z = Σ Lᵢ and q = Σ Lᵢ²,

    E_te = (Σᵢ [(1 − Lᵢ) − κ Lᵢ/(λᵢ + γ) · N/(N − q)] vᵢ² + ε²) / (1 − (q(N − 2z) + z²)/(n(N − q))),

and the train error follows from the generalised-cross-validation identity E_tr = (δ/(nκ))² E_te
= (1 − z/n)² E_te. As N → ∞, κ = γ and this is kernel ridge regression's eigenlearning risk
(Simon et al. 2021, arXiv 2110.03922): n = Σ Lᵢ + δ/κ, E_te = n/(n − Σ Lᵢ²) (Σ (1−Lᵢ)² vᵢ² + ε²).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq


@dataclass(frozen=True)
class RFRisk:
    """The framework's solution: effective ridges, overfitting coefficient and the two risks."""

    kappa: float
    gamma: float
    overfitting_coeff: float
    test_mse: float
    train_mse: float


def _check(
    eigenvalues, target_coeffs_sq, n_samples, n_features, ridge, noise_var
) -> tuple[np.ndarray, np.ndarray]:
    lam = np.asarray(eigenvalues, dtype=np.float64).ravel()
    v2 = np.asarray(target_coeffs_sq, dtype=np.float64).ravel()
    if lam.size == 0 or np.any(lam <= 0):
        raise ValueError("eigenvalues must be a non-empty array of positive numbers")
    if v2.shape != lam.shape or np.any(v2 < 0):
        raise ValueError(
            f"target_coeffs_sq must be non-negative with the shape of eigenvalues {lam.shape}; got {v2.shape}"
        )
    if not n_samples > 0:
        raise ValueError(f"n_samples must be > 0; got {n_samples!r}")
    if not n_features > 0:
        raise ValueError(f"n_features must be > 0 (math.inf for kernel ridge regression); got {n_features!r}")
    if not ridge >= 0:
        raise ValueError(f"ridge must be >= 0; got {ridge!r}")
    if not noise_var >= 0:
        raise ValueError(f"noise_var must be >= 0; got {noise_var!r}")
    return lam, v2


def _gamma_for_dof(lam: np.ndarray, dof: float) -> float:
    """The γ with Σ λ/(λ+γ) = dof (0 < dof < len(lam)); ``0.0`` if dof >= len(lam)."""
    if dof >= lam.size:
        return 0.0
    return math.exp(
        brentq(lambda t: (lam / (lam + math.exp(t))).sum() - dof, -80.0, 80.0, xtol=1e-14, rtol=1e-14)
    )


def rf_ridge_solution(
    eigenvalues,
    target_coeffs_sq,
    *,
    n_samples: float,
    n_features: float,
    ridge: float,
    noise_var: float = 0.0,
) -> RFRisk:
    """Solve the RF eigenframework (module docstring; "More is Better" §4) and return all its quantities.

    ``n_features=math.inf`` gives kernel ridge regression (eigenlearning).
    """
    lam, v2 = _check(eigenvalues, target_coeffs_sq, n_samples, n_features, ridge, noise_var)
    n, big_n, delta = float(n_samples), float(n_features), float(ridge)
    infinite = math.isinf(big_n)

    def z_of(g: float) -> float:
        return float((lam / (lam + g)).sum())

    def kappa_of(g: float) -> float:  # from the feature conservation law
        return g if infinite else g * (1.0 - z_of(g) / big_n)

    g_min = 0.0 if infinite else _gamma_for_dof(lam, big_n)  # κ > 0 needs γ > g_min
    if delta == 0.0:
        gamma = max(_gamma_for_dof(lam, n), g_min)
    else:
        lo = math.log(max(g_min, 1e-300)) if g_min > 0 else -80.0

        def f(t: float) -> float:  # decreasing in t = log γ
            g = math.exp(t)
            k = kappa_of(g)
            return (z_of(g) + delta / k - n) if k > 0 else math.inf

        lo_t = lo + 1e-12 if g_min > 0 else lo
        while f(lo_t) == math.inf:
            lo_t += 1e-9 * max(1.0, abs(lo_t))
        gamma = math.exp(brentq(f, lo_t, 80.0, xtol=1e-15, rtol=1e-14)) if f(lo_t) > 0 else math.exp(lo_t)
    kappa = kappa_of(gamma)
    learn = lam / (lam + gamma)
    z, q = learn.sum(), (learn**2).sum()
    if infinite:
        x, ratio = q / n, 1.0
    else:
        x, ratio = (q * (big_n - 2 * z) + z * z) / (n * (big_n - q)), big_n / (big_n - q)
    e0 = 1.0 / (1.0 - x) if x < 1 else math.inf
    bias = (1 - learn) - kappa * learn / (lam + gamma) * ratio
    test = e0 * (float(bias @ v2) + noise_var)
    train = (1.0 - z / n) ** 2 * test if math.isfinite(test) else math.inf
    return RFRisk(kappa=kappa, gamma=gamma, overfitting_coeff=e0, test_mse=test, train_mse=train)


def rf_ridge_risk(
    eigenvalues,
    target_coeffs_sq,
    *,
    n_samples: float,
    n_features: float,
    ridge: float,
    noise_var: float = 0.0,
) -> float:
    """Predicted test MSE (label noise included) of random-feature ridge regression ("More is Better" §4).

    ``eigenvalues`` λᵢ of the limiting kernel, ``target_coeffs_sq`` vᵢ², ``n_samples`` n, ``n_features`` N
    (``math.inf``: kernel ridge regression), ``ridge`` δ on the unnormalised square loss, ``noise_var`` ε².
    """
    return rf_ridge_solution(
        eigenvalues,
        target_coeffs_sq,
        n_samples=n_samples,
        n_features=n_features,
        ridge=ridge,
        noise_var=noise_var,
    ).test_mse


def krr_risk(
    eigenvalues, target_coeffs_sq, *, n_samples: float, ridge: float, noise_var: float = 0.0
) -> float:
    """Kernel ridge regression's eigenlearning test MSE: the N → ∞ limit of :func:`rf_ridge_risk`."""
    return rf_ridge_risk(
        eigenvalues,
        target_coeffs_sq,
        n_samples=n_samples,
        n_features=math.inf,
        ridge=ridge,
        noise_var=noise_var,
    )


def power_law_task(n_modes: int, *, alpha: float, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """A power-law eigen-task: λᵢ = i^−α and vᵢ² = i^−β normalised to Σ vᵢ² = 1 (the paper's §5 setting)."""
    if not isinstance(n_modes, int) or n_modes < 1:
        raise ValueError(f"n_modes must be a positive int; got {n_modes!r}")
    if not alpha > 1:
        raise ValueError(f"alpha must be > 1 (trace-class kernel); got {alpha!r}")
    i = np.arange(1, n_modes + 1, dtype=np.float64)
    v2 = i**-beta
    return i**-alpha, v2 / v2.sum()


def simulate_rf_ridge(
    eigenvalues,
    target_coeffs_sq,
    *,
    n_samples: int,
    n_features: int | None,
    ridges,
    noise_var: float = 0.0,
    n_test: int = 2000,
    trials: int = 4,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Train/test MSE of actual random-feature ridge regression on the Gaussian eigen-task, per ridge.

    Data x ~ N(0, I_M) in eigen-coordinates, y = Σ vᵢ xᵢ + noise, features z = G diag(√λ) x / √N with
    G iid N(0, 1) (``n_features=None``: the kernel itself, K = Σ λᵢ xᵢ xᵢ′). Averaged over ``trials``
    draws of data, features and noise. Returns ``(train_mse, test_mse)``, each of shape (len(ridges),).
    """
    lam, v2 = _check(eigenvalues, target_coeffs_sq, n_samples, n_features or math.inf, 0.0, noise_var)
    ridges = np.atleast_1d(np.asarray(ridges, dtype=np.float64))
    rng = np.random.default_rng(seed)
    v = np.sqrt(v2)
    train, test = np.zeros(len(ridges)), np.zeros(len(ridges))
    for _ in range(trials):
        x = rng.standard_normal((n_samples + n_test, lam.size))
        y = x @ v + math.sqrt(noise_var) * rng.standard_normal(n_samples + n_test)
        feats = x * np.sqrt(lam)  # (n, M): the kernel's feature map
        if n_features is not None:
            feats = feats @ rng.standard_normal((lam.size, int(n_features))) / math.sqrt(n_features)  # (n, N)
        kern = feats @ feats[:n_samples].T  # (n + n_test, n)
        k_train, y_train = kern[:n_samples], y[:n_samples]
        evals, evecs = np.linalg.eigh(k_train)
        proj = evecs.T @ y_train
        for r, delta in enumerate(ridges):
            alpha = evecs @ (proj / np.maximum(evals + delta, 1e-300) * (evals + delta > 1e-10 * evals.max()))
            pred = kern @ alpha
            train[r] += np.mean((pred[:n_samples] - y_train) ** 2) / trials
            test[r] += np.mean((pred[n_samples:] - y[n_samples:]) ** 2) / trials
    return train, test

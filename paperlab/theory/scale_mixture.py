"""Scale mixtures of Gaussian processes: the Student-t process posterior in closed form.

Lee, Yun, Yang, Lee, "Scale Mixtures of Neural Network Gaussian Processes" (ICLR 2022,
arXiv 2107.01408). Put a prior on the variance σ² of the last layer of a wide network, so that
(with the observation noise scaled alike) y | σ² ~ N(0, σ²(K + s²I)), with K the NNGP kernel of
the rest of the network. With σ² ~ InvGamma(α, β) the marginal is a multivariate Student t
(paper Sec. 3.2, Theorem 3.1 and eq. 9):

    y ~ MVT_{2α}(0, (β/α)(K + s²I)),

and conditioning on n observations gives again a Student-t process (Shah, Wilson, Ghahramani
2014, eq. 5-6, the form the paper uses):

    ν' = 2α + n,   mean = K*ᵀ A⁻¹ y,   A = K + s²I,
    scale² = (2β + yᵀA⁻¹y) / (2α + n) · (K** + s² − K*ᵀ A⁻¹ K*).

The GP counterparts (fixed σ²) are here for the comparison.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.special import gammaln

__all__ = [
    "Predictive",
    "gp_predict",
    "tp_predict",
    "gp_log_marginal",
    "tp_log_marginal",
    "prior_marginal_t",
    "nll",
]


@dataclass
class Predictive:
    """Per-point predictive distribution of y: location, squared scale, and degrees of freedom (inf: Gaussian)."""

    mean: np.ndarray
    scale2: np.ndarray
    dof: float

    @property
    def std(self) -> np.ndarray:
        """Predictive standard deviation (finite for dof > 2)."""
        if math.isinf(self.dof):
            return np.sqrt(self.scale2)
        if self.dof <= 2:
            raise ValueError(f"the standard deviation needs dof > 2; got dof={self.dof}")
        return np.sqrt(self.scale2 * self.dof / (self.dof - 2))


def _check(noise: float, **positive: float) -> None:
    if not noise > 0:
        raise ValueError(f"noise (observation variance s²) must be > 0; got {noise!r}")
    for name, v in positive.items():
        if not v > 0:
            raise ValueError(f"{name} must be > 0; got {v!r}")


def _solve(k_train: np.ndarray, noise: float, y: np.ndarray, k_cross: np.ndarray):  # noqa: ANN202
    a = cho_factor(np.asarray(k_train, dtype=np.float64) + noise * np.eye(len(k_train)), lower=True)
    alpha_vec = cho_solve(a, y)
    v = cho_solve(a, k_cross)
    return a, alpha_vec, v


def gp_predict(
    k_train: np.ndarray,
    k_cross: np.ndarray,
    k_test_diag: np.ndarray,
    y: np.ndarray,
    *,
    noise: float,
    scale: float = 1.0,
) -> Predictive:
    """GP regression with prior σ²K and noise σ²s² (σ² = ``scale``): the predictive of noisy test targets."""
    _check(noise, scale=scale)
    _, a_y, v = _solve(k_train, noise, y, k_cross)
    var = np.asarray(k_test_diag) + noise - (k_cross * v).sum(0)
    return Predictive(k_cross.T @ a_y, scale * var, math.inf)


def tp_predict(
    k_train: np.ndarray,
    k_cross: np.ndarray,
    k_test_diag: np.ndarray,
    y: np.ndarray,
    *,
    noise: float,
    alpha: float,
    beta: float,
) -> Predictive:
    """Student-t process predictive with σ² ~ InvGamma(α, β) marginalised (module docstring)."""
    _check(noise, alpha=alpha, beta=beta)
    _, a_y, v = _solve(k_train, noise, y, k_cross)
    n = len(y)
    var = np.asarray(k_test_diag) + noise - (k_cross * v).sum(0)
    factor = (2 * beta + float(y @ a_y)) / (2 * alpha + n)
    return Predictive(k_cross.T @ a_y, factor * var, 2 * alpha + n)


def gp_log_marginal(k_train: np.ndarray, y: np.ndarray, *, noise: float, scale: float = 1.0) -> float:
    """log N(y; 0, σ²(K + s²I))."""
    _check(noise, scale=scale)
    a = cho_factor(k_train + noise * np.eye(len(y)), lower=True)
    n = len(y)
    logdet = 2 * np.log(np.diag(a[0])).sum() + n * math.log(scale)
    return float(-0.5 * (y @ cho_solve(a, y)) / scale - 0.5 * logdet - 0.5 * n * math.log(2 * math.pi))


def tp_log_marginal(k_train: np.ndarray, y: np.ndarray, *, noise: float, alpha: float, beta: float) -> float:
    """log MVT_{2α}(y; 0, (β/α)(K + s²I)), the evidence of the Student-t process."""
    _check(noise, alpha=alpha, beta=beta)
    a = cho_factor(k_train + noise * np.eye(len(y)), lower=True)
    n = len(y)
    logdet = 2 * np.log(np.diag(a[0])).sum()
    quad = float(y @ cho_solve(a, y))
    return float(
        gammaln(alpha + n / 2)
        - gammaln(alpha)
        - 0.5 * n * math.log(2 * math.pi * beta)
        - 0.5 * logdet
        - (alpha + n / 2) * math.log1p(quad / (2 * beta))
    )


def prior_marginal_t(k_diag: np.ndarray, *, alpha: float, beta: float) -> tuple[float, np.ndarray]:
    """The prior marginal of one output f(x): Student t with ν = 2α and scale² = (β/α) K(x, x)."""
    if not (alpha > 0 and beta > 0):
        raise ValueError(f"alpha and beta must be > 0; got alpha={alpha!r}, beta={beta!r}")
    return 2 * alpha, (beta / alpha) * np.asarray(k_diag, dtype=np.float64)


def nll(pred: Predictive, y: np.ndarray) -> float:
    """Mean negative log predictive density of targets ``y`` under ``pred`` (Gaussian when dof = inf)."""
    r2 = (np.asarray(y) - pred.mean) ** 2 / pred.scale2
    if math.isinf(pred.dof):
        lp = -0.5 * (np.log(2 * math.pi * pred.scale2) + r2)
    else:
        nu = pred.dof
        lp = (
            gammaln((nu + 1) / 2)
            - gammaln(nu / 2)
            - 0.5 * np.log(nu * math.pi * pred.scale2)
            - (nu + 1) / 2 * np.log1p(r2 / nu)
        )
    return float(-np.mean(lp))

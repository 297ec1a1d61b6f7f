"""Infinite-depth NTK classifiers on the sphere and the activation taxonomy.

Radhakrishnan, Belkin, Uhler, "Wide and deep neural networks achieve consistency/optimality for
classification" (PNAS 2023, arXiv 2204.14126). For inputs on the unit sphere and a normalised
activation (φ̌(1) = E[φ(z)²] = 1), the NTK of ``L`` hidden layers depends only on ξ = x·z and
follows the dual recursion (paper eq. 3; neural-tangents with weight_var = 1, bias_var = 0)::

    Σ₀ = ξ,  Θ₀ = ξ,   Σ_l = φ̌(Σ_{l−1}),   Θ_l = Θ_{l−1} φ̌′(Σ_{l−1}) + Σ_l,

with φ̌(ξ) = E[φ(u)φ(v)] the dual activation. For ReLU this is
:func:`paperlab.theory.kernels.ntk_kernel` (``weight_var=2``); this module adds the activations
built from normalised Hermite polynomials hₖ, φ = Σ aₖ hₖ, whose dual is exactly the power
series φ̌(ξ) = Σ aₖ² ξᵏ (O'Donnell 2014, Prop. 11.40; Daniely et al. 2016, Lemma 11), so the
infinite-depth behaviour can be read off two numbers, c = φ̌′(0) and κ = φ̌′(1):

* φ̌(0) > 0 (or κ ≤ 1): every correlation flows to the fixed point 1, the normalised kernel
  becomes constant and the classifier becomes the **majority vote** (ReLU: φ̌(0) = 1/π).
* φ̌(0) = 0 and 0 < c < 1 < κ: correlations flow to 0 while the diagonal grows like κᴸ; the
  off-diagonal kernel, rescaled by L cᴸ, tends to the Koenigs function g(ξ) = lim φ̌ˡ(ξ)/cˡ,
  which near ξ = 1 behaves like (1 − ξ)^(−γ), γ = ln(1/c)/ln κ: a **singular kernel**
  classifier sign Σᵢ yᵢ g(xᵢ·x) ≈ sign Σᵢ yᵢ ‖x − xᵢ‖^(−2γ). On Sᵈ, 2γ = d gives the Hilbert
  kernel, the consistent (optimal) choice.
* φ̌(0) = 0 and c = 0: γ = ∞ and only the nearest neighbour survives: **1-NN**.

The c/κ reading of the conditions and the exponent γ are our derivation from the recursion
(the paper's exact theorem statement was not retrieved here); the notebook checks each
prediction numerically against the classifier it names.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

__all__ = [
    "hermite_dual",
    "hermite_activation",
    "golden_singular_coeffs",
    "NEAREST_NEIGHBOR_COEFFS",
    "limit_type",
    "singular_exponent",
    "sphere_ntk",
    "koenigs",
    "kernel_classify",
    "majority_vote",
    "nearest_neighbor",
    "power_kernel_classify",
]

# φ = (h₂ + h₃)/√2: φ̌(ξ) = (ξ² + ξ³)/2, no linear term (c = 0), κ = 2.5, and φ̌(ξ) ≥ 0 on [−1, 1].
NEAREST_NEIGHBOR_COEFFS = (0.0, 0.0, math.sqrt(0.5), math.sqrt(0.5))


def _check_coeffs(coeffs: Sequence[float]) -> np.ndarray:
    a = np.asarray(coeffs, dtype=np.float64)
    if a.ndim != 1 or len(a) < 2:
        raise ValueError(
            f"coeffs must be a 1-D sequence of Hermite coefficients a_0, a_1, ...; got {coeffs!r}"
        )
    if not math.isclose(float((a * a).sum()), 1.0, rel_tol=1e-9):
        raise ValueError(
            f"coeffs must be normalised (sum of squares 1, so that φ̌(1) = 1); got {float((a * a).sum())}"
        )
    return a


def hermite_dual(coeffs: Sequence[float], xi: np.ndarray, *, derivative: bool = False) -> np.ndarray:
    """φ̌(ξ) = Σ aₖ² ξᵏ, or φ̌′(ξ) = Σ k aₖ² ξᵏ⁻¹ with ``derivative=True``."""
    p = _check_coeffs(coeffs) ** 2
    poly = np.polynomial.Polynomial(p)
    return (poly.deriv() if derivative else poly)(np.asarray(xi, dtype=np.float64))


def hermite_activation(coeffs: Sequence[float], z: torch.Tensor) -> torch.Tensor:
    """φ(z) = Σ aₖ hₖ(z), hₖ = Heₖ/√(k!) the normalised probabilists' Hermite polynomials."""
    a = _check_coeffs(coeffs)
    he_prev, he = torch.ones_like(z), z
    out = a[0] * he_prev + a[1] * he
    for k in range(2, len(a)):
        he_prev, he = he, z * he - (k - 1) * he_prev  # He_k = z He_{k-1} − (k−1) He_{k−2}
        out = out + a[k] / math.sqrt(math.factorial(k)) * he
    return out


def golden_singular_coeffs(dim: int = 4) -> tuple[float, float, float]:
    """φ = √c h₁ + √(1−c) h₂ with 2γ = 2 ln(1/c)/ln(κ) = ``dim`` (κ = 2 − c): the Hilbert exponent on S^dim.

    For ``dim = 4``, c = (3 − √5)/2 and κ = (1 + √5)/2, the golden ratio.
    """
    if dim < 1:
        raise ValueError(f"dim must be >= 1; got {dim}")
    from scipy.optimize import brentq

    c = brentq(lambda t: math.log(1 / t) / math.log(2 - t) - dim / 2, 1e-9, 1 - 1e-9)
    return (0.0, math.sqrt(c), math.sqrt(1 - c))


def singular_exponent(coeffs: Sequence[float]) -> float:
    """2γ = 2 ln(1/φ̌′(0)) / ln φ̌′(1): the kernel exponent ‖x − z‖^(−2γ) of the singular limit (inf for 1-NN)."""
    c = float(hermite_dual(coeffs, 0.0, derivative=True))
    kappa = float(hermite_dual(coeffs, 1.0, derivative=True))
    if kappa <= 1:
        return 0.0
    return math.inf if c == 0 else 2 * math.log(1 / c) / math.log(kappa)


def limit_type(coeffs: Sequence[float]) -> str:
    """'majority vote', '1-NN' or 'singular kernel': the infinite-depth classifier (module docstring)."""
    f0 = float(hermite_dual(coeffs, 0.0))
    c = float(hermite_dual(coeffs, 0.0, derivative=True))
    kappa = float(hermite_dual(coeffs, 1.0, derivative=True))
    if f0 > 0 or kappa <= 1:
        return "majority vote"
    return "1-NN" if c == 0 else "singular kernel"


def sphere_ntk(coeffs: Sequence[float], xi: np.ndarray, depths: Sequence[int]) -> dict[int, np.ndarray]:
    """Θ_L(ξ) / Θ_L(1) for each L in ``depths`` (one pass of the dual recursion; entries of ``xi`` in [−1, 1]).

    Dividing by the diagonal every layer keeps the numbers finite at any depth; a ridgeless
    classifier is unchanged by a common scale.
    """
    if not depths or min(depths) < 1:
        raise ValueError(f"depths must be a non-empty list of ints >= 1; got {depths!r}")
    sig = np.clip(np.asarray(xi, dtype=np.float64), -1.0, 1.0)
    theta, diag = sig.copy(), 1.0  # normalised Θ and the true diagonal Θ(1)
    kappa = float(hermite_dual(coeffs, 1.0, derivative=True))
    out: dict[int, np.ndarray] = {}
    want = set(depths)
    for layer in range(1, max(depths) + 1):
        new_diag = kappa * diag + 1.0
        # 1 can be a repelling fixed point: keep round-off above 1 out
        new_sig = np.clip(hermite_dual(coeffs, sig), -1.0, 1.0)
        theta = theta * hermite_dual(coeffs, sig, derivative=True) * (diag / new_diag) + new_sig / new_diag
        sig, diag = new_sig, new_diag
        if layer in want:
            out[layer] = theta.copy()
    return out


def koenigs(coeffs: Sequence[float], xi: np.ndarray, *, iters: int = 60) -> np.ndarray:
    """g(ξ) = lim φ̌ˡ(ξ)/cˡ (c = φ̌′(0) > 0): the infinite-depth off-diagonal kernel of the singular case."""
    c = float(hermite_dual(coeffs, 0.0, derivative=True))
    if not 0 < c < 1:
        raise ValueError(f"koenigs needs 0 < φ̌'(0) < 1; got {c}")
    s = np.asarray(xi, dtype=np.float64).copy()
    log_scale = 0.0
    for _ in range(iters):
        s = hermite_dual(coeffs, s)
        log_scale += math.log(c)
    return s * math.exp(-log_scale) if log_scale > -700 else s / math.exp(log_scale)


def kernel_classify(k_train: np.ndarray, k_test: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Ridgeless kernel classifier sign(K(x, X) K(X, X)⁻¹ y), labels ±1; k_test is (n_test, n_train)."""
    coef = np.linalg.lstsq(k_train, y, rcond=None)[0]
    return np.sign(k_test @ coef)


def majority_vote(y: np.ndarray, n_test: int) -> np.ndarray:
    """The label of the larger class, for every test point."""
    return np.full(n_test, 1.0 if (y > 0).sum() >= (y < 0).sum() else -1.0)


def nearest_neighbor(x_train: np.ndarray, y: np.ndarray, x_test: np.ndarray) -> np.ndarray:
    """1-NN by Euclidean distance (on the sphere: the largest inner product)."""
    return y[np.argmax(x_test @ x_train.T, axis=1)]


def power_kernel_classify(
    x_train: np.ndarray, y: np.ndarray, x_test: np.ndarray, exponent: float
) -> np.ndarray:
    """Singular kernel classifier sign Σᵢ yᵢ ‖x − xᵢ‖^(−exponent) (the Hilbert kernel for exponent = d)."""
    d2 = np.clip(((x_test[:, None, :] - x_train[None]) ** 2).sum(-1), 1e-300, None)
    logw = -0.5 * exponent * np.log(d2)
    w = np.exp(logw - logw.max(1, keepdims=True))  # rescale per test point: the sign is unchanged
    return np.sign(w @ y)

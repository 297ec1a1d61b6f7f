"""Centered kernel alignment (Kornblith, Norouzi, Lee, Hinton, ICML 2019).

For representations ``X (n, p)`` and ``Y (n, q)`` of the same ``n`` inputs, with
centred Gram matrices ``K = H X X^T H`` and ``L = H Y Y^T H``::

    CKA(X, Y) = HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L)),   HSIC(K, L) = tr(K L) / (n - 1)^2.

Linear CKA equals ``||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F)`` on centred features; it
is invariant to orthogonal transforms and isotropic scaling of either side, but not
to general invertible linear maps (Kornblith et al., Sec. 3).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

KERNELS = ("linear", "rbf")


def _check_pair(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    if len(x) != len(y) or len(x) < 2:
        raise ValueError(f"x and y need the same number (>= 2) of samples; got {len(x)} and {len(y)}")
    return x, y


def linear_cka(x: np.ndarray, y: np.ndarray) -> float:
    """Linear CKA of two ``(samples, features)`` arrays (extra axes are flattened), in [0, 1]."""
    x, y = _check_pair(x, y)
    x, y = x - x.mean(0), y - y.mean(0)
    num = np.linalg.norm(y.T @ x) ** 2
    den = np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y)
    return float(num / den) if den > 0 else 0.0


def _rbf_gram(x: np.ndarray, sigma_frac: float) -> np.ndarray:
    sq = (x**2).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0.0)
    med = np.median(np.sqrt(d2[np.triu_indices(len(x), 1)]))
    sigma = sigma_frac * med if med > 0 else 1.0
    return np.exp(-d2 / (2 * sigma**2))


def kernel_cka(x: np.ndarray, y: np.ndarray, kernel: str = "rbf", sigma_frac: float = 0.8) -> float:
    """CKA with a ``"linear"`` or ``"rbf"`` kernel; the RBF bandwidth is ``sigma_frac`` x median distance."""
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {KERNELS}; got {kernel!r}")
    if sigma_frac <= 0:
        raise ValueError(f"sigma_frac must be > 0; got {sigma_frac!r}")
    x, y = _check_pair(x, y)
    if kernel == "linear":
        k, l_ = x @ x.T, y @ y.T
    else:
        k, l_ = _rbf_gram(x, sigma_frac), _rbf_gram(y, sigma_frac)
    n = len(x)
    h = np.eye(n) - 1.0 / n
    kc, lc = h @ k @ h, h @ l_ @ h
    den = np.sqrt((kc * kc).sum() * (lc * lc).sum())
    return float((kc * lc).sum() / den) if den > 0 else 0.0


def linear_cka_torch(x: torch.Tensor, y: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Differentiable linear CKA on ``(batch, ...)`` tensors (flattened per sample), for use in a loss."""
    if x.shape[0] != y.shape[0] or x.shape[0] < 2:
        raise ValueError(f"x and y need the same batch size (>= 2); got {x.shape[0]} and {y.shape[0]}")
    x = x.reshape(x.shape[0], -1).float()
    y = y.reshape(y.shape[0], -1).float()
    x, y = x - x.mean(0, keepdim=True), y - y.mean(0, keepdim=True)
    # Gram form: O(n^2) memory, cheaper than the feature form for wide layers and small batches.
    kx, ky = x @ x.T, y @ y.T
    return (kx * ky).sum() / (torch.linalg.norm(kx) * torch.linalg.norm(ky) + eps)


def cka_matrix(acts_a: Sequence[np.ndarray], acts_b: Sequence[np.ndarray]) -> np.ndarray:
    """Layer x layer linear CKA: entry ``[i, j]`` compares layer ``i`` of ``a`` with layer ``j`` of ``b``."""
    if not acts_a or not acts_b:
        raise ValueError("acts_a and acts_b must be non-empty sequences of (samples, features) arrays")
    return np.array([[linear_cka(a, b) for b in acts_b] for a in acts_a])

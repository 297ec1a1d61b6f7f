"""Wide and Deep Neural Networks Achieve Optimality for Classification
(Radhakrishnan, Belkin, Uhler, PNAS 2023, arXiv 2204.14126).

An infinitely wide network trained to zero loss is the ridgeless NTK classifier
sign(Θ(x, X) Θ(X, X)⁻¹ y). Letting the depth L → ∞ as well, the classifier collapses to one of
three classical rules depending only on the activation's dual φ̌ (paper's taxonomy;
:mod:`paperlab.theory.ntk_limits` for the conditions): ReLU → majority vote; activations
with φ̌(0) = φ̌′(0) = 0 → 1-nearest neighbour; φ̌(0) = 0 < φ̌′(0) < 1 < φ̌′(1) → a singular
kernel classifier ‖x − xᵢ‖^(−2γ), which for 2γ = d on Sᵈ is the (consistent, hence optimal)
Hilbert kernel classifier. ReLU kernels come from :func:`paperlab.theory.kernels.ntk_kernel`;
Hermite-polynomial activations (closed-form duals) from :func:`~paperlab.theory.ntk_limits.sphere_ntk`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from paperlab.theory import ntk_limits as nl
from paperlab.theory.kernels import ntk_kernel
from paperlab.train import progress

ACTIVATIONS = {
    "relu": None,  # √2·ReLU, normalised; kernels from paperlab.theory.kernels
    "singular (2γ = 4)": nl.golden_singular_coeffs(4),
    "1-NN (h₂ + h₃)/√2": nl.NEAREST_NEIGHBOR_COEFFS,
}


# 1. model ------------------------------------------------------------------------------------------
class DeepMLP(nn.Module):
    """``depth × (Dense → φ) → Dense`` in the NTK parameterisation, φ = √2·ReLU or a Hermite series."""

    def __init__(
        self, d_in: int, width: int, depth: int, coeffs: Sequence[float] | None = None, *, seed: int = 0
    ) -> None:
        super().__init__()
        if width < 1 or depth < 1:
            raise ValueError(f"width and depth must be >= 1; got width={width}, depth={depth}")
        g = torch.Generator().manual_seed(seed)
        sizes = [d_in] + [width] * depth + [1]
        self.weights = nn.ParameterList(
            nn.Parameter(torch.randn(b, a, generator=g)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)
        )
        self.coeffs = None if coeffs is None else tuple(float(c) for c in coeffs)

    def _phi(self, z: torch.Tensor) -> torch.Tensor:
        return (
            math.sqrt(2.0) * torch.relu(z) if self.coeffs is None else nl.hermite_activation(self.coeffs, z)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for i, w in enumerate(self.weights):
            h = h @ w.T / math.sqrt(w.shape[1])  # (B, out)
            if i < len(self.weights) - 1:
                h = self._phi(h)
        return h[..., 0]


# 2. data -------------------------------------------------------------------------------------------
def sphere_data(n: int, *, dim: int = 4, p_major: float = 0.7, separation: float = 1.0, seed: int = 0):
    """Imbalanced two-class data on S^dim ⊂ R^(dim+1): x = normalise(N(0, I) + y·separation·e₁), P(y = +1) = p_major."""
    if not 0.5 <= p_major < 1:
        raise ValueError(f"p_major must be in [0.5, 1); got {p_major}")
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < p_major, 1.0, -1.0)
    x = rng.standard_normal((n, dim + 1))
    x[:, 0] += separation * y
    return x / np.linalg.norm(x, axis=1, keepdims=True), y


# 3. experiments ------------------------------------------------------------------------------------
def ntk_predictions(
    coeffs: Sequence[float] | None,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    depths: Sequence[int],
) -> dict[int, np.ndarray]:
    """Ridgeless NTK classifier predictions (±1) at each depth; ``coeffs=None`` means √2·ReLU."""
    if coeffs is None:
        d = x_train.shape[1]
        xa = np.vstack([x_train, x_test]) * math.sqrt(d)  # K⁰ = x·x′/d = the cosine on the sphere
        out = {}
        for depth in progress(depths, desc="ReLU NTK depths"):
            k = ntk_kernel(
                xa, xa[: len(x_train)], depth=depth, activation="relu", weight_var=2.0, bias_var=0.0
            )
            out[depth] = nl.kernel_classify(k[: len(x_train)], k[len(x_train) :], y_train)
        return out
    k_tr = nl.sphere_ntk(coeffs, x_train @ x_train.T, depths)
    k_te = nl.sphere_ntk(coeffs, x_test @ x_train.T, depths)
    return {d: nl.kernel_classify(k_tr[d], k_te[d], y_train) for d in depths}


@dataclass
class Taxonomy:
    """Per activation: depths, agreement with each reference rule, and test accuracy."""

    depths: dict[str, list[int]]
    agreement: dict[str, dict[str, np.ndarray]]  # activation -> reference -> (len(depths),)
    accuracy: dict[str, np.ndarray]
    reference_accuracy: dict[str, float] = field(default_factory=dict)
    koenigs_agreement: float = float("nan")  # depth-∞ singular classifier vs the Hilbert kernel classifier


def run_taxonomy(
    *,
    n_train: int = 200,
    n_test: int = 300,
    dim: int = 4,
    seed: int = 0,
    depths: dict[str, list[int]] | None = None,
) -> Taxonomy:
    """Agreement of each activation's NTK classifier with majority vote, 1-NN and the Hilbert kernel vs depth."""
    depths = depths or {
        "relu": [1, 10, 100, 300, 1000],
        "singular (2γ = 4)": [1, 3, 10, 30, 100, 200],
        "1-NN (h₂ + h₃)/√2": [1, 2, 4, 6, 8, 10],
    }
    xtr, ytr = sphere_data(n_train, dim=dim, seed=seed)
    xte, yte = sphere_data(n_test, dim=dim, seed=seed + 1000)
    refs = {
        "majority vote": nl.majority_vote(ytr, n_test),
        "1-NN": nl.nearest_neighbor(xtr, ytr, xte),
        "Hilbert kernel": nl.power_kernel_classify(xtr, ytr, xte, float(dim)),
    }
    agreement, accuracy = {}, {}
    for name, coeffs in ACTIVATIONS.items():
        preds = ntk_predictions(coeffs, xtr, ytr, xte, depths[name])
        agreement[name] = {
            r: np.array([(preds[d] == p).mean() for d in depths[name]]) for r, p in refs.items()
        }
        accuracy[name] = np.array([(preds[d] == yte).mean() for d in depths[name]])
    g = nl.koenigs(ACTIVATIONS["singular (2γ = 4)"], xte @ xtr.T)
    return Taxonomy(
        depths,
        agreement,
        accuracy,
        {r: float((p == yte).mean()) for r, p in refs.items()},
        float((np.sign(g @ ytr) == refs["Hilbert kernel"]).mean()),
    )


def circle_predictions(
    depth: int, *, n_train: int = 12, n_grid: int = 360, seed: int = 0
) -> dict[str, np.ndarray]:
    """Decision functions on the circle S¹ (angle grid) for each activation at one depth, plus the data."""
    rng = np.random.default_rng(seed)
    ang = np.sort(rng.uniform(0, 2 * np.pi, n_train))
    y = np.where(rng.random(n_train) < 0.65, 1.0, -1.0)
    grid = np.linspace(0, 2 * np.pi, n_grid, endpoint=False)
    to_xy = lambda a: np.stack([np.cos(a), np.sin(a)], 1)  # noqa: E731
    out = {"angle": grid, "train_angle": ang, "train_y": y}
    for name, coeffs in ACTIVATIONS.items():
        out[name] = ntk_predictions(coeffs, to_xy(ang), y, to_xy(grid), [depth])[depth]
    return out


# 4. diagram ----------------------------------------------------------------------------------------
def diagram_example() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
    """A depth-3, width-16 network with the singular-kernel Hermite activation on inputs from S⁴."""
    net = DeepMLP(5, 16, 3, ACTIVATIONS["singular (2γ = 4)"], seed=0)
    x = torch.nn.functional.normalize(torch.randn(4, 5, generator=torch.Generator().manual_seed(0)), dim=1)
    return net, (x,), ["b d"]

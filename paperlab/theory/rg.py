"""The representation-group (RG) flow of deep MLPs at initialisation (Roberts, Yaida & Hanin 2022).

"The Principles of Deep Learning Theory" (PDLT, arXiv 2106.10165) tracks the statistics of a
preactivation z⁽ˡ⁾ of an MLP with weights W ~ N(0, C_W / n) and biases b ~ N(0, C_b) layer by layer:

* the kernel (single input) flows by K⁽ˡ⁺¹⁾ = C_b + C_W ⟨σ(z)²⟩_{K⁽ˡ⁾} (PDLT ch. 4, the kernel recursion),
  with K⁽¹⁾ = C_b + C_W |x|²/n₀ (here ``k0``);
* linearising around a fixed point gives the parallel and perpendicular susceptibilities
  χ∥(K) = (C_W / K) ⟨σ′(z) σ(z) z⟩_K and χ⊥(K) = C_W ⟨σ′(z)²⟩_K (PDLT §5.1);
* criticality is χ∥ = χ⊥ = 1 at the fixed point: C_b = 0, C_W = 2 for ReLU (scale-invariant class,
  §5.2) and C_b = 0, C_W = 1/σ′(0)² for the K* = 0 class (tanh: C_W = 1, §5.3), where the
  kernel approaches 0 as the power law K⁽ˡ⁾ ≈ 1 / (−a₁ l), a₁ = σ₃/σ₁ + ¾(σ₂/σ₁)² (§5.3;
  tanh: 1/(2l));
* at finite width n the leading non-Gaussianity is the four-point vertex V, which flows by
  V⁽ˡ⁺¹⁾ = χ∥(K⁽ˡ⁾)² V⁽ˡ⁾ + C_W² (⟨σ⁴⟩_{K⁽ˡ⁾} − ⟨σ²⟩²_{K⁽ˡ⁾}) with V⁽¹⁾ = 0 (PDLT ch. 4, at equal widths),
  and a single preactivation has excess kurtosis 3V/(n K²) + O(1/n²) (PDLT §4.1). For ReLU at
  criticality that is 15 (L − 1)/n: the depth-to-width ratio sets the size of the corrections.

Gaussian expectations use closed forms for ReLU and a fine trapezoid rule otherwise.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from paperlab.theory.kernels import activation_variance, check_activation

_STEP = 0.01  # trapezoid step on [-10, 10] for the smooth activations


def _funcs(activation: str):
    """σ and σ′ as numpy functions."""
    from scipy.special import erf

    table = {
        "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0) * 1.0),
        "erf": (erf, lambda z: 2 / math.sqrt(math.pi) * np.exp(-z * z)),
        "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
        "linear": (lambda z: z, np.ones_like),
        "sin": (np.sin, np.cos),
        "gelu": (
            lambda z: 0.5 * z * (1 + erf(z / math.sqrt(2))),
            lambda z: 0.5 * (1 + erf(z / math.sqrt(2))) + z * np.exp(-z * z / 2) / math.sqrt(2 * math.pi),
        ),
    }
    return table[check_activation(activation)]


def _expect(fn, k: np.ndarray) -> np.ndarray:
    """⟨fn(z)⟩ for z ~ N(0, k), elementwise over the array k, by the trapezoid rule."""
    x = np.arange(-10.0, 10.0 + _STEP / 2, _STEP)
    w = _STEP * np.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    z = np.sqrt(np.clip(k, 0, None))[..., None] * x
    return (fn(z) * w).sum(-1)


def _check_k(k) -> np.ndarray:
    k = np.asarray(k, dtype=np.float64)
    if np.any(k <= 0):
        raise ValueError(f"k must be > 0 (a variance); got {k.min()!r}")
    return k


def _check_hyper(weight_var: float, bias_var: float, depth: int) -> None:
    if not weight_var > 0:
        raise ValueError(f"weight_var must be > 0; got {weight_var!r}")
    if not bias_var >= 0:
        raise ValueError(f"bias_var must be >= 0; got {bias_var!r}")
    if not isinstance(depth, int | np.integer) or depth < 0:
        raise ValueError(f"depth must be a non-negative int; got {depth!r}")


def kernel_flow(activation: str, *, weight_var: float, bias_var: float, k0: float, depth: int) -> np.ndarray:
    """The single-input kernel through depth, K[0] = k0, K[l+1] = C_b + C_W ⟨σ²⟩_{K[l]} (PDLT ch. 4).

    Returns a float64 array of length ``depth + 1``.
    """
    _check_hyper(weight_var, bias_var, depth)
    k = np.empty(depth + 1)
    k[0] = _check_k(k0)
    for ell in range(depth):
        k[ell + 1] = bias_var + weight_var * activation_variance(activation, torch.tensor(k[ell])).item()
    return k


def chi_parallel(activation: str, k, *, weight_var: float) -> np.ndarray:
    """Parallel susceptibility χ∥(K) = (C_W/K) ⟨σ′(z) σ(z) z⟩_K = ∂K⁽ˡ⁺¹⁾/∂K⁽ˡ⁾ (PDLT §5.1)."""
    k = _check_k(k)
    if activation == "relu":
        return np.full_like(k, weight_var / 2)
    s, sp = _funcs(activation)
    return weight_var * _expect(lambda z: sp(z) * s(z) * z, k) / k


def chi_perp(activation: str, k, *, weight_var: float) -> np.ndarray:
    """Perpendicular susceptibility χ⊥(K) = C_W ⟨σ′(z)²⟩_K (PDLT §5.1)."""
    k = _check_k(k)
    return weight_var * activation_variance(activation, torch.as_tensor(k), derivative=True).numpy()


_TAYLOR = {  # (σ'(0), σ''(0), σ'''(0)) for the K* = 0 universality class
    "tanh": (1.0, 0.0, -2.0),
    "erf": (2 / math.sqrt(math.pi), 0.0, -4 / math.sqrt(math.pi)),
    "sin": (1.0, 0.0, -1.0),
    "linear": (1.0, 0.0, 0.0),
}


def critical_point(activation: str) -> dict[str, float]:
    """Critical initialisation ``{"weight_var": C_W, "bias_var": C_b}`` (PDLT §5.2–5.3).

    ReLU (scale-invariant class): C_W = 2, C_b = 0 (§5.2). K* = 0 class (tanh, erf, sin, linear):
    C_b = 0, C_W = 1/σ′(0)² (§5.3).
    """
    check_activation(activation)
    if activation == "relu":
        return {"weight_var": 2.0, "bias_var": 0.0}
    if activation not in _TAYLOR:
        raise ValueError(
            f"activation must be one of 'relu', {', '.join(map(repr, _TAYLOR))} for critical_point"
        )
    return {"weight_var": 1.0 / _TAYLOR[activation][0] ** 2, "bias_var": 0.0}


def power_law_kernel(activation: str, layers) -> np.ndarray:
    """Large-depth kernel at K* = 0 criticality, K⁽ˡ⁾ ≈ 1/(−a₁ l), a₁ = σ₃/σ₁ + ¾(σ₂/σ₁)² (PDLT §5.3).

    For tanh a₁ = −2, so K⁽ˡ⁾ ≈ 1/(2l).
    """
    if activation not in _TAYLOR or activation == "linear":
        raise ValueError(f"activation must be one of {', '.join(repr(a) for a in _TAYLOR if a != 'linear')}")
    s1, s2, s3 = _TAYLOR[activation]
    a1 = s3 / s1 + 0.75 * (s2 / s1) ** 2
    return 1.0 / (-a1 * np.asarray(layers, dtype=np.float64))


def four_point_vertex(
    activation: str, *, weight_var: float, bias_var: float, k0: float, depth: int
) -> np.ndarray:
    """Leading finite-width four-point vertex V[l] along the flow, V[0] = 0 (PDLT ch. 4, equal widths).

    V⁽ˡ⁺¹⁾ = χ∥(K⁽ˡ⁾)² V⁽ˡ⁾ + C_W² (⟨σ⁴⟩ − ⟨σ²⟩²); the connected four-point function of one
    preactivation is 3V/n. Returns an array of length ``depth + 1`` aligned with :func:`kernel_flow`.
    """
    k = kernel_flow(activation, weight_var=weight_var, bias_var=bias_var, k0=k0, depth=depth)
    chi = chi_parallel(activation, k[:-1], weight_var=weight_var)
    if activation == "relu":
        var_s2 = 1.25 * k[:-1] ** 2  # ⟨relu⁴⟩ − ⟨relu²⟩² = 3K²/2 − K²/4
    else:
        s = _funcs(activation)[0]
        var_s2 = _expect(lambda z: s(z) ** 4, k[:-1]) - _expect(lambda z: s(z) ** 2, k[:-1]) ** 2
    v = np.zeros(depth + 1)
    for ell in range(depth):
        v[ell + 1] = chi[ell] ** 2 * v[ell] + weight_var**2 * var_s2[ell]
    return v


def excess_kurtosis(
    activation: str, *, weight_var: float, bias_var: float, k0: float, depth: int, width: int
) -> float:
    """Excess kurtosis 3V/(n K²) of one output preactivation after ``depth`` hidden layers of width n.

    Leading order in 1/n (PDLT §4.1); for ReLU at criticality it equals 15·depth/width.
    """
    if not isinstance(width, int | np.integer) or width < 1:
        raise ValueError(f"width must be a positive int; got {width!r}")
    k = kernel_flow(activation, weight_var=weight_var, bias_var=bias_var, k0=k0, depth=depth)
    v = four_point_vertex(activation, weight_var=weight_var, bias_var=bias_var, k0=k0, depth=depth)
    return float(3 * v[-1] / (width * k[-1] ** 2))

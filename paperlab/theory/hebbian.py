"""Retrieval theory for (dense) Hebbian associative memories.

Two references that the dense-Hebbian notebook draws against Monte Carlo:

* **Classical Hopfield (P = 2), replica-symmetric, zero temperature** (Amit, Gutfreund,
  Sompolinsky 1987, Ann. Phys. 173, eqs. 4.13-4.15 in the T → 0 limit)::

      m = erf(m / sqrt(2 α r)),   C = sqrt(2 / (π α r)) · exp(-m² / (2 α r)),   r = 1 / (1 − C)²

  whose retrieval branch disappears at the storage capacity α_c ≈ 0.138.

* **Dense (P-body) supervised Hebbian network, signal-to-noise self-consistency.** With the
  supervised archetype estimate ξ̂ᵘ = (1/(rM)) Σ_a ηᵘᵃ (Agliari et al. 2022, arXiv 2212.00606,
  eq. 2.4) each entry is ξ̂ᵢ = ξᵢ(1 + δᵢ) with Var δ = ρ = (1 − r²)/(M r²), the *dataset
  entropy* of that paper. In a state with overlap m with ξ¹ the field along ξ¹ is
  (1 + δᵢ)·m^(P−1) plus the cross-talk of the K − 1 other memories, a sum of terms
  ξ̂ᵢᵘ (ξ̂ᵘ·σ/N)^(P−1) of variance (1+ρ)^P (2P−3)!! / N^(P−1). With the load α = K / N^(P−1)
  this gives::

      m = erf( 1 / sqrt(2 (ρ + α (2P−3)!! (1+ρ)^P / m^(2P−2))) )

  This is our signal-to-noise reading of the paper's zero-temperature picture (it neglects the
  Onsager reaction term, which is what makes AGS's P = 2 capacity 0.138 rather than 2/π);
  the paper's own replica-symmetric phase-diagram values were not retrieved here. It shows
  the two regimes of the abstract: *ultra-storage* (K ∝ N^(P−1)) and *ultra-detection*
  (retrieval at ρ where a P = 2 network fails, since the P = 2 noise is not suppressed).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.special import erf

__all__ = [
    "dataset_entropy",
    "double_factorial",
    "crosstalk_variance",
    "dense_snr_overlap",
    "dense_critical_load",
    "hopfield_rs_overlap",
    "hopfield_critical_load",
]


def _check_positive(name: str, value: float) -> float:
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number; got {value!r}")
    return float(value)


def _check_p(p: int) -> int:
    if not isinstance(p, int | np.integer) or p < 2:
        raise ValueError(f"p (the interaction order P) must be an int >= 2; got {p!r}")
    return int(p)


def dataset_entropy(r: float, m: int) -> float:
    """ρ = (1 − r²) / (M r²): the dataset entropy of Agliari et al. (2212.00606, Sec. 2).

    ``r`` in (0, 1] is the example quality (each example entry agrees with its archetype with
    probability (1 + r)/2), ``m`` the number of examples per archetype.
    """
    if not 0 < r <= 1:
        raise ValueError(f"r (example quality) must be in (0, 1]; got {r!r}")
    if not isinstance(m, int | np.integer) or m < 1:
        raise ValueError(f"m (examples per archetype) must be an int >= 1; got {m!r}")
    return (1.0 - r * r) / (m * r * r)


def double_factorial(n: int) -> int:
    """n!! for odd or even n >= -1 (with (−1)!! = 0!! = 1)."""
    if n < -1:
        raise ValueError(f"n must be >= -1; got {n}")
    return math.prod(range(n, 0, -2)) if n > 0 else 1


def crosstalk_variance(p: int, alpha: float, rho: float = 0.0) -> float:
    """Variance of the cross-talk field, α (2P−3)!! (1+ρ)^P, with α = K / N^(P−1)."""
    p = _check_p(p)
    if alpha < 0 or rho < 0:
        raise ValueError(f"alpha and rho must be >= 0; got alpha={alpha!r}, rho={rho!r}")
    return alpha * double_factorial(2 * p - 3) * (1.0 + rho) ** p


def dense_snr_overlap(p: int, alpha: float, rho: float = 0.0, *, iters: int = 2000) -> float:
    """Retrieval overlap m of the signal-to-noise self-consistency (module docstring).

    The largest fixed point, found by iterating from m = 1; returns 0 when retrieval is lost.
    """
    p = _check_p(p)
    noise = crosstalk_variance(p, alpha, rho)
    m = 1.0
    for _ in range(iters):
        var = rho + noise / max(m, 1e-300) ** (2 * p - 2)
        new = 1.0 if var == 0 else float(erf(1.0 / math.sqrt(2.0 * var)))
        if abs(new - m) < 1e-13:
            break
        m = new
    return m if m > 1e-3 else 0.0


def dense_critical_load(p: int, rho: float = 0.0, *, min_overlap: float = 0.5) -> float:
    """Largest α = K / N^(P−1) at which :func:`dense_snr_overlap` still retrieves (m > min_overlap)."""
    p = _check_p(p)
    if dense_snr_overlap(p, 0.0, rho) <= min_overlap:
        return 0.0
    lo, hi = 0.0, 1.0
    while dense_snr_overlap(p, hi, rho) > min_overlap:
        hi *= 2.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if dense_snr_overlap(p, mid, rho) > min_overlap else (lo, mid)
    return lo


def _ags_alpha(y: float) -> float:
    """The AGS equations solved for α along y = m / sqrt(2 α r): α(y) = (erf y − 2y e^(−y²)/√π)² / (2y²)."""
    return float((erf(y) - 2.0 * y * math.exp(-y * y) / math.sqrt(math.pi)) ** 2 / (2.0 * y * y))


def _ags_argmax() -> float:
    return float(
        minimize_scalar(
            lambda y: -_ags_alpha(y), bounds=(0.5, 3.0), method="bounded", options={"xatol": 1e-12}
        ).x
    )


def hopfield_rs_overlap(alpha: float) -> float:
    """Retrieval overlap m(α) of the P = 2 Hopfield network, replica symmetric, T = 0 (AGS 1987).

    Eliminating C and r from the equations in the module docstring leaves α as a function of
    y = m / sqrt(2 α r) (:func:`_ags_alpha`); the retrieval state is the root on the branch
    beyond the maximum, m = erf(y). Returns 0 above capacity.
    """
    alpha = _check_positive("alpha", alpha)
    y_star = _ags_argmax()
    if alpha > _ags_alpha(y_star):
        return 0.0
    y = brentq(lambda t: _ags_alpha(t) - alpha, y_star, 50.0, xtol=1e-14)
    return float(erf(y))


def hopfield_critical_load() -> float:
    """α_c ≈ 0.138: the maximum of α(y), where the AGS retrieval branch disappears."""
    return _ags_alpha(_ags_argmax())

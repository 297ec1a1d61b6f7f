"""Infinite-width NNGP and NTK kernels of fully connected networks.

The network is ``depth × (Dense → activation)`` followed by a final Dense layer, in the
neural-tangents (``stax``, NTK parameterisation) convention:

* input kernel ``K⁰(x, x′) = x·x′ / d`` and ``Θ⁰ = 0``;
* every Dense: ``K ← weight_var·K + bias_var`` and ``Θ ← K + weight_var·Θ`` (the new ``K``:
  the gradients with respect to this layer's weights and biases, plus the back-propagated
  old tangent kernel);
* every activation φ: ``K ← E[φ(u)φ(v)]`` and ``Θ ← Θ · E[φ′(u)φ′(v)]`` with
  ``(u, v) ~ N(0, [[K(x,x), K(x,x′)], [K(x,x′), K(x′,x′)]])``.

This is the recursion of Lee et al. 2018 (NNGP) and Jacot, Gabriel & Hongler 2018
(NTK), as implemented by ``neural_tangents.stax.Dense``/``Relu``/``Erf``.

The Gaussian expectations ("dual activations") use closed forms where they exist:

* ReLU — the arc-cosine kernel of degree 1 and 0 (Cho & Saul 2009):
  ``E[relu relu] = √(q₁q₂)/(2π)·(sin θ + (π − θ) cos θ)``, ``E[step step] = (π − θ)/(2π)``;
* erf — Williams 1997: ``E[erf erf] = (2/π)·arcsin(2c / √((1+2q₁)(1+2q₂)))`` and
  ``E[erf′ erf′] = (4/π) / √((1+2q₁)(1+2q₂) − 4c²)``;
* linear — ``c`` and ``1``;

and a 2-D Gaussian-weighted trapezoid rule for the others (``tanh``, ``sin``, ``gelu``). For an
integrand analytic in a strip the trapezoid rule converges geometrically (Trefethen & Weideman 2014,
SIAM Rev. 56); its step shrinks as 1/√q because the poles of tanh sit at distance
π/(2√q) from the real axis, which keeps the relative error near 1e-9 or below for variances up to ~10
(Gauss–Hermite with a fixed node count converged much more slowly for tanh at large variance).
Everything is float64 and vectorised in torch; inputs may be numpy arrays or torch tensors,
and the result has the type of ``x1``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
import torch

ACTIVATIONS = ("relu", "erf", "tanh", "linear", "sin", "gelu")
_RANGE = 9.0  # the rule integrates N(0, 1) over [-9, 9]; the tail beyond is 2e-19
_STEP_1D = 0.05
_CHUNK_ELEMENTS = 2_000_000  # (rows × cols × m × m) floats evaluated at a time by the 2-D rule

Array = np.ndarray | torch.Tensor


def _gelu(z: torch.Tensor) -> torch.Tensor:
    return 0.5 * z * (1.0 + torch.erf(z / math.sqrt(2.0)))


def _gelu_prime(z: torch.Tensor) -> torch.Tensor:
    return 0.5 * (1.0 + torch.erf(z / math.sqrt(2.0))) + z * torch.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


_PHI: dict[str, tuple[Callable[[torch.Tensor], torch.Tensor], Callable[[torch.Tensor], torch.Tensor]]] = {
    "tanh": (torch.tanh, lambda z: 1.0 - torch.tanh(z) ** 2),
    "sin": (torch.sin, torch.cos),
    "gelu": (_gelu, _gelu_prime),
}


def check_activation(activation: str) -> str:
    """Return ``activation`` if it is one of :data:`ACTIVATIONS`, else raise ``ValueError``."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(map(repr, ACTIVATIONS))}; got {activation!r}")
    return activation


def _nodes(step: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Trapezoid nodes on [-R, R] and weights ``step · pdf(x)`` for the standard normal."""
    m = int(math.ceil(_RANGE / step))
    x = torch.linspace(-m * step, m * step, 2 * m + 1, dtype=torch.float64)
    return x, step * torch.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _step_2d(qmax: float) -> float:
    return min(0.3, 0.4 / math.sqrt(max(qmax, 1e-12)))


def activation_variance(activation: str, q: Array, *, derivative: bool = False) -> torch.Tensor:
    """``E[φ(z)²]`` (or ``E[φ′(z)²]`` with ``derivative=True``) for ``z ~ N(0, q)``, elementwise in ``q``."""
    check_activation(activation)
    q = torch.as_tensor(q, dtype=torch.float64)
    if activation == "relu":
        return torch.full_like(q, 0.5) if derivative else q / 2
    if activation == "linear":
        return torch.ones_like(q) if derivative else q.clone()
    if activation == "erf":
        if derivative:
            return (4 / math.pi) / torch.sqrt(1 + 4 * q)
        return (2 / math.pi) * torch.asin(2 * q / (1 + 2 * q))
    x, w = _nodes(_STEP_1D)
    f = _PHI[activation][1 if derivative else 0]
    z = torch.sqrt(q.clamp_min(0))[..., None] * x  # (..., m)
    return (f(z) ** 2 * w).sum(-1)


def dual_kernel(
    activation: str, q1: Array, q2: Array, c: Array, *, derivative: bool = True
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The dual activation: ``(E[φ(u)φ(v)], E[φ′(u)φ′(v)])`` for centred Gaussians ``(u, v)``.

    ``q1`` (n1,) and ``q2`` (n2,) are the variances, ``c`` (n1, n2) the covariances; the result
    has the shape of ``c``. With ``derivative=False`` the second entry is ``None``.
    """
    check_activation(activation)
    q1 = torch.as_tensor(q1, dtype=torch.float64)
    q2 = torch.as_tensor(q2, dtype=torch.float64)
    c = torch.as_tensor(c, dtype=torch.float64)
    if activation == "linear":
        return c.clone(), (torch.ones_like(c) if derivative else None)
    if activation == "erf":
        a = (1 + 2 * q1)[:, None] * (1 + 2 * q2)[None, :]
        k = (2 / math.pi) * torch.asin((2 * c / torch.sqrt(a)).clamp(-1, 1))
        kd = (4 / math.pi) / torch.sqrt(a - 4 * c * c) if derivative else None
        return k, kd
    norm = torch.outer(q1.clamp_min(0), q2.clamp_min(0)).sqrt_()  # (n1, n2)
    if bool((norm > 0).all()):
        rho = (c / norm).clamp_(-1.0, 1.0)
    else:  # a zero-variance input: its correlation is immaterial, the kernel is 0
        rho = torch.where(
            norm > 0, c / torch.where(norm > 0, norm, torch.ones_like(norm)), torch.zeros_like(c)
        )
        rho.clamp_(-1.0, 1.0)
    if activation == "relu":
        return _relu_dual(norm, rho, derivative)
    return _quadrature(activation, q1, q2, rho, derivative)


def _relu_dual(
    norm: torch.Tensor, rho: torch.Tensor, derivative: bool
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Arc-cosine kernels of degree 1 and 0, in place where possible (the hot path of deep ReLU Grams)."""
    sin = (1.0 - rho).mul_(1.0 + rho).clamp_(min=0.0).sqrt_()  # sin θ, accurate near ρ = ±1
    kd = torch.atan2(sin, rho).neg_().add_(math.pi).div_(2 * math.pi)  # (π − θ)/(2π)
    k = (kd * rho).add_(sin, alpha=1 / (2 * math.pi)).mul_(norm)  # √(q₁q₂)(sin θ + (π − θ) cos θ)/(2π)
    return k, (kd if derivative else None)


def _quadrature(
    activation: str, q1: torch.Tensor, q2: torch.Tensor, rho: torch.Tensor, derivative: bool
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """2-D trapezoid rule: u = √q₁ a, v = √q₂ (ρ a + √(1−ρ²) b), a, b iid N(0, 1)."""
    qmax = max(float(q1.max()) if len(q1) else 0.0, float(q2.max()) if len(q2) else 0.0)
    x, w = _nodes(_step_2d(qmax))
    m = len(x)
    n1, n2 = rho.shape
    s1, s2 = torch.sqrt(q1.clamp_min(0)), torch.sqrt(q2.clamp_min(0))
    fns = [_PHI[activation][0]] + ([_PHI[activation][1]] if derivative else [])
    out = [torch.empty(n1, n2, dtype=torch.float64) for _ in fns]
    rows = max(1, _CHUNK_ELEMENTS // max(1, n2 * m * m))
    ww = w[:, None] * w[None, :]  # (m, m)
    for i0 in range(0, n1, rows):
        r = rho[i0 : i0 + rows]  # (r, n2)
        u = s1[i0 : i0 + rows, None] * x  # (r, m)
        perp = torch.sqrt((1 - r) * (1 + r))
        # v[i, j, a, b] = s2_j (rho_ij x_a + perp_ij x_b)
        v = s2[None, :, None, None] * (r[..., None, None] * x[:, None] + perp[..., None, None] * x[None, :])
        for f, o in zip(fns, out, strict=True):
            inner = (f(v) * ww).sum(-1)  # (r, n2, m): weighted over b, times w_a
            o[i0 : i0 + rows] = torch.einsum("ijm,im->ij", inner, f(u))
    return out[0], (out[1] if derivative else None)


def _to_tensor(x: Array, name: str) -> torch.Tensor:
    if not isinstance(x, np.ndarray | torch.Tensor):
        raise ValueError(
            f"{name} must be a numpy array or torch tensor of shape (n, d); got {type(x).__name__}"
        )
    t = torch.as_tensor(x).detach().to(device="cpu", dtype=torch.float64)
    if t.ndim != 2:
        raise ValueError(f"{name} must have shape (n, d); got shape {tuple(t.shape)}")
    return t


def _check_hyper(depth: int, weight_var: float, bias_var: float) -> None:
    if not isinstance(depth, int | np.integer) or depth < 0:
        raise ValueError(f"depth must be a non-negative int; got {depth!r}")
    if not weight_var > 0:
        raise ValueError(f"weight_var must be > 0; got {weight_var!r}")
    if not bias_var >= 0:
        raise ValueError(f"bias_var must be >= 0; got {bias_var!r}")


_CLOSED_FORM = ("relu", "erf", "linear")
_BLOCK_ELEMENTS = 16_384  # (rows × cols) of one block: its ~6 working arrays stay in a core's L2 cache


class Kernels(NamedTuple):
    """The NNGP and NTK Gram matrices of one network, from one recursion (:func:`nngp_ntk_kernels`)."""

    nngp: Array
    ntk: Array


def _variances(q: torch.Tensor, depth: int, activation: str, weight_var: float, bias_var: float) -> list:
    """Pre-activation variances ``q_l = weight_var · E[φ(z)²] + bias_var`` of every layer (a vector each)."""
    out = []
    for _ in range(depth):
        q = weight_var * q + bias_var
        out.append(q)
        q = activation_variance(activation, q)
    return out


def _block(
    k: torch.Tensor,
    qs1: list,
    qs2: list,
    rows: slice,
    cols: slice,
    diagonal: bool,
    activation: str,
    weight_var: float,
    bias_var: float,
    ntk: bool,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The whole depth recursion on one (rows, cols) block of the input Gram ``k`` (updated in place).

    All layers run on the block while it sits in cache; the per-input variances ``qs`` are shared.
    ``diagonal``: the block's leading square holds ``x_i · x_i`` pairs, whose correlation is exactly 1.
    """
    t = torch.zeros_like(k) if ntk else None
    for q1, q2 in zip(qs1, qs2, strict=True):
        k.mul_(weight_var).add_(bias_var)
        if diagonal:  # exact ρ = 1 on the diagonal: K̇ is √ε-sensitive to rounding in ρ near 1
            k[:, : k.shape[0]].diagonal().copy_(q1[rows])
        if t is not None:
            t.mul_(weight_var).add_(k)
        k, kd = dual_kernel(activation, q1[rows], q2[cols], k, derivative=t is not None)
        if t is not None:
            t.mul_(kd)
    k.mul_(weight_var).add_(bias_var)
    if t is not None:
        t.mul_(weight_var).add_(k)
    return k, t


def _kernels(
    x1: Array,
    x2: Array | None,
    depth: int,
    activation: str,
    weight_var: float,
    bias_var: float,
    ntk: bool,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The NNGP (and with ``ntk`` the NTK) Gram matrices from one recursion.

    For the closed-form activations the Gram is computed block by block, every layer on a block while
    it is in cache (the recursion is elementwise given the per-input variances, which are computed
    once); with ``x2 = x1`` only the blocks on and above the diagonal are computed and mirrored.
    """
    check_activation(activation)
    _check_hyper(depth, weight_var, bias_var)
    a = _to_tensor(x1, "x1")
    b = a if x2 is None else _to_tensor(x2, "x2")
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"x1 and x2 must have the same number of features; got {a.shape[1]} and {b.shape[1]}"
        )
    d = a.shape[1]
    same = x2 is None or x2 is x1
    n1, n2 = a.shape[0], b.shape[0]
    q1 = (a * a).sum(1) / d
    qs1 = _variances(q1, depth, activation, weight_var, bias_var)
    qs2 = qs1 if same else _variances((b * b).sum(1) / d, depth, activation, weight_var, bias_var)
    if activation not in _CLOSED_FORM:  # the quadrature chunks itself; one block keeps its step global
        return _block(
            a @ b.T / d, qs1, qs2, slice(None), slice(None), same, activation, weight_var, bias_var, ntk
        )
    k_out = torch.empty(n1, n2, dtype=torch.float64)
    t_out = torch.empty(n1, n2, dtype=torch.float64) if ntk else None
    rows_per = max(1, min(n1, _BLOCK_ELEMENTS // max(1, n2)))
    cols_per = max(1, _BLOCK_ELEMENTS // rows_per)
    tasks = [
        (slice(i0, min(n1, i0 + rows_per)), slice(j0, min(n2, j0 + cols_per)))
        for i0 in range(0, n1, rows_per)
        for j0 in range(i0 if same else 0, n2, cols_per)
    ]

    def run(task: tuple[slice, slice]) -> None:
        rows, cols = task
        i1, j0, j1 = rows.stop, cols.start, cols.stop
        diagonal = same and j0 == rows.start
        k, t = _block(
            a[rows] @ b[cols].T / d, qs1, qs2, rows, cols, diagonal, activation, weight_var, bias_var, ntk
        )
        k_out[rows, cols] = k
        if t_out is not None:
            t_out[rows, cols] = t
        off = max(0, i1 - j0)  # the block's columns right of the diagonal square
        if same and j1 > j0 + off:  # mirror them below the diagonal
            k_out[j0 + off : j1, rows] = k[:, off:].T
            if t_out is not None:
                t_out[j0 + off : j1, rows] = t[:, off:].T

    workers = min(torch.get_num_threads(), len(tasks))
    if workers > 1:  # blocks are independent and torch releases the GIL: one block per thread
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, tasks))
    else:
        for task in tasks:
            run(task)
    return k_out, t_out


def _like(out: torch.Tensor, x1: Array) -> Array:
    return out.numpy() if isinstance(x1, np.ndarray) else out


def nngp_ntk_kernels(
    x1: Array,
    x2: Array | None = None,
    *,
    depth: int,
    activation: str,
    weight_var: float,
    bias_var: float,
) -> Kernels:
    """Both Gram matrices, ``Kernels(nngp, ntk)``, of ``depth × (Dense → activation) → Dense`` from one
    recursion (the NTK recursion carries the NNGP anyway): about the cost of :func:`ntk_kernel` alone.
    """
    k, t = _kernels(x1, x2, depth, activation, weight_var, bias_var, ntk=True)
    return Kernels(_like(k, x1), _like(t, x1))


def nngp_kernel(
    x1: Array,
    x2: Array | None = None,
    *,
    depth: int,
    activation: str,
    weight_var: float,
    bias_var: float,
) -> Array:
    """NNGP Gram matrix (n1, n2) of ``depth × (Dense → activation) → Dense`` (Lee et al. 2018).

    ``x2=None`` means ``x2 = x1``. ``weight_var`` = σ_w² (= C_W of PDLT), ``bias_var`` = σ_b² (= C_b).
    """
    return _like(_kernels(x1, x2, depth, activation, weight_var, bias_var, ntk=False)[0], x1)


def ntk_kernel(
    x1: Array,
    x2: Array | None = None,
    *,
    depth: int,
    activation: str,
    weight_var: float,
    bias_var: float,
) -> Array:
    """NTK Gram matrix (n1, n2) of the same network (Jacot et al. 2018; NTK parameterisation).

    ``Θ_{l+1} = K_{l+1} + weight_var · K̇_l ⊙ Θ_l`` with ``K̇ = E[φ′φ′]``; the output is the tangent
    kernel of the scalar output with respect to all weights and biases. With ``x2=None`` (or ``x2 is x1``)
    the diagonal correlation is exactly 1; for two distinct but nearly identical inputs K̇ is inherently
    sensitive (≈ √ε relative) to rounding in their correlation.
    """
    return _like(_kernels(x1, x2, depth, activation, weight_var, bias_var, ntk=True)[1], x1)

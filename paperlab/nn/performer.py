"""FAVOR+ attention (Choromanski et al., "Rethinking Attention with Performers", ICLR 2021, arXiv 2009.14794).

Softmax attention ``softmax(QKᵀ/√d) V`` costs O(L²). FAVOR+ writes the softmax kernel as an expectation
over random features that are *positive* (paper Lemma 1)::

    exp(qᵀk) = E_ω[φ(q)ᵀφ(k)],   φ(x) = exp(ωᵀx − ‖x‖²/2) / √m,   ω ~ N(0, I_d)

with the ``m`` rows of ω drawn *orthogonal* (blocks of a QR-orthogonalised Gaussian, each row rescaled to
a chi-distributed norm) to lower the variance. With ``q, k`` scaled by ``d^{-1/4}``, attention becomes::

    Att(Q, K, V) ≈ D⁻¹ φ(Q) (φ(K)ᵀ V),   D = diag(φ(Q) (φ(K)ᵀ 1))

which is linear in ``L``: ``φ(K)ᵀV`` is ``m × d`` whatever the length.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def orthogonal_gaussian(m: int, d: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """``m`` random feature directions ``(m, d)``: orthogonal within blocks of ``d``, norms of Gaussian vectors."""
    if m < 1 or d < 1:
        raise ValueError(f"m and d must be >= 1; got m={m}, d={d}")
    blocks = []
    for _ in range(math.ceil(m / d)):
        q, r = torch.linalg.qr(torch.randn(d, d, generator=generator))
        q = q * torch.sign(torch.diagonal(r))  # sign fix: makes q Haar-distributed
        blocks.append(q.T)
    w = torch.cat(blocks)[:m]  # (m, d), unit rows
    norms = torch.randn(m, d, generator=generator).norm(
        dim=1, keepdim=True
    )  # chi(d) lengths, as for Gaussian rows
    return w * norms


def positive_features(x: torch.Tensor, omega: torch.Tensor, *, is_query: bool) -> torch.Tensor:
    """φ(x) = exp(ωᵀx − ‖x‖²/2) / √m for ``x`` ``(..., L, d)`` (already scaled by ``d^{-1/4}``) → ``(..., L, m)``.

    A constant shift (the max over features for queries, over everything for keys) keeps ``exp`` finite;
    it cancels in the normalisation ``D⁻¹``.
    """
    proj = x @ omega.T  # (..., L, m)
    sq = 0.5 * (x**2).sum(-1, keepdim=True)
    shift = proj.amax(-1, keepdim=True) if is_query else proj.amax(dim=(-2, -1), keepdim=True)
    return torch.exp(proj - sq - shift.detach()) / math.sqrt(omega.shape[0])


def favor_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, omega: torch.Tensor) -> torch.Tensor:
    """Bidirectional FAVOR+ attention for ``q, k, v`` ``(..., L, d)``: linear in ``L``."""
    scale = q.shape[-1] ** -0.25
    qf = positive_features(q * scale, omega, is_query=True)  # (..., L, m)
    kf = positive_features(k * scale, omega, is_query=False)  # (..., L, m)
    kv = kf.transpose(-2, -1) @ v  # (..., m, d)
    norm = qf @ kf.sum(-2, keepdim=True).transpose(-2, -1)  # (..., L, 1)
    return (qf @ kv) / norm


def softmax_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Exact ``softmax(QKᵀ/√d) V``, quadratic in ``L``."""
    return torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), -1) @ v


class MultiHeadAttention(nn.Module):
    """Multi-head self-attention whose kernel is exact softmax (``kind="softmax"``) or FAVOR+ (``kind="favor"``).

    FAVOR+ features are a buffer drawn once from ``seed`` (``redraw()`` draws new ones).
    """

    def __init__(
        self, d_model: int, heads: int, *, kind: str = "favor", n_features: int = 64, seed: int = 0
    ) -> None:
        super().__init__()
        if kind not in ("favor", "softmax"):
            raise ValueError(f"kind must be 'favor' or 'softmax'; got {kind!r}")
        if d_model % heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by heads ({heads})")
        self.kind, self.heads, self.dh = kind, heads, d_model // heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.n_features, self._seed = n_features, seed
        self.register_buffer(
            "omega", orthogonal_gaussian(n_features, self.dh, generator=torch.Generator().manual_seed(seed))
        )

    def redraw(self, seed: int) -> None:
        """Draw fresh random features."""
        self.omega.copy_(
            orthogonal_gaussian(self.n_features, self.dh, generator=torch.Generator().manual_seed(seed))
        )

    def heads_qkv(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Per-head queries, keys and values, each ``(b, heads, L, dh)``, for ``x`` ``(b, L, d_model)``."""
        b, L, _ = x.shape
        q, k, v = self.qkv(x).view(b, L, 3, self.heads, self.dh).permute(2, 0, 3, 1, 4)
        return q, k, v

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, L, _ = x.shape
        q, k, v = self.heads_qkv(x)
        att = favor_attention(q, k, v, self.omega) if self.kind == "favor" else softmax_attention(q, k, v)
        return self.out(att.transpose(1, 2).reshape(b, L, -1))

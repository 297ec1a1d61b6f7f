"""Attention pooling layers that turn token states into a sentence vector.

Every layer here has one interface, so a classifier can swap them freely::

    sentence, weights = layer(h, mask)
    # h: (batch, seq, d) token states; mask: (batch, seq) bool, True at real tokens
    # sentence: (batch, layer.out_dim); weights: (batch, heads, seq), each row sums to 1 over real tokens

- :class:`AdditiveAttention`: one head scored against a learned context vector
  (Yang et al. 2016, "Hierarchical Attention Networks", eqs. 5–7).
- :class:`StructuredSelfAttention`: ``r`` heads from a two-layer MLP
  (Lin et al. 2017, "A Structured Self-Attentive Sentence Embedding", eq. 6), with its penalty (eq. 8).
- :class:`MHSAPooling`: a Transformer multi-head self-attention layer (Vaswani et al. 2017, eq. 1 and
  §3.2.2) followed by mean pooling over tokens.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor | None, dim: int = -1) -> torch.Tensor:
    """Softmax of ``scores`` over ``dim`` with positions where ``mask`` is False given weight 0.

    ``mask`` broadcasts against ``scores``; ``None`` means every position is real.
    """
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return F.softmax(scores, dim=dim)


def _check_dim(name: str, value: int) -> None:
    if not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int; got {value!r}")


class AdditiveAttention(nn.Module):
    """Single-head additive attention with a global context vector (HAN, Yang et al. 2016, eqs. 5–7).

    ``u_i = tanh(W h_i + b)``, ``α_i = softmax_i(u_iᵀ u_w)``, ``s = Σ_i α_i h_i``.
    Parameters: ``d·a + a + a`` (W, b, u_w); ``a`` defaults to ``d``.
    """

    def __init__(self, d: int, a: int | None = None) -> None:
        super().__init__()
        a = d if a is None else a
        _check_dim("d", d)
        _check_dim("a", a)
        self.proj = nn.Linear(d, a)
        self.context = nn.Parameter(torch.randn(a) / a**0.5)  # u_w
        self.heads, self.out_dim = 1, d

    def forward(self, h: torch.Tensor, mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        scores = torch.tanh(self.proj(h)) @ self.context  # (batch, seq)
        alpha = masked_softmax(scores, mask)  # (batch, seq)
        sentence = torch.einsum("bn,bnd->bd", alpha, h)
        return sentence, alpha.unsqueeze(1)


class StructuredSelfAttention(nn.Module):
    """Structured self-attention (Lin et al. 2017, eq. 6): ``A = softmax(W_s2 tanh(W_s1 Hᵀ))``, ``M = A H``.

    ``r`` heads, hidden size ``da``; the sentence is ``M`` flattened to ``r·d``. Parameters: ``da·d + r·da``.
    Add :meth:`penalty` (eq. 8) to the loss to keep the heads apart.
    """

    def __init__(self, d: int, da: int, r: int) -> None:
        super().__init__()
        for name, value in (("d", d), ("da", da), ("r", r)):
            _check_dim(name, value)
        self.w1 = nn.Linear(d, da, bias=False)
        self.w2 = nn.Linear(da, r, bias=False)
        self.heads, self.out_dim = r, r * d

    def forward(self, h: torch.Tensor, mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        scores = self.w2(torch.tanh(self.w1(h))).transpose(1, 2)  # (batch, r, seq)
        a = masked_softmax(scores, None if mask is None else mask.unsqueeze(1))
        return (a @ h).flatten(1), a  # (batch, r·d), (batch, r, seq)

    @staticmethod
    def penalty(a: torch.Tensor) -> torch.Tensor:
        """``‖A Aᵀ − I‖_F²`` averaged over the batch (Lin et al. 2017, eq. 8)."""
        eye = torch.eye(a.shape[1], device=a.device)
        return ((a @ a.transpose(1, 2) - eye) ** 2).sum((1, 2)).mean()


class MHSAPooling(nn.Module):
    """A Transformer multi-head self-attention layer, then mean pooling over the real tokens.

    ``head_j = softmax(Q_j K_jᵀ / √(d/m)) V_j`` with ``Q, K, V = H W_q, H W_k, H W_v``; the heads are
    concatenated and mixed by ``W_o`` (Vaswani et al. 2017, §3.2.2). Bias-free, so the parameters are
    exactly ``4 d²``. The returned weights are the attention each token *receives*, averaged over the
    real query tokens: (batch, m, seq).
    """

    def __init__(self, d: int, heads: int) -> None:
        super().__init__()
        _check_dim("d", d)
        _check_dim("heads", heads)
        if d % heads:
            raise ValueError(f"heads must divide d; got d={d}, heads={heads}")
        self.qkv = nn.Linear(d, 3 * d, bias=False)  # [W_q W_k W_v]
        self.out = nn.Linear(d, d, bias=False)  # W_o
        self.heads, self.out_dim = heads, d

    def forward(self, h: torch.Tensor, mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        b, n, d = h.shape
        if mask is None:
            mask = torch.ones(b, n, dtype=torch.bool, device=h.device)
        dk = d // self.heads
        q, k, v = self.qkv(h).view(b, n, 3, self.heads, dk).permute(2, 0, 3, 1, 4)  # each (b, m, n, d/m)
        w = masked_softmax(q @ k.transpose(-1, -2) / dk**0.5, mask[:, None, None, :])  # (b, m, n, n)
        out = self.out((w @ v).transpose(1, 2).reshape(b, n, d))  # (b, n, d)
        keep = mask.float()
        sentence = (out * keep.unsqueeze(-1)).sum(1) / keep.sum(1, keepdim=True)  # mean over real tokens
        received = (w * keep[:, None, :, None]).sum(2) / keep.sum(1)[:, None, None]  # (b, m, n)
        return sentence, received

"""Future Token Prediction — Causal Language Modelling with Per-Token Semantic State Vector for Multi-Token Prediction
(Nicholas Walker, 2024, arXiv 2410.18160).

A GPT-style causal encoder produces a top-layer vector ``h_t`` per token. Instead of reading the next token off
``h_t`` with a linear LM head, FTP expands ``h_t`` linearly into a short *pseudo-sequence* of ``L`` vectors,
``P_t = reshape(W h_t) ∈ R^{L×d}``, and a small transformer decoder, cross-attending to ``P_t``, predicts the next
``N`` tokens ``x_{t+1..t+N}`` autoregressively (teacher-forced in training). The loss of the ``k``-th future token
is down-weighted exponentially, ``Σ_k γ^{k−1} CE_k / Σ_k γ^{k−1}``. Because ``h_t`` must carry what the next
several tokens will be, the paper reports that the per-token vectors change more smoothly along the text and
represent its topic better than a GPT's, at a similar next-token loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression
from torch import nn

from paperlab.config import Config
from paperlab.train import History, batches, fit


def _causal_mask(T: int) -> torch.Tensor:
    return torch.triu(torch.full((T, T), float("-inf")), 1)


class CausalEncoder(nn.Module):
    """Token + position embeddings and ``layers`` pre-norm causal transformer layers → ``h`` ``(b, T, d)``."""

    def __init__(self, vocab: int, d: int = 64, layers: int = 2, heads: int = 4, max_len: int = 128) -> None:
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.randn(max_len, d) * 0.02)
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.0, batch_first=True, norm_first=True)
        self.layers = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        T = x.shape[1]
        h = self.tok(x) + self.pos[:T]
        return self.norm(self.layers(h, mask=_causal_mask(T), is_causal=True))


class GPT(nn.Module):
    """The baseline: causal encoder + linear LM head predicting ``x_{t+1}`` from ``h_t``."""

    def __init__(self, vocab: int, d: int = 64, layers: int = 2, heads: int = 4) -> None:
        super().__init__()
        self.encoder = CausalEncoder(vocab, d, layers, heads)
        self.head = nn.Linear(d, vocab)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(x))  # (b, T, vocab)


class FTP(nn.Module):
    """Causal encoder → per-token pseudo-sequence ``(L, d)`` → small decoder predicting the next ``N`` tokens."""

    def __init__(
        self,
        vocab: int,
        d: int = 64,
        layers: int = 2,
        heads: int = 4,
        *,
        n_future: int = 4,
        pseudo_len: int = 4,
        dec_layers: int = 1,
    ) -> None:
        super().__init__()
        self.vocab, self.d, self.n_future, self.pseudo_len = vocab, d, n_future, pseudo_len
        self.encoder = CausalEncoder(vocab, d, layers, heads)
        self.expand = nn.Linear(d, pseudo_len * d)  # the linear, expansive projection h_t -> P_t
        self.bos = nn.Parameter(torch.randn(d) * 0.02)
        self.dec_pos = nn.Parameter(torch.randn(n_future, d) * 0.02)
        layer = nn.TransformerDecoderLayer(d, heads, 4 * d, dropout=0.0, batch_first=True, norm_first=True)
        self.decoder = nn.TransformerDecoder(layer, dec_layers)
        self.head = nn.Linear(d, vocab)

    def future_logits(self, x: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Teacher-forced logits ``(b, T, N, vocab)`` for the future tokens ``targets`` ``(b, T, N)``."""
        b, T = x.shape
        h = self.encoder(x)  # (b, T, d)
        memory = self.expand(h).view(b * T, self.pseudo_len, self.d)  # (b*T, L, d)
        prev = self.encoder.tok(targets[..., :-1].reshape(b * T, -1))  # (b*T, N-1, d)
        dec_in = torch.cat([self.bos.expand(b * T, 1, -1), prev], 1) + self.dec_pos  # (b*T, N, d)
        out = self.decoder(dec_in, memory, tgt_mask=_causal_mask(self.n_future), tgt_is_causal=True)
        return self.head(out).view(b, T, self.n_future, self.vocab)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Next-token logits ``(b, T, vocab)``: the decoder's first step, which needs no teacher forcing."""
        b, T = x.shape
        memory = self.expand(self.encoder(x)).view(b * T, self.pseudo_len, self.d)
        out = self.decoder(self.bos.expand(b * T, 1, -1) + self.dec_pos[:1], memory)
        return self.head(out).view(b, T, self.vocab)


# ---- data and training ------------------------------------------------------------------------


def make_chunks(
    tokens: torch.Tensor, topics: torch.Tensor, *, T: int = 64, n_future: int = 4
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Non-overlapping chunks: inputs ``(n, T)``, future targets ``(n, T, N)`` (``x_{t+1..t+N}``) and topics ``(n, T)``."""
    span = T + n_future
    n = (len(tokens) - n_future) // T - 1
    idx = torch.arange(n)[:, None] * T + torch.arange(span)  # (n, T + N)
    win = tokens[idx]
    fut = torch.stack([win[:, k + 1 : k + 1 + T] for k in range(n_future)], -1)  # (n, T, N)
    return win[:, :T], fut, topics[idx[:, :T]]


def ftp_loss(
    model: FTP, batch: tuple[torch.Tensor, torch.Tensor], gamma: float = 0.5
) -> tuple[torch.Tensor, dict[str, float]]:
    """Exponentially down-weighted cross-entropy over the next ``N`` tokens (weights ``γ^{k−1}``)."""
    x, fut = batch
    logits = model.future_logits(x, fut)  # (b, T, N, vocab)
    ce = (
        F.cross_entropy(logits.flatten(0, 2), fut.flatten(), reduction="none").view(fut.shape).mean((0, 1))
    )  # (N,)
    w = gamma ** torch.arange(model.n_future, dtype=ce.dtype)
    return (w * ce).sum() / w.sum(), {"next_ce": float(ce[0].detach())}


def gpt_loss(model: GPT, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    x, fut = batch
    return F.cross_entropy(model(x).flatten(0, 1), fut[..., 0].flatten())


@dataclass
class LMRun:
    model: nn.Module
    history: History


def train_lm(
    cfg: Config,
    model: nn.Module,
    x: torch.Tensor,
    fut: torch.Tensor,
    *,
    steps: int = 500,
    lr: float = 2e-3,
    gamma: float = 0.5,
    batch_size: int = 32,
    seed: int = 0,
) -> LMRun:
    """Adam, batch of ``batch_size`` chunks; FTP with the decayed multi-token loss, GPT with next-token CE."""
    torch.manual_seed(seed)
    loss = (lambda m, b: ftp_loss(m, b, gamma)) if isinstance(model, FTP) else gpt_loss
    hist = fit(
        model.to(cfg.device),
        loss,
        batches(x, fut, batch_size=batch_size, seed=seed),
        steps=steps,
        lr=lr,
        grad_clip=1.0,
        desc=type(model).__name__,
    )
    return LMRun(model, hist)


# ---- analyses ---------------------------------------------------------------------------------


@torch.no_grad()
def next_token_loss(model: nn.Module, x: torch.Tensor, fut: torch.Tensor) -> float:
    """Mean next-token cross-entropy (nats) on held-out chunks."""
    model.eval()
    return float(F.cross_entropy(model(x).flatten(0, 1), fut[..., 0].flatten()))


@torch.no_grad()
def embeddings(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Top-layer per-token vectors ``h_t`` ``(n, T, d)``."""
    model.eval()
    return model.encoder(x)


def adjacent_cosine(h: torch.Tensor) -> float:
    """Mean cosine similarity between consecutive tokens' vectors, ``cos(h_t, h_{t+1})``."""
    return float(F.cosine_similarity(h[:, 1:], h[:, :-1], dim=-1).mean())


def topic_probe(
    h_train: torch.Tensor, z_train: torch.Tensor, h_test: torch.Tensor, z_test: torch.Tensor, *, skip: int = 8
) -> float:
    """Held-out accuracy of a logistic-regression probe for the topic from ``h_t`` (the first ``skip`` tokens of a chunk dropped)."""
    a = h_train[:, skip:].reshape(-1, h_train.shape[-1]).numpy()
    b = h_test[:, skip:].reshape(-1, h_test.shape[-1]).numpy()
    mu, sd = a.mean(0), a.std(0) + 1e-6
    clf = LogisticRegression(max_iter=300).fit((a - mu) / sd, z_train[:, skip:].reshape(-1).numpy())
    return float(clf.score((b - mu) / sd, z_test[:, skip:].reshape(-1).numpy()))


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def diagram_example() -> tuple[torch.nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
    """A small FTP model and a batch of token ids, for `paperlab diagrams` (next-token path)."""
    torch.manual_seed(0)
    return (
        FTP(50, d=16, layers=1, heads=2, n_future=3, pseudo_len=2),
        (torch.randint(0, 50, (2, 8)),),
        ["b t"],
    )

"""Low Rank Factorization for Compact Multi-Head Self-Attention (Mehta, Rangwala, Ramakrishnan, 2019, arXiv 1912.00835).

LAMA (Low-rank fActorization-based Multi-head Attention) reads a sentence with a bidirectional GRU,
``H = [h_1 … h_n] ∈ ℝ^{n×d}``, and scores every word against one learned *global context vector*
``c ∈ ℝ^d`` through low-rank bilinear pooling::

    f_i = Pᵀ (tanh(Uᵀ h_i) ∘ tanh(Vᵀ c)) ∈ ℝ^m        U, V ∈ ℝ^{d×r},  P ∈ ℝ^{r×m}
    A   = softmax_i(f_i)                            A ∈ ℝ^{n×m}: one distribution over words per head
    M   = Aᵀ H ∈ ℝ^{m×d}                            the structured sentence matrix, flattened for the classifier

The ``m`` heads share ``U`` and ``V`` and differ only in a column of ``P`` (the low-rank factorization of
the bilinear affinity ``h_iᵀ W_j c``), and they query one vector ``c`` instead of every pair of words.
So LAMA costs ``2dr + rm + d`` parameters where a Transformer self-attention layer costs ``4d²``.

This module builds LAMA and its baselines on one shared BiGRU encoder, so that only the attention
differs: single-head additive attention (HAN), Lin et al.'s structured self-attention, and a
Transformer multi-head self-attention layer with mean pooling (all in :mod:`paperlab.nn.attention`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from paperlab.config import Config
from paperlab.data.text import ROLES, TextData, TextSplit
from paperlab.nn.attention import AdditiveAttention, MHSAPooling, StructuredSelfAttention, masked_softmax
from paperlab.train import History, accuracy, batches, fit

MODELS = ("lama", "additive", "mhsa", "lin")
LIN_PENALTY = 0.1  # our choice for the coefficient of Lin et al.'s penalty
LABELS = {
    "lama": "LAMA",
    "additive": "additive (1 head)",
    "mhsa": "Transformer MHSA",
    "lin": "Lin et al. 2017",
}

# ---------------------------------------------------------------------------------------------------------
# 1. Models
# ---------------------------------------------------------------------------------------------------------


class LowRankMultiHeadAttention(nn.Module):
    """LAMA (§3 of the paper): ``m`` attention heads from a shared low-rank bilinear pooling.

    ``f_i = Pᵀ(tanh(Uᵀh_i) ∘ tanh(Vᵀc))``, ``A = softmax_i(f)``, sentence ``= flatten(Aᵀ H) ∈ ℝ^{m·d}``.
    Bias-free, so the parameters are exactly ``2dr + rm + d`` (U, V, P and the context vector c).
    """

    def __init__(self, d: int, heads: int, rank: int) -> None:
        super().__init__()
        for name, value in (("d", d), ("heads", heads), ("rank", rank)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int; got {value!r}")
        self.u = nn.Linear(d, rank, bias=False)  # Uᵀ
        self.v = nn.Linear(d, rank, bias=False)  # Vᵀ
        self.p = nn.Linear(rank, heads, bias=False)  # Pᵀ
        self.context = nn.Parameter(torch.randn(d) / d**0.5)  # c, the global context vector
        self.heads, self.out_dim = heads, heads * d

    def scores(self, h: torch.Tensor) -> torch.Tensor:
        """The per-head scores ``f_i`` for every word: (batch, seq, d) -> (batch, seq, m)."""
        return self.p(torch.tanh(self.u(h)) * torch.tanh(self.v(self.context)))

    def forward(self, h: torch.Tensor, mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.scores(h).transpose(1, 2)  # (batch, m, seq)
        a = masked_softmax(f, None if mask is None else mask.unsqueeze(1))  # Aᵀ: (batch, m, seq)
        return (a @ h).flatten(1), a  # (batch, m·d), (batch, m, seq)


class BiGRUEncoder(nn.Module):
    """Word embeddings and a bidirectional GRU: token ids (batch, seq) -> states H (batch, seq, d = 2·hidden).

    ``h_i = [→h_i ; ←h_i]``. The backward GRU reads each sentence from its own last real word (padding,
    id 0, sits at the end and is never read by it); states at padded positions are zeroed.
    """

    def __init__(self, vocab_size: int, emb: int, hidden: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, emb, padding_idx=0)
        self.forward_gru = nn.GRU(emb, hidden, batch_first=True)
        self.backward_gru = nn.GRU(emb, hidden, batch_first=True)
        self.out_dim = 2 * hidden

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mask = x != 0  # (batch, seq)
        e = self.embed(x)  # (batch, seq, emb)
        # (batch, seq) index that reverses the real tokens and keeps the padding last
        flip = _flip_index(mask.sum(1), x.shape[1])
        forward_h, _ = self.forward_gru(e)
        backward_h, _ = self.backward_gru(_gather_steps(e, flip))
        h = torch.cat([forward_h, _gather_steps(backward_h, flip)], dim=-1)  # (batch, seq, 2·hidden)
        return h * mask.unsqueeze(-1)


def _flip_index(lengths: torch.Tensor, seq: int) -> torch.Tensor:
    """Index (batch, seq) that maps step t to ``length − 1 − t`` inside each sentence and to ``t`` on padding."""
    t = torch.arange(seq, device=lengths.device).expand(len(lengths), seq)
    return torch.where(t < lengths[:, None], lengths[:, None] - 1 - t, t)


def _gather_steps(h: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``h[b, index[b, t]]`` for (batch, seq, features) ``h``."""
    return h.gather(1, index.unsqueeze(-1).expand(-1, -1, h.shape[-1]))


class SentimentClassifier(nn.Module):
    """BiGRU encoder -> attention pooling -> MLP: the same network for every attention layer."""

    def __init__(self, encoder: BiGRUEncoder, attention: nn.Module, n_classes: int = 2) -> None:
        super().__init__()
        self.encoder, self.attention = encoder, attention
        d = encoder.out_dim
        self.head = nn.Sequential(nn.Linear(attention.out_dim, d), nn.ReLU(), nn.Linear(d, n_classes))

    def attend(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits (batch, classes) and attention weights (batch, heads, seq) for token ids ``x``."""
        h = self.encoder(x)  # (batch, seq, d)
        sentence, weights = self.attention(h, x != 0)
        return self.head(sentence), weights

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.attend(x)[0]


def build_attention(kind: str, d: int, heads: int, rank: int) -> nn.Module:
    """The attention layer ``kind`` (one of :data:`MODELS`) for token states of size ``d``.

    ``heads`` is used by LAMA, MHSA and Lin (whose hidden size is ``rank``, so it matches LAMA's U); the
    additive baseline has one head by design.
    """
    if kind == "lama":
        return LowRankMultiHeadAttention(d, heads, rank)
    if kind == "additive":
        return AdditiveAttention(d)
    if kind == "mhsa":
        return MHSAPooling(d, heads)
    if kind == "lin":
        return StructuredSelfAttention(d, da=rank, r=heads)
    raise ValueError(f"kind must be one of {', '.join(map(repr, MODELS))}; got {kind!r}")


def build_model(
    kind: str, vocab_size: int, *, emb: int = 32, hidden: int = 32, heads: int = 4, rank: int = 16
) -> SentimentClassifier:
    """A :class:`SentimentClassifier` with attention ``kind`` on a BiGRU of ``2·hidden`` output units."""
    encoder = BiGRUEncoder(vocab_size, emb, hidden)
    return SentimentClassifier(encoder, build_attention(kind, encoder.out_dim, heads, rank))


def n_params(module: nn.Module) -> int:
    """The number of trainable parameters of ``module``."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def attention_param_formula(kind: str, d: int, heads: int, rank: int) -> int:
    """Attention parameters in closed form: LAMA ``2dr + rm + d``; MHSA ``4d²``; additive ``d² + 2d``;
    Lin ``d·da + m·da`` with ``da = r``. Matches :func:`n_params` of :func:`build_attention`."""
    formulas = {
        "lama": 2 * d * rank + rank * heads + d,
        "mhsa": 4 * d * d,
        "additive": d * d + 2 * d,
        "lin": d * rank + heads * rank,
    }
    if kind not in formulas:
        raise ValueError(f"kind must be one of {', '.join(map(repr, MODELS))}; got {kind!r}")
    return formulas[kind]


# ---------------------------------------------------------------------------------------------------------
# 2. Experiments
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    """Model and training sizes for one run mode (see :func:`sizes`)."""

    emb: int
    hidden: int
    heads: int
    rank: int
    steps: int
    batch_size: int
    lr: float
    eval_every: int

    @property
    def d(self) -> int:
        """Width of the token states the attention sees (the BiGRU's two directions)."""
        return 2 * self.hidden


def sizes(cfg: Config) -> Sizes:
    """Fast mode: d = 64, r = 16, 200 Adam steps (about 7 s per model on one CPU core). Full mode: d = 128, r = 32."""
    return cfg.pick(
        fast=Sizes(emb=32, hidden=32, heads=4, rank=16, steps=200, batch_size=64, lr=5e-3, eval_every=50),
        full=Sizes(emb=64, hidden=64, heads=4, rank=32, steps=2000, batch_size=64, lr=2e-3, eval_every=100),
    )


@dataclass
class RunResult:
    """One trained model: its test accuracy, attention parameter count, history and wall time."""

    model: SentimentClassifier
    history: History
    test_acc: float
    attention_params: int
    seconds: float


def _fingerprint(data: TextData) -> list[int]:
    """A cheap key of the data set for the checkpoint cache."""
    return [
        len(data.train),
        len(data.test),
        int(data.train.x.sum()),
        int(data.test.x.sum()),
        int(data.train.y.sum()),
    ]


def _loss(model: SentimentClassifier, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    x, y = batch
    logits, weights = model.attend(x)
    loss = F.cross_entropy(logits, y)
    if isinstance(model.attention, StructuredSelfAttention):  # Lin et al.'s eq. 8 penalty
        loss = loss + LIN_PENALTY * StructuredSelfAttention.penalty(weights)
    return loss


def train_model(
    model: SentimentClassifier, data: TextData, sz: Sizes, *, seed: int = 0, desc: str = "train"
) -> RunResult:
    """Train ``model`` on ``data.train`` with Adam through :func:`paperlab.train.fit`; record test accuracy
    every ``sz.eval_every`` steps (history key ``"test_acc"``)."""
    test = data.test
    t0 = time.perf_counter()
    hist = fit(
        model,
        _loss,
        batches(data.train.x, data.train.y, batch_size=sz.batch_size, seed=seed),
        steps=sz.steps,
        lr=sz.lr,
        eval_fn=lambda m: {"test_acc": accuracy(m, test.x, test.y)},
        eval_every=sz.eval_every,
        grad_clip=5.0,
        cache={
            "paper": "lowrank_mhsa",
            "model": repr(model),
            "sizes": repr(sz),
            "seed": seed,
            "data": _fingerprint(data),
        },
        cache_name="lowrank_mhsa",
        desc=desc,
    )
    return RunResult(model, hist, hist.last("test_acc"), n_params(model.attention), time.perf_counter() - t0)


def run_comparison(
    data: TextData, sz: Sizes, kinds: tuple[str, ...] = ("lama", "additive", "mhsa"), *, seed: int = 0
) -> dict[str, RunResult]:
    """Train one model per attention ``kind`` on the same data, encoder sizes and batch order (the paper's
    Table of accuracies and parameter counts, at laptop scale). Each model starts from ``seed``."""
    results = {}
    for kind in kinds:
        torch.manual_seed(seed)
        model = build_model(kind, len(data.vocab), emb=sz.emb, hidden=sz.hidden, heads=sz.heads, rank=sz.rank)
        results[kind] = train_model(model, data, sz, seed=seed, desc=LABELS[kind])
    return results


@torch.no_grad()
def head_weights(
    model: SentimentClassifier, data: TextData, split: TextSplit, i: int
) -> tuple[list[str], np.ndarray, float]:
    """Example ``i``'s words, the attention of every head over them (heads, words), and P(positive)."""
    model.eval()
    logits, weights = model.attend(split.x[i : i + 1])
    n = int(split.lengths[i])
    return data.tokens(split, i), weights[0, :, :n].numpy(), float(logits.softmax(-1)[0, 1])


@torch.no_grad()
def attention_by_role(model: SentimentClassifier, split: TextSplit) -> np.ndarray:
    """How much each head attends to each word role, relative to uniform attention: (heads, roles).

    Entry (j, k) is the mean over sentences of ``n · mean(weight of head j on words of role k)``: 1 means
    "as much as a uniform head would", 5 means five times that. Roles absent from a sentence are skipped.
    """
    model.eval()
    _, w = model.attend(split.x)  # (n, heads, seq)
    lift = w * split.lengths[:, None, None].float()
    out = np.full((w.shape[1], len(ROLES)), np.nan)
    for k in range(1, len(ROLES)):  # skip padding
        is_k = (split.roles == k).float()[:, None, :]  # (n, 1, seq)
        count = is_k.sum(-1)  # (n, 1)
        per_sentence = (lift * is_k).sum(-1) / count.clamp(min=1)  # (n, heads)
        present = count[:, 0] > 0
        if present.any():
            out[:, k] = per_sentence[present].mean(0).numpy()
    return out


def accuracy_vs_heads(
    data: TextData, sz: Sizes, heads: tuple[int, ...], *, seed: int = 0
) -> dict[int, float]:
    """LAMA's test accuracy as the number of heads ``m`` grows (all else fixed)."""
    out = {}
    for m in heads:
        torch.manual_seed(seed)
        model = build_model("lama", len(data.vocab), emb=sz.emb, hidden=sz.hidden, heads=m, rank=sz.rank)
        out[m] = train_model(model, data, sz, seed=seed, desc=f"LAMA m={m}").test_acc
    return out


@torch.no_grad()
def phrase_focus(model: SentimentClassifier, split: TextSplit) -> float:
    """The share of attention that lands on the words of sentiment phrases (polar words, and the negators
    and intensifiers attached to them), averaged over heads and sentences. Uniform attention gets the
    phrase words' share of the sentence, about 0.1 here."""
    model.eval()
    _, w = model.attend(split.x)  # (n, heads, seq)
    phrase = (split.roles >= ROLES.index("positive")) & (split.roles <= ROLES.index("intensifier"))
    return float((w * phrase[:, None, :]).sum(-1).mean())


# The claim check's bars. Calibrated in fast mode over seeds 0, 1, 2: LAMA accuracy 1.000/0.994/0.999,
# MHSA 0.997/0.989/0.993, LAMA focus 0.82/0.57/0.77; uniform-attention stub 0.959/0.916/0.959, focus 0.09.
PARAM_RATIO_BAR = 1 / 3  # LAMA attention params < 1/3 of MHSA's at equal d and heads
ACC_BAR = 0.85  # LAMA test accuracy at least this ...
ACC_TOL = 0.02  # ... and at most 2 points below MHSA
FOCUS_BAR = 0.4  # at least 40% of LAMA's attention on the sentiment phrases (uniform: about 0.09)


@dataclass(frozen=True)
class Claim:
    """What the claim check measured; ``passed`` holds one verdict per clause."""

    param_ratio: float
    lama_acc: float
    mhsa_acc: float
    focus: float

    @property
    def passed(self) -> dict[str, bool]:
        return {
            "compact: params(LAMA) < params(MHSA)/3": self.param_ratio < PARAM_RATIO_BAR,
            "accurate: acc(LAMA) >= 0.85": self.lama_acc >= ACC_BAR,
            "matches MHSA: acc(LAMA) >= acc(MHSA) - 0.02": self.lama_acc >= self.mhsa_acc - ACC_TOL,
            "interpretable: >= 40% of attention on sentiment phrases": self.focus >= FOCUS_BAR,
        }

    def __str__(self) -> str:
        lines = [
            f"attention params LAMA/MHSA = {self.param_ratio:.3f}",
            f"test accuracy LAMA = {self.lama_acc:.3f}, MHSA = {self.mhsa_acc:.3f}",
            f"LAMA attention on sentiment phrases = {self.focus:.2f}",
        ]
        lines += [f"{'PASS' if ok else 'FAIL'}  {name}" for name, ok in self.passed.items()]
        return "\n".join(lines)


def claim_check(lama: RunResult, mhsa_model: nn.Module, mhsa_acc: float, split: TextSplit) -> Claim:
    """The paper's headline claim at this scale (abstract: "matches or outperforms ... more parameter
    efficient than comparable multi-head approaches ... interpretable"): measure each clause of :class:`Claim`."""
    ratio = n_params(lama.model.attention) / n_params(mhsa_model.attention)
    return Claim(ratio, lama.test_acc, mhsa_acc, phrase_focus(lama.model, split))


# ---------------------------------------------------------------------------------------------------------
# 3. Diagram
# ---------------------------------------------------------------------------------------------------------


def diagram_example() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
    """LAMA on a small BiGRU (d = 16, m = 4, r = 8) and a batch of 2 sentences of 12 tokens."""
    torch.manual_seed(0)
    model = build_model("lama", vocab_size=50, emb=8, hidden=8, heads=4, rank=8).eval()
    x = torch.randint(1, 50, (2, 12))
    return model, (x,), ["b t"]

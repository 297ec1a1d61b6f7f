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
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression
from torch import nn

from paperlab.claims import Claim, Clause
from paperlab.config import Config, current
from paperlab.reproduce import PaperValue, ReproSpec
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


def planned_language(
    n_tokens: int,
    *,
    n_topics: int = 4,
    n_fillers: int = 16,
    words_per_topic: int = 4,
    period: int = 4,
    mean_topic_len: int = 48,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """A language whose future carries what the next token does not: tokens ``(n_tokens,)`` and topics ``(n_tokens,)``.

    Text is a run of *phrases* of ``period`` tokens: ``period − 1`` topic-free filler tokens (ids
    ``0..n_fillers−1``, one bigram chain shared by all topics, rows drawn from Dirichlet(0.1)), then one topic
    word (ids ``n_fillers + topic·words_per_topic + j``, uniform over the topic's own words). The topic
    persists for a geometric number of phrases (mean ``mean_topic_len`` tokens), then switches to another.
    So at most positions the *next* token does not depend on the topic, but one of the next ``period`` tokens
    always does: a next-token model need not keep the topic in ``h_t``; a model predicting ``N ≥ period``
    tokens ahead must. The grammar (bigram table) is fixed; ``seed`` draws the text.
    """
    if n_tokens < period or n_topics < 2 or n_fillers < 2 or words_per_topic < 1 or period < 2:
        raise ValueError(
            "need n_tokens >= period >= 2, n_topics >= 2, n_fillers >= 2, words_per_topic >= 1; got "
            f"{n_tokens}, {period}, {n_topics}, {n_fillers}, {words_per_topic}"
        )
    grng = np.random.default_rng(4321)
    cum = grng.dirichlet(np.full(n_fillers, 0.1), size=n_fillers + n_topics * words_per_topic).cumsum(-1)
    rng = np.random.default_rng(seed)
    n_phr = n_tokens // period + 1
    tokens = np.empty(n_phr * period, dtype=np.int64)
    topics = np.empty_like(tokens)
    topic, prev = int(rng.integers(n_topics)), int(rng.integers(n_fillers))
    p_switch = period / mean_topic_len
    for i in range(n_phr):
        if rng.random() < p_switch:
            topic = (topic + int(rng.integers(1, n_topics))) % n_topics
        for j in range(period - 1):
            prev = min(int(np.searchsorted(cum[prev], rng.random())), n_fillers - 1)
            tokens[i * period + j] = prev
        prev = n_fillers + topic * words_per_topic + int(rng.integers(words_per_topic))
        tokens[i * period + period - 1] = prev
        topics[i * period : (i + 1) * period] = topic
    return torch.from_numpy(tokens[:n_tokens]), torch.from_numpy(topics[:n_tokens])


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
    h_train: torch.Tensor,
    z_train: torch.Tensor,
    h_test: torch.Tensor,
    z_test: torch.Tensor,
    *,
    skip: int = 8,
    mask_train: torch.Tensor | None = None,
    mask_test: torch.Tensor | None = None,
) -> float:
    """Held-out accuracy of a logistic-regression probe for the topic from ``h_t``.

    The first ``skip`` tokens of a chunk are dropped (the topic is not yet inferable there); optional boolean
    masks ``(n, T)`` keep only some positions (e.g. those whose next token does not depend on the topic).
    """
    keep_tr = torch.zeros(z_train.shape, dtype=torch.bool)
    keep_te = torch.zeros(z_test.shape, dtype=torch.bool)
    keep_tr[:, skip:] = True
    keep_te[:, skip:] = True
    if mask_train is not None:
        keep_tr &= mask_train
    if mask_test is not None:
        keep_te &= mask_test
    a, b = h_train[keep_tr].numpy(), h_test[keep_te].numpy()  # (positions, d)
    mu, sd = a.mean(0), a.std(0) + 1e-6
    clf = LogisticRegression(max_iter=300).fit((a - mu) / sd, z_train[keep_tr].numpy())
    return float(clf.score((b - mu) / sd, z_test[keep_te].numpy()))


def evaluate(
    model: nn.Module,
    data: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    held_out: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    *,
    n_fillers: int = 16,
    n_probe: tuple[int, int] = (600, 300),
) -> dict[str, float]:
    """The paper's three measurements on held-out text (``data``/``held_out`` = ``make_chunks`` outputs).

    ``next-token loss``; ``adjacent cosine`` of consecutive top-layer vectors; the topic probe over all
    positions, and ``topic probe (topic-free next)`` at positions whose next token is a filler — there a
    next-token model has no reason to keep the topic in ``h_t``; only a look further ahead gives one.
    """
    (x, fut, z), (xt, fut_t, zt) = data, held_out
    a, b = n_probe
    h_tr, h_te = embeddings(model, x[:a]), embeddings(model, xt[:b])
    return {
        "next-token loss": next_token_loss(model, xt, fut_t),
        "adjacent cosine": adjacent_cosine(h_te),
        "topic probe": topic_probe(h_tr, z[:a], h_te, zt[:b]),
        "topic probe (topic-free next)": topic_probe(
            h_tr,
            z[:a],
            h_te,
            zt[:b],
            mask_train=fut[:a, :, 0] < n_fillers,
            mask_test=fut_t[:b, :, 0] < n_fillers,
        ),
    }


def claim_rows(results: dict[str, dict[str, float]], baseline: str = "GPT") -> dict[str, dict[str, float]]:
    """Claim rows from :func:`evaluate` results: each model's gains over the GPT and its loss ratio to it.

    ``results`` maps a row name (``"ours"`` for FTP, ``baseline`` for the GPT, other controls) to measurements.
    The GPT itself is a control: a GPT copy renamed FTP scores gains of exactly 0.
    """
    if baseline not in results or "ours" not in results:
        raise ValueError(f"results must hold 'ours' and {baseline!r}; got {list(results)}")
    g = results[baseline]
    return {
        name: {
            "adjacent_cos_gain": r["adjacent cosine"] - g["adjacent cosine"],
            "probe_gain": r["topic probe (topic-free next)"] - g["topic probe (topic-free next)"],
            "next_loss_ratio": r["next-token loss"] / g["next-token loss"],
        }
        for name, r in results.items()
    }


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


def diagram_views() -> dict:
    """Overview: encoder, the expansion to pseudo-sequences, the future-token decoder and the head as boxes."""

    def overview():  # noqa: ANN202
        return diagram_example()

    overview.trace_options = {"depth": 0}

    def mechanism():  # noqa: ANN202
        model, (x,), _ = diagram_example()
        with torch.no_grad():
            h = model.encoder(x)  # (b, T, d)
            targets = torch.randint(
                0, model.vocab, (*x.shape, model.n_future), generator=torch.Generator().manual_seed(0)
            )
            prev = model.encoder.tok(targets[..., :-1])  # (b, T, N-1, d): the embedded true future tokens
        return FutureTokenHead(model), (h, prev), ["b t d", "b t n d"]

    mechanism.trace_options = {"depth": 0}
    return {"overview": overview, "mechanism": mechanism}


class FutureTokenHead(nn.Module):
    """FTP's training path after the encoder, as drawn (:meth:`FTP.future_logits`): each h_t is expanded linearly
    into a pseudo-sequence P_t of L vectors, and a small Transformer decoder, attending to P_t, predicts the next
    N tokens teacher-forced (BOS, then the embedded true tokens ``prev``). Shares the model's parameters."""

    def __init__(self, model: FTP) -> None:
        super().__init__()
        self.model = model

    def forward(self, h: torch.Tensor, prev: torch.Tensor) -> torch.Tensor:  # (b, T, d), (b, T, N-1, d)
        m = self.model
        b, T, _ = h.shape
        memory = m.expand(h).view(b * T, m.pseudo_len, m.d)  # (b*T, L, d)
        prev = prev.reshape(b * T, m.n_future - 1, m.d)  # (b*T, N-1, d)
        dec_in = torch.cat([m.bos.expand(b * T, 1, -1), prev], 1) + m.dec_pos  # (b*T, N, d)
        out = m.decoder(dec_in, memory, tgt_mask=_causal_mask(m.n_future), tgt_is_causal=True)
        return m.head(out).view(b, T, m.n_future, m.vocab)


# ---- the claim ----------------------------------------------------------------------------------

CLAIM = Claim(
    slug="future_token_prediction",
    statement=(
        "FTP's per-token vectors vary more smoothly and hold the topic better than a GPT's, at a similar next-token loss"
    ),
    clauses=(
        Clause("adjacent_cos_gain", "adjacent-token cosine minus the GPT's (PAPERS.md: +0.1)", ">=", 0.1),
        Clause(
            "probe_gain",
            "topic-probe accuracy minus the GPT's, at positions whose next token is topic-free (PAPERS.md: +3 points)",
            ">=",
            0.03,
        ),
        Clause(
            "next_loss_ratio",
            "held-out next-token loss / the GPT's (PAPERS.md: within 5 %)",
            "<=",
            1.05,
            kind="sanity",
        ),
    ),
)

FAST = {
    "T": 32,
    "N": 4,
    "train_tokens": 120_000,
    "test_tokens": 20_000,
    "steps": 600,
    "lr": 3e-3,
    "batch_size": 16,
}
FULL = {**FAST, "train_tokens": 1_000_000, "steps": 5000}


def settings(cfg: Config) -> dict[str, Any]:
    """FAST or FULL by the run mode; under smoke, the full path on FAST's data sizes (``fit`` cuts the steps)."""
    return dict(FAST) if cfg.fast or cfg.smoke else dict(FULL)


def claim_experiment(seed: int) -> dict[str, dict[str, float]]:
    """Rows: FTP (``ours``), the GPT with the same 2-layer encoder, and FTP with ``γ → 0`` (the future-token
    loss ablated: same architecture, its decoder trained on the next token only). Same data, steps and lr."""
    cfg = current()
    s = settings(cfg)
    tok, top = planned_language(s["train_tokens"], seed=seed)
    tok_t, top_t = planned_language(s["test_tokens"], seed=seed + 100)
    data = make_chunks(tok, top, T=s["T"], n_future=s["N"])
    held = make_chunks(tok_t, top_t, T=s["T"], n_future=s["N"])
    vocab = 16 + 4 * 4
    results = {}
    for name, make, gamma in (
        ("ours", lambda: FTP(vocab, layers=2, n_future=s["N"]), 0.5),
        ("GPT", lambda: GPT(vocab, layers=2), 0.5),
        ("FTP, gamma -> 0", lambda: FTP(vocab, layers=2, n_future=s["N"]), 1e-4),
    ):
        torch.manual_seed(seed)
        model = make()
        train_lm(
            cfg,
            model,
            data[0],
            data[1],
            steps=s["steps"],
            lr=s["lr"],
            batch_size=s["batch_size"],
            gamma=gamma,
            seed=seed,
        )
        results[name] = evaluate(model, data, held)
    return claim_rows(results)


# --- Reproduction target (issue 23): fixed before any run --------------------------------------
REPRO = ReproSpec(
    slug="future_token_prediction",
    target="the paper's embedding comparison (abstract, §results): adjacent-token cosine, topic classification and next-token perplexity, FTP vs GPT",
    shows=(
        "Per-token top-layer vectors of an FTP model and of a GPT trained to a similar next-token loss: the cosine "
        "similarity between adjacent positions (FTP's vary smoothly along the text), a linear topic probe on the "
        "vectors (FTP's hold the topic better), and the held-out next-token loss of both."
    ),
    metric="adjacent-token cosine gain; topic-probe accuracy gain; next-token loss ratio FTP / GPT",
    paper_values=(
        PaperValue(
            key="adjacent-token cosine, FTP minus GPT",
            value=1.0,
            source=(
                "abstract of arXiv:2410.18160 (project abstracts.txt, seen): FTP's vectors 'exhibit distinct "
                "properties compared to those from standard GPT models, varying smoothly along a text sequence as "
                "measured by cosine similarity between adjacent tokens'; no number retrieved, sign only (+)"
            ),
            verified=True,
            rule="direction",
            reference=0.0,
        ),
        PaperValue(
            key="topic-probe accuracy, FTP minus GPT",
            value=1.0,
            source=(
                "abstract of arXiv:2410.18160 (seen): 'The vectors are shown to better represent the topic of text "
                "based on the results of text classification examples'; sign only (+)"
            ),
            verified=True,
            rule="direction",
            reference=0.0,
        ),
        PaperValue(
            key="held-out next-token loss, FTP / GPT",
            value=1.0,
            source=(
                "abstract of arXiv:2410.18160 (seen): the comparison is with GPT models 'trained with the same "
                "prediction perplexity for the next single token'; 'the same' read as a ratio of 1"
            ),
            verified=True,
            rule="within",
            tolerance=0.05,
        ),
    ),
    data="synthetic planned-phrase language (4 topics, 16 fillers, 4-token phrases ending in a topic word) as a stand-in for OpenWebText",
    data_kind="stand-in",
    data_note=(
        "The paper trains GPT-2-sized models on OpenWebText, which is neither offline nor trainable in minutes on "
        "2 cores; the generated language is built so that future tokens carry information (the topic word) that "
        "the next token does not, the situation FTP's objective targets. Vocabulary 32, no real text."
    ),
    sizes={
        "encoder_layers": 2,
        "d_model": 64,
        "decoder_layers": 1,
        "N": 4,
        "gamma": 0.5,
        "T": 32,
        "train_tokens": 1_000_000,
        "test_tokens": 20_000,
        "steps": 5000,
        "batch_size": 16,
        "lr": 3e-3,
    },
    seeds=(0, 1, 2),
    gpu_minutes=6.0,
    cpu_minutes=45.0,
    notes=(
        "The module's FULL sizes (1 M training tokens, 5,000 steps). Tolerance 0.05 on the loss ratio: the "
        "module's claim threshold ('within 5 %'); the fast ledger's ratios are 1.009–1.018. The two gains test "
        "only their sign; the fast ledger's are +0.32–0.33 (cosine) and +0.07–0.10 (probe)."
    ),
)

"""A Critical Review of Recurrent Neural Networks for Sequence Learning (Lipton, Berkowitz, Elkan, 2015, arXiv 1506.00019).

A review, so this module builds its three central models and the experiments behind its
central arguments:

- the vanilla (Elman) RNN, ``h_t = tanh(W_hx x_t + W_hh h_{t-1} + b_h)`` (review Eq. 1), whose
  gradient through time is a product of Jacobians ``∏ W_hhᵀ diag(1 - h²)`` and vanishes
  (or explodes) geometrically with the lag (§3.1);
- the LSTM with forget gate (§4.1, equations in :mod:`paperlab.nn.rnn`), whose cell state
  ``c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t`` carries error unchanged while ``f_t ≈ 1`` (the "constant
  error carousel");
- the bidirectional RNN (§4.2), a forward and a backward recurrent layer read out together,
  which sees the future of every position.

Experiments: remember the first of 4 symbols across ``T`` distractors (long-range memory);
tag each token with the token two steps ahead (future context); gradient norm vs lag.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from paperlab.config import Config
from paperlab.data.sequences import first_symbol_recall, future_token_tagging
from paperlab.nn.rnn import SequenceClassifier, gradient_vs_lag
from paperlab.train import History, batches, fit

K = 4  # symbols in both tasks; chance accuracy is 1/K


def memory_model(cell: str, *, hidden: int = 32, forget_bias: float | None = None) -> SequenceClassifier:
    """Classifier for :func:`~paperlab.data.sequences.first_symbol_recall` (``2K`` token ids → ``K`` classes)."""
    return SequenceClassifier(cell, 2 * K, hidden, K, forget_bias=forget_bias)


def tagging_model(cell: str, *, hidden: int = 32, bidirectional: bool = False) -> SequenceClassifier:
    """Per-step tagger for :func:`~paperlab.data.sequences.future_token_tagging`."""
    return SequenceClassifier(cell, K, hidden, K, bidirectional=bidirectional, per_step=True)


@dataclass
class RunResult:
    """A trained model, its training history and its test accuracy."""

    model: SequenceClassifier
    history: History
    accuracy: float


def _seq_loss(model: SequenceClassifier, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    return F.cross_entropy(model(batch[0]), batch[1])


def _tag_loss(model: SequenceClassifier, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    return F.cross_entropy(model(batch[0]).flatten(0, 1), batch[1].flatten(), ignore_index=-100)


def _tag_accuracy(model: SequenceClassifier, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        pred = model(x).argmax(-1)
    mask = y >= 0
    return float((pred[mask] == y[mask]).float().mean())


def run_memory(
    cfg: Config,
    cell: str,
    *,
    T: int = 60,
    steps: int = 400,
    forget_bias: float | None = None,
    hidden: int = 32,
    lr: float = 3e-3,
    seed: int = 0,
    eval_every: int = 50,
) -> RunResult:
    """Train on first-symbol recall at distractor length ``T`` (Adam, batch 64); test on 1000 fresh sequences."""
    torch.manual_seed(seed)
    x, y = first_symbol_recall(4096, T, k=K, seed=seed)
    xt, yt = (t.to(cfg.device) for t in first_symbol_recall(1000, T, k=K, seed=seed + 10_000))
    model = memory_model(cell, hidden=hidden, forget_bias=forget_bias).to(cfg.device)

    def evaluate(m: SequenceClassifier) -> dict[str, float]:
        return {"test_acc": float((m(xt).argmax(-1) == yt).float().mean())}

    hist = fit(
        model,
        _seq_loss,
        batches(x, y, batch_size=64, seed=seed),
        steps=steps,
        lr=lr,
        eval_fn=evaluate,
        eval_every=eval_every,
        desc=f"{cell} T={T}",
    )
    return RunResult(model, hist, hist.last("test_acc"))


def run_future_context(
    cfg: Config,
    *,
    bidirectional: bool,
    T: int = 20,
    lookahead: int = 2,
    steps: int = 300,
    hidden: int = 32,
    lr: float = 3e-3,
    seed: int = 0,
) -> RunResult:
    """Train an LSTM (or BiLSTM) tagger on ``y_t = x_{t+lookahead}``; test on 1000 fresh sequences."""
    torch.manual_seed(seed)
    x, y = future_token_tagging(4096, T, k=K, lookahead=lookahead, seed=seed)
    xt, yt = (
        t.to(cfg.device) for t in future_token_tagging(1000, T, k=K, lookahead=lookahead, seed=seed + 10_000)
    )
    model = tagging_model("lstm", hidden=hidden, bidirectional=bidirectional).to(cfg.device)

    def evaluate(m: SequenceClassifier) -> dict[str, float]:
        return {"test_acc": _tag_accuracy(m, xt, yt)}

    hist = fit(
        model,
        _tag_loss,
        batches(x, y, batch_size=64, seed=seed),
        steps=steps,
        lr=lr,
        eval_fn=evaluate,
        eval_every=50,
        desc="BiLSTM" if bidirectional else "LSTM",
    )
    return RunResult(model, hist, hist.last("test_acc"))


def gradient_profiles(T: int, *, seed: int = 0, n: int = 64) -> dict[str, np.ndarray]:
    """‖∂(u·h_T)/∂x_t‖ vs lag at initialisation for the vanilla RNN and LSTMs with forget bias 1 and 5."""
    x, _ = first_symbol_recall(n, T, k=K, seed=seed)
    out = {}
    for name, cell, fb in (
        ("vanilla RNN", "rnn", None),
        ("LSTM, forget bias 1", "lstm", 1.0),
        ("LSTM, forget bias 5", "lstm", 5.0),
    ):
        torch.manual_seed(seed)
        out[name] = gradient_vs_lag(memory_model(cell, forget_bias=fb), x, seed=seed)
    return out


def diagram_example() -> tuple[torch.nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
    """A small bidirectional LSTM tagger and a batch of token ids, for `paperlab diagrams`."""
    torch.manual_seed(0)
    return tagging_model("lstm", hidden=8, bidirectional=True), (torch.randint(0, K, (2, 10)),), ["b t"]

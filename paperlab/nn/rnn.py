"""Recurrent building blocks: a token classifier over torch's RNN/GRU/LSTM, gate read-out, gradient vs lag.

The cells are torch's fused ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` (fast on CPU); the functions
here re-derive what happens inside them from their weights, so a notebook can show the
equations rather than take them on trust. The LSTM with a forget gate (Gers et al. 2000), in
torch's gate order ``i, f, g, o``::

    i_t = σ(W_ii x_t + W_hi h_{t-1} + b_i)      f_t = σ(W_if x_t + W_hf h_{t-1} + b_f)
    g_t = tanh(W_ig x_t + W_hg h_{t-1} + b_g)   o_t = σ(W_io x_t + W_ho h_{t-1} + b_o)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t             h_t = o_t ⊙ tanh(c_t)
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

CELLS = ("rnn", "rnn_relu", "gru", "lstm")


def _check_cell(cell: str) -> str:
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {', '.join(map(repr, CELLS))}; got {cell!r}")
    return cell


def make_rnn(
    cell: str, input_size: int, hidden: int, *, num_layers: int = 1, bidirectional: bool = False
) -> nn.RNNBase:
    """A batch-first torch recurrent layer: ``"rnn"`` (tanh), ``"rnn_relu"``, ``"gru"`` or ``"lstm"``."""
    _check_cell(cell)
    kw = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=True)
    if cell == "lstm":
        return nn.LSTM(input_size, hidden, **kw)
    if cell == "gru":
        return nn.GRU(input_size, hidden, **kw)
    return nn.RNN(input_size, hidden, nonlinearity="relu" if cell == "rnn_relu" else "tanh", **kw)


def set_forget_bias(lstm: nn.LSTM, value: float) -> None:
    """Initialise every forget-gate bias of ``lstm`` to ``value`` (``b_if = value``, ``b_hf = 0``).

    A large forget bias makes ``f_t ≈ 1`` at the start, so ``c_t ≈ c_{t-1}``: the constant error
    carousel is open from step one (Gers et al. 2000; Jozefowicz et al. 2015).
    """
    if not isinstance(lstm, nn.LSTM):
        raise ValueError(f"lstm must be an nn.LSTM; got {type(lstm).__name__}")
    h = lstm.hidden_size
    with torch.no_grad():
        for name, p in lstm.named_parameters():
            if name.startswith("bias_ih"):
                p[h : 2 * h] = value
            elif name.startswith("bias_hh"):
                p[h : 2 * h] = 0.0


class SequenceClassifier(nn.Module):
    """Tokens → embedding → recurrent layer(s) → linear head.

    ``per_step=False`` classifies the whole sequence from the last state (both directions'
    final states for a bidirectional net); ``per_step=True`` tags every position.
    """

    def __init__(
        self,
        cell: str,
        vocab: int,
        hidden: int,
        n_out: int,
        *,
        embed: int = 16,
        num_layers: int = 1,
        bidirectional: bool = False,
        per_step: bool = False,
        forget_bias: float | None = None,
    ) -> None:
        super().__init__()
        self.cell, self.per_step, self.bidirectional = _check_cell(cell), per_step, bidirectional
        self.embed = nn.Embedding(vocab, embed)
        self.rnn = make_rnn(cell, embed, hidden, num_layers=num_layers, bidirectional=bidirectional)
        if forget_bias is not None:
            if cell != "lstm":
                raise ValueError(f"forget_bias applies to cell='lstm' only; got cell={cell!r}")
            set_forget_bias(self.rnn, forget_bias)
        self.head = nn.Linear(hidden * (2 if bidirectional else 1), n_out)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Per-step hidden states ``(batch, seq, hidden·directions)`` of token ids ``x`` ``(batch, seq)``."""
        return self.rnn(self.embed(x))[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.features(x)  # (batch, seq, hidden * dirs)
        if self.per_step:
            return self.head(out)  # (batch, seq, n_out)
        if self.bidirectional:
            h = self.rnn.hidden_size
            last = torch.cat([out[:, -1, :h], out[:, 0, h:]], dim=-1)  # forward end, backward end
        else:
            last = out[:, -1]
        return self.head(last)  # (batch, n_out)


@torch.no_grad()
def lstm_gates(lstm: nn.LSTM, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Unroll a one-layer unidirectional ``lstm`` on inputs ``x`` ``(seq, input)`` by the equations above.

    Returns ``i, f, g, o, c, h`` each ``(seq, hidden)``. Its ``h`` equals ``lstm(x)`` (a unit test checks).
    """
    if not isinstance(lstm, nn.LSTM) or lstm.num_layers != 1 or lstm.bidirectional:
        raise ValueError("lstm must be a one-layer unidirectional nn.LSTM")
    if x.dim() != 2:
        raise ValueError(f"x must be (seq, input); got shape {tuple(x.shape)}")
    w_ih, w_hh = lstm.weight_ih_l0, lstm.weight_hh_l0
    b = lstm.bias_ih_l0 + lstm.bias_hh_l0
    hdim = lstm.hidden_size
    h, c = x.new_zeros(hdim), x.new_zeros(hdim)
    rec: dict[str, list[torch.Tensor]] = {k: [] for k in "ifgoch"}
    for x_t in x:
        z = w_ih @ x_t + w_hh @ h + b  # (4 * hidden,)
        i, f, g, o = (
            torch.sigmoid(z[:hdim]),
            torch.sigmoid(z[hdim : 2 * hdim]),
            torch.tanh(z[2 * hdim : 3 * hdim]),
            torch.sigmoid(z[3 * hdim :]),
        )
        c = f * c + i * g
        h = o * torch.tanh(c)
        for k, v in zip("ifgoch", (i, f, g, o, c, h), strict=True):
            rec[k].append(v)
    return {k: torch.stack(v) for k, v in rec.items()}


def gradient_vs_lag(
    model: SequenceClassifier,
    x: torch.Tensor,
    *,
    seed: int = 0,
    dtype: torch.dtype | None = None,
    norm_dtype: torch.dtype = torch.float64,
) -> np.ndarray:
    """‖∂(u·h_T)/∂e_t‖ averaged over the batch, indexed by lag ``T - t`` (lag 0 = the last step).

    ``e_t`` is the embedded input at step ``t`` and ``u`` a fixed random unit vector: how strongly
    the final state still depends on an input ``lag`` steps back (vanishing gradients, review §3.1).
    Backpropagation runs in ``dtype`` (the model's own by default; the model is converted in place);
    the norm is taken in ``norm_dtype``. Float64 by default: in float32, squaring an entry below
    ~1e-23 underflows to 0, so a gradient still 1e-24 in size would read as exactly 0.
    """
    if x.dim() != 2:
        raise ValueError(f"x must be token ids (batch, seq); got shape {tuple(x.shape)}")
    if dtype is not None:
        model = model.to(dtype)
    was = model.training
    model.eval()
    e = model.embed(x).detach().requires_grad_(True)  # (batch, seq, embed)
    h_last = model.rnn(e)[0][:, -1]  # (batch, hidden * dirs)
    u = torch.randn(h_last.shape[-1], generator=torch.Generator().manual_seed(seed)).to(h_last.dtype)
    (h_last @ (u / u.norm())).sum().backward()
    norms = e.grad.to(norm_dtype).norm(dim=-1).mean(0)  # (seq,)
    model.train(was)
    return norms.flip(0).numpy()

"""Modules drawn as one box: nn.RNN/GRU/LSTM and nn.MultiheadAttention."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from paperlab.diagrams.ir import Tensor

if TYPE_CHECKING:
    from paperlab.diagrams.tracer import Tracer

from paperlab.diagrams.rules._common import _arg


# --- modules drawn as one box ---------------------------------------------------------------------
def atomic_module(
    tr: Tracer,
    path: str,
    module: nn.Module,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    """nn.RNN/GRU/LSTM, their one-step cells, and nn.MultiheadAttention: one learned block with its matmul cost."""
    if isinstance(module, nn.MultiheadAttention):
        _mha(tr, path, module, args, kwargs, ins, outs)
    elif isinstance(module, nn.RNNCellBase):
        _rnn_cell(tr, path, module, args, ins, outs)
    else:
        _rnn(tr, path, module, args, ins, outs)


def _rnn_cell(
    tr: Tracer, path: str, m: nn.RNNCellBase, args: Sequence[Any], ins: list[Tensor], outs: list[torch.Tensor]
) -> None:
    """nn.LSTMCell/GRUCell/RNNCell: one step, (x, state) -> new state (LSTM: h and c)."""
    x = args[0]
    t = tr.get(x)
    if t is None or not isinstance(x, torch.Tensor):
        tr.generic(type(m).__name__, ins, outs, known=True)
        return
    gates = {"LSTMCell": 4, "GRUCell": 3}.get(type(m).__name__, 1)
    n = x.shape[0] if x.dim() == 2 else 1
    hidden = tr.fresh("h", m.hidden_size)
    flops = 2 * n * gates * m.hidden_size * (m.input_size + m.hidden_size)
    _recurrent_box(tr, path, m, ins, [(o, [*t.axes[:-1], hidden]) for o in outs], flops, "one step")


def _recurrent_box(
    tr: Tracer, path: str, m: nn.Module, ins: list[Tensor], results: list, flops: int, note: str
) -> None:
    """One learned block for a recurrent module, its matmul cost counted as linear."""
    tr.node(
        "block",
        type(m).__name__,
        ins,
        results,
        learned=True,
        flops=flops,
        inner_flops={"linear": flops},
        note=note,
        path=path,
        scope=tr.atomic_scope(path, m),
    )


def _rnn(
    tr: Tracer, path: str, m: nn.RNNBase, args: Sequence[Any], ins: list[Tensor], outs: list[torch.Tensor]
) -> None:
    x = args[0]
    t = tr.get(x)
    if t is None or not isinstance(x, torch.Tensor):
        tr.generic(type(m).__name__, ins, outs, known=True)
        return
    d = 2 if m.bidirectional else 1
    h_out = m.proj_size or m.hidden_size
    gates = {"LSTM": 4, "GRU": 3}.get(m.mode, 1)
    batched = x.dim() == 3
    steps = x.shape[1 if (batched and m.batch_first) else 0]
    n = x.shape[0 if m.batch_first else 1] if batched else 1
    flops = 0
    for layer in range(m.num_layers):
        width = m.input_size if layer == 0 else d * h_out
        flops += d * steps * 2 * n * gates * m.hidden_size * (width + h_out)
        if m.proj_size:
            flops += d * steps * 2 * n * m.hidden_size * m.proj_size
    hidden = tr.fresh("h", outs[0].shape[-1])
    results = [(outs[0], [*t.axes[:-1], hidden])]
    batch = [t.axes[0 if m.batch_first else 1]] if batched else []
    for o in outs[1:]:
        last = hidden if o.shape[-1] == hidden.size else tr.fresh("h", o.shape[-1])
        results.append((o, [tr.fresh("l", o.shape[0]), *batch, last][-o.dim() :]))
    layers = f"{m.num_layers} layer{'s' if m.num_layers > 1 else ''}" + (", bidirectional" if d == 2 else "")
    _recurrent_box(tr, path, m, ins, results, flops, layers)


def _mha(
    tr: Tracer,
    path: str,
    m: nn.MultiheadAttention,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    q, k = _arg(args, kwargs, 0, "query"), _arg(args, kwargs, 1, "key")
    tq, tk = tr.get(q), tr.get(k)
    if tq is None or tk is None:
        tr.generic(type(m).__name__, ins, outs, known=True)
        return
    batched = q.dim() == 3
    li, ni = (1, 0) if m.batch_first else (0, 1)
    L_ax = tq.axes[li] if batched else tq.axes[0]
    S_ax = tk.axes[li] if batched else tk.axes[0]
    N_ax = [tq.axes[ni]] if batched else []
    n = q.shape[ni] if batched else 1
    L, S, E = L_ax.size, S_ax.size, m.embed_dim
    lin = 2 * n * E * E * (L + 2 * S) + 2 * n * L * E * E
    att = 4 * n * L * S * E
    results = [(outs[0], [*tq.axes[:-1], tr.axis(tq.axes[-1].display, outs[0].shape[-1])])]
    for o in outs[1:]:
        heads = [tr.fresh("h", m.num_heads)] if o.dim() == len(N_ax) + 3 else []
        results.append((o, [*N_ax, *heads, L_ax, S_ax]))
    tr.node(
        "block",
        type(m).__name__,
        ins,
        results,
        learned=True,
        flops=lin + att,
        inner_flops={"linear": lin, "contraction": att},
        note=f"{m.num_heads} heads",
        path=path,
        scope=tr.atomic_scope(path, m),
    )

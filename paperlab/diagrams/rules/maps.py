"""Learned maps and contractions: linear, matmul, einsum, convolution (windows then a learned map, Abbott §3.4), embedding, scaled dot-product attention."""

from __future__ import annotations

from collections.abc import Sequence
from math import prod
from typing import TYPE_CHECKING, Any

import torch

from paperlab.diagrams.ir import Axis, Tensor, box_flops

if TYPE_CHECKING:
    from paperlab.diagrams.tracer import Tracer

from paperlab.diagrams.rules._common import _arg, _base, _num, _prime
from paperlab.diagrams.rules.pointwise import _broadcast


# --- learned maps and contractions ----------------------------------------------------------------
def _learned_label(tr: Tracer, weight: Any) -> str:
    return tr.param_name(weight) or "W"


def _linear(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    x, w = args[0], _arg(args, kwargs, 1, "weight")
    t, tw = tr.get(x), tr.get(w)
    out = outs[0]
    flops = 2 * prod(x.shape) * w.shape[0]
    if tw is None:
        axes = [*t.axes[:-1], tr.fresh("f", out.shape[-1])]
        kind = "linear" if tr.is_learned(w) else "contraction"
        tr.node(
            kind,
            _learned_label(tr, w) if kind == "linear" else f"Σ {t.axes[-1].display}",
            [t],
            [(out, axes)],
            learned=kind == "linear",
            flops=flops,
            beside=t.axes[:-1],
        )
        return
    tr.unify(t.axes[-1], tw.axes[-1])
    inputs = [t, tw] if t is not None else [tw]
    axes = [*(t.axes[:-1] if t is not None else [tr.fresh("n", s) for s in x.shape[:-1]]), tw.axes[0]]
    tr.node("contraction", f"Σ {tw.axes[-1].display}", inputs, [(out, axes)], flops=flops)


def _matmul(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    a, b = (args[1], args[0]) if name == "rmatmul" else (args[0], args[1])
    ta, tb = tr.get(a), tr.get(b)
    out = outs[0]
    if a.dim() == 0 or b.dim() == 0 or (ta is None and tb is None):
        tr.generic(name, ins, outs, known=True)
        return
    flops = 2 * prod(out.shape) * a.shape[-1]
    traced = [t for t in (ta, tb) if t is not None]
    lead = [Tensor(0, t.axes[:-2]) for t, v in ((ta, a), (tb, b)) if t is not None and v.dim() > 2]
    batch = _broadcast(tr, lead, tuple(out.shape[: out.dim() - (a.dim() > 1) - (b.dim() > 1)]))
    row = [] if a.dim() < 2 else [ta.axes[-2] if ta is not None else tr.fresh("f", a.shape[-2])]
    col = [] if b.dim() < 2 else [tb.axes[-1] if tb is not None else tr.fresh("f", b.shape[-1])]
    axes = [*batch, *row, *col]
    if ta is not None and tb is not None:
        k_b = tb.axes[-2] if b.dim() > 1 else tb.axes[-1]
        tr.unify(ta.axes[-1], k_b)
        tr.node("contraction", f"Σ {ta.axes[-1].display}", traced, [(out, axes)], flops=flops)
        return
    weight = b if ta is not None else a
    kind = "linear" if tr.is_learned(weight) else "contraction"
    label = _learned_label(tr, weight) if kind == "linear" else "Σ"
    tr.node(
        kind,
        label,
        traced,
        [(out, axes)],
        learned=kind == "linear",
        flops=flops,
        beside=[*batch, *row] if ta is not None else [*batch, *col],
    )


def _solve(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    """``linalg.solve(A, B)``: X = A⁻¹B; X runs along A's column wire and B's remaining wires (ridge and GP fits)."""
    a, b = _arg(args, kwargs, 0, "A"), _arg(args, kwargs, 1, "B")
    ta, tb = tr.get(a), tr.get(b)
    out = outs[0]
    if ta is None or a.dim() < 2 or not isinstance(b, torch.Tensor):
        tr.generic(name, ins, outs, known=True)
        return
    vector = b.dim() == a.dim() - 1
    batch = ta.axes[:-2]
    col = ta.axes[-1]
    rest = [] if vector else [tb.axes[-1] if tb is not None else tr.fresh("f", b.shape[-1])]
    if tb is not None:
        tr.unify(ta.axes[-2], tb.axes[-1] if vector else tb.axes[-2])
    n = a.shape[-1]
    flops = prod(a.shape[:-2]) * (2 * n**3 // 3 + 2 * n * n * (1 if vector else b.shape[-1]))
    traced = [t for t in (ta, tb) if t is not None]
    tr.node("contraction", "A⁻¹ B", traced, [(out, [*batch, col, *rest])], flops=flops)


def _parse_einsum(eq: str, ranks: Sequence[int]) -> tuple[list[list[str]], list[str]]:
    eq = eq.replace(" ", "")
    lhs, _, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(ranks):
        raise ValueError(f"einsum {eq!r} has {len(terms)} terms for {len(ranks)} operands")
    n_ell = 0
    parsed = []
    for term, r in zip(terms, ranks, strict=True):
        head, ell, tail = term.partition("...")
        k = r - len(head) - len(tail) if ell else 0
        n_ell = max(n_ell, k)
        parsed.append([*head, *[f"…{k - i}" for i in range(k)], *tail])
    if "->" in eq:
        head, ell, tail = rhs.partition("...")
        out = [*head, *([f"…{n_ell - i}" for i in range(n_ell)] if ell else []), *tail]
    else:
        letters = [s for term in parsed for s in term]
        out = [f"…{n_ell - i}" for i in range(n_ell)] + sorted(
            s for s in set(letters) if letters.count(s) == 1 and not s.startswith("…")
        )
    return parsed, out


def _einsum(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    eq = args[0]
    ops = list(args[1][0] if len(args) == 2 and isinstance(args[1], (list, tuple)) else args[1:])
    if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
        ops = list(ops[0])
    terms, rhs = _parse_einsum(eq, [o.dim() for o in ops])
    sym: dict[str, Axis] = {}
    sizes: dict[str, int] = {}
    traced, consts = [], []
    for op, term in zip(ops, terms, strict=True):
        t = tr.get(op)
        for pos, s in enumerate(term):
            sizes[s] = op.shape[pos]
        if t is None:
            consts.append(op)
            continue
        traced.append(t)
        for pos, s in enumerate(term):
            ax = t.axes[pos]
            if not s.startswith("…") and not ax.fixed:
                ax.name, ax.fixed, ax.parts = s, True, ()
            if s in sym:
                tr.unify(sym[s], ax)
            else:
                sym[s] = ax
    out_axes = [sym[s] if s in sym else tr.axis(s, sizes[s], fixed=True) for s in rhs]
    gone = [s for s in sizes if s not in rhs]
    flops = 2 * prod(sizes.values())
    learned = [c for c in consts if tr.is_learned(c)]
    if learned:
        kind, label = "linear", _learned_label(tr, learned[0])
    elif len(traced) == 1:
        kind, label = ("reduce" if gone else "reindex"), "Σ " + " ".join(gone) if gone else "einsum"
        flops = box_flops(traced[0].axes) if gone else 0
    else:
        kind, label = (
            "contraction",
            ("Σ " + " ".join(sym[s].display if s in sym else s for s in gone)) if gone else "⊗",
        )
    beside = [sym[s] for s in rhs if s in sym] if learned else []
    tr.node(
        kind,
        label,
        traced,
        [(outs[0], out_axes)],
        learned=bool(learned),
        flops=flops,
        beside=beside,
        equation=eq,
    )


# --- convolution: windows, then a learned map (Abbott §3.4) ---------------------------------------
def _tuple(v: Any, n: int) -> tuple[int, ...]:
    return tuple(v) if isinstance(v, (tuple, list)) else (int(v),) * n


def _conv(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    transposed = "transpose" in name
    x, w = args[0], _arg(args, kwargs, 1, "weight")
    t, tw = tr.get(x), tr.get(w)
    out = outs[0]
    n_sp = w.dim() - 2
    stride = _tuple(_arg(args, kwargs, 3, "stride", 1), n_sp)
    padding = _arg(args, kwargs, 4, "padding", 0)
    if transposed:
        groups = int(_arg(args, kwargs, 6, "groups", 1))
        dilation = _tuple(_arg(args, kwargs, 7, "dilation", 1), n_sp)
    else:
        dilation = _tuple(_arg(args, kwargs, 5, "dilation", 1), n_sp)
        groups = int(_arg(args, kwargs, 6, "groups", 1))
    pad = padding if isinstance(padding, str) else _tuple(padding, n_sp)
    kernel = tuple(w.shape[2:])
    lead = t.axes[: x.dim() - n_sp - 1]
    chan = t.axes[x.dim() - n_sp - 1]
    space = t.axes[x.dim() - n_sp :]
    out_space = tuple(out.shape[-n_sp:])
    trivial = (
        not transposed
        and all(k == 1 for k in kernel)
        and all(s == 1 for s in stride)
        and pad in ((0,) * n_sp, "valid")
    )
    conv_space = tuple(x.shape[-n_sp:]) if transposed else out_space
    flops = 2 * prod(x.shape[: x.dim() - n_sp - 1]) * prod(conv_space) * prod(w.shape)
    label = _learned_label(tr, w) if tr.is_learned(w) else "W"
    # depthwise (one filter per channel, Abbott's grammar): the channel wire passes through the map
    depthwise = groups > 1 and groups == chan.size and out.shape[x.dim() - n_sp - 1] == chan.size
    c_out = chan if depthwise else tr.axis(_prime(chan), out.shape[x.dim() - n_sp - 1])
    per_channel = [chan] if depthwise else []
    if depthwise:
        label = f"{label} per {chan.display}"
    if trivial:
        tr.node(
            "linear",
            label,
            [t],
            [(out, [*lead, c_out, *space])],
            learned=tr.is_learned(w),
            flops=flops,
            beside=[*lead, *per_channel, *space],
            groups=groups,
        )
        return
    new_space = [tr.axis(_prime(s), n, fixed=True) for s, n in zip(space, out_space, strict=True)]
    windows = [tr.axis("k" + _base(s.display), k, fixed=True) for s, k in zip(space, kernel, strict=True)]
    bits = ["×".join(map(str, kernel))]
    if any(s != 1 for s in stride):
        bits.append(f"stride {'×'.join(map(str, stride))}")
    if any(d != 1 for d in dilation):
        bits.append(f"dilation {'×'.join(map(str, dilation))}")
    if isinstance(pad, str) or any(pad):
        bits.append(f"pad {pad if isinstance(pad, str) else '×'.join(map(str, pad))}")
    win_axes = [*lead, chan, *[a for pair in zip(new_space, windows, strict=True) for a in pair]]
    virtual = tr.virtual(win_axes)
    tr.node(
        "reindex",
        ("transposed windows " if transposed else "windows ") + ", ".join(bits),
        [t],
        [],
        beside=[*lead, chan],
        conv=True,
    ).outputs.append(virtual)
    inputs = [virtual] + ([tw] if tw is not None else [])
    tr.node(
        "linear" if tw is None else "contraction",
        label if tw is None else "Σ",
        inputs,
        [(out, [*lead, c_out, *new_space])],
        learned=tr.is_learned(w),
        flops=flops,
        beside=[*lead, *per_channel, *new_space],
        groups=groups,
    )


def _embedding(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    """``embedding``: a lookup (a learned map from one-hot rows); ``embedding_bag`` also pools each bag
    (sum/mean/max), so the token wire ends in the box."""
    idx, w = args[0], _arg(args, kwargs, 1, "weight")
    t = tr.get(idx)
    if t is None or not isinstance(w, torch.Tensor):  # the weight itself is traced (e.g. from a hypernetwork)
        tr.generic(name, ins, outs, known=True)
        return
    out = outs[0]
    if name == "embedding_bag":
        bags = t.axes[0] if idx.dim() == 2 and out.shape[0] == idx.shape[0] else tr.fresh("b", out.shape[0])
        kept, note = [bags], f"{_arg(args, kwargs, 6, 'mode', 'mean')} of looked-up rows, V={w.shape[0]}"
    else:
        kept, note = list(t.axes), f"lookup, V={w.shape[0]}"
    tr.node(
        "linear",
        _learned_label(tr, w),
        [t],
        [(out, [*kept, tr.fresh("e", w.shape[-1])])],
        learned=tr.is_learned(w),
        beside=[a for a in kept if a in t.axes],
        note=note,
    )


def _pairwise(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    """``cdist(x1, x2)``: (…, p, m), (…, r, m) -> (…, p, r), the distance ends the feature wire m;
    ``cosine_similarity(x1, x2, dim)``: the wire ``dim`` ends, the others go on."""
    a, b = _arg(args, kwargs, 0, "x1"), _arg(args, kwargs, 1, "x2")
    ta, tb = tr.get(a), tr.get(b)
    out = outs[0]
    if ta is None or not isinstance(b, torch.Tensor) or (tb is None and name != "cdist"):
        tr.generic(name, ins, outs, known=True)
        return
    if name == "cdist":
        p = _arg(args, kwargs, 2, "p", 2.0)
        norm = f"‖· − ·‖{'' if p == 2.0 else f'_{_num(p)}'}"
        flops = 3 * prod(out.shape) * a.shape[-1]
        if (
            tb is None
        ):  # distances to a fixed or learned set (prototypes, centroids): a map with b's rows as output
            learned = tr.is_learned(b)
            tr.node(
                "linear" if learned else "contraction",
                f"{_learned_label(tr, b)}: {norm}" if learned else f"{norm} to {b.shape[-2]} points",
                [ta],
                [(out, [*ta.axes[:-1], tr.fresh("k", b.shape[-2])])],
                learned=learned,
                flops=flops,
                beside=list(ta.axes[:-1]),
            )
            return
        tr.unify(ta.axes[-1], tb.axes[-1])
        axes = [
            *ta.axes[:-2],
            ta.axes[-2],
            tb.axes[-2],
        ]  # rows of one set twice: the tracer primes the second
        label = f"{norm} over {ta.axes[-1].display}"
    else:
        dim = int(_arg(args, kwargs, 2, "dim", 1)) % a.dim()
        tr.unify(ta.axes[dim], tb.axes[dim] if b.dim() == a.dim() else ta.axes[dim])
        axes = [ax for i, ax in enumerate(ta.axes) if i != dim]
        label = f"cos over {ta.axes[dim].display}"
        flops = 6 * prod(a.shape)
    if len(axes) != out.dim():
        axes = [tr.fresh("d", s) for s in out.shape]
    tr.node("contraction", label, [ta, tb], [(out, axes)], flops=flops)


def _sdpa(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    q, k, v = (_arg(args, kwargs, i, key) for i, key in enumerate(("query", "key", "value")))
    tq, tk, tv = tr.get(q), tr.get(k), tr.get(v)
    if tq is None or tk is None or tv is None:
        tr.generic(name, ins, outs, known=True)
        return
    tr.unify(tq.axes[-1], tk.axes[-1])
    tr.unify(tk.axes[-2], tv.axes[-2])
    b = prod(q.shape[:-2])
    L, S, E, Ev = q.shape[-2], k.shape[-2], q.shape[-1], v.shape[-1]
    inner = {"contraction": 2 * b * L * S * E + 2 * b * L * S * Ev}
    tr.node(
        "block",
        "attention",
        ins,
        [(outs[0], [*tq.axes[:-1], tv.axes[-1]])],
        flops=inner["contraction"],
        inner_flops=inner,
        note=f"softmax(QKᵀ/√{E})V",
    )

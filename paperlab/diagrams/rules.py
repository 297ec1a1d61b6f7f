"""Per-op rules: how each torch op carries axis names forward (Abbott §2-3).

A rule gets the tracer, the op's arguments, the traced input tensors and the torch outputs,
and adds one or two boxes. Linear maps consume the last axis and emit a new one; einsum
takes names from its equation; softmax and elementwise ops keep the wires; reshapes split
and merge; convolution is a window reindex (h -> h', kh) followed by a learned map over
(c, kh, kw) -> c'. Anything else is a generic box (see :meth:`Tracer.generic`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from math import prod
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import nn

from paperlab.diagrams.ir import Axis, Tensor, box_flops

if TYPE_CHECKING:
    from paperlab.diagrams.tracer import Tracer

Rule = Callable[["Tracer", str, Sequence[Any], dict[str, Any], list[Tensor], list[torch.Tensor]], None]


def _arg(args: Sequence[Any], kwargs: dict[str, Any], i: int, key: str, default: Any = None) -> Any:
    if key in kwargs:
        return kwargs[key]
    return args[i] if len(args) > i else default


def _dims(d: Any, ndim: int) -> list[int]:
    if d is None:
        return list(range(ndim))
    if isinstance(d, (list, tuple)):
        return sorted(int(x) % ndim for x in d)
    return [int(d) % max(ndim, 1)]


def _base(name: str) -> str:
    return name.rstrip("'")


def _prime(ax: Axis) -> str:
    return _base(ax.display) + "'"


def _num(v: Any) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def _main(tr: Tracer, args: Sequence[Any], ins: list[Tensor]) -> Tensor:
    t = tr.get(args[0]) if args else None
    return t if t is not None else ins[0]


# --- aliases and permutations: no box, the wires just continue -----------------------------------
def _alias(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    t = _main(tr, args, ins)
    tr.bind(outs[0], t.axes, root=t)


def _permute(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    t = _main(tr, args, ins)
    probe = torch.empty(tuple(range(2, 2 + len(t.axes))), device="meta")  # distinct sizes reveal the order
    func = kwargs.pop("__func__")
    moved = func(probe, *args[1:], **kwargs)
    tr.bind(outs[0], [t.axes[s - 2] for s in moved.shape], root=t)


# --- reshapes: split and merge wires --------------------------------------------------------------
def _groups(a: Sequence[int], b: Sequence[int]) -> list[tuple[list[int], list[int]]]:
    """Pair runs of input dims with runs of output dims of equal product (size-1 dims on their own)."""
    i = j = 0
    out: list[tuple[list[int], list[int]]] = []
    while i < len(a) or j < len(b):
        if i < len(a) and a[i] == 1 and (j >= len(b) or b[j] != 1):
            out.append(([i], []))
            i += 1
            continue
        if j < len(b) and b[j] == 1 and (i >= len(a) or a[i] != 1):
            out.append(([], [j]))
            j += 1
            continue
        gi, gj, pi, pj = [i], [j], a[i], b[j]
        i, j = i + 1, j + 1
        while pi != pj:
            if pi < pj:
                pi *= a[i]
                gi.append(i)
                i += 1
            else:
                pj *= b[j]
                gj.append(j)
                j += 1
        out.append((gi, gj))
    return out


def _reshape(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    t = _main(tr, args, ins)
    out = outs[0]
    shape = tuple(out.shape)
    axes: list[Axis | None] = [None] * len(shape)
    kept, merged, split = [], False, False
    for gi, gj in _groups(t.shape, shape):
        if len(gi) == 1 and len(gj) == 1:
            axes[gj[0]] = t.axes[gi[0]]
            kept.append(t.axes[gi[0]])
        elif not gj:
            continue
        elif not gi:
            axes[gj[0]] = tr.axis("1", 1)
        elif len(gj) == 1:
            merged = True
            parts = tuple(t.axes[i] for i in gi)
            axes[gj[0]] = tr.axis("".join(p.name for p in parts), shape[gj[0]], parts=parts)
        else:
            split = True
            src = t.axes[gi[0]] if len(gi) == 1 else None
            sizes = tuple(shape[j] for j in gj)
            if src is not None and tuple(p.size for p in src.parts) == sizes:
                new = list(src.parts)
            else:
                stem = src.name if src is not None else "r"
                new = [tr.axis(f"{stem}.{k}", s) for k, s in enumerate(sizes)]
            for j, ax in zip(gj, new, strict=True):
                axes[j] = ax
    if len(kept) == len(t.axes) == len(shape):
        tr.bind(out, t.axes, root=t)
        return
    label = "reshape" if merged and split else "merge" if merged else "split" if split else name
    tr.node("reindex", label, [t], [(out, axes)], beside=kept)


# --- elementwise and broadcasting -----------------------------------------------------------------
_SYMBOLS = {
    "add": "+",
    "sub": "−",
    "rsub": "−",
    "mul": "×",
    "div": "÷",
    "rdiv": "÷",
    "true_divide": "÷",
    "neg": "−x",
    "pow": "^",
    "rpow": "^",
    "relu": "ReLU",
    "gelu": "GELU",
    "silu": "SiLU",
    "sigmoid": "σ",
    "tanh": "tanh",
    "exp": "exp",
    "log": "log",
    "sqrt": "√",
    "rsqrt": "1/√",
    "abs": "|x|",
    "leaky_relu": "LReLU",
    "softplus": "softplus",
    "elu": "ELU",
    "selu": "SELU",
    "mish": "Mish",
    "hardtanh": "hardtanh",
    "layer_norm": "LN",
    "batch_norm": "BN",
    "group_norm": "GN",
    "instance_norm": "IN",
    "rms_norm": "RMSNorm",
    "maximum": "max",
    "minimum": "min",
    "where": "where",
    "masked_fill": "mask",
}
ELEMENTWISE = set(_SYMBOLS) | {
    "relu6",
    "hardswish",
    "hardsigmoid",
    "logsigmoid",
    "tanhshrink",
    "softsign",
    "celu",
    "glu",
    "prelu",
    "rrelu",
    "threshold",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "atan2",
    "sinh",
    "cosh",
    "erf",
    "erfc",
    "expm1",
    "log1p",
    "log2",
    "log10",
    "reciprocal",
    "square",
    "sign",
    "sgn",
    "floor",
    "ceil",
    "round",
    "trunc",
    "frac",
    "clamp",
    "clip",
    "clamp_min",
    "clamp_max",
    "nan_to_num",
    "lerp",
    "addcmul",
    "addcdiv",
    "fmod",
    "remainder",
    "floor_divide",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "isnan",
    "isinf",
    "isfinite",
    "logical_and",
    "logical_or",
    "logical_not",
    "logical_xor",
    "bitwise_and",
    "bitwise_or",
    "bitwise_not",
    "heaviside",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "alpha_dropout",
    "feature_alpha_dropout",
    "normalize",
    "local_response_norm",
    "cumsum",
    "cumprod",
    "cummax",
    "logcumsumexp",
    "flip",
    "fliplr",
    "flipud",
    "roll",
    "tril",
    "triu",
    "sort",
    "argsort",
    "masked_scatter",
    "copysign",
    "hypot",
    "xlogy",
    "sinc",
    "logit",
    "exp2",
    "angle",
    "real",
    "imag",
    "conj",
    "positive",
    "bernoulli",
    "fill",
    "zero",
    "uniform",
    "normal",
    "rad2deg",
    "deg2rad",
    "digamma",
    "lgamma",
    "polygamma",
    "i0",
}
_NORMS = {"layer_norm", "batch_norm", "group_norm", "instance_norm", "rms_norm"}


def _broadcast(tr: Tracer, ins: Sequence[Tensor], shape: Sequence[int]) -> list[Axis]:
    """Output wires of a broadcasting op: each continues the first input wire of that size there."""
    axes: list[Axis] = []
    for k in range(1, len(shape) + 1):
        cands = [t.axes[-k] for t in ins if len(t.axes) >= k and t.axes[-k].size == shape[-k]]
        if cands:
            for c in cands[1:]:
                tr.unify(cands[0], c)
            axes.append(cands[0])
        else:
            axes.append(tr.fresh("e", shape[-k]))
    return axes[::-1]


def _elementwise(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    flat = [*args, *kwargs.values()]
    consts = [v for v in flat if isinstance(v, torch.Tensor) and tr.get(v) is None]
    learned = [v for v in consts if tr.is_learned(v)]
    label = _SYMBOLS.get(name, name)
    if learned and name not in _NORMS:  # a norm's affine weights shade the box; its label stays LN/BN
        label += " " + (tr.param_name(learned[0]) or "θ")
    elif len(ins) == 1 and name in ("add", "sub", "rsub", "mul", "div", "rdiv", "pow", "rpow"):
        scalars = [v for v in args[1:] if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if scalars:
            label += " " + _num(scalars[0])
    kind = "add" if name in ("add", "sub") and len(ins) >= 2 else "elementwise"
    results = []
    for out in outs:
        axes = _broadcast(tr, ins, tuple(out.shape))
        results.append((out, axes))
    tr.node(kind, label, ins, results, learned=bool(learned), flops=box_flops(results[0][1]))


def _softmax(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    t = _main(tr, args, ins)
    dim = _dims(_arg(args, kwargs, 1, "dim"), len(t.axes))[0]
    ax = t.axes[dim]
    label = {"softmax": "softmax", "log_softmax": "log softmax", "softmin": "softmin"}.get(name, name)
    tr.node(
        "softmax",
        label,
        [t],
        [(outs[0], t.axes)],
        flops=box_flops(t.axes),
        beside=[a for a in t.axes if a is not ax],
        axis=ax,
    )


# --- reductions -----------------------------------------------------------------------------------
_REDUCE_SYMBOL = {
    "sum": "Σ",
    "nansum": "Σ",
    "mean": "mean",
    "nanmean": "mean",
    "amax": "max",
    "amin": "min",
    "max": "max",
    "min": "min",
    "prod": "∏",
    "norm": "‖·‖",
    "logsumexp": "logsumexp",
    "var": "var",
    "std": "std",
    "all": "all",
    "any": "any",
    "argmax": "argmax",
    "argmin": "argmin",
    "count_nonzero": "count",
    "median": "median",
    "vector_norm": "‖·‖",
}


def _reduce(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    if name in ("max", "min") and len(args) > 1 and isinstance(args[1], torch.Tensor):
        _elementwise(tr, "maximum" if name == "max" else "minimum", args, kwargs, ins, outs)
        return
    t = _main(tr, args, ins)
    n = len(t.axes)
    off = 1 if name in ("norm", "vector_norm") else 0
    dim = kwargs.get("dim", kwargs.get("axis", args[1 + off] if len(args) > 1 + off else None))
    keep = bool(_arg(args, kwargs, 2 + off, "keepdim", False))
    gone = set(_dims(dim, n)) if n else set()
    results = []
    for out in outs:
        axes = [t.axes[i] if i not in gone else tr.axis("1", 1) for i in range(n) if keep or i not in gone]
        if len(axes) != out.dim():  # e.g. norm(p) over everything
            axes = [tr.fresh("d", s) for s in out.shape]
        results.append((out, axes))
    names = " ".join(t.axes[i].display for i in sorted(gone))
    tr.node(
        "reduce",
        f"{_REDUCE_SYMBOL.get(name, name)} {names}".strip(),
        [t],
        results,
        flops=box_flops(t.axes),
        beside=[a for i, a in enumerate(t.axes) if i not in gone],
    )


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
    c_out = tr.axis(_prime(chan), out.shape[x.dim() - n_sp - 1])
    if trivial:
        tr.node(
            "linear",
            label,
            [t],
            [(out, [*lead, c_out, *space])],
            learned=tr.is_learned(w),
            flops=flops,
            beside=[*lead, *space],
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
        beside=[*lead, *new_space],
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
    idx, w = args[0], _arg(args, kwargs, 1, "weight")
    t = tr.get(idx)
    if t is None:  # the weight itself is traced (e.g. produced by a hypernetwork)
        tr.generic(name, ins, outs, known=True)
        return
    tr.node(
        "linear",
        _learned_label(tr, w),
        [t],
        [(outs[0], [*t.axes, tr.fresh("e", w.shape[-1])])],
        learned=tr.is_learned(w),
        beside=t.axes,
        note=f"lookup, V={w.shape[0]}",
    )


# --- reindexing: indexing, cat, split, pooling, windows ------------------------------------------------
def _positional(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
    kind: str = "reindex",
) -> None:
    """Wires that keep their position and size continue; the others are new (``h -> h'``)."""
    t = _main(tr, args, ins)
    results, kept = [], []
    for out in outs:
        axes = []
        for j, s in enumerate(out.shape):
            if j < len(t.axes) and t.axes[j].size == s:
                axes.append(t.axes[j])
                kept.append(t.axes[j])
            elif j < len(t.axes):
                axes.append(tr.axis(_prime(t.axes[j]), s))
            else:
                axes.append(tr.fresh("d", s))
        results.append((out, axes))
    label = {
        "max_pool": "maxpool",
        "avg_pool": "avgpool",
        "adaptive_avg_pool": "adaptive avgpool",
        "adaptive_max_pool": "adaptive maxpool",
    }.get(name.rstrip("123d").rstrip("_"), name)
    k = args[1] if kind == "reduce" and len(args) > 1 and isinstance(args[1], (int, tuple, list)) else None
    if k is not None:
        label += " " + "×".join(map(str, _tuple(k, 1)))
    flops = box_flops(t.axes) if kind == "reduce" else 0
    tr.node(kind, label, ins, results, flops=flops, beside=[a for a in t.axes if any(a is b for b in kept)])


def _pool(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    _positional(tr, name, args, kwargs, ins, outs[:1] if "with_indices" in name else outs, kind="reduce")


def _index_label(idx: Any) -> str:
    def one(i: Any) -> str:
        if i is Ellipsis:
            return "..."
        if i is None:
            return "None"
        if isinstance(i, slice):
            parts = ["" if v is None else str(v) for v in (i.start, i.stop)]
            return ":".join(parts) + (f":{i.step}" if i.step not in (None, 1) else "")
        return str(i) if isinstance(i, int) else "idx"

    items = idx if isinstance(idx, tuple) else (idx,)
    return "[" + ", ".join(one(i) for i in items) + "]"


def _getitem(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    t = _main(tr, args, ins)
    idx = args[1]
    items = idx if isinstance(idx, tuple) else (idx,)
    if not all(i is None or i is Ellipsis or isinstance(i, (int, slice)) for i in items):
        _positional(tr, "gather", args, kwargs, ins, outs)
        return
    n_real = sum(1 for i in items if i is not None and i is not Ellipsis)
    axes: list[Axis] = []
    d = 0
    for i in items:
        if i is Ellipsis:
            for _ in range(len(t.axes) - n_real):
                axes.append(t.axes[d])
                d += 1
        elif i is None:
            axes.append(tr.axis("1", 1))
        elif isinstance(i, int):
            d += 1
        else:
            size = len(range(*i.indices(t.shape[d])))
            axes.append(t.axes[d] if size == t.shape[d] else tr.axis(_prime(t.axes[d]), size))
            d += 1
    axes.extend(t.axes[d:])
    if len(axes) == len(t.axes) and all(a is b for a, b in zip(axes, t.axes, strict=True)):
        tr.bind(outs[0], t.axes, root=t)
        return
    tr.node("reindex", _index_label(idx), [t], [(outs[0], axes)], beside=[a for a in axes if a in t.axes])


def _cat(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    items = list(args[0])
    dim = int(_arg(args, kwargs, 1, "dim", 0))
    out = outs[0]
    ref = next(t for v in items if (t := tr.get(v)) is not None)
    consts = [v for v in items if tr.get(v) is None and tr.is_learned(v)]
    if name == "stack":
        dim %= out.dim()
        axes = list(ref.axes)
        axes.insert(dim, tr.fresh("s", out.shape[dim]))
    else:
        dim %= out.dim()
        axes = [a if j != dim else tr.axis(_prime(a), out.shape[dim]) for j, a in enumerate(ref.axes)]
    for t in ins:
        if t is not ref and len(t.axes) == len(ref.axes):
            for j, (a, b) in enumerate(zip(ref.axes, t.axes, strict=True)):
                if name == "stack" or j != dim:
                    tr.unify(a, b)
    label = name + ("" if not consts else " " + (tr.param_name(consts[0]) or "θ"))
    tr.node(
        "reindex", label, ins, [(out, axes)], learned=bool(consts), beside=[a for a in axes if a in ref.axes]
    )


def _split(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    t = _main(tr, args, ins)
    dim = int(_arg(args, kwargs, 1 if name == "unbind" else 2, "dim", 0)) % len(t.axes)
    results = []
    for out in outs:
        if name == "unbind":
            axes = [a for j, a in enumerate(t.axes) if j != dim]
        else:
            axes = [
                a if j != dim or out.shape[j] == a.size else tr.axis(_prime(a), out.shape[j])
                for j, a in enumerate(t.axes)
            ]
        results.append((out, axes))
    tr.node("reindex", name, [t], results, beside=[a for j, a in enumerate(t.axes) if j != dim])


def _expand(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    t = _main(tr, args, ins)
    out = outs[0]
    axes: list[Axis] = []
    for k in range(1, out.dim() + 1):
        old = t.axes[-k] if len(t.axes) >= k else None
        if old is not None and old.size == out.shape[-k]:
            axes.append(old)
        else:
            axes.append(tr.fresh(old.name if old is not None and old.name != "1" else "r", out.shape[-k]))
    axes.reverse()
    tr.node("reindex", name, [t], [(out, axes)], beside=[a for a in axes if a in t.axes])


def _unfold(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    """``Tensor.unfold(dim, size, step)``: n -> (n', k) sliding windows."""
    t = _main(tr, args, ins)
    dim = int(_arg(args, kwargs, 1, "dimension", 0)) % len(t.axes)
    out = outs[0]
    axes = list(t.axes)
    axes[dim] = tr.axis(_prime(t.axes[dim]), out.shape[dim], fixed=True)
    axes.append(tr.axis("k" + _base(t.axes[dim].display), out.shape[-1], fixed=True))
    tr.node(
        "reindex", f"windows {out.shape[-1]}", [t], [(out, axes)], beside=[a for a in axes if a in t.axes]
    )


def _im2col(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    """``F.unfold`` (im2col): (b, c, h, w) -> (b, (c kh kw), (h' w'))."""
    t = _main(tr, args, ins)
    x = args[0]
    k = _tuple(_arg(args, kwargs, 1, "kernel_size"), 2)
    dil = _tuple(_arg(args, kwargs, 2, "dilation", 1), 2)
    pad = _tuple(_arg(args, kwargs, 3, "padding", 0), 2)
    st = _tuple(_arg(args, kwargs, 4, "stride", 1), 2)
    sp = [(x.shape[-2 + i] + 2 * pad[i] - dil[i] * (k[i] - 1) - 1) // st[i] + 1 for i in range(2)]
    lead, chan, space = t.axes[:-3], t.axes[-3], t.axes[-2:]
    windows = tuple(tr.axis("k" + _base(s.display), kk, fixed=True) for s, kk in zip(space, k, strict=True))
    new_space = tuple(tr.axis(_prime(s), n, fixed=True) for s, n in zip(space, sp, strict=True))
    out = outs[0]
    patch = tr.axis("patch", out.shape[-2], parts=(chan, *windows))
    where = tr.axis("L", out.shape[-1], parts=new_space)
    tr.node("reindex", f"unfold {k[0]}×{k[1]}", [t], [(out, [*lead, patch, where])], beside=lead)


def _one_hot(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    t = _main(tr, args, ins)
    tr.node(
        "reindex", "one-hot", [t], [(outs[0], [*t.axes, tr.fresh("v", outs[0].shape[-1])])], beside=t.axes
    )


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


def _constant(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    """``zeros_like`` and friends: the value does not depend on the input, so it is a constant."""


RULES: dict[str, Rule] = {}
for _names, _rule in [
    (
        (
            "contiguous",
            "clone",
            "detach",
            "float",
            "double",
            "half",
            "bfloat16",
            "to",
            "type",
            "type_as",
            "cpu",
            "cuda",
            "get_data",
            "requires_grad",
            "long",
            "int",
            "bool",
            "short",
            "byte",
            "char",
            "as_strided_copy",
            "get_real",
        ),
        _alias,
    ),
    (
        (
            "permute",
            "transpose",
            "t",
            "swapaxes",
            "swapdims",
            "movedim",
            "moveaxis",
            "get_T",
            "get_mT",
            "get_H",
            "get_mH",
            "adjoint",
        ),
        _permute,
    ),
    (
        ("view", "reshape", "flatten", "unflatten", "squeeze", "unsqueeze", "view_as", "reshape_as", "ravel"),
        _reshape,
    ),
    (("softmax", "log_softmax", "softmin"), _softmax),
    (tuple(_REDUCE_SYMBOL), _reduce),
    (("linear",), _linear),
    (("matmul", "rmatmul", "mm", "bmm", "mv", "dot", "inner"), _matmul),
    (("einsum",), _einsum),
    (("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"), _conv),
    (("embedding",), _embedding),
    (
        (
            "max_pool1d",
            "max_pool2d",
            "max_pool3d",
            "avg_pool1d",
            "avg_pool2d",
            "avg_pool3d",
            "adaptive_avg_pool1d",
            "adaptive_avg_pool2d",
            "adaptive_avg_pool3d",
            "adaptive_max_pool1d",
            "adaptive_max_pool2d",
            "adaptive_max_pool3d",
            "max_pool2d_with_indices",
            "lp_pool1d",
            "lp_pool2d",
        ),
        _pool,
    ),
    (
        (
            "interpolate",
            "upsample",
            "upsample_nearest",
            "upsample_bilinear",
            "pixel_shuffle",
            "pixel_unshuffle",
            "pad",
            "fold",
            "gather",
            "index_select",
            "take_along_dim",
            "masked_select",
            "nonzero",
            "topk",
            "kthvalue",
            "scatter",
            "scatter_add",
            "index_add",
            "index_put",
            "diagonal",
            "diag_embed",
            "narrow",
            "select",
            "take",
            "unique",
            "bucketize",
            "searchsorted",
        ),
        _positional,
    ),
    (("getitem",), _getitem),
    (("cat", "concat", "concatenate", "stack", "hstack", "vstack"), _cat),
    (("split", "chunk", "tensor_split", "split_with_sizes", "unbind"), _split),
    (("expand", "expand_as", "broadcast_to", "repeat", "tile", "repeat_interleave"), _expand),
    (("unfold",), _unfold),
    (("one_hot",), _one_hot),
    (("scaled_dot_product_attention",), _sdpa),
    (
        (
            "zeros_like",
            "ones_like",
            "empty_like",
            "rand_like",
            "randn_like",
            "full_like",
            "randint_like",
            "new_zeros",
            "new_ones",
            "new_full",
            "new_empty",
            "new_tensor",
            "get_grad",
        ),
        _constant,
    ),
]:
    for _n in _names:
        RULES[_n] = _rule


def apply_rule(
    tr: Tracer,
    func: Callable,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    """Dispatch one traced call to its rule (an op without one becomes a generic box)."""
    if func is F.unfold:
        rule: Rule | None = _im2col
    elif RULES.get(name) is _permute:
        kwargs = {**kwargs, "__func__": func}
        rule = _permute
    else:
        rule = RULES.get(name) or (_elementwise if name in ELEMENTWISE else None)
    if rule is None:
        tr.generic(name, ins, outs)
        return
    rule(tr, name, args, kwargs, ins, outs)


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
    """nn.RNN/GRU/LSTM and nn.MultiheadAttention: one learned block with its matmul cost."""
    if isinstance(module, nn.MultiheadAttention):
        _mha(tr, path, module, args, kwargs, ins, outs)
    else:
        _rnn(tr, path, module, args, ins, outs)


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
    tr.node(
        "block",
        type(m).__name__,
        ins,
        results,
        learned=True,
        flops=flops,
        inner_flops={"linear": flops},
        note=layers,
        path=path,
        scope=tr.atomic_scope(path, m),
    )


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

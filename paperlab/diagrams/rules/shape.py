"""Rules that move wires without computing: aliases, permutations, reshapes (split/merge), indexing, cat/split, expand, windows (unfold), one-hot, pooling positions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch

from paperlab.diagrams.ir import Axis, Tensor, box_flops

if TYPE_CHECKING:
    from paperlab.diagrams.tracer import Tracer

from paperlab.diagrams.rules._common import _arg, _base, _main, _prime
from paperlab.diagrams.rules.maps import _tuple


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


def _constant(
    tr: Tracer,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    ins: list[Tensor],
    outs: list[torch.Tensor],
) -> None:
    """``zeros_like`` and friends: the value does not depend on the input, so it is a constant."""

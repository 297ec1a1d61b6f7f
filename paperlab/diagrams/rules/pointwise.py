"""Elementwise ops (keep every wire), softmax (one axis normalised) and reductions (wires end)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch

from paperlab.diagrams.ir import Axis, Tensor, box_flops

if TYPE_CHECKING:
    from paperlab.diagrams.tracer import Tracer

from paperlab.diagrams.rules._common import _arg, _dims, _main, _num

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
    "arcsin",
    "arccos",
    "arctan",
    "arctan2",
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
    named = [tr.param_name(v) for v in consts if not tr.is_learned(v)]
    if learned and name not in _NORMS:  # a norm's affine weights shade the box; its label stays LN/BN
        label += " " + (tr.param_name(learned[0]) or "θ")
    elif len(ins) == 1 and name in ("add", "sub", "rsub", "mul", "div", "rdiv", "pow", "rpow"):
        scalars = [v for v in args[1:] if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if scalars and name in ("rsub", "rdiv", "rpow"):  # 1 − x is "1 − ·", not "− 1"
            label = f"{_num(scalars[0])} {label} ·"
        elif scalars:
            label += " " + _num(scalars[0])
        elif any(named) and name not in _NORMS:  # a registered buffer (a fixed mask or scale): say which
            label += " " + next(n for n in named if n)
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
    "linalg_norm": "‖·‖",
    "linalg_vector_norm": "‖·‖",
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
    off = 1 if name in ("norm", "vector_norm", "linalg_norm", "linalg_vector_norm") else 0
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

"""Per-op rules: how each torch op carries axis names forward (Abbott §2-3).

A rule gets the tracer, the op's arguments, the traced input tensors and the torch outputs,
and adds one or two boxes. Linear maps consume the last axis and emit a new one; einsum
takes names from its equation; softmax and elementwise ops keep the wires; reshapes split
and merge; convolution is a window reindex (h -> h', kh) followed by a learned map over
(c, kh, kw) -> c'. Anything else is a generic box (see :meth:`Tracer.generic`).

Layout: ``shape`` (wires moved, split, merged, indexed), ``pointwise`` (elementwise, softmax,
reductions), ``maps`` (learned maps, contractions, convolution), ``modules`` (modules drawn as one
box), ``message_passing`` (PyTorch Geometric layers); this file holds the op-name table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F

from paperlab.diagrams.ir import Tensor
from paperlab.diagrams.rules._common import Rule
from paperlab.diagrams.rules.maps import (
    _conv,
    _einsum,
    _embedding,
    _linear,
    _matmul,
    _pairwise,
    _sdpa,
    _solve,
)
from paperlab.diagrams.rules.modules import atomic_module
from paperlab.diagrams.rules.pointwise import _REDUCE_SYMBOL, ELEMENTWISE, _elementwise, _reduce, _softmax
from paperlab.diagrams.rules.shape import (
    _alias,
    _cat,
    _constant,
    _expand,
    _getitem,
    _im2col,
    _one_hot,
    _permute,
    _pool,
    _positional,
    _reshape,
    _split,
    _unfold,
)

if TYPE_CHECKING:
    from paperlab.diagrams.tracer import Tracer

__all__ = ["RULES", "ELEMENTWISE", "Rule", "apply_rule", "atomic_module"]

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
    (("linalg_solve", "solve"), _solve),
    (("cdist", "cosine_similarity"), _pairwise),
    (("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"), _conv),
    (("embedding", "embedding_bag"), _embedding),
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

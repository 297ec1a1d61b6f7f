"""paperlab.papers.neural_circuit_diagrams: the diagram-to-code pairs match torch, and the cost analysis."""

from __future__ import annotations

import pytest
import torch

from paperlab.papers import neural_circuit_diagrams as ncd

torch.set_num_threads(1)


def test_einsum_mha_equals_torch() -> None:
    assert ncd.mha_error(0) < 1e-5


def test_wrong_weight_copy_is_caught() -> None:
    """A stub: a transposed head layout must not pass the correspondence check."""
    torch.manual_seed(0)
    ours = ncd.MultiHeadAttention(64, 16, 4)
    ref = ncd.copy_into_torch_mha(ours)
    with torch.no_grad():
        ref.in_proj_weight.copy_(ref.in_proj_weight.view(3, 4, 16, 64).transpose(1, 2).reshape(192, 64))
    e = torch.randn(1, 5, 64)
    with torch.no_grad():
        assert (ours(e, e) - ref(e, e, e, need_weights=False)[0]).abs().max() > 1e-3


def test_torch_mha_needs_matching_sizes() -> None:
    with pytest.raises(ValueError, match="k·h == m"):
        ncd.copy_into_torch_mha(ncd.MultiHeadAttention(128, 16, 4))


def test_unfold_convolutions_equal_torch() -> None:
    errs = ncd.conv_errors(1)
    assert set(errs) == {"plain", "strided", "dilated", "transposed"}
    assert max(errs.values()) < 1e-5


def test_tiny_vit_shapes() -> None:
    model = ncd.TinyViT()
    assert model(torch.randn(3, 1, 8, 8)).shape == (3, 10)
    with pytest.raises(ValueError, match="heads"):
        ncd.TinyViT(d=30, heads=4)


def test_diagram_flops_equal_flop_counter() -> None:
    for name, ours, theirs in ncd.flop_table():
        assert ours == theirs, name


def test_attention_flops_grow_quadratically() -> None:
    s = ncd.attention_scaling([64, 128, 256], repeats=1)
    assert 1.5 < s.flop_slope < 2.0 and s.flops[-1] > 3 * s.flops[-2]
    with pytest.raises(ValueError, match="lengths"):
        ncd.attention_scaling([8])


def test_diagram_example() -> None:
    module, inputs, axes = ncd.diagram_example()
    assert module(*inputs).shape == (4, 10) and axes == ["b c H W"]

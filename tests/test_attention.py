"""The shared attention layers (paperlab.nn.attention) and their views (paperlab.viz.attention)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch

from paperlab.nn.attention import AdditiveAttention, MHSAPooling, StructuredSelfAttention, masked_softmax
from paperlab.viz.attention import attention_explorer, category_heatmap, token_heatmap

LAYERS = [
    (lambda d: AdditiveAttention(d), 1, lambda d: d, lambda d: d * d + 2 * d),
    (lambda d: StructuredSelfAttention(d, da=8, r=3), 3, lambda d: 3 * d, lambda d: 8 * d + 3 * 8),
    (lambda d: MHSAPooling(d, heads=4), 4, lambda d: d, lambda d: 4 * d * d),
]


@pytest.mark.parametrize("make, heads, out_dim, n_params", LAYERS)
def test_shapes_params_and_normalised_weights(make, heads, out_dim, n_params):
    torch.manual_seed(0)
    d = 16
    layer = make(d)
    h = torch.randn(2, 7, d)
    mask = torch.tensor([[True] * 7, [True] * 4 + [False] * 3])
    sentence, w = layer(h, mask)
    assert sentence.shape == (2, out_dim(d)) and w.shape == (2, heads, 7)
    assert sum(p.numel() for p in layer.parameters()) == n_params(d)
    torch.testing.assert_close(w.sum(-1), torch.ones(2, heads))
    assert torch.all(w[1, :, 4:] == 0)  # padding gets no weight


@pytest.mark.parametrize("make, heads, out_dim, n_params", LAYERS)
def test_padding_does_not_change_the_sentence(make, heads, out_dim, n_params):
    torch.manual_seed(0)
    layer = make(16)
    h = torch.randn(1, 4, 16)
    padded = torch.cat([h, 100 * torch.randn(1, 3, 16)], dim=1)
    mask = torch.tensor([[True] * 4 + [False] * 3])
    torch.testing.assert_close(layer(padded, mask)[0], layer(h, None)[0], atol=1e-5, rtol=1e-5)


def test_masked_softmax_and_lin_penalty():
    w = masked_softmax(torch.zeros(1, 4), torch.tensor([[True, True, False, False]]))
    torch.testing.assert_close(w, torch.tensor([[0.5, 0.5, 0.0, 0.0]]))
    orthogonal = torch.eye(3)[None]  # each head on its own token: A Aᵀ = I
    assert StructuredSelfAttention.penalty(orthogonal).item() == 0
    assert StructuredSelfAttention.penalty(torch.full((1, 3, 3), 1 / 3)).item() > 0


def test_bad_arguments_raise_value_error():
    with pytest.raises(ValueError, match="heads must divide d"):
        MHSAPooling(10, heads=4)
    with pytest.raises(ValueError, match="d must be a positive int"):
        AdditiveAttention(0)
    with pytest.raises(ValueError, match="weights must have shape"):
        token_heatmap(["a", "b"], np.ones((2, 3)))
    with pytest.raises(ValueError, match="examples"):
        attention_explorer([])


def test_views_draw():
    tokens = ["not", "very", "good"]
    ax = token_heatmap(tokens, np.array([[0.1, 0.2, 0.7], [0.3, 0.3, 0.4]]), emphasize=[0, 2])
    assert [t.get_text() for t in ax.get_xticklabels()] == tokens
    category_heatmap(np.array([[1.0, np.nan]]), ["x", "y"])
    box = attention_explorer([(tokens, np.ones((2, 3)) / 3, "one")])
    assert len(box.children) == 2

"""Mechanism tests for FAVOR+ (paperlab.nn.performer), the indicators and the Performer-BiLSTM module."""

import numpy as np
import pytest
import torch

from paperlab.data.sequences import synthetic_ohlcv
from paperlab.nn.performer import (
    MultiHeadAttention,
    favor_attention,
    orthogonal_gaussian,
    positive_features,
    softmax_attention,
)
from paperlab.papers import crypto_performer_bilstm as paper


def _qkv(L=64, d=16, scale=0.5, seed=0):
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(2, L, d, generator=g) * s for s in (scale, scale, 1.0))


def test_favor_converges_to_softmax_attention_as_features_grow():
    q, k, v = _qkv()
    errs = [paper.favor_error(q, k, v, m, seeds=3) for m in (16, 128, 1024)]
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 0.12 and errs[2] < errs[0] / 4  # roughly 1/sqrt(m)


def test_positive_features_are_positive_and_unbiased_for_the_softmax_kernel():
    torch.manual_seed(0)
    d, m = 8, 20000
    x, y = torch.randn(2, d, dtype=torch.float64) * 0.4
    omega = orthogonal_gaussian(m, d, generator=torch.Generator().manual_seed(1)).double()
    fx = torch.exp(x @ omega.T - (x**2).sum() / 2) / m**0.5
    fy = torch.exp(y @ omega.T - (y**2).sum() / 2) / m**0.5
    assert (fx > 0).all()
    assert float(fx @ fy) == pytest.approx(float(torch.exp(x @ y)), rel=0.03)
    feats = positive_features(torch.randn(3, 5, d), omega.float(), is_query=True)
    assert feats.shape == (3, 5, m) and (feats > 0).all()


def test_orthogonal_features_are_orthogonal_within_blocks():
    w = orthogonal_gaussian(8, 8, generator=torch.Generator().manual_seed(0))
    unit = w / w.norm(dim=1, keepdim=True)
    assert torch.allclose(unit @ unit.T, torch.eye(8), atol=1e-5)


def test_favor_cost_is_linear_state_independent_of_length():
    q, k, v = _qkv(L=300)
    omega = orthogonal_gaussian(32, 16)
    assert favor_attention(q, k, v, omega).shape == softmax_attention(q, k, v).shape == (2, 300, 16)


def test_attention_module_kinds_and_errors():
    x = torch.randn(2, 10, 16)
    for kind in ("favor", "softmax"):
        assert MultiHeadAttention(16, 4, kind=kind)(x).shape == x.shape
    with pytest.raises(ValueError, match="kind"):
        MultiHeadAttention(16, 4, kind="linear")
    with pytest.raises(ValueError, match="divisible"):
        MultiHeadAttention(15, 4)


def test_indicators_are_causal_and_in_range():
    bars = synthetic_ohlcv(300, seed=0)
    f = paper.indicator_features(bars)
    assert f.shape == (300, len(paper.FEATURES)) and np.isfinite(f).all()
    cut = {k: v[:200] for k, v in bars.items()}
    f_cut = paper.indicator_features(cut)
    assert np.allclose(
        f[:200, :-1], f_cut[:, :-1]
    )  # the past does not depend on the future (log volume is demeaned)
    assert not any("MACD" in name for name in paper.FEATURES)  # not among the paper's indicators
    r = paper.rsi(bars["close"])
    assert (r >= 0).all() and (r <= 100).all()
    assert np.allclose(paper.sma(np.arange(10.0), 3)[2:], np.arange(1.0, 9.0))


def test_windows_are_chronological_and_targets_are_next_returns():
    coins = paper.synthetic_coins(400, seed=0)
    data = paper.make_windows(coins, lookback=16)
    w = data.train
    r = np.log(w.next_close / w.close)
    assert np.allclose(w.y.numpy() * data.y_std, r, atol=1e-5)
    assert data.test.x.shape[1:] == (16, len(paper.FEATURES))
    persistence = paper.predict_close(None, data)
    assert np.allclose(persistence, data.test.close)


def test_models_forward():
    x = torch.randn(3, 32, len(paper.FEATURES))
    for m in (
        paper.PerformerBiLSTM(len(paper.FEATURES)),
        paper.SoftmaxTransformer(len(paper.FEATURES)),
        paper.LSTMRegressor(len(paper.FEATURES)),
    ):
        assert m(x).shape == (3,)


def test_orthogonal_features_beat_iid_features_and_too_few_features():
    q, k, v = _qkv(L=64)
    ortho = paper.favor_error(q, k, v, 256, seeds=4)
    iid = paper.favor_error(q, k, v, 256, seeds=4, orthogonal=False)
    few = paper.favor_error(q, k, v, 8, seeds=4)
    assert ortho < few / 3
    assert ortho < iid / 1.5  # orthogonal directions: lower variance (Performer paper, Thm. 2)


def test_claim_controls_fail_clauses_persistence_and_few_features():
    """Persistence fails the beats-persistence clause by construction; m = 8 features fail the FAVOR+ clause."""
    claim = paper.CLAIM
    assert claim.clause("rmse_vs_persistence").holds(1.0) is False
    q, k, v = _qkv(L=64, scale=0.3)
    assert not claim.clause("favor_err").holds(paper.favor_error(q, k, v, 8))
    assert claim.clause("favor_err").holds(paper.favor_error(q, k, v, 256))

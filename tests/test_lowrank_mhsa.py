"""LAMA (paperlab.papers.lowrank_mhsa) and its task (paperlab.data.text)."""

import pytest
import torch

import paperlab
from paperlab.data.text import ROLES, VOCAB, sentiment_negation
from paperlab.papers import lowrank_mhsa as lama


def test_lama_heads_share_u_and_v():
    """f_i = Pᵀ(tanh(Uᵀh_i) ∘ tanh(Vᵀc)): the heads differ only by a column of P."""
    torch.manual_seed(0)
    layer = lama.LowRankMultiHeadAttention(d=8, heads=3, rank=5)
    h = torch.randn(2, 6, 8)
    shared = torch.tanh(h @ layer.u.weight.T) * torch.tanh(layer.v.weight @ layer.context)  # (2, 6, r)
    torch.testing.assert_close(layer.scores(h), shared @ layer.p.weight.T)
    sentence, a = layer(h, torch.ones(2, 6, dtype=torch.bool))
    torch.testing.assert_close(sentence.view(2, 3, 8), a @ h)  # M = Aᵀ H
    assert lama.n_params(layer) == 2 * 8 * 5 + 5 * 3 + 8


@pytest.mark.parametrize("kind", lama.MODELS)
def test_param_formula_matches_layers(kind):
    for d, heads, rank in [(16, 4, 4), (64, 4, 16)]:
        layer = lama.build_attention(kind, d, heads, rank)
        assert lama.n_params(layer) == lama.attention_param_formula(kind, d, heads, rank)


def test_paper_size_ratio():
    """d = 128, r = 32, m = 4: 8,448 LAMA parameters against 65,536 for the Transformer layer."""
    assert lama.attention_param_formula("lama", 128, 4, 32) == 8448
    assert lama.attention_param_formula("mhsa", 128, 4, 32) == 65536


def test_encoder_reads_each_sentence_backwards_from_its_last_word():
    torch.manual_seed(0)
    enc = lama.BiGRUEncoder(vocab_size=10, emb=5, hidden=4)
    x = torch.tensor([[3, 4, 5, 0, 0], [1, 2, 3, 4, 5]])
    h = enc(x)
    for b, n in enumerate([3, 5]):
        e = enc.embed(x[b : b + 1, :n])
        fwd, _ = enc.forward_gru(e)
        bwd, _ = enc.backward_gru(e.flip(1))
        torch.testing.assert_close(h[b, :n], torch.cat([fwd, bwd.flip(1)], -1)[0])
        assert torch.all(h[b, n:] == 0)


def test_data_is_deterministic_and_labels_follow_the_rule():
    a, b = sentiment_negation(50, 10, seed=3), sentiment_negation(50, 10, seed=3)
    assert torch.equal(a.train.x, b.train.x) and torch.equal(a.test.y, b.test.y)
    assert not torch.equal(a.train.x, sentiment_negation(50, 10, seed=4).train.x)
    assert 20 <= int(a.train.lengths.min()) and int(a.train.lengths.max()) <= 40
    sign = {w: 1 for w in VOCAB[1:5]} | {w: -1 for w in VOCAB[5:9]}
    for i in range(50):  # recompute every label from the words and their roles
        words, roles = a.tokens(a.train, i), [ROLES[r] for r in a.train.roles[i].tolist()]
        total, factor = 0, 1
        for w, r in zip(words, roles[: len(words)], strict=True):
            if r == "negator":
                factor *= -1
            elif r == "intensifier":
                factor *= 2
            elif r in ("positive", "negative"):
                total, factor = total + sign[w] * factor, 1
        assert int(a.train.y[i]) == int(total > 0)


def test_bad_arguments_raise_value_error():
    with pytest.raises(ValueError, match="kind must be one of"):
        lama.build_attention("bert", 8, 2, 2)
    with pytest.raises(ValueError, match="rank must be a positive int"):
        lama.LowRankMultiHeadAttention(8, 2, 0)
    with pytest.raises(ValueError, match="min_len"):
        sentiment_negation(min_len=5)


class _UniformScores(lama.LowRankMultiHeadAttention):
    """The stub: LAMA with its scores f_i replaced by zeros, i.e. uniform attention (mean pooling)."""

    def scores(self, h: torch.Tensor) -> torch.Tensor:
        return torch.zeros(*h.shape[:2], self.heads)


def test_stub_with_uniform_attention_fails_the_claim_check():
    """Fast-mode sizes and seed 0, as in the notebook. Mean pooling over the BiGRU is a strong baseline
    (0.959 here), but it stays more than 2 points below MHSA (0.997) and puts no focus on the phrases."""
    cfg = paperlab.setup(seed=0, mode="fast", threads=1, verbose=False)
    data = sentiment_negation(seed=0)
    sz = lama.sizes(cfg)
    mhsa = lama.run_comparison(data, sz, ("mhsa",), seed=0)["mhsa"]
    torch.manual_seed(0)
    model = lama.build_model(
        "lama", len(data.vocab), emb=sz.emb, hidden=sz.hidden, heads=sz.heads, rank=sz.rank
    )
    model.attention = _UniformScores(sz.d, sz.heads, sz.rank)
    stub = lama.train_model(model, data, sz, seed=0)
    claim = lama.claim_check(stub, mhsa.model, mhsa.test_acc, data.test)
    print(claim)
    assert not claim.passed["matches MHSA: acc(LAMA) >= acc(MHSA) - 0.02"]
    assert not claim.passed["interpretable: >= 40% of attention on sentiment phrases"]
    assert claim.focus < 0.2  # uniform: the phrases' share of the sentence

"""Mechanism tests for paperlab.nn.rnn, the sequence tasks and the RNN review module."""

import pytest
import torch

from paperlab.data.sequences import first_symbol_recall, future_token_tagging
from paperlab.nn.rnn import SequenceClassifier, gradient_vs_lag, lstm_gates, make_rnn, set_forget_bias
from paperlab.papers import rnn_lstm_brnn_review as paper


def test_lstm_gates_reproduce_torch_lstm():
    torch.manual_seed(0)
    lstm = make_rnn("lstm", 5, 7)
    x = torch.randn(12, 5)
    gates = lstm_gates(lstm, x)
    ref = lstm(x[None])[0][0]
    assert torch.allclose(gates["h"], ref, atol=1e-5)
    assert set(gates) == set("ifgoch")
    assert ((gates["f"] > 0) & (gates["f"] < 1)).all()


def test_forget_bias_sets_only_the_forget_slice():
    lstm = make_rnn("lstm", 3, 4)
    set_forget_bias(lstm, 5.0)
    assert torch.all(lstm.bias_ih_l0[4:8] == 5.0) and torch.all(lstm.bias_hh_l0[4:8] == 0.0)
    assert not torch.all(lstm.bias_ih_l0[:4] == 5.0)
    with pytest.raises(ValueError, match="lstm"):
        set_forget_bias(make_rnn("gru", 3, 4), 1.0)


def test_recall_task_labels_are_the_first_token():
    x, y = first_symbol_recall(50, 10, k=4, seed=1)
    assert x.shape == (50, 11) and torch.equal(x[:, 0], y)
    assert (x[:, 1:] >= 4).all() and (x[:, 1:] < 8).all()


def test_future_tagging_labels_look_ahead():
    x, y = future_token_tagging(5, 9, k=3, lookahead=2, seed=0)
    assert torch.equal(y[:, :-2], x[:, 2:]) and (y[:, -2:] == -100).all()
    with pytest.raises(ValueError, match="T"):
        future_token_tagging(5, 2, lookahead=2)


def test_bidirectional_output_at_t_depends_on_the_future_unidirectional_does_not():
    torch.manual_seed(0)
    for bi in (False, True):
        m = SequenceClassifier("lstm", 4, 8, 4, bidirectional=bi, per_step=True)
        x = torch.randint(0, 4, (1, 10))
        x2 = x.clone()
        x2[0, 7] = (x2[0, 7] + 1) % 4  # change a future token
        changed = not torch.allclose(m(x)[0, 3], m(x2)[0, 3])
        assert changed == bi


def test_vanilla_rnn_gradient_vanishes_lstm_with_forget_bias_does_not():
    prof = paper.gradient_profiles(60, seed=0, n=16)
    rnn, lstm5 = prof["vanilla RNN"], prof["LSTM, forget bias 5"]
    assert rnn.shape == (61,)
    assert rnn[60] / rnn[0] < 1e-6
    assert lstm5[60] / lstm5[0] > 0.1


def test_gradient_vs_lag_validates_input():
    m = paper.memory_model("rnn")
    with pytest.raises(ValueError, match="x"):
        gradient_vs_lag(m, torch.zeros(3, dtype=torch.long))


def test_bad_cell_name():
    with pytest.raises(ValueError, match="cell"):
        make_rnn("transformer", 3, 4)


def test_float64_norm_removes_the_false_floor():
    # float32 norms square entries ~1e-24 to 0; gradient_vs_lag takes the norm in float64 by default
    x, _ = first_symbol_recall(16, 100, k=4, seed=0)
    torch.manual_seed(0)
    f32 = gradient_vs_lag(paper.memory_model("rnn"), x, seed=0, norm_dtype=torch.float32)
    torch.manual_seed(0)
    f64 = paper.gradient_vs_lag(paper.memory_model("rnn"), x, seed=0)
    assert (f32[80:] == 0).all() and (f64[80:] > 0).all()
    assert abs(f64[10] / f32[10] - 1) < 1e-4


def test_gradient_clause_separates_lstm_from_its_controls():
    prof = paper.gradient_profiles(80, seed=0, n=16)
    clause = paper.CLAIM.clause("log10_grad_lag60")
    assert clause.holds(paper.log10_ratio(prof["LSTM, forget bias 5"]))
    assert not clause.holds(paper.log10_ratio(prof["vanilla RNN"]))
    assert not clause.holds(paper.log10_ratio(prof["LSTM, forget bias 1"]))


def test_causal_tag_is_sanity_and_rows_cover_every_clause():
    assert paper.CLAIM.clause("causal_tag").kind == "sanity"
    assert set(paper.ROWS) == {"ours", "vanilla RNN", "LSTM, forget bias 1", "unidirectional LSTM"}
    for mem, tag, causal in paper.ROWS.values():
        assert mem in paper.MEMORY_MODELS and tag in paper.TAGGERS and causal in paper.TAGGERS
        assert not paper.TAGGERS[causal][1]  # the causal tagger is left-to-right

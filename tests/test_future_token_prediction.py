"""Mechanism tests for Future Token Prediction and the topic-switching language."""

import pytest
import torch

from paperlab.data.sequences import topic_language
from paperlab.papers import future_token_prediction as paper


def test_topic_language_switches_topics_and_uses_topic_vocabularies():
    tok, top = topic_language(20000, seed=0)
    switches = (top[1:] != top[:-1]).float().mean().item()
    assert 1 / 80 < switches < 1 / 30  # mean run about 50 tokens
    used = {int(t) for t in tok[top == 0]}
    assert len(used) <= 40  # topic 0 speaks only its own 40 tokens


def test_chunks_targets_are_the_next_n_tokens():
    tok = torch.arange(200)
    x, fut, _ = paper.make_chunks(tok, tok, T=16, n_future=3)
    assert torch.equal(fut[0, 5], torch.tensor([6, 7, 8]))
    assert torch.equal(x[1, :3], torch.tensor([16, 17, 18]))


def test_encoder_is_causal():
    torch.manual_seed(0)
    for model in (paper.GPT(30, d=16, layers=1, heads=2), paper.FTP(30, d=16, layers=1, heads=2, n_future=3)):
        model.eval()
        x = torch.randint(0, 30, (1, 10))
        x2 = x.clone()
        x2[0, 7] = (x2[0, 7] + 1) % 30
        with torch.no_grad():
            a, b = model(x), model(x2)
        assert torch.allclose(a[0, :7], b[0, :7], atol=1e-5) and not torch.allclose(a[0, 7], b[0, 7])


def test_ftp_decoder_predicts_n_tokens_from_a_pseudo_sequence_and_is_teacher_forced_causally():
    torch.manual_seed(0)
    m = paper.FTP(30, d=16, layers=1, heads=2, n_future=4, pseudo_len=3)
    m.eval()
    x = torch.randint(0, 30, (2, 6))
    fut = torch.randint(0, 30, (2, 6, 4))
    with torch.no_grad():
        logits = m.future_logits(x, fut)
        assert logits.shape == (2, 6, 4, 30)
        fut2 = fut.clone()
        fut2[..., 2] = (
            fut2[..., 2] + 1
        ) % 30  # changing future token 3 cannot change predictions of tokens 1-3
        logits2 = m.future_logits(x, fut2)
        assert torch.allclose(logits[..., :3, :], logits2[..., :3, :], atol=1e-5)
        assert not torch.allclose(logits[..., 3, :], logits2[..., 3, :])
        assert torch.allclose(m(x), logits[..., 0, :], atol=1e-5)  # next-token path = decoder step 1
    assert m.expand.out_features == 3 * 16


def test_loss_weights_decay_with_distance():
    torch.manual_seed(0)
    m = paper.FTP(30, d=16, layers=1, heads=2, n_future=3)
    x = torch.randint(0, 30, (2, 5))
    fut = torch.randint(0, 30, (2, 5, 3))
    loss, extra = paper.ftp_loss(m, (x, fut), gamma=1e-6)
    assert loss.item() == pytest.approx(extra["next_ce"], rel=1e-4)  # gamma -> 0: only the next token counts


def test_adjacent_cosine_of_constant_vectors_is_one():
    h = torch.ones(2, 5, 4)
    assert paper.adjacent_cosine(h) == pytest.approx(1.0)


def test_planned_language_fillers_are_topic_free_and_every_phrase_ends_in_a_topic_word():
    tok, top = paper.planned_language(4000, seed=0)
    words, fillers = tok[3::4], tok.reshape(-1, 4)[:, :3]
    assert bool((words >= 16).all()) and bool((fillers < 16).all())
    assert torch.equal((words - 16) // 4, top[3::4])  # the topic word names the topic
    switches = (top[1:] != top[:-1]).float().mean().item()
    assert 1 / 80 < switches < 1 / 30  # mean run about 48 tokens
    with pytest.raises(ValueError):
        paper.planned_language(2, period=4)


def test_topic_probe_masks_select_positions():
    torch.manual_seed(0)
    z = torch.randint(0, 2, (20, 12))
    h = torch.randn(20, 12, 4)
    h[..., 0] += 3 * z  # topic readable from dim 0
    mask = torch.zeros(20, 12, dtype=torch.bool)
    mask[:, ::2] = True
    acc = paper.topic_probe(h, z, h, z, skip=2, mask_train=mask, mask_test=mask)
    assert acc > 0.9


def test_a_gpt_copy_renamed_ftp_fails_the_claim():
    gpt = {
        "next-token loss": 1.3,
        "adjacent cosine": 0.1,
        "topic probe": 0.8,
        "topic probe (topic-free next)": 0.7,
    }
    rows = paper.claim_rows({"ours": dict(gpt), "GPT": gpt})
    table = paper.CLAIM.check(rows)
    assert table.ours_failures() == ["adjacent_cos_gain", "probe_gain"]
    assert table.control_evidence_failures("GPT") == ["adjacent_cos_gain", "probe_gain"]
    assert not table.holds

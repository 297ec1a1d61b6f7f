"""Mechanism tests for paperlab.papers.binary_paragraph_vectors."""

import numpy as np
import pytest
import torch

from paperlab.papers import binary_paragraph_vectors as bp


def test_binary_codes_are_bits_with_straight_through_gradient():
    torch.manual_seed(0)
    m = bp.BinaryPVDBOW(n_docs=5, vocab=20, bits=8)
    docs = torch.arange(5)
    c = m.code(docs)
    assert set(c.detach().unique().tolist()) <= {0.0, 1.0}
    m(docs).sum().backward()
    assert m.doc.weight.grad.abs().sum() > 0  # rounding did not block the gradient
    assert m.codes().shape == (5, 8) and m.codes().dtype == np.uint8


def test_hamming_map_on_planted_codes():
    labels = np.repeat([0, 1, 2], 10)
    rows = np.array([[0] * 12, [1] * 12, [1] * 6 + [0] * 6], dtype=np.uint8)
    perfect = np.repeat(rows, 10, axis=0)
    assert bp.hamming_map(perfect, labels) == pytest.approx(1.0)
    rand = np.random.default_rng(0).integers(0, 2, size=(30, 12)).astype(np.uint8)
    assert bp.hamming_map(rand, labels) < 0.6
    p, r = bp.precision_recall(perfect, labels)
    assert p[0] == pytest.approx(1.0) and r[0] == pytest.approx(1.0) and r[-1] == pytest.approx(1.0)


def test_sense_probabilities_and_loss():
    torch.manual_seed(1)
    s = bp.sense_corpus(n_sentences=50, seed=0)
    assert set(np.unique(s.senses)) <= {-1, 0, 1}
    assert (s.senses[np.isin(s.centres.numpy(), s.ambiguous)] >= 0).all()
    m = bp.DisambiguatedSkipGram(s.vocab, dim=8, senses=2)
    p = m.sense_probs(s.centres[:10], s.contexts[:10])
    torch.testing.assert_close(p.sum(1), torch.ones(10))
    loss = m.loss(s.centres[:10], s.contexts[:10])
    loss.backward()
    assert m.disamb.grad.abs().sum() > 0 and m.sense.grad.abs().sum() > 0


def test_lsh_and_bad_arguments():
    c = bp.topic_corpus(n_docs=40, vocab=50, seed=0)
    assert bp.lsh_codes(c, bits=16).shape == (40, 16)
    with pytest.raises(ValueError, match="bits"):
        bp.BinaryPVDBOW(3, 10, bits=0)
    with pytest.raises(ValueError, match="senses"):
        bp.DisambiguatedSkipGram(10, senses=0)
    with pytest.raises(ValueError, match="topic_share"):
        bp.topic_corpus(topic_share=0)
    with pytest.raises(ValueError, match="noise"):
        bp.sense_corpus(noise=1.0)


def test_semantic_hashing_codes_are_bits_and_noise_only_in_training():
    torch.manual_seed(0)
    c = bp.topic_corpus(n_docs=30, vocab=40, seed=0)
    counts = torch.tensor(bp.word_counts(c), dtype=torch.float32)
    m = bp.SemanticHashing(c.vocab, bits=8, hidden=16, noise=4.0)
    codes = m.codes(counts)
    assert codes.shape == (30, 8) and set(np.unique(codes)) <= {0, 1}
    assert m.training  # codes() restores the mode
    m.eval()
    torch.testing.assert_close(m.code(counts), m.code(counts))  # no noise at evaluation
    m.train()
    assert not torch.allclose(m.code(counts), m.code(counts))
    with pytest.raises(ValueError, match="noise"):
        bp.SemanticHashing(10, noise=-1.0)


def test_pca_sign_control_fails_the_map_evidence_clause():
    corpus = bp.topic_corpus(n_docs=1500, n_topics=10, vocab=500, seed=0)
    pca = bp.hamming_map(bp.pca_sign_codes(corpus, bits=32), corpus.topics)
    lsh = bp.hamming_map(bp.lsh_codes(corpus, bits=32, seed=0), corpus.topics)
    rows = bp.claim_rows({"ours": pca, "LSH on TF-IDF": lsh, "semantic hashing": 1.0})
    assert not bp.CLAIM.clause("map").holds(rows["ours"]["map"])  # no learning: below the evidence bar
    assert rows["semantic hashing"]["gain_over_semantic_hashing"] == 0.0
    assert not bp.CLAIM.clause("gain_over_semantic_hashing").holds(0.0)

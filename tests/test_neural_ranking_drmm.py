import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.metrics import ndcg_score

from paperlab.papers import neural_ranking_drmm as nr


@pytest.fixture(scope="module")
def corpus():
    return nr.ranking_corpus(n_topics=6, n_docs=200, background=50, topic_words=8, dim=8, seed=0)


def _tiny(corpus, docs: list[list[int]]):
    """A copy of ``corpus`` whose documents are the given token-id lists."""
    rows = [d for d, toks in enumerate(docs) for _ in toks]
    cols = [t for toks in docs for t in toks]
    counts = sp.csr_matrix(
        (np.ones(len(rows), np.float32), (rows, cols)), shape=(len(docs), len(corpus.vocab))
    )
    counts.sum_duplicates()
    c = nr.Corpus(**{**corpus.__dict__, "counts": counts})
    return c


def test_bins_put_exact_matches_in_the_last_bin_and_split_minus_one_to_one_evenly():
    sim = np.array([-1.0, -0.999, 0.0, 0.999, 1.0, 1.0])
    exact = np.array([False, False, False, False, False, True])
    b = nr.bin_index(sim, exact)
    assert b[-1] == nr.N_BINS - 1  # only a true exact match reaches the exact-match bin
    assert b[-2] == nr.N_BINS - 2  # sim = 1 without the same token stays in the top cosine bin
    assert b[0] == b[1] == 0
    assert b[2] == (nr.N_BINS - 1) // 2


def test_matching_histogram_counts_every_token_once_per_term(corpus):
    q = corpus.queries[0][:2]
    doc = [q[0], q[0], q[1], 3, 4, 5, 6]
    c = _tiny(corpus, [doc])
    lch = nr.matching_histograms(c, q)  # (1, MAX_TERMS, N_BINS)
    counts = np.expm1(lch[0])
    np.testing.assert_allclose(counts[:2].sum(-1), len(doc), atol=1e-4)  # each term sees all tokens
    np.testing.assert_allclose(counts[0, -1], 2, atol=1e-5)  # q0 occurs twice: exact-match bin
    np.testing.assert_allclose(counts[1, -1], 1, atol=1e-5)
    assert counts[2:].sum() == 0  # padding terms are empty
    # the histogram of term i is the bin count of cos(q_i, d_j) over the document's tokens
    sims = corpus.emb[q[0]] @ corpus.emb[doc].T
    want = np.bincount(nr.bin_index(sims, np.array(doc) == q[0]), minlength=nr.N_BINS)
    np.testing.assert_allclose(counts[0], want, atol=1e-4)


def test_drmm_ablations_and_gating(corpus):
    torch.manual_seed(0)
    m = nr.DRMM()
    hist = torch.rand(4, nr.MAX_TERMS, nr.N_BINS)
    idf = torch.rand(4, nr.MAX_TERMS)
    mask = torch.tensor([[True, True, False, False]] * 4)
    s = m(hist, idf, mask)
    # padding terms do not change the score
    hist2 = hist.clone()
    hist2[:, 2:] = 99
    torch.testing.assert_close(m(hist2, idf, mask), s)
    # without the exact-match bin the last bin is ignored
    m.exact_match = False
    hist3 = hist.clone()
    hist3[..., -1] += 5
    torch.testing.assert_close(m(hist3, idf, mask), m(hist, idf, mask))
    # without gating the score is the plain mean of the term scores
    m.exact_match, m.idf_gating = True, False
    z = m.ffn(hist).squeeze(-1)[:, :2]
    torch.testing.assert_close(m(hist, idf, mask), z.mean(-1))


def test_knrm_exact_kernel_counts_exact_matches(corpus):
    q = corpus.queries[0][:1]
    c = _tiny(corpus, [[q[0]] * 3 + [1, 2]])
    k = nr.kernel_soft_tf(c, q)
    np.testing.assert_allclose(k[0, 0, -1], 3, atol=1e-3)


def test_evaluate_uses_sklearn_ndcg_and_bm25_ranks_exact_matches_first(corpus):
    grades = np.array([[2, 1, 0, 0]])
    scores = np.array([[0.9, 0.1, 0.5, 0.0]])
    assert nr.evaluate(grades, scores)["nDCG@10"] == pytest.approx(ndcg_score(grades, scores, k=10))
    s = nr.bm25_scores(corpus, np.array([0]))[0]
    q = corpus.queries[0]
    has = np.asarray((corpus.counts[:, q] > 0).sum(1)).ravel()
    assert s[has == 0].max() <= s[has > 0].min() + 1e-9


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="kind"):
        nr.train_interaction(None, "arc-ii")
    with pytest.raises(ValueError, match="n_topics"):
        nr.ranking_corpus(n_topics=2)

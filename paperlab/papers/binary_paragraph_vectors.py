"""Vector representations of text data in deep learning (Grzegorczyk, dissertation 2019, arXiv
1901.01695), whose two models are Binary Paragraph Vectors (Grzegorczyk & Kurdziel, 2017) and the
Disambiguated Skip-gram (Grzegorczyk & Kurdziel).

Part 1, **Binary PV-DBOW**: every document ``d`` has a real vector ``e_d``; its code is
``b_d = round(sigmoid(e_d))`` in {0,1}^B, and the code alone must predict the document's words,
``p(w | d) = softmax(U b_d + c)_w``. Rounding has no gradient, so training uses the straight-through
estimator (forward: the rounded bits; backward: the gradient of the sigmoid). Retrieval then ranks
documents by Hamming distance between codes. Baselines: real-valued PV-DBOW followed by ``sign``, and
random-hyperplane LSH on TF-IDF vectors. (The papers use hierarchical softmax or negative sampling;
with a 500-word vocabulary the exact softmax is affordable and used here.)

Part 2, **Disambiguated Skip-gram**: every word has ``K`` sense vectors ``s_{w,k}`` and a
disambiguation network ``p(k | w, context) = softmax_k(g_{w,k} . mean_{c in context} v_c)``. The loss
is the skip-gram loss of each sense, weighted by its probability (an expectation, so differentiable):
``L = -sum_k p(k | w, ctx) sum_{c in ctx} log softmax(O s_{w,k})_c``, minus a small entropy bonus on
the sense prior of each word to keep all senses in use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from paperlab.config import seed_everything
from paperlab.train import batches, fit


# 1. models ----------------------------------------------------------------------------------------
class BinaryPVDBOW(nn.Module):
    """Document code layer (sigmoid, straight-through rounding) -> softmax over the vocabulary."""

    def __init__(self, n_docs: int, vocab: int, bits: int = 32, binary: bool = True) -> None:
        super().__init__()
        if bits < 1:
            raise ValueError(f"bits must be >= 1; got {bits}")
        self.binary = binary
        self.doc = nn.Embedding(n_docs, bits)
        nn.init.normal_(self.doc.weight, std=0.1)
        self.out = nn.Linear(bits, vocab)

    def code(self, docs: torch.Tensor) -> torch.Tensor:
        """``(batch, bits)``: rounded sigmoid bits (straight-through) or the real vectors."""
        e = self.doc(docs)
        if not self.binary:
            return e
        s = torch.sigmoid(e)
        return s + (torch.round(s) - s).detach()

    def forward(self, docs: torch.Tensor) -> torch.Tensor:
        return self.out(self.code(docs))  # word logits (batch, vocab)

    @torch.no_grad()
    def codes(self) -> np.ndarray:
        """Binary codes of all documents ``(n_docs, bits)`` in {0, 1} (real PV: sign of centred vectors)."""
        e = self.doc.weight
        if self.binary:
            return (torch.sigmoid(e) > 0.5).numpy().astype(np.uint8)
        return (e - e.mean(0) > 0).numpy().astype(np.uint8)


class DisambiguatedSkipGram(nn.Module):
    """``K`` sense vectors per word, a disambiguation network over the context, softmax output layer."""

    def __init__(self, vocab: int, dim: int = 32, senses: int = 2) -> None:
        super().__init__()
        if senses < 1:
            raise ValueError(f"senses must be >= 1; got {senses}")
        self.senses = senses
        self.sense = nn.Parameter(0.1 * torch.randn(vocab, senses, dim))  # s_{w,k}
        self.disamb = nn.Parameter(0.1 * torch.randn(vocab, senses, dim))  # g_{w,k}
        self.ctx = nn.Embedding(vocab, dim)  # v_c, input to the disambiguation network
        self.out = nn.Linear(dim, vocab)  # O, the skip-gram output layer

    def sense_probs(self, words: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        """``p(k | w, context)``: ``words`` (batch,), ``context`` (batch, c) -> (batch, senses)."""
        c = self.ctx(context).mean(1)  # (batch, dim)
        return torch.softmax(torch.einsum("bkd,bd->bk", self.disamb[words], c), dim=-1)

    def loss(self, words: torch.Tensor, context: torch.Tensor, entropy: float = 0.1) -> torch.Tensor:
        """Expected skip-gram loss over senses (the differentiable objective), minus an entropy bonus."""
        p = self.sense_probs(words, context)  # (batch, K)
        logp = torch.log_softmax(self.out(self.sense[words]), dim=-1)  # (batch, K, vocab)
        nll = -logp.gather(2, context.unsqueeze(1).expand(-1, self.senses, -1)).sum(-1)  # (batch, K)
        prior = p.mean(0)
        return (p * nll).sum(1).mean() + entropy * (prior * prior.clamp_min(1e-9).log()).sum()

    def forward(self, words: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        return self.sense_probs(words, context)


# 2. data ------------------------------------------------------------------------------------------
@dataclass
class TopicCorpus:
    docs: list[np.ndarray]  # word ids per document
    topics: np.ndarray  # (n_docs,)
    vocab: int


def topic_corpus(
    n_docs: int = 1500,
    n_topics: int = 10,
    vocab: int = 500,
    length: int = 60,
    topic_share: float = 0.35,
    seed: int = 0,
) -> TopicCorpus:
    """Documents drawn from ``n_topics`` sparse topic-word distributions mixed with a shared Zipfian
    background (``topic_share`` of each document's words come from its topic)."""
    if not 0 < topic_share <= 1:
        raise ValueError(f"topic_share must be in (0, 1]; got {topic_share}")
    rng = np.random.default_rng(seed)
    background = 1.0 / np.arange(1, vocab + 1)
    background /= background.sum()
    topic_words = rng.dirichlet(np.full(vocab, 0.05), size=n_topics)
    topics = rng.integers(0, n_topics, size=n_docs)
    docs = []
    for t in topics:
        from_topic = rng.random(length) < topic_share
        w = np.where(
            from_topic,
            rng.choice(vocab, size=length, p=topic_words[t]),
            rng.choice(vocab, size=length, p=background),
        )
        docs.append(w)
    return TopicCorpus(docs, topics, vocab)


@dataclass
class SenseCorpus:
    centres: torch.Tensor  # (n,) word ids
    contexts: torch.Tensor  # (n, 2 * window)
    senses: np.ndarray  # (n,) true sense (topic) of each centre occurrence, -1 for unambiguous words
    ambiguous: list[int]
    vocab: int


def sense_corpus(
    n_sentences: int = 2000,
    n_topics: int = 4,
    words_per_topic: int = 25,
    n_ambiguous: int = 4,
    length: int = 9,
    window: int = 2,
    noise: float = 0.3,
    seed: int = 0,
) -> SenseCorpus:
    """Sentences on one topic each; ``n_ambiguous`` planted words are shared by two topics, so their
    sense is the topic of the sentence they occur in. A fraction ``noise`` of the words is replaced by
    words of any topic, so a context only hints at the topic. Returns (centre, context window) pairs."""
    if not 0 <= noise < 1:
        raise ValueError(f"noise must be in [0, 1); got {noise}")
    rng = np.random.default_rng(seed)
    vocab = n_topics * words_per_topic + n_ambiguous
    amb = list(range(n_topics * words_per_topic, vocab))
    homes = {a: rng.choice(n_topics, size=2, replace=False) for a in amb}
    centres, contexts, senses = [], [], []
    for _ in range(n_sentences):
        t = rng.integers(n_topics)
        sent = t * words_per_topic + rng.integers(0, words_per_topic, size=length)
        sent = list(
            np.where(
                rng.random(length) < noise, rng.integers(0, n_topics * words_per_topic, size=length), sent
            )
        )
        for a in amb:
            if t in homes[a] and rng.random() < 0.5:
                sent[rng.integers(window, length - window)] = a
        for i in range(window, length - window):
            centres.append(sent[i])
            contexts.append(sent[i - window : i] + sent[i + 1 : i + 1 + window])
            senses.append(int(np.flatnonzero(homes[sent[i]] == t)[0]) if sent[i] in homes else -1)
    return SenseCorpus(torch.tensor(centres), torch.tensor(contexts), np.array(senses), amb, vocab)


# 3. experiments -----------------------------------------------------------------------------------
def train_pv(
    corpus: TopicCorpus, *, bits: int = 32, binary: bool = True, epochs: int = 6, seed: int = 0
) -> BinaryPVDBOW:
    """Train (Binary) PV-DBOW on all (document, word) pairs with Adam."""
    seed_everything(seed)
    d = torch.tensor(np.repeat(np.arange(len(corpus.docs)), [len(w) for w in corpus.docs]))
    w = torch.tensor(np.concatenate(corpus.docs))
    model = BinaryPVDBOW(len(corpus.docs), corpus.vocab, bits, binary)
    fit(
        model,
        lambda m, b: F.cross_entropy(m(b[0]), b[1]),
        batches(d, w, batch_size=512, seed=seed),
        epochs=epochs,
        lr=1e-2,
        desc="PV-DBOW",
    )
    return model


def lsh_codes(corpus: TopicCorpus, bits: int = 32, seed: int = 0) -> np.ndarray:
    """Random-hyperplane LSH (sign of random projections) of the TF-IDF vectors: ``(n_docs, bits)``."""
    from sklearn.feature_extraction.text import TfidfTransformer

    counts = np.zeros((len(corpus.docs), corpus.vocab))
    for i, w in enumerate(corpus.docs):
        np.add.at(counts[i], w, 1)
    tfidf = TfidfTransformer().fit_transform(counts).toarray()
    planes = np.random.default_rng(seed).normal(size=(corpus.vocab, bits))
    return (tfidf @ planes > 0).astype(np.uint8)


def hamming_map(codes: np.ndarray, labels: np.ndarray) -> float:
    """Mean average precision of Hamming-distance ranking, every document a query against all others
    (relevant = same label). Ties are broken by document index."""
    c = codes.astype(np.int32)
    dist = (c[:, None, :] != c[None, :, :]).sum(-1)
    n = len(c)
    aps = []
    for q in range(n):
        order = np.argsort(dist[q], kind="stable")
        order = order[order != q]
        rel = labels[order] == labels[q]
        if rel.any():
            hits = np.cumsum(rel)
            aps.append(float((hits[rel] / (np.flatnonzero(rel) + 1)).mean()))
    return float(np.mean(aps))


def precision_recall(codes: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean precision and recall over queries when retrieving every document within Hamming radius
    ``r``, for ``r = 0 .. bits`` (the query itself excluded)."""
    c = codes.astype(np.int32)
    dist = (c[:, None, :] != c[None, :, :]).sum(-1)
    np.fill_diagonal(dist, c.shape[1] + 1)
    same = labels[:, None] == labels[None, :]
    np.fill_diagonal(same, False)
    precision, recall = [], []
    for r in range(c.shape[1] + 1):
        got = dist <= r
        n_got = got.sum(1)
        hit = (got & same).sum(1)
        precision.append(float(np.mean(np.where(n_got > 0, hit / np.maximum(n_got, 1), 1.0))))
        recall.append(float(np.mean(hit / np.maximum(same.sum(1), 1))))
    return np.array(precision), np.array(recall)


def train_dsg(
    corpus: SenseCorpus, *, senses: int = 2, dim: int = 32, epochs: int = 4, seed: int = 0
) -> DisambiguatedSkipGram:
    """Train the Disambiguated Skip-gram on all (centre, context) pairs with Adam."""
    seed_everything(seed)
    model = DisambiguatedSkipGram(corpus.vocab, dim, senses)
    fit(
        model,
        lambda m, b: m.loss(b[0], b[1]),
        batches(corpus.centres, corpus.contexts, batch_size=256, seed=seed),
        epochs=epochs,
        lr=1e-2,
        desc="DSG",
    )
    return model


@torch.no_grad()
def sense_ari(model: DisambiguatedSkipGram, corpus: SenseCorpus) -> dict[int, float]:
    """Adjusted Rand index between predicted senses (argmax p(k | w, ctx)) and the planted senses, per ambiguous word."""
    from sklearn.metrics import adjusted_rand_score

    out = {}
    for a in corpus.ambiguous:
        idx = torch.tensor(np.flatnonzero(corpus.centres.numpy() == a))
        pred = model.sense_probs(corpus.centres[idx], corpus.contexts[idx]).argmax(1).numpy()
        out[a] = float(adjusted_rand_score(corpus.senses[idx.numpy()], pred))
    return out


def diagram_example() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
    """A small instance of the main model and an input, for `paperlab diagrams`."""
    return BinaryPVDBOW(n_docs=20, vocab=50, bits=8), (torch.arange(4),), ["b"]

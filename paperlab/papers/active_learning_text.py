"""A Survey of Active Learning for Text Classification using Deep Neural Networks (Schröder & Niekler 2020, arXiv 2008.07267).

Pool-based active learning (the survey's Algorithm 1): start from a small labelled seed set; each
round, train the classifier, score every unlabelled document with a *query strategy*, ask the oracle
for the labels of the top ``batch`` documents, and repeat. The survey sorts strategies by what they
look at (its §4.1 taxonomy):

* **prediction-based** (uncertainty of the softmax output p(y|x)):
  least confidence 1 − max_y p(y|x); entropy −Σ_y p log p; margin (breaking ties) −(p_(1) − p_(2));
* **model-based**: BALD via MC dropout (Houlsby et al. 2011; Gal et al. 2017), the mutual information
  H[E_θ p(y|x,θ)] − E_θ H[p(y|x,θ)] estimated with T dropout passes; expected gradient length
  (Settles et al. 2008; for text, Zhang et al. 2017) Σ_y p(y|x) ‖∇ L(x, y)‖, here for the output layer,
  where ‖∇_{W,b} L‖ = ‖p − e_y‖ · sqrt(‖h‖² + 1) in closed form;
* **data-based**: the k-center greedy coreset (Sener & Savarese 2018) on the classifier's text
  embedding h: repeatedly pick the unlabelled point farthest from every labelled or picked point;
* and **random** sampling, the baseline every strategy must beat.

The classifier is fastText-style (Joulin et al. 2017): a mean bag of word embeddings
(``nn.EmbeddingBag``), dropout, a linear layer; retrained from scratch each round. The corpus is an
LDA-style synthetic text collection with overlapping classes (:func:`text_pool`). Learning curves are
summarised by the area under the learning curve (AULC: the mean test accuracy over the rounds).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from paperlab.claims import Claim, Clause
from paperlab.config import current, own_steps
from paperlab.reproduce import PaperValue, ReproSpec

STRATEGIES = ("random", "least confidence", "entropy", "margin", "BALD", "EGL", "coreset")

# --- 1. the classifier -------------------------------------------------------------------------------


class FastText(nn.Module):
    """Mean bag of word embeddings -> dropout -> linear (Joulin et al. 2017). Input: padded ids (batch, len)."""

    def __init__(self, vocab: int, n_classes: int, dim: int = 32, dropout: float = 0.5) -> None:
        super().__init__()
        self.bag = nn.EmbeddingBag(vocab + 1, dim, mode="mean", padding_idx=vocab)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(dim, n_classes)

    def embed(self, x: torch.Tensor) -> torch.Tensor:  # (batch, len) -> (batch, dim)
        return self.bag(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, len) -> (batch, classes)
        return self.out(self.drop(self.embed(x)))


# --- 2. the corpus -----------------------------------------------------------------------------------


@dataclass
class TextPool:
    x_pool: torch.Tensor  # (n_pool, max_len) token ids, padded with ``vocab``
    y_pool: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    vocab: int
    n_classes: int
    mix_pool: np.ndarray = field(repr=False, default=None)  # each pool document's share of other classes


def text_pool(
    n_classes: int = 5,
    vocab: int = 2000,
    n_pool: int = 2000,
    n_test: int = 1000,
    doc_len: tuple[int, int] = (10, 30),
    class_words: int = 300,
    background: float = 0.75,
    seed: int = 0,
) -> TextPool:
    """An LDA-style corpus with overlapping classes.

    Each class owns a Zipf distribution over ``class_words`` words drawn from the vocabulary (classes
    share words by chance); a background Zipf distribution covers the whole vocabulary. A document of
    class c draws a share m ~ 0.6 · Beta(1, 3) of its class words from one other class's distribution
    (so some documents are genuinely ambiguous), and a ``background`` share of its tokens from the background.
    """
    if n_classes < 2 or vocab < class_words:
        raise ValueError(
            f"need n_classes >= 2 and vocab >= class_words; got {n_classes}, {vocab}, {class_words}"
        )
    grng = np.random.default_rng(1234)  # the language: fixed across seeds
    zipf = 1.0 / np.arange(1, class_words + 1)
    dists = np.zeros((n_classes, vocab))
    for c in range(n_classes):
        dists[c, grng.choice(vocab, class_words, replace=False)] = grng.permutation(zipf)
    dists /= dists.sum(1, keepdims=True)
    bg = 1.0 / np.arange(1, vocab + 1)
    bg = grng.permutation(bg / bg.sum())
    rng = np.random.default_rng(seed)
    n = n_pool + n_test
    y = rng.integers(0, n_classes, n)
    other = (y + rng.integers(1, n_classes, n)) % n_classes
    mix = 0.6 * rng.beta(1, 3, n)
    lo, hi = doc_len
    x = np.full((n, hi), vocab, dtype=np.int64)
    for i in range(n):
        length = rng.integers(lo, hi + 1)
        src = rng.random(length)
        k_bg = src < background
        k_other = (~k_bg) & (rng.random(length) < mix[i])
        k_own = ~(k_bg | k_other)
        x[i, :length][k_bg] = rng.choice(vocab, int(k_bg.sum()), p=bg)
        x[i, :length][k_other] = rng.choice(vocab, int(k_other.sum()), p=dists[other[i]])
        x[i, :length][k_own] = rng.choice(vocab, int(k_own.sum()), p=dists[y[i]])
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)
    return TextPool(xt[:n_pool], yt[:n_pool], xt[n_pool:], yt[n_pool:], vocab, n_classes, mix[:n_pool])


# --- 3. training -------------------------------------------------------------------------------------


def train_classifier(
    pool: TextPool, labelled: np.ndarray, *, steps: int | None = None, seed: int = 0
) -> FastText:
    """A fresh fastText classifier, full-batch Adam on the labelled documents (``steps``: 60 fast / 300 full)."""
    steps = own_steps(current().budget(60, 300) if steps is None else steps)
    torch.manual_seed(seed)
    model = FastText(pool.vocab, pool.n_classes)
    opt = torch.optim.Adam(model.parameters(), lr=0.03, weight_decay=1e-4)
    x, y = pool.x_pool[labelled], pool.y_pool[labelled]
    model.train()
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return model.eval()


@torch.no_grad()
def probabilities(model: FastText, x: torch.Tensor) -> np.ndarray:
    return torch.softmax(model(x), -1).numpy()


@torch.no_grad()
def accuracy(model: FastText, x: torch.Tensor, y: torch.Tensor) -> float:
    return float((model(x).argmax(-1) == y).float().mean())


# --- 4. query strategies (higher score = query first) ------------------------------------------------


def least_confidence(p: np.ndarray) -> np.ndarray:
    """1 − max_y p(y|x) (Lewis & Gale 1994)."""
    return 1.0 - p.max(1)


def entropy(p: np.ndarray) -> np.ndarray:
    """−Σ_y p(y|x) log p(y|x) (prediction entropy)."""
    return -(p * np.log(np.clip(p, 1e-12, None))).sum(1)


def margin(p: np.ndarray) -> np.ndarray:
    """−(p_(1) − p_(2)): the smaller the gap between the two likeliest classes, the higher (breaking ties)."""
    top2 = np.sort(p, 1)[:, -2:]
    return -(top2[:, 1] - top2[:, 0])


def bald(p_samples: np.ndarray) -> np.ndarray:
    """Mutual information from T dropout samples ``(n, T, classes)``: H[mean_t p_t] − mean_t H[p_t]."""
    mean = p_samples.mean(1)
    return entropy(mean) - np.mean([entropy(p_samples[:, t]) for t in range(p_samples.shape[1])], 0)


@torch.no_grad()
def mc_dropout_probabilities(model: FastText, x: torch.Tensor, samples: int = 10) -> np.ndarray:
    """``samples`` stochastic forward passes with dropout on: ``(n, samples, classes)`` (Gal & Ghahramani 2016)."""
    model.train()
    out = np.stack([torch.softmax(model(x), -1).numpy() for _ in range(samples)], 1)
    model.eval()
    return out


@torch.no_grad()
def expected_gradient_length(model: FastText, x: torch.Tensor) -> np.ndarray:
    """Σ_y p(y|x) ‖∇_{W,b} L(x, y)‖ for the output layer: ‖p − e_y‖ · sqrt(‖h‖² + 1) (closed form)."""
    h = model.embed(x)  # eval mode: no dropout
    p = torch.softmax(model.out(h), -1)
    eye = torch.eye(p.shape[1])
    dist = torch.linalg.norm(p[:, None, :] - eye[None], dim=-1)  # (n, classes): ‖p − e_y‖
    scale = torch.sqrt((h**2).sum(-1, keepdim=True) + 1.0)
    return (p * dist * scale).sum(-1).numpy()


def k_center_greedy(emb: np.ndarray, labelled: np.ndarray, unlabelled: np.ndarray, n: int) -> np.ndarray:
    """Sener & Savarese (2018): pick ``n`` unlabelled points, each the farthest from all labelled/picked ones."""
    d = np.sqrt(((emb[unlabelled, None, :] - emb[None, labelled, :]) ** 2).sum(-1)).min(1)  # (n_unl,)
    picked = []
    for _ in range(n):
        i = int(np.argmax(d))
        picked.append(i)
        d = np.minimum(d, np.sqrt(((emb[unlabelled] - emb[unlabelled[i]]) ** 2).sum(-1)))
        d[picked] = -np.inf
    return unlabelled[np.array(picked)]


def query(
    strategy: str, model: FastText, pool: TextPool, labelled: np.ndarray, n: int, rng: np.random.Generator
) -> np.ndarray:
    """The ``n`` pool indices that ``strategy`` asks the oracle to label next."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}; got {strategy!r}")
    unl = np.setdiff1d(np.arange(len(pool.y_pool)), labelled)
    if strategy == "random":
        return rng.choice(unl, n, replace=False)
    x = pool.x_pool[unl]
    if strategy == "coreset":
        with torch.no_grad():
            emb = model.embed(pool.x_pool).numpy()
        return k_center_greedy(emb, labelled, unl, n)
    if strategy == "BALD":
        score = bald(mc_dropout_probabilities(model, x))
    elif strategy == "EGL":
        score = expected_gradient_length(model, x)
    else:
        p = probabilities(model, x)
        score = {"least confidence": least_confidence, "entropy": entropy, "margin": margin}[strategy](p)
    return unl[np.argsort(-score, kind="stable")[:n]]


# --- 5. the active-learning loop ---------------------------------------------------------------------


@dataclass
class Run:
    strategy: str
    n_labelled: list[int]
    test_acc: list[float]
    queried: list[np.ndarray]  # indices asked for in each round
    model: FastText = field(repr=False, default=None)  # the last model

    @property
    def aulc(self) -> float:
        """Area under the learning curve: the mean test accuracy over the rounds (seed set included)."""
        return float(np.mean(self.test_acc))


def active_learning(
    pool: TextPool,
    strategy: str,
    *,
    seed_size: int = 20,
    rounds: int | None = None,
    batch: int = 20,
    seed: int = 0,
    untrained_scores: bool = False,
) -> Run:
    """The survey's Algorithm 1. ``untrained_scores=True`` queries with a freshly initialised (untrained)
    classifier's uncertainty: the strategy without reliable uncertainty (a control)."""
    rounds = current().budget(10, 20) if rounds is None else rounds
    rng = np.random.default_rng(seed)
    labelled = rng.choice(len(pool.y_pool), seed_size, replace=False)
    n_lab, accs, queried = [], [], []
    model = None
    for r in range(rounds + 1):
        model = train_classifier(pool, labelled, seed=seed * 1000 + r)
        n_lab.append(len(labelled))
        accs.append(accuracy(model, pool.x_test, pool.y_test))
        if r == rounds:
            break
        scorer = model
        if untrained_scores:
            torch.manual_seed(seed * 1000 + r + 500)
            scorer = FastText(pool.vocab, pool.n_classes).eval()
        new = query(strategy, scorer, pool, labelled, batch, rng)
        queried.append(new)
        labelled = np.concatenate([labelled, new])
    return Run(strategy, n_lab, accs, queried, model)


def compare(
    pool: TextPool, strategies=STRATEGIES, *, repeats: int = 3, seed: int = 0, **kw
) -> dict[str, list[Run]]:
    """Every strategy from the same seed sets (repeat ``i`` uses seed ``seed * 100 + i`` for all)."""
    return {
        s: [active_learning(pool, s, seed=seed * 100 + i, **kw) for i in range(repeats)] for s in strategies
    }


# --- 6. calibration ----------------------------------------------------------------------------------


def reliability(
    p: np.ndarray, y: np.ndarray, bins: int = 10
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Reliability diagram: per confidence bin (mean confidence, accuracy, count) and the expected
    calibration error ECE = Σ_b (n_b / n) |acc_b − conf_b| (Guo et al. 2017)."""
    conf, pred = p.max(1), p.argmax(1)
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(conf, edges[1:-1]), 0, bins - 1)
    c, a, n = np.zeros(bins), np.zeros(bins), np.zeros(bins)
    for b in range(bins):
        m = idx == b
        n[b] = m.sum()
        if n[b]:
            c[b], a[b] = conf[m].mean(), (pred[m] == y[m]).mean()
    ece = float((n / n.sum() * np.abs(a - c)).sum())
    return c, a, n, ece


# --- 7. diagrams -------------------------------------------------------------------------------------


class _QueryByUncertainty(nn.Module):
    """Mechanism view: classifier -> softmax -> margin score (p_(1) − p_(2)) of each pool document."""

    def __init__(self) -> None:
        super().__init__()
        self.classifier = FastText(50, 5, dim=8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = torch.softmax(self.classifier(x), -1)
        top2 = torch.topk(p, 2, -1).values
        return top2[..., 1] - top2[..., 0]  # higher: nearer a tie, queried first


def diagram_views() -> dict:
    def overview():
        return FastText(50, 5, dim=8), (torch.randint(0, 50, (4, 12)),), None

    def mechanism():
        return _QueryByUncertainty(), (torch.randint(0, 50, (4, 12)),), None

    return {"overview": overview, "mechanism": mechanism}


# --- 8. the claim ------------------------------------------------------------------------------------

CLAIM = Claim(
    slug="active_learning_text",
    statement=(
        "uncertainty sampling (margin) with the trained classifier's uncertainty learns faster than "
        "random sampling; the same strategy without reliable uncertainty does not"
    ),
    clauses=(
        Clause(
            "aulc_gain",
            "AULC minus random sampling's, in accuracy points (mean over repeats)",
            ">=",
            2.0,
        ),  # evidence: the paper's mechanism; stated, not asserted, while the claim is not reproduced
        Clause(
            "final_acc", "test accuracy after the last round (mean over repeats)", ">=", 0.6, kind="sanity"
        ),
    ),
    reproduced=False,
)

REPEATS = 2  # fast mode; the notebook's full mode runs 5


def claim_rows(runs: dict[str, list[Run]], untrained: list[Run]) -> dict[str, dict[str, float]]:
    """Rows: margin (ours), random, and margin scored by an untrained classifier."""
    rand = np.mean([r.aulc for r in runs["random"]])

    def row(rs: list[Run]) -> dict[str, float]:
        return {
            "aulc_gain": 100 * (np.mean([r.aulc for r in rs]) - rand),
            "final_acc": float(np.mean([r.test_acc[-1] for r in rs])),
        }

    return {
        "ours": row(runs["margin"]),
        "random": row(runs["random"]),
        "margin, untrained scorer": row(untrained),
    }


def untrained_runs(pool: TextPool, repeats: int = REPEATS, seed: int = 0) -> list[Run]:
    """Margin sampling scored by a fresh, untrained classifier (same seed sets as :func:`compare`)."""
    return [
        active_learning(pool, "margin", seed=seed * 100 + i, untrained_scores=True) for i in range(repeats)
    ]


def claim_experiment(seed: int) -> dict[str, dict[str, float]]:
    """Margin vs random vs margin-with-untrained-scores: 2 repeats, 10 rounds of 20 from 20 seed documents."""
    pool = text_pool(seed=seed)
    runs = compare(pool, ("margin", "random"), repeats=REPEATS, seed=seed)
    return claim_rows(runs, untrained_runs(pool, REPEATS, seed))


# --- Reproduction target (issue 23): fixed before any run --------------------------------------
REPRO = ReproSpec(
    slug="active_learning_text",
    target="the survey's argument (abstract, §4 taxonomy): uncertainty sampling vs random sampling learning curves",
    shows=(
        "A survey has no experiment of its own; the figure of its argument a notebook can redraw is the pool-based "
        "learning curve (test accuracy vs labelled documents) of a prediction-based query strategy (margin "
        "sampling) against random sampling, and the same strategy fed an unreliable (untrained) model's uncertainty."
    ),
    metric="area under the learning curve (AULC) minus random sampling's, accuracy points",
    paper_values=(
        PaperValue(
            key="AULC gain of margin sampling over random sampling (points)",
            value=1.0,
            source=(
                "abstract of arXiv:2008.07267 (project abstracts.txt, seen): 'By using the superior text "
                "classification performance of NNs for AL, we can either increase a model's performance using the "
                "same amount of data or reduce the data ... while keeping the same performance'; sign only (+)"
            ),
            verified=True,
            rule="direction",
            reference=0.0,
        ),
        PaperValue(
            key="AULC gain of margin sampling with an untrained scorer over random sampling (points)",
            value=-1.0,
            source=(
                "abstract of arXiv:2008.07267 (seen): obstacle (a), 'the inability of NNs to provide reliable "
                "uncertainty estimates, on which the most commonly used query strategies rely'; read as: without "
                "reliable uncertainty the strategy loses its edge over random; sign only (≤ 0)"
            ),
            verified=True,
            rule="direction",
            reference=0.0,
        ),
    ),
    data="synthetic 5-class text collection (paperlab text_pool: 2,000 pool and 1,000 test documents) as a stand-in",
    data_kind="stand-in",
    data_note=(
        "The surveyed experiments use real benchmarks (AG News, 20 Newsgroups, ...), which are not available "
        "offline; the generated collection has class-specific and shared background words, so its classes are "
        "separable by a bag-of-words model like the real ones, but it is smaller and its vocabulary is synthetic."
    ),
    sizes={
        "classifier": "fastText-style EmbeddingBag",
        "pool": 2000,
        "test": 1000,
        "seed_size": 20,
        "batch": 20,
        "rounds": 20,
        "repeats": 5,
    },
    seeds=(0, 1, 2),
    gpu_minutes=5.0,
    cpu_minutes=10.0,
    notes=(
        "A survey: no numbers to reproduce, so both values are signs stated in its abstract. The comparison is the "
        "notebook's full mode (5 repeats of 20 rounds of 20 queries from 20 seed documents), margin vs random vs "
        "margin scored by a freshly initialised classifier; the mean over repeats and seeds is compared with 0. "
        "The fast ledger shows the margin gain varying in sign over seeds (−0.8 to +2.8 points), so 'direction "
        "only' or 'not reproduced' are both possible outcomes."
    ),
)

"""Data Filtering Networks (Fang, Jose, Jain, Schmidt, Toshev, Shankar; ICLR 2024, arXiv 2309.17425).

The paper's recipe (§2–3): a large uncurated pool of (image, text) pairs is filtered by a **data
filtering network** (DFN) f — a CLIP model trained on a *small, high-quality* data set. Every pair is
scored by its CLIP cosine similarity

    s(x, t) = ⟨ g(x) / ‖g(x)‖, h(t) / ‖h(t)‖ ⟩                                       (DFN score)

and the top k % of the pool by s are kept (the paper keeps 15–30 %; DataComp's CLIP-score baseline
keeps 30 %). A fresh CLIP is then trained on the kept set ("the induced data set") and evaluated
zero-shot. CLIP training is the symmetric InfoNCE loss of Radford et al. (2021), with a learnable
temperature τ = 1 / exp(log_scale):

    L = ½ [ CE(S, I) + CE(Sᵀ, I) ],   S_ij = exp(log_scale) · ⟨ĝ(x_i), ĥ(t_j)⟩          (CLIP loss)

The paper's key finding (abstract; Fig. 1 and 3): a filter's *filtering quality* (the accuracy of
the model trained on what it keeps) is distinct from its own downstream accuracy — a model trained on
lots of noisy data can be more accurate but a worse filter than a weaker model trained on clean data.

At laptop scale the pool is built from the 8×8 digits (``sklearn.datasets.load_digits``) with
templated captions ("a blurry photo of seven", numeral synonyms, style and filler words); half the
pool's pairs are corrupted (a wrong but plausible digit name, or an unrelated web-style caption),
and a separate small clean set trains the DFN. Zero-shot accuracy classifies held-out digit images
by the nearest prompt embedding ("a photo of seven"). Models here: an MLP image tower on the 64
pixels and an ``EmbeddingBag`` text tower, both projecting to a shared embedding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score, roc_curve
from torch import nn

from paperlab.claims import OURS, Claim, Clause
from paperlab.config import own_steps
from paperlab.data.bundled import digits
from paperlab.reproduce import PaperValue, ReproSpec

# --- 1. the mini-CLIP ----------------------------------------------------------------------------


class ImageTower(nn.Module):
    """g: 64 pixels -> MLP -> embedding (the image encoder; a ViT in the paper)."""

    def __init__(self, d_in: int = 64, hidden: int = 128, dim: int = 32) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, 64) -> (batch, dim)
        return self.net(x)


class TextTower(nn.Module):
    """h: caption token ids -> sum of word embeddings -> linear -> embedding (a text transformer in the paper).

    Word vectors start small (std 0.1): a word the model never trained on adds little to a caption's
    embedding, so it cannot make an unrelated caption look like a digit's."""

    def __init__(self, vocab: int, width: int = 32, dim: int = 32) -> None:
        super().__init__()
        self.bag = nn.EmbeddingBag(vocab + 1, width, mode="sum", padding_idx=vocab)
        nn.init.normal_(self.bag.weight, std=0.1)
        with torch.no_grad():
            self.bag.weight[vocab].zero_()  # the pad id
        self.proj = nn.Linear(width, dim)

    def forward(self, t: torch.Tensor) -> torch.Tensor:  # (batch, len) padded ids -> (batch, dim)
        return self.proj(self.bag(t))


class MiniCLIP(nn.Module):
    """Two towers and a learnable temperature, initialised at τ = 0.07 as in CLIP (Radford et al. 2021)."""

    def __init__(self, vocab: int, hidden: int = 128, dim: int = 32) -> None:
        super().__init__()
        if vocab < 1 or hidden < 1 or dim < 1:
            raise ValueError(f"vocab, hidden and dim must be >= 1; got {vocab}, {hidden}, {dim}")
        self.image = ImageTower(hidden=hidden, dim=dim)
        self.text = TextTower(vocab, width=dim, dim=dim)
        self.log_scale = nn.Parameter(torch.tensor(float(np.log(1 / 0.07))))

    def embed_images(self, x: torch.Tensor) -> torch.Tensor:  # (b, 64) -> (b, dim), unit norm
        return F.normalize(self.image(x), dim=-1)

    def embed_texts(self, t: torch.Tensor) -> torch.Tensor:  # (b, len) -> (b, dim), unit norm
        return F.normalize(self.text(t), dim=-1)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """The logit matrix S (b, b): S_ij = exp(log_scale) ⟨ĝ(x_i), ĥ(t_j)⟩ (scale capped at 100, as CLIP)."""
        scale = self.log_scale.clamp(max=float(np.log(100.0))).exp()
        return scale * self.embed_images(x) @ self.embed_texts(t).T


def clip_loss(logits: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE (CLIP loss): the mean of image→text and text→image cross-entropies, pairs on the diagonal."""
    if logits.ndim != 2 or logits.shape[0] != logits.shape[1]:
        raise ValueError(f"logits must be a square (batch, batch) matrix; got shape {tuple(logits.shape)}")
    target = torch.arange(len(logits), device=logits.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


class PixelClassifier(nn.Module):
    """The comparator's classifier: the same MLP image tower with a 10-way head (trained on captions' labels)."""

    def __init__(self, hidden: int = 128) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, 64) -> (batch, 10)
        return self.net(x)


# --- 2. the offline pool: digits with templated captions, half of them corrupted ------------------

DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
NUMERALS = tuple(str(d) for d in range(10))  # the synonym: "7" for "seven"
STYLES = ("blurry", "small", "dark", "faded", "pixelated", "bold", "thin", "old", "tiny", "grainy")
TEMPLATES = (
    "a {s} photo of {d}",
    "a {s} photo of the number {d}",
    "handwritten {d} on white paper",
    "a {s} scan of the digit {d}",
    "the number {d} written by hand",
    "my {s} drawing of {d}",
)
WEB_WORDS = (
    "cat", "sofa", "sunset", "beach", "cheap", "flights", "logo", "company", "free", "shipping",
    "orders", "recipe", "pasta", "dog", "park", "wedding", "dress", "click", "here", "sale",
)  # fmt: skip
ZERO_SHOT_PROMPT = "a photo of {d}"
CONFUSABLE = (6, 7, 3, 8, 9, 6, 5, 1, 3, 4)  # the plausible wrong name for each digit (0→six, 1→seven, ...)
KINDS = ("clean", "wrong digit", "unrelated")


def _vocabulary() -> dict[str, int]:
    words: list[str] = []
    texts = [t.format(s="x", d="x") for t in TEMPLATES] + [ZERO_SHOT_PROMPT.format(d="x")]
    for w in [*" ".join(texts).split(), *STYLES, *DIGIT_NAMES, *NUMERALS, *WEB_WORDS]:
        if w != "x" and w not in words:
            words.append(w)
    return {w: i for i, w in enumerate(words)}


VOCAB = _vocabulary()
MAX_LEN = 8


def tokenize(captions: list[str]) -> torch.Tensor:
    """Captions -> padded token ids (n, MAX_LEN); the pad id is ``len(VOCAB)``. Unknown words raise."""
    out = torch.full((len(captions), MAX_LEN), len(VOCAB), dtype=torch.long)
    for i, cap in enumerate(captions):
        words = cap.split()
        if len(words) > MAX_LEN:
            raise ValueError(f"caption longer than {MAX_LEN} words: {cap!r}")
        for j, w in enumerate(words):
            if w not in VOCAB:
                raise ValueError(f"caption {cap!r}: word {w!r} is not in the vocabulary")
            out[i, j] = VOCAB[w]
    return out


def digit_caption(d: int, rng: np.random.Generator) -> str:
    """A templated caption for digit ``d``: a template, a style word, the name or (1 in 3) the numeral."""
    name = NUMERALS[d] if rng.random() < 1 / 3 else DIGIT_NAMES[d]
    return TEMPLATES[rng.integers(len(TEMPLATES))].format(s=STYLES[rng.integers(len(STYLES))], d=name)


def web_caption(rng: np.random.Generator) -> str:
    """An unrelated web-style caption that names no digit ("a blurry photo of cheap flights")."""
    a, b = rng.choice(len(WEB_WORDS), size=2, replace=False)
    form = rng.integers(3)
    s = STYLES[rng.integers(len(STYLES))]
    if form == 0:
        return f"a {s} photo of {WEB_WORDS[a]} {WEB_WORDS[b]}"
    if form == 1:
        return f"my {s} {WEB_WORDS[a]} {WEB_WORDS[b]}"
    return f"{WEB_WORDS[a]} {WEB_WORDS[b]} here"


@dataclass
class Pairs:
    """(image, caption) pairs: pixels (n, 64), token ids (n, MAX_LEN), the true digit, the caption's kind."""

    x: torch.Tensor
    tokens: torch.Tensor
    digit: np.ndarray  # the image's true class
    kind: np.ndarray  # 0 clean, 1 wrong digit, 2 unrelated
    captions: list[str]
    named: np.ndarray  # the digit the caption names (-1: none)

    def __len__(self) -> int:
        return len(self.digit)

    @property
    def clean(self) -> np.ndarray:
        return self.kind == 0

    def subset(self, idx: np.ndarray) -> Pairs:
        idx = np.asarray(idx, dtype=np.int64)
        t = torch.from_numpy(idx)
        return Pairs(
            self.x[t],
            self.tokens[t],
            self.digit[idx],
            self.kind[idx],
            [self.captions[i] for i in idx],
            self.named[idx],
        )


def make_pairs(
    x: torch.Tensor, y: np.ndarray, corrupt: float, rng: np.random.Generator, wrong_share: float = 0.5
) -> Pairs:
    """Caption every image; a ``corrupt`` fraction is corrupted, ``wrong_share`` of those with a wrong digit name
    (the digit's confusable partner, 3 in 4 times, else a random other digit), the rest with an unrelated caption."""
    if not 0 <= corrupt <= 1 or not 0 <= wrong_share <= 1:
        raise ValueError(f"corrupt and wrong_share must lie in [0, 1]; got {corrupt}, {wrong_share}")
    n = len(y)
    kind = np.zeros(n, dtype=np.int64)
    bad = rng.permutation(n)[: round(corrupt * n)]
    n_wrong = round(wrong_share * len(bad))
    kind[bad[:n_wrong]], kind[bad[n_wrong:]] = 1, 2
    captions, named = [], np.full(n, -1, dtype=np.int64)
    for i in range(n):
        d = int(y[i])
        if kind[i] == 0:
            named[i] = d
        elif kind[i] == 1:
            others = [k for k in range(10) if k != d]
            named[i] = CONFUSABLE[d] if rng.random() < 0.75 else int(rng.choice(others))
        captions.append(web_caption(rng) if kind[i] == 2 else digit_caption(int(named[i]), rng))
    return Pairs(x, tokenize(captions), np.asarray(y), kind, captions, named)


@dataclass
class World:
    """The experiment's data: a noisy pool, a small clean set for the DFN, and a clean held-out test split."""

    pool: Pairs
    clean: Pairs
    x_test: torch.Tensor
    y_test: np.ndarray


def make_world(seed: int = 0, n_clean: int = 150, n_test: int = 500, corrupt: float = 0.5) -> World:
    """Split the 1,797 digits (seeded): ``n_test`` held out (never seen by a filter), ``n_clean`` clean pairs for
    the DFN, the rest the pool with a ``corrupt`` fraction of corrupted captions."""
    if n_clean < 10 or n_test < 10 or n_clean + n_test > 1597:
        raise ValueError(
            f"n_clean and n_test must be >= 10 and leave >= 200 pool pairs; got {n_clean}, {n_test}"
        )
    x, y = digits(split=False)
    y = y.numpy()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    te, cl, po = order[:n_test], order[n_test : n_test + n_clean], order[n_test + n_clean :]
    t = torch.from_numpy
    clean = make_pairs(x[t(cl)], y[cl], 0.0, rng)
    pool = make_pairs(x[t(po)], y[po], corrupt, rng)
    return World(pool, clean, x[t(te)], y[te])


# --- 3. training, zero-shot evaluation, scoring ---------------------------------------------------


def train_clip(
    pairs: Pairs,
    *,
    steps: int,
    batch: int = 64,
    lr: float = 3e-3,
    seed: int = 0,
    hidden: int = 128,
    dim: int = 32,
) -> MiniCLIP:
    """Train a fresh mini-CLIP on ``pairs`` with the CLIP loss for ``steps`` Adam steps of ``batch`` pairs.

    Every induced data set gets the same ``steps`` and ``batch`` ("same compute"); batches are drawn
    without replacement within an epoch, in a seeded order.
    """
    if len(pairs) < 2:
        raise ValueError(f"pairs must hold at least 2 pairs; got {len(pairs)}")
    torch.manual_seed(seed)
    model = MiniCLIP(len(VOCAB), hidden=hidden, dim=dim)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    b = min(batch, len(pairs))
    order, pos = torch.randperm(len(pairs), generator=gen), 0
    for _ in range(own_steps(steps)):
        if pos + b > len(pairs):
            order, pos = torch.randperm(len(pairs), generator=gen), 0
        idx = order[pos : pos + b]
        pos += b
        loss = clip_loss(model(pairs.x[idx], pairs.tokens[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()


def prompt_tokens() -> torch.Tensor:
    """The zero-shot prompts, one per class and synonym: (2, 10, MAX_LEN) for "a photo of seven" / "a photo of 7"."""
    return torch.stack(
        [tokenize([ZERO_SHOT_PROMPT.format(d=w) for w in words]) for words in (DIGIT_NAMES, NUMERALS)]
    )


@torch.no_grad()
def zero_shot_logits(model: MiniCLIP, x: torch.Tensor) -> torch.Tensor:
    """Cosine of each image to each class's prompt embedding, the two synonyms' embeddings averaged (prompt ensemble)."""
    p = prompt_tokens()
    text = F.normalize(sum(model.embed_texts(p[k]) for k in range(len(p))), dim=-1)  # (10, dim)
    return model.embed_images(x) @ text.T  # (n, 10)


def zero_shot_accuracy(model: MiniCLIP, x: torch.Tensor, y: np.ndarray) -> float:
    """Zero-shot accuracy: classify each image by its nearest class prompt."""
    return float((zero_shot_logits(model, x).argmax(-1).numpy() == y).mean())


@torch.no_grad()
def clip_scores(model: MiniCLIP, pairs: Pairs) -> np.ndarray:
    """The DFN score of each pair: the cosine ⟨ĝ(x_i), ĥ(t_i)⟩ (paper §2)."""
    return (model.embed_images(pairs.x) * model.embed_texts(pairs.tokens)).sum(-1).numpy()


def train_classifier(
    pairs: Pairs, *, steps: int, batch: int = 64, lr: float = 3e-3, seed: int = 0
) -> PixelClassifier:
    """The comparator: a 10-way classifier on the pool, labelled by the digit each caption names (pairs whose caption
    names no digit are left out) — trained on the noisy labels as they come."""
    keep = np.flatnonzero(pairs.named >= 0)
    x, y = pairs.x[torch.from_numpy(keep)], torch.from_numpy(pairs.named[keep])
    torch.manual_seed(seed)
    model = PixelClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(own_steps(steps)):
        idx = torch.randint(len(y), (min(batch, len(y)),), generator=gen)
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()


@torch.no_grad()
def classifier_scores(model: PixelClassifier, pairs: Pairs) -> np.ndarray:
    """The classifier filter's score: p(the digit the caption names | image); a caption naming no digit scores 0."""
    p = model(pairs.x).softmax(-1).numpy()
    named = np.clip(pairs.named, 0, 9)
    return np.where(pairs.named >= 0, p[np.arange(len(pairs)), named], 0.0)


@torch.no_grad()
def classifier_accuracy(model: PixelClassifier, x: torch.Tensor, y: np.ndarray) -> float:
    return float((model(x).argmax(-1).numpy() == y).mean())


def keep_top(scores: np.ndarray, frac: float) -> np.ndarray:
    """Indices of the top ``frac`` of pairs by score (the paper's top-k % filter); ties broken by index."""
    if not 0 < frac <= 1:
        raise ValueError(f"frac must lie in (0, 1]; got {frac}")
    k = max(2, round(frac * len(scores)))
    return np.argsort(-np.asarray(scores), kind="stable")[:k]


# --- 4. the DFN and the filters -------------------------------------------------------------------


@dataclass
class DFNRun:
    """A DFN trained on the clean set, stopped by its filtering quality on held-out clean pairs."""

    model: MiniCLIP
    best_step: int
    steps: list[int]
    val_auc: list[float]
    refit_steps: int


@torch.no_grad()
def heldout_filter_auc(model: MiniCLIP, val: Pairs) -> float:
    """The DFN's filtering quality measured on clean data only: the AUC of the cosine of every held-out pair
    (x_i, t_i) against the same images with captions that name another digit (x_i, t_j), named_j ≠ named_i."""
    sim = (model.embed_images(val.x) @ model.embed_texts(val.tokens).T).numpy()  # (n_val, n_val)
    neg = val.named[None, :] != val.named[:, None]
    labels = np.r_[np.ones(len(val)), np.zeros(int(neg.sum()))]
    return float(roc_auc_score(labels, np.r_[np.diag(sim), sim[neg]]))


def train_dfn(
    clean: Pairs,
    *,
    max_steps: int = 150,
    n_val: int = 30,
    eval_every: int = 10,
    seed: int = 0,
    lr: float = 3e-3,
    refit: bool = True,
) -> DFNRun:
    """The data filtering network: a mini-CLIP trained on the small clean set (paper §3: a CLIP on high-quality
    data). ``n_val`` clean pairs are held out, and training stops at the step where the DFN best separates
    their true captions from captions naming another digit (:func:`heldout_filter_auc`, checked every
    ``eval_every`` steps) — the DFN's length is chosen on clean data, never on the pool. With ``refit`` a fresh
    DFN is then trained on the whole clean set for the same number of epochs (the usual refit after model
    selection); ``best_step`` is the held-out choice, ``refit_steps`` the refit's length."""
    if not 10 <= n_val <= len(clean) - 10:
        raise ValueError(f"n_val must lie in [10, {len(clean) - 10}]; got {n_val}")
    tr, va = (
        clean.subset(np.arange(len(clean) - n_val)),
        clean.subset(np.arange(len(clean) - n_val, len(clean))),
    )
    torch.manual_seed(seed)
    model = MiniCLIP(len(VOCAB))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    best, best_state, best_step, steps, aucs = -1.0, None, 0, [], []
    max_steps = own_steps(max_steps)
    for step in range(max_steps + 1):
        if step % eval_every == 0:
            model.eval()
            auc = heldout_filter_auc(model, va)
            model.train()
            steps.append(step)
            aucs.append(auc)
            if auc > best:
                best, best_step = auc, step
                best_state = {k: v.clone() for k, v in model.state_dict().items()}
        if step == max_steps:
            break
        idx = torch.randperm(len(tr), generator=gen)[: min(64, len(tr))]
        loss = clip_loss(model(tr.x[idx], tr.tokens[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.load_state_dict(best_state)
    if not refit:
        return DFNRun(model.eval(), best_step, steps, aucs, best_step)
    n_refit = round(best_step * len(clean) / len(tr))
    return DFNRun(train_clip(clean, steps=n_refit, seed=seed, lr=lr), best_step, steps, aucs, n_refit)


def induced_accuracy(world: World, keep: np.ndarray, *, steps: int, seed: int = 0, repeats: int = 1) -> float:
    """Zero-shot test accuracy of a fresh CLIP trained on the kept pool pairs (the "induced data set"),
    ``steps`` steps of batch 64 whatever the set's size (same compute), averaged over ``repeats`` inits."""
    sub = world.pool.subset(keep)
    accs = [
        zero_shot_accuracy(train_clip(sub, steps=steps, seed=seed + 101 * r), world.x_test, world.y_test)
        for r in range(repeats)
    ]
    return float(np.mean(accs))


def roc(scores: np.ndarray, positive: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """False- and true-positive rates of the filter score for clean (positive) against corrupted pairs, and the AUC."""
    fpr, tpr, _ = roc_curve(positive, scores)
    return fpr, tpr, float(roc_auc_score(positive, scores))


def precision_curve(scores: np.ndarray, positive: np.ndarray, fracs: np.ndarray) -> np.ndarray:
    """Fraction of clean pairs among the kept top ``f`` of the pool, for each keep fraction ``f``."""
    return np.array([positive[keep_top(scores, f)].mean() for f in fracs])


@dataclass
class Filter:
    """One filter model: its own accuracy on the test digits and the score it gives every pool pair."""

    name: str
    accuracy: float  # zero-shot (CLIP) or classification (classifier) accuracy on the test split
    scores: np.ndarray
    group: str = ""  # for the scatter's legend


def dfn_filter(
    world: World, run: DFNRun, name: str = "DFN (clean set)", group: str = "DFN, early-stopped (ours)"
) -> Filter:
    return Filter(
        name,
        zero_shot_accuracy(run.model, world.x_test, world.y_test),
        clip_scores(run.model, world.pool),
        group,
    )


def clip_filter(world: World, model: MiniCLIP, name: str, group: str) -> Filter:
    """Any CLIP used as a filter: its zero-shot accuracy and its cosine on every pool pair."""
    return Filter(
        name, zero_shot_accuracy(model, world.x_test, world.y_test), clip_scores(model, world.pool), group
    )


def classifier_filter(world: World, *, steps: int, seed: int = 0) -> Filter:
    """The comparator: a classifier trained on the noisy pool's caption labels, scoring p(named digit | image)."""
    clf = train_classifier(world.pool, steps=steps, seed=seed)
    return Filter(
        "classifier on the pool",
        classifier_accuracy(clf, world.x_test, world.y_test),
        classifier_scores(clf, world.pool),
        "classifier",
    )


def untrained_filter(world: World, seed: int = 0) -> Filter:
    """The ablation: a randomly initialised DFN (the mechanism without its training)."""
    torch.manual_seed(seed)
    model = MiniCLIP(len(VOCAB)).eval()
    return clip_filter(world, model, "untrained DFN", "untrained")


def noisy_dfns(world: World, mixes: tuple[float, ...], *, steps: int, seed: int = 0) -> list[Filter]:
    """Paper Fig. 3 in miniature: CLIPs trained on the clean set plus ``mix`` × (its size) pool pairs for a fixed
    ``steps`` — more data raises zero-shot accuracy, more noise lowers filtering quality. ``mix`` = "all" is the
    whole pool plus the clean set."""
    out = []
    rng = np.random.default_rng(seed + 5)
    for mix in mixes:
        n = min(len(world.pool), round(mix * len(world.clean)))
        extra = world.pool.subset(rng.permutation(len(world.pool))[:n])
        both = _concat(world.clean, extra)
        model = train_clip(both, steps=steps, seed=seed + 23)
        out.append(clip_filter(world, model, f"clean + {n} pool pairs", "CLIP on clean + pool"))
    return out


def _concat(a: Pairs, b: Pairs) -> Pairs:
    return Pairs(
        torch.cat([a.x, b.x]),
        torch.cat([a.tokens, b.tokens]),
        np.concatenate([a.digit, b.digit]),
        np.concatenate([a.kind, b.kind]),
        a.captions + b.captions,
        np.concatenate([a.named, b.named]),
    )


# --- 5. the experiment: induced data sets at the same compute --------------------------------------

KEEP = 0.3  # the keep fraction checked by the claim (DataComp's CLIP-score baseline keeps 30 %)
STEPS = 300  # same compute: every induced CLIP gets 300 Adam steps of batch 64
REPEATS = 3  # each induced accuracy is the mean over 3 CLIP initialisations


@dataclass
class Comparison:
    """The paper's headline comparison on one world: kept sets, their clean fraction, induced accuracy."""

    world: World
    dfn: DFNRun
    filters: dict[str, Filter]  # name -> filter (the DFN, the comparators, the untrained DFN)
    keep: dict[str, np.ndarray]  # induced set name -> kept pool indices
    induced: dict[str, float]  # induced set name -> zero-shot accuracy of the CLIP trained on it
    steps: int
    frac: float

    def precision(self, name: str) -> float:
        return float(self.world.pool.clean[self.keep[name]].mean())


DFN_ROW = "DFN 30 %"
POOL_ROW = "no filter (whole pool)"
RANDOM_ROW = "random 30 %"
UNTRAINED_ROW = "untrained DFN 30 %"
CLASSIFIER_ROW = "classifier filter 30 %"
POOL_CLIP_ROW = "pool-CLIP filter 30 %"
ORACLE_ROW = "oracle: clean pairs"


def compare(
    world: World,
    *,
    steps: int = STEPS,
    frac: float = KEEP,
    seed: int = 0,
    repeats: int = REPEATS,
    dfn_steps: int = 150,
) -> Comparison:
    """Train every filter, keep its top ``frac`` of the pool, and train a fresh CLIP on each kept set with the
    same ``steps``: the DFN (ours), the unfiltered pool, a random subset, an untrained DFN (ablation), the
    classifier filter (comparator), a CLIP trained on the whole noisy pool used as a filter (a filter that
    learned from noise), and an oracle that keeps only clean pairs (the upper reference)."""
    pool = world.pool
    k = max(2, round(frac * len(pool)))
    dfn = train_dfn(world.clean, max_steps=dfn_steps, seed=seed)
    filters = {
        DFN_ROW: dfn_filter(world, dfn),
        UNTRAINED_ROW: untrained_filter(world, seed),
        CLASSIFIER_ROW: classifier_filter(world, steps=steps, seed=seed),
        POOL_CLIP_ROW: clip_filter(
            world, train_clip(pool, steps=steps, seed=seed + 13), "CLIP on the pool", "pool"
        ),
    }
    rng = np.random.default_rng(seed + 3)
    keep = {name: keep_top(f.scores, frac) for name, f in filters.items()}
    keep[POOL_ROW] = np.arange(len(pool))
    keep[RANDOM_ROW] = rng.permutation(len(pool))[:k]
    keep[ORACLE_ROW] = rng.permutation(np.flatnonzero(pool.clean))[:k]
    induced = {
        name: induced_accuracy(world, idx, steps=steps, seed=seed, repeats=repeats)
        for name, idx in keep.items()
    }
    return Comparison(world, dfn, filters, keep, induced, steps, frac)


def filter_zoo(
    world: World,
    *,
    steps: int = STEPS,
    seed: int = 0,
    lengths: tuple[int, ...] = (20, 40, 80, 320),
    mixes: tuple[float, ...] = (1.0, 3.0),
) -> list[Filter]:
    """Filters of different accuracy and quality for the key scatter (paper Fig. 1/3): DFNs trained on the clean
    set for different lengths, CLIPs trained on the clean set mixed with pool pairs (paper Fig. 3), and a CLIP
    on the whole pool."""
    out = [
        clip_filter(
            world, train_clip(world.clean, steps=n, seed=seed + 11), f"DFN, {n} steps", "DFN, fixed length"
        )
        for n in lengths
    ]
    out += noisy_dfns(world, mixes, steps=steps, seed=seed)
    out.append(
        clip_filter(
            world,
            train_clip(world.pool, steps=steps, seed=seed + 13),
            "CLIP on the pool",
            "CLIP on noisy data",
        )
    )
    return out


# --- 6. diagram ------------------------------------------------------------------------------------


class TopKFilter(nn.Module):
    """The DFN as a filter (paper §2): cosine s_i = ⟨ĝ(x_i), ĥ(t_i)⟩ of each pool pair, keep the top ``frac``."""

    def __init__(self, dfn: MiniCLIP, frac: float = KEEP) -> None:
        super().__init__()
        self.dfn, self.frac = dfn, frac

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        s = (self.dfn.embed_images(x) * self.dfn.embed_texts(t)).sum(-1)  # (n,) cosine per pair
        k = max(1, round(self.frac * len(s)))
        return s, s.topk(k).indices  # scores and the kept pairs


def diagram_views() -> dict[str, Any]:
    """The overview (the mini-CLIP: two towers, cosine logits with a learnable temperature) and the mechanism
    (the DFN filter: per-pair cosine score, top 30 % kept)."""

    def _batch(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        rng = np.random.default_rng(0)
        return torch.rand(n, 64), tokenize([digit_caption(d % 10, rng) for d in range(n)])

    def overview() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
        torch.manual_seed(0)
        return MiniCLIP(len(VOCAB)), _batch(4), ["b p", "b w"]

    overview.trace_options = {"depth": 1}

    def mechanism() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
        torch.manual_seed(0)
        return TopKFilter(MiniCLIP(len(VOCAB))), _batch(10), ["n p", "n w"]

    mechanism.trace_options = {"depth": 1}
    return {"overview": overview, "mechanism": mechanism}


# --- 7. claim --------------------------------------------------------------------------------------

CLAIM = Claim(
    slug="data_filtering_networks",
    statement=(
        "a CLIP trained on the top 30 % of a noisy pool by the cosine score of a DFN (a CLIP trained on a small "
        "clean set) beats, at the same compute, the same CLIP on the whole pool by at least 5 points of zero-shot "
        "accuracy, and the same CLIP on a random 30 %"
    ),
    # Not reproduced: the 5-point margin (the check this notebook was specified with) is met on 2 of 3 seeds;
    # the gain over the pool is positive on every seed, which is reported, not asserted in its place.
    reproduced=False,
    clauses=(
        Clause("clean_kept", "fraction of clean pairs in the row's training set", ">=", 0.75, kind="sanity"),
        Clause(
            "gain_vs_pool_5",
            "zero-shot accuracy of the CLIP trained on the row's set minus on the whole pool, in points",
            ">=",
            5.0,
        ),
        Clause("gain_vs_random", "the same minus a random 30 % of the pool, in points", ">", 0.0),
        Clause(
            "gain_vs_pool",
            "the gain over the whole pool without the margin (any improvement), in points",
            ">",
            0.0,
            kind="reported",
        ),
        Clause(
            "gain_vs_classifier",
            "the same minus the classifier filter's 30 % (the paper's comparator), in points",
            ">=",
            0.0,
            kind="reported",
        ),
        Clause(
            "gain_vs_pool_clip",
            "the same minus the 30 % kept by a CLIP trained on the noisy pool (accuracy ≠ filter quality), in points",
            ">=",
            0.0,
            kind="reported",
        ),
    ),
)

CONTROLS = (POOL_ROW, RANDOM_ROW, UNTRAINED_ROW)


def claim_rows(cmp: Comparison) -> dict[str, dict[str, float]]:
    """Rows for :data:`CLAIM`: the DFN's set ("ours") and the three negative controls (no filter, random subset,
    untrained DFN); the classifier filter and the pool-CLIP filter enter as reported differences."""
    acc = cmp.induced
    rows = {}
    for name, label in ((DFN_ROW, OURS), *((c, c) for c in CONTROLS)):
        a = acc[name]
        rows[label] = {
            "clean_kept": cmp.precision(name),
            "gain_vs_pool": 100 * (a - acc[POOL_ROW]),
            "gain_vs_pool_5": 100 * (a - acc[POOL_ROW]),
            "gain_vs_random": 100 * (a - acc[RANDOM_ROW]),
            "gain_vs_classifier": 100 * (a - acc[CLASSIFIER_ROW]),
            "gain_vs_pool_clip": 100 * (a - acc[POOL_CLIP_ROW]),
        }
    return rows


def claim_experiment(seed: int) -> dict[str, dict[str, float]]:
    """The headline comparison on the seed's world (pool, clean set and test split all drawn from ``seed``)."""
    return claim_rows(compare(make_world(seed), seed=seed))


# --- Reproduction target (issue 23): fixed before any run --------------------------------------
_ABS = "abstract of arXiv:2309.17425v1 (the stored abstract, read for this spec): "

REPRO = ReproSpec(
    slug="data_filtering_networks",
    target="The filtered-vs-unfiltered comparison at equal compute (DataComp tables) and the Fig. 3 point",
    shows=(
        "A CLIP trained on a pool filtered by a data filtering network (a CLIP trained on a small high-quality set) "
        "beats one trained on the unfiltered pool at the same compute; and filtering quality is not the filter's "
        "own downstream accuracy."
    ),
    metric="zero-shot accuracy of the induced CLIP (points): DFN-filtered 30 % minus the whole pool",
    paper_values=(
        PaperValue(
            "DFN-filtered minus unfiltered pool, induced zero-shot accuracy (points)",
            1.0,
            _ABS
            + "DFNs 'induce state-of-the-art image-text datasets' and DFN-5B models outperform 'models trained "
            "on other datasets such as LAION-2B, DataComp-1B, or OpenAI's WIT'; 1.0 marks the sign only",
            True,
            "direction",
        ),
    ),
    data="a digits image-caption pool (scikit-learn digits with templated, half-corrupted captions)",
    data_kind="stand-in",
    data_note=(
        "No web pool, DataComp suite or ViT here. The stand-in pool has clean, wrong-digit and unrelated pairs; the "
        "DFN is a mini-CLIP trained on 150 clean pairs."
    ),
    sizes={"keep": 0.3, "clip_steps": 300, "repeats": 5, "n_clean": 150, "corrupt": 0.5},
    seeds=(0, 1, 2),
    gpu_minutes=3.0,
    cpu_minutes=12.0,
    notes=(
        "Direction only. The paper's headline number (ViT-H/14 on DFN-5B, 83.0 % ImageNet zero-shot, v1 abstract, "
        "read for this spec) is far out of reach of a 10-minute GPU run and is not a value of this spec. "
        "No reproduce() yet."
    ),
)

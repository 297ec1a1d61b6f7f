"""Deep Interest Network for Click-Through Rate Prediction (DIN; Zhou et al., KDD 2018, arXiv 1706.06978).

CTR models of the Embedding&MLP kind compress a user's behaviour history into one fixed-length vector
(sum pooling) whatever the candidate ad is. DIN replaces the pooling by a **local activation unit**
(paper Eq. 3): for a candidate ad A with embedding v_A and behaviours e_1..e_H,

    v_U(A) = f(v_A, e_1, ..., e_H) = Σ_j a(e_j, v_A) e_j,

where a(·) is a small feed-forward net of the pair. The paper feeds it the behaviour, the ad and their
out product (Fig. 2); the official code (zhougr1993/DeepInterestNetwork, ``din/model.py``) feeds
``[q, k, q − k, q ⊙ k]`` to an 80-40-1 sigmoid MLP. We take the code's input and, by default, the paper's
size (one hidden layer of 36 units, Fig. 2; sigmoid as in the code). The paper stresses that the weights
are **not** normalised (no softmax: "Σ_i w_i = 1 is relaxed ... to reserve the intensity of user
interests"); the official code nevertheless masks, scales by 1/sqrt(d) and applies a softmax. Both are
built here (``attention="din"`` and ``attention="softmax"``).

Two training techniques (paper §4):

* **Dice** (Eq. 8-9): ``f(s) = p(s)·s + (1 − p(s))·α·s`` with ``p(s) = sigmoid((s − E[s]) / sqrt(Var[s] + ε))``,
  E and Var the mini-batch statistics in training and their moving averages in testing; α learned (init 0).
  (The official ``Dice.py`` multiplies the normalised input by a learned β initialised to 0, which makes
  p ≡ 1/2 at the start; we follow the paper's equation.)
* **Mini-batch aware L2 regularisation** (Eq. 4-6): only the embedding rows j that appear in the
  mini-batch B_m are penalised, each scaled by 1/n_j, n_j the number of occurrences of feature j in the
  whole training set: the update is ``w_j ← w_j − η[(1/|B_m|) Σ ∂L/∂w_j + λ (α_mj / n_j) w_j]``.

Metrics: **GAUC** (Eq. 10) — per-user AUC averaged with the user's impression count as weight (users whose
impressions are all clicks or all non-clicks are skipped) — and **RelaImpr** (Eq. 11)
``= ((AUC(model) − 0.5) / (AUC(base) − 0.5) − 1) × 100 %``.

Data: generated users with 2–4 latent interests over 30 categories and a 20-behaviour history (a share of
it random noise); a click depends on how strongly the candidate's category is one of the user's
interests. Sum pooling mixes all of a user's interests into one vector; DIN can pick out the behaviours of
the candidate's category.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from paperlab.claims import Claim, Clause
from paperlab.reproduce import PaperValue, ReproSpec
from paperlab.train import batches, fit

ATTENTIONS = ("sum", "din", "softmax", "key_only")
ACTIVATIONS = ("sigmoid", "dice", "prelu")

# --- 0. data: generated users with several interests ---------------------------------------------------


@dataclass
class CTRData:
    """Impressions ``(user, candidate item, click)`` with each user's behaviour history.

    ``hist[u]`` is user u's history (``hist_len`` item ids); ``item_cat[i]`` the category of item i;
    ``interest[u, c]`` the user's latent interest weight in category c (0 for non-interests).
    ``train``/``test`` are (n, 3) int arrays of (user, item, click).
    """

    n_items: int
    n_cats: int
    item_cat: np.ndarray
    hist: np.ndarray
    interest: np.ndarray
    train: np.ndarray
    test: np.ndarray
    click_prob_test: np.ndarray

    @property
    def n_users(self) -> int:
        return len(self.hist)

    def tensors(self, split: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(users, hist, cand, y)`` of a split: hist (n, hist_len) long, y float."""
        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        arr = self.train if split == "train" else self.test
        users = torch.as_tensor(arr[:, 0])
        return (
            users,
            torch.as_tensor(self.hist)[users],
            torch.as_tensor(arr[:, 1]),
            torch.as_tensor(arr[:, 2]).float(),
        )

    def occurrences(self) -> tuple[torch.Tensor, torch.Tensor]:
        """n_j of Eq. 4-6: how often each item id and each category id occurs in the training samples
        (the candidate and the history of every training impression)."""
        users, hist, cand, _ = self.tensors("train")
        items = torch.cat([hist.reshape(-1), cand])
        n_item = torch.bincount(items, minlength=self.n_items).float()
        n_cat = torch.bincount(torch.as_tensor(self.item_cat)[items], minlength=self.n_cats).float()
        return n_item, n_cat


def multi_interest_ctr(
    n_users: int = 3000,
    n_items: int = 1500,
    *,
    n_cats: int = 30,
    hist_len: int = 20,
    interests: tuple[int, int] = (2, 4),
    noise: float = 0.25,
    n_train: int = 16,
    n_test: int = 8,
    zipf: float = 1.0,
    bias: float = -2.5,
    scale: float = 9.0,
    seed: int = 0,
) -> CTRData:
    """Generated CTR logs (the PAPERS.md spec): items belong to one of ``n_cats`` categories, with
    Zipf(``zipf``) popularity inside a category. Each user has 2–4 interest categories with Dirichlet
    weights w_u; each of the ``hist_len`` behaviours comes from an interest category (by w_u) or, with
    probability ``noise``, from a random category. Impressions: half the candidates come from the
    user's interest categories, half from random ones; the click probability is
    ``sigmoid(bias + scale · w_u[c])`` with c the candidate's category (w_u[c] = 0 for non-interests)."""
    if not 0 <= noise < 1:
        raise ValueError(f"noise must be in [0, 1), got {noise}")
    if not 1 <= interests[0] <= interests[1] <= n_cats:
        raise ValueError(f"interests must be (lo, hi) with 1 <= lo <= hi <= n_cats, got {interests}")
    rng = np.random.default_rng(seed)
    item_cat = rng.permutation(np.arange(n_items) % n_cats)
    # item popularity inside each category: Zipf over the category's members, as padded CDF rows
    members = [np.flatnonzero(item_cat == c) for c in range(n_cats)]
    width = max(len(m) for m in members)
    cdf = np.ones((n_cats, width))
    table = np.zeros((n_cats, width), dtype=np.int64)
    for c, m in enumerate(members):
        p = 1.0 / (1 + np.arange(len(m))) ** zipf
        cdf[c, : len(m)] = np.cumsum(p / p.sum())
        table[c, : len(m)] = m
        table[c, len(m) :] = m[-1]

    def draw_items(cats: np.ndarray) -> np.ndarray:  # one item per entry, by popularity in its category
        pos = (rng.random(cats.shape)[..., None] > cdf[cats]).sum(-1)
        return table[cats, np.minimum(pos, width - 1)]

    # 2-4 distinct interest categories per user with Dirichlet(1, ..., 1) weights
    k = rng.integers(interests[0], interests[1] + 1, size=n_users)
    slots = np.arange(interests[1])[None, :] < k[:, None]  # (users, max interests)
    cats = np.argsort(rng.random((n_users, n_cats)), 1)[:, : interests[1]]
    g = rng.gamma(1.0, size=slots.shape) * slots
    w = g / g.sum(1, keepdims=True)
    interest = np.zeros((n_users, n_cats))
    np.put_along_axis(interest, cats, w, 1)
    wcdf = np.cumsum(w, 1)

    def interest_cats(n: int) -> np.ndarray:  # (users, n) categories drawn by each user's weights
        slot = (rng.random((n_users, n))[..., None] > wcdf[:, None, :]).sum(-1)
        return np.take_along_axis(cats, np.minimum(slot, interests[1] - 1), 1)

    def uniform_interest(n: int) -> np.ndarray:  # (users, n) one of the user's interests, uniformly
        slot = (rng.random((n_users, n)) * k[:, None]).astype(np.int64)
        return np.take_along_axis(cats, slot, 1)

    random_cats = rng.integers(n_cats, size=(n_users, hist_len))
    hc = np.where(rng.random((n_users, hist_len)) < noise, random_cats, interest_cats(hist_len))
    hist = draw_items(hc)
    n_imp = n_train + n_test
    cc = np.where(
        rng.random((n_users, n_imp)) < 0.5,
        uniform_interest(n_imp),
        rng.integers(n_cats, size=(n_users, n_imp)),
    )
    cand = draw_items(cc)
    probs_arr = 1.0 / (1.0 + np.exp(-(bias + scale * np.take_along_axis(interest, cc, 1))))
    y = (rng.random((n_users, n_imp)) < probs_arr).astype(np.int64)
    users = np.broadcast_to(np.arange(n_users)[:, None], (n_users, n_imp))
    rows_arr = np.stack([users, cand, y], -1)  # (users, n_imp, 3)
    train = rows_arr[:, :n_train].reshape(-1, 3)
    test = rows_arr[:, n_train:].reshape(-1, 3)
    return CTRData(n_items, n_cats, item_cat, hist, interest, train, test, probs_arr[:, n_train:].reshape(-1))


# --- 1. the paper's pieces: Dice, the local activation unit, the model ---------------------------------


class Dice(nn.Module):
    """Dice (Eq. 8-9): ``f(s) = p(s)·s + (1 − p(s))·α·s``, ``p(s) = sigmoid((s − E[s]) / sqrt(Var[s] + ε))``.

    E[s], Var[s] are the mini-batch statistics per unit in training and their moving averages in eval
    mode (a ``BatchNorm1d`` without affine parameters keeps both); α (one per unit) starts at 0."""

    def __init__(self, dim: int, eps: float = 1e-8, momentum: float = 0.1) -> None:
        super().__init__()
        self.norm = nn.BatchNorm1d(dim, eps=eps, momentum=momentum, affine=False)
        self.alpha = nn.Parameter(torch.zeros(dim))

    def gate(self, s: torch.Tensor) -> torch.Tensor:
        """p(s), same shape as s (units on the last axis)."""
        flat = s.reshape(-1, s.shape[-1])
        return torch.sigmoid(self.norm(flat)).reshape(s.shape)

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        p = self.gate(s)
        return p * s + (1 - p) * self.alpha * s


def _act(name: str, dim: int) -> nn.Module:
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {name!r}")
    return {"sigmoid": nn.Sigmoid, "dice": lambda: Dice(dim), "prelu": lambda: nn.PReLU(dim, init=0.25)}[
        name
    ]()


def mlp(sizes: tuple[int, ...], act: str = "sigmoid") -> nn.Sequential:
    """Linear layers of ``sizes`` with ``act`` between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(_act(act, b))
    return nn.Sequential(*layers)


class ActivationUnit(nn.Module):
    """The local activation unit a(e_j, v_A) of Eq. 3 / Fig. 2: a sigmoid MLP (``hidden`` units, then one
    linear output) over ``[q, k, q − k, q ⊙ k]`` (the official code's input; the code uses 80-40, the
    paper's Fig. 2 one layer of 36) → one weight per behaviour, (B, T).

    ``query=False`` is the ablation a(e_j): the unit sees the behaviour only, so its weights cannot
    depend on the candidate."""

    def __init__(self, dim: int, hidden: tuple[int, ...] = (80, 40), *, query: bool = True) -> None:
        super().__init__()
        self.query = query
        self.net = mlp((4 * dim if query else dim, *hidden, 1), "sigmoid")

    def forward(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:  # q (B, D), k (B, T, D) -> (B, T)
        if self.query:
            qq = q.unsqueeze(1).expand_as(k)
            x = torch.cat([qq, k, qq - k, qq * k], -1)  # (B, T, 4D)
        else:
            x = k
        return self.net(x).squeeze(-1)


class DINPooling(nn.Module):
    """v_U(A) = Σ_j w_j e_j (Eq. 3) with w_j the activation unit's weights as they come (the paper)
    or, for ``normalise=True``, softmax_j(w_j / sqrt(D)) (the official code)."""

    def __init__(
        self, dim: int, *, normalise: bool = False, query: bool = True, hidden: tuple[int, ...] = (80, 40)
    ) -> None:
        super().__init__()
        self.unit = ActivationUnit(dim, hidden, query=query)
        self.normalise = normalise

    def weights(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:  # (B, T)
        w = self.unit(q, k)
        return torch.softmax(w / k.shape[-1] ** 0.5, -1) if self.normalise else w

    def forward(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:  # (B, D)
        return (self.weights(q, k).unsqueeze(-1) * k).sum(1)


class SumPooling(nn.Module):
    """The base model's pooling: Σ_j e_j, the same vector whatever the candidate."""

    def weights(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        return torch.ones(k.shape[:2], dtype=k.dtype)

    def forward(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        return k.sum(1)


class CTRModel(nn.Module):
    """Embedding&MLP CTR model (paper Fig. 2). Each item is ``[item-id embedding ‖ category embedding]``
    (goods_id and cate_id, as in the official code); the behaviours are pooled by ``attention``:

    * ``"sum"`` — the base model (sum pooling);
    * ``"din"`` — DIN, unnormalised activation-unit weights (the paper);
    * ``"softmax"`` — DIN with the official code's softmax over the behaviours;
    * ``"key_only"`` — the ablation whose activation unit sees only the behaviour.

    The pooled user vector and the candidate's embedding go through an MLP 80-40-1 (the official code's
    sizes; the paper's Fig. 2 draws 200-80-2) with ``act`` (sigmoid as in the code, or Dice / PReLU)
    plus a per-item bias (the code's ``item_b``); the output is the click logit."""

    def __init__(
        self,
        n_items: int,
        item_cat: np.ndarray | torch.Tensor,
        *,
        dim: int = 8,
        attention: str = "din",
        act: str = "sigmoid",
        hidden: tuple[int, ...] = (80, 40),
        att_hidden: tuple[int, ...] = (36,),
    ) -> None:
        super().__init__()
        if attention not in ATTENTIONS:
            raise ValueError(f"attention must be one of {ATTENTIONS}, got {attention!r}")
        if act not in ACTIVATIONS:
            raise ValueError(f"act must be one of {ACTIVATIONS}, got {act!r}")
        item_cat = torch.as_tensor(item_cat, dtype=torch.long)
        self.register_buffer("item_cat", item_cat)
        self.attention, self.act = attention, act
        self.item_emb = nn.Embedding(n_items, dim)
        self.cat_emb = nn.Embedding(int(item_cat.max()) + 1, dim)
        self.item_bias = nn.Embedding(n_items, 1)
        for e in (self.item_emb, self.cat_emb):
            nn.init.normal_(e.weight, std=0.1)
        nn.init.zeros_(self.item_bias.weight)
        d = 2 * dim
        self.pool = (
            SumPooling()
            if attention == "sum"
            else DINPooling(
                d, normalise=attention == "softmax", query=attention != "key_only", hidden=att_hidden
            )
        )
        self.mlp = mlp((2 * d, *hidden, 1), act)

    def embed(self, items: torch.Tensor) -> torch.Tensor:  # (...,) -> (..., 2 dim)
        return torch.cat([self.item_emb(items), self.cat_emb(self.item_cat[items])], -1)

    def attention_weights(self, hist: torch.Tensor, cand: torch.Tensor) -> torch.Tensor:  # (B, T)
        return self.pool.weights(self.embed(cand), self.embed(hist))

    def forward(self, hist: torch.Tensor, cand: torch.Tensor) -> torch.Tensor:  # (B, T), (B,) -> (B,)
        q = self.embed(cand)  # (B, D)
        user = self.pool(q, self.embed(hist))  # (B, D)
        return self.mlp(torch.cat([user, q], -1)).squeeze(-1) + self.item_bias(cand).squeeze(-1)


def history_attention(
    model: CTRModel, data: CTRData, user: int, item: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """One user's behaviours sorted by category (the paper's Fig. 5 layout): their categories, the model's
    weights a(e_j, v_A) for the candidate ``item``, and the predicted click probability."""
    order = np.argsort(data.item_cat[data.hist[user]], kind="stable")
    hist = torch.as_tensor(data.hist[user][order])
    with torch.no_grad():
        w = model.attention_weights(hist[None], torch.tensor([item]))[0].numpy()
        p = torch.sigmoid(model(hist[None], torch.tensor([item])))[0].item()
    return data.item_cat[hist.numpy()], w, p


def attention_bars(ax, cats: np.ndarray, w: np.ndarray, category: int) -> None:  # noqa: ANN001
    """Bars of the weights over the history; dark where the behaviour is in the candidate's category."""
    ax.bar(range(len(w)), w, color=np.where(cats == category, "#3366cc", "#c8d3ea"))
    ax.set_xticks(range(len(w)), [str(c) for c in cats], fontsize=6)


# --- 2. mini-batch aware regularisation and the metrics ------------------------------------------------


def mba_l2(weight: torch.Tensor, ids: torch.Tensor, counts: torch.Tensor, lam: float) -> torch.Tensor:
    """Mini-batch aware L2 (Eq. 5-6): ``(λ/2) Σ_{j ∈ B_m} ‖w_j‖² / n_j`` over the rows j that occur in the
    batch (each once, α_mj = 1), so its gradient is λ (α_mj/n_j) w_j as in Eq. 6; rows not in the batch
    get no gradient."""
    rows = torch.unique(ids.reshape(-1))
    return 0.5 * lam * (weight[rows].pow(2).sum(-1) / counts[rows].clamp(min=1)).sum()


def gauc(user_ids, labels, scores) -> float:  # noqa: ANN001
    """GAUC (Eq. 10): Σ_i #impression_i · AUC_i / Σ_i #impression_i over users i, AUC_i the AUC of user i's
    impressions; users whose labels are all 1 or all 0 are skipped (their AUC is undefined). Ties in the
    scores count one half (average ranks)."""
    u = np.asarray(user_ids).reshape(-1)
    y = np.asarray(labels).reshape(-1).astype(int)
    s = np.asarray(scores, dtype=float).reshape(-1)
    if not (len(u) == len(y) == len(s)):
        raise ValueError(f"user_ids, labels, scores must have equal length; got {len(u)}, {len(y)}, {len(s)}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("labels must be 0 or 1")
    order = np.lexsort((s, u))  # by user, then score
    u, y, s = u[order], y[order], s[order]
    _, user = np.unique(u, return_inverse=True)
    n_users = user.max() + 1
    size = np.bincount(user, minlength=n_users)
    start = np.r_[0, np.cumsum(size)[:-1]]
    rank = np.arange(len(u)) - start[user] + 1.0  # 1-based rank inside the user's impressions
    tie = np.r_[0, np.cumsum((u[1:] != u[:-1]) | (s[1:] != s[:-1]))]  # runs of equal (user, score)
    rank = (np.bincount(tie, weights=rank) / np.bincount(tie))[tie]  # ties get their average rank
    n_pos = np.bincount(user, weights=y, minlength=n_users)
    n_neg = size - n_pos
    rank_pos = np.bincount(user, weights=rank * y, minlength=n_users)
    ok = (n_pos > 0) & (n_neg > 0)
    if not ok.any():
        raise ValueError("no user has both clicks and non-clicks: GAUC is undefined")
    auc = (rank_pos[ok] - n_pos[ok] * (n_pos[ok] + 1) / 2) / (n_pos[ok] * n_neg[ok])
    return float((size[ok] * auc).sum() / size[ok].sum())


def rela_impr(auc_model: float, auc_base: float) -> float:
    """RelaImpr (Eq. 11), in percent: ((AUC(model) − 0.5) / (AUC(base) − 0.5) − 1) × 100; NaN when the
    base is no better than random (AUC(base) <= 0.5), where the ratio means nothing."""
    if auc_base <= 0.5:
        return float("nan")
    return ((auc_model - 0.5) / (auc_base - 0.5) - 1) * 100


# --- 3. training and evaluation ------------------------------------------------------------------------


@torch.no_grad()
def predict(model: CTRModel, data: CTRData, split: str = "test", batch_size: int = 4096) -> np.ndarray:
    """Click logits of a split, in eval mode."""
    was = model.training
    model.eval()
    _, hist, cand, _ = data.tensors(split)
    out = torch.cat(
        [model(hist[i : i + batch_size], cand[i : i + batch_size]) for i in range(0, len(cand), batch_size)]
    )
    model.train(was)
    return out.numpy()


def evaluate(model: CTRModel, data: CTRData, split: str = "test") -> dict[str, float]:
    """GAUC and AUC on a split."""
    from sklearn.metrics import roc_auc_score

    arr = data.train if split == "train" else data.test
    s = predict(model, data, split)
    return {"gauc": gauc(arr[:, 0], arr[:, 2], s), "auc": float(roc_auc_score(arr[:, 2], s))}


@dataclass
class Run:
    """A trained model, its final test GAUC/AUC and its curves: at ``steps``, the test GAUC and AUC and the
    GAUC on a sample of the training impressions; ``loss`` per step."""

    name: str
    model: CTRModel
    gauc: float
    auc: float
    steps: list[int]
    test_gauc: list[float]
    test_auc: list[float]
    train_gauc: list[float]
    loss: list[float]

    def at_step(self, step: int) -> tuple[float, float]:
        """(test GAUC, test AUC) at the last evaluation at or before ``step`` (the final values if none)."""
        picks = [i for i, s in enumerate(self.steps) if s <= step]
        if not picks:
            return self.gauc, self.auc
        return self.test_gauc[picks[-1]], self.test_auc[picks[-1]]


def train_ctr(
    data: CTRData,
    name: str = "DIN",
    *,
    attention: str = "din",
    act: str = "sigmoid",
    mba: float = 0.0,
    dim: int = 8,
    att_hidden: tuple[int, ...] = (36,),
    epochs: int = 3,
    batch_size: int = 256,
    lr: float = 1e-2,
    eval_every: int | None = None,
    seed: int = 0,
) -> Run:
    """Train one CTR model by binary cross-entropy (Adam, lr 1e-2, batch 256: the same budget for every
    model) with ``paperlab.train.fit``; ``mba > 0`` adds the mini-batch aware L2 (Eq. 6) on the item-id
    and category embedding rows of each batch. With ``eval_every``, test GAUC and the GAUC on a
    held-in sample of training impressions are logged every ``eval_every`` steps."""
    torch.manual_seed(seed)
    model = CTRModel(
        data.n_items, data.item_cat, dim=dim, attention=attention, act=act, att_hidden=att_hidden
    )
    n_item, n_cat = data.occurrences()
    _, hist, cand, y = data.tensors("train")

    def loss_fn(m: CTRModel, batch) -> torch.Tensor:  # noqa: ANN001
        h, c, t = batch
        loss = F.binary_cross_entropy_with_logits(m(h, c), t)
        if mba > 0:
            ids = torch.cat([h.reshape(-1), c])
            loss = (
                loss
                + mba_l2(m.item_emb.weight, ids, n_item, mba)
                + mba_l2(m.cat_emb.weight, m.item_cat[ids], n_cat, mba)
            )
        return loss

    sub = torch.randperm(len(data.train), generator=torch.Generator().manual_seed(seed))[
        : len(data.test) // 2
    ]
    train_probe = CTRData(
        data.n_items, data.n_cats, data.item_cat, data.hist, data.interest, data.train,
        data.train[sub.numpy()], data.click_prob_test[: len(sub)],
    )  # fmt: skip

    def eval_fn(m: CTRModel) -> dict[str, float]:
        test = evaluate(m, data)
        return {
            "test_gauc": test["gauc"],
            "test_auc": test["auc"],
            "train_gauc": evaluate(m, train_probe)["gauc"],
        }

    hist_ = fit(
        model,
        loss_fn,
        batches(hist, cand, y, batch_size=batch_size, seed=seed),
        epochs=epochs,
        lr=lr,
        eval_fn=eval_fn if eval_every else None,
        eval_every=eval_every or 1,
        desc=name,
    )
    curves = hist_.values
    if curves.get("test_gauc"):  # fit evaluates once more after the last step: reuse it
        final = {"gauc": curves["test_gauc"][-1], "auc": curves["test_auc"][-1]}
    else:
        final = evaluate(model, data)
    return Run(
        name,
        model,
        final["gauc"],
        final["auc"],
        hist_.steps.get("test_gauc", []),
        curves.get("test_gauc", []),
        curves.get("test_auc", []),
        curves.get("train_gauc", []),
        hist_["loss"],
    )


def oracle_gauc(data: CTRData) -> float:
    """GAUC of the true click probabilities: the ceiling any model can reach on this test set."""
    return gauc(data.test[:, 0], data.test[:, 2], data.click_prob_test)


@torch.no_grad()
def attention_ratio(model: CTRModel, data: CTRData, max_rows: int = 4000) -> float:
    """How much more weight the behaviours of the candidate's category get than the average behaviour
    (paper Fig. 5), over test impressions whose candidate is in one of the user's interest categories
    and whose history holds at least one behaviour of that category and one of another:
    mean over impressions of ``mean_{j: cat(e_j) = cat(A)} |w_j| / mean_j |w_j|``. The weights are
    unnormalised and may be negative (the MLP after the pooling can undo a sign), so a behaviour's
    share of v_U = Σ_j w_j e_j is measured by |w_j|. Sum pooling gives exactly 1."""
    model.eval()
    users, hist, cand, _ = data.tensors("test")
    cat = torch.as_tensor(data.item_cat)
    same = cat[hist] == cat[cand].unsqueeze(1)  # (n, T)
    interest = torch.as_tensor(data.interest)[users, cat[cand]] > 0
    keep = interest & same.any(1) & (~same).any(1)
    idx = torch.nonzero(keep).squeeze(1)[:max_rows]
    w = model.attention_weights(hist[idx], cand[idx]).abs()  # (n, T)
    s = same[idx].float()
    match = (w * s).sum(1) / s.sum(1)
    return float((match / w.mean(1).clamp(min=1e-12)).mean())


# --- 4. diagrams -----------------------------------------------------------------------------------------


def _tiny() -> tuple[CTRModel, torch.Tensor, torch.Tensor]:
    item_cat = np.arange(12) % 4
    model = CTRModel(12, item_cat, dim=4, attention="din")
    hist = torch.randint(12, (2, 5))
    cand = torch.randint(12, (2,))
    return model, hist, cand


def _overview():
    model, hist, cand = _tiny()
    return model, (hist, cand), None


def _mechanism():
    model, hist, cand = _tiny()
    return model.pool, (model.embed(cand).detach(), model.embed(hist).detach()), None


_overview.trace_options = {"depth": 0}
_mechanism.trace_options = {"depth": 2}


def diagram_views() -> dict[str, Callable]:
    """overview: embeddings → DIN pooling → MLP; mechanism: the local activation unit and the weighted sum."""
    return {"overview": _overview, "mechanism": _mechanism}


# --- 5. the claim ----------------------------------------------------------------------------------------

CLAIM = Claim(
    slug="deep_interest_network",
    statement=(
        "pooling a user's behaviours with weights from a local activation unit of the candidate (DIN) "
        "ranks each user's impressions better (GAUC) than sum pooling, and puts the weight on the "
        "behaviours that match the candidate (paper Table 3, Fig. 5)"
    ),
    # Not reproduced as specified: the attention clause (>= 2x on the candidate's category) holds on 2 of 3
    # seeds (1.87 on seed 2); it stays an evidence clause rather than being demoted after the fact. The GAUC
    # clauses hold on every seed (ledger).
    reproduced=False,
    clauses=(
        Clause("gauc_gain", "test GAUC minus the base model's (sum pooling, same budget)", ">=", 0.02),
        Clause("gain_vs_long_base", "test GAUC minus the base model's trained with 3x the steps", ">=", 0.02),
        Clause(
            "attention_ratio",
            "mean |w_j| on the behaviours of the candidate's category / mean |w_j| (sum pooling: 1)",
            ">=",
            2.0,
        ),
        Clause("gauc", "test GAUC", ">=", 0.6, kind="sanity"),
    ),
)


def claim_rows(
    din: Run, base: Run, base_long: Run, controls: dict[str, CTRModel], data: CTRData
) -> dict[str, dict[str, float]]:
    """Claim rows: DIN ("ours"), the base model at the same budget and with 3x the steps, and further
    controls given as models (e.g. the DIN whose unit sees only the behaviour, an untrained DIN)."""

    def row(model: CTRModel, g: float | None = None) -> dict[str, float]:
        g = evaluate(model, data)["gauc"] if g is None else g
        return {
            "gauc_gain": g - base.gauc,
            "gain_vs_long_base": g - base_long.gauc,
            "attention_ratio": attention_ratio(model, data),
            "gauc": g,
        }

    rows = {"ours": row(din.model, din.gauc), "Base (sum pooling)": row(base.model, base.gauc)}
    rows["Base, 3x the steps"] = row(base_long.model, base_long.gauc)
    return rows | {name: row(model) for name, model in controls.items()}


FAST = {"n_users": 3000, "n_items": 1500, "epochs": 3}


def claim_experiment(seed: int) -> dict[str, dict[str, float]]:
    """Fast mode: 3,000 users (16 train / 8 test impressions each), 1,500 items in 30 categories, 8+8-dim
    embeddings, 3 epochs of Adam (batch 256) for DIN, the base model and the DIN whose activation unit
    sees only the behaviour a(e_j); the base model again with 9 epochs; and the untrained DIN."""
    data = multi_interest_ctr(FAST["n_users"], FAST["n_items"], seed=seed)
    din = train_ctr(data, "DIN", attention="din", epochs=FAST["epochs"], seed=seed)
    base = train_ctr(data, "Base", attention="sum", epochs=FAST["epochs"], seed=seed)
    base3 = train_ctr(data, "Base x3", attention="sum", epochs=3 * FAST["epochs"], seed=seed)
    blind = train_ctr(data, "DIN a(e_j)", attention="key_only", epochs=FAST["epochs"], seed=seed)
    torch.manual_seed(seed)
    untrained = CTRModel(data.n_items, data.item_cat, attention="din")
    controls = {"DIN, unit sees e_j only": blind.model, "DIN untrained": untrained}
    return claim_rows(din, base, base3, controls, data)


# --- Reproduction target (issue 23): fixed before any run --------------------------------------
REPRO = ReproSpec(
    slug="deep_interest_network",
    target="Table 3 (number recalled; Amazon(Electro) GAUC), as corrected in the official README: BaseModel, DIN, DIN with Dice",
    shows=(
        "Test GAUC of the Embedding&MLP base model (sum pooling of the behaviour embeddings) against DIN (the "
        "candidate-conditioned local activation unit) and DIN with the Dice activation, trained on the same data."
    ),
    metric="GAUC differences between models (impression-weighted per-user AUC, Eq. 10)",
    paper_values=(
        PaperValue(
            key="GAUC gain of DIN over the base model",
            value=0.0074,
            source=(
                "official repository zhougr1993/DeepInterestNetwork at commit 9765f96 (seen): README 'Important "
                "Statement' table DIN 0.8698, and base_model/log_base 'best test_gauc: 0.86238...'; 0.8698 − 0.8624"
            ),
            verified=True,
            rule="direction",
            reference=0.0,
        ),
        PaperValue(
            key="GAUC gain of DIN with Dice over DIN",
            value=0.0013,
            source="official README, zhougr1993/DeepInterestNetwork commit 9765f96 (seen): DIN with Dice 0.8711, DIN 0.8698",
            verified=True,
            rule="direction",
            reference=0.0,
        ),
    ),
    data="generated users with 2–4 interests over 30 categories (20,000 users, 5,000 items) as a stand-in for Amazon(Electro)",
    data_kind="stand-in",
    data_note=(
        "Amazon(Electro), MovieLens and the Alibaba data are not available offline. The generator plants what DIN "
        "exploits (several interests per user; the click depends on the candidate's category), so the GAUC scale "
        "differs from Amazon's and only the signs of the gains are compared."
    ),
    sizes={"n_users": 20000, "n_items": 5000, "attention_hidden": (80, 40), "epochs": 6},
    seeds=(0, 1, 2),
    gpu_minutes=6.0,
    cpu_minutes=30.0,
    notes=(
        "The notebook's full sizes (20,000 users, activation unit 80-40, 6 epochs). Both rules are the sign of "
        "the mean gain over seeds. The README's corrected DIN-over-BaseModel gain (+0.0074) is far smaller than "
        "the paper's original Table 3 (recalled: DIN 0.8818), which the README says a BatchNorm bug inflated; the "
        "README's values are used."
    ),
)

"""Training the Untrainable: Introducing Inductive Bias via Representational Alignment
(Subramaniam, Mayo, Conwell, Poggio, Katz, Cheung, Barbu; NeurIPS 2025; code
vsubramaniam851/untrainable-networks).

*Guidance* trains a target network that is hard to train (here a deep fully connected net that
overfits) while pulling its hidden representations towards those of a frozen *guide* network with
a better architectural prior (here a small CNN). The guide may be trained or even untrained: its
architecture alone carries an inductive bias. Following the repository's ``rep_sim/layer_sim.py``,
each guide layer ``l`` is paired with the target layer at the same relative depth
(``round(l * (n_target - 1) / (n_guide - 1))``), activations are flattened per sample, and the loss is::

    L = CE(target(x), y) + lambda * sum_l (1 - CKA_linear(h_target_l(x), h_guide_l(x)))

computed on each minibatch (the repository's ``rep_similarity_loss`` with ``rep_sim='CKA'``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from paperlab.align.cka import linear_cka_torch
from paperlab.claims import Claim, Clause
from paperlab.config import current, seed_everything
from paperlab.reproduce import PaperValue, ReproSpec
from paperlab.train import History, accuracy, batches, fit

GUIDES = ("none", "trained", "untrained")
INITS = ("he", "torch")


# 1. models ----------------------------------------------------------------------------------------
class DeepFCN(nn.Module):
    """The target: ``depth`` fully connected layers of ``width`` units with ReLU, then a linear readout.

    ``init="he"`` (default) draws hidden weights from ``N(0, 2 / fan_in)`` with zero biases (He et al.
    2015), which keeps the forward signal's scale through the ReLU stack, so the net can fit -- and
    overfit -- its training set, the regime the paper studies. ``init="torch"`` keeps PyTorch's
    default (weight variance ``1 / (3 fan_in)``): each ReLU layer then shrinks the signal's second
    moment about 6-fold, the deep layers see mostly biases, and the FCN underfits instead.
    """

    def __init__(
        self, in_dim: int = 256, width: int = 256, depth: int = 8, n_classes: int = 10, init: str = "he"
    ) -> None:
        super().__init__()
        if depth < 2:
            raise ValueError(f"depth must be >= 2; got {depth}")
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}; got {init!r}")
        dims = [in_dim] + [width] * depth
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:], strict=True))
        self.out = nn.Linear(width, n_classes)
        if init == "he":
            for layer in self.layers:
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
                nn.init.zeros_(layer.bias)

    def hidden(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Post-ReLU activations of every hidden layer, each ``(batch, width)``."""
        h, hs = x.flatten(1), []
        for layer in self.layers:
            h = F.relu(layer(h))
            hs.append(h)
        return hs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.hidden(x)[-1])


class GuideCNN(nn.Module):
    """The guide: conv 16 -> conv 32 -> conv 32 (3x3, ReLU, 2x2 pool after each) -> fc 128 -> 10."""

    def __init__(self, n_classes: int = 10) -> None:
        super().__init__()
        self.convs = nn.ModuleList(
            [nn.Conv2d(1, 16, 3, padding=1), nn.Conv2d(16, 32, 3, padding=1), nn.Conv2d(32, 32, 3, padding=1)]
        )
        self.fc = nn.Linear(32 * 2 * 2, 128)
        self.out = nn.Linear(128, n_classes)

    def hidden(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Post-ReLU activations: three conv maps ``(batch, c, h, w)`` and the fc layer ``(batch, 128)``."""
        hs, h = [], x
        for conv in self.convs:
            h = F.relu(conv(h))
            hs.append(h)
            h = F.max_pool2d(h, 2)
        hs.append(F.relu(self.fc(h.flatten(1))))
        return hs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.hidden(x)[-1])


def layer_mapping(n_guide: int, n_target: int) -> list[int]:
    """Target layer paired with each guide layer, evenly by relative depth (the repo's ``layer_supervision``)."""
    if n_guide < 1 or n_target < 1:
        raise ValueError(f"n_guide and n_target must be >= 1; got {n_guide}, {n_target}")
    step = (n_target - 1) / (n_guide - 1) if n_guide > 1 else 1
    return [min(round(i * step), n_target - 1) for i in range(n_guide)]


def guidance_loss(target: DeepFCN, guide: GuideCNN, x: torch.Tensor) -> torch.Tensor:
    """``sum_l (1 - CKA(target layer m(l), guide layer l))`` on one batch; the guide gets no gradient."""
    with torch.no_grad():
        g = guide.hidden(x)
    t = target.hidden(x)
    pairs = zip(g, layer_mapping(len(g), len(t)), strict=True)
    return sum(1 - linear_cka_torch(t[j], gl) for gl, j in pairs)


# 2. data ------------------------------------------------------------------------------------------
def shifted_digits(
    n_train: int = 600, canvas: int = 16, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """8x8 digits pasted at a random offset on a ``canvas`` x ``canvas`` image: ``(x_tr, y_tr, x_te, y_te)``.

    Translation is the structure a CNN handles by design and a fully connected net must learn
    from data, so with few training samples the FCN overfits.
    """
    from sklearn.datasets import load_digits

    if canvas < 8:
        raise ValueError(f"canvas must be >= 8; got {canvas}")
    d = load_digits()
    rng = np.random.default_rng(seed)
    n = len(d.images)
    if not 0 < n_train < n:
        raise ValueError(f"n_train must be in (0, {n}); got {n_train}")
    x = np.zeros((n, 1, canvas, canvas), dtype=np.float32)
    offsets = rng.integers(0, canvas - 8 + 1, size=(n, 2))
    for i, (r, c) in enumerate(offsets):
        x[i, 0, r : r + 8, c : c + 8] = d.images[i] / 16.0
    order = rng.permutation(n)
    tr, te = order[:n_train], order[n_train:]
    x, y = torch.tensor(x), torch.tensor(d.target)
    return x[tr], y[tr], x[te], y[te]


# 3. experiments -----------------------------------------------------------------------------------
def train_guide(data: tuple[torch.Tensor, ...], *, steps: int = 600, seed: int = 0) -> tuple[GuideCNN, float]:
    """Train the CNN guide with cross-entropy; return it (frozen, eval mode) and its test accuracy."""
    xtr, ytr, xte, yte = data
    seed_everything(seed)
    guide = GuideCNN()
    fit(
        guide,
        lambda m, b: F.cross_entropy(m(b[0]), b[1]),
        batches(xtr, ytr, batch_size=64, seed=seed),
        steps=steps,
        lr=2e-3,
        desc="guide",
    )
    guide.requires_grad_(False).eval()
    return guide, accuracy(guide, xte, yte)


@dataclass
class GuidedRun:
    model: DeepFCN
    history: History
    train_acc: float
    test_acc: float


def train_target(
    data: tuple[torch.Tensor, ...],
    guide: GuideCNN | None,
    *,
    lam: float = 2.0,
    width: int = 256,
    init: str = "he",
    weight_decay: float = 0.0,
    steps: int = 1000,
    lr: float = 1e-3,
    seed: int = 0,
    eval_every: int = 100,
) -> GuidedRun:
    """Train the deep FCN (8 x ``width``) with cross-entropy, plus ``lam`` x the guidance loss when ``guide`` is
    given. ``weight_decay > 0`` trains with AdamW (decoupled weight decay) instead of Adam: the plain
    regulariser baseline."""
    if lam < 0:
        raise ValueError(f"lam must be >= 0; got {lam}")
    if weight_decay < 0:
        raise ValueError(f"weight_decay must be >= 0; got {weight_decay}")
    xtr, ytr, xte, yte = data
    seed_everything(seed)
    model = DeepFCN(in_dim=xtr[0].numel(), width=width, init=init)

    def loss_fn(m: DeepFCN, b: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, dict[str, float]]:
        ce = F.cross_entropy(m(b[0]), b[1])
        if guide is None:
            return ce, {"ce": ce.item()}
        rep = guidance_loss(m, guide, b[0])
        return ce + lam * rep, {"ce": ce.item(), "rep": rep.item()}

    def eval_fn(m: DeepFCN) -> dict[str, float]:
        return {"train_acc": accuracy(m, xtr, ytr), "test_acc": accuracy(m, xte, yte)}

    hist = fit(
        model,
        loss_fn,
        batches(xtr, ytr, batch_size=64, seed=seed),
        steps=steps,
        lr=lr,
        optimizer=torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
        if weight_decay
        else None,
        eval_fn=eval_fn,
        eval_every=eval_every,
        desc="target",
    )
    return GuidedRun(model, hist, accuracy(model, xtr, ytr), accuracy(model, xte, yte))


def _centred_gram(h: torch.Tensor) -> torch.Tensor:
    """``H X X^T H`` for activations ``(n, ...)``, flattened per sample, in float64: ``(n, n)``."""
    x = h.flatten(1).double()
    x = x - x.mean(0)
    return x @ x.T


@torch.no_grad()
def layer_cka(target: DeepFCN, guide: GuideCNN, x: torch.Tensor) -> np.ndarray:
    """Target layer x guide layer linear CKA on inputs ``x``: ``(n_target_layers, n_guide_layers)``.

    Same values as ``paperlab.align.cka.cka_matrix`` (linear CKA = ``<K, L>_F / (||K||_F ||L||_F)`` of the
    centred Gram matrices), but through ``(n, n)`` Gram matrices computed once per layer, which is ~50x
    faster here than feature-space products for the CNN's 4096-wide conv maps."""
    kt = [_centred_gram(h) for h in target.hidden(x)]
    kg = [_centred_gram(h) for h in guide.hidden(x)]
    out = np.zeros((len(kt), len(kg)))
    for i, k in enumerate(kt):
        for j, gram in enumerate(kg):
            den = k.norm() * gram.norm()
            out[i, j] = float((k * gram).sum() / den) if den > 0 else 0.0
    return out


def mapped_cka(m: np.ndarray) -> float:
    """Mean CKA over the guided (mapped) layer pairs of a :func:`layer_cka` matrix."""
    idx = layer_mapping(m.shape[1], m.shape[0])
    return float(np.mean([m[j, i] for i, j in enumerate(idx)]))


@torch.no_grad()
def layer_health(model: DeepFCN, x: torch.Tensor) -> dict[str, np.ndarray]:
    """Per hidden layer on inputs ``x``: ``dead`` = fraction of units never active, ``top`` = share of the
    centred activations' variance along their top singular direction (near 1: the layer has collapsed),
    ``spread`` = root-mean-square of the centred activations (how much the layer varies with the input)."""
    dead, top, spread = [], [], []
    for h in model.hidden(x):
        dead.append(float((h.max(0).values <= 0).float().mean()))
        hc = h - h.mean(0)
        s = torch.linalg.svdvals(hc)
        top.append(float(s[0] ** 2 / (s**2).sum()) if s.sum() > 0 else 1.0)
        spread.append(float(hc.pow(2).mean().sqrt()))
    return {"dead": np.array(dead), "top": np.array(top), "spread": np.array(spread)}


# 4. the claim -------------------------------------------------------------------------------------
CLAIM = Claim(
    slug="guidance_untrainable",
    statement=(
        "guidance by a trained CNN lifts an overfitting deep FCN's test accuracy beyond what the CNN's "
        "architecture alone (an untrained guide) gives"
    ),
    clauses=(
        Clause(
            "test_gain",
            "test accuracy minus the unguided FCN's (same init, same batches)",
            ">=",
            0.05,
        ),
        Clause(
            "train_acc",
            "training accuracy: the FCN fits its 600 images (overfitting regime, not underfitting)",
            ">=",
            0.95,
            kind="sanity",
        ),
        Clause(
            "cka_trained_guide",
            "mean linear CKA of the mapped FCN layers to the trained guide's layers on test images",
            ">=",
            0.8,
            kind="sanity",
        ),
        Clause(
            "train_test_gap",
            "train minus test accuracy (the paper: guidance prevents the FCN's overfitting)",
            "<=",
            0.2,
            kind="reported",
        ),
    ),
)
CLAIM_ROWS = {
    "trained guide": "ours",
    "unguided": "unguided FCN",
    "untrained guide": "untrained-CNN guide",
    "weight decay": "FCN + weight decay",
}
WEIGHT_DECAY = 0.05  # AdamW; the best of {0.05, 0.5, 2} for the unguided FCN's test accuracy on seeds 0, 1


def claim_rows(
    runs: dict[str, GuidedRun], guide: GuideCNN, x_probe: torch.Tensor
) -> dict[str, dict[str, float]]:
    """Claim rows from the runs ``{"unguided", "trained guide", "untrained guide", "weight decay"}``."""
    if set(runs) != set(CLAIM_ROWS):
        raise ValueError(f"runs must have keys {sorted(CLAIM_ROWS)}; got {sorted(runs)}")
    base = runs["unguided"].test_acc
    return {
        row: {
            "test_gain": runs[name].test_acc - base,
            "train_acc": runs[name].train_acc,
            "cka_trained_guide": mapped_cka(layer_cka(runs[name].model, guide, x_probe)),
            "train_test_gap": runs[name].train_acc - runs[name].test_acc,
        }
        for name, row in CLAIM_ROWS.items()
    }


def run_all(
    seed: int, *, steps: int = 400, lam: float = 2.0
) -> tuple[dict[str, GuidedRun], GuideCNN, float, tuple]:
    """The notebook's experiment: data, the trained guide, an untrained guide, and four FCN runs (alone,
    guided by each guide, and alone with weight decay), all from the same initialisation and batches."""
    data = shifted_digits(n_train=600, canvas=16, seed=seed)
    guide, guide_acc = train_guide(data, steps=steps, seed=seed)
    seed_everything(50 + seed)
    untrained = GuideCNN().requires_grad_(False).eval()
    runs = {
        "unguided": train_target(data, None, steps=steps, seed=seed),
        "trained guide": train_target(data, guide, lam=lam, steps=steps, seed=seed),
        "untrained guide": train_target(data, untrained, lam=lam, steps=steps, seed=seed),
        "weight decay": train_target(data, None, weight_decay=WEIGHT_DECAY, steps=steps, seed=seed),
    }
    return runs, guide, guide_acc, data


def claim_experiment(seed: int) -> dict[str, dict[str, float]]:
    """Rows: ours (FCN guided by the trained CNN) and the controls: the unguided FCN (mechanism ablated),
    the FCN guided by an untrained CNN (architecture without knowledge) and the unguided FCN with weight
    decay (a plain regulariser, same budget), all in fast mode."""
    runs, guide, _, data = run_all(seed, steps=current().pick(fast=400, full=3000))
    return claim_rows(runs, guide, data[2][:300])


def diagram_example() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
    """A small instance of the main model and an input, for `paperlab diagrams`."""
    return DeepFCN(in_dim=256, width=32, depth=8), (torch.zeros(2, 1, 16, 16),), ["b c h w"]


class CentredGram(nn.Module):
    """K = X_c X_cᵀ, the (batch, batch) Gram matrix of the centred activations (parameter-free)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (b, f) -> (b, b)
        x = x - x.mean(0, keepdim=True)
        return x @ x.T


class GuidanceTerm(nn.Module):
    """One term of the guidance loss (:func:`guidance_loss`), as drawn: 1 − CKA(T, G) between a target layer's
    activations T and its paired guide layer's G over a batch, linear CKA = ⟨K_T, K_G⟩ / (‖K_T‖ ‖K_G‖) of the
    centred Gram matrices (the Gram form of :func:`paperlab.align.cka.linear_cka_torch`, equal up to rounding);
    the guide gets no gradient (parameter-free)."""

    def __init__(self) -> None:
        super().__init__()
        self.gram_target, self.gram_guide = CentredGram(), CentredGram()

    def forward(self, target_acts: torch.Tensor, guide_acts: torch.Tensor) -> torch.Tensor:  # (b, ·) each
        kt, kg = self.gram_target(target_acts), self.gram_guide(guide_acts.detach())
        cka = (kt * kg).sum() / (kt.pow(2).sum().sqrt() * kg.pow(2).sum().sqrt() + 1e-8)
        return -cka + 1  # 1 − CKA


def diagram_views() -> dict[str, Any]:
    """The overview (the deep fully connected target net, repeated layers rolled) and the mechanism: one
    representational-similarity guidance term 1 − CKA(target layer, guide layer)."""

    def overview() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
        return diagram_example()

    overview.trace_options = {"depth": 0}

    def mechanism() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
        target, (x,), _ = diagram_example()
        torch.manual_seed(0)
        x = torch.rand(8, 1, 16, 16)
        with torch.no_grad():
            t, g = target.hidden(x), GuideCNN().hidden(x)
        j = layer_mapping(len(g), len(t))[1]  # the target layer paired with the guide's second layer
        return GuidanceTerm(), (t[j], g[1].flatten(1)), ["b f", "b g"]

    mechanism.trace_options = {"depth": 0}

    return {"overview": overview, "mechanism": mechanism}


# --- Reproduction target (issue 23): fixed before any run --------------------------------------
_ABSTRACT = "abstract of arXiv:2410.20035 (arxiv.org/abs/2410.20035; as in the project's abstract list)"

REPRO = ReproSpec(
    slug="guidance_untrainable",
    target="the fully connected network results (deep FCN guided by a CNN/ResNet vs unguided, test accuracy; table number and values not retrieved)",
    shows=(
        "Test accuracy of a deep fully connected network trained alone, guided by a trained CNN, and guided by an "
        "untrained CNN (layer-wise CKA alignment to the frozen guide)."
    ),
    metric="test accuracy difference (fraction)",
    paper_values=(
        PaperValue(
            "test accuracy, FCN guided by a trained CNN minus unguided FCN",
            1.0,
            f"{_ABSTRACT}: 'We demonstrate that this method overcomes the immediate overfitting of fully connected "
            "networks on vision tasks' (+1 encodes the sign only)",
            True,
            "direction",
        ),
        PaperValue(
            "test accuracy, FCN guided by an untrained CNN minus unguided FCN",
            1.0,
            f"{_ABSTRACT}: 'If the guide is untrained, this transfers over only part of the architectural prior of the "
            "guide' (+1: some prior, so some gain)",
            True,
            "direction",
        ),
        PaperValue(
            "test accuracy, trained-CNN guide minus untrained-CNN guide",
            1.0,
            f"{_ABSTRACT}: 'If the guide is trained, this transfers over part of the architectural prior and knowledge "
            "of the guide ... If the guide is untrained, this transfers over only part of the architectural prior' "
            "(+1: knowledge adds to the prior)",
            True,
            "direction",
        ),
    ),
    data="scikit-learn's 8x8 digits pasted at random offsets on a 16x16 canvas, 600 training images (guidance_untrainable.shifted_digits)",
    data_kind="stand-in",
    data_note=(
        "The paper's FCN experiment is on ImageNet with a ResNet-18 guide; the stand-in keeps what makes an FCN "
        "overfit and a CNN's prior useful (few images, translated digits), at a size a CPU trains."
    ),
    sizes={
        "target": "FCN, 8 x 256, ReLU, He init",
        "guide": "3-conv CNN (16-32-32) + fc 128",
        "lam": 2.0,
        "similarity": "1 - linear CKA per mapped layer",
        "steps": 3000,
        "lr": 1e-3,
        "n_train": 600,
        "canvas": 16,
    },
    seeds=(0, 1, 2),
    gpu_minutes=4.0,
    cpu_minutes=12.0,
    notes=(
        "The notebook's full mode (3,000 steps for the guide and each FCN run). Signs only: the ImageNet values were "
        "not retrieved (the official README, vsubramaniam851/untrainable-networks, holds no results). The fast ledger "
        "has +0.06-0.07 for the trained guide and +0.01-0.03 for the untrained one."
    ),
)

"""Convergent Learning: Do different neural networks learn the same representations?
(Li, Yosinski, Clune, Lipson, Hopcroft, ICLR 2016, arXiv 1511.07543).

Train several networks with one architecture from different random seeds and compare
their units through the activations they produce on the same inputs. For a conv layer
every spatial position of every image is one sample and the channels are the units
(the paper's convention). With ``C[i, j]`` the Pearson correlation of unit ``i`` of
net 1 and unit ``j`` of net 2:

* one-to-one (Sec. 3): bipartite matching maximising ``sum_i C[i, pi(i)]`` and the greedy
  semi-matching ``j = argmax_j C[i, j]`` (:func:`paperlab.align.matching.bipartite_match`);
* one-to-many (Sec. 4): sparse prediction, ``min_W ||z_2 - z_1 W||^2 + l1 |W|_1``
  (:func:`paperlab.align.matching.sparse_prediction`);
* many-to-many (Sec. 5): spectral clustering of the joint correlation matrix
  (:func:`paperlab.align.matching.spectral_groups`).

The paper used four AlexNets on ImageNet; here four small CNNs on the 8x8 digits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from torch import nn
from torch.nn import functional as F

from paperlab.align.cka import linear_cka
from paperlab.align.hooks import collect_activations
from paperlab.align.matching import correlation_matrix, sparse_prediction, spectral_groups
from paperlab.claims import Claim, Clause
from paperlab.config import seed_everything
from paperlab.reproduce import PaperValue, ReproSpec
from paperlab.train import accuracy, batches, fit

LAYERS = ("conv1", "conv2", "fc")
_HOOKS = {"conv1": "relu1", "conv2": "relu2", "fc": "relu3"}
_DEAD_STD = 1e-12  # a unit whose activation std over the samples is below this is dead


# 1. model -----------------------------------------------------------------------------------------
class SmallCNN(nn.Module):
    """conv 3x3 (16) -> ReLU -> pool -> conv 3x3 (32) -> ReLU -> pool -> fc 64 -> ReLU -> fc 10."""

    def __init__(self, width: tuple[int, int, int] = (16, 32, 64), n_classes: int = 10) -> None:
        super().__init__()
        c1, c2, h = width
        self.conv1, self.relu1 = nn.Conv2d(1, c1, 3, padding=1), nn.ReLU()
        self.conv2, self.relu2 = nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU()
        self.fc, self.relu3 = nn.Linear(c2 * 2 * 2, h), nn.ReLU()
        self.out = nn.Linear(h, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (batch, 1, 8, 8)
        x = F.max_pool2d(self.relu1(self.conv1(x)), 2)  # (batch, 16, 4, 4)
        x = F.max_pool2d(self.relu2(self.conv2(x)), 2)  # (batch, 32, 2, 2)
        x = self.relu3(self.fc(x.flatten(1)))  # (batch, 64)
        return self.out(x)


# 2. experiments (data: paperlab.data.bundled.digit_images) -----------------------------------------------------------------------------------
def train_nets(
    seeds: tuple[int, ...], data: tuple[torch.Tensor, ...], *, steps: int = 300, lr: float = 3e-3
) -> tuple[list[SmallCNN], list[float]]:
    """Train one :class:`SmallCNN` per seed (init and batch order both from the seed); return nets and test accuracy."""
    xtr, ytr, xte, yte = data
    nets, accs = [], []
    for s in seeds:
        seed_everything(s)
        net = SmallCNN()
        fit(
            net,
            lambda m, b: F.cross_entropy(m(b[0]), b[1]),
            batches(xtr, ytr, batch_size=64, seed=s),
            steps=steps,
            lr=lr,
            desc=f"net seed {s}",
        )
        nets.append(net)
        accs.append(accuracy(net, xte, yte))
    return nets, accs


def activations(net: nn.Module, x: torch.Tensor) -> dict[str, np.ndarray]:
    """``{layer: (samples, units)}`` post-ReLU activations for ``conv1``, ``conv2`` (positions as samples), ``fc``."""
    acts = collect_activations(net, x, [_HOOKS[k] for k in LAYERS], spatial="positions")
    return {k: acts[_HOOKS[k]] for k in LAYERS}


def live_mask(acts: np.ndarray) -> np.ndarray:
    """``(units,)`` bool: the units whose activation varies over the samples.

    A post-ReLU unit that is zero on every input (a *dead* unit) has no correlation with
    anything; scored as 0 it would look like a unit without a partner. Dead units are left
    out of every matching here and counted instead (:func:`dead_counts`).
    """
    return np.asarray(acts).std(axis=0) > _DEAD_STD


def dead_counts(acts: dict[str, np.ndarray]) -> dict[str, int]:
    """``{layer: number of dead units}`` on the samples in ``acts``."""
    return {layer: int((~live_mask(a)).sum()) for layer, a in acts.items()}


def match_live(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Bipartite (Hungarian) matching of the live units of ``a`` to the live units of ``b`` (Sec. 3).

    Returns ``(units_a, units_b, cols, corr)``: the original indices of the live units of
    each net, and for each *matched* live unit of ``a`` (``min(live_a, live_b)`` of them, in
    ``units_a`` order) the column ``cols[r]`` of its partner in ``units_b`` and their
    correlation ``corr[r]``. When ``a`` has more live units than ``b``, the ``a`` units left
    without a partner are dropped from ``units_a``.
    """
    ua, ub = np.flatnonzero(live_mask(a)), np.flatnonzero(live_mask(b))
    c = correlation_matrix(a[:, ua], b[:, ub])
    rows, cols = linear_sum_assignment(-c)  # rectangular: min(len(ua), len(ub)) pairs, rows sorted
    return ua[rows], ub, cols.astype(int), c[rows, cols]


@dataclass
class LayerAlignment:
    """Everything the notebook shows for one layer of one pair of nets, on live units only.

    Rows are the matched live units of net 1 (original ids ``units_a``), columns the live
    units of net 2 (original ids ``units_b``).
    """

    units_a: np.ndarray  # (k,) original ids of the matched live units of net 1
    units_b: np.ndarray  # (live_b,) original ids of the live units of net 2
    dead: tuple[int, int]  # dead units in net 1 and net 2
    within: np.ndarray  # (k, k) correlation inside net 1
    between: np.ndarray  # (k, live_b) net 1 x net 2
    perm: np.ndarray  # (k,) hungarian match: column of ``between``
    matched: np.ndarray  # (k,) correlation of each unit with its hungarian partner
    semi_matched: np.ndarray  # (k,) correlation with its best partner (semi-matching)
    cka: float
    sparse: dict[float, tuple[float, float]] = field(
        default_factory=dict
    )  # l1 -> (explained var of the live units of net 2, mean nonzeros)

    def partner(self, unit: int) -> int:
        """Original id in net 2 of the hungarian partner of unit ``unit`` of net 1."""
        hit = np.flatnonzero(self.units_a == unit)
        if len(hit) == 0:
            raise ValueError(f"unit must be a matched live unit of net 1 {self.units_a.tolist()}; got {unit}")
        return int(self.units_b[self.perm[hit[0]]])


def align_pair(
    acts_1: dict[str, np.ndarray],
    acts_2: dict[str, np.ndarray],
    *,
    l1_grid: tuple[float, ...] = (0.0, 0.01, 0.03, 0.1, 0.3),
    max_samples: int = 6000,
    seed: int = 0,
) -> dict[str, LayerAlignment]:
    """One-to-one and one-to-many alignment of net 1 to net 2, layer by layer (Secs. 3-4), live units only.

    Sparse prediction is fit on half of the samples and scored on the other half, so the
    explained variance is out-of-sample. At most ``max_samples`` samples are used per layer.
    """
    rng = np.random.default_rng(seed)
    out = {}
    for layer in LAYERS:
        a, b = acts_1[layer], acts_2[layer]
        if len(a) > max_samples:
            idx = rng.choice(len(a), size=max_samples, replace=False)
            a, b = a[idx], b[idx]
        units_a, units_b, perm, matched = match_live(a, b)
        a_live, b_live = a[:, units_a], b[:, units_b]
        between = correlation_matrix(a_live, b_live)
        half = len(a) // 2
        sparse = {}
        for l1 in l1_grid:
            res = sparse_prediction(a_live[:half], b_live[:half], l1, test=(a_live[half:], b_live[half:]))
            sparse[l1] = (res.mean_explained, float(res.nonzeros.mean()))
        out[layer] = LayerAlignment(
            units_a=units_a,
            units_b=units_b,
            dead=(int((~live_mask(a)).sum()), int((~live_mask(b)).sum())),
            within=correlation_matrix(a_live, a_live),
            between=between,
            perm=perm,
            matched=matched,
            semi_matched=between.max(axis=1),
            cka=linear_cka(a, b),
            sparse=sparse,
        )
    return out


def reliability(all_acts: list[dict[str, np.ndarray]], layer: str) -> tuple[np.ndarray, np.ndarray]:
    """For each live unit of net 0: its hungarian-matched correlation in every other net.

    Returns ``(units, corr)``: the original ids of the live units of net 0 and a
    ``(units, n_nets - 1)`` array (NaN where a net has fewer live units and leaves the unit
    without a partner). Units with a high value in every column are learned reliably; the
    paper's Fig. 3 sorts by this.
    """
    units = np.flatnonzero(live_mask(all_acts[0][layer]))
    out = np.full((len(units), len(all_acts) - 1), np.nan)
    for k, other in enumerate(all_acts[1:]):
        ua, _, _, corr = match_live(all_acts[0][layer], other[layer])
        out[np.searchsorted(units, ua), k] = corr
    return units, out


def matched_summary(
    trained: list[dict[str, np.ndarray]], untrained: list[dict[str, np.ndarray]], max_samples: int = 6000
) -> dict[str, tuple[float, float]]:
    """Per layer: mean hungarian-matched correlation of live units over all pairs of trained nets, and
    over all (trained, untrained) pairs — the chance level of matching for this architecture and data.
    The first ``max_samples`` samples of each layer are used."""
    out = {}
    for layer in LAYERS:
        cut = slice(0, max_samples)
        tt = [
            match_live(a[layer][cut], b[layer][cut])[3].mean()
            for i, a in enumerate(trained)
            for b in trained[i + 1 :]
        ]
        tu = [match_live(a[layer][cut], u[layer][cut])[3].mean() for a in trained for u in untrained]
        out[layer] = (float(np.mean(tt)), float(np.mean(tu)))
    return out


def many_to_many(acts_1: dict[str, np.ndarray], acts_2: dict[str, np.ndarray], layer: str, k: int) -> object:
    """Spectral grouping (Sec. 5) of the joint live units of one layer of two nets into ``k`` groups."""
    if layer not in LAYERS:
        raise ValueError(f"layer must be one of {LAYERS}; got {layer!r}")
    a, b = acts_1[layer][:6000], acts_2[layer][:6000]
    return spectral_groups(a[:, live_mask(a)], b[:, live_mask(b)], k)


# 3. claim ------------------------------------------------------------------------------------------
CLAIM = Claim(
    slug="convergent_learning",
    statement=(
        "two nets trained from different seeds have one-to-one matched units well above chance (an untrained "
        "net), share each layer's subspace (CKA) and need a linear map, not a permutation, to align fully"
    ),
    clauses=(
        Clause(
            "matched_mean",
            "mean hungarian-matched correlation of live units, averaged over conv1, conv2, fc",
            ">=",
            0.6,
        ),
        Clause("matched_fc", "mean hungarian-matched correlation of the live fc units", ">=", 0.65),
        Clause("cka_min", "smallest linear CKA between the two nets over the three layers", ">=", 0.75),
        Clause(
            "subspace_gap",
            "smallest over layers of (held-out EV of a linear map) - (mean one-to-one r²)",
            ">=",
            0.15,
            kind="sanity",
        ),
        Clause(
            "middle_worst",
            "min(conv1, fc) - conv2 matched correlation: the middle layer matches worst (paper: conv2-conv4)",
            ">=",
            0.0,
            kind="reported",
        ),
        Clause(
            "depth_drop",
            "conv1 - fc matched correlation: matching weakens with depth",
            ">=",
            0.0,
            kind="reported",
        ),
    ),
)


def claim_rows(
    acts_1: dict[str, np.ndarray],
    acts_2: dict[str, np.ndarray],
    acts_untrained: dict[str, np.ndarray],
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """Claim rows for net 1 against three partners.

    ``ours``: net 2 (trained, other seed), hungarian matching. ``untrained net``: an untrained
    net in place of net 2 (what architecture and input statistics give for free).
    ``random pairing``: net 2 again, but each live unit of net 1 paired with a random live unit
    of net 2 instead of its hungarian partner (the matching ablated).
    """
    rng = np.random.default_rng(seed)
    rows = {}
    for name, partner in (("ours", acts_2), ("untrained net", acts_untrained), ("random pairing", acts_2)):
        pair = align_pair(acts_1, partner, l1_grid=(0.0,), seed=seed)
        matched = {}
        for layer, r in pair.items():
            if name == "random pairing":
                cols = rng.permutation(r.between.shape[1])[: len(r.units_a)]
                matched[layer] = r.between[np.arange(len(cols)), cols]
            else:
                matched[layer] = r.matched
        m = {layer: float(v.mean()) for layer, v in matched.items()}
        rows[name] = {
            "matched_mean": float(np.mean(list(m.values()))),
            "matched_fc": m["fc"],
            "cka_min": min(r.cka for r in pair.values()),
            "subspace_gap": min(pair[k].sparse[0.0][0] - float((matched[k] ** 2).mean()) for k in LAYERS),
            "middle_worst": min(m["conv1"], m["fc"]) - m["conv2"],
            "depth_drop": m["conv1"] - m["fc"],
        }
    return rows


def claim_experiment(seed: int) -> dict[str, dict[str, float]]:
    """Fast mode: nets from seeds ``2 seed`` and ``2 seed + 1`` (300 steps), an untrained net from seed
    ``100 + seed``; the rows of :func:`claim_rows` on the test digits."""
    from paperlab.data.bundled import digit_images

    data = digit_images()
    nets, _ = train_nets((2 * seed, 2 * seed + 1), data, steps=300)
    seed_everything(100 + seed)
    untrained = SmallCNN()
    a1, a2, au = (activations(n, data[2]) for n in (*nets, untrained))
    return claim_rows(a1, a2, au, seed=seed)


def diagram_example() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
    """A small instance of the main model and an input, for `paperlab diagrams`."""
    return SmallCNN(), (torch.zeros(2, 1, 8, 8),), ["b c h w"]


def diagram_views() -> dict:
    """Overview: the learned maps of the small CNN (conv1, conv2, fc, out), ReLU, pooling and reshapes hidden;
    mechanism: the unit-by-unit correlation matrix between two nets' activations, which the matchings read."""

    def overview():  # noqa: ANN202
        return diagram_example()

    overview.trace_options = {"hide_param_free": True}

    def mechanism():  # noqa: ANN202
        net_a, net_b = SmallCNN(), SmallCNN()
        x = torch.rand(32, 1, 8, 8, generator=torch.Generator().manual_seed(0))
        a, b = activations(net_a, x)["fc"], activations(net_b, x)["fc"]  # (samples, 64) each
        return UnitCorrelation(), (torch.from_numpy(a), torch.from_numpy(b)), ["n i", "n j"]

    mechanism.trace_options = {"depth": 0}
    return {"overview": overview, "mechanism": mechanism}


class Standardize(nn.Module):
    """Zero mean, unit variance per unit over the samples; a dead (constant) unit becomes all zeros."""

    def forward(self, acts: torch.Tensor) -> torch.Tensor:  # (samples, units)
        sd = acts.std(0, unbiased=False)
        return (acts - acts.mean(0)) / torch.where(sd > 1e-12, sd, torch.full_like(sd, float("inf")))


class UnitCorrelation(nn.Module):
    """The paper's measurement (Sec. 2): C[i, j], the Pearson correlation of unit i of net 1 with unit j of net 2
    over the same inputs, C = ẑ₁ᵀ ẑ₂ / n (:func:`paperlab.align.matching.correlation_matrix`, as drawn);
    the one-to-one matching then pairs units by C."""

    def __init__(self) -> None:
        super().__init__()
        self.standardize_1, self.standardize_2 = Standardize(), Standardize()

    def forward(self, acts_1: torch.Tensor, acts_2: torch.Tensor) -> torch.Tensor:  # (n, i), (n, j) -> (i, j)
        return self.standardize_1(acts_1).T @ self.standardize_2(acts_2) / acts_1.shape[0]


# --- Reproduction target (issue 23): fixed before any run --------------------------------------
_SUMMARY = (
    "recalled: Li et al., ICLR 2016 (arXiv:1511.07543) §3, Figs. 2-3: one-to-one matching is best in conv1 (and "
    "conv5) and worst in the middle layers; the per-layer values are plotted, not tabulated, and were not retrieved; "
    "1.0 marks the sign only"
)

REPRO = ReproSpec(
    slug="convergent_learning",
    target="Fig. 3 / §3: quality of one-to-one unit matching between independently trained nets, per layer",
    shows=(
        "Bipartite matching of units between nets trained from different seeds: first-layer units are found in "
        "every net, middle layers match worst, and subspaces are shared where single units are not."
    ),
    metric="mean correlation of one-to-one matched units, first layer and last hidden layer minus middle layer",
    paper_values=(
        PaperValue("matched correlation, first layer minus middle layer", 1.0, _SUMMARY, False, "direction"),
        PaperValue("matched correlation, last layer minus middle layer", 1.0, _SUMMARY, False, "direction"),
    ),
    data="scikit-learn 8×8 digits; four small CNNs (conv1 16, conv2 32, fc 64 units)",
    data_kind="stand-in",
    data_note="The paper compares four AlexNets on ImageNet, not available here; the stand-in keeps the protocol.",
    sizes={"nets": 4, "steps": 1500, "lr": 3e-3, "batch": 64, "layers": ("conv1", "conv2", "fc")},
    seeds=(0, 1, 2),
    gpu_minutes=2.0,
    cpu_minutes=8.0,
    notes="Direction only: the paper's curves are read qualitatively. No reproduce() yet.",
)

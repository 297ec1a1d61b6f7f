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
from torch import nn
from torch.nn import functional as F

from paperlab.align.cka import linear_cka
from paperlab.align.hooks import collect_activations
from paperlab.align.matching import bipartite_match, correlation_matrix, sparse_prediction, spectral_groups
from paperlab.config import seed_everything
from paperlab.train import accuracy, batches, fit

LAYERS = ("conv1", "conv2", "fc")
_HOOKS = {"conv1": "relu1", "conv2": "relu2", "fc": "relu3"}


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


@dataclass
class LayerAlignment:
    """Everything the notebook shows for one layer of one pair of nets."""

    within: np.ndarray  # (units, units) correlation inside net 1
    between: np.ndarray  # (units, units) net 1 x net 2
    perm: np.ndarray  # hungarian match
    matched: np.ndarray  # correlation of each unit with its hungarian partner
    semi_matched: np.ndarray  # correlation with its best partner (semi-matching)
    cka: float
    sparse: dict[float, tuple[float, float]] = field(
        default_factory=dict
    )  # l1 -> (explained var, mean nonzeros)


def align_pair(
    acts_1: dict[str, np.ndarray],
    acts_2: dict[str, np.ndarray],
    *,
    l1_grid: tuple[float, ...] = (0.0, 0.01, 0.03, 0.1, 0.3),
    max_samples: int = 6000,
    seed: int = 0,
) -> dict[str, LayerAlignment]:
    """One-to-one and one-to-many alignment of net 1 to net 2, layer by layer (Secs. 3-4).

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
        perm, matched = bipartite_match(a, b)
        _, semi = bipartite_match(a, b, method="semi")
        half = len(a) // 2
        sparse = {}
        for l1 in l1_grid:
            res = sparse_prediction(a[:half], b[:half], l1, test=(a[half:], b[half:]))
            sparse[l1] = (res.mean_explained, float(res.nonzeros.mean()))
        out[layer] = LayerAlignment(
            within=correlation_matrix(a, a),
            between=correlation_matrix(a, b),
            perm=perm,
            matched=matched,
            semi_matched=semi,
            cka=linear_cka(a, b),
            sparse=sparse,
        )
    return out


def reliability(all_acts: list[dict[str, np.ndarray]], layer: str) -> np.ndarray:
    """For each unit of net 0: its hungarian-matched correlation in every other net ``(units, n_nets - 1)``.

    Units with a high value in every column are learned reliably; the paper's Fig. 3 sorts by this.
    """
    return np.column_stack([bipartite_match(all_acts[0][layer], other[layer])[1] for other in all_acts[1:]])


def matched_summary(
    trained: list[dict[str, np.ndarray]], untrained: list[dict[str, np.ndarray]], max_samples: int = 6000
) -> dict[str, tuple[float, float]]:
    """Per layer: mean hungarian-matched correlation over all pairs of trained nets, and over all
    (trained, untrained) pairs — the chance level of matching for this architecture and data.
    The first ``max_samples`` samples of each layer are used."""
    out = {}
    for layer in LAYERS:
        cut = slice(0, max_samples)
        tt = [
            bipartite_match(a[layer][cut], b[layer][cut])[1].mean()
            for i, a in enumerate(trained)
            for b in trained[i + 1 :]
        ]
        tu = [bipartite_match(a[layer][cut], u[layer][cut])[1].mean() for a in trained for u in untrained]
        out[layer] = (float(np.mean(tt)), float(np.mean(tu)))
    return out


def many_to_many(acts_1: dict[str, np.ndarray], acts_2: dict[str, np.ndarray], layer: str, k: int) -> object:
    """Spectral grouping (Sec. 5) of the joint units of one layer of two nets into ``k`` groups."""
    if layer not in LAYERS:
        raise ValueError(f"layer must be one of {LAYERS}; got {layer!r}")
    a, b = acts_1[layer], acts_2[layer]
    return spectral_groups(a[:6000], b[:6000], k)


def diagram_example() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
    """A small instance of the main model and an input, for `paperlab diagrams`."""
    return SmallCNN(), (torch.zeros(2, 1, 8, 8),), ["b c h w"]

"""Generated graphs for the graph notebooks (offline, seeded), as PyTorch Geometric ``Data``.

- :func:`csbm`: contextual stochastic block model (node classification) with homophily and
  feature-noise knobs (Deshpande et al. 2018; the usual synthetic for GNN depth and homophily studies).
- :func:`csl_graphs`: Circular Skip Link graphs (Murphy et al. 2019), 10 isomorphism classes that
  1-WL message passing cannot separate (Benchmarking GNNs, Dwivedi et al. 2020/2023, §5).
- :func:`sample_graphon`: W-random graphs from a graphon (Lovász 2012): ``u_i ~ U[0,1]``,
  ``A_ij ~ Bernoulli(W(u_i, u_j))``.
- :func:`gpvar`: the graph polynomial vector autoregression of Zambon & Alippi (2022), the synthetic
  benchmark of Cini et al., *Graph Deep Learning for Time Series Forecasting*.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch_geometric.data import Data
from torch_geometric.utils import to_undirected

__all__ = ["csbm", "csl_graphs", "sample_graphon", "gpvar", "community_graph", "edge_index_of", "dense_adj"]


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _check(name: str, ok: bool, msg: str) -> None:
    if not ok:
        raise ValueError(f"{name}: {msg}")


def edge_index_of(adj: np.ndarray) -> torch.Tensor:
    """Edge index (2 × E, both directions) of a symmetric 0/1 adjacency matrix, no self loops."""
    a = np.triu(np.asarray(adj) > 0, k=1)
    i, j = np.nonzero(a)
    ei = torch.tensor(np.stack([i, j]), dtype=torch.long)
    return to_undirected(ei, num_nodes=adj.shape[0])


def dense_adj(edge_index: torch.Tensor, num_nodes: int) -> torch.Tensor:
    """Dense 0/1 adjacency (float32) from an edge index."""
    a = torch.zeros(num_nodes, num_nodes)
    a[edge_index[0], edge_index[1]] = 1.0
    return a


def _masks(y: np.ndarray, n_classes: int, per_class: int, n_val: int, rng: np.random.Generator):
    n = len(y)
    train = np.zeros(n, bool)
    for c in range(n_classes):
        idx = np.flatnonzero(y == c)
        train[rng.choice(idx, size=min(per_class, len(idx)), replace=False)] = True
    rest = rng.permutation(np.flatnonzero(~train))
    val = np.zeros(n, bool)
    val[rest[:n_val]] = True
    test = ~(train | val)
    return (torch.tensor(m) for m in (train, val, test))


def csbm(
    n: int = 600,
    n_classes: int = 3,
    *,
    d: int = 32,
    avg_degree: float = 8.0,
    homophily: float = 0.8,
    feature_noise: float = 1.0,
    signal: float = 1.0,
    train_per_class: int = 20,
    n_val: int = 100,
    seed: int = 0,
) -> Data:
    """A contextual SBM: ``n`` nodes in ``n_classes`` equal blocks, class means ``signal·μ_c`` (random
    unit vectors in R^d) plus ``feature_noise·N(0, I)`` features, and edges drawn so that a fraction
    ``homophily`` of each node's expected ``avg_degree`` neighbours share its class.

    Returns ``Data(x, y, edge_index, train_mask, val_mask, test_mask)`` with ``train_per_class``
    labelled nodes per class (Planetoid-style split) and ``n_val`` validation nodes.
    """
    _check("n", n >= 2 * n_classes, f"need at least 2 nodes per class, got n={n}")
    _check("n_classes", n_classes >= 2, f"need at least 2 classes, got {n_classes}")
    _check("homophily", 0.0 <= homophily <= 1.0, f"must be in [0, 1], got {homophily}")
    _check("avg_degree", 0 < avg_degree < n - 1, f"must be in (0, n-1), got {avg_degree}")
    _check("feature_noise", feature_noise >= 0, f"must be >= 0, got {feature_noise}")
    rng = _rng(seed)
    y = np.repeat(np.arange(n_classes), int(np.ceil(n / n_classes)))[:n]
    rng.shuffle(y)
    sizes = np.bincount(y, minlength=n_classes)
    # expected within-class degree = homophily * avg_degree, between-class = (1 - homophily) * avg_degree
    p_in = min(1.0, homophily * avg_degree / max(sizes.mean() - 1, 1))
    p_out = min(1.0, (1 - homophily) * avg_degree / max(n - sizes.mean(), 1))
    same = y[:, None] == y[None, :]
    prob = np.where(same, p_in, p_out)
    upper = np.triu(rng.random((n, n)) < prob, k=1)
    adj = upper | upper.T
    mu = rng.standard_normal((n_classes, d))
    mu /= np.linalg.norm(mu, axis=1, keepdims=True)
    x = signal * mu[y] + feature_noise * rng.standard_normal((n, d))
    train, val, test = _masks(y, n_classes, train_per_class, n_val, rng)
    return Data(
        x=torch.tensor(x, dtype=torch.float32),
        y=torch.tensor(y, dtype=torch.long),
        edge_index=edge_index_of(adj),
        train_mask=train,
        val_mask=val,
        test_mask=test,
    )


CSL_SKIPS: tuple[int, ...] = (2, 3, 4, 5, 6, 9, 11, 12, 13, 16)


def csl_graphs(
    n_nodes: int = 41, *, skips: Sequence[int] = CSL_SKIPS, per_class: int = 15, seed: int = 0
) -> list[Data]:
    """Circular Skip Link graphs: a cycle of ``n_nodes`` plus chords ``i ~ i + s (mod n)`` for one
    skip length ``s`` per class; each graph's node order is randomly permuted. All nodes have degree 4
    and the same feature (1.0), so 1-WL message passing gives every class the same output; positional
    encodings (e.g. Laplacian eigenvectors) are needed to tell them apart. ``y`` is the class index."""
    _check("n_nodes", n_nodes >= 5, f"need at least 5 nodes, got {n_nodes}")
    _check("skips", all(1 < s < n_nodes - 1 for s in skips), f"each skip must be in (1, n-1), got {skips}")
    rng = _rng(seed)
    out = []
    for c, s in enumerate(skips):
        for _ in range(per_class):
            a = np.zeros((n_nodes, n_nodes), bool)
            for i in range(n_nodes):
                for j in ((i + 1) % n_nodes, (i + s) % n_nodes):
                    a[i, j] = a[j, i] = True
            perm = rng.permutation(n_nodes)
            a = a[np.ix_(perm, perm)]
            out.append(
                Data(
                    x=torch.ones(n_nodes, 1),
                    edge_index=edge_index_of(a),
                    y=torch.tensor([c]),
                    num_nodes=n_nodes,
                )
            )
    return out


Graphon = Callable[[np.ndarray, np.ndarray], np.ndarray] | np.ndarray


def graphon_values(w: Graphon, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """W(u, v) for a callable graphon or a k×k step graphon (block ``floor(k·u)``)."""
    if callable(w):
        return np.clip(np.asarray(w(u, v), dtype=float), 0.0, 1.0)
    w = np.asarray(w, dtype=float)
    _check("graphon", w.ndim == 2 and w.shape[0] == w.shape[1], f"step graphon must be k×k, got {w.shape}")
    k = w.shape[0]
    iu = np.minimum((u * k).astype(int), k - 1)
    iv = np.minimum((v * k).astype(int), k - 1)
    return np.clip(w[iu, iv], 0.0, 1.0)


def sample_graphon(w: Graphon, n: int, *, seed: int = 0, sort: bool = False) -> Data:
    """One W-random graph on ``n`` nodes: latent ``u_i ~ U[0, 1]``, ``A_ij ~ Bernoulli(W(u_i, u_j))``
    for i < j (symmetric, no self loops). ``sort=True`` orders nodes by ``u`` (for pictures).
    The latents are kept in ``data.u``; features are the constant 1 (``data.x``)."""
    _check("n", n >= 2, f"need at least 2 nodes, got {n}")
    rng = _rng(seed)
    u = rng.random(n)
    if sort:
        u = np.sort(u)
    p = graphon_values(w, u[:, None], u[None, :])
    upper = np.triu(rng.random((n, n)) < p, k=1)
    adj = upper | upper.T
    return Data(x=torch.ones(n, 1), edge_index=edge_index_of(adj), u=torch.tensor(u), num_nodes=n)


def community_graph(
    n_communities: int = 5, size: int = 24, *, p_in: float = 0.3, seed: int = 0
) -> np.ndarray:
    """A connected graph of ring-linked communities (the shape of the GPVAR benchmark graph): dense
    random blocks, consecutive communities joined by one edge. Returns the 0/1 adjacency."""
    rng = _rng(seed)
    n = n_communities * size
    a = np.zeros((n, n), bool)
    for c in range(n_communities):
        s = slice(c * size, (c + 1) * size)
        block = np.triu(rng.random((size, size)) < p_in, k=1)
        for i in range(size - 1):  # a path inside each community keeps it connected
            block[i, i + 1] = True
        a[s, s] = block | block.T
        j = ((c + 1) % n_communities) * size
        a[c * size, j] = a[j, c * size] = True
    return a


@dataclass(frozen=True)
class GPVAR:
    """A GPVAR series: ``x`` (T × N), the adjacency, and the one-step oracle's predictions
    (the noiseless map applied to the true past; its MSE is the noise variance)."""

    x: torch.Tensor
    adj: np.ndarray
    oracle: torch.Tensor
    noise_std: float


GPVAR_THETA = ((2.5, -2.0, -0.5), (1.0, 3.0, 0.0))  # Θ[q][l]: lag q+1, hop l (Zambon & Alippi 2022, App.)


def gpvar(
    adj: np.ndarray | None = None,
    T: int = 2000,
    *,
    theta: Sequence[Sequence[float]] = GPVAR_THETA,
    a: float = 0.1,
    b: float = 0.9,
    noise_std: float = 0.4,
    seed: int = 0,
) -> GPVAR:
    """Graph polynomial VAR (Zambon & Alippi 2022, eq. 8):

    ``x_t = a · tanh( Σ_{q=1}^{Q} Σ_{l=0}^{L} Θ_{q,l} S^l x_{t-q} ) + b · tanh(x_{t-1}) + η_t``,
    ``η_t ~ N(0, noise_std² I)``, with ``S`` the symmetric-normalised adjacency ``D^{-1/2} A D^{-1/2}``.
    ``theta`` is Q × (L+1). Default graph: :func:`community_graph` (120 nodes)."""
    adj = community_graph(seed=seed) if adj is None else np.asarray(adj, dtype=bool)
    th = np.asarray(theta, dtype=float)
    _check("theta", th.ndim == 2, f"must be Q × (L+1), got shape {th.shape}")
    _check("T", T > th.shape[0] + 1, f"need more steps than lags, got T={T}")
    n = adj.shape[0]
    deg = adj.sum(1).astype(float)
    dinv = np.where(deg > 0, deg**-0.5, 0.0)
    s = dinv[:, None] * adj * dinv[None, :]
    powers = [np.eye(n)]
    for _ in range(th.shape[1] - 1):
        powers.append(powers[-1] @ s)
    rng = _rng(seed)
    q = th.shape[0]
    x = np.zeros((T, n))
    x[:q] = rng.standard_normal((q, n)) * noise_std
    oracle = np.zeros((T, n))
    for t in range(q, T):
        z = sum(th[k, h] * (powers[h] @ x[t - 1 - k]) for k in range(q) for h in range(th.shape[1]))
        oracle[t] = a * np.tanh(z) + b * np.tanh(x[t - 1])
        x[t] = oracle[t] + noise_std * rng.standard_normal(n)
    return GPVAR(
        x=torch.tensor(x, dtype=torch.float32),
        adj=adj,
        oracle=torch.tensor(oracle, dtype=torch.float32),
        noise_std=noise_std,
    )

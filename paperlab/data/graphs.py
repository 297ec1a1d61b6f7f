"""Generated graphs for the graph notebooks (offline, seeded), as PyTorch Geometric ``Data``.

- :func:`csbm`: contextual stochastic block model (node classification) with homophily and
  feature-noise knobs (Deshpande et al. 2018; the usual synthetic for GNN depth and homophily studies).
- :func:`csl_graphs`: Circular Skip Link graphs (Murphy et al. 2019), 10 isomorphism classes that
  1-WL message passing cannot separate (Benchmarking GNNs, Dwivedi et al. 2020/2023, §5).
- :func:`pattern_graphs`: PATTERN graphs (the Benchmarking GNNs SBM recipe): find a planted pattern.
- :func:`add_lap_pe`: Laplacian eigenvector positional encodings (PyG), with seeded eigenvector signs.
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
import torch.nn.functional as F
from torch_geometric.data import Data
from torch_geometric.transforms import AddLaplacianEigenvectorPE
from torch_geometric.utils import to_undirected

__all__ = [
    "csbm",
    "csl_graphs",
    "pattern_graphs",
    "add_lap_pe",
    "sample_graphon",
    "gpvar",
    "community_graph",
    "edge_index_of",
    "dense_adj",
]


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
    split: tuple[float, float, float] | None = None,
    seed: int = 0,
) -> Data:
    """A contextual SBM: ``n`` nodes in ``n_classes`` equal blocks, class means ``signal·μ_c`` (random
    unit vectors in R^d) plus ``feature_noise·N(0, I)`` features, and edges drawn so that a fraction
    ``homophily`` of each node's expected ``avg_degree`` neighbours share its class.

    Returns ``Data(x, y, edge_index, train_mask, val_mask, test_mask)`` with ``train_per_class``
    labelled nodes per class (Planetoid-style split) and ``n_val`` validation nodes.
    ``split=(train, val, test)`` fractions (summing to 1) replace both: ``round(train·n/n_classes)``
    labelled nodes per class, ``round(val·n)`` validation nodes, the rest test (e.g. 64/16/20).
    """
    if split is not None:
        _check("split", len(split) == 3, f"must be (train, val, test) fractions, got {split}")
        _check(
            "split",
            all(f >= 0 for f in split) and abs(sum(split) - 1.0) < 1e-6,
            f"fractions must be >= 0 and sum to 1, got {split}",
        )
        train_per_class, n_val = round(split[0] * n / n_classes), round(split[1] * n)
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


def pattern_graphs(
    n_graphs: int,
    *,
    n_clusters: int = 5,
    size_range: tuple[int, int] = (5, 35),
    p: float = 0.5,
    q: float = 0.35,
    pattern_size: int = 20,
    p_pattern: float = 0.5,
    q_pattern: float = 0.5,
    vocab: int = 3,
    seed: int = 0,
) -> list[Data]:
    """PATTERN graphs (the benchmark's SBM recipe, ``generate_SBM_PATTERN.ipynb``; Dwivedi et al.,
    Benchmarking GNNs, App.): an SBM with ``n_clusters`` blocks of random sizes (p inside, q across),
    random node features in {0..vocab−1} (one-hot), plus one fixed pattern (an Erdős–Rényi graph of
    ``pattern_size`` nodes with fixed features, the same in every graph) joined to the rest with
    probability ``q_pattern``. Node label 1: the node belongs to the pattern. Nodes are shuffled."""
    if not 0 <= q <= 1 or not 0 <= p <= 1:
        raise ValueError(f"p and q must be probabilities; got p={p}, q={q}")
    if size_range[0] < 1 or size_range[1] < size_range[0]:
        raise ValueError(f"size_range must be (lo, hi) with 1 <= lo <= hi; got {size_range}")
    rng = _rng(seed)
    w0 = np.triu(rng.random((pattern_size, pattern_size)) < p_pattern, 1)
    w0 = w0 | w0.T
    u0 = rng.integers(vocab, size=pattern_size)
    out = []
    for _ in range(n_graphs):
        c = np.concatenate(
            [np.full(rng.integers(size_range[0], size_range[1] + 1), r) for r in range(n_clusters)]
        )
        n = len(c)
        prob = np.where(c[:, None] == c[None, :], p, q)
        w = np.triu(rng.random((n, n)) < prob, 1)
        w = w | w.T
        v = rng.random((pattern_size, n)) < q_pattern
        a = np.block([[w, v.T], [v, w0]])
        u = np.concatenate([rng.integers(vocab, size=n), u0])
        y = np.concatenate([np.zeros(n, int), np.ones(pattern_size, int)])
        perm = rng.permutation(len(y))
        a, u, y = a[np.ix_(perm, perm)], u[perm], y[perm]
        out.append(
            Data(
                x=F.one_hot(torch.tensor(u), vocab).float(),
                edge_index=edge_index_of(a),
                y=torch.tensor(y),
                num_nodes=len(y),
            )
        )
    return out


def add_lap_pe(graphs: Sequence[Data], k: int, seed: int = 0, *, seed_arpack: bool = False) -> list[Data]:
    """Laplacian eigenvector PE: the k eigenvectors of ``I − D^{-1/2}AD^{-1/2}`` with the smallest
    non-trivial eigenvalues (Dwivedi et al., Benchmarking GNNs, eq. 11), into ``.pe`` (float32), by
    PyG's ``AddLaplacianEigenvectorPE``, on copies of ``graphs``.

    PyG draws one random sign per eigenvector from torch's global generator; here that draw is seeded
    (inside ``fork_rng``, so the global generator is left as it was). Graphs of 100 nodes or more are
    solved by PyG with ARPACK (``scipy.sparse.linalg.eigsh``), whose start vector comes from ARPACK's
    own generator, which advances with every call in the process: their PE then depends on what ran
    before. ``seed_arpack=True`` passes a seeded start vector ``v0`` (per graph, from ``seed``), so
    the PE depends only on ``seed``; the default keeps PyG's behaviour.
    """
    _check("k", k >= 1, f"must be >= 1, got {k}")
    t = AddLaplacianEigenvectorPE(k, attr_name="pe", is_undirected=True)
    rng = _rng(seed)
    out = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for g in graphs:
            tg = t
            if seed_arpack and g.num_nodes >= AddLaplacianEigenvectorPE.SPARSE_THRESHOLD:
                v0 = rng.uniform(-1.0, 1.0, g.num_nodes)
                tg = AddLaplacianEigenvectorPE(k, attr_name="pe", is_undirected=True, v0=v0)
            g = tg(g.clone())
            g.pe = g.pe.float()
            out.append(g)
    return out

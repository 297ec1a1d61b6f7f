"""Unit-level alignment of two representations (Li, Yosinski, Clune, Lipson, Hopcroft, ICLR 2016).

Activations are ``(samples, units)`` arrays of two layers seen on the same inputs.
Three tools from the convergent-learning paper:

* one-to-one: :func:`bipartite_match` — the Hungarian assignment that maximises the
  summed between-net correlation (Sec. 3, "bipartite matching"), or the greedy
  semi-matching that pairs every unit with its most correlated partner, duplicates
  allowed (Sec. 3, "semi-matching");
* one-to-many: :func:`sparse_prediction` — an L1-regularised linear map that predicts
  each unit of one net from all units of the other (Sec. 4);
* many-to-many: :func:`spectral_groups` — spectral clustering of the joint
  (within + between) correlation matrix into groups of units (Sec. 5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

MATCH_METHODS = ("hungarian", "semi")


def _as_acts(name: str, x: np.ndarray) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] < 2 or arr.shape[1] < 1:
        raise ValueError(f"{name} must be a (samples, units) array with >= 2 samples; got shape {arr.shape}")
    return arr


def _standardize(x: np.ndarray) -> np.ndarray:
    """Zero mean, unit variance per column; constant (dead) units become all zeros."""
    sd = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(sd > 1e-12, sd, np.inf)


def correlation_matrix(acts_a: np.ndarray, acts_b: np.ndarray) -> np.ndarray:
    """Pearson correlation of every unit of ``a`` with every unit of ``b``: ``(units_a, units_b)``.

    Dead units (zero variance) correlate 0 with everything.
    """
    a, b = _as_acts("acts_a", acts_a), _as_acts("acts_b", acts_b)
    if len(a) != len(b):
        raise ValueError(f"acts_a and acts_b need the same number of samples; got {len(a)} and {len(b)}")
    return _standardize(a).T @ _standardize(b) / len(a)


def bipartite_match(
    acts_a: np.ndarray, acts_b: np.ndarray, method: str = "hungarian"
) -> tuple[np.ndarray, np.ndarray]:
    """Match each unit ``i`` of ``a`` to unit ``perm[i]`` of ``b``; ``corr[i]`` is their correlation.

    ``method="hungarian"``: one-to-one assignment maximising ``sum_i corr[i]``
    (``scipy.optimize.linear_sum_assignment``; needs ``units_a <= units_b``).
    ``method="semi"``: greedy semi-matching, ``perm[i] = argmax_j C[i, j]``; several
    units of ``a`` may share a partner.
    """
    if method not in MATCH_METHODS:
        raise ValueError(f"method must be one of {MATCH_METHODS}; got {method!r}")
    c = correlation_matrix(acts_a, acts_b)
    if method == "semi":
        perm = c.argmax(axis=1)
    else:
        if c.shape[0] > c.shape[1]:
            raise ValueError(
                f"hungarian matching needs units_a <= units_b; got {c.shape[0]} > {c.shape[1]} (use method='semi')"
            )
        _, perm = linear_sum_assignment(-c)
    return perm.astype(int), c[np.arange(len(perm)), perm]


@dataclass
class SparsePrediction:
    """Result of :func:`sparse_prediction`: ``b_hat = z(a) @ weights + bias`` on standardised units."""

    weights: np.ndarray  # (units_a, units_b)
    bias: np.ndarray  # (units_b,)
    explained_variance: np.ndarray  # (units_b,) 1 - MSE / var on standardised b
    nonzeros: np.ndarray  # (units_b,) non-zero incoming weights per unit of b

    @property
    def mean_explained(self) -> float:
        return float(self.explained_variance.mean())


def sparse_prediction(
    acts_a: np.ndarray,
    acts_b: np.ndarray,
    l1: float,
    *,
    test: tuple[np.ndarray, np.ndarray] | None = None,
    max_iter: int = 2000,
) -> SparsePrediction:
    """One-to-many map (Sec. 4): each standardised unit of ``b`` predicted by a lasso on all units of ``a``.

    Minimises ``1/(2n) ||z(b_j) - z(a) w_j||^2 + l1 ||w_j||_1`` per unit ``j``
    (scikit-learn ``Lasso``, the exact optimum of the paper's L1-penalised squared loss).
    ``explained_variance[j] = 1 - MSE_j`` (units have variance 1), measured on ``test``
    = ``(acts_a, acts_b)`` when given, else on the training samples.
    """
    from sklearn.linear_model import Lasso

    if not np.isfinite(l1) or l1 < 0:
        raise ValueError(f"l1 must be a finite number >= 0; got {l1!r}")
    a, b = _as_acts("acts_a", acts_a), _as_acts("acts_b", acts_b)
    if len(a) != len(b):
        raise ValueError(f"acts_a and acts_b need the same number of samples; got {len(a)} and {len(b)}")
    mu_a, sd_a = a.mean(0), np.where(a.std(0) > 1e-12, a.std(0), np.inf)
    mu_b, sd_b = b.mean(0), np.where(b.std(0) > 1e-12, b.std(0), np.inf)
    za, zb = (a - mu_a) / sd_a, (b - mu_b) / sd_b
    if l1 == 0:
        w, *_ = np.linalg.lstsq(za, zb, rcond=None)
        bias = np.zeros(zb.shape[1])
    else:
        model = Lasso(alpha=l1, max_iter=max_iter, tol=1e-4).fit(za, zb)
        w, bias = model.coef_.reshape(zb.shape[1], za.shape[1]).T, np.atleast_1d(model.intercept_)
    if test is not None:
        ta, tb = _as_acts("test[0]", test[0]), _as_acts("test[1]", test[1])
        za, zb = (ta - mu_a) / sd_a, (tb - mu_b) / sd_b
    mse = ((za @ w + bias - zb) ** 2).mean(0)
    live = np.isfinite(sd_b)
    ev = np.where(live, 1.0 - mse, 0.0)
    return SparsePrediction(weights=w, bias=bias, explained_variance=ev, nonzeros=(np.abs(w) > 1e-10).sum(0))


@dataclass
class SpectralGroups:
    """Result of :func:`spectral_groups`: a group label per unit of ``a`` and of ``b``."""

    labels_a: np.ndarray
    labels_b: np.ndarray
    joint_corr: np.ndarray  # (units_a + units_b, units_a + units_b)
    order: np.ndarray  # a permutation of the joint units that puts each group together

    def within_between(self) -> tuple[float, float]:
        """Mean |correlation| between a- and b-units in the same group vs in different groups."""
        na = len(self.labels_a)
        cross = np.abs(self.joint_corr[:na, na:])
        same = self.labels_a[:, None] == self.labels_b[None, :]
        return float(cross[same].mean()) if same.any() else 0.0, float(cross[~same].mean()) if (
            ~same
        ).any() else 0.0


def spectral_groups(acts_a: np.ndarray, acts_b: np.ndarray, k: int, *, seed: int = 0) -> SpectralGroups:
    """Many-to-many matching (Sec. 5): spectral clustering of the joint correlation matrix into ``k`` groups.

    The affinity is ``|corr|`` over all units of both nets (within-net and between-net
    blocks together), so a group is a set of units of ``a`` and of ``b`` that co-vary.
    """
    from sklearn.cluster import SpectralClustering

    a, b = _as_acts("acts_a", acts_a), _as_acts("acts_b", acts_b)
    n_units = a.shape[1] + b.shape[1]
    if not isinstance(k, int | np.integer) or not 1 <= k <= n_units:
        raise ValueError(f"k must be an int in [1, {n_units}] (total units); got {k!r}")
    joint = correlation_matrix(np.hstack([a, b]), np.hstack([a, b]))
    # a dead unit correlates 0 with everything; a tiny floor keeps the affinity graph connected
    affinity = np.abs(joint) + 1e-6
    np.fill_diagonal(affinity, 1.0)
    labels = SpectralClustering(
        n_clusters=k, affinity="precomputed", random_state=seed, assign_labels="cluster_qr"
    ).fit_predict(affinity)
    order = np.lexsort((np.arange(n_units) >= a.shape[1], labels))
    return SpectralGroups(labels[: a.shape[1]], labels[a.shape[1] :], joint, order)

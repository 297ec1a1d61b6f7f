import numpy as np
import pytest
from scipy.special import erf

from paperlab.theory import hebbian as th


def test_hopfield_capacity_is_classical_value():
    assert th.hopfield_critical_load() == pytest.approx(0.1379, abs=2e-4)
    assert th.hopfield_rs_overlap(0.2) == 0.0


def test_hopfield_overlap_solves_ags_equations():
    alpha = 0.1
    m = th.hopfield_rs_overlap(alpha)
    # independent route: iterate the three AGS equations jointly from the solution's neighbourhood
    mm, r = 1.0, 1.0
    for _ in range(20000):
        c = np.sqrt(2 / (np.pi * alpha * r)) * np.exp(-(mm**2) / (2 * alpha * r))
        r = 1 / (1 - c) ** 2
        mm = erf(mm / np.sqrt(2 * alpha * r))
    assert m == pytest.approx(mm, abs=1e-8)


def test_dense_snr_limits_and_monotonicity():
    assert th.dense_snr_overlap(4, 0.0, 0.0) == 1.0
    assert th.dense_snr_overlap(2, 0.0, 0.25) == pytest.approx(erf(1 / np.sqrt(0.5)))
    ms = [th.dense_snr_overlap(4, 1e-4, th.dataset_entropy(0.4, m)) for m in (10, 20, 80)]
    assert ms[0] < ms[1] < ms[2]
    assert th.dense_critical_load(3) > th.dense_critical_load(4) > 0


def test_crosstalk_variance_matches_sampling():
    # Var of sum_mu xi_i^mu (xi^mu . s / N)^(P-1) over random patterns, P = 3, rho = 0
    rng = np.random.default_rng(0)
    n, k, p = 40, 200, 3
    vals = []
    for _ in range(300):
        xi = rng.choice([-1.0, 1.0], size=(k, n))
        s = rng.choice([-1.0, 1.0], size=n)
        vals.append((xi[:, 0] * (xi @ s / n) ** (p - 1)).sum())
    assert np.var(vals) == pytest.approx(th.crosstalk_variance(p, k / n ** (p - 1)), rel=0.2)


def test_bad_arguments():
    with pytest.raises(ValueError, match="r"):
        th.dataset_entropy(0.0, 3)
    with pytest.raises(ValueError, match="p"):
        th.dense_snr_overlap(1, 0.1)
    with pytest.raises(ValueError, match="alpha"):
        th.hopfield_rs_overlap(-1.0)

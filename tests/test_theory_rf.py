"""Random-feature ridge risk ("More is Better") against simulation and the kernel limit."""

import math

import numpy as np
import pytest

from paperlab.theory.rf import krr_risk, power_law_task, rf_ridge_risk, rf_ridge_solution, simulate_rf_ridge

LAM, V2 = power_law_task(400, alpha=1.5, beta=1.5)


@pytest.mark.parametrize(
    "n,n_features,ridge,noise",
    [
        (100, 200, 0.0, 0.0),
        (100, 200, 0.3, 0.0),
        (150, 150, 0.05, 0.05),
        (100, None, 0.0, 0.1),
        (120, 60, 0.1, 0.1),
    ],
)
def test_risk_matches_simulation(n, n_features, ridge, noise):
    train, test = simulate_rf_ridge(
        LAM, V2, n_samples=n, n_features=n_features, ridges=[ridge], noise_var=noise, trials=8
    )
    sol = rf_ridge_solution(
        LAM, V2, n_samples=n, n_features=n_features or math.inf, ridge=ridge, noise_var=noise
    )
    # measured over seeds 0-2: within 9 % (finite n, N; the framework is exact only asymptotically)
    assert test[0] == pytest.approx(sol.test_mse, rel=0.15)
    assert train[0] == pytest.approx(sol.train_mse, rel=0.2, abs=1e-6)


def test_kernel_limit_is_eigenlearning():
    n, ridge, noise = 80, 0.02, 0.1
    # eigenlearning written out (Simon et al. 2021), solved here by plain bisection
    lo, hi = 1e-12, 1e3
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if (LAM / (LAM + mid)).sum() + ridge / mid > n else (lo, mid)
    learn = LAM / (LAM + lo)
    expected = n / (n - (learn**2).sum()) * (((1 - learn) ** 2 * V2).sum() + noise)
    assert krr_risk(LAM, V2, n_samples=n, ridge=ridge, noise_var=noise) == pytest.approx(expected, rel=1e-9)
    big = rf_ridge_risk(LAM, V2, n_samples=n, n_features=1e9, ridge=ridge, noise_var=noise)
    assert big == pytest.approx(expected, rel=1e-6)


def test_more_features_and_samples_help_at_optimal_ridge():
    ridges = np.logspace(-6, 1, 60)

    def best(n, big_n):
        return min(
            rf_ridge_risk(LAM, V2, n_samples=n, n_features=big_n, ridge=r, noise_var=0.05) for r in ridges
        )

    by_n_features = [best(100, big_n) for big_n in (20, 50, 100, 200, 1000, math.inf)]
    by_n_samples = [best(n, 200) for n in (20, 50, 100, 200, 350)]
    assert np.all(np.diff(by_n_features) <= 1e-12) and by_n_features[0] > 1.5 * by_n_features[-1]
    assert np.all(np.diff(by_n_samples) <= 1e-12)


def test_double_descent_peak_at_interpolation_threshold():
    risks = [
        rf_ridge_risk(LAM, V2, n_samples=100, n_features=nf, ridge=1e-6, noise_var=0.05)
        for nf in (50, 100, 200)
    ]
    assert risks[1] > 5 * max(risks[0], risks[2])


def test_ridgeless_underparameterised_train_error():
    sol = rf_ridge_solution(LAM, V2, n_samples=100, n_features=40, ridge=0.0, noise_var=0.1)
    assert sol.kappa == pytest.approx(0.0, abs=1e-12) and sol.overfitting_coeff == pytest.approx(100 / 60)
    assert sol.train_mse == pytest.approx((1 - 40 / 100) ** 2 * sol.test_mse)


def test_bad_arguments():
    with pytest.raises(ValueError, match="ridge"):
        rf_ridge_risk(LAM, V2, n_samples=10, n_features=10, ridge=-1.0)
    with pytest.raises(ValueError, match="target_coeffs_sq"):
        rf_ridge_risk(LAM, V2[:5], n_samples=10, n_features=10, ridge=0.1)
    with pytest.raises(ValueError, match="n_features"):
        rf_ridge_risk(LAM, V2, n_samples=10, n_features=0, ridge=0.1)
    with pytest.raises(ValueError, match="alpha"):
        power_law_task(10, alpha=0.5, beta=1.0)

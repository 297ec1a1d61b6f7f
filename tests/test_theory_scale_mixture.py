import math

import numpy as np
import pytest
from scipy import stats

from paperlab.theory import scale_mixture as sm


def _kernel(x1, x2):
    return np.exp(-0.5 * (x1[:, None] - x2[None, :]) ** 2)


def test_tp_predictive_matches_sampling_the_scale():
    # independent route: sample sigma^2 from its posterior IG(alpha + n/2, beta + y'A^-1y/2), then the GP predictive
    rng = np.random.default_rng(0)
    x = np.linspace(-2, 2, 6)
    y = np.sin(x) * 2
    xs = np.array([0.3, 3.0])
    k, kx, kd = _kernel(x, x), _kernel(x, xs), np.ones(2)
    a, b, s = 2.0, 1.5, 0.1
    tp = sm.tp_predict(k, kx, kd, y, noise=s, alpha=a, beta=b)
    gp = sm.gp_predict(k, kx, kd, y, noise=s)
    quad = float(y @ np.linalg.solve(k + s * np.eye(6), y))
    sig2 = 1.0 / rng.gamma(a + 3, 1.0 / (b + quad / 2), size=400_000)
    draws = gp.mean[0] + np.sqrt(sig2 * gp.scale2[0]) * rng.standard_normal(len(sig2))
    p = stats.kstest(
        draws[:20_000], stats.t(df=tp.dof, loc=tp.mean[0], scale=math.sqrt(tp.scale2[0])).cdf
    ).pvalue
    assert p > 0.01
    assert np.var(draws) == pytest.approx(tp.std[0] ** 2, rel=0.03)
    assert tp.dof == 2 * a + 6


def test_tp_evidence_is_multivariate_t_and_gp_limit():
    x = np.linspace(-1, 1, 5)
    y = np.array([0.1, -0.3, 0.5, 0.2, -0.1])
    k = _kernel(x, x)
    a, b, s = 3.0, 2.0, 0.2
    ref = stats.multivariate_t(loc=np.zeros(5), shape=(b / a) * (k + s * np.eye(5)), df=2 * a).logpdf(y)
    assert sm.tp_log_marginal(k, y, noise=s, alpha=a, beta=b) == pytest.approx(ref, rel=1e-10)
    ref_gp = stats.multivariate_normal(np.zeros(5), 1.7 * (k + s * np.eye(5))).logpdf(y)
    assert sm.gp_log_marginal(k, y, noise=s, scale=1.7) == pytest.approx(ref_gp, rel=1e-10)
    # alpha = beta -> infinity: sigma^2 concentrates at 1 and the t-process becomes the GP
    big = sm.tp_log_marginal(k, y, noise=s, alpha=1e7, beta=1e7)
    assert big == pytest.approx(sm.gp_log_marginal(k, y, noise=s), abs=1e-4)


def test_nll_matches_scipy():
    pred = sm.Predictive(np.array([0.0, 1.0]), np.array([1.0, 4.0]), 5.0)
    y = np.array([0.5, -1.0])
    ref = -np.mean(stats.t(df=5, loc=pred.mean, scale=np.sqrt(pred.scale2)).logpdf(y))
    assert sm.nll(pred, y) == pytest.approx(ref)
    g = sm.Predictive(pred.mean, pred.scale2, math.inf)
    assert sm.nll(g, y) == pytest.approx(-np.mean(stats.norm(pred.mean, np.sqrt(pred.scale2)).logpdf(y)))


def test_bad_arguments():
    k = np.eye(2)
    with pytest.raises(ValueError, match="noise"):
        sm.gp_predict(k, k, np.ones(2), np.ones(2), noise=0.0)
    with pytest.raises(ValueError, match="alpha"):
        sm.tp_predict(k, k, np.ones(2), np.ones(2), noise=0.1, alpha=-1.0, beta=1.0)
    with pytest.raises(ValueError, match="dof"):
        _ = sm.Predictive(np.zeros(1), np.ones(1), 2.0).std

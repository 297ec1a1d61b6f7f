import numpy as np
import pytest
import torch
from scipy import stats

from paperlab.papers import scale_mixture_nngp as smn
from paperlab.theory import scale_mixture as sm
from paperlab.theory.kernels import nngp_kernel


def test_sampler_matches_student_t_not_gaussian():
    x0 = np.array([0.5, -1.0])
    f = smn.sample_outputs(x0, width=512, n_draws=6000, seed=1)
    k = float(nngp_kernel(x0[None], depth=1, activation="relu", weight_var=2.0, bias_var=0.1)[0, 0])
    nu, s2 = sm.prior_marginal_t(np.array([k]), alpha=2.0, beta=2.0)
    assert stats.kstest(f, stats.t(df=nu, scale=np.sqrt(s2[0])).cdf).pvalue > 0.01
    assert stats.kstest(f, stats.norm(scale=f.std()).cdf).pvalue < 0.01


def test_fixed_scale_network_is_gaussian_with_nngp_variance():
    # alpha = beta huge: sigma^2 -> 1, the output should be N(0, K(x, x))
    x0 = np.array([1.0, 0.2])
    f = smn.sample_outputs(x0, width=512, n_draws=6000, alpha=1e6, beta=1e6, seed=2)
    k = float(nngp_kernel(x0[None], depth=1, activation="relu", weight_var=2.0, bias_var=0.1)[0, 0])
    assert f.var() == pytest.approx(k, rel=0.06)


def test_mlp_forward_and_sigma():
    net, (x,), _ = smn.diagram_example()
    assert net(x).shape == (3,)
    assert float(net.sigma) > 0
    with pytest.raises(ValueError, match="width"):
        smn.ScaleMixtureMLP(2, 0, 1)


def test_fit_and_score_t_process_beats_nngp_out_of_distribution():
    x_tr, y_tr = smn.toy_data(20, -3, 3, seed=0)
    x_out, y_out = smn.toy_data(100, 3, 5, seed=1)
    r = smn.fit_and_score(x_tr, y_tr, x_out, y_out)
    assert r.nll["t-process"] < r.nll["NNGP"] - 1.0
    assert r.predictive["t-process"].dof == 2 * 2.0 + 20


def test_outliers_and_split():
    y = np.zeros(100)
    assert np.count_nonzero(smn.add_outliers(y, fraction=0.1)) == 10
    xtr, ytr, xte, yte = smn.diabetes_shift_split()
    assert len(xte) == pytest.approx(0.15 * 442, abs=2) and abs(ytr.mean()) < 1e-12
    assert torch.is_tensor(torch.as_tensor(xtr))


def test_importance_sampling_with_inverse_gamma_prior_matches_the_closed_form():
    x_tr, y_tr = smn.toy_data(20, -3, 3, seed=0)
    x_te, y_te = smn.toy_data(50, -3, 5, seed=3)
    k, kx, kd = smn.kernel_matrices(x_tr, x_te)
    noise = 0.01
    closed = sm.nll(sm.tp_predict(k, kx, kd, y_tr, noise=noise, alpha=2.0, beta=2.0), y_te)
    prior = stats.invgamma(a=2.0, scale=2.0)
    is_pred = smn.importance_predict(k, kx, kd, y_tr, prior, n_samples=20_000, noise_grid=[noise], seed=0)
    assert is_pred.nll(y_te) == pytest.approx(closed, abs=0.02)
    assert is_pred.weights.sum() == pytest.approx(1.0) and 1 < is_pred.ess < 20_000
    with pytest.raises(ValueError, match="n_samples"):
        smn.importance_predict(k, kx, kd, y_tr, prior, n_samples=0)


def test_gaussian_controls_fail_the_finite_width_clause():
    x0 = np.array([0.5, -1.0])
    p = smn.ks_pvalues(smn.sample_outputs(x0, width=512, n_draws=6000, seed=1), x0)
    clause = smn.CLAIM.clause("ks_p")
    assert clause.holds(p["t-process"])
    assert not clause.holds(p["NNGP"]) and not clause.holds(p["NNGP, fitted scale"])


def test_few_point_tasks_return_one_nll_per_task_and_model():
    few = smn.few_point_ood(4, 3, seed=0, burr=True)
    assert set(few) == {*smn.MODELS, "Burr XII (IS)"} and all(len(v) == 3 for v in few.values())
    with pytest.raises(ValueError, match="n_train"):
        smn.few_point_ood(0, 3)

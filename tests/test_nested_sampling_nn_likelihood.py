import numpy as np
import pytest

from paperlab.papers import nested_sampling_nn_likelihood as ns


@pytest.mark.parametrize("seed", [0, 1])
def test_lnz_of_an_analytic_gaussian_within_its_error(seed):
    prob = ns.gaussian_problem(ndim=2)
    r = ns.nested_sampling(prob.loglike, prob.prior_transform, 2, n_live=100, seed=seed)
    assert abs(r.logz - prob.logz_exact) <= 3 * r.logz_err
    assert r.weights.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(r.mean(), [0, 0], atol=0.15)  # the Gaussian is centred at 0
    np.testing.assert_allclose(r.std(), [0.5, 0.5], rtol=0.2)  # marginal sd sigma = 0.5


def test_balls_bound_and_ln_x_shrinks_by_one_over_n_live():
    prob = ns.gaussian_problem(ndim=2)
    r = ns.nested_sampling(prob.loglike, prob.prior_transform, 2, n_live=50, seed=0, bound="balls")
    assert abs(r.logz - prob.logz_exact) <= 3 * r.logz_err
    dead = r.logx[: r.n_iter]
    np.testing.assert_allclose(np.diff(dead), -1 / 50)


def test_surrogate_swap_counts_fewer_true_calls_and_ga_picks_from_the_genes():
    prob = ns.gaussian_problem(ndim=2)
    exact = ns.nested_sampling(prob.loglike, prob.prior_transform, 2, n_live=60, seed=0)
    opts = ns.SurrogateOptions(threshold=1e9, epochs=50, start=1.0)  # always swap: calls must drop
    swapped = ns.nested_sampling(prob.loglike, prob.prior_transform, 2, n_live=60, seed=0, surrogate=opts)
    assert swapped.switch_iter and swapped.n_calls < exact.n_calls
    assert swapped.n_surrogate_calls > 0
    u = np.random.default_rng(0).random((80, 2))
    best, hist = ns.genetic_search(
        u, prob.loglike(prob.prior_transform(u)), population=3, generations=2, epochs=20
    )
    assert best.layers in ns.GENES["layers"] and best.width in ns.GENES["width"] and best.lr in ns.GENES["lr"]
    assert len(hist) == 2 and hist[1] <= hist[0]


def test_bad_arguments_raise():
    prob = ns.gaussian_problem()
    with pytest.raises(ValueError, match="bound"):
        ns.nested_sampling(prob.loglike, prob.prior_transform, 2, n_live=50, bound="cube")
    with pytest.raises(ValueError, match="n_live"):
        ns.nested_sampling(prob.loglike, prob.prior_transform, 2, n_live=3)

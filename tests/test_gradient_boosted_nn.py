import pytest
import torch

from paperlab.papers import gradient_boosted_nn as gb


def _toy(n=120, seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 5, generator=gen)
    y = (x[:, 0] + x[:, 1] > 0).long() + (x[:, 2] > 1).long()
    return x, y


def test_merged_network_equals_staged_ensemble_exactly():
    x, y = _toy()
    model = gb.fit_gbnn(x, y, n_stages=4, units=3, max_iter=20).double()
    net = model.merge()
    assert net[0].out_features == 12
    with torch.no_grad():
        assert (net(x.double()) - model.decision(x.double())).abs().max() < 1e-10


def test_switching_off_the_last_stage_equals_the_shorter_ensemble():
    x, y = _toy(seed=1)
    model = gb.fit_gbnn(x, y, n_stages=3, units=2, max_iter=20)
    short = gb.GBNN(model.task, model.intercept, model.stages[:2], model.rhos[:2]).double().merge()
    with torch.no_grad():
        assert torch.allclose(short(x.double()), model.double().decision(x.double(), 2), atol=1e-10)


def test_each_stage_fits_the_pseudo_residuals_and_lowers_the_loss():
    x, y = _toy(seed=2)
    model = gb.fit_gbnn(x, y, n_stages=5, units=2, subsample=1.0, max_iter=50)
    assert all(b <= a + 1e-6 for a, b in zip(model.train_loss, model.train_loss[1:], strict=False))
    assert all(r > 0 for r in model.rhos)  # a Newton step along a fit to −∂L/∂F descends


def test_regression_starts_from_the_mean():
    x, y = gb.sine_data(n=50)
    model = gb.fit_gbnn(x, y, task="regression", n_stages=2, units=2, max_iter=20)
    assert model.intercept.item() == pytest.approx(y.mean().item(), abs=1e-6)
    assert model.train_loss[-1] < float(((y - y.mean()) ** 2).mean())


def test_units_switched_off_and_bad_arguments():
    net = gb.mlp(5, 4, 3)
    x, y = _toy()
    assert 0.0 <= gb.accuracy_with_units(net, x, y, 0) <= 1.0
    with pytest.raises(ValueError, match="active"):
        gb.accuracy_with_units(net, x, y, 5)
    with pytest.raises(ValueError, match="task"):
        gb.fit_gbnn(x, y, task="ranking")
    with pytest.raises(ValueError, match="subsample"):
        gb.fit_gbnn(x, y, subsample=0.0)
    with pytest.raises(ValueError, match="solver"):
        gb.train_joint(x, y, 4, solver="sgd")


def test_claim_holds_and_the_jointly_trained_net_fails_the_switch_off_clause():
    rows = gb.claim_experiment(0)
    table = gb.CLAIM.check(rows)
    table.assert_holds()
    assert not table.passes("MLP Adam", "half_off_drop")
    assert not table.passes("MLP L-BFGS", "half_off_drop")


def test_claim_rows_on_a_toy_problem():
    x, y = _toy()
    model = gb.fit_gbnn(x, y, n_stages=4, units=2, max_iter=20)
    rows = gb.claim_rows(model, {"MLP Adam": gb.mlp(5, 8, 3)}, x, x, y)
    assert set(rows) == {"ours", "MLP Adam"}
    assert rows["MLP Adam"]["gap_to_adam"] == 0.0
    gb.CLAIM.check(rows)  # every clause present in every row

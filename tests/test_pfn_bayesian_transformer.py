import math

import torch

from paperlab.papers import pfn_bayesian_transformer as pfn


def test_attention_mask_train_sees_train_queries_see_train_and_self():
    blocked = pfn.pfn_attention_mask(3, 2)
    allowed = ~blocked
    assert allowed.shape == (5, 5)
    assert allowed[:, :3].all()  # every token sees every training token
    assert not allowed[:3, 3:].any()  # training tokens never see a query
    assert allowed[3, 3] and allowed[4, 4]  # a query sees itself
    assert not allowed[3, 4] and not allowed[4, 3]  # ... and no other query


def test_queries_are_independent_and_training_set_is_a_set():
    torch.manual_seed(0)
    bar = pfn.BarDistribution(torch.linspace(-3, 3, 21))
    model = pfn.PFN(bar, d_model=16, n_heads=2, n_layers=2, d_hidden=32)
    for p in model.parameters():  # move off the identity initialisation
        torch.nn.init.normal_(p, std=0.3)
    model.eval()
    x_tr, y_tr = torch.rand(1, 6, 1), torch.randn(1, 6)
    x_te = torch.rand(1, 4, 1)
    with torch.no_grad():
        full = model(x_tr, y_tr, x_te)
        alone = torch.cat([model(x_tr, y_tr, x_te[:, i : i + 1]) for i in range(4)], 1)
        perm = torch.randperm(6)
        shuffled = model(x_tr[:, perm], y_tr[:, perm], x_te)
    torch.testing.assert_close(full, alone, atol=1e-5, rtol=1e-5)  # no query sees another
    torch.testing.assert_close(full, shuffled, atol=1e-5, rtol=1e-5)  # no positional encoding


def test_bar_distribution_is_a_density():
    bar = pfn.BarDistribution.from_prior(pfn.GPPrior(), n_buckets=50, n_samples=20_000)
    logits = torch.randn(3, 50)
    grid = torch.linspace(float(bar.borders[0]), float(bar.borders[-1]), 200_001)
    dens = bar.density(logits, grid[:-1])
    integral = (dens * (grid[1] - grid[0])).sum(-1)
    torch.testing.assert_close(integral, torch.ones(3), atol=2e-3, rtol=0)
    y = torch.tensor([0.1, -0.5, 1.2])
    nll = bar.nll(logits, y)
    expect = -torch.log(bar.density(logits, y)[torch.arange(3), torch.arange(3)])
    torch.testing.assert_close(nll, expect)


def test_gp_posterior_matches_the_textbook_formula_and_prior_without_data():
    prior = pfn.GPPrior(lengthscale=0.3, outputscale=1.0, noise=0.05)
    x_tr = torch.tensor([[[0.1], [0.5], [0.9]]])
    y_tr = torch.tensor([[0.3, -0.2, 0.8]])
    x_te = torch.tensor([[[0.4]]])
    mean, var = prior.posterior(x_tr, y_tr, x_te)
    k = prior.kernel(x_tr[0].double(), x_tr[0].double()) + 0.05 * torch.eye(3, dtype=torch.float64)
    ks = prior.kernel(x_tr[0].double(), x_te[0].double())[:, 0]
    kinv = torch.linalg.inv(k)
    assert math.isclose(mean.item(), float(ks @ kinv @ y_tr[0].double()), rel_tol=1e-5)
    assert math.isclose(var.item(), float(1.05 - ks @ kinv @ ks), rel_tol=1e-5)
    m0, v0 = prior.posterior(x_tr[:, :0], y_tr[:, :0], x_te)
    assert m0.item() == 0.0 and math.isclose(v0.item(), 1.05, rel_tol=1e-6)

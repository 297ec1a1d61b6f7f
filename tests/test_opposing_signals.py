import pytest
import torch

from paperlab.optim.groups import group_losses, loss_change_correlation, per_sample_loss
from paperlab.optim.sharpness import hvp, top_eigenvalue
from paperlab.papers import opposing_signals as osg


def test_hvp_and_top_eigenvalue_on_a_quadratic():
    a = torch.diag(torch.tensor([5.0, 2.0, -1.0]))
    model = torch.nn.Linear(3, 1, bias=False)

    def loss_fn(m):
        w = m.weight[0]
        return 0.5 * w @ a @ w

    v = [torch.tensor([[1.0, 1.0, 1.0]])]
    assert torch.allclose(hvp(lambda: loss_fn(model), [model.weight], v)[0], torch.tensor([[5.0, 2.0, -1.0]]))
    assert top_eigenvalue(model, loss_fn, iters=50) == pytest.approx(5.0, rel=1e-3)


def test_group_losses_and_antiphase_correlation():
    model = torch.nn.Linear(4, 3)
    x, y = torch.randn(10, 4), torch.randint(0, 3, (10,))
    g = group_losses(model, x, y, {"first": torch.arange(5)}, loss="mse")
    assert g["first"] == pytest.approx(per_sample_loss(model(x), y, "mse")[:5].mean().item(), rel=1e-6)
    assert loss_change_correlation([1, 2, 1, 2, 1], [2, 1, 2, 1, 2]) == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="loss"):
        per_sample_loss(model(x), y, "hinge")


def test_planted_groups_carry_the_patch_with_opposing_labels():
    d = osg.opposing_digits(classes=(3, 8), fraction=0.1, magnitude=4.0)
    for name, c in (("A", 3), ("B", 8)):
        idx = d.groups[name]
        assert torch.all(d.y[idx] == c) and torch.all(d.x[idx][:, d.patch] == 4.0)
    others = torch.cat([d.groups["random 1"], d.groups["random 2"]])
    assert torch.all(d.x[others][:, d.patch] <= 1.0)
    assert len(d.groups["random 1"]) == len(d.groups["A"])


def test_training_records_every_step_and_bad_arguments():
    d = osg.opposing_digits()
    tr = osg.train(d, steps=6, sharp_every=3, sharp_iters=3)
    assert len(tr.losses["A"]) == 6 and tr.sharp_steps == [0, 3, 5]
    with pytest.raises(ValueError, match="optimizer"):
        osg.train(d, optimizer="lion")
    with pytest.raises(ValueError, match="fraction"):
        osg.opposing_digits(fraction=0.0)


def test_trace_records_the_step_length():
    d = osg.opposing_digits()
    tr = osg.train(d, steps=4, sharp_every=10, sharp_iters=2)
    assert len(tr.step_norms) == 4 and all(s > 0 for s in tr.step_norms)


def test_toy_linear_sharpness_is_the_opposing_signal_direction_and_sits_at_the_edge():
    """The two-layer linear toy: with the opposing signal the top Hessian direction is W[:, 0] and its
    curvature stops at 2/η; without it the sharpness stays at the bulk's, far below."""
    lr = 0.6
    tr = osg.toy_linear(magnitude=15.0, lr=lr, steps=300)
    flat = osg.toy_linear(magnitude=0.0, lr=lr, steps=300)
    assert tr.eig_on_signal[-1] > 0.8
    assert 0.9 * 2 / lr <= tr.sharpness[-1] <= 1.05 * 2 / lr
    assert flat.sharpness[-1] < 0.5 * 2 / lr
    with pytest.raises(ValueError, match="fraction"):
        osg.toy_linear(fraction=0.6)


def test_claim_no_patch_row_fails_the_antiphase_clause():
    c = osg.CLAIM.clause("antiphase")
    assert c.kind == "evidence" and not c.holds(0.19) and c.holds(-0.96)
    assert osg.CLAIM.clause("edge_of_stability").kind == "sanity"


def test_toy_group_losses_view_matches_toy_model() -> None:
    """ToyGroupLosses is vᵀWx with W = [w₀ | W_rest] and the mean squared error over each group's mask."""
    from paperlab.papers.opposing_signals import ToyGroupLosses

    torch.manual_seed(0)
    m = ToyGroupLosses(d=4, width=3)
    x = torch.randn(6, 4)
    y = torch.randn(6)
    m_a = torch.tensor([1.0, 1, 0, 0, 0, 0])
    m_b = torch.tensor([0.0, 0, 1, 1, 0, 0])
    W = torch.cat([m.w0[:, None], m.W_rest], dim=1)
    err = 0.5 * (x @ W.T @ m.v - y) ** 2
    la, lb = m(x[:, 0], x[:, 1:], y, m_a, m_b)
    assert torch.allclose(la, err[:2].mean()) and torch.allclose(lb, err[2:4].mean())

import numpy as np
import pytest
import torch

from paperlab.papers import gradient_noise_deep_nets as gn


def test_noise_has_the_annealed_variance():
    p = torch.nn.Parameter(torch.zeros(200_000))
    opt = gn.NoisySGD([p], lr=1.0, eta=0.3, gamma=0.55)
    for t in range(3):
        before = p.detach().clone()
        p.grad = torch.zeros_like(p)
        opt.step()
        step_std = (before - p.detach()).std().item()
        assert step_std == pytest.approx(np.sqrt(0.3 / (1 + t) ** 0.55), rel=0.01)


def test_zero_eta_is_plain_sgd():
    torch.manual_seed(0)
    a = torch.nn.Parameter(torch.randn(10))
    b = torch.nn.Parameter(a.detach().clone())
    opt_a, opt_b = gn.NoisySGD([a], lr=0.1, eta=0.0), torch.optim.SGD([b], lr=0.1)
    for p, opt in ((a, opt_a), (b, opt_b)):
        (p**2).sum().backward()
        opt.step()
    assert torch.equal(a, b)


def test_zero_init_only_the_output_bias_gets_a_gradient():
    net = gn.DeepMLP(depth=5, width=8, init="zero")
    torch.nn.functional.cross_entropy(net(torch.rand(6, 64)), torch.arange(6)).backward()
    moving = [n for n, p in net.named_parameters() if p.grad.abs().sum() > 0]
    assert moving == ["layers.4.bias"]


def test_noise_breaks_the_zero_init_symmetry():
    torch.set_flush_denormal(True)
    quiet = gn.train(eta=0.0, init="zero", steps=30, depth=4, width=8)
    noisy = gn.train(eta=0.3, init="zero", steps=30, depth=4, width=8)
    assert quiet.test_acc <= 0.15 and len(noisy.loss) == 30


def test_simple_init_vanishes_with_depth():
    """The paper's simple init N(0, 0.1²): activations and weight gradients shrink layer by layer."""
    x, y = torch.rand(32, 64), torch.arange(32) % 10
    torch.manual_seed(0)
    simple = gn.signal_profile(gn.DeepMLP(init="simple"), x, y)
    torch.manual_seed(0)
    good = gn.signal_profile(gn.DeepMLP(init="good"), x, y)
    assert simple["act_std"][-1] < 1e-4 * simple["act_std"][0]
    assert simple["grad_norm"].max() < 1e-3 * good["grad_norm"].min()  # every weight gradient is tiny


def test_noise_displacement_is_the_sum_of_the_step_variances():
    assert gn.noise_displacement_std(1, lr=0.1, eta=0.25) == pytest.approx(0.05)
    assert gn.noise_displacement_std(3, lr=1.0, eta=1.0, gamma=0.0) == pytest.approx(np.sqrt(3))
    with pytest.raises(ValueError, match="steps"):
        gn.noise_displacement_std(0, lr=0.1, eta=0.3)


def test_no_noise_control_fails_the_evidence_clause():
    """Without noise the simple-init net cannot leave chance: the control fails test_acc (short run)."""
    quiet = gn.train(eta=0.0, steps=100)
    table = gn.CLAIM.check(gn.claim_rows({"ours": quiet, "no noise": quiet}, kick=quiet))
    assert table.control_evidence_failures("no noise") == ["test_acc"]


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="init"):
        gn.DeepMLP(init="orthogonal")
    with pytest.raises(ValueError, match="depth"):
        gn.DeepMLP(depth=1)
    with pytest.raises(ValueError, match="eta"):
        gn.NoisySGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, eta=-1.0)
    with pytest.raises(ValueError, match="window"):
        gn.smooth([1.0, 2.0], window=0)

import pytest
import torch
from hyperlight.hypernet import HyperNet as HLHyperNet
from hyperlight.hypernet.encoding import encode_input

from paperlab.nn.hyper import functional_forward, unflatten
from paperlab.papers import magnitude_invariant_hypernets as m


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_default_output_norm_is_proportional_to_gamma_at_init(seed):
    _, h = m.make_pair(seed, **m.VARIANTS["default"])
    norms = m.norm_profile(h, [0.1, 0.25, 0.5, 1.0])
    assert norms / norms[-1] == pytest.approx([0.1, 0.25, 0.5, 1.0], rel=1e-5)  # bias-free LeakyReLU net
    assert m.norm_ratio(h) == pytest.approx(0.1, rel=1e-5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mip_norm_ratio_at_init_is_near_one(seed):
    _, h = m.make_pair(seed, **m.VARIANTS["MIP"])
    assert abs(m.norm_ratio(h) - 1) <= 0.1
    assert m.norm_profile(h, [0.0]).item() > 0  # θ(0) = θ₀ + Δθ(E(0)) is not the zero vector


@pytest.mark.parametrize("mode", [None, "z|1-z", "cos|sin"])
def test_encoding_agrees_with_hyperlight(mode):
    g = torch.linspace(0, 1, 11).unsqueeze(1)
    torch.testing.assert_close(m.encode(g, mode), encode_input(g, mode))
    if mode == "cos|sin":
        torch.testing.assert_close(m.encode(g, mode).norm(dim=1), torch.ones(11))


def test_residual_parametrization_agrees_with_hyperlight():
    target, ours = m.make_pair(0, **m.VARIANTS["MIP"])
    shapes = {k: torch.Size(v) for k, v in ours.shapes.items()}
    hl = HLHyperNet(
        input_shapes={"gamma": (1,)}, output_shapes=shapes, hidden_sizes=[16, 64], encoding="cos|sin"
    )
    # hyperlight keeps θ₀ in its output layer's bias, zero for target biases, as ours does
    for name, t in hl.get_independent_weights().items():
        if name.endswith("bias"):
            assert torch.all(t == 0)
    with torch.no_grad():
        hl.backbone.block0_lin.load_state_dict(ours.body[0].state_dict())
        hl.backbone.block1_lin.load_state_dict(ours.body[1].state_dict())
        hl.backbone.output.load_state_dict(ours.out.state_dict())
    for g in (0.0, 0.3, 1.0):
        theirs = hl(gamma=torch.tensor([[g]]))
        mine = ours(torch.tensor(g))
        for name in shapes:
            torch.testing.assert_close(mine[name], theirs[name].reshape(shapes[name]))
    theta0 = unflatten(ours.out.bias.detach(), ours.shapes)
    assert all(torch.all(theta0[n] == 0) for n in theta0 if n.endswith("bias"))
    x = torch.rand(5, 64)
    target.load_state_dict({k: v.detach() for k, v in ours(torch.tensor(0.3)).items()})
    torch.testing.assert_close(functional_forward(target, ours(torch.tensor(0.3)), x), target(x))


def test_training_lowers_the_loss_and_claim_rows_have_the_claims_clauses():
    sweep = m.lr_sweep(m.VARIANTS, m.CLAIM_LRS, steps=4)
    rows = m.claim_rows(sweep, m.init_ratios(0))
    assert set(rows) == {"ours", m.DEFAULT}
    assert rows[m.DEFAULT]["norm_dev"] == pytest.approx(0.9, rel=1e-5)
    assert rows[m.DEFAULT]["worst_ratio"] == pytest.approx(1.0)
    m.CLAIM.check(rows)  # every clause present, nothing extra
    run = sweep[("MIP", 1e-2)]
    assert run.loss[-1] < run.loss[0] and len(run.acc_by_gamma) == len(m.GAMMA_GRID)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="encoding"):
        m.encode(torch.zeros(1, 1), "sin")
    with pytest.raises(ValueError, match="encoding"):
        m.make_pair(0, encoding="raw")
    with pytest.raises(ValueError, match="hidden"):
        m.make_pair(0, hidden=())

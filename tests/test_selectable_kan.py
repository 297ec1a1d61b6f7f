import pytest
import torch

from paperlab.papers import selectable_kan as sk


@pytest.mark.parametrize("space", sk.SPACES)
def test_every_space_gives_k_finite_basis_functions(space):
    x = torch.linspace(-1, 1, 50)
    b = sk.basis(space, x)
    assert b.shape == (50, sk.N_BASIS)
    assert torch.isfinite(b).all()


def test_bspline_basis_is_a_partition_of_unity_on_the_grid():
    x = torch.linspace(-0.99, 0.99, 101)
    assert torch.allclose(sk.basis("bspline", x).sum(-1), torch.ones(101), atol=1e-5)


def test_unknown_space_names_the_choices():
    with pytest.raises(ValueError, match="space must be one of"):
        sk.basis("relu", torch.zeros(3))


def test_pruned_edges_are_one_hot_and_keep_only_the_chosen_space():
    torch.manual_seed(0)
    net = sk.SKAN([2, 3, 1])
    with torch.no_grad():
        for layer in net.layers:
            layer.logits.normal_()
    assert not net.is_one_hot()
    want = [layer.logits.argmax(-1).clone() for layer in net.layers]
    net.prune()
    assert net.is_one_hot()
    for layer, w in zip(net.layers, want, strict=True):
        a = layer.alpha()
        assert torch.equal(a.argmax(-1), w)
        assert torch.equal(a.sum(-1), torch.ones_like(a.sum(-1)))
        off = (1 - a).unsqueeze(-1).expand_as(layer.coef).bool()
        assert torch.all(layer.coef[off] == 0)  # the other spaces' coefficients are gone


def test_sharpening_the_softmax_moves_alpha_to_the_argmax():
    layer = sk.SelectableKANLayer(2, 2)
    with torch.no_grad():
        layer.logits.copy_(torch.tensor([0.0, 0.3, 0.1, -0.2, 0.05]).expand(2, 2, 5))
    layer.tau = 1.0
    soft = layer.alpha()[0, 0, 1].item()
    layer.tau = 0.01
    assert layer.alpha()[0, 0, 1].item() > 0.99 > soft


def test_single_space_kan_matches_pruned_skan_parameter_count():
    single = sk.SKAN([2, 5, 1], spaces=("rbf",))
    skan = sk.SKAN([2, 5, 1])
    skan.prune()
    assert single.n_active_params() == skan.n_active_params()
    assert (
        abs(
            sum(p.numel() for p in sk.mlp_matching(2, skan.n_active_params()).parameters())
            - skan.n_active_params()
        )
        <= 12
    )

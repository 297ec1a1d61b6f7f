"""Mechanism tests for paperlab.papers.guidance_untrainable."""

import pytest
import torch

from paperlab.papers import guidance_untrainable as gu


def test_layer_mapping_matches_relative_depth():
    assert gu.layer_mapping(4, 8) == [0, 2, 5, 7]
    assert gu.layer_mapping(1, 5) == [0]
    assert gu.layer_mapping(3, 3) == [0, 1, 2]


def test_shapes_and_data():
    x_tr, y_tr, x_te, y_te = gu.shifted_digits(n_train=100, canvas=12, seed=0)
    assert x_tr.shape == (100, 1, 12, 12) and len(x_te) == 1797 - 100
    assert torch.allclose(x_tr.flatten(1).sum(1) > 0, torch.ones(100, dtype=torch.bool))
    fcn, cnn = gu.DeepFCN(in_dim=144, width=16, depth=4), gu.GuideCNN()
    assert [h.shape[1] for h in fcn.hidden(x_tr[:3])] == [16] * 4
    assert [tuple(h.shape) for h in cnn.hidden(torch.zeros(3, 1, 16, 16))] == [
        (3, 16, 16, 16),
        (3, 32, 8, 8),
        (3, 32, 4, 4),
        (3, 128),
    ]


def test_guidance_loss_gradient_reaches_target_only():
    torch.manual_seed(0)
    fcn, cnn = gu.DeepFCN(in_dim=256, width=32, depth=4), gu.GuideCNN().requires_grad_(False)
    x = torch.rand(16, 1, 16, 16)
    loss = gu.guidance_loss(fcn, cnn, x)
    assert 0 < loss.item() <= 4
    loss.backward()
    assert fcn.layers[0].weight.grad is not None and fcn.layers[0].weight.grad.abs().sum() > 0


def test_guidance_loss_is_zero_for_identical_representations():
    class Copy(gu.DeepFCN):
        def hidden(self, x):
            return [x.flatten(1)] * 4

    fcn = Copy(in_dim=256, width=8, depth=4)
    guide = Copy(in_dim=256, width=8, depth=4)
    assert gu.guidance_loss(fcn, guide, torch.rand(10, 1, 16, 16)).item() == pytest.approx(0.0, abs=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="depth"):
        gu.DeepFCN(depth=1)
    with pytest.raises(ValueError, match="canvas"):
        gu.shifted_digits(canvas=4)
    with pytest.raises(ValueError, match="lam"):
        gu.train_target(gu.shifted_digits(n_train=50), None, lam=-1)


def test_he_init_keeps_the_signal_and_torch_default_shrinks_it():
    torch.manual_seed(0)
    x = torch.rand(128, 1, 16, 16)
    he = gu.layer_health(gu.DeepFCN(width=64, init="he"), x)["spread"]
    default = gu.layer_health(gu.DeepFCN(width=64, init="torch"), x)["spread"]
    assert 0.3 < he[-1] / he[0] < 3
    assert default[-1] / default[0] < 0.01
    with pytest.raises(ValueError, match="init"):
        gu.DeepFCN(init="xavier")


def test_unguided_control_fails_the_evidence_clause():
    data = gu.shifted_digits(n_train=100, canvas=16, seed=0)
    guide = gu.GuideCNN().requires_grad_(False).eval()
    runs = {
        name: gu.train_target(data, g, width=32, steps=5, seed=0)
        for name, g in [("unguided", None), ("trained guide", guide), ("untrained guide", guide)]
    }
    runs["weight decay"] = gu.train_target(data, None, width=32, steps=5, weight_decay=0.05, seed=0)
    rows = gu.claim_rows(runs, guide, data[2][:50])
    assert set(rows) == {"ours", "unguided FCN", "untrained-CNN guide", "FCN + weight decay"}
    assert rows["unguided FCN"]["test_gain"] == 0.0
    table = gu.CLAIM.check(rows)
    assert table.control_evidence_failures("unguided FCN") == ["test_gain"]
    with pytest.raises(ValueError, match="runs"):
        gu.claim_rows({"unguided": runs["unguided"]}, guide, data[2][:50])


def test_gram_layer_cka_matches_the_shared_cka_matrix():
    from paperlab.align.cka import cka_matrix

    torch.manual_seed(0)
    fcn, cnn, x = gu.DeepFCN(width=32, depth=4), gu.GuideCNN(), torch.rand(40, 1, 16, 16)
    with torch.no_grad():
        ref = cka_matrix([h.numpy() for h in fcn.hidden(x)], [h.flatten(1).numpy() for h in cnn.hidden(x)])
    assert gu.layer_cka(fcn, cnn, x) == pytest.approx(ref, abs=1e-5)

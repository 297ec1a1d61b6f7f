import pytest
import torch

from paperlab.papers import forwardgnn as f


def _aug():
    return f.add_virtual_nodes(f.graph(seed=0, n=100))


def test_virtual_nodes_link_training_nodes_to_their_class_both_ways():
    data = f.graph(seed=0, n=100)
    aug = f.add_virtual_nodes(data)
    assert aug.x.shape == (100 + 5, data.num_features)
    extra = aug.edge_index[:, data.edge_index.shape[1] :]
    train = torch.nonzero(data.train_mask).flatten()
    assert extra.shape[1] == 2 * len(train)
    to_virtual = extra[:, extra[1] >= 100]
    assert torch.equal(to_virtual[1] - 100, data.y[to_virtual[0]])  # each training node -> its class node
    assert set(to_virtual[0].tolist()) == set(train.tolist())  # only training nodes are linked
    back = extra[:, extra[0] >= 100]
    assert torch.equal(back.flip(0).sort(dim=1).values, to_virtual.sort(dim=1).values)


def test_no_gradient_reaches_layer_1_from_layer_2_loss():
    aug = _aug()
    torch.manual_seed(0)
    model = f.ForwardGNN(aug.x.shape[1], hidden=16, layers=2)
    losses = model.local_losses(aug)
    model.zero_grad(set_to_none=True)
    losses[1].backward()
    assert all(p.grad is None for p in model.layers[0].parameters())  # layer 1 is outside loss 2's graph
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.layers[1].parameters())
    model.zero_grad(set_to_none=True)
    losses[0].backward()
    assert all(p.grad is not None for p in model.layers[0].parameters())
    assert all(p.grad is None for p in model.layers[1].parameters())


def test_training_layer_2_leaves_layer_1_unchanged():
    aug = _aug()
    res = f.train_sf(aug, hidden=16, layers=2, epochs=4, seed=0)
    # re-run layer 1 alone from the same seed: the trained stack's layer 1 equals it exactly
    solo = f.train_sf(aug, hidden=16, layers=1, epochs=4, seed=0)
    for a, b in zip(res.model.layers[0].parameters(), solo.model.layers[0].parameters(), strict=True):
        assert torch.equal(a, b)


def test_prediction_is_the_argmax_of_summed_layer_softmaxes():
    aug = _aug()
    torch.manual_seed(0)
    model = f.ForwardGNN(aug.x.shape[1], hidden=8, layers=3).eval()
    p = model.layer_probs(aug)
    assert p.shape == (3, aug.n, aug.n_classes)
    torch.testing.assert_close(p.sum(-1), torch.ones(3, aug.n))
    assert torch.equal(model.predict(aug), p.sum(0).argmax(-1))
    assert torch.equal(model.predict(aug, upto=1), p[0].argmax(-1))


def test_bad_arguments():
    with pytest.raises(ValueError, match="layers must"):
        f.ForwardGNN(4, layers=0)
    with pytest.raises(ValueError, match="tau must"):
        f.ForwardGNN(4, tau=0.0)


def test_label_propagation_uses_labels_and_graph_only():
    data = f.graph(seed=0, n=100, homophily=1.0)
    lp = f.label_propagation(data)
    assert lp.test_acc == 1.0  # every edge inside a class: the training labels settle every node
    data.x = torch.randn_like(data.x)  # no features are read
    assert f.label_propagation(data).test_acc == lp.test_acc

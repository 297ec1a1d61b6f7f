import pytest
import torch
from torch import nn

from paperlab.data import tasks as T
from paperlab.data.bundled import digits
from paperlab.nn import hyper


def _target():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))


def test_flatten_unflatten_round_trip_and_functional_forward():
    net = _target()
    shapes = hyper.param_shapes(net)
    assert hyper.flat_size(shapes) == sum(p.numel() for p in net.parameters())
    params = dict(net.named_parameters())
    back = hyper.unflatten(hyper.flatten(params), shapes)
    assert all(torch.equal(back[k], params[k]) for k in params)
    x = torch.randn(4, 6)
    torch.testing.assert_close(hyper.functional_forward(net, back, x), net(x))
    with pytest.raises(ValueError, match="flat"):
        hyper.unflatten(torch.zeros(3), shapes)


def test_chunked_hypernet_covers_every_weight_and_depends_on_the_task():
    net = _target()
    h = hyper.ChunkedHyperNet(hyper.param_shapes(net), n_cond=3, chunk=7)
    assert h.n_chunks == -(-h.n_params // 7) and h.flat(0).shape == (h.n_params,)
    assert not torch.allclose(h.flat(0), h.flat(1))
    out = h(2)
    assert {k: tuple(v.shape) for k, v in out.items()} == hyper.param_shapes(net)
    with pytest.raises(ValueError, match="chunk"):
        hyper.ChunkedHyperNet(hyper.param_shapes(net), n_cond=1, chunk=0)


def test_output_regularizer_is_zero_on_its_snapshot_and_grows_when_outputs_move():
    h = hyper.ChunkedHyperNet(hyper.param_shapes(_target()), n_cond=3, chunk=16)
    stored = hyper.snapshot(h.flat, [0, 1])
    assert hyper.output_regularizer(h.flat, stored).item() == 0.0
    assert hyper.output_regularizer(h.flat, {}).item() == 0.0
    with torch.no_grad():
        h.chunks.add_(0.1)
    assert hyper.output_regularizer(h.flat, stored).item() > 0


def test_task_sequences():
    split = T.split_digits(5)
    assert [t.classes for t in split] == [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9)]
    assert all(set(t.y_train.tolist()) == {0, 1} for t in split)
    perm = T.permuted_digits(3)
    assert torch.equal(perm[0].x_train, digits(seed=0)[0])  # task 0 is unpermuted
    assert not torch.equal(perm[1].x_train, perm[0].x_train)
    assert torch.allclose(perm[1].x_train.sort(1).values, perm[0].x_train.sort(1).values)
    r = T.accuracy_matrix([[1.0], [0.5, 1.0], [0.25, 0.5, 1.0]])
    assert T.average_accuracy(r) == pytest.approx(1.75 / 3)
    assert T.forgetting(r) == pytest.approx(((1 - 0.25) + (1 - 0.5)) / 2)
    with pytest.raises(ValueError, match="n_tasks"):
        T.split_digits(6)


def test_regulariser_holds_old_task_outputs_and_old_embeddings_stay_fixed():
    tasks = T.split_digits(5)[:2]  # {0, 1} then {2, 3}
    drift = {}
    for beta in (0.0, 10.0):
        torch.manual_seed(0)
        target = nn.Sequential(nn.Linear(64, 8), nn.ReLU(), nn.Linear(8, 2))
        h = hyper.ChunkedHyperNet(hyper.param_shapes(target), n_cond=2, chunk=64)
        rows = hyper.train_hnet_sequence(h, target, tasks[:1], steps=30, beta=beta)
        before, e0 = h.flat(0).detach().clone(), h.cond[0].detach().clone()
        rows += hyper.train_hnet_sequence(h, target, tasks, steps=30, beta=beta, first=1)
        assert [len(r) for r in rows] == [1, 2]
        assert torch.equal(h.cond[0].detach(), e0)  # e_0 is not trained during task 1
        drift[beta] = ((h.flat(0) - before).norm() / before.norm()).item()
    assert drift[10.0] < 0.2 * drift[0.0]

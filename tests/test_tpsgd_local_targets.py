import copy

import pytest
import torch

from paperlab.papers import tpsgd_local_targets as tp


def _step_mlp(model, x, y, lr=0.1):
    targets = tp.projections([m.out_features for m in model.hidden])
    opts = [torch.optim.SGD(m.parameters(), lr=lr) for m in [*model.hidden, model.readout]]
    return tp.tpsgd_step_mlp(model, targets, opts, x, y)


def test_layers_receive_no_gradient_from_later_layers():
    torch.manual_seed(0)
    x, y = torch.rand(16, 64), torch.randint(0, 10, (16,))
    a = tp.build("mlp", (16, 16, 8))
    b = copy.deepcopy(a)
    with torch.no_grad():  # change everything *after* the first layer
        for m in [*b.hidden[1:], b.readout]:
            for p in m.parameters():
                p.mul_(-3.0).add_(1.0)
    _step_mlp(a, x, y)
    _step_mlp(b, x, y)
    for pa, pb in zip(a.hidden[0].parameters(), b.hidden[0].parameters(), strict=True):
        assert torch.equal(pa, pb)  # layer 1's update depends only on its own input and target


def test_layer_update_is_the_gradient_of_its_local_loss_only():
    torch.manual_seed(1)
    x, y = torch.rand(8, 64), torch.randint(0, 10, (8,))
    model = tp.build("mlp", (16, 16))
    targets = tp.projections([16, 16])
    h1 = torch.tanh(model.hidden[0](x)).detach()
    out = torch.tanh(model.hidden[1](h1))
    goal = torch.nn.functional.one_hot(y, 10).float() @ targets[1].T
    expected = torch.autograd.grad(((out - goal) ** 2).sum(1).mean(), model.hidden[1].weight)[0]
    w_before = model.hidden[1].weight.detach().clone()
    opts = [torch.optim.SGD(m.parameters(), lr=1.0) for m in [*model.hidden, model.readout]]
    tp.tpsgd_step_mlp(model, targets, opts, x, y)
    assert torch.allclose(w_before - model.hidden[1].weight.detach(), expected, atol=1e-6)


def test_rnn_recurrent_update_ignores_the_readout():
    torch.manual_seed(2)
    x, y = torch.rand(8, 8, 8), torch.randint(0, 10, (8,))
    a = tp.build("rnn", 12)
    b = copy.deepcopy(a)
    with torch.no_grad():
        b.readout.weight.mul_(5.0)
    target = tp.projections([12])[0]
    for m in (a, b):
        opts = [
            torch.optim.SGD([*m.inp.parameters(), *m.rec.parameters()], lr=0.1),
            torch.optim.SGD(m.readout.parameters(), lr=0.1),
        ]
        tp.tpsgd_step_rnn(m, target, opts, x, y, first_target=4)
    assert torch.equal(a.rec.weight, b.rec.weight) and torch.equal(a.inp.weight, b.inp.weight)


def test_activation_bytes_count_distinct_activations_only():
    # BP on 64-16-16-10, batch 32: h1, h2 (each also the next layer's saved input), the log-softmax, the loss
    assert tp.activation_bytes("bp", "mlp", (16, 16)) == 4 * (32 * 16 * 2 + 32 * 10 + 1)
    # tpSGD: one layer at a time -- its detached input, its output and its local residual
    assert tp.activation_bytes("tpsgd", "mlp", (16, 16)) == 4 * 32 * 16 * 3
    # BP grows with depth, tpSGD does not
    assert tp.activation_bytes("bp", "mlp", (16,) * 4) > tp.activation_bytes("tpsgd", "mlp", (16,) * 4)
    assert tp.activation_bytes("tpsgd", "mlp", (16,) * 4) == tp.activation_bytes("tpsgd", "mlp", (16, 16))


def test_backprop_control_fails_the_rnn_memory_clause():
    bp, ours = (tp.activation_bytes(m, "rnn", 32) for m in ("bp", "tpsgd"))
    clause = tp.CLAIM.clause("rnn_mem_ratio")
    assert clause.holds(ours / bp) and not clause.holds(bp / bp)


def test_drtp_moves_along_the_projected_target_without_an_error_term():
    out, goal = torch.zeros(4, 3, requires_grad=True), torch.randn(4, 3)
    tp.local_loss(out, goal, "drtp").backward()
    assert torch.allclose(out.grad, -goal / 4)  # d(-<goal, out>)/d out, batch mean
    with pytest.raises(ValueError, match="rule"):
        tp.local_loss(out, goal, "dfa")


def test_tpsgd_learns_above_chance():
    _, res = tp.train("tpsgd", "mlp", (16,), epochs=3, lr=0.01)
    assert res.final > 0.5 and len(res.local_losses[0]) == 2


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="method"):
        tp.train("dfa")
    with pytest.raises(ValueError, match="arch"):
        tp.digits_data("cnn")
    with pytest.raises(ValueError, match="scale"):
        tp.projections([4], scale=0.0)

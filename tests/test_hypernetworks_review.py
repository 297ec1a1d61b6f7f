import pytest
import torch
import torch.nn.functional as F

from paperlab.data.tasks import split_digits
from paperlab.nn.hyper import functional_forward, output_regularizer, snapshot
from paperlab.papers import hypernetworks_review as m


def test_static_hypernet_generated_weights_reproduce_its_forward_and_compress():
    torch.manual_seed(0)
    h = m.StaticHyperMLP()
    w1, w2 = h.weights()
    assert w1.shape == (64, 64) and w2.shape == (64, 64)
    target = m.MLP(hidden=(64, 64))
    with torch.no_grad():
        target.layers[0].weight.copy_(w1)
        target.layers[0].bias.copy_(h.biases[0])
        target.layers[1].weight.copy_(w2)
        target.layers[1].bias.copy_(h.biases[1])
        target.layers[2].load_state_dict(h.head.state_dict())
    x = torch.rand(5, 64)
    torch.testing.assert_close(h(x), target(x))
    assert m.n_trainable(h) <= 0.5 * m.n_trainable(target)
    # tile (0, 1) of layer 0 is generated from the second embedding
    tile = h.gen_out(h.gen_in(h.z[1])).view(16, 16)
    torch.testing.assert_close(w1[:16, 16:32], tile)
    with pytest.raises(ValueError, match="tile"):
        m.StaticHyperMLP(tile=7)


def test_task_hypernet_generates_a_working_target_and_regulariser_is_zero_on_its_snapshot():
    target, hnet = m.make_hnet(5)
    params = hnet(3)
    x = torch.rand(4, 64)
    with torch.no_grad():
        target.load_state_dict({k: v.detach() for k, v in params.items()})
    torch.testing.assert_close(functional_forward(target, params, x), target(x))
    stored = snapshot(hnet.flat, [0, 1, 2])
    assert output_regularizer(hnet.flat, stored).item() == 0.0
    # one gradient step on a new task moves the outputs for the old ones: the regulariser sees it
    tasks = split_digits(5)
    opt = torch.optim.SGD(hnet.parameters(), lr=0.1)
    F.cross_entropy(functional_forward(target, hnet(3), tasks[3].x_train), tasks[3].y_train).backward()
    opt.step()
    assert output_regularizer(hnet.flat, stored).item() > 0


def test_run_continual_rows_match_the_claim():
    mats = m.run_continual(m.BETA, steps=3)
    assert set(mats) == {f"hypernet β={m.BETA:g}", "hypernet β=0", "fine-tuning", m.MULTIHEAD}
    assert all(r.shape == (5, 5) for r in mats.values())
    rows = m.claim_rows(mats)
    assert set(rows) == {"ours", "hypernet β=0", "fine-tuning", m.MULTIHEAD}
    table = m.CLAIM.check(rows)
    assert m.CLAIM.strongest.row == m.MULTIHEAD
    assert table.rows[m.MULTIHEAD]["final_acc_over_strongest"] == 0.0


def test_multihead_baseline_keeps_old_heads_and_uses_the_task_id():
    net = m.MultiHeadMLP(3)
    x = torch.rand(4, 64)
    assert not torch.equal(net(x, 0), net(x, 1))  # the task id picks the head
    tasks = split_digits(5)[:2]
    rows = m.train_multihead_sequence(tasks, steps=2)
    assert [len(r) for r in rows] == [1, 2]

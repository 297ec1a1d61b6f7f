import torch
import torch.nn.functional as F

from paperlab.data.tasks import permuted_digits
from paperlab.nn.hyper import functional_forward
from paperlab.papers import rnn_hypernet_continual as m


def test_lstm_hypernet_generates_every_weight_with_fewer_parameters_than_hnet():
    nets = m.make_hnets(5, 10)
    target, rnn = nets["RNN-HNET"]
    params = rnn(2)
    assert {k: tuple(v.shape) for k, v in params.items()} == {
        k: tuple(p.shape) for k, p in target.named_parameters()
    }
    x = torch.rand(3, 64)
    with torch.no_grad():
        target.load_state_dict({k: v.detach() for k, v in params.items()})
    torch.testing.assert_close(functional_forward(target, params, x), target(x))
    counts = m.param_counts(5, 10)
    assert counts["RNN-HNET"] < counts["HNET"] and counts["fine-tuning"] == sum(
        p.numel() for p in target.parameters()
    )
    # the chunks differ although every step sees the same e_t: the LSTM state carries the position
    chunks = rnn.flat(0)[: 2 * rnn.chunk].view(2, -1)
    assert not torch.allclose(chunks[0], chunks[1])


def test_ewc_penalty_and_fisher():
    tasks = permuted_digits(1)
    torch.manual_seed(0)
    model = m.TargetMLP()
    ewc = m.EWC(lam=2.0)
    assert ewc.penalty(model).item() == 0.0
    small = tasks[0].__class__(
        **{**tasks[0].__dict__, "x_train": tasks[0].x_train[:5], "y_train": tasks[0].y_train[:5]}
    )
    ewc.after_task(model, small)
    assert ewc.penalty(model).item() == 0.0  # at the anchor
    ref = [torch.zeros_like(p) for p in model.parameters()]
    for i in range(5):
        model.zero_grad()
        F.cross_entropy(model(small.x_train[i : i + 1]), small.y_train[i : i + 1]).backward()
        for r, p in zip(ref, model.parameters(), strict=True):
            r += p.grad.pow(2) / 5
    for a, b in zip(ewc.fisher, ref, strict=True):
        torch.testing.assert_close(a, b)
    with torch.no_grad():
        model.fc1.weight.add_(0.1)
    assert ewc.penalty(model).item() > 0


def test_run_all_rows_match_the_claim():
    mats = m.run_all(permuted_digits(5), steps=2)
    assert set(mats) == {"RNN-HNET", "HNET", "fine-tuning", "EWC"}
    rows = m.claim_rows(mats, m.param_counts(5, 10))
    assert set(rows) == {"ours", "HNET", "fine-tuning", "EWC"} and rows["HNET"]["param_ratio"] == 1.0
    m.CLAIM.check(rows)

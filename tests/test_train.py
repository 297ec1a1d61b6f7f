import pytest
import torch
from torch import nn
from torch.nn import functional as F

import paperlab
from paperlab.train import History, accuracy, batches, fit


def _task(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=g)
    return x, (x[:, 0] + x[:, 1] > 0).long()


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2))


def _loss(model, batch):
    x, y = batch
    return F.cross_entropy(model(x), y)


def test_fit_learns_and_records_history():
    paperlab.setup(verbose=False)
    x, y = _task()
    model = _model()
    hist = fit(
        model,
        _loss,
        batches(x, y, batch_size=32),
        epochs=10,
        lr=1e-2,
        eval_fn=lambda m: {"acc": accuracy(m, x, y)},
        eval_every=40,
    )
    assert len(hist["loss"]) == 80 and hist.steps["loss"][-1] == 80
    assert hist.steps["acc"] == [40, 80] and hist.last("acc") > 0.9
    assert hist["loss"][-1] < hist["loss"][0]


def test_fit_is_deterministic():
    x, y = _task()
    runs = []
    for _ in range(2):
        model = _model()
        runs.append(fit(model, _loss, batches(x, y, batch_size=16, seed=1), steps=30, lr=1e-2)["loss"])
    assert runs[0] == runs[1]


def test_batches_order_depends_only_on_seed():
    x = torch.arange(10)
    a = [b[0].tolist() for b in batches(x, batch_size=4, seed=5)()]
    torch.manual_seed(123)
    b = [b[0].tolist() for b in batches(x, batch_size=4, seed=5)()]
    assert a == b and sorted(sum(a, [])) == list(range(10))
    with pytest.raises(ValueError, match="equal length"):
        batches(x, torch.arange(3), batch_size=2)


def test_early_stopping_stops():
    x, y = _task()
    hist = fit(
        _model(),
        _loss,
        batches(x, y, batch_size=32),
        steps=1000,
        lr=0.0,
        eval_fn=lambda m: {"acc": accuracy(m, x, y)},
        eval_every=10,
        monitor="acc",
        patience=3,
    )
    assert hist.stopped_early and len(hist["loss"]) == 40


def test_bad_arguments():
    x, y = _task()
    data = batches(x, y, batch_size=8)
    with pytest.raises(ValueError, match="exactly one"):
        fit(_model(), _loss, data)
    with pytest.raises(ValueError, match="patience"):
        fit(_model(), _loss, data, steps=1, patience=2)
    with pytest.raises(KeyError):
        History()["nope"]


def test_full_mode_checkpoint_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERLAB_CACHE", str(tmp_path))
    paperlab.setup(mode="full", verbose=False)
    x, y = _task()
    key = {"task": "toy", "steps": 20}
    m1 = _model()
    h1 = fit(m1, _loss, batches(x, y, batch_size=32), steps=20, lr=1e-2, cache=key, cache_name="toy")
    assert h1.loaded_from is None and list((tmp_path / "checkpoints").glob("toy-*.pt"))
    m2 = _model()  # the same initial weights: the key holds them
    h2 = fit(m2, _loss, batches(x, y, batch_size=32), steps=20, lr=1e-2, cache=key, cache_name="toy")
    assert h2.loaded_from is not None and h2["loss"] == h1["loss"]
    assert all(
        torch.equal(a, b) for a, b in zip(m1.state_dict().values(), m2.state_dict().values(), strict=True)
    )
    paperlab.setup(mode="fast", verbose=False)


def test_batches_follow_the_model_device():
    from paperlab.train import _to_device

    batch = (torch.zeros(2), [torch.ones(1)], {"y": torch.ones(1)}, "label")
    moved = _to_device(batch, torch.device("cpu"))
    assert isinstance(moved, tuple) and isinstance(moved[1], list) and moved[3] == "label"
    assert moved[2]["y"].device.type == "cpu"

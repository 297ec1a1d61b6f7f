"""Fault tests of the checkpoint cache (issue 11): planted pickles, corrupt files, keys, names."""

from __future__ import annotations

import os
import pickle

import pytest
import torch
from torch import nn
from torch.nn import functional as F

import paperlab
from paperlab import train
from paperlab.train import CacheKeyError, batches, canonical_json, fit


def _task(n=64):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 4, generator=g)
    return x, (x[:, 0] > 0).long()


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))


def _loss(model, batch):
    return F.cross_entropy(model(batch[0]), batch[1])


@pytest.fixture
def full(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERLAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("PAPERLAB_SMOKE", raising=False)
    paperlab.setup(mode="full", threads=1, verbose=False)
    yield tmp_path / "cache" / "checkpoints"
    paperlab.setup(mode="fast", verbose=False)


def _fit(**kw):
    x, y = _task()
    model = _model()
    args = dict(steps=5, lr=1e-2, cache={"task": "toy"}, cache_name="toy")
    args.update(kw)
    return model, fit(model, _loss, batches(x, y, batch_size=16), **args)


def _only_checkpoint(folder):
    files = list(folder.glob("toy-*.pt"))
    assert len(files) == 1, files
    return files[0]


class _Payload:
    def __reduce__(self):
        return (os.system, ("touch PLANTED_PAYLOAD_RAN",))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_planted_pickle_is_refused_deleted_and_retrained(full, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _, h1 = _fit()
    path = _only_checkpoint(full)
    with open(path, "wb") as f:
        pickle.dump({"model": _Payload(), "history": {}}, f)
    torch.save({"model": _Payload(), "history": {}}, path.with_name("other.pt"))
    with pytest.warns(RuntimeWarning, match=str(path.name)):
        _, h2 = _fit()
    assert not (tmp_path / "PLANTED_PAYLOAD_RAN").exists()
    assert h2.loaded_from is None and h2["loss"] == h1["loss"]  # retrained, identically
    assert path.is_file()  # and the fresh checkpoint replaced the planted one
    assert _fit()[1].loaded_from == path


@pytest.mark.parametrize("damage", ["truncated", "empty", "random", "foreign"])
def test_corrupt_checkpoint_is_reported_with_its_path_and_retrained(full, damage):
    _fit()
    path = _only_checkpoint(full)
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "random":
        path.write_bytes(os.urandom(4096))
    else:  # a readable file of the wrong shape
        torch.save({"model": {"0.weight": torch.zeros(3, 3)}, "history": {}}, path)
    with pytest.warns(RuntimeWarning, match="unreadable checkpoint .*" + path.name):
        model, hist = _fit()
    assert hist.loaded_from is None and len(hist["loss"]) == 5
    assert _fit()[1].loaded_from == path


def test_everything_fit_is_given_is_in_the_key(full):
    _fit()
    variants = [
        dict(lr=5e-2),
        dict(steps=6),
        dict(steps=None, epochs=2),
        dict(grad_clip=1.0),
        dict(cache={"task": "other"}),
    ]
    for kw in variants:
        _, hist = _fit(**kw)
        assert hist.loaded_from is None, kw
    # an optimizer object: its class and settings
    x, y = _task()
    for opt in (torch.optim.SGD, torch.optim.Adam):
        for lr in (0.1, 0.2):
            m = _model()
            h = fit(
                m,
                _loss,
                batches(x, y, batch_size=16),
                steps=5,
                optimizer=opt(m.parameters(), lr=lr),
                cache={"task": "toy"},
                cache_name="toy",
            )
            assert h.loaded_from is None
    # the batch size, the order seed and the data itself
    for data in (
        batches(x, y, batch_size=8),
        batches(x, y, batch_size=16, seed=1),
        batches(x + 1, y, batch_size=16),
    ):
        assert (
            fit(_model(), _loss, data, steps=5, lr=1e-2, cache={"task": "toy"}, cache_name="toy").loaded_from
            is None
        )
    # the initial weights (a different init is a different model)
    torch.manual_seed(1)
    other = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    assert (
        fit(
            other,
            _loss,
            batches(x, y, batch_size=16),
            steps=5,
            lr=1e-2,
            cache={"task": "toy"},
            cache_name="toy",
        ).loaded_from
        is None
    )
    # the run's seed
    paperlab.setup(seed=1, mode="full", threads=1, verbose=False)
    assert _fit()[1].loaded_from is None
    paperlab.setup(seed=0, mode="full", threads=1, verbose=False)
    assert _fit()[1].loaded_from is not None  # and the first run is still found


def test_keys_are_canonical_and_plain():
    assert canonical_json({"b": 1, "a": [1, 2.5]}) == canonical_json({"a": (1, 2.5), "b": 1})
    with pytest.raises(CacheKeyError, match=r"cache\['x'\] is a Tensor.*fingerprint"):
        canonical_json({"x": torch.zeros(3)})
    with pytest.raises(CacheKeyError, match="string keys"):
        canonical_json({1: "a"})
    with pytest.raises(CacheKeyError, match="finite"):
        canonical_json({"x": float("nan")})
    with pytest.raises(CacheKeyError, match="object"):
        canonical_json({"x": object()})
    a, b = torch.zeros(10000), torch.zeros(10000)
    b[5000] = 1.0  # differs mid-array, where str() shows "..."
    assert str(a) == str(b) and train.fingerprint(a) != train.fingerprint(b)


def test_non_plain_key_fails_up_front_in_fast_mode_too():
    paperlab.setup(mode="fast", verbose=False)
    x, y = _task()
    with pytest.raises(CacheKeyError):
        fit(_model(), _loss, batches(x, y, batch_size=16), steps=1, cache={"x": x})


@pytest.mark.parametrize("name", ["../../x", "a/b", "", ".hidden", "x..y", "a\\b", "a\x00", "é" * 3, 7])
def test_cache_name_must_be_a_plain_file_name(full, name):
    with pytest.raises(CacheKeyError, match="cache_name"):
        _fit(cache_name=name)
    assert not full.exists() or not list(full.parent.parent.rglob("x*"))


def test_save_is_atomic_unique_and_group_readable(full, monkeypatch):
    names = []
    real = train.tempfile.mkstemp

    def spy(*a, **kw):
        fd, name = real(*a, **kw)
        names.append(name)
        return fd, name

    monkeypatch.setattr(train.tempfile, "mkstemp", spy)
    _fit()
    _fit(lr=0.5)
    paths = sorted(full.glob("toy-*.pt"))
    assert len(set(names)) == 2 and all(n.endswith(".tmp") for n in names)
    assert len(paths) == 2 and not list(full.glob(".*"))
    assert all((p.stat().st_mode & 0o777) == 0o644 for p in paths)


def test_interrupted_save_leaves_no_checkpoint(full, monkeypatch):
    def boom(*a, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(train.torch, "save", boom)
    with pytest.raises(KeyboardInterrupt):
        _fit()
    assert not list(full.iterdir())


def test_fast_mode_never_touches_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERLAB_CACHE", str(tmp_path / "never"))
    paperlab.setup(mode="fast", verbose=False)
    _fit()
    assert not (tmp_path / "never").exists()


@pytest.mark.parametrize(
    "kw", [dict(steps=0), dict(epochs=0), dict(steps=True), dict(steps=2.5), dict(epochs=-1)]
)
def test_fit_rejects_zero_and_odd_counts_up_front(kw):
    calls = []
    with pytest.raises(ValueError, match="steps|epochs"):
        fit(_model(), _loss, lambda: calls.append(1) or iter(()), **kw)
    assert not calls


def test_smoke_caps_steps_and_epochs_and_keys_apart(full, monkeypatch):
    _, h_full = _fit(steps=20)
    monkeypatch.setenv("PAPERLAB_SMOKE", "1")
    cfg = paperlab.setup(mode="full", threads=1, verbose=False)
    assert cfg.smoke and cfg.pick(1, 2) == 2 and "smoke" in str(cfg)
    _, h = _fit(steps=20)
    assert (
        h.loaded_from is None and len(h["loss"]) == paperlab.config.SMOKE_STEPS
    )  # never the full checkpoint
    _, h = _fit(steps=None, epochs=50, eval_fn=lambda m: {"acc": 0.5}, eval_every=1000)
    assert len(h["loss"]) == paperlab.config.SMOKE_STEPS and h.steps["acc"] == [paperlab.config.SMOKE_STEPS]
    assert _fit(steps=20)[1].loaded_from is not None  # the smoke run's own checkpoint

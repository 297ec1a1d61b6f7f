import os
import random

import numpy as np
import pytest
import torch

import paperlab
from paperlab import config


def test_setup_prints_one_line_and_seeds(capsys, monkeypatch):
    monkeypatch.delenv("PAPERLAB_MODE", raising=False)
    cfg = paperlab.setup(seed=3)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "mode=fast" in out[0] and "seed=3" in out[0]
    a = (random.random(), np.random.rand(), torch.rand(1).item())
    paperlab.setup(seed=3, verbose=False)
    assert a == (random.random(), np.random.rand(), torch.rand(1).item())
    assert cfg.fast and not cfg.full and cfg.pick(1, 2) == 1


def test_mode_from_environment(monkeypatch):
    monkeypatch.setenv("PAPERLAB_MODE", "full")
    cfg = paperlab.setup(verbose=False)
    assert cfg.full and cfg.pick(fast=1, full=2) == 2
    monkeypatch.setenv("PAPERLAB_MODE", "turbo")
    with pytest.raises(ValueError, match="PAPERLAB_MODE"):
        paperlab.setup(verbose=False)


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="mode"):
        paperlab.setup(mode="slow", verbose=False)
    with pytest.raises(ValueError, match="seed"):
        paperlab.setup(seed=-1, verbose=False)
    with pytest.raises(ValueError, match="device"):
        paperlab.setup(device="tpu", verbose=False)


def test_cache_dir_is_movable(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERLAB_CACHE", str(tmp_path / "c"))
    assert config.cache_dir() == tmp_path / "c" and not (tmp_path / "c").exists()  # created lazily
    assert paperlab.setup(verbose=False).cache_dir == tmp_path / "c"


def test_device_choice(monkeypatch):
    monkeypatch.setenv("PAPERLAB_DEVICE", "cpu")
    assert config.pick_device() == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert config.pick_device("auto") == torch.device("cuda")


def test_threads_default_by_mode(monkeypatch):
    monkeypatch.delenv("PAPERLAB_THREADS", raising=False)
    assert paperlab.setup(mode="fast", verbose=False).threads == 1
    assert paperlab.setup(mode="full", verbose=False).threads == (os.cpu_count() or 1)
    monkeypatch.setenv("PAPERLAB_THREADS", "2")
    assert paperlab.setup(mode="fast", verbose=False).threads == 2
    with pytest.raises(ValueError, match="threads"):
        paperlab.setup(threads=-1, verbose=False)
    paperlab.setup(mode="fast", verbose=False)


def test_budget_by_mode_and_smoke():
    fast = paperlab.setup(seed=0, mode="fast", verbose=False)
    full = paperlab.setup(seed=0, mode="full", smoke=False, verbose=False)
    smoke = paperlab.setup(seed=0, mode="full", smoke=True, verbose=False)
    assert (fast.budget(20, 500), full.budget(20, 500), smoke.budget(20, 500)) == (20, 500, 20)
    assert smoke.budget(50, 10) == 10
    for bad in (-1, 2.5, True, "3"):
        with pytest.raises(ValueError, match="budget"):
            fast.budget(bad, 10)
    paperlab.setup(seed=0, mode="fast", smoke=False, verbose=False)


def test_setup_limits_blas_threads_like_torch() -> None:
    """NumPy's and SciPy's OpenBLAS run at the run's thread count (they spin against a busy core otherwise)."""
    from threadpoolctl import threadpool_info, threadpool_limits

    import paperlab

    with threadpool_limits(limits=None):  # restore whatever the process had afterwards
        paperlab.setup(threads=1, verbose=False)
        blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
        assert blas and all(i["num_threads"] == 1 for i in blas), blas


def test_own_steps_cuts_own_loops_under_smoke_only():
    from paperlab.config import SMOKE_STEPS, own_steps

    paperlab.setup(seed=0, mode="full", smoke=True, verbose=False)
    assert own_steps(500) == SMOKE_STEPS and own_steps(2) == 2
    paperlab.setup(seed=0, mode="full", smoke=False, verbose=False)
    assert own_steps(500) == 500
    paperlab.setup(seed=0, mode="fast", smoke=False, verbose=False)
    assert own_steps(500) == 500

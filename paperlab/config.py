"""Run configuration: mode (fast | full), seeding, device, threads and cache folder.

Every notebook starts with ``cfg = paperlab.setup(seed=0)``. The mode comes from
``PAPERLAB_MODE`` (``fast`` is the default and what CI runs); the cache folder from
``PAPERLAB_CACHE`` (default ``~/.cache/paperlab``).
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch

MODES = ("fast", "full")
T = TypeVar("T")

_current: Config | None = None


@dataclass(frozen=True)
class Config:
    """What a notebook needs to know about the run it is part of."""

    mode: str
    seed: int
    device: torch.device
    threads: int
    cache_dir: Path

    @property
    def fast(self) -> bool:
        return self.mode == "fast"

    @property
    def full(self) -> bool:
        return self.mode == "full"

    def pick(self, fast: T, full: T) -> T:
        """Return ``fast`` in fast mode and ``full`` in full mode: ``steps = cfg.pick(300, 5000)``."""
        return fast if self.fast else full

    def __str__(self) -> str:
        return f"paperlab: mode={self.mode} device={self.device.type} seed={self.seed} threads={self.threads}"


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def resolve_mode(mode: str | None = None) -> str:
    """The run mode: the argument, else ``PAPERLAB_MODE``, else ``fast``."""
    if mode is None:
        mode = os.environ.get("PAPERLAB_MODE", "fast").strip().lower() or "fast"
        return _check_choice("PAPERLAB_MODE", mode, MODES)
    return _check_choice("mode", mode, MODES)


def cache_dir() -> Path:
    """The one cache folder for downloads and checkpoints (``PAPERLAB_CACHE`` moves it)."""
    path = Path(os.environ.get("PAPERLAB_CACHE", Path.home() / ".cache" / "paperlab")).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (CPU and CUDA)."""
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def pick_device(device: str | None = None) -> torch.device:
    """``cuda`` when present (or ``PAPERLAB_DEVICE``/the argument says otherwise), else ``cpu``."""
    name = device or os.environ.get("PAPERLAB_DEVICE", "auto")
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    _check_choice("device", name.split(":")[0], ("auto", "cpu", "cuda", "mps"))
    return torch.device(name)


def setup(
    seed: int = 0,
    *,
    mode: str | None = None,
    device: str | None = None,
    threads: int | None = None,
    verbose: bool = True,
) -> Config:
    """Fix seeds, pick the device and mode, set the thread count; print one line saying so.

    ``threads`` defaults to ``PAPERLAB_THREADS``, else 1 in fast mode (its models are tiny: extra
    threads cost more in overhead than they give, and oversubscribe a busy machine badly) and
    the number of CPU cores in full mode.
    """
    global _current
    mode = resolve_mode(mode)
    seed_everything(seed)
    n_threads = (
        threads
        or int(os.environ.get("PAPERLAB_THREADS", 0))
        or (1 if mode == "fast" else os.cpu_count() or 1)
    )
    if n_threads < 1:
        raise ValueError(f"threads must be >= 1; got {n_threads}")
    torch.set_num_threads(n_threads)
    cfg = Config(mode=mode, seed=seed, device=pick_device(device), threads=n_threads, cache_dir=cache_dir())
    _current = cfg
    if verbose:
        print(cfg)
    return cfg


def current() -> Config:
    """The configuration set by the last :func:`setup` (a quiet default one if none yet)."""
    return _current if _current is not None else setup(verbose=False)

"""Run configuration: mode (fast | full), smoke, seeding, device, threads and cache folder.

Every notebook starts with ``cfg = paperlab.setup(seed=0)``. Every ``PAPERLAB_*`` setting is read
here, by :func:`settings`, with errors that name the variable and what it accepts; an empty value
means unset.

========================  ==========================================================  ====================
variable                  accepts                                                     default
========================  ==========================================================  ====================
``PAPERLAB_MODE``         ``fast`` or ``full``                                        ``fast``
``PAPERLAB_SMOKE``        ``1/0``, ``true/false``, ``yes/no``, ``on/off``             off
``PAPERLAB_DEVICE``       ``auto``, ``cpu``, ``cuda``, ``cuda:N``, ``mps`` (one this   ``auto``
                          machine has: checked at setup)
``PAPERLAB_THREADS``      a whole number >= 1                                         1 fast, all cores full
``PAPERLAB_CACHE``        a folder (made absolute; created only when something is     ``~/.cache/paperlab``
                          cached; one of another user's or writable by all is not
                          used)
``PAPERLAB_PROGRESS``     ``1/0``, ``true/false``, ``yes/no``, ``on/off``, ``auto``   ``auto``
========================  ==========================================================  ====================

**Smoke** (``PAPERLAB_SMOKE=1``, meant with ``PAPERLAB_MODE=full``) runs the full-mode code path —
its data routes, cache, device moves and bigger configs (``cfg.pick`` still returns the full value) —
with :func:`paperlab.train.fit` cut to :data:`SMOKE_STEPS` steps, so CI can prove full mode on a CPU
in seconds. Its numbers mean nothing.
"""

from __future__ import annotations

import os
import random
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch

MODES = ("fast", "full")
SMOKE_STEPS = 3
"""Optimisation steps one :func:`paperlab.train.fit` call runs under ``PAPERLAB_SMOKE``."""
T = TypeVar("T")

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
_DEVICE = re.compile(r"(auto|cpu|mps|cuda(:\d+)?)")

_current: Config | None = None


class SettingError(ValueError):
    """A ``PAPERLAB_*`` environment variable (or a setup argument) with a value it does not accept."""


@dataclass(frozen=True)
class Settings:
    """The ``PAPERLAB_*`` environment, parsed (``None``: unset or empty)."""

    mode: str
    smoke: bool
    device: str
    threads: int | None
    cache: Path
    progress: bool | None  # None: auto (on in a terminal or notebook, off when piped)


def _env(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name)
    return None if value is None or not value.strip() else value.strip()


def _bool(environ: Mapping[str, str], name: str, *, auto: bool = False) -> bool | None:
    value = _env(environ, name)
    if value is None:
        return None
    low = value.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    if auto and low == "auto":
        return None
    accepted = "/".join(_TRUE) + " or " + "/".join(_FALSE) + (" or auto" if auto else "")
    raise SettingError(f"{name} must be one of {accepted} (empty means unset); got {value!r}")


def _threads(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise SettingError(f"{name} must be a whole number >= 1; got {value!r}")
    text = str(value).strip()
    if not re.fullmatch(r"[+]?\d+", text) or int(text) < 1:
        raise SettingError(f"{name} must be a whole number >= 1 (empty means the default); got {value!r}")
    return int(text)


def _mode(value: str, name: str) -> str:
    low = value.strip().lower()
    if low not in MODES:
        raise SettingError(f"{name} must be one of {', '.join(map(repr, MODES))}; got {value!r}")
    return low


def _device(value: str, name: str) -> str:
    low = value.strip().lower()
    if not _DEVICE.fullmatch(low):
        raise SettingError(f"{name} must be one of 'auto', 'cpu', 'cuda', 'cuda:N', 'mps'; got {value!r}")
    return low


def settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Parse every ``PAPERLAB_*`` variable of ``environ`` (default ``os.environ``) in one place."""
    env = os.environ if environ is None else environ
    mode = _env(env, "PAPERLAB_MODE")
    device = _env(env, "PAPERLAB_DEVICE")
    threads = _env(env, "PAPERLAB_THREADS")
    cache = _env(env, "PAPERLAB_CACHE")
    return Settings(
        mode=_mode(mode, "PAPERLAB_MODE") if mode is not None else "fast",
        smoke=bool(_bool(env, "PAPERLAB_SMOKE")),
        device=_device(device, "PAPERLAB_DEVICE") if device is not None else "auto",
        threads=_threads(threads, "PAPERLAB_THREADS") if threads is not None else None,
        cache=Path(cache).expanduser().absolute()
        if cache is not None
        else Path.home() / ".cache" / "paperlab",
        progress=_bool(env, "PAPERLAB_PROGRESS", auto=True),
    )


@dataclass(frozen=True)
class Config:
    """What a notebook needs to know about the run it is part of."""

    mode: str
    seed: int
    device: torch.device
    threads: int
    cache_dir: Path
    smoke: bool = False

    @property
    def fast(self) -> bool:
        return self.mode == "fast"

    @property
    def full(self) -> bool:
        return self.mode == "full"

    def pick(self, fast: T, full: T) -> T:
        """Return ``fast`` in fast mode and ``full`` in full mode: ``steps = cfg.pick(300, 5000)``.

        Under smoke it still returns ``full``: smoke runs the full code path, and ``fit`` cuts the steps.
        """
        return fast if self.fast else full

    def budget(self, fast: int, full: int) -> int:
        """A loop count (epochs, search evaluations, outer iterations of a paper's own loop): ``fast``
        in fast mode and ``full`` in full mode. Under smoke it is the fast count (at most ``full``): the
        full code path runs with fast-mode loop lengths, so what the notebook computes from the loop
        (windows, curves, correlations) still has the data it needs, in about fast mode's time.
        """
        for name, value in (("fast", fast), ("full", full)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"budget: {name} must be a whole number >= 0, got {value!r}")
        if self.smoke:
            return min(fast, full)
        return fast if self.fast else full

    def __str__(self) -> str:
        smoke = " smoke" if self.smoke else ""
        return (
            f"paperlab: mode={self.mode}{smoke} device={self.device.type} seed={self.seed} "
            f"threads={self.threads}"
        )


def resolve_mode(mode: str | None = None) -> str:
    """The run mode: the argument, else ``PAPERLAB_MODE``, else ``fast``."""
    if mode is None:
        return settings().mode
    if not isinstance(mode, str):
        raise SettingError(f"mode must be one of {', '.join(map(repr, MODES))}; got {mode!r}")
    return _mode(mode, "mode")


def cache_dir() -> Path:
    """The one cache folder for downloads and checkpoints (``PAPERLAB_CACHE`` moves it).

    Absolute, and not created here: whoever writes into it creates it (fast mode never does).
    """
    return settings().cache


def untrusted_folder(path: Path, *, allow_symlink: bool = True) -> str | None:
    """Why the existing folder ``path`` must not be trusted with cached files, or ``None`` if it may.

    A cache is trusted only in a folder that this user owns and that others cannot write: in a
    shared, world-writable place (``/tmp``) another user could plant checkpoints or data, or swap
    in a symlink. ``allow_symlink=False`` refuses ``path`` being a symlink itself (the
    ``checkpoints`` folder); the cache root may be one (``~/.cache`` on another disk), its target
    is what is checked. A folder that does not exist yet is fine: it is created by this user.
    """
    try:
        if not allow_symlink and path.is_symlink():
            return f"{path} is a symbolic link"
        st = path.stat()
    except (FileNotFoundError, NotADirectoryError):  # not there (yet): whoever writes creates it, or fails to
        return None
    except OSError as exc:
        return f"{path}: {exc.strerror or exc}"
    if not stat.S_ISDIR(st.st_mode):
        return f"{path} is not a folder"
    uid = os.geteuid() if hasattr(os, "geteuid") else None
    if uid is not None and st.st_uid != uid:
        return f"{path} belongs to another user (uid {st.st_uid})"
    if st.st_mode & stat.S_IWOTH:
        return f"{path} is writable by every user (mode {stat.S_IMODE(st.st_mode):o})"
    return None


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (CPU and CUDA)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _mps_available() -> bool:
    return getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()


def available_devices() -> list[str]:
    """The devices this machine has: ``cpu``, then ``cuda:0`` ... ``cuda:N-1``, then ``mps``."""
    found = ["cpu"]
    if torch.cuda.is_available():
        found += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if _mps_available():
        found.append("mps")
    return found


def pick_device(device: str | None = None) -> torch.device:
    """``cuda`` when present (or ``PAPERLAB_DEVICE``/the argument says otherwise), else ``cpu``.

    A device this machine does not have (``cuda`` without a GPU, ``cuda:7`` on a one-GPU machine,
    ``mps`` off a Mac) is a :class:`SettingError` here, naming the variable and the devices there are,
    not a failure at the first ``.to()``.
    """
    var = "device" if device is not None else "PAPERLAB_DEVICE"
    name = _device(device, var) if device is not None else settings().device
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cpu":
        return torch.device(name)
    have = available_devices()
    if name.startswith("cuda"):
        index = int(name.split(":")[1]) if ":" in name else 0
        ok = torch.cuda.is_available() and index < torch.cuda.device_count()
    else:  # mps
        ok = _mps_available()
    if not ok:
        raise SettingError(
            f"{var} is {name!r} but this machine has no such device; it has {', '.join(have)}"
            f" (or use 'auto', which picks the best of them)"
        )
    return torch.device(name)


def own_steps(steps: int) -> int:
    """Steps (or epochs) of a training loop of a module's own, not :func:`paperlab.train.fit`: cut to
    :data:`SMOKE_STEPS` under smoke, as ``fit`` is, so that the full path proves it runs in seconds; fast and
    full mode train ``steps``. (``cfg.budget(n, n)`` is no cut: under smoke it returns the fast count, n.)"""
    return min(steps, SMOKE_STEPS) if current().smoke else steps


def _limit_blas(n_threads: int) -> None:
    """NumPy/SciPy's BLAS and LAPACK (OpenBLAS, MKL) at the same thread count as torch, for the rest of the run.

    Left alone, OpenBLAS starts one thread per core; on a busy 2-core machine (CI runs two notebooks at once)
    its threads spin against the other job: an ``eigh`` of notebook 37 took 16.6 s that way, 0.2 s on one
    thread, with the same result.
    """
    try:
        import scipy.linalg  # noqa: F401 - SciPy bundles its own OpenBLAS: load it so that the limit reaches it
        from threadpoolctl import threadpool_limits
    except ImportError:  # both come with scikit-learn; without them BLAS keeps its own default
        return
    threadpool_limits(limits=n_threads, user_api="blas")


def setup(
    seed: int = 0,
    *,
    mode: str | None = None,
    device: str | None = None,
    threads: int | None = None,
    smoke: bool | None = None,
    verbose: bool = True,
) -> Config:
    """Fix seeds, pick the device and mode, set the thread count; print one line saying so.

    ``threads`` defaults to ``PAPERLAB_THREADS``, else 1 in fast mode (its models are tiny: extra
    threads cost more in overhead than they give, and oversubscribe a busy machine badly) and
    the number of CPU cores in full mode. ``smoke`` defaults to ``PAPERLAB_SMOKE``.
    """
    global _current
    env = settings()
    mode = resolve_mode(mode)
    seed_everything(seed)
    if threads is not None:
        n_threads = _threads(threads, "threads")
    else:
        n_threads = env.threads or (1 if mode == "fast" else os.cpu_count() or 1)
    torch.set_num_threads(n_threads)
    _limit_blas(n_threads)
    cfg = Config(
        mode=mode,
        seed=seed,
        device=pick_device(device),
        threads=n_threads,
        cache_dir=env.cache,
        smoke=env.smoke if smoke is None else bool(smoke),
    )
    _current = cfg
    from paperlab.viz import export

    export.install()  # plotly figures carry an offline HTML fragment beside their JSON (exports, gallery)
    if verbose:
        print(cfg)
    return cfg


def current() -> Config:
    """The configuration set by the last :func:`setup` (a quiet default one if none yet)."""
    return _current if _current is not None else setup(verbose=False)

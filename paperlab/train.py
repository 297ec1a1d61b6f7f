"""One fit loop for every notebook that trains.

``fit`` runs a fixed number of steps (or epochs) over a data set in a seeded,
deterministic order, shows a tqdm progress bar, records a :class:`History`,
stops early on a stalled validation metric, and in full mode caches the trained
weights under a key of the config so a second run loads instead of retraining.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from paperlab.config import SMOKE_STEPS, current, settings, untrusted_folder

Batch = Any
LossFn = Callable[[nn.Module, Batch], "torch.Tensor | tuple[torch.Tensor, Mapping[str, float]]"]
EvalFn = Callable[[nn.Module], Mapping[str, float]]


@dataclass
class History:
    """Metrics recorded during :func:`fit`: ``history["loss"]`` is a list, ``history.steps["loss"]`` its steps."""

    values: dict[str, list[float]] = field(default_factory=dict)
    steps: dict[str, list[int]] = field(default_factory=dict)
    stopped_early: bool = False
    loaded_from: Path | None = None

    def log(self, step: int, metrics: Mapping[str, float]) -> None:
        for name, value in metrics.items():
            self.values.setdefault(name, []).append(float(value))
            self.steps.setdefault(name, []).append(step)

    def __getitem__(self, name: str) -> list[float]:
        if name not in self.values:
            raise KeyError(f"no metric {name!r} in history; recorded: {sorted(self.values)}")
        return self.values[name]

    def last(self, name: str) -> float:
        return self[name][-1]

    def best(self, name: str, mode: str = "max") -> float:
        return max(self[name]) if mode == "max" else min(self[name])

    def to_dict(self) -> dict[str, Any]:
        return {"values": self.values, "steps": self.steps, "stopped_early": self.stopped_early}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> History:
        """The inverse of :meth:`to_dict`; a ValueError unless ``d`` has exactly that plain layout."""
        if not isinstance(d, Mapping) or set(d) != {"values", "steps", "stopped_early"}:
            raise ValueError("a history needs exactly the keys 'values', 'steps', 'stopped_early'")
        values, steps = d["values"], d["steps"]
        for what, table, kind in (("values", values, (int, float)), ("steps", steps, (int,))):
            if not isinstance(table, Mapping) or not all(
                isinstance(k, str) and isinstance(v, list) and all(isinstance(x, kind) for x in v)
                for k, v in table.items()
            ):
                raise ValueError(f"history {what} must map metric names to lists of numbers")
        if set(values) != set(steps) or any(len(values[k]) != len(steps[k]) for k in values):
            raise ValueError("history values and steps disagree")
        return cls(
            values={k: [float(x) for x in v] for k, v in values.items()},
            steps={k: list(v) for k, v in steps.items()},
            stopped_early=bool(d["stopped_early"]),
        )


def batches(
    *tensors: torch.Tensor, batch_size: int, seed: int = 0, shuffle: bool = True
) -> Callable[[], Iterator[tuple[torch.Tensor, ...]]]:
    """An epoch factory over equal-length tensors: each call yields one epoch of batches.

    The order is drawn from a private generator seeded by ``seed``, so it does
    not depend on (or disturb) the global random state.
    """
    if not tensors:
        raise ValueError("batches needs at least one tensor")
    n = len(tensors[0])
    if any(len(t) != n for t in tensors):
        raise ValueError(f"tensors must have equal length; got {[len(t) for t in tensors]}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number >= 1; got {batch_size!r}")
    gen = torch.Generator().manual_seed(seed)

    def epoch() -> Iterator[tuple[torch.Tensor, ...]]:
        order = torch.randperm(n, generator=gen) if shuffle else torch.arange(n)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            yield tuple(t[idx] for t in tensors)

    def cache_key() -> dict[str, Any]:  # what fit's checkpoint key records of this data
        return {
            "batch_size": batch_size,
            "seed": seed,
            "shuffle": shuffle,
            "n": n,
            "data": fingerprint(*tensors),
        }

    epoch.cache_key = cache_key  # type: ignore[attr-defined]
    return epoch


_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
CACHE_FORMAT = 2
"""Bumped when the checkpoint key or file layout changes, so old checkpoints are never loaded."""


class CacheKeyError(ValueError):
    """A checkpoint key or name that is not plain (JSON of None/bool/int/float/str/lists/str-keyed dicts)."""


def _plain(value: Any, where: str) -> Any:
    """``value`` as plain JSON data, or a :class:`CacheKeyError` naming where the non-plain part is."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        if not math.isfinite(value):
            raise CacheKeyError(f"{where} is {value!r}: a cache key holds finite numbers only")
        return float(value)
    if isinstance(value, list | tuple):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise CacheKeyError(
                    f"{where} has the key {k!r} ({type(k).__name__}): cache key dicts take string keys only"
                    " (1 and '1' would collide)"
                )
            out[k] = _plain(v, f"{where}[{k!r}]")
        return out
    raise CacheKeyError(
        f"{where} is a {type(value).__name__}: a cache key holds plain values only (None, bool, int, float,"
        " str, lists, dicts with string keys); for tensors or arrays use paperlab.train.fingerprint(...),"
        " for other objects a string that names everything that changes the result"
    )


def canonical_json(key: Any) -> str:
    """The one JSON text of a plain key: sorted keys, no spaces; anything not plain is a CacheKeyError."""
    return json.dumps(_plain(key, "cache"), sort_keys=True, separators=(",", ":"), allow_nan=False)


def fingerprint(*arrays: torch.Tensor | np.ndarray) -> str:
    """A sha256 of tensors/arrays (dtype, shape and every value), for a cache key: ``{"x": fingerprint(x)}``."""
    digest = hashlib.sha256()
    for a in arrays:
        if isinstance(a, torch.Tensor):
            t = a.detach().cpu().contiguous()
            digest.update(f"torch|{t.dtype}|{tuple(t.shape)}|".encode())
            digest.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
        elif isinstance(a, np.ndarray):
            arr = np.ascontiguousarray(a)
            digest.update(f"numpy|{arr.dtype.str}|{arr.shape}|".encode())
            digest.update(arr.tobytes())
        else:
            raise CacheKeyError(f"fingerprint takes tensors or numpy arrays; got {type(a).__name__}")
    return digest.hexdigest()


def check_cache_name(name: str) -> str:
    """``name`` if it is a safe file name stem (letters, digits, ``_.-``; no folders, not hidden), else an error."""
    if not isinstance(name, str) or not _SAFE_NAME.fullmatch(name) or ".." in name:
        raise CacheKeyError(
            f"cache_name must be a plain file name of letters, digits, '_', '.', '-' (starting with a letter or"
            f" digit, no '..', at most 100 characters); got {name!r}"
        )
    return name


def cache_path(name: str, key: Any) -> Path:
    """Checkpoint path for a plain ``key``: ``<cache>/checkpoints/<name>-<hash>.pt`` (the folder is not created)."""
    check_cache_name(name)
    digest = hashlib.sha256(canonical_json(key).encode()).hexdigest()[:32]
    return current().cache_dir / "checkpoints" / f"{name}-{digest}.pt"


def _loose(value: Any) -> Any:
    """Optimizer settings as plain values (tensors to numbers or fingerprints, other objects to their type)."""
    if isinstance(value, torch.Tensor):
        return value.item() if value.numel() == 1 else fingerprint(value)
    if isinstance(value, list | tuple):
        return [_loose(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _loose(v) for k, v in value.items()}
    try:
        return _plain(value, "optimizer")
    except CacheKeyError:
        return f"{type(value).__module__}.{type(value).__qualname__}"


def _callable_name(fn: Any) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', type(fn).__qualname__)}"


def fit_key(
    cache: Any,
    *,
    model: nn.Module,
    loss_fn: Any,
    data: Any,
    settings: Mapping[str, Any],
    optimizer: torch.optim.Optimizer | None,
) -> dict[str, Any]:
    """The whole checkpoint key of a :func:`fit` call: the caller's ``cache`` plus what fit itself was given.

    That is the steps/epochs, lr, optimizer class and per-group settings, grad clip, eval/early-stop
    settings, the run's seed and smoke flag, the loss function's name, the model's class and initial
    weights, and — for data from :func:`batches` — batch size, order seed and the data's fingerprint.
    """
    cfg = current()
    state = model.state_dict()
    if optimizer is None:
        opt = {"class": "torch.optim.Adam", "lr": settings["lr"]}
    else:
        groups = [{k: _loose(v) for k, v in g.items() if k != "params"} for g in optimizer.param_groups]
        opt = {"class": _callable_name(type(optimizer)), "groups": groups}
    describe = getattr(data, "cache_key", None)
    return {
        "format": CACHE_FORMAT,
        "cache": _plain(cache, "cache"),
        "fit": {k: v for k, v in settings.items() if k != "lr" or optimizer is None},
        "optimizer": opt,
        "seed": cfg.seed,
        "smoke": cfg.smoke,
        "loss_fn": _callable_name(loss_fn),
        "model": {
            "class": _callable_name(type(model)),
            "init": fingerprint(*state.values()),
            "names": list(state),
        },
        "data": describe() if callable(describe) else _callable_name(data),
    }


def _load_checkpoint(path: Path, model: nn.Module) -> History | None:
    """The history of a checkpoint loaded into ``model``; ``None`` (file reported and deleted) if unreadable.

    Loads with ``weights_only=True`` (tensors and plain containers only: a planted pickle cannot run code)
    and checks names, shapes and dtypes before touching the model, so a refused file leaves it as it was.
    """
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(saved, dict) or set(saved) != {"model", "history"}:
            raise ValueError("not a paperlab checkpoint (expected the keys 'model' and 'history')")
        weights, own = saved["model"], model.state_dict()
        if not isinstance(weights, Mapping) or list(weights) != list(own):
            raise ValueError("its parameter names differ from the model's")
        for name, value in own.items():
            got = weights[name]
            if not isinstance(got, torch.Tensor) or got.shape != value.shape or got.dtype != value.dtype:
                raise ValueError(f"parameter {name!r} does not match the model's shape/dtype")
        hist = History.from_dict(saved["history"])
    except Exception as exc:  # corrupt, truncated, foreign or planted: never fatal, never trusted
        reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        try:
            path.unlink(missing_ok=True)
            done = "deleted it"
        except OSError as gone:  # a read-only cache: leave it, retrain, and the save is skipped
            done = f"could not delete it ({_reason(gone)})"
        warnings.warn(
            f"unreadable checkpoint {path} ({reason}); {done}, retraining", RuntimeWarning, stacklevel=3
        )
        return None
    model.load_state_dict(weights)
    hist.loaded_from = path
    return hist


_cache_off: dict[Path, str] = {}
"""Checkpoint folders this process stopped using, and why (each is warned about once)."""


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _cache_off_now(folder: Path, why: str) -> None:
    """Stop using ``folder`` for the rest of the process; warn once, as pip does for its cache."""
    if folder in _cache_off:
        return
    _cache_off[folder] = why
    warnings.warn(
        f"checkpoint cache {folder}: {why}; going on without it (PAPERLAB_CACHE moves the cache)",
        RuntimeWarning,
        stacklevel=4,
    )


def _cache_problem(folder: Path) -> str | None:
    """Why the checkpoint folder must not be trusted (a folder of another user's, writable by all, a symlink)."""
    return untrusted_folder(folder.parent) or untrusted_folder(folder, allow_symlink=False)


def _save_checkpoint(path: Path, model: nn.Module, hist: History) -> bool:
    """Write atomically: a unique temporary file beside ``path``, then ``os.replace``; mode 0644.

    A cache that cannot be written (a path under a file, a read-only or full disk) or must not be
    trusted never fails the finished fit: it is warned about once and the run goes on without it.
    Returns whether the checkpoint was written.
    """
    folder = path.parent
    if folder in _cache_off:
        return False
    try:
        folder.mkdir(parents=True, exist_ok=True)
        problem = _cache_problem(folder)
        if problem is not None:
            _cache_off_now(folder, f"{problem}, so it is not trusted")
            return False
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        _cache_off_now(folder, f"cannot write to it ({_reason(exc)})")
        return False
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save({"model": model.state_dict(), "history": hist.to_dict()}, f)
        tmp.chmod(0o644)
        os.replace(tmp, path)
    except (OSError, RuntimeError) as exc:  # torch reports a full disk as a RuntimeError
        _cache_off_now(folder, f"cannot write to it ({_reason(exc)})")
        return False
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return True


def _progress_disabled() -> bool:
    flag = settings().progress
    if flag is not None:
        return not flag
    # In a terminal, or in a notebook kernel: show it. Piped output (logs, CI): quiet.
    return not (sys.stderr.isatty() or "ipykernel" in sys.modules)


def progress(iterable: Iterable | None = None, **kwargs: Any) -> tqdm:
    """A tqdm bar (widget in notebooks, text in terminals, silent when piped)."""
    kwargs.setdefault("disable", _progress_disabled())
    kwargs.setdefault("mininterval", 0.5)
    kwargs.setdefault("leave", False)
    return tqdm(iterable, **kwargs)


def _count(name: str, value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1; got {value!r}")
    return int(value)


def fit(
    model: nn.Module,
    loss_fn: LossFn,
    data: Callable[[], Iterable[Batch]],
    *,
    steps: int | None = None,
    epochs: int | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    lr: float = 1e-3,
    eval_fn: EvalFn | None = None,
    eval_every: int = 100,
    monitor: str | None = None,
    monitor_mode: str = "max",
    patience: int | None = None,
    grad_clip: float | None = None,
    cache: Mapping[str, Any] | None = None,
    cache_name: str = "model",
    desc: str = "train",
) -> History:
    """Train ``model`` by minimising ``loss_fn(model, batch)`` over ``data``.

    ``data`` is an epoch factory (see :func:`batches`, or ``lambda: loader``); its tensors
    are moved to the model's device, so data can stay on the CPU.
    Give either ``steps`` or ``epochs`` (>= 1). ``loss_fn`` returns a scalar loss, or
    ``(loss, metrics)`` to log more per step. ``eval_fn(model)`` runs every
    ``eval_every`` steps and at the end (the model in eval mode, no grad);
    with ``monitor`` and ``patience`` training stops after ``patience``
    evaluations without improvement.

    ``cache`` (a plain JSON-able config: what the caller knows changes the result, e.g. the data
    and model sizes) enables the checkpoint cache in full mode: a trained model with the same key
    loads instead of retraining. The key also holds everything ``fit`` itself is given (see
    :func:`fit_key`); ``cache_name`` is a plain file name. Under smoke (``PAPERLAB_SMOKE=1``)
    training stops after :data:`paperlab.config.SMOKE_STEPS` steps.
    """
    if (steps is None) == (epochs is None):
        raise ValueError("give exactly one of steps= or epochs=")
    steps, epochs = _count("steps", steps), _count("epochs", epochs)
    if monitor_mode not in ("max", "min"):
        raise ValueError(f"monitor_mode must be 'max' or 'min'; got {monitor_mode!r}")
    if patience is not None and monitor is None:
        raise ValueError("patience needs monitor= (the eval metric to watch)")
    if eval_fn is not None:
        _count("eval_every", eval_every)
    cfg = current()
    limit = SMOKE_STEPS if cfg.smoke else None

    path = None
    if cache is not None:
        check_cache_name(cache_name)
        canonical_json(cache)  # a non-plain key fails in fast mode too, not only on the GPU machine
        if cfg.full:
            settings_ = {
                "steps": steps,
                "epochs": epochs,
                "lr": lr,
                "grad_clip": grad_clip,
                "eval_every": eval_every if eval_fn is not None else None,
                "monitor": monitor,
                "monitor_mode": monitor_mode if monitor is not None else None,
                "patience": patience,
                "smoke_steps": limit,
            }
            key = fit_key(
                cache, model=model, loss_fn=loss_fn, data=data, settings=settings_, optimizer=optimizer
            )
            path = cache_path(cache_name, key)
            problem = _cache_problem(path.parent)
            if problem is not None:  # never load a file another user could have planted
                _cache_off_now(path.parent, f"{problem}, so it is not trusted")
                path = None
    if path is not None and path.exists():
        loaded = _load_checkpoint(path, model)
        if loaded is not None:
            model.eval()
            return loaded

    opt = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    hist = History()
    best, bad, step = None, 0, 0

    def evaluate() -> bool:
        nonlocal best, bad
        if eval_fn is None:
            return False
        model.eval()
        with torch.no_grad():
            metrics = dict(eval_fn(model))
        model.train()
        hist.log(step, metrics)
        if monitor is None or patience is None:
            return False
        if monitor not in metrics:
            raise KeyError(f"monitor {monitor!r} not among eval metrics {sorted(metrics)}")
        value = metrics[monitor]
        improved = best is None or (value > best if monitor_mode == "max" else value < best)
        best, bad = (value, 0) if improved else (best, bad + 1)
        return bad >= patience

    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    total = steps if limit is None else min(steps or limit, limit)
    bar = progress(total=total, desc=desc)
    model.train()
    done = False
    epoch = 0
    while not done:
        if epochs is not None and epoch >= epochs:
            break
        n_in_epoch = 0
        for batch in data():
            if (steps is not None and step >= steps) or (limit is not None and step >= limit):
                done = True
                break
            out = loss_fn(model, _to_device(batch, device))
            loss, extra = out if isinstance(out, tuple) else (out, {})
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if grad_clip is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            opt.step()
            step += 1
            n_in_epoch += 1
            hist.log(step, {"loss": loss.item(), **extra})
            bar.update(1)
            if step % 20 == 0:
                bar.set_postfix(loss=f"{loss.item():.4f}")
            if eval_fn is not None and step % eval_every == 0 and evaluate():
                hist.stopped_early = True
                done = True
                break
        if n_in_epoch == 0 and not done:
            raise ValueError("data() yielded no batches")
        epoch += 1
        if (steps is not None and step >= steps) or (limit is not None and step >= limit):
            done = True
    bar.close()
    if eval_fn is not None and not hist.stopped_early and (step % eval_every != 0 or step == 0):
        evaluate()
    model.eval()
    if path is not None:
        _save_checkpoint(path, model, hist)
    return hist


def _to_device(batch: Batch, device: torch.device) -> Batch:
    """Move the tensors of a batch (a tensor, or a tuple/list/dict of them) to the model's device."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, (tuple, list)):
        return type(batch)(_to_device(b, device) for b in batch)
    if isinstance(batch, dict):
        return {k: _to_device(v, device) for k, v in batch.items()}
    return batch


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 1024) -> float:
    """Top-1 accuracy of ``model(x)`` logits against integer labels ``y``."""
    was_training = model.training
    model.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    correct = 0
    for start in range(0, len(x), batch_size):
        logits = model(x[start : start + batch_size].to(device))
        correct += (logits.argmax(-1) == y[start : start + batch_size].to(device)).sum().item()
    model.train(was_training)
    return correct / max(len(x), 1)

"""One fit loop for every notebook that trains.

``fit`` runs a fixed number of steps (or epochs) over a data set in a seeded,
deterministic order, shows a tqdm progress bar, records a :class:`History`,
stops early on a stalled validation metric, and in full mode caches the trained
weights under a key of the config so a second run loads instead of retraining.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm.auto import tqdm

from paperlab.config import current

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
        return cls(values=dict(d["values"]), steps=dict(d["steps"]), stopped_early=bool(d["stopped_early"]))


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
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1; got {batch_size}")
    gen = torch.Generator().manual_seed(seed)

    def epoch() -> Iterator[tuple[torch.Tensor, ...]]:
        order = torch.randperm(n, generator=gen) if shuffle else torch.arange(n)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            yield tuple(t[idx] for t in tensors)

    return epoch


def cache_path(name: str, key: Mapping[str, Any]) -> Path:
    """Checkpoint path for a config ``key`` (JSON-able): ``<cache>/checkpoints/<name>-<hash>.pt``."""
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:16]
    folder = current().cache_dir / "checkpoints"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}-{digest}.pt"


def _progress_disabled() -> bool:
    flag = os.environ.get("PAPERLAB_PROGRESS", "").lower()
    if flag in ("0", "off", "false", "no"):
        return True
    if flag in ("1", "on", "true", "yes"):
        return False
    # In a terminal, or in a notebook kernel: show it. Piped output (logs, CI): quiet.
    return not (sys.stderr.isatty() or "ipykernel" in sys.modules)


def progress(iterable: Iterable | None = None, **kwargs: Any) -> tqdm:
    """A tqdm bar (widget in notebooks, text in terminals, silent when piped)."""
    kwargs.setdefault("disable", _progress_disabled())
    kwargs.setdefault("mininterval", 0.5)
    kwargs.setdefault("leave", False)
    return tqdm(iterable, **kwargs)


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
    Give either ``steps`` or ``epochs``. ``loss_fn`` returns a scalar loss, or
    ``(loss, metrics)`` to log more per step. ``eval_fn(model)`` runs every
    ``eval_every`` steps and at the end (the model in eval mode, no grad);
    with ``monitor`` and ``patience`` training stops after ``patience``
    evaluations without improvement. ``cache`` (a JSON-able config) enables the
    checkpoint cache in full mode: a trained model with the same key loads
    instead of retraining.
    """
    if (steps is None) == (epochs is None):
        raise ValueError("give exactly one of steps= or epochs=")
    if (steps is not None and steps < 0) or (epochs is not None and epochs < 0):
        raise ValueError(f"steps/epochs must be >= 0; got steps={steps}, epochs={epochs}")
    if monitor_mode not in ("max", "min"):
        raise ValueError(f"monitor_mode must be 'max' or 'min'; got {monitor_mode!r}")
    if patience is not None and monitor is None:
        raise ValueError("patience needs monitor= (the eval metric to watch)")

    path = cache_path(cache_name, cache) if (cache is not None and current().full) else None
    if path is not None and path.exists():
        saved = torch.load(path, map_location="cpu", weights_only=False)
        model.load_state_dict(saved["model"])
        hist = History.from_dict(saved["history"])
        hist.loaded_from = path
        return hist

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
    total = steps if steps is not None else None
    bar = progress(total=total, desc=desc)
    model.train()
    done = False
    epoch = 0
    while not done:
        if epochs is not None and epoch >= epochs:
            break
        n_in_epoch = 0
        for batch in data():
            if steps is not None and step >= steps:
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
        if n_in_epoch == 0:
            raise ValueError("data() yielded no batches")
        epoch += 1
        if steps is not None and step >= steps:
            done = True
    bar.close()
    if eval_fn is not None and not hist.stopped_early and (step % eval_every != 0 or step == 0):
        evaluate()
    model.eval()
    if path is not None:
        tmp = path.with_suffix(".tmp")
        torch.save({"model": model.state_dict(), "history": hist.to_dict()}, tmp)
        os.replace(tmp, path)
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

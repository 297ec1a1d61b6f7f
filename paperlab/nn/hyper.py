"""Hypernetworks: networks that output another network's weights.

Shared by the hypernetwork papers (21 review, 28 RNN hypernet, 47 MIP):

- :func:`param_shapes`, :func:`flat_size`, :func:`unflatten`: a target module's parameters as one
  flat vector θ ∈ ℝ^P and back (the hypernetwork's output layout);
- :func:`functional_forward`: run the target with generated weights through
  :func:`torch.func.functional_call` (the target module's own parameters are not used);
- :class:`ChunkedHyperNet`: the chunked hypernetwork of von Oswald et al. (2020, §2 "chunking"):
  θ = [h(e, c_1), …, h(e, c_{N_C})] cut to P, one shared MLP h applied to learned chunk
  embeddings c_i together with a conditioning embedding e (a task, a layer);
- :func:`output_regularizer`: von Oswald et al. (2020) eq. 2, the continual-learning regulariser
  (1/(T−1)) Σ_{t<T} ‖h(e_t, Θ_h) − h(e_t, Θ_h*)‖² against the hypernetwork's outputs snapshotted
  before task T (Θ_h*), so old tasks' generated weights stay put while new ones are learned.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import torch
from torch import nn
from torch.func import functional_call

Shapes = dict[str, tuple[int, ...]]


def param_shapes(module: nn.Module) -> Shapes:
    """Name -> shape of every parameter of ``module``, in ``named_parameters`` order."""
    shapes = {name: tuple(p.shape) for name, p in module.named_parameters()}
    if not shapes:
        raise ValueError(f"module {type(module).__name__} has no parameters to generate")
    return shapes


def flat_size(shapes: Mapping[str, Sequence[int]]) -> int:
    """P, the number of numbers a hypernetwork must output for ``shapes``."""
    return sum(math.prod(s) for s in shapes.values())


def unflatten(flat: torch.Tensor, shapes: Mapping[str, Sequence[int]]) -> dict[str, torch.Tensor]:
    """Cut a flat vector ``(P,)`` (or ``(P + extra,)``, the tail ignored) into named tensors of ``shapes``."""
    if flat.dim() != 1:
        raise ValueError(f"flat must be a 1-d tensor; got shape {tuple(flat.shape)}")
    need = flat_size(shapes)
    if flat.numel() < need:
        raise ValueError(f"flat has {flat.numel()} numbers; the shapes need {need}")
    out, offset = {}, 0
    for name, shape in shapes.items():
        n = math.prod(shape)
        out[name] = flat[offset : offset + n].view(*shape)
        offset += n
    return out


def flatten(params: Mapping[str, torch.Tensor]) -> torch.Tensor:
    """The inverse of :func:`unflatten`: named tensors -> one flat vector."""
    return torch.cat([p.reshape(-1) for p in params.values()])


def functional_forward(target: nn.Module, params: Mapping[str, torch.Tensor], *inputs: torch.Tensor):
    """``target(*inputs)`` with ``params`` (e.g. generated weights) in place of its own parameters."""
    return functional_call(target, dict(params), inputs)


class ChunkedHyperNet(nn.Module):
    """von Oswald et al. (2020) chunked hypernetwork: θ(e) = concat_i h([e, c_i]) cut to P.

    ``n_cond`` conditioning embeddings e (tasks) of size ``cond_dim`` and ``ceil(P / chunk)``
    chunk embeddings c_i of size ``chunk_dim`` are learned; one MLP ``h`` (``hidden`` widths,
    ReLU) maps each pair to a chunk of ``chunk`` weights. Its output layer holds ``chunk × hidden[-1]``
    weights instead of ``P × hidden[-1]``: the compression of the chunked hypernetwork.
    """

    def __init__(
        self,
        shapes: Mapping[str, Sequence[int]],
        *,
        n_cond: int,
        cond_dim: int = 8,
        chunk: int = 256,
        chunk_dim: int = 8,
        hidden: Sequence[int] = (64,),
    ) -> None:
        super().__init__()
        for name, v in (
            ("n_cond", n_cond),
            ("cond_dim", cond_dim),
            ("chunk", chunk),
            ("chunk_dim", chunk_dim),
        ):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a whole number >= 1; got {v!r}")
        self.shapes = {k: tuple(v) for k, v in shapes.items()}
        self.n_params = flat_size(self.shapes)
        self.chunk = chunk
        self.n_chunks = math.ceil(self.n_params / chunk)
        self.cond = nn.Parameter(torch.randn(n_cond, cond_dim))  # e_t
        self.chunks = nn.Parameter(torch.randn(self.n_chunks, chunk_dim))  # c_i
        sizes = [cond_dim + chunk_dim, *hidden]
        layers: list[nn.Module] = []
        for a, b in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [nn.Linear(a, b), nn.ReLU()]
        layers.append(nn.Linear(sizes[-1], chunk))
        self.mlp = nn.Sequential(*layers)

    def flat(self, t: int | torch.Tensor) -> torch.Tensor:
        """θ for conditioning index ``t`` (or an explicit embedding ``(cond_dim,)``) as a flat ``(P,)`` vector."""
        e = self.cond[t] if isinstance(t, int) else t
        inp = torch.cat([e.expand(self.n_chunks, -1), self.chunks], dim=1)  # (n_chunks, cond+chunk)
        return self.mlp(inp).reshape(-1)[: self.n_params]

    def forward(self, t: int | torch.Tensor) -> dict[str, torch.Tensor]:
        return unflatten(self.flat(t), self.shapes)


def snapshot(flat_fn: Callable[[int], torch.Tensor], tasks: Sequence[int]) -> dict[int, torch.Tensor]:
    """h*(e_t): the hypernetwork's current outputs for ``tasks``, detached (taken before a new task)."""
    with torch.no_grad():
        return {t: flat_fn(t).detach().clone() for t in tasks}


def output_regularizer(
    flat_fn: Callable[[int], torch.Tensor], targets: Mapping[int, torch.Tensor]
) -> torch.Tensor:
    """von Oswald et al. (2020) eq. 2: mean over old tasks t of ‖h(e_t) − h*(e_t)‖².

    ``flat_fn(t)`` is the hypernetwork's current flat output for task t, ``targets`` the snapshot
    from :func:`snapshot`. Zero when nothing is stored. (The paper's look-ahead ΔΘ_h term is dropped,
    as in its "without look-ahead" variant.)
    """
    if not targets:
        return torch.zeros(())
    terms = [(flat_fn(t) - w).pow(2).sum() for t, w in targets.items()]
    return torch.stack(terms).mean()


# --- training over a task sequence ------------------------------------------------------------


def _stream(x: torch.Tensor, y: torch.Tensor, batch_size: int, seed: int):
    """Minibatches of (x, y), reshuffled each epoch, forever (a private seeded generator)."""
    gen = torch.Generator().manual_seed(seed)
    while True:
        order = torch.randperm(len(x), generator=gen)
        for s in range(0, len(x) - batch_size + 1, batch_size):
            idx = order[s : s + batch_size]
            yield x[idx], y[idx]


def train_hnet_sequence(
    hnet: nn.Module,
    target: nn.Module,
    tasks: Sequence,
    *,
    steps: int,
    beta: float,
    lr: float = 1e-3,
    batch_size: int = 64,
    seed: int = 0,
    first: int = 0,
) -> list[list[float]]:
    """Train a task-conditioned hypernetwork on ``tasks`` one after another (von Oswald et al. 2020, eq. 2).

    ``hnet(t)`` returns the target's parameters for task t and ``hnet.flat(t)`` them as one vector.
    For task T the loss is CE(f(x; h(e_T)), y) + β·:func:`output_regularizer` against the outputs for
    tasks < T snapshotted before task T. A fresh Adam per task; task embeddings other than e_T (the
    ``cond`` parameter, if any) get no update. Tasks before ``first`` count as learned already (their
    outputs are held from the start). Returns, after each task i, the test accuracy on tasks 0..i.
    """
    if steps < 0 or beta < 0:
        raise ValueError(f"steps and beta must be >= 0; got steps={steps}, beta={beta}")
    rows: list[list[float]] = []
    cond = getattr(hnet, "cond", None)
    for t, task in enumerate(tasks):
        if t < first:
            continue
        stored = snapshot(hnet.flat, range(t))
        opt = torch.optim.Adam(hnet.parameters(), lr=lr)
        stream = _stream(task.x_train, task.y_train, min(batch_size, len(task.x_train)), seed + 31 * t)
        for _ in range(steps):
            xb, yb = next(stream)
            loss = nn.functional.cross_entropy(functional_forward(target, hnet(t), xb), yb)
            if beta > 0 and stored:
                loss = loss + beta * output_regularizer(hnet.flat, stored)
            opt.zero_grad()
            loss.backward()
            if isinstance(cond, nn.Parameter) and cond.grad is not None:
                keep = torch.zeros(len(cond), 1)
                keep[t] = 1
                cond.grad.mul_(keep)
            opt.step()
        with torch.no_grad():
            rows.append(
                [_acc(lambda x, j=j: functional_forward(target, hnet(j), x), tasks[j]) for j in range(t + 1)]
            )
    return rows


def train_direct_sequence(
    model: nn.Module,
    tasks: Sequence,
    *,
    steps: int,
    lr: float = 1e-3,
    batch_size: int = 64,
    seed: int = 0,
    penalty: Callable[[nn.Module], torch.Tensor] | None = None,
    after_task: Callable[[nn.Module, object], None] | None = None,
) -> list[list[float]]:
    """Fine-tune one directly parameterised network on ``tasks`` in order (the usual baseline).

    ``penalty(model)`` is added to the loss (e.g. EWC's), ``after_task(model, task)`` runs after each
    task (e.g. to store a Fisher estimate). Returns the per-stage accuracies as :func:`train_hnet_sequence`.
    """
    rows: list[list[float]] = []
    for t, task in enumerate(tasks):
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        stream = _stream(task.x_train, task.y_train, min(batch_size, len(task.x_train)), seed + 31 * t)
        for _ in range(steps):
            xb, yb = next(stream)
            loss = nn.functional.cross_entropy(model(xb), yb)
            if penalty is not None:
                loss = loss + penalty(model)
            opt.zero_grad()
            loss.backward()
            opt.step()
        if after_task is not None:
            after_task(model, task)
        with torch.no_grad():
            rows.append([_acc(model, tasks[j]) for j in range(t + 1)])
    return rows


def _acc(predict: Callable[[torch.Tensor], torch.Tensor], task) -> float:
    return (predict(task.x_test).argmax(-1) == task.y_test).float().mean().item()

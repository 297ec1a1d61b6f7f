"""Learning with Local Gradients at the Edge (tpSGD; Lomnitz, Daniels, Zhang, Piacentino, AAAI 2023, arXiv 2208.08503).

Target Projection SGD trains every layer on its own, from a local target made by a fixed
random projection of the one-hot label y*:

    J_i = ‖P_i y* − y_i‖²,   y_i = σ(W_i y_{i−1}),   W_i ← W_i − η ∂J_i/∂W_i,

where the input y_{i−1} is treated as a constant (detached), so the gradient of J_i only
reaches W_i: one layer's forward pass, no backward pass through the network, and only one
layer's activations held at a time. The output layer is trained with cross-entropy on its
detached input. For the recurrent variant the hidden state h_t = tanh(W x_t + U h_{t−1} + b)
regresses onto P y* with h_{t−1} detached (no backpropagation through time) at the steps
t ≥ ``first_target``: 0 puts the target on every step, T − 1 (the notebook's choice, 7 for the
8-row digits) on the last step only.

DRTP (direct random target projection; Frenkel, Lefebvre & Bol, Front. Neurosci. 2021), the
rule tpSGD generalises and the paper's main comparison, uses the same projections without an
error term: the hidden layer moves along (P_i y*) ⊙ σ′, i.e. it descends the linear local loss
J_i = −⟨P_i y*, y_i⟩ (``rule="drtp"``).

Baselines: backpropagation (BP/BPTT) with the same SGD, and a frozen random network whose
readout alone is trained. Memory is measured as the distinct activation bytes autograd saves
for backward (:class:`ActivationMemory`; the input batch, the labels and the weights excluded).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from paperlab.claims import Claim, Clause
from paperlab.config import own_steps
from paperlab.data.bundled import digits
from paperlab.reproduce import PaperValue, ReproSpec
from paperlab.train import batches, fit, progress

METHODS = ("bp", "tpsgd", "drtp", "readout")
RULES = ("tpsgd", "drtp")
ARCHS = ("mlp", "rnn")
WIDTHS = {"mlp": (16, 16), "rnn": 32}  # narrow: wide random features alone already classify digits well
# SGD (momentum 0.9) step per method; tpSGD prefers a smaller step; DRTP: the best of 0.001-0.1 (seed 0)
LR = {
    "mlp": {"bp": 0.05, "tpsgd": 0.01, "drtp": 0.03, "readout": 0.05},
    "rnn": {"bp": 0.05, "tpsgd": 0.003, "drtp": 0.03, "readout": 0.05},
}
FAST_EPOCHS = {"mlp": 40, "rnn": 30}
LAST_STEP = 7  # RNN: only the last of the 8 rows gets the local target

# --- 1. models ------------------------------------------------------------------------------


class TanhMLP(nn.Module):
    """tanh hidden layers and a linear readout; ``forward_layers`` exposes each layer's output."""

    def __init__(self, d_in: int = 64, hidden: tuple[int, ...] = (16, 16), n_out: int = 10) -> None:
        super().__init__()
        if not hidden or min(hidden) < 1:
            raise ValueError(f"hidden must be a non-empty tuple of positive widths; got {hidden}")
        sizes = [d_in, *hidden]
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        self.readout = nn.Linear(sizes[-1], n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, d_in) -> (batch, n_out)
        for layer in self.hidden:
            x = torch.tanh(layer(x))
        return self.readout(x)


class TanhRNN(nn.Module):
    """Elman RNN over the 8 rows of a digit (8 steps × 8 pixels), readout of the last state."""

    def __init__(self, d_in: int = 8, hidden: int = 32, n_out: int = 10) -> None:
        super().__init__()
        if hidden < 1:
            raise ValueError(f"hidden must be >= 1; got {hidden}")
        self.inp = nn.Linear(d_in, hidden)
        self.rec = nn.Linear(hidden, hidden, bias=False)
        self.readout = nn.Linear(hidden, n_out)

    def cell(self, x_t: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.inp(x_t) + self.rec(h))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, steps, d_in) -> (batch, n_out)
        h = x.new_zeros(x.shape[0], self.rec.in_features)
        for t in range(x.shape[1]):
            h = self.cell(x[:, t], h)
        return self.readout(h)


def projections(
    widths: list[int], n_classes: int = 10, scale: float = 1.0, seed: int = 0
) -> list[torch.Tensor]:
    """Fixed random target projections P_i ~ U(−scale, scale), one (width_i, n_classes) matrix per layer."""
    if scale <= 0:
        raise ValueError(f"scale must be > 0; got {scale}")
    gen = torch.Generator().manual_seed(seed + 7919)
    return [scale * (2 * torch.rand(w, n_classes, generator=gen) - 1) for w in widths]


# --- 2. the tpSGD update (the paper's mechanism) ------------------------------------------------


def local_loss(out: torch.Tensor, goal: torch.Tensor, rule: str = "tpsgd") -> torch.Tensor:
    """A hidden layer's local loss: tpSGD ‖P y* − y‖² (the paper's eq.), DRTP −⟨P y*, y⟩ (Frenkel et al. 2021)."""
    if rule == "tpsgd":
        return ((out - goal) ** 2).sum(1).mean()
    if rule == "drtp":
        return -(out * goal).sum(1).mean()
    raise ValueError(f"rule must be one of {RULES}; got {rule!r}")


class ActivationMemory:
    """Peak *distinct activation* bytes autograd saves for backward, via saved-tensor hooks.

    A tensor whose storage is a parameter, the input batch or the labels (``exclude``) is not
    counted, and a storage saved by several ops (tanh's output is also the next Linear's input)
    is counted once. Call ``release()`` after a ``backward`` frees its graph.
    """

    def __init__(self, exclude: list[torch.Tensor]) -> None:
        self._skip = {t.untyped_storage().data_ptr() for t in exclude}
        self._live: dict[int, int] = {}
        self.peak = 0
        self._ctx = torch.autograd.graph.saved_tensors_hooks(self._pack, lambda t: t)

    def _pack(self, t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        ptr = storage.data_ptr()
        if ptr not in self._skip and ptr not in self._live:
            self._live[ptr] = storage.nbytes()
            self.peak = max(self.peak, sum(self._live.values()))
        return t

    def release(self) -> None:
        self._live.clear()

    def __enter__(self) -> ActivationMemory:
        self._ctx.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._ctx.__exit__(*exc)


def tpsgd_step_mlp(
    model: TanhMLP,
    targets: list[torch.Tensor],
    opts: list[torch.optim.Optimizer],
    x: torch.Tensor,
    y: torch.Tensor,
    meter: ActivationMemory | None = None,
    rule: str = "tpsgd",
) -> list[float]:
    """One tpSGD (or DRTP) step: each hidden layer descends its own J_i on a detached input; readout on CE.

    ``targets[i]`` is P_i; ``opts[i]`` steps layer i (the last one the readout). Returns the
    local losses.
    """
    onehot = F.one_hot(y, targets[0].shape[1]).float()
    h, losses = x, []
    layers = [*model.hidden, model.readout]
    for i, (layer, opt) in enumerate(zip(layers, opts, strict=True)):
        h_in = h.detach()  # the only path into layer i is its own input, as a constant
        if i < len(model.hidden):
            out = torch.tanh(layer(h_in))
            loss = local_loss(out, onehot @ targets[i].T, rule)  # tpSGD: J_i = ‖P_i y* − y_i‖²
        else:
            out = layer(h_in)
            loss = F.cross_entropy(out, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if meter is not None:
            meter.release()
        losses.append(loss.item())
        h = out.detach()
    return losses


def tpsgd_step_rnn(
    model: TanhRNN,
    target: torch.Tensor,
    opts: list[torch.optim.Optimizer],
    x: torch.Tensor,
    y: torch.Tensor,
    meter: ActivationMemory | None = None,
    first_target: int = 0,
    rule: str = "tpsgd",
) -> list[float]:
    """tpSGD for the RNN: from step ``first_target`` on, h_t regresses onto P y* with h_{t−1} detached (no BPTT).

    Gradients of the T local losses accumulate, then the recurrent weights step once;
    the readout steps on CE of the detached last state.
    """
    rec_opt, out_opt = opts
    onehot = F.one_hot(y, target.shape[1]).float()
    goal = onehot @ target.T
    rec_opt.zero_grad(set_to_none=True)
    h = x.new_zeros(x.shape[0], model.rec.in_features)
    local = 0.0
    n_steps = x.shape[1]
    for t in range(n_steps):
        if t < first_target:  # steps without a target need no graph at all
            with torch.no_grad():
                h = model.cell(x[:, t], h)
            continue
        h = model.cell(x[:, t], h.detach())
        loss = local_loss(h, goal, rule) / (n_steps - first_target)
        loss.backward()
        if meter is not None:
            meter.release()
        local += loss.item()
    rec_opt.step()
    out_opt.zero_grad(set_to_none=True)
    ce = F.cross_entropy(model.readout(h.detach()), y)
    ce.backward()
    out_opt.step()
    if meter is not None:
        meter.release()
    return [local, ce.item()]


# --- 3. data and experiments ------------------------------------------------------------------------


def digits_data(arch: str = "mlp", seed: int = 0) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """sklearn digits in [0, 1], 75 / 25 split; ``arch="rnn"`` reshapes to (n, 8 rows, 8 pixels)."""
    if arch not in ARCHS:
        raise ValueError(f"arch must be one of {ARCHS}; got {arch!r}")
    x_tr, x_te, y_tr, y_te = digits(seed=seed, test_size=0.25)
    shape = (-1, 8, 8) if arch == "rnn" else (-1, 64)
    return {"train": (x_tr.reshape(shape), y_tr), "test": (x_te.reshape(shape), y_te)}


def build(arch: str, width: int | tuple[int, ...], seed: int = 0) -> TanhMLP | TanhRNN:
    """The MLP (``width`` a tuple of hidden sizes) or the RNN (``width`` an int)."""
    if arch not in ARCHS:
        raise ValueError(f"arch must be one of {ARCHS}; got {arch!r}")
    torch.manual_seed(seed)
    if arch == "mlp":
        return TanhMLP(hidden=tuple(width) if isinstance(width, tuple | list) else (width,))
    return TanhRNN(hidden=int(width))


@dataclass
class MethodResult:
    """Accuracy curve of one method (epoch-end test accuracy) and per-layer local losses."""

    method: str
    test_acc: list[float]
    local_losses: list[list[float]]  # per epoch, per layer (tpSGD only)

    @property
    def final(self) -> float:
        return self.test_acc[-1]


def _accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return (model(x).argmax(-1) == y).float().mean().item()


def train(
    method: str,
    arch: str = "mlp",
    width: int | tuple[int, ...] = (16, 16),
    *,
    epochs: int = 40,
    lr: float = 0.05,
    batch_size: int = 32,
    scale: float = 1.0,
    first_target: int = 0,
    seed: int = 0,
) -> tuple[nn.Module, MethodResult]:
    """Train one method: ``bp`` (backprop, SGD), ``tpsgd`` (local targets), ``drtp`` or ``readout`` (frozen random hidden).

    ``first_target`` (RNN, tpSGD/DRTP): the first step that gets the local target (7: the last step only).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    data = digits_data(arch, seed)
    (x_tr, y_tr), (x_te, y_te) = data["train"], data["test"]
    model = build(arch, width, seed)
    epoch_data = batches(x_tr, y_tr, batch_size=batch_size, seed=seed)
    accs: list[float] = []
    local: list[list[float]] = []
    if method in RULES:
        if isinstance(model, TanhMLP):
            groups = [list(m.parameters()) for m in [*model.hidden, model.readout]]
            targets = projections([m.out_features for m in model.hidden], scale=scale, seed=seed)
        else:
            groups = [
                list(model.inp.parameters()) + list(model.rec.parameters()),
                list(model.readout.parameters()),
            ]
            targets = projections([model.rec.in_features], scale=scale, seed=seed)
        opts = [torch.optim.SGD(g, lr=lr, momentum=0.9) for g in groups]
        for _ in progress(range(own_steps(epochs)), desc=method):
            sums = []
            for xb, yb in epoch_data():
                if isinstance(model, TanhMLP):
                    sums.append(tpsgd_step_mlp(model, targets, opts, xb, yb, rule=method))
                else:
                    sums.append(
                        tpsgd_step_rnn(
                            model, targets[0], opts, xb, yb, first_target=first_target, rule=method
                        )
                    )
            local.append(list(np.mean(sums, axis=0)))
            accs.append(_accuracy(model, x_te, y_te))
        return model, MethodResult(method, accs, local)
    params = model.readout.parameters() if method == "readout" else model.parameters()
    opt = torch.optim.SGD(params, lr=lr, momentum=0.9)
    steps_per_epoch = -(-len(x_tr) // batch_size)
    hist = fit(
        model,
        lambda m, b: F.cross_entropy(m(b[0]), b[1]),
        epoch_data,
        epochs=epochs,
        optimizer=opt,
        eval_fn=lambda m: {"test_acc": _accuracy(m, x_te, y_te)},
        eval_every=steps_per_epoch,
        desc=method,
    )
    return model, MethodResult(method, hist["test_acc"], [])


def _one_step(
    method: str,
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    meter: ActivationMemory,
    first_target: int,
) -> None:
    if method == "bp":
        F.cross_entropy(model(x), y).backward()
        return
    if method == "readout":  # frozen hidden layers: no graph until the readout
        with torch.no_grad():
            h = x
            if isinstance(model, TanhMLP):
                for layer in model.hidden:
                    h = torch.tanh(layer(h))
            else:
                h = h.new_zeros(x.shape[0], model.rec.in_features)
                for t in range(x.shape[1]):
                    h = model.cell(x[:, t], h)
        F.cross_entropy(model.readout(h), y).backward()
        return
    if isinstance(model, TanhMLP):
        targets = projections([m.out_features for m in model.hidden])
        opts = [torch.optim.SGD(m.parameters(), lr=0.0) for m in [*model.hidden, model.readout]]
        tpsgd_step_mlp(model, targets, opts, x, y, meter, rule=method)
    else:
        target = projections([model.rec.in_features])[0]
        opts = [
            torch.optim.SGD([*model.inp.parameters(), *model.rec.parameters()], lr=0.0),
            torch.optim.SGD(model.readout.parameters(), lr=0.0),
        ]
        tpsgd_step_rnn(model, target, opts, x, y, meter, first_target=first_target, rule=method)


def activation_bytes(
    method: str, arch: str, width: int | tuple[int, ...], batch_size: int = 32, first_target: int = LAST_STEP
) -> int:
    """Peak distinct activation bytes autograd holds for backward during one training step (:class:`ActivationMemory`).

    Input batch, labels and weights are excluded; ``first_target`` as in :func:`train` (RNN only).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    model = build(arch, width)
    x, y = digits_data(arch)["train"]
    x, y = x[:batch_size], y[:batch_size]
    with ActivationMemory([x, y, *model.parameters()]) as meter:
        _one_step(method, model, x, y, meter, first_target)
    return meter.peak


# --- 4. the claim ------------------------------------------------------------------------------------

CLAIM = Claim(
    slug="tpsgd_local_targets",
    statement="layer-local targets from random label projections train shallow nets within 5 points of "
    "backprop, holding less activation memory",
    clauses=(
        Clause("mlp_gap", "MLP 64-16-16-10: test accuracy minus backprop's", ">=", -0.05),
        Clause(
            "rnn_mem_ratio",
            "RNN: peak distinct activation bytes of one training step / BPTT's (input, labels, weights excluded)",
            "<=",
            0.5,
        ),
        Clause(
            "rnn_over_readout",
            "RNN: test accuracy minus the frozen random RNN's with a trained readout",
            ">=",
            0.03,
            kind="sanity",
        ),
        Clause("rnn_gap", "RNN: test accuracy minus BPTT's", ">=", -0.05, kind="reported"),
        Clause(
            "mlp_mem_ratio",
            "MLP 64-16-16-10: peak distinct activation bytes / backprop's",
            "<",
            1.0,
            kind="reported",
        ),
    ),
)
ROWS = {"tpsgd": "ours", "bp": "backprop", "readout": "random features + readout"}


def claim_rows(
    final: dict[str, dict[str, float]], mem: dict[str, dict[str, int]]
) -> dict[str, dict[str, float]]:
    """Claim rows from test accuracies ``final[arch][method]`` and activation bytes ``mem[arch][method]``."""
    m, r = final["mlp"], final["rnn"]
    return {
        row: {
            "mlp_gap": m[k] - m["bp"],
            "rnn_mem_ratio": mem["rnn"][k] / mem["rnn"]["bp"],
            "rnn_over_readout": r[k] - r["readout"],
            "rnn_gap": r[k] - r["bp"],
            "mlp_mem_ratio": mem["mlp"][k] / mem["mlp"]["bp"],
        }
        for k, row in ROWS.items()
    }


def claim_experiment(seed: int) -> dict[str, dict[str, float]]:
    """The notebook's fast-mode runs at ``seed``: tpSGD, backprop and the random readout on the MLP and the RNN."""
    final: dict[str, dict[str, float]] = {"mlp": {}, "rnn": {}}
    for arch in ARCHS:
        for k in ROWS:
            final[arch][k] = train(
                k,
                arch,
                WIDTHS[arch],
                epochs=FAST_EPOCHS[arch],
                lr=LR[arch][k],
                first_target=LAST_STEP,
                seed=seed,
            )[1].final
    mem = {arch: {k: activation_bytes(k, arch, WIDTHS[arch]) for k in ROWS} for arch in ARCHS}
    return claim_rows(final, mem)


# --- 5. diagram -------------------------------------------------------------------------------------


def diagram_example() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
    """The 64-16-16-10 tanh MLP that tpSGD trains layer by layer."""
    return build("mlp", (16, 16)), (torch.randn(2, 64),), ["b d"]


class LocalLayerLoss(nn.Module):
    """One hidden layer trained by tpSGD, as drawn: y_i = tanh(W_i y_{i−1}) from its (detached) input and the
    local loss J_i = ‖P_i y* − y_i‖² against the fixed random projection of the one-hot label (paper eq.;
    :func:`local_loss`). Shares the layer's weights; P_i is a buffer."""

    def __init__(self, layer: nn.Linear, target: torch.Tensor) -> None:
        super().__init__()
        self.layer = layer
        self.register_buffer("P", target)  # (width, n_classes)

    def forward(self, y_prev: torch.Tensor, onehot: torch.Tensor) -> torch.Tensor:  # (b, d), (b, classes)
        out = torch.tanh(self.layer(y_prev.detach()))
        return local_loss(out, onehot @ self.P.T)


def diagram_views() -> dict[str, Any]:
    """The overview (the 64-16-16-10 tanh MLP) and the mechanism: one layer's local target loss
    ‖P_i y* − tanh(W_i y_{i−1})‖² (no gradient leaves the layer)."""

    def overview() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
        return diagram_example()

    overview.trace_options = {"depth": 0}

    def mechanism() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
        model, (x,), _ = diagram_example()
        target = projections([m.out_features for m in model.hidden])[1]
        with torch.no_grad():
            y1 = torch.tanh(model.hidden[0](x))  # (b, 16): layer 1's output, the input of layer 2
        onehot = F.one_hot(torch.tensor([3, 7]), 10).float()
        return LocalLayerLoss(model.hidden[1], target), (y1, onehot), ["b d", "b k"]

    return {"overview": overview, "mechanism": mechanism}


# --- Reproduction target (issue 23): fixed before any run --------------------------------------
_ABSTRACT = "abstract of arXiv:2208.08503 (arxiv.org/abs/2208.08503; AAAI 2023)"
_WITHIN5 = (
    f"{_ABSTRACT}: 'Our method performs comparably to BP gradient-descent within 5% accuracy on relatively shallow "
    "networks of fully connected layers, convolutional layers, and recurrent layers' (0 encodes 'inside 5 points'; "
    "the tables' numbers were not retrieved)"
)
_BEATS = (
    f"{_ABSTRACT}: 'tpSGD also outperforms other state-of-the-art gradient-free algorithms in shallow models "
    "consisting of multi-layer perceptrons, convolutional neural networks (CNNs), and RNNs' (+1 encodes the sign only)"
)
_MEMORY = (
    f"{_ABSTRACT}: 'greatly reducing memory allocation compared to SGD backpropagation (BP) methods' (0 encodes "
    "'below 1' only)"
)

REPRO = ReproSpec(
    slug="tpsgd_local_targets",
    target="the shallow-network accuracy tables (fully connected and recurrent nets: tpSGD vs BP vs DRTP; table numbers not retrieved)",
    shows=(
        "Test accuracy of a shallow MLP and an Elman RNN trained by tpSGD, by backpropagation and by DRTP (direct random "
        "target projection), and the activation memory each training step holds."
    ),
    metric="test accuracy difference (fraction); activation-memory ratio",
    paper_values=(
        PaperValue(
            "test accuracy, BP minus tpSGD, MLP 2 x 16", 0.0, _WITHIN5, True, "direction", reference=0.05
        ),
        PaperValue(
            "test accuracy, BP minus tpSGD, Elman RNN 32", 0.0, _WITHIN5, True, "direction", reference=0.05
        ),
        PaperValue("test accuracy, tpSGD minus DRTP, MLP 2 x 16", 1.0, _BEATS, True, "direction"),
        PaperValue("test accuracy, tpSGD minus DRTP, Elman RNN 32", 1.0, _BEATS, True, "direction"),
        PaperValue(
            "activation memory, tpSGD / BP, Elman RNN 32", 0.0, _MEMORY, True, "direction", reference=1.0
        ),
        PaperValue(
            "activation memory, tpSGD / BP, MLP 2 x 16", 0.0, _MEMORY, True, "direction", reference=1.0
        ),
    ),
    data="scikit-learn's bundled 8x8 digits (1,797 images, 75 / 25 split); the RNN reads the 8 rows as 8 steps",
    data_kind="stand-in",
    data_note=(
        "The paper trains on MNIST, CIFAR-10 and other downloads; the bundled 8x8 digits are a small offline "
        "substitute for MNIST (64 pixels instead of 784, 1,347 training images instead of 60,000)."
    ),
    sizes={
        "mlp": "64-16-16-10 tanh",
        "rnn": "Elman, 32 units, 8 steps of 8 pixels, target on the last step",
        "epochs": {"mlp": 150, "rnn": 100},
        "lr": {
            "mlp": {"bp": 0.05, "tpsgd": 0.01, "drtp": 0.03},
            "rnn": {"bp": 0.05, "tpsgd": 0.003, "drtp": 0.03},
        },
        "optimizer": "SGD",
    },
    seeds=(0, 1, 2),
    gpu_minutes=3.0,
    cpu_minutes=6.0,
    notes=(
        "The notebook's full-mode epochs (150 MLP / 100 RNN) and learning rates (tp.LR). Directions only: 'within 5 %' "
        "is a bound (BP minus tpSGD below 0.05), the others signs. The fast-mode ledger already shows the RNN gap at "
        "0.12-0.16 and the MLP's memory ratio above 1 at two hidden layers; those values stay in the spec. Tiny "
        "models: a GPU helps little."
    ),
)

"""Activation Space Selectable KANs (S-KAN; Yang, Zhang, Luo, Lu, Shen, 2024, arXiv 2408.08338).

A Kolmogorov-Arnold layer puts a learnable univariate function on every edge (Liu et al. 2024)::

    y_j = Σ_i φ_ij(x_i),      φ_ij(x) = w_ij · silu(x) + Σ_k c_ijk B_k(x)              (KAN, eq. 2.10)

where the basis {B_k} spans one *activation space* (B-splines in the original KAN). S-KAN keeps a
**pool** of spaces s = 1..S (here B-spline, Chebyshev, Gaussian RBF, Fourier, Mexican-hat wavelet)
and lets every edge choose::

    φ_ij(x) = w_ij · silu(x) + Σ_s α_ij^s Σ_k c_ijk^s B_k^s(x),    α_ij = softmax(β_ij / τ)   (S-KAN)

trained in three stages (paper §"S-KAN training strategy"):

1. **full training** -- every space active, τ = 1, coefficients and selection logits β learned;
2. **selective training** -- the softmax is sharpened, τ annealed geometrically towards 0, so α_ij
   moves towards one space per edge;
3. **pruning + fine-tuning** -- α_ij is replaced by the one-hot of argmax_s β_ij, the other spaces'
   coefficients are dropped, and the pruned network is fine-tuned.

After pruning an edge holds one space's K coefficients, as many as a single-space KAN of the same
shape: the comparators are the five single-space KANs and an MLP with (about) the same number of
parameters, and -- the mechanism ablated -- a KAN whose edges get a *random* space each.

S-ConvKAN applies the same edges to convolution: unfold k×k patches and feed each patch pixel to a
selectable KAN layer (every kernel weight becomes a selectable edge function).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.special
import torch
import torch.nn.functional as F
from torch import nn

from paperlab.claims import OURS, Claim, Clause
from paperlab.config import own_steps
from paperlab.reproduce import PaperValue, ReproSpec

SPACES = ("bspline", "chebyshev", "rbf", "fourier", "wavelet")
N_BASIS = 8  # K: basis functions per space (every space gets the same count)

# --- 1. the activation spaces (basis functions on [-1, 1]) ------------------------------------------


def _bspline(x: torch.Tensor, k: int = N_BASIS, order: int = 3) -> torch.Tensor:
    """Cubic B-splines on a uniform grid over [-1, 1] (Cox-de Boor recursion; KAN eq. 2.10's B_i)."""
    g = k - order  # grid intervals
    h = 2.0 / g
    grid = torch.arange(-order, g + order + 1, dtype=x.dtype, device=x.device) * h - 1.0  # (g + 2·order + 1,)
    xe = x.unsqueeze(-1)
    b = ((xe >= grid[:-1]) & (xe < grid[1:])).to(x.dtype)
    for p in range(1, order + 1):
        b = (xe - grid[: -(p + 1)]) / (grid[p:-1] - grid[: -(p + 1)]) * b[..., :-1] + (grid[p + 1 :] - xe) / (
            grid[p + 1 :] - grid[1:-p]
        ) * b[..., 1:]
    return b  # (..., k)


def _chebyshev(x: torch.Tensor, k: int = N_BASIS) -> torch.Tensor:
    """Chebyshev polynomials T_0..T_{k-1}, by the recurrence T_{n+1} = 2x T_n − T_{n-1}."""
    x = x.clamp(-1, 1)
    out = [torch.ones_like(x), x]
    for _ in range(2, k):
        out.append(2 * x * out[-1] - out[-2])
    return torch.stack(out[:k], -1)


def _centres(k: int, x: torch.Tensor) -> torch.Tensor:
    return torch.linspace(-1, 1, k, dtype=x.dtype, device=x.device)


def _rbf(x: torch.Tensor, k: int = N_BASIS) -> torch.Tensor:
    """Gaussian radial basis exp(−((x − c_k)/h)²) on k uniform centres, h = their spacing (FastKAN)."""
    h = 2.0 / (k - 1)
    return torch.exp(-(((x.unsqueeze(-1) - _centres(k, x)) / h) ** 2))


def _fourier(x: torch.Tensor, k: int = N_BASIS) -> torch.Tensor:
    """cos(mπx), sin(mπx) for m = 1..k/2 (FourierKAN)."""
    m = torch.arange(1, k // 2 + 1, dtype=x.dtype, device=x.device) * math.pi
    a = x.unsqueeze(-1) * m
    return torch.cat([torch.cos(a), torch.sin(a)], -1)


def _wavelet(x: torch.Tensor, k: int = N_BASIS) -> torch.Tensor:
    """Mexican-hat wavelets ψ((x − c_k)/s), ψ(t) = (1 − t²) e^{−t²/2}, s = the centre spacing (Wav-KAN)."""
    s = 2.0 / (k - 1)
    t = (x.unsqueeze(-1) - _centres(k, x)) / s
    return (1 - t**2) * torch.exp(-(t**2) / 2)


BASES: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "bspline": _bspline,
    "chebyshev": _chebyshev,
    "rbf": _rbf,
    "fourier": _fourier,
    "wavelet": _wavelet,
}


def basis(space: str, x: torch.Tensor) -> torch.Tensor:
    """The K basis functions of one activation space at ``x``: shape ``x.shape + (K,)``."""
    if space not in BASES:
        raise ValueError(f"space must be one of {SPACES}; got {space!r}")
    return BASES[space](x)


class Basis(nn.Module):
    """One activation space as a module (x -> its K basis functions), so a diagram draws it as a box."""

    def __init__(self, space: str) -> None:
        super().__init__()
        if space not in BASES:
            raise ValueError(f"space must be one of {SPACES}; got {space!r}")
        self.space = space

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (...) -> (..., K)
        return BASES[self.space](x)


# --- 2. the selectable KAN layer and network ----------------------------------------------------------


class SelectableKANLayer(nn.Module):
    """y_j = Σ_i [ w_ij silu(x_i) + Σ_s α_ij^s Σ_k c_ijk^s B_k^s(x_i) ],  α_ij = softmax(β_ij / τ).

    ``spaces`` is the pool (one space: a plain single-space KAN layer). ``squash`` maps inputs into
    [-1, 1] with tanh first (hidden layers; the data are already scaled to [-1, 1]).
    After :meth:`prune` (or :meth:`assign`) α is a fixed one-hot per edge.
    """

    def __init__(self, d_in: int, d_out: int, spaces: Sequence[str] = SPACES, squash: bool = False) -> None:
        super().__init__()
        bad = [s for s in spaces if s not in BASES]
        if not spaces or bad:
            raise ValueError(f"spaces must be a non-empty subset of {SPACES}; got {list(spaces)}")
        if d_in < 1 or d_out < 1:
            raise ValueError(f"d_in and d_out must be >= 1; got {d_in}, {d_out}")
        self.spaces = tuple(spaces)
        self.pool = nn.ModuleList(Basis(sp) for sp in self.spaces)
        self.squash = squash
        S = len(self.spaces)
        self.coef = nn.Parameter(torch.randn(d_out, d_in, S, N_BASIS) * (0.3 / math.sqrt(d_in * N_BASIS)))
        self.base = nn.Parameter(torch.randn(d_out, d_in) * (1 / math.sqrt(d_in)))
        self.bias = nn.Parameter(torch.zeros(d_out))
        self.logits = nn.Parameter(torch.zeros(d_out, d_in, S))  # β_ij: selection logits
        self.register_buffer("mask", torch.zeros(d_out, d_in, S))  # one-hot after pruning
        self.pruned = S == 1
        if S == 1:
            self.mask.fill_(1.0)
            self.logits.requires_grad_(False)
        self.tau = 1.0

    def alpha(self) -> torch.Tensor:
        """The selection weights α_ij^s, (d_out, d_in, S): softmax(β/τ), or the one-hot once pruned."""
        if self.pruned:
            return self.mask
        return torch.softmax(self.logits / self.tau, dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (n, d_in) -> (n, d_out)
        if self.squash:
            x = torch.tanh(x)
        feats = torch.stack([b(x) for b in self.pool], dim=-2)  # (n, d_in, S, K)
        w = self.coef * self.alpha().unsqueeze(-1)  # (d_out, d_in, S, K)
        return F.silu(x) @ self.base.T + feats.flatten(1) @ w.flatten(1).T + self.bias

    def edge_function(self, i: int, j: int, x: torch.Tensor) -> torch.Tensor:
        """φ_ij evaluated on a 1-D tensor ``x`` (for plots)."""
        xs = torch.tanh(x) if self.squash else x
        feats = torch.stack([basis(s, xs) for s in self.spaces], dim=-2)  # (n, S, K)
        w = (self.coef[j, i] * self.alpha()[j, i].unsqueeze(-1)).detach()
        return self.base[j, i].detach() * F.silu(xs) + torch.einsum("nsk,sk->n", feats, w)

    @torch.no_grad()
    def prune(self) -> None:
        """Stage 3: keep argmax_s β_ij on every edge (α becomes one-hot) and zero the other spaces."""
        self.assign(self.logits.argmax(-1))

    @torch.no_grad()
    def assign(self, choice: torch.Tensor) -> None:
        """Fix each edge to space ``choice[j, i]`` (an index into ``spaces``)."""
        if choice.shape != self.logits.shape[:2]:
            raise ValueError(
                f"choice must have shape {tuple(self.logits.shape[:2])}; got {tuple(choice.shape)}"
            )
        self.mask.copy_(F.one_hot(choice.long(), len(self.spaces)).to(self.mask.dtype))
        self.coef.mul_(self.mask.unsqueeze(-1))
        self.pruned = True
        self.logits.requires_grad_(False)

    def choice(self) -> torch.Tensor:
        """The chosen space index per edge, (d_out, d_in)."""
        return (self.mask if self.pruned else self.alpha()).argmax(-1)

    def n_active_params(self) -> int:
        """Parameters an inference copy needs: each edge's chosen coefficients, its base weight, biases."""
        S = 1 if self.pruned else len(self.spaces)
        d_out, d_in = self.base.shape
        return d_out * d_in * (S * N_BASIS + 1) + d_out


class SKAN(nn.Module):
    """A stack of selectable KAN layers, widths ``[d_in, hidden..., d_out]``."""

    def __init__(self, widths: Sequence[int], spaces: Sequence[str] = SPACES) -> None:
        super().__init__()
        if len(widths) < 2:
            raise ValueError(f"widths must list at least input and output sizes; got {list(widths)}")
        self.layers = nn.ModuleList(
            SelectableKANLayer(a, b, spaces, squash=i > 0)
            for i, (a, b) in enumerate(zip(widths[:-1], widths[1:], strict=True))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return x

    def set_tau(self, tau: float) -> None:
        for layer in self.layers:
            layer.tau = tau

    def prune(self) -> None:
        for layer in self.layers:
            layer.prune()

    def n_active_params(self) -> int:
        return sum(layer.n_active_params() for layer in self.layers)

    def is_one_hot(self) -> bool:
        """Every edge of every layer uses exactly one space, with weight 1."""
        for layer in self.layers:
            a = layer.alpha()
            if not (layer.pruned and torch.all((a == 0) | (a == 1)) and torch.all(a.sum(-1) == 1)):
                return False
        return True


class MLP(nn.Module):
    """The comparator: a SiLU MLP ``[d_in, hidden, hidden, 1]``."""

    def __init__(self, d_in: int, hidden: int, depth: int = 2) -> None:
        super().__init__()
        sizes = [d_in] + [hidden] * depth + [1]
        self.net = nn.Sequential()
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            self.net.append(nn.Linear(a, b))
            if i < len(sizes) - 2:
                self.net.append(nn.SiLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def mlp_matching(d_in: int, n_params: int, depth: int = 2) -> MLP:
    """The MLP of ``depth`` hidden layers whose parameter count is closest to ``n_params``."""
    best = min(
        range(1, 200), key=lambda h: abs(sum(p.numel() for p in MLP(d_in, h, depth).parameters()) - n_params)
    )
    return MLP(d_in, best, depth)


# --- 3. the function-fitting tasks ---------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    name: str
    formula: str
    dim: int
    fn: Callable[[np.ndarray], np.ndarray]


TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        Task("bessel", "J₀(20x)", 1, lambda x: scipy.special.j0(20 * x[:, 0])),
        Task("exp_sin", "exp(sin(πx) + y²)", 2, lambda x: np.exp(np.sin(np.pi * x[:, 0]) + x[:, 1] ** 2)),
        Task(
            "waves",
            "sin(4πx) + cos(3πy)",
            2,
            lambda x: np.sin(4 * np.pi * x[:, 0]) + np.cos(3 * np.pi * x[:, 1]),
        ),
        Task("xy", "x·y", 2, lambda x: x[:, 0] * x[:, 1]),
        Task("kinks", "|x| − |y − 0.3|", 2, lambda x: np.abs(x[:, 0]) - np.abs(x[:, 1] - 0.3)),
        Task("cubic", "x³ − 2xy² + y", 2, lambda x: x[:, 0] ** 3 - 2 * x[:, 0] * x[:, 1] ** 2 + x[:, 1]),
        Task(
            "exp4",
            "exp(½[sin(π(x₁²+x₂²)) + sin(π(x₃²+x₄²))])",
            4,
            lambda x: np.exp(
                0.5
                * (
                    np.sin(np.pi * (x[:, 0] ** 2 + x[:, 1] ** 2))
                    + np.sin(np.pi * (x[:, 2] ** 2 + x[:, 3] ** 2))
                )
            ),
        ),
    )
}
FAST_TASKS = ("bessel", "exp_sin", "xy", "waves", "kinks")


def task_data(name: str, n_train: int = 1000, n_test: int = 1000, seed: int = 0):  # type: ignore[no-untyped-def]
    """x uniform on [-1, 1]^d, y = f(x) standardised with the training mean/std (as in KAN's toy tasks)."""
    if name not in TASKS:
        raise ValueError(f"task must be one of {list(TASKS)}; got {name!r}")
    t = TASKS[name]
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n_train + n_test, t.dim))
    y = t.fn(x)
    mu, sd = y[:n_train].mean(), y[:n_train].std()
    y = (y - mu) / sd
    to = lambda a: torch.tensor(a, dtype=torch.float32)  # noqa: E731
    return to(x[:n_train]), to(y[:n_train, None]), to(x[n_train:]), to(y[n_train:, None])


# --- 4. training: the three S-KAN stages and the comparators ----------------------------------------------


@dataclass
class FitResult:
    rmse: float
    n_params: int
    losses: list[float] = field(default_factory=list)
    stage_ends: list[int] = field(default_factory=list)
    one_hot: bool = True
    model: nn.Module | None = None


def _rmse(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return float(torch.sqrt(F.mse_loss(model(x), y)))


def _train(model: nn.Module, x, y, steps: int, lr: float, losses: list[float], on_step=None) -> None:  # type: ignore[no-untyped-def]
    """Full-batch Adam with a cosine learning-rate decay (the data sets are 1,000 points)."""
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(steps, 1), eta_min=lr * 0.05)
    for t in range(own_steps(steps)):
        if on_step is not None:
            on_step(t)
        loss = F.mse_loss(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())


def fit_skan(
    data,
    widths: Sequence[int],
    stages: tuple[int, int, int],
    lr: float = 1e-2,
    tau_end: float = 0.02,
    device: torch.device | str | None = None,
) -> tuple[SKAN, FitResult]:  # type: ignore[no-untyped-def]
    """The three stages: full training (τ = 1), selective training (τ: 1 → ``tau_end`` geometrically),
    pruning to argmax_s β_ij + fine-tuning. Returns the pruned model and its test RMSE. ``device``: where
    the model goes (the data must already be there)."""
    x, y, xt, yt = data
    model = SKAN(widths).to(device)
    res = FitResult(rmse=float("nan"), n_params=0)
    n1, n2, n3 = stages
    _train(model, x, y, n1, lr, res.losses)
    res.stage_ends.append(len(res.losses))
    _train(
        model, x, y, n2, lr, res.losses, on_step=lambda t: model.set_tau(tau_end ** ((t + 1) / max(n2, 1)))
    )
    res.stage_ends.append(len(res.losses))
    model.prune()
    _train(model, x, y, n3, lr, res.losses)
    res.stage_ends.append(len(res.losses))
    res.rmse, res.n_params = _rmse(model, xt, yt), model.n_active_params()
    res.one_hot, res.model = model.is_one_hot(), model
    return model, res


def fit_single(
    data,
    widths: Sequence[int],
    space: str,
    steps: int,
    lr: float = 1e-2,
    device: torch.device | str | None = None,
) -> tuple[SKAN, FitResult]:  # type: ignore[no-untyped-def]
    """A single-space KAN (pool of one) trained for ``steps`` (the S-KAN's total budget)."""
    x, y, xt, yt = data
    model = SKAN(widths, spaces=(space,)).to(device)
    res = FitResult(rmse=float("nan"), n_params=model.n_active_params())
    _train(model, x, y, steps, lr, res.losses)
    res.rmse = _rmse(model, xt, yt)
    return model, res


def fit_random_choice(
    data,
    widths: Sequence[int],
    steps: int,
    lr: float = 1e-2,
    seed: int = 0,
    device: torch.device | str | None = None,
) -> tuple[SKAN, FitResult]:  # type: ignore[no-untyped-def]
    """The mechanism ablated: every edge gets a uniformly random space (no selection), then trains."""
    x, y, xt, yt = data
    model = SKAN(widths).to(device)
    g = torch.Generator().manual_seed(seed)
    for layer in model.layers:
        layer.assign(torch.randint(len(SPACES), layer.logits.shape[:2], generator=g))
    res = FitResult(rmse=float("nan"), n_params=model.n_active_params())
    _train(model, x, y, steps, lr, res.losses)
    res.rmse = _rmse(model, xt, yt)
    return model, res


def fit_mlp(
    data,
    n_params: int,
    steps: int,
    lrs: Sequence[float] = (3e-3, 1e-2),
    device: torch.device | str | None = None,
) -> tuple[MLP, FitResult]:  # type: ignore[no-untyped-def]
    """The parameter-matched MLP, trained for ``steps`` at each of ``lrs``; the best *training* loss wins."""
    x, y, xt, yt = data
    best = None
    for lr in lrs:
        model = mlp_matching(x.shape[1], n_params).to(device)
        res = FitResult(rmse=float("nan"), n_params=sum(p.numel() for p in model.parameters()))
        _train(model, x, y, steps, lr, res.losses)
        if best is None or res.losses[-1] < best[1].losses[-1]:
            best = (model, res)
    model, res = best
    res.rmse = _rmse(model, xt, yt)
    return model, res


HIDDEN = 5


def widths_for(task: str, hidden: int = HIDDEN) -> list[int]:
    return [TASKS[task].dim, hidden, 1]


def benchmark(
    tasks: Sequence[str],
    stages: tuple[int, int, int] = (200, 200, 200),
    seed: int = 0,
    n_train: int = 1000,
    hidden: int = HIDDEN,
    progress=None,  # type: ignore[no-untyped-def]
    n_test: int = 1000,
    device: torch.device | str | None = None,
) -> dict[str, dict[str, FitResult]]:
    """Test RMSE of S-KAN, the five single-space KANs, a random-space KAN and the parameter-matched MLP
    on each task, every model trained for the same total number of full-batch steps (models and data on
    ``device``, default the CPU)."""
    out: dict[str, dict[str, FitResult]] = {}
    total = sum(stages)
    for task in tasks:
        data = task_data(task, n_train=n_train, n_test=n_test, seed=seed)
        if device is not None:
            data = tuple(t.to(device) for t in data)
        w = widths_for(task, hidden)
        torch.manual_seed(seed)
        _, sk = fit_skan(data, w, stages, device=device)
        row = {"S-KAN": sk}
        for s in SPACES:
            torch.manual_seed(seed)
            row[f"{s} KAN"] = fit_single(data, w, s, total, device=device)[1]
        torch.manual_seed(seed)
        row["random-space KAN"] = fit_random_choice(data, w, total, seed=seed, device=device)[1]
        torch.manual_seed(seed)
        row["MLP"] = fit_mlp(data, sk.n_params, total, device=device)[1]
        out[task] = row
        if progress is not None:
            progress(task)
    return out


# --- 5. S-ConvKAN (full mode, digits) ---------------------------------------------------------------------


class SConvKAN(nn.Module):
    """Selectable conv-KAN: each k×k patch pixel is an input edge of a selectable KAN layer
    (y_o(p) = Σ_{c,u} φ_{o,c,u}(x_c(p+u))), then 2×2 max-pool, then a selectable KAN classifier."""

    def __init__(
        self, channels: int = 4, kernel: int = 3, n_classes: int = 10, spaces: Sequence[str] = SPACES
    ) -> None:
        super().__init__()
        self.kernel = kernel
        self.conv = SelectableKANLayer(kernel * kernel, channels, spaces)
        self.head = SelectableKANLayer(channels * 16, n_classes, spaces, squash=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (n, 1, 8, 8) -> (n, 10)
        n = x.shape[0]
        patches = F.unfold(2 * x - 1, self.kernel, padding=self.kernel // 2)  # (n, k², 64)
        h = self.conv(patches.transpose(1, 2).reshape(-1, self.kernel**2))  # (n·64, channels)
        h = h.reshape(n, 8, 8, -1).permute(0, 3, 1, 2)  # (n, channels, 8, 8)
        h = F.max_pool2d(h, 2).flatten(1)  # (n, channels·16)
        return self.head(h)

    def set_tau(self, tau: float) -> None:
        self.conv.tau = self.head.tau = tau

    def prune(self) -> None:
        self.conv.prune()
        self.head.prune()


class SmallCNN(nn.Module):
    """The S-ConvKAN's comparator: conv 3×3 → SiLU → 2×2 max-pool → linear, ``channels`` wide."""

    def __init__(self, channels: int = 8) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, channels, 3, padding=1)
        self.head = nn.Linear(channels * 16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(F.max_pool2d(F.silu(self.conv(x)), 2).flatten(1))


def fit_digits(model: nn.Module, epochs: int, seed: int = 0, lr: float = 3e-3, stages: bool = False) -> float:
    """Train on the 8×8 digits (``digit_images``), minibatch Adam; return test accuracy. With
    ``stages`` the S-ConvKAN schedule: first third τ = 1, second third τ → 0.02, then prune + fine-tune."""
    from paperlab.data.bundled import digit_images

    x, y, xt, yt = digit_images(seed=seed)
    epochs = own_steps(epochs)  # under smoke 3 epochs: one per stage
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    third = max(epochs // 3, 1)
    for ep in range(epochs):
        if stages and ep == 2 * third:
            model.prune()
            opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
        if stages and third <= ep < 2 * third:
            model.set_tau(0.02 ** ((ep - third + 1) / third))
        for idx in torch.randperm(len(x), generator=g).split(64):
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    with torch.no_grad():
        return float((model(xt).argmax(1) == yt).float().mean())


# --- 6. diagram ------------------------------------------------------------------------------------------------


def _overview():  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    return SKAN([2, HIDDEN, 1]), (torch.rand(4, 2) * 2 - 1,), None


def _mechanism():  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    return SelectableKANLayer(2, HIDDEN), (torch.rand(4, 2) * 2 - 1,), None


_overview.trace_options = {"depth": 0}  # type: ignore[attr-defined]
_mechanism.trace_options = {"depth": 0}  # type: ignore[attr-defined]


def diagram_views() -> dict[str, Callable]:
    """overview: the [2, 5, 1] S-KAN; mechanism: one selectable layer (the pool, α = softmax(β/τ))."""
    return {"overview": _overview, "mechanism": _mechanism}


# --- 7. claim ---------------------------------------------------------------------------------------------------

FAST = {"tasks": ("bessel", "exp_sin", "waves"), "stages": (100, 100, 100), "n_train": 500}
FULL = {"tasks": tuple(TASKS), "stages": (500, 500, 500), "n_train": 1000}
WITHIN = 1.1  # "at least as good as the best single space", with 10 % slack


def claim_rows(bench: dict[str, dict[str, FitResult]]) -> dict[str, dict[str, float]]:
    """Per model: the fraction of tasks on which its test RMSE is within ``WITHIN`` × the best
    single-space KAN's (the best chosen per task, with hindsight); its geometric-mean RMSE relative
    to the parameter-matched MLP and to the random-space KAN; whether its edges are one-hot."""
    tasks = list(bench)
    models = list(bench[tasks[0]])
    rows = {}
    for m in models:
        near, ratio, vs_rand = [], [], []
        for t in tasks:
            best_single = min(bench[t][f"{s} KAN"].rmse for s in SPACES)
            near.append(bench[t][m].rmse <= WITHIN * best_single)
            ratio.append(math.log(bench[t][m].rmse / bench[t]["MLP"].rmse))
            vs_rand.append(math.log(bench[t][m].rmse / bench[t]["random-space KAN"].rmse))
        name = OURS if m == "S-KAN" else m
        rows[name] = {
            "near_best": float(np.mean(near)),
            "vs_mlp": float(math.exp(np.mean(ratio))),
            "vs_random": float(math.exp(np.mean(vs_rand))),
            "one_hot": float(all(bench[t][m].one_hot for t in tasks)),
        }
    return rows


CLAIM = Claim(
    slug="selectable_kan",
    statement=(
        "a KAN whose edges select their activation space from a pool fits each task as well as the best "
        "single-space KAN for that task, and better than an MLP with the same parameter count"
    ),
    clauses=(
        Clause(
            "near_best",
            f"fraction of tasks with test RMSE <= {WITHIN} x the best single-space KAN's (chosen with hindsight)",
            ">=",
            0.7,
        ),
        Clause("vs_mlp", "geometric-mean test RMSE / the parameter-matched MLP's", "<", 0.5),
        Clause(
            "vs_random",
            "geometric-mean test RMSE / the random-space KAN's (selection vs no selection)",
            "<",
            1.0,
            kind="reported",
        ),
        Clause(
            "one_hot", "after pruning every edge's selection weights are one-hot", ">=", 1.0, kind="sanity"
        ),
    ),
    reproduced=False,
)


def claim_experiment(seed: int) -> dict[str, dict[str, float]]:
    """The fast-mode benchmark (three tasks, 300 full-batch steps per model, 500 training points)."""
    return claim_rows(benchmark(FAST["tasks"], FAST["stages"], seed=seed, n_train=FAST["n_train"]))


# --- Reproduction target (issue 23): fixed before any run --------------------------------------
_ABSTRACT = "abstract of arXiv:2408.08338 (arxiv.org/abs/2408.08338; also arxiv.org/html/2408.08338v1)"
_NEG = " (−1 encodes the sign only: the table's RMSEs were not retrieved)"


def _skan_values() -> tuple[PaperValue, ...]:
    per_task = tuple(
        PaperValue(
            f"log RMSE ratio S-KAN / best single-space KAN, {t.name}",
            -1.0,
            f"{_ABSTRACT}: 'Our approach outperforms baseline methods in seven representative function fitting tasks'"
            + _NEG,
            True,
            "direction",
        )
        for t in TASKS.values()
    )
    mlp = PaperValue(
        "log RMSE ratio S-KAN / parameter-matched MLP, mean over the 7 tasks",
        -1.0,
        f"{_ABSTRACT}: 'significantly surpasses MLP methods with the same level of parameters'" + _NEG,
        True,
        "direction",
    )
    return (*per_task, mlp)


REPRO = ReproSpec(
    slug="selectable_kan",
    target="the function-fitting table (seven tasks): S-KAN vs single-activation-space KANs and a parameter-matched MLP",
    shows=(
        "Test RMSE of S-KAN (three-stage selection, pruned to one space per edge) against the five single-space KANs "
        "(B-spline, Chebyshev, RBF, Fourier, wavelet) and an MLP with the same parameter count, per function."
    ),
    metric="log(test RMSE of S-KAN / test RMSE of the comparator), standardised targets",
    paper_values=_skan_values(),
    data="seven closed-form functions on [-1, 1]^d (selectable_kan.TASKS), 1,000 uniform training and 1,000 test points",
    data_kind="synthetic",
    data_note=(
        "Function fitting uses generated data in the paper too, but its seven formulas were not retrieved: ours are "
        "KAN-paper toy functions (J0(20x), exp(sin(pi x) + y^2), x*y, exp of sines in 4-D) plus waves, kinks and a "
        "cubic, so the per-task rows need not be the paper's tasks."
    ),
    sizes={
        "tasks": tuple(TASKS),
        "widths": "[d, 5, 1]",
        "n_basis": N_BASIS,
        "spaces": SPACES,
        "stages": (500, 500, 500),
        "n_train": 1000,
        "n_test": 1000,
        "lr": 1e-2,
        "optimizer": "full-batch Adam, cosine decay",
    },
    seeds=(0, 1, 2),
    gpu_minutes=10.0,
    cpu_minutes=30.0,
    notes=(
        "The notebook's full mode (FULL: 7 tasks, 500 + 500 + 500 steps, 1,000 points); every comparator trains for "
        "the same 1,500 steps, the MLP at the better of two learning rates. 'Best single-space KAN' is chosen per "
        "task with hindsight (the strongest reading of 'outperforms baseline methods'). Direction rule: S-KAN must "
        "have the lower RMSE on every task (log ratio < 0), as the abstract states; no tolerance, since no paper "
        "RMSE was retrieved. About 70 s of CPU per task per seed (150 steps x 8 models take ~7 s); small full-batch "
        "models gain little from a GPU."
    ),
)


def reproduce(
    spec: ReproSpec, *, seed: int, data: str, device: torch.device, smoke: bool
) -> dict[str, float]:
    """One seed of REPRO's target; returns a value for every spec.paper_values key.

    :func:`benchmark` over ``spec.sizes['tasks']`` on ``device``; smoke: 64 points, 1 + 1 + 1 steps."""
    if data not in ("paper", "stand-in"):
        raise ValueError(f"data must be 'paper' or 'stand-in'; got {data!r}")
    s = dict(spec.sizes)
    stages = (1, 1, 1) if smoke else tuple(int(n) for n in s["stages"])
    n_train, n_test = (64, 64) if smoke else (int(s["n_train"]), int(s["n_test"]))
    bench = benchmark(tuple(s["tasks"]), stages, seed=seed, n_train=n_train, n_test=n_test, device=device)
    out: dict[str, float] = {}
    to_mlp = []
    for name, row in bench.items():
        t = TASKS[name]
        best = min(row[f"{sp} KAN"].rmse for sp in SPACES)
        out[f"log RMSE ratio S-KAN / best single-space KAN, {t.name}"] = math.log(row["S-KAN"].rmse / best)
        to_mlp.append(math.log(row["S-KAN"].rmse / row["MLP"].rmse))
        for model, res in row.items():  # diagnostics: every model's test RMSE
            out[f"test RMSE {model}, {name}"] = res.rmse
    out["log RMSE ratio S-KAN / parameter-matched MLP, mean over the 7 tasks"] = float(np.mean(to_mlp))
    return out

"""Adding Gradient Noise Improves Learning for Very Deep Networks (Neelakantan et al., 2015, arXiv 1511.06807).

At every step t the gradient gets fresh Gaussian noise with an annealed variance (paper Eq. 1):

    g_t ← g_t + N(0, σ_t²),   σ_t² = η / (1 + t)^γ,   γ = 0.55, η ∈ {0.01, 0.3, 1.0}.

The paper trains a 20-layer, 50-unit ReLU network on MNIST with plain SGD from its "simple
init" (weights N(0, 0.1²)), where training without noise stalls and with noise succeeds. Here the
same network and init on scikit-learn's 8×8 digits: with 64 inputs and 50 units, N(0, 0.1²) weights
shrink the signal about 2× per layer, so after 19 layers activations and weight gradients have
all but vanished (:func:`signal_profile`). "good" is He initialisation. "zero" (all-zero weights)
is kept only to show why it is *not* a fair test: every weight gradient is exactly zero, so without
noise only the output bias moves, and "noise helps" would only mean "noise breaks the symmetry".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from paperlab.claims import Claim, Clause
from paperlab.data.bundled import digits
from paperlab.reproduce import PaperValue, ReproSpec
from paperlab.train import batches, fit

INITS = ("zero", "simple", "good")

# --- 1. model ---------------------------------------------------------------------------------------


class DeepMLP(nn.Module):
    """``depth`` fully connected ReLU layers of ``width`` units (the last one is the linear readout)."""

    def __init__(
        self, d_in: int = 64, depth: int = 20, width: int = 50, n_out: int = 10, init: str = "zero"
    ) -> None:
        super().__init__()
        if depth < 2:
            raise ValueError(f"depth must be >= 2; got {depth}")
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}; got {init!r}")
        sizes = [d_in] + [width] * (depth - 1) + [n_out]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        for layer in self.layers:
            nn.init.zeros_(layer.bias)
            if init == "zero":
                nn.init.zeros_(layer.weight)
            elif init == "simple":
                nn.init.normal_(layer.weight, std=0.1)
            else:
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, d_in) -> (batch, n_out)
        for layer in self.layers[:-1]:
            x = F.relu(layer(x))
        return self.layers[-1](x)


# --- 2. the optimiser: SGD with annealed Gaussian gradient noise (paper Eq. 1) ------------------------


def noise_std(step: int | np.ndarray, eta: float, gamma: float = 0.55) -> float | np.ndarray:
    """σ_t = sqrt(η / (1 + t)^γ)."""
    return np.sqrt(eta / (1.0 + np.asarray(step, dtype=float)) ** gamma)


class NoisySGD(torch.optim.SGD):
    """Plain SGD that adds N(0, σ_t²) to every gradient entry before the update, σ_t² = η/(1+t)^γ."""

    def __init__(
        self, params: Iterable[torch.Tensor], lr: float, eta: float, gamma: float = 0.55, seed: int = 0
    ) -> None:
        if eta < 0:
            raise ValueError(f"eta must be >= 0; got {eta}")
        if gamma < 0:
            raise ValueError(f"gamma must be >= 0; got {gamma}")
        super().__init__(params, lr=lr)
        self.eta, self.gamma, self.t = eta, gamma, 0
        self._gen = torch.Generator().manual_seed(seed + 31337)

    @torch.no_grad()
    def step(self, closure=None):  # noqa: ANN001, ANN201  (torch's signature)
        if self.eta > 0:
            std = float(noise_std(self.t, self.eta, self.gamma))
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        p.grad = torch.zeros_like(p)
                    p.grad.add_(torch.randn(p.shape, generator=self._gen, dtype=p.dtype) * std)
        self.t += 1
        return super().step(closure)


# --- 3. experiments ---------------------------------------------------------------------------------


@dataclass
class NoiseRun:
    """Training loss curve and final test accuracy of one (init, η, seed) run."""

    eta: float
    seed: int
    init: str
    loss: list[float]
    test_acc: float
    weight_std: list[float]  # per layer, after training
    model: DeepMLP | None = None  # the trained network


def noise_displacement_std(steps: int, lr: float, eta: float, gamma: float = 0.55) -> float:
    """Std of the total displacement the noise alone gives a weight over ``steps`` SGD steps:
    lr·sqrt(Σ_t σ_t²) (the steps' noises are independent)."""
    if steps < 1:
        raise ValueError(f"steps must be >= 1; got {steps}")
    return float(lr * np.sqrt(np.sum(noise_std(np.arange(steps), eta, gamma) ** 2)))


def train(
    *,
    eta: float,
    init: str = "simple",
    seed: int = 0,
    steps: int = 1500,
    lr: float = 0.05,
    batch_size: int = 64,
    depth: int = 20,
    width: int = 50,
    gamma: float = 0.55,
    grad_clip: float | None = 10.0,
    kick_std: float = 0.0,
) -> NoiseRun:
    """Train the deep MLP on digits with SGD (``eta=0``: no noise) and report the test accuracy.

    ``kick_std > 0`` (a negative control) adds N(0, kick_std²) to every parameter once, before training:
    the same total random displacement as the noise, but all at the start instead of interleaved with
    the gradient steps.
    """
    torch.set_flush_denormal(True)  # zero-init nets produce denormals that slow the CPU 4–7×
    x_tr, x_te, y_tr, y_te = digits(seed=seed)
    torch.manual_seed(seed)
    model = DeepMLP(depth=depth, width=width, init=init)
    if kick_std > 0:
        gen = torch.Generator().manual_seed(seed + 4242)
        with torch.no_grad():
            for prm in model.parameters():
                prm.add_(torch.randn(prm.shape, generator=gen) * kick_std)
    opt = NoisySGD(model.parameters(), lr=lr, eta=eta, gamma=gamma, seed=seed)
    hist = fit(
        model,
        lambda m, b: F.cross_entropy(m(b[0]), b[1]),
        batches(x_tr, y_tr, batch_size=batch_size, seed=seed),
        steps=steps,
        optimizer=opt,
        grad_clip=grad_clip,
        desc=f"eta={eta}",
    )
    with torch.no_grad():
        acc = (model(x_te).argmax(-1) == y_te).float().mean().item()
        wstd = [float(layer.weight.std()) for layer in model.layers]
    return NoiseRun(eta, seed, init, hist["loss"], acc, wstd, model)


@torch.no_grad()
def _activations(model: DeepMLP, x: torch.Tensor) -> list[torch.Tensor]:
    out = []
    for layer in model.layers[:-1]:
        x = F.relu(layer(x))
        out.append(x)
    return out


def signal_profile(model: DeepMLP, x: torch.Tensor, y: torch.Tensor) -> dict[str, np.ndarray]:
    """Per hidden layer: the std of its activations, the fraction of its units that are zero on every
    example of ``x`` (dead), and the norm of its weight gradient, at ``model``'s current weights."""
    acts = _activations(model, x)
    model.zero_grad()
    F.cross_entropy(model(x), y).backward()
    grads = [float(layer.weight.grad.norm()) for layer in model.layers]
    model.zero_grad()
    return {
        "act_std": np.array([float(a.std()) for a in acts]),
        "dead": np.array([float((a.amax(0) == 0).float().mean()) for a in acts]),
        "grad_norm": np.array(grads),
    }


def smooth(values: list[float], window: int = 50) -> np.ndarray:
    """Moving average for plotting noisy per-step losses."""
    if window < 1:
        raise ValueError(f"window must be >= 1; got {window}")
    v = np.asarray(values, dtype=float)
    k = min(window, len(v))
    return np.convolve(v, np.ones(k) / k, mode="valid")


# --- 4. the claim -----------------------------------------------------------------------------------

CLAIM = Claim(
    slug="gradient_noise_deep_nets",
    statement=(
        "from the paper's simple init N(0, 0.1²), annealed gradient noise (η = 0.3, γ = 0.55) lets plain SGD "
        "train a 20-layer ReLU net that SGD without noise cannot (same steps, clipping at 10)"
    ),
    clauses=(
        Clause(
            "final_loss",
            "training loss, mean of the last 50 steps (chance: ln 10 = 2.30)",
            "<=",
            1.0,
            kind="sanity",
        ),
        Clause("test_acc", "test accuracy on the held-out digits (chance 0.10)", ">=", 0.7),
        Clause(
            "gain_over_kick",
            "test accuracy minus that of the same total noise given as one kick at t = 0, then plain SGD",
            ">=",
            0.0,
            kind="reported",
        ),
    ),
)

CLAIM_STEPS = 1500


def claim_rows(runs: dict[str, NoiseRun], kick: NoiseRun) -> dict[str, dict[str, float]]:
    """Claim rows from runs keyed ``"ours"`` and one key per control; ``kick`` is the one-kick run."""
    return {
        name: {
            "final_loss": float(np.mean(r.loss[-50:])),
            "test_acc": r.test_acc,
            "gain_over_kick": r.test_acc - kick.test_acc,
        }
        for name, r in runs.items()
    }


def kick_run(seed: int, steps: int = CLAIM_STEPS, lr: float = 0.05, eta: float = 0.3) -> NoiseRun:
    """Plain SGD after one random kick with the noise's total displacement (:func:`noise_displacement_std`)."""
    return train(eta=0.0, seed=seed, steps=steps, lr=lr, kick_std=noise_displacement_std(steps, lr, eta))


def claim_runs(seed: int, steps: int = CLAIM_STEPS) -> dict[str, NoiseRun]:
    """Ours (η = 0.3) and the controls, all from the simple init with clipping 10 and ``steps`` steps:
    no noise at lr 0.05, and no noise at lr 0.5 (10×: is the noise just a bigger step?)."""
    return {
        "ours": train(eta=0.3, seed=seed, steps=steps),
        "no noise": train(eta=0.0, seed=seed, steps=steps),
        "no noise, lr ×10": train(eta=0.0, seed=seed, steps=steps, lr=0.5),
    }


def claim_experiment(seed: int) -> dict[str, dict[str, float]]:
    """Fast mode: the three runs of :func:`claim_runs` and the one-kick run, for one seed."""
    return claim_rows(claim_runs(seed), kick_run(seed))


# --- 5. diagram -------------------------------------------------------------------------------------


def diagram_example() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
    """The 20-layer, 50-unit ReLU network (He init so the diagram shows a live network)."""
    torch.manual_seed(0)
    return DeepMLP(init="good"), (torch.randn(2, 64),), ["b d"]


class NoisyUpdate(nn.Module):
    """One step of :class:`NoisySGD` on one weight, as drawn (paper Eq. 1): W ← W − lr·(g + σ_t ε), ε ~ N(0, I),
    σ_t = √(η / (1 + t)^γ); the noise ε is an input so that the diagram shows where it enters (parameter-free)."""

    def __init__(self, lr: float, eta: float, gamma: float = 0.55, step: int = 0) -> None:
        super().__init__()
        self.lr, self.std = lr, float(noise_std(step, eta, gamma))

    def forward(self, w: torch.Tensor, grad: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        return w - self.lr * (grad + eps * self.std)


def diagram_views() -> dict[str, Any]:
    """The overview (the 20-layer ReLU MLP, repeated layers rolled) and the mechanism: the annealed gradient-noise
    update of one weight matrix (paper Eq. 1), drawn at step t = 100 with lr = 0.05, η = 0.3, γ = 0.55."""

    def overview() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
        return diagram_example()

    overview.trace_options = {"depth": 0}

    def mechanism() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
        g = torch.Generator().manual_seed(0)
        w, grad, eps = (torch.randn(50, 50, generator=g) for _ in range(3))
        return NoisyUpdate(lr=0.05, eta=0.3, gamma=0.55, step=100), (w, grad, eps), ["o i"] * 3

    return {"overview": overview, "mechanism": mechanism}


# --- Reproduction target (issue 23): fixed before any run --------------------------------------
_ABSTRACT = "abstract of arXiv:1511.06807 (arxiv.org/abs/1511.06807)"

REPRO = ReproSpec(
    slug="gradient_noise_deep_nets",
    target="Sec. 4.1, the MNIST table of the 20-layer, 50-unit ReLU network (test accuracy with and without gradient noise, simple and good init; values not retrieved)",
    shows=(
        "Test accuracy and training loss of a 20-layer fully connected ReLU network trained by plain SGD from the "
        "'simple init' N(0, 0.1^2), with annealed Gaussian gradient noise and without."
    ),
    metric="test accuracy difference (fraction); final training-loss difference (nats)",
    paper_values=(
        PaperValue(
            "test accuracy, noise (eta 0.3) minus no noise, simple init",
            1.0,
            f"{_ABSTRACT}: 'This method alone allows a fully-connected 20-layer deep network to be trained with standard "
            "gradient descent, even starting from a poor initialization' (+1 encodes the sign only)",
            True,
            "direction",
        ),
        PaperValue(
            "final training loss, noise (eta 0.3) minus no noise, simple init",
            -1.0,
            f"{_ABSTRACT}: 'The technique not only helps to avoid overfitting, but also can result in lower training "
            "loss' (-1 encodes the sign only)",
            True,
            "direction",
        ),
    ),
    data="scikit-learn's bundled 8x8 digits (1,797 images)",
    data_kind="stand-in",
    data_note=(
        "The paper trains on MNIST (a download); the bundled 8x8 digits are the offline substitute: 64 inputs instead "
        "of 784, so N(0, 0.1^2) weights shrink the signal about 2x per layer here as well (signal_profile)."
    ),
    sizes={
        "depth": 20,
        "width": 50,
        "init": "simple, N(0, 0.1^2)",
        "optimizer": "SGD",
        "lr": 0.05,
        "batch": 64,
        "steps": 5000,
        "eta": 0.3,
        "gamma": 0.55,
        "grad_clip": 10.0,
    },
    seeds=(0, 1, 2),
    gpu_minutes=4.0,
    cpu_minutes=10.0,
    notes=(
        "The paper's network, init and noise schedule (sigma_t^2 = eta / (1 + t)^gamma, gamma = 0.55); the notebook's "
        "full-mode 5,000 steps. Signs only (Table values not retrieved). The fast ledger has 0.93-0.95 with noise "
        "against 0.10 without, so the direction is expected; the spec keeps the loss value as the paper's second claim."
    ),
)

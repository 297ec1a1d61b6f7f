"""Adding Gradient Noise Improves Learning for Very Deep Networks (Neelakantan et al., 2015, arXiv 1511.06807).

At every step t the gradient gets fresh Gaussian noise with an annealed variance (paper Eq. 1):

    g_t ← g_t + N(0, σ_t²),   σ_t² = η / (1 + t)^γ,   γ = 0.55, η ∈ {0.01, 0.3, 1.0}.

The paper's §4.1 trains a 20-layer, 50-unit ReLU network with plain SGD from poor
initialisations, where training without noise stalls and with noise succeeds. Here
the poor initialisation is all-zero weights (every ReLU is dead and the gradient of every
weight is exactly zero: without noise only the output bias can move), or "simple"
N(0, 0.1²) weights, which shrink the signal by ~4× per layer; "good" is He initialisation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from paperlab.data.bundled import digits
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


def train(
    *,
    eta: float,
    init: str = "zero",
    seed: int = 0,
    steps: int = 1500,
    lr: float = 0.05,
    batch_size: int = 64,
    depth: int = 20,
    width: int = 50,
    gamma: float = 0.55,
    grad_clip: float | None = None,
) -> NoiseRun:
    """Train the deep MLP on digits with SGD (``eta=0``: no noise) and report the test accuracy."""
    torch.set_flush_denormal(True)  # zero-init nets produce denormals that slow the CPU 4–7×
    x_tr, x_te, y_tr, y_te = digits(seed=seed)
    torch.manual_seed(seed)
    model = DeepMLP(depth=depth, width=width, init=init)
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
    return NoiseRun(eta, seed, init, hist["loss"], acc)


def smooth(values: list[float], window: int = 50) -> np.ndarray:
    """Moving average for plotting noisy per-step losses."""
    if window < 1:
        raise ValueError(f"window must be >= 1; got {window}")
    v = np.asarray(values, dtype=float)
    k = min(window, len(v))
    return np.convolve(v, np.ones(k) / k, mode="valid")


# --- 4. diagram -------------------------------------------------------------------------------------


def diagram_example() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
    """The 20-layer, 50-unit ReLU network (He init so the diagram shows a live network)."""
    torch.manual_seed(0)
    return DeepMLP(init="good"), (torch.randn(2, 64),), ["b d"]

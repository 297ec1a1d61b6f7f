"""The Principles of Deep Learning Theory (Roberts, Yaida & Hanin, 2022, arXiv 2106.10165).

Deep MLPs at initialisation, studied as an ensemble. Weights W⁽ˡ⁾ ~ N(0, C_W/n), biases ~ N(0, C_b);
the preactivation z⁽ˡ⁺¹⁾ = b⁽ˡ⁺¹⁾ + W⁽ˡ⁺¹⁾ σ(z⁽ˡ⁾). The book's effective theory says:

* at infinite width z⁽ˡ⁾ is Gaussian with a kernel that flows by K⁽ˡ⁺¹⁾ = C_b + C_W⟨σ²⟩_{K⁽ˡ⁾}
  (PDLT ch. 4, :func:`paperlab.theory.rg.kernel_flow`); it explodes or vanishes exponentially with depth
  unless the initialisation is *critical* (χ∥ = χ⊥ = 1: ReLU C_W = 2, C_b = 0; tanh C_W = 1, C_b = 0);
* at finite width the distribution is nearly Gaussian with corrections set by depth/width; the leading
  one is the four-point vertex (ch. 4), giving an excess kurtosis ≈ 15 (L−1)/n for critical ReLU.

This module builds the random MLPs and samples the ensemble; the theory lives in :mod:`paperlab.theory.rg`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from paperlab.theory.kernels import check_activation

_TORCH_ACT = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "erf": torch.erf,
    "linear": lambda z: z,
    "sin": torch.sin,
}


def _act(activation: str):
    check_activation(activation)
    if activation not in _TORCH_ACT:
        raise ValueError(f"activation must be one of {', '.join(map(repr, _TORCH_ACT))}; got {activation!r}")
    return _TORCH_ACT[activation]


# 1. the model ---------------------------------------------------------------------------------------------


class RandomMLP(nn.Module):
    """An MLP initialised as in PDLT §2.3: W ~ N(0, C_W / fan_in), b ~ N(0, C_b); scalar output.

    ``depth`` hidden layers of ``width`` neurons; ``forward`` returns the output preactivation (batch,)
    and, with ``return_all=True``, the list of every layer's preactivations.
    """

    def __init__(
        self,
        n_in: int,
        width: int,
        depth: int,
        activation: str = "relu",
        *,
        weight_var: float = 2.0,
        bias_var: float = 0.0,
    ) -> None:
        super().__init__()
        self.act = _act(activation)
        self.activation = activation
        sizes = [n_in] + [width] * depth + [1]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        with torch.no_grad():
            for layer in self.layers:
                layer.weight.normal_(0.0, math.sqrt(weight_var / layer.in_features))
                layer.bias.normal_(0.0, math.sqrt(bias_var))

    def forward(self, x: torch.Tensor, return_all: bool = False):
        zs = [self.layers[0](x)]  # (batch, width)
        for layer in self.layers[1:]:
            zs.append(layer(self.act(zs[-1])))
        out = zs[-1][:, 0]  # (batch,)
        return (out, zs) if return_all else out


# 2. sampling the ensemble -----------------------------------------------------------------------------------


@dataclass
class Ensemble:
    """Statistics of ``nets`` random networks on one input.

    ``k_layers`` (depth + 1,): mean of z² per layer (the Monte Carlo kernel); ``outputs`` (nets,):
    one output preactivation per network.
    """

    k_layers: np.ndarray
    outputs: np.ndarray


def sample_ensemble(
    activation: str,
    *,
    weight_var: float,
    bias_var: float,
    k0: float,
    depth: int,
    width: int,
    nets: int,
    seed: int = 0,
    method: str = "weights",
    chunk: int = 500,
) -> Ensemble:
    """Sample ``nets`` random MLPs on one input whose first-layer kernel is ``k0``.

    ``method="weights"`` draws every weight matrix (nets, width, width) explicitly. ``method="chain"`` uses
    that, for one input, z⁽ˡ⁺¹⁾ given z⁽ˡ⁾ is exactly N(0, C_b + C_W |σ(z⁽ˡ⁾)|²/n) per neuron (each row of W
    is an independent Gaussian vector), which samples the same distribution in O(nets · width · depth).
    Layer 1 is exactly Gaussian, z⁽¹⁾ ~ N(0, k0). The output layer has ``width`` neurons, like the others.
    """
    act = _act(activation)
    if method not in ("weights", "chain"):
        raise ValueError(f"method must be 'weights' or 'chain'; got {method!r}")
    for name, val in (("depth", depth), ("width", width), ("nets", nets)):
        if not isinstance(val, int) or val < (0 if name == "depth" else 1):
            raise ValueError(
                f"{name} must be a {'non-negative' if name == 'depth' else 'positive'} int; got {val!r}"
            )
    gen = torch.Generator().manual_seed(seed)
    k_sum = np.zeros(depth + 1)
    outs = []
    for start in range(0, nets, chunk):
        m = min(chunk, nets - start)
        z = math.sqrt(k0) * torch.randn(m, width, generator=gen, dtype=torch.float64)  # (nets, width)
        k_sum[0] += (z**2).mean(1).sum().item()
        for ell in range(depth):
            h = act(z)
            if method == "chain":
                var = bias_var + weight_var * (h**2).mean(1, keepdim=True)  # (nets, 1)
                z = var.sqrt() * torch.randn(m, width, generator=gen, dtype=torch.float64)
            else:
                w = torch.randn(m, width, width, generator=gen, dtype=torch.float64) * math.sqrt(
                    weight_var / width
                )
                b = torch.randn(m, width, generator=gen, dtype=torch.float64) * math.sqrt(bias_var)
                z = torch.einsum("nij,nj->ni", w, h) + b
            k_sum[ell + 1] += (z**2).mean(1).sum().item()
        outs.append(z[:, 0].numpy())
    return Ensemble(k_layers=k_sum / nets, outputs=np.concatenate(outs))


def relu_kurtosis_exact(depth: int, width: int) -> float:
    """Exact excess kurtosis of a critical-ReLU preactivation after ``depth`` hidden layers: 3((1 + 5/n)^L − 1).

    For one input, |σ(z)|²/n is a scaled χ² average, and E[z⁴]/E[z²]² picks up a factor
    (2/n)²(n⟨relu⁴⟩ + n(n−1)⟨relu²⟩²)/1 = 1 + 5/n per layer; its leading order 15 L/n is the book's
    four-point vertex result (V = 5 L K²).
    """
    return 3.0 * ((1.0 + 5.0 / width) ** depth - 1.0)


def two_input_flow(activation: str, *, weight_var: float, bias_var: float, depth: int, cos0: float = 0.5):
    """Kernel K_aa and correlation ρ⁽ˡ⁾ = K_ab/K_aa of two unit-norm inputs at angle arccos(cos0), per depth.

    Uses the NNGP recursion of :func:`paperlab.theory.kernels.nngp_kernel` at every depth 0…``depth``
    (depth 0 = the first layer's preactivations). Returns ``(k_aa, rho)`` arrays of length depth + 1.
    """
    from paperlab.theory.kernels import nngp_kernel

    x = np.array([[1.0, 0.0], [cos0, math.sqrt(1 - cos0**2)]]) * math.sqrt(2)  # |x|²/d = 1
    k_aa, rho = [], []
    for ell in range(depth + 1):
        k = nngp_kernel(x, depth=ell, activation=activation, weight_var=weight_var, bias_var=bias_var)
        k_aa.append(k[0, 0])
        rho.append(k[0, 1] / math.sqrt(k[0, 0] * k[1, 1]))
    return np.array(k_aa), np.array(rho)


# 3. diagram ------------------------------------------------------------------------------------------------


def diagram_example() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
    """A critical ReLU MLP (depth 3, width 16) on a batch of two 8-dimensional inputs."""
    torch.manual_seed(0)
    return RandomMLP(8, 16, 3, "relu", weight_var=2.0, bias_var=0.0), (torch.randn(2, 8),), ["b d"]

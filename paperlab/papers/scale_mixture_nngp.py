"""Scale Mixtures of Neural Network Gaussian Processes (Lee, Yun, Yang, Lee, ICLR 2022, arXiv 2107.01408).

A wide network whose last layer has a *random* variance σ² is, in the infinite-width limit, a
scale mixture of its NNGP: f | σ² ~ GP(0, σ²K) (paper Theorem 3.1). With σ² ~ InvGamma(α, β)
the mixture is a Student-t process with ν = 2α, whose posterior stays in closed form
(ν' = 2α + n, scale inflated by (2β + yᵀA⁻¹y)/(2α + n); :mod:`paperlab.theory.scale_mixture`).
Heavy tails make the predictive adapt its scale to the data and widen away from it, which is
the paper's robustness argument for out-of-distribution inputs.

This module: the finite-width network with a random last-layer scale (:class:`ScaleMixtureMLP`),
a sampler of many such networks at one input (the KS check of Theorem 3.1), and the regression
experiments (1-D toy data, and sklearn's diabetes with a covariate-shift split), all on the deep
ReLU NNGP kernel of :func:`paperlab.theory.kernels.nngp_kernel`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from threadpoolctl import threadpool_limits
from torch import nn

from paperlab.theory import scale_mixture as sm
from paperlab.theory.kernels import nngp_kernel
from paperlab.train import progress

KERNEL = {"depth": 3, "activation": "relu", "weight_var": 2.0, "bias_var": 0.1}


# 1. model ------------------------------------------------------------------------------------------
class ScaleMixtureMLP(nn.Module):
    """``depth × (Dense → ReLU) → Dense`` in the NTK parameterisation, last layer scaled by σ.

    Weights ~ N(0, 1) and a Dense computes sqrt(weight_var / fan_in)·W x + sqrt(bias_var)·b, as in
    neural-tangents. The last Dense is multiplied by ``sigma`` (one draw of √σ², σ² ~ IG(α, β)),
    so at infinite width f | σ² ~ GP(0, σ² K) with K the NNGP kernel (paper eq. 6-7).
    """

    def __init__(
        self,
        d_in: int,
        width: int,
        depth: int,
        *,
        weight_var: float = 2.0,
        bias_var: float = 0.1,
        alpha: float = 2.0,
        beta: float = 2.0,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if width < 1 or depth < 1:
            raise ValueError(f"width and depth must be >= 1; got width={width}, depth={depth}")
        g = torch.Generator().manual_seed(seed)
        sizes = [d_in] + [width] * depth + [1]
        self.weights = nn.ParameterList(
            nn.Parameter(torch.randn(b, a, generator=g, dtype=torch.float64))
            for a, b in zip(sizes[:-1], sizes[1:], strict=True)
        )
        self.biases = nn.ParameterList(
            nn.Parameter(torch.randn(b, generator=g, dtype=torch.float64)) for b in sizes[1:]
        )
        gamma = torch.distributions.Gamma(torch.tensor(float(alpha)), torch.tensor(float(beta)))
        torch.manual_seed(seed)  # the scale draw: σ² = 1 / Gamma(α, rate β)
        self.register_buffer("sigma", (1.0 / gamma.sample()).sqrt().to(torch.float64))
        self.weight_var, self.bias_var = weight_var, bias_var

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x.to(torch.float64)
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            h = math.sqrt(self.weight_var / w.shape[1]) * h @ w.T + math.sqrt(self.bias_var) * b
            h = self.sigma * h if i == last else torch.relu(h)
        return h[..., 0]  # (B,)


# 2. data -------------------------------------------------------------------------------------------
def toy_data(n: int, lo: float, hi: float, *, amplitude: float = 3.0, noise: float = 0.3, seed: int = 0):
    """1-D regression: y = amplitude·sin(x) + noise, x ~ U(lo, hi); inputs carry a constant feature (n, 2)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(lo, hi, n)
    return np.stack([x, np.ones(n)], 1), amplitude * np.sin(x) + noise * rng.standard_normal(n)


def diabetes_shift_split(quantile: float = 0.85):
    """sklearn diabetes, test = the patients above the BMI ``quantile`` (a covariate shift); standardised on train."""
    from sklearn.datasets import load_diabetes

    x, y = load_diabetes(return_X_y=True)
    bmi = x[:, 2]
    tr = bmi <= np.quantile(bmi, quantile)
    mu, sd = x[tr].mean(0), x[tr].std(0)
    ym, ys = y[tr].mean(), y[tr].std()
    x, y = (x - mu) / sd, (y - ym) / ys
    return x[tr], y[tr], x[~tr], y[~tr]


def add_outliers(
    y: np.ndarray, *, fraction: float = 0.1, size: tuple[float, float] = (5.0, 10.0), seed: int = 0
) -> np.ndarray:
    """Shift a ``fraction`` of targets by ±U(size) (label corruption)."""
    rng = np.random.default_rng(seed)
    out = y.copy()
    idx = rng.choice(len(y), max(1, int(fraction * len(y))), replace=False)
    out[idx] += rng.choice([-1.0, 1.0], len(idx)) * rng.uniform(*size, len(idx))
    return out


# 3. experiments ------------------------------------------------------------------------------------
@torch.no_grad()
def sample_outputs(
    x: np.ndarray,
    *,
    width: int = 2048,
    n_draws: int = 20_000,
    alpha: float = 2.0,
    beta: float = 2.0,
    weight_var: float = 2.0,
    bias_var: float = 0.1,
    chunk: int = 500,
    seed: int = 0,
) -> np.ndarray:
    """Outputs f(x) of ``n_draws`` independent one-hidden-layer networks of ``width`` with σ² ~ IG(α, β).

    Every draw samples all weights (W1: width × d, b1, v, b2) and σ², so it is literally a new
    :class:`ScaleMixtureMLP` (depth 1), batched for speed. Returns shape (n_draws,).
    """
    xt = torch.as_tensor(np.asarray(x, dtype=np.float32)).reshape(-1)
    d = len(xt)
    g = torch.Generator().manual_seed(seed)
    gamma = torch.distributions.Gamma(torch.tensor(float(alpha)), torch.tensor(float(beta)))
    torch.manual_seed(seed)
    out = []
    for start in progress(range(0, n_draws, chunk), desc="random networks"):
        m = min(chunk, n_draws - start)
        w1 = torch.randn(m, width, d, generator=g)
        b1 = torch.randn(m, width, generator=g)
        h = torch.relu(math.sqrt(weight_var / d) * w1 @ xt + math.sqrt(bias_var) * b1)  # (m, width)
        v = torch.randn(m, width, generator=g)
        b2 = torch.randn(m, generator=g, dtype=torch.float64)
        sigma = (1.0 / gamma.sample((m,))).sqrt().to(torch.float64)
        out.append(
            sigma
            * (
                math.sqrt(weight_var / width) * (h * v).sum(-1, dtype=torch.float64)
                + math.sqrt(bias_var) * b2
            )
        )
    return torch.cat(out).numpy()


@dataclass
class RegressionResult:
    """Test NLLs of the three models, their predictives, and the chosen noise levels."""

    nll: dict[str, float]
    predictive: dict[str, sm.Predictive]
    noise: dict[str, float]


def fit_and_score(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    *,
    alpha: float = 2.0,
    beta: float = 2.0,
    kernel: dict | None = None,
) -> RegressionResult:
    """NNGP (σ² = 1), NNGP with σ² fitted by maximum likelihood, and the IG(α, β) Student-t process.

    Each model picks its noise s² on a grid by its own evidence (ML-II); for the ML scale,
    σ̂² = yᵀA⁻¹y / n in closed form.
    """
    with threadpool_limits(limits=1, user_api="blas"):  # small matrices: threads only contend
        return _fit_and_score(x_train, y_train, x_test, y_test, alpha, beta, {**KERNEL, **(kernel or {})})


def _fit_and_score(x_train, y_train, x_test, y_test, alpha, beta, kw) -> RegressionResult:  # noqa: ANN001
    k = nngp_kernel(x_train, **kw)
    kx = nngp_kernel(x_train, x_test, **kw)
    kd = np.diag(nngp_kernel(x_test, **kw))
    grid = np.geomspace(1e-3, 10.0, 25)

    def ml_scale(s: float) -> float:
        return float(y_train @ np.linalg.solve(k + s * np.eye(len(k)), y_train)) / len(y_train)

    noise = {
        "NNGP": max(grid, key=lambda s: sm.gp_log_marginal(k, y_train, noise=s)),
        "NNGP, fitted scale": max(
            grid, key=lambda s: sm.gp_log_marginal(k, y_train, noise=s, scale=ml_scale(s))
        ),
        "t-process": max(grid, key=lambda s: sm.tp_log_marginal(k, y_train, noise=s, alpha=alpha, beta=beta)),
    }
    pred = {
        "NNGP": sm.gp_predict(k, kx, kd, y_train, noise=noise["NNGP"]),
        "NNGP, fitted scale": sm.gp_predict(
            k, kx, kd, y_train, noise=noise["NNGP, fitted scale"], scale=ml_scale(noise["NNGP, fitted scale"])
        ),
        "t-process": sm.tp_predict(k, kx, kd, y_train, noise=noise["t-process"], alpha=alpha, beta=beta),
    }
    return RegressionResult(
        {name: sm.nll(p, y_test) for name, p in pred.items()},
        pred,
        {name: float(s) for name, s in noise.items()},
    )


# 4. diagram ----------------------------------------------------------------------------------------
def diagram_example() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
    """A depth-2, width-16 network with a random last-layer scale, on 3 two-dimensional inputs."""
    net = ScaleMixtureMLP(2, 16, 2, seed=0)
    return net, (torch.randn(3, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0)),), ["b d"]

"""RG flow of PDLT against closed forms, finite differences and Monte Carlo over random networks."""

import math

import numpy as np
import pytest
import torch
from scipy import stats

from paperlab.theory.kernels import nngp_kernel
from paperlab.theory.rg import (
    chi_parallel,
    chi_perp,
    critical_point,
    excess_kurtosis,
    four_point_vertex,
    kernel_flow,
    power_law_kernel,
)

_TORCH = {"relu": torch.relu, "tanh": torch.tanh, "erf": torch.erf}


def _sample_outputs(act, wv, bv, k0, depth, width, nets, seed):
    """Output preactivations of ``nets`` random MLPs on one input.

    For one input the next layer given the previous one is exactly Gaussian,
    z⁽ˡ⁺¹⁾ | z⁽ˡ⁾ ~ N(0, (C_b + C_W |σ(z⁽ˡ⁾)|²/n) I), because each row of W is an independent
    Gaussian vector; sampling that chain is sampling the network ensemble.
    """
    gen = torch.Generator().manual_seed(seed)
    z = math.sqrt(k0) * torch.randn(nets, width, generator=gen, dtype=torch.float64)
    for _ in range(depth):
        var = bv + wv * (_TORCH[act](z) ** 2).mean(1, keepdim=True)  # (nets, 1)
        z = var.sqrt() * torch.randn(nets, width, generator=gen, dtype=torch.float64)
    return z


def test_relu_flow_closed_forms():
    k = kernel_flow("relu", weight_var=2.0, bias_var=0.0, k0=1.7, depth=30)
    assert k.shape == (31,) and np.allclose(k, 1.7, rtol=1e-13)
    k = kernel_flow("relu", weight_var=1.5, bias_var=0.0, k0=1.0, depth=10)
    assert np.allclose(k, 0.75 ** np.arange(11), rtol=1e-13)


def test_flow_matches_nngp_diagonal():
    x = np.full((1, 4), 1.0)  # |x|²/d = 1
    for act in ("tanh", "erf", "relu"):
        wv, bv, depth = 1.3, 0.2, 5
        k = kernel_flow(act, weight_var=wv, bias_var=bv, k0=wv * 1.0 + bv, depth=depth)
        assert nngp_kernel(x, depth=depth, activation=act, weight_var=wv, bias_var=bv)[0, 0] == pytest.approx(
            k[-1], rel=1e-9
        )


def test_susceptibilities_are_derivatives_of_the_flow():
    for act in ("tanh", "erf", "relu"):
        wv, bv, k, h = 1.4, 0.1, 0.8, 1e-5
        step = [kernel_flow(act, weight_var=wv, bias_var=bv, k0=k0, depth=1)[1] for k0 in (k - h, k + h)]
        assert chi_parallel(act, k, weight_var=wv) == pytest.approx((step[1] - step[0]) / (2 * h), rel=1e-6)
    # χ⊥ is the slope of the off-diagonal map at coincident inputs: Θ-free route through nngp's K̇
    assert chi_perp("relu", 1.0, weight_var=2.0) == pytest.approx(1.0)
    assert chi_perp("tanh", 1e-6, weight_var=1.0) == pytest.approx(1.0, rel=1e-5)


def test_criticality_conditions():
    for act in ("relu", "tanh", "erf"):
        cp = critical_point(act)
        assert cp["bias_var"] == 0.0
        k = 1.0 if act == "relu" else 1e-4  # K* = 0 class: criticality is χ∥ = χ⊥ = 1 as K → 0
        assert chi_parallel(act, k, weight_var=cp["weight_var"]) == pytest.approx(1.0, rel=1e-3)
        assert chi_perp(act, k, weight_var=cp["weight_var"]) == pytest.approx(1.0, rel=1e-3)
    assert critical_point("tanh")["weight_var"] == 1.0 and critical_point("relu")["weight_var"] == 2.0
    with pytest.raises(ValueError, match="activation"):
        critical_point("gelu")


def test_tanh_power_law_approach():
    k = kernel_flow("tanh", weight_var=1.0, bias_var=0.0, k0=1.0, depth=2000)
    assert power_law_kernel("tanh", 2000) == pytest.approx(1 / 4000)
    # 1/(2l) with logarithmic corrections: the ratio tends to 1 slowly
    ratios = k[[100, 2000]] / power_law_kernel("tanh", [100, 2000])
    assert abs(ratios[1] - 1) < abs(ratios[0] - 1) < 0.15 and abs(ratios[1] - 1) < 0.02


def test_relu_vertex_is_linear_in_depth():
    v = four_point_vertex("relu", weight_var=2.0, bias_var=0.0, k0=1.0, depth=6)
    assert np.allclose(v, 5.0 * np.arange(7), rtol=1e-13)
    assert excess_kurtosis("relu", weight_var=2.0, bias_var=0.0, k0=1.0, depth=6, width=60) == pytest.approx(
        1.5
    )


@pytest.mark.parametrize("act,wv,bv", [("tanh", 1.8, 0.1), ("relu", 2.3, 0.05)])
def test_flow_matches_monte_carlo(act, wv, bv):
    z = _sample_outputs(act, wv, bv, 0.9, 6, 256, 4000, seed=0)
    k = kernel_flow(act, weight_var=wv, bias_var=bv, k0=0.9, depth=6)
    mc = (z**2).mean().item()
    assert mc == pytest.approx(k[-1], rel=0.03)


@pytest.mark.parametrize("act,depth,width", [("relu", 4, 64), ("tanh", 4, 32)])
def test_excess_kurtosis_matches_monte_carlo(act, depth, width):
    cp = critical_point(act)
    k0 = 1.0
    z = _sample_outputs(act, cp["weight_var"], cp["bias_var"], k0, depth, width, 60000, seed=1)[:, 0].numpy()
    mc = stats.kurtosis(z)
    theory = excess_kurtosis(
        act, weight_var=cp["weight_var"], bias_var=cp["bias_var"], k0=k0, depth=depth, width=width
    )
    # seeds 1-3: relu 1.07/1.14/1.01 vs 0.938 (MC sits above: O(depth²/n²) terms, cf. 3(e^{5L/n} - 1) = 1.10);
    # tanh 0.232/0.229/0.258 vs 0.226
    assert mc == pytest.approx(theory, rel=0.25), (mc, theory)
    assert theory > 0.2


def test_bad_arguments():
    with pytest.raises(ValueError, match="k must be > 0"):
        kernel_flow("relu", weight_var=2.0, bias_var=0.0, k0=0.0, depth=2)
    with pytest.raises(ValueError, match="activation"):
        kernel_flow("swish", weight_var=2.0, bias_var=0.0, k0=1.0, depth=2)
    with pytest.raises(ValueError, match="width"):
        excess_kurtosis("relu", weight_var=2.0, bias_var=0.0, k0=1.0, depth=2, width=0)

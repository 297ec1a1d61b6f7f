"""Mechanism tests for the PDLT criticality module: the random MLP, the ensemble sampler, exact ReLU kurtosis."""

import math

import numpy as np
import pytest
import torch
from scipy import stats

from paperlab.papers import deep_learning_theory_criticality as dlt
from paperlab.theory.rg import excess_kurtosis, kernel_flow


def test_random_mlp_initialisation_and_shapes():
    torch.manual_seed(0)
    net = dlt.RandomMLP(100, 400, 2, "tanh", weight_var=1.5, bias_var=0.1)
    w = net.layers[1].weight
    assert w.var().item() == pytest.approx(1.5 / 400, rel=0.05)
    assert net.layers[1].bias.var().item() == pytest.approx(0.1, rel=0.25)
    out, zs = net(torch.randn(3, 100), return_all=True)
    assert out.shape == (3,) and [z.shape for z in zs] == [(3, 400), (3, 400), (3, 1)]


def test_random_mlp_ensemble_matches_the_flow():
    # explicit nn.Module networks: output variance vs the infinite-width kernel
    x = torch.ones(1, 16)  # |x|^2 / n0 = 1, so K^(1) = C_b + C_W
    outs = []
    torch.manual_seed(0)
    for _ in range(1500):
        with torch.no_grad():
            outs.append(dlt.RandomMLP(16, 64, 3, "relu", weight_var=2.0, bias_var=0.0)(x).item())
    k = kernel_flow("relu", weight_var=2.0, bias_var=0.0, k0=2.0, depth=3)
    assert np.var(outs) == pytest.approx(k[-1], rel=0.12)


def test_chain_and_weights_sample_the_same_ensemble():
    kw = dict(weight_var=2.0, bias_var=0.0, k0=1.0, depth=3, width=16, nets=3000)
    a = dlt.sample_ensemble("relu", seed=0, method="weights", **kw)
    b = dlt.sample_ensemble("relu", seed=1, method="chain", **kw)
    assert stats.ks_2samp(a.outputs, b.outputs).pvalue > 0.001
    assert np.allclose(a.k_layers, b.k_layers, rtol=0.1)


def test_relu_kurtosis_exact_reduces_to_the_book_leading_order():
    lead = excess_kurtosis("relu", weight_var=2.0, bias_var=0.0, k0=1.0, depth=4, width=4000)
    assert dlt.relu_kurtosis_exact(4, 4000) == pytest.approx(lead, rel=0.01)
    z = dlt.sample_ensemble(
        "relu", weight_var=2.0, bias_var=0.0, k0=1.0, depth=4, width=32, nets=40000, seed=3, method="chain"
    ).outputs
    assert stats.kurtosis(z) == pytest.approx(dlt.relu_kurtosis_exact(4, 32), rel=0.2)


def test_two_input_flow_critical_relu_keeps_the_norm():
    k, rho = dlt.two_input_flow("relu", weight_var=2.0, bias_var=0.0, depth=10, cos0=0.5)
    assert np.allclose(k, 2.0) and rho[0] == pytest.approx(0.5) and np.all(np.diff(rho) > 0)
    assert math.isclose(
        rho[1], (math.sqrt(1 - 0.25) + (math.pi - math.acos(0.5)) * 0.5) / math.pi, rel_tol=1e-9
    )


def test_bad_arguments_and_diagram():
    with pytest.raises(ValueError, match="method"):
        dlt.sample_ensemble(
            "relu", weight_var=2.0, bias_var=0.0, k0=1.0, depth=2, width=4, nets=4, method="x"
        )
    with pytest.raises(ValueError, match="activation"):
        dlt.RandomMLP(4, 4, 1, "gelu")
    module, inputs, axes = dlt.diagram_example()
    assert module(*inputs).shape == (2,) and axes == ["b d"]

"""NNGP/NTK kernels against independent routes: numerical integration and finite random networks."""

import math

import numpy as np
import pytest
import torch
from scipy import integrate, special

from paperlab.theory.kernels import activation_variance, dual_kernel, nngp_kernel, ntk_kernel

_ACTS = {
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0) * 1.0, torch.relu),
    "erf": (special.erf, lambda z: 2 / np.sqrt(np.pi) * np.exp(-z * z), torch.erf),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2, torch.tanh),
}


def _gauss2(f, q1, q2, c):
    """E[f(u) f(v)] by adaptive 2-D quadrature over the Cholesky factor of the covariance."""
    chol = np.linalg.cholesky(np.array([[q1, c], [c, q2]]))

    def g(b, a):
        return (
            f(chol[0, 0] * a)
            * f(chol[1, 0] * a + chol[1, 1] * b)
            * np.exp(-(a * a + b * b) / 2)
            / (2 * np.pi)
        )

    return integrate.dblquad(g, -10, 10, -10, 10, epsabs=1e-13, epsrel=1e-11)[0]


@pytest.mark.parametrize("act", sorted(_ACTS))
@pytest.mark.parametrize("q1,q2,c", [(2.5, 3.0, -1.2), (5.0, 4.0, 3.9)])
def test_dual_kernel_matches_numerical_integration(act, q1, q2, c):
    f, fp, _ = _ACTS[act]
    k, kd = dual_kernel(act, torch.tensor([q1]), torch.tensor([q2]), torch.tensor([[c]]))
    assert k.item() == pytest.approx(_gauss2(f, q1, q2, c), rel=2e-7)
    if act != "relu":  # the step function defeats the adaptive rule; relu's K̇ is checked by the NTK test
        assert kd.item() == pytest.approx(_gauss2(fp, q1, q2, c), rel=2e-7)


@pytest.mark.parametrize("act", sorted(_ACTS))
def test_activation_variance_matches_1d_integral(act):
    f, fp, _ = _ACTS[act]
    for q in (0.3, 2.0, 8.0):
        ref = integrate.quad(
            lambda z, q=q: f(np.sqrt(q) * z) ** 2 * np.exp(-z * z / 2), -12, 12, epsabs=1e-14, limit=200
        )
        assert activation_variance(act, q).item() == pytest.approx(ref[0] / math.sqrt(2 * math.pi), rel=1e-9)


def test_relu_closed_form_known_values():
    # orthogonal inputs of equal norm: E[relu relu] = q/(2π), K̇ = 1/4
    k, kd = dual_kernel("relu", torch.tensor([2.0]), torch.tensor([2.0]), torch.tensor([[0.0]]))
    assert k.item() == pytest.approx(2.0 / (2 * math.pi), rel=1e-12) and kd.item() == pytest.approx(
        0.25, rel=1e-12
    )
    k, kd = dual_kernel("relu", torch.tensor([2.0]), torch.tensor([2.0]), torch.tensor([[2.0]]))
    assert k.item() == pytest.approx(1.0, rel=1e-12) and kd.item() == pytest.approx(0.5, rel=1e-12)


def test_linear_network_is_a_sum_of_geometric_terms():
    x = np.random.default_rng(0).normal(size=(4, 3))
    k0 = x @ x.T / 3
    wv, bv, depth = 1.3, 0.2, 3
    k = k0
    for _ in range(depth + 1):
        k = wv * k + bv
    assert np.allclose(
        nngp_kernel(x, depth=depth, activation="linear", weight_var=wv, bias_var=bv), k, rtol=1e-13
    )


def _ensemble_kernel(x, nets, width, depth, act, wv, bv, gen, chunk=250):
    """E over random networks of the output covariance, batched over networks: (n, n)."""
    total = torch.zeros(len(x), len(x), dtype=torch.float64)
    for _ in range(nets // chunk):
        h, fan = x.expand(chunk, *x.shape), x.shape[1]
        for _ in range(depth):
            w = torch.randn(chunk, fan, width, generator=gen, dtype=torch.float64)
            b = torch.randn(chunk, 1, width, generator=gen, dtype=torch.float64)
            h, fan = act(math.sqrt(wv / fan) * h @ w + math.sqrt(bv) * b), width  # (nets, n, width)
        total += (wv * h @ h.transpose(1, 2) / width + bv).sum(0)  # readout covariance given the last layer
    return total / nets


@pytest.mark.parametrize("act", sorted(_ACTS))
def test_nngp_matches_monte_carlo_over_random_networks(act):
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(5, 7, generator=gen, dtype=torch.float64)
    wv, bv, depth = 1.8, 0.1, 3
    emp = _ensemble_kernel(x, 1000, 128, depth, _ACTS[act][2], wv, bv, gen)
    theory = nngp_kernel(x, depth=depth, activation=act, weight_var=wv, bias_var=bv)
    assert isinstance(theory, torch.Tensor) and theory.dtype == torch.float64
    # max |error| / mean diagonal over seeds 1-3: relu <= 0.034, erf and tanh <= 0.009
    # (Monte Carlo error plus the O(depth/width) finite-width bias)
    scale = theory.diagonal().mean()
    assert ((emp - theory).abs() / scale).max() < 0.06
    wrong = nngp_kernel(x, depth=depth, activation=act, weight_var=wv * 1.3, bias_var=bv)
    assert ((emp - wrong).abs() / scale).max() > 0.06


@pytest.mark.parametrize("act", sorted(_ACTS))
def test_ntk_matches_empirical_tangent_kernel(act):
    """Θ = J Jᵀ from autograd over all weights and biases of 600 NTK-parameterised networks."""
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(4, 6, generator=gen, dtype=torch.float64)
    wv, bv, depth, width, nets = 1.5, 0.2, 2, 128, 400
    params, h, fan = [], x.expand(nets, *x.shape), x.shape[1]
    for layer in range(depth + 1):
        out = 1 if layer == depth else width
        w = torch.randn(nets, fan, out, generator=gen, dtype=torch.float64, requires_grad=True)
        b = torch.randn(nets, 1, out, generator=gen, dtype=torch.float64, requires_grad=True)
        h = math.sqrt(wv / fan) * h @ w + math.sqrt(bv) * b  # (nets, n, out)
        h = h if layer == depth else _ACTS[act][2](h)
        params += [w, b]
        fan = out
    f = h[..., 0].sum(0)  # (n,): networks are independent, so d f_i / d params stacks per-network gradients
    grads = [
        torch.cat([g.reshape(nets, -1) for g in torch.autograd.grad(fi, params, retain_graph=True)], 1)
        for fi in f
    ]
    jac = torch.stack(grads, 1)  # (nets, n, n_params)
    emp = (jac @ jac.transpose(1, 2)).mean(0)
    theory = ntk_kernel(x, depth=depth, activation=act, weight_var=wv, bias_var=bv)
    scale = theory.diagonal().mean()
    # measured over seeds 2-4: relu <= 0.022, erf and tanh <= 0.008
    assert ((emp - theory).abs() / scale).max() < 0.06
    # the NTK is not the NNGP: the broken recursion Θ = K would fail the check above
    nngp = nngp_kernel(x, depth=depth, activation=act, weight_var=wv, bias_var=bv)
    assert ((emp - nngp).abs() / scale).max() > 0.06


def test_types_shapes_and_symmetry():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(6, 4)), rng.normal(size=(3, 4))
    k = nngp_kernel(a, b, depth=2, activation="erf", weight_var=1.0, bias_var=0.5)
    assert isinstance(k, np.ndarray) and k.shape == (6, 3) and k.dtype == np.float64
    full = ntk_kernel(a, depth=2, activation="tanh", weight_var=1.0, bias_var=0.5)
    assert np.allclose(full, full.T, rtol=1e-12)
    assert np.allclose(
        ntk_kernel(a, a, depth=2, activation="tanh", weight_var=1.0, bias_var=0.5), full, rtol=1e-12
    )
    k_torch = nngp_kernel(
        torch.from_numpy(a), torch.from_numpy(b), depth=2, activation="erf", weight_var=1.0, bias_var=0.5
    )
    assert np.allclose(k_torch.numpy(), k, rtol=1e-14)


def test_bad_arguments_raise():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="activation"):
        nngp_kernel(x, depth=1, activation="swish", weight_var=1.0, bias_var=0.0)
    with pytest.raises(ValueError, match="depth"):
        nngp_kernel(x, depth=-1, activation="relu", weight_var=1.0, bias_var=0.0)
    with pytest.raises(ValueError, match="weight_var"):
        ntk_kernel(x, depth=1, activation="relu", weight_var=0.0, bias_var=0.0)
    with pytest.raises(ValueError, match="x2"):
        ntk_kernel(x, np.ones((2, 4)), depth=1, activation="relu", weight_var=1.0, bias_var=0.0)
    with pytest.raises(ValueError, match="x1"):
        ntk_kernel(np.ones(3), depth=1, activation="relu", weight_var=1.0, bias_var=0.0)


def test_zero_input_gives_a_finite_kernel():
    x = np.array([[0.0, 0.0], [1.0, 2.0]])
    for fn in (nngp_kernel, ntk_kernel):
        k = fn(x, depth=3, activation="relu", weight_var=2.0, bias_var=0.0)
        assert np.all(np.isfinite(k)) and np.allclose(k[0], 0.0) and k[1, 1] > 0


def test_deep_relu_kernels_match_high_precision_recursion():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    x = np.random.default_rng(0).normal(size=(3, 8))
    wv, bv, depth = mpmath.mpf(2), mpmath.mpf("0.05"), 20
    k = nngp_kernel(x, depth=depth, activation="relu", weight_var=2.0, bias_var=0.05)
    t = ntk_kernel(x, depth=depth, activation="relu", weight_var=2.0, bias_var=0.05)
    for i in range(3):
        for j in range(3):
            qa, qb, c = (
                mpmath.fsum(mpmath.mpf(u) * mpmath.mpf(v) for u, v in zip(a, b, strict=True)) / 8
                for a, b in ((x[i], x[i]), (x[j], x[j]), (x[i], x[j]))
            )
            th = mpmath.mpf(0)
            for _ in range(depth):
                qa, qb, c = wv * qa + bv, wv * qb + bv, wv * c + bv
                th = c + wv * th
                theta = mpmath.acos(min(c / mpmath.sqrt(qa * qb), mpmath.mpf(1)))
                c = (
                    mpmath.sqrt(qa * qb)
                    / (2 * mpmath.pi)
                    * (mpmath.sin(theta) + (mpmath.pi - theta) * mpmath.cos(theta))
                )
                th, qa, qb = th * (mpmath.pi - theta) / (2 * mpmath.pi), qa / 2, qb / 2
            c = wv * c + bv
            assert k[i, j] == pytest.approx(float(c), rel=1e-12)
            assert t[i, j] == pytest.approx(float(c + wv * th), rel=1e-12)

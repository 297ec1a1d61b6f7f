"""The theory API (issue 11): package-level exports and NNGP + NTK from one blocked recursion."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from paperlab.theory import kernels as kmod


def test_package_level_exports():
    from paperlab.align import bipartite_match, linear_cka
    from paperlab.theory import kernel_flow, nngp_kernel, nngp_ntk_kernels, ntk_kernel, rf_ridge_risk

    assert all(callable(f) for f in (bipartite_match, linear_cka, kernel_flow, nngp_kernel, ntk_kernel))
    assert callable(rf_ridge_risk) and callable(nngp_ntk_kernels)


def _reference(x1, x2, depth, act, wv, bv):
    """The plain layer-by-layer recursion over the whole Gram (no blocks, no mirroring)."""
    a = torch.as_tensor(x1, dtype=torch.float64)
    b = a if x2 is None else torch.as_tensor(x2, dtype=torch.float64)
    d = a.shape[1]
    k, q1, q2 = a @ b.T / d, (a * a).sum(1) / d, (b * b).sum(1) / d
    t = torch.zeros_like(k)
    for _ in range(depth):
        k, q1, q2 = wv * k + bv, wv * q1 + bv, wv * q2 + bv
        if x2 is None:
            k.diagonal().copy_(q1)
        t = wv * t + k
        k, kd = kmod.dual_kernel(act, q1, q2, k)
        t = t * kd
        q1, q2 = kmod.activation_variance(act, q1), kmod.activation_variance(act, q2)
    k = wv * k + bv
    return k.numpy(), (wv * t + k).numpy()


@pytest.mark.parametrize(
    ("act", "block", "shape"),
    [
        (a, b, s)
        for a in ("relu", "erf", "linear")
        for b in (1, 7, 64, 16_384)
        for s in ((37, None), (50, 23), (3, 40))
    ]
    + [("tanh", 16_384, (6, None)), ("tanh", 7, (5, 4))],  # quadrature: one block, slow; keep it small
)
def test_blocked_recursion_matches_the_plain_one(act, block, shape, monkeypatch):
    monkeypatch.setattr(kmod, "_BLOCK_ELEMENTS", block)
    rng = np.random.default_rng(0)
    x1 = rng.normal(size=(shape[0], 5))
    x2 = None if shape[1] is None else rng.normal(size=(shape[1], 5))
    hyper = dict(depth=6, activation=act, weight_var=1.7, bias_var=0.1)
    both = kmod.nngp_ntk_kernels(x1, x2, **hyper)
    ref_k, ref_t = _reference(x1, x2, 6, act, 1.7, 0.1)
    np.testing.assert_allclose(both.nngp, ref_k, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(both.ntk, ref_t, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(kmod.nngp_kernel(x1, x2, **hyper), both.nngp)
    np.testing.assert_array_equal(kmod.ntk_kernel(x1, x2, **hyper), both.ntk)
    if x2 is None and act != "tanh":  # mirrored blocks: symmetric up to the diagonal squares' matmul
        np.testing.assert_allclose(both.ntk, both.ntk.T, rtol=1e-13)


def test_combined_call_types():
    x = torch.randn(4, 3, dtype=torch.float64)
    k, t = kmod.nngp_ntk_kernels(x, depth=2, activation="relu", weight_var=2.0, bias_var=0.0)
    assert isinstance(k, torch.Tensor) and isinstance(t, torch.Tensor) and k.shape == t.shape == (4, 4)
    assert (t.diagonal() >= k.diagonal()).all()  # on the diagonal Θ = K + (non-negative terms)

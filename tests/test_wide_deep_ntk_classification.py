import math

import numpy as np
import pytest
import torch

from paperlab.papers import wide_deep_ntk_classification as wd
from paperlab.theory import ntk_limits as nl
from paperlab.theory.kernels import ntk_kernel

SING = nl.golden_singular_coeffs(4)


def test_hermite_dual_matches_monte_carlo():
    rng = np.random.default_rng(0)
    rho = 0.4
    u = rng.standard_normal(400_000)
    v = rho * u + math.sqrt(1 - rho**2) * rng.standard_normal(len(u))
    for coeffs in (SING, nl.NEAREST_NEIGHBOR_COEFFS):
        pu = nl.hermite_activation(coeffs, torch.from_numpy(u)).numpy()
        pv = nl.hermite_activation(coeffs, torch.from_numpy(v)).numpy()
        assert np.mean(pu * pv) == pytest.approx(nl.hermite_dual(coeffs, rho), abs=0.01)
        assert np.mean(pu * pu) == pytest.approx(1.0, abs=0.02)


def test_sphere_recursion_matches_kernels_module_for_linear_activation():
    x = np.random.default_rng(1).standard_normal((5, 3))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    ref = ntk_kernel(x * math.sqrt(3), depth=4, activation="linear", weight_var=1.0, bias_var=0.0)
    ours = nl.sphere_ntk((0.0, 1.0), x @ x.T, [4])[4]
    assert np.allclose(ours, ref / ref[0, 0], atol=1e-12)


def test_sphere_ntk_matches_wide_finite_network():
    torch.manual_seed(0)
    x = torch.nn.functional.normalize(torch.randn(3, 4, dtype=torch.float64), dim=1)
    net = wd.DeepMLP(4, 2048, 2, SING, seed=0).double()
    grads = []
    for i in range(3):
        net.zero_grad()
        net(x[i : i + 1] * 2.0).sum().backward()  # scale by sqrt(d): pre-activation variance x.z
        grads.append(torch.cat([p.grad.flatten() for p in net.parameters()]))
    g = torch.stack(grads)
    emp = (g @ g.T).numpy()
    theory = nl.sphere_ntk(SING, (x @ x.T).numpy(), [2])[2]
    assert np.allclose(emp / emp[0, 0], theory / theory[0, 0], atol=0.08)


def test_limit_types_and_exponent():
    assert nl.limit_type(SING) == "singular kernel"
    assert nl.singular_exponent(SING) == pytest.approx(4.0)
    assert nl.limit_type(nl.NEAREST_NEIGHBOR_COEFFS) == "1-NN"
    assert nl.limit_type((math.sqrt(0.5), math.sqrt(0.5))) == "majority vote"
    with pytest.raises(ValueError, match="normalised"):
        nl.hermite_dual((1.0, 1.0), 0.5)


def test_deep_classifiers_reach_their_limits_small():
    xtr, ytr = wd.sphere_data(60, seed=3)
    xte, _ = wd.sphere_data(80, seed=4)
    nn_pred = wd.ntk_predictions(nl.NEAREST_NEIGHBOR_COEFFS, xtr, ytr, xte, [8])[8]
    assert (nn_pred == nl.nearest_neighbor(xtr, ytr, xte)).mean() >= 0.97
    relu = wd.ntk_predictions(None, xtr, ytr, xte, [1000])[1000]
    assert (relu == nl.majority_vote(ytr, len(xte))).mean() >= 0.97


def test_koenigs_is_singular_with_predicted_exponent():
    eps = np.array([1e-3, 1e-4])
    g = nl.koenigs(SING, 1 - eps, iters=80)
    slope = np.log(g[1] / g[0]) / np.log(eps[0] / eps[1])
    assert slope == pytest.approx(nl.singular_exponent(SING) / 2, rel=0.05)


def test_bad_arguments_and_diagram():
    with pytest.raises(ValueError, match="p_major"):
        wd.sphere_data(10, p_major=0.3)
    with pytest.raises(ValueError, match="depths"):
        nl.sphere_ntk(SING, np.zeros((2, 2)), [])
    net, (x,), _ = wd.diagram_example()
    assert net(x).shape == (4,)


def test_kernel_exponent_separates_the_singular_kernel_from_the_controls():
    """The claim's evidence clause on a fixed band of distances: the singular activation's deep NTK has an
    exponent near the Hilbert 4, a power kernel gives back its own exponent, ReLU (no singularity) and the
    1-NN activation (exponent -> inf) fail the clause."""
    r = np.geomspace(0.2, 0.5, 24)
    assert wd.kernel_exponent(r**-3.0, r) == pytest.approx(3.0)
    gap = wd.CLAIM.clause("exponent_gap")
    ours = wd.kernel_exponent(wd.kernel_of(wd.SINGULAR, wd.CLAIM_DEPTH, r), r)
    assert gap.holds(abs(ours - wd.HILBERT_EXPONENT))
    for name, depth in (("relu", 10), ("relu", 200), ("1-NN (h₂ + h₃)/√2", 8)):
        control = wd.kernel_exponent(wd.kernel_of(name, depth, r), r)
        assert not gap.holds(abs(control - wd.HILBERT_EXPONENT)), (name, depth, control)
    assert wd.kernel_exponent(np.zeros_like(r), r) == math.inf


def test_singular_limit_rows_one_nn_never_agrees_on_the_split():
    lim = wd.singular_limit(0, n_train=60, n_test=200)
    rows = lim.rows()
    assert rows["1-NN"]["hilbert_on_split"] == 0.0
    assert set(rows) == {"ours", wd.WRONG_D, "1-NN", "ReLU NTK L=10", "ReLU NTK L=200"}
    assert wd.CLAIM.strongest.row == wd.WRONG_D
    table = wd.CLAIM.check(rows)
    assert table.rows[wd.WRONG_D]["exponent_gap_over_strongest"] == 0.0
    # the wrong-d activation is the same construction: its depth-infinity exponent is its own d, not 4
    assert nl.singular_exponent(nl.golden_singular_coeffs(wd.WRONG_DIM)) == pytest.approx(wd.WRONG_DIM)
    with pytest.raises(ValueError, match="dim must be 4"):
        wd.singular_limit(0, dim=3)

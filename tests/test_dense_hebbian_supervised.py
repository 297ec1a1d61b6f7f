import pytest
import torch

from paperlab.papers import dense_hebbian_supervised as dh


def test_examples_have_quality_r():
    xi, eta = dh.make_examples(400, 3, 50, 0.6, seed=0)
    assert eta.shape == (3, 50, 400)
    agree = (eta * xi[:, None]).mean()
    assert agree == pytest.approx(0.6, abs=0.02)


def test_exact_energy_change_drives_dynamics_downhill():
    _, eta = dh.make_examples(30, 4, 5, 0.7, seed=1)
    net = dh.build_network(eta, 0.7, 3)
    s0 = torch.where(torch.rand(5, 30, generator=torch.Generator().manual_seed(0)) < 0.5, 1.0, -1.0).double()
    s1 = dh.glauber(net, s0, sweeps=10)
    assert torch.all(net.energy(s1) <= net.energy(s0) + 1e-12)
    # a T = 0 fixed point: no single flip lowers the energy
    for i in range(30):
        flipped = s1.clone()
        flipped[:, i] *= -1
        assert torch.all(net.energy(flipped) >= net.energy(s1) - 1e-12)


def test_forward_is_energy_gradient():
    _, eta = dh.make_examples(20, 3, 4, 0.8, seed=2)
    net = dh.build_network(eta, 0.8, 4)
    s = torch.randn(2, 20, dtype=torch.float64, requires_grad=True)
    (-net.energy(s)).sum().backward()
    assert torch.allclose(s.grad, 4 * net(s.detach()))


def test_dense_network_retrieves_where_hopfield_fails():
    r4 = dh.run_retrieval(100, 150, 30, 0.6, 4, trials=8, seed=0)
    r2 = dh.run_retrieval(100, 150, 30, 0.6, 2, trials=8, seed=0)
    assert r4.mean > 0.9 and r2.mean < 0.5


def test_unsupervised_network_and_bad_args():
    _, eta = dh.make_examples(20, 2, 3, 0.5, seed=0)
    net = dh.build_network(eta, 0.5, 2, mode="unsupervised")
    assert net.memories.shape == (6, 20)
    with pytest.raises(ValueError, match="mode"):
        dh.build_network(eta, 0.5, 2, mode="teacher")
    with pytest.raises(ValueError, match="init"):
        dh.run_retrieval(10, 2, 2, 0.5, 2, init="random")


def test_diagram_example_runs():
    net, inputs, axes = dh.diagram_example()
    assert net(*inputs).shape == (2, 16) and axes == ["b n"]


def test_controls_fail_an_evidence_clause():
    storage = dh.CLAIM.clause("m_scaling")
    p4 = dh.run_retrieval(40, 320, 1, 1.0, 4, init="archetype", trials=8, seed=0).mean
    p2 = dh.run_retrieval(40, 320, 1, 1.0, 2, init="archetype", trials=8, seed=0).mean
    assert storage.holds(p4) and not storage.holds(p2)
    teacher = dh.CLAIM.clause("m_teacher")
    unsup = dh.run_retrieval(200, 100, 20, 0.4, 4, mode="unsupervised", trials=8, seed=0).mean
    assert not teacher.holds(unsup)


def test_p2_fails_by_load_not_by_data():
    # perfect data at K = 2N: still lost; the same noisy data at K = 4: retrieved
    assert dh.run_retrieval(200, 400, 1, 1.0, 2, trials=8, seed=0).mean < 0.5
    assert dh.run_retrieval(200, 4, 40, 0.5, 2, trials=8, seed=0).mean > 0.9

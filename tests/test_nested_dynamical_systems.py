import pytest
import torch

from paperlab.papers import nested_dynamical_systems as nd


def test_neuron_update_matches_autograd_gradient():
    n = nd.Neuron(5, "tanh", generator=torch.Generator().manual_seed(0))
    x = torch.randn(4, 5, dtype=torch.float64)
    delta = torch.randn(4, dtype=torch.float64)
    w = n.w.detach().clone().requires_grad_(True)
    b = n.b.detach().clone().requires_grad_(True)
    xr = x.clone().requires_grad_(True)
    (torch.tanh(xr @ w + b) * delta).sum().backward()
    upstream = n.update(x, delta, lr=0.1)
    assert torch.allclose(upstream, xr.grad)
    assert torch.allclose(n.w, w.detach() - 0.1 * w.grad)
    assert torch.allclose(n.b, b.detach() - 0.1 * b.grad)


def test_layer_sums_feedback_of_copied_wires():
    layer = nd.Layer(3, 4, "relu", generator=torch.Generator().manual_seed(1))
    x = torch.randn(2, 3, dtype=torch.float64)
    fb = torch.ones(2, 4, dtype=torch.float64)
    ws = [n.w.clone() for n in layer.neurons]
    zs = [x @ n.w + n.b for n in layer.neurons]
    expected = sum((z > 0).double()[:, None] * w for z, w in zip(zs, ws, strict=True))
    assert torch.allclose(layer.update(x, fb, lr=0.0), expected)


def test_training_loop_equals_sgd():
    c = nd.compare_with_autograd([64, 8, 10], steps=20, seed=1)
    assert c.max_abs_diff < 1e-10
    assert c.loss_messages[-1] == pytest.approx(c.loss_autograd[-1], abs=1e-10)
    assert c.trajectory.shape == (21, 3)
    assert len(c.tracked) == 3
    assert (c.trajectory[-1] != c.trajectory[0]).all()  # every tracked weight moves (pixel 0 never would)


def test_wrong_sign_message_breaks_the_sgd_match():
    bad = nd.compare_with_autograd([64, 8, 10], steps=20, seed=1, message_sign=-1.0)
    assert bad.max_abs_diff > nd.CLAIM.clause("sgd_max_dw").threshold
    with pytest.raises(ValueError, match="message_sign"):
        nd.TrainingLoop(nd.Network([2, 2]), 0.1, message_sign=0.5)


def test_fixed_gains_best_in_hindsight_beat_adaptive_on_a_stationary_plant():
    gains, err = nd.tune_fixed_gains(steps=300)
    run = nd.run_adaptive_control(steps=300, fixed_gains=tuple(gains))
    assert run.error("fixed") == pytest.approx(err)
    assert err < run.error("adaptive")  # the fair fixed controller wins when nothing changes
    assert gains == pytest.approx(nd.matched_gains(0.95, 0.3), abs=0.1)


def test_fixed_gains_fail_the_switch_clause():
    run = nd.run_adaptive_control(switch=nd.SWITCH)
    target = nd.matched_gains(nd.SWITCH[1], nd.SWITCH[2])
    clause = nd.CLAIM.clause("gain_err_switch")
    assert clause.holds(abs(run.gains[-1] - target).max())
    assert not clause.holds(abs(nd.matched_gains(0.95, 0.3) - target).max())


def test_wiring_graph_shape():
    g = nd.wiring_graph(nd.Network([4, 3, 2]))
    assert g.number_of_nodes() == 4 + 3 + 2 + 1
    assert g.number_of_edges() == 4 * 3 + 3 * 2 + 2


def test_adaptive_control_learns_matching_gains_and_beats_fixed():
    run = nd.run_adaptive_control(steps=600)
    assert run.error("adaptive") < 0.5 * run.error("fixed")
    assert run.gains[-1] == pytest.approx([0.4 / 0.3, (0.6 - 0.95) / 0.3], abs=0.05)
    frozen = nd.run_adaptive_control(gamma=0.0, steps=200)
    assert frozen.error("adaptive") == pytest.approx(frozen.error("fixed"))


def test_bad_arguments_and_diagram():
    with pytest.raises(ValueError, match="activation"):
        nd.Neuron(3, "sigmoid")
    with pytest.raises(ValueError, match="sizes"):
        nd.Network([4])
    with pytest.raises(ValueError, match="which"):
        nd.run_adaptive_control(steps=5).error("both")
    net, inputs, _ = nd.diagram_example()
    assert net(*inputs).shape == (2, 2)

"""Mechanism tests for the DCLS-style delayed synapses, LIF neurons and the lagged spike-pattern task."""

import pytest
import torch

from paperlab.data.sequences import lagged_spike_patterns
from paperlab.papers import snn_learnable_delays as paper


def _single(delay: float, mode: str = "fixed", sigma: float = 0.0) -> paper.DelayedSynapses:
    s = paper.DelayedSynapses(1, 1, max_delay=8, mode=mode)
    with torch.no_grad():
        s.delay.fill_(delay)
        s.weight.fill_(1.0)
    s.sigma = sigma
    return s


def test_hard_delay_shifts_a_spike_by_exactly_d_steps():
    x = torch.zeros(1, 12, 1)
    x[0, 2, 0] = 1.0
    for d in (0, 3, 7):
        out = _single(d)(x)[0, :, 0]
        assert out.argmax().item() == 2 + d and out.sum().item() == pytest.approx(1.0)


def test_gaussian_tap_is_normalised_centred_and_differentiable_in_the_delay():
    s = _single(3.4, mode="learned", sigma=1.0)
    k = s.kernel()[0, 0]
    assert k.sum().item() == pytest.approx(1.0, abs=1e-5)
    assert k.argmax().item() == 3
    x = torch.zeros(1, 16, 1)
    x[0, 1, 0] = 1.0
    out = s(x)[0, :, 0]
    (out * torch.arange(16.0)).sum().backward()  # centre of mass of the delayed spike
    assert s.delay.grad.item() > 0.5  # moving the delay moves the output


def test_no_delay_mode_is_a_dense_layer_per_time_step():
    s = paper.DelayedSynapses(5, 3, mode="none")
    x = torch.rand(2, 9, 5)
    assert torch.allclose(s(x), x @ s.weight.T, atol=1e-6)
    assert not s.delay.requires_grad


def test_lif_integrates_leaks_fires_and_resets():
    cur = torch.zeros(1, 6, 1)
    cur[0, 0, 0] = 0.6
    cur[0, 1, 0] = 0.6  # 0.6*0.5 + 0.6 = 0.9 < 1: no spike
    cur[0, 2, 0] = 0.6  # 0.45 + 0.6 = 1.05: spike, reset
    s = paper.lif(cur, tau=2.0)
    assert s[0, :, 0].tolist() == [0, 0, 1, 0, 0, 0]
    v = paper.lif(cur, tau=2.0, spiking=False)
    assert v[0, 2, 0].item() == pytest.approx(1.05)


def test_surrogate_gradient_flows_through_spikes():
    cur = torch.full((1, 4, 2), 0.9, requires_grad=True)
    paper.lif(cur).sum().backward()
    assert cur.grad.abs().sum() > 0


def test_sigma_schedule_anneals_from_half_max_delay():
    assert paper.sigma_schedule(0, 100, max_delay=25) == pytest.approx(12.5)
    assert paper.sigma_schedule(25, 100, max_delay=25) == pytest.approx(0.23)
    assert paper.sigma_schedule(90, 100, max_delay=25) == pytest.approx(0.23)


def test_spike_patterns_carry_class_only_in_the_lags():
    x, y, lags = lagged_spike_patterns(200, noise_rate=0.0, seed=0)
    counts = x.sum((1, 2))
    assert (counts == 7).all()  # one spike per pattern channel, whatever the class
    chans = lags[0] >= 0
    for c in range(lags.shape[0]):
        assert sorted(lags[c, chans].tolist()) == [0, 3, 6, 9, 12, 15, 18]
    with pytest.raises(ValueError, match="gap"):
        lagged_spike_patterns(2, T=10)


def test_bad_mode():
    with pytest.raises(ValueError, match="mode"):
        paper.DelayedSynapses(2, 2, mode="random")

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


def test_fixed_annealed_control_has_gaussian_taps_but_frozen_delays():
    m = paper.DelaySNN(6, 3, hidden=4, max_delay=9, mode="fixed_annealed")
    assert all(not s.delay.requires_grad for s in m.syn)
    assert m.syn[0].sigma == pytest.approx(4.5)  # starts wide, like "learned"
    m.set_sigma(1.0)
    assert all(s.sigma == 1.0 for s in m.syn)
    k = m.syn[0].kernel()
    assert (k != 0).sum(-1).min() > 1  # Gaussian taps, not a single hard tap
    assert paper.DelaySNN(6, 3, hidden=4, max_delay=9, mode="fixed").syn[0].sigma == 0.0


def test_no_delay_control_cannot_see_timing_with_the_repo_time_constant():
    """With τ = 1.005 steps (the repo's) a membrane forgets within a step: without delays the network's scores are
    (almost) invariant to reordering the time steps, so classes that differ only in timing are out of reach."""
    torch.manual_seed(0)
    m = paper.DelaySNN(10, 3, hidden=16, mode="none").eval()
    x = (torch.rand(4, 30, 10) < 0.2).float()
    perm = torch.randperm(30)
    with torch.no_grad():
        assert torch.allclose(m(x), m(x[:, perm]), atol=0.02)
        d = paper.DelaySNN(10, 3, hidden=16, mode="fixed", max_delay=8).eval()
        assert not torch.allclose(d(x), d(x[:, perm]), atol=0.02)  # delays make the order matter


def test_claim_rows_put_fixed_controls_below_the_gain_threshold():
    run = lambda acc: paper.DelayRun(paper.DelaySNN(4, 2, hidden=3, mode="fixed"), None, acc, [])  # noqa: E731
    lags = torch.tensor([[0, 3, 6, -1], [6, 0, 3, -1]])
    rows = paper.claim_rows(
        {"learned": run(0.8), "fixed_annealed": run(0.55), "fixed": run(0.55), "none": run(0.25)}, lags
    )
    table = paper.CLAIM.check(rows)
    assert table.control_evidence_failures("fixed delays, annealed σ") and table.control_evidence_failures(
        "no delays"
    )


def test_pattern_mask_marks_only_the_pattern_spikes():
    x, y, lags = lagged_spike_patterns(20, noise_rate=0.05, seed=0)
    for b in range(5):
        m = paper.pattern_mask(x[b], lags[y[b]])
        assert int(m.sum()) == 7 and bool(x[b][m].all())
        assert x[b].sum() > 7  # background spikes exist and are left out

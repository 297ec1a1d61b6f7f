import numpy as np
import pytest
import torch

from paperlab.papers import physical_ff_training as pf


def test_physical_output_is_outside_autograd():
    phys = pf.PhysicalLayer(8, 5, seed=0)
    x = torch.randn(4, 8, requires_grad=True)
    a = phys.measure(x)
    assert a.shape == (4, 5) and not a.requires_grad and a.grad_fn is None
    with pytest.raises(RuntimeError):
        a.sum().backward()  # nothing to differentiate: the physics is a black box
    assert x.grad is None


def test_phyll_step_updates_each_block_from_its_own_measurement_only():
    torch.manual_seed(0)
    net = pf.PhyLLNet(d_in=64 + 10, phys=(16, 16), hidden=8, seed=0)
    x, y = torch.rand(6, 64), torch.arange(6) % 10
    pos = net.block_outputs(pf.embed(x, y))
    # block 2's local loss must not reach block 1's weights: the physics cuts the graph
    pos[1].pow(2).mean().backward()
    assert net.digital[0].weight.grad is None
    assert net.digital[1].weight.grad is not None
    net.zero_grad(set_to_none=True)
    before = [w.detach().clone() for w in net.parameters()]
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    losses = pf.phyll_step(net, opt, x, y, torch.Generator().manual_seed(0))
    assert len(losses) == 2 and all(np.isfinite(losses))
    assert all(not torch.equal(b, w) for b, w in zip(before, net.parameters(), strict=True))


def test_twin_matches_physics_without_noise_and_mismatch_moves_it():
    phys = pf.PhysicalLayer(8, 5, noise=0.0, seed=1)
    x = torch.randn(3, 8)
    assert torch.allclose(phys.twin(0.0)(x), phys.measure(x), atol=1e-5)
    assert not torch.allclose(phys.twin(0.5, seed=2)(x), phys.measure(x), atol=1e-2)


def test_drift_changes_the_physics_and_bad_arguments_raise():
    phys = pf.PhysicalLayer(8, 5, noise=0.0, seed=1)
    x = torch.randn(3, 8)
    a0 = phys.measure(x)
    phys.drift(0.5, seed=3)
    assert not torch.allclose(a0, phys.measure(x))
    with pytest.raises(ValueError, match="strength"):
        phys.drift(1.5, seed=0)
    with pytest.raises(ValueError, match="mismatch"):
        phys.twin(-0.1)
    with pytest.raises(ValueError, match="gain"):
        pf.PhysicalLayer(4, 4, gain=0.0)


def test_predict_uses_goodness_over_all_labels():
    torch.manual_seed(0)
    net = pf.PhyLLNet(d_in=64 + 10, phys=(16,), hidden=8, seed=0)
    pred = net.predict(torch.rand(5, 64))
    assert pred.shape == (5,) and pred.min() >= 0 and pred.max() < 10


def test_pat_forward_is_the_hardware_and_backward_the_twin():
    torch.manual_seed(0)
    hw = [pf.PhysicalLayer(8, 6, noise=0.0, seed=1), pf.PhysicalLayer(60, 6, noise=0.0, seed=2)]
    x, y = torch.rand(4, 8), torch.tensor([0, 1, 2, 3])
    pat = pf.make_bp(hw, 0.5, "pat", seed=0)  # a badly mismatched twin
    silico = pf.make_bp(hw, 0.5, "in-silico", seed=0)
    # forward: PAT sees the real physics, in-silico the wrong twin
    assert torch.allclose(pat.net(x, "pat"), pat.net(x, "real"), atol=1e-5)
    assert not torch.allclose(silico.net(x, "in-silico"), silico.net(x, "real"), atol=1e-3)
    # backward: gradients reach the first digital layer through the twin
    torch.nn.functional.cross_entropy(pat.net(x, "pat"), y).backward()
    assert pat.net.digital[0].weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="mode"):
        pat.net(x, "oracle")


def test_claim_rows_and_a_control_failing_an_evidence_clause():
    res = lambda v: pf.Result([v], v)  # noqa: E731
    r = {
        "phyll": res(0.75),
        "bp": {
            "BP, perfect twin": res(0.94),
            "BP, mismatched twin": res(0.85),
            "PAT, mismatched twin": res(0.95),
        },
        "readout": 0.95,
        "recovered": {
            "PhyLL": res(0.8),
            "BP, perfect twin": res(0.8),
            "BP, mismatched twin": res(0.6),
            "PAT, mismatched twin": res(0.94),
        },
        "readout_recovered": 0.95,
    }
    table = pf.CLAIM.check(pf.claim_rows(r))
    assert table.rows["ours"]["gap_to_pat"] == pytest.approx(-0.2)
    assert "gap_to_pat" in table.control_evidence_failures("BP, mismatched twin")
    assert table.holds and not pf.CLAIM.reproduced  # only ours' sanity clauses are asserted

"""Mechanism tests for paperlab.papers.prototype_case_based."""

import numpy as np
import pytest
import torch

from paperlab.papers import prototype_case_based as pc


def test_shapes_and_distances_are_squared_l2():
    torch.manual_seed(0)
    m = pc.PrototypeNet(n_prototypes=7)
    x = torch.rand(5, 1, 8, 8)
    z = m.encode(x)
    assert z.shape == (5, 40)
    assert m.decode(z).shape == (5, 1, 8, 8)
    d = m.distances(z)
    torch.testing.assert_close(d[2, 3], ((z[2] - m.prototypes[3]) ** 2).sum())
    assert m(x).shape == (5, 10)


def test_loss_terms_match_definitions():
    torch.manual_seed(1)
    m = pc.PrototypeNet(n_prototypes=4)
    x, y = torch.rand(6, 1, 8, 8), torch.randint(0, 10, (6,))
    loss, terms = pc.prototype_loss(m, x, y)
    d = m.distances(m.encode(x))
    assert terms["r1"] == pytest.approx(d.min(0).values.mean().item(), rel=1e-5)
    assert terms["r2"] == pytest.approx(d.min(1).values.mean().item(), rel=1e-5)
    total = 20 * terms["ce"] + terms["recon"] + terms["r1"] + terms["r2"]
    assert loss.item() == pytest.approx(total, rel=1e-5)
    # R1 vanishes when every prototype sits on an encoding
    with torch.no_grad():
        m.prototypes.copy_(m.encode(x)[:4])
    assert pc.prototype_loss(m, x, y)[1]["r1"] == pytest.approx(0.0, abs=1e-6)


def test_explain_reads_prototypes():
    torch.manual_seed(2)
    m = pc.PrototypeNet(n_prototypes=3)
    x, y = torch.rand(20, 1, 8, 8), torch.arange(20) % 10
    with torch.no_grad():
        m.prototypes.copy_(m.encode(x[[4, 7, 11]]))
    ex = pc.explain(m, x, y)
    assert list(ex["nearest_label"]) == [4, 7, 1]
    assert ex["decoded"].shape == (3, 8, 8) and ex["weights"].shape == (3, 10)


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_prototypes"):
        pc.PrototypeNet(n_prototypes=0)
    m = pc.PrototypeNet(3)
    with pytest.raises(ValueError, match="lambdas"):
        pc.prototype_loss(m, torch.rand(2, 1, 8, 8), torch.zeros(2, dtype=torch.long), {"r3": 1.0})


def test_case_metrics_on_known_cases():
    gen = torch.Generator().manual_seed(3)
    z_train = torch.randn(40, 5, generator=gen)
    z_test = z_train[:10] + 0.01
    pred = np.arange(10) % 3
    # cases = the first 10 training encodings, each labelled with the prediction of the test digit beside it
    m = pc.case_metrics(z_train, z_test, z_train[:10], pred.copy(), pred, pred)
    assert m["consistency"] == 1.0 and m["accuracy"] == 1.0 and m["coverage"] == 3
    assert m["realism"] == pytest.approx(0.0)
    # cases far from every training encoding fail the realism clause
    far = pc.case_metrics(z_train, z_test, z_train[:10] + 100.0, pred.copy(), pred, pred)
    assert not pc.CLAIM.clause("realism").holds(far["realism"])


def test_untrained_prototype_net_fails_an_evidence_clause():
    torch.manual_seed(4)
    x = torch.rand(60, 1, 8, 8)
    y = torch.arange(60) % 10
    m = pc.prototype_case_metrics(pc.PrototypeNet(15), (x, y, x, y))
    table = pc.CLAIM.check({"ours": m, "untrained": m})
    assert table.control_evidence_failures("untrained")

import math

import pytest
import torch
import torch.nn.functional as F

from paperlab.data.graphs import csbm
from paperlab.papers import graph_ssl_benchmark as m


def _small(seed: int = 0):
    return csbm(120, 3, d=8, avg_degree=6.0, seed=seed)


def test_grace_semi_loss_matches_eq1_by_hand():
    torch.manual_seed(0)
    method = m.GRACE(m.GCNEncoder(8, 16, 16), tau=0.5)
    u, v = torch.randn(5, 16), torch.randn(5, 16)
    got = method._semi(u, v)
    un, vn = F.normalize(u, dim=1), F.normalize(v, dim=1)
    for i in range(5):
        pos = math.exp(float(un[i] @ vn[i]) / 0.5)
        inter = sum(math.exp(float(un[i] @ vn[k]) / 0.5) for k in range(5) if k != i)
        intra = sum(math.exp(float(un[i] @ un[k]) / 0.5) for k in range(5) if k != i)
        assert got[i].item() == pytest.approx(-math.log(pos / (pos + inter + intra)), rel=1e-5)


def test_cca_ssg_identical_views_leave_only_the_decorrelation_term():
    torch.manual_seed(0)
    data = _small()
    method = m.CCASSG(m.GCNEncoder(8, 16, 16), lam=0.1, p_edge=(0.0, 0.0), p_feat=(0.0, 0.0))
    z = method.encoder(data.x, data.edge_index)
    n = z.shape[0]
    zs = (z - z.mean(0)) / z.std(0) / math.sqrt(n)
    dec = 2 * (zs.T @ zs - torch.eye(16)).pow(2).sum()
    assert method.loss(data.x, data.edge_index).item() == pytest.approx(0.1 * dec.item(), rel=1e-4)


def test_bgrl_target_is_an_ema_of_the_online_encoder():
    torch.manual_seed(0)
    method = m.BGRL(m.GCNEncoder(8, 16, 16), momentum=0.9)
    with torch.no_grad():
        for p in method.encoder.parameters():
            p.add_(1.0)
    before = [p.clone() for p in method.target.parameters()]
    method.after_step(0.0)  # start of the schedule: tau = momentum
    for b, t, o in zip(before, method.target.parameters(), method.encoder.parameters(), strict=True):
        assert torch.allclose(t, 0.9 * b + 0.1 * o)
    snapshot = [p.clone() for p in method.target.parameters()]
    method.after_step(1.0)  # end of the cosine schedule: tau = 1, the target stops moving
    for s, t in zip(snapshot, method.target.parameters(), strict=True):
        assert torch.allclose(s, t)
    assert all(not p.requires_grad for p in method.target.parameters())


def test_graphmae_masks_with_the_token_and_sce_is_zero_on_a_perfect_reconstruction():
    tok = m.MaskToken(4)
    with torch.no_grad():
        tok.token.fill_(7.0)
    x = torch.randn(6, 4)
    mask = torch.tensor([True, False, True, False, False, False])
    out = tok(x, mask)
    assert torch.all(out[mask] == 7.0) and torch.equal(out[~mask], x[~mask])
    sce = m.ScaledCosineError(gamma=2.0)
    assert sce(x, 3 * x, mask).item() == pytest.approx(0.0, abs=1e-6)  # scale-invariant
    assert sce(x, -x, mask).item() == pytest.approx(4.0, rel=1e-5)  # (1 - (-1))^2
    with pytest.raises(ValueError, match="gamma"):
        m.ScaledCosineError(0.5)


def test_every_method_trains_and_subgraph_batches_use_less_memory():
    data = _small()
    for method in m.METHODS:
        full = m.pretrain(method, data, epochs=3, seed=0)
        assert all(math.isfinite(v) for v in full.losses)
        sub = m.pretrain(method, data, epochs=2, batching="subgraph", num_parts=4, seed=0)
        assert sub.peak_step_bytes < full.peak_step_bytes
    with pytest.raises(ValueError, match="batching"):
        m.pretrain("GRACE", data, epochs=1, batching="neighbor")
    with pytest.raises(ValueError, match="method"):
        m.build("DGI", 8)


def test_subgraph_batches_partition_the_nodes():
    data = _small()
    data.node_id = torch.arange(data.num_nodes)
    parts = m.subgraph_batches(data, 4, seed=0)()
    ids = torch.cat([p.node_id for p in parts]).sort().values
    assert torch.equal(ids, torch.arange(data.num_nodes))


def test_claim_rows_take_the_weakest_method_and_the_oracle_bounds_auc():
    g = m.make_graph(n=200, n_classes=3, seed=0)
    assert 0.5 < m.class_oracle_auc(g) <= 1.0
    rows = {("raw features", "-"): {"probe": 0.3, "link_auc": 0.5, "nmi": 0.0}}
    rows[("untrained GCN", "-")] = {"probe": 0.8, "link_auc": 0.6, "nmi": 0.3}
    rows[("A", "full")] = {"probe": 0.9, "link_auc": 0.7, "nmi": 0.6}
    rows[("B", "full")] = {"probe": 0.85, "link_auc": 0.72, "nmi": 0.7}
    out = m.claim_rows(m.Benchmark(rows, {}, {}))
    assert out["ours"]["probe_vs_raw"] == pytest.approx(0.55)
    assert out["ours"]["nmi"] == pytest.approx(0.6)
    assert out["ours"]["link_auc"] == pytest.approx(0.7)
    assert out["untrained GCN"]["probe_vs_untrained"] == 0.0

import math

import pytest
import torch
from torch_geometric.utils import to_dense_adj

from paperlab.papers import dagnn_deeper_gnn as m


def _data():
    return m.graph(seed=0, n=60)


def test_k0_dagnn_is_the_mlp():
    data = _data()
    torch.manual_seed(0)
    net = m.DAGNN(32, 5, K=0).eval()
    z = net.mlp(data.x)  # the transformation alone
    out = net(data.x, data.edge_index)
    s = torch.sigmoid(net.retain.proj(z))  # eq. (8) with one hop: X_out = σ(Z s) Z
    torch.testing.assert_close(out, s * z)
    assert torch.equal(out.argmax(1), z.argmax(1))  # a positive rescaling: the MLP's predictions
    for scores in ("uniform", "last"):
        torch.manual_seed(0)
        plain = m.DAGNN(32, 5, K=0, scores=scores).eval()
        torch.testing.assert_close(plain(data.x, data.edge_index), plain.mlp(data.x))


def test_propagation_is_the_normalised_adjacency_with_self_loops():
    data = _data()
    n = data.num_nodes
    a = to_dense_adj(data.edge_index, max_num_nodes=n)[0] + torch.eye(n)
    d = a.sum(1).rsqrt()
    a_hat = d[:, None] * a * d[None, :]
    x = torch.randn(n, 5)
    torch.testing.assert_close(m.Propagate()(x, data.edge_index), a_hat @ x)
    torch.manual_seed(1)
    net = m.DAGNN(32, 5, K=3).eval()
    h = net.hops(data.x, data.edge_index)
    assert h.shape == (n, 4, 5)
    torch.testing.assert_close(h[:, 3], torch.linalg.matrix_power(a_hat, 3) @ h[:, 0], rtol=1e-4, atol=1e-5)


def test_ablations_weight_the_hops_as_stated():
    h = torch.randn(7, 4, 3)
    torch.testing.assert_close(m.RetainmentScores(3, "uniform")(h), h.mean(1))
    torch.testing.assert_close(m.RetainmentScores(3, "last")(h), h[:, -1])
    w = m.RetainmentScores(3, "adaptive").weights(h)
    assert w.shape == (7, 4) and bool(((w > 0) & (w < 1)).all())
    with pytest.raises(ValueError, match="scores"):
        m.RetainmentScores(3, "mean")


def test_smv_limits():
    same = torch.tensor([[1.0, 2.0], [2.0, 4.0], [0.5, 1.0]])
    assert m.smv(same) == pytest.approx(0.0, abs=1e-12)
    ortho = torch.eye(2)
    assert m.smv(ortho) == pytest.approx(0.5 * math.sqrt(2))
    with pytest.raises(ValueError, match="h must be"):
        m.smv(torch.ones(1, 3))


def test_deep_propagation_oversmooths():
    data = m.graph(seed=0, n=200)
    smvs = m.propagated_smv(data.x, data.edge_index, [0, 2, 64])
    assert smvs[0] > smvs[1] > smvs[2]
    assert smvs[2] < 0.01  # Â^k X tends to the rank-one limit (§4): one direction for every node


def test_bad_arguments():
    with pytest.raises(ValueError, match="K must"):
        m.DAGNN(4, 2, K=-1)
    with pytest.raises(ValueError, match="layers must"):
        m.gcn(4, 2, layers=0)

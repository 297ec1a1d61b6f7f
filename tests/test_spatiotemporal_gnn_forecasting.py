import numpy as np
import pytest
import torch

from paperlab.data.graphs import community_graph, edge_index_of
from paperlab.papers import spatiotemporal_gnn_forecasting as st


def _sym_norm(adj: np.ndarray) -> torch.Tensor:
    deg = adj.sum(1).astype(float)
    s = adj / np.sqrt(deg[:, None] * deg[None, :])
    return torch.tensor(s, dtype=torch.float32)


def test_diffusion_is_the_k_hop_polynomial_of_the_normalised_adjacency():
    torch.manual_seed(0)
    adj = community_graph(3, 5, seed=0)
    ei = edge_index_of(adj)
    block = st.Diffusion(4, hops=2)
    h = torch.randn(2, adj.shape[0], 4)
    s = _sym_norm(adj)
    lins = block.conv.lins
    want = lins[0](h) + lins[1](s @ h) + lins[2](s @ s @ h) + block.conv.bias
    out = block(h, ei)
    assert torch.allclose(out[..., :4], h)  # the node's own state is kept
    assert torch.allclose(out[..., 4:], torch.relu(want), atol=1e-5)


def test_graph_free_model_ignores_the_neighbours():
    torch.manual_seed(0)
    adj = community_graph(3, 5, seed=0)
    ei = edge_index_of(adj)
    x = torch.randn(3, 6, adj.shape[0])
    x2 = x.clone()
    x2[:, :, 1:] += torch.randn_like(x2[:, :, 1:])  # change every node except node 0
    gru = st.TimeThenSpace(hidden=8, hops=0)
    stgnn = st.TimeThenSpace(hidden=8, hops=2)
    assert torch.allclose(gru(x, ei)[..., 0], gru(x2, ei)[..., 0])
    assert not torch.allclose(stgnn(x, ei)[..., 0], stgnn(x2, ei)[..., 0])
    assert stgnn(x, ei).shape == (3, 1, adj.shape[0])


def test_node_embeddings_are_one_per_node():
    m = st.TimeThenSpace(hidden=8, hops=1, horizon=3, n_nodes=15, emb_dim=4)
    assert m.emb.shape == (15, 4)
    ei = edge_index_of(community_graph(3, 5, seed=0))
    assert m(torch.randn(2, 6, 15), ei).shape == (2, 3, 15)
    with pytest.raises(ValueError, match="n_nodes"):
        st.TimeThenSpace(emb_dim=4)


def test_local_ar_recovers_a_known_ar2_process():
    gen = torch.Generator().manual_seed(0)
    t, n = 4000, 3
    x = torch.zeros(t, n)
    phi = torch.tensor([[0.5, -0.3], [0.2, 0.1], [-0.4, 0.2]])
    for i in range(2, t):
        x[i] = phi[:, 0] * x[i - 1] + phi[:, 1] * x[i - 2] + 0.1 * torch.randn(n, generator=gen)
    coef = st.fit_local_ar(x, 2)
    assert torch.allclose(coef[:, 1:], phi, atol=0.05)
    pred = st.predict_local_ar(coef, x, 100, 200)
    assert pred.shape == (100, n)


def test_oracle_error_is_the_noise_variance_and_windows_line_up():
    task = st.make_task(3, 6, steps=1500, seed=0)
    assert abs(st.oracle_forecast(task).mse - task.noise_std**2) < 0.02
    xi, yi = task.windows("test")
    s, _ = task.splits["test"]
    assert torch.equal(yi[0, 0], task.x[s]) and torch.equal(xi[0, -1], task.x[s - 1])
    with pytest.raises(ValueError, match="window"):
        st.make_task(window=1)

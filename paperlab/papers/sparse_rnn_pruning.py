"""Investigating Sparsity in Recurrent Neural Networks (Harshil Darji, MSc thesis 2021, arXiv 2407.20601; code harshildarji/thesis).

Two ways to make an RNN sparse, on the task of telling valid from invalid embedded Reber strings:

1. **Magnitude pruning with retraining** (thesis ch. 4): train a dense RNN-tanh, RNN-ReLU, GRU or LSTM,
   then zero the fraction ``p`` of smallest-magnitude weights in every input-to-hidden (``W_ih``) and
   hidden-to-hidden (``W_hh``) matrix, ``W ← W ⊙ 1[|W| > q_p(|W|)]`` (``torch.nn.utils.prune.l1_unstructured``),
   and retrain with the mask fixed.
2. **Sparse RNNs from random graphs** (thesis ch. 5): a Watts–Strogatz or Barabási–Albert graph (networkx) is
   turned into a DAG (edges point from lower to higher node id) and layered by longest path from the sources,
   as pypaddle's ``LayeredGraph`` does in the thesis code. Each layer is a recurrent layer with one unit per
   node; a unit receives input only from the nodes with an edge into it (a fixed mask on ``W_ih``), the sources
   read the embedded characters and the sinks feed the classifier. Test accuracy is then regressed on graph
   properties (density, average shortest path length, diameter, degree spread, number of layers).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import networkx as nx
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import prune

from paperlab.config import Config
from paperlab.data.sequences import REBER_ALPHABET, embedded_reber
from paperlab.nn.rnn import CELLS, SequenceClassifier, make_rnn
from paperlab.train import History, batches, fit

VOCAB = len(REBER_ALPHABET) + 1  # + padding id


# ---- models -----------------------------------------------------------------------------------


def reber_classifier(
    cell: str, *, hidden: int = 50, num_layers: int = 1, embed: int = 16
) -> SequenceClassifier:
    """Character embedding → ``num_layers`` × ``hidden`` recurrent layers → valid/invalid (the thesis uses 3 × 50)."""
    return SequenceClassifier(cell, VOCAB, hidden, 2, embed=embed, num_layers=num_layers)


def recurrent_weight_names(rnn: nn.RNNBase) -> list[str]:
    """Names of the matrices that pruning touches: ``weight_ih_l{k}`` and ``weight_hh_l{k}`` of every layer."""
    return [f"weight_{kind}_l{k}" for k in range(rnn.num_layers) for kind in ("ih", "hh")]


def magnitude_prune(model: SequenceClassifier, amount: float) -> None:
    """Prune the smallest-magnitude fraction ``amount`` of every ``W_ih`` and ``W_hh`` (per matrix), in place.

    Uses ``torch.nn.utils.prune.l1_unstructured``; masks stay attached, so retraining keeps the zeros.
    """
    if not 0.0 <= amount < 1.0:
        raise ValueError(f"amount must be in [0, 1); got {amount}")
    for name in recurrent_weight_names(model.rnn):
        prune.l1_unstructured(model.rnn, name, amount=amount)


def sparsity(model: SequenceClassifier) -> float:
    """Fraction of zeros over all recurrent ``W_ih``/``W_hh`` matrices."""
    ws = [getattr(model.rnn, n) for n in recurrent_weight_names(model.rnn)]
    return float(sum((w == 0).sum() for w in ws) / sum(w.numel() for w in ws))


def layered_dag(graph: nx.Graph) -> tuple[nx.DiGraph, list[list[int]]]:
    """Orient edges from lower to higher node id and group nodes into layers by longest path from a source."""
    if graph.number_of_nodes() < 2:
        raise ValueError("graph must have at least 2 nodes")
    dag = nx.DiGraph()
    dag.add_nodes_from(graph.nodes)
    dag.add_edges_from((min(u, v), max(u, v)) for u, v in graph.edges)
    depth: dict[int, int] = {}
    for v in nx.topological_sort(dag):
        depth[v] = max((depth[u] + 1 for u in dag.predecessors(v)), default=0)
    layers = [[] for _ in range(max(depth.values()) + 1)]
    for v in sorted(dag.nodes):
        layers[depth[v]].append(v)
    return dag, layers


class GraphRNN(nn.Module):
    """A sparse RNN wired by a random graph (thesis ch. 5): one recurrent layer per DAG layer.

    Layer ``L`` sees the outputs of all earlier nodes through a fixed 0/1 mask on its ``W_ih`` (an edge
    ``u → v`` lets node ``v`` read node ``u``); nodes without predecessors read the embedded input. The
    classifier reads the sinks (nodes without successors).
    """

    def __init__(self, graph: nx.Graph, cell: str = "gru", *, embed: int = 16) -> None:
        super().__init__()
        self.dag, self.layers = layered_dag(graph)
        self.cell = cell
        self.embed = nn.Embedding(VOCAB, embed)
        self.order = [v for layer in self.layers for v in layer]  # column order of the concatenated outputs
        pos = {v: i for i, v in enumerate(self.order)}
        self.rnns = nn.ModuleList()
        seen = 0
        for layer in self.layers:
            rnn = make_rnn(cell, embed + seen, len(layer))
            gates = rnn.weight_ih_l0.shape[0] // len(layer)
            mask = torch.zeros(len(layer), embed + seen)
            for r, v in enumerate(layer):
                preds = list(self.dag.predecessors(v))
                if not preds:
                    mask[r, :embed] = 1.0
                for u in preds:
                    mask[r, embed + pos[u]] = 1.0
            prune.custom_from_mask(rnn, "weight_ih_l0", mask.repeat(gates, 1))
            self.rnns.append(rnn)
            seen += len(layer)
        self.sinks = [pos[v] for v in self.order if self.dag.out_degree(v) == 0]
        self.head = nn.Linear(len(self.sinks), 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e = self.embed(x)  # (batch, seq, embed)
        outs: list[torch.Tensor] = []
        for rnn in self.rnns:
            outs.append(rnn(torch.cat([e, *outs], -1))[0])  # (batch, seq, layer size)
        h = torch.cat(outs, -1)[:, -1]  # (batch, nodes)
        return self.head(h[:, self.sinks])


def graph_properties(graph: nx.Graph) -> dict[str, float]:
    """The thesis' graph descriptors (a subset): size, density, path lengths, degree spread, DAG layers."""
    g = graph if nx.is_connected(graph) else graph.subgraph(max(nx.connected_components(graph), key=len))
    deg = list(nx.degree_centrality(graph).values())
    return {
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "density": nx.density(graph),
        "avg_shortest_path": nx.average_shortest_path_length(g),
        "diameter": nx.diameter(g),
        "degree_std": statistics.pstdev(deg),
        "clustering": nx.average_clustering(graph),
        "layers": len(layered_dag(graph)[1]),
    }


def random_graph(kind: str, n: int, seed: int) -> nx.Graph:
    """The thesis' generators: ``barabasi_albert_graph(n, n // 10)`` or ``connected_watts_strogatz_graph(n, n // 5, 1)``."""
    if kind == "barabasi_albert":
        return nx.barabasi_albert_graph(n, max(1, n // 10), seed=seed)
    if kind == "watts_strogatz":
        return nx.connected_watts_strogatz_graph(n, max(2, n // 5), 1.0, tries=100, seed=seed)
    raise ValueError(f"kind must be 'barabasi_albert' or 'watts_strogatz'; got {kind!r}")


# ---- experiments ------------------------------------------------------------------------------


@dataclass
class ReberData:
    """Train/test token ids and labels."""

    x: torch.Tensor
    y: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


def reber_data(n_train: int = 3000, n_test: int = 1000, *, max_len: int = 30, seed: int = 0) -> ReberData:
    """Embedded-Reber train and test sets (half valid, half one-symbol corruptions)."""
    x, _, y = embedded_reber(n_train, max_len=max_len, seed=seed)
    xt, _, yt = embedded_reber(n_test, max_len=max_len, seed=seed + 1)
    return ReberData(x, y, xt, yt)


@torch.no_grad()
def test_accuracy(model: nn.Module, data: ReberData) -> float:
    """Accuracy on the test strings."""
    model.eval()
    return float((model(data.x_test).argmax(-1) == data.y_test).float().mean())


def _loss(model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    return F.cross_entropy(model(batch[0]), batch[1])


def train(
    model: nn.Module, data: ReberData, *, epochs: int, lr: float = 3e-3, seed: int = 0, desc: str = "train"
) -> History:
    """Adam, batch 32, gradient clipping 5 (as in the thesis code)."""
    return fit(
        model,
        _loss,
        batches(data.x, data.y, batch_size=32, seed=seed),
        epochs=epochs,
        lr=lr,
        grad_clip=5.0,
        desc=desc,
    )


@dataclass
class PruneResult:
    """Per cell type: dense accuracy, and per prune level the accuracy before and after each retraining epoch."""

    dense: dict[str, float]
    before: dict[str, dict[float, float]]
    after: dict[str, dict[float, list[float]]]


def run_pruning(
    cfg: Config,
    data: ReberData,
    *,
    cells: tuple[str, ...] = CELLS,
    levels: tuple[float, ...] = (0.2, 0.4, 0.6, 0.8, 0.9),
    epochs: int = 10,
    retrain_epochs: int = 1,
    hidden: int = 50,
    num_layers: int = 1,
    seed: int = 0,
) -> PruneResult:
    """Thesis ch. 4: train each cell dense, then for each level prune a copy of it and retrain ``retrain_epochs``."""
    dense, before, after = {}, {}, {}
    for cell in cells:
        torch.manual_seed(seed)
        model = reber_classifier(cell, hidden=hidden, num_layers=num_layers).to(cfg.device)
        train(model, data, epochs=epochs, seed=seed, desc=f"{cell} dense")
        dense[cell] = test_accuracy(model, data)
        state = {k: v.clone() for k, v in model.state_dict().items()}
        before[cell], after[cell] = {}, {}
        for p in levels:
            m = reber_classifier(cell, hidden=hidden, num_layers=num_layers).to(cfg.device)
            m.load_state_dict(state)
            magnitude_prune(m, p)
            before[cell][p] = test_accuracy(m, data)
            after[cell][p] = []
            for e in range(retrain_epochs):
                train(m, data, epochs=1, lr=1e-3, seed=seed + 1 + e, desc=f"{cell} {p:.0%} retrain")
                after[cell][p].append(test_accuracy(m, data))
    return PruneResult(dense, before, after)


def run_graph_rnns(
    cfg: Config,
    data: ReberData,
    *,
    cell: str = "gru",
    n_graphs: int = 6,
    nodes: tuple[int, int] = (10, 30),
    epochs: int = 5,
    seed: int = 0,
) -> list[dict[str, float]]:
    """Thesis ch. 5: train sparse graph-wired RNNs from random BA/WS graphs; one row of properties + accuracy each."""
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(n_graphs):
        kind = ("barabasi_albert", "watts_strogatz")[g % 2]
        graph = random_graph(kind, int(rng.integers(nodes[0], nodes[1] + 1)), seed=seed * 1000 + g)
        torch.manual_seed(seed + g)
        model = GraphRNN(graph, cell).to(cfg.device)
        train(model, data, epochs=epochs, seed=seed + g, desc=f"{kind} {g}")
        rows.append({"graph": kind, **graph_properties(graph), "accuracy": test_accuracy(model, data)})
    return rows


def diagram_example() -> tuple[torch.nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
    """A small GRU Reber classifier and a batch of token ids, for `paperlab diagrams`."""
    torch.manual_seed(0)
    return reber_classifier("gru", hidden=8), (torch.randint(0, VOCAB, (2, 12)),), ["b t"]

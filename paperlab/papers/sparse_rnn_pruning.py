"""Investigating Sparsity in Recurrent Neural Networks (Harshil Darji, MSc thesis 2021, arXiv 2407.20601; code harshildarji/thesis).

Two ways to make an RNN sparse, on the task of telling valid from invalid embedded Reber strings:

1. **Magnitude pruning with retraining** (thesis ch. 4): train a dense RNN-tanh, RNN-ReLU, GRU or LSTM
   (thesis code: 50 epochs), then zero the fraction ``p`` of smallest-magnitude weights, with **one global
   threshold** over all input-to-hidden (``W_ih``) and hidden-to-hidden (``W_hh``) matrices,
   ``W ← W ⊙ 1[|W| ≥ q_p(|all W_ih, W_hh|)]`` (``PruneRNN.__get_masks`` in ``Implementations/sparse.py``:
   ``np.percentile`` over the pooled weights; here ``torch.nn.utils.prune.global_unstructured``), and retrain
   with the mask fixed (thesis code: 10 epochs, accuracy logged after each). A per-matrix threshold
   (``l1_unstructured`` on each matrix) is kept as a variant.
2. **Sparse RNNs from random graphs** (thesis ch. 5): a Watts–Strogatz or Barabási–Albert graph (networkx) is
   turned into a DAG (edges point from lower to higher node id) and layered by longest path from the sources,
   as pypaddle's ``LayeredGraph`` does in the thesis code. Each layer is a recurrent layer with one unit per
   node; a unit receives input only from the nodes with an edge into it (a fixed mask on ``W_ih``), the sources
   read the embedded characters and the sinks feed the classifier. Test accuracy is then regressed on graph
   properties (density, average shortest path length, diameter, degree spread, number of layers).
"""

from __future__ import annotations

import dataclasses
import statistics
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import prune

from paperlab.claims import Claim, Clause
from paperlab.config import Config
from paperlab.data.sequences import REBER_ALPHABET, embedded_reber
from paperlab.nn.rnn import CELLS, SequenceClassifier, make_rnn
from paperlab.reproduce import PaperValue, ReproSpec
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


RULES = ("global", "per_matrix")


def magnitude_prune(model: SequenceClassifier, amount: float, rule: str = "global") -> None:
    """Prune the smallest-magnitude fraction ``amount`` of the ``W_ih``/``W_hh`` weights, in place.

    ``rule="global"`` is the thesis' rule (``PruneRNN.__get_masks``): one threshold, the ``amount``
    quantile of ``|w|`` pooled over every ``W_ih`` and ``W_hh``, so matrices with many small weights lose
    more than ``amount`` and others less. ``rule="per_matrix"`` prunes ``amount`` of each matrix
    separately. Masks stay attached (``torch.nn.utils.prune``), so retraining keeps the zeros.
    """
    if not 0.0 <= amount < 1.0:
        raise ValueError(f"amount must be in [0, 1); got {amount}")
    names = recurrent_weight_names(model.rnn)
    if rule == "global":
        prune.global_unstructured(
            [(model.rnn, n) for n in names], pruning_method=prune.L1Unstructured, amount=amount
        )
    elif rule == "per_matrix":
        for name in names:
            prune.l1_unstructured(model.rnn, name, amount=amount)
    else:
        raise ValueError(f"rule must be one of {RULES}; got {rule!r}")


def random_prune(model: SequenceClassifier, amount: float, *, seed: int = 0) -> None:
    """Negative control: zero a random fraction ``amount`` of every ``W_ih``/``W_hh`` (no magnitude criterion)."""
    if not 0.0 <= amount < 1.0:
        raise ValueError(f"amount must be in [0, 1); got {amount}")
    torch.manual_seed(seed)
    for name in recurrent_weight_names(model.rnn):
        prune.random_unstructured(model.rnn, name, amount=amount)


def sparsity(model: SequenceClassifier) -> float:
    """Fraction of zeros over all recurrent ``W_ih``/``W_hh`` matrices."""
    ws = [getattr(model.rnn, n) for n in recurrent_weight_names(model.rnn)]
    return float(sum((w == 0).sum() for w in ws) / sum(w.numel() for w in ws))


def matrix_sparsity(model: SequenceClassifier) -> dict[str, float]:
    """Fraction of zeros in each ``W_ih``/``W_hh`` matrix (the global rule spreads them unevenly)."""
    return {n: float((getattr(model.rnn, n) == 0).float().mean()) for n in recurrent_weight_names(model.rnn)}


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
    """Per cell type: dense accuracy; per rule, cell and prune level the accuracy before retraining, after
    each retraining epoch, and the sparsity of the retrained model's ``W_ih``/``W_hh``.

    Rules are ``"global"`` / ``"per_matrix"`` (magnitude pruning) and the negative controls
    ``"random"`` (random mask, retrained) and ``"fresh"`` (the global mask on a freshly initialised
    net, trained for the same retraining budget).
    """

    dense: dict[str, float]
    before: dict[str, dict[str, dict[float, float]]]
    after: dict[str, dict[str, dict[float, list[float]]]]
    sparsity: dict[str, dict[str, dict[float, float]]]
    states: dict[str, dict[str, torch.Tensor]]  # the trained dense weights per cell


def _retrain(
    cfg: Config,
    res: PruneResult,
    rule: str,
    cell: str,
    p: float,
    model: SequenceClassifier,
    data: ReberData,
    *,
    retrain_epochs: int,
    seed: int,
) -> None:
    res.before.setdefault(rule, {}).setdefault(cell, {})[p] = test_accuracy(model, data)
    accs = res.after.setdefault(rule, {}).setdefault(cell, {})[p] = []
    for e in range(retrain_epochs):
        train(model, data, epochs=1, lr=1e-3, seed=seed + 1 + e, desc=f"{cell} {rule} {p:.0%} retrain")
        accs.append(test_accuracy(model, data))
    res.sparsity.setdefault(rule, {}).setdefault(cell, {})[p] = sparsity(model)


def run_pruning(
    cfg: Config,
    data: ReberData,
    *,
    cells: tuple[str, ...] = CELLS,
    levels: tuple[float, ...] = (0.2, 0.4, 0.6, 0.8, 0.9),
    rules: tuple[str, ...] = RULES,
    controls: tuple[str, ...] = ("random", "fresh"),
    control_levels: tuple[float, ...] = (0.6, 0.9),
    epochs: int = 10,
    retrain_epochs: int = 1,
    hidden: int = 50,
    num_layers: int = 1,
    seed: int = 0,
    lr: float = 3e-3,
) -> PruneResult:
    """Thesis ch. 4: train each cell dense (``epochs``), then for each rule and level prune a copy and retrain
    it ``retrain_epochs`` (thesis code: 50 dense epochs, 10 retraining epochs, global rule). ``lr`` is the
    dense training's Adam rate (thesis code: 1e-3); retraining always uses 1e-3, as the thesis does.

    The controls run at ``control_levels`` with the same retraining budget: ``"random"`` prunes a random
    mask of the same size; ``"fresh"`` keeps the global magnitude mask but re-initialises the weights.
    """
    bad = [r for r in (*rules, *controls) if r not in (*RULES, "random", "fresh")]
    if bad:
        raise ValueError(f"rules/controls must be among {(*RULES, 'random', 'fresh')}; got {bad}")
    res = PruneResult({}, {}, {}, {}, {})
    make = lambda: reber_classifier(cell, hidden=hidden, num_layers=num_layers).to(cfg.device)  # noqa: E731
    kw = dict(retrain_epochs=retrain_epochs, seed=seed)
    for cell in cells:
        torch.manual_seed(seed)
        model = make()
        train(model, data, epochs=epochs, lr=lr, seed=seed, desc=f"{cell} dense")
        res.dense[cell] = test_accuracy(model, data)
        state = res.states[cell] = {k: v.clone() for k, v in model.state_dict().items()}
        for rule in rules:
            for p in levels:
                m = make()
                m.load_state_dict(state)
                magnitude_prune(m, p, rule)
                _retrain(cfg, res, rule, cell, p, m, data, **kw)
        for ctrl in controls:
            for p in control_levels:
                m = make()
                m.load_state_dict(state)
                if ctrl == "random":
                    random_prune(m, p, seed=seed + 7)
                else:
                    magnitude_prune(m, p, "global")
                    masks = {n: getattr(m.rnn, f"{n}_mask").clone() for n in recurrent_weight_names(m.rnn)}
                    torch.manual_seed(seed + 1000)
                    m = make()
                    for n, mask in masks.items():
                        prune.custom_from_mask(m.rnn, n, mask)
                _retrain(cfg, res, ctrl, cell, p, m, data, **kw)
    return res


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


# ---- claim ------------------------------------------------------------------------------------

CLAIM_LEVEL, HARD_LEVEL = 0.6, 0.9

CLAIM = Claim(
    slug="sparse_rnn_pruning",
    statement=(
        "after global magnitude pruning of 60 % of W_ih/W_hh, one retraining epoch brings every cell type "
        "(RNN-tanh, RNN-ReLU, GRU, LSTM) back to its dense accuracy"
    ),
    clauses=(
        Clause(
            "dense_gru",
            "dense GRU test accuracy (the pruned nets' starting point)",
            ">=",
            0.98,
            kind="sanity",
        ),
        Clause(
            "sparsity_60",
            "smallest fraction of zeros in W_ih/W_hh over the four retrained 60 %-pruned nets",
            ">=",
            0.595,
            kind="sanity",
        ),
        Clause(
            "worst_gap_60",
            "largest dense - (pruned 60 % + 1 retraining epoch) test accuracy over the four cells",
            "<=",
            0.02,
        ),
        Clause(
            "worst_gap_90",
            "the same gap at 90 % pruning (thesis: recovered after 1 epoch for GRU, LSTM, RNN-ReLU)",
            "<=",
            0.02,
            kind="reported",
        ),
    ),
)


def claim_rows(res: PruneResult) -> dict[str, dict[str, float]]:
    """Claim rows from a :func:`run_pruning` result: ours (global rule + retraining) and the controls
    ``pruned, not retrained`` (the global rule's accuracy before retraining), ``random mask + retrain``
    and ``fresh init + same mask``."""
    cells = list(res.dense)

    def row(rule: str, retrained: bool = True) -> dict[str, float]:
        acc = lambda p: [  # noqa: E731
            res.after[rule][c][p][0] if retrained else res.before[rule][c][p] for c in cells
        ]
        return {
            "dense_gru": res.dense.get("gru", float("nan")),
            "sparsity_60": min(res.sparsity[rule][c][CLAIM_LEVEL] for c in cells),
            "worst_gap_60": max(res.dense[c] - a for c, a in zip(cells, acc(CLAIM_LEVEL), strict=True)),
            "worst_gap_90": max(res.dense[c] - a for c, a in zip(cells, acc(HARD_LEVEL), strict=True)),
        }

    rows = {"ours": row("global"), "pruned, not retrained": row("global", retrained=False)}
    if "random" in res.after:
        rows["random mask + retrain"] = row("random")
    if "fresh" in res.after:
        rows["fresh init, same mask"] = row("fresh")
    return rows


def claim_experiment(seed: int) -> dict[str, dict[str, float]]:
    """Fast mode: the four cells trained dense (10 epochs, 3000 strings), pruned at 60 % and 90 % by the
    thesis' global rule and retrained one epoch, beside the three controls."""
    from paperlab.config import current

    cfg = current()
    data = reber_data(n_train=3000, seed=seed)
    res = run_pruning(
        cfg,
        data,
        levels=(CLAIM_LEVEL, HARD_LEVEL),
        rules=("global",),
        control_levels=(CLAIM_LEVEL, HARD_LEVEL),
        epochs=10,
        seed=seed,
    )
    return claim_rows(res)


def diagram_example() -> tuple[torch.nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
    """A small GRU Reber classifier and a batch of token ids, for `paperlab diagrams`."""
    torch.manual_seed(0)
    return reber_classifier("gru", hidden=8), (torch.randint(0, VOCAB, (2, 12)),), ["b t"]


class GRUUpdate(nn.Module):
    """The GRU's gating from the two pre-activations: r, z = σ(·), n = tanh(·_x + r ⊙ ·_h),
    h′ = (1 − z) ⊙ n + z ⊙ h (parameter-free)."""

    def forward(
        self, gx: torch.Tensor, gh: torch.Tensor, h: torch.Tensor
    ) -> torch.Tensor:  # (b, 3h), (b, 3h), (b, h)
        xr, xz, xn = gx.chunk(3, -1)
        hr, hz, hn = gh.chunk(3, -1)
        r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
        return (1 - z) * torch.tanh(xn + r * hn) + z * h


class PrunedGRUStep(nn.Module):
    """One step of a magnitude-pruned GRU layer, as drawn: the pre-activations (M_ih ⊙ W_ih) x + b_ih and
    (M_hh ⊙ W_hh) h + b_hh with the 0/1 pruning masks as inputs (thesis ch. 4), then the GRU's gating
    (:class:`GRUUpdate`). Shares the layer's unpruned weights (``weight_*_orig``); equals a step of the pruned layer."""

    def __init__(self, gru: nn.GRU) -> None:
        super().__init__()
        self.w_ih, self.w_hh = gru.weight_ih_l0_orig, gru.weight_hh_l0_orig  # (3h, in), (3h, h)
        self.b_ih, self.b_hh = gru.bias_ih_l0, gru.bias_hh_l0
        self.update = GRUUpdate()

    def forward(
        self, x: torch.Tensor, h: torch.Tensor, mask_ih: torch.Tensor, mask_hh: torch.Tensor
    ) -> torch.Tensor:  # (b, in), (b, h), masks of the weights' shapes
        gx = x @ (self.w_ih * mask_ih).T + self.b_ih  # (b, 3h)
        gh = h @ (self.w_hh * mask_hh).T + self.b_hh
        return self.update(gx, gh, h)


def diagram_views() -> dict[str, Any]:
    """The overview (embedding → GRU → classifier, blocks) and the mechanism: one step of the GRU after global
    magnitude pruning, its weights multiplied by the 0/1 masks."""

    def overview() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
        return diagram_example()

    overview.trace_options = {"depth": 0}

    def mechanism() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
        model, (tokens,), _ = diagram_example()
        magnitude_prune(model, 0.8)  # the thesis' global rule at 80 % sparsity
        rnn = model.rnn
        with torch.no_grad():
            x = model.embed(tokens)[:, 0]  # (b, embed): the first character
        h = torch.randn(2, rnn.hidden_size, generator=torch.Generator().manual_seed(0))
        masks = (rnn.weight_ih_l0_mask.clone(), rnn.weight_hh_l0_mask.clone())
        return PrunedGRUStep(rnn), (x, h, *masks), ["b e", "b h", "g e", "g h"]

    mechanism.trace_options = {"depth": 0}
    return {"overview": overview, "mechanism": mechanism}


# --- Reproduction target (issue 23): fixed before any run --------------------------------------
_THESIS_CSV = (
    "harshildarji/thesis, Implementations/experiments/results/prune/{}.csv (github.com/harshildarji/thesis), "
    "block '{}_prune', the global W_ih + W_hh rule"
)
_REPRO_CELLS = {
    "rnn": ("RNN-tanh", "rnn_tanh"),
    "rnn_relu": ("RNN-ReLU", "rnn_relu"),
    "gru": ("GRU", "gru"),
    "lstm": ("LSTM", "lstm"),
}  # module cell -> (thesis name, thesis CSV stem)
# thesis test accuracy (6,250 strings): dense after epoch 50; 90 % pruned at epoch 0 (no retraining) and epoch 1
_THESIS = {
    "rnn": (0.93728, 0.65584, 0.92464),
    "rnn_relu": (1.0, 0.50304, 1.0),
    "gru": (1.0, 0.5512, 1.0),
    "lstm": (1.0, 0.49488, 0.99968),
}


def _thesis_values() -> tuple[PaperValue, ...]:
    out = []
    for cell, (dense, before, after) in _THESIS.items():
        name, stem = _REPRO_CELLS[cell]
        src = _THESIS_CSV.format(stem, stem)
        # the tanh RNN's log wanders between 0.91 and 0.94: a wider tolerance than the recovered nets' 0.01
        tol = 0.03 if cell == "rnn" else 0.01
        out += [
            PaperValue(
                f"{name} dense", dense, f"{src}: mode '{stem}', epoch 50, test_acc", True, "within", tol
            ),
            PaperValue(
                f"{name} 90 % pruned, before retraining",
                before,
                f"{src}: prune 90, epoch 0, test_acc",
                True,
                "within",
                0.1,
            ),
            PaperValue(
                f"{name} 90 % pruned + 1 retraining epoch",
                after,
                f"{src}: prune 90, epoch 1, test_acc",
                True,
                "within",
                tol,
            ),
        ]
    return tuple(out)


REPRO = ReproSpec(
    slug="sparse_rnn_pruning",
    target="Thesis ch. 4, the pruning table (retraining log): 90 % global magnitude pruning, before and after one retraining epoch",
    shows=(
        "Test accuracy on embedded-Reber strings of the dense RNN-tanh, RNN-ReLU, GRU and LSTM, of the same nets right "
        "after the thesis' global magnitude pruning of 90 % of W_ih and W_hh, and after one retraining epoch."
    ),
    metric="test accuracy (fraction of 6,250 test strings)",
    paper_values=_thesis_values(),
    data="embedded Reber grammar strings, half valid, half one-symbol corruptions (paperlab.data.sequences.embedded_reber)",
    data_kind="synthetic",
    data_note=(
        "The thesis generates its own embedded-Reber strings (18,750 train / 6,250 test); we generate the same grammar "
        "at the same counts. How the thesis builds its invalid strings (Implementations/dataset) was not checked "
        "against ours (one-symbol corruptions, half of them on the long-range wrapper symbol)."
    ),
    sizes={
        "cells": ("rnn", "rnn_relu", "gru", "lstm"),
        "hidden": 50,
        "layers": 3,
        "n_train": 18_750,
        "n_test": 6_250,
        "max_len": 30,
        "batch": 32,
        "lr": 1e-3,
        "dense_epochs": 10,
        "retrain_epochs": 1,
        "level": 0.9,
    },
    seeds=(0, 1, 2),
    gpu_minutes=6.0,
    cpu_minutes=30.0,
    notes=(
        "The thesis' sizes (3 x 50 units, Adam 1e-3, batch 32, 18,750 / 6,250 strings, one retraining epoch at 1e-3) "
        "except the dense training: 10 epochs instead of 50 (its logs reach their final dense accuracy by epoch 6; "
        "50 epochs of the four cells take about 2 h per seed on 2 CPU cores, ~15 min on a GPU). Tolerances: 0.01 "
        "for the recovered nets (a net at 1.000 on 6,250 strings is stable across seeds), 0.03 for the tanh RNN "
        "(its thesis log wanders between 0.91 and 0.94), 0.1 right after pruning (a collapsed net scores near the "
        "0.5 chance level, where seeds spread by several points). One thesis run per value; ours is the mean of 3 seeds. "
        "CPU estimate from 36 / 15 / 12 / 12 ms per 3-layer GRU / LSTM / RNN step on one core."
    ),
)


def reproduce(
    spec: ReproSpec, *, seed: int, data: str, device: torch.device, smoke: bool
) -> dict[str, float]:
    """One seed of REPRO's target; returns a value for every spec.paper_values key.

    Dense training, pruning and retraining are :func:`run_pruning` (global rule only, no controls) on
    ``device``; smoke uses 256 strings (``fit`` cuts the epochs to 3 steps under smoke)."""
    if data not in ("paper", "stand-in"):
        raise ValueError(f"data must be 'paper' or 'stand-in'; got {data!r}")
    s = dict(spec.sizes)
    n_train, n_test = (256, 256) if smoke else (int(s["n_train"]), int(s["n_test"]))
    d = reber_data(n_train, n_test, max_len=int(s["max_len"]), seed=seed)
    d = ReberData(*(t.to(device) for t in (d.x, d.y, d.x_test, d.y_test)))
    from paperlab.config import current

    cfg = dataclasses.replace(current(), device=torch.device(device))
    level = float(s["level"])
    res = run_pruning(
        cfg,
        d,
        cells=tuple(s["cells"]),
        levels=(level,),
        rules=("global",),
        controls=(),
        epochs=1 if smoke else int(s["dense_epochs"]),
        retrain_epochs=int(s["retrain_epochs"]),
        hidden=int(s["hidden"]),
        num_layers=int(s["layers"]),
        seed=seed,
        lr=float(s["lr"]),
    )
    out: dict[str, float] = {}
    for cell in s["cells"]:
        name = _REPRO_CELLS[cell][0]
        out[f"{name} dense"] = res.dense[cell]
        out[f"{name} 90 % pruned, before retraining"] = res.before["global"][cell][level]
        out[f"{name} 90 % pruned + 1 retraining epoch"] = res.after["global"][cell][level][0]
        out[f"{name} sparsity after retraining"] = res.sparsity["global"][cell][level]  # diagnostic
    return out

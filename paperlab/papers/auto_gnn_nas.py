"""Auto-GNN: Neural Architecture Search of Graph Neural Networks (AGNN; Zhou, Song, Huang, Hu 2019,
arXiv 1909.03184).

AGNN searches a per-layer GNN space — attention function, aggregator, activation, number of heads, hidden
size (the paper's Table 1, here a small subset) — with a **Reinforced Conservative Controller** (RCC, §4):

1. *Conservative explorer*: keep the best architecture found so far; every new child is a small
   modification of it, never a fresh sample ("greedily validate architectures via small steps").
2. *Guided architecture modifier*: one small LSTM controller per action class; each step picks the one
   class to change — the class whose controller is least decided (largest decision entropy) — and that
   class's controller proposes its new value in every layer.
3. *Reinforcement update*: the chosen controller is trained by REINFORCE on the child's validation
   accuracy minus a moving-average baseline.

Its second idea is **constrained parameter sharing** (§5): a child inherits a layer's trained weights
from its parent only when the two layers are *homogeneous* — their weight tensors have the same shapes
and they use the same attention and activation functions (sharing across different attention or
activation functions was found to be unstable) — and then trains fewer epochs.

Everything else comes from PyTorch Geometric: the layer is a ``MessagePassing`` subclass with PyG's
``softmax``/``add_self_loops``/``degree`` utilities; the handcrafted baselines are ``GCNConv``, ``GATConv``
and PyG's ``MLP``.
"""

from __future__ import annotations

import copy
import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch_geometric.data import Data
from torch_geometric.nn import MLP, GATConv, GCNConv, MessagePassing
from torch_geometric.utils import add_self_loops, degree, softmax

from paperlab.claims import Claim, Clause
from paperlab.config import own_steps
from paperlab.data.graphs import csbm
from paperlab.reproduce import PaperValue, ReproSpec

# --- 1. the search space (a subset of the paper's Table 1) ---------------------------------------------

SPACE: dict[str, tuple] = {
    "attention": ("const", "gcn", "gat", "cos", "linear", "gene-linear"),
    "aggregator": ("sum", "mean", "max"),
    "activation": ("relu", "elu", "tanh", "identity"),
    "heads": (1, 2, 4),
    "hidden": (8, 16, 32, 64),
}
CLASSES = tuple(SPACE)
N_LAYERS = 2
_ACT: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": F.relu,
    "elu": F.elu,
    "tanh": torch.tanh,
    "identity": lambda x: x,
}
_AGGR = {"sum": "add", "mean": "mean", "max": "max"}

Layer = dict[str, object]  # one layer's choices: {"attention": "gat", "aggregator": "sum", ...}
Arch = tuple[tuple[tuple[str, object], ...], ...]  # hashable: per layer, sorted (class, value) pairs


def freeze(layers: Sequence[Layer]) -> Arch:
    """A hashable architecture from a list of per-layer dicts."""
    for layer in layers:
        for c in CLASSES:
            if layer.get(c) not in SPACE[c]:
                raise ValueError(f"{c} must be one of {SPACE[c]}; got {layer.get(c)!r}")
    return tuple(tuple((c, layer[c]) for c in CLASSES) for layer in layers)


def thaw(arch: Arch) -> list[Layer]:
    return [dict(layer) for layer in arch]


def describe(arch: Arch) -> str:
    """``gat/sum/elu/h4/d16 -> ...`` (the last layer's hidden size is the number of classes)."""
    parts = []
    for i, layer in enumerate(thaw(arch)):
        d = "" if i == len(arch) - 1 else f"/d{layer['hidden']}"
        parts.append(f"{layer['attention']}/{layer['aggregator']}/{layer['activation']}/h{layer['heads']}{d}")
    return " -> ".join(parts)


def space_size(n_layers: int = N_LAYERS) -> int:
    """Number of distinct architectures (the last layer has no hidden-size choice)."""
    per = math.prod(len(v) for v in SPACE.values())
    return per ** (n_layers - 1) * (per // len(SPACE["hidden"]))


def random_arch(rng: np.random.Generator, n_layers: int = N_LAYERS) -> Arch:
    layers = [{c: SPACE[c][rng.integers(len(SPACE[c]))] for c in CLASSES} for _ in range(n_layers)]
    layers[-1]["hidden"] = SPACE["hidden"][0]  # unused in the output layer; fixed so archs hash uniquely
    return freeze(layers)


# --- 2. the searchable GNN layer and model ------------------------------------------------------------


class SearchLayer(MessagePassing):
    """``h_i' = act( AGG_{j ∈ N(i) ∪ {i}} α_ij W h_j )`` per head, heads concatenated (averaged in the
    output layer). Attention functions (AGNN Table 1 / GraphNAS), with e_ij normalised by a softmax
    over the neighbours of i where learned:

    const ``α=1``; gcn ``α=1/√(d_i d_j)``; gat ``e=LeakyReLU(aₗᵀWh_i + aᵣᵀWh_j)``;
    cos ``e=⟨aₗ⊙Wh_i, aᵣ⊙Wh_j⟩``; linear ``e=tanh(aᵣᵀWh_j)``; gene-linear ``e=w_gᵀ tanh(aₗ⊙Wh_i + aᵣ⊙Wh_j)``.
    """

    def __init__(
        self,
        d_in: int,
        d_out: int,
        *,
        attention: str,
        aggregator: str,
        activation: str,
        heads: int,
        concat: bool,
    ):
        super().__init__(aggr=_AGGR[aggregator], node_dim=0)
        self.attention, self.activation, self.heads, self.d_out, self.concat = (
            attention,
            activation,
            heads,
            d_out,
            concat,
        )
        self.lin = nn.Linear(d_in, heads * d_out, bias=False)
        self.att_l = nn.Parameter(torch.empty(1, heads, d_out))
        self.att_r = nn.Parameter(torch.empty(1, heads, d_out))
        self.gene = nn.Parameter(torch.empty(1, heads, d_out))
        self.bias = nn.Parameter(torch.zeros(heads * d_out if concat else d_out))
        for p in (self.att_l, self.att_r, self.gene):
            nn.init.xavier_uniform_(p)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        edge_index, _ = add_self_loops(edge_index, num_nodes=n)
        wh = self.lin(x).view(n, self.heads, self.d_out)  # (N, heads, d_out)
        out = self.propagate(edge_index, wh=wh, size=(n, n))  # (N, heads, d_out)
        out = out.reshape(n, -1) if self.concat else out.mean(1)
        return _ACT[self.activation](out + self.bias)

    def message(self, wh_i, wh_j, edge_index_i, edge_index_j, size_i):  # (E, heads, d_out)
        a = self.attention
        if a == "const":
            alpha = torch.ones(wh_j.shape[:2], device=wh_j.device)
        elif a == "gcn":
            deg = degree(edge_index_i, size_i, dtype=wh_j.dtype)
            alpha = (deg[edge_index_i] * deg[edge_index_j]).rsqrt()[:, None].expand(-1, self.heads)
        else:
            if a == "gat":
                e = F.leaky_relu((wh_i * self.att_l).sum(-1) + (wh_j * self.att_r).sum(-1), 0.2)
            elif a == "cos":
                e = (wh_i * self.att_l * wh_j * self.att_r).sum(-1)
            elif a == "linear":
                e = torch.tanh((wh_j * self.att_r).sum(-1))
            elif a == "gene-linear":
                e = (torch.tanh(wh_i * self.att_l + wh_j * self.att_r) * self.gene).sum(-1)
            else:
                raise ValueError(f"attention must be one of {SPACE['attention']}; got {a!r}")
            alpha = softmax(e, edge_index_i, num_nodes=size_i)  # (E, heads)
        return alpha.unsqueeze(-1) * wh_j


class SearchGNN(nn.Module):
    """A stack of :class:`SearchLayer` s built from an architecture; dropout 0.5 before each layer."""

    def __init__(self, arch: Arch, d_in: int, n_classes: int, dropout: float = 0.5) -> None:
        super().__init__()
        self.arch, self.dropout = arch, dropout
        layers, d = [], d_in
        spec = thaw(arch)
        for i, s in enumerate(spec):
            last = i == len(spec) - 1
            d_out = n_classes if last else int(s["hidden"])
            layers.append(
                SearchLayer(
                    d,
                    d_out,
                    attention=str(s["attention"]),
                    aggregator=str(s["aggregator"]),
                    activation="identity" if last else str(s["activation"]),
                    heads=int(s["heads"]),
                    concat=not last,
                )
            )
            d = d_out * int(s["heads"])
        self.layers = nn.ModuleList(layers)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(F.dropout(x, self.dropout, self.training), edge_index)
        return x


# --- 3. constrained parameter sharing (§5) --------------------------------------------------------------


def homogeneous(a: SearchLayer, b: SearchLayer) -> bool:
    """AGNN's homogeneity: two layers may share parameters iff every weight tensor has the same shape and
    they use the same attention and activation functions (the aggregator has no parameters)."""
    if a.attention != b.attention or a.activation != b.activation:
        return False
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(sa[k].shape == sb[k].shape for k in sa)


def share_parameters(child: SearchGNN, parent: SearchGNN) -> list[int]:
    """Copy the parent's weights into every homogeneous layer of the child; returns the shared layer indices."""
    shared = []
    for i, (c, p) in enumerate(zip(child.layers, parent.layers, strict=True)):
        if homogeneous(c, p):
            c.load_state_dict(p.state_dict())
            shared.append(i)
    return shared


# --- 4. training one architecture ----------------------------------------------------------------------


@dataclass
class Trained:
    model: nn.Module
    val: float
    test: float
    seconds: float


def train_eval(
    model: nn.Module, data: Data, *, epochs: int, lr: float = 0.01, wd: float = 5e-4, eval_every: int = 5
) -> Trained:
    """Adam on the labelled nodes; the model is evaluated every ``eval_every`` epochs and at the end, and
    returned at its best validation evaluation with that evaluation's val/test accuracy."""
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=wd)
    best_val, best_state, best_test = -1.0, None, 0.0
    t0 = time.perf_counter()
    epochs = max(1, own_steps(epochs))
    for ep in range(1, epochs + 1):
        model.train()
        opt.zero_grad()
        out = _forward(model, data)
        F.cross_entropy(out[data.train_mask], data.y[data.train_mask]).backward()
        opt.step()
        if ep % eval_every and ep != epochs:
            continue
        model.eval()
        with torch.no_grad():
            pred = _forward(model, data).argmax(-1)
        val = float((pred[data.val_mask] == data.y[data.val_mask]).float().mean())
        if val > best_val:
            best_val, best_state = val, copy.deepcopy(model.state_dict())
            best_test = float((pred[data.test_mask] == data.y[data.test_mask]).float().mean())
    model.load_state_dict(best_state)
    return Trained(model, best_val, best_test, time.perf_counter() - t0)


def _forward(model: nn.Module, data: Data) -> torch.Tensor:
    if isinstance(model, MLP):
        return model(F.dropout(data.x, 0.5, model.training))
    return model(data.x, data.edge_index)


class _GCN(nn.Module):
    def __init__(self, d_in: int, n_classes: int, hidden: int = 16) -> None:
        super().__init__()
        self.conv1, self.conv2 = GCNConv(d_in, hidden), GCNConv(hidden, n_classes)

    def forward(self, x, edge_index):
        x = F.relu(self.conv1(F.dropout(x, 0.5, self.training), edge_index))
        return self.conv2(F.dropout(x, 0.5, self.training), edge_index)


class _GAT(nn.Module):
    def __init__(self, d_in: int, n_classes: int, hidden: int = 8, heads: int = 8) -> None:
        super().__init__()
        self.conv1 = GATConv(d_in, hidden, heads=heads, dropout=0.6)
        self.conv2 = GATConv(hidden * heads, n_classes, heads=1, dropout=0.6)

    def forward(self, x, edge_index):
        x = F.elu(self.conv1(F.dropout(x, 0.6, self.training), edge_index))
        return self.conv2(F.dropout(x, 0.6, self.training), edge_index)


def handcrafted(name: str, d_in: int, n_classes: int) -> nn.Module:
    """The paper's handcrafted baselines: GCN (Kipf & Welling, 16 hidden) and GAT (Veličković et al., 8
    heads × 8 hidden), plus a graph-blind 2-layer MLP (64 hidden) as the non-graph control."""
    if name == "GCN":
        return _GCN(d_in, n_classes)
    if name == "GAT":
        return _GAT(d_in, n_classes)
    if name == "MLP":
        return MLP([d_in, 64, n_classes], dropout=0.5, norm=None)
    raise ValueError(f"name must be one of ('GCN', 'GAT', 'MLP'); got {name!r}")


# --- 5. the Reinforced Conservative Controller (§4) -----------------------------------------------------


class ClassController(nn.Module):
    """One action class's controller: an LSTM cell that reads, layer by layer, the embedding of the best
    architecture's current value and outputs logits over the class's options for that layer."""

    def __init__(self, n_options: int, hidden: int = 32) -> None:
        super().__init__()
        self.embed = nn.Embedding(n_options, hidden)
        self.cell = nn.LSTMCell(hidden, hidden)
        self.head = nn.Linear(hidden, n_options)

    def forward(self, current: torch.Tensor) -> torch.Tensor:  # (layers,) option indices -> (layers, options)
        h = c = torch.zeros(1, self.cell.hidden_size)
        logits = []
        for idx in current:
            h, c = self.cell(self.embed(idx.view(1)), (h, c))
            logits.append(self.head(h)[0])
        return torch.stack(logits)


class RCC:
    """The Reinforced Conservative Controller: class-wise controllers, entropy-guided class choice,
    REINFORCE with a moving-average baseline, and the best architecture as the only base of new children."""

    def __init__(
        self, n_layers: int = N_LAYERS, lr: float = 0.05, baseline_decay: float = 0.8, seed: int = 0
    ) -> None:
        torch.manual_seed(seed)
        self.controllers = {c: ClassController(len(SPACE[c])) for c in CLASSES}
        self.opt = torch.optim.Adam([p for m in self.controllers.values() for p in m.parameters()], lr=lr)
        self.baseline: float | None = None
        self.decay, self.n_layers = baseline_decay, n_layers

    def _logits(self, c: str, best: Arch) -> torch.Tensor:
        current = torch.tensor([SPACE[c].index(layer[c]) for layer in thaw(best)])
        return self.controllers[c](current)

    def entropies(self, best: Arch) -> dict[str, float]:
        """Decision entropy of each class's controller on the best architecture (mean over layers)."""
        with torch.no_grad():
            return {
                c: float(torch.distributions.Categorical(logits=self._logits(c, best)).entropy().mean())
                for c in CLASSES
            }

    def propose(self, best: Arch, gen: torch.Generator, tried: set[Arch]) -> tuple[Arch, str, torch.Tensor]:
        """Pick the least-decided class and resample its value in every layer (output layer: no hidden)."""
        ent = self.entropies(best)
        for c in sorted(CLASSES, key=lambda k: -ent[k]):
            logits = self._logits(c, best)
            layers = range(self.n_layers - 1) if c == "hidden" else range(self.n_layers)
            for _ in range(8):  # a few draws to find an unseen child
                idx = torch.multinomial(F.softmax(logits, -1), 1, generator=gen)[:, 0]
                new = thaw(best)
                for i in layers:
                    new[i][c] = SPACE[c][int(idx[i])]
                child = freeze(new)
                if child not in tried:
                    logp = torch.distributions.Categorical(logits=logits).log_prob(idx)[list(layers)].sum()
                    return child, c, logp
        raise RuntimeError("no unseen child found around the best architecture")

    def update(self, logp: torch.Tensor, reward: float) -> float:
        """REINFORCE: ``∇ −(R − b) log π(a)``, b an exponential moving average of past rewards."""
        b = reward if self.baseline is None else self.baseline
        adv = reward - b
        self.opt.zero_grad()
        (-adv * logp).backward()
        self.opt.step()
        self.baseline = (
            reward if self.baseline is None else self.decay * self.baseline + (1 - self.decay) * reward
        )
        return adv


@dataclass
class Search:
    """One search run: each evaluated architecture with its validation accuracy, in order."""

    method: str
    archs: list[Arch] = field(default_factory=list)
    vals: list[float] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)  # AGNN: the class modified at each step
    shared: list[int] = field(default_factory=list)  # AGNN: layers inherited at each step
    seconds: list[float] = field(default_factory=list)

    @property
    def best(self) -> Arch:
        return self.archs[int(np.argmax(self.vals))]

    def best_so_far(self) -> list[float]:
        return list(np.maximum.accumulate(self.vals))


def agnn_search(
    data: Data,
    n_classes: int,
    *,
    budget: int,
    epochs: int,
    shared_epochs: int,
    share: bool = True,
    seed: int = 0,
) -> Search:
    """AGNN: start from a random architecture, then ``budget − 1`` RCC steps around the best so far.
    With ``share`` a child inherits homogeneous layers from the best architecture's trained model and
    trains ``shared_epochs`` instead of ``epochs`` (if it inherited at least one layer)."""
    if budget < 1:
        raise ValueError(f"budget must be >= 1; got {budget}")
    epochs, shared_epochs = own_steps(epochs), own_steps(shared_epochs)  # read before seeding
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    rcc = RCC(seed=seed)
    out = Search("AGNN" if share else "AGNN (no sharing)")
    first = random_arch(rng)
    torch.manual_seed(seed)
    t = train_eval(SearchGNN(first, data.num_features, n_classes), data, epochs=epochs)
    out.archs.append(first), out.vals.append(t.val), out.classes.append("-"), out.shared.append(0)
    out.seconds.append(t.seconds)
    best_model, best_val = t.model, t.val
    tried = {first}
    for step in range(1, budget):
        best = out.best
        child, c, logp = rcc.propose(best, gen, tried)
        tried.add(child)
        torch.manual_seed(seed * 1000 + step)
        model = SearchGNN(child, data.num_features, n_classes)
        shared = share_parameters(model, best_model) if share else []
        t = train_eval(model, data, epochs=shared_epochs if shared else epochs)
        rcc.update(logp, t.val)
        out.archs.append(child), out.vals.append(t.val), out.classes.append(c), out.shared.append(len(shared))
        out.seconds.append(t.seconds)
        if t.val > best_val:  # conservative explorer: only an improvement moves the base
            best_model, best_val = t.model, t.val
    return out


def random_search(data: Data, n_classes: int, *, budget: int, epochs: int, seed: int = 0) -> Search:
    """The control: ``budget`` architectures drawn uniformly from the space, each trained from scratch."""
    epochs = own_steps(epochs)  # read before seeding (a first own_steps call may run paperlab.setup)
    rng = np.random.default_rng(seed + 10_000)
    out = Search("random search")
    seen: set[Arch] = set()
    for step in range(budget):
        arch = random_arch(rng)
        while arch in seen:
            arch = random_arch(rng)
        seen.add(arch)
        torch.manual_seed(seed * 1000 + step)
        t = train_eval(SearchGNN(arch, data.num_features, n_classes), data, epochs=epochs)
        out.archs.append(arch), out.vals.append(t.val), out.seconds.append(t.seconds)
    return out


def retrain(
    arch_or_name: Arch | str, data: Data, n_classes: int, *, epochs: int, seeds: Sequence[int]
) -> tuple[float, float]:
    """Mean (val, test) accuracy of an architecture (or a handcrafted model name) trained from scratch."""
    epochs = own_steps(epochs)  # read before seeding (a first own_steps call may run paperlab.setup)
    vals, tests = [], []
    for s in seeds:
        torch.manual_seed(s)
        model = (
            handcrafted(arch_or_name, data.num_features, n_classes)
            if isinstance(arch_or_name, str)
            else SearchGNN(arch_or_name, data.num_features, n_classes)
        )
        lr = 0.005 if arch_or_name == "GAT" else 0.01  # GAT's paper setting
        t = train_eval(model, data, epochs=epochs, lr=lr)
        vals.append(t.val), tests.append(t.test)
    return float(np.mean(vals)), float(np.mean(tests))


# --- 6. the experiment and the claim --------------------------------------------------------------------


def make_graph(n: int = 1000, n_classes: int = 5, seed: int = 0) -> Data:
    """A contextual SBM with 5 classes, average degree 8, homophily 0.7, noisy features; 20 labels per class,
    200 validation nodes (the search's reward), the rest for testing."""
    return csbm(
        n,
        n_classes,
        d=32,
        avg_degree=8.0,
        homophily=0.7,
        feature_noise=1.5,
        train_per_class=20,
        n_val=200,
        seed=seed,
    )


FAST = {"budget": 12, "epochs": 40, "shared_epochs": 15, "final_epochs": 100, "retrain_seeds": 2}


def run(
    data: Data,
    n_classes: int,
    *,
    budget: int,
    epochs: int,
    shared_epochs: int,
    final_epochs: int,
    retrain_seeds: int,
    seed: int = 0,
):
    """AGNN and random search at the same number of evaluated architectures (``epochs`` each, AGNN's
    inheriting children ``shared_epochs``), then the best of each and the handcrafted models retrained
    from scratch for ``final_epochs`` (mean over ``retrain_seeds`` inits). Returns (searches, table), table:
    row name -> (val, test)."""
    agnn = agnn_search(data, n_classes, budget=budget, epochs=epochs, shared_epochs=shared_epochs, seed=seed)
    rand = random_search(data, n_classes, budget=budget, epochs=epochs, seed=seed)
    seeds = [seed * 100 + k for k in range(retrain_seeds)]
    table = {
        "AGNN best": retrain(agnn.best, data, n_classes, epochs=final_epochs, seeds=seeds),
        "random-search best": retrain(rand.best, data, n_classes, epochs=final_epochs, seeds=seeds),
    }
    for name in ("GCN", "GAT", "MLP"):
        table[name] = retrain(name, data, n_classes, epochs=final_epochs, seeds=seeds)
    return {"AGNN": agnn, "random": rand}, table


CLAIM = Claim(
    slug="auto_gnn_nas",
    statement=(
        "a reinforced conservative search over the per-layer GNN space finds a GNN far above a graph-blind MLP; "
        "matching the handcrafted GCN and beating random search at the same budget are reported"
    ),
    clauses=(
        Clause("vs_mlp", "test accuracy minus the MLP's (graph-blind control)", ">=", 0.10),
        Clause(
            "vs_gcn",
            "test accuracy minus the handcrafted GCN's (−1 point allowed)",
            ">=",
            -0.01,
            kind="reported",
        ),
        Clause(
            "vs_random", "test accuracy minus random search's best (same budget)", ">", 0.0, kind="reported"
        ),
    ),
)


def claim_rows(table: dict[str, tuple[float, float]]) -> dict[str, dict[str, float]]:
    """Rows: ours (AGNN's best, retrained) and the MLP control; each row's test accuracy against MLP, GCN and
    random search's best (random search itself is reported, not a control: see the notebook)."""
    test = {k: v[1] for k, v in table.items()}

    def row(x: float) -> dict[str, float]:
        return {
            "vs_mlp": x - test["MLP"],
            "vs_gcn": x - test["GCN"],
            "vs_random": x - test["random-search best"],
        }

    return {"ours": row(test["AGNN best"]), "MLP": row(test["MLP"])}


def claim_experiment(seed: int) -> dict[str, dict[str, float]]:
    """The notebook's fast-mode search for one seed (graph, controller, inits)."""
    data = make_graph(seed=seed)
    _, table = run(data, 5, seed=seed, **FAST)
    return claim_rows(table)


# --- 7. diagrams ----------------------------------------------------------------------------------------

_EXAMPLE = freeze(
    [
        {"attention": "gat", "aggregator": "sum", "activation": "elu", "heads": 2, "hidden": 16},
        {"attention": "gcn", "aggregator": "mean", "activation": "identity", "heads": 1, "hidden": 8},
    ]
)


def _tiny_graph(n: int = 10) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.randn(n, 32, generator=torch.Generator().manual_seed(0))
    ring = torch.arange(n)
    return x, torch.stack([torch.cat([ring, (ring + 1) % n]), torch.cat([(ring + 1) % n, ring])])


def _overview():
    x, ei = _tiny_graph()
    return SearchGNN(_EXAMPLE, 32, 5).eval(), (x, ei), None


def _mechanism():
    torch.manual_seed(0)
    current = torch.tensor([SPACE["attention"].index(layer["attention"]) for layer in thaw(_EXAMPLE)])
    return ClassController(len(SPACE["attention"])).eval(), (current,), None


_overview.trace_options = {"depth": 0}


def diagram_views() -> dict[str, Callable]:
    """``overview``: a searched 2-layer GNN; ``mechanism``: the attention class's controller (RCC), reading
    the best architecture's attention per layer and proposing new ones."""
    return {"overview": _overview, "mechanism": _mechanism}


def all_archs(
    n_layers: int = N_LAYERS,
):  # pragma: no cover - for exercises (the space is small enough to list)
    """Iterate over every architecture of the space."""
    per_layer = [dict(zip(CLASSES, vals, strict=True)) for vals in itertools.product(*SPACE.values())]
    last = [
        dict(zip(CLASSES, vals, strict=True))
        for vals in itertools.product(*[v if c != "hidden" else v[:1] for c, v in SPACE.items()])
    ]
    for combo in itertools.product(*([per_layer] * (n_layers - 1) + [last])):
        yield freeze(combo)


# --- Reproduction target (issue 23): fixed before any run --------------------------------------
_BEST = (
    "abstract of arXiv:1909.03184 (arxiv.org/abs/1909.03184): 'Experiments on real-world benchmark datasets "
    "demonstrate that the GNN architecture identified by AGNN achieves the best performance, comparing with existing "
    "handcrafted models and tradistional search methods' (+1 encodes the sign only; recalled, not verified: Table 3 "
    "gives AGNN 83.6 / 73.8 / 79.7 % on Cora / Citeseer / Pubmed)"
)

REPRO = ReproSpec(
    slug="auto_gnn_nas",
    target="Table 3 (numbering recalled), transductive node classification: test accuracy of AGNN's best architecture vs handcrafted GNNs and search baselines",
    shows=(
        "Test accuracy of the architecture found by AGNN's reinforced conservative controller (with constrained "
        "parameter sharing), of the handcrafted GCN and GAT, and of random search at the same number of evaluations."
    ),
    metric="test accuracy difference (fraction)",
    paper_values=(
        PaperValue("test accuracy, AGNN minus GCN", 1.0, _BEST, True, "direction"),
        PaperValue("test accuracy, AGNN minus GAT", 1.0, _BEST, True, "direction"),
        PaperValue("test accuracy, AGNN minus random search", 1.0, _BEST, True, "direction"),
    ),
    data="a contextual stochastic block model: 1,000 nodes, 5 classes, average degree 8, homophily 0.7, 20 labels per class (auto_gnn_nas.make_graph)",
    data_kind="stand-in",
    data_note=(
        "Cora, Citeseer and Pubmed (Planetoid) are downloads not cached here; the CSBM keeps the semi-supervised "
        "Planetoid protocol (20 labelled nodes per class, 200 validation nodes)."
    ),
    sizes={
        "budget": 40,
        "epochs": 100,
        "shared_epochs": 30,
        "final_epochs": 200,
        "retrain_seeds": 5,
        "layers": 2,
        "search_space": "6 attention x 3 aggregators x 4 activations x heads 1/2/4 x hidden 8-64 per layer",
    },
    seeds=(0, 1, 2),
    gpu_minutes=10.0,
    cpu_minutes=40.0,
    notes=(
        "Scaled down: the paper evaluates many hundreds of architectures over its full Table 1 space; this is the "
        "notebook's full mode, 40 evaluations of a subset of the space. GraphNAS (the paper's RL search baseline) is "
        "not built; random search at the same budget is. The fast ledger has AGNN within a few points of GCN and of "
        "random search, either side."
    ),
)

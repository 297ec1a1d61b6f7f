"""Graph Deep Learning for Time Series Forecasting (Cini, Marisca, Zambon & Alippi 2023, arXiv 2310.15978).

The survey's framework (§3–4): a collection of N correlated time series ``x_t ∈ R^N`` observed on a
graph ``A``; a *global* model — one set of weights shared by every node — predicts each node's next
values from a window of its past, *conditioned on its neighbours* through message passing. The
canonical "time-then-space" (TTS) spatiotemporal GNN (survey §4, eqs. for the TTS template):

    h^i_t   = GRU(x^i_{t-W+1:t})                        encoder, one GRU shared by all nodes (time)
    Z_t     = MP_K(H_t, A) = Σ_{k=0}^{K} S^k H_t Θ_k    K-hop diffusion on S = D^{-1/2} A D^{-1/2} (space)
    x̂^i_{t+1:t+H} = MLP([h^i_t ‖ z^i_t ‖ e^i])          decoder, shared, H steps ahead

with optional learnable node embeddings ``e^i`` (the survey's "global–local" models, §4.3). The
message passing is PyG's ``TAGConv`` (Du et al. 2017), whose propagation uses exactly the
symmetric-normalised ``S`` of the data generator.

Comparators (survey §6, model assessment): the same global model with K = 0 (no message passing:
a graph-free global GRU, the mechanism ablated), per-node linear AR models fitted by least squares
(local, graph-free), and the data's own one-step oracle, whose MSE is the noise variance (the floor).
Data: GPVAR (Zambon & Alippi 2022), ``paperlab.data.graphs.gpvar``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch_geometric.nn import TAGConv

from paperlab.claims import OURS, Claim, Clause
from paperlab.config import current
from paperlab.data.graphs import community_graph, edge_index_of, gpvar
from paperlab.reproduce import PaperValue, ReproSpec
from paperlab.train import fit

# --- 1. models ---------------------------------------------------------------------------------


class NodeGRU(nn.Module):
    """The temporal encoder: one GRU shared by every node; (batch, W, N) -> (batch, N, hidden)."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.gru = nn.GRU(1, hidden, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, w, n = x.shape
        seq = x.permute(0, 2, 1).reshape(b * n, w, 1)  # every node's window is one sequence
        _, h = self.gru(seq)  # (1, b*n, hidden)
        return h[-1].reshape(b, n, -1)


class Diffusion(nn.Module):
    """The spatial block: ``[H ‖ ReLU(Σ_{k=0}^{K} S^k H Θ_k)]`` with PyG's ``TAGConv`` (K hops on
    S = D^{-1/2} A D^{-1/2}); the node's own state is kept beside what its K-hop neighbourhood sends."""

    def __init__(self, hidden: int, hops: int) -> None:
        super().__init__()
        if hops < 1:
            raise ValueError(f"hops must be >= 1 for message passing; got {hops}")
        self.conv = TAGConv(hidden, hidden, K=hops)

    def forward(self, h: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        return torch.cat([h, F.relu(self.conv(h, edge_index))], dim=-1)  # nodes on dim -2


class TimeThenSpace(nn.Module):
    """The TTS spatiotemporal GNN: shared GRU per node → K-hop diffusion (``TAGConv``) → MLP decoder.

    Input ``x``: (batch, W, N) windows; ``edge_index``: (2, E). Output: (batch, H, N) forecasts.
    ``hops=0`` gives the graph-free global GRU (same encoder and decoder, no message passing).
    ``n_nodes`` and ``emb_dim > 0`` add learnable node embeddings e^i (global–local model).
    """

    def __init__(
        self,
        hidden: int = 32,
        hops: int = 2,
        horizon: int = 1,
        *,
        n_nodes: int | None = None,
        emb_dim: int = 0,
    ) -> None:
        super().__init__()
        if hops < 0:
            raise ValueError(f"hops must be >= 0; got {hops}")
        if horizon < 1:
            raise ValueError(f"horizon must be >= 1; got {horizon}")
        if emb_dim > 0 and not n_nodes:
            raise ValueError("emb_dim > 0 needs n_nodes (one embedding per node)")
        self.hops, self.horizon = hops, horizon
        self.encoder = NodeGRU(hidden)  # time: shared by every node
        self.mp = Diffusion(hidden, hops) if hops > 0 else None  # space
        self.emb = nn.Parameter(torch.randn(n_nodes, emb_dim) * 0.1) if emb_dim > 0 else None
        d = hidden * (2 if hops > 0 else 1) + emb_dim
        self.decoder = nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, horizon))

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        z = self.encoder(x)  # (batch, N, hidden)
        if self.mp is not None:
            z = self.mp(z, edge_index)  # (batch, N, 2·hidden)
        if self.emb is not None:
            z = torch.cat([z, self.emb.expand(z.shape[0], -1, -1)], dim=-1)
        return self.decoder(z).permute(0, 2, 1)  # (batch, H, N)


def fit_local_ar(x: torch.Tensor, order: int) -> torch.Tensor:
    """Per-node AR(p) by least squares: ``x^i_t ≈ c^i + Σ_{l=1}^{p} φ^i_l x^i_{t-l}`` (local, graph-free).

    ``x``: (T, N) training series. Returns (N, p + 1) coefficients [c, φ_1..φ_p]."""
    if order < 1:
        raise ValueError(f"order must be >= 1; got {order}")
    t, n = x.shape
    lags = torch.stack([x[order - lag : t - lag] for lag in range(1, order + 1)], -1)  # (T-p, N, p)
    design = torch.cat([torch.ones_like(lags[..., :1]), lags], -1).double()  # (T-p, N, p+1)
    target = x[order:].double()  # (T-p, N)
    coef = torch.linalg.lstsq(design.permute(1, 0, 2), target.T.unsqueeze(-1)).solution  # (N, p+1, 1)
    return coef[..., 0].float()


def predict_local_ar(coef: torch.Tensor, x: torch.Tensor, start: int, stop: int) -> torch.Tensor:
    """One-step AR predictions for targets ``x[start:stop]`` (T' × N) from the true past."""
    order = coef.shape[1] - 1
    lags = torch.stack([x[start - lag : stop - lag] for lag in range(1, order + 1)], -1)  # (T', N, p)
    return coef[:, 0] + (lags * coef[:, 1:]).sum(-1)


# --- 2. data ------------------------------------------------------------------------------------

GPVAR_A, GPVAR_B, GPVAR_NOISE = 0.5, 0.5, 0.4


@dataclass
class Task:
    """A GPVAR forecasting task: series, graph, split points and the window length."""

    x: torch.Tensor  # (T, N)
    oracle: torch.Tensor  # (T, N) one-step oracle
    adj: np.ndarray
    edge_index: torch.Tensor
    window: int
    horizon: int
    splits: dict[str, tuple[int, int]]  # target-time ranges [start, stop)
    noise_std: float

    @property
    def n_nodes(self) -> int:
        return self.x.shape[1]

    def windows(self, split: str) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs (M, W, N) and targets (M, H, N) for forecasts made at every time of ``split``."""
        start, stop = self.splits[split]
        ts = torch.arange(start, stop - self.horizon + 1)  # first target time of each sample
        idx_in = ts[:, None] + torch.arange(-self.window, 0)[None]
        idx_out = ts[:, None] + torch.arange(self.horizon)[None]
        return self.x[idx_in], self.x[idx_out]


def make_task(
    n_communities: int = 5,
    community_size: int = 12,
    steps: int = 3000,
    *,
    window: int = 6,
    horizon: int = 1,
    a: float = GPVAR_A,
    b: float = GPVAR_B,
    noise_std: float = GPVAR_NOISE,
    seed: int = 0,
) -> Task:
    """GPVAR (Zambon & Alippi 2022, eq. 8; ``paperlab.data.graphs.gpvar``) on ring-linked communities,
    split 70 / 10 / 20 in time (train / validation / test), as in the survey's §6 protocol."""
    if window < 2:
        raise ValueError(f"window must be >= 2 (GPVAR has 2 lags); got {window}")
    adj = community_graph(n_communities, community_size, seed=seed)
    g = gpvar(adj, T=steps, a=a, b=b, noise_std=noise_std, seed=seed)
    t_tr, t_va = int(0.7 * steps), int(0.8 * steps)
    splits = {"train": (window, t_tr), "val": (t_tr, t_va), "test": (t_va, steps)}
    return Task(g.x, g.oracle, adj, edge_index_of(adj), window, horizon, splits, noise_std)


# --- 3. experiments -----------------------------------------------------------------------------


@dataclass
class Forecast:
    """A model's one-step test forecasts and errors."""

    name: str
    pred: torch.Tensor  # (T_test, N) one-step-ahead
    mse: float
    mae: float
    node_mse: np.ndarray  # (N,)
    history: dict = field(default_factory=dict)
    params: int = 0
    horizon_mae: list[float] = field(default_factory=list)


def _score(name: str, pred: torch.Tensor, truth: torch.Tensor, **kw) -> Forecast:
    err = pred - truth
    return Forecast(
        name,
        pred,
        float(err.pow(2).mean()),
        float(err.abs().mean()),
        err.pow(2).mean(0).numpy(),
        **kw,
    )


def oracle_forecast(task: Task) -> Forecast:
    """The data's own noiseless one-step map applied to the true past (MSE = noise variance)."""
    s, e = task.splits["test"]
    return _score("oracle", task.oracle[s:e], task.x[s:e])


def ar_forecast(task: Task, order: int | None = None) -> Forecast:
    """Per-node AR(p) (p = window by default) fitted on the training range, one-step on the test range."""
    order = order or task.window
    s_tr, e_tr = task.splits["train"]
    coef = fit_local_ar(task.x[s_tr - task.window : e_tr], order)
    s, e = task.splits["test"]
    return _score("per-node AR", predict_local_ar(coef, task.x, s, e), task.x[s:e], params=coef.numel())


def train_stgnn(
    task: Task,
    *,
    hops: int = 2,
    hidden: int = 32,
    emb_dim: int = 0,
    steps: int = 600,
    batch: int = 32,
    lr: float = 3e-3,
    seed: int = 0,
    name: str | None = None,
    device: torch.device | None = None,
    eval_every: int = 50,
) -> Forecast:
    """Train a :class:`TimeThenSpace` model with MSE (Adam, ``paperlab.train.fit``); score on the test range.

    ``hops=0`` is the graph-free global GRU. The checkpoint with the lowest validation MSE is kept.
    ``device`` (default: the CPU) holds the model, the graph and the evaluation windows; the validation
    MSE is measured every ``eval_every`` steps."""
    torch.manual_seed(seed)
    dev = torch.device("cpu") if device is None else torch.device(device)
    model = TimeThenSpace(hidden, hops, task.horizon, n_nodes=task.n_nodes, emb_dim=emb_dim).to(dev)
    x_tr, y_tr = task.windows("train")
    x_va, y_va = (t.to(dev) for t in task.windows("val"))
    ei = task.edge_index.to(dev)
    gen = torch.Generator().manual_seed(seed)

    def data():
        perm = torch.randperm(len(x_tr), generator=gen)
        for i in range(0, len(perm) - batch + 1, batch):
            j = perm[i : i + batch]
            yield x_tr[j], y_tr[j]

    def loss_fn(m, b):
        xb, yb = b
        return F.mse_loss(m(xb, ei), yb)

    best = {"val": float("inf"), "state": None}

    def eval_fn(m):
        val = float(F.mse_loss(m(x_va, ei), y_va))
        if val < best["val"]:
            best["val"], best["state"] = val, {k: v.clone() for k, v in m.state_dict().items()}
        return {"val_mse": val}

    hist = fit(
        model,
        loss_fn,
        data,
        steps=steps,
        lr=lr,
        eval_fn=eval_fn,
        eval_every=eval_every,
        desc=name or f"K={hops}",
    )
    if best["state"] is not None:
        model.load_state_dict(best["state"])
    model.eval()
    x_te, y_te = task.windows("test")
    with torch.no_grad():
        pred = model(x_te.to(dev), ei).cpu()  # (M, H, N)
    s, e = task.splits["test"]
    one = pred[:, 0]  # forecasts made at every test time, first step
    truth = task.x[s : s + len(one)]
    label = name or ("global GRU (K=0)" if hops == 0 else f"STGNN K={hops}")
    fc = _score(
        label,
        one,
        truth,
        history={"steps": hist.steps.get("val_mse", []), "val_mse": hist.values.get("val_mse", [])},
        params=sum(p.numel() for p in model.parameters()),
        horizon_mae=[float((pred[:, h] - y_te[:, h]).abs().mean()) for h in range(task.horizon)],
    )
    fc.model = model  # type: ignore[attr-defined]
    return fc


# --- 4. the claim -------------------------------------------------------------------------------

CLAIM = Claim(
    slug="spatiotemporal_gnn_forecasting",
    statement=(
        "a global time-then-space STGNN exploits the graph: on GPVAR it forecasts near the oracle floor, "
        "which graph-free global and local models cannot reach"
    ),
    clauses=(
        Clause(
            "excess",
            "one-step test MSE above the oracle's (the noise variance), relative: MSE / MSE_oracle − 1",
            "<=",
            0.03,
        ),
        Clause(
            "excess_vs_gru",
            "that excess / the graph-free global GRU's excess (same encoder, decoder, steps)",
            "<=",
            0.5,
        ),
        Clause("r2", "test R² of the one-step forecasts", ">=", 0.5, kind="sanity"),
        Clause(
            "mae_vs_gru",
            "test MAE / the global GRU's test MAE (the 0.85 target of the issue's check)",
            "<=",
            0.85,
            kind="reported",
        ),
    ),
)


def claim_rows(task: Task, fcs: dict[str, Forecast], gru: Forecast) -> dict[str, dict[str, float]]:
    """Rows for :data:`CLAIM` from named forecasts (``"ours"`` first, then the controls)."""
    oracle = oracle_forecast(task)
    s, e = task.splits["test"]
    var = float(task.x[s:e].var())
    gru_excess = gru.mse / oracle.mse - 1
    return {
        k: {
            "excess": f.mse / oracle.mse - 1,
            "excess_vs_gru": (f.mse / oracle.mse - 1) / gru_excess,
            "r2": 1 - f.mse / var,
            "mae_vs_gru": f.mae / gru.mae,
        }
        for k, f in fcs.items()
    }


FAST = {"hidden": 16, "steps": 400, "T": 3000, "communities": (5, 12)}
FULL = {"hidden": 32, "steps": 3000, "T": 10000, "communities": (5, 24)}


def claim_experiment(seed: int) -> dict[str, dict[str, float]]:
    """Fast-mode GPVAR (60 nodes, T = 3000): STGNN K = 2 vs the K = 0 global GRU and per-node AR."""
    cfg = current()
    steps = cfg.budget(FAST["steps"], FAST["steps"])
    task = make_task(*FAST["communities"], steps=FAST["T"], seed=seed)
    stgnn = train_stgnn(task, hops=2, hidden=FAST["hidden"], steps=steps, seed=seed)
    gru = train_stgnn(task, hops=0, hidden=FAST["hidden"], steps=steps, seed=seed)
    rows = {OURS: stgnn, "global GRU (K=0)": gru, "per-node AR": ar_forecast(task)}
    return claim_rows(task, rows, gru)


# --- 5. diagrams --------------------------------------------------------------------------------


def _diagram_inputs(n_nodes: int = 12, window: int = 6):
    adj = community_graph(3, n_nodes // 3, seed=0)
    return torch.randn(1, window, n_nodes), edge_index_of(adj)


def diagram_views():
    """Overview: the TTS model (encoder → diffusion → decoder); mechanism: the K-hop diffusion block."""

    def overview():
        return TimeThenSpace(hidden=32, hops=2), _diagram_inputs(), None

    overview.trace_options = {"depth": 0}

    def mechanism():
        return Diffusion(32, hops=2), (torch.randn(12, 32), _diagram_inputs()[1]), None

    mechanism.trace_options = {"depth": 1}

    return {"overview": overview, "mechanism": mechanism}


# --- Reproduction target (issue 23): fixed before any run --------------------------------------


def tri_community_graph(n_communities: int) -> np.ndarray:
    """The GP-VAR benchmark graph of the authors' experiments (tsl's tri-community graph): communities of
    6 nodes shaped as a triangle of triangles (edges 0-1, 1-2, 3-4, 1-3, 2-4, 4-5, 0-3, 1-4, 3-5),
    consecutive communities joined in a line (node 5 of one to node 0 of the next). Returns the 0/1
    adjacency, no self loops."""
    if n_communities < 1:
        raise ValueError(f"n_communities must be >= 1; got {n_communities}")
    local = ((0, 1), (1, 2), (3, 4), (1, 3), (2, 4), (4, 5), (0, 3), (1, 4), (3, 5))
    n = 6 * n_communities
    adj = np.zeros((n, n), bool)
    for c in range(n_communities):
        for i, j in local:
            adj[6 * c + i, 6 * c + j] = adj[6 * c + j, 6 * c + i] = True
        if c > 0:
            adj[6 * c - 1, 6 * c] = adj[6 * c, 6 * c - 1] = True
    return adj


def paper_gpvar_task(
    n_communities: int = 20,
    steps: int = 30000,
    *,
    window: int = 6,
    noise_std: float = 0.4,
    seed: int = 0,
) -> Task:
    """GP-VAR as the authors generate it (official ``config/static/dataset/gpvar.yaml``; tsl ``GPVARDataset``):
    ``x_t = tanh(Σ_q Σ_l Θ_{q,l} S^l x_{t-q}) + η_t`` with the same Θ as :data:`GPVAR_THETA`, σ = 0.4, on
    the tri-community graph, and S the GCN-normalised adjacency *with* self loops,
    ``D̃^{-1/2}(A + I)D̃^{-1/2}``. Passing ``A + I`` to :func:`gpvar` (a = 1, b = 0) gives exactly that
    S, and the edge index keeps the self loops so that ``TAGConv`` propagates with the same S.
    Split 70 / 10 / 20 in time, window 6, horizon 1 (the official config)."""
    adj = tri_community_graph(n_communities) | np.eye(6 * n_communities, dtype=bool)
    g = gpvar(adj, T=steps, a=1.0, b=0.0, noise_std=noise_std, seed=seed)
    ei = edge_index_of(adj)
    loops = torch.arange(adj.shape[0]).repeat(2, 1)
    t_tr, t_va = int(0.7 * steps), int(0.8 * steps)
    splits = {"train": (window, t_tr), "val": (t_tr, t_va), "test": (t_va, steps)}
    return Task(g.x, g.oracle, adj, torch.cat([ei, loops], 1), window, 1, splits, noise_std)


REPRO = ReproSpec(
    slug="spatiotemporal_gnn_forecasting",
    target="the GP-VAR results table of arXiv:2302.04071 (global models vs the optimal model), the survey's synthetic benchmark",
    shows=(
        "One-step test MAE on GP-VAR (120 nodes, 30,000 steps, σ = 0.4) of the optimal model (the data's own "
        "one-step map, error = noise), a global time-then-space STGNN, and graph-free models; the survey "
        "(§6, model assessment) uses this benchmark to show that graph conditioning lets a global model "
        "approach the optimal predictor, which graph-free global and local models cannot."
    ),
    metric="one-step test MAE (and MAE differences between models)",
    paper_values=(
        PaperValue(
            key="optimal model MAE",
            value=0.3192,
            source=(
                "recalled: the 'optimal model' row of the GP-VAR table of arXiv:2302.04071 (table number not checked) (Cini et al., NeurIPS 2023); "
                "it equals σ·√(2/π) = 0.3192 for the Gaussian noise sigma_noise = 0.4 seen in the official "
                "config/static/dataset/gpvar.yaml (Graph-Machine-Learning-Group/taming-local-effects-stgnns)"
            ),
            verified=False,
            rule="within",
            tolerance=0.002,
        ),
        PaperValue(
            key="MAE gain of the STGNN over the graph-free global GRU",
            value=1.0,
            source=(
                "recalled: the GP-VAR table of arXiv:2302.04071 — the global TTS-IMP STGNN has a lower GP-VAR MAE than "
                "the graph-free models; the value is the sign only (+), no number was retrieved"
            ),
            verified=False,
            rule="direction",
            reference=0.0,
        ),
        PaperValue(
            key="MAE gain of the STGNN over per-node (local) models",
            value=1.0,
            source=(
                "recalled: the GP-VAR table of arXiv:2302.04071 — local per-node models (local RNNs) are worse than the "
                "global STGNN on GP-VAR, where every node follows the same law; sign only (+)"
            ),
            verified=False,
            rule="direction",
            reference=0.0,
        ),
        PaperValue(
            key="STGNN MAE excess over the optimal model",
            value=0.0,
            source=(
                "recalled: the GP-VAR table of arXiv:2302.04071 — the global TTS STGNN is close to the optimal model on "
                "GP-VAR (the survey's §6: compare against the optimal predictor on synthetic data); the value is "
                "the paper's 'near zero', no number was retrieved"
            ),
            verified=False,
            rule="within",
            tolerance=0.01,
        ),
    ),
    data="GP-VAR (Zambon & Alippi 2022) on the tri-community graph, 20 communities × 6 nodes, T = 30,000, σ = 0.4",
    data_kind="synthetic",
    data_note=(
        "The paper's data is synthetic: paper_gpvar_task builds the authors' generator (tanh of the polynomial "
        "graph filter with the same Θ, GCN-normalised S with self loops, the tri-community graph, σ = 0.4, "
        "30,000 steps, 70/10/20 split, window 6, horizon 1). Only the random draw differs (our seed, not theirs)."
    ),
    sizes={
        "communities": 20,
        "nodes": 120,
        "T": 30000,
        "window": 6,
        "hops": 2,
        "hidden": 16,
        "batch": 128,
        "lr": 3e-3,
        "steps": 3000,
        "eval_every": 250,
        "ar_order": 6,
    },
    seeds=(0, 1, 2),
    gpu_minutes=6.0,
    cpu_minutes=25.0,
    notes=(
        "Scaled down in training only: the official config trains up to 200 epochs (~164 batches of 128 each, "
        "early stopping with patience 50 epochs) at lr 0.003 with a step schedule; we train 3,000 Adam steps at "
        "lr 0.003 with batch 128 and keep the best of 12 validation checkpoints (every 250 steps); measured on one "
        "core, a step costs 0.08 s (K = 2) and 0.06 s (K = 0) and a validation pass 1.3–1.8 s, so a seed is about 8 "
        "core-minutes. Our TTS model is NodeGRU → TAGConv (K = 2) "
        "→ MLP with hidden 16 (the paper's TTS-IMP uses 2 graph layers, ELU). The graph-free global model is "
        "the same network with K = 0; the local model is a per-node linear AR(6) fitted by least squares "
        "(the paper's local baseline is per-node RNNs). Tolerances: the oracle's MAE over 720,000 test "
        "residuals has a standard error of about 0.0003, so 0.002 allows the seed's draw and nothing more; "
        "'near the optimum' is read as an MAE excess of at most 0.01 (3 %)."
    ),
)


def reproduce(
    spec: ReproSpec, *, seed: int, data: str, device: torch.device, smoke: bool
) -> dict[str, float]:
    """One seed of REPRO's target; returns a value for every spec.paper_values key."""
    del data  # the data is the paper's own synthetic construction: "paper" and "stand-in" run the same
    z = dict(spec.sizes)
    steps_t, steps = (600, 3) if smoke else (int(z["T"]), int(z["steps"]))
    task = paper_gpvar_task(int(z["communities"]), steps_t, window=int(z["window"]), seed=seed)
    kw = {"hidden": int(z["hidden"]), "batch": int(z["batch"]), "lr": float(z["lr"]), "steps": steps}
    kw["eval_every"] = int(z["eval_every"])
    stgnn = train_stgnn(task, hops=int(z["hops"]), seed=seed, device=device, **kw)
    gru = train_stgnn(task, hops=0, seed=seed, device=device, **kw)
    ar = ar_forecast(task, int(z["ar_order"]))
    oracle = oracle_forecast(task)
    return {
        "optimal model MAE": oracle.mae,
        "MAE gain of the STGNN over the graph-free global GRU": gru.mae - stgnn.mae,
        "MAE gain of the STGNN over per-node (local) models": ar.mae - stgnn.mae,
        "STGNN MAE excess over the optimal model": stgnn.mae - oracle.mae,
    }

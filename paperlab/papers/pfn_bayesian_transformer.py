"""Transformers Can Do Bayesian Inference (Müller et al., ICLR 2022, arXiv 2112.10510).

A **Prior-Data Fitted Network** (PFN) q_θ(y | x, D) is trained on datasets drawn from a prior
p(D) = ∫ p(D | φ) p(φ) dφ only, never on real data. The loss is the *prior-data NLL* (paper eq. 2)

    ℓ_θ = E_{D ∪ {(x, y)} ~ p(D)} [ − log q_θ(y | x, D) ],

whose minimiser is the posterior predictive distribution (PPD) p(y | x, D) of the prior (the
paper's Insight 1: ℓ_θ equals the expected KL(p(·|x, D) ‖ q_θ(·|x, D)) plus a constant). So a
network that drives ℓ_θ down learns to do Bayesian inference for that prior in one forward pass.

Architecture (official code, ``transformer.py``):

* no positional encoding -- the PFN is permutation-invariant in the training set;
* a training token is enc_x(x_i) + enc_y(y_i), a query token is enc_x(x) alone;
* the attention mask (``generate_D_q_matrix``): every token attends to all training tokens, and a
  query token additionally to itself -- never to other queries, so the queries are independent;
* ``out_proj`` and ``linear2`` of every layer start at zero;
* the head is a **Riemann (bar) distribution** (paper §4.2): K buckets whose borders are quantiles
  of prior samples of y; the density is softmax(logits)_k / width_k inside bucket k.

The prior here is the paper's §5.1 one: a GP with an RBF kernel and fixed hyperparameters,
x ~ U[0, 1]. Its exact PPD is the GP posterior (Rasmussen & Williams eq. 2.23-2.24), which is the
reference the PFN must mimic; the prior predictive N(0, s² + σ²) (ignores the data) and a
k-nearest-neighbour Gaussian (uses the data, no prior) are the negative controls.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from paperlab.claims import OURS, Claim, Clause
from paperlab.config import current
from paperlab.reproduce import PaperValue, ReproSpec
from paperlab.train import fit

# --- 1. the prior: GP datasets -------------------------------------------------------------------


@dataclass(frozen=True)
class GPPrior:
    """A GP prior over functions on [0, 1]: k(x, x') = s² exp(−(x − x')² / 2ℓ²), y = f(x) + N(0, σ²)."""

    lengthscale: float = 0.2
    outputscale: float = 1.0
    noise: float = 0.01  # σ² (variance)

    def __post_init__(self) -> None:
        for name in ("lengthscale", "outputscale", "noise"):
            if not getattr(self, name) > 0:
                raise ValueError(f"GPPrior: {name} must be > 0; got {getattr(self, name)!r}")

    def kernel(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """RBF kernel matrix: a (..., n, 1), b (..., m, 1) -> (..., n, m)."""
        d2 = (a - b.transpose(-1, -2)) ** 2
        return self.outputscale * torch.exp(-0.5 * d2 / self.lengthscale**2)

    def sample(
        self, batch: int, n: int, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``batch`` datasets of ``n`` points: x (batch, n, 1) ~ U[0,1], y (batch, n) ~ N(0, K + σ²I)."""
        x = torch.rand(batch, n, 1, generator=generator, dtype=torch.float64)
        cov = self.kernel(x, x) + self.noise * torch.eye(n, dtype=torch.float64)
        chol = torch.linalg.cholesky(cov)
        z = torch.randn(batch, n, 1, generator=generator, dtype=torch.float64)
        y = (chol @ z).squeeze(-1)
        return x.float(), y.float()

    def posterior(
        self, x_tr: torch.Tensor, y_tr: torch.Tensor, x_te: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The exact PPD p(y | x, D) = N(μ, v) (R&W eq. 2.23-2.24, noise included in v).

        x_tr (B, n, 1), y_tr (B, n), x_te (B, m, 1) -> mean (B, m), variance (B, m). With n = 0 it is
        the prior predictive N(0, s² + σ²).
        """
        xt, yt, xq = x_tr.double(), y_tr.double(), x_te.double()
        prior_var = torch.full(xq.shape[:-1], self.outputscale + self.noise, dtype=torch.float64)
        if xt.shape[-2] == 0:
            return torch.zeros_like(prior_var).float(), prior_var.float()
        k = self.kernel(xt, xt) + self.noise * torch.eye(xt.shape[-2], dtype=torch.float64)
        ks = self.kernel(xt, xq)  # (B, n, m)
        chol = torch.linalg.cholesky(k)
        alpha = torch.cholesky_solve(yt.unsqueeze(-1), chol)  # (B, n, 1)
        mean = (ks.transpose(-1, -2) @ alpha).squeeze(-1)
        v = torch.cholesky_solve(ks, chol)
        var = prior_var - (ks * v).sum(-2)
        return mean.float(), var.clamp_min(1e-10).float()


def gaussian_nll(y: torch.Tensor, mean: torch.Tensor, var: torch.Tensor) -> torch.Tensor:
    """−log N(y; mean, var), elementwise."""
    return 0.5 * (torch.log(2 * math.pi * var) + (y - mean) ** 2 / var)


# --- 2. the Riemann (bar) distribution head (paper §4.2) -------------------------------------------


class BarDistribution(nn.Module):
    """A piecewise-constant density over K buckets with borders b_0 < ... < b_K (paper §4.2).

    q(y) = softmax(logits)_k / (b_{k+1} − b_k) for y in bucket k. Targets outside [b_0, b_K] are
    clamped to the outer buckets (the borders are the prior's extreme samples: this is rare).
    """

    def __init__(self, borders: torch.Tensor) -> None:
        super().__init__()
        if borders.ndim != 1 or len(borders) < 3 or not torch.all(borders[1:] > borders[:-1]):
            raise ValueError("borders must be a 1-D strictly increasing tensor with at least 3 entries")
        self.register_buffer("borders", borders.float())
        self.register_buffer("widths", (borders[1:] - borders[:-1]).float())

    @property
    def n_buckets(self) -> int:
        return len(self.widths)

    @classmethod
    def from_prior(
        cls, prior: GPPrior, n_buckets: int = 100, n_samples: int = 200_000, seed: int = 0
    ) -> BarDistribution:
        """Borders at the quantiles of prior samples of y, the outer ones at the samples' min and max
        (the official ``get_bucket_limits``)."""
        if n_buckets < 2:
            raise ValueError(f"n_buckets must be >= 2; got {n_buckets}")
        g = torch.Generator().manual_seed(seed)
        _, ys = prior.sample(n_samples // 20, 20, g)
        ys = ys.flatten().sort().values
        per = len(ys) // n_buckets
        inner = (
            ys[per - 1 : per * n_buckets - 1 : per][: n_buckets - 1] + ys[per : per * n_buckets : per]
        ) / 2
        return cls(torch.cat([ys[:1], inner[: n_buckets - 1], ys[-1:]]))

    def bucket(self, y: torch.Tensor) -> torch.Tensor:
        idx = torch.searchsorted(self.borders, y.contiguous()) - 1
        return idx.clamp(0, self.n_buckets - 1)

    def nll(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """−log q(y) = −log softmax(logits)_k + log width_k, elementwise over y's shape."""
        logp = torch.log_softmax(logits, -1) - torch.log(self.widths)
        return -logp.gather(-1, self.bucket(y).unsqueeze(-1)).squeeze(-1)

    def mean(self, logits: torch.Tensor) -> torch.Tensor:
        centres = self.borders[:-1] + self.widths / 2
        return torch.softmax(logits, -1) @ centres

    def quantile(self, logits: torch.Tensor, q: float) -> torch.Tensor:
        """The q-quantile of the bar density (linear inside a bucket)."""
        p = torch.softmax(logits, -1)
        cdf = torch.cumsum(p, -1)
        k = torch.searchsorted(cdf, torch.full_like(cdf[..., :1], q)).clamp(0, self.n_buckets - 1)
        below = torch.where(k > 0, cdf.gather(-1, (k - 1).clamp_min(0)), torch.zeros_like(k, dtype=cdf.dtype))
        frac = ((q - below) / p.gather(-1, k).clamp_min(1e-12)).clamp(0, 1)
        return (self.borders[k] + frac * self.widths[k]).squeeze(-1)

    def density(self, logits: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
        """q(y) on a grid of y values: logits (..., K), grid (G,) -> (..., G)."""
        p = torch.softmax(logits, -1) / self.widths
        return p[..., self.bucket(grid)]


# --- 3. the PFN ------------------------------------------------------------------------------------


def pfn_attention_mask(n_train: int, n_test: int) -> torch.Tensor:
    """The PFN attention mask (official ``generate_D_q_matrix``), True = *blocked*.

    (n, n) with n = n_train + n_test, rows attend to columns: every token sees all training tokens;
    a query token also sees itself and no other query; no token sees a query except itself.
    """
    if n_train < 0 or n_test < 0:
        raise ValueError(f"n_train and n_test must be >= 0; got {n_train}, {n_test}")
    n = n_train + n_test
    allowed = torch.zeros(n, n, dtype=torch.bool)
    allowed[:, :n_train] = True
    allowed |= torch.eye(n, dtype=torch.bool)
    return ~allowed


class BarHead(nn.Module):
    """The decoder (official: Linear → GELU → Linear) to the K bucket logits of the bar distribution."""

    def __init__(self, d_model: int, d_hidden: int, n_buckets: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_model, d_hidden), nn.GELU(), nn.Linear(d_hidden, n_buckets))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.net(h)


class PFN(nn.Module):
    """The PFN transformer for 1-D regression (official ``TransformerModel``, single_eval_pos mode)."""

    def __init__(
        self,
        bar: BarDistribution,
        d_model: int = 64,
        n_heads: int = 4,
        n_layers: int = 4,
        d_hidden: int = 128,
    ) -> None:
        super().__init__()
        self.bar = bar
        self.enc_x = nn.Linear(1, d_model)
        self.enc_y = nn.Linear(1, d_model)
        layer = nn.TransformerEncoderLayer(
            d_model, n_heads, d_hidden, dropout=0.0, activation="gelu", batch_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.head = BarHead(d_model, d_hidden, bar.n_buckets)
        for lay in self.encoder.layers:  # official init_weights: each block starts as the identity
            nn.init.zeros_(lay.linear2.weight)
            nn.init.zeros_(lay.linear2.bias)
            nn.init.zeros_(lay.self_attn.out_proj.weight)
            nn.init.zeros_(lay.self_attn.out_proj.bias)

    def forward(self, x_train: torch.Tensor, y_train: torch.Tensor, x_test: torch.Tensor) -> torch.Tensor:
        """x_train (B, n, 1), y_train (B, n), x_test (B, m, 1) -> bucket logits (B, m, K)."""
        n, m = x_train.shape[1], x_test.shape[1]
        train_tok = self.enc_x(x_train) + self.enc_y(y_train.unsqueeze(-1))  # (B, n, d)
        test_tok = self.enc_x(x_test)  # (B, m, d): a query carries no y
        tokens = torch.cat([train_tok, test_tok], 1)  # no positional encoding
        mask = pfn_attention_mask(n, m).to(tokens.device)
        h = self.encoder(tokens, mask=mask)
        return self.head(h[:, n:])


# --- 4. training on prior data (paper eq. 2) ------------------------------------------------------


def prior_batches(prior: GPPrior, batch: int, seq_len: int, seed: int, max_train: int | None = None):
    """An epoch factory of fresh prior datasets, each batch split at a random position (official
    ``single_eval_pos``): (x_train, y_train, x_test, y_test)."""
    max_train = seq_len - 1 if max_train is None else max_train

    def epoch():
        g = torch.Generator().manual_seed(seed)
        for _ in itertools.count():
            x, y = prior.sample(batch, seq_len, g)
            n = int(torch.randint(0, max_train + 1, (1,), generator=g))
            yield x[:, :n], y[:, :n], x[:, n:], y[:, n:]

    return epoch


def train_pfn(
    prior: GPPrior,
    *,
    steps: int,
    batch: int = 32,
    seq_len: int = 40,
    max_train: int = 30,
    lr: float = 1e-3,
    d_model: int = 64,
    n_layers: int = 4,
    n_buckets: int = 100,
    seed: int = 0,
    desc: str = "PFN on GP prior data",
    device: torch.device | str | None = None,
) -> tuple[PFN, list[float]]:
    """Train a PFN by minimising the prior-data NLL (eq. 2) on fresh GP datasets every step.

    Returns the model and its training-loss curve (nats per query point). ``device``: where the model
    trains (the prior datasets are drawn on the CPU and moved by ``fit``).
    """
    torch.manual_seed(seed)
    bar = BarDistribution.from_prior(prior, n_buckets=n_buckets, seed=seed)
    model = PFN(bar, d_model=d_model, n_layers=n_layers, d_hidden=2 * d_model).to(device)

    def loss_fn(m: PFN, b) -> torch.Tensor:  # type: ignore[no-untyped-def]
        x_tr, y_tr, x_te, y_te = b
        return m.bar.nll(m(x_tr, y_tr, x_te), y_te).mean()

    hist = fit(
        model,
        loss_fn,
        prior_batches(prior, batch, seq_len, seed + 10_000, max_train),
        steps=steps,
        lr=lr,
        desc=desc,
    )
    model.eval()
    return model, hist["loss"]


# --- 5. evaluation: PFN vs exact GP vs controls ---------------------------------------------------


def knn_predictive(
    x_tr: torch.Tensor, y_tr: torch.Tensor, x_te: torch.Tensor, k: int = 3, floor: float = 0.01
) -> tuple[torch.Tensor, torch.Tensor]:
    """Control: a Gaussian at the mean of the k nearest training y's, variance = their spread + ``floor``
    (uses the data, not the prior). With no training point it falls back to N(0, 1)."""
    if x_tr.shape[1] == 0:
        shape = x_te.shape[:-1]
        return torch.zeros(shape), torch.ones(shape)
    kk = min(k, x_tr.shape[1])
    d = (x_te - x_tr.transpose(1, 2)).abs()  # (B, m, n)
    idx = d.topk(kk, -1, largest=False).indices
    ys = torch.gather(y_tr.unsqueeze(1).expand(-1, x_te.shape[1], -1), 2, idx)  # (B, m, k)
    var = ys.var(-1, unbiased=False) + floor if kk > 1 else torch.full(ys.shape[:-1], 1.0)
    return ys.mean(-1), var


@dataclass
class Evaluation:
    """Mean NLL per query point, by context size and predictor."""

    contexts: list[int]
    nll: dict[str, list[float]]  # predictor -> NLL per context size
    mean_gap: dict[str, list[float]]  # predictor -> mean |its mean − GP posterior mean| per context size


PREDICTORS = ("PFN", "exact GP", "prior only", "3-NN Gaussian")


@torch.no_grad()
def evaluate(
    model: PFN,
    prior: GPPrior,
    contexts: tuple[int, ...] = (0, 1, 2, 4, 8, 16, 24),
    n_datasets: int = 200,
    n_query: int = 20,
    seed: int = 123,
) -> Evaluation:
    """NLL of the held-out query points of ``n_datasets`` fresh prior datasets per context size.

    The datasets and the exact GP are computed on the CPU; the PFN runs on its own device."""
    g = torch.Generator().manual_seed(seed)
    dev = model.bar.borders.device
    out: dict[str, list[float]] = {k: [] for k in PREDICTORS}
    gaps: dict[str, list[float]] = {k: [] for k in PREDICTORS}
    for n in contexts:
        x, y = prior.sample(n_datasets, n + n_query, g)
        x_tr, y_tr, x_te, y_te = x[:, :n], y[:, :n], x[:, n:], y[:, n:]
        logits = model(x_tr.to(dev), y_tr.to(dev), x_te.to(dev))
        mu, var = prior.posterior(x_tr, y_tr, x_te)
        out["PFN"].append(model.bar.nll(logits, y_te.to(dev)).mean().item())
        out["exact GP"].append(gaussian_nll(y_te, mu, var).mean().item())
        pv = torch.full_like(y_te, prior.outputscale + prior.noise)
        out["prior only"].append(gaussian_nll(y_te, torch.zeros_like(y_te), pv).mean().item())
        km, kv = knn_predictive(x_tr, y_tr, x_te)
        out["3-NN Gaussian"].append(gaussian_nll(y_te, km, kv).mean().item())
        means = {"PFN": model.bar.mean(logits).cpu(), "exact GP": mu, "prior only": torch.zeros_like(mu)}
        means["3-NN Gaussian"] = km
        for k, v in means.items():
            gaps[k].append((v - mu).abs().mean().item())
    return Evaluation(list(contexts), out, gaps)


@torch.no_grad()
def predictive_bands(
    model: PFN, prior: GPPrior, x_tr: torch.Tensor, y_tr: torch.Tensor, grid: torch.Tensor
) -> dict[str, np.ndarray]:
    """PFN and GP predictive mean and central 90 % band on a grid (1-D: x_tr (n,), y_tr (n,), grid (G,))."""
    xt, yt, xg = x_tr.view(1, -1, 1), y_tr.view(1, -1), grid.view(1, -1, 1)
    logits = model(xt, yt, xg)[0]
    mu, var = prior.posterior(xt, yt, xg)
    sd = var[0].sqrt()
    return {
        "pfn_mean": model.bar.mean(logits).numpy(),
        "pfn_lo": model.bar.quantile(logits, 0.05).numpy(),
        "pfn_hi": model.bar.quantile(logits, 0.95).numpy(),
        "gp_mean": mu[0].numpy(),
        "gp_lo": (mu[0] - 1.645 * sd).numpy(),
        "gp_hi": (mu[0] + 1.645 * sd).numpy(),
    }


# --- 6. diagram ------------------------------------------------------------------------------------


def _diagram_model(n_layers: int) -> PFN:
    torch.manual_seed(0)
    bar = BarDistribution(torch.linspace(-3, 3, 11))
    return PFN(bar, d_model=16, n_heads=2, n_layers=n_layers, d_hidden=32)


def _overview():  # type: ignore[no-untyped-def]
    x_tr, y_tr, x_te = torch.rand(1, 5, 1), torch.randn(1, 5), torch.rand(1, 3, 1)
    return _diagram_model(2), (x_tr, y_tr, x_te), None


_overview.trace_options = {"depth": 1, "hide_param_free": True}


class _MaskedAttentionView(nn.Module):
    """The PFN's new idea on its own: training tokens enc_x(x) + enc_y(y), query tokens enc_x(x), one
    self-attention under :func:`pfn_attention_mask`, the query outputs read out (diagram only)."""

    def __init__(self, d_model: int = 16, n_heads: int = 2) -> None:
        super().__init__()
        self.enc_x = nn.Linear(1, d_model)
        self.enc_y = nn.Linear(1, d_model)
        self.attn = nn.MultiheadAttention(d_model, n_heads, batch_first=True)

    def forward(self, x_train: torch.Tensor, y_train: torch.Tensor, x_test: torch.Tensor) -> torch.Tensor:
        n, m = x_train.shape[1], x_test.shape[1]
        tokens = torch.cat([self.enc_x(x_train) + self.enc_y(y_train.unsqueeze(-1)), self.enc_x(x_test)], 1)
        out, _ = self.attn(tokens, tokens, tokens, attn_mask=pfn_attention_mask(n, m), need_weights=False)
        return out[:, n:]


def _mechanism():  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    x_tr, y_tr, x_te = torch.rand(1, 5, 1), torch.randn(1, 5), torch.rand(1, 3, 1)
    return _MaskedAttentionView(), (x_tr, y_tr, x_te), None


_mechanism.trace_options = {"depth": 1}


def diagram_views():  # type: ignore[no-untyped-def]
    """Overview: token encoders → masked transformer → bar head; mechanism: one masked layer."""
    return {"overview": _overview, "mechanism": _mechanism}


# --- 7. claim --------------------------------------------------------------------------------------

PRIOR = GPPrior()
FAST = {"steps": 450, "batch": 32, "d_model": 32, "n_layers": 3, "lr": 3e-3}
FULL = {"steps": 4000, "batch": 64, "d_model": 64, "n_layers": 4, "lr": 1e-3}


def train_configured(seed: int = 0, full: bool | None = None) -> tuple[PFN, list[float]]:
    """Train the PFN of this notebook: ``FAST`` settings in fast mode, ``FULL`` in full mode
    (``fit`` cuts the steps to 3 under smoke)."""
    full = current().full if full is None else full
    s = FULL if full else FAST
    return train_pfn(
        PRIOR,
        steps=s["steps"],
        batch=s["batch"],
        d_model=s["d_model"],
        n_layers=s["n_layers"],
        lr=s["lr"],
        seed=seed,
    )


CLAIM_CONTEXTS = (0, 1, 2, 4, 8, 16, 24)
NN_CONTROL = "3-NN Gaussian (data, no prior)"
PRIOR_CONTROL = "prior predictive (prior, no data)"

CLAIM = Claim(
    slug="pfn_bayesian_transformer",
    statement=(
        "a transformer trained only on GP prior datasets approximates the GP posterior predictive: "
        "its held-out NLL is close to the exact GP's and far below the prior's"
    ),
    clauses=(
        Clause(
            "gap_to_gp",
            "mean NLL over context sizes 1-24 minus the exact GP posterior's, nats per point",
            "<=",
            0.3,
        ),
        Clause(
            "gain_over_prior",
            "NLL of the prior predictive minus this predictor's NLL at 16 context points, nats",
            ">=",
            1.0,
        ),
        Clause(
            "mean_gap_16",
            "mean |predictive mean − GP posterior mean| at 16 context points (GP prior scale s = 1)",
            "<=",
            0.2,
            kind="sanity",
        ),
    ),
)


def claim_rows(ev: Evaluation) -> dict[str, dict[str, float]]:
    """Claim rows from an :func:`evaluate` result (context sizes must include 16 and > 0 ones)."""
    if 16 not in ev.contexts:
        raise ValueError(f"evaluate contexts must include 16; got {ev.contexts}")
    i16 = ev.contexts.index(16)
    pos = [i for i, n in enumerate(ev.contexts) if n > 0]
    gp = np.array(ev.nll["exact GP"])
    prior16 = ev.nll["prior only"][i16]

    def row(name: str) -> dict[str, float]:
        v = np.array(ev.nll[name])
        return {
            "gap_to_gp": float(np.mean(v[pos] - gp[pos])),
            "gain_over_prior": float(prior16 - v[i16]),
            "mean_gap_16": ev.mean_gap[name][i16],
        }

    return {OURS: row("PFN"), PRIOR_CONTROL: row("prior only"), NN_CONTROL: row("3-NN Gaussian")}


def claim_experiment(seed: int) -> dict[str, dict[str, float]]:
    """Train the fast-mode PFN (seed) and evaluate it with the controls on 200 fresh datasets per size."""
    model, _ = train_configured(seed, full=False)
    ev = evaluate(model, PRIOR, CLAIM_CONTEXTS, seed=seed + 123)
    return claim_rows(ev)


# --- Reproduction target (issue 23): fixed before any run --------------------------------------
REPRO_CONTEXTS = (1, 2, 4, 8, 16, 24)
_ABSTRACT = (
    "abstract of arXiv:2112.10510 (arxiv.org/abs/2112.10510; ICLR 2022): 'We demonstrate that PFNs can "
    "near-perfectly mimic Gaussian processes'; the GP comparison is a figure of Sec. 5.1 (official README, "
    "github.com/automl/TransformersCanDoBayesianInference: 'compare it to the ground truth GP posterior, as "
    "described in the paper's section 5.1'), with no printed numbers"
)
_GAP_REF = 0.1  # nats per point: "near-perfectly" read as a gap below 0.1


def _gap_key(n: int) -> str:
    return f"PFN NLL minus exact GP NLL, {n} context point{'s' if n != 1 else ''}"


def _pfn_values() -> tuple[PaperValue, ...]:
    note = " (0 encodes 'no visible gap'; the rule is gap < 0.1 nats)"
    vals = [
        PaperValue(
            _gap_key(n),
            0.0,
            _ABSTRACT + note,
            True,
            "direction",
            reference=_GAP_REF,
        )
        for n in REPRO_CONTEXTS
    ]
    vals.append(
        PaperValue(
            "PFN NLL minus exact GP NLL, mean over 1-24 context points",
            0.0,
            _ABSTRACT + note,
            True,
            "direction",
            reference=_GAP_REF,
        )
    )
    return tuple(vals)


REPRO = ReproSpec(
    slug="pfn_bayesian_transformer",
    target="Sec. 5.1, the GP figure: held-out NLL vs number of training points, PFN against the exact GP posterior",
    shows=(
        "For datasets drawn from a GP prior with fixed hyperparameters, the mean negative log-likelihood of held-out "
        "points under the PFN's predictive distribution and under the exact GP posterior predictive, per context size."
    ),
    metric="NLL per held-out point (nats): PFN minus exact GP",
    paper_values=_pfn_values(),
    data="datasets from a 1-D GP prior, RBF kernel, lengthscale 0.2, outputscale 1, noise variance 0.01, x ~ U[0, 1] (PRIOR)",
    data_kind="synthetic",
    data_note=(
        "The paper's data is its GP prior, as here; its hyperparameters differ: the official GP notebook "
        "(notebooks/SetupForGPFittingExperiments.ipynb) uses lengthscale 0.6, outputscale 1, noise 1e-4 and up to "
        "2,000 points with 5 features; ours is 1-D with up to 24 context points (the notebook's prior)."
    ),
    sizes={
        "d_model": FULL["d_model"],
        "n_layers": FULL["n_layers"],
        "n_heads": 4,
        "n_buckets": 100,
        "steps": FULL["steps"],
        "batch": FULL["batch"],
        "lr": FULL["lr"],
        "seq_len": 40,
        "max_train": 30,
        "contexts": REPRO_CONTEXTS,
        "eval_datasets": 500,
        "eval_queries": 20,
    },
    seeds=(0, 1, 2),
    gpu_minutes=5.0,
    cpu_minutes=20.0,
    notes=(
        "Scaled down: the paper trains for far longer on a GPU (millions of prior datasets); this is the notebook's "
        "full mode, 4,000 Adam steps of 64 datasets (256k datasets), d = 64, 4 layers. Rule: 'near-perfectly' has "
        "no printed number, so each gap must be below 0.1 nats per point -- a tenth of the prior-only predictor's "
        "gap (~1.3 nats) and below the fast-mode PFN's 0.24-0.28 (ledger), which would fail it; the fast-mode seed "
        "spread of the mean gap is about 0.02. Evaluation on 500 fresh datasets per context size (the "
        "notebook: 200). About 0.08 s of CPU per training step."
    ),
)


def reproduce(
    spec: ReproSpec, *, seed: int, data: str, device: torch.device, smoke: bool
) -> dict[str, float]:
    """One seed of REPRO's target; returns a value for every spec.paper_values key.

    :func:`train_pfn` on ``device`` (``fit`` cuts the steps to 3 under smoke), then :func:`evaluate`;
    smoke also evaluates 8 datasets per context size."""
    if data not in ("paper", "stand-in"):
        raise ValueError(f"data must be 'paper' or 'stand-in'; got {data!r}")
    s = dict(spec.sizes)
    model, _ = train_pfn(
        PRIOR,
        steps=3 if smoke else int(s["steps"]),
        batch=int(s["batch"]),
        seq_len=int(s["seq_len"]),
        max_train=int(s["max_train"]),
        lr=float(s["lr"]),
        d_model=int(s["d_model"]),
        n_layers=int(s["n_layers"]),
        n_buckets=int(s["n_buckets"]),
        seed=seed,
        device=device,
    )
    contexts = tuple(int(n) for n in s["contexts"])
    ev = evaluate(
        model,
        PRIOR,
        contexts=contexts,
        n_datasets=8 if smoke else int(s["eval_datasets"]),
        n_query=int(s["eval_queries"]),
        seed=10_000 + seed,
    )
    gap = np.array(ev.nll["PFN"]) - np.array(ev.nll["exact GP"])
    out = {_gap_key(n): float(g) for n, g in zip(contexts, gap, strict=True)}
    out["PFN NLL minus exact GP NLL, mean over 1-24 context points"] = float(gap.mean())
    for name in PREDICTORS:  # diagnostics: every predictor's NLL per context size
        for n, v in zip(contexts, ev.nll[name], strict=True):
            out[f"NLL {name}, {n} context points"] = v
    return out

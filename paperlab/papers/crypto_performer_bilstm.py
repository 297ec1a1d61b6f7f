"""Enhancing Price Prediction in Cryptocurrency Using Transformer Neural Network and Technical Indicators
(Mohammad Ali Labbaf Khaniki, Mohammad Manthouri, 2024, arXiv 2403.03606).

The model: technical indicators computed from OHLCV bars (moving averages, RSI, Bollinger bands, CCI -- the
paper's set) feed a
Performer encoder, whose attention is FAVOR+ (positive orthogonal random features, :mod:`paperlab.nn.performer`),
and whose position-wise feed-forward block is replaced by a bidirectional LSTM, so each block mixes the window
globally (attention) and sequentially (BiLSTM)::

    h = LN(x + FAVOR⁺-Attn(x)),   y = LN(h + W·BiLSTM(h))

A linear head on the last position predicts the next bar's log return; the predicted close is
``close_t · exp(r̂_{t+1})``. Baselines: the same encoder with softmax attention and an MLP feed-forward
(a vanilla Transformer), an LSTM, and persistence (``close_{t+1} = close_t``). Metrics: MAE, RMSE, MAPE on price.
The claim check (:data:`CLAIM`) compares the Performer-BiLSTM with an LSTM trained with the same budget and with
persistence, and checks FAVOR+ against exact softmax attention on the trained model's own heads.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from paperlab.claims import Claim, Clause
from paperlab.config import Config, current
from paperlab.data.sequences import synthetic_ohlcv
from paperlab.nn.performer import (
    MultiHeadAttention,
    favor_attention,
    orthogonal_gaussian,
    positive_features,
    softmax_attention,
)
from paperlab.reproduce import PaperValue, ReproSpec
from paperlab.train import History, batches, fit

# ---- technical indicators (numpy, causal: bar t uses bars <= t) -------------------------------


def sma(x: np.ndarray, n: int) -> np.ndarray:
    """Simple moving average over ``n`` bars (the first bars average what is available)."""
    c = np.cumsum(np.insert(x, 0, 0.0))
    out = (c[n:] - c[:-n]) / n
    head = c[1:n] / np.arange(1, n)
    return np.concatenate([head, out])


def ema(x: np.ndarray, n: int) -> np.ndarray:
    """Exponential moving average with ``α = 2 / (n + 1)``."""
    a, out = 2.0 / (n + 1), np.empty_like(x)
    out[0] = x[0]
    for t in range(1, len(x)):
        out[t] = a * x[t] + (1 - a) * out[t - 1]
    return out


def rsi(close: np.ndarray, n: int = 14) -> np.ndarray:
    """Relative strength index (Wilder smoothing), 0–100."""
    d = np.diff(close, prepend=close[0])
    up, down = (
        ema(np.maximum(d, 0), 2 * n - 1),
        ema(np.maximum(-d, 0), 2 * n - 1),
    )  # Wilder's 1/n = 2/(2n-1+1)
    return 100 - 100 / (1 + up / np.maximum(down, 1e-12))


def bollinger_b(close: np.ndarray, n: int = 20, k: float = 2.0) -> np.ndarray:
    """Bollinger %b: where the close sits between ``SMA ± k·σ`` (0 = lower band, 1 = upper)."""
    m = sma(close, n)
    sd = np.sqrt(np.maximum(sma(close**2, n) - m**2, 1e-12))
    return (close - (m - k * sd)) / (2 * k * sd)


def cci(high: np.ndarray, low: np.ndarray, close: np.ndarray, n: int = 20) -> np.ndarray:
    """Commodity channel index: ``(TP − SMA(TP)) / (0.015 · mean deviation)``, TP = typical price."""
    tp = (high + low + close) / 3
    m = sma(tp, n)
    dev = sma(np.abs(tp - m), n)
    return (tp - m) / (0.015 * np.maximum(dev, 1e-12))


FEATURES = (
    "log_return",
    "close/SMA10",
    "close/EMA20",
    "RSI14",
    "Bollinger %b",
    "CCI20",
    "range",
    "log volume",
)


def indicator_features(bars: dict[str, np.ndarray]) -> np.ndarray:
    """Scale-free features per bar ``(n_bars, len(FEATURES))`` from OHLCV arrays.

    The paper's indicators (RSI, moving averages, Bollinger bands, CCI), plus the last log return, the bar's
    range and its volume. MACD is not among the paper's indicators and is not used.
    """
    o, h, lo, c, v = (
        np.asarray(bars[k], dtype=np.float64) for k in ("open", "high", "low", "close", "volume")
    )
    r = np.diff(np.log(c), prepend=np.log(c[0]))
    cols = [
        r,
        c / sma(c, 10) - 1,
        c / ema(c, 20) - 1,
        rsi(c) / 100 - 0.5,
        bollinger_b(c) - 0.5,
        cci(h, lo, c) / 200,
        (h - lo) / c,
        np.log(v) - np.log(v).mean(),
    ]
    return np.stack(cols, 1)


# ---- models -----------------------------------------------------------------------------------


class _Encoder(nn.Module):
    """Input projection + learned positions + ``layers`` × [attention, feed-forward] blocks + last-token head."""

    def __init__(self, n_in: int, d: int, layers: int, lookback: int, make_attn, make_ffn) -> None:
        super().__init__()
        self.inp = nn.Linear(n_in, d)
        self.pos = nn.Parameter(torch.randn(lookback, d) * 0.02)
        self.attn = nn.ModuleList([make_attn() for _ in range(layers)])
        self.ffn = nn.ModuleList([make_ffn() for _ in range(layers)])
        self.norm1 = nn.ModuleList([nn.LayerNorm(d) for _ in range(layers)])
        self.norm2 = nn.ModuleList([nn.LayerNorm(d) for _ in range(layers)])
        self.head = nn.Linear(d, 1)
        self.block = EncoderBlock()  # parameter-free: groups one layer's modules above for the diagrams

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.inp(x) + self.pos[-x.shape[1] :]  # (b, L, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.embed(x)
        for attn, ffn, n1, n2 in zip(self.attn, self.ffn, self.norm1, self.norm2, strict=True):
            h = self.block(h, attn, ffn, n1, n2)
        return self.head(h[:, -1]).squeeze(-1)  # (b,)


class EncoderBlock(nn.Module):
    """One post-norm layer, ``h ← n₂(h' + ffn(h'))`` with ``h' = n₁(h + attn(h))`` (parameter-free: the layer's
    modules are the encoder's and come in as arguments)."""

    def forward(
        self, h: torch.Tensor, attn: nn.Module, ffn: nn.Module, n1: nn.Module, n2: nn.Module
    ) -> torch.Tensor:
        h = n1(h + attn(h))
        return n2(h + ffn(h))


class BiLSTMFeedForward(nn.Module):
    """The paper's replacement for the position-wise MLP: a BiLSTM over the window, projected back to ``d``."""

    def __init__(self, d: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(d, d // 2, batch_first=True, bidirectional=True)
        self.proj = nn.Linear(2 * (d // 2), d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(self.lstm(x)[0])


class PerformerBiLSTM(_Encoder):
    """FAVOR+ attention (``n_features`` positive orthogonal random features) + BiLSTM feed-forward."""

    def __init__(
        self,
        n_in: int,
        *,
        d: int = 32,
        heads: int = 4,
        layers: int = 1,
        lookback: int = 32,
        n_features: int = 32,
        seed: int = 0,
    ) -> None:
        super().__init__(
            n_in,
            d,
            layers,
            lookback,
            lambda: MultiHeadAttention(d, heads, kind="favor", n_features=n_features, seed=seed),
            lambda: BiLSTMFeedForward(d),
        )


class SoftmaxTransformer(_Encoder):
    """The vanilla baseline: exact softmax attention + a two-layer MLP feed-forward."""

    def __init__(
        self, n_in: int, *, d: int = 32, heads: int = 4, layers: int = 1, lookback: int = 32
    ) -> None:
        super().__init__(
            n_in,
            d,
            layers,
            lookback,
            lambda: MultiHeadAttention(d, heads, kind="softmax"),
            lambda: nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d)),
        )


class PositiveFeatures(nn.Module):
    """FAVOR+'s positive random feature map φ(x) = exp(ωᵀx − ‖x‖²/2)/√m (Choromanski et al. 2021, eq. 7 with
    h(x) = exp(−‖x‖²/2); :func:`paperlab.nn.performer.positive_features`), parameter-free: ω is the attention's buffer."""

    def __init__(self, is_query: bool) -> None:
        super().__init__()
        self.is_query = is_query

    def forward(self, x: torch.Tensor, omega: torch.Tensor) -> torch.Tensor:  # (..., L, d) -> (..., L, m)
        return positive_features(x, omega, is_query=self.is_query)


class FavorAttention(nn.Module):
    """Bidirectional FAVOR+ attention D⁻¹(φ(Q)(φ(K)ᵀV)), D = diag(φ(Q)(φ(K)ᵀ1)) (:func:`favor_attention`, as drawn)."""

    def __init__(self, omega: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("omega", omega)  # (m, d_head) orthogonal random features
        self.phi_q, self.phi_k = PositiveFeatures(is_query=True), PositiveFeatures(is_query=False)

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:  # (b, h, L, d_head)
        scale = q.shape[-1] ** -0.25
        qf, kf = self.phi_q(q * scale, self.omega), self.phi_k(k * scale, self.omega)  # (b, h, L, m)
        kv = kf.transpose(-2, -1) @ v  # (b, h, m, d_head)
        norm = qf @ kf.sum(-2, keepdim=True).transpose(-2, -1)  # (b, h, L, 1)
        return (qf @ kv) / norm


class LSTMRegressor(nn.Module):
    """LSTM baseline: the last hidden state → next return."""

    def __init__(self, n_in: int, *, d: int = 32) -> None:
        super().__init__()
        self.lstm = nn.LSTM(n_in, d, batch_first=True)
        self.head = nn.Linear(d, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.lstm(x)[0][:, -1]).squeeze(-1)


# ---- data -------------------------------------------------------------------------------------


@dataclass
class PriceWindows:
    """Chronologically split windows: inputs ``(n, lookback, F)``, standardized next return, closes."""

    x: torch.Tensor
    y: torch.Tensor
    close: np.ndarray  # close at the last bar of each window
    next_close: np.ndarray
    coin: np.ndarray


@dataclass
class PriceData:
    train: PriceWindows
    test: PriceWindows
    y_std: float
    x_mean: np.ndarray
    x_std: np.ndarray


def make_windows(
    coins: dict[str, dict[str, np.ndarray]], *, lookback: int = 32, test_frac: float = 0.2, warmup: int = 30
) -> PriceData:
    """Windows over each coin's indicator features; the last ``test_frac`` of every coin's bars is the test set.

    Features and targets are standardized with training statistics only.
    """
    if not 0 < test_frac < 1:
        raise ValueError(f"test_frac must be in (0, 1); got {test_frac}")
    parts: dict[str, list] = {"train": [], "test": []}
    feats_train = []
    for name, bars in coins.items():
        f = indicator_features(bars)
        c = np.asarray(bars["close"], dtype=np.float64)
        r_next = np.log(c[1:] / c[:-1])  # r_{t+1} for t = 0..n-2
        ends = np.arange(warmup + lookback - 1, len(c) - 1)  # window [t-L+1, t], target r_{t+1}
        split = int(len(ends) * (1 - test_frac))
        feats_train.append(f[: ends[split - 1] + 1])
        for key, sel in (("train", ends[:split]), ("test", ends[split:])):
            parts[key].append((f, sel, r_next[sel], c[sel], c[sel + 1], name))
    stack = np.concatenate(feats_train)
    mu, sd = stack.mean(0), stack.std(0) + 1e-8
    y_all = np.concatenate([p[2] for p in parts["train"]])
    y_mu, y_sd = 0.0, float(y_all.std())

    def build(items: list) -> PriceWindows:
        xs, ys, cl, nc, co = [], [], [], [], []
        for f, sel, r, c_now, c_next, name in items:
            fz = (f - mu) / sd
            xs.append(np.stack([fz[t - lookback + 1 : t + 1] for t in sel]))
            ys.append((r - y_mu) / y_sd)
            cl.append(c_now)
            nc.append(c_next)
            co.append(np.full(len(sel), name))
        return PriceWindows(
            torch.tensor(np.concatenate(xs), dtype=torch.float32),
            torch.tensor(np.concatenate(ys), dtype=torch.float32),
            np.concatenate(cl),
            np.concatenate(nc),
            np.concatenate(co),
        )

    return PriceData(build(parts["train"]), build(parts["test"]), y_sd, mu, sd)


COIN_AR = (0.35, 0.3, 0.4)  # AR(1) momentum of the three synthetic coins


def synthetic_coins(
    n_bars: int = 3000,
    *,
    names: tuple[str, ...] = ("BTC-like", "ETH-like", "LTC-like"),
    bars_per_day: int = 1,
    seed: int = 0,
) -> dict[str, dict[str, np.ndarray]]:
    """Three synthetic 'coins' (different seeds, momentum and start prices) — see :func:`synthetic_ohlcv`."""
    ars = COIN_AR
    starts = (30000.0, 2000.0, 90.0)
    return {
        name: synthetic_ohlcv(
            n_bars, seed=seed * 10 + i, ar=ars[i % 3], start_price=starts[i % 3], bars_per_day=bars_per_day
        )
        for i, name in enumerate(names)
    }


# ---- experiments ------------------------------------------------------------------------------


def price_metrics(pred_close: np.ndarray, next_close: np.ndarray) -> dict[str, float]:
    """MAE, RMSE and MAPE (%) of predicted against actual next closes."""
    err = pred_close - next_close
    return {
        "MAE": float(np.abs(err).mean()),
        "RMSE": float(np.sqrt((err**2).mean())),
        "MAPE": float(100 * np.abs(err / next_close).mean()),
    }


@torch.no_grad()
def predict_close(model: nn.Module | None, data: PriceData, split: str = "test") -> np.ndarray:
    """Predicted next closes; ``model=None`` is persistence."""
    w = getattr(data, split)
    if model is None:
        return w.close.copy()
    model.eval()
    r = model(w.x).numpy() * data.y_std
    return w.close * np.exp(r)


def momentum_close(data: PriceData, ar: dict[str, float], split: str = "test") -> np.ndarray:
    """The known-momentum forecast ``close_t · exp(a · r_t)`` with the generator's true ``a``.

    Not the best possible forecast: it ignores the generator's persistent two-state drift regime
    (``μ_regime``), which a model can partly infer from the window's recent returns, so a trained model
    may beat it on some coins.
    """
    w = getattr(data, split)
    r_now = w.x[:, -1, 0].numpy() * data.x_std[0] + data.x_mean[0]  # un-standardized last log return
    return w.close * np.exp(np.array([ar[c] for c in w.coin]) * r_now)


def per_coin_metrics(pred: np.ndarray, data: PriceData) -> dict[str, dict[str, float]]:
    """Metrics per coin on the test split (prices of different coins are on different scales)."""
    w = data.test
    return {c: price_metrics(pred[w.coin == c], w.next_close[w.coin == c]) for c in np.unique(w.coin)}


def _loss(model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    return F.mse_loss(model(batch[0]), batch[1])


def train_model(
    cfg: Config,
    model: nn.Module,
    data: PriceData,
    *,
    steps: int = 400,
    lr: float = 2e-3,
    seed: int = 0,
    desc: str = "train",
) -> History:
    """Adam on the MSE of the standardized next return, batch 128."""
    torch.manual_seed(seed)
    return fit(
        model.to(cfg.device),
        _loss,
        batches(data.train.x, data.train.y, batch_size=128, seed=seed),
        steps=steps,
        lr=lr,
        grad_clip=1.0,
        desc=desc,
    )


def favor_error(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    n_features: int,
    *,
    seeds: int = 3,
    orthogonal: bool = True,
) -> float:
    """Mean over feature draws of ‖FAVOR⁺ − softmax‖_F / ‖softmax‖_F for the given heads ``(…, L, d)``.

    ``orthogonal=False`` draws the ``ω`` i.i.d. Gaussian (the Performer paper's ablation of orthogonality).
    """
    exact = softmax_attention(q, k, v)
    errs = []
    for s in range(seeds):
        gen = torch.Generator().manual_seed(s)
        if orthogonal:
            omega = orthogonal_gaussian(n_features, q.shape[-1], generator=gen)
        else:
            omega = torch.randn(n_features, q.shape[-1], generator=gen)
        errs.append(float((favor_attention(q, k, v, omega) - exact).norm() / exact.norm()))
    return float(np.mean(errs))


def attention_runtime(
    lengths: list[int], *, d: int = 32, n_features: int = 64, repeats: int = 3
) -> dict[str, list[float]]:
    """Median wall time (ms) of one softmax and one FAVOR⁺ attention call on ``(1, L, d)`` for each ``L``."""
    g = torch.Generator().manual_seed(0)
    omega = orthogonal_gaussian(n_features, d, generator=g)
    out: dict[str, list[float]] = {"softmax": [], "FAVOR+": []}
    with torch.no_grad():
        for L in lengths:
            q, k, v = (torch.randn(1, L, d, generator=g) for _ in range(3))
            calls = {
                "softmax": lambda q=q, k=k, v=v: softmax_attention(q, k, v),
                "FAVOR+": lambda q=q, k=k, v=v: favor_attention(q, k, v, omega),
            }
            for name, fn in calls.items():
                fn()
                ts = []
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    fn()
                    ts.append(1000 * (time.perf_counter() - t0))
                out[name].append(float(np.median(ts)))
    return out


# ---- the claim ----------------------------------------------------------------------------------

CLAIM = Claim(
    slug="crypto_performer_bilstm",
    statement=(
        "a Performer (FAVOR+ attention) with a BiLSTM feed-forward, fed technical indicators, predicts the "
        "next close better than the baselines (abstract); FAVOR+ approximates softmax attention"
    ),
    clauses=(
        Clause(
            "favor_err",
            "FAVOR+ relative error vs exact softmax on the trained Performer's own heads (ours: m = 256 "
            "orthogonal features; nan: the row has no attention)",
            "<=",
            0.1,
            kind="sanity",
        ),
        Clause(
            "rmse_vs_persistence",
            "worst coin's next-close RMSE / persistence RMSE",
            "<=",
            0.98,
            kind="sanity",
        ),
        Clause(
            "rmse_vs_lstm",
            "mean over coins of next-close RMSE / the LSTM's RMSE (same data, steps, optimizer)",
            "<=",
            0.98,
            kind="evidence",
        ),
    ),
    reproduced=False,
)


def _rmse_ratios(pred: np.ndarray, ref: np.ndarray, data: PriceData) -> np.ndarray:
    a, b = per_coin_metrics(pred, data), per_coin_metrics(ref, data)
    return np.array([a[c]["RMSE"] / b[c]["RMSE"] for c in a])


def claim_rows(perf: PerformerBiLSTM, lstm: nn.Module, data: PriceData) -> dict[str, dict[str, float]]:
    """The claim's rows from a trained Performer-BiLSTM and LSTM (see :func:`claim_experiment`)."""
    n_in = data.test.x.shape[-1]
    seed = perf.attn[0]._seed
    preds = {
        "ours": predict_close(perf, data),
        "LSTM (same steps)": predict_close(lstm, data),
        "persistence": predict_close(None, data),
    }
    with torch.no_grad():
        hq, hk, hv = perf.attn[0].heads_qkv(perf.embed(data.test.x[:256]))
    favor = {
        "ours": favor_error(hq, hk, hv, 256),
        "LSTM (same steps)": float("nan"),
        "persistence": float("nan"),
    }
    # the mechanism degraded: the same trained Performer, its FAVOR+ cut to 8 random features
    few = PerformerBiLSTM(n_in, lookback=perf.pos.shape[0], n_features=8, seed=seed)
    few.load_state_dict({k: v for k, v in perf.state_dict().items() if not k.endswith("omega")}, strict=False)
    preds["FAVOR+ m = 8"] = predict_close(few, data)
    favor["FAVOR+ m = 8"] = favor_error(hq, hk, hv, 8)
    rows = {}
    for name, pred in preds.items():
        rows[name] = {
            "favor_err": favor[name],
            "rmse_vs_persistence": float(_rmse_ratios(pred, preds["persistence"], data).max()),
            "rmse_vs_lstm": float(_rmse_ratios(pred, preds["LSTM (same steps)"], data).mean()),
        }
    return rows


def claim_experiment(seed: int, *, steps: int = 200) -> dict[str, dict[str, float]]:
    """Rows: the Performer-BiLSTM, an LSTM with the same budget, persistence, and the trained Performer with its
    attention features cut to ``m = 8`` (FAVOR+ with too few features).

    Synthetic coins (3000 daily bars each), windows of 32 bars, ``steps`` Adam steps per model.
    """
    cfg = current()
    data = make_windows(synthetic_coins(3000, seed=seed), lookback=32)
    n_in = len(FEATURES)
    torch.manual_seed(seed)
    perf = PerformerBiLSTM(n_in, lookback=32, seed=seed)
    train_model(cfg, perf, data, steps=steps, seed=seed, desc="Performer-BiLSTM")
    torch.manual_seed(seed)
    lstm = LSTMRegressor(n_in)
    train_model(cfg, lstm, data, steps=steps, seed=seed, desc="LSTM")
    return claim_rows(perf, lstm, data)


def diagram_example() -> tuple[torch.nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
    """A small Performer-BiLSTM over a window of indicator features, for `paperlab diagrams`."""
    torch.manual_seed(0)
    return (
        PerformerBiLSTM(len(FEATURES), d=16, heads=2, lookback=8, n_features=8),
        (torch.randn(2, 8, len(FEATURES)),),
        ["b t f"],
    )


def diagram_views() -> dict[str, Any]:
    """The overview (input projection + positions, the encoder layer as one block, last-token head), the
    mechanism (FAVOR+'s positive random feature map φ) and FAVOR+ attention built from it (linear in L)."""

    def overview() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
        return diagram_example()

    overview.trace_options = {"depth": 0}

    def _qkv() -> tuple[MultiHeadAttention, tuple[torch.Tensor, ...]]:
        model, (x,), _ = diagram_example()
        attn = model.attn[0]
        with torch.no_grad():
            return attn, attn.heads_qkv(model.embed(x))  # (b, heads, L, d_head) each

    def mechanism() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
        attn, (q, _, _) = _qkv()
        return (
            PositiveFeatures(is_query=True),
            (q * q.shape[-1] ** -0.25, attn.omega.clone()),
            ["b h t e", "m e"],
        )

    def favor() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
        attn, qkv = _qkv()
        return FavorAttention(attn.omega.clone()), qkv, ["b h t e"] * 3

    favor.trace_options = {"depth": 0}
    return {"overview": overview, "mechanism": mechanism, "favor": favor}


# --- Reproduction target (issue 23): fixed before any run --------------------------------------
REPRO = ReproSpec(
    slug="crypto_performer_bilstm",
    target="The error table (MAE / RMSE / MAPE per coin): Performer-BiLSTM against the compared models",
    shows="Next-step price errors for BTC, ETH and LTC: the Performer-BiLSTM with technical indicators has the lowest.",
    metric="mean over coins of RMSE(Performer-BiLSTM) / RMSE(LSTM) − 1",
    paper_values=(
        PaperValue(
            "Performer-BiLSTM RMSE / LSTM RMSE − 1",
            -1.0,
            "abstract of arXiv:2403.03606 (the stored abstract, read for this spec): 'The results underscore the "
            "potential of the proposed method to outperform existing models'; −1.0 marks the sign only, no table "
            "value was found in the sources searched",
            True,
            "direction",
        ),
    ),
    data="three synthetic OHLCV coins (paperlab.data.sequences.synthetic_ohlcv), 3,000 daily bars each",
    data_kind="stand-in",
    data_note=(
        "The paper's exchange data (hourly and daily BTC/ETH/LTC) cannot be downloaded here; make_windows takes "
        "real OHLCV arrays when a user has them."
    ),
    sizes={
        "lookback": 32,
        "steps": 3000,
        "lr": 2e-3,
        "batch": 128,
        "features": "SMA10, EMA20, RSI14, Bollinger %b, CCI20",
    },
    seeds=(0, 1, 2),
    gpu_minutes=2.0,
    cpu_minutes=10.0,
    notes="Direction only. The notebook's fast mode finds a ratio near 1 on the stand-in (reported). No reproduce() yet.",
)

"""Synthetic sequence tasks with exact labels, all offline and seeded.

- :func:`first_symbol_recall`: remember the first of ``k`` symbols across ``T`` distractors.
- :func:`future_token_tagging`: per-step labels that need a token from the future.
- :func:`embedded_reber`: valid/invalid strings of the embedded Reber grammar.
- :func:`convex_hull_data`, :func:`tsp_data`: point sets with exact hull / optimal tour labels.
"""

from __future__ import annotations

import itertools

import numpy as np
import torch
from scipy.spatial import ConvexHull


def _check_pos(name: str, value: int, minimum: int = 1) -> int:
    if not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}; got {value!r}")
    return int(value)


def first_symbol_recall(n: int, T: int, *, k: int = 4, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Long-range memory: token 0 is one of ``k`` symbols, tokens 1..T are distractors; the label is token 0.

    Symbols are ids ``0..k-1``, distractors ids ``k..2k-1`` (drawn uniformly). Returns
    ``x`` ``(n, T+1)`` int64 and ``y`` ``(n,)``; chance accuracy is ``1/k``.
    """
    n, T, k = _check_pos("n", n), _check_pos("T", T), _check_pos("k", k, 2)
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    x = rng.integers(k, 2 * k, (n, T + 1))
    x[:, 0] = y
    return torch.as_tensor(x), torch.as_tensor(y)


def future_token_tagging(
    n: int, T: int, *, k: int = 4, lookahead: int = 2, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Future context: tag step ``t`` with the token ``lookahead`` steps ahead, ``y_t = x_{t+lookahead}``.

    The last ``lookahead`` steps are labelled ``-100`` (ignored by cross-entropy). A left-to-right
    model cannot see ``x_{t+lookahead}`` when it must answer, so it is at chance ``1/k``; a
    bidirectional one reads it from its backward pass. Returns ``x, y`` both ``(n, T)`` int64.
    """
    n, k, lookahead = _check_pos("n", n), _check_pos("k", k, 2), _check_pos("lookahead", lookahead)
    T = _check_pos("T", T, lookahead + 1)
    rng = np.random.default_rng(seed)
    x = rng.integers(0, k, (n, T))
    y = np.full((n, T), -100)
    y[:, :-lookahead] = x[:, lookahead:]
    return torch.as_tensor(x), torch.as_tensor(y)


def convex_hull_data(n: int, n_points: int, *, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Uniform points in the unit square and their exact convex hull (``scipy.spatial.ConvexHull``).

    Returns ``points`` ``(n, n_points, 2)`` float32 and ``hull`` ``(n, n_points)`` int64: the hull's
    vertex indices counter-clockwise, starting from the smallest index (as in Vinyals et al. 2015),
    padded with ``-1``.
    """
    n, n_points = _check_pos("n", n), _check_pos("n_points", n_points, 3)
    rng = np.random.default_rng(seed)
    pts = rng.random((n, n_points, 2))
    hull = np.full((n, n_points), -1)
    for b in range(n):
        v = ConvexHull(pts[b]).vertices  # counter-clockwise for 2-D input
        v = np.roll(v, -int(np.argmin(v)))
        hull[b, : len(v)] = v
    return torch.as_tensor(pts, dtype=torch.float32), torch.as_tensor(hull)


def tour_length(points: np.ndarray | torch.Tensor, tour: np.ndarray | torch.Tensor) -> np.ndarray:
    """Closed-tour length for ``points`` ``(..., n, 2)`` visited in order ``tour`` ``(..., n)``."""
    pts, idx = np.asarray(points, dtype=np.float64), np.asarray(tour)
    ordered = np.take_along_axis(pts, idx[..., None].repeat(2, -1), axis=-2)
    return np.linalg.norm(ordered - np.roll(ordered, -1, axis=-2), axis=-1).sum(-1)


def tsp_data(n: int, n_points: int, *, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Uniform points and their optimal TSP tour by brute force over all ``(n_points-1)!`` orders.

    Tours start at point 0 and are oriented so that ``tour[1] < tour[-1]`` (one label per tour).
    Returns ``points`` ``(n, n_points, 2)``, ``tour`` ``(n, n_points)`` int64, ``length`` ``(n,)``.
    """
    n, n_points = _check_pos("n", n), _check_pos("n_points", n_points, 3)
    if n_points > 9:
        raise ValueError(f"n_points must be <= 9 for the brute-force solver; got {n_points}")
    rng = np.random.default_rng(seed)
    pts = (
        rng.random((n, n_points, 2)).astype(np.float32).astype(np.float64)
    )  # lengths exact for the float32 points
    perms = np.array(
        [(0, *p) for p in itertools.permutations(range(1, n_points)) if p[0] < p[-1]]
    )  # (P, n_points)
    dist = np.linalg.norm(pts[:, :, None] - pts[:, None], axis=-1)  # (n, n_points, n_points)
    best = np.empty((n, n_points), dtype=np.int64)
    lengths = np.empty(n)
    for start in range(0, n, 256):
        d = dist[start : start + 256]
        total = d[:, perms, np.roll(perms, -1, axis=1)].sum(-1)  # (chunk, P)
        arg = total.argmin(1)
        best[start : start + 256] = perms[arg]
        lengths[start : start + 256] = total[np.arange(len(d)), arg]
    return torch.as_tensor(pts, dtype=torch.float32), torch.as_tensor(best), torch.as_tensor(lengths)


REBER_ALPHABET = "BTSXPVE"
# Reber grammar (Reber 1967; as in Hochreiter & Schmidhuber 1997): state -> [(symbol, next state)]
_REBER = {
    1: [("T", 2), ("P", 3)],
    2: [("S", 2), ("X", 4)],
    3: [("T", 3), ("V", 5)],
    4: [("X", 3), ("S", 6)],
    5: [("P", 4), ("V", 6)],
}


def _reber_inner(rng: np.random.Generator) -> str:
    state, out = 1, []
    while state != 6:
        sym, state = _REBER[state][rng.integers(len(_REBER[state]))]
        out.append(sym)
    return "".join(out)


def is_embedded_reber(s: str) -> bool:
    """Whether ``s`` is a string of the embedded Reber grammar ``B (T r T | P r P) E`` with ``r = B <Reber> E``."""
    if len(s) < 9 or s[0] != "B" or s[-1] != "E" or s[1] not in "TP" or s[-2] != s[1]:
        return False
    inner = s[2:-2]
    if inner[0] != "B" or inner[-1] != "E":
        return False
    state = 1
    for ch in inner[1:-1]:
        nxt = dict(_REBER.get(state, [])).get(ch)
        if nxt is None:
            return False
        state = nxt
    return state == 6


def embedded_reber(
    n: int, *, min_len: int = 10, max_len: int = 40, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Embedded Reber strings, half valid, half corrupted, as token ids (alphabet ``BTSXPVE``, pad id 7).

    A corrupted string is a valid one with one symbol (chosen uniformly, never the outer ``B``/``E``)
    replaced by another grammar symbol so that it is no longer in the language; half of the corruptions
    hit the wrapper's second or second-to-last symbol, the long-range dependency of the embedded grammar.
    Returns ``x`` ``(n, max_len)`` int64 left-padded with 7, ``lengths`` ``(n,)`` and ``y`` ``(n,)`` (1 = valid).
    """
    n = _check_pos("n", n)
    if not 9 <= min_len <= max_len:
        raise ValueError(f"need 9 <= min_len <= max_len; got min_len={min_len}, max_len={max_len}")
    rng = np.random.default_rng(seed)
    strings, labels = [], []
    while len(strings) < n:
        wrap = "TP"[rng.integers(2)]
        s = f"B{wrap}B{_reber_inner(rng)}E{wrap}E"
        if not min_len <= len(s) <= max_len:
            continue
        valid = len(strings) % 2 == 0
        if not valid:
            chars = list(s)
            for _ in range(20):
                pos = (
                    int(rng.choice([1, len(s) - 2]))
                    if rng.random() < 0.5
                    else int(rng.integers(1, len(s) - 1))
                )
                chars[pos] = "TSXPV"[rng.integers(5)]
                if not is_embedded_reber("".join(chars)):
                    break
                chars = list(s)
            s = "".join(chars)
            if is_embedded_reber(s):
                continue
        strings.append(s)
        labels.append(int(valid))
    x = np.full((n, max_len), len(REBER_ALPHABET))
    for i, s in enumerate(strings):
        x[i, max_len - len(s) :] = [
            REBER_ALPHABET.index(c) for c in s
        ]  # left-padded: the string ends at the last step
    lengths = np.array([len(s) for s in strings])
    return torch.as_tensor(x), torch.as_tensor(lengths), torch.as_tensor(labels)


def synthetic_ohlcv(
    n_bars: int, *, seed: int = 0, ar: float = 0.35, start_price: float = 100.0, bars_per_day: int = 1
) -> dict[str, np.ndarray]:
    """Synthetic OHLCV bars: regime-switching drift, AR(1) momentum in returns, GARCH(1,1) volatility.

    ``r_t = μ_{s_t} + ar·r_{t−1} + σ_t ε_t``, ``σ_t² = ω + α (σ_{t−1}ε_{t−1})² + β σ_{t−1}²``, with a two-state
    Markov regime ``s_t`` (bull/bear drift). Intrabar highs/lows and volume are drawn around the close path.
    ``bars_per_day`` scales the volatility (24 gives hourly-like bars). Returns arrays ``open, high, low,
    close, volume`` of length ``n_bars``. The momentum ``ar`` is what makes the next close predictable.
    """
    n_bars = _check_pos("n_bars", n_bars, 2)
    if not -1 < ar < 1:
        raise ValueError(f"ar must be in (-1, 1); got {ar}")
    rng = np.random.default_rng(seed)
    scale = 1.0 / np.sqrt(bars_per_day)
    omega, alpha, beta = (0.02 * scale) ** 2 * 0.05, 0.08, 0.9
    mu = np.array([0.001, -0.0008]) * scale**2
    stay = 0.99
    r = np.zeros(n_bars)
    var, eps_prev, state = (0.02 * scale) ** 2, 0.0, 0
    for t in range(1, n_bars):
        if rng.random() > stay:
            state = 1 - state
        var = omega + alpha * eps_prev**2 + beta * var
        eps_prev = np.sqrt(var) * rng.standard_normal()
        r[t] = mu[state] + ar * r[t - 1] + eps_prev
    close = start_price * np.exp(np.cumsum(r))
    open_ = np.concatenate([[start_price], close[:-1]])
    spread = np.abs(rng.normal(0, 0.5, n_bars)) * np.abs(r).mean() * close
    high = np.maximum(open_, close) + spread
    low = np.minimum(open_, close) - spread * rng.random(n_bars)
    volume = np.exp(rng.normal(10, 0.3, n_bars) + 20 * np.abs(r))
    return {"open": open_, "high": high, "low": low, "close": close, "volume": volume}


def lagged_spike_patterns(
    n: int,
    *,
    n_classes: int = 4,
    channels: int = 40,
    T: int = 50,
    pattern_channels: int = 7,
    gap: int = 3,
    noise_rate: float = 0.01,
    seed: int = 0,
    pattern_seed: int = 1234,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Spike rasters whose class is defined only by inter-channel lags.

    The same ``pattern_channels`` channels fire exactly one pattern spike in every sample, after a random
    onset; class ``c`` assigns them the lags ``0, gap, 2·gap, …`` in a class-specific order. Spike counts
    therefore carry no class information, and no two pattern spikes are closer than ``gap`` steps, so a
    neuron needs delays (or a long memory) to bring them together. Poisson background at ``noise_rate`` per
    channel and step is added everywhere. Patterns come from ``pattern_seed`` (shared by train and test sets),
    samples from ``seed``. Returns spikes ``(n, T, channels)`` float32, labels ``(n,)`` and the lags
    ``(n_classes, channels)`` (``-1`` for channels outside the pattern).
    """
    n, T = _check_pos("n", n), _check_pos("T", T)
    max_lag = gap * (pattern_channels - 1)
    if not 0 < pattern_channels <= channels or gap < 1 or max_lag >= T:
        raise ValueError(
            f"need 0 < pattern_channels <= channels, gap >= 1 and gap*(pattern_channels-1) < T; "
            f"got pattern_channels={pattern_channels}, channels={channels}, gap={gap}, T={T}"
        )
    prng = np.random.default_rng(pattern_seed)
    chans = prng.choice(channels, pattern_channels, replace=False)
    lags = np.full((n_classes, channels), -1)
    for c in range(n_classes):
        lags[c, chans] = prng.permutation(pattern_channels) * gap
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    x = (rng.random((n, T, channels)) < noise_rate).astype(np.float32)
    onset = rng.integers(0, T - max_lag, n)
    for b in range(n):
        x[b, onset[b] + lags[y[b], chans], chans] = 1.0
    return torch.as_tensor(x), torch.as_tensor(y), torch.as_tensor(lags)


def topic_language(
    n_tokens: int,
    *,
    n_topics: int = 8,
    vocab: int = 200,
    topic_vocab: int = 40,
    mean_topic_len: int = 50,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """A topic-switching bigram language: tokens ``(n_tokens,)`` and the topic of each token ``(n_tokens,)``.

    Each topic owns a random subset of ``topic_vocab`` tokens (subsets overlap) and a bigram table over it
    (rows drawn from Dirichlet(0.1), so each token has a few likely successors). The topic persists for a
    geometric number of tokens with mean ``mean_topic_len``, then switches to a uniformly drawn other topic.
    The grammar (subsets, tables) depends only on ``n_topics``/``vocab``/``topic_vocab``; ``seed`` draws the text.
    """
    n_tokens = _check_pos("n_tokens", n_tokens, 2)
    if not 2 <= topic_vocab <= vocab or n_topics < 2:
        raise ValueError(
            f"need n_topics >= 2 and 2 <= topic_vocab <= vocab; got {n_topics}, {topic_vocab}, {vocab}"
        )
    grng = np.random.default_rng(4321)
    subsets = np.stack([grng.choice(vocab, topic_vocab, replace=False) for _ in range(n_topics)])
    tables = grng.dirichlet(
        np.full(topic_vocab, 0.1), size=(n_topics, vocab)
    )  # (topics, prev token, successor slot)
    rng = np.random.default_rng(seed)
    tokens = np.empty(n_tokens, dtype=np.int64)
    topics = np.empty(n_tokens, dtype=np.int64)
    topic, prev = int(rng.integers(n_topics)), int(rng.integers(vocab))
    p_switch = 1.0 / mean_topic_len
    cum = tables.cumsum(-1)
    u = rng.random(n_tokens)
    sw = rng.random(n_tokens) < p_switch
    other = rng.integers(1, n_topics, n_tokens)
    for t in range(n_tokens):
        if sw[t]:
            topic = (topic + int(other[t])) % n_topics
        slot = min(int(np.searchsorted(cum[topic, prev], u[t])), topic_vocab - 1)
        prev = int(subsets[topic, slot])
        tokens[t], topics[t] = prev, topic
    return torch.as_tensor(tokens), torch.as_tensor(topics)

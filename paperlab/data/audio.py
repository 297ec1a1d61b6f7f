"""Synthetic speech-like audio, offline and seeded, for source-separation notebooks.

A "talker" here is a harmonic source whose fundamental glides and wobbles (vibrato), whose harmonics
are shaped by slowly moving formant-like resonances, and whose loudness follows a syllabic envelope
with random onsets and pauses. Two talkers at a random level difference make a mixture. This keeps the
structure a separator exploits in real speech (pitch, harmonicity, common onsets, spectral envelopes)
without any download.

- :func:`speech_like_sources`: ``(n, length)`` float32 sources at unit RMS.
- :func:`speech_mixtures`: ``(mixtures (n, length), references (n, C, length))`` with ``mixture = Σ references``.
"""

from __future__ import annotations

import numpy as np
import torch


def _check_pos(name: str, value: int, minimum: int = 1) -> int:
    if not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}; got {value!r}")
    return int(value)


def _one_source(rng: np.random.Generator, length: int, fs: int) -> np.ndarray:
    t = np.arange(length) / fs
    dur = length / fs
    # fundamental: a base pitch (85–300 Hz), a linear glide over the clip and a 4–7 Hz vibrato
    f_base = np.exp(rng.uniform(np.log(85.0), np.log(300.0)))
    glide = rng.uniform(-0.25, 0.25) * (t / dur - 0.5)
    vibrato = rng.uniform(0.01, 0.04) * np.sin(
        2 * np.pi * rng.uniform(4.0, 7.0) * t + rng.uniform(0, 2 * np.pi)
    )
    f0 = f_base * np.exp(glide + vibrato)  # (length,)
    phase0 = 2 * np.pi * np.cumsum(f0) / fs
    # three formants that drift linearly between two random "vowels"
    starts = np.sort(rng.uniform([250, 800, 1800], [800, 1800, 3200]))
    ends = np.sort(rng.uniform([250, 800, 1800], [800, 1800, 3200]))
    formants = starts[:, None] + (ends - starts)[:, None] * (t / dur)[None, :]  # (3, length)
    widths = rng.uniform(80, 200, size=3)[:, None]
    n_harm = int(fs / 2 / 85.0)
    signal = np.zeros(length)
    for k in range(1, n_harm + 1):
        fk = k * f0
        alive = fk < fs / 2 - 100
        if not alive.any():
            break
        env = (np.exp(-0.5 * ((fk[None, :] - formants) / widths) ** 2)).sum(0) + 0.05 / k  # formant gain
        signal += alive * env * np.sin(k * phase0)
    # syllabic envelope: 2–4 syllables with random onsets, raised-cosine attack/decay, pauses between
    amp = np.zeros(length)
    n_syl = rng.integers(2, 5)
    onsets = np.sort(rng.uniform(0, dur * 0.8, size=n_syl))
    for on in onsets:
        d = rng.uniform(0.08, 0.25)
        x = (t - on) / d
        inside = (x >= 0) & (x <= 1)
        amp = np.maximum(amp, inside * np.sin(np.pi * np.clip(x, 0, 1)) ** 0.7)
    signal *= amp
    rms = np.sqrt(np.mean(signal**2)) + 1e-8
    return (signal / rms).astype(np.float32)


def speech_like_sources(n: int, *, length: int = 4000, fs: int = 8000, seed: int = 0) -> torch.Tensor:
    """``n`` speech-like harmonic sources of ``length`` samples at ``fs`` Hz, each at unit RMS."""
    _check_pos("n", n)
    _check_pos("length", length, 16)
    _check_pos("fs", fs, 1000)
    rng = np.random.default_rng(seed)
    return torch.from_numpy(np.stack([_one_source(rng, length, fs) for _ in range(n)]))


def speech_mixtures(
    n: int, *, n_sources: int = 2, length: int = 4000, fs: int = 8000, max_db: float = 2.5, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` mixtures of ``n_sources`` talkers with levels drawn uniformly in ``±max_db`` dB.

    Returns ``(mixtures (n, length), references (n, n_sources, length))``; each mixture is the exact sum
    of its references, and the whole example is rescaled so the mixture has unit RMS.
    """
    _check_pos("n_sources", n_sources, 1)
    if max_db < 0:
        raise ValueError(f"max_db must be >= 0; got {max_db}")
    refs = speech_like_sources(n * n_sources, length=length, fs=fs, seed=seed).view(n, n_sources, length)
    rng = np.random.default_rng(seed + 7919)
    gains = torch.from_numpy(
        10 ** (rng.uniform(-max_db, max_db, size=(n, n_sources)) / 20).astype(np.float32)
    )
    refs = refs * gains[:, :, None]
    mix = refs.sum(1)
    scale = mix.pow(2).mean(-1, keepdim=True).sqrt() + 1e-8
    return mix / scale, refs / scale[:, :, None]

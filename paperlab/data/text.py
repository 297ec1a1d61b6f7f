"""Synthetic text tasks that need context: sentiment with negation, intensifiers and distractors.

``sentiment_negation()`` draws sentences of 20–40 tokens from a tiny lexicon. A sentence holds one or
two (``phrases``) *sentiment phrases* ``[negator] [intensifier] polar-word`` among neutral filler words, plus
*decoy negators* that negate nothing (``not the plot``). A phrase scores its word's polarity (±1),
times 2 when intensified, times −1 when negated; the label is the sign of the sentence's total
(ties are redrawn). A bag of words cannot solve it: ``not`` flips ``good`` only when it stands right
before the phrase, so a model must read each word in its context.

Everything is drawn from one ``numpy`` generator seeded by ``seed``: the same seed gives the same
data on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

PAD = "<pad>"
POSITIVE = ("good", "great", "excellent", "wonderful")
NEGATIVE = ("bad", "awful", "terrible", "boring")
NEGATORS = ("not", "never")
INTENSIFIERS = ("very", "really")
NEUTRAL = (
    "the", "a", "movie", "film", "plot", "actor", "actress", "story", "scene", "director", "music",
    "was", "is", "and", "with", "this", "that", "it", "of", "in", "on", "for", "script", "ending",
    "cast", "camera", "dialogue", "character", "time", "i", "we", "they", "watched", "saw", "seemed",
    "felt", "looked", "overall", "also", "sequel",
)  # fmt: skip
VOCAB: tuple[str, ...] = (PAD, *POSITIVE, *NEGATIVE, *NEGATORS, *INTENSIFIERS, *NEUTRAL)

# Role of each token in its sentence (``TextSplit.roles``), for colouring and analysing attention.
ROLES = ("pad", "neutral", "positive", "negative", "negator", "intensifier", "decoy negator")
_ROLE = {name: i for i, name in enumerate(ROLES)}


@dataclass(frozen=True)
class TextSplit:
    """One split: ``x`` (n, max_len) token ids padded with 0, ``lengths`` (n,), ``y`` (n,) in {0, 1}
    (1 = positive), ``roles`` (n, max_len) indices into :data:`ROLES`."""

    x: torch.Tensor
    lengths: torch.Tensor
    y: torch.Tensor
    roles: torch.Tensor

    def __len__(self) -> int:
        return len(self.y)


@dataclass(frozen=True)
class TextData:
    """A train/test pair over one vocabulary (``vocab[i]`` is the word of id ``i``; id 0 is padding)."""

    train: TextSplit
    test: TextSplit
    vocab: tuple[str, ...]

    def tokens(self, split: TextSplit, i: int) -> list[str]:
        """The words of example ``i`` of ``split``, padding removed."""
        return [self.vocab[t] for t in split.x[i, : int(split.lengths[i])].tolist()]


_ID = {w: i for i, w in enumerate(VOCAB)}
_IDS = {
    name: np.array([_ID[w] for w in words])
    for name, words in (("positive", POSITIVE), ("negative", NEGATIVE), ("negator", NEGATORS),
                        ("intensifier", INTENSIFIERS), ("neutral", NEUTRAL))
}  # fmt: skip


def _word(rng: np.random.Generator, kind: str) -> int:
    ids = _IDS[kind]
    return int(ids[rng.integers(len(ids))])


def _sentence(
    rng: np.random.Generator, min_len: int, max_len: int, phrases: int
) -> tuple[list[int], list[int], int]:
    """One sentence: its token ids, their roles, and its label (see the module docstring)."""
    while True:
        segments: list[list[tuple[int, int]]] = []  # each segment: contiguous (token id, role) pairs
        total = 0
        for _ in range(rng.integers(1, phrases + 1)):  # 1..phrases sentiment phrases
            negated, intensified = rng.random() < 0.4, rng.random() < 0.3
            polarity = 1 if rng.random() < 0.5 else -1
            kind = "positive" if polarity > 0 else "negative"
            phrase = [(_word(rng, kind), _ROLE[kind])]
            if intensified:
                phrase.insert(0, (_word(rng, "intensifier"), _ROLE["intensifier"]))
            if negated:
                phrase.insert(0, (_word(rng, "negator"), _ROLE["negator"]))
            segments.append(phrase)
            total += polarity * (2 if intensified else 1) * (-1 if negated else 1)
        if total != 0:
            break
    for _ in range(rng.integers(0, 3)):  # 0..2 decoy negators: "not" + a neutral word
        segments.append(
            [(_word(rng, "negator"), _ROLE["decoy negator"]), (_word(rng, "neutral"), _ROLE["neutral"])]
        )
    length = int(rng.integers(min_len, max_len + 1))
    used = sum(len(seg) for seg in segments)  # <= 3·phrases + 4 <= length
    segments += [[(_word(rng, "neutral"), _ROLE["neutral"])] for _ in range(length - used)]
    pairs = [pair for i in rng.permutation(len(segments)) for pair in segments[i]]
    return [t for t, _ in pairs], [r for _, r in pairs], int(total > 0)


def _split(rng: np.random.Generator, n: int, min_len: int, max_len: int, phrases: int) -> TextSplit:
    x = np.zeros((n, max_len), dtype=np.int64)
    roles = np.zeros((n, max_len), dtype=np.int64)
    lengths, y = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    for k in range(n):
        ids, role, label = _sentence(rng, min_len, max_len, phrases)
        x[k, : len(ids)] = ids
        roles[k, : len(role)] = role
        lengths[k], y[k] = len(ids), label
    return TextSplit(
        torch.from_numpy(x), torch.from_numpy(lengths), torch.from_numpy(y), torch.from_numpy(roles)
    )


def sentiment_negation(
    n_train: int = 4000,
    n_test: int = 1000,
    *,
    min_len: int = 20,
    max_len: int = 40,
    phrases: int = 2,
    seed: int = 0,
) -> TextData:
    """Draw the sentiment-with-negation task: ``n_train``/``n_test`` sentences of ``min_len``..``max_len`` tokens.

    Each sentence has 1..``phrases`` sentiment phrases (of up to 3 tokens) and 0..2 decoy negators (2 tokens),
    so ``min_len`` must be at least ``3·phrases + 4``. Deterministic in ``seed``.
    """
    for name, value in (("n_train", n_train), ("n_test", n_test)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int; got {value!r}")
    if not isinstance(phrases, int) or phrases < 1:
        raise ValueError(f"phrases must be a positive int; got {phrases!r}")
    if not (3 * phrases + 4 <= min_len <= max_len):
        raise ValueError(
            f"need 3·phrases + 4 <= min_len <= max_len; got phrases={phrases}, min_len={min_len}, max_len={max_len}"
        )
    rng = np.random.default_rng(seed)
    train = _split(rng, n_train, min_len, max_len, phrases)
    test = _split(rng, n_test, min_len, max_len, phrases)
    return TextData(train=train, test=test, vocab=VOCAB)

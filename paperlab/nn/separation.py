"""Losses and metrics for source separation.

- :func:`si_sdr`: scale-invariant signal-to-distortion ratio (Le Roux et al. 2019, eq. 3) in dB.
- :func:`pairwise_si_sdr`: SI-SDR of every estimate against every reference, ``(batch, C, C)``.
- :func:`pit_si_sdr`: utterance-level permutation-invariant SI-SDR (uPIT, Kolbæk et al. 2017):
  the best mean SI-SDR over all assignments of estimates to references, with that permutation.
- :func:`pit_si_sdr_loss`: its negative mean, the training loss of Conv-TasNet, MossFormer and MossFormer2.
"""

from __future__ import annotations

import itertools

import torch

_EPS = 1e-8


def si_sdr(estimate: torch.Tensor, reference: torch.Tensor, eps: float = _EPS) -> torch.Tensor:
    """SI-SDR in dB over the last axis: ``10 log10(|a s|² / |a s - ŝ|²)``, ``a = <ŝ, s> / |s|²``.

    Both signals are made zero-mean first, so the value ignores offsets and any rescaling of ``estimate``.
    """
    if estimate.shape != reference.shape:
        raise ValueError(
            f"estimate and reference must have the same shape; got {tuple(estimate.shape)} and {tuple(reference.shape)}"
        )
    estimate = estimate - estimate.mean(-1, keepdim=True)
    reference = reference - reference.mean(-1, keepdim=True)
    scale = (estimate * reference).sum(-1, keepdim=True) / (reference.pow(2).sum(-1, keepdim=True) + eps)
    target = scale * reference
    noise = estimate - target
    return 10 * torch.log10((target.pow(2).sum(-1) + eps) / (noise.pow(2).sum(-1) + eps))


def pairwise_si_sdr(estimates: torch.Tensor, references: torch.Tensor) -> torch.Tensor:
    """``out[b, i, j]`` = SI-SDR of estimate ``i`` against reference ``j``; inputs ``(batch, C, time)``."""
    if estimates.dim() != 3 or estimates.shape != references.shape:
        raise ValueError(
            f"estimates and references must both be (batch, C, time) of equal shape; got {tuple(estimates.shape)} and {tuple(references.shape)}"
        )
    c = estimates.shape[1]
    est = estimates.unsqueeze(2).expand(-1, -1, c, -1)  # (batch, C_est, C_ref, time)
    ref = references.unsqueeze(1).expand(-1, c, -1, -1)
    return si_sdr(est, ref)  # (batch, C, C)


def pit_si_sdr(estimates: torch.Tensor, references: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Best mean SI-SDR over permutations, per example: ``(batch,)`` values and ``(batch, C)`` permutations.

    ``perm[b, j]`` is the estimate assigned to reference ``j``.
    """
    pair = pairwise_si_sdr(estimates, references)  # (batch, C, C)
    c = pair.shape[1]
    perms = torch.tensor(list(itertools.permutations(range(c))), device=pair.device)  # (P, C)
    refs = torch.arange(c, device=pair.device)
    scores = pair[:, perms, refs].mean(-1)  # (batch, P): mean over references j of pair[b, perm[j], j]
    best, idx = scores.max(dim=1)
    return best, perms[idx]


def pit_si_sdr_loss(estimates: torch.Tensor, references: torch.Tensor) -> torch.Tensor:
    """uPIT training loss: minus the batch mean of :func:`pit_si_sdr`."""
    return -pit_si_sdr(estimates, references)[0].mean()

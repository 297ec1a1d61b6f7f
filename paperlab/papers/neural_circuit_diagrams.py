"""Neural Circuit Diagrams (V. Abbott, TMLR 2024, arXiv 2402.05424).

Abbott's diagrams draw every axis of every tensor as a wire (``name=size``), learned linear
maps as shaded boxes marked L, contractions as wires that meet and end, softmax as a triangle
on the axis it normalises, and broadcasting as wires that run past a box. The paper's claim
is that such a diagram corresponds one-to-one with code (einops/einsum, §3) and makes the
cost of a model readable from its picture (§4: a box costs 2·∏ of its axis sizes; memory is
the sum over a column).

This module holds the paper's diagram-to-code pairs, taken from
:mod:`paperlab.diagrams.canonical` (attention, multi-head attention, transformer block,
convolution via unfold + einsum, residual block, U-Net skip, ViT patchify), a tiny ViT
assembled only from those parts, and the experiments notebook 18 runs: the numerical
correspondence with torch's own layers, the FLOP count against ``FlopCounterMode``, and the
cost of attention against sequence length.
"""

from __future__ import annotations

import torch
from torch import nn

from paperlab.diagrams.canonical import Patchify, TransformerBlock


# --- 1. models ------------------------------------------------------------------------------------
class TinyViT(nn.Module):
    """A vision transformer built only from the diagrammed parts (Abbott Figs. 8-9 + ViT patchify).

    (b, 1, 8, 8) digits -> 2×2 patches -> 16 tokens of width d -> ``depth`` pre-norm transformer
    blocks -> layer norm -> mean over tokens -> L^head -> 10 logits.
    """

    def __init__(self, d: int = 32, heads: int = 4, depth: int = 2, hidden: int = 64, size: int = 8,
                 patch: int = 2, classes: int = 10) -> None:
        super().__init__()
        if d % heads:
            raise ValueError(f"d must be a multiple of heads; got d={d}, heads={heads}")
        self.patchify = Patchify(1, size, patch, d)
        self.blocks = nn.Sequential(*[TransformerBlock(d, d // heads, heads, hidden) for _ in range(depth)])
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, classes)

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        x = self.blocks(self.patchify(img))  # (b, n, d)
        return self.head(self.norm(x).mean(dim=1))


# --- 4. the diagram of this paper's model -----------------------------------------------------------
def diagram_example() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
    """The tiny ViT on a batch of 4 digits, for `paperlab diagrams`."""
    return TinyViT(), (torch.randn(4, 1, 8, 8),), ["b c H W"]

"""The canonical diagrams of Abbott (TMLR 2024), each as the code it describes.

Every architecture below is written the way the paper's diagrams read: learned maps as
``einsum`` with a parameter (L^Q: m -> k h), contractions as ``einsum`` over named axes,
convolution as a window reindex (``F.unfold``) followed by a learned map over (c, kh, kw).
``CANONICAL[name]()`` traces one of them on the paper's sizes (multi-head attention:
y=20 queries, x=22 keys, m=128, k=16 per head, h=4 heads).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from paperlab.diagrams.ir import Diagram
from paperlab.diagrams.tracer import trace


def _param(*shape: int, fan_in: int) -> nn.Parameter:
    return nn.Parameter(torch.randn(*shape) / math.sqrt(fan_in))


class Attention(nn.Module):
    """Scaled dot-product attention (Abbott Fig. 20): ``y k, x k -> y x``; softmax over x; ``y x, x k -> y k``."""

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        scores = torch.einsum("...yk,...xk->...yx", q, k) / math.sqrt(q.shape[-1])  # (..., y, x)
        return torch.einsum("...yx,...xk->...yk", scores.softmax(dim=-1), v)


class MultiHeadAttention(nn.Module):
    """Multi-head attention (Abbott Fig. 21; einsum form Fig. 17): L^Q, L^K, L^V: m -> (k, h); attention per head; L^O: (k, h) -> m.

    Works on ``[..., y, m]`` queries and ``[..., x, m]`` keys; the leading axes (batch) and the
    head axis h run beside the boxes that do not touch them (``torch.vmap`` in code).
    """

    def __init__(self, m: int = 128, k: int = 16, h: int = 4) -> None:
        super().__init__()
        self.Q = _param(m, k, h, fan_in=m)
        self.K = _param(m, k, h, fan_in=m)
        self.V = _param(m, k, h, fan_in=m)
        self.O = _param(k, h, m, fan_in=k * h)

    def forward(self, e: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        q = torch.einsum("...ym,mkh->...ykh", e, self.Q)
        k = torch.einsum("...xm,mkh->...xkh", x, self.K)
        v = torch.einsum("...xm,mkh->...xkh", x, self.V)
        scores = torch.einsum("...ykh,...xkh->...yxh", q, k) / math.sqrt(q.shape[-2])  # (..., y, x, h)
        z = torch.einsum("...yxh,...xkh->...ykh", scores.softmax(dim=-2), v)
        return torch.einsum("...ykh,khm->...ym", z, self.O)


class TransformerBlock(nn.Module):
    """Pre-norm transformer block: x + MHA(LN x); x + MLP(LN x) (Abbott; figure number not checked)."""

    def __init__(self, m: int = 64, k: int = 16, h: int = 4, hidden: int = 128) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(m)
        self.attn = MultiHeadAttention(m, k, h)
        self.norm2 = nn.LayerNorm(m)
        self.mlp = nn.Sequential(nn.Linear(m, hidden), nn.GELU(), nn.Linear(hidden, m))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.norm1(x)
        x = x + self.attn(a, a)
        return x + self.mlp(self.norm2(x))


class Conv2d(nn.Module):
    """2-D convolution as Abbott draws it (figure not in the official notebook; number not checked): reindex h -> (h', kh), w -> (w', kw), then L^C: (c, kh, kw) -> c'.

    ``transposed=True`` gives the transposed convolution: zeros between input pixels (stride),
    a border of k-1-padding, and a stride-1 convolution with the kernel flipped.
    """

    def __init__(
        self,
        c_in: int,
        c_out: int,
        k: int = 3,
        *,
        stride: int = 1,
        padding: int = 0,
        dilation: int = 1,
        transposed: bool = False,
    ) -> None:
        super().__init__()
        self.k, self.stride, self.padding, self.dilation, self.transposed = (
            k,
            stride,
            padding,
            dilation,
            transposed,
        )
        # weight (c_out, c_in, kh, kw) like nn.Conv2d; a transposed conv stores (c_in, c_out, kh, kw) like torch
        shape = (c_in, c_out, k, k) if transposed else (c_out, c_in, k, k)
        self.weight = _param(*shape, fan_in=c_in * k * k)
        self.bias = nn.Parameter(torch.zeros(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, s = self.k, self.stride
        if self.transposed:
            b, c, h, w = x.shape
            x = F.pad(
                x[:, :, :, None, :, None], (0, s - 1, 0, 0, 0, s - 1)
            )  # (b, c, h, s, w, s): zeros in between
            x = x.reshape(b, c, h * s, w * s)[:, :, : (h - 1) * s + 1, : (w - 1) * s + 1]
            weight = self.weight.flip(-1, -2).transpose(0, 1)  # (c_out, c_in, kh, kw)
            pad, stride, dilation = self.dilation * (k - 1) - self.padding, 1, self.dilation
        else:
            weight, pad, stride, dilation = self.weight, self.padding, s, self.dilation
        b, c, h, w = x.shape
        h2 = (h + 2 * pad - dilation * (k - 1) - 1) // stride + 1
        w2 = (w + 2 * pad - dilation * (k - 1) - 1) // stride + 1
        cols = F.unfold(x, k, dilation=dilation, padding=pad, stride=stride)  # (b, (c kh kw), (h' w'))
        cols = cols.view(b, c, k, k, h2, w2)
        y = torch.einsum("bcijyx,ocij->boyx", cols, weight)
        return y + self.bias[:, None, None]


class Bottleneck(nn.Module):
    """Residual bottleneck block (He et al. 2016, pre-activation; Abbott Fig. 26): x + f(x)."""

    def __init__(self, c: int = 64, mid: int = 16) -> None:
        super().__init__()
        self.f = nn.Sequential(
            nn.BatchNorm2d(c),
            nn.ReLU(),
            nn.Conv2d(c, mid, 1),
            nn.BatchNorm2d(mid),
            nn.ReLU(),
            nn.Conv2d(mid, mid, 3, padding=1),
            nn.BatchNorm2d(mid),
            nn.ReLU(),
            nn.Conv2d(mid, c, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.f(x)


class UNetSkip(nn.Module):
    """One U-Net level (Ronneberger et al. 2015): encode, pool, inner block, upsample, concatenate the skip, decode."""

    def __init__(self, c: int = 3, width: int = 8) -> None:
        super().__init__()
        self.encode = nn.Sequential(nn.Conv2d(c, width, 3, padding=1), nn.ReLU())
        self.inner = nn.Sequential(nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU())
        self.up = nn.ConvTranspose2d(2 * width, width, 2, stride=2)
        self.decode = nn.Sequential(nn.Conv2d(2 * width, width, 3, padding=1), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = self.encode(x)  # (b, w, h, w)
        low = self.inner(F.max_pool2d(skip, 2))  # (b, 2w, h/2, w/2)
        return self.decode(torch.cat([skip, self.up(low)], dim=1))


class Patchify(nn.Module):
    """ViT patch embedding (Dosovitskiy et al. 2021): (c, h p, w q) -> tokens (h w) of (c p q); L^P -> d; + positions."""

    def __init__(self, c: int = 1, size: int = 8, patch: int = 2, d: int = 32) -> None:
        super().__init__()
        self.patch = patch
        n = (size // patch) ** 2
        self.P = _param(c * patch * patch, d, fan_in=c * patch * patch)
        self.pos = nn.Parameter(torch.randn(n, d) * 0.02)

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        b, c, hh, ww = img.shape
        p = self.patch
        x = img.reshape(b, c, hh // p, p, ww // p, p).permute(0, 2, 4, 1, 3, 5)  # (b, h, w, c, p, q)
        x = x.reshape(b, (hh // p) * (ww // p), c * p * p)  # (b, n, c p q)
        return torch.einsum("bnf,fd->bnd", x, self.P) + self.pos


def _seeded(build: Callable[[], Diagram]) -> Callable[[], Diagram]:
    def run() -> Diagram:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            return build()

    run.__doc__ = build.__doc__
    return run


def attention() -> Diagram:
    return trace(
        Attention(),
        torch.randn(20, 16),
        torch.randn(22, 16),
        torch.randn(22, 16),
        axes=["y k", "x k", "x k"],
        title="Attention",
    )


def multi_head_attention() -> Diagram:
    return trace(
        MultiHeadAttention(128, 16, 4),
        torch.randn(20, 128),
        torch.randn(22, 128),
        axes=["y m", "x m"],
        title="Multi-head attention",
    )


def transformer_block() -> Diagram:
    # the MLP (L, GELU, L) is drawn as one box so that the block fits a notebook's width; attention stays open
    return trace(
        TransformerBlock(64, 16, 4, 128),
        torch.randn(2, 10, 64),
        axes="b t m",
        collapse=["mlp"],
        title="Transformer block (MLP as one box)",
    )


class _Learned(nn.Module):
    """Holds one layer under the name its box shows (L^C)."""

    def __init__(self, C: nn.Module) -> None:  # noqa: N803 - the paper's name for the map
        super().__init__()
        self.C = C

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.C(x)


def _conv(title: str, **kw: int) -> Diagram:
    """``nn.Conv2d`` as Abbott draws it; :class:`Conv2d` is the same map written as unfold + einsum."""
    return trace(_Learned(nn.Conv2d(3, 16, 3, **kw)), torch.randn(8, 3, 32, 32), axes="b c h w", title=title)


def conv2d() -> Diagram:
    return _conv("2-D convolution", padding=1)


def conv2d_strided() -> Diagram:
    return _conv("Strided convolution", padding=1, stride=2)


def conv2d_dilated() -> Diagram:
    return _conv("Dilated convolution", padding=2, dilation=2)


def conv2d_transposed() -> Diagram:
    """Drawn from ``nn.ConvTranspose2d`` (the zero-insertion code of :class:`Conv2d` computes the same)."""
    return trace(
        _Learned(nn.ConvTranspose2d(3, 16, 3, stride=2, padding=1)),
        torch.randn(8, 3, 16, 16),
        axes="b c h w",
        title="Transposed convolution",
    )


def residual_block() -> Diagram:
    return trace(
        Bottleneck(64, 16).eval(), torch.randn(3, 64, 16, 16), axes="b c h w", title="Residual bottleneck"
    )


def unet_skip() -> Diagram:
    # each convolution is one box (the conv2d figures open one: windows, then L); the skip and the cat stay open
    return trace(
        UNetSkip(3, 8),
        torch.randn(2, 3, 16, 16),
        axes="b c h w",
        collapse=["encode.0", "inner.0", "up", "decode.0"],
        title="U-Net skip connection (convolutions as boxes)",
    )


def vit_patchify() -> Diagram:
    return trace(Patchify(1, 8, 2, 32), torch.randn(4, 1, 8, 8), axes="b c H W", title="ViT patchify")


CANONICAL: dict[str, Callable[[], Diagram]] = {
    f.__name__: _seeded(f)
    for f in (
        attention,
        multi_head_attention,
        transformer_block,
        conv2d,
        conv2d_strided,
        conv2d_dilated,
        conv2d_transposed,
        residual_block,
        unet_skip,
        vit_patchify,
    )
}

"""Neural Circuit Diagrams (V. Abbott, TMLR 2024, arXiv 2402.05424; notebook vtabbott/Neural-Circuit-Diagrams).

Abbott's diagrams draw every axis of every tensor as a wire (``name=size``), learned linear
maps as shaded boxes marked L, contractions as wires that meet and end, softmax as a triangle
on the axis it normalises, and broadcasting as wires that run past a box. The paper's claim
is that such a diagram corresponds one-to-one with code (einsum, §2.4.2 Fig. 17; the transformer
§3.2, Figs. 20-21) and makes the cost of a model readable from its picture (a box costs 2·∏ of
its axis sizes; memory is the sum over a column). Figure and section numbers follow the
official notebook (``neural circuit diagrams.ipynb`` in vtabbott/Neural-Circuit-Diagrams).

This module holds the paper's diagram-to-code pairs, taken from
:mod:`paperlab.diagrams.canonical` (attention, multi-head attention, transformer block,
convolution via unfold + einsum, residual block, U-Net skip, ViT patchify), a tiny ViT
assembled only from those parts, and the experiments notebook 18 runs: the numerical
correspondence with torch's own layers, the FLOP count against ``FlopCounterMode``, and the
cost of attention against sequence length.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from paperlab.claims import Claim, Clause
from paperlab.config import Config
from paperlab.data.bundled import digits
from paperlab.diagrams import MATMUL_KINDS, Diagram, trace
from paperlab.diagrams.canonical import Conv2d, MultiHeadAttention, Patchify, TransformerBlock
from paperlab.reproduce import PaperValue, ReproSpec
from paperlab.train import History, accuracy, batches, fit


# --- 1. models ------------------------------------------------------------------------------------
class TinyViT(nn.Module):
    """A vision transformer built only from the diagrammed parts (Abbott Figs. 20-21 attention, Fig. 28 ViT).

    (b, 1, 8, 8) digits -> 2×2 patches -> 16 tokens of width d -> ``depth`` pre-norm transformer
    blocks -> layer norm -> mean over tokens -> L^head -> 10 logits.
    """

    def __init__(
        self,
        d: int = 32,
        heads: int = 4,
        depth: int = 2,
        hidden: int = 64,
        size: int = 8,
        patch: int = 2,
        classes: int = 10,
    ) -> None:
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


class WrongAxisMHA(MultiHeadAttention):
    """Negative control: Fig. 21 with two wires swapped. QKᵀ ends the head wire h and lets the per-head
    feature wire k go on (``"...ykh,...xkh->...yxk"``), so there is one attention pattern per feature
    instead of per head. The shapes still fit, the code runs, and it is not multi-head attention."""

    def forward(self, e: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        q = torch.einsum("...ym,mkh->...ykh", e, self.Q)
        k = torch.einsum("...xm,mkh->...xkh", x, self.K)
        v = torch.einsum("...xm,mkh->...xkh", x, self.V)
        scores = torch.einsum("...ykh,...xkh->...yxk", q, k) / math.sqrt(q.shape[-1])  # (..., y, x, k)
        z = torch.einsum("...yxk,...xkh->...ykh", scores.softmax(dim=-2), v)
        return torch.einsum("...ykh,khm->...ym", z, self.O)


# --- 2. reading cost off a diagram --------------------------------------------------------------------
COST_RULES = ("abbott", "no_heads", "outputs_only")


def read_flops(diagram: Diagram, rule: str = "abbott") -> int:
    """FLOPs of the learned maps and contractions, read off the diagram's wires by a cost rule.

    ``"abbott"``: a box costs 2·∏ of the sizes of the distinct wires it touches (what
    ``Diagram.flops(MATMUL_KINDS)`` stores). The two negative controls misread the picture:
    ``"no_heads"`` leaves out the head wire h (a single-head cost), ``"outputs_only"`` counts only the
    wires that leave the box, forgetting the ones that end in it (the contracted axes).
    """
    if rule not in COST_RULES:
        raise ValueError(f"rule must be one of {COST_RULES}; got {rule!r}")
    total = 0
    for n in diagram.nodes:
        if n.kind not in MATMUL_KINDS:
            continue
        tensors = n.outputs if rule == "outputs_only" else (*n.inputs, *n.outputs)
        sizes = {a.name: a.size for t in tensors for a in t.axes}  # distinct wires, by name
        if rule == "no_heads":
            sizes.pop("h", None)
        total += 2 * math.prod(sizes.values()) * n.repeat
    return total


# --- 3. experiments ----------------------------------------------------------------------------------
@contextmanager
def _one_thread() -> Iterator[None]:
    """Run single-threaded: these models are tiny, and on a shared 2-core machine extra threads only wait."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def copy_into_torch_mha(ours: MultiHeadAttention) -> nn.MultiheadAttention:
    """torch's ``nn.MultiheadAttention`` (no biases, batch first) holding the same maps as ``ours``.

    torch packs L^Q, L^K, L^V as rows of ``in_proj_weight`` (3·m, m), feature index ``head·k + k``;
    ours are ``(m, k, h)`` tensors, so row ``hh·k + kk`` of W_Q is ``Q[:, kk, hh]``; likewise L^O.
    """
    m, k, h = ours.Q.shape
    if k * h != m:
        raise ValueError(f"torch's attention needs k·h == m; got m={m}, k={k}, h={h}")
    ref = nn.MultiheadAttention(m, h, bias=False, batch_first=True)
    with torch.no_grad():
        packed = [w.permute(2, 1, 0).reshape(h * k, m) for w in (ours.Q, ours.K, ours.V)]
        ref.in_proj_weight.copy_(torch.cat(packed))
        ref.out_proj.weight.copy_(ours.O.permute(1, 0, 2).reshape(h * k, m).T)
    return ref


def mha_error(
    seed: int = 0,
    *,
    b: int = 2,
    y: int = 20,
    x: int = 22,
    m: int = 64,
    k: int = 16,
    h: int = 4,
    wrong_axis: bool = False,
    device: torch.device | str = "cpu",
) -> float:
    """Max |einsum MHA - nn.MultiheadAttention| on random queries/keys with copied weights (Abbott Fig. 21).

    ``wrong_axis=True`` is the negative control: :class:`WrongAxisMHA`, the diagram with the head and
    per-head-feature wires swapped in the attention contractions. ``device``: where both run (the draws are
    made on the CPU, so every device sees the same numbers).
    """
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    ours = (WrongAxisMHA if wrong_axis else MultiHeadAttention)(m, k, h)
    ref = copy_into_torch_mha(ours)
    e, keys = torch.randn(b, y, m, generator=gen), torch.randn(b, x, m, generator=gen)
    ours, ref, e, keys = ours.to(device), ref.to(device), e.to(device), keys.to(device)
    with torch.no_grad():
        want, _ = ref(e, keys, keys, need_weights=False)
        return float((ours(e, keys) - want).abs().max())


def conv_errors(seed: int = 0) -> dict[str, float]:
    """Max |unfold + einsum convolution - torch| for plain, strided, dilated and transposed 3×3 kernels (§3.4)."""
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    x = torch.randn(4, 3, 16, 16, generator=gen)
    cases = {
        "plain": dict(padding=1),
        "strided": dict(padding=1, stride=2),
        "dilated": dict(padding=2, dilation=2),
    }
    out = {}
    with torch.no_grad():
        for name, kw in cases.items():
            conv = Conv2d(3, 8, 3, **kw)
            conv.bias.normal_(generator=gen)
            want = F.conv2d(x, conv.weight, conv.bias, **kw)
            out[name] = float((conv(x) - want).abs().max())
        tconv = Conv2d(3, 8, 3, stride=2, padding=1, transposed=True)
        tconv.bias.normal_(generator=gen)
        want = F.conv_transpose2d(x, tconv.weight, tconv.bias, stride=2, padding=1)
        out["transposed"] = float((tconv(x) - want).abs().max())
    return out


def torch_flops(model: nn.Module, *inputs: torch.Tensor) -> int:
    """FLOPs that ``torch.utils.flop_counter.FlopCounterMode`` counts for one forward pass."""
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(*inputs)
    return int(counter.get_total_flops())


def flop_table() -> list[tuple[str, int, int]]:
    """(model, FLOPs of the diagram's linear and contraction boxes, FlopCounterMode's count) (§4)."""
    torch.manual_seed(0)
    cases = [
        (
            "multi-head attention",
            MultiHeadAttention(),
            (torch.randn(20, 128), torch.randn(22, 128)),
            ["y m", "x m"],
        ),
        ("transformer block", TransformerBlock(), (torch.randn(2, 10, 64),), ["b t m"]),
        ("conv (unfold + einsum)", Conv2d(3, 16, 3, padding=1), (torch.randn(8, 3, 32, 32),), ["b c h w"]),
        ("nn.Conv2d", nn.Conv2d(3, 16, 3, padding=1), (torch.randn(8, 3, 32, 32),), ["b c h w"]),
        ("tiny ViT", TinyViT().eval(), (torch.randn(4, 1, 8, 8),), ["b c H W"]),
    ]
    return [
        (name, trace(model, *xs, axes=axes).flops(MATMUL_KINDS), torch_flops(model, *xs))
        for name, model, xs, axes in cases
    ]


@dataclass
class ViTResult:
    """A trained tiny ViT: its history, test accuracy and parameter count."""

    model: TinyViT
    history: History
    test_accuracy: float
    n_params: int


def train_vit(cfg: Config, seed: int = 0, *, steps: int | None = None, lr: float = 3e-3) -> ViTResult:
    """Train :class:`TinyViT` on scikit-learn's 8×8 digits (75/25 split) with ``paperlab.train.fit``."""
    X_tr, X_te, y_tr, y_te = digits(seed=0)
    img_tr, img_te = X_tr.view(-1, 1, 8, 8), X_te.view(-1, 1, 8, 8)
    torch.manual_seed(seed)
    model = TinyViT()

    def loss_fn(net: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        xb, yb = batch
        return F.cross_entropy(net(xb), yb)

    n_steps = steps if steps is not None else cfg.pick(600, 3000)
    with _one_thread():
        hist = fit(
            model,
            loss_fn,
            batches(img_tr, y_tr, batch_size=64, seed=seed),
            steps=n_steps,
            lr=lr,
            eval_fn=lambda net: {"test_acc": accuracy(net, img_te, y_te)},
            eval_every=200,
            cache={"paper": "ncd_vit", "seed": seed, "steps": n_steps, "lr": lr},
            cache_name="ncd_vit",
            desc="tiny ViT",
        )
        test_acc = accuracy(model, img_te, y_te)
    return ViTResult(model, hist, test_acc, sum(p.numel() for p in model.parameters()))


def _best_time(attn: nn.Module, n: int, m: int, repeats: int) -> float:
    x = torch.randn(n, m, requires_grad=True)
    attn(x, x).sum().backward()  # warm up
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        attn(x, x).sum().backward()
        best = min(best, time.perf_counter() - t0)
    return best


@dataclass
class Scaling:
    """Attention cost against sequence length: measured seconds, diagram FLOPs and log-log slopes."""

    lengths: list[int]
    seconds: list[float]
    flops: list[int]
    time_slope: float
    flop_slope: float


def attention_scaling(
    lengths: list[int] | None = None, *, m: int = 32, k: int = 8, h: int = 4, repeats: int = 5
) -> Scaling:
    """Time forward + backward of self-attention at each length (best of ``repeats``); fit log t = a + s log n.

    The diagram predicts the cost: the two contractions touch (y, x, k, h), so they cost
    2·n²·k·h each and dominate the n·m·k·h of the learned maps once n ≫ m (§4).
    """
    lengths = lengths or [128, 256, 512, 1024]
    if len(lengths) < 2 or any(n < 1 for n in lengths):
        raise ValueError(f"lengths must hold at least two positive ints; got {lengths!r}")
    torch.manual_seed(0)
    attn = MultiHeadAttention(m, k, h)
    flops: list[int] = []
    with _one_thread():  # one thread: the slope measures arithmetic, not thread scheduling
        seconds = [_best_time(attn, n, m, repeats) for n in lengths]
    for n in lengths:
        x = torch.randn(n, m)
        flops.append(trace(attn, x, x.clone(), axes=["y m", "x m"]).flops())
    log_n = np.log(lengths)
    return Scaling(
        lengths,
        seconds,
        flops,
        float(np.polyfit(log_n, np.log(seconds), 1)[0]),
        float(np.polyfit(log_n, np.log(flops), 1)[0]),
    )


# --- 4. the claim -----------------------------------------------------------------------------------
CLAIM = Claim(
    slug="neural_circuit_diagrams",
    statement=(
        "code read off the multi-head attention diagram (Fig. 21) computes torch's multi-head attention, "
        "and its cost read off the diagram (2·∏ wire sizes per box) is the FLOP count torch measures"
    ),
    clauses=(
        Clause(
            "mha_err",
            "max |diagram-read MHA - nn.MultiheadAttention| over 3 random draws (weights copied)",
            "<=",
            1e-5,
        ),
        Clause(
            "mha_flop_err",
            "|diagram FLOPs - FlopCounterMode| / FlopCounterMode, MHA at the official notebook's sizes y=20 x=22 m=128 k=16 h=4",
            "<=",
            1e-9,
        ),
        Clause(
            "conv_err",
            "max |unfold + einsum convolution - F.conv2d / conv_transpose2d| (plain, strided, dilated, transposed)",
            "<=",
            1e-5,
            kind="sanity",
        ),
    ),
)


def _mha_flop_error(rule: str, cls: type[MultiHeadAttention], device: torch.device | str = "cpu") -> float:
    torch.manual_seed(0)
    mha = cls()  # the official notebook's sizes m=128, k=16, h=4
    e, x = torch.randn(20, 128), torch.randn(22, 128)
    mha, e, x = mha.to(device), e.to(device), x.to(device)
    want = torch_flops(mha, e, x)
    return abs(read_flops(trace(mha, e, x, axes=["y m", "x m"]), rule) - want) / want


def claim_experiment(seed: int) -> dict[str, dict[str, float]]:
    """Ours (Fig. 21 read correctly) beside three misreadings: a wrong-axis diagram (its code) and two
    wrong cost rules. Errors are maxima over three random draws ``3·seed … 3·seed + 2``."""
    draws = range(3 * seed, 3 * seed + 3)
    conv = max(max(conv_errors(s).values()) for s in draws)
    right = max(mha_error(s) for s in draws)
    return {
        "ours": {
            "mha_err": right,
            "mha_flop_err": _mha_flop_error("abbott", MultiHeadAttention),
            "conv_err": conv,
        },
        "wrong-axis diagram (QKᵀ ends h)": {
            "mha_err": max(mha_error(s, wrong_axis=True) for s in draws),
            "mha_flop_err": _mha_flop_error("abbott", WrongAxisMHA),
            "conv_err": conv,
        },
        "FLOPs without the head wire": {
            "mha_err": right,
            "mha_flop_err": _mha_flop_error("no_heads", MultiHeadAttention),
            "conv_err": conv,
        },
        "FLOPs of the outputs only": {
            "mha_err": right,
            "mha_flop_err": _mha_flop_error("outputs_only", MultiHeadAttention),
            "conv_err": conv,
        },
    }


# --- 5. the diagram of this paper's model -----------------------------------------------------------
def diagram_example() -> tuple[nn.Module, tuple[torch.Tensor, ...], list[str] | None]:
    """The tiny ViT on a batch of 4 digits, for `paperlab diagrams`."""
    return TinyViT(), (torch.randn(4, 1, 8, 8),), ["b c H W"]


def diagram_views() -> dict:
    """Overview: the model with its modules drawn one level deep; mechanism: the multi-head attention of a block,
    every einsum drawn as Abbott draws it (Fig. 21)."""

    def overview():  # noqa: ANN202
        return diagram_example()

    overview.trace_options = {"depth": 1}

    def mechanism():  # noqa: ANN202
        from paperlab.diagrams.build import submodule_example

        model, inputs, _ = diagram_example()
        return submodule_example(model, inputs, "blocks.0.attn", ["b y m", "b x m"])

    return {"overview": overview, "mechanism": mechanism}


# --- Reproduction target (issue 23): fixed before any run --------------------------------------
_NOTEBOOK = (
    "official notebook vtabbott/Neural-Circuit-Diagrams, 'neural circuit diagrams.ipynb', cell 'Figure 21: "
    "Multi-Head Attention' (read for this spec): the diagram is implemented as the einsum code that "
    "paperlab.diagrams.canonical.MultiHeadAttention follows. "
)

REPRO = ReproSpec(
    slug="neural_circuit_diagrams",
    target="Fig. 21 (multi-head attention), diagram ≡ code",
    shows=(
        "Fig. 21 draws multi-head attention as wires y, x, m, k, h and boxes L^Q, L^K, L^V, the two contractions, "
        "the softmax over x and L^O; the official notebook implements exactly that diagram as einsum code. A "
        "box's cost is read off its wires (2·∏ of the distinct wire sizes, §4)."
    ),
    metric="max |diagram code − torch.nn.MultiheadAttention| (same weights); relative error of diagram FLOPs",
    paper_values=(
        PaperValue(
            "Fig. 21 code vs nn.MultiheadAttention, max abs difference",
            0.0,
            _NOTEBOOK + "The paper prints no number: 0 encodes its claim that the diagram is the code "
            "(abstract: 'close correspondence between diagrams and implementation').",
            True,
            "within",
            1e-5,
        ),
        PaperValue(
            "Fig. 21 diagram FLOPs vs FlopCounterMode, relative error",
            0.0,
            "recalled: §4 of arXiv:2402.05424 (cost of a linear box = product of the sizes of the wires it "
            "touches, ×2 for multiply-add); the paper prints no FLOP count for Fig. 21: 0 encodes 'the diagram "
            "gives the cost'",
            False,
            "within",
            1e-9,
        ),
    ),
    data="random Gaussian queries and keys (30 draws), the official notebook's sizes for the FLOP count",
    data_kind="synthetic",
    data_note="The paper's evidence is a construction (code read off a diagram), not a data set: any inputs do.",
    sizes={
        "draws": 30,
        "b": 2,
        "y": 20,
        "x": 22,
        "m": 64,
        "k": 16,
        "h": 4,
        "flop_sizes": "y=20 x=22 m=128 k=16 h=4",
    },
    seeds=(0, 1, 2),
    gpu_minutes=0.5,
    cpu_minutes=0.5,
    notes=(
        "A position paper: its figure of the argument is the diagram-to-code correspondence, which is exact, so "
        "the tolerances are float32 round-off (1e-5 on outputs of size about 1; FLOPs are integers, so 1e-9 "
        "means equal). Fig. 21 itself is drawn by `paperlab diagrams --only neural_circuit_diagrams`."
    ),
)


def reproduce(
    spec: ReproSpec, *, seed: int, data: str, device: torch.device, smoke: bool
) -> dict[str, float]:
    """One seed of REPRO's target; returns a value for every spec.paper_values key.

    ``spec.sizes["draws"]`` random draws ``draws·seed …`` of :func:`mha_error` on ``device`` (max over draws) and
    the FLOP error of the Fig. 21 diagram at the official notebook's sizes. ``data`` is ignored; ``smoke``: 2 draws.
    """
    s = dict(spec.sizes)
    draws = 2 if smoke else int(s["draws"])
    kw = {key: int(s[key]) for key in ("b", "y", "x", "m", "k", "h")}
    with _one_thread():
        err = max(mha_error(s_, device=device, **kw) for s_ in range(draws * seed, draws * (seed + 1)))
    return {
        "Fig. 21 code vs nn.MultiheadAttention, max abs difference": err,
        "Fig. 21 diagram FLOPs vs FlopCounterMode, relative error": _mha_flop_error(
            "abbott", MultiHeadAttention, device
        ),
    }

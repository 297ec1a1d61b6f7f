"""Neural circuit diagrams: the checks that need no pixels (NEURAL_CIRCUIT_DIAGRAMS.md)."""

from __future__ import annotations

import math
import re
import shutil
import sys
import types
import warnings
import xml.etree.ElementTree as ET
from math import prod
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from paperlab.diagrams import MATMUL_KINDS, DiagramWarning, DotMissing, for_paper, render_all, trace
from paperlab.diagrams.canonical import MultiHeadAttention, TransformerBlock

torch.set_num_threads(1)
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz `dot` not installed")
LABEL = re.compile(r"^[^=\s]+=\d+$")


class LinearMHA(nn.Module):
    """Multi-head attention written with nn.Linear + einsum + softmax (the issue's test case)."""

    def __init__(self, m: int = 128, k: int = 16, h: int = 4) -> None:
        super().__init__()
        self.k, self.h = k, h
        self.q, self.kk, self.v = (nn.Linear(m, k * h) for _ in range(3))
        self.o = nn.Linear(k * h, m)

    def forward(self, e: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        y, n = e.shape[0], x.shape[0]
        q = self.q(e).view(y, self.k, self.h)
        k = self.kk(x).view(n, self.k, self.h)
        v = self.v(x).view(n, self.k, self.h)
        a = (torch.einsum("ykh,xkh->yxh", q, k) / math.sqrt(self.k)).softmax(dim=1)
        return self.o(torch.einsum("yxh,xkh->ykh", a, v).reshape(y, -1))


def _mha_inputs() -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    return torch.randn(20, 128), torch.randn(22, 128)


@pytest.mark.parametrize("model", [LinearMHA, MultiHeadAttention])
def test_mha_counts(model: type[nn.Module]) -> None:
    d = trace(model(), *_mha_inputs(), axes=["y m", "x m"])
    c = d.counts()
    assert (c["linear"], c["contraction"], c["softmax"], c["copy"]) == (4, 2, 1, 1)


def test_mha_labels_and_axes() -> None:
    d = trace(MultiHeadAttention(), *_mha_inputs(), axes=["y m", "x m"])
    wires = sum(len(t.axes) or 1 for n in d.nodes for t in n.inputs)
    assert len(d.edges()) == wires
    for n in d.nodes:
        for t in (*n.inputs, *n.outputs):
            assert all(LABEL.match(a.label) for a in t.axes), t
    first, second = d.find("contraction")
    assert [a.name for a in first.outputs[0].axes] == ["y", "x", "h"]  # after QKᵀ the k axis is gone
    assert "k" not in {a.name for a in first.outputs[0].axes}
    assert [a.name for a in second.outputs[0].axes] == ["y", "k", "h"]
    soft = d.find("softmax")[0]
    assert soft.meta["axis"].name == "x" and {a.name for a in soft.beside} == {"y", "h"}
    for node in d.find("linear"):  # broadcast wires run past unchanged (same wire object)
        assert node.beside and all(any(a is b for b in node.outputs[0].axes) for a in node.beside)
        assert all(any(a is b for b in node.inputs[0].axes) for a in node.beside)
    assert d.nodes[-1].inputs[0].shape == (20, 128)


def test_numel_matches_trace() -> None:
    seen: dict[tuple[int, ...], int] = {}
    model = TransformerBlock()
    x = torch.randn(2, 10, 64)

    def record(mod: nn.Module, args: tuple, out: torch.Tensor) -> None:
        seen[tuple(out.shape)] = out.numel()

    for sub in model.modules():
        sub.register_forward_hook(record)
    d = trace(model, x, axes="b t m")
    for n in d.nodes:
        for t in n.outputs:
            assert t.numel == prod(t.shape)
    assert d.nodes[-1].inputs[0].numel == model(x).numel()


def _torch_flops(model: nn.Module, *inputs: torch.Tensor) -> int:
    with FlopCounterMode(display=False) as fc:
        model(*inputs)
    return fc.get_total_flops()


class SmallCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.c2 = nn.Conv2d(8, 16, 3, stride=2, dilation=2, padding=2)
        self.up = nn.ConvTranspose2d(16, 4, 2, stride=2)
        self.fc = nn.Linear(4 * 16 * 16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.up(torch.relu(self.c2(torch.relu(self.c1(x))))).flatten(1))


@pytest.mark.parametrize("case", ["mha", "linear_mha", "block", "cnn", "gru", "torch_mha"])
def test_flops_match_flop_counter(case: str) -> None:
    torch.manual_seed(0)
    if case == "mha":
        model, inputs, axes = MultiHeadAttention(), _mha_inputs(), ["y m", "x m"]
    elif case == "linear_mha":
        model, inputs, axes = LinearMHA(), _mha_inputs(), ["y m", "x m"]
    elif case == "block":
        model, inputs, axes = TransformerBlock(), (torch.randn(2, 10, 64),), ["b t m"]
    elif case == "cnn":
        model, inputs, axes = SmallCNN(), (torch.randn(2, 3, 16, 16),), None
    elif case == "gru":
        model, inputs, axes = nn.GRU(5, 7, num_layers=2, batch_first=True), (torch.randn(3, 6, 5),), ["b t i"]
    else:
        model, inputs, axes = nn.MultiheadAttention(32, 4), (torch.randn(6, 2, 32),) * 3, None
        inputs = tuple(x.clone() for x in inputs)
    d = trace(model, *inputs, axes=axes)
    assert d.flops(MATMUL_KINDS) == _torch_flops(model, *inputs)


@needs_dot
def test_svg_groups_match_ir() -> None:
    d = trace(MultiHeadAttention(), *_mha_inputs(), axes=["y m", "x m"])
    svg = d.to_svg()
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    view = [float(v) for v in root.attrib["viewBox"].split()]
    assert view[2] > 0 and view[3] > 0
    groups = [g.attrib.get("class", "").split() for g in root.iter("{http://www.w3.org/2000/svg}g")]
    assert sum("node" in g for g in groups) == len(d.nodes)
    assert sum("edge" in g for g in groups) == len(d.edges())
    assert sum("op-linear" in g for g in groups) == 4
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    for n in d.nodes:
        for t in n.outputs:
            for a in t.axes:
                assert a.label in texts
    assert d._repr_mimebundle_()["image/svg+xml"] == svg


class Branchy(nn.Module):
    """Data-dependent control flow, an op without a rule, and a tuple output."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 6)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.fc(x)
        for _ in range(int(x.abs().sum().item()) % 3 + 1):  # the loop count depends on the data
            h = torch.tanh(h) if h.mean() > 0 else torch.relu(h)
        odd = torch.special.entr(h.sigmoid())  # no rule for entr
        return h, odd


def test_control_flow_and_unknown_op_warn_and_render() -> None:
    with pytest.warns(DiagramWarning, match="entr"):
        d = trace(Branchy(), torch.randn(3, 6), axes="b d")
    assert d.counts()["generic"] == 1
    assert len(d.nodes[-1].inputs) == 2
    assert "entr ?" in d.to_dot()
    if shutil.which("dot"):
        ET.fromstring(d.to_svg())


class Zoo(nn.Module):
    """Embeddings of integer tokens, an LSTM, torch's attention, conv1d, a GRU with a tuple output."""

    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(50, 8)
        self.lstm = nn.LSTM(8, 8, batch_first=True)
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)
        self.conv = nn.Conv1d(8, 8, 3, padding=1)
        self.gru = nn.GRU(8, 4, batch_first=True, bidirectional=True)

    def forward(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.emb(tokens)
        x, _ = self.lstm(x)
        a, _ = self.attn(x, x, x)
        x = self.conv((x + a).transpose(1, 2)).transpose(1, 2)
        out, h = self.gru(x)
        return out, h


def test_zoo_traces_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DiagramWarning)
        d = trace(Zoo(), torch.randint(0, 50, (2, 7)), axes="b t")
    assert [n.label for n in d.find("block")] == ["LSTM", "MultiheadAttention", "GRU"]
    emb = d.find("linear")[0]
    assert emb.meta["note"] == "lookup, V=50"
    assert [t.shape for t in d.nodes[-1].inputs] == [(2, 7, 8), (2, 2, 4)]
    assert d.to_dot() == trace(Zoo(), torch.randint(0, 50, (2, 7)), axes="b t").to_dot()


def test_depth_roll_and_hide() -> None:
    torch.manual_seed(0)
    stack = nn.Sequential(*[TransformerBlock(32, 8, 4, 64) for _ in range(3)])
    x = torch.randn(2, 5, 32)
    full = trace(stack, x, axes="b t d", roll=False)
    rolled = trace(stack, x, axes="b t d")
    assert len(rolled.nodes) < len(full.nodes)
    assert sorted(rolled.repeats.values()) == [3]
    assert rolled.flops() == full.flops()
    blocks = trace(stack, x, axes="b t d", depth=0)
    assert blocks.counts()["block"] == 1 and blocks.find("block")[0].repeat == 3
    assert blocks.flops(MATMUL_KINDS) == full.flops(MATMUL_KINDS) == _torch_flops(stack, x)
    unrolled = trace(stack, x, axes="b t d", depth=0, roll=False)
    assert unrolled.counts()["block"] == 3
    lean = trace(stack, x, axes="b t d", hide_param_free=True)
    assert "elementwise" not in {n.kind for n in lean.nodes if not n.learned}


def test_collapse_draws_named_modules_as_one_box() -> None:
    torch.manual_seed(0)
    block = TransformerBlock(32, 8, 4, 64)
    x = torch.randn(2, 5, 32)
    full = trace(block, x, axes="b t d")
    mlp_closed = trace(block, x, axes="b t d", collapse=["mlp"])
    blocks = mlp_closed.find("block")
    assert [b.meta["path"] for b in blocks] == ["mlp"]
    assert mlp_closed.counts()["softmax"] == 1  # the attention stays open
    assert mlp_closed.flops(MATMUL_KINDS) == full.flops(MATMUL_KINDS)
    with pytest.raises(ValueError, match="collapse names modules the model does not have"):
        trace(block, x, collapse=["nope"])


def test_self_attention_scores_have_two_position_wires() -> None:
    """Queries and keys both run along t: the score matrix is (t, t'), softmax and Σ act on the key wire t'."""
    torch.manual_seed(0)
    d = trace(TransformerBlock(32, 8, 4, 64), torch.randn(2, 5, 32), axes="b t d")
    scores = d.find("contraction")[0].outputs[0]
    positions = [a for a in scores.axes if a.size == 5]
    assert len(positions) == 2 and positions[0] is not positions[1]
    assert {a.display for a in positions} == {"t", "t'"}
    assert d.find("softmax")[0].meta["axis"].display == "t'"
    assert d.find("contraction")[1].label == "Σ t'"


def test_wires_are_labelled_where_they_start() -> None:
    """A box labels the wires it creates; wires it passes through unchanged keep the label they started with."""
    d = trace(nn.Sequential(nn.Linear(3, 4), nn.ReLU()), torch.randn(2, 3), axes="b i")
    labels = {
        line.split('tooltip="')[1].split(":")[0]: re.findall(r">([^<>]+=\d+)<", line)
        for line in d.to_dot().splitlines()
        if 'class="op-' in line
    }
    assert labels == {"input": ["b=2", "i=3"], "linear": ["f=4"], "elementwise": [], "output": ["b=2", "f=4"]}


class _LinalgAndLookups(nn.Module):
    """Ops that once drew as generic boxes: solve, norm, arccos, embedding_bag, LSTMCell, cdist, cosine."""

    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.EmbeddingBag(50, 8, mode="mean")
        self.cell = nn.LSTMCell(8, 6)
        self.centroids = nn.Parameter(torch.randn(4, 3))

    def forward(self, x: torch.Tensor, y: torch.Tensor, tokens: torch.Tensor) -> tuple[torch.Tensor, ...]:
        gram = x.T @ x + 0.1 * torch.eye(x.shape[1])
        readout = torch.linalg.solve(gram, x.T @ y)
        angle = torch.arccos(torch.clamp(torch.linalg.norm(x, dim=1) / 10, -1, 1))
        h, c = self.cell(self.emb(tokens))
        return (
            readout,
            angle,
            torch.cdist(x, x),
            torch.cdist(x, self.centroids),
            torch.nn.functional.cosine_similarity(h, c, dim=1),
        )


def test_linalg_and_lookup_rules_have_no_generic_boxes() -> None:
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DiagramWarning)
        d = trace(
            _LinalgAndLookups(),
            torch.randn(6, 3),
            torch.randn(6, 2),
            torch.randint(0, 50, (6, 7)),
            axes=["n f", "n o", "n t"],
        )
    assert "generic" not in d.counts()
    gram = d.find("contraction")[0]
    assert [a.display for a in gram.outputs[0].axes] == ["f", "f'"]  # XᵀX: two feature wires
    solve = next(n for n in d.nodes if n.label == "A⁻¹ B")
    assert [a.display for a in solve.outputs[0].axes] == ["f'", "o"]
    assert any(n.label == "‖·‖ f" for n in d.find("reduce"))
    assert any(n.label == "arccos" for n in d.find("elementwise"))
    assert [n.label for n in d.find("block")] == ["LSTMCell"]
    assert any(n.label.startswith("centroids") for n in d.find("linear"))
    assert any(n.label == "cos over h" for n in d.find("contraction"))


def test_reversed_operators_buffers_and_rolled_blocks_read_right() -> None:
    """1 − x reads "1 − ·" (not "− 1"), a buffer names itself, and a rolled block says ×N once."""

    class Gate(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("mask", torch.ones(4))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return (1 - x) * self.mask + 2 / x

    labels = [n.label for n in trace(Gate(), torch.randn(3, 4)).nodes]
    assert {"1 − ·", "× mask", "2 ÷ ·"} <= set(labels)

    class Loop(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = nn.ModuleList(nn.Sequential(nn.Linear(4, 4), nn.Tanh()) for _ in range(5))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            for layer in self.layers:
                x = torch.relu(layer(x))
            return x

    assert trace(Loop(), torch.randn(3, 4), depth=1).to_dot().count("×5") == 1  # the frame, not each box


def test_memory_columns() -> None:
    d = trace(MultiHeadAttention(), *_mha_inputs(), axes=["y m", "x m"])
    mem = dict(d.memory())
    assert mem["inputs"] == 20 * 128 + 22 * 128
    assert d.peak_memory() >= 20 * 22 * 4


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="axes"):
        trace(nn.Linear(3, 3), torch.randn(2, 3), axes="b")
    with pytest.raises(ValueError, match="depth"):
        trace(nn.Linear(3, 3), torch.randn(2, 3), depth=-1)
    with pytest.raises(ValueError, match="module"):
        trace(lambda x: x, torch.randn(2))  # type: ignore[arg-type]
    with pytest.raises(KeyError, match="did you mean"):
        for_paper("neural_circuit_diagram")


def test_paper_without_example(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        sys.modules, "paperlab.papers.lowrank_mhsa", types.ModuleType("paperlab.papers.lowrank_mhsa")
    )
    with pytest.raises(ValueError, match="diagram_example"):
        for_paper("lowrank_mhsa")


def test_missing_dot_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    import graphviz

    def boom(*args: object, **kwargs: object) -> None:
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(graphviz.Source, "pipe", boom)
    d = trace(nn.Linear(3, 2), torch.randn(4, 3))
    with pytest.raises(DotMissing, match="apt-get install graphviz.*conda.*brew"):
        d.to_svg()
    assert "apt-get" in d._repr_mimebundle_()["text/plain"]
    assert d.to_dot().startswith("digraph")
    # IPython asks _repr_svg_ as well; an exception there is an error output that fails the cell
    assert d._repr_svg_() is None


def test_for_paper_is_deterministic_and_keeps_rng() -> None:
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = for_paper("neural_circuit_diagrams")
    after = torch.rand(1)
    assert torch.equal(before, after)
    assert a.to_dot() == for_paper("neural_circuit_diagrams").to_dot()
    assert a.title.startswith("18 · Neural Circuit Diagrams")


class VectorMaps(nn.Module):
    """Matmuls with vectors: x @ w (learned, m -> nothing), w @ y, and a batched matmul with a parameter."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.randn(4))
        self.W = nn.Parameter(torch.randn(3, 4, 5))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return x @ self.w, self.w @ y, x @ y, torch.matmul(x[None], self.W)


def test_matmul_with_vectors_and_cost_labels() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DiagramWarning)
        d = trace(VectorMaps(), torch.randn(2, 4), torch.randn(4, 6), axes=["b m", "m n"])
    assert [t.shape for t in d.nodes[-1].inputs] == [(2,), (6,), (2, 6), (3, 2, 5)]
    assert d.counts()["linear"] == 3 and d.counts()["contraction"] == 1
    assert [a.name for a in d.nodes[-1].inputs[0].axes] == ["b"]
    # FlopCounterMode has no formula for aten.mv (x @ w, matrix-vector): the diagram counts its 2·b·m = 16
    assert (
        d.flops(MATMUL_KINDS) == _torch_flops(VectorMaps(), torch.randn(2, 4), torch.randn(4, 6)) + 2 * 2 * 4
    )
    assert "FLOP" in d.to_dot(cost=True) and "FLOP</FONT>" not in d.to_dot()


@needs_dot
def test_graphviz_pure_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """No `dot` on the PATH but a `graphviz-pure` executable: it is used (here: played by the real dot)."""
    import graphviz
    from graphviz.backend import dot_command

    real_pipe, real_dot = graphviz.Source.pipe, shutil.which("dot")

    def pipe(self: graphviz.Source, *args: object, **kwargs: object) -> str:
        if str(dot_command.DOT_BINARY) == "dot":
            raise graphviz.ExecutableNotFound(["dot"])
        return real_pipe(self, *args, **kwargs)

    monkeypatch.setattr(graphviz.Source, "pipe", pipe)
    monkeypatch.setattr(
        "paperlab.diagrams.render.shutil.which", lambda name: real_dot if name == "graphviz-pure" else None
    )
    svg = trace(nn.Linear(3, 2), torch.randn(4, 3)).to_svg()
    assert ET.fromstring(svg).tag.endswith("svg")
    assert str(dot_command.DOT_BINARY) == "dot"


@needs_dot
def test_render_all_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = render_all(tmp_path, only=["neural_circuit_diagrams"])
    names = {p.name for p in paths}
    assert {
        "18_neural_circuit_diagrams.dot",
        "18_neural_circuit_diagrams.svg",
        "canonical_conv2d.dot",
    } <= names
    assert all(p.is_file() for p in paths) and capsys.readouterr().out == ""
    with pytest.raises(ValueError, match="only"):
        render_all(tmp_path, only="neural_circuit_diagrams")  # type: ignore[arg-type]


@needs_dot
def test_bundle_has_png_beside_svg() -> None:
    """Untrusted notebooks (JupyterLab shows no SVG from them), static HTML and GitHub need a PNG."""
    import base64

    d = trace(nn.Linear(3, 2), torch.randn(4, 3))
    bundle = d._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml", "image/png", "text/plain"}
    png = base64.b64decode(bundle["image/png"], validate=True)  # nbformat stores PNG as base64 text
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png == d.to_png()
    assert ET.fromstring(bundle["image/svg+xml"]).tag.endswith("svg")


@needs_dot
def test_svg_scales_to_notebook_width() -> None:
    """No fixed width: width=100%, capped at the natural width, the viewBox keeps the aspect ratio."""
    from paperlab.diagrams.render import svg_size

    svg = for_paper("neural_circuit_diagrams").to_svg()
    root = ET.fromstring(svg)
    assert root.attrib["width"] == "100%" and "height" not in root.attrib
    width, height = svg_size(svg)
    assert root.attrib["viewBox"].split()[2:] == [f"{width:.2f}", f"{height:.2f}"]
    assert f"max-width: {width:g}pt" in root.attrib["style"]


def _no_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A PATH without graphviz: only the python running the tests is on it."""
    import graphviz

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert shutil.which("dot") is None and shutil.which("graphviz-pure") is None
    assert graphviz  # the Python package stays importable; only the binary is gone


def test_no_dot_bundle_does_not_raise(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _no_dot(monkeypatch, tmp_path)
    d = trace(nn.Linear(3, 2), torch.randn(4, 3))
    bundle = d._repr_mimebundle_()
    assert set(bundle) == {"text/plain"} and "apt-get install graphviz" in bundle["text/plain"]
    assert d._repr_svg_() is None
    with pytest.raises(DotMissing):
        d.to_png()


def test_no_dot_shows_the_committed_picture(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Issue 27: without graphviz, a paper's diagram cell (``paperlab run 01`` on a machine with no
    ``dot``) shows the committed diagrams/*.svg with one line on how to install graphviz, not a
    DotMissing message."""
    from IPython.core.formatters import DisplayFormatter

    from paperlab.catalog import ROOT

    _no_dot(monkeypatch, tmp_path)
    for view, stem in ((None, "01_lowrank_mhsa"), ("mechanism", "01_lowrank_mhsa__mechanism")):
        d = for_paper("lowrank_mhsa", view=view)
        committed = (ROOT / "diagrams" / f"{stem}.svg").read_text(encoding="utf-8")
        bundle, _ = DisplayFormatter().format(d)  # what IPython puts in the cell's output
        assert bundle["image/svg+xml"] == committed
        html = bundle["text/html"]
        assert html.count("<img ") == 1 and 'src="data:image/svg+xml;base64,' in html
        assert f"diagrams/{stem}.svg" in html and "apt-get install graphviz" in html
        note = bundle["text/plain"].splitlines()[-1]
        assert "apt-get install graphviz" in note and "brew install graphviz" in note
        assert "DotMissing" not in str(bundle)
    # a diagram that is not committed says how to install graphviz, as before
    assert set(trace(nn.Linear(3, 2), torch.randn(4, 3))._repr_mimebundle_()) == {"text/plain"}


def test_render_all_without_dot_writes_dot_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _no_dot(monkeypatch, tmp_path)
    out = tmp_path / "out"
    with pytest.raises(DotMissing) as info:
        render_all(out, only=["neural_circuit_diagrams"])
    message = str(info.value)
    assert "\n" not in message and "apt-get install graphviz" in message
    dots = sorted(p.name for p in out.iterdir())
    assert "18_neural_circuit_diagrams.dot" in dots and "canonical_conv2d.dot" in dots
    assert not any(name.endswith(".svg") for name in dots)
    assert (out / "18_neural_circuit_diagrams.dot").read_text() == for_paper(
        "neural_circuit_diagrams"
    ).to_dot()


@needs_dot
def test_png_of_a_wide_diagram_is_capped() -> None:
    """A diagram thousands of pt wide is drawn at a lower dpi, so committed notebooks stay small."""
    from paperlab.diagrams.render import PNG_MAX_PX, to_png

    chain = nn.Sequential(*[nn.Sequential(nn.Linear(6, 6), nn.Tanh()) for _ in range(40)])
    dot = trace(chain, torch.randn(2, 6), roll=False).to_dot()  # 80 boxes in a row: thousands of pt wide
    png = to_png(dot)
    width = int.from_bytes(png[16:20], "big")  # IHDR
    assert PNG_MAX_PX * 0.9 <= width <= PNG_MAX_PX
    small = to_png(trace(nn.Linear(3, 2), torch.randn(4, 3)).to_dot())
    assert int.from_bytes(small[16:20], "big") < 400  # narrow diagrams keep graphviz's 96 dpi


class _ConvChain(nn.Module):
    """30 Conv+ReLU layers; counts, after the forward, how many of its intermediates are still alive."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList(nn.Conv2d(4, 4, 3, padding=1) for _ in range(30))
        self.alive = -1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        import weakref

        refs = []
        for conv in self.layers:
            x = torch.relu(conv(x))
            refs.append(weakref.ref(x))
        self.alive = sum(r() is not None for r in refs)
        return x


def test_tracer_keeps_no_activations_alive() -> None:
    """The tracer records shapes and identities (weak references), not tensors (issue 13 item 6)."""
    model = _ConvChain()
    with torch.no_grad():
        model(torch.randn(1, 4, 16, 16))
        assert model.alive == 1  # plain forward: only the current x
        d = trace(model, torch.randn(1, 4, 16, 16), axes="b c h w")
    assert model.alive == 1, f"tracing kept {model.alive - 1} freed activations alive"
    assert d.counts()["linear"] == 30 or sum(d.repeats.values()) >= 30


def test_depthwise_convolution_keeps_its_channel_wire() -> None:
    """Abbott's grammar: a per-channel map (groups = channels) lets the channel axis pass through; an
    ordinary convolution emits a new channel axis."""
    x = torch.randn(2, 8, 20)
    dw = trace(nn.Conv1d(8, 8, 3, groups=8, padding=1), x, axes="b c t")
    (m,) = [n for n in dw.nodes if n.kind == "linear"]
    assert m.outputs[0].axes[1].name == "c" and any(a.name == "c" for a in m.beside)
    full = trace(nn.Conv1d(8, 8, 3, padding=1), x, axes="b c t")
    (m,) = [n for n in full.nodes if n.kind == "linear"]
    assert m.outputs[0].axes[1].name == "c'" and not any(a.name == "c" for a in m.beside)

"""Golden DOT files for the canonical diagrams (Abbott's figures as code).

A deliberate change of the drawing: ``PAPERLAB_UPDATE_GOLDEN=1 pytest tests/test_diagrams_golden.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from paperlab.diagrams.canonical import CANONICAL

GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.mark.parametrize("name", sorted(CANONICAL))
def test_canonical_dot_matches_golden(name: str) -> None:
    path = GOLDEN / f"canonical_{name}.dot"
    dot = CANONICAL[name]().to_dot()
    if os.environ.get("PAPERLAB_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(dot, encoding="utf-8")
    assert path.is_file(), f"no golden file {path.name}; create it with PAPERLAB_UPDATE_GOLDEN=1"
    assert dot == path.read_text(encoding="utf-8"), (
        f"{name} drawing changed; if intended, PAPERLAB_UPDATE_GOLDEN=1"
    )


def test_canonical_structure() -> None:
    """The three diagrams of NEURAL_CIRCUIT_DIAGRAMS.md, in words."""
    mha = CANONICAL["multi_head_attention"]()
    assert {k: mha.counts()[k] for k in ("linear", "contraction", "softmax", "copy")} == {
        "linear": 4,
        "contraction": 2,
        "softmax": 1,
        "copy": 1,
    }
    assert [t.shape for t in mha.nodes[0].outputs] == [(20, 128), (22, 128)]
    conv = CANONICAL["conv2d"]()
    win = next(n for n in conv.nodes if n.meta.get("conv"))
    assert [a.label for a in win.outputs[0].axes] == ["b=8", "c=3", "h'=32", "kh=3", "w'=32", "kw=3"]
    lin = conv.find("linear")[0]
    assert (
        lin.label == "C"
        and [a.label for a in lin.outputs[0].axes][1] == "c'=16"
        and {a.name for a in lin.beside} == {"b", "h'", "w'"}
    )
    res = CANONICAL["residual_block"]()
    assert res.counts()["copy"] == 1 and res.counts()["add"] == 1
    assert [a.label for a in res.find("add")[0].outputs[0].axes] == ["b=3", "c=64", "h=16", "w=16"]

"""Diagram views (issue 13): a paper module's ``diagram_views()`` gives an overview and the paper's
mechanism; ``for_paper(slug)`` draws the overview, ``for_paper(slug, view=...)`` any view."""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

from paperlab.diagrams import for_paper
from paperlab.diagrams.build import VIEW_SEP, submodule_example, targets, views


def _draw(slug: str, view: str | None = None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return for_paper(slug, view=view)


def test_overview_is_the_default_and_collapses_modules() -> None:
    d = _draw("lowrank_mhsa")
    assert [n.label for n in d.nodes if n.kind == "block"] == [
        "BiGRUEncoder",
        "LowRankMultiHeadAttention",
        "Sequential",
    ]
    assert "mechanism" in views("lowrank_mhsa")


def test_mechanism_view_zooms_into_the_paper_idea() -> None:
    d = _draw("lowrank_mhsa", "mechanism")
    assert d.title.endswith("— mechanism")
    assert {n.label for n in d.nodes if n.kind == "linear"} == {"u", "p"}
    assert any(n.kind == "softmax" for n in d.nodes)


def test_unknown_view_names_the_views() -> None:
    with pytest.raises(ValueError, match="views: \\['overview', 'mechanism'\\]"):
        for_paper("lowrank_mhsa", view="nope")


def test_targets_write_each_non_overview_view_once() -> None:
    stems = targets(["lowrank_mhsa"])
    assert "01_lowrank_mhsa" in stems and f"01_lowrank_mhsa{VIEW_SEP}mechanism" in stems
    assert f"01_lowrank_mhsa{VIEW_SEP}overview" not in stems


def test_submodule_example_captures_the_inputs() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = torch.randn(5, 3)
    sub, inputs, _ = submodule_example(model, (x,), "2")
    assert sub is model[2] and inputs[0].shape == (5, 4)
    with pytest.raises(AttributeError):
        submodule_example(model, (x,), "9")


NOTEBOOK_PAPERS = [p for p in __import__("paperlab.catalog", fromlist=["PAPERS"]).PAPERS if p.has_notebook]


@pytest.mark.parametrize("paper", NOTEBOOK_PAPERS, ids=lambda p: p.slug)
def test_every_paper_notebook_shows_an_overview_and_a_mechanism(paper) -> None:
    """Issue 13: each paper module has both views and its notebook draws both (the overview is the default)."""
    import json

    assert {"overview", "mechanism"} <= set(views(paper.slug)), f"{paper.module} needs diagram_views()"
    code = "\n".join(
        "".join(c["source"])
        for c in json.loads(paper.notebook.read_text(encoding="utf-8"))["cells"]
        if c["cell_type"] == "code"
    )
    assert f'for_paper("{paper.slug}", view="mechanism")' in code, (
        f"{paper.notebook.name} does not show the mechanism"
    )
    assert f'for_paper("{paper.slug}")' in code or f'for_paper("{paper.slug}", view="overview")' in code, (
        f"{paper.notebook.name} does not show the overview"
    )

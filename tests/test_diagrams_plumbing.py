"""Plumbing hidden by default (issue 13): index arithmetic, masks, gathers, expands, unsqueezes and
casts fold away; ``show_plumbing=True`` draws every op."""

from __future__ import annotations

import warnings

import pytest

from paperlab.diagrams import for_paper, trace
from paperlab.diagrams.build import _example

PLUMBING = ("gather", "expand", "unsqueeze", "cumsum")


def _labels(slug: str, **options) -> list[str]:
    """Labels of the paper's whole model drawn op by op (its diagram_example, no depth collapse)."""
    module, inputs, axes = _example(slug)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = trace(module.eval(), *inputs, axes=axes, **options)
    return [n.label for n in d.nodes if n.kind not in ("input", "output", "copy")]


@pytest.mark.parametrize("slug", ["lowrank_mhsa", "pointer_networks"])
def test_overview_has_no_index_bookkeeping(slug: str) -> None:
    for view in (None, "mechanism") if slug == "lowrank_mhsa" else (None,):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            drawn = [n.label for n in for_paper(slug, view=view).nodes]
        assert not [lab for lab in drawn if any(p in lab for p in PLUMBING)], drawn
    hidden = _labels(slug)
    assert not [lab for lab in hidden if any(p in lab for p in PLUMBING)], hidden
    shown = _labels(slug, show_plumbing=True)
    assert [lab for lab in shown if any(p in lab for p in PLUMBING)], "show_plumbing=True must draw them"
    assert len(hidden) < len(shown)


def test_thresholds_on_activations_are_not_plumbing() -> None:
    """A spike (v >= θ, a boolean made from activations) is computation: the SNN stays connected."""
    labels = _labels("snn_learnable_delays")
    assert labels and "mean s1" in labels[-1:] + labels
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = for_paper("snn_learnable_delays")
    assert sum(n.kind == "block" and n.label == "DelayedSynapses" for n in d.nodes) == 2


def test_learned_maps_survive_the_fold() -> None:
    """Folding removes bookkeeping only: every learned box of the full drawing is still drawn."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = for_paper("pointer_networks", show_plumbing=True)
        folded = for_paper("pointer_networks")
    learned = lambda d: sorted(n.label for n in d.nodes if n.learned)  # noqa: E731
    assert learned(folded) == learned(full)

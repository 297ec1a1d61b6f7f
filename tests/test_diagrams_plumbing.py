"""Plumbing hidden by default (issue 13): index arithmetic, masks, gathers, expands, unsqueezes and
casts fold away; ``show_plumbing=True`` draws every op."""

from __future__ import annotations

import warnings

import pytest

from paperlab.diagrams import for_paper

PLUMBING = ("gather", "expand", "unsqueeze", "cumsum")


def _labels(slug: str, **options) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = for_paper(slug, **options)
    return [n.label for n in d.nodes if n.kind not in ("input", "output", "copy")]


@pytest.mark.parametrize("slug", ["lowrank_mhsa", "pointer_networks"])
def test_overview_has_no_index_bookkeeping(slug: str) -> None:
    hidden = _labels(slug)
    assert not [lab for lab in hidden if any(p in lab for p in PLUMBING)], hidden
    shown = _labels(slug, show_plumbing=True)
    assert [lab for lab in shown if any(p in lab for p in PLUMBING)], "show_plumbing=True must draw them"
    assert len(hidden) < len(shown)


def test_learned_maps_survive_the_fold() -> None:
    """Folding removes bookkeeping only: every learned box of the full drawing is still drawn."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = for_paper("pointer_networks", show_plumbing=True)
        folded = for_paper("pointer_networks")
    learned = lambda d: sorted(n.label for n in d.nodes if n.learned)  # noqa: E731
    assert learned(folded) == learned(full)

"""Every seed ledger in calibration/ backs its module's claim: same clauses and thresholds, seeds
0-2 recorded, ours passes on every seed and every control fails an evidence clause on every seed."""

from __future__ import annotations

import json

import pytest

from paperlab import catalog, claims

LEDGERS = sorted(claims.LEDGER_DIR.glob("*.json"))


@pytest.mark.parametrize("path", LEDGERS, ids=[p.stem for p in LEDGERS])
def test_ledger_backs_the_module(path) -> None:  # type: ignore[no-untyped-def]
    ledger = json.loads(path.read_text())
    paper = catalog.get(ledger["slug"])
    assert path.name == f"{paper.number:02d}_{paper.slug}.json"
    mod = claims.module_of(paper.slug)
    assert mod.CLAIM.slug == paper.slug
    assert claims.ledger_problems(ledger, mod.CLAIM) == []


def test_every_module_with_a_claim_has_a_ledger() -> None:
    for paper in catalog.PAPERS:
        if not paper.has_notebook:
            continue
        mod = __import__(paper.module, fromlist=["_"])
        if hasattr(mod, "CLAIM"):
            assert claims.ledger_path(paper.slug).is_file(), f"run `paperlab calibrate {paper.slug}`"

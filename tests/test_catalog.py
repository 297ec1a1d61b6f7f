"""The catalogue: 47 filled, well-formed entries, and slug look-up.

The paper list users read (PAPERS.md) is generated from it: tests/test_site.py checks it is current.
"""

import re

import pytest

from paperlab import catalog
from paperlab.catalog import GROUPS, PAPERS, ROOT, UnknownPaper, get

ARXIV = re.compile(r"^arXiv:(\d{2})(\d{2})\.\d{4,5}$")


def test_47_entries_numbered_in_order():
    assert len(PAPERS) == 47
    assert [p.number for p in PAPERS] == list(range(1, 48))


def test_slugs_unique_and_well_formed():
    slugs = [p.slug for p in PAPERS]
    assert len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", s) for s in slugs)


def test_titles_unique_and_clean():
    titles = [p.title for p in PAPERS]
    assert len(set(titles)) == len(titles)
    assert all(t == t.strip() and "  " not in t and "|" not in t for t in titles)


def test_groups_known_and_used():
    assert {p.group for p in PAPERS} == set(GROUPS)


@pytest.mark.parametrize("paper", PAPERS, ids=lambda p: p.slug)
def test_every_field_filled(paper):
    assert paper.title.strip() and paper.authors.strip() and paper.ref.strip()
    assert paper.authors == paper.authors.strip() and not paper.authors.endswith(",")
    assert isinstance(paper.year, int) and 1990 <= paper.year <= 2026
    assert paper.claim.strip() and len(paper.claim) <= 120
    assert paper.module == f"paperlab.papers.{paper.slug}"


@pytest.mark.parametrize("paper", PAPERS, ids=lambda p: p.slug)
def test_arxiv_refs_well_formed(paper):
    m = ARXIV.match(paper.ref)
    if paper.ref.startswith("arXiv"):
        assert m, paper.ref
        yy, mm = int(m[1]), int(m[2])
        assert 1 <= mm <= 12
        # the preprint appears no later than the year we cite, and at most a few years before the venue version
        assert 0 <= paper.year - (2000 + yy) <= 4, (paper.ref, paper.year)
        assert paper.url == "https://arxiv.org/abs/" + paper.ref.removeprefix("arXiv:")
    else:
        assert "arxiv" not in paper.ref.lower()
        assert str(paper.year) in paper.ref  # a venue names its year
        assert paper.url == ""


def test_notebook_path_pattern():
    for p in PAPERS:
        assert p.notebook == ROOT / "notebooks" / f"{p.number:02d}_{p.slug}.ipynb"
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", p.notebook.name)
        assert p.has_notebook == p.notebook.is_file()


def test_get_by_slug_number_and_stem():
    first = PAPERS[0]
    assert get("lowrank_mhsa") is first
    assert get(1) is first
    assert get("1") is first
    assert get("01_lowrank_mhsa") is first
    assert get(" lowrank_mhsa ") is first
    assert get(47) is PAPERS[-1]
    for p in PAPERS:
        assert get(p.slug) is p and get(p.number) is p and get(p.notebook.stem) is p


def test_unknown_slug_suggests_close_matches():
    with pytest.raises(UnknownPaper) as exc:
        get("lowrank_mhs")
    msg = str(exc.value)
    assert "lowrank_mhsa" in msg and "did you mean" in msg
    assert isinstance(exc.value, KeyError)
    assert "lottery_ticket" in catalog.suggest("lotery_ticket")
    assert catalog.suggest("pointer")[0] == "pointer_networks"


@pytest.mark.parametrize("number", [0, 48, -1])
def test_number_out_of_range(number):
    with pytest.raises(UnknownPaper, match="1..47"):
        get(number)


def test_nonsense_slug_still_helpful():
    with pytest.raises(UnknownPaper) as exc:
        get("zzzzqqqq")
    assert "paperlab list" in str(exc.value) or "did you mean" in str(exc.value)

"""The notebook contract (CONTRIBUTING.md) checked over every notebook in notebooks/.

Notebooks not yet migrated to contract v2 sit in PENDING; the list only shrinks.
"""

from __future__ import annotations

import json
import re

import pytest

from paperlab import catalog, claims

NOTEBOOKS = sorted((catalog.ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

# Not yet under contract v2 (issues "Honest claims, part 1/2"). Remove a stem when it migrates.
PENDING: set[str] = set()

# Section headings (markdown, any level >= 2) in the order the contract asks for.
SECTIONS = ("Claim check", "What did not reproduce", "Paper vs this notebook", "Things to try")


def _cells(path):  # type: ignore[no-untyped-def]
    return json.loads(path.read_text())["cells"]


def _src(cell) -> str:  # type: ignore[no-untyped-def]
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _text_out(cell) -> str:  # type: ignore[no-untyped-def]
    parts = []
    for o in cell.get("outputs", []):
        if "text" in o:
            parts.append("".join(o["text"]))
        elif "data" in o and "text/plain" in o["data"]:
            parts.append("".join(o["data"]["text/plain"]))
    return "\n".join(parts)


def contract_problems(path) -> list[str]:  # type: ignore[no-untyped-def]
    """Everything in a notebook that breaks the contract (empty: it keeps it)."""
    problems: list[str] = []
    paper = catalog.get(path.stem)
    cells = _cells(path)
    first = cells[0]
    title = f"# {paper.number:02d} · {paper.title}"
    if first["cell_type"] != "markdown" or not _src(first).startswith(title):
        problems.append(f"first cell must be markdown starting {title!r}")
    else:
        head = _src(first)
        first_author = re.sub(r"\s+et al\.?$", "", paper.authors.split(",")[0].split(" and ")[0].strip())
        surname = first_author.split()[-1]
        if surname not in head or str(paper.year) not in head or "http" not in head:
            problems.append(f"first cell must cite authors ({surname}), year ({paper.year}) and a link")
    code = [c for c in cells if c["cell_type"] == "code"]
    if not code or "paperlab.setup(" not in _src(code[0]):
        problems.append("the first code cell must call paperlab.setup(...)")
    for i, c in enumerate(code):
        if re.search(r"\.savefig\(|/tmp/", _src(c)):
            problems.append(
                f"code cell {i} writes a file (savefig or /tmp/): a notebook shows figures, it saves none"
            )
    headings = [
        line.lstrip("#").strip()
        for c in cells
        if c["cell_type"] == "markdown"
        for line in _src(c).splitlines()
        if re.match(r"^#{2,6} ", line)
    ]
    pos = []
    for sec in SECTIONS:
        hit = [i for i, h in enumerate(headings) if h.lower().startswith(sec.lower())]
        if not hit:
            problems.append(f"missing section heading '## {sec}'")
        else:
            pos.append(hit[0])
    if pos == sorted(pos) and len(pos) == len(SECTIONS):
        pass
    elif len(pos) == len(SECTIONS):
        problems.append(f"sections out of order; want {SECTIONS}")
    claim_cells = [c for c in code if ".check(" in _src(c) and "assert_holds()" in _src(c)]
    if not claim_cells:
        problems.append("no claim-check cell (CLAIM.check(rows) ... .assert_holds())")
    else:
        out = _text_out(claim_cells[-1])
        control_fail = any(line.startswith("control:") and " FAIL" in line for line in out.splitlines())
        if not (control_fail or "NOT REPRODUCED" in out):
            problems.append("the claim cell's output shows no control row with a FAIL (nor NOT REPRODUCED)")
    if not claims.ledger_path(paper.slug).is_file():
        problems.append(f"no seed ledger: run `paperlab calibrate {paper.slug}`")
    if not any("ledger_table(" in _src(c) for c in code):
        problems.append("the calibration table must be rendered from the ledger (claims.ledger_table)")
    for i, c in enumerate(code):
        if any(o.get("output_type") == "error" for o in c.get("outputs", [])):
            problems.append(f"code cell {i} has an error output")
        if "NBVAL_SKIP" in _src(c):
            problems.append(f"code cell {i} is skipped (NBVAL_SKIP)")
    for c in cells:
        if c["cell_type"] != "markdown":
            continue
        for line in _src(c).splitlines():
            if line.lstrip().startswith("|") and re.search(r"\bseeds?\b", line, re.I):
                problems.append(f"markdown table row about seeds (render it from the ledger): {line[:80]!r}")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_keeps_the_contract(path) -> None:  # type: ignore[no-untyped-def]
    problems = contract_problems(path)
    if path.stem in PENDING:
        assert problems, f"{path.stem} now keeps the contract: remove it from PENDING"
        pytest.skip(f"pending contract v2 migration ({len(problems)} problems)")
    assert not problems, "\n".join(problems)


def test_pending_lists_only_existing_notebooks() -> None:
    stems = {p.stem for p in NOTEBOOKS}
    assert PENDING <= stems, sorted(PENDING - stems)

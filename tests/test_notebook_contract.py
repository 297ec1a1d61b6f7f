"""The notebook contract (CONTRIBUTING.md) checked over every notebook in notebooks/.

Notebooks not yet migrated to contract v2 sit in PENDING; the list only shrinks. Contract v3 is
checked for every notebook whose paper is not in ``paperlab.claims.V3_PENDING`` (that list only
shrinks too: a pending notebook that already keeps v3 fails).
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


def _section(cells, title: str) -> str:  # type: ignore[no-untyped-def]
    """The markdown under the heading ``title`` up to the next heading of the same or a higher level."""
    out, level = [], None
    for c in cells:
        if c["cell_type"] != "markdown":
            continue
        for line in _src(c).splitlines():
            m = re.match(r"^(#{2,6}) (.*)", line)
            if m and level is not None and len(m.group(1)) <= level:
                return "\n".join(out)
            if m and level is None and m.group(2).strip().lower().startswith(title.lower()):
                level = len(m.group(1))
                continue
            if level is not None:
                out.append(line)
    return "\n".join(out)


def _lines(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def v3_problems(path) -> list[str]:  # type: ignore[no-untyped-def]
    """What contract v3 asks of a notebook beyond v2 (empty: it keeps it): the claim cell shows the
    strongest control's row; the committed calibration table is the current ledger's (seeds 0-5, the
    strongest control, margins against the seed spread, the seeds it fails on); 'What did not
    reproduce' names every seed the claim fails on; and the ledger keeps v3 (``claims.v3_problems``)."""
    problems: list[str] = []
    paper = catalog.get(path.stem)
    cells = _cells(path)
    code = [c for c in cells if c["cell_type"] == "code"]
    claim_cells = [c for c in code if ".check(" in _src(c) and "assert_holds()" in _src(c)]
    out = _text_out(claim_cells[-1]) if claim_cells else ""
    if not any(line.startswith("control:") and "(strongest)" in line for line in out.splitlines()):
        problems.append(
            "the claim cell's output shows no '(strongest)' control row (Control(..., strongest=True))"
        )
    try:
        ledger = claims.load_ledger(paper.slug)
        table = claims.ledger_table(paper.slug)
    except (FileNotFoundError, ValueError) as exc:
        return [*problems, str(exc)]
    shown = [_lines(_text_out(c)) for c in code if "ledger_table(" in _src(c)]
    if not any(_lines(table) in s for s in shown):
        problems.append(
            "the committed calibration table is not the current ledger's: re-execute the notebook "
            "after `paperlab calibrate` (the ledger_table cell's output must show the ledger as it is)"
        )
    failing = claims.failing_seeds(ledger)
    text = _section(cells, "What did not reproduce")
    unnamed = [s for s in failing if not re.search(rf"\bseeds?\b[^.\n]*\b{s}\b", text)]
    if unnamed:
        problems.append(f"'What did not reproduce' must name the seeds the claim fails on: {unnamed}")
    if problems and paper.slug in claims.V3_PENDING:
        return problems  # pending and not migrated: skip importing the paper module
    problems += [f"ledger: {p}" for p in claims.v3_problems(ledger, claims.module_of(paper.slug).CLAIM)]
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_keeps_the_contract(path) -> None:  # type: ignore[no-untyped-def]
    problems = contract_problems(path)
    if path.stem in PENDING:
        assert problems, f"{path.stem} now keeps the contract: remove it from PENDING"
        pytest.skip(f"pending contract v2 migration ({len(problems)} problems)")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_keeps_contract_v3(path) -> None:  # type: ignore[no-untyped-def]
    slug = catalog.get(path.stem).slug
    problems = v3_problems(path)
    if slug in claims.V3_PENDING:
        assert problems, f"{path.stem} now keeps contract v3: remove {slug!r} from claims.V3_PENDING"
        pytest.skip(f"pending contract v3 ({claims.V3_PENDING[slug]})")
    assert not problems, "\n".join(problems)


def test_pending_lists_only_existing_notebooks() -> None:
    stems = {p.stem for p in NOTEBOOKS}
    assert PENDING <= stems, sorted(PENDING - stems)


def _v3_notebook(tmp_path, claim_out: str, table_out: str, not_reproduced: str):  # type: ignore[no-untyped-def]
    def code(src: str, out: str) -> dict:
        return {
            "cell_type": "code",
            "source": src,
            "outputs": [{"output_type": "stream", "name": "stdout", "text": out + "\n"}],
        }

    def md(src: str) -> dict:
        return {"cell_type": "markdown", "source": src}

    cells = [
        md("# title"),
        md("## Claim check"),
        code("table = m.CLAIM.check(rows)\nprint(table)\ntable.assert_holds()", claim_out),
        code('print(ledger_table("lowrank_mhsa"))', table_out),
        md("## What did not reproduce\n\n" + not_reproduced),
        md("## Paper vs this notebook\n\nno seed talk here"),
    ]
    path = tmp_path / "01_lowrank_mhsa.ipynb"
    path.write_text(json.dumps({"cells": cells}))
    return path


def test_v3_notebook_check(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The v3 notebook check on a fake migrated paper: the strongest row in the claim cell, the
    current ledger table, and the failing seeds named in 'What did not reproduce'."""
    import types

    strong = "linear probe"
    claim = claims.Claim(
        slug="lowrank_mhsa",
        statement="ours beats the linear probe",
        clauses=(claims.Clause.over_strongest("acc", "accuracy over the linear probe's", ">=", 0.05),),
        reproduced=False,
        controls=(claims.Control(strong, "the parameter-free baseline", strongest=True),),
    )

    def experiment(seed: int) -> dict:
        return {"ours": {"acc": 0.82 if seed == 4 else 0.9 + 0.01 * seed}, strong: {"acc": 0.8}}

    monkeypatch.setattr(claims, "LEDGER_DIR", tmp_path / "calibration")
    monkeypatch.setattr(
        claims, "module_of", lambda slug: types.SimpleNamespace(CLAIM=claim, claim_experiment=experiment)
    )
    monkeypatch.delitem(claims.V3_PENDING, "lowrank_mhsa")
    claims.calibrate("lowrank_mhsa", claims.V3_SEEDS, echo=lambda *_: None)
    claim_out = str(claim.check(experiment(0)))
    table = claims.ledger_table("lowrank_mhsa")
    said = "On held-out seed 4 ours is only 0.02 above the linear probe."
    assert v3_problems(_v3_notebook(tmp_path, claim_out, table, said)) == []
    stale = table.replace("(calibration), 3, 4, 5 (held-out)", "")
    problems = v3_problems(_v3_notebook(tmp_path, claim_out.replace(" (strongest)", ""), stale, "nothing"))
    assert len(problems) == 3, problems
    assert "'(strongest)' control row" in problems[0] and "not the current ledger's" in problems[1]
    assert "name the seeds the claim fails on: ['4']" in problems[2]

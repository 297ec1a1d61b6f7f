"""Give every notebook its "## Reproduction" section and refresh it from the committed ``results/``.

    python scripts/refresh_reproduction_cells.py                       # every notebook
    python scripts/refresh_reproduction_cells.py notebooks/19_*.ipynb  # some

The section (issue 23) is a markdown heading and one code cell that reads ``results/NN_slug.json`` through
:func:`paperlab.reproduce.notebook_section_markdown` -- the target, the paper's values beside ours, the verdict,
the command -- and shows the committed figure. It never re-runs the reproduction. It sits after "Paper vs this
notebook", before "Things to try". After new results land, this script re-executes *only that cell* (in a
kernel, in ``notebooks/``, the way the notebook runs it) and puts its outputs into the committed notebook, in
JupyterLab's form (:mod:`paperlab.labform`); the rest of the notebook is left byte for byte as it was.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from paperlab import catalog  # noqa: E402
from paperlab.labform import rewrite as to_lab_form  # noqa: E402

HEADING = "## Reproduction"
MARK = "# paperlab: reproduction section"


def _markdown(slug: str) -> str:
    return (
        f"{HEADING}\n\n"
        "The paper's own figure or table, run by `paperlab reproduce` — not by this notebook, which teaches the "
        "mechanism at laptop scale. Below: the target fixed in the paper's spec (`REPRO` in its module), the "
        "paper's values beside ours and the verdict, read from the committed `results/` (never re-run here)."
    )


def _code(paper: catalog.Paper) -> str:
    stem = f"{paper.number:02d}_{paper.slug}"
    return (
        f"{MARK}\n"
        "from pathlib import Path\n\n"
        "from IPython.display import Image, Markdown, display\n\n"
        "from paperlab.reproduce import notebook_section_markdown\n\n"
        f'display(Markdown(notebook_section_markdown("{paper.slug}", heading=False, figure_prefix=None)))\n'
        f'if Path("../results/{stem}.png").is_file():\n'
        f'    display(Image(filename="../results/{stem}.png", width=760))'
    )


def _index(nb: nbformat.NotebookNode, title: str) -> int | None:
    """The index of the markdown cell that starts with the heading ``title`` (any level from ``##``); a cell
    holding it below other text is split there first, so the heading starts a cell of its own."""
    rx = re.compile(rf"^#{{2,6}} {re.escape(title)}")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.splitlines(keepends=True)
        hit = next((k for k, line in enumerate(lines) if rx.match(line)), None)
        if hit is None:
            continue
        if hit > 0:
            cell.source = "".join(lines[:hit]).rstrip("\n")
            nb.cells.insert(i + 1, nbformat.v4.new_markdown_cell("".join(lines[hit:])))
            return i + 1
        return i
    return None


def _prepare(path: Path) -> tuple[nbformat.NotebookNode, int, str]:
    """The notebook with its reproduction cells in place (inserted if missing), the code cell's index, the text."""
    paper = catalog.get(path.stem)
    before = path.read_text(encoding="utf-8")
    nb = nbformat.reads(before, as_version=4)
    code_i = next(
        (i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.startswith(MARK)),
        None,
    )
    if code_i is None:
        at = _index(nb, "Things to try")
        if at is None:
            raise SystemExit(
                f"{path.name}: no '## Things to try' section to put the reproduction section before"
            )
        nb.cells[at:at] = [
            nbformat.v4.new_markdown_cell(_markdown(paper.slug)),
            nbformat.v4.new_code_cell(""),
        ]
        code_i = at + 1
    nb.cells[code_i].source = _code(paper)
    return nb, code_i, before


def refresh(paths: list[Path]) -> list[bool]:
    """Insert (where missing) and re-execute the reproduction cells of ``paths``, all in one kernel; return
    which files changed."""
    prepared = [_prepare(p) for p in paths]
    mini = nbformat.v4.new_notebook(metadata=copy.deepcopy(prepared[0][0].metadata))
    mini.cells = [nbformat.v4.new_code_cell(nb.cells[i].source) for nb, i, _ in prepared]
    os.environ.update(PAPERLAB_PROGRESS="0", MPLBACKEND="module://matplotlib_inline.backend_inline")
    NotebookClient(mini, timeout=300, resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    changed = []
    for path, (nb, i, before), ran in zip(paths, prepared, mini.cells, strict=True):
        cell = nb.cells[i]
        cell.outputs = ran.outputs
        # a cell with outputs needs an execution count (nbval: "Unrun reference cell has outputs"): the next
        # one after the notebook's own run
        others = [c.execution_count or 0 for c in nb.cells if c.cell_type == "code" and c is not cell]
        cell.execution_count = max(others, default=0) + 1
        cell.metadata = {}
        nbformat.write(nb, path)
        to_lab_form(path)
        changed.append(path.read_text(encoding="utf-8") != before)
    return changed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", type=Path)
    args = ap.parse_args(argv)
    paths = args.paths or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for path, changed in zip(paths, refresh(paths), strict=True):
        print(f"{'changed' if changed else 'same   '}  {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

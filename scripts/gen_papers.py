"""Write PAPERS.md, the paper list, from paperlab.catalog and the seed ledgers (calibration/*.json).

    python scripts/gen_papers.py           # rewrite PAPERS.md
    python scripts/gen_papers.py --check   # exit 1 if PAPERS.md is not current (tests/test_site.py checks it)

Rerun it after adding a notebook or a seed ledger. A ledger that cannot be read (malformed, or
without seeds 0-2) stops it with one line naming the file (exit 2), and PAPERS.md is left as it was.
"""

from __future__ import annotations

import sys

from paperlab.catalog import ROOT
from paperlab.claims import LedgerError
from paperlab.site import papers_markdown

PATH = ROOT / "PAPERS.md"


def main(argv: list[str]) -> int:
    try:
        text = papers_markdown()
    except LedgerError as exc:
        print(f"gen_papers: {exc}", file=sys.stderr)
        return 2
    if "--check" in argv:
        if not PATH.is_file() or PATH.read_text(encoding="utf-8") != text:
            print(f"{PATH.name} is not current: run `python scripts/gen_papers.py`", file=sys.stderr)
            return 1
        return 0
    PATH.write_text(text, encoding="utf-8")
    print(f"wrote {PATH.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

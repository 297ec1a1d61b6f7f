"""The ``paperlab`` command: list the papers, run a notebook headlessly, render the circuit diagrams.

paperlab list [--group G]
paperlab run SLUG [--full] [--out DIR]
paperlab diagrams [--out DIR] [--only SLUG ...]
paperlab calibrate SLUG [--seeds 0 1 2] [--dry-run]
paperlab site [--out DIR]
paperlab slides SLUG [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from paperlab import catalog, config


def _cmd_list(args: argparse.Namespace) -> int:
    papers = [p for p in catalog.PAPERS if args.group is None or p.group == args.group]
    width = max(len(p.slug) for p in papers)
    print(f"{'#':>2}  {'slug':<{width}}  {'group':<16}  nb  title")
    for p in papers:
        mark = "✓" if p.has_notebook else "·"
        title = p.title if len(p.title) <= 70 else p.title[:67] + "..."
        print(f"{p.number:>2}  {p.slug:<{width}}  {p.group:<16}  {mark:<2}  {title}")
    done = sum(p.has_notebook for p in papers)
    print(f"{len(papers)} papers, {done} with a notebook")
    return 0


def _check_out(out: Path, dst: Path) -> str | None:
    """Create ``--out`` and test-write it before any cell runs; the reason it is unusable, or None."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".paperlab-write-test-"):
            pass
    except OSError as exc:
        return f"cannot write to --out {out}: {exc.strerror or exc}"
    if dst.exists() and not dst.is_file():
        return f"{dst} exists and is not a file"
    return None


def _cmd_run(args: argparse.Namespace) -> int:
    from paperlab.notebooks import NotebookFailed, NotebookInterrupted, execute, save_figures

    paper = catalog.get(args.slug)
    if not paper.has_notebook:
        print(
            f"paper {paper.number:02d} {paper.slug} has no notebook yet ({paper.notebook.name})",
            file=sys.stderr,
        )
        return 1
    out = Path(args.out).expanduser().resolve()
    if out == paper.notebook.parent.resolve():
        print("--out must not be notebooks/: `paperlab run` never rewrites the notebooks", file=sys.stderr)
        return 2
    dst = out / paper.notebook.name
    problem = _check_out(out, dst)
    if problem is not None:
        print(f"paperlab run: {problem}; nothing was run", file=sys.stderr)
        return 2
    os.environ["PAPERLAB_MODE"] = "full" if args.full else "fast"
    os.environ.setdefault("PAPERLAB_PROGRESS", "0")
    # figures are collected from the outputs: the inline backend, whatever MPLBACKEND said (Agg shows nothing)
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    config.settings()  # a bad PAPERLAB_* value fails here, named, not in the kernel's first cell
    smoke = " (smoke)" if config.settings().smoke else ""
    print(f"running {paper.notebook.name} in {os.environ['PAPERLAB_MODE']} mode{smoke} ...", flush=True)
    t0 = time.time()
    try:
        nb = execute(paper.notebook, dst, timeout=args.timeout, cwd=paper.notebook.parent)
    except NotebookFailed as exc:
        verb = "interrupted" if isinstance(exc, NotebookInterrupted) else "failed"
        where = f"in cell {exc.cell}" if exc.cell is not None else "before the first cell"
        print(f"{verb} after {time.time() - t0:.0f} s {where}: {exc.error}", file=sys.stderr)
        if exc.failed_path is not None:
            print(f"partial run (not a finished notebook): {exc.failed_path}", file=sys.stderr)
        return 130 if isinstance(exc, NotebookInterrupted) else 1
    figures = save_figures(nb, out / "figures", paper.notebook.stem)
    print(f"done in {time.time() - t0:.0f} s")
    print(f"notebook: {dst}")
    print(f"figures:  {len(figures)} in {out / 'figures'}")
    return 0


def _cmd_diagrams(args: argparse.Namespace) -> int:
    from paperlab.diagrams import DotMissing, render_all

    only = [catalog.get(s).slug for s in args.only] if args.only else None
    try:
        paths = render_all(Path(args.out), only=only)
    except DotMissing as exc:  # the .dot files are written; only the SVGs need graphviz
        print(f"paperlab diagrams: {exc}", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    print(f"{len(paths)} files in {args.out}")
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from paperlab.claims import calibrate

    os.environ["PAPERLAB_MODE"] = "fast"
    os.environ.setdefault("PAPERLAB_PROGRESS", "0")
    os.environ.setdefault("MPLBACKEND", "Agg")
    paper = catalog.get(args.slug)
    try:
        ledger = calibrate(paper.slug, args.seeds, write=not args.dry_run)
    except ValueError as exc:
        print(f"paperlab calibrate: {exc}", file=sys.stderr)
        return 2
    bad = [s for s, e in ledger["seeds"].items() if not e["holds"]]
    if bad:
        print(f"the claim does not hold on seeds {bad}: see the tables above", file=sys.stderr)
        return 1
    return 0


def _cmd_site(args: argparse.Namespace) -> int:
    from paperlab import site

    t0 = time.time()
    index = site.build(Path(args.out))
    print(f"gallery built in {time.time() - t0:.0f} s: {index}")
    return 0


def _cmd_slides(args: argparse.Namespace) -> int:
    from paperlab import site

    paper = catalog.get(args.slug)
    path = site.slides(paper.slug, Path(args.out))
    print(f"slides: {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    ap = argparse.ArgumentParser(prog="paperlab", description="Guided notebooks for deep-learning papers.")
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="table of all papers and whether their notebook exists")
    p.add_argument("--group", choices=catalog.GROUPS, help="only this group")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("run", help="execute a paper's notebook headlessly into an output folder")
    p.add_argument("slug", help="paper slug, notebook stem or number (see `paperlab list`)")
    p.add_argument(
        "--full", action="store_true", help="full mode: the figure reproduction (slow; GPU if present)"
    )
    p.add_argument("--out", default="paperlab-out", help="output folder (default: ./paperlab-out)")
    p.add_argument("--timeout", type=int, default=3600, help="per-cell timeout in seconds")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("diagrams", help="render the circuit diagram of every paper notebook (DOT + SVG)")
    p.add_argument("--out", default="diagrams", help="output folder (default: diagrams)")
    p.add_argument("--only", nargs="+", metavar="SLUG", help="only these papers")
    p.set_defaults(func=_cmd_diagrams)

    p = sub.add_parser(
        "calibrate", help="run a paper's claim experiment per seed (ours + controls); write its seed ledger"
    )
    p.add_argument("slug", help="paper slug, notebook stem or number")
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2], help="seeds (default: 0 1 2)")
    p.add_argument("--dry-run", action="store_true", help="print the tables, write no ledger")
    p.set_defaults(func=_cmd_calibrate)

    p = sub.add_parser("site", help="build the offline static gallery from the executed notebooks")
    p.add_argument("--out", default="paperlab-out/site", help="output folder (default: paperlab-out/site)")
    p.set_defaults(func=_cmd_site)

    p = sub.add_parser("slides", help="write a reveal.js slide deck of a paper's notebook (offline)")
    p.add_argument("slug", help="paper slug, notebook stem or number")
    p.add_argument(
        "--out", default="paperlab-out/slides", help="output folder (default: paperlab-out/slides)"
    )
    p.set_defaults(func=_cmd_slides)
    return ap


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``paperlab`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (catalog.UnknownPaper, config.SettingError) as exc:
        print(f"paperlab: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("paperlab: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `paperlab list | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())

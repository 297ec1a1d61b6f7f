"""The ``paperlab`` command: list the papers, run a notebook headlessly, render the circuit diagrams.

paperlab list [--group G]
paperlab run SLUG|NOTEBOOK.ipynb [--full] [--out DIR] [--force]
paperlab diagrams [--out DIR] [--only SLUG ...]
paperlab calibrate SLUG [--seeds 0 1 2 3 4 5] [--replace] [--dry-run]
paperlab site [--out DIR]
paperlab slides SLUG [--out DIR] [--code]
paperlab reproduce SLUG|--all [--budget MIN] [--seeds ...] [--data paper|stand-in] [--max-minutes M] [--device D] [--smoke]
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


def _check_writable(out: Path, what: str = "--out") -> str | None:
    """Create ``out`` and test-write it (64 KiB, flushed to disk) before any work; why not, or None."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".paperlab-write-test-") as f:
            f.write(b"\0" * 65536)  # an empty file fits on a full disk; this does not
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        return f"cannot write to {what} {out}: {exc.strerror or exc}"
    return None


def _check_out(out: Path, dst: Path, src: Path, force: bool = False) -> str | None:
    """Create ``--out`` and test-write it before any cell runs; the reason it is unusable, or None.

    A notebook already at ``dst`` is replaced only when it is the same notebook as ``src`` (same cells)
    or a copy an earlier ``paperlab run`` wrote and nobody edited since; anything else (a student's
    edited notebook) needs ``--force``.
    """
    problem = _check_writable(out)
    if problem is not None:
        return problem
    if dst.exists() and not dst.is_file():
        return f"{dst} exists and is not a file"
    if force or not dst.exists() or dst.resolve() == src.resolve():
        return None
    import nbformat

    from paperlab.notebooks import sources_digest

    try:
        here = nbformat.read(dst, as_version=4)
        mine = sources_digest(nbformat.read(src, as_version=4))
    except Exception:  # noqa: BLE001 - not a notebook (or not readable): not ours to replace
        here, mine = None, None
    if here is not None:
        digest = sources_digest(here)
        if digest == mine or digest == here.metadata.get("paperlab", {}).get("sources_sha256"):
            return None
    return (
        f"{dst} exists and is not a run of {src.name} (edited since?); it was left as it is. "
        f"To run that notebook itself: paperlab run {dst}; or choose another --out, or pass --force to replace it"
    )


def _notebook_file(arg: str) -> Path | None:
    """The notebook file the user named (a path ending in ``.ipynb`` that exists), else None."""
    if not arg.endswith(".ipynb"):
        return None
    path = Path(arg).expanduser()
    return path.resolve() if path.is_file() else None


def _cmd_run(args: argparse.Namespace) -> int:
    from paperlab.notebooks import NotebookFailed, NotebookInterrupted, execute, save_figures

    src = _notebook_file(args.slug)
    if src is None:
        if args.slug.endswith(".ipynb") and (os.sep in args.slug or "/" in args.slug):
            print(f"paperlab run: no notebook file {args.slug}", file=sys.stderr)
            return 2
        paper = catalog.get(args.slug)
        if not paper.has_notebook:
            print(
                f"paper {paper.number:02d} {paper.slug} has no notebook yet ({paper.notebook.name})",
                file=sys.stderr,
            )
            return 1
        src = paper.notebook
    else:
        import nbformat

        try:
            nbformat.read(src, as_version=4)
        except Exception as exc:  # noqa: BLE001 - not JSON, not a notebook, not readable
            print(
                f"paperlab run: {src} is not a notebook ({type(exc).__name__}); nothing was run",
                file=sys.stderr,
            )
            return 2
    out = Path(args.out).expanduser().resolve()
    if out == (catalog.ROOT / "notebooks").resolve():
        print("--out must not be notebooks/: `paperlab run` never rewrites the notebooks", file=sys.stderr)
        return 2
    dst = out / src.name
    problem = _check_out(out, dst, src, force=args.force)
    if problem is not None:
        print(f"paperlab run: {problem}; nothing was run", file=sys.stderr)
        return 2
    os.environ["PAPERLAB_MODE"] = "full" if args.full else "fast"
    os.environ.setdefault("PAPERLAB_PROGRESS", "0")
    # figures are collected from the outputs: the inline backend, whatever MPLBACKEND said (Agg shows nothing)
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    env = config.settings()  # a bad PAPERLAB_* value fails here, named, not in the kernel's first cell
    config.pick_device()  # so does a device this machine does not have
    smoke = " (smoke)" if env.smoke else ""
    print(f"running {src.name} in {os.environ['PAPERLAB_MODE']} mode{smoke} ...", flush=True)
    t0 = time.time()
    try:
        # a copy of another notebook is stamped (a later run may replace it unless edited); a run in place is not
        in_place = dst.exists() and dst.resolve() == src.resolve()
        nb = execute(src, dst, timeout=args.timeout, cwd=src.parent, record_sources=not in_place)
    except NotebookFailed as exc:
        verb = "interrupted" if isinstance(exc, NotebookInterrupted) else "failed"
        where = f"in cell {exc.cell}" if exc.cell is not None else "before the first cell"
        print(f"{verb} after {time.time() - t0:.0f} s {where}: {exc.error}", file=sys.stderr)
        if exc.failed_path is not None:
            print(f"partial run (not a finished notebook): {exc.failed_path}", file=sys.stderr)
        return 130 if isinstance(exc, NotebookInterrupted) else 1
    except OSError as exc:  # the run finished but could not be written (a full disk)
        print(f"paperlab run: could not write {exc.filename or dst}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        figures = save_figures(nb, out / "figures", src.stem)
    except OSError as exc:
        print(f"notebook: {dst}", file=sys.stderr)
        print(
            f"paperlab run: could not write the figures to {out / 'figures'}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    print(f"done in {time.time() - t0:.0f} s")
    print(f"notebook: {dst}")
    print(f"figures:  {len(figures)} in {out / 'figures'}")
    return 0


def _cmd_diagrams(args: argparse.Namespace) -> int:
    from paperlab.diagrams import DotMissing, render_all

    only = [catalog.get(s).slug for s in args.only] if args.only else None
    problem = _check_writable(Path(args.out).expanduser())
    if problem is not None:
        print(f"paperlab diagrams: {problem}; nothing was drawn", file=sys.stderr)
        return 2
    try:
        paths = render_all(Path(args.out), only=only)
    except DotMissing as exc:  # the .dot files are written; only the SVGs need graphviz
        print(f"paperlab diagrams: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"paperlab diagrams: could not write {exc.filename or args.out}: {exc.strerror or exc}",
            file=sys.stderr,
        )
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
        ledger = calibrate(paper.slug, args.seeds, write=not args.dry_run, replace=args.replace)
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
    try:
        index = site.build(Path(args.out))
    except site.OutError as exc:
        print(f"paperlab site: {exc}; nothing was built", file=sys.stderr)
        return 2
    except (RuntimeError, OSError) as exc:  # a failed Sphinx build, a full disk: the old gallery is kept
        print(f"paperlab site: {exc}; {args.out} was left as it was", file=sys.stderr)
        return 1
    print(f"gallery built in {time.time() - t0:.0f} s: {index}")
    return 0


def _cmd_slides(args: argparse.Namespace) -> int:
    from paperlab import site

    paper = catalog.get(args.slug)
    path = site.slides(paper.slug, Path(args.out), code=args.code)
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
    p.add_argument(
        "slug",
        help="paper slug, notebook stem or number (see `paperlab list`), or the path of a notebook file to run",
    )
    p.add_argument(
        "--full", action="store_true", help="full mode: the figure reproduction (slow; GPU if present)"
    )
    p.add_argument("--out", default="paperlab-out", help="output folder (default: ./paperlab-out)")
    p.add_argument(
        "--force",
        action="store_true",
        help="replace a notebook of the same name in --out even if it is not a copy this command wrote",
    )
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
    p.add_argument(
        "--seeds",
        nargs="+",
        type=int,
        default=[0, 1, 2, 3, 4, 5],
        help="calibration seeds 0-2, held-out seeds 3-5 (the default); merged into the ledger",
    )
    p.add_argument(
        "--replace",
        action="store_true",
        help="drop the ledger's old seeds (needed after the claim's clauses, thresholds or controls changed)",
    )
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
    p.add_argument("--code", action="store_true", help="show the code cells too (hidden by default)")
    p.set_defaults(func=_cmd_slides)

    from paperlab import reproduce  # `paperlab reproduce`: the paper's figure or table (issue 23)

    reproduce.add_parser(sub)
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

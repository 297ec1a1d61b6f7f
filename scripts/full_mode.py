"""Full mode on a GPU machine: the full-mode smoke, then the real full run, of every notebook; one ledger.

    python scripts/full_mode.py                          # every notebook: smoke, then full
    python scripts/full_mode.py --smoke-only 01 11       # some notebooks, smoke only
    python scripts/full_mode.py --ledger results/full_mode.json

Each notebook is executed (never in place) into ``--out`` (default ``paperlab-out/full``) twice:
``PAPERLAB_MODE=full PAPERLAB_SMOKE=1`` (the code path in seconds), then ``PAPERLAB_MODE=full`` (the
reproduction; skipped after a failed smoke). The ledger (JSON, default ``results/full_mode.json``,
meant to be committed) holds per notebook and run: the device, the wall time, the status (``ok``,
``failed``, ``interrupted``), the error's last line and cell, the cells whose assertions failed, and
the claim table the notebook printed (the text output of its ``## Claim check`` section). Each run's
entry is written as soon as the run ends (an interrupted run too), so an interrupted session keeps what
finished. The write re-reads the ledger and merges the entry in under an exclusive lock
(``paperlab.claims.update_json``: ``flock`` on ``.<ledger>.lock``, a uniquely named temporary file, then
a rename), so two sessions writing one ledger keep each other's entries. Ctrl-C stops (exit 130).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from paperlab import catalog  # noqa: E402
from paperlab.claims import LedgerError, check_json_file, update_json  # noqa: E402
from paperlab.notebooks import NotebookFailed, NotebookInterrupted, execute  # noqa: E402


def _device() -> str:
    import torch

    if torch.cuda.is_available():
        return f"cuda: {torch.cuda.get_device_name(0)} (torch {torch.__version__})"
    return f"cpu: {platform.processor() or platform.machine()} (torch {torch.__version__})"


def _claim_text(nb) -> str:  # noqa: ANN001
    """The text outputs of the code cells under ``## Claim check`` (up to the next ``## `` heading)."""
    inside, out = False, []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            heading = cell.source.lstrip().startswith("## ")
            if heading:
                inside = cell.source.lstrip().startswith("## Claim check")
            continue
        if inside:
            for o in cell.get("outputs", []):
                if o.get("output_type") == "stream":
                    out.append(o.get("text", ""))
                elif "text/plain" in o.get("data", {}):
                    out.append(o["data"]["text/plain"])
    return "".join(out).strip()


def _asserted(nb) -> list[int]:  # noqa: ANN001
    return [
        i
        for i, cell in enumerate(nb.cells)
        if any(
            o.get("output_type") == "error" and o.get("ename") == "AssertionError"
            for o in cell.get("outputs", [])
        )
    ]


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a run; ``entry`` is the interrupted run's ledger entry (status ``interrupted``)."""

    def __init__(self, entry: dict) -> None:
        super().__init__("interrupted")
        self.entry = entry


def save(ledger: Path, stem: str, kind: str, entry: dict) -> None:
    """Merge one run's entry into the ledger file as it is now (not as this session first read it)."""

    def merge(data: dict) -> None:
        runs = data.setdefault(stem, {})
        if not isinstance(runs, dict):
            raise LedgerError(f"{ledger}: entry {stem!r} is not an object")
        runs[kind] = entry

    update_json(ledger, merge)


def run_one(path: Path, out: Path, *, smoke: bool, timeout: int) -> dict:
    env = {"PAPERLAB_MODE": "full", "PAPERLAB_SMOKE": "1" if smoke else "0", "PAPERLAB_PROGRESS": "0"}
    os.environ.update(env)
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    dst = out / ("smoke" if smoke else "full") / path.name
    t0 = time.time()
    entry: dict = {"device": _device(), "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0))}
    try:
        nb = execute(path, dst, timeout=timeout, cwd=path.parent, allow_error_names=("AssertionError",))
        entry.update(status="ok", asserted_cells=_asserted(nb), claim=_claim_text(nb), notebook=str(dst))
    except NotebookFailed as exc:
        entry.update(status=exc.verb, cell=exc.cell, error=exc.error, notebook=str(exc.failed_path or ""))
        if isinstance(exc, NotebookInterrupted):
            entry["wall_s"] = round(time.time() - t0, 1)
            raise Interrupted(entry) from exc
    entry["wall_s"] = round(time.time() - t0, 1)
    return entry


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("papers", nargs="*", help="slugs, stems or numbers (default: every notebook)")
    ap.add_argument("--smoke-only", action="store_true", help="skip the real full run")
    ap.add_argument("--out", type=Path, default=ROOT / "paperlab-out" / "full")
    ap.add_argument("--ledger", type=Path, default=ROOT / "results" / "full_mode.json")
    ap.add_argument("--timeout", type=int, default=3600, help="per-cell timeout of the full run (s)")
    args = ap.parse_args(argv)
    papers = (
        [catalog.get(p) for p in args.papers]
        if args.papers
        else [p for p in catalog.PAPERS if p.has_notebook]
    )
    try:  # refuse an unreadable ledger or an unwritable folder before the first run, not after it
        check_json_file(args.ledger)
    except LedgerError as exc:
        print(f"full_mode: {exc}", file=sys.stderr)
        return 2

    bad = 0
    try:
        for paper in papers:
            stem = paper.notebook.stem
            for smoke in (True, False) if not args.smoke_only else (True,):
                kind = "smoke" if smoke else "full"
                print(f"{stem}: {kind} ...", flush=True)
                try:
                    entry = run_one(
                        paper.notebook, args.out, smoke=smoke, timeout=120 if smoke else args.timeout
                    )
                except Interrupted as exc:
                    save(args.ledger, stem, kind, exc.entry)
                    raise
                save(args.ledger, stem, kind, entry)
                print(
                    f"{stem}: {kind} {entry['status']} in {entry['wall_s']} s {entry.get('error', '')}",
                    flush=True,
                )
                if entry["status"] != "ok":
                    bad += 1
                    break  # no full run after a failed smoke
    except KeyboardInterrupt:
        print(f"interrupted; the ledger so far: {args.ledger}")
        return 130
    except LedgerError as exc:  # e.g. the disk filled up: the ledger keeps every earlier entry
        print(f"full_mode: {exc}", file=sys.stderr)
        return 2
    print(f"ledger: {args.ledger} ({bad} failed)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

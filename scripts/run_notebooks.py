"""Re-execute notebooks in place in fast mode, the way CI runs them, and print each one's wall time.

    python scripts/run_notebooks.py                      # every notebook
    python scripts/run_notebooks.py notebooks/01_*.ipynb # some

Run this before committing a notebook: the stored outputs are what nbval compares, written in the form
JupyterLab saves (:mod:`paperlab.labform`), so a student who opens it in Lab gets no diff. A notebook is
replaced only when its run completed (written to a temporary file, then moved into place); a failed
run leaves the committed notebook as it was and is written to a ``.failed.ipynb`` in a temporary
folder. Ctrl-C stops the whole run (exit 130).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from paperlab.labform import rewrite as to_lab_form  # noqa: E402
from paperlab.notebooks import NotebookFailed, NotebookInterrupted, execute, private_folder  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", type=Path, help="notebooks (default: all in notebooks/)")
    ap.add_argument("--timeout", type=int, default=600, help="per-cell timeout in seconds")
    args = ap.parse_args(argv)
    paths = args.paths or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    os.environ.update(
        PAPERLAB_MODE="fast", PAPERLAB_PROGRESS="0", MPLBACKEND="module://matplotlib_inline.backend_inline"
    )
    failed_dir = private_folder("paperlab-failed")  # <tmp>/paperlab-failed-<uid>, 0700: not another user's
    times, failed = [], []
    for path in paths:
        t0 = time.time()
        try:
            execute(
                path,
                path,
                timeout=args.timeout,
                strip_ids=True,
                failed=failed_dir / (path.stem + ".failed.ipynb"),
            )
        except NotebookInterrupted as exc:
            print(f"INTERRUPTED {path.name} in cell {exc.cell}: {path.name} left as committed; stopping")
            if exc.failed_path is not None:
                print(f"  partial run: {exc.failed_path}")
            return 130
        except NotebookFailed as exc:  # report and go on to the next notebook
            failed.append(path)
            print(f"FAILED {path.name} in cell {exc.cell}: {exc.error} ({path.name} left as committed)")
            if exc.failed_path is not None:
                print(f"  partial run: {exc.failed_path}")
        else:
            to_lab_form(path)  # the form JupyterLab saves: opening it in Lab leaves `git diff` empty
        dt = time.time() - t0
        times.append((dt, path.name))
        print(f"{dt:6.1f} s  {path.name}", flush=True)
    print(f"total {sum(t for t, _ in times):.1f} s over {len(times)} notebooks; slowest:")
    for dt, name in sorted(times, reverse=True)[:5]:
        print(f"  {dt:6.1f} s  {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # between notebooks
        print("interrupted")
        sys.exit(130)

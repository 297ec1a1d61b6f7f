"""Execute a notebook headlessly (used by ``paperlab run``, ``scripts/run_notebooks.py`` and the smoke test).

A run never passes off a partial notebook as finished: outputs are cleared before the first cell
runs, the executed copy is written (through a unique temporary file and an atomic replace) only
when every cell ran, and a failed or interrupted run is written to ``<stem>.failed.ipynb`` with
a banner naming the cell that raised and the error's last line, then raised as
:class:`NotebookFailed` (or :class:`NotebookInterrupted` for Ctrl-C).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


class NotebookFailed(RuntimeError):
    """A notebook run that did not complete: which cell, the error's last line, where the partial run is."""

    def __init__(self, src: Path, failed_path: Path | None, cell: int | None, error: str) -> None:
        self.src, self.failed_path, self.cell, self.error = src, failed_path, cell, error
        where = f"cell {cell}" if cell is not None else "before the first cell"
        saved = f"; partial run in {failed_path}" if failed_path is not None else ""
        super().__init__(f"{Path(src).name}: {self.verb} in {where}: {error}{saved}")

    verb = "failed"


class NotebookInterrupted(NotebookFailed):
    """The run was stopped by Ctrl-C (SIGINT) or SIGTERM, in this process or in the kernel."""

    verb = "interrupted"


def failed_path_for(dst: Path) -> Path:
    """Where a failed run of ``dst`` goes: ``<folder>/<stem>.failed.ipynb``."""
    dst = Path(dst)
    return dst.with_name(dst.stem + ".failed.ipynb")


def clear_outputs(nb: nbformat.NotebookNode) -> None:
    """Drop every code cell's outputs and execution count (a run starts from nothing)."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.get("metadata", {}).pop("execution", None)


def write_atomic(nb: nbformat.NotebookNode, dst: Path) -> None:
    """Write ``nb`` to ``dst`` through a unique temporary file beside it and ``os.replace``."""
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            nbformat.write(nb, f)
        tmp.chmod(0o644)
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)


def kernel_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The kernel's environment: this process's, with a relative ``PAPERLAB_CACHE`` made absolute here.

    The kernel runs in the notebook's folder, so a relative cache path would otherwise name a
    different folder inside a run than in the shell that started it.
    """
    env = dict(os.environ if environ is None else environ)
    cache = env.get("PAPERLAB_CACHE", "").strip()
    if cache:
        env["PAPERLAB_CACHE"] = str(Path(cache).expanduser().absolute())
    return env


def sources_digest(nb: nbformat.NotebookNode) -> str:
    """A sha256 of a notebook's cells (kind and source, not outputs): what a person writes in it."""
    digest = hashlib.sha256()
    for cell in nb.cells:
        source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        digest.update(json.dumps([cell.cell_type, source]).encode())
    return digest.hexdigest()


def _last_line(exc: BaseException) -> str:
    if isinstance(exc, CellExecutionError) and getattr(exc, "ename", None):
        value = (exc.evalue or "").strip().splitlines()
        return f"{exc.ename}: {value[-1]}" if value else exc.ename
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[-1]}" if text else type(exc).__name__


def _banner(error: str, cell: int | None, source: str, verb: str) -> nbformat.NotebookNode:
    where = f"cell {cell}" if cell is not None else "before the first cell"
    quoted = "\n".join("    " + line for line in source.splitlines()[:12]) if source else ""
    text = (
        f"**This run {verb}** in {where} (counting from 0, this banner not counted); the cells after it "
        f"did not run and hold no output.\n\n`{error}`\n"
    )
    if quoted:
        text += f"\nThe cell that raised:\n\n{quoted}\n"
    banner = nbformat.v4.new_markdown_cell(text)
    banner.metadata["paperlab"] = {"status": verb, "cell": cell, "error": error}
    return banner


def execute(
    src: Path,
    dst: Path,
    *,
    timeout: int = 600,
    cwd: Path | None = None,
    strip_ids: bool = False,
    failed: Path | None = None,
    allow_error_names: tuple[str, ...] = (),
    record_sources: bool = False,
) -> nbformat.NotebookNode:
    """Run notebook ``src`` top to bottom from cleared outputs; write the executed copy to ``dst``.

    The kernel runs in ``cwd`` (default: the folder of ``src``) with the current environment
    variables. ``strip_ids`` drops per-cell timing metadata so committed notebooks diff cleanly.
    ``dst`` is written only when every cell ran (``dst`` may be ``src``: a failed run never touches
    it); a failed or interrupted run goes to ``failed`` (default :func:`failed_path_for` ``dst``)
    and raises :class:`NotebookFailed` / :class:`NotebookInterrupted`. A stale failed file of an
    earlier run is removed when this one completes. Errors named in ``allow_error_names`` (e.g.
    ``("AssertionError",)`` for the full-mode smoke, whose numbers mean nothing) are recorded in their
    cell's output and the run goes on. ``record_sources`` stores :func:`sources_digest` in the
    written notebook's metadata (``paperlab.sources_sha256``), so a later run can tell a copy it
    wrote and nobody edited since from a person's work.
    """
    src, dst = Path(src), Path(dst)
    failed = Path(failed) if failed is not None else failed_path_for(dst)
    if not src.is_file():
        raise FileNotFoundError(f"no notebook at {src}")
    nb = nbformat.read(src, as_version=4)
    clear_outputs(nb)
    current: list[int | None] = [None]
    sigint = [0]

    def on_sigint() -> None:
        # nbclient's own handler tears the kernel down mid-cell (the run then ends in an AssertionError).
        # The first Ctrl-C interrupts the kernel instead, so the cell ends in a KeyboardInterrupt that
        # is reported as such; a second one falls back to tearing it down.
        sigint[0] += 1
        if sigint[0] == 1 and client.km is not None:
            asyncio.ensure_future(client.km.interrupt_kernel())
        else:
            asyncio.ensure_future(client._async_cleanup_kernel())

    def on_sigterm() -> (
        None
    ):  # `timeout`, a scheduler: a stop, reported as one (not nbclient's AssertionError)
        sigint[0] += 1
        asyncio.ensure_future(client._async_cleanup_kernel())

    def watch_sigint(**_: object) -> None:
        try:
            loop = asyncio.get_event_loop()
            loop.add_signal_handler(signal.SIGINT, on_sigint)
            loop.add_signal_handler(signal.SIGTERM, on_sigterm)
        except (RuntimeError, NotImplementedError, ValueError):  # not the main thread, or no signals here
            pass

    def on_cell_start(cell, cell_index):  # noqa: ANN001, ANN202
        current[0] = cell_index
        watch_sigint()

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd or src.parent)}},
        record_timing=False,
        on_cell_start=on_cell_start,
        on_notebook_start=watch_sigint,
        allow_error_names=list(allow_error_names),
    )
    try:
        client.execute(env=kernel_env())
        error: BaseException | None = None
    except BaseException as exc:  # noqa: BLE001 - every way a run can stop is reported below
        error = exc
    if strip_ids:
        for cell in nb.cells:
            cell.get("metadata", {}).pop("execution", None)
    if error is None:
        if record_sources:
            nb.metadata.setdefault("paperlab", {})["sources_sha256"] = sources_digest(nb)
        write_atomic(nb, dst)
        failed.unlink(missing_ok=True)
        return nb
    interrupted = (
        sigint[0] > 0
        or isinstance(error, KeyboardInterrupt)
        or (isinstance(error, CellExecutionError) and getattr(error, "ename", "") == "KeyboardInterrupt")
    )
    line = (
        "KeyboardInterrupt (Ctrl-C)"
        if interrupted and isinstance(error, KeyboardInterrupt)
        else _last_line(error)
    )
    if interrupted and not line.startswith("KeyboardInterrupt"):
        line = f"stopped by a signal (Ctrl-C or SIGTERM; then {line})"
    if not isinstance(error, Exception | KeyboardInterrupt):
        raise error  # SystemExit and the like: not ours to translate
    kind = NotebookInterrupted if interrupted else NotebookFailed
    cell = current[0]
    source = nb.cells[cell].source if cell is not None and cell < len(nb.cells) else ""
    nb.cells.insert(0, _banner(line, cell, source, kind.verb))
    try:
        write_atomic(nb, failed)
        saved: Path | None = failed
    except OSError:
        saved = None
    raise kind(src, saved, cell, line) from error


def _figure_name(stem: str) -> re.Pattern[str]:
    return re.compile(re.escape(stem) + r"-cell\d{2,}-\d+\.(?:png|svg)")


def save_figures(nb: nbformat.NotebookNode, folder: Path, stem: str) -> list[Path]:
    """Write every PNG/SVG output of an executed notebook to ``folder``; return the paths.

    Figures an earlier run of the same notebook wrote (``<stem>-cellNN-J.png|svg``) and this run
    did not are removed, so the folder holds this run's figures only; no other file is touched.
    """
    folder.mkdir(parents=True, exist_ok=True)
    out: list[Path] = []
    for i, cell in enumerate(nb.cells):
        for j, output in enumerate(cell.get("outputs", [])):
            data = output.get("data", {})
            if "image/png" in data:
                path = folder / f"{stem}-cell{i:02d}-{j}.png"
                png = data["image/png"]
                path.write_bytes(base64.b64decode("".join(png) if isinstance(png, list) else png))
                out.append(path)
            if "image/svg+xml" in data:
                path = folder / f"{stem}-cell{i:02d}-{j}.svg"
                svg = data["image/svg+xml"]
                path.write_text("".join(svg) if isinstance(svg, list) else svg, encoding="utf-8")
                out.append(path)
    ours, current = _figure_name(stem), {p.name for p in out}
    for old in folder.iterdir():
        if ours.fullmatch(old.name) and old.name not in current and old.is_file() and not old.is_symlink():
            old.unlink(missing_ok=True)
    return out


def private_folder(name: str) -> Path:
    """A folder only this user can use, in the temporary directory: ``<tmp>/<name>-<uid>``, mode 0700.

    The temporary directory is shared: another user could create the folder first (and read or swap
    what is written there). A folder of that name that is not this user's, is a symlink, or is open to
    others is not used; a fresh private one (``tempfile.mkdtemp``) is made instead.
    """
    uid = os.geteuid() if hasattr(os, "geteuid") else None
    base = Path(tempfile.gettempdir())
    path = base / (f"{name}-{uid}" if uid is not None else name)
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        st = path.lstat()
        if (
            stat.S_ISDIR(st.st_mode)
            and (uid is None or st.st_uid == uid)
            and not stat.S_IMODE(st.st_mode) & 0o077
        ):
            return path
    except OSError:
        pass
    return Path(tempfile.mkdtemp(prefix=f"{name}-"))


def committed_notebooks(root: Path) -> list[Path]:
    """The notebooks of ``root/notebooks`` exactly as committed: tracked by git, content as in ``HEAD``.

    A notebook somebody dropped in (untracked) or changed since is left out. Without git (a source
    archive), the notebooks named by the catalogue (``NN_slug.ipynb``) are taken.
    """
    root = Path(root)
    folder = root / "notebooks"
    present = sorted(folder.glob("*.ipynb"))
    git = shutil.which("git")
    tree = None
    if git is not None:
        try:
            listing = subprocess.run(
                [git, "-C", str(root), "ls-tree", "-z", "HEAD", "--", "notebooks/"],
                capture_output=True,
                check=True,
                timeout=60,
            ).stdout.decode()
            tree = {}
            for entry in filter(None, listing.split("\0")):
                meta, rel = entry.split("\t", 1)
                tree[rel] = meta.split()[2]
        except (OSError, subprocess.SubprocessError, ValueError, IndexError):
            tree = None
    if tree is None:
        from paperlab import catalog

        names = {p.notebook.name for p in catalog.PAPERS}
        return [p for p in present if p.name in names and not p.is_symlink()]
    tracked = [p for p in present if f"notebooks/{p.name}" in tree and not p.is_symlink()]
    if not tracked:
        return []
    try:
        hashed = (
            subprocess.run(
                [git, "-C", str(root), "hash-object", "--", *(f"notebooks/{p.name}" for p in tracked)],
                capture_output=True,
                check=True,
                timeout=120,
            )
            .stdout.decode()
            .split()
        )
    except (OSError, subprocess.SubprocessError):
        return []
    if len(hashed) != len(tracked):
        return []
    return [p for p, sha in zip(tracked, hashed, strict=True) if tree[f"notebooks/{p.name}"] == sha]


def trust_committed(root: Path | None = None) -> list[Path]:
    """``jupyter trust`` the committed notebooks only (:func:`committed_notebooks`); return them.

    Used by ``scripts/bootstrap lab`` and ``postBuild``: a notebook a user dropped into ``notebooks/``
    is not marked trusted, so its HTML and JavaScript outputs do not run before the user runs it.
    """
    from paperlab.catalog import ROOT

    paths = committed_notebooks(ROOT if root is None else root)
    if paths:
        jupyter = Path(sys.executable).with_name("jupyter")
        cmd = [str(jupyter)] if jupyter.is_file() else [sys.executable, "-m", "jupyter"]
        subprocess.run([*cmd, "trust", *map(str, paths)], check=True)
    return paths

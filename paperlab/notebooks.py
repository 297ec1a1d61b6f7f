"""Execute a notebook headlessly (used by ``paperlab run`` and ``scripts/run_notebooks.py``)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(
    src: Path, dst: Path, *, timeout: int = 600, cwd: Path | None = None, strip_ids: bool = False
) -> nbformat.NotebookNode:
    """Run notebook ``src`` top to bottom and write the executed copy to ``dst``.

    The kernel runs in ``cwd`` (default: the folder of ``src``) with the current
    environment variables. ``strip_ids`` drops per-cell timing metadata so
    committed notebooks diff cleanly.
    """
    src, dst = Path(src), Path(dst)
    if not src.is_file():
        raise FileNotFoundError(f"no notebook at {src}")
    nb = nbformat.read(src, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd or src.parent)}},
        record_timing=False,
    )
    try:
        client.execute()
    finally:
        if strip_ids:
            for cell in nb.cells:
                cell.get("metadata", {}).pop("execution", None)
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(dst.name + ".tmp")
        nbformat.write(nb, tmp)
        os.replace(tmp, dst)
    return nb


def save_figures(nb: nbformat.NotebookNode, folder: Path, stem: str) -> list[Path]:
    """Write every PNG/SVG output of an executed notebook to ``folder``; return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    out: list[Path] = []
    for i, cell in enumerate(nb.cells):
        for j, output in enumerate(cell.get("outputs", [])):
            data = output.get("data", {})
            if "image/png" in data:
                path = folder / f"{stem}-cell{i:02d}-{j}.png"
                path.write_bytes(base64.b64decode(data["image/png"]))
                out.append(path)
            if "image/svg+xml" in data:
                path = folder / f"{stem}-cell{i:02d}-{j}.svg"
                svg = data["image/svg+xml"]
                path.write_text("".join(svg) if isinstance(svg, list) else svg)
                out.append(path)
    return out

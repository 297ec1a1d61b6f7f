"""Full-mode smoke: every notebook runs its full-mode code path on the CPU in seconds (issue 11).

``PAPERLAB_MODE=full PAPERLAB_SMOKE=1``: the full-mode data routes, checkpoint cache, device moves and
bigger configs (``cfg.pick`` returns the full value) run, with every :func:`paperlab.train.fit` cut to
:data:`paperlab.config.SMOKE_STEPS` steps. The executed copy goes to a temporary folder, never to
``notebooks/``; a notebook that fails leaves its ``.failed.ipynb`` there, named in the failure.
Smoke proves that the code runs, not that the numbers hold (three steps of training): an
``AssertionError`` (a claim check, a result check) is recorded and the run goes on; any other error
(a device mismatch, a missing download, a shape error, a timeout) fails the test.

A notebook whose full path is too slow or breaks on the CPU under smoke is listed in ``PENDING`` with
the reason, so the gap stays visible (its owner makes the full path smoke-friendly and removes it).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from paperlab.notebooks import NotebookFailed, execute

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CELL_TIMEOUT = 120

_SLOW = (
    "its full path runs loops or configs that fit's step cap does not reach: {} s serial under smoke"
    " on the shared 2-core machine"
)
PENDING: dict[str, str] = {}
"""Notebook stem -> why its full path does not run under smoke on the CPU yet (measured 2026-11-29)."""


def _smoke(notebook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if notebook.stem in PENDING:
        pytest.skip(f"pending: {PENDING[notebook.stem]}")
    for name, value in {
        "PAPERLAB_MODE": "full",
        "PAPERLAB_SMOKE": "1",
        "PAPERLAB_DEVICE": "cpu",
        "PAPERLAB_THREADS": "1",
        "PAPERLAB_PROGRESS": "0",
        "PAPERLAB_CACHE": str(tmp_path / "cache"),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }.items():
        monkeypatch.setenv(name, value)
    t0 = time.time()
    try:
        execute(
            notebook,
            tmp_path / notebook.name,
            timeout=CELL_TIMEOUT,
            cwd=notebook.parent,
            allow_error_names=("AssertionError",),
        )
    except NotebookFailed as exc:
        pytest.fail(f"full-mode smoke of {notebook.name} {exc.verb} after {time.time() - t0:.0f} s: {exc}")
    assert (tmp_path / notebook.name).is_file()


def _smoke_class(notebook: Path) -> type:
    """One class per notebook: under ``--dist loadscope`` each is its own scope, so the smoke runs
    spread over the workers (a parametrized function would be one scope, on one worker)."""

    def test_full_mode_smoke(self, tmp_path, monkeypatch):  # noqa: ANN001, ANN202
        _smoke(notebook, tmp_path, monkeypatch)

    name = "TestSmoke_" + notebook.stem
    return type(name, (), {"test_full_mode_smoke": test_full_mode_smoke, "__qualname__": name})


for _nb in NOTEBOOKS:
    globals()["TestSmoke_" + _nb.stem] = _smoke_class(_nb)


def test_pending_list_names_real_notebooks():
    stems = {p.stem for p in NOTEBOOKS}
    assert not set(PENDING) - stems, f"PENDING names notebooks that do not exist: {set(PENDING) - stems}"
    assert all(reason.strip() for reason in PENDING.values())

"""Repository-wide pytest hooks.

* Under pytest-xdist (``scripts/check.py`` runs ``-n 2 --dist loadscope``) every cell of one notebook
  runs on the same worker: a notebook's nbval items share the scope ``notebooks/NN_slug.ipynb`` (and a
  kernel). Notebooks are scheduled first, then the full-mode smoke, then the unit tests, so the long
  items do not trail at the end.
* Each test gets back the run configuration (``paperlab.setup``) it started with.
* A per-notebook timing report, slowest first (on the controller under xdist, which receives every
  worker's reports).
* nbval waits :data:`NBVAL_OUTPUT_TIMEOUT` s (not its hard-coded 5 s) for a cell's outputs after the kernel
  has replied: on a loaded machine the kernel's IOPub messages (a figure, the idle status) can trail the
  shell reply by more than 5 s, and nbval then failed the cell ("Timeout of 5 seconds exceeded waiting for
  output") and skipped the rest of the notebook (seen on notebook 33 under load, issue 28).
"""

from __future__ import annotations

import time
from collections import defaultdict

import pytest

NBVAL_OUTPUT_TIMEOUT = 120
"""Seconds nbval waits for the next IOPub message of a cell whose execution the kernel has already replied to."""
_notebook_seconds: dict[str, float] = defaultdict(float)
_started = time.time()


def _notebook_of(nodeid: str) -> str | None:
    path = nodeid.split("::", 1)[0]
    return path if path.endswith(".ipynb") else None


def _rank(item: pytest.Item) -> int:
    if _notebook_of(item.nodeid):
        return 0
    return 1 if "test_reliability_smoke.py" in item.nodeid else 2


@pytest.fixture(autouse=True)
def _restore_run_config():
    """A test that calls ``paperlab.setup`` (full mode, smoke) must not leave its run settings to the next test
    on the same worker (a smoke config there cut ``own_steps`` loops to 3 steps in an unrelated test)."""
    import paperlab.config as config

    saved = config._current
    yield
    config._current = saved


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_rank)  # stable: each notebook's cells keep their order
    for item in items:
        if hasattr(item, "output_timeout"):  # nbval's IPyNbCell
            item.output_timeout = NBVAL_OUTPUT_TIMEOUT


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = _notebook_of(report.nodeid)
    if path is not None:
        _notebook_seconds[path] += report.duration


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if not _notebook_seconds:
        return
    ranked = sorted(_notebook_seconds.items(), key=lambda kv: -kv[1])
    terminalreporter.section("notebook wall time (nbval, slowest first)")
    for path, seconds in ranked:
        terminalreporter.write_line(f"{seconds:7.1f} s  {path}")
    workers = getattr(terminalreporter.config.option, "numprocesses", None)
    note = (
        f" (summed over {workers} workers; the session took {time.time() - _started:.0f} s)"
        if workers
        else ""
    )
    terminalreporter.write_line(
        f"{sum(_notebook_seconds.values()):7.1f} s  total over {len(ranked)} notebooks{note}"
    )

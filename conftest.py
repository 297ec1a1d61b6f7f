"""Repository-wide pytest hooks: print each notebook's total nbval time, slowest first."""

from __future__ import annotations

from collections import defaultdict

import pytest

_notebook_seconds: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _notebook_seconds[path] += report.duration


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if not _notebook_seconds:
        return
    ranked = sorted(_notebook_seconds.items(), key=lambda kv: -kv[1])
    terminalreporter.section("notebook wall time (nbval, slowest first)")
    for path, seconds in ranked:
        terminalreporter.write_line(f"{seconds:7.1f} s  {path}")
    terminalreporter.write_line(
        f"{sum(_notebook_seconds.values()):7.1f} s  total over {len(ranked)} notebooks"
    )

"""Issue 28: no checked output depends on the CPU's kernels.

MKL and ATen pick their kernels by CPU, and a float32 result can move in its last bits with them: notebook 03
printed 139 on one machine and 138 on another. nbval already runs every checked cell on *this* machine's
kernel path; this test runs the cheap, CPU-sensitive ones on a *second* path -- MKL's SSE2 branch
(``MKL_CBWR=COMPATIBLE``) and ATen's scalar kernels (``ATEN_CPU_CAPABILITY=default``), available on any x86
CPU -- and requires the committed text. A new output that prints a digit the experiment cannot resolve fails
here, before it fails on a reader's machine.

The probed cells are ``# NBVAL_CHECK_OUTPUT`` cells that need only the notebook's setup cell (and, for 03, the
cell computing the gradient profiles): they run in one Python process without a kernel, in seconds.
``python scripts/check_cpu_paths.py [NOTEBOOK ...]`` is the whole-notebook version (every checked cell, minutes).
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import check_cpu_paths as cpu_paths  # noqa: E402

PROBES: dict[str, list[int]] = {
    # notebook stem prefix -> code cells to run after the setup cell (checked ones are compared)
    "03": [4, 5],  # the float32 RNN gradient's underflow lags (the output that moved between CPUs)
    "05": [1],
    "06": [1],
    "12": [1],
    "13": [1],
    "19": [1],
    "23": [1, 4, 8],
    "37": [1, 4],
    "42": [1, 4],
    "46": [1, 6],
}


def _notebook(prefix: str) -> Path:
    (path,) = sorted((ROOT / "notebooks").glob(f"{prefix}_*.ipynb"))
    return path


@pytest.mark.skipif(
    platform.machine() not in ("x86_64", "AMD64"), reason="MKL's kernel branches are x86 only"
)
def test_checked_outputs_are_the_same_on_another_cpu_kernel_path():
    subs = cpu_paths.sanitizers()
    jobs = [(_notebook(p), cells) for p, cells in PROBES.items()]
    got = cpu_paths.run_cells(jobs, cpu_paths.OTHER_PATH)
    diffs = []
    for path, cells in jobs:
        committed = cpu_paths.checked_texts(
            json.loads(path.read_text(encoding="utf-8")), subs, streams_only=True
        )
        for k in cells:
            if k not in committed:
                continue
            text = cpu_paths.sanitize(got[str(path)][k], subs)
            if text != committed[k]:
                diffs.append(
                    f"{path.name} code cell {k}:\n  committed: {committed[k]!r}\n  other path: {text!r}"
                )
    assert not diffs, "checked outputs that move with the CPU's kernels:\n" + "\n".join(diffs)


def test_every_probe_is_a_checked_cell():
    subs = cpu_paths.sanitizers()
    for prefix, cells in PROBES.items():
        checked = cpu_paths.checked_texts(json.loads(_notebook(prefix).read_text(encoding="utf-8")), subs)
        assert any(k in checked for k in cells), f"notebook {prefix}: none of {cells} is a checked cell"

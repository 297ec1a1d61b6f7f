"""Issue 28: a committed notebook opened in JupyterLab and left alone is not rewritten by Lab's autosave.

The static half (here) checks every committed notebook is already in the form Lab writes
(:mod:`paperlab.labform`); ``tests/test_browser.py::test_lab_save_leaves_committed_notebooks_unchanged``
saves notebooks from a real headless Lab and compares the bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from paperlab import labform

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_committed_notebook_is_in_lab_form(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert not labform.lab_form_problems(nb), (
        f"{path.name}: JupyterLab would rewrite it on first save: {labform.lab_form_problems(nb)}; "
        "run scripts/run_notebooks.py (or paperlab.labform.rewrite) on it"
    )


def test_to_lab_form_makes_the_two_changes_lab_makes():
    nb = {
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "widgets": {"state": {"m": {"state": {"max": 4.0, "step": 0.5, "value": 2.0}}}},
        },
        "cells": [{"outputs": [{"data": {"application/vnd.plotly.v1+json": {"colorscale": [[0.0, "a"]]}}}]}],
    }
    assert len(labform.lab_form_problems(nb)) == 2
    out = labform.to_lab_form(json.loads(json.dumps(nb)))
    assert out["metadata"]["kernelspec"]["display_name"] == labform.KERNEL_DISPLAY_NAME
    state = out["metadata"]["widgets"]["state"]["m"]["state"]
    assert state == {"max": 4, "step": 0.5, "value": 2} and isinstance(state["max"], int)
    assert out["cells"][0]["outputs"][0]["data"]["application/vnd.plotly.v1+json"]["colorscale"] == [[0, "a"]]
    assert labform.lab_form_problems(out) == []


def test_rewrite_is_idempotent_and_keeps_a_valid_notebook(tmp_path):
    src = NOTEBOOKS[0]
    dst = tmp_path / src.name
    nb = json.loads(src.read_text(encoding="utf-8"))
    nb["metadata"]["kernelspec"]["display_name"] = "Python 3"
    dst.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert labform.rewrite(dst) is True
    assert labform.rewrite(dst) is False
    nbformat.validate(nbformat.read(dst, as_version=4))
    assert dst.read_text(encoding="utf-8") == src.read_text(encoding="utf-8")


def test_the_installed_kernelspec_is_the_one_lab_form_names():
    from jupyter_client.kernelspec import KernelSpecManager

    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
    except Exception as exc:  # noqa: BLE001 - no kernelspec installed: nothing to compare against
        pytest.skip(f"no python3 kernelspec here ({exc})")
    assert spec.display_name == labform.KERNEL_DISPLAY_NAME

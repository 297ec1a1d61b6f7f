"""Committed notebooks in the form JupyterLab writes, so that opening one in Lab changes nothing.

A notebook opened in JupyterLab and left alone is autosaved within minutes (the widget manager marks it
dirty); Lab then writes its own serialization, and a student's ``git pull`` conflicts with a file they
never edited. Measured with a headless Lab 4 on notebook 23 (``tests/test_browser.py``): two things
change, and nothing else:

* ``metadata.kernelspec.display_name`` becomes the running kernel's (ipykernel's kernelspec says
  ``"Python 3 (ipykernel)"``; nbclient records ``"Python 3"``);
* every JSON value passes through JavaScript, whose numbers have no int/float distinction: ``4.0`` is
  written back as ``4`` -- in the saved widget state (a slider's ``max``) and in JSON outputs (a plotly
  figure's colorscale stops; notebooks 05, 26, 31).

Text outputs are strings and stay as they were. :func:`to_lab_form` applies both changes; ``scripts/run_notebooks.py`` calls it on every notebook it commits, and
``tests/test_labform.py`` checks every committed notebook is already in that form.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

KERNEL_DISPLAY_NAME = "Python 3 (ipykernel)"
"""The display name of ipykernel's own kernelspec (``python -m ipykernel install``), which Lab records."""


def _js_numbers(obj: Any) -> Any:
    """``obj`` as it comes back from a JSON round trip through JavaScript: integral floats become ints."""
    if isinstance(obj, float) and obj.is_integer() and abs(obj) < 2**53:
        return int(obj)
    if isinstance(obj, dict):
        return {k: _js_numbers(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_js_numbers(v) for v in obj]
    return obj


def to_lab_form(nb: dict) -> dict:
    """Return ``nb`` (a notebook as plain JSON data) with the two changes JupyterLab makes on save."""
    meta = nb.setdefault("metadata", {})
    spec = meta.get("kernelspec")
    if isinstance(spec, dict) and spec.get("name") == "python3":
        spec["display_name"] = KERNEL_DISPLAY_NAME
    for key, value in list(nb.items()):
        nb[key] = _js_numbers(value)
    return nb


def lab_form_problems(nb: dict) -> list[str]:
    """What JupyterLab would rewrite in ``nb`` on its first save (empty: nothing)."""
    before = json.dumps(nb, sort_keys=True)
    after = json.dumps(to_lab_form(json.loads(before)), sort_keys=True)
    if before == after:
        return []
    problems = []
    spec = nb.get("metadata", {}).get("kernelspec", {})
    if spec.get("name") == "python3" and spec.get("display_name") != KERNEL_DISPLAY_NAME:
        problems.append(
            f"kernelspec display_name {spec.get('display_name')!r} (Lab writes {KERNEL_DISPLAY_NAME!r})"
        )
    where = [
        name
        for name, part in (
            ("widget state", nb.get("metadata", {}).get("widgets")),
            ("cells", nb.get("cells")),
        )
        if part is not None
        and json.dumps(part, sort_keys=True) != json.dumps(_js_numbers(part), sort_keys=True)
    ]
    if where:
        problems.append(f"integral floats such as 4.0 in {' and '.join(where)} (Lab writes 4)")
    return problems


def rewrite(path: Path) -> bool:
    """Put the notebook file at ``path`` in Lab's form, in place, written as nbformat writes it.

    Returns whether the file changed.
    """
    import nbformat

    path = Path(path)
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    if not lab_form_problems(nb):
        return False
    node = nbformat.from_dict(to_lab_form(nb))
    new = nbformat.writes(node) + "\n"
    if new == text:
        return False
    tmp = path.with_name(f".{path.name}.labform.tmp")
    tmp.write_text(new, encoding="utf-8")
    tmp.replace(path)
    return True

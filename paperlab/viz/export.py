"""Plotly figures that survive export: the interactive JSON plus a self-contained HTML fragment.

JupyterLab draws a plotly figure from its ``application/vnd.plotly.v1+json`` output; nbconvert,
Sphinx and GitHub do not know that type, so a figure saved only as JSON vanishes from every export.
:func:`install` registers a plotly renderer (``"plotly_mimetype+paperlab_html"``) whose output
carries both: Lab keeps drawing the JSON (its plotly renderer ranks first), every HTML export
shows the fragment, which draws the same figure with the page's plotly.js and never fetches it
from a CDN (the gallery and the slides load a local copy; without one the fragment says so in
place of the figure). :func:`add_html_fallbacks` adds the same fragment to the plotly outputs of
an already executed notebook, which is how ``paperlab site`` treats notebooks executed before.
"""

from __future__ import annotations

import html
import json
import uuid
from typing import Any

PLOTLY_MIME = "application/vnd.plotly.v1+json"
RENDERER = "paperlab_html"
_MISSING = "interactive plotly figure: open the notebook in JupyterLab, or the paperlab gallery, to see it"


def html_fragment(figure: dict[str, Any], *, div_id: str | None = None) -> str:
    """A ``<div>`` + ``<script>`` that draws ``figure`` (a plotly figure dict) with ``window.Plotly``.

    The fragment holds the figure data itself and loads nothing: the page provides plotly.js.
    """
    div_id = div_id or f"paperlab-plotly-{uuid.uuid4().hex[:12]}"
    layout = figure.get("layout", {}) or {}
    height = int(layout.get("height") or 450)
    payload = json.dumps(
        {"data": figure.get("data", []), "layout": layout, "config": figure.get("config", {})},
        separators=(",", ":"),
        allow_nan=False,
        default=_jsonable,
    ).replace("</", "<\\/")
    return (
        f'<div id="{div_id}" class="paperlab-plotly" style="width:100%;min-height:{height}px">'
        f'<p class="paperlab-plotly-missing">{html.escape(_MISSING)}</p></div>\n'
        '<script type="text/javascript">\n'
        "(function () {\n"
        f"  var fig = {payload};\n"
        f'  var el = document.getElementById("{div_id}");\n'
        "  function draw() {\n"
        "    if (!window.Plotly || !el) { return false; }\n"
        '    el.innerHTML = "";\n'
        "    var config = Object.assign({responsive: true, displaylogo: false}, fig.config);\n"
        "    window.Plotly.newPlot(el, fig.data, fig.layout, config);\n"
        "    return true;\n"
        "  }\n"
        '  if (!draw()) { window.addEventListener("DOMContentLoaded", draw); }\n'
        "})();\n"
        "</script>"
    )


def _jsonable(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def mimebundle(fig: Any) -> dict[str, Any]:
    """The output a figure should carry: the plotly JSON and the HTML fragment."""
    import plotly.io as pio

    figure = json.loads(pio.to_json(fig, validate=False))
    return {PLOTLY_MIME: figure, "text/html": html_fragment(figure)}


def install(default: bool = True) -> str:
    """Register the ``paperlab_html`` renderer; make ``plotly_mimetype+paperlab_html`` the default.

    Returns the renderer string now in use. Idempotent. The one-line hook for ``paperlab.setup``
    is ``paperlab.viz.export.install()``.
    """
    import plotly.io as pio
    from plotly.io._base_renderers import MimetypeRenderer

    class _HTMLFragmentRenderer(MimetypeRenderer):
        def to_mimebundle(self, fig_dict: dict[str, Any]) -> dict[str, str]:
            return {"text/html": html_fragment(fig_dict)}

    pio.renderers[RENDERER] = _HTMLFragmentRenderer()
    if default:
        pio.renderers.default = f"plotly_mimetype+{RENDERER}"
    return pio.renderers.default


def add_html_fallbacks(nb: Any) -> int:
    """Give every plotly output of an executed notebook (nbformat node or dict) an HTML fragment.

    Outputs that already carry ``text/html`` are left alone. Returns how many were added.
    """
    added = 0
    for cell in nb["cells"]:
        for output in cell.get("outputs", []) or []:
            data = output.get("data") or {}
            if PLOTLY_MIME in data and "text/html" not in data:
                figure = data[PLOTLY_MIME]
                if isinstance(figure, str):
                    figure = json.loads(figure)
                data["text/html"] = html_fragment(figure)
                added += 1
    return added

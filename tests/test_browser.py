"""The offline gallery and JupyterLab in a real browser: headless Chromium driven by Playwright.

Chromium is Debian's package (``scripts/bootstrap test`` installs it as root); Playwright for
Python is pointed at it with ``executable_path`` (its own browser download is not used). Set
``PAPERLAB_CHROMIUM`` to use another binary. Without a Chromium these tests skip with a message,
except in CI (``CI=true``), where they fail.

Gallery (``paperlab site`` over every committed notebook, served from 127.0.0.1): every page
loads with no console error, no uncaught exception, no failed request and no request outside the
site; every ``<img>`` (key figures, circuit diagrams, notebook figures) has loaded; every plotly
figure drew; MathJax typeset every equation; saved widget state rendered as widgets.

Slides: the reveal.js deck of notebook 31 starts, with its plotly figure and widgets, offline.

JupyterLab: a server on a free local port, notebook 01 opened, run all, the explorer's example
slider moved with the keyboard; the figure under it must change. Notebooks opened and saved by Lab
without an edit stay byte-identical to the committed files (issue 28: a student's `git pull` must not
conflict with Lab's autosave).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import secrets
import shutil
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from paperlab import catalog

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["index", "claims", "diagrams", "papers", "search", "genindex"]
NOTEBOOKS = [p for p in catalog.PAPERS if p.has_notebook]
LAB_SAVED = ("fccov_sdr", "deep_learning_theory_criticality", "crypto_performer_bilstm")
"""Opened and saved in Lab: widget state with integral values (23), plotly JSON (05), both (31)."""


def _chromium() -> str | None:
    for name in (os.environ.get("PAPERLAB_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and (path := shutil.which(name)):
            return path
    return None


def _missing(msg: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(msg + " (CI must run the browser tests)")
    pytest.skip(msg)


@pytest.fixture(scope="module")
def browser():
    exe = _chromium()
    if exe is None:
        _missing("no Chromium: `sudo apt-get install chromium` or set PAPERLAB_CHROMIUM")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python is not installed: pip install -e '.[test]'")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # noqa: ANN002
        pass


@pytest.fixture(scope="module")
def gallery(tmp_path_factory):
    """The gallery of every committed notebook, served on 127.0.0.1; yields its base URL."""
    from paperlab import site

    t0 = time.time()
    index = site.build(tmp_path_factory.mktemp("gallery") / "site")
    print(f"\ngallery built in {time.time() - t0:.1f} s")
    handler = functools.partial(_Quiet, directory=str(index.parent))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", index.parent
    server.shutdown()
    server.server_close()


def _notebook_features(paper) -> dict[str, bool]:
    nb = json.loads(paper.notebook.read_text(encoding="utf-8"))
    mimes = {k for c in nb["cells"] for o in c.get("outputs", []) for k in (o.get("data") or {})}
    markdown = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    return {
        "plotly": "application/vnd.plotly.v1+json" in mimes,
        "widgets": "application/vnd.jupyter.widget-view+json" in mimes
        and bool(nb["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json")),
        "math": "$" in markdown,
    }


def _visit(browser, base: str, path: str) -> tuple[object, list[str]]:
    """Open ``path``; return the page and every problem seen: console errors, exceptions, failed or outside requests."""
    page = browser.new_page()
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
    page.on(
        "request",
        lambda r: (
            None
            if r.url.startswith((base, "data:", "blob:", "about:"))
            else problems.append(f"request outside the site: {r.url}")
        ),
    )
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.goto(base + path, wait_until="load")
    page.wait_for_load_state("networkidle")
    return page, problems


def _assert_images_loaded(page) -> int:
    broken = page.evaluate(
        "() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src.slice(-80))"
    )
    assert not broken, f"images that did not load: {broken}"
    return page.evaluate("() => document.images.length")


def _assert_mathjax(page) -> None:
    page.wait_for_function(
        "() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20000
    )
    page.evaluate("() => MathJax.startup.promise")
    left = page.evaluate(
        "() => [...document.querySelectorAll('.math')].filter(e => !e.querySelector('mjx-container')).length"
    )
    total = page.evaluate("() => document.querySelectorAll('mjx-container').length")
    assert total > 0 and left == 0, f"MathJax typeset {total} equations, left {left} untypeset"


@pytest.mark.parametrize("name", PAGES)
def test_gallery_page(browser, gallery, name):
    base, _ = gallery
    page, problems = _visit(browser, base, f"{name}.html")
    page.wait_for_timeout(300)
    n_img = _assert_images_loaded(page)
    if name == "index":
        cards = page.locator(".sd-card").count()
        assert cards == len(NOTEBOOKS), f"{cards} cards for {len(NOTEBOOKS)} notebooks"
        assert (
            n_img >= 2 * len(NOTEBOOKS) - 2
        )  # a key figure and a diagram per card (a notebook may lack a figure)
    if name == "diagrams":
        assert n_img == sum((ROOT / "diagrams" / f"{p.notebook.stem}.svg").is_file() for p in NOTEBOOKS)
    if name == "claims":
        assert page.locator("table").count() >= 1
    page.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("paper", NOTEBOOKS, ids=lambda p: p.notebook.stem)
def test_gallery_notebook_page(browser, gallery, paper):
    base, _ = gallery
    feats = _notebook_features(paper)
    page, problems = _visit(browser, base, f"notebooks/{paper.notebook.stem}.html")
    if feats["widgets"]:
        page.wait_for_selector(".jupyter-widgets, .widget-slider, .widget-dropdown", timeout=20000)
    if feats["plotly"]:
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20000)
        undrawn = page.evaluate(
            "() => [...document.querySelectorAll('.paperlab-plotly')].filter(e => !e.querySelector('.main-svg')).length"
        )
        assert undrawn == 0, f"{undrawn} plotly figures did not draw"
    if feats["math"]:
        _assert_mathjax(page)
    page.wait_for_load_state("networkidle")
    assert _assert_images_loaded(page) >= 1
    assert page.locator("h1").count() >= 1 and page.locator(".cell_output").count() >= 1
    page.close()
    assert not problems, "\n".join(problems)


def test_slides_deck(browser, tmp_path):
    """``paperlab slides``: the deck starts (reveal.js ready), draws its plotly figure and widgets, offline."""
    from paperlab import site

    path = site.slides("crypto_performer_bilstm", tmp_path)
    handler = functools.partial(_Quiet, directory=str(tmp_path))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        page, problems = _visit(browser, base, path.name)
        page.wait_for_selector(".reveal.ready", timeout=20000)
        assert page.evaluate("() => document.querySelectorAll('.reveal .slides > section').length") > 5
        page.wait_for_selector(".js-plotly-plot .main-svg", state="attached", timeout=20000)
        page.wait_for_selector(".jupyter-widgets", state="attached", timeout=20000)
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(500)
        assert page.evaluate("() => location.hash") == "#/1"  # history: true tracks the slide
        page.close()
    finally:
        server.shutdown()
        server.server_close()
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- JupyterLab


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_LAB_WORK: dict[str, Path] = {}
"""The Lab server's URL -> the folder it serves (copies of the committed notebooks)."""


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a free port of 127.0.0.1 serving a copy of notebook 01; yields (url, token)."""
    tmp = tmp_path_factory.mktemp("lab")
    work = tmp / "work"
    work.mkdir()
    paper = catalog.get("lowrank_mhsa")
    shutil.copy2(paper.notebook, work / paper.notebook.name)
    for other in LAB_SAVED:
        shutil.copy2(catalog.get(other).notebook, work / catalog.get(other).notebook.name)
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
        PAPERLAB_MODE="fast",
        PAPERLAB_PROGRESS="0",
    )
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={work}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(tmp / "lab.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=work)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                log.close()
                pytest.fail(f"JupyterLab did not start:\n{(tmp / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.5)
    _LAB_WORK[url] = work
    yield url, token, paper.notebook.name
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


# the src of the image drawn under the explorer (the VBox holding the "example" slider), "" if none yet
EXPLORER_IMG = """() => {
  for (const box of document.querySelectorAll('.widget-vbox')) {
    const labels = [...box.querySelectorAll('.widget-slider .widget-label')].map(l => l.textContent.trim());
    if (!labels.includes('example')) continue;
    const img = box.querySelector('.widget-output img');
    return img && img.src ? img.src : '';
  }
  return '';
}"""


def test_lab_untrusted_notebook_shows_its_diagrams_as_pictures(browser, lab):
    """Issue 13: a committed notebook opened untrusted (never run here) shows its circuit diagrams — JupyterLab
    will not render untrusted SVG, so the bundle's image/png is what the reader sees."""
    url, token, name = lab
    nb = json.loads((catalog.get("lowrank_mhsa").notebook).read_text(encoding="utf-8"))
    expected = sum(
        1
        for c in nb["cells"]
        if c["cell_type"] == "code"
        and "for_paper(" in "".join(c["source"])
        and any("image/png" in o.get("data", {}) for o in c.get("outputs", []))
    )
    assert expected >= 2  # the overview and the mechanism view
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}/lab/tree/{name}?token={token}", wait_until="domcontentloaded")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90000)
    shown = page.wait_for_function(
        """(n) => { const imgs = [...document.querySelectorAll('.jp-OutputArea-output img')]
                        .filter(i => i.src.startsWith('data:image/png') && i.complete && i.naturalWidth > 0);
                    return imgs.length >= n ? imgs.length : false; }""",
        arg=expected,
        timeout=60000,
    ).json_value()
    assert shown >= expected
    page.close()


def test_lab_runs_notebook_01_and_slider_redraws(browser, lab):
    url, token, name = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{url}/lab/tree/{name}?token={token}", wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=90000)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90000)
    # the kernel is up when the toolbar's status says idle
    page.wait_for_function(
        """() => { const w = window.jupyterapp.shell.currentWidget;
                   return w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel
                          && w.sessionContext.kernelDisplayStatus === 'idle'; }""",
        timeout=90000,
    )
    t0 = time.time()
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    # finished: every code cell has an execution count and the kernel is idle again
    page.wait_for_function(
        """() => { const w = window.jupyterapp.shell.currentWidget;
                   const cells = w.content.widgets.filter(c => c.model.type === 'code');
                   return w.sessionContext.kernelDisplayStatus === 'idle'
                          && cells.every(c => c.model.executionCount !== null); }""",
        timeout=240000,
        polling=1000,
    )
    run_s = time.time() - t0
    failed = page.evaluate(
        "() => document.querySelectorAll('.jp-RenderedText[data-mime-type=\"application/vnd.jupyter.error\"]').length"
    )
    assert failed == 0, f"{failed} cells raised an error"
    page.wait_for_function(
        "() => [...document.querySelectorAll('.widget-slider .widget-label')].some(l => l.textContent.trim() === 'example')",
        timeout=60000,
    )
    slider = page.locator(".widget-vbox", has=page.locator(".widget-label", has_text="example")).last
    slider.scroll_into_view_if_needed()
    before = page.wait_for_function(f"() => ({EXPLORER_IMG})() || false", timeout=60000).json_value()
    handle = slider.locator(".widget-slider .noUi-handle").first
    handle.focus()
    handle.press("ArrowRight")
    page.wait_for_function(
        f"(before) => {{ const src = ({EXPLORER_IMG})(); return !!src && src !== before; }}",
        arg=before,
        timeout=60000,
    )
    value = slider.locator(".widget-readout").first.inner_text().strip()
    assert value == "1", f"the slider reads {value!r} after one step right"
    assert page.evaluate(EXPLORER_IMG) != before
    print(f"\nJupyterLab ran notebook 01 in {run_s:.0f} s; the explorer redrew after the slider moved")
    page.close()
    assert not errors, errors


@pytest.mark.parametrize("slug", LAB_SAVED)
def test_lab_save_leaves_committed_notebooks_unchanged(browser, lab, slug):
    """Issue 28: opened in JupyterLab, its kernel started, and saved with no edit, a committed notebook is
    written back byte for byte (Lab's autosave does the same save a couple of minutes after opening)."""
    url, token, _ = lab
    paper = catalog.get(slug)
    name = paper.notebook.name
    work = _LAB_WORK[url] / name
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}/lab/tree/{name}?token={token}", wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=90000)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90000)
    page.wait_for_function(
        """(name) => { const w = window.jupyterapp.shell.currentWidget;
                       const k = w && w.context && w.context.path.endsWith(name) && w.sessionContext.session
                                 && w.sessionContext.session.kernel;
                       return k && k.status === 'idle'; }""",
        arg=name,
        timeout=90000,
    )
    before = work.stat().st_mtime_ns
    page.evaluate("async () => { await window.jupyterapp.commands.execute('docmanager:save'); }")
    deadline = time.time() + 30
    while work.stat().st_mtime_ns == before and time.time() < deadline:
        time.sleep(0.2)
    page.close()
    assert work.stat().st_mtime_ns != before, f"Lab did not save {name}"
    saved, committed = work.read_bytes(), paper.notebook.read_bytes()
    if saved != committed:
        import difflib

        diff = difflib.unified_diff(
            committed.decode().splitlines(),
            saved.decode().splitlines(),
            "committed",
            "saved by Lab",
            lineterm="",
        )
        pytest.fail(f"JupyterLab rewrote {name} on save:\n" + "\n".join(list(diff)[:40]))

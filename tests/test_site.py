"""The paper list, the gallery sources, the offline gallery and slides, the plotly HTML fragments.

The browser checks (pages load with no error and no request outside the site) are in
tests/test_browser.py; here the build itself and what it is made of.
"""

import json
import re
from pathlib import Path

import nbformat
import pytest

from paperlab import catalog, site
from paperlab.catalog import PAPERS, ROOT
from paperlab.claims import LEDGER_DIR
from paperlab.viz import export

# a resource the page loads (links a reader follows, like a paper's arXiv page, are fine)
EXTERNAL = re.compile(
    r"""<(?:script|img|iframe|source|embed|video|audio)\b[^>]*\bsrc\s*=\s*["'](?:https?:)?//"""
    r"""|<link\b[^>]*\bhref\s*=\s*["'](?:https?:)?//|@import\s+url\(\s*["']?(?:https?:)?//""",
    re.I,
)


def test_papers_md_is_current():
    text = (ROOT / "PAPERS.md").read_text(encoding="utf-8")
    assert text == site.papers_markdown(), "PAPERS.md is stale: run `python scripts/gen_papers.py`"


def test_papers_md_lists_every_paper():
    rows = [line for line in site.papers_markdown().splitlines() if re.match(r"^\| \d\d \|", line)]
    assert len(rows) == len(PAPERS) == 47
    for p, row in zip(PAPERS, rows, strict=True):
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        assert cells[:5] == [f"{p.number:02d}", f"`{p.slug}`", p.title, p.authors, str(p.year)]
        assert (p.url in cells[5]) if p.url else cells[5] == p.ref
        assert cells[6] == p.group
        assert (p.notebook.stem in cells[7]) == p.has_notebook
        assert cells[8] == site.claim_status(p).text


def test_no_link_leaves_the_repository():
    docs = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "PAPERS.md"]
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        docs.append(nb)
    for path in docs:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\]\(\.\./|href=[\"']\.\./|\.\./shared", text), (
            f"{path.name} links outside the repository"
        )


def _ledger(tmp_path: Path, paper, *, reproduced=True, ours=0.9, control=0.1) -> Path:
    ledger = {
        "ledger_version": 1,
        "number": paper.number,
        "slug": paper.slug,
        "claim": {
            "slug": paper.slug,
            "statement": "ours beats the control",
            "reproduced": reproduced,
            "clauses": [
                {"name": "acc", "text": "accuracy", "op": ">=", "threshold": 0.5, "kind": "evidence"}
            ],
        },
        "mode": "fast",
        "seeds": {
            str(s): {"rows": {"ours": {"acc": ours + 0.01 * s}, "1-NN": {"acc": control}}, "holds": True}
            for s in range(3)
        },
        "versions": {"torch": "x"},
        "date": "2026-01-01",
    }
    path = tmp_path / f"{paper.number:02d}_{paper.slug}.json"
    path.write_text(json.dumps(ledger))
    return path


def test_claim_status_from_ledgers(tmp_path):
    p = catalog.get("lowrank_mhsa")
    assert site.claim_status(p, tmp_path).key == "no-ledger"
    assert site.claim_status(catalog.get(6), tmp_path).key in ("no-notebook", "no-ledger")
    _ledger(tmp_path, p)
    st = site.claim_status(p, tmp_path)
    assert st.key == "reproduced" and "seeds 0, 1, 2" in st.text
    _ledger(tmp_path, p, reproduced=False)
    assert site.claim_status(p, tmp_path).key == "not-reproduced"
    _ledger(tmp_path, p, control=0.8)  # the control passes the evidence clause: no evidence
    assert site.claim_status(p, tmp_path).key == "does-not-hold"


def test_claims_page_tabulates_ours_and_controls(tmp_path):
    p = catalog.get("lowrank_mhsa")
    _ledger(tmp_path, p)
    page = site.claims_markdown([p], ledger_dir=tmp_path, doc_prefix="notebooks/")
    assert "| **ours** | 0.9 – 0.92 (3/3 pass) |" in page
    assert "| control: 1-NN | 0.1 (0/3 pass) |" in page
    assert "reproduced, beats its controls" in page


def test_real_ledgers_render():
    for path in sorted(LEDGER_DIR.glob("*.json")):
        paper = catalog.get(path.stem)
        st = site.claim_status(paper)
        assert st.ledger is not None and st.key in ("reproduced", "not-reproduced", "does-not-hold")
        assert f"## {paper.number:02d} · {paper.title}" in site.claims_markdown([paper])


def test_gallery_sources(tmp_path):
    src = site.write_sources(tmp_path / "src", only=["lowrank_mhsa", "fccov_sdr"])
    index = (src / "index.md").read_text()
    assert index.count("grid-item-card") == 2
    assert ":link: notebooks/01_lowrank_mhsa" in index and "_diagrams/01_lowrank_mhsa.svg" in index
    assert (src / "_thumbs" / "01_lowrank_mhsa.png").stat().st_size > 1000
    assert (src / "notebooks" / "05_fccov_sdr.ipynb").is_file()
    nb = nbformat.read(src / "notebooks" / "05_fccov_sdr.ipynb", as_version=4)
    plotly = [o for c in nb.cells for o in c.get("outputs", []) if export.PLOTLY_MIME in o.get("data", {})]
    assert plotly and all("text/html" in o["data"] for o in plotly)
    for page in ("claims.md", "diagrams.md", "papers.md", "conf.py"):
        assert (src / page).is_file()


def test_offline_assets(tmp_path):
    site.copy_offline_assets(tmp_path)
    for rel in (
        "mathjax/tex-chtml.js",
        "mathjax/output/chtml/fonts/woff-v2",
        "vendor/plotly/plotly.min.js",
        "vendor/jupyter-widgets/embed.js",
        "vendor/requirejs/require.js",
        "vendor/reveal.js/dist/reveal.js",
    ):
        assert (tmp_path / rel).exists(), rel


def test_build_small_gallery_is_offline(tmp_path, monkeypatch):
    monkeypatch.delenv(site.LAUNCH_URL_ENV, raising=False)
    index = site.build(tmp_path / "site", only=["crypto_performer_bilstm"])
    assert index.is_file()
    pages = list(index.parent.rglob("*.html"))
    assert {"index.html", "claims.html", "diagrams.html", "papers.html"} <= {p.name for p in pages}
    for page in pages:
        assert not EXTERNAL.search(page.read_text(encoding="utf-8")), (
            f"{page.name} loads from outside the site"
        )
    nb_page = (index.parent / "notebooks" / "31_crypto_performer_bilstm.html").read_text()
    assert "Plotly.newPlot" in nb_page and "application/vnd.jupyter.widget-state+json" in nb_page
    # issue 27: the saved widget says it is a static copy; the committed notebook is there to download
    assert nb_page.count('class="paperlab-static-widget"') == nb_page.count(
        "application/vnd.jupyter.widget-view+json"
    )
    (href,) = re.findall(
        r'<a class="reference download internal" download="" href="\.\./([^"]+\.ipynb)"', nb_page
    )
    assert (index.parent / href).read_bytes() == catalog.get("crypto_performer_bilstm").notebook.read_bytes()
    assert "class hub" not in nb_page  # no launch URL configured
    assert not (index.parent / "_ipynb").exists()  # the download copies are not pages
    # search snippets over file://: every page's text for paperlab-search.js, loaded by the search page only
    pages_js = (index.parent / "_static" / site.SEARCH_PAGES).read_text(encoding="utf-8")
    assert pages_js.startswith("window.PAPERLAB_PAGES = ") and "<script" not in pages_js
    pages = json.loads(
        pages_js.removeprefix("window.PAPERLAB_PAGES = ").rstrip().rstrip(";").replace("<\\/", "</")
    )
    assert {"index.html", "claims.html", "notebooks/31_crypto_performer_bilstm.html"} <= set(pages)
    assert "Claim check" in pages["notebooks/31_crypto_performer_bilstm.html"]
    assert 'id="claim-check"' in pages["notebooks/31_crypto_performer_bilstm.html"]  # the search's anchors
    search = (index.parent / "search.html").read_text()
    assert site.SEARCH_PAGES in search and "paperlab-search.js" in search
    assert site.SEARCH_PAGES not in nb_page
    with pytest.raises(FileExistsError):
        (tmp_path / "other").mkdir()
        (tmp_path / "other" / "keep.txt").write_text("x")
        site.build(tmp_path / "other", only=["crypto_performer_bilstm"])


def test_static_widgets_are_labelled():
    nb = nbformat.read(catalog.get("deep_learning_theory_criticality").notebook, as_version=4)
    views = [
        (i, j)
        for i, c in enumerate(nb.cells)
        for j, o in enumerate(c.get("outputs", []))
        if site.WIDGET_VIEW_MIME in o.get("data", {})
    ]
    assert site.label_static_widgets(nb) == len(views) >= 1
    for i, j in views:
        note = nb.cells[i].outputs[j + 1]
        assert note.output_type == "display_data" and "run the notebook" in note.data["text/html"].lower()
    nbformat.validate(nb)


def test_launch_link():
    p = catalog.get("lowrank_mhsa")
    url = site.launch_link(
        "https://hub/git-pull?repo=r&urlpath=lab%2Ftree%2Fpaperlab%2F{path}&n={name}&s={stem}", p
    )
    assert (
        url
        == "https://hub/git-pull?repo=r&urlpath=lab%2Ftree%2Fpaperlab%2Fnotebooks/01_lowrank_mhsa.ipynb&n=01_lowrank_mhsa.ipynb&s=01_lowrank_mhsa"
    )


def test_slide_types_cut_long_sections():
    """A section longer than a 1280×800 slide is cut into sub-slides; hidden code leaves no empty slide."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    para = "word " * 150
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Title\n\n" + "\n\n".join([para] * 12)),
            new_code_cell("x = 1"),
            new_code_cell("print(x)", outputs=[new_output("stream", name="stdout", text="line\n" * 30)]),
            new_markdown_cell("## Next\n\nshort"),
        ]
    )
    site._slide_types(nb)
    kinds = [c.metadata["slideshow"]["slide_type"] for c in nb.cells]
    assert kinds[0] == "slide" and kinds.count("subslide") >= 3 and kinds[-1] == "slide"
    used = 0
    for cell, kind in zip(nb.cells, kinds, strict=True):
        height = site._cell_height(cell, False)
        used = height if kind != "-" else used + height
        # a cell joins a slide only within the budget; one cell taller on its own is scaled by the deck
        assert used <= site._SLIDE_BUDGET or used == height, (kind, used)
    assert "".join(c.source for c in nb.cells if c.cell_type == "markdown").count("word") == 12 * 150
    hidden = kinds[[c.source for c in nb.cells].index("x = 1")]
    assert hidden == "-"  # no output, code hidden: continues the slide


def test_slides_cli_code_flag(monkeypatch, tmp_path):
    from paperlab import cli

    seen = {}
    monkeypatch.setattr(
        site, "slides", lambda slug, out, code=False: seen.update(slug=slug, code=code) or out / "d.html"
    )
    assert cli.main(["slides", "lowrank_mhsa", "--out", str(tmp_path)]) == 0 and seen["code"] is False
    assert cli.main(["slides", "01", "--code", "--out", str(tmp_path)]) == 0 and seen == {
        "slug": "lowrank_mhsa",
        "code": True,
    }


def test_slides_are_offline(tmp_path):
    path = site.slides("crypto_performer_bilstm", tmp_path)
    html = path.read_text(encoding="utf-8")
    assert 'class="reveal"' in html and "assets/vendor/reveal.js/dist/reveal.js" in html
    assert not EXTERNAL.search(html)
    assert (tmp_path / "assets" / "vendor" / "reveal.js" / "dist" / "reveal.js").is_file()
    assert html.count("<section") > 5
    assert html.count('class="paperlab-static-widget"') >= 1  # issue 27: the saved widget is labelled
    assert not re.search(r'class="[^"]*\bjp-InputArea-editor\b', html)  # code hidden by default


def test_html_fragment_escapes_and_draws():
    fig = {"data": [{"type": "scatter", "y": [1, 2], "name": "</script><b>x"}], "layout": {"height": 300}}
    frag = export.html_fragment(fig, div_id="f1")
    assert frag.count("</script>") == 1 and 'id="f1"' in frag and "min-height:300px" in frag
    assert "Plotly.newPlot" in frag and "http" not in frag


def test_plotly_renderer_emits_json_and_html():
    import plotly.graph_objects as go
    import plotly.io as pio

    before = pio.renderers.default
    try:
        assert export.install() == "plotly_mimetype+paperlab_html"
        bundle = go.Figure(go.Scatter(y=[1, 3, 2]))._repr_mimebundle_()
        assert export.PLOTLY_MIME in bundle and "Plotly.newPlot" in bundle["text/html"]
    finally:
        pio.renderers.default = before


def test_reproductions_page_lists_every_paper_with_its_verdict(tmp_path):
    """Issue 23: the gallery's Reproductions page has a row per paper (target, data badge, verdict or 'not
    attempted' with the reason) and shows each committed result's figure."""
    from paperlab import catalog, reproduce

    md = site.reproductions_markdown(tmp_path)
    rows = [line for line in md.splitlines() if line.startswith("| ") and line[2:4].isdigit()]
    assert len(rows) == len(catalog.PAPERS)
    committed = [r for r in reproduce.reproductions_table() if r["verdict"] != "not attempted"]
    for r in committed:
        assert f"## {r['number']:02d} · " in md
        if r.get("png"):
            assert (tmp_path / Path(r["png"]).name).is_file()
    assert md.count("not attempted") >= len(catalog.PAPERS) - len(committed)

"""Sphinx configuration of the offline gallery (built by ``paperlab site``; see paperlab/site.py).

``paperlab.site.build`` copies this file, ``_static/`` and the generated pages into a scratch
source folder and runs Sphinx with MyST-NB over the committed, executed notebooks (never
re-executing them). Everything a page loads is local: MathJax 3 (from the sphinx-mathjax-offline
wheel), plotly.js (from the plotly wheel) and the Jupyter widget manager (``_static/vendor``).
"""

project = "paperlab"
author = "paperlab contributors"
copyright = "paperlab contributors"
html_title = "paperlab gallery"

extensions = ["myst_nb", "sphinx_design"]
# _ipynb/ holds the committed notebooks for download (each page links its own), not pages
exclude_patterns = ["_build", "**.ipynb_checkpoints", "_ipynb"]
master_doc = "index"

# MyST-NB: show the committed outputs as they are.
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "html_image"]
myst_heading_anchors = 3
# The widget manager: the standalone (non-AMD) html-manager, vendored; it renders the saved widget state.
nb_ipywidgets_js = {"vendor/jupyter-widgets/embed.js": {}}
nb_render_markdown_format = "myst"
suppress_warnings = [
    "myst.header",
    "mystnb.unknown_mime_type",
    "myst.xref_missing",
    "misc.highlighting_failure",
]

# MathJax 3 from the site itself (copied in by paperlab.site).
mathjax_path = "mathjax/tex-chtml.js"
mathjax3_config = {"tex": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]]}}

html_theme = "alabaster"
html_theme_options = {
    "page_width": "1240px",
    "sidebar_width": "220px",
    "description": "Guided notebooks for deep-learning papers",
    "show_powered_by": False,
    "extra_nav_links": {},
}
html_static_path = ["_static"]
html_css_files = ["paperlab.css"]
# plotly.js for the figures paperlab.viz.export turns into HTML fragments (loaded before the body).
html_js_files = [("paperlab.js", {"priority": 100}), "vendor/plotly/plotly.min.js"]
html_favicon = "_static/favicon.svg"
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None


# Search snippets over file:// too: Sphinx's search page fetches each hit's page to cut a snippet,
# which a browser refuses over file:// ("Failed to fetch"). paperlab.site writes every page's text into
# _static/paperlab-search-pages.js after the build; _static/paperlab-search.js answers those fetches from it.
html_show_search_summary = True


def _search_page_scripts(app, pagename, templatename, context, doctree):  # noqa: ANN001, ANN202
    if pagename == "search":
        app.add_js_file("paperlab-search-pages.js", priority=200)
        app.add_js_file("paperlab-search.js", priority=201)


def setup(app):  # noqa: ANN001, ANN201
    app.connect("html-page-context", _search_page_scripts)

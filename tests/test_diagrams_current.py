"""The committed diagrams/ folder is current: one DOT + SVG per paper notebook, regenerated DOT identical.

DOT is compared, not SVG (SVG differs across graphviz versions); the SVG must exist and parse.
"""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from paperlab.diagrams.build import targets

DIAGRAMS = Path(__file__).resolve().parent.parent / "diagrams"
HINT = (
    'run `paperlab diagrams` (or: python -c "from pathlib import Path; from paperlab.diagrams import '
    "render_all; render_all(Path('diagrams'))\") and commit diagrams/"
)
TARGETS = targets()


@pytest.mark.parametrize("stem", sorted(TARGETS))
def test_diagram_is_current(stem: str) -> None:
    dot = DIAGRAMS / f"{stem}.dot"
    assert dot.is_file(), f"diagrams/{stem}.dot is missing: {HINT}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = TARGETS[stem]().to_dot()
    assert dot.read_text(encoding="utf-8") == expected, f"diagrams/{stem}.dot is stale: {HINT}"
    svg = DIAGRAMS / f"{stem}.svg"
    assert svg.is_file(), f"diagrams/{stem}.svg is missing: {HINT}"
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg"), f"diagrams/{stem}.svg is not an SVG: {HINT}"

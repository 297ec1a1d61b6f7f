"""environment.yml (conda, Binder) and pyproject.toml (pip) declare the same packages and ranges;
repo2docker can read environment.yml (an exact python=3.X) and postBuild installs paperlab."""

import os
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONDA_NAMES = {"pytorch": "torch", "python-graphviz": "graphviz"}
CONDA_ONLY = {"python", "pip", "graphviz-binary"}


def _split(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*(#.*)?$", req)
    assert m, req
    return m.group(1).lower(), m.group(2).replace(" ", "")


def _pyproject() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"]) + [r for extra in meta["optional-dependencies"].values() for r in extra]
    return dict(_split(r) for r in reqs)


def _conda_entries() -> list[str]:
    """Every `- spec` under dependencies:, the pip: sub-list included (`- pip:` itself excluded)."""
    text = (ROOT / "environment.yml").read_text().split("dependencies:", 1)[1]
    out = []
    for line in text.splitlines():
        m = re.match(r"^\s*-\s+(\S.*)$", line)
        if m and not m.group(1).startswith("pip:"):
            out.append(m.group(1))
    return out


def _conda() -> dict[str, str]:
    deps = {}
    for entry in _conda_entries():
        name, spec = _split(entry)
        if name == "graphviz" and not spec:  # the binary itself
            name = "graphviz-binary"
        deps[CONDA_NAMES.get(name, name)] = spec
    return {k: v for k, v in deps.items() if k not in CONDA_ONLY}


def test_same_packages_and_ranges():
    assert _pyproject() == _conda()


def test_ranges_not_pins():
    for name, spec in _pyproject().items():
        assert "==" not in spec and ">=" in spec and "<" in spec, f"{name}: declare a range, got {spec!r}"


def test_conda_has_graphviz_binary_and_apt_txt():
    assert re.search(r"^\s*-\s+graphviz\s*(#.*)?$", (ROOT / "environment.yml").read_text(), re.M)
    assert "graphviz" in (ROOT / "apt.txt").read_text().split()


def test_python_pinned_exactly_for_repo2docker():
    """repo2docker understands `python=3.X` only; a range makes it fall back to its default Python."""
    pythons = [e for e in _conda_entries() if re.match(r"python\b", e) and not e.startswith("python-")]
    assert len(pythons) == 1, pythons
    m = re.fullmatch(r"python=3\.(\d+)\s*(#.*)?", pythons[0])
    assert m, f"environment.yml must pin python=3.X exactly, got {pythons[0]!r}"
    floor = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert int(m.group(1)) >= int(re.search(r">=\s*3\.(\d+)", floor).group(1))


def test_postbuild_installs_paperlab():
    post = ROOT / "postBuild"
    assert post.is_file() and os.access(post, os.X_OK), "postBuild must exist and be executable"
    text = post.read_text()
    assert re.search(r"pip install .*-e \.", text), text

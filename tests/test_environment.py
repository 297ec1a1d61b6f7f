"""environment.yml (conda) and pyproject.toml (pip) declare the same packages and ranges."""

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


def _conda() -> dict[str, str]:
    deps = {}
    text = (ROOT / "environment.yml").read_text().split("dependencies:", 1)[1]
    for line in text.splitlines():
        m = re.match(r"^\s*-\s+(\S.*)$", line)
        if not m:
            continue
        name, spec = _split(m.group(1))
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

"""Binder / a class JupyterHub: repo2docker reads the repository as we mean it to.

``jupyter-repo2docker --no-build --debug`` writes the Dockerfile it would build (no Docker daemon
needed); the test asserts from it the Python version, graphviz from apt.txt, and that paperlab is
installed (postBuild runs after the repository is copied in).
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dockerfile() -> str:
    exe = Path(sys.executable).with_name("jupyter-repo2docker")
    cmd = [str(exe)] if exe.is_file() else [shutil.which("jupyter-repo2docker") or "jupyter-repo2docker"]
    proc = subprocess.run(
        [*cmd, "--no-build", "--no-run", "--debug", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def test_python_version(dockerfile):
    m = re.search(r"Building conda environment for python=(3\.\d+)", dockerfile)
    assert m, dockerfile[:2000]
    wanted = re.search(r"^\s*-\s+python=(3\.\d+)", (ROOT / "environment.yml").read_text(), re.M).group(1)
    assert m.group(1) == wanted
    assert "Python version unspecified" not in dockerfile


def test_graphviz_from_apt(dockerfile):
    assert re.search(r"apt-get install .*\\?\s*graphviz", dockerfile), "apt.txt's graphviz is not installed"


def test_environment_then_paperlab_installed(dockerfile):
    env = dockerfile.index('env update -p ${NB_PYTHON_PREFIX} --file "environment.yml"')
    copy_repo = dockerfile.index("COPY --chown=0:0 src/ ${REPO_DIR}/")
    post = dockerfile.index("RUN ./postBuild")
    assert env < copy_repo < post, "paperlab must be installed after the repository is copied in"

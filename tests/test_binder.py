"""Binder / a class JupyterHub: repo2docker reads the repository as we mean it to, and the image keeps
working when the hub mounts a persistent volume over the student's home folder (issue 27).

``jupyter-repo2docker --no-build --debug`` writes the Dockerfile it would build (no Docker daemon
needed); the tests assert from it the Python version, graphviz from apt.txt, and that postBuild runs
after the repository is copied in. With no Docker here, ``postBuild`` itself is run the way the
image build runs it — in the repository, as ``${REPO_DIR}`` = ``$HOME`` (repo2docker's default) — but
into a scratch prefix (``PAPERLAB_PREFIX``) and with ``pip`` stubbed: nothing may land under
``$HOME`` (a hub's volume would hide it), the installed copy must be complete and read-only, the
committed notebooks must be trusted wherever their copy is, and JupyterLab must not ask about news.
"""

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NB_UID = 1000  # the image's user, whoever runs the test (repo2docker defaults to the caller's uid)


@pytest.fixture(scope="module")
def dockerfile() -> str:
    exe = Path(sys.executable).with_name("jupyter-repo2docker")
    cmd = [str(exe)] if exe.is_file() else [shutil.which("jupyter-repo2docker") or "jupyter-repo2docker"]
    proc = subprocess.run(
        [
            *cmd,
            "--no-build",
            "--no-run",
            "--debug",
            "--user-id",
            str(NB_UID),
            "--user-name",
            "jovyan",
            str(ROOT),
        ],
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
    copy_repo = re.search(r"COPY --chown=(\d+):\1 src/ \$\{REPO_DIR\}/", dockerfile)
    assert copy_repo and copy_repo.group(1) == str(NB_UID), (
        "the repository is not copied in as the image's user"
    )
    post = dockerfile.index("RUN ./postBuild")
    assert env < copy_repo.start() < post, "paperlab must be installed after the repository is copied in"


def test_postbuild_runs_in_the_repository_dir(dockerfile):
    """postBuild runs in ``${REPO_DIR}``, which a hub moves out of ``$HOME`` with --target-repo-dir."""
    assert re.search(r"^ARG REPO_DIR=\$\{HOME\}$", dockerfile, re.M)
    workdir = dockerfile.index("WORKDIR ${REPO_DIR}")
    assert workdir < dockerfile.index("RUN ./postBuild")
    before_post = dockerfile[: dockerfile.index("RUN ./postBuild")]
    assert re.findall(r"^USER (.+)$", before_post, re.M)[-1] == "${NB_USER}", "postBuild must run as the user"


# --------------------------------------------------------------------------- postBuild, run here


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.lstat().st_size, p.lstat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if not p.is_dir()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """postBuild run as the image build runs it: in the repository, which is ``$HOME`` (REPO_DIR's default)."""
    tmp = tmp_path_factory.mktemp("postbuild")
    home = tmp / "home" / "jovyan"
    ignore = shutil.ignore_patterns(".venv", "__pycache__", ".ruff_cache", ".pytest_cache", "results", "out")
    shutil.copytree(ROOT, home, ignore=ignore, symlinks=True)  # the repository as repo2docker copies it in
    for name in ("postBuild", "scripts/jupyter/jupyter_config.py", "scripts/jupyter/lab-overrides.json"):
        shutil.copy2(ROOT / name, home / name)  # this checkout's version, committed or not
    before = _tree(home)
    prefix = tmp / "prefix"
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    pip_log = tmp / "pip.log"
    # `python -m pip ...` is recorded, not run (it would install into this environment); the rest is real
    (bin_dir / "python").write_text(
        "#!/usr/bin/env bash\n"
        'if [ "$1" = -m ] && [ "$2" = pip ]; then echo "$PWD :: ${*:3}" >> "$PIP_LOG"; exit 0; fi\n'
        f'exec "{sys.executable}" "$@"\n'
    )
    (bin_dir / "python").chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(home),
        "PAPERLAB_PREFIX": str(prefix),
        "PIP_LOG": str(pip_log),
    }
    env.pop("JUPYTER_DATA_DIR", None)
    env.pop("JUPYTER_CONFIG_DIR", None)
    proc = subprocess.run(
        ["bash", "postBuild"], cwd=home, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    yield {
        "home": home,
        "before": before,
        "prefix": prefix,
        "pip": pip_log.read_text().splitlines(),
        "out": proc.stdout,
    }
    for p in (prefix / "share" / "paperlab").rglob("*"):  # read-only: let pytest clean up as a normal user
        if p.is_dir() and not p.is_symlink():
            p.chmod(0o755)
    (prefix / "share" / "paperlab").chmod(0o755)


def test_postbuild_writes_nothing_under_home(built):
    """A hub's persistent volume over $HOME would hide it: the build leaves the home folder as it found it."""
    assert _tree(built["home"]) == built["before"], "postBuild wrote into $HOME"


def test_postbuild_installs_a_readonly_copy_outside_home(built):
    dest = built["prefix"] / "share" / "paperlab"
    assert built["pip"][0] == f"{dest} :: install --no-deps -e ."
    assert any(re.fullmatch(r".* :: install -q nbgitpuller.*", line) for line in built["pip"][1:])
    # what the package reads at run time (catalog.ROOT = the copy): notebooks, ledgers, diagrams, the site
    for rel in ("pyproject.toml", "paperlab/catalog.py", "site/conf.py"):
        assert (dest / rel).is_file(), rel
    for folder in ("notebooks", "calibration", "diagrams"):
        assert sorted(p.name for p in (dest / folder).iterdir()) == sorted(
            p.name for p in (ROOT / folder).iterdir() if p.name != ".ipynb_checkpoints"
        ), folder
    assert not (dest / ".git").exists() and not (dest / ".venv").exists()
    assert any((dest / "paperlab" / "__pycache__").glob("catalog.*.pyc")), "compiled before it went read-only"
    writable = [
        p for p in (dest, dest / "notebooks", dest / "paperlab") if stat.S_IMODE(p.stat().st_mode) & 0o222
    ]
    assert not writable, f"students could change the installed copy: {writable}"


def test_committed_notebooks_trusted_wherever_they_are(built, tmp_path, monkeypatch):
    """Jupyter, configured by the image (``{prefix}/etc/jupyter/jupyter_config.py``), trusts a committed
    notebook in the student's home (nbgitpuller's copy), not an edited one until the student saves it —
    and that signature goes to the student's own (persistent) home."""
    from nbformat.sign import NotebookNotary
    from traitlets.config.loader import PyFileConfigLoader

    prefix = built["prefix"]
    config_py = prefix / "etc" / "jupyter" / "jupyter_config.py"
    assert config_py.is_file()
    from paperlab.notebooks import committed_notebooks

    committed = committed_notebooks(ROOT)
    assert f"signed {len(committed)} committed notebooks" in built["out"], built["out"]
    student = tmp_path / "student"  # a fresh persistent volume
    monkeypatch.setattr(sys, "prefix", str(prefix))  # the config finds its database under sys.prefix
    monkeypatch.setenv("HOME", str(student))
    monkeypatch.delenv("JUPYTER_DATA_DIR", raising=False)
    config = PyFileConfigLoader(config_py.name, path=str(config_py.parent)).load_config()
    pulled = student / "paperlab" / "notebooks"
    pulled.mkdir(parents=True)
    for path in committed[:2]:
        shutil.copy2(path, pulled)

    notary = NotebookNotary(config=config)
    try:
        for path in sorted(pulled.iterdir()):
            assert notary.check_signature(nbformat.read(path, as_version=4)), f"{path.name} is not trusted"
        edited = nbformat.read(pulled / committed[0].name, as_version=4)
        edited.cells[0].source += "\n\nmy notes"
        assert not notary.check_signature(edited)
        notary.sign(edited)  # what saving the run notebook does
    finally:
        notary.store.close()
    assert (student / ".local" / "share" / "jupyter" / "nbsignatures.db").is_file()
    again = NotebookNotary(config=config)  # a new session, e.g. after the server restarted
    try:
        assert again.check_signature(edited)
    finally:
        again.store.close()


def test_lab_news_popup_is_off(built):
    from jupyterlab_server.settings_utils import _get_overrides

    settings = built["prefix"] / "share" / "jupyter" / "lab" / "settings"
    overrides, error = _get_overrides(str(settings))
    assert not error
    notification = overrides["@jupyterlab/apputils-extension:notification"]
    assert notification == {"fetchNews": "false", "checkForUpdates": False}
    import jupyterlab

    schema = (
        Path(jupyterlab.__file__).parent
        / "schemas"
        / "@jupyterlab"
        / "apputils-extension"
        / "notification.json"
    )
    allowed = {o["const"] for o in json.loads(schema.read_text())["properties"]["fetchNews"]["oneOf"]}
    assert notification["fetchNews"] in allowed and notification["fetchNews"] != "none"  # "none": ask


# --------------------------------------------------------------------------- scripts/bootstrap


def test_bootstrap_installs_per_job_extras_and_lab_settings(tmp_path):
    """``bootstrap lab`` installs ``.[lab]`` only (no Playwright, nbval, Sphinx); ``test`` then adds
    ``site`` and ``test``; a job whose extras are installed installs nothing; the Lab settings override
    (no news pop-up) lands in the environment. Run with a stub environment: nothing is installed."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    log = tmp_path / "calls.log"
    stub = f'#!/usr/bin/env bash\necho "$(basename "$0") $*" >> "{log}"\n'
    for name in ("python", "jupyter"):
        (venv / "bin" / name).write_text(stub)
        (venv / "bin" / name).chmod(0o755)
    tools = tmp_path / "tools"  # dot and chromium present: bootstrap must not reach for apt-get
    tools.mkdir()
    for name in ("dot", "chromium"):
        (tools / name).write_text("#!/bin/sh\nexit 0\n")
        (tools / name).chmod(0o755)
    env = {
        **os.environ,
        "PAPERLAB_VENV": str(venv),
        "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}",
        "PYTHON": sys.executable,
    }
    env.pop("DISPLAY", None)

    def run(job: str) -> list[str]:
        log.write_text("")
        proc = subprocess.run(
            ["bash", str(ROOT / "scripts" / "bootstrap"), job],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return [line for line in log.read_text().splitlines() if " -m pip install " in line]

    assert run("lab") == ["python -m pip install -q -e .[lab]"]
    stamp = (venv / ".paperlab-installed").read_text().split()
    assert stamp[1] == "lab"
    assert run("lab") == []
    assert run("test") == ["python -m pip install -q -e .[lab,site,test]"]
    assert run("lab") == [] and run("env") == []
    (venv / ".paperlab-installed").write_text("0123456789abcdef lab,site,test\n")  # pyproject.toml changed
    assert run("lab") == ["python -m pip install -q -e .[lab]"]
    overrides = venv / "share" / "jupyter" / "lab" / "settings" / "overrides.d" / "paperlab.json"
    assert json.loads(overrides.read_text()) == json.loads(
        (ROOT / "scripts" / "jupyter" / "lab-overrides.json").read_text()
    )

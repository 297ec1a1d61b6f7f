"""Fault tests of issue 29, "never lose a user's work": site, run, cache, device and trust under faults.

Every test passes as root too (CI runs as root, and root ignores permission bits): a folder that
cannot be written is a path under a regular file, or the failing call is monkeypatched.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pytest
import torch
from torch import nn
from torch.nn import functional as F

import paperlab
from paperlab import catalog, cli, config, notebooks, site, train
from paperlab.config import SettingError
from paperlab.train import batches, fit

ROOT = Path(__file__).resolve().parent.parent


def _notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _stdout(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", [])).strip()


@pytest.fixture
def paper(tmp_path, monkeypatch):
    """A fake catalogue root whose notebook 01 the test writes."""
    monkeypatch.setattr(catalog, "ROOT", tmp_path)
    monkeypatch.delenv("PAPERLAB_MODE", raising=False)
    return tmp_path / "notebooks" / "01_lowrank_mhsa.ipynb"


# --------------------------------------------------------------------------- 1, 8: site --out


@pytest.fixture
def fake_sphinx(monkeypatch):
    """``site.build`` without Sphinx: the 'build' writes the files listed in ``pages`` (a failure: code 1)."""
    import sphinx.cmd.build

    state = {
        "pages": ["index.html", "notebooks/a.html", "_static/x.css", ".buildinfo"],
        "code": 0,
        "calls": 0,
    }

    def build_main(args):
        state["calls"] += 1
        html = Path(args[-1])
        for rel in state["pages"]:
            (html / rel).parent.mkdir(parents=True, exist_ok=True)
            (html / rel).write_text(f"built {state['calls']}")
        return state["code"]

    monkeypatch.setattr(sphinx.cmd.build, "build_main", build_main)
    monkeypatch.setattr(site, "write_sources", lambda src, **kw: src.mkdir(parents=True) or src)
    monkeypatch.setattr(site, "copy_offline_assets", lambda static: None)
    return state


def test_site_rebuild_keeps_what_the_user_put_in_out(tmp_path, fake_sphinx):
    out = tmp_path / "gh-pages"
    site.build(out)
    (out / ".git").mkdir()
    (out / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (out / "CNAME").write_text("lab.example.org\n")
    (out / ".nojekyll").write_text("")
    (out / "notes.txt").write_text("the teacher's notes")
    fake_sphinx["pages"] = ["index.html", "notebooks/b.html", "_static/x.css", ".buildinfo"]
    index = site.build(out)
    assert index.read_text() == "built 2"
    assert (out / ".git" / "HEAD").read_text().startswith("ref:") and (out / "CNAME").is_file()
    assert (out / ".nojekyll").is_file() and (out / "notes.txt").read_text() == "the teacher's notes"
    assert (out / "notebooks" / "b.html").is_file() and not (out / "notebooks" / "a.html").exists()
    assert not [p for p in tmp_path.iterdir() if p.name != "gh-pages"]  # no staging folder left


def test_failed_site_build_leaves_the_gallery_as_it_was(tmp_path, fake_sphinx, capsys):
    out = tmp_path / "site"
    site.build(out)
    (out / "CNAME").write_text("lab.example.org\n")
    fake_sphinx["code"] = 1
    assert cli.main(["site", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "sphinx-build failed" in err and "left as it was" in err and len(err.strip().splitlines()) == 1
    assert (out / "index.html").read_text() == "built 1" and (out / "CNAME").is_file()


def test_site_builds_into_a_fresh_gh_pages_checkout(tmp_path, fake_sphinx, capsys):
    out = tmp_path / "pages"
    (out / ".git").mkdir(parents=True)
    (out / "CNAME").write_text("x\n")
    site.build(out)
    assert (out / "index.html").is_file() and (out / ".git").is_dir() and (out / "CNAME").is_file()
    other = tmp_path / "home"
    (other / "thesis.tex").parent.mkdir()
    (other / "thesis.tex").write_text("work")
    assert cli.main(["site", "--out", str(other)]) == 2  # a folder of the user's own is refused
    assert "not a paperlab gallery" in capsys.readouterr().err and fake_sphinx["calls"] == 1
    assert [p.name for p in other.iterdir()] == ["thesis.tex"]


def test_site_out_under_a_file_is_refused_before_the_build(tmp_path, fake_sphinx, capsys):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    for out in (a_file, a_file / "site"):
        assert cli.main(["site", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("paperlab site: ") and "is a file" in err and "Traceback" not in err
    assert fake_sphinx["calls"] == 0 and a_file.read_text() == "x"


# --------------------------------------------------------------------------- 2: run PATH --out DIR


def test_run_of_a_notebook_path_runs_that_file_and_never_replaces_an_edited_one(paper, tmp_path, capsys):
    _notebook(paper, "print('committed')")
    lab = tmp_path / "lab"
    mine = _notebook(lab / paper.name, "print('student')")
    assert cli.main(["run", str(mine), "--out", str(lab)]) == 0  # the file the user named, in place
    assert _stdout(mine) == "student"
    before = mine.read_bytes()
    assert cli.main(["run", "01", "--out", str(lab)]) == 2  # the committed one would replace it: refused
    err = capsys.readouterr().err
    assert "--force" in err and str(mine) in err and "nothing was run" in err
    assert mine.read_bytes() == before
    assert cli.main(["run", "01", "--out", str(lab), "--force"]) == 0
    assert _stdout(mine) == "committed"
    _notebook(paper, "print('committed, changed upstream')")  # a copy `run` wrote is replaced, unasked
    assert cli.main(["run", "01", "--out", str(lab)]) == 0
    assert _stdout(mine) == "committed, changed upstream"
    assert cli.main(["run", str(tmp_path / "nowhere" / paper.name)]) == 2
    assert "no notebook file" in capsys.readouterr().err
    (tmp_path / "junk.ipynb").write_text("{not json")
    assert cli.main(["run", str(tmp_path / "junk.ipynb")]) == 2
    assert "is not a notebook" in capsys.readouterr().err


# --------------------------------------------------------------------------- 3, 11: the checkpoint cache


def _task():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 4, generator=g)
    return x, (x[:, 0] > 0).long()


def _fit(**kw):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    x, y = _task()
    args = dict(steps=5, lr=1e-2, cache={"task": "toy"}, cache_name="toy")
    args.update(kw)
    return fit(model, lambda m, b: F.cross_entropy(m(b[0]), b[1]), batches(x, y, batch_size=16), **args)


@pytest.fixture
def full(tmp_path, monkeypatch):
    """Full mode with the cache in ``tmp_path/cache``; returns a function that moves it."""
    monkeypatch.delenv("PAPERLAB_SMOKE", raising=False)

    def use(cache: Path) -> Path:
        monkeypatch.setenv("PAPERLAB_CACHE", str(cache))
        paperlab.setup(mode="full", threads=1, verbose=False)
        return cache / "checkpoints"

    use(tmp_path / "cache")
    return use


def _cache_warnings(record) -> list[str]:
    return [str(w.message) for w in record if "checkpoint cache" in str(w.message)]


def test_cache_under_a_file_warns_once_and_the_fit_goes_on(tmp_path, full):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    full(blocker / "cache")
    with pytest.warns(RuntimeWarning) as record:
        first, second = _fit(), _fit(lr=0.5)
    assert len(first["loss"]) == 5 and len(second["loss"]) == 5
    (message,) = _cache_warnings(record)
    assert str(blocker / "cache" / "checkpoints") in message and "going on without it" in message
    assert blocker.read_text() == "not a folder"


@pytest.mark.parametrize(
    "fault",
    [
        RuntimeError("[enforce fail at inline_container.cc:626] . PytorchStreamWriter failed writing file"),
        OSError(errno.ENOSPC, "No space left on device"),
    ],
)
def test_full_disk_during_the_save_warns_and_leaves_no_temporary_file(full, monkeypatch, fault):
    def save(*a, **kw):
        raise fault

    monkeypatch.setattr(train.torch, "save", save)
    with pytest.warns(RuntimeWarning, match="checkpoint cache .*going on without it"):
        hist = _fit()
    assert len(hist["loss"]) == 5
    folder = Path(paperlab.current().cache_dir) / "checkpoints"
    assert not list(folder.iterdir())


def test_read_only_cache_loads_but_never_fails(full, monkeypatch):
    folder = Path(paperlab.current().cache_dir) / "checkpoints"
    _fit()
    (path,) = folder.glob("toy-*.pt")
    real_unlink = Path.unlink

    def read_only(*a, **kw):
        raise OSError(errno.EROFS, "Read-only file system")

    def unlink(self, *a, **kw):
        if self.parent == folder:
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        return real_unlink(self, *a, **kw)

    monkeypatch.setattr(train.tempfile, "mkstemp", read_only)
    monkeypatch.setattr(Path, "unlink", unlink)
    assert _fit().loaded_from == path  # reading a read-only cache still works
    path.write_bytes(b"corrupt")
    with pytest.warns(RuntimeWarning) as record:
        hist = _fit()
    assert hist.loaded_from is None and len(hist["loss"]) == 5
    messages = [str(w.message) for w in record]
    assert any("could not delete it (Read-only file system)" in m for m in messages), messages
    assert any("Read-only file system" in m and "going on without it" in m for m in _cache_warnings(record))


@pytest.mark.skipif(
    os.geteuid() == 0, reason="root writes anywhere; the monkeypatched variant above covers it"
)
def test_really_read_only_cache_never_fails(tmp_path, full):
    ro = tmp_path / "ro"
    ro.mkdir()
    full(ro / "cache")
    ro.chmod(0o500)
    try:
        with pytest.warns(RuntimeWarning, match="going on without it"):
            assert len(_fit()["loss"]) == 5
    finally:
        ro.chmod(0o700)


def _plant(full, tmp_path) -> Path:
    """A checkpoint of the run's own key, written by 'someone': the test then makes its folder unsafe."""
    folder = full(tmp_path / "shared")
    _fit()
    (path,) = folder.glob("toy-*.pt")
    return path


def test_world_writable_cache_is_not_trusted(tmp_path, full):
    path = _plant(full, tmp_path)
    before = path.read_bytes()
    (tmp_path / "shared").chmod(0o777)
    with pytest.warns(RuntimeWarning, match="writable by every user.*going on without it"):
        hist = _fit()
    assert hist.loaded_from is None and path.read_bytes() == before  # neither loaded nor rewritten


def test_cache_of_another_user_is_not_trusted(tmp_path, full, monkeypatch):
    path = _plant(full, tmp_path)
    me = os.geteuid()
    monkeypatch.setattr(os, "geteuid", lambda: me + 1)  # the folder now belongs to "another user"
    with pytest.warns(RuntimeWarning, match="belongs to another user"):
        assert _fit().loaded_from is None
    assert path.is_file()


def test_symlinked_checkpoints_folder_is_refused(tmp_path, full):
    elsewhere = tmp_path / "elsewhere"
    path = _plant(full, tmp_path)
    shutil.move(str(path.parent), str(elsewhere))
    cache = full(tmp_path / "victim")
    cache.parent.mkdir()
    cache.symlink_to(elsewhere, target_is_directory=True)
    with pytest.warns(RuntimeWarning, match="symbolic link"):
        assert _fit().loaded_from is None
    assert [p.name for p in elsewhere.iterdir()] == [path.name]  # nothing written through the link


def test_failed_notebooks_go_to_a_private_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    mine = tmp_path / f"paperlab-failed-{os.geteuid()}"
    assert notebooks.private_folder("paperlab-failed") == mine
    assert stat.S_IMODE(mine.stat().st_mode) == 0o700
    mine.chmod(0o777)  # pre-created by someone else, or opened up: not used
    other = notebooks.private_folder("paperlab-failed")
    assert other != mine and other.stat().st_uid == os.geteuid()
    assert stat.S_IMODE(other.stat().st_mode) == 0o700
    mine.rmdir()
    mine.symlink_to(tmp_path / "attacker", target_is_directory=True)
    (tmp_path / "attacker").mkdir(mode=0o700)
    assert notebooks.private_folder("paperlab-failed") not in (mine, tmp_path / "attacker")


# --------------------------------------------------------------------------- 6: a relative PAPERLAB_CACHE


def test_relative_cache_means_the_same_folder_inside_a_notebook_run(tmp_path, monkeypatch):
    nb = _notebook(tmp_path / "nb" / "n.ipynb", "import os\nprint(os.environ['PAPERLAB_CACHE'])")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PAPERLAB_CACHE", "rel/cache")
    notebooks.execute(nb, tmp_path / "out" / "n.ipynb")  # the kernel runs in tmp_path/nb
    assert _stdout(tmp_path / "out" / "n.ipynb") == str(tmp_path / "rel" / "cache")


# --------------------------------------------------------------------------- 8: run and diagrams --out


def test_run_on_a_full_disk_is_one_line(paper, tmp_path, monkeypatch, capsys):
    marker = tmp_path / "ran"
    _notebook(paper, f"open({str(marker)!r}, 'w').close()")

    def full_disk(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)  # the up-front test write
    assert cli.main(["run", "01", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "nothing was run" in err and not marker.exists()
    monkeypatch.undo()
    monkeypatch.setattr(catalog, "ROOT", tmp_path)

    def execute(src, dst, **kw):  # the disk fills up during the run
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(notebooks, "execute", execute)
    assert cli.main(["run", "01", "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and str(tmp_path / "out") in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_diagrams_into_an_unwritable_folder_is_one_line(tmp_path, monkeypatch, capsys):
    import paperlab.diagrams as diagrams

    calls = []

    def render_all(out, only=None):
        calls.append(out)
        raise PermissionError(errno.EACCES, "Permission denied", str(out / "01_lowrank_mhsa.dot"))

    monkeypatch.setattr(diagrams, "render_all", render_all)
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    assert cli.main(["diagrams", "--out", str(a_file / "diagrams")]) == 2  # checked up front
    err = capsys.readouterr().err
    assert err.startswith("paperlab diagrams: cannot write") and "nothing was drawn" in err and not calls
    assert cli.main(["diagrams", "--out", str(tmp_path / "d")]) == 1  # a read-only checkout, mid-way
    err = capsys.readouterr().err
    assert err.startswith("paperlab diagrams: could not write") and "Permission denied" in err
    assert len(err.strip().splitlines()) == 1


# --------------------------------------------------------------------------- 9: stale figures


def _figures_nb(n: int) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    png = "iVBORw0KGgo="
    for _ in range(n):
        cell = nbformat.v4.new_code_cell("plot()")
        cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png})]
        nb.cells.append(cell)
    return nb


def test_a_rerun_with_fewer_figures_leaves_no_stale_ones(tmp_path):
    folder = tmp_path / "figures"
    first = notebooks.save_figures(_figures_nb(3), folder, "01_lowrank_mhsa")
    keep = [
        folder / "02_fccov_sdr-cell02-0.png",
        folder / "my-plot.png",
        folder / "01_lowrank_mhsa-notes.png",
    ]
    for path in keep:
        path.write_bytes(b"not ours")
    second = notebooks.save_figures(_figures_nb(1), folder, "01_lowrank_mhsa")
    assert len(first) == 3 and len(second) == 1
    assert sorted(folder.iterdir()) == sorted([*second, *keep])


# --------------------------------------------------------------------------- 10: a device that is not there


@pytest.mark.parametrize(
    ("value", "cuda", "count", "mps"),
    [
        ("cuda", False, 0, False),
        ("cuda:7", True, 1, False),
        ("mps", False, 0, False),
        ("cuda", False, 0, True),
    ],
)
def test_a_device_this_machine_lacks_is_refused_at_setup(monkeypatch, value, cuda, count, mps):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    monkeypatch.setenv("PAPERLAB_DEVICE", value)
    with pytest.raises(SettingError) as err:
        paperlab.setup(verbose=False)
    message = str(err.value)
    assert "PAPERLAB_DEVICE" in message and repr(value) in message and "cpu" in message
    assert ("cuda:0" in message) == cuda and ("mps" in message.split("it has")[1]) == mps
    with pytest.raises(SettingError, match="'device'|device is"):
        config.pick_device(value)


def test_run_refuses_a_missing_device_before_the_kernel(paper, tmp_path, monkeypatch, capsys):
    marker = tmp_path / "ran"
    _notebook(paper, f"open({str(marker)!r}, 'w').close()")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv("PAPERLAB_DEVICE", "cuda:0")
    assert cli.main(["run", "01", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("paperlab: PAPERLAB_DEVICE is 'cuda:0'") and not marker.exists()


# --------------------------------------------------------------------------- 13: trust only committed notebooks


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        check=True,
        capture_output=True,
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_only_committed_unchanged_notebooks_are_trusted(tmp_path):
    _notebook(tmp_path / "notebooks" / "01_lowrank_mhsa.ipynb", "print(1)")
    _notebook(tmp_path / "notebooks" / "02_changed.ipynb", "print(2)")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "notebooks")
    _git(tmp_path, "commit", "-q", "-m", "notebooks")
    _notebook(tmp_path / "notebooks" / "02_changed.ipynb", "print('replaced')")
    _notebook(tmp_path / "notebooks" / "dropped_in.ipynb", "print('evil')")
    assert [p.name for p in notebooks.committed_notebooks(tmp_path)] == ["01_lowrank_mhsa.ipynb"]


def test_without_git_only_catalogue_notebooks_are_trusted(tmp_path, monkeypatch):
    _notebook(tmp_path / "notebooks" / "01_lowrank_mhsa.ipynb", "print(1)")
    _notebook(tmp_path / "notebooks" / "dropped_in.ipynb", "print('evil')")
    monkeypatch.setattr(notebooks.shutil, "which", lambda name: None)
    assert [p.name for p in notebooks.committed_notebooks(tmp_path)] == ["01_lowrank_mhsa.ipynb"]


def test_trust_committed_trusts_nothing_else(tmp_path, monkeypatch):
    _notebook(tmp_path / "notebooks" / "01_lowrank_mhsa.ipynb", "print(1)")
    _notebook(tmp_path / "notebooks" / "dropped_in.ipynb", "print('evil')")
    monkeypatch.setattr(notebooks.shutil, "which", lambda name: None)
    calls = []
    monkeypatch.setattr(notebooks.subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    notebooks.trust_committed(tmp_path)
    (cmd,) = calls
    assert cmd[-2:] == ["trust", str(tmp_path / "notebooks" / "01_lowrank_mhsa.ipynb")]


def test_bootstrap_and_postbuild_trust_committed_notebooks_only():
    for script in (ROOT / "scripts" / "bootstrap", ROOT / "postBuild"):
        text = script.read_text()
        assert "trust notebooks/*.ipynb" not in text and "trust_committed()" in text, script.name


def test_committed_notebooks_of_this_repository_are_trusted():
    paths = notebooks.committed_notebooks(ROOT)
    assert paths and all(p.parent == ROOT / "notebooks" for p in paths)
    assert json.loads(paths[0].read_text())["cells"]

"""Fault tests of notebook runs (issue 11): failed and interrupted runs, --out checked first, stems."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from paperlab import catalog, cli
from paperlab.notebooks import NotebookFailed, NotebookInterrupted, execute

ROOT = Path(__file__).resolve().parent.parent


def _notebook(path: Path, *sources: str, stale: str = "COMMITTED OUTPUT") -> Path:
    """A notebook whose cells all hold a stale committed output (what a partial run must not keep)."""
    nb = nbformat.v4.new_notebook()
    for src in sources:
        cell = nbformat.v4.new_code_cell(src)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stale + "\n")]
        cell.execution_count = 1
        nb.cells.append(cell)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def paper(tmp_path, monkeypatch):
    """A fake catalogue root whose notebook 01 the test writes."""
    monkeypatch.setattr(catalog, "ROOT", tmp_path)
    monkeypatch.delenv("PAPERLAB_MODE", raising=False)
    return tmp_path / "notebooks" / "01_lowrank_mhsa.ipynb"


def _outputs(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs)


def test_failed_run_writes_a_failed_file_and_exits_1(paper, tmp_path, capsys):
    _notebook(paper, "print('first')", "raise ValueError('boom in the middle')", "print('after')")
    out = tmp_path / "out"
    assert cli.main(["run", "01", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "ValueError: boom in the middle" in err and "cell 1" in err and "CellExecutionError" not in err
    assert not (out / paper.name).exists()  # never a partial run under the finished name
    failed = nbformat.read(out / "01_lowrank_mhsa.failed.ipynb", as_version=4)
    banner, first, bad, after = failed.cells
    assert (
        banner.cell_type == "markdown" and "failed" in banner.source and "boom in the middle" in banner.source
    )
    assert "raise ValueError" in banner.source and banner.metadata["paperlab"]["cell"] == 1
    assert _outputs(first).strip() == "first"
    assert any(o.output_type == "error" and o.ename == "ValueError" for o in bad.outputs)
    assert after.outputs == [] and after.execution_count is None  # no committed output left behind
    assert str(out / "01_lowrank_mhsa.failed.ipynb") in err


def test_a_later_complete_run_removes_the_failed_file(paper, tmp_path):
    out = tmp_path / "out"
    _notebook(paper, "raise RuntimeError('x')")
    assert cli.main(["run", "01", "--out", str(out)]) == 1
    _notebook(paper, "print('fixed')")
    assert cli.main(["run", "01", "--out", str(out)]) == 0
    assert (out / paper.name).is_file() and not (out / "01_lowrank_mhsa.failed.ipynb").exists()
    assert _outputs(nbformat.read(out / paper.name, as_version=4).cells[0]).strip() == "fixed"


def test_kernel_side_keyboard_interrupt_exits_130(paper, tmp_path, capsys):
    _notebook(paper, "raise KeyboardInterrupt", "print('after')")
    assert cli.main(["run", "01", "--out", str(tmp_path / "out")]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "KeyboardInterrupt" in err and "AssertionError" not in err
    assert (tmp_path / "out" / "01_lowrank_mhsa.failed.ipynb").is_file()


def test_ctrl_c_in_this_process_exits_130_with_a_failed_file(paper, tmp_path, capsys):
    marker = tmp_path / "started"
    _notebook(paper, f"open({str(marker)!r}, 'w').close()\nimport time\ntime.sleep(60)", "print('after')")

    def interrupt():
        deadline = time.time() + 60
        while not marker.exists() and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    t0 = time.time()
    assert cli.main(["run", "01", "--out", str(tmp_path / "out")]) == 130
    assert time.time() - t0 < 50
    err = capsys.readouterr().err
    assert "interrupted" in err and "AssertionError" not in err
    failed = nbformat.read(tmp_path / "out" / "01_lowrank_mhsa.failed.ipynb", as_version=4)
    assert failed.cells[0].metadata["paperlab"] == {
        "status": "interrupted",
        "cell": 0,
        "error": failed.cells[0].metadata["paperlab"]["error"],
    }
    assert failed.cells[2].outputs == []


def test_out_is_checked_before_any_cell_runs(paper, tmp_path, capsys):
    marker = tmp_path / "ran"
    _notebook(paper, f"open({str(marker)!r}, 'w').close()")
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    for out in (a_file, a_file / "sub"):
        assert cli.main(["run", "01", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert "cannot write to --out" in err and str(out) in err and "nothing was run" in err
    (tmp_path / "out" / paper.name).mkdir(parents=True)  # the notebook's place is taken by a folder
    assert cli.main(["run", "01", "--out", str(tmp_path / "out")]) == 2
    assert "is not a file" in capsys.readouterr().err
    assert not marker.exists()
    assert a_file.read_text() == "x"


def test_bad_setting_is_reported_before_the_run(paper, tmp_path, capsys, monkeypatch):
    marker = tmp_path / "ran"
    _notebook(paper, f"open({str(marker)!r}, 'w').close()")
    monkeypatch.setenv("PAPERLAB_THREADS", "2.5")
    assert cli.main(["run", "01", "--out", str(tmp_path / "out")]) == 2
    assert "PAPERLAB_THREADS" in capsys.readouterr().err and not marker.exists()


def test_number_and_slug_must_agree(capsys):
    assert cli.main(["run", "19_lowrank_mhsa"]) == 2
    err = capsys.readouterr().err
    assert "01_lowrank_mhsa" in err and "19_scale_mixture_nngp" in err and "disagree" in err
    with pytest.raises(catalog.UnknownPaper, match="no paper 60"):
        catalog.get("60_lowrank_mhsa")
    assert catalog.get("01_lowrank_mhsa").number == 1
    assert catalog.get("notebooks/19_scale_mixture_nngp.ipynb").number == 19


def test_execute_in_place_never_overwrites_on_failure(tmp_path):
    nb = _notebook(tmp_path / "n.ipynb", "print(1)", "1/0")
    before = nb.read_bytes()
    with pytest.raises(NotebookFailed) as err:
        execute(nb, nb, failed=tmp_path / "elsewhere" / "n.failed.ipynb")
    assert not isinstance(err.value, NotebookInterrupted) and "ZeroDivisionError" in err.value.error
    assert nb.read_bytes() == before and (tmp_path / "elsewhere" / "n.failed.ipynb").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def _run_notebooks(*args, **kw):
    return subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "run_notebooks.py"), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "TMPDIR": str(kw["tmp"])},
    )


def test_run_notebooks_keeps_a_failed_notebook_and_replaces_a_good_one(tmp_path):
    bad = _notebook(tmp_path / "02_bad.ipynb", "print(1)", "raise ValueError('nope')")
    good = _notebook(tmp_path / "01_good.ipynb", "print('fresh')")
    before = bad.read_bytes()
    proc = _run_notebooks(good, bad, tmp=tmp_path)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 1, out
    assert bad.read_bytes() == before and "ValueError: nope" in out and "left as committed" in out
    assert _outputs(nbformat.read(good, as_version=4).cells[0]).strip() == "fresh"
    private = tmp_path / f"paperlab-failed-{os.geteuid()}"  # per user, 0700 (issue 29)
    assert (private / "02_bad.failed.ipynb").is_file() and (private.stat().st_mode & 0o777) == 0o700


def test_run_notebooks_stops_on_ctrl_c_and_keeps_the_notebook(tmp_path):
    marker = tmp_path / "started"
    first = _notebook(
        tmp_path / "01_slow.ipynb", f"open({str(marker)!r}, 'w').close()\nimport time\ntime.sleep(60)"
    )
    second = _notebook(tmp_path / "02_next.ipynb", "print('should not run')")
    before = first.read_bytes(), second.read_bytes()
    proc = _run_notebooks(first, second, tmp=tmp_path)
    deadline = time.time() + 90
    while not marker.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, out
    assert "INTERRUPTED 01_slow.ipynb" in out and "02_next" not in out
    assert (first.read_bytes(), second.read_bytes()) == before


def test_run_notebooks_on_sigterm_reports_a_stop_and_keeps_the_notebook(tmp_path):
    marker = tmp_path / "started"
    nb = _notebook(
        tmp_path / "01_slow.ipynb", f"open({str(marker)!r}, 'w').close()\nimport time\ntime.sleep(60)"
    )
    before = nb.read_bytes()
    proc = _run_notebooks(nb, tmp=tmp_path)
    deadline = time.time() + 90
    while not marker.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(0.3)
    proc.terminate()
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, out
    assert (
        "INTERRUPTED 01_slow.ipynb" in out
        and "AssertionError" not in out.split("INTERRUPTED")[1].splitlines()[0]
    )
    assert nb.read_bytes() == before

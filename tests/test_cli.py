import nbformat
import pytest

from paperlab import catalog, cli


def test_list_shows_all_papers(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "47 papers" in out
    for p in catalog.PAPERS:
        assert p.slug in out


def test_mistyped_slug_suggests(capsys):
    assert cli.main(["run", "lowrank_mhs"]) == 2
    assert "lowrank_mhsa" in capsys.readouterr().err


def test_help_exits_cleanly(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0 and "run" in capsys.readouterr().out


def _tiny_notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import os\nprint(os.environ['PAPERLAB_MODE'])"),
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()"),
    ]
    nbformat.write(nb, path)


def test_run_writes_to_out_and_leaves_notebooks_untouched(tmp_path, monkeypatch, capsys):
    (tmp_path / "notebooks").mkdir()
    src = tmp_path / "notebooks" / "01_lowrank_mhsa.ipynb"
    _tiny_notebook(src)
    before = src.read_bytes()
    monkeypatch.setattr(catalog, "ROOT", tmp_path)
    monkeypatch.delenv("PAPERLAB_MODE", raising=False)
    out = tmp_path / "out"
    assert cli.main(["run", "lowrank_mhsa", "--out", str(out)]) == 0
    assert src.read_bytes() == before
    executed = nbformat.read(out / "01_lowrank_mhsa.ipynb", as_version=4)
    assert executed["cells"][0]["outputs"][0]["text"].strip() == "fast"
    assert list((out / "figures").glob("01_lowrank_mhsa-*.png"))
    assert str(out) in capsys.readouterr().out
    assert cli.main(["run", "lowrank_mhsa", "--out", str(tmp_path / "notebooks")]) == 2


def test_diagrams_without_dot_is_one_line_and_exit_1(monkeypatch, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import paperlab.diagrams as diagrams
    from paperlab import cli

    def no_dot(out, only=None):  # type: ignore[no-untyped-def]
        raise diagrams.DotMissing("wrote 2 .dot file(s) to x but no SVG: install graphviz")

    monkeypatch.setattr(diagrams, "render_all", no_dot)
    assert cli.main(["diagrams", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("paperlab diagrams: wrote 2 .dot") and "Traceback" not in err

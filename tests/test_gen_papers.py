"""scripts/gen_papers.py stops with one line, and leaves PAPERS.md alone, on a ledger it cannot read."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from paperlab import claims

ROOT = Path(__file__).resolve().parent.parent


def _gen_papers():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_papers_under_test", ROOT / "scripts" / "gen_papers.py")
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def test_a_bad_ledger_stops_gen_papers_with_one_line(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    mod = _gen_papers()
    out = tmp_path / "PAPERS.md"
    out.write_text("as it was\n")
    monkeypatch.setattr(mod, "PATH", out)

    def bad() -> str:
        raise claims.LedgerError("calibration/01_lowrank_mhsa.json: holds no seeds")

    monkeypatch.setattr(mod, "papers_markdown", bad)
    assert mod.main([]) == 2 and mod.main(["--check"]) == 2
    assert out.read_text() == "as it was\n"
    assert capsys.readouterr().err.count("01_lowrank_mhsa.json: holds no seeds") == 2

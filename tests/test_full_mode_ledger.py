"""scripts/full_mode.py's results ledger (issue 29, item 12): a uniquely named temporary file per
write, and each run's entry merged into the ledger as it is on disk at write time (under a lock),
so two sessions sharing one ledger keep each other's entries. No notebook runs: run_one is faked."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def full_mode(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("full_mode_under_test", ROOT / "scripts" / "full_mode.py")
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def _entry(status: str = "ok") -> dict:
    return {"device": "cpu: test", "status": status, "wall_s": 0.1}


def test_two_sessions_keep_each_others_entries(full_mode, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ledger = tmp_path / "results" / "full_mode.json"
    ledger.parent.mkdir()
    ledger.write_text(json.dumps({"00_before": {"smoke": _entry()}}))  # what was there at the start

    def run_one(path, out, *, smoke, timeout):  # type: ignore[no-untyped-def]
        # meanwhile another session records its own run in the same ledger
        other = json.loads(ledger.read_text())
        other[f"other_{path.stem}"] = {"smoke": _entry()}
        ledger.write_text(json.dumps(other))
        return _entry()

    monkeypatch.setattr(full_mode, "run_one", run_one)
    assert full_mode.main(["01", "02", "--smoke-only", "--ledger", str(ledger), "--out", str(tmp_path)]) == 0
    data = json.loads(ledger.read_text())
    assert set(data) == {
        "00_before",
        "other_01_lowrank_mhsa",
        "01_lowrank_mhsa",
        "other_02_tpsgd_local_targets",
        "02_tpsgd_local_targets",
    }
    assert data["01_lowrank_mhsa"]["smoke"]["status"] == "ok"


def test_each_write_uses_its_own_tmp_name(full_mode, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ledger = tmp_path / "full_mode.json"
    renamed: list[str] = []
    real_replace = os.replace

    def replace(src, dst):  # type: ignore[no-untyped-def]
        renamed.append(Path(src).name)
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(full_mode, "run_one", lambda *a, **kw: _entry())
    assert full_mode.main(["01", "02", "--smoke-only", "--ledger", str(ledger), "--out", str(tmp_path)]) == 0
    assert len(renamed) == 2 and len(set(renamed)) == 2, renamed
    assert "full_mode.json.tmp" not in renamed  # the fixed name two sessions would share
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full_mode.json"]  # no tmp or lock left


def test_an_interrupted_run_is_recorded(full_mode, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ledger = tmp_path / "full_mode.json"

    def run_one(path, out, *, smoke, timeout):  # type: ignore[no-untyped-def]
        raise full_mode.Interrupted(_entry("interrupted"))

    monkeypatch.setattr(full_mode, "run_one", run_one)
    assert full_mode.main(["01", "--smoke-only", "--ledger", str(ledger), "--out", str(tmp_path)]) == 130
    assert json.loads(ledger.read_text())["01_lowrank_mhsa"]["smoke"]["status"] == "interrupted"


def test_a_bad_ledger_or_folder_is_refused_before_any_run(full_mode, tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    ran = []
    monkeypatch.setattr(full_mode, "run_one", lambda *a, **kw: ran.append(1) or _entry())
    bad = tmp_path / "full_mode.json"
    bad.write_text('{"01": ')
    assert full_mode.main(["01", "--smoke-only", "--ledger", str(bad), "--out", str(tmp_path)]) == 2
    assert "full_mode.json: not valid JSON" in capsys.readouterr().err
    (tmp_path / "afile").write_text("")
    under_file = tmp_path / "afile" / "full_mode.json"
    assert full_mode.main(["01", "--smoke-only", "--ledger", str(under_file), "--out", str(tmp_path)]) == 2
    assert "cannot write in" in capsys.readouterr().err and ran == []

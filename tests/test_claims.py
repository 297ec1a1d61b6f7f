"""paperlab.claims: clause verdicts, the claim table, `paperlab calibrate` and the ledger check."""

from __future__ import annotations

import json
import types

import pytest

from paperlab import claims, cli
from paperlab.claims import Claim, Clause

SLUG = "lowrank_mhsa"  # any catalogue slug; the module is faked below


def _claim(threshold: float = 0.9, reproduced: bool = True) -> Claim:
    return Claim(
        slug=SLUG,
        statement="the toy claim",
        clauses=(
            Clause("acc", "test accuracy", ">=", 0.5, kind="sanity"),
            Clause("gap", "accuracy over the control", ">=", threshold, kind="evidence"),
            Clause("loss", "a number we only report", "<=", 0.1, kind="reported"),
        ),
        reproduced=reproduced,
    )


def test_clause_validates_and_compares() -> None:
    c = Clause("x", "x", "<", 1.0)
    assert c.holds(0.5) and not c.holds(1.0) and not c.holds(float("nan"))
    with pytest.raises(ValueError, match="op must be"):
        Clause("x", "x", "=>", 1.0)
    with pytest.raises(ValueError, match="kind must be"):
        Clause("x", "x", ">=", 1.0, kind="proof")
    with pytest.raises(ValueError, match="finite"):
        Clause("x", "x", ">=", float("inf"))


def test_claim_needs_evidence_controls_and_known_slug() -> None:
    with pytest.raises(ValueError, match="evidence clause"):
        Claim(SLUG, "s", (Clause("a", "a", ">=", 0, kind="sanity"),))
    with pytest.raises(KeyError):
        Claim("no_such_paper_xyz", "s", (Clause("a", "a", ">=", 0),))
    claim = _claim()
    with pytest.raises(ValueError, match="negative control"):
        claim.check({"ours": {"acc": 1, "gap": 1, "loss": 0}})
    with pytest.raises(ValueError, match="missing clauses"):
        claim.check({"ours": {"acc": 1, "gap": 1, "loss": 0}, "c": {"acc": 1}})


def test_table_verdicts() -> None:
    claim = _claim()
    good = claim.check(
        {"ours": {"acc": 0.9, "gap": 0.95, "loss": 0.5}, "1-NN": {"acc": 0.9, "gap": 0.2, "loss": 0}}
    )
    assert good.holds
    good.assert_holds()
    text = str(good)
    assert "control: 1-NN" in text and "FAIL" in text and "HOLDS" in text and "not met" in text
    # a control that passes every evidence clause makes the claim no evidence
    bad = claim.check(
        {"ours": {"acc": 0.9, "gap": 0.95, "loss": 0}, "copy": {"acc": 0.9, "gap": 0.99, "loss": 0}}
    )
    assert not bad.holds and bad.controls_passing() == ["copy"]
    with pytest.raises(AssertionError, match="controls pass"):
        bad.assert_holds()
    # a reported clause is never asserted
    assert claim.check(
        {"ours": {"acc": 0.9, "gap": 0.95, "loss": 9}, "c": {"acc": 0, "gap": 0, "loss": 0}}
    ).holds


def test_not_reproduced_asserts_only_sanity() -> None:
    claim = _claim(reproduced=False)
    t = claim.check({"ours": {"acc": 0.9, "gap": 0.1, "loss": 0}, "c": {"acc": 0.9, "gap": 0.2, "loss": 0}})
    assert t.holds and "NOT REPRODUCED" in str(t)
    t.assert_holds()
    t = claim.check({"ours": {"acc": 0.1, "gap": 0.1, "loss": 0}, "c": {"acc": 0.9, "gap": 0.2, "loss": 0}})
    with pytest.raises(AssertionError):
        t.assert_holds()


def _fake_module(claim: Claim) -> types.SimpleNamespace:
    def claim_experiment(seed: int) -> dict:
        return {
            "ours": {"acc": 0.8, "gap": 0.9 + 0.01 * seed, "loss": 0.0},
            "control": {"acc": 0.8, "gap": 0.1, "loss": 1},
        }

    return types.SimpleNamespace(CLAIM=claim, claim_experiment=claim_experiment)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path):  # type: ignore[no-untyped-def]
    state = {"claim": _claim()}
    monkeypatch.setattr(claims, "module_of", lambda slug: _fake_module(state["claim"]))
    monkeypatch.setattr(claims, "LEDGER_DIR", tmp_path)
    return state


def test_calibrate_writes_a_ledger_the_check_accepts(fake, capsys) -> None:  # type: ignore[no-untyped-def]
    assert cli.main(["calibrate", SLUG, "--seeds", "0", "1", "2"]) == 0
    path = claims.ledger_path(SLUG)
    ledger = json.loads(path.read_text())
    assert sorted(ledger["seeds"]) == ["0", "1", "2"] and ledger["mode"] == "fast"
    assert ledger["seeds"]["2"]["rows"]["ours"]["gap"] == pytest.approx(0.92)
    assert {"torch", "numpy", "python", "paperlab"} <= set(ledger["versions"])
    assert claims.ledger_problems(ledger, fake["claim"]) == []
    table = claims.ledger_table(SLUG)
    assert "0.9..0.92 (3/3 pass)" in table and "control: control" in table and "0.1 (0/3 pass)" in table
    assert "HOLDS" in capsys.readouterr().out


def test_ledger_check_fails_when_a_threshold_moves(fake) -> None:  # type: ignore[no-untyped-def]
    ledger = claims.calibrate(SLUG, [0, 1, 2], echo=lambda *_: None)
    loosened = _claim(threshold=0.05)  # moved after seeing the data: the control now passes
    problems = claims.ledger_problems(ledger, loosened)
    assert problems and "differ from the ledger" in problems[0]
    # and a ledger without seed 2 is incomplete
    del ledger["seeds"]["2"]
    assert any("seeds 0, 1, 2" in p for p in claims.ledger_problems(ledger, fake["claim"]))


def test_calibrate_reports_a_claim_that_fails(fake, capsys) -> None:  # type: ignore[no-untyped-def]
    fake["claim"] = _claim(threshold=0.95)  # ours (0.90-0.92) now fails
    assert cli.main(["calibrate", SLUG, "--seeds", "0", "--dry-run"]) == 1
    assert not claims.ledger_path(SLUG).exists()
    assert "does not hold on seeds ['0']" in capsys.readouterr().err


def test_calibrate_rejects_bad_seeds_and_modules(fake) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="seeds"):
        claims.calibrate(SLUG, [0, 0])
    assert cli.main(["calibrate", SLUG, "--seeds", "-1"]) == 2


def test_module_without_claim_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(claims.importlib, "import_module", lambda name: types.SimpleNamespace())
    with pytest.raises(ValueError, match="defines no CLAIM"):
        claims.module_of(SLUG)

"""paperlab.claims: clause verdicts, the claim table, `paperlab calibrate` and the ledger check."""

from __future__ import annotations

import errno
import fcntl
import io
import json
import multiprocessing
import os
import re
import types
from pathlib import Path

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


def _toy_experiment(seed: int) -> dict:
    return {
        "ours": {"acc": 0.8, "gap": 0.9 + 0.01 * seed, "loss": 0.0},
        "control": {"acc": 0.8, "gap": 0.1, "loss": 1},
    }


def _fake_module(state: dict) -> types.SimpleNamespace:
    def claim_experiment(seed: int) -> dict:
        state["ran"].append(seed)
        return state["experiment"](seed)

    return types.SimpleNamespace(CLAIM=state["claim"], claim_experiment=claim_experiment)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path):  # type: ignore[no-untyped-def]
    """A fake paper module (``state["claim"]``, ``state["experiment"]``); seeds run go to ``state["ran"]``;
    ledgers go to ``tmp_path / "calibration"``."""
    state = {"claim": _claim(), "experiment": _toy_experiment, "ran": []}
    monkeypatch.setattr(claims, "module_of", lambda slug: _fake_module(state))
    monkeypatch.setattr(claims, "LEDGER_DIR", tmp_path / "calibration")
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


# --------------------------------------------------------------------------- contract v3: the API

STRONG = "linear probe"


def _v3_claim(margin: float = 0.05, reproduced: bool = True, **kw) -> Claim:  # type: ignore[no-untyped-def]
    return Claim(
        slug=SLUG,
        statement="ours beats the strongest simple alternative",
        clauses=(
            Clause("acc", "test accuracy", ">=", 0.5, kind="sanity"),
            Clause.over_strongest("acc", "accuracy over the linear probe's, same seed", ">=", margin),
        ),
        reproduced=reproduced,
        controls=(
            claims.Control(STRONG, "the parameter-free baseline the field tries first", strongest=True),
            claims.Control("untrained", "the mechanism with no training"),
        ),
        **kw,
    )


def test_margin_clause_compares_with_the_strongest_control_on_the_same_seed() -> None:
    claim = _v3_claim()
    c = claim.clause("acc_over_strongest")
    assert c.relative and c.metric == "acc" and c.over == STRONG  # resolved from STRONGEST
    assert c.as_dict()["over"] == STRONG and "metric" not in Clause("a", "a", ">=", 0).as_dict()
    t = claim.check({"ours": {"acc": 0.9}, STRONG: {"acc": 0.8}, "untrained": {"acc": 0.1}})
    assert t.rows["ours"]["acc_over_strongest"] == pytest.approx(0.1)
    assert t.rows[STRONG]["acc_over_strongest"] == 0.0 and t.holds
    text = str(t)
    assert (
        f"control: {STRONG} (strongest)" in text and "strongest control linear probe: the parameter" in text
    )
    # the strongest control within the margin: it passes every evidence clause -> no evidence
    assert not claim.check({"ours": {"acc": 0.82}, STRONG: {"acc": 0.8}, "untrained": {"acc": 0.1}}).holds
    with pytest.raises(ValueError, match="claim names controls the rows lack"):
        claim.check({"ours": {"acc": 0.9}, "untrained": {"acc": 0.1}})


def test_v3_claim_validation() -> None:
    with pytest.raises(ValueError, match="no Control"):
        Claim(SLUG, "s", (Clause.over_strongest("acc", "a", ">=", 0.1),))
    with pytest.raises(ValueError, match="zero margin"):
        Clause.over_strongest("acc", "a", ">=", 0.0)  # the strongest itself would pass
    with pytest.raises(ValueError, match="one line"):
        claims.Control("x", "two\nlines")
    with pytest.raises(ValueError, match="only one control is the strongest"):
        Claim(
            SLUG,
            "s",
            (Clause("a", "a", ">=", 0),),
            controls=(claims.Control("x", "why", strongest=True), claims.Control("y", "why", strongest=True)),
        )
    with pytest.raises(ValueError, match="budget_reason"):
        _v3_claim(budget_limited=True)
    claim = _v3_claim(budget_limited=True, budget_reason="ours still on its plateau at 300 steps")
    t = claim.check({"ours": {"acc": 0.9}, STRONG: {"acc": 0.8}, "untrained": {"acc": 0.1}})
    assert "budget-limited: ours still on its plateau" in str(t)
    assert claim.as_dict()["budget_limited"] is True and claim.as_dict()["controls"][0]["strongest"] is True


def _v3_experiment(seed: int) -> dict:
    return {"ours": {"acc": 0.9 + 0.01 * seed}, STRONG: {"acc": 0.8}, "untrained": {"acc": 0.1}}


def test_v3_ledger_keeps_the_contract_on_six_seeds(fake, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delitem(claims.V3_PENDING, SLUG)
    fake.update(claim=_v3_claim(), experiment=_v3_experiment)
    ledger = claims.calibrate(SLUG, claims.CALIBRATION_SEEDS, echo=lambda *_: None)
    problems = claims.v3_problems(claims.load_ledger(SLUG), fake["claim"])
    assert len(problems) == 1 and "seeds 0-5" in problems[0] and "--seeds 3 4 5" in problems[0]
    ledger = claims.calibrate(SLUG, claims.HELDOUT_SEEDS, echo=lambda *_: None)  # merged
    assert sorted(ledger["seeds"], key=int) == ["0", "1", "2", "3", "4", "5"]
    ledger = claims.load_ledger(SLUG)
    assert ledger["claim"]["controls"][0] == {
        "row": STRONG,
        "why": "the parameter-free baseline the field tries first",
        "strongest": True,
    }
    assert claims.ledger_problems(ledger, fake["claim"]) == []
    assert claims.v3_problems(ledger, fake["claim"]) == []
    (m,) = claims.margins(ledger)
    assert m.min_gap == pytest.approx(0.1) and not m.within_spread
    table = claims.ledger_table(SLUG)
    assert "seeds 0, 1, 2 (calibration), 3, 4, 5 (held-out)" in table
    assert f"control: {STRONG} (strongest)" in table and "0 (0/6 pass)" in table
    assert "acc_over_strongest +0.1 vs 0.019" in table and "holds on every seed (6/6)" in table
    assert "checked under contract v3" in table and claims.contract_version(SLUG) == 3
    key, text = claims.ledger_status(ledger)
    assert (
        key == "reproduced"
        and f"beats its strongest control {STRONG}" in text
        and "seeds 0, 1, 2, 3, 4, 5" in text
    )
    # a v2 claim (no strongest control) does not keep v3 even on six seeds
    assert any("names no strongest control" in p for p in claims.v3_problems(ledger, _claim()))


def test_v3_flags_a_margin_inside_the_seed_spread(fake) -> None:  # type: ignore[no-untyped-def]
    fake.update(
        claim=_v3_claim(margin=0.05),
        experiment=lambda s: {
            "ours": {"acc": 0.86 + 0.14 * (s % 2)},
            STRONG: {"acc": 0.8},
            "untrained": {"acc": 0},
        },
    )
    claims.calibrate(SLUG, claims.V3_SEEDS, echo=lambda *_: None)
    ledger = claims.load_ledger(SLUG)
    (m,) = claims.margins(ledger)
    assert (
        m.min_gap == pytest.approx(0.06) and m.spread == pytest.approx(0.0767, abs=1e-3) and m.within_spread
    )
    assert "inside the seed spread: not evidence" in claims.ledger_table(SLUG)
    problems = claims.v3_problems(ledger, fake["claim"])
    assert len(problems) == 1 and "outside the seed spread" in problems[0]


def test_v3_names_the_seeds_a_claim_fails_on(fake) -> None:  # type: ignore[no-untyped-def]
    # ours drops below the margin on held-out seed 4: marked reproduced, the ledger check fails and says where
    fake.update(
        claim=_v3_claim(),
        experiment=lambda s: {
            "ours": {"acc": 0.82 if s == 4 else 0.9},
            STRONG: {"acc": 0.8},
            "untrained": {"acc": 0},
        },
    )
    ledger = claims.calibrate(SLUG, claims.V3_SEEDS, echo=lambda *_: None)
    assert [s for s, e in ledger["seeds"].items() if not e["holds"]] == ["4"]
    assert any(
        "does not hold on seed 4" in p for p in claims.v3_problems(claims.load_ledger(SLUG), fake["claim"])
    )
    assert "the claim fails on seed 4 (5/6 hold)" in claims.ledger_table(SLUG)
    # marked not reproduced, the table and the status still name the seed
    fake["claim"] = _v3_claim(reproduced=False)
    claims.calibrate(SLUG, [0], echo=lambda *_: None)  # same clauses and controls: merges
    ledger = claims.load_ledger(SLUG)
    assert claims.v3_problems(ledger, fake["claim"]) == []
    assert "asserted as reproduced, fails on seed 4" in claims.ledger_table(SLUG)
    assert claims.ledger_status(ledger) == (
        "not-reproduced",
        "not reproduced at this scale (seeds 0, 1, 2, 3, 4, 5; fails on seed 4); checked under contract v2 (seeds 0–2)",
    )


def test_contract_version_follows_the_pending_list(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert claims.contract_version(
        "01_lowrank_mhsa"
    ) == 2 and "contract v2 (seeds 0–2)" in claims.contract_note(1)
    monkeypatch.delitem(claims.V3_PENDING, SLUG)
    assert claims.contract_version(SLUG) == 3 and "contract v3" in claims.contract_note(SLUG)


# --------------------------------------------------------------------------- issue 29, items 4, 5, 7


def test_calibrate_checks_where_it_writes_before_any_seed(fake, tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """Item 4: a ledger folder that cannot be written is refused before the first seed runs."""
    (tmp_path / "afile").write_text("x")
    monkeypatch.setattr(claims, "LEDGER_DIR", tmp_path / "afile" / "calibration")  # under a file (root too)
    with pytest.raises(claims.LedgerError, match="cannot write in"):
        claims.calibrate(SLUG, [0, 1, 2], echo=lambda *_: None)
    assert fake["ran"] == []
    assert cli.main(["calibrate", SLUG, "--seeds", "0", "1", "2"]) == 2
    assert fake["ran"] == [] and "cannot write in" in capsys.readouterr().err


def test_calibrate_refuses_a_read_only_folder_before_any_seed(fake, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Item 4: a read-only checkout (EROFS, which binds root too), simulated on every file creation there."""
    folder = claims.LEDGER_DIR
    folder.mkdir()
    real_open = io.open

    def read_only(file, mode="r", *a, **kw):  # type: ignore[no-untyped-def]
        if any(m in mode for m in "wxa") and str(file).startswith(str(folder)):
            raise OSError(errno.EROFS, "Read-only file system", str(file))
        return real_open(file, mode, *a, **kw)

    monkeypatch.setattr(io, "open", read_only)
    with pytest.raises(claims.LedgerError, match="Read-only file system"):
        claims.calibrate(SLUG, [0, 1, 2], echo=lambda *_: None)
    assert fake["ran"] == []


class _FullDisk:
    """A file whose writes fail with ENOSPC (the file itself was created, as on a full disk)."""

    def __init__(self, f) -> None:  # type: ignore[no-untyped-def]
        self.f = f

    def write(self, data: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self

    def __exit__(self, *exc) -> None:  # type: ignore[no-untyped-def]
        self.f.close()

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.f, name)


def _fill_disk(monkeypatch, only: str = "") -> None:  # type: ignore[no-untyped-def]
    """Writes to new ``*.tmp`` files whose name holds ``only`` fail with ENOSPC (the file is created)."""
    real_open = io.open

    def full(file, mode="r", *a, **kw):  # type: ignore[no-untyped-def]
        f = real_open(file, mode, *a, **kw)
        name = Path(str(file)).name
        return _FullDisk(f) if name.endswith(".tmp") and only in name and "r" not in mode else f

    monkeypatch.setattr(io, "open", full)


def test_calibrate_on_a_full_disk_stops_before_any_seed(fake, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Item 4: a full disk is found before the first seed (an empty probe file would still fit)."""
    _fill_disk(monkeypatch)
    with pytest.raises(claims.LedgerError, match="No space left on device"):
        claims.calibrate(SLUG, [0, 1, 2], echo=lambda *_: None)
    assert fake["ran"] == [] and list(claims.LEDGER_DIR.iterdir()) == []


def test_calibrate_leaves_no_tmp_when_the_disk_fills_during_the_run(fake, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Item 4: ENOSPC while writing the ledger: a one-line LedgerError, no .tmp left, the old ledger intact."""
    claims.calibrate(SLUG, [0, 1, 2], echo=lambda *_: None)
    before = claims.ledger_path(SLUG).read_bytes()
    real_open = io.open
    _fill_disk(monkeypatch, only=SLUG)  # the ledger's own temporary file, not the probe
    with pytest.raises(claims.LedgerError, match="No space left on device"):
        claims.calibrate(SLUG, [3], echo=lambda *_: None)
    monkeypatch.setattr(io, "open", real_open)
    assert sorted(p.name for p in claims.LEDGER_DIR.iterdir()) == [claims.ledger_path(SLUG).name]
    assert claims.ledger_path(SLUG).read_bytes() == before


def test_calibrate_merges_new_seeds_into_the_ledger(fake, capsys) -> None:  # type: ignore[no-untyped-def]
    """Item 5: `--seeds 5` adds seed 5; it never drops seeds 0-2."""
    assert cli.main(["calibrate", SLUG, "--seeds", "0", "1", "2"]) == 0
    seed0 = json.loads(claims.ledger_path(SLUG).read_text())["seeds"]["0"]
    assert cli.main(["calibrate", SLUG, "--seeds", "5"]) == 0
    ledger = claims.load_ledger(SLUG)
    assert list(ledger["seeds"]) == ["0", "1", "2", "5"] and fake["ran"] == [0, 1, 2, 5]
    assert json.loads(claims.ledger_path(SLUG).read_text())["seeds"]["0"]["rows"] == seed0["rows"]
    assert ledger["seeds"]["0"]["date"] == ledger["date"]  # each seed keeps where it came from
    assert "(seeds 0, 1, 2, 5; ran 5)" in capsys.readouterr().out
    fake["experiment"] = lambda s: {**_toy_experiment(s), "ours": {"acc": 0.7, "gap": 0.99, "loss": 0}}
    claims.calibrate(SLUG, [1], echo=lambda *_: None)  # a seed run again replaces only its own entry
    ledger = claims.load_ledger(SLUG)
    assert (
        ledger["seeds"]["1"]["rows"]["ours"]["gap"] == 0.99
        and ledger["seeds"]["2"]["rows"]["ours"]["gap"] == 0.92
    )


def test_calibrate_refuses_a_changed_claim_unless_replace(fake) -> None:  # type: ignore[no-untyped-def]
    """Item 5: new seeds of a changed claim never mix with old ones; --replace drops the old ones."""
    claims.calibrate(SLUG, [0, 1, 2], echo=lambda *_: None)
    before = claims.ledger_path(SLUG).read_bytes()
    fake["claim"] = _claim(threshold=0.85)
    with pytest.raises(claims.LedgerError, match="different claim") as err:
        claims.calibrate(SLUG, [3], echo=lambda *_: None)
    assert "\n" not in str(err.value) and "--replace" in str(err.value)
    assert fake["ran"] == [0, 1, 2] and claims.ledger_path(SLUG).read_bytes() == before
    with pytest.raises(claims.LedgerError, match="needs the calibration seeds 0, 1, 2"):
        claims.calibrate(SLUG, [3], replace=True, echo=lambda *_: None)  # would leave seed 3 alone
    ledger = claims.calibrate(SLUG, [0, 1, 2], replace=True, echo=lambda *_: None)
    assert list(ledger["seeds"]) == ["0", "1", "2"]
    assert claims.ledger_problems(claims.load_ledger(SLUG), fake["claim"]) == []
    # the statement and the reproduced flag are not the claim's identity: seeds merge
    fake["claim"] = _claim(threshold=0.85, reproduced=False)
    assert list(claims.calibrate(SLUG, [4], echo=lambda *_: None)["seeds"]) == ["0", "1", "2", "4"]


def test_calibrate_refuses_to_start_a_ledger_without_seeds_0_to_2(fake) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(claims.LedgerError, match=r"needs the calibration seeds 0, 1, 2.*--seeds 0 1 2 5"):
        claims.calibrate(SLUG, [5], echo=lambda *_: None)
    assert fake["ran"] == [] and not claims.ledger_path(SLUG).exists()
    assert claims.calibrate(SLUG, [5], write=False, echo=lambda *_: None)["seeds"].keys() == {"5"}  # dry run


@pytest.mark.parametrize("seeds", [[], ["5"], ["0", "1"]], ids=["none", "only-5", "0-1"])
def test_a_ledger_without_seeds_0_to_2_is_refused_everywhere(fake, seeds) -> None:  # type: ignore[no-untyped-def]
    """Item 5: load_ledger, ledger_table, read_ledger (the gallery and PAPERS.md) all refuse it."""
    claims.calibrate(SLUG, [0, 1, 2, 5], echo=lambda *_: None)
    path = claims.ledger_path(SLUG)
    ledger = json.loads(path.read_text())
    ledger["seeds"] = {s: ledger["seeds"][s] for s in seeds}
    path.write_text(json.dumps(ledger))
    for read in (claims.load_ledger, claims.ledger_table, lambda _: claims.read_ledger(path)):
        with pytest.raises(claims.LedgerError, match=rf"{path.name}: holds (no seeds|seeds .* but not)"):
            read(SLUG)
    with pytest.raises(claims.LedgerError, match="replace"):  # and calibrate will not merge into it
        claims.calibrate(SLUG, [3], echo=lambda *_: None)


_DELETE = object()


def _edit(ledger: dict, path: str, value=_DELETE) -> dict:  # type: ignore[no-untyped-def]
    """Set (or delete) ``ledger[a][b]...`` for ``path`` 'a/b/...'."""
    *head, last = path.split("/")
    d = ledger
    for k in head:
        d = d[int(k) if isinstance(d, list) else k]
    last = int(last) if isinstance(d, list) else last
    if value is _DELETE:
        del d[last]
    else:
        d[last] = value
    return ledger


MALFORMED = {
    "truncated": lambda b: b[: len(b) // 2],
    "not-utf8": lambda b: b.replace(b'"fast"', b'"f\xe9st"'),
    "empty": lambda b: b"",
    "a-list": lambda b: b"[1, 2]",
    "no-claim": lambda b: _dump(_edit(json.loads(b), "claim")),
    "no-seeds": lambda b: _dump(_edit(json.loads(b), "seeds")),
    "clause-without-op": lambda b: _dump(_edit(json.loads(b), "claim/clauses/0/op")),
    "bad-op": lambda b: _dump(_edit(json.loads(b), "claim/clauses/0/op", "=>")),
    "threshold-text": lambda b: _dump(_edit(json.loads(b), "claim/clauses/1/threshold", "0.9")),
    "clauses-empty": lambda b: _dump(_edit(json.loads(b), "claim/clauses", [])),
    "reproduced-text": lambda b: _dump(_edit(json.loads(b), "claim/reproduced", "yes")),
    "seeds-a-list": lambda b: _dump(_edit(json.loads(b), "seeds", [1, 2])),
    "seed-key-word": lambda b: _dump(_edit(json.loads(b), "seeds/zero", json.loads(b)["seeds"]["0"])),
    "no-rows": lambda b: _dump(_edit(json.loads(b), "seeds/1/rows")),
    "no-ours": lambda b: _dump(_edit(json.loads(b), "seeds/1/rows/ours")),
    "value-text": lambda b: _dump(_edit(json.loads(b), "seeds/2/rows/ours/gap", "high")),
    "value-null": lambda b: _dump(_edit(json.loads(b), "seeds/2/rows/ours/gap", None)),
    "row-missing-clause": lambda b: _dump(_edit(json.loads(b), "seeds/0/rows/control/acc")),
    "rows-differ": lambda b: _dump(
        _edit(json.loads(b), "seeds/2/rows/extra", {"acc": 1, "gap": 0, "loss": 0})
    ),
    "version-99": lambda b: _dump(_edit(json.loads(b), "ledger_version", 99)),
    "unknown-slug": lambda b: _dump(_edit(json.loads(b), "slug", "no_such_paper")),
    "other-paper": lambda b: _dump(_edit(_edit(json.loads(b), "slug", "fccov_sdr"), "number", 5)),
    "wrong-number": lambda b: _dump(_edit(json.loads(b), "number", 7)),
    "no-versions": lambda b: _dump(_edit(json.loads(b), "versions")),
    "unknown-clause-key": lambda b: _dump(_edit(json.loads(b), "claim/clauses/0/weight", 2)),
}


def _dump(ledger: object) -> bytes:
    return json.dumps(ledger).encode()


@pytest.mark.parametrize("edit", list(MALFORMED))
def test_a_malformed_ledger_raises_one_error_naming_the_file(fake, edit) -> None:  # type: ignore[no-untyped-def]
    """Item 7: every hand edit gives a LedgerError (a ValueError) naming the file, nothing bare."""
    claims.calibrate(SLUG, [0, 1, 2], echo=lambda *_: None)
    path = claims.ledger_path(SLUG)
    path.write_bytes(MALFORMED[edit](path.read_bytes()))
    for read in (claims.load_ledger, claims.ledger_table):
        with pytest.raises(claims.LedgerError, match=re.escape(path.name)) as err:
            read(SLUG)
        assert "\n" not in str(err.value)
    assert issubclass(claims.LedgerError, ValueError)


def test_the_real_ledgers_read_cleanly() -> None:
    for path in sorted(claims.LEDGER_DIR.glob("*.json")):
        ledger = claims.read_ledger(path)
        assert claims.ledger_status(ledger)[0] in ("reproduced", "not-reproduced", "does-not-hold")


# --------------------------------------------------------------------------- the locked JSON update


def _bump(path: str, key: str, n: int) -> None:
    for i in range(n):
        claims.update_json(Path(path), lambda d, i=i: d.__setitem__(f"{key}{i}", i))


def test_update_json_keeps_concurrent_writers_entries(tmp_path) -> None:
    """Two processes merging into one JSON file under the lock keep each other's entries."""
    path = tmp_path / "results.json"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_bump, args=(str(path), key, 25)) for key in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    assert len(json.loads(path.read_text())) == 50
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]  # no tmp, no lock file left


def test_update_json_holds_an_exclusive_lock(tmp_path) -> None:
    path = tmp_path / "results.json"
    seen = []

    def probe(data: dict) -> None:
        fd = os.open(tmp_path / ".results.json.lock", os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
        seen.append(True)

    claims.update_json(path, probe)
    assert seen == [True]
    path.write_text("[]")
    with pytest.raises(claims.LedgerError, match="results.json: expected a JSON object"):
        claims.update_json(path, lambda d: None)


def test_cli_calibrate_replace_and_six_default_seeds(fake) -> None:  # type: ignore[no-untyped-def]
    assert cli.main(["calibrate", SLUG, "--seeds", "0", "1", "2"]) == 0
    fake["claim"] = _claim(threshold=0.85)
    assert cli.main(["calibrate", SLUG, "--seeds", "0", "1", "2"]) == 2  # a changed claim: refused
    assert cli.main(["calibrate", SLUG, "--seeds", "0", "1", "2", "--replace"]) == 0
    assert cli.main(["calibrate", SLUG]) == 0
    assert list(claims.load_ledger(SLUG)["seeds"]) == [str(s) for s in claims.V3_SEEDS]

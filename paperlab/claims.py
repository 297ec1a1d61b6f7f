"""Claims with negative controls, and the seed ledger that calibrates them.

A paper's headline claim is stated once, in its module, as a :class:`Claim`: named
:class:`Clause` s, each a measured value compared with a threshold, each marked

* ``evidence`` -- it tests the paper's mechanism: a control without the mechanism should fail it;
* ``sanity``   -- it must hold for the paper's model, but a simpler model may pass it too;
* ``reported`` -- measured and shown against the paper's claim, never asserted (a part of the
  claim that did not reproduce at this scale, kept visible with its number).

The claim is evaluated on **rows**: the paper's model (``"ours"``) and at least one negative
control -- the simplest alternative without the paper's mechanism (a non-learning heuristic,
the mechanism ablated, or the strongest plain baseline with the same budget)::

    rows = {"ours": {"acc": 0.95, "gap": 0.12}, "1-NN": {"acc": 0.93, "gap": 0.01}}
    table = CLAIM.check(rows)          # prints nothing
    print(table)                       # one table: rows x clauses, value and PASS/FAIL
    table.assert_holds()               # ours passes every clause; every control fails >= 1 evidence clause

A claim that did not reproduce (``Claim(..., reproduced=False)``) asserts only its sanity
clauses for ours and prints ``claim: NOT REPRODUCED at this scale`` with the numbers.

The **seed ledger** (``paperlab calibrate SLUG --seeds 0 1 2``) runs the module's
``claim_experiment(seed) -> rows`` in fast mode per seed and writes ``calibration/NN_slug.json``
with every clause value, the thresholds, package versions and the date; :func:`ledger_table`
renders it in the notebook and ``tests/test_ledgers.py`` checks it against the module.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import json
import math
import operator
import platform
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from paperlab import catalog

OURS = "ours"
KINDS = ("evidence", "sanity", "reported")
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
LEDGER_DIR = catalog.ROOT / "calibration"
LEDGER_VERSION = 1


@dataclass(frozen=True)
class Clause:
    """One measurable part of a claim: ``value <op> threshold``.

    ``name`` is the key in a row's dict; ``text`` says in words what is measured.
    """

    name: str
    text: str
    op: str
    threshold: float
    kind: str = "evidence"

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"Clause {self.name!r}: op must be one of {sorted(_OPS)}; got {self.op!r}")
        if self.kind not in KINDS:
            raise ValueError(f"Clause {self.name!r}: kind must be one of {KINDS}; got {self.kind!r}")
        if not isinstance(self.threshold, int | float) or not math.isfinite(self.threshold):
            raise ValueError(
                f"Clause {self.name!r}: threshold must be a finite number; got {self.threshold!r}"
            )

    def holds(self, value: float) -> bool:
        """Whether ``value`` meets the threshold (NaN never does)."""
        v = float(value)
        return not math.isnan(v) and _OPS[self.op](v, self.threshold)

    @property
    def asserted(self) -> bool:
        return self.kind != "reported"

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "text": self.text,
            "op": self.op,
            "threshold": self.threshold,
            "kind": self.kind,
        }


@dataclass(frozen=True)
class Claim:
    """A paper's claim: its clauses, which rows are controls, and whether it reproduced here."""

    slug: str
    statement: str
    clauses: tuple[Clause, ...]
    reproduced: bool = True

    def __post_init__(self) -> None:
        catalog.get(self.slug)  # unknown slug -> UnknownPaper with close matches
        object.__setattr__(self, "clauses", tuple(self.clauses))
        names = [c.name for c in self.clauses]
        if len(set(names)) != len(names):
            raise ValueError(f"Claim {self.slug}: clause names repeat: {names}")
        if self.reproduced and not any(c.kind == "evidence" for c in self.clauses):
            raise ValueError(
                f"Claim {self.slug}: a reproduced claim needs at least one evidence clause "
                "(else mark it reproduced=False)"
            )

    def clause(self, name: str) -> Clause:
        for c in self.clauses:
            if c.name == name:
                return c
        raise KeyError(f"{self.slug}: no clause {name!r}; clauses are {[c.name for c in self.clauses]}")

    def check(self, rows: Mapping[str, Mapping[str, float]]) -> ClaimTable:
        """Evaluate every clause on every row. ``rows`` must hold ``"ours"`` and >= 1 control."""
        if OURS not in rows:
            raise ValueError(f"{self.slug}: rows must include {OURS!r}; got {list(rows)}")
        if len(rows) < 2:
            raise ValueError(f"{self.slug}: rows need at least one negative control beside {OURS!r}")
        wanted = {c.name for c in self.clauses}
        clean: dict[str, dict[str, float]] = {}
        for row, values in rows.items():
            missing = wanted - set(values)
            extra = set(values) - wanted
            if missing or extra:
                raise ValueError(
                    f"{self.slug}: row {row!r} has missing clauses {sorted(missing)} / unknown {sorted(extra)}"
                )
            clean[str(row)] = {k: float(v) for k, v in values.items()}
        return ClaimTable(self, clean)

    def as_dict(self) -> dict:
        return {
            "slug": self.slug,
            "statement": self.statement,
            "reproduced": self.reproduced,
            "clauses": [c.as_dict() for c in self.clauses],
        }


@dataclass
class ClaimTable:
    """The evaluated claim: values and verdicts per row and clause."""

    claim: Claim
    rows: dict[str, dict[str, float]]

    def passes(self, row: str, name: str) -> bool:
        return self.claim.clause(name).holds(self.rows[row][name])

    @property
    def controls(self) -> list[str]:
        return [r for r in self.rows if r != OURS]

    def ours_failures(self) -> list[str]:
        """Asserted clauses ours fails (only sanity ones count for a claim not reproduced)."""
        kinds = ("evidence", "sanity") if self.claim.reproduced else ("sanity",)
        return [c.name for c in self.claim.clauses if c.kind in kinds and not self.passes(OURS, c.name)]

    def control_evidence_failures(self, row: str) -> list[str]:
        return [c.name for c in self.claim.clauses if c.kind == "evidence" and not self.passes(row, c.name)]

    def controls_passing(self) -> list[str]:
        """Controls that fail no evidence clause (they would make the claim no evidence)."""
        return [r for r in self.controls if not self.control_evidence_failures(r)]

    @property
    def holds(self) -> bool:
        if self.ours_failures():
            return False
        return not self.claim.reproduced or not self.controls_passing()

    def verdict(self) -> str:
        if not self.claim.reproduced:
            bad = self.ours_failures()
            tail = f"; sanity clauses failed by ours: {bad}" if bad else ""
            return "claim: NOT REPRODUCED at this scale (numbers above)" + tail
        msgs = []
        if self.ours_failures():
            msgs.append(f"ours FAILS {self.ours_failures()}")
        if self.controls_passing():
            msgs.append(f"controls pass every evidence clause: {self.controls_passing()} (no evidence)")
        if msgs:
            return "claim: DOES NOT HOLD -- " + "; ".join(msgs)
        return "claim: HOLDS -- ours passes every clause; every control fails at least one evidence clause"

    def __str__(self) -> str:
        head = ["row"] + [f"{c.name} [{c.kind[:4]}] {c.op} {_fmt(c.threshold)}" for c in self.claim.clauses]
        body = []
        for row, values in self.rows.items():
            label = row if row == OURS else f"control: {row}"
            cells = [label]
            for c in self.claim.clauses:
                mark = "PASS" if c.holds(values[c.name]) else "FAIL"
                if c.kind == "reported":
                    mark = "met" if c.holds(values[c.name]) else "not met"
                cells.append(f"{_fmt(values[c.name])} {mark}")
            body.append(cells)
        widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
        line = lambda cells: "  ".join(s.ljust(w) for s, w in zip(cells, widths, strict=True))  # noqa: E731
        out = [f"{self.claim.slug}: {self.claim.statement}", line(head), line(["-" * w for w in widths])]
        out += [line(r) for r in body]
        for c in self.claim.clauses:
            out.append(f"  {c.name}: {c.text}")
        out.append(self.verdict())
        return "\n".join(out)

    def _repr_pretty_(self, p, cycle) -> None:  # type: ignore[no-untyped-def]
        p.text(str(self))

    def assert_holds(self) -> None:
        """Raise AssertionError unless ours passes and every control fails an evidence clause.

        For a claim marked not reproduced, only ours' sanity clauses are asserted.
        """
        assert not self.ours_failures(), f"{self.claim.slug}: ours fails {self.ours_failures()}\n{self}"
        if self.claim.reproduced:
            passing = self.controls_passing()
            assert not passing, f"{self.claim.slug}: controls pass every evidence clause: {passing}\n{self}"


def _fmt(x: float) -> str:
    x = float(x)
    if math.isnan(x):
        return "nan"
    if x != 0 and (abs(x) >= 1e4 or abs(x) < 1e-3):
        return f"{x:.2e}"
    return f"{x:.3f}".rstrip("0").rstrip(".") if abs(x) < 100 else f"{x:.1f}"


# --------------------------------------------------------------------------- the seed ledger


def ledger_path(slug: str) -> Path:
    p = catalog.get(slug)
    return LEDGER_DIR / f"{p.number:02d}_{p.slug}.json"


def module_of(slug: str):  # type: ignore[no-untyped-def]
    """The paper's module, checked to define ``CLAIM`` and ``claim_experiment``."""
    paper = catalog.get(slug)
    mod = importlib.import_module(paper.module)
    for name in ("CLAIM", "claim_experiment"):
        if not hasattr(mod, name):
            raise ValueError(
                f"{paper.module} defines no {name}: a paper under the contract states CLAIM = Claim(...) "
                "and claim_experiment(seed) -> rows (see CONTRIBUTING.md)"
            )
    return mod


def _versions() -> dict[str, str]:
    import numpy
    import torch

    import paperlab

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "paperlab": paperlab.__version__,
    }


def calibrate(slug: str, seeds: Iterable[int] = (0, 1, 2), *, write: bool = True, echo=print) -> dict:
    """Run ``claim_experiment(seed)`` in fast mode for each seed; write and return the ledger."""
    import paperlab

    seeds = [int(s) for s in seeds]
    if not seeds or any(s < 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct non-negative ints; got {seeds}")
    paper = catalog.get(slug)
    mod = module_of(paper.slug)
    claim: Claim = mod.CLAIM
    per_seed: dict[str, dict] = {}
    for seed in seeds:
        paperlab.setup(seed=seed, mode="fast", verbose=False)
        t0 = time.time()
        rows = mod.claim_experiment(seed)
        table = claim.check(rows)
        wall = time.time() - t0
        echo(f"--- seed {seed} ({wall:.1f} s)\n{table}")
        per_seed[str(seed)] = {"rows": table.rows, "holds": table.holds, "wall_s": round(wall, 2)}
    ledger = {
        "ledger_version": LEDGER_VERSION,
        "number": paper.number,
        "slug": paper.slug,
        "claim": claim.as_dict(),
        "mode": "fast",
        "seeds": per_seed,
        "versions": _versions(),
        "date": _dt.date.today().isoformat(),
    }
    if write:
        path = ledger_path(paper.slug)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{time.time_ns()}.tmp")
        tmp.write_text(json.dumps(ledger, indent=1, ensure_ascii=False) + "\n")
        tmp.replace(path)
        echo(f"wrote {path.relative_to(catalog.ROOT) if path.is_relative_to(catalog.ROOT) else path}")
    return ledger


def load_ledger(slug: str) -> dict:
    path = ledger_path(slug)
    if not path.is_file():
        raise FileNotFoundError(f"no seed ledger {path}: run `paperlab calibrate {catalog.get(slug).slug}`")
    return json.loads(path.read_text())


def ledger_problems(ledger: dict, claim: Claim) -> list[str]:
    """Why a ledger does not back the module's claim (empty list: it does)."""
    problems = []
    if ledger.get("claim", {}).get("clauses") != [c.as_dict() for c in claim.clauses]:
        problems.append(
            "the module's clauses/thresholds differ from the ledger's: rerun `paperlab calibrate` "
            f"(module {[c.as_dict() for c in claim.clauses]} vs ledger {ledger.get('claim', {}).get('clauses')})"
        )
        return problems
    if ledger["claim"].get("reproduced") != claim.reproduced:
        problems.append("the module's `reproduced` flag differs from the ledger's")
    seeds = sorted(int(s) for s in ledger.get("seeds", {}))
    if not {0, 1, 2} <= set(seeds):
        problems.append(f"the ledger must hold seeds 0, 1, 2; it holds {seeds}")
    for seed, entry in ledger.get("seeds", {}).items():
        table = claim.check(entry["rows"])
        if not table.holds:
            problems.append(f"seed {seed}: {table.verdict()}")
    return problems


def ledger_table(slug: str) -> str:
    """The calibration table from the ledger: per row and clause, min-max over seeds and passes."""
    ledger = load_ledger(slug)
    claim = Claim(
        slug=ledger["slug"],
        statement=ledger["claim"]["statement"],
        clauses=tuple(Clause(**c) for c in ledger["claim"]["clauses"]),
        reproduced=ledger["claim"]["reproduced"],
    )
    seeds = sorted(ledger["seeds"], key=int)
    row_names = list(ledger["seeds"][seeds[0]]["rows"])
    head = ["row"] + [f"{c.name} {c.op} {_fmt(c.threshold)}" for c in claim.clauses]
    body = []
    for row in row_names:
        cells = [row if row == OURS else f"control: {row}"]
        for c in claim.clauses:
            vals = [ledger["seeds"][s]["rows"][row][c.name] for s in seeds]
            ok = sum(c.holds(v) for v in vals)
            rng = _fmt(min(vals)) if min(vals) == max(vals) else f"{_fmt(min(vals))}..{_fmt(max(vals))}"
            cells.append(f"{rng} ({ok}/{len(vals)} pass)")
        body.append(cells)
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    line = lambda cells: "  ".join(s.ljust(w) for s, w in zip(cells, widths, strict=True))  # noqa: E731
    out = [
        f"seed ledger {ledger_path(slug).name}: seeds {', '.join(seeds)}, {ledger['mode']} mode, "
        f"{ledger['date']}, torch {ledger['versions']['torch']}",
        line(head),
        line(["-" * w for w in widths]),
        *[line(r) for r in body],
    ]
    return "\n".join(out)

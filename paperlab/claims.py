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

**Contract v3** (issue 22) adds, on top of that:

* the **strongest simple alternative** as a control row, named with a one-line why:
  ``Claim(..., controls=(Control("BM25", "the classical ranker every IR paper compares with",
  strongest=True),))``; the ledger records it (``"strongest": true``);
* **margin clauses**, "ours − strongest control ≥ margin" on the same seed:
  ``Clause.over_strongest("ndcg", "nDCG@10 over BM25's", ">=", 0.02)`` -- the row gives the raw
  ``"ndcg"``; the clause's value for each row is that row's ``ndcg`` minus the strongest control's,
  so the strongest control scores 0 and fails its own comparison;
* **held-out seeds**: calibration seeds 0-2 (thresholds are chosen on these) and held-out seeds 3-5
  (never used to choose anything); a claim marked reproduced holds on all six;
* **budget-limited** claims: ``Claim(..., budget_limited=True, budget_reason="...")`` when fast
  mode cannot train a model past its plateau; the tables say so;
* **margins against the seed spread**: :func:`margins` compares, per evidence clause, ours' smallest
  margin over the strongest control with the spread over seeds; a clause inside the spread is
  flagged as no evidence, and a reproduced v3 claim needs the strongest control to fail a clause
  outside the spread on every seed.

Ledgers not migrated yet are listed, with the reason, in :data:`V3_PENDING` and checked under v2
(seeds 0-2); :func:`contract_version` says which contract a paper is checked under. The list only
shrinks: ``tests/test_ledgers.py`` fails for a pending paper that already keeps v3.

The **seed ledger** (``paperlab calibrate SLUG --seeds 0 1 2 3 4 5``) runs the module's
``claim_experiment(seed) -> rows`` in fast mode per seed and writes ``calibration/NN_slug.json``
with every clause value, the thresholds, package versions and the date. New seeds merge into the
existing ledger while the claim (clauses, thresholds, controls) is unchanged; a changed claim
drops the old seeds only with ``replace=True``. Every reader goes through :func:`read_ledger`,
which validates the file and raises :class:`LedgerError` naming it and what is wrong (a ledger
without seeds 0-2 included); :func:`ledger_table` renders it in the notebook and
``tests/test_ledgers.py`` checks it against the module.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import importlib
import json
import math
import operator
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
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
LEDGER_VERSION = 2
"""Written by :func:`calibrate`. v2 adds optional keys to v1 (the claim's ``controls`` and
``budget_limited``/``budget_reason``, a clause's ``metric``/``over``, a seed's ``date``/``versions``);
a v1 ledger reads as a v2 ledger without them."""
READABLE_LEDGER_VERSIONS = (1, 2)

STRONGEST = "strongest"
"""``Clause(..., over=STRONGEST)``: compare with the claim's strongest control (resolved by Claim)."""
CALIBRATION_SEEDS = (0, 1, 2)
"""Seeds whose numbers may be looked at when choosing thresholds; every ledger holds them."""
HELDOUT_SEEDS = (3, 4, 5)
"""Seeds never used to choose thresholds or hyperparameters (contract v3)."""
V3_SEEDS = CALIBRATION_SEEDS + HELDOUT_SEEDS

_PART1 = "ledger holds seeds 0-2 only and the claim names no strongest control (issue 22, part 1)"
_PART2 = "ledger holds seeds 0-2 only and the claim names no strongest control (issue 22, part 2)"
V3_PENDING: dict[str, str] = {
    "lowrank_mhsa": _PART1,
    "tpsgd_local_targets": _PART1,
    "rnn_lstm_brnn_review": _PART1,
    "sparse_rnn_pruning": _PART1,
    "fccov_sdr": _PART1,
    "nested_sampling_nn_likelihood": _PART1,
    "gradient_noise_deep_nets": _PART1,
    "snn_learnable_delays": _PART1,
    "selectable_kan": _PART1,
    "mossformer2_separation": _PART1,
    "pfn_bayesian_transformer": _PART1,
    "guidance_untrainable": _PART1,
    "auto_gnn_nas": _PART1,
    "sheaf_recsys": _PART1,
    "neural_circuit_diagrams": _PART1,
    "benchmarking_gnns_pe": _PART1,
    "physical_ff_training": _PART1,
    "deep_learning_theory_criticality": _PART1,
    "prototype_case_based": _PART1,
    "w2pgnn_when_to_pretrain": _PART2,
    "convergent_learning": _PART2,
    "gradient_boosted_nn": _PART2,
    "rnn_hypernet_continual": _PART2,
    "dagnn_deeper_gnn": _PART2,
    "pointer_networks": _PART2,
    "crypto_performer_bilstm": _PART2,
    "data_filtering_networks": _PART2,
    "lottery_ticket": _PART2,
    "active_learning_text": _PART2,
    "binary_paragraph_vectors": _PART2,
    "spatiotemporal_gnn_forecasting": _PART2,
    "more_is_better_rf": _PART2,
    "n2n_rl_compression": _PART2,
    "hardware_aware_subnet_search": _PART2,
    "graph_ssl_benchmark": _PART2,
    "deep_learning_architectures_tour": _PART2,
    "dense_hebbian_supervised": _PART2,
    "opposing_signals": _PART2,
    "deep_interest_network": _PART2,
    "future_token_prediction": _PART2,
    "nested_dynamical_systems": _PART2,
    "magnitude_invariant_hypernets": _PART2,
}
"""Papers still checked under contract v2 (seeds 0-2, no strongest control): slug -> why.
Remove a slug when its claim names its strongest control and its ledger holds seeds 0-5; the
ledger test fails for a listed paper that already keeps v3, so this list only shrinks."""


class LedgerError(ValueError):
    """A seed ledger that cannot be read, is malformed, is incomplete or cannot be written.

    The message names the file and what is wrong, in one line.
    """


@dataclass(frozen=True)
class Clause:
    """One measurable part of a claim: ``value <op> threshold``.

    ``name`` is the key in a row's dict; ``text`` says in words what is measured.

    A **margin clause** (contract v3) sets ``metric`` and ``over``: its value for a row is
    ``row[metric] - rows[over][metric]`` on the same seed, and the row gives only ``metric``.
    ``over=STRONGEST`` names the claim's strongest control (see :meth:`over_strongest`).
    """

    name: str
    text: str
    op: str
    threshold: float
    kind: str = "evidence"
    metric: str | None = None
    over: str | None = None

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"Clause {self.name!r}: op must be one of {sorted(_OPS)}; got {self.op!r}")
        if self.kind not in KINDS:
            raise ValueError(f"Clause {self.name!r}: kind must be one of {KINDS}; got {self.kind!r}")
        if (
            isinstance(self.threshold, bool)
            or not isinstance(self.threshold, int | float)
            or not math.isfinite(self.threshold)
        ):
            raise ValueError(
                f"Clause {self.name!r}: threshold must be a finite number; got {self.threshold!r}"
            )
        if (self.metric is None) != (self.over is None):
            raise ValueError(
                f"Clause {self.name!r}: a margin clause sets both metric (the row value it compares) "
                f"and over (the row it compares with); got metric={self.metric!r}, over={self.over!r}"
            )
        if self.relative:
            if self.metric == self.name:
                raise ValueError(f"Clause {self.name!r}: a margin clause's name must differ from its metric")
            if self.over == OURS:
                raise ValueError(f"Clause {self.name!r}: over must name a control, not {OURS!r}")
            if self.kind == "evidence" and self.holds(0.0):
                raise ValueError(
                    f"Clause {self.name!r}: a margin evidence clause must fail at a zero margin (the "
                    f"compared control itself scores 0); {self.op} {self.threshold} passes 0 -- ask for "
                    "'>= m' or '> 0' with m > 0 (or '<= -m' / '< 0' when lower is better)"
                )

    @classmethod
    def over_strongest(
        cls, metric: str, text: str, op: str, margin: float, kind: str = "evidence", name: str | None = None
    ) -> Clause:
        """``ours[metric] - strongest[metric] <op> margin``: the v3 relative clause.

        Named ``<metric>_over_strongest`` unless ``name`` is given; the strongest control is the
        claim's ``Control(..., strongest=True)``.
        """
        return cls(name or f"{metric}_over_strongest", text, op, margin, kind, metric=metric, over=STRONGEST)

    def holds(self, value: float) -> bool:
        """Whether ``value`` meets the threshold (NaN never does)."""
        v = float(value)
        return not math.isnan(v) and _OPS[self.op](v, self.threshold)

    @property
    def asserted(self) -> bool:
        return self.kind != "reported"

    @property
    def relative(self) -> bool:
        """A margin clause: measured as a difference to another row on the same seed."""
        return self.over is not None

    @property
    def measured(self) -> str:
        """The row key this clause reads: ``metric`` for a margin clause, else ``name``."""
        return self.metric if self.metric is not None else self.name

    def as_dict(self) -> dict:
        d = {
            "name": self.name,
            "text": self.text,
            "op": self.op,
            "threshold": self.threshold,
            "kind": self.kind,
        }
        if self.relative:  # v1 ledgers' clause dicts stay exactly as they were
            d.update(metric=self.metric, over=self.over)
        return d


@dataclass(frozen=True)
class Control:
    """A control row the claim names: its row key, why it is there (one line), and whether it
    is the strongest simple alternative -- the one the field would try first (contract v3)."""

    row: str
    why: str
    strongest: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.row, str) or not self.row or self.row == OURS:
            raise ValueError(f"Control: row must name a control row (not {OURS!r}); got {self.row!r}")
        why = self.why.strip() if isinstance(self.why, str) else ""
        if not why or "\n" in why or len(why) > 200:
            raise ValueError(
                f"Control {self.row!r}: why must be one line (1-200 characters) saying why this control; "
                f"got {self.why!r}"
            )

    def as_dict(self) -> dict:
        return {"row": self.row, "why": self.why, "strongest": self.strongest}


@dataclass(frozen=True)
class Claim:
    """A paper's claim: its clauses, which rows are controls, and whether it reproduced here.

    ``controls`` names control rows with a one-line why; exactly one is ``strongest=True`` under
    contract v3. ``budget_limited=True`` (with ``budget_reason``) marks a claim checked before a
    model reached its plateau because fast mode cannot train it further.
    """

    slug: str
    statement: str
    clauses: tuple[Clause, ...]
    reproduced: bool = True
    controls: tuple[Control, ...] = ()
    budget_limited: bool = False
    budget_reason: str = ""

    def __post_init__(self) -> None:
        catalog.get(self.slug)  # unknown slug -> UnknownPaper with close matches
        object.__setattr__(self, "controls", tuple(self.controls))
        rows = [c.row for c in self.controls]
        if len(set(rows)) != len(rows):
            raise ValueError(f"Claim {self.slug}: control rows repeat: {rows}")
        strongest = [c.row for c in self.controls if c.strongest]
        if len(strongest) > 1:
            raise ValueError(f"Claim {self.slug}: only one control is the strongest; got {strongest}")
        clauses = []
        for c in self.clauses:
            if c.over == STRONGEST:
                if not strongest:
                    raise ValueError(
                        f"Claim {self.slug}: clause {c.name!r} compares with the strongest control, but no "
                        "Control(..., strongest=True) is named in controls"
                    )
                c = Clause(c.name, c.text, c.op, c.threshold, c.kind, metric=c.metric, over=strongest[0])
            clauses.append(c)
        object.__setattr__(self, "clauses", tuple(clauses))
        names = [c.name for c in self.clauses]
        if len(set(names)) != len(names):
            raise ValueError(f"Claim {self.slug}: clause names repeat: {names}")
        clash = {c.name for c in self.clauses if c.relative} & {c.measured for c in self.clauses}
        if clash:
            raise ValueError(
                f"Claim {self.slug}: a margin clause's name is also a measured key: {sorted(clash)}"
            )
        if self.reproduced and not any(c.kind == "evidence" for c in self.clauses):
            raise ValueError(
                f"Claim {self.slug}: a reproduced claim needs at least one evidence clause "
                "(else mark it reproduced=False)"
            )
        if not isinstance(self.budget_limited, bool) or not isinstance(self.budget_reason, str):
            raise ValueError(
                f"Claim {self.slug}: budget_limited must be True or False, budget_reason a string"
            )
        if self.budget_limited != bool(self.budget_reason.strip()):
            raise ValueError(
                f"Claim {self.slug}: budget_limited=True needs a budget_reason (which model is still on "
                "its plateau, and why fast mode stops there), and a budget_reason needs budget_limited=True"
            )

    @property
    def strongest(self) -> Control | None:
        """The strongest simple alternative (contract v3), or None (a v2 claim)."""
        return next((c for c in self.controls if c.strongest), None)

    def clause(self, name: str) -> Clause:
        for c in self.clauses:
            if c.name == name:
                return c
        raise KeyError(f"{self.slug}: no clause {name!r}; clauses are {[c.name for c in self.clauses]}")

    def check(self, rows: Mapping[str, Mapping[str, float]]) -> ClaimTable:
        """Evaluate every clause on every row. ``rows`` must hold ``"ours"`` and >= 1 control.

        A row gives every clause's ``measured`` key (a margin clause's ``metric``); margin values
        are computed here (a row may carry them already -- they are recomputed).
        """
        if OURS not in rows:
            raise ValueError(f"{self.slug}: rows must include {OURS!r}; got {list(rows)}")
        if len(rows) < 2:
            raise ValueError(f"{self.slug}: rows need at least one negative control beside {OURS!r}")
        missing_controls = [c.row for c in self.controls if c.row not in rows]
        if missing_controls:
            raise ValueError(f"{self.slug}: the claim names controls the rows lack: {missing_controls}")
        wanted = {c.measured for c in self.clauses}
        derived = {c.name for c in self.clauses if c.relative}
        clean: dict[str, dict[str, float]] = {}
        for row, values in rows.items():
            if not isinstance(values, Mapping):
                raise ValueError(f"{self.slug}: row {row!r} must map clause names to numbers; got {values!r}")
            missing = wanted - set(values)
            extra = set(values) - wanted - derived
            if missing or extra:
                raise ValueError(
                    f"{self.slug}: row {row!r} has missing clauses {sorted(missing)} / unknown {sorted(extra)}"
                )
            clean[str(row)] = {
                k: _number(v, f"{self.slug}: row {row!r}, {k!r}") for k, v in values.items() if k in wanted
            }
        for c in self.clauses:
            if not c.relative:
                continue
            if c.over not in clean:
                raise ValueError(
                    f"{self.slug}: clause {c.name!r} compares with row {c.over!r}, which the rows lack"
                )
            base = clean[c.over][c.metric]  # type: ignore[index]
            for values in clean.values():
                values[c.name] = values[c.metric] - base  # type: ignore[index]
        return ClaimTable(self, clean)

    def as_dict(self) -> dict:
        d = {
            "slug": self.slug,
            "statement": self.statement,
            "reproduced": self.reproduced,
            "clauses": [c.as_dict() for c in self.clauses],
        }
        if self.controls:
            d["controls"] = [c.as_dict() for c in self.controls]
        if self.budget_limited:
            d.update(budget_limited=True, budget_reason=self.budget_reason)
        return d


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

    @property
    def holds_as_reproduced(self) -> bool:
        """Whether the claim would hold if it were marked reproduced (ours passes every evidence
        and sanity clause, every control fails an evidence clause): the per-seed verdict a claim
        marked not reproduced reports (on which seeds it failed)."""
        if not any(c.kind == "evidence" for c in self.claim.clauses):
            return False
        ours_ok = all(self.passes(OURS, c.name) for c in self.claim.clauses if c.asserted)
        return ours_ok and not self.controls_passing()

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
        strongest = self.claim.strongest.row if self.claim.strongest else None
        body = []
        for row, values in self.rows.items():
            cells = [_row_label(row, strongest)]
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
            tail = f" ({c.metric}: each row minus {c.over!r}, same seed)" if c.relative else ""
            out.append(f"  {c.name}: {c.text}{tail}")
        out += _control_lines(self.claim)
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


def _number(v: object, where: str) -> float:
    """``float(v)`` for a measured value (Python, NumPy or 0-d torch number); text and None refused."""
    if v is None or isinstance(v, str | bytes):
        raise ValueError(f"{where}: expected a number, got {v!r:.40}")
    try:
        return float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: expected a number, got {v!r:.40}") from exc


def _row_label(row: str, strongest: str | None) -> str:
    if row == OURS:
        return row
    return f"control: {row} (strongest)" if row == strongest else f"control: {row}"


def _control_lines(claim: Claim) -> list[str]:
    out = [f"  {'strongest control' if c.strongest else 'control'} {c.row}: {c.why}" for c in claim.controls]
    if claim.budget_limited:
        out.append(f"  budget-limited: {claim.budget_reason}")
    return out


def _fmt(x: float) -> str:
    x = float(x)
    if math.isnan(x):
        return "nan"
    if x != 0 and (abs(x) >= 1e4 or abs(x) < 1e-3):
        return f"{x:.2e}"
    return f"{x:.3f}".rstrip("0").rstrip(".") if abs(x) < 100 else f"{x:.1f}"


# --------------------------------------------------------------------------- which contract


def contract_version(slug: str | int) -> int:
    """3 when the paper is checked under contract v3 (strongest control, seeds 0-5), else 2
    (listed in :data:`V3_PENDING`: seeds 0-2, its own controls)."""
    return 2 if catalog.get(slug).slug in V3_PENDING else 3


def contract_note(slug: str | int) -> str:
    """One phrase for status lines: which contract the paper's ledger is checked under."""
    if contract_version(slug) == 2:
        return "checked under contract v2 (seeds 0–2)"
    return "checked under contract v3 (seeds 0–5, against the strongest control)"


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


def _show(path: Path) -> str:
    """A ledger path as messages name it: relative to the repository when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(catalog.ROOT))
    except (ValueError, OSError):
        return str(path)


def _identity(claim_dict: Mapping) -> tuple:
    """What seeds measured under one claim share: its clauses (thresholds included) and which
    rows are controls and which is the strongest. Statement, why-lines, ``reproduced`` and the
    budget note may change without invalidating measured seeds."""
    controls = sorted((str(c.get("row")), bool(c.get("strongest"))) for c in claim_dict.get("controls", []))
    return (claim_dict.get("clauses"), controls)


def _seeds_text(seeds: Iterable[int | str]) -> str:
    return ", ".join(str(s) for s in sorted(int(s) for s in seeds)) or "none"


def _on_seeds(seeds: Iterable[int | str]) -> str:
    """``seed 2`` / ``seeds 1, 2``."""
    seeds = list(seeds)
    return f"seed{'s' if len(seeds) != 1 else ''} {_seeds_text(seeds)}"


def calibrate(
    slug: str,
    seeds: Iterable[int] = CALIBRATION_SEEDS,
    *,
    write: bool = True,
    replace: bool = False,
    echo: Callable[..., object] = print,
) -> dict:
    """Run ``claim_experiment(seed)`` in fast mode for each seed; write and return the ledger.

    With ``write``, where the ledger goes is checked before any seed runs (LedgerError). The seeds
    **merge** into the existing ledger (a seed run again replaces its old entry) while the claim's
    clauses, thresholds and controls are unchanged; a changed claim is refused unless
    ``replace=True``, which drops the old seeds. The written ledger must hold seeds 0, 1, 2, so
    ``seeds=[5]`` with no ledger yet is refused too. Returns the ledger as written (every seed,
    old and new); with ``write=False`` only the seeds just run.
    """
    import paperlab

    seeds = [int(s) for s in seeds]
    if not seeds or any(s < 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct non-negative ints; got {seeds}")
    paper = catalog.get(slug)
    mod = module_of(paper.slug)
    claim: Claim = mod.CLAIM
    path = ledger_path(paper.slug)
    old_rows: list[str] | None = None
    if write:
        _check_writable(path.parent)
        old = _existing_for_merge(path, claim, seeds, replace)
        if old is not None:
            old_rows = _row_names(old)
    per_seed: dict[str, dict] = {}
    versions, today = _versions(), _dt.date.today().isoformat()
    for seed in seeds:
        paperlab.setup(seed=seed, mode="fast", verbose=False)
        t0 = time.time()
        rows = mod.claim_experiment(seed)
        table = claim.check(rows)
        wall = time.time() - t0
        echo(f"--- seed {seed} ({wall:.1f} s)\n{table}")
        if old_rows is not None and set(table.rows) != set(old_rows):
            raise LedgerError(
                f"{_show(path)}: claim_experiment's rows changed ({old_rows} in the ledger, {list(table.rows)} "
                "now): recalibrate every seed with replace=True (--replace)"
            )
        per_seed[str(seed)] = {
            "rows": table.rows,
            "holds": table.holds,
            "wall_s": round(wall, 2),
            "date": today,
            "versions": versions,
        }
    ledger = {
        "ledger_version": LEDGER_VERSION,
        "number": paper.number,
        "slug": paper.slug,
        "claim": claim.as_dict(),
        "mode": "fast",
        "seeds": per_seed,
        "versions": versions,
        "date": today,
    }
    if not write:
        return ledger
    with _locked(path):
        # Re-read at write time: another calibrate may have added seeds since this one started.
        old = _existing_for_merge(path, claim, seeds, replace)
        if old is not None:
            merged = {}
            for s, entry in old["seeds"].items():
                entry = dict(entry)
                entry.setdefault("date", old.get("date"))
                entry.setdefault("versions", old.get("versions"))
                entry["holds"] = claim.check(entry["rows"]).holds  # the module's reproduced flag
                merged[s] = entry
            merged.update(per_seed)
            ledger["seeds"] = merged
        ledger["seeds"] = {s: ledger["seeds"][s] for s in sorted(ledger["seeds"], key=int)}
        _atomic_write(path, json.dumps(ledger, indent=1, ensure_ascii=False) + "\n")
    added = f"; ran {_seeds_text(per_seed)}" if old is not None else ""
    echo(f"wrote {_show(path)} (seeds {_seeds_text(ledger['seeds'])}{added})")
    return ledger


def _existing_for_merge(path: Path, claim: Claim, seeds: list[int], replace: bool) -> dict | None:
    """The ledger the new seeds merge into (None: start afresh); refuses what cannot be merged."""
    old = None
    if not replace and path.exists():
        try:
            old = read_ledger(path)
        except LedgerError as exc:
            raise LedgerError(f"{exc}; pass replace=True (--replace) to recalibrate from scratch") from exc
        if _identity(old["claim"]) != _identity(claim.as_dict()):
            raise LedgerError(
                f"{_show(path)} holds seeds {_seeds_text(old['seeds'])} of a different claim (clauses, thresholds "
                "or controls changed): rerun every seed with replace=True (--replace), which drops them"
            )
    final = set(seeds) | ({int(s) for s in old["seeds"]} if old else set())
    if not set(CALIBRATION_SEEDS) <= final:
        raise LedgerError(
            f"{_show(path)} would hold seeds {_seeds_text(final)}: a ledger needs the calibration seeds "
            f"{_seeds_text(CALIBRATION_SEEDS)}; run them too (--seeds {' '.join(map(str, sorted(final | set(CALIBRATION_SEEDS))))})"
        )
    return old


def _check_writable(folder: Path) -> None:
    """Fail before any seed runs when the ledger cannot be written there (read-only checkout,
    a path under a file, full disk: an empty file fits on a full disk, so 64 KiB are written and synced)."""
    probe = folder / f".write-probe.{os.getpid()}.{time.time_ns()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        try:
            with probe.open("xb") as fh:
                fh.write(b"\0" * 65536)
                fh.flush()
                os.fsync(fh.fileno())
        finally:
            with contextlib.suppress(OSError):
                probe.unlink()
    except OSError as exc:
        raise LedgerError(
            f"cannot write in {_show(folder)}: {exc.strerror or exc} (checked before any run)"
        ) from exc


def _atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to a uniquely named temporary file beside ``path``, then rename it over
    ``path``; on any failure (full disk, Ctrl-C) the temporary file is removed and ``path`` is as it was."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{time.time_ns()}.tmp")
    try:
        with tmp.open("x", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise LedgerError(
                f"could not write {_show(path)}: {exc.strerror or exc}; it is unchanged"
            ) from exc
        raise


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``.<name>.lock`` beside ``path`` (re-read-merge-write under it).

    The lock file is removed on release; a waiter that finds its lock file replaced retries, so
    two writers never hold locks on different files."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): one writer at a time is the user's job
        yield
        return
    lock = path.with_name(f".{path.name}.lock")
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise LedgerError(f"cannot lock {_show(path)}: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        except BaseException:
            os.close(fd)
            raise
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)
        os.close(fd)


def update_json(path: Path, update: Callable[[dict], None], *, indent: int = 1) -> dict:
    """Re-read ``path`` (a JSON object; missing: ``{}``), apply ``update`` to it in place and write it
    back, under an exclusive lock and through a uniquely named temporary file: two processes that
    update one file each keep the other's entries. Returns the written object.

    A file that is not a JSON object raises :class:`LedgerError` naming it."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LedgerError(f"cannot write in {_show(path.parent)}: {exc.strerror or exc}") from exc
    with _locked(path):
        data: dict = {}
        if path.exists():
            data = _parse_json(path)
            if not isinstance(data, dict):
                raise LedgerError(f"{_show(path)}: expected a JSON object, found {type(data).__name__}")
        update(data)
        _atomic_write(path, json.dumps(data, indent=indent, sort_keys=True) + "\n")
    return data


def check_json_file(path: Path) -> None:
    """Before long work whose results go to the JSON object file ``path``: its folder can be written
    and the file, if there, is a readable JSON object (else :class:`LedgerError`). Writes nothing."""
    path = Path(path)
    _check_writable(path.parent)
    if path.exists() and not isinstance(_parse_json(path), dict):
        raise LedgerError(f"{_show(path)}: expected a JSON object")


def _parse_json(path: Path) -> object:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LedgerError(f"{_show(path)}: cannot read it: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LedgerError(f"{_show(path)}: not UTF-8 text (byte {exc.start})") from exc
    if not text.strip():
        raise LedgerError(f"{_show(path)}: the file is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise LedgerError(
            f"{_show(path)}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    except RecursionError as exc:
        raise LedgerError(f"{_show(path)}: not valid JSON: nested too deeply") from exc


def _row_names(ledger: dict) -> list[str]:
    first = min(ledger["seeds"], key=int)
    return list(ledger["seeds"][first]["rows"])


def claim_from_ledger(ledger: Mapping) -> Claim:
    """The claim as the ledger records it (clauses, controls, flags): what readers that do not
    import the paper module (the gallery, PAPERS.md) evaluate the rows with."""
    c = ledger["claim"]
    return Claim(
        slug=ledger["slug"],
        statement=c["statement"],
        clauses=tuple(Clause(**d) for d in c["clauses"]),
        reproduced=c["reproduced"],
        controls=tuple(Control(**d) for d in c.get("controls", [])),
        budget_limited=c.get("budget_limited", False),
        budget_reason=c.get("budget_reason", ""),
    )


def validate_ledger(ledger: object, where: str = "the ledger") -> dict:
    """Check a loaded ledger's structure and values; return it with each seed's rows recomputed by
    the recorded claim (margin values and ``holds`` included). Raises :class:`LedgerError` naming
    ``where`` and what is wrong -- among others, a ledger without seeds 0, 1, 2 is refused."""

    def bad(msg: str) -> LedgerError:
        return LedgerError(f"{where}: {msg}")

    if not isinstance(ledger, dict):
        raise bad(f"expected a JSON object, found {type(ledger).__name__}")
    for key, typ in (
        ("ledger_version", int),
        ("number", int),
        ("slug", str),
        ("claim", dict),
        ("mode", str),
        ("seeds", dict),
        ("versions", dict),
        ("date", str),
    ):
        if key not in ledger:
            raise bad(f"missing key {key!r}")
        if not isinstance(ledger[key], typ) or isinstance(ledger[key], bool):
            raise bad(f"{key!r} must be a {typ.__name__}; got {ledger[key]!r:.60}")
    if ledger["ledger_version"] not in READABLE_LEDGER_VERSIONS:
        raise bad(
            f"ledger_version {ledger['ledger_version']} is not one this paperlab reads {READABLE_LEDGER_VERSIONS}"
        )
    try:
        paper = catalog.get(ledger["slug"])
    except KeyError as exc:
        raise bad(f"unknown slug: {exc}") from exc
    if ledger["number"] != paper.number:
        raise bad(f"number {ledger['number']} is not {paper.slug}'s ({paper.number})")
    c = ledger["claim"]
    for key, typ in (("statement", str), ("reproduced", bool), ("clauses", list)):
        if not isinstance(c.get(key), typ):
            raise bad(f"claim.{key} must be a {typ.__name__}; got {c.get(key)!r:.60}")
    if c.get("slug", paper.slug) != paper.slug:
        raise bad(f"claim.slug {c.get('slug')!r} is not the ledger's slug {paper.slug!r}")
    if not isinstance(c.get("controls", []), list) or not all(
        isinstance(d, dict) for d in c.get("controls", [])
    ):
        raise bad("claim.controls must be a list of objects {row, why, strongest}")
    if not c["clauses"] or not all(isinstance(d, dict) for d in c["clauses"]):
        raise bad("claim.clauses must be a non-empty list of objects")
    try:
        claim = claim_from_ledger(ledger)
    except (TypeError, ValueError, KeyError) as exc:
        raise bad(f"the recorded claim is malformed: {exc}") from exc
    seeds = ledger["seeds"]
    if not seeds:
        raise bad("holds no seeds: run `paperlab calibrate` (seeds 0 1 2 at least)")
    if not all(isinstance(s, str) and s.isdigit() and str(int(s)) == s for s in seeds):
        raise bad(f"seed keys must be non-negative integers as strings; got {sorted(seeds)}")
    missing = [s for s in CALIBRATION_SEEDS if str(s) not in seeds]
    if missing:
        raise bad(
            f"holds seeds {_seeds_text(seeds)} but not {_seeds_text(missing)}: a ledger needs seeds 0, 1, 2 "
            f"(run `paperlab calibrate {paper.slug} --seeds {' '.join(map(str, missing))}`)"
        )
    names = None
    clean = {}
    for s in sorted(seeds, key=int):
        entry = seeds[s]
        if not isinstance(entry, dict) or not isinstance(entry.get("rows"), dict):
            raise bad(f"seed {s}: expected an object with 'rows'")
        try:
            table = claim.check(entry["rows"])
        except ValueError as exc:
            raise bad(f"seed {s}: {exc}") from exc
        if names is None:
            names = list(table.rows)
        elif set(table.rows) != set(names):
            raise bad(f"seed {s} has rows {list(table.rows)}, other seeds {names}")
        wall = entry.get("wall_s", 0.0)
        if isinstance(wall, bool) or not isinstance(wall, int | float):
            raise bad(f"seed {s}: wall_s must be a number; got {wall!r:.40}")
        clean[s] = {**entry, "rows": table.rows, "holds": table.holds}
    return {**ledger, "seeds": clean}


def read_ledger(path: Path | str) -> dict:
    """Load and validate a seed ledger file (see :func:`validate_ledger`); every reader should use
    this (or :func:`load_ledger`): it raises :class:`LedgerError` naming the file, never a bare
    JSON/Unicode/Key/Index error, and refuses a ledger without seeds 0, 1, 2."""
    path = Path(path)
    ledger = validate_ledger(_parse_json(path), _show(path))
    stem = path.name.removesuffix(".json")
    if stem[:2].isdigit() and stem != f"{ledger['number']:02d}_{ledger['slug']}":
        raise LedgerError(f"{_show(path)}: holds the ledger of {ledger['number']:02d}_{ledger['slug']}")
    return ledger


def load_ledger(slug: str) -> dict:
    """The paper's validated seed ledger (FileNotFoundError when there is none)."""
    path = ledger_path(slug)
    if not path.is_file():
        raise FileNotFoundError(f"no seed ledger {path}: run `paperlab calibrate {catalog.get(slug).slug}`")
    return read_ledger(path)


def ledger_problems(ledger: dict, claim: Claim) -> list[str]:
    """Why a ledger does not back the module's claim (empty list: it does). Contract v2; see
    :func:`v3_problems` for what v3 adds."""
    problems = []
    if ledger.get("claim", {}).get("clauses") != [c.as_dict() for c in claim.clauses]:
        problems.append(
            "the module's clauses/thresholds differ from the ledger's: rerun `paperlab calibrate` "
            f"(module {[c.as_dict() for c in claim.clauses]} vs ledger {ledger.get('claim', {}).get('clauses')})"
        )
        return problems
    if ledger["claim"].get("reproduced") != claim.reproduced:
        problems.append("the module's `reproduced` flag differs from the ledger's")
    if ledger["claim"].get("controls", []) != [c.as_dict() for c in claim.controls]:
        problems.append(
            "the module's controls (rows, why, strongest) differ from the ledger's: rerun `paperlab "
            f"calibrate {claim.slug}` (module {[c.as_dict() for c in claim.controls]} vs ledger "
            f"{ledger['claim'].get('controls', [])})"
        )
    if (ledger["claim"].get("budget_limited", False), ledger["claim"].get("budget_reason", "")) != (
        claim.budget_limited,
        claim.budget_reason,
    ):
        problems.append("the module's budget_limited/budget_reason differ from the ledger's")
    seeds = sorted(int(s) for s in ledger.get("seeds", {}))
    if not set(CALIBRATION_SEEDS) <= set(seeds):
        problems.append(f"the ledger must hold seeds 0, 1, 2; it holds {seeds}")
    for seed, entry in ledger.get("seeds", {}).items():
        table = claim.check(entry["rows"])
        if not table.holds:
            problems.append(f"seed {seed}: {table.verdict()}")
    return problems


# --------------------------------------------------------------------------- contract v3


@dataclass(frozen=True)
class Margin:
    """Ours' margin over the strongest control on one evidence clause, against the seed spread.

    ``gaps[seed]`` is ours' value minus the strongest control's, signed so that positive is ours
    better in the clause's direction (for a margin clause: ours' clause value). ``spread`` is the
    larger sample standard deviation over seeds of ours' and the strongest control's values of the
    quantity compared (a margin clause's ``metric``). A clause with ``min_gap <= spread`` is
    ``within_spread``: its verdict could flip with the seed or the CPU, so it is no evidence.
    """

    clause: str
    strongest: str
    gaps: dict[str, float]
    spread: float

    @property
    def min_gap(self) -> float:
        return min(self.gaps.values())

    @property
    def within_spread(self) -> bool:
        g = self.min_gap
        return math.isnan(g) or math.isnan(self.spread) or g <= self.spread

    def __str__(self) -> str:
        tail = "  <- inside the seed spread: not evidence" if self.within_spread else ""
        return f"{self.clause} {'+' if self.min_gap > 0 else ''}{_fmt(self.min_gap)} vs {_fmt(self.spread)}{tail}"


def _sd(values: list[float]) -> float:
    return statistics.stdev(values) if len(values) >= 2 else 0.0


def margins(ledger: Mapping) -> list[Margin]:
    """Per evidence clause, ours' margin over the strongest control on each seed and the seed
    spread (see :class:`Margin`); empty for a claim without a strongest control."""
    claim = claim_from_ledger(ledger)
    strongest = claim.strongest
    if strongest is None:
        return []
    seeds = sorted(ledger["seeds"], key=int)
    rows = {s: ledger["seeds"][s]["rows"] for s in seeds}
    if any(strongest.row not in r for r in rows.values()):
        return []
    out = []
    for c in claim.clauses:
        if c.kind != "evidence":
            continue
        sign = 1.0 if c.op in (">=", ">") else -1.0
        q = c.measured
        ours = [float(rows[s][OURS][q]) for s in seeds]
        base = [float(rows[s][strongest.row][q]) for s in seeds]
        gaps = {s: sign * (o - b) for s, o, b in zip(seeds, ours, base, strict=True)}
        out.append(Margin(c.name, strongest.row, gaps, max(_sd(ours), _sd(base))))
    return out


def failing_seeds(ledger: Mapping) -> list[str]:
    """Seeds on which the claim, asserted as reproduced, does not hold (ours fails an asserted
    clause, or a control passes every evidence clause) -- for a claim marked not reproduced, the
    seeds its notebook names."""
    claim = claim_from_ledger(ledger)
    return [
        s
        for s in sorted(ledger["seeds"], key=int)
        if not claim.check(ledger["seeds"][s]["rows"]).holds_as_reproduced
    ]


def v3_problems(ledger: Mapping, claim: Claim) -> list[str]:
    """Why a (validated) ledger and the module's claim do not keep contract v3 (empty: they do).

    Checked on top of :func:`ledger_problems`: the claim names its strongest control with a why and
    the ledger records it; seeds 0-5 are recorded; the strongest row is measured on every seed; a
    reproduced claim holds on every seed and the strongest control fails, on every seed, an
    evidence clause whose margin is outside the seed spread."""
    problems = []
    strongest = claim.strongest
    if strongest is None:
        problems.append(
            "the claim names no strongest control: add Control(row, why, strongest=True) to CLAIM.controls"
        )
    recorded = [c for c in ledger["claim"].get("controls", []) if c.get("strongest")]
    if not recorded:
        problems.append("the ledger records no strongest control: recalibrate after naming it")
    held = {int(s) for s in ledger["seeds"]}
    missing = [s for s in V3_SEEDS if s not in held]
    if missing:
        problems.append(
            f"the ledger holds seeds {_seeds_text(held)}; contract v3 needs seeds 0-5 (held-out 3, 4, 5): "
            f"run `paperlab calibrate {claim.slug} --seeds {' '.join(map(str, missing))}`"
        )
    if strongest is None or not recorded:
        return problems
    seeds = sorted(ledger["seeds"], key=int)
    lacking = [s for s in seeds if strongest.row not in ledger["seeds"][s]["rows"]]
    if lacking:
        return [*problems, f"the strongest control {strongest.row!r} is not measured on seeds {lacking}"]
    if claim.reproduced:
        failing = failing_seeds(ledger)
        if failing:
            problems.append(
                f"marked reproduced but does not hold on {_on_seeds(failing)}: mark it reproduced=False "
                "and say on which seeds it failed in 'What did not reproduce'"
            )
        ledger_claim = claim_from_ledger(ledger)
        solid = {m.clause for m in margins(ledger) if not m.within_spread}
        weak = [
            s
            for s in seeds
            if not any(
                not ledger_claim.clause(name).holds(ledger["seeds"][s]["rows"][strongest.row][name])
                for name in solid
            )
        ]
        if weak:
            detail = "; ".join(str(m) for m in margins(ledger) if m.within_spread)
            problems.append(
                f"on {_on_seeds(weak)} the strongest control {strongest.row!r} fails no evidence clause whose "
                f"margin is outside the seed spread ({detail or 'no evidence clause'}): that is no evidence"
            )
    return problems


def ledger_status(ledger: Mapping) -> tuple[str, str]:
    """``(key, text)`` for status lines (gallery, PAPERS.md): key is ``reproduced``,
    ``not-reproduced`` or ``does-not-hold``; the text names the seeds, the strongest control,
    a budget limit and the contract the paper is checked under."""
    claim = claim_from_ledger(ledger)
    seeds = sorted(ledger["seeds"], key=int)
    failing = [s for s in seeds if not claim.check(ledger["seeds"][s]["rows"]).holds]
    extra = "; budget-limited" if claim.budget_limited else ""
    tail = f"; {contract_note(ledger['slug'])}"
    if failing:
        return "does-not-hold", f"does not hold on {_on_seeds(failing)}{extra}{tail}"
    span = f"seeds {', '.join(seeds)}"
    if not claim.reproduced:
        bad = failing_seeds(ledger)
        where = f"; fails on {_on_seeds(bad)}" if bad and bad != seeds else ""
        return "not-reproduced", f"not reproduced at this scale ({span}{where}{extra}){tail}"
    if claim.strongest is not None:
        return (
            "reproduced",
            f"reproduced, beats its strongest control {claim.strongest.row} ({span}{extra}){tail}",
        )
    return "reproduced", f"reproduced, beats its controls ({span}{extra}){tail}"


def ledger_table(slug: str) -> str:
    """The calibration table from the ledger: per row and clause, min-max over seeds and passes;
    then the strongest control and its why, ours' margin over it against the seed spread, a budget
    limit, and on which seeds the claim fails."""
    ledger = load_ledger(slug)
    claim = claim_from_ledger(ledger)
    seeds = sorted(ledger["seeds"], key=int)
    strongest = claim.strongest.row if claim.strongest else None
    row_names = _row_names(ledger)
    head = ["row"] + [f"{c.name} {c.op} {_fmt(c.threshold)}" for c in claim.clauses]
    body = []
    for row in row_names:
        cells = [_row_label(row, strongest)]
        for c in claim.clauses:
            vals = [ledger["seeds"][s]["rows"][row][c.name] for s in seeds]
            ok = sum(c.holds(v) for v in vals)
            lo, hi = _fmt(min(vals)), _fmt(max(vals))
            rng = lo if lo == hi else f"{lo}..{hi}"
            cells.append(f"{rng} ({ok}/{len(vals)} pass)")
        body.append(cells)
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    line = lambda cells: "  ".join(s.ljust(w) for s, w in zip(cells, widths, strict=True))  # noqa: E731
    calib = [s for s in seeds if int(s) in CALIBRATION_SEEDS]
    held = [s for s in seeds if int(s) not in CALIBRATION_SEEDS]
    span = ", ".join(calib) + (f" (calibration), {', '.join(held)} (held-out)" if held else "")
    out = [
        f"seed ledger {ledger_path(slug).name}: seeds {span}, {ledger['mode']} mode, "
        f"{ledger['date']}, torch {ledger['versions'].get('torch', '?')}; {contract_note(slug)}",
        line(head),
        line(["-" * w for w in widths]),
        *[line(r) for r in body],
        *_control_lines(claim),
    ]
    ms = margins(ledger)
    if ms:
        out.append(f"ours - {strongest} per evidence clause, min over seeds vs seed spread (sd):")
        out += [f"  {m}" for m in ms]
    failing = failing_seeds(ledger)
    if not failing:
        out.append(f"the claim holds on every seed ({len(seeds)}/{len(seeds)})")
    else:
        label = "the claim" if claim.reproduced else "the claim, asserted as reproduced,"
        out.append(f"{label} fails on {_on_seeds(failing)} ({len(seeds) - len(failing)}/{len(seeds)} hold)")
    return "\n".join(out)

"""Figure and table reproduction: one spec per paper, ``paperlab reproduce``, committed results.

A paper module states its reproduction target once, as ``REPRO = ReproSpec(...)``, written and
committed *before* any run: which figure or table, the metric, the paper's values (each with its
source and whether it was looked up or only recalled), the data (the paper's own or a named
stand-in), sizes, seeds, the verdict rule fixed in advance, and the expected minutes. A module that
can run its target defines ``reproduce(spec, *, seed, data, device, smoke) -> dict[str, float]``:
one seed's measured value for every ``PaperValue.key`` of the spec.

Verdict rules (per value, fixed in the spec):

* ``within``    -- reproduced when ``|ours - paper| <= tolerance`` (mean over seeds);
* ``direction`` -- reproduced when ours is on the same side of ``PaperValue.reference`` as the paper's
  value (e.g. a gain over a baseline is positive in both);
* ``ordering``  -- the values of the spec, sorted, come out in the paper's order (all keys together).

The overall verdict is ``reproduced`` (every value passes its rule), ``direction only`` (no value is
within tolerance, but every direction/ordering check holds), ``not reproduced`` or ``not attempted``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

RULES = ("within", "direction", "ordering")
DATA_KINDS = ("paper", "stand-in", "synthetic")
"""``paper``: the paper's own dataset; ``stand-in``: a named substitute (say why); ``synthetic``: the
paper's data is itself synthetic or an exact construction (this notebook builds the same thing)."""
VERDICTS = ("reproduced", "direction only", "not reproduced", "not attempted")


@dataclass(frozen=True)
class PaperValue:
    """One number of the paper's figure or table.

    ``key``: the series or cell (``"TSP-10 optimality gap, Ptr-Net"``), also the key ``reproduce`` returns.
    ``source``: where the number is printed (``"Table 2 of arXiv:1506.03134v2"``, an official README).
    ``verified``: True when looked up in the paper's page or the official repository for this spec;
    False when recalled (then say so in ``source``).
    ``rule``: one of :data:`RULES`; ``tolerance`` for ``within`` (absolute, in the metric's units);
    ``reference`` for ``direction`` (the value both must be on the same side of, default 0).
    """

    key: str
    value: float
    source: str
    verified: bool
    rule: str = "within"
    tolerance: float | None = None
    reference: float = 0.0

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"PaperValue {self.key!r}: rule must be one of {RULES}; got {self.rule!r}")
        if self.rule == "within" and (self.tolerance is None or self.tolerance < 0):
            raise ValueError(f"PaperValue {self.key!r}: rule 'within' needs a tolerance >= 0")
        if not self.source.strip():
            raise ValueError(f"PaperValue {self.key!r}: source must say where the number is printed")


@dataclass(frozen=True)
class ReproSpec:
    """A paper's reproduction target, fixed before the run (see the module docstring)."""

    slug: str
    target: str  # "Fig. 3", "Table 2, Cora column"
    shows: str  # what the figure or table plots, in one or two sentences
    metric: str  # "test accuracy (%)", "optimality gap", "NLL per point"
    paper_values: tuple[PaperValue, ...]
    data: str  # the dataset's name ("Cora (Planetoid split)", "Reber grammar strings")
    data_kind: str  # one of DATA_KINDS
    data_note: str  # why this data; for a stand-in, what differs from the paper's
    sizes: Mapping[str, object]  # model sizes, steps, batch: what the run uses (and where it scales down)
    seeds: tuple[int, ...]
    gpu_minutes: float  # expected wall time on one GPU, all seeds
    cpu_minutes: float  # expected wall time on 2 CPU cores, all seeds
    notes: str = ""  # scaled down from the paper? why a review/position paper's target is this one
    extra: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.data_kind not in DATA_KINDS:
            raise ValueError(f"ReproSpec {self.slug}: data_kind must be one of {DATA_KINDS}")
        if not self.paper_values:
            raise ValueError(f"ReproSpec {self.slug}: at least one paper value")
        keys = [v.key for v in self.paper_values]
        if len(set(keys)) != len(keys):
            raise ValueError(f"ReproSpec {self.slug}: paper value keys must be distinct; got {keys}")
        if not self.seeds:
            raise ValueError(f"ReproSpec {self.slug}: at least one seed")

    def as_dict(self) -> dict:
        d = asdict(self)
        d["sizes"] = dict(self.sizes)
        d["extra"] = dict(self.extra)
        return d

    def digest(self) -> str:
        """A hash of the spec's content: a result computed under another spec is stale."""
        text = json.dumps(self.as_dict(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

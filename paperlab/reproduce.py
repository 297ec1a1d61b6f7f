"""Figure and table reproduction: one spec per paper, ``paperlab reproduce``, committed results.

A paper module states its reproduction target once, as ``REPRO = ReproSpec(...)``, written and
committed *before* any run: which figure or table, the metric, the paper's values (each with its
source and whether it was looked up or only recalled), the data (the paper's own or a named
stand-in), sizes, seeds, the verdict rule fixed in advance, and the expected minutes. A module that
can run its target defines ``reproduce(spec, *, seed, data, device, smoke) -> dict[str, float]``:
one seed's measured value for every ``PaperValue.key`` of the spec (extra numeric keys are kept as
diagnostics). ``data`` is ``"paper"`` or ``"stand-in"``; ``smoke=True`` means a handful of steps
(seconds; the numbers mean nothing). Before each seed the runner calls
``paperlab.setup(seed, mode="full", device=..., smoke=smoke)``, so ``fit`` and ``own_steps`` cut
their steps under smoke as in the notebooks, and every seed starts from the same RNG state.

Optional, for data: ``reproduce_data(spec, data) -> {"name", "kind", "checksum", "source"}`` (any
of them) names the dataset a run with ``data`` uses and its checksum (a registry sha256); it may
raise :class:`PaperDataUnavailable` (or let :class:`paperlab.data.registry.DataUnavailable` through)
before any seed runs. The spec's own data (``paper`` for a paper or synthetic spec, ``stand-in`` for
a stand-in spec) needs no hook; the other choice runs only where the hook returns its ``name``, so
that a module which ignores ``data`` never records a stand-in run as the paper's data. ``reproduce`` itself may raise either when the paper's data is not on this
machine: ``paperlab reproduce`` turns that into one line naming the dataset, where to put it, and
``--data stand-in``.

Verdict rules (per value, fixed in the spec; ``ours`` is the mean over the seeds that ran):

* ``within``    -- reproduced when ``|ours - paper| <= tolerance``;
* ``direction`` -- reproduced when ours is on the same side of ``PaperValue.reference`` as the
  paper's value (e.g. a gain over a baseline is positive in both; exactly on it counts as a side);
* ``ordering``  -- the values of one ``PaperValue.group`` (default: all ``ordering`` values of the
  spec together) come out in the paper's order: for every pair the paper ranks (unequal paper
  values), ours ranks them the same way, strictly. A value passes when all its pairs agree.

The overall verdict is ``reproduced`` (every value passes its rule), ``direction only`` (the spec
has direction/ordering values and all of them pass, but some ``within`` value misses its
tolerance: the shape of the result holds, not its numbers), ``not reproduced`` (some
direction/ordering value fails, or only ``within`` values and one misses), or ``not attempted``
(nothing ran: no ``reproduce``, no spec, no seed finished). A result cut short (``max_minutes``, an
error) keeps its finished seeds and is judged on them, marked ``partial``.

Results: ``paperlab reproduce SLUG`` writes ``results/NN_slug.json`` and the figure
``results/NN_slug.png`` / ``.svg`` (ours, mean ± sd over seeds, beside the paper's values). The
JSON is rewritten atomically after every seed, so a killed run keeps what finished; a rerun
resumes it when it is *current*: the same spec digest (:meth:`ReproSpec.digest`), the same code
digest (a hash of the paper module and the paperlab code it imports -- what the commit pins; the
commit hash itself changes as soon as the result is committed, so it is recorded but not compared),
the same data choice and not smoke-vs-real. ``check_result`` verifies a result file against the
module's current spec; ``tests/test_reproduce.py`` runs it on every committed result.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import dataclasses
import datetime as _dt
import hashlib
import importlib
import io
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from paperlab import catalog

RULES = ("within", "direction", "ordering")
DATA_KINDS = ("paper", "stand-in", "synthetic")
"""``paper``: the paper's own dataset; ``stand-in``: a named substitute (say why); ``synthetic``: the
paper's data is itself synthetic or an exact construction (this notebook builds the same thing)."""
VERDICTS = ("reproduced", "direction only", "not reproduced", "not attempted")
DATA_CHOICES = ("paper", "stand-in")
"""What ``reproduce(..., data=...)`` and ``paperlab reproduce --data`` accept."""
VALUE_VERDICTS = ("reproduced", "not reproduced")
RESULT_VERSION = 1
DATA_BADGES = {"paper": "paper's data", "stand-in": "stand-in", "synthetic": "synthetic, as in the paper"}
REQUIRED_FIELDS = (
    "result_version",
    "number",
    "slug",
    "spec_digest",
    "spec",
    "commit",
    "code_digest",
    "device",
    "torch",
    "smoke",
    "data",
    "seeds_planned",
    "seeds",
    "per_seed",
    "wall_s",
    "complete",
    "partial",
    "summary",
    "values",
    "verdict",
    "reason",
    "date",
)
"""Fields every result file has (``check_result`` requires them)."""

# Modules whose edits cannot change a measured number: left out of a result's code digest, so that
# (say) a catalog title or a verdict message does not make every result stale.
_NOT_NUMERIC = ("paperlab.reproduce", "paperlab.claims", "paperlab.catalog", "paperlab.cli", "paperlab.site")
_NOT_NUMERIC_PACKAGES = ("paperlab.diagrams", "paperlab.notebooks")

_clock = time.monotonic  # tests replace it to simulate long seeds


# --------------------------------------------------------------------------------------------- spec


@dataclass(frozen=True)
class PaperValue:
    """One number of the paper's figure or table.

    ``key``: the series or cell (``"TSP-10 optimality gap, Ptr-Net"``), also the key ``reproduce`` returns.
    ``source``: where the number is printed (``"Table 2 of arXiv:1506.03134v2"``, an official README).
    ``verified``: True when looked up in the paper's page or the official repository for this spec;
    False when recalled (then say so in ``source``).
    ``rule``: one of :data:`RULES`; ``tolerance`` for ``within`` (absolute, in the metric's units);
    ``reference`` for ``direction`` (the value both must be on the same side of, default 0).
    ``group``: for ``ordering``, which values are ranked together (default: all ``ordering`` values of
    the spec; give each table column its own group to compare within columns only).
    """

    key: str
    value: float
    source: str
    verified: bool
    rule: str = "within"
    tolerance: float | None = None
    reference: float = 0.0
    group: str = ""

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
        groups: dict[str, list[str]] = {}
        for v in self.paper_values:
            if v.rule == "ordering":
                groups.setdefault(v.group, []).append(v.key)
        for name, members in groups.items():
            if len(members) < 2:
                raise ValueError(
                    f"ReproSpec {self.slug}: an 'ordering' value is ranked against the others of its group;"
                    f" group {name!r} has only {members}"
                )

    def as_dict(self) -> dict:
        d = asdict(self)
        d["sizes"] = dict(self.sizes)
        d["extra"] = dict(self.extra)
        return d

    def digest(self) -> str:
        """A hash of the spec's content: a result computed under another spec is stale.

        Fields left at their defaults are not hashed, so adding a field with a default to the schema
        keeps every existing digest; numbers of paper values hash as floats (``1`` and ``1.0`` agree).
        """
        text = json.dumps(_canonical(self), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _defaults(cls: type) -> dict[str, object]:
    out: dict[str, object] = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
    return out


def _canonical(spec: ReproSpec) -> dict:
    value_defaults = _defaults(PaperValue)
    values = []
    for v in spec.paper_values:
        d = {}
        for k, x in asdict(v).items():
            if k in ("value", "tolerance", "reference") and x is not None:
                x = float(x)
            if k in value_defaults and x == value_defaults[k]:
                continue
            d[k] = x
        values.append(d)
    spec_defaults = _defaults(ReproSpec)
    d = {}
    for k, x in spec.as_dict().items():
        if k == "paper_values":
            x = values
        elif k in ("seeds",):
            x = [int(s) for s in x]
        elif k in ("gpu_minutes", "cpu_minutes"):
            x = float(x)
        if k in spec_defaults and x == spec_defaults[k]:
            continue
        d[k] = x
    return d


def spec_from_dict(d: Mapping[str, Any]) -> ReproSpec:
    """The :class:`ReproSpec` a result file stores (``as_dict`` read back from JSON); unknown keys are ignored."""
    value_fields = {f.name for f in dataclasses.fields(PaperValue)}
    spec_fields = {f.name for f in dataclasses.fields(ReproSpec)}
    values = tuple(PaperValue(**{k: x for k, x in v.items() if k in value_fields}) for v in d["paper_values"])
    kw = {k: x for k, x in d.items() if k in spec_fields and k != "paper_values"}
    kw["seeds"] = tuple(int(s) for s in kw["seeds"])
    return ReproSpec(paper_values=values, **kw)


# ------------------------------------------------------------------------------------------ verdicts


def _paper_text(row: Mapping) -> str:
    """The paper's value as the rule reads it: a ``direction`` value is only its side of the reference
    (many are signs stated in a paper's text, stored as ±1), so it prints as ``> 0`` or ``< 1``."""
    if row.get("rule") == "direction" and row.get("paper") is not None:
        ref = row.get("reference", 0.0) or 0.0
        side = ">" if row["paper"] > ref else "<" if row["paper"] < ref else "="
        return f"{side} {_fmt(ref)}"
    return _fmt(row.get("paper"))


def _fmt(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.4g}"


def _side(x: float, ref: float) -> int:
    return (x > ref) - (x < ref)


def _judge_value(v: PaperValue, spec: ReproSpec, ours: Mapping[str, float | None]) -> tuple[bool, str]:
    o = ours.get(v.key)
    if o is None or not math.isfinite(o):
        return False, "no finite value"
    if v.rule == "within":
        gap = abs(o - v.value)
        ok = gap <= float(v.tolerance)  # type: ignore[arg-type]
        return ok, f"|ours − paper| = {_fmt(gap)} {'≤' if ok else '>'} {_fmt(v.tolerance)}"
    if v.rule == "direction":
        ref = v.reference
        ok = _side(o, ref) == _side(v.value, ref)
        word = {1: "above", 0: "at", -1: "below"}
        return ok, (
            f"ours {word[_side(o, ref)]} the reference {_fmt(ref)}, paper {word[_side(v.value, ref)]} it"
        )
    # ordering: every pair the paper ranks must be ranked the same way by ours
    others = [w for w in spec.paper_values if w.rule == "ordering" and w.group == v.group and w.key != v.key]
    bad = []
    for w in others:
        if w.value == v.value:
            continue  # the paper ties them: no constraint
        ow = ours.get(w.key)
        if ow is None or not math.isfinite(ow):
            bad.append(f"{w.key} (no value)")
            continue
        if _side(o, ow) != _side(v.value, w.value):
            rel = {1: ">", 0: "=", -1: "<"}
            bad.append(f"ours {rel[_side(o, ow)]} {w.key}, paper {rel[_side(v.value, w.value)]}")
    if bad:
        return False, "order differs: " + "; ".join(bad)
    return True, f"same order as the paper against {len(others)} other value(s)"


def judge(spec: ReproSpec, ours: Mapping[str, float | None]) -> dict:
    """Each paper value's verdict and the overall verdict, from ``ours`` (key -> mean over seeds).

    ``ours`` empty means nothing ran (``not attempted``); a key mapped to ``None`` has no finite value
    (it fails its rule). Returns ``{"values": [row, ...], "verdict": str, "reason": str}``; each row is
    the paper value's fields plus ``paper``, ``ours``, ``verdict`` (``reproduced``/``not reproduced``)
    and ``why``.
    """
    rows = []
    for v in spec.paper_values:
        row = {
            "key": v.key,
            "paper": float(v.value),
            "source": v.source,
            "verified": v.verified,
            "rule": v.rule,
            "tolerance": v.tolerance,
            "reference": v.reference,
            "group": v.group,
            "ours": ours.get(v.key),
        }
        if ours:
            ok, why = _judge_value(v, spec, ours)
            row["verdict"], row["why"] = ("reproduced" if ok else "not reproduced"), why
        else:
            row["verdict"], row["why"] = "not attempted", "nothing ran"
        rows.append(row)
    if not ours:
        return {"values": rows, "verdict": "not attempted", "reason": "no seed finished"}
    verdict, reason = _overall(rows)
    return {"values": rows, "verdict": verdict, "reason": reason}


def _overall(rows: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    within = [r for r in rows if r["rule"] == "within"]
    shape = [r for r in rows if r["rule"] != "within"]
    w_ok = sum(r["verdict"] == "reproduced" for r in within)
    s_ok = sum(r["verdict"] == "reproduced" for r in shape)
    parts = []
    if within:
        parts.append(f"{w_ok}/{len(within)} within tolerance")
    if shape:
        parts.append(f"{s_ok}/{len(shape)} direction/ordering checks hold")
    reason = ", ".join(parts)
    if w_ok == len(within) and s_ok == len(shape):
        return "reproduced", reason
    if shape and s_ok == len(shape):
        return "direction only", reason
    return "not reproduced", reason


# ---------------------------------------------------------------------------------- errors and data


class ReproduceError(ValueError):
    """Bad input to ``paperlab reproduce`` or a broken contract; its message is one line for the user."""


class PaperDataUnavailable(ReproduceError):
    """The data a run needs is not on this machine (and cannot be downloaded now).

    A module raises it from ``reproduce`` or ``reproduce_data``:
    ``raise PaperDataUnavailable(spec, dataset="Cora (Planetoid)", where=path, how="from <url>")``.
    """

    def __init__(
        self,
        spec: ReproSpec | str,
        *,
        dataset: str,
        where: str | os.PathLike[str] = "",
        how: str = "",
        stand_in_hint: bool = True,
    ) -> None:
        slug = spec.slug if isinstance(spec, ReproSpec) else str(spec)
        self.slug, self.dataset, self.where, self.how = slug, dataset, str(where), how
        put = f"; put it at {where}" if str(where) else ""
        how = f" ({how})" if how else ""
        hint = ""
        if stand_in_hint:
            named = isinstance(spec, ReproSpec) and spec.data_kind == "stand-in"
            hint = "; or run with --data stand-in" + (f" ({spec.data})" if named else "")  # type: ignore[union-attr]
        super().__init__(f"{slug}: the data {dataset!r} is not available offline{put}{how}{hint}")


def _data_error(spec: ReproSpec, data: str, exc: Exception) -> ReproduceError:
    """A one-line :class:`PaperDataUnavailable` from a registry ``DataUnavailable`` (which names the file)."""
    if isinstance(exc, PaperDataUnavailable):
        return exc
    entry, path = getattr(exc, "entry", None), getattr(exc, "path", "")
    url, sha = getattr(entry, "url", ""), getattr(entry, "sha256", "")
    return PaperDataUnavailable(
        spec,
        dataset=getattr(entry, "name", "?"),
        where=path,
        how=f"from {url}, sha256 {sha}" if url else "",
        stand_in_hint=data == "paper",  # the stand-in itself needs the file: no point suggesting it
    )


def _is_data_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, PaperDataUnavailable):
        return True
    try:
        from paperlab.data.registry import DataUnavailable
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, DataUnavailable)


def default_data(spec: ReproSpec) -> str:
    """``stand-in`` for a stand-in spec, else ``paper`` (the paper's data, or its exact construction)."""
    return "stand-in" if spec.data_kind == "stand-in" else "paper"


def _data_info(spec: ReproSpec, data: str, module: ModuleType) -> dict:
    """What a run with ``data`` uses: the spec's data for :func:`default_data`; the other choice only
    where the module's ``reproduce_data(spec, data)`` names it (else a one-line error: a module that
    ignores ``data`` must not record a stand-in run as the paper's data, or the reverse)."""
    default = data == default_data(spec)
    info: dict[str, Any] = {"requested": data, "name": spec.data, "kind": spec.data_kind}
    info["checksum"] = spec.extra.get("data_checksum") if default else None
    hook = getattr(module, "reproduce_data", None)
    extra: dict[str, Any] = {}
    if hook is not None:
        try:
            extra = dict(hook(spec, data) or {})
        except Exception as exc:
            if _is_data_unavailable(exc):
                raise _data_error(spec, data, exc) from exc
            raise
    if not default and extra.get("name") is None:
        if data == "paper":
            raise ReproduceError(
                f"{spec.slug}: --data paper: {module.__name__} has no route to the paper's own data yet (it runs"
                f" the stand-in {spec.data!r}); run with --data stand-in, this paper's default"
            )
        raise ReproduceError(
            f"{spec.slug}: --data stand-in: {module.__name__} names no stand-in; its data is {spec.data!r}"
            f" ({DATA_BADGES[spec.data_kind]}), which needs no download: run without --data"
        )
    if not default:
        info["kind"] = data
    for k in ("name", "kind", "checksum", "source"):
        if extra.get(k) is not None:
            info[k] = str(extra[k])
    if info["kind"] not in DATA_KINDS:
        raise ReproduceError(
            f"{spec.slug}: reproduce_data kind must be one of {DATA_KINDS}; got {info['kind']!r}"
        )
    return info


# ------------------------------------------------------------------------------------ provenance


def _module(slug: str) -> ModuleType:
    """The paper's module (tests replace this lookup with a fake module)."""
    return importlib.import_module(catalog.get(slug).module)


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=catalog.ROOT, capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def git_commit() -> str:
    """``git rev-parse HEAD`` of the checkout, or ``"unknown"`` (no git, not a checkout)."""
    return _git("rev-parse", "HEAD") or "unknown"


def _imported_paperlab_modules(path: Path, package: str) -> set[str]:
    """Names of the ``paperlab`` modules a file imports (anywhere in it, functions included)."""
    try:
        tree = ast.parse(path.read_text(), filename=str(path))
    except (OSError, SyntaxError):
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.split(".")[0] == "paperlab")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] != "paperlab":
                continue
            names.add(mod)
            names.update(f"{mod}.{a.name}" for a in node.names)  # `from paperlab import config`
    return names


def _module_files(name: str, pkg_root: Path) -> list[Path]:
    """The files executed by importing ``name``: every package ``__init__`` on the way, and the module."""
    parts = name.split(".")[1:]
    files = [pkg_root / "__init__.py"]
    here = pkg_root
    for i, part in enumerate(parts):
        here = here / part
        if (here / "__init__.py").is_file():
            files.append(here / "__init__.py")
        elif here.with_suffix(".py").is_file() and i == len(parts) - 1:
            files.append(here.with_suffix(".py"))
        else:
            break  # an attribute (`from paperlab.train import fit`), not a module
    return files


def _excluded(name: str) -> bool:
    return name in _NOT_NUMERIC or any(name == p or name.startswith(p + ".") for p in _NOT_NUMERIC_PACKAGES)


def code_files(module: ModuleType) -> list[Path]:
    """The paper module's file and every ``paperlab`` file it imports, transitively (its code footprint).

    Modules that cannot change a number (this one, claims, catalog, cli, site, diagrams, notebooks) are
    left out. A module without a file (a test's fake) has no footprint.
    """
    file = getattr(module, "__file__", None)
    if not file:
        return []
    pkg_root = Path(__file__).resolve().parent
    start = Path(file).resolve()
    seen: set[Path] = set()
    todo = [start]
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        try:  # the package a relative import starts from: the file's folder, as a dotted name
            package = ".".join(path.parent.relative_to(pkg_root.parent).parts)
        except ValueError:
            package = module.__name__.rpartition(".")[0]
        for name in _imported_paperlab_modules(path, package):
            if not _excluded(name):
                todo.extend(_module_files(name, pkg_root))
    return sorted(seen, key=str)


def code_digest(module: ModuleType) -> str:
    """A hash of :func:`code_files` (relative paths and contents): what a result's numbers depend on."""
    h = hashlib.sha256()
    for path in code_files(module):
        rel = path.relative_to(catalog.ROOT).as_posix() if path.is_relative_to(catalog.ROOT) else path.name
        h.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def device_name(device: Any) -> str:
    """The GPU's name (``torch.cuda.get_device_name``), else the processor's, else ``"cpu"``."""
    import torch

    if device.type == "cuda":
        with contextlib.suppress(Exception):
            return torch.cuda.get_device_name(device)
        return "cuda"
    if device.type == "mps":
        return f"Apple MPS ({platform.machine() or 'arm64'})"
    return _cpu_model() or platform.processor() or platform.machine() or "cpu"


def _cpu_model() -> str | None:
    """The processor's marketing name on Linux (``platform.processor()`` there is only ``x86_64``)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name") and ":" in line:
                return line.split(":", 1)[1].strip() or None
    return None


def _versions() -> dict[str, str]:
    """The package versions a result records: the same ones a seed ledger records."""
    from paperlab.claims import _versions as ledger_versions

    return ledger_versions()


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------------------- files


def results_dir() -> Path:
    """Where committed results live: ``results/`` at the repository root."""
    return catalog.ROOT / "results"


def result_path(slug: str, out: str | os.PathLike[str] | None = None) -> Path:
    """``<out or results/>/NN_slug.json``."""
    paper = catalog.get(slug)
    folder = Path(out) if out is not None else results_dir()
    return folder / f"{paper.number:02d}_{paper.slug}.json"


def _write_atomic(path: Path, data: bytes) -> None:
    """A unique temporary file beside ``path``, then ``os.replace``; mode 0644. No partial file is ever seen."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        tmp.chmod(0o644)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def _locked(path: Path):  # type: ignore[no-untyped-def]
    """An exclusive ``flock`` on ``.<name>.lock`` beside ``path`` (where fcntl exists): two runs of one
    paper merge their seeds instead of overwriting each other's."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock, last writer wins
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / f".{path.name}.lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _jsonable(x: Any) -> Any:
    return json.loads(json.dumps(x, default=str))


def _dump(result: Mapping[str, Any]) -> bytes:
    return (json.dumps(result, indent=1, ensure_ascii=False, allow_nan=False) + "\n").encode()


def load_result(path: str | os.PathLike[str]) -> dict:
    return json.loads(Path(path).read_text())


# ----------------------------------------------------------------------------------- summaries


def _finite(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, int | float):
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def summarize(per_seed: Mapping[str, Mapping[str, Any]], keys: Iterable[str]) -> dict[str, dict]:
    """Per key: mean and sample sd over seeds (``None`` where a seed has no finite value; sd needs 2 seeds)."""
    out = {}
    for key in keys:
        xs = [entry["values"].get(key) for entry in per_seed.values()]
        n = len(xs)
        if n == 0 or any(x is None for x in xs):
            out[key] = {"mean": None, "sd": None, "n": n}
            continue
        out[key] = {
            "mean": statistics.fmean(xs),
            "sd": statistics.stdev(xs) if n >= 2 else None,
            "n": n,
        }
    return out


def _check_values(values: Any, spec: ReproSpec, seed: int, where: str) -> tuple[dict, dict]:
    """``reproduce``'s return value checked: (spec key -> float or None if not finite, extra numeric keys)."""
    if not isinstance(values, Mapping):
        raise ReproduceError(f"{where}(seed={seed}) returned {type(values).__name__}, not a dict of floats")
    keys = [v.key for v in spec.paper_values]
    missing = [k for k in keys if k not in values]
    if missing:
        raise ReproduceError(
            f"{where}(seed={seed}) returned no value for {missing}: it must return one float per PaperValue.key"
        )
    out, extra = {}, {}
    for k, x in values.items():
        try:  # floats, ints, NumPy scalars, one-element tensors; not bools, strings, arrays
            if isinstance(x, bool | str | bytes):
                raise TypeError
            number = float(x)
        except (TypeError, ValueError, RuntimeError):
            raise ReproduceError(f"{where}(seed={seed}) returned {k!r}: {x!r:.80}, not a number") from None
        (out if k in keys else extra)[str(k)] = _finite(number)
    return out, extra


# ----------------------------------------------------------------------------------------- runner


def _not_attempted(paper: catalog.Paper, spec: ReproSpec | None, reason: str) -> dict:
    return {
        "result_version": RESULT_VERSION,
        "number": paper.number,
        "slug": paper.slug,
        "title": paper.title,
        "spec_digest": spec.digest() if spec is not None else None,
        "spec": _jsonable(spec.as_dict()) if spec is not None else None,
        "seeds": [],
        "per_seed": {},
        "values": judge(spec, {})["values"] if spec is not None else [],
        "verdict": "not attempted",
        "reason": reason,
        "written": [],
    }


def _spec_of(paper: catalog.Paper, module: ModuleType) -> ReproSpec | None:
    spec = getattr(module, "REPRO", None)
    if spec is None:
        return None
    if not isinstance(spec, ReproSpec):
        raise ReproduceError(f"{paper.module}.REPRO is a {type(spec).__name__}, not a ReproSpec")
    if spec.slug != paper.slug:
        raise ReproduceError(f"{paper.module}.REPRO.slug is {spec.slug!r}; it must be {paper.slug!r}")
    return spec


def _check_seeds(seeds: Iterable[int]) -> list[int]:
    seeds = list(seeds)
    if (
        not seeds
        or any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in seeds)
        or len(set(seeds)) != len(seeds)
    ):
        raise ReproduceError(f"seeds must be distinct whole numbers >= 0; got {seeds}")
    return seeds


def _resumable(path: Path | None, *, digest: str, code: str, data: str, smoke: bool) -> dict:
    """The finished seeds of an earlier run at ``path`` that this run may keep (empty if not current)."""
    if path is None or not path.is_file():
        return {}
    try:
        old = load_result(path)
    except (OSError, ValueError):
        return {}
    same = (
        old.get("spec_digest") == digest
        and old.get("code_digest") == code
        and old.get("data", {}).get("requested") == data
        and bool(old.get("smoke")) == smoke
    )
    return dict(old.get("per_seed", {})) if same else {}


def _assemble(
    paper: catalog.Paper,
    spec: ReproSpec,
    *,
    seeds: list[int],
    per_seed: dict[str, dict],
    data_info: dict,
    code: str,
    files: list[str],
    smoke: bool,
    stopped: str | None,
) -> dict:
    keys = [v.key for v in spec.paper_values]
    done = [s for s in seeds if str(s) in per_seed]
    ordered = {str(s): per_seed[str(s)] for s in done}
    summary = summarize(ordered, keys)
    judged = judge(spec, {k: summary[k]["mean"] for k in keys} if done else {})
    for row in judged["values"]:
        row["sd"] = summary[row["key"]]["sd"]
        row["n"] = summary[row["key"]]["n"]
    last = ordered[str(done[-1])] if done else {}

    def uniq(name: str) -> str | None:  # one value, or "a + b" when seeds ran on different machines
        return " + ".join(dict.fromkeys(str(e.get(name)) for e in ordered.values())) or None

    complete = len(done) == len(seeds)
    return {
        "result_version": RESULT_VERSION,
        "number": paper.number,
        "slug": paper.slug,
        "title": paper.title,
        "target": spec.target,
        "metric": spec.metric,
        "spec_digest": spec.digest(),
        "spec": _jsonable(spec.as_dict()),
        "commit": last.get("commit") or git_commit(),
        "code_digest": code,
        "code_files": files,
        "device": uniq("device"),
        "device_type": uniq("device_type"),
        "torch": uniq("torch"),
        "versions": last.get("versions", _versions()),
        "smoke": smoke,
        "data": data_info,
        "seeds_planned": seeds,
        "seeds": done,
        "per_seed": ordered,
        "wall_s": round(sum(e["wall_s"] for e in ordered.values()), 3),
        "complete": complete,
        "partial": not complete,
        "stopped": None if complete else stopped,
        "summary": summary,
        "values": judged["values"],
        "verdict": judged["verdict"],
        "reason": judged["reason"] + ("" if complete else f"; partial: {len(done)}/{len(seeds)} seeds"),
        "date": last.get("finished", _now())[:10],
        "figure": None,
    }


def run(
    slug: str,
    seeds: Iterable[int] | None = None,
    data: str | None = None,
    max_minutes: float | None = None,
    device: str | None = None,
    smoke: bool = False,
    out: str | os.PathLike[str] | None = None,
    progress: bool = True,
) -> dict:
    """Run a paper's reproduction target seed by seed; write, and return, its result.

    ``seeds`` default to the spec's; ``data`` (``paper`` | ``stand-in``) to :func:`default_data`;
    ``device`` is what :func:`paperlab.config.pick_device` accepts (CUDA when present). Files go to
    ``out`` (default ``results/``); a smoke run writes nothing unless ``out`` is given. After every seed
    the JSON is rewritten atomically; a rerun whose spec, code, data and smoke flag are current skips
    the seeds that finished. Past ``max_minutes`` (checked between seeds) the run stops with its
    finished seeds, judged on them and marked partial. A module without ``REPRO`` or ``reproduce``
    gives a ``not attempted`` result (nothing written). The returned dict is the file's content plus
    ``written`` (the paths written).
    """
    import torch

    from paperlab import config
    from paperlab.train import progress as progress_bar

    paper = catalog.get(slug)
    module = _module(paper.slug)
    spec = _spec_of(paper, module)
    if spec is None:
        return _not_attempted(paper, None, f"{paper.module} has no REPRO spec yet")
    fn = getattr(module, "reproduce", None)
    if fn is None:
        return _not_attempted(
            paper, spec, f"{paper.module} defines no reproduce(spec, *, seed, data, device, smoke) yet"
        )
    seeds = _check_seeds(spec.seeds if seeds is None else seeds)
    data = default_data(spec) if data is None else data
    if data not in DATA_CHOICES:
        raise ReproduceError(f"data must be one of {', '.join(DATA_CHOICES)}; got {data!r}")
    if max_minutes is not None and (
        isinstance(max_minutes, bool) or not isinstance(max_minutes, int | float) or not max_minutes > 0
    ):
        raise ReproduceError(
            f"max_minutes (--max-minutes) must be a number of minutes > 0; got {max_minutes!r}"
        )
    dev = config.pick_device(device)
    folder = Path(out) if out is not None else (None if smoke else results_dir())
    path = result_path(paper.slug, folder) if folder is not None else None
    files = [
        p.relative_to(catalog.ROOT).as_posix() if p.is_relative_to(catalog.ROOT) else str(p)
        for p in code_files(module)
    ]
    code = code_digest(module)
    digest = spec.digest()
    data_info = _data_info(spec, data, module)  # a missing dataset fails here, before any seed
    planned = {str(s) for s in seeds}
    current = {"digest": digest, "code": code, "data": data, "smoke": smoke}
    per_seed = {k: e for k, e in _resumable(path, **current).items() if k in planned}
    todo = [s for s in seeds if str(s) not in per_seed]
    where = f"{paper.module}.reproduce"
    written: list[str] = []
    stopped: str | None = None

    def assemble() -> dict:
        return _assemble(
            paper, spec, seeds=seeds, per_seed=per_seed, data_info=data_info, code=code, files=files,
            smoke=smoke, stopped=stopped,
        )  # fmt: skip

    def save(final: bool) -> dict:
        if path is None:
            return assemble()
        with _locked(path):  # seeds another run of this paper finished meanwhile are merged in, not lost
            for k, e in _resumable(path, **current).items():
                if k in planned and k not in per_seed:
                    per_seed[k] = e
            result = assemble()
            if final and result["seeds"]:
                result["figure"] = {
                    "png": path.with_suffix(".png").name,
                    "svg": path.with_suffix(".svg").name,
                }
                figure(result, path.with_suffix(""))
                written.extend(str(path.with_suffix(s)) for s in (".png", ".svg"))
            _write_atomic(path, _dump(result))
        if str(path) not in written:
            written.insert(0, str(path))
        return result

    saved_cfg, saved_threads = config._current, torch.get_num_threads()
    threads = (config.settings().threads or 1) if smoke else None
    bar = progress_bar(
        total=len(seeds),
        initial=len(seeds) - len(todo),
        desc=f"{paper.number:02d} {paper.slug}",
        unit="seed",
        leave=True,
        **({} if progress else {"disable": True}),
    )
    t0 = _clock()
    commit = git_commit()
    ran = 0
    try:
        for seed in todo:
            if str(seed) in per_seed:  # finished by another run of this paper meanwhile
                bar.update(1)
                continue
            if ran > 0 and max_minutes is not None and _clock() - t0 >= max_minutes * 60:
                stopped = f"max_minutes ({max_minutes:g} min) reached"
                break
            ran += 1
            bar.set_postfix(seed=seed)
            config.setup(seed=seed, mode="full", device=str(dev), threads=threads, smoke=smoke, verbose=False)
            s0 = _clock()
            try:
                raw = fn(spec, seed=seed, data=data, device=dev, smoke=smoke)
            except Exception as exc:
                if _is_data_unavailable(exc):
                    raise _data_error(spec, data, exc) from exc
                raise
            values, extra = _check_values(raw, spec, seed, where)
            per_seed[str(seed)] = {
                "values": values,
                **({"extra": extra} if extra else {}),
                "wall_s": round(_clock() - s0, 3),
                "device": device_name(dev),
                "device_type": dev.type,
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
                "versions": _versions(),
                "commit": commit,
                "finished": _now(),
            }
            bar.update(1)
            save(final=False)  # a killed run keeps this seed
    except BaseException as exc:
        if per_seed and path is not None:  # the finished seeds stay, and say why the run stopped
            first = str(exc).splitlines()[0] if str(exc).strip() else ""
            stopped = f"error in a seed: {type(exc).__name__}" + (f": {first}" if first else "")
            with contextlib.suppress(Exception):
                save(final=False)
        raise
    finally:
        bar.close()
        config._current = saved_cfg
        torch.set_num_threads(saved_threads)
    result = save(final=True)
    result["written"] = written
    return result


# ----------------------------------------------------------------------------------------- figure


def figure(result: Mapping[str, Any], stem: str | os.PathLike[str]) -> list[Path]:
    """Draw ours beside the paper's values; write ``stem``.png and ``stem``.svg (Agg, no pyplot).

    One small panel per paper value, each on its own scale (a spec's values may mix units): the
    paper's value (grey diamond) with its ``within`` tolerance as a grey band or its ``direction``
    reference as a dotted line, and ours (mean ± sd over seeds, each seed a dot) coloured by the
    value's verdict. The overall verdict is in the title.
    """
    import matplotlib
    from matplotlib.figure import Figure

    rows = result["values"]
    n = len(rows)
    ncols = min(n, 4)
    nrows = math.ceil(n / ncols)
    colors = {"reproduced": "#2e7d32", "not reproduced": "#c62828"}
    per_seed = list(result.get("per_seed", {}).values())
    with matplotlib.rc_context({"svg.hashsalt": "paperlab"}):
        fig = Figure(figsize=(2.5 * ncols, 0.9 + 2.3 * nrows), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax, row in zip(axes, rows, strict=False):
            color = colors.get(row["verdict"], "#757575")
            paper = row["paper"]
            if row["rule"] == "within" and row.get("tolerance") is not None:
                tol = row["tolerance"]
                ax.axhspan(paper - tol, paper + tol, color="#9e9e9e", alpha=0.2, lw=0)
            if row["rule"] == "direction":  # only the side matters (often a sign from the paper's text)
                ax.axhline(row["reference"], color="black", ls=":", lw=1)
                ax.annotate(
                    f"paper:\n{_paper_text(row)}",
                    (0, row["reference"]),
                    ha="center",
                    va="bottom" if paper > row["reference"] else "top",
                    fontsize=8,
                    color="#616161",
                )
            else:
                ax.plot([0], [paper], "D", color="#616161", ms=7)
            mean, sd = row.get("ours"), row.get("sd")
            if mean is not None:
                ax.errorbar(
                    [1], [mean], yerr=None if sd is None else [sd], fmt="o", color=color, ms=7, capsize=4
                )
            seeds = [e["values"].get(row["key"]) for e in per_seed]
            seeds = [x for x in seeds if x is not None]
            ax.plot([1.25] * len(seeds), seeds, ".", color="black", alpha=0.5, ms=4)
            ax.set_xticks([0, 1], ["paper", "ours"])
            ax.set_xlim(-0.6, 1.6)
            ax.tick_params(labelsize=8)
            ax.spines[["top", "right"]].set_visible(False)
            mark = "✓" if row["verdict"] == "reproduced" else "✗"
            rule = row["rule"] + (f" ±{_fmt(row['tolerance'])}" if row["rule"] == "within" else "")
            ax.set_title(f"{_wrap(row['key'], 30)}\n{mark} {rule}", fontsize=8, color=color)
        for ax in axes[n:]:
            ax.set_axis_off()
        done, planned = len(result.get("seeds", [])), len(result.get("seeds_planned", []))
        tags = []
        if result.get("partial"):
            tags.append(f"partial: {done}/{planned} seeds")
        if result.get("smoke"):
            tags.append("SMOKE: numbers mean nothing")
        tag = f" ({'; '.join(tags)})" if tags else ""
        kind = DATA_BADGES.get(result.get("data", {}).get("kind", ""), "")
        metric = result.get("metric") or result.get("spec", {}).get("metric", "")
        width = max(40, int(ncols * 2.5 * 12))  # characters that fit across the figure at 9 pt
        head = (
            f"{result['number']:02d} {result['slug']} · {result.get('target', '')}: {result['verdict']}{tag}"
        )
        foot = f"{metric} — ours: mean ± sd over {done} seed(s) on {result.get('device_type', '?')}; data: {kind}"
        fig.suptitle(f"{_wrap(head, width)}\n{_wrap(foot, width)}", fontsize=9)
        stem = Path(stem)
        paths = []
        for ext in (".png", ".svg"):
            buf = io.BytesIO()
            if ext == ".png":
                fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
            else:
                fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
            _write_atomic(stem.with_suffix(ext), buf.getvalue())
            paths.append(stem.with_suffix(ext))
    return paths


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


# ---------------------------------------------------------------------------------- verification


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def check_result(path: str | os.PathLike[str], *, allow_smoke: bool = False) -> list[str]:
    """What is wrong with a result file (empty list: nothing).

    Checks: the name is ``NN_slug.json`` of a catalog paper; the required fields are there; the
    embedded spec hashes to its ``spec_digest`` and that is the digest of the module's current
    ``REPRO``; the per-seed values hold every key; the summary is their mean ± sd; every value's
    verdict follows from its rule and the numbers, and the overall verdict from those; the partial
    flag matches the seeds; the figure files are beside it; and it is not a smoke run (unless
    ``allow_smoke``: smoke numbers mean nothing and are never committed).
    """
    path = Path(path)
    try:
        res = load_result(path)
    except (OSError, ValueError) as exc:
        return [f"{path.name}: not readable JSON ({exc})"]
    if not isinstance(res, dict):
        return [f"{path.name}: not a JSON object"]
    try:
        return _check(res, path, allow_smoke)
    except (TypeError, AttributeError, KeyError, ValueError) as exc:
        return [f"{path.name}: malformed ({type(exc).__name__}: {exc})"]


def _check(res: dict, path: Path, allow_smoke: bool) -> list[str]:
    problems: list[str] = []
    try:
        paper = catalog.get(path.stem)
    except catalog.UnknownPaper as exc:
        return [f"{path.name}: the name is not NN_slug of a catalog paper ({exc})"]
    if path.stem != f"{paper.number:02d}_{paper.slug}":
        problems.append(f"{path.name}: must be named {paper.number:02d}_{paper.slug}.json")
    missing = [f for f in REQUIRED_FIELDS if f not in res]
    if missing:
        return problems + [f"missing fields {missing}"]
    if not isinstance(res["data"], dict) or not isinstance(res["per_seed"], dict):
        return problems + ["data and per_seed must be objects"]
    if (res["number"], res["slug"]) != (paper.number, paper.slug):
        problems.append(f"number/slug {res['number']}/{res['slug']} do not match the file name")
    if res["result_version"] != RESULT_VERSION:
        problems.append(f"result_version {res['result_version']} (this paperlab writes {RESULT_VERSION})")
    if res["smoke"] and not allow_smoke:
        problems.append("a smoke run: its numbers mean nothing (run without --smoke)")
    try:
        spec = spec_from_dict(res["spec"])
    except (TypeError, ValueError, KeyError) as exc:
        return problems + [f"the stored spec is not a valid ReproSpec: {exc}"]
    if spec.digest() != res["spec_digest"]:
        problems.append(
            f"the stored spec hashes to {spec.digest()}, not its spec_digest {res['spec_digest']}"
        )
    try:
        current = _spec_of(paper, _module(paper.slug))
    except ReproduceError as exc:
        current = None
        problems.append(str(exc))
    if current is None:
        problems.append(f"{paper.module} has no REPRO: a result without a spec cannot be checked")
    elif current.digest() != res["spec_digest"]:
        problems.append(
            f"stale: {paper.module}.REPRO has digest {current.digest()}, the result was run under "
            f"{res['spec_digest']}; rerun `paperlab reproduce {paper.slug}`"
        )
    commit = str(res["commit"])
    if commit != "unknown" and not (len(commit) == 40 and all(c in "0123456789abcdef" for c in commit)):
        problems.append(f"commit {commit!r} is neither a git hash nor 'unknown'")
    if res["data"].get("requested") not in DATA_CHOICES or res["data"].get("kind") not in DATA_KINDS:
        problems.append(f"data {res['data']} must say requested (paper|stand-in) and kind {DATA_KINDS}")
    keys = [v.key for v in spec.paper_values]
    per_seed = res["per_seed"]
    if [str(s) for s in res["seeds"]] != list(per_seed):
        problems.append(f"seeds {res['seeds']} do not match the per-seed entries {list(per_seed)}")
    if not set(map(int, res["seeds"])) <= set(map(int, res["seeds_planned"])):
        problems.append("seeds outside seeds_planned")
    for s, entry in per_seed.items():
        lack = [k for k in keys if k not in entry.get("values", {})]
        if lack:
            problems.append(f"seed {s}: no value for {lack}")
        if not isinstance(entry.get("wall_s"), int | float):
            problems.append(f"seed {s}: no wall_s")
    if problems:
        return problems
    complete = len(res["seeds"]) == len(res["seeds_planned"])
    if res["complete"] != complete or res["partial"] == complete:
        problems.append(
            f"complete/partial flags disagree with {len(res['seeds'])}/{len(res['seeds_planned'])} seeds"
        )
    summary = summarize(per_seed, keys)
    for k in keys:
        got = res["summary"].get(k, {})
        if not (_close(got.get("mean"), summary[k]["mean"]) and _close(got.get("sd"), summary[k]["sd"])):
            problems.append(f"summary of {k!r} is not the mean ± sd of its per-seed values")
    judged = judge(spec, {k: summary[k]["mean"] for k in keys} if per_seed else {})
    stored = {r.get("key"): r for r in res["values"]}
    if list(stored) != keys:
        problems.append(f"values list keys {list(stored)}, the spec has {keys}")
    for row in judged["values"]:
        got = stored.get(row["key"], {})
        if got.get("verdict") != row["verdict"]:
            problems.append(
                f"{row['key']!r}: verdict {got.get('verdict')!r}, but rule {row['rule']} on the numbers gives"
                f" {row['verdict']!r} ({row['why']})"
            )
        if not _close(got.get("paper"), row["paper"]) or not _close(got.get("ours"), row["ours"]):
            problems.append(f"{row['key']!r}: paper/ours in the values list differ from the spec and summary")
    if res["verdict"] not in VERDICTS:
        problems.append(f"verdict {res['verdict']!r} is not one of {VERDICTS}")
    elif res["verdict"] != judged["verdict"]:
        problems.append(
            f"overall verdict {res['verdict']!r}, but the per-value verdicts give {judged['verdict']!r}"
        )
    if res["seeds"]:
        for ext in (".png", ".svg"):
            if not path.with_suffix(ext).is_file():
                problems.append(f"no figure {path.with_suffix(ext).name} beside it")
    return problems


def committed_results(folder: str | os.PathLike[str] | None = None) -> list[Path]:
    """Every ``NN_*.json`` in ``results/`` (sorted): the reproduction results. Other files there
    (``full_mode.json``, the full-mode ledger of ``scripts/full_mode.py``; this folder's README) are not."""
    folder = Path(folder) if folder is not None else results_dir()
    return sorted(folder.glob("[0-9][0-9]_*.json")) if folder.is_dir() else []


def result_status(slug: str, *, out: str | os.PathLike[str] | None = None) -> tuple[str, str]:
    """Whether the result file of a paper is current: (``current`` | ``stale`` | ``partial`` | ``missing``
    | ``smoke`` | ``no spec`` | ``no reproduce``, why)."""
    paper = catalog.get(slug)
    module = _module(paper.slug)
    spec = _spec_of(paper, module)
    if spec is None:
        return "no spec", f"{paper.module} has no REPRO yet"
    if getattr(module, "reproduce", None) is None:
        return "no reproduce", f"{paper.module} defines no reproduce() yet"
    path = result_path(paper.slug, out)
    if not path.is_file():
        return "missing", f"no {path.name}"
    try:
        res = load_result(path)
    except (OSError, ValueError):
        return "stale", f"{path.name} is not readable"
    if res.get("smoke"):
        return "smoke", "a smoke run"
    if res.get("spec_digest") != spec.digest():
        return "stale", "the spec changed since the run"
    if res.get("code_digest") != code_digest(module):
        return "stale", "the paper's code changed since the run"
    if res.get("data", {}).get("requested") != default_data(spec):
        return "stale", f"run on --data {res.get('data', {}).get('requested')}, not the spec's"
    if [int(s) for s in res.get("seeds_planned", [])] != list(spec.seeds) or not res.get("complete"):
        return "partial", f"{len(res.get('seeds', []))}/{len(spec.seeds)} of the spec's seeds"
    return "current", "same spec, code and data; all seeds"


# ------------------------------------------------------------------------------------- the queue


def run_all(
    budget_minutes: float,
    *,
    device: str | None = None,
    smoke: bool = False,
    out: str | os.PathLike[str] | None = None,
    progress: bool = True,
    echo=print,
) -> list[dict]:
    """Work through the papers in catalog order within ``budget_minutes`` of wall time.

    Skips papers with no spec or no ``reproduce`` and (unless smoke) those whose result is current
    (:func:`result_status`); defers a paper whose expected minutes per seed (the spec's GPU or CPU
    estimate) exceed what is left; runs the rest with the spec's seeds and data, ``max_minutes`` set to
    what is left (a paper cut short resumes next time). A paper whose run fails is reported and the
    queue goes on. Returns one entry per paper: slug, status (``ran``, ``current``, ``skipped``,
    ``deferred``, ``failed``, ``budget spent``), why, verdict and minutes.
    """
    if (
        isinstance(budget_minutes, bool)
        or not isinstance(budget_minutes, int | float)
        or not budget_minutes > 0
    ):
        raise ReproduceError(f"--budget must be a number of minutes > 0; got {budget_minutes!r}")
    from paperlab import config

    dev = config.pick_device(device)
    t0 = _clock()
    report: list[dict] = []
    for paper in catalog.PAPERS:
        left = budget_minutes - (_clock() - t0) / 60
        entry = {"number": paper.number, "slug": paper.slug, "verdict": None, "minutes": 0.0}
        if not smoke:
            status, why = result_status(paper.slug, out=out)
        else:
            module = _module(paper.slug)
            spec = _spec_of(paper, module)
            status, why = (
                ("no spec", "no REPRO yet")
                if spec is None
                else ("no reproduce", "no reproduce() yet")
                if getattr(module, "reproduce", None) is None
                else ("smoke", "")
            )
        if status in ("no spec", "no reproduce"):
            entry.update(status="skipped", why=why)
        elif status == "current":
            entry.update(status="current", why=why)
        elif left <= 0:
            entry.update(status="budget spent", why=f"the {budget_minutes:g} min budget is spent")
        else:
            spec = _module(paper.slug).REPRO
            per_seed = (spec.gpu_minutes if dev.type == "cuda" else spec.cpu_minutes) / len(spec.seeds)
            if not smoke and per_seed > left:
                entry.update(
                    status="deferred",
                    why=f"a seed is expected to take {per_seed:.1f} min; {left:.1f} min left",
                )
            else:
                s0 = _clock()
                try:
                    res = run(
                        paper.slug, device=str(dev), smoke=smoke, out=out, progress=progress, max_minutes=left
                    )
                except ReproduceError as exc:
                    entry.update(status="failed", why=str(exc))
                except Exception as exc:
                    entry.update(status="failed", why=f"{type(exc).__name__}: {exc}".splitlines()[0])
                else:
                    entry.update(
                        status="ran",
                        why=res["reason"],
                        verdict=res["verdict"],
                    )
                entry["minutes"] = round((_clock() - s0) / 60, 2)
        echo(_queue_line(entry))
        report.append(entry)
    return report


def _queue_line(e: Mapping[str, Any]) -> str:
    verdict = f" → {e['verdict']}" if e.get("verdict") else ""
    mins = f" ({e['minutes']:.1f} min)" if e.get("minutes") else ""
    return f"{e['number']:02d} {e['slug']}: {e['status']}{verdict}{mins} — {e['why']}"


# ------------------------------------------------------------------------------ gallery and notebook


def reproductions_table(folder: str | os.PathLike[str] | None = None) -> list[dict]:
    """One row per paper, in catalog order, for the gallery's Reproductions page.

    Each row: number, slug, title, target, shows, metric, command, ``paper_values`` (key, value,
    source, verified, rule), ``ours`` (key, mean, sd, verdict, why; empty if nothing ran), verdict,
    reason, data (name), data_kind, data_badge, device, minutes, date, seeds, partial, current (the
    spec has not changed since the run), json / png / svg (paths, or None), gpu_minutes, cpu_minutes.
    A paper with no spec or no committed result is ``not attempted`` with the reason.
    """
    folder = Path(folder) if folder is not None else results_dir()
    rows = []
    for paper in catalog.PAPERS:
        spec = _spec_of(paper, _module(paper.slug))
        row: dict[str, Any] = {
            "number": paper.number,
            "slug": paper.slug,
            "title": paper.title,
            "target": spec.target if spec else None,
            "shows": spec.shows if spec else None,
            "metric": spec.metric if spec else None,
            "command": f"paperlab reproduce {paper.slug}",
            "paper_values": [
                {"key": v.key, "value": v.value, "source": v.source, "verified": v.verified, "rule": v.rule}
                for v in (spec.paper_values if spec else ())
            ],
            "ours": [],
            "verdict": "not attempted",
            "reason": "no reproduction spec yet" if spec is None else "no committed result yet",
            "data": spec.data if spec else None,
            "data_kind": spec.data_kind if spec else None,
            "data_badge": DATA_BADGES[spec.data_kind] if spec else None,
            "device": None,
            "minutes": None,
            "date": None,
            "seeds": [],
            "partial": False,
            "current": False,
            "json": None,
            "png": None,
            "svg": None,
            "gpu_minutes": spec.gpu_minutes if spec else None,
            "cpu_minutes": spec.cpu_minutes if spec else None,
        }
        path = folder / f"{paper.number:02d}_{paper.slug}.json"
        if spec is not None and path.is_file():
            res = load_result(path)
            kind = res["data"].get("kind", spec.data_kind)
            row.update(
                ours=[
                    {
                        "key": r["key"],
                        "mean": r.get("ours"),
                        "sd": r.get("sd"),
                        "verdict": r["verdict"],
                        "why": r.get("why"),
                    }
                    for r in res["values"]
                ],
                verdict=res["verdict"],
                reason=res["reason"],
                data=res["data"].get("name", spec.data),
                data_kind=kind,
                data_badge=DATA_BADGES.get(kind, kind),
                device=res.get("device"),
                minutes=round(res["wall_s"] / 60, 1),
                date=res.get("date"),
                seeds=res.get("seeds", []),
                partial=bool(res.get("partial")),
                current=res.get("spec_digest") == spec.digest(),
                json=str(path),
                png=str(path.with_suffix(".png")) if path.with_suffix(".png").is_file() else None,
                svg=str(path.with_suffix(".svg")) if path.with_suffix(".svg").is_file() else None,
            )
        rows.append(row)
    return rows


def notebook_section_markdown(
    slug: str,
    folder: str | os.PathLike[str] | None = None,
    *,
    figure_prefix: str | None = "../results/",
    heading: bool = True,
) -> str:
    """A short ``## Reproduction`` section: the target, the committed result (read from ``results/``,
    never re-run) or "not attempted yet", and the command. ``figure_prefix`` is how the notebook
    reaches ``results/`` (notebooks live in ``notebooks/``). ``figure_prefix=None`` leaves the figure out (a notebook
    shows it from the file instead); ``heading=False`` leaves out the ``## Reproduction``
    line (the notebook has it as a markdown cell of its own)."""
    paper = catalog.get(slug)
    spec = _spec_of(paper, _module(paper.slug))
    lines = ["## Reproduction", ""] if heading else []
    if spec is None:
        lines += ["Not attempted yet: this paper has no reproduction spec (`REPRO`) yet."]
        return "\n".join(lines) + "\n"
    badge = DATA_BADGES[spec.data_kind]
    lines += [
        f"**Target:** {spec.target} — {spec.shows} Metric: {spec.metric}. Data: {spec.data} ({badge}).",
        "",
    ]
    path = (Path(folder) if folder is not None else results_dir()) / f"{paper.number:02d}_{paper.slug}.json"
    if not path.is_file():
        lines += ["**Result:** not attempted yet (nothing committed in `results/`)."]
    else:
        res = load_result(path)
        partial = (
            f", partial ({len(res['seeds'])}/{len(res['seeds_planned'])} runs)" if res.get("partial") else ""
        )
        stale = "" if res.get("spec_digest") == spec.digest() else " (stale: the spec changed since this run)"
        lines += [
            f"**Result: {res['verdict']}**{partial}{stale} — {res['reason']}. "
            f"{res.get('device')}, {res['wall_s'] / 60:.1f} min, {res.get('date')}, "
            f"commit `{str(res.get('commit'))[:10]}`, data: {res['data'].get('name')} "
            f"({DATA_BADGES.get(res['data'].get('kind'), res['data'].get('kind'))}).",
            "",
            "| value | paper | ours (mean ± sd) | rule | verdict |",
            "|---|---|---|---|---|",
        ]
        for r in res["values"]:
            sd = f" ± {_fmt(r['sd'])}" if r.get("sd") is not None else ""
            rule = r["rule"] + (f" ±{_fmt(r['tolerance'])}" if r["rule"] == "within" else "")
            key = r["key"].replace("|", "\\|")
            lines.append(
                f"| {key} | {_paper_text(r)} | {_fmt(r.get('ours'))}{sd} | {rule} | {r['verdict']} |"
            )
        if figure_prefix is not None and path.with_suffix(".png").is_file():
            lines += [
                "",
                f"![{spec.target}: ours beside the paper]({figure_prefix}{path.with_suffix('.png').name})",
            ]
    lines += [
        "",
        f"Run it: `paperlab reproduce {paper.slug}` (expected {spec.gpu_minutes:g} min on one GPU, "
        f"{spec.cpu_minutes:g} min on 2 CPU cores; resumable, `--max-minutes` stops between runs).",
    ]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------- CLI


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``paperlab reproduce`` on the CLI's subparsers; its handler returns an exit code."""
    p = subparsers.add_parser(
        "reproduce",
        help="run a paper's figure/table reproduction target; write results/NN_slug.json + figure",
        description=(
            "Run a paper's reproduction target (its REPRO spec) seed by seed and write results/NN_slug.json "
            "and the figure (.png, .svg). Resumable: a rerun keeps the finished seeds of a current result."
        ),
    )
    p.add_argument("slug", nargs="?", help="paper slug, notebook stem or number (or --all)")
    p.add_argument("--all", action="store_true", help="work through every paper's target in catalog order")
    p.add_argument("--budget", type=float, metavar="MIN", help="with --all: minutes of wall time to spend")
    p.add_argument("--seeds", nargs="+", type=int, help="seeds (default: the spec's)")
    p.add_argument(
        "--data", choices=DATA_CHOICES, help="the paper's data or the stand-in (default: the spec's)"
    )
    p.add_argument("--max-minutes", type=float, metavar="M", help="stop between seeds after M minutes")
    p.add_argument("--device", help="auto, cpu, cuda, cuda:N, mps (default: PAPERLAB_DEVICE, else auto)")
    p.add_argument("--out", help="output folder (default: results/; a smoke run writes nothing without it)")
    p.add_argument(
        "--smoke",
        action="store_true",
        help="a handful of steps per run: proves the path, numbers mean nothing",
    )
    p.set_defaults(func=_cmd)
    return p


def _fail(msg: str) -> int:
    print(f"paperlab reproduce: {msg}", file=sys.stderr)
    return 2


def _print_result(res: Mapping[str, Any]) -> None:
    n = res["number"]
    head = f"{n:02d} {res['slug']}"
    if res["verdict"] == "not attempted" and not res.get("seeds"):
        print(f"{head}: not attempted — {res['reason']}")
        return
    mins = res["wall_s"] / 60
    print(
        f"{head} · {res.get('target')}: {res['verdict']} ({res['reason']}) — {len(res['seeds'])} seed(s), "
        f"{mins:.1f} min on {res.get('device')}{' [SMOKE]' if res.get('smoke') else ''}"
    )
    width = max(len(r["key"]) for r in res["values"])
    print(f"  {'value':<{width}}  {'paper':>10}  {'ours':>18}  {'rule':<16}  verdict")
    for r in res["values"]:
        ours = _fmt(r.get("ours")) + (f" ± {_fmt(r['sd'])}" if r.get("sd") is not None else "")
        rule = r["rule"] + (f" ±{_fmt(r['tolerance'])}" if r["rule"] == "within" else "")
        print(f"  {r['key']:<{width}}  {_paper_text(r):>10}  {ours:>18}  {rule:<16}  {r['verdict']}")
    if res.get("partial"):
        print(f"  partial: {res.get('stopped') or 'not all seeds ran'}; rerun the same command to resume")
    if res.get("written"):
        print("wrote " + ", ".join(res["written"]))
    elif res.get("smoke"):
        print("smoke run: nothing written (give --out DIR to keep the files)")


def _cmd(args: argparse.Namespace) -> int:
    from paperlab import config

    try:
        if args.all:
            if args.slug:
                return _fail(f"give a SLUG or --all, not both (got {args.slug!r} and --all)")
            if args.budget is None:
                return _fail("--all needs --budget MIN (minutes of wall time to spend)")
            if args.seeds or args.data or args.max_minutes:
                return _fail("--seeds, --data and --max-minutes apply to one paper; --all uses each spec's")
            report = run_all(args.budget, device=args.device, smoke=args.smoke, out=args.out)
            ran = sum(e["status"] == "ran" for e in report)
            failed = [e for e in report if e["status"] == "failed"]
            print(f"{ran} run, {sum(e['status'] == 'current' for e in report)} current, {len(failed)} failed")
            return 1 if failed else 0
        if not args.slug:
            return _fail("give a paper SLUG (see `paperlab list`) or --all --budget MIN")
        if args.budget is not None:
            return _fail("--budget goes with --all; for one paper use --max-minutes")
        res = run(
            args.slug,
            seeds=args.seeds,
            data=args.data,
            max_minutes=args.max_minutes,
            device=args.device,
            smoke=args.smoke,
            out=args.out,
        )
    except (ReproduceError, catalog.UnknownPaper, config.SettingError) as exc:
        return _fail(str(exc))
    _print_result(res)
    return 1 if res["verdict"] == "not attempted" and not res.get("seeds") else 0

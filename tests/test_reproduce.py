"""``paperlab reproduce``: verdict rules, spec digests, the resumable runner, result checks, the CLI,
the gallery data, and a smoke run of every paper's reproduction path (issue 23).

The runner tests use a fake paper module (``paperlab.reproduce._module`` is replaced), so they are
fast and do not depend on the specs the paper modules are gaining.
"""

from __future__ import annotations

import argparse
import json
import math
import time
import types
from pathlib import Path

import pytest
import torch

from paperlab import catalog, config
from paperlab import reproduce as rp
from paperlab.reproduce import PaperValue, ReproSpec

SLUG = "lowrank_mhsa"  # paper 01: the fake module stands in for its module
STEM = "01_lowrank_mhsa"


def _spec(**over) -> ReproSpec:
    kw = dict(
        slug=SLUG,
        target="Table 9",
        shows="a made-up table for the runner tests",
        metric="accuracy (%)",
        paper_values=(
            PaperValue("acc ours", 90.0, "Table 9 of a test", True, "within", 1.0),
            PaperValue("gain over baseline", 2.0, "Table 9 of a test", True, "direction"),
            PaperValue("small", 10.0, "Table 9", False, "ordering"),
            PaperValue("large", 20.0, "Table 9", False, "ordering"),
        ),
        data="a test set",
        data_kind="synthetic",
        data_note="made up",
        sizes={"width": 8, "steps": 100},
        seeds=(0, 1, 2),
        gpu_minutes=1.0,
        cpu_minutes=3.0,
    )
    kw.update(over)
    return ReproSpec(**kw)


def _fake_module(spec: ReproSpec | None = None, *, fail_on: int | None = None, with_reproduce: bool = True):
    mod = types.ModuleType("paperlab.papers.fake")
    mod.calls = []  # type: ignore[attr-defined]
    if spec is not None:
        mod.REPRO = spec  # type: ignore[attr-defined]

    def reproduce(spec, *, seed, data, device, smoke):  # type: ignore[no-untyped-def]
        mod.calls.append(  # type: ignore[attr-defined]
            {"seed": seed, "data": data, "device": device, "smoke": smoke, "rng": torch.initial_seed()}
        )
        if seed == fail_on:
            raise RuntimeError(f"killed on seed {seed}")
        return {"acc ours": 90.0 + 0.1 * seed, "gain over baseline": 1.0, "small": 1.0, "large": 5.0 + seed}

    if with_reproduce:
        mod.reproduce = reproduce  # type: ignore[attr-defined]
    return mod


@pytest.fixture
def env(monkeypatch, tmp_path):
    """Quiet, one thread, CPU, a cache and a repository root of the test's own."""
    for name, value in {
        "PAPERLAB_THREADS": "1",
        "PAPERLAB_PROGRESS": "0",
        "PAPERLAB_DEVICE": "cpu",
        "PAPERLAB_CACHE": str(tmp_path / "cache"),
    }.items():
        monkeypatch.setenv(name, value)
    root = tmp_path / "root"
    root.mkdir()
    monkeypatch.setattr(catalog, "ROOT", root)  # results_dir() is root/results: nothing reaches the real one
    return tmp_path


def _use(monkeypatch, mod, others=None):
    """``_module(slug)``: the fake for paper 01, ``others`` (default: a module with no spec) for the rest."""
    blank = types.ModuleType("paperlab.papers.blank")
    monkeypatch.setattr(rp, "_module", lambda slug: mod if slug == SLUG else (others or blank))


# ------------------------------------------------------------------------------------ verdict rules


def _judge(values, ours):
    spec = _spec(paper_values=tuple(values))
    return rp.judge(spec, ours)


def test_within_passes_at_the_tolerance_and_fails_past_it():
    v = PaperValue("a", 1.0, "src", True, "within", 0.5)
    assert _judge([v], {"a": 1.5})["verdict"] == "reproduced"
    assert _judge([v], {"a": 0.5})["verdict"] == "reproduced"
    res = _judge([v], {"a": 1.5001})
    assert res["verdict"] == "not reproduced" and res["values"][0]["verdict"] == "not reproduced"
    assert "> 0.5" in res["values"][0]["why"]


def test_direction_is_the_side_of_the_reference():
    v = PaperValue("gain", 2.0, "src", True, "direction")
    assert _judge([v], {"gain": 0.01})["verdict"] == "reproduced"
    assert _judge([v], {"gain": -0.01})["verdict"] == "not reproduced"
    assert _judge([v], {"gain": 0.0})["verdict"] == "not reproduced"  # on the reference is its own side
    w = PaperValue("ratio", 1.3, "src", True, "direction", reference=1.0)
    assert _judge([w], {"ratio": 1.01})["verdict"] == "reproduced"
    assert _judge([w], {"ratio": 0.99})["verdict"] == "not reproduced"


def test_ordering_compares_every_pair_the_paper_ranks_within_its_group():
    vals = [
        PaperValue("a", 1.0, "s", True, "ordering"),
        PaperValue("b", 2.0, "s", True, "ordering"),
        PaperValue("c", 3.0, "s", True, "ordering"),
    ]
    assert _judge(vals, {"a": 10, "b": 20, "c": 30})["verdict"] == "reproduced"
    res = _judge(vals, {"a": 10, "b": 40, "c": 30})  # b and c swapped
    assert [r["verdict"] for r in res["values"]] == ["reproduced", "not reproduced", "not reproduced"]
    assert res["verdict"] == "not reproduced"
    assert _judge(vals, {"a": 10, "b": 30, "c": 30})["verdict"] == "not reproduced"  # a tie is not an order
    tied = [PaperValue("a", 1.0, "s", True, "ordering"), PaperValue("b", 1.0, "s", True, "ordering")]
    assert _judge(tied, {"a": 5, "b": 3})["verdict"] == "reproduced"  # the paper ties them: no constraint
    grouped = [
        PaperValue("x5", 1.0, "s", True, "ordering", group="n=5"),
        PaperValue("y5", 2.0, "s", True, "ordering", group="n=5"),
        PaperValue("x10", 10.0, "s", True, "ordering", group="n=10"),
        PaperValue("y10", 20.0, "s", True, "ordering", group="n=10"),
    ]
    # across groups x10 > y5 in the paper but not ours: only within-group pairs count
    assert _judge(grouped, {"x5": 1, "y5": 9, "x10": 2, "y10": 3})["verdict"] == "reproduced"


def test_a_lone_ordering_value_is_refused():
    with pytest.raises(ValueError, match="ordering"):
        _spec(
            paper_values=(
                PaperValue("a", 1.0, "s", True, "ordering"),
                PaperValue("b", 1, "s", True, "within", 1),
            )
        )


def test_overall_verdicts():
    vals = [
        PaperValue("w1", 1.0, "s", True, "within", 0.1),
        PaperValue("w2", 2.0, "s", True, "within", 0.1),
        PaperValue("d", 1.0, "s", True, "direction"),
    ]
    assert _judge(vals, {"w1": 1.0, "w2": 2.0, "d": 3.0})["verdict"] == "reproduced"
    assert _judge(vals, {"w1": 5.0, "w2": 5.0, "d": 3.0})["verdict"] == "direction only"
    # one within value in, one out, the direction holds: still "direction only" (a value that gets closer
    # to the paper never makes the verdict worse)
    assert _judge(vals, {"w1": 1.0, "w2": 5.0, "d": 3.0})["verdict"] == "direction only"
    assert _judge(vals, {"w1": 1.0, "w2": 2.0, "d": -3.0})["verdict"] == "not reproduced"
    only_within = vals[:2]
    assert _judge(only_within, {"w1": 1.0, "w2": 5.0})["verdict"] == "not reproduced"
    assert _judge(vals, {})["verdict"] == "not attempted"
    res = _judge(vals, {"w1": None, "w2": 2.0, "d": 3.0})  # a non-finite mean fails its rule
    assert res["values"][0]["verdict"] == "not reproduced" and res["verdict"] == "direction only"
    assert set(rp.VERDICTS) >= {r["verdict"] for r in res["values"]} | {res["verdict"]}


# -------------------------------------------------------------------------------------------- digest


def test_digest_is_stable():
    spec = _spec()
    assert spec.digest() == "0f769b8c61a98588", (
        "the digest of a fixed spec changed: every result would be stale"
    )
    assert _spec(sizes={"steps": 100, "width": 8}).digest() == spec.digest()  # key order
    ints = tuple(
        PaperValue(v.key, int(v.value), v.source, v.verified, v.rule, v.tolerance) for v in spec.paper_values
    )
    assert _spec(paper_values=ints).digest() == spec.digest()  # 90 and 90.0
    explicit = tuple(
        PaperValue(v.key, v.value, v.source, v.verified, v.rule, v.tolerance, reference=0.0, group="")
        for v in spec.paper_values
    )
    assert _spec(paper_values=explicit, notes="", extra={}).digest() == spec.digest()  # defaults
    assert _spec(seeds=(0, 1)).digest() != spec.digest()
    assert _spec(sizes={"width": 8, "steps": 101}).digest() != spec.digest()
    changed = (PaperValue("acc ours", 90.0, "Table 9 of a test", True, "within", 1.5),) + spec.paper_values[
        1:
    ]
    assert _spec(paper_values=changed).digest() != spec.digest()
    back = rp.spec_from_dict(json.loads(json.dumps(spec.as_dict())))  # as a result file stores it
    assert back == spec and back.digest() == spec.digest()


# -------------------------------------------------------------------------------------------- runner


def test_run_writes_a_result_that_checks(env, monkeypatch):
    mod = _fake_module(_spec())
    _use(monkeypatch, mod)
    res = rp.run(SLUG, out=env / "out", progress=False)
    assert [c["seed"] for c in mod.calls] == [0, 1, 2]
    assert [c["rng"] for c in mod.calls] == [0, 1, 2]  # paperlab.setup(seed) before each seed
    assert all(
        c["device"] == torch.device("cpu") and c["smoke"] is False and c["data"] == "paper" for c in mod.calls
    )
    path = env / "out" / f"{STEM}.json"
    assert sorted(Path(p).name for p in res["written"]) == sorted(
        f"{STEM}{s}" for s in (".json", ".png", ".svg")
    )
    on_disk = json.loads(path.read_text())
    assert on_disk["verdict"] == res["verdict"] == "reproduced"
    assert on_disk["complete"] and not on_disk["partial"] and on_disk["seeds"] == [0, 1, 2]
    assert on_disk["spec_digest"] == _spec().digest() and on_disk["spec"]["target"] == "Table 9"
    assert math.isclose(on_disk["summary"]["acc ours"]["mean"], 90.1)
    assert math.isclose(on_disk["summary"]["acc ours"]["sd"], 0.1)
    assert on_disk["data"] == {
        "requested": "paper",
        "name": "a test set",
        "kind": "synthetic",
        "checksum": None,
    }
    assert on_disk["device_type"] == "cpu" and on_disk["torch"] == torch.__version__
    for name in rp.REQUIRED_FIELDS:
        assert name in on_disk
    assert rp.check_result(path) == []
    assert (path.with_suffix(".png")).stat().st_size > 1000
    names = {p.name for p in path.parent.iterdir()}
    assert names == {
        f"{STEM}.json",
        f"{STEM}.png",
        f"{STEM}.svg",
        f".{STEM}.json.lock",
    }  # no temporary file left
    assert not (env / "root" / "results").exists()


def test_a_killed_run_resumes_from_its_finished_seeds(env, monkeypatch):
    out = env / "out"
    mod = _fake_module(_spec(), fail_on=1)  # "killed" during seed 1
    _use(monkeypatch, mod)
    with pytest.raises(RuntimeError, match="killed on seed 1"):
        rp.run(SLUG, out=out, progress=False)
    partial = json.loads((out / f"{STEM}.json").read_text())
    assert partial["seeds"] == [0] and partial["partial"] and "RuntimeError" in partial["stopped"]
    mod2 = _fake_module(_spec())
    _use(monkeypatch, mod2)
    res = rp.run(SLUG, out=out, progress=False)
    assert [c["seed"] for c in mod2.calls] == [1, 2]  # seed 0 was kept
    assert res["seeds"] == [0, 1, 2] and res["complete"] and res["stopped"] is None
    assert res["per_seed"]["0"] == partial["per_seed"]["0"]
    assert rp.check_result(out / f"{STEM}.json") == []
    mod3 = _fake_module(_spec())
    _use(monkeypatch, mod3)
    rp.run(SLUG, out=out, progress=False)
    assert mod3.calls == []  # all current: nothing reruns


def test_two_runs_of_one_paper_merge_their_seeds(env, monkeypatch):
    out = env / "out"
    path = out / f"{STEM}.json"
    mod = _fake_module(_spec())
    real = mod.reproduce

    def meanwhile(spec, *, seed, **kw):  # type: ignore[no-untyped-def]
        if seed == 1:  # another process finishes seed 2 while this one runs seed 1
            other = json.loads(path.read_text())
            other["per_seed"]["2"] = {**other["per_seed"]["0"], "values": real(spec, seed=2, **kw)}
            path.write_text(json.dumps(other))
        return real(spec, seed=seed, **kw)

    mod.reproduce = meanwhile
    _use(monkeypatch, mod)
    res = rp.run(SLUG, out=out, progress=False)
    assert [c["seed"] for c in mod.calls] == [0, 2, 1]  # seed 2 ran once, in the "other process"
    assert res["seeds"] == [0, 1, 2] and res["complete"]
    assert rp.check_result(path) == []


@pytest.mark.parametrize("change", ["spec", "code", "data", "smoke"])
def test_a_result_that_is_not_current_is_not_resumed(env, monkeypatch, change):
    out = env / "out"
    _use(monkeypatch, _fake_module(_spec()))
    rp.run(SLUG, out=out, progress=False, data="paper")
    spec = _spec(sizes={"width": 16, "steps": 100}) if change == "spec" else _spec()
    mod = _fake_module(spec)
    _use(monkeypatch, mod)
    if change == "code":
        monkeypatch.setattr(rp, "code_digest", lambda module: "0123456789abcdef")
    mod.reproduce_data = lambda spec, data: {"name": "a smaller set"} if data == "stand-in" else {}
    kw = {"data": "stand-in" if change == "data" else "paper", "smoke": change == "smoke"}
    rp.run(SLUG, out=out, progress=False, **kw)
    assert [c["seed"] for c in mod.calls] == [0, 1, 2]


def test_max_minutes_stops_between_seeds_and_keeps_them(env, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(rp, "_clock", lambda: now[0])
    mod = _fake_module(_spec())
    real = mod.reproduce

    def slow(spec, **kw):  # type: ignore[no-untyped-def]
        now[0] += 60.0  # each seed takes a minute
        return real(spec, **kw)

    mod.reproduce = slow
    _use(monkeypatch, mod)
    out = env / "out"
    res = rp.run(SLUG, out=out, progress=False, max_minutes=1.5)
    assert res["seeds"] == [0, 1] and res["partial"] and not res["complete"]
    assert "max_minutes" in res["stopped"] and "partial: 2/3" in res["reason"]
    assert res["verdict"] in rp.VERDICTS and res["per_seed"]["0"]["wall_s"] == 60.0
    assert rp.check_result(out / f"{STEM}.json") == []  # a partial result is a valid result
    assert (out / f"{STEM}.png").is_file()
    res = rp.run(SLUG, out=out, progress=False)
    assert [c["seed"] for c in mod.calls] == [0, 1, 2] and res["complete"]
    with pytest.raises(rp.ReproduceError, match="max_minutes"):
        rp.run(SLUG, out=out, progress=False, max_minutes=0)


def test_a_module_without_reproduce_or_spec_is_not_attempted(env, monkeypatch):
    _use(monkeypatch, _fake_module(_spec(), with_reproduce=False))
    res = rp.run(SLUG, out=env / "out", progress=False)
    assert res["verdict"] == "not attempted" and "reproduce" in res["reason"] and res["written"] == []
    assert [v["verdict"] for v in res["values"]] == ["not attempted"] * 4
    _use(monkeypatch, _fake_module(None))
    res = rp.run(SLUG, out=env / "out", progress=False)
    assert res["verdict"] == "not attempted" and "REPRO" in res["reason"]
    assert not (env / "out").exists()


def test_smoke_writes_nothing_without_out(env, monkeypatch):
    mod = _fake_module(_spec())
    _use(monkeypatch, mod)
    res = rp.run(SLUG, smoke=True, seeds=[0], progress=False)
    assert mod.calls[0]["smoke"] is True and res["smoke"] and res["written"] == []
    assert not (catalog.ROOT / "results").exists()
    res = rp.run(SLUG, smoke=True, seeds=[0], progress=False, out=env / "out")
    assert rp.check_result(env / "out" / f"{STEM}.json") == [
        "a smoke run: its numbers mean nothing (run without --smoke)"
    ]
    assert rp.check_result(env / "out" / f"{STEM}.json", allow_smoke=True) == []


def test_smoke_sets_the_run_config_and_gives_it_back(env, monkeypatch):
    seen = {}
    mod = _fake_module(_spec())

    def spy(spec, **kw):  # type: ignore[no-untyped-def]
        cfg = config.current()
        seen.update(mode=cfg.mode, smoke=cfg.smoke, threads=torch.get_num_threads())
        return {"acc ours": 1.0, "gain over baseline": 1.0, "small": 1.0, "large": 2.0}

    mod.reproduce = spy
    _use(monkeypatch, mod)
    before = config._current
    rp.run(SLUG, smoke=True, seeds=[0], progress=False)
    assert seen == {"mode": "full", "smoke": True, "threads": 1}
    assert config._current is before


def test_bad_return_values_are_named(env, monkeypatch):
    mod = _fake_module(_spec())
    mod.reproduce = lambda spec, **kw: {"acc ours": 1.0}
    _use(monkeypatch, mod)
    with pytest.raises(rp.ReproduceError, match="no value for .*gain over baseline"):
        rp.run(SLUG, out=env / "out", progress=False)
    mod.reproduce = lambda spec, **kw: {"acc ours": "high", "gain over baseline": 1, "small": 1, "large": 2}
    with pytest.raises(rp.ReproduceError, match="not a number"):
        rp.run(SLUG, out=env / "out", progress=False)
    with pytest.raises(rp.ReproduceError, match="seeds"):
        rp.run(SLUG, out=env / "out", progress=False, seeds=[0, 0])
    with pytest.raises(rp.ReproduceError, match="data must be one of"):
        rp.run(SLUG, out=env / "out", progress=False, data="imagenet")


def test_a_diverged_value_is_recorded_as_null_and_fails_its_rule(env, monkeypatch):
    mod = _fake_module(_spec())
    mod.reproduce = lambda spec, **kw: {
        "acc ours": float("nan"),
        "gain over baseline": 1.0,
        "small": 1.0,
        "large": 2.0,
        "loss": 0.5,  # an extra diagnostic is kept
    }
    _use(monkeypatch, mod)
    res = rp.run(SLUG, out=env / "out", progress=False, seeds=[0, 1])
    path = env / "out" / f"{STEM}.json"
    on_disk = json.loads(path.read_text())  # strict JSON: no NaN
    assert on_disk["per_seed"]["0"]["values"]["acc ours"] is None
    assert on_disk["per_seed"]["0"]["extra"] == {"loss": 0.5}
    assert res["values"][0]["verdict"] == "not reproduced" and res["verdict"] == "direction only"
    assert rp.check_result(path) == []


def _unavailable(tmp):
    from paperlab.data.registry import DataUnavailable, Entry

    entry = Entry(name="cora.tgz", url="https://example.org/cora.tgz", sha256="0" * 64)
    return DataUnavailable(entry, tmp / "cache" / "data" / "cora.tgz", "URLError: offline")


def test_paper_data_unavailable_is_one_line_naming_the_file_and_the_stand_in(env, monkeypatch):
    spec = _spec(data="Cora stand-in: a CSBM", data_kind="stand-in")
    mod = _fake_module(spec)

    def offline(spec, *, data, **kw):  # type: ignore[no-untyped-def]
        if data == "paper":
            raise _unavailable(env)
        return {"acc ours": 90.0, "gain over baseline": 1.0, "small": 1.0, "large": 2.0}

    mod.reproduce = offline
    mod.reproduce_data = lambda spec, data: {"name": "Cora (Planetoid)"} if data == "paper" else {}
    _use(monkeypatch, mod)
    with pytest.raises(rp.PaperDataUnavailable) as exc:
        rp.run(SLUG, data="paper", out=env / "out", progress=False)
    msg = str(exc.value)
    assert "\n" not in msg and "cora.tgz" in msg and str(env / "cache" / "data" / "cora.tgz") in msg
    assert "--data stand-in (Cora stand-in: a CSBM)" in msg
    assert not (env / "out").exists()
    assert rp.run(SLUG, out=env / "out", progress=False)["data"]["kind"] == "stand-in"  # the default


def test_the_other_data_runs_only_where_the_module_names_it(env, monkeypatch, capsys):
    """A module that ignores ``data`` must not record its stand-in run as the paper's data (or the reverse)."""
    _use(monkeypatch, _fake_module(_spec(data="a CSBM stand-in for Cora", data_kind="stand-in")))
    assert _cli(["reproduce", SLUG, "--data", "paper", "--out", str(env / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no route to the paper's own data" in err and "--data stand-in" in err
    _use(monkeypatch, _fake_module(_spec()))  # synthetic: the paper's own construction
    with pytest.raises(rp.ReproduceError, match="names no stand-in"):
        rp.run(SLUG, data="stand-in", out=env / "out", progress=False)
    mod = _fake_module(_spec())
    mod.reproduce_data = lambda spec, data: {"name": "fewer points"} if data == "stand-in" else None
    _use(monkeypatch, mod)
    res = rp.run(SLUG, data="stand-in", out=env / "out", progress=False, seeds=[0])
    assert res["data"] == {
        "requested": "stand-in",
        "name": "fewer points",
        "kind": "stand-in",
        "checksum": None,
    }
    assert rp.check_result(env / "out" / f"{STEM}.json") == []


def test_reproduce_data_hook_names_the_data_and_fails_before_any_seed(env, monkeypatch):
    mod = _fake_module(_spec())
    mod.reproduce_data = lambda spec, data: {"name": "Reber strings", "checksum": "ab" * 32}
    _use(monkeypatch, mod)
    res = rp.run(SLUG, out=env / "out", progress=False, seeds=[0])
    assert res["data"]["name"] == "Reber strings" and res["data"]["checksum"] == "ab" * 32

    def missing(spec, data):  # type: ignore[no-untyped-def]
        raise rp.PaperDataUnavailable(spec, dataset="Reber (Bengio)", where="/data/reber.txt")

    mod.reproduce_data = missing
    mod.calls.clear()
    with pytest.raises(rp.PaperDataUnavailable, match="Reber"):
        rp.run(SLUG, out=env / "out2", progress=False)
    assert mod.calls == []


# -------------------------------------------------------------------------------------- check_result


def _written(env, monkeypatch) -> Path:
    _use(monkeypatch, _fake_module(_spec()))
    rp.run(SLUG, out=env / "out", progress=False)
    return env / "out" / f"{STEM}.json"


def _edit(path: Path, fn) -> None:  # type: ignore[no-untyped-def]
    res = json.loads(path.read_text())
    fn(res)
    path.write_text(json.dumps(res))


def test_check_result_finds_inconsistent_verdicts(env, monkeypatch):
    path = _written(env, monkeypatch)
    _edit(path, lambda r: r["values"][1].update(verdict="not reproduced"))
    problems = rp.check_result(path)
    assert any("'gain over baseline': verdict 'not reproduced'" in p for p in problems), problems
    path = _written(env, monkeypatch)
    _edit(path, lambda r: r.update(verdict="direction only"))
    assert any("overall verdict" in p for p in rp.check_result(path))
    path = _written(env, monkeypatch)
    _edit(
        path, lambda r: r["per_seed"]["1"]["values"].update({"acc ours": 50.0})
    )  # numbers edited, not redone
    problems = rp.check_result(path)
    assert any("summary of 'acc ours'" in p for p in problems) and any("verdict" in p for p in problems)


def test_check_result_finds_stale_specs_and_missing_pieces(env, monkeypatch):
    path = _written(env, monkeypatch)
    _use(monkeypatch, _fake_module(_spec(seeds=(0, 1, 2, 3))))  # the spec moved after the run
    assert any(p.startswith("stale:") for p in rp.check_result(path))
    _use(monkeypatch, _fake_module(None))
    assert any("has no REPRO" in p for p in rp.check_result(path))
    path = _written(env, monkeypatch)
    _edit(path, lambda r: r["spec"].update(target="Fig. 1"))  # the stored spec no longer hashes to its digest
    assert any("hashes to" in p for p in rp.check_result(path))
    path = _written(env, monkeypatch)
    _edit(path, lambda r: r.pop("commit"))
    assert rp.check_result(path) == ["missing fields ['commit']"]
    path = _written(env, monkeypatch)
    path.with_suffix(".svg").unlink()
    assert rp.check_result(path) == [f"no figure {STEM}.svg beside it"]
    other = path.with_name("02_lowrank_mhsa.json")
    path.rename(other)
    assert any("must be named 01_lowrank_mhsa.json" in p or "disagree" in p for p in rp.check_result(other))
    bad = path.with_name("01_nonsense.json")
    bad.write_text("{}")
    assert "not NN_slug of a catalog paper" in rp.check_result(bad)[0]
    bad.write_text("{not json")
    assert "not readable JSON" in rp.check_result(bad)[0]


def test_committed_results_check():
    """Every committed result matches its module's current spec and its verdicts follow from its numbers.

    Passes with no results yet; once results/ holds files, each one is checked."""
    folder = rp.results_dir()
    problems = {p.name: rp.check_result(p) for p in rp.committed_results()}
    assert {name: ps for name, ps in problems.items() if ps} == {}
    if folder.is_dir():
        for fig in [*folder.glob("[0-9][0-9]_*.png"), *folder.glob("[0-9][0-9]_*.svg")]:
            assert fig.with_suffix(".json").is_file(), f"{fig.name} has no result beside it"


# ----------------------------------------------------------------------------------------------- CLI


def _cli(argv):  # type: ignore[no-untyped-def]
    ap = argparse.ArgumentParser(prog="paperlab")
    rp.add_parser(ap.add_subparsers(dest="command", required=True))
    args = ap.parse_args(argv)
    return args.func(args)


def test_cli_runs_and_reports(env, monkeypatch, capsys):
    _use(monkeypatch, _fake_module(_spec()))
    assert _cli(["reproduce", SLUG, "--out", str(env / "out"), "--seeds", "0", "1"]) == 0
    out = capsys.readouterr().out
    assert "01 lowrank_mhsa · Table 9: reproduced" in out and "acc ours" in out and "wrote" in out
    assert json.loads((env / "out" / f"{STEM}.json").read_text())["seeds"] == [0, 1]
    assert _cli(["reproduce", "1", "--smoke", "--seeds", "0"]) == 0
    assert "nothing written" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, says",
    [
        (["reproduce", "lowrank_mhs"], "did you mean lowrank_mhsa"),
        (["reproduce"], "give a paper SLUG"),
        (["reproduce", SLUG, "--all", "--budget", "5"], "not both"),
        (["reproduce", "--all"], "--all needs --budget"),
        (["reproduce", "--all", "--budget", "0"], "--budget must be"),
        (["reproduce", "--all", "--budget", "5", "--seeds", "0"], "apply to one paper"),
        (["reproduce", SLUG, "--budget", "5"], "--budget goes with --all"),
        (["reproduce", SLUG, "--max-minutes", "-1"], "--max-minutes"),
        (["reproduce", SLUG, "--seeds", "-1"], "seeds must be"),
        (["reproduce", SLUG, "--device", "tpu"], "device must be one of"),
    ],
)
def test_cli_bad_input_is_one_line(env, monkeypatch, capsys, argv, says):
    _use(monkeypatch, _fake_module(_spec()))
    assert _cli(argv) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1 and err.startswith("paperlab reproduce: ")


def test_cli_paper_data_unavailable(env, monkeypatch, capsys):
    mod = _fake_module(_spec(data_kind="paper", data="Cora"))

    def offline(spec, **kw):  # type: ignore[no-untyped-def]
        raise _unavailable(env)

    mod.reproduce = offline
    _use(monkeypatch, mod)
    assert _cli(["reproduce", SLUG, "--data", "paper", "--out", str(env / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cora.tgz" in err and "put it at" in err and "--data stand-in" in err


def test_cli_not_attempted_exits_1(env, monkeypatch, capsys):
    _use(monkeypatch, _fake_module(_spec(), with_reproduce=False))
    assert _cli(["reproduce", SLUG]) == 1
    assert "not attempted" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------ the queue


def test_all_skips_current_results_and_stops_when_the_budget_is_spent(env, monkeypatch, capsys):
    now = [0.0]
    monkeypatch.setattr(rp, "_clock", lambda: now[0])
    mod = _fake_module(_spec())
    real = mod.reproduce

    def slow(spec, **kw):  # type: ignore[no-untyped-def]
        now[0] += 60.0
        return real(spec, **kw)

    mod.reproduce = slow
    second = _fake_module(_spec(slug=catalog.PAPERS[1].slug))  # paper 02, runnable too
    blank = types.ModuleType("paperlab.papers.blank")
    fakes = {SLUG: mod, catalog.PAPERS[1].slug: second}
    monkeypatch.setattr(rp, "_module", lambda slug: fakes.get(slug, blank))
    out = env / "out"
    report = rp.run_all(2.5, out=out, progress=False, echo=lambda s: None)
    assert report[0]["status"] == "ran" and report[0]["verdict"] == "reproduced"
    assert json.loads((out / f"{STEM}.json").read_text())["seeds"] == [0, 1, 2]  # 2 min < 2.5 before seed 2
    assert report[1]["status"] == "budget spent" and second.calls == []
    assert {e["status"] for e in report[2:]} == {"skipped"}  # no spec: skipped whatever the budget
    _use(monkeypatch, mod)
    now[0] = 0.0
    mod.calls.clear()
    report = rp.run_all(5, out=out, progress=False, echo=lambda s: None)
    assert report[0]["status"] == "current" and mod.calls == []
    assert {e["status"] for e in report[1:]} == {"skipped"}
    _use(monkeypatch, _fake_module(_spec(cpu_minutes=600.0, seeds=(5, 6))))
    report = rp.run_all(5, out=out, progress=False, echo=lambda s: None)
    assert report[0]["status"] == "deferred" and "expected to take 300.0 min" in report[0]["why"]


def test_all_goes_on_past_a_failing_paper(env, monkeypatch, capsys):
    _use(monkeypatch, _fake_module(_spec(), fail_on=0))
    assert _cli(["reproduce", "--all", "--budget", "5", "--out", str(env / "out")]) == 1
    out = capsys.readouterr().out
    assert "01 lowrank_mhsa: failed" in out and "killed on seed 0" in out and "02 " in out


# --------------------------------------------------------------------------------- gallery, notebooks


def test_reproductions_table_and_notebook_section(env, monkeypatch):
    _use(monkeypatch, _fake_module(_spec()))
    rows = rp.reproductions_table(env / "out")
    assert [r["number"] for r in rows] == list(range(1, len(catalog.PAPERS) + 1))
    assert rows[0]["verdict"] == "not attempted" and rows[0]["reason"] == "no committed result yet"
    assert rows[0]["target"] == "Table 9" and rows[0]["data_badge"] == "synthetic, as in the paper"
    assert rows[1]["verdict"] == "not attempted" and rows[1]["target"] is None
    md = rp.notebook_section_markdown(SLUG, env / "out")
    assert (
        md.startswith("## Reproduction") and "not attempted yet" in md and f"paperlab reproduce {SLUG}" in md
    )
    rp.run(SLUG, out=env / "out", progress=False)
    row = rp.reproductions_table(env / "out")[0]
    assert row["verdict"] == "reproduced" and row["current"] and row["seeds"] == [0, 1, 2]
    assert row["device"] and row["minutes"] is not None and row["date"] and row["png"].endswith(".png")
    assert [o["key"] for o in row["ours"]] == ["acc ours", "gain over baseline", "small", "large"]
    assert math.isclose(row["ours"][0]["mean"], 90.1)
    md = rp.notebook_section_markdown(SLUG, env / "out")
    assert "**Result: reproduced**" in md and "| acc ours | 90 | 90.1 ± 0.1 | within ±1 | reproduced |" in md
    assert f"](../results/{STEM}.png)" in md
    for line in md.splitlines():  # tests/test_notebook_contract.py: no markdown table row about seeds
        assert not (line.startswith("|") and "seed" in line.lower())
    assert "no reproduction spec" in rp.notebook_section_markdown("02")


# ------------------------------------------------------------------------------------ code footprint


def test_code_digest_covers_the_module_and_the_paperlab_code_it_imports():
    import importlib

    mod = importlib.import_module(catalog.PAPERS[0].module)
    files = {p.relative_to(Path(rp.__file__).parent.parent).as_posix() for p in rp.code_files(mod)}
    assert f"paperlab/papers/{catalog.PAPERS[0].slug}.py" in files and "paperlab/config.py" in files
    assert "paperlab/reproduce.py" not in files and "paperlab/claims.py" not in files
    assert rp.code_digest(mod) == rp.code_digest(mod) and len(rp.code_digest(mod)) == 16
    assert rp.code_files(types.ModuleType("fake")) == []


# ------------------------------------------------------------------------------ every paper's target


def _paper_module(slug: str):  # type: ignore[no-untyped-def]
    import importlib

    return importlib.import_module(catalog.get(slug).module)


@pytest.mark.parametrize("slug", [p.slug for p in catalog.PAPERS])
def test_reproduction_smoke(slug, tmp_path, monkeypatch):
    """Every paper's reproduction path runs under smoke (a handful of steps) in seconds, and writes a
    result that checks. Papers whose REPRO is not written yet are skipped, saying so."""
    mod = _paper_module(slug)
    spec = getattr(mod, "REPRO", None)
    if spec is None:
        pytest.skip(f"{catalog.get(slug).module} has no REPRO yet (the specs are being added: issue 23)")
    for name, value in {
        "PAPERLAB_THREADS": "1",
        "PAPERLAB_PROGRESS": "0",
        "PAPERLAB_CACHE": str(tmp_path / "cache"),
        "MPLBACKEND": "Agg",
    }.items():
        monkeypatch.setenv(name, value)
    t0 = time.time()
    try:
        res = rp.run(slug, smoke=True, seeds=spec.seeds[:1], out=tmp_path, progress=False)
    except rp.PaperDataUnavailable:  # offline CI: the stand-in path is what can run here
        res = rp.run(slug, smoke=True, seeds=spec.seeds[:1], out=tmp_path, progress=False, data="stand-in")
    wall = time.time() - t0
    if not hasattr(mod, "reproduce"):
        assert res["verdict"] == "not attempted" and res["written"] == []
        return
    assert res["smoke"] and res["seeds"] == list(spec.seeds[:1])
    assert set(res["per_seed"][str(spec.seeds[0])]["values"]) == {v.key for v in spec.paper_values}
    path = rp.result_path(slug, tmp_path)
    assert rp.check_result(path, allow_smoke=True) == []
    assert wall < 120, f"the smoke run of {slug} took {wall:.0f} s; smoke means a handful of steps"


def test_every_paper_has_a_spec():
    missing, wrong = [], []
    for paper in catalog.PAPERS:
        spec = getattr(_paper_module(paper.slug), "REPRO", None)
        if spec is None:
            missing.append(f"{paper.number:02d} {paper.slug}")
        elif not isinstance(spec, ReproSpec) or spec.slug != paper.slug:
            wrong.append(f"{paper.number:02d} {paper.slug}")
    assert not wrong, f"REPRO is not a ReproSpec of its own slug in: {wrong}"
    assert not missing, f"{len(missing)} papers have no REPRO: {', '.join(missing)}"

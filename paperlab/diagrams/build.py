"""Diagrams of the papers' models: ``for_paper(slug)`` and ``render_all(folder)`` (``paperlab diagrams``)."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from paperlab import catalog
from paperlab.diagrams.ir import Diagram
from paperlab.diagrams.render import INSTALL_HINT, DotMissing, to_svg
from paperlab.diagrams.tracer import trace

HOME_PAPER = "neural_circuit_diagrams"  # the canonical diagrams belong to its notebook


VIEW_SEP = "__"  # diagrams/NN_slug__overview.svg


def views(slug: str) -> list[str]:
    """The named diagram views a paper's module offers (``diagram_views()``), e.g. ``["overview", "mechanism"]``."""
    mod = importlib.import_module(catalog.get(slug).module)
    fn = getattr(mod, "diagram_views", None)
    return list(fn()) if callable(fn) else []


def _example(slug: str, view: str | None = None) -> tuple[nn.Module, tuple[Any, ...], Any]:
    paper = catalog.get(slug)
    mod = importlib.import_module(paper.module)
    if view is not None:
        table = getattr(mod, "diagram_views", None)
        available = list(table()) if callable(table) else []
        if view not in available:
            raise ValueError(f"{paper.slug} has no diagram view {view!r}; views: {available or 'none'}")
        fn = table()[view]
    else:
        fn = getattr(mod, "diagram_example", None)
        table = getattr(mod, "diagram_views", None)
        if callable(table) and "overview" in table():
            fn = table()["overview"]  # a module with views: its overview is the paper's diagram
    if fn is None:
        raise ValueError(
            f"{paper.module} has no diagram_example(); add one that returns (module, example_inputs_tuple, axes) "
            "(see CONTRIBUTING.md, 'The module')"
        )
    with torch.random.fork_rng(devices=[]):  # building the example must not move the notebook's RNG
        torch.manual_seed(0)
        result = fn()
    if not (isinstance(result, tuple) and len(result) == 3 and isinstance(result[0], nn.Module)):
        raise ValueError(
            f"{paper.module}.diagram_example() must return (module, example_inputs_tuple, axes_or_None)"
        )
    module, inputs, axes = result
    return module, tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,), axes


def for_paper(slug: str, view: str | None = None, **options: Any) -> Diagram:
    """The circuit diagram of a paper's model, from ``paperlab.papers.<slug>.diagram_example()``.

    ``view`` names one of the module's ``diagram_views()`` (``{"overview": fn, "mechanism": fn}``, each
    ``fn()`` returning ``(module, example_inputs_tuple, axes)`` like ``diagram_example``); a view's
    ``fn`` may carry trace options in an attribute ``trace_options`` (e.g. ``{"depth": 1}``).
    ``options`` go to :func:`paperlab.diagrams.trace` (``depth=``, ``roll=``, ``hide_param_free=``).
    """
    paper = catalog.get(slug)
    mod = importlib.import_module(paper.module)
    table = getattr(mod, "diagram_views", None)
    if view is None and callable(table):
        view = "overview" if "overview" in table() else None
    if view is not None:
        fn = table().get(view) if callable(table) else None
        options = {**getattr(fn, "trace_options", {}), **options}
    module, inputs, axes = _example(paper.slug, view)
    was_training = module.training
    module.eval()
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            d = trace(module, *inputs, axes=axes, **options)
    finally:
        module.train(was_training)
    d.title = f"{paper.number:02d} · {paper.title}" + (f" — {view}" if view and view != "overview" else "")
    return d


def _has_example(slug: str) -> bool:
    """Whether the paper's module defines ``diagram_example`` (a module that fails to import counts as
    having one, so that drawing it reports the error instead of skipping the paper silently)."""
    name = catalog.get(slug).module
    try:
        mod = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        return exc.name != name
    except Exception:
        return True
    return callable(getattr(mod, "diagram_example", None)) or callable(getattr(mod, "diagram_views", None))


def targets(only: Sequence[str] | None = None) -> dict[str, Callable[[], Diagram]]:
    """File stem -> diagram builder, for every paper with a notebook and a ``diagram_example``.

    With ``only`` (slugs), just those papers (notebook or not); the canonical diagrams come along
    when ``only`` is None or names paper 18.
    """
    if only is not None and (isinstance(only, str) or not all(isinstance(s, str) for s in only)):
        raise ValueError(f"only must be a list of paper slugs or None; got {only!r}")
    wanted = None if only is None else {catalog.get(s).slug for s in only}
    out: dict[str, Callable[[], Diagram]] = {}
    for paper in catalog.PAPERS:
        if wanted is None and not paper.has_notebook or wanted is not None and paper.slug not in wanted:
            continue
        stem = f"{paper.number:02d}_{paper.slug}"
        if _has_example(paper.slug):
            out[stem] = lambda s=paper.slug: for_paper(s)
        try:
            named = views(paper.slug)
        except Exception:
            named = []
        for v in named:
            if v == "overview":
                continue  # drawn as the paper's own diagram (stem without a view suffix)
            out[f"{stem}{VIEW_SEP}{v}"] = lambda s=paper.slug, v=v: for_paper(s, view=v)
    if wanted is None or HOME_PAPER in wanted:
        from paperlab.diagrams.canonical import CANONICAL

        for name, build in CANONICAL.items():
            out[f"canonical_{name}"] = build
    return out


def render_all(out_dir: Path, only: list[str] | None = None) -> list[Path]:
    """Write ``NN_slug.dot``/``.svg`` for each paper (see :func:`targets`) and the canonical diagrams.

    Prints nothing; returns the written paths. A paper whose example fails is reported in one
    ``RuntimeError`` after the others are written. Without graphviz's ``dot``, every ``.dot`` file
    is still written, then :class:`DotMissing` is raised with a one-line message on how to install
    graphviz (``paperlab diagrams`` prints it and exits 1).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    errors: list[str] = []
    no_dot = 0
    for stem, build in targets(only).items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                d = build()
            dot = d.to_dot()
        except Exception as exc:
            errors.append(f"{stem}: {type(exc).__name__}: {exc}")
            continue
        outputs = [(".dot", dot)]
        if not no_dot:
            try:
                outputs.append((".svg", to_svg(dot)))
            except DotMissing:
                no_dot += 1
            except Exception as exc:
                errors.append(f"{stem}: {type(exc).__name__}: {exc}")
        else:
            no_dot += 1
        for suffix, text in outputs:
            path = out_dir / f"{stem}{suffix}"
            path.write_text(text, encoding="utf-8")
            written.append(path)
    if errors:
        raise RuntimeError("some diagrams could not be drawn:\n  " + "\n  ".join(errors))
    if no_dot:
        raise DotMissing(f"wrote {no_dot} .dot file(s) to {out_dir} but no SVG: {INSTALL_HINT}")
    return written


def submodule_example(
    module: nn.Module, inputs: tuple[Any, ...], path: str, axes: Any = None
) -> tuple[nn.Module, tuple[Any, ...], Any]:
    """``(submodule, the inputs it received in one forward pass of module(*inputs), axes)``: the
    mechanism view of a paper's model (``diagram_views()``) zooms into one named submodule."""
    sub = module.get_submodule(path)
    seen: list[tuple[Any, ...]] = []
    handle = sub.register_forward_pre_hook(lambda _m, args: seen.append(args) if not seen else None)
    try:
        with torch.no_grad():
            module(*inputs)
    finally:
        handle.remove()
    if not seen:
        raise ValueError(f"{path!r} is not called in the forward pass of {type(module).__name__}")
    return sub, tuple(a.detach() if isinstance(a, torch.Tensor) else a for a in seen[0]), axes

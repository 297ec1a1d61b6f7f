"""Reproduction specs of papers 01-16 (issue 23): each ``REPRO`` is a valid :class:`ReproSpec` of its own
paper, its paper values are sourced, and each ``reproduce`` runs under smoke in seconds."""

from __future__ import annotations

import importlib
import math

import pytest
import torch

import paperlab
from paperlab.reproduce import DATA_KINDS, RULES, ReproSpec

SLUGS = (
    "lowrank_mhsa",
    "tpsgd_local_targets",
    "rnn_lstm_brnn_review",
    "sparse_rnn_pruning",
    "fccov_sdr",
    "nested_sampling_nn_likelihood",
    "gradient_noise_deep_nets",
    "forwardgnn",
    "snn_learnable_delays",
    "selectable_kan",
    "mossformer2_separation",
    "pfn_bayesian_transformer",
    "wide_deep_ntk_classification",
    "guidance_untrainable",
    "auto_gnn_nas",
    "neural_ranking_drmm",
)
RUNNABLE = (
    "sparse_rnn_pruning",
    "fccov_sdr",
    "selectable_kan",
    "pfn_bayesian_transformer",
    "wide_deep_ntk_classification",
)


def _module(slug: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(f"paperlab.papers.{slug}")


@pytest.mark.parametrize("slug", SLUGS)
def test_repro_is_a_valid_spec_of_its_paper(slug: str) -> None:
    spec = _module(slug).REPRO
    assert isinstance(spec, ReproSpec) and spec.slug == slug
    assert spec.data_kind in DATA_KINDS and spec.data.strip() and spec.data_note.strip()
    assert spec.target.strip() and spec.shows.strip() and spec.metric.strip() and spec.sizes
    assert spec.seeds == (0, 1, 2) and spec.gpu_minutes > 0 and spec.cpu_minutes > 0
    for v in spec.paper_values:
        assert v.rule in RULES and math.isfinite(v.value)
        # a recalled number says so; a looked-up one names where it is printed
        assert v.verified or v.source.startswith("recalled:"), v.key
        if v.rule == "direction":
            assert v.value != v.reference, f"{v.key}: the paper's value must sit on one side of the reference"
    assert len(spec.digest()) == 16


@pytest.mark.parametrize("slug", RUNNABLE)
def test_reproduce_smoke_returns_every_key(slug: str) -> None:
    mod = _module(slug)
    spec = mod.REPRO
    paperlab.setup(0, mode="full", smoke=True, threads=1, verbose=False)  # what the runner does per seed
    data = "stand-in" if spec.data_kind == "stand-in" else "paper"
    out = mod.reproduce(spec, seed=0, data=data, device=torch.device("cpu"), smoke=True)
    keys = {v.key for v in spec.paper_values}
    assert keys <= set(out), keys - set(out)
    assert all(isinstance(out[k], float) for k in keys)


@pytest.mark.parametrize("slug", RUNNABLE)
def test_reproduce_refuses_unknown_data(slug: str) -> None:
    mod = _module(slug)
    with pytest.raises(ValueError, match="data"):
        mod.reproduce(mod.REPRO, seed=0, data="imagenet", device=torch.device("cpu"), smoke=True)

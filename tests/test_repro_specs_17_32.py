"""Reproduction specs of papers 17-32 (issue 23): every REPRO is a valid ReproSpec of its own slug, and each
reproduce() of this range runs under smoke in seconds and returns a value for every paper value."""

import importlib
import math

import numpy as np
import pytest
import torch

from paperlab.data.sequences import tsp_data
from paperlab.reproduce import RULES, PaperValue, ReproSpec

SLUGS = (
    "sheaf_recsys",
    "neural_circuit_diagrams",
    "scale_mixture_nngp",
    "benchmarking_gnns_pe",
    "hypernetworks_review",
    "physical_ff_training",
    "deep_learning_theory_criticality",
    "prototype_case_based",
    "w2pgnn_when_to_pretrain",
    "convergent_learning",
    "gradient_boosted_nn",
    "rnn_hypernet_continual",
    "dagnn_deeper_gnn",
    "pointer_networks",
    "crypto_performer_bilstm",
    "data_filtering_networks",
)
RUNNABLE = (
    "neural_circuit_diagrams",
    "scale_mixture_nngp",
    "benchmarking_gnns_pe",
    "deep_learning_theory_criticality",
    "pointer_networks",
)


def _module(slug: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(f"paperlab.papers.{slug}")


@pytest.mark.parametrize("slug", SLUGS)
def test_repro_is_a_valid_spec_of_its_own_slug(slug):
    spec = _module(slug).REPRO
    assert isinstance(spec, ReproSpec) and spec.slug == slug
    assert spec.seeds == (0, 1, 2) and spec.gpu_minutes > 0 and spec.cpu_minutes > 0
    assert spec.target.strip() and spec.shows.strip() and spec.metric.strip() and spec.data_note.strip()
    for v in spec.paper_values:
        assert isinstance(v, PaperValue) and v.rule in RULES and math.isfinite(v.value)
        if not v.verified:
            assert v.source.startswith("recalled:") or "recalled:" in v.source, v.key
        if v.rule == "direction":  # the paper's value sits on one side of the reference
            assert v.value != v.reference, v.key
    assert len(spec.digest()) == 16


@pytest.mark.parametrize("slug", RUNNABLE)
def test_reproduce_runs_under_smoke_and_returns_every_key(slug):
    mod = _module(slug)
    spec = mod.REPRO
    out = mod.reproduce(spec, seed=0, data="paper", device=torch.device("cpu"), smoke=True)
    assert set(out) == {v.key for v in spec.paper_values}
    assert all(isinstance(x, float) and math.isfinite(x) for x in out.values()), out


def test_held_karp_tours_are_the_brute_force_optima():
    from paperlab.papers.pointer_networks import held_karp_tours

    pts, tours, lengths = tsp_data(200, 7, seed=11)
    hk_tours, hk_lengths = held_karp_tours(pts.numpy())
    assert np.allclose(hk_lengths, lengths.numpy())
    assert (hk_tours == tours.numpy()).all()  # same orientation: starts at 0, tour[1] < tour[-1]

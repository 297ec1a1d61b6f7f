"""Reproduction specs of papers 33–47 (issue 23): every ``REPRO`` is a valid ``ReproSpec`` of its own slug,
and the three papers that run their target here (36, 37, 42) do so in smoke mode in seconds."""

from __future__ import annotations

import importlib
import math

import pytest
import torch

from paperlab import config
from paperlab.reproduce import DATA_KINDS, RULES, PaperValue, ReproSpec

SLUGS = (
    "lottery_ticket",
    "active_learning_text",
    "binary_paragraph_vectors",
    "spatiotemporal_gnn_forecasting",
    "more_is_better_rf",
    "n2n_rl_compression",
    "hardware_aware_subnet_search",
    "graph_ssl_benchmark",
    "deep_learning_architectures_tour",
    "dense_hebbian_supervised",
    "opposing_signals",
    "deep_interest_network",
    "future_token_prediction",
    "nested_dynamical_systems",
    "magnitude_invariant_hypernets",
)
RUNNABLE = ("spatiotemporal_gnn_forecasting", "more_is_better_rf", "dense_hebbian_supervised")


def _module(slug: str):
    return importlib.import_module(f"paperlab.papers.{slug}")


@pytest.mark.parametrize("slug", SLUGS)
def test_spec_is_a_valid_reprospec_of_its_slug(slug: str) -> None:
    spec = _module(slug).REPRO
    assert isinstance(spec, ReproSpec)
    assert spec.slug == slug
    assert spec.data_kind in DATA_KINDS and spec.data.strip() and spec.data_note.strip()
    assert spec.target.strip() and spec.shows.strip() and spec.metric.strip()
    assert spec.seeds == (0, 1, 2)
    assert spec.gpu_minutes > 0 and spec.cpu_minutes > 0 and spec.sizes
    for v in spec.paper_values:
        assert isinstance(v, PaperValue) and v.rule in RULES and math.isfinite(v.value)
        # a value not looked up in this task says so first
        assert v.verified or v.source.startswith("recalled:"), v.key
        if v.rule == "within":
            assert v.tolerance is not None and v.tolerance >= 0, v.key
    assert len(spec.digest()) == 16


@pytest.mark.parametrize("slug", RUNNABLE)
def test_reproduce_smoke_returns_every_key(slug: str) -> None:
    mod = _module(slug)
    config.setup(
        seed=0, mode="full", threads=1, smoke=True, verbose=False
    )  # as the runner does; conftest restores
    out = mod.reproduce(mod.REPRO, seed=0, data="paper", device=torch.device("cpu"), smoke=True)
    keys = {v.key for v in mod.REPRO.paper_values}
    assert keys <= set(out)
    assert all(math.isfinite(out[k]) for k in keys)


def test_paper_gpvar_is_the_authors_generator() -> None:
    st = _module("spatiotemporal_gnn_forecasting")
    adj = st.tri_community_graph(2)
    assert adj.shape == (12, 12) and (adj == adj.T).all() and not adj.diagonal().any()
    assert adj.sum() == 2 * (2 * 9 + 1)  # 9 edges per community, one link between them
    task = st.paper_gpvar_task(2, 400, seed=0)
    # the edge index carries the self loops, so TAGConv propagates with the data's S = D̃^-1/2 (A + I) D̃^-1/2
    loops = (task.edge_index[0] == task.edge_index[1]).sum()
    assert loops == 12
    assert abs(float((task.x - task.oracle)[2:].std()) - 0.4) < 0.03  # the noise is the σ = 0.4 of the config

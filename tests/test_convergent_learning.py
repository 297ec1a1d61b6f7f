"""Mechanism tests for paperlab.papers.convergent_learning."""

import numpy as np
import pytest
import torch

from paperlab.papers import convergent_learning as cl


def test_model_shapes_and_activations():
    net = cl.SmallCNN()
    x = torch.zeros(5, 1, 8, 8)
    assert net(x).shape == (5, 10)
    acts = cl.activations(net, torch.rand(5, 1, 8, 8))
    assert acts["conv1"].shape == (5 * 64, 16)
    assert acts["conv2"].shape == (5 * 16, 32)
    assert acts["fc"].shape == (5, 64)


def _permuted_copy(seed=0):
    torch.manual_seed(seed)
    net = cl.SmallCNN()
    acts = cl.activations(net, torch.rand(60, 1, 8, 8, generator=torch.Generator().manual_seed(0)))
    perms = {layer: np.random.default_rng(seed).permutation(a.shape[1]) for layer, a in acts.items()}
    copy = {layer: a[:, np.argsort(perms[layer])] for layer, a in acts.items()}  # copy[:, p[i]] = a[:, i]
    return acts, copy, perms


def test_align_pair_recovers_a_permuted_copy_and_drops_dead_units():
    acts, copy, perms = _permuted_copy()
    res = cl.align_pair(acts, copy, l1_grid=(0.0, 0.1))
    for layer in cl.LAYERS:
        live = np.flatnonzero(acts[layer].std(0) > 0)
        r = res[layer]
        np.testing.assert_array_equal(r.units_a, live)
        assert r.dead == (acts[layer].shape[1] - len(live),) * 2
        for u in live:
            assert r.partner(int(u)) == perms[layer][u]
        assert r.matched.min() == pytest.approx(1.0)
        assert r.cka == pytest.approx(1.0)


def test_dead_units_are_counted_not_scored():
    a = np.random.default_rng(0).normal(size=(50, 4))
    a[:, 2] = 0.0  # a dead unit
    assert cl.dead_counts({"fc": a}) == {"fc": 1}
    ua, ub, cols, corr = cl.match_live(a, a)
    assert list(ua) == [0, 1, 3] and list(ub) == [0, 1, 3]
    assert corr == pytest.approx(np.ones(3))
    # more live units in a than in b: only min(live) units of a get a partner
    ua, ub, cols, corr = cl.match_live(a, a[:, :2])
    assert len(ua) == len(corr) == 2 and list(ub) == [0, 1]


def test_matched_summary_separates_copies_from_strangers():
    acts, copy, _ = _permuted_copy(1)
    torch.manual_seed(7)
    other = cl.activations(cl.SmallCNN(), torch.rand(60, 1, 8, 8, generator=torch.Generator().manual_seed(0)))
    summary = cl.matched_summary([acts, copy], [other])
    for layer in cl.LAYERS:
        same, chance = summary[layer]
        assert same > chance


def test_random_pairing_control_fails_an_evidence_clause():
    acts, copy, _ = _permuted_copy(2)
    torch.manual_seed(8)
    other = cl.activations(cl.SmallCNN(), torch.rand(60, 1, 8, 8, generator=torch.Generator().manual_seed(0)))
    table = cl.CLAIM.check(cl.claim_rows(acts, copy, other))
    assert table.rows["ours"]["matched_mean"] == pytest.approx(1.0)
    assert table.control_evidence_failures("random pairing")


def test_many_to_many_bad_layer():
    acts, copy, _ = _permuted_copy()
    with pytest.raises(ValueError, match="layer"):
        cl.many_to_many(acts, copy, "conv9", k=2)

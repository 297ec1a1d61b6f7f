import numpy as np
import pytest
import torch

from paperlab.data.graphs import csbm
from paperlab.papers import auto_gnn_nas as m


def _layer(**kw):
    base = {"attention": "gat", "aggregator": "sum", "activation": "relu", "heads": 2, "hidden": 16}
    return {**base, **kw}


def _net(*layers):
    return m.SearchGNN(m.freeze(list(layers)), 8, 3)


def test_homogeneity_needs_same_shapes_attention_and_activation():
    a = _net(_layer(), _layer(hidden=8))
    assert m.homogeneous(
        a.layers[0], _net(_layer(aggregator="max"), _layer()).layers[0]
    )  # aggregator: no params
    assert not m.homogeneous(a.layers[0], _net(_layer(attention="cos"), _layer()).layers[0])  # same shapes
    assert not m.homogeneous(a.layers[0], _net(_layer(activation="tanh"), _layer()).layers[0])
    assert not m.homogeneous(a.layers[0], _net(_layer(heads=4), _layer()).layers[0])  # shapes differ
    assert not m.homogeneous(a.layers[0], _net(_layer(hidden=32), _layer()).layers[0])


def test_sharing_copies_only_homogeneous_layers():
    torch.manual_seed(0)
    parent = _net(_layer(), _layer())
    child = _net(_layer(aggregator="mean"), _layer(attention="linear"))
    shared = m.share_parameters(child, parent)
    assert shared == [0]
    for k, v in parent.layers[0].state_dict().items():
        assert torch.equal(child.layers[0].state_dict()[k], v)
    assert not torch.equal(child.layers[1].lin.weight, parent.layers[1].lin.weight)


@pytest.mark.parametrize("attention", m.SPACE["attention"])
@pytest.mark.parametrize("aggregator", m.SPACE["aggregator"])
def test_every_layer_choice_runs_and_attention_normalises(attention, aggregator):
    data = csbm(40, 3, d=8, avg_degree=4.0, seed=0)
    net = _net(_layer(attention=attention, aggregator=aggregator), _layer(attention=attention, heads=1))
    out = net.eval()(data.x, data.edge_index)
    assert out.shape == (40, 3) and torch.isfinite(out).all()


def test_freeze_validates_and_space_size_counts_the_output_layer_without_hidden():
    with pytest.raises(ValueError, match="attention"):
        m.freeze([_layer(attention="transformer")])
    per = 6 * 3 * 4 * 3 * 4
    assert m.space_size(2) == per * (per // 4)
    arch = m.random_arch(np.random.default_rng(0))
    assert m.freeze(m.thaw(arch)) == arch and "->" in m.describe(arch)


def test_rcc_modifies_one_class_of_the_best_architecture_and_reinforce_moves_it():
    rcc = m.RCC(seed=0)
    best = m.random_arch(np.random.default_rng(1))
    child, cls, logp = rcc.propose(best, torch.Generator().manual_seed(0), {best})
    ent = rcc.entropies(best)
    assert cls == max(ent, key=ent.get)  # the least-decided class is the one modified
    diff = {
        c for lb, lc in zip(m.thaw(best), m.thaw(child), strict=True) for c in m.CLASSES if lb[c] != lc[c]
    }
    assert diff <= {cls} and child != best
    before = {k: v.clone() for k, v in rcc.controllers[cls].state_dict().items()}
    rcc.update(logp, 0.5)  # first reward sets the baseline: zero advantage
    rcc.update(rcc.propose(best, torch.Generator().manual_seed(1), {best})[2], 0.9)
    changed = any(not torch.equal(before[k], v) for k, v in rcc.controllers[cls].state_dict().items())
    assert changed or rcc.baseline == pytest.approx(0.5 * 0.8 + 0.9 * 0.2)


def test_searches_keep_the_budget_and_agnn_inherits():
    data = csbm(80, 3, d=8, avg_degree=4.0, n_val=20, seed=0)
    agnn = m.agnn_search(data, 3, budget=4, epochs=3, shared_epochs=1, seed=0)
    rand = m.random_search(data, 3, budget=4, epochs=3, seed=0)
    assert len(agnn.vals) == len(rand.vals) == 4
    assert len(set(agnn.archs)) == 4 and len(set(rand.archs)) == 4
    assert agnn.best_so_far() == sorted(agnn.best_so_far())
    assert max(agnn.shared) >= 0 and agnn.classes[0] == "-"

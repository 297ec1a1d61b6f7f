import pytest
import torch

from paperlab.optim import pruning
from paperlab.papers import lottery_ticket as lt


def _trained_pruned(seed: int = 0):
    torch.manual_seed(seed)
    model = lt.LeNetFC(hidden=(12, 6))
    theta0 = {k: v.clone() for k, v in model.state_dict().items()}
    masks = pruning.full_masks(model, model.weight_names())
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p))  # stand-in for training: the weights move away from θ₀
    masks = pruning.prune_magnitude(dict(model.named_parameters()), masks, lt.layer_rates(model))
    return model, theta0, masks


def test_magnitude_pruning_drops_the_smallest_fraction_per_layer():
    model, _, masks = _trained_pruned()
    w = dict(model.named_parameters())
    for name, rate in lt.layer_rates(model).items():
        m = masks[name]
        assert int((~m).sum()) == round(rate * m.numel())
        assert w[name][~m].abs().max() <= w[name][m].abs().min()


def test_rewound_ticket_keeps_mask_and_original_weights():
    model, theta0, masks = _trained_pruned()
    before = {k: v.clone() for k, v in masks.items()}
    pruning.rewind(model, theta0, masks)
    for name, p in model.named_parameters():
        if name in masks:
            m = masks[name]
            assert torch.equal(p[m], theta0[name][m])  # survivors are back at θ₀
            assert torch.all(p[~m] == 0)
            assert torch.equal(m, before[name])  # the mask is untouched
        else:
            assert torch.equal(p, theta0[name])


def test_pruned_weights_stay_zero_through_training():
    model, theta0, masks = _trained_pruned()
    pruning.rewind(model, theta0, masks)
    data = lt.digits_splits(0)
    x, y = data["train"]
    run = lt.train_masked(
        model,
        masks,
        {"train": (x[:120], y[:120]), "val": data["val"], "test": data["test"]},
        iters=10,
        eval_every=5,
    )
    for name, p in model.named_parameters():
        if name in masks:
            assert torch.all(p[~masks[name]] == 0)
    assert run.remaining == pytest.approx(pruning.fraction_remaining(masks))


def test_iterative_masks_are_nested_and_shrink_geometrically():
    res = lt.run_lottery(rounds=2, iters=10, hidden=(12, 6), control_rounds=[2])
    m0, m1, m2 = res.masks
    for name in m0:
        assert torch.all(m1[name] <= m0[name]) and torch.all(m2[name] <= m1[name])
    assert res.remaining[1] == pytest.approx(0.8, abs=0.02)
    assert set(res.reinit) == {2} and res.random_prune[2].remaining == pytest.approx(
        res.remaining[2], abs=1e-3
    )


def test_bad_arguments_raise():
    model = lt.LeNetFC(hidden=(4,))
    masks = pruning.full_masks(model)
    with pytest.raises(ValueError, match="rates"):
        pruning.prune_magnitude(dict(model.named_parameters()), masks, {"layers.0.weight": 1.5})
    with pytest.raises(ValueError, match="names"):
        pruning.full_masks(model, ["nope"])
    with pytest.raises(ValueError, match="hidden"):
        lt.LeNetFC(hidden=())


def test_claim_rows_controls_fail_the_margin_clause():
    res = lt.run_lottery(rounds=2, iters=10, hidden=(12, 6), control_rounds=[1, 2])
    rows = lt.claim_rows(res, sparse=2, mid=1)
    assert set(rows) == {"ours", lt.RE_INIT, lt.RANDOM_MASK}
    # the margin is measured against the best *other* row, so at most one row can be positive
    assert sum(r["margin_7"] > 0 for r in rows.values()) <= 1
    # a control that trails the ticket by 4 points fails the evidence clause
    fake = {k: dict(v) for k, v in rows.items()}
    fake["ours"].update(gap_22=0.0, margin_7=4.0, gap_7=-1.0, match_7=-1.0)
    fake[lt.RE_INIT].update(margin_7=-4.0, gap_7=-5.0, match_7=-5.0)
    fake[lt.RANDOM_MASK].update(margin_7=-10.0, gap_7=-11.0, match_7=-11.0)
    table = lt.CLAIM.check(fake)
    assert table.control_evidence_failures(lt.RE_INIT) == ["margin_7", "gap_7"]
    table.assert_holds()
    with pytest.raises(ValueError, match="control_rounds"):
        lt.claim_rows(res, sparse=2, mid=0)

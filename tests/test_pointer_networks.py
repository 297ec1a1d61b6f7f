"""Mechanism tests for the Pointer Network module and the hull/TSP generators."""

import numpy as np
import pytest
import torch

from paperlab.data.sequences import convex_hull_data, tour_length, tsp_data
from paperlab.papers import pointer_networks as paper


@pytest.mark.parametrize("n", [3, 7, 31])
def test_pointer_distribution_ranges_over_input_positions_for_any_length(n):
    torch.manual_seed(0)
    model = paper.PointerNet(hidden=8)
    pts, hull = convex_hull_data(2, n, seed=n)
    logits = model(pts, paper.hull_targets(hull))
    assert logits.shape[-1] == n + 1  # EOS + n points, same weights
    seq, attn = model.decode(pts)
    assert attn.shape[-1] == n + 1
    assert torch.allclose(attn.sum(-1), torch.ones(attn.shape[:2]))
    assert seq.max() <= n


def test_baseline_vocabulary_is_fixed_and_cannot_name_long_positions():
    torch.manual_seed(0)
    model = paper.AttentionSeq2Seq(hidden=8, n_max=10)
    pts, hull = convex_hull_data(4, 15, seed=0)
    with pytest.raises(ValueError, match="targets"):
        model(pts, paper.hull_targets(hull))
    small, small_hull = convex_hull_data(4, 6, seed=0)
    assert model(small, paper.hull_targets(small_hull)).shape[-1] == 11
    seq, _ = model.decode(pts)
    assert seq.max() <= 10


def test_greedy_decoding_never_repeats_a_position():
    torch.manual_seed(1)
    model = paper.PointerNet(hidden=8, eos=False)
    pts, _, _ = tsp_data(16, 6, seed=0)
    seq, _ = model.decode(pts)
    assert all(sorted(r) == list(range(6)) for r in seq.tolist())


def test_teacher_forcing_masks_already_chosen_positions():
    torch.manual_seed(0)
    model = paper.PointerNet(hidden=8)
    pts, hull = convex_hull_data(1, 6, seed=2)
    tgt = paper.hull_targets(hull)
    logits = model(pts, tgt)
    first = int(tgt[0, 0])
    assert logits[0, 1, first] < -1e8 and logits[0, 0, first] > -1e8


def test_hull_labels_are_the_counter_clockwise_hull():
    pts, hull = convex_hull_data(20, 9, seed=0)
    for b in range(20):
        ids = [i for i in hull[b].tolist() if i >= 0]
        assert ids[0] == min(ids)
        p = pts[b].numpy()[ids]
        u, v = np.roll(p, -1, 0) - p, np.roll(p, -2, 0) - np.roll(p, -1, 0)
        cross = u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]
        assert (cross > 0).all()  # every turn is a left turn
    tgt = paper.hull_targets(hull[:1])
    k = int((hull[0] >= 0).sum())
    assert tgt[0, k] == paper.EOS and (tgt[0, k + 1 :] == -100).all()


def test_tsp_labels_are_optimal():
    pts, tour, length = tsp_data(30, 5, seed=0)
    assert np.allclose(tour_length(pts, tour), length.numpy())
    rng = np.random.default_rng(0)
    perms = np.stack([rng.permutation(5) for _ in range(30)])
    assert (tour_length(pts, perms) >= length.numpy() - 1e-9).all()
    assert (tour[:, 0] == 0).all() and (tour[:, 1] < tour[:, -1]).all()


def test_polygon_area_unit_square():
    sq = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)
    assert paper.polygon_area(sq, [0, 1, 2, 3]) == pytest.approx(1.0)
    assert paper.polygon_area(sq, [0, 2, 1, 3]) < 1.0  # a self-crossing order covers less


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_points"):
        tsp_data(2, 12)
    with pytest.raises(ValueError, match="n_points"):
        convex_hull_data(2, 2)


def test_nearest_neighbour_tours_are_greedy_permutations():
    pts, _, _ = tsp_data(20, 6, seed=1)
    tours = paper.nearest_neighbour_tours(pts)
    assert all(sorted(t) == list(range(6)) for t in tours.tolist()) and (tours[:, 0] == 0).all()
    p = pts[0].numpy().astype(np.float64)
    d = np.linalg.norm(p[tours[0, 0]] - p, axis=1)
    d[0] = np.inf
    assert tours[0, 1] == d.argmin()


def test_nearest_neighbour_control_fails_the_tsp_evidence_clause():
    tp, _, opt = paper.tsp_test_set(0)
    ratio = paper.tour_ratio(tp, paper.nearest_neighbour_tours(tp), opt)
    assert 1.0 < ratio and not paper.CLAIM.clause("tsp_ratio").holds(ratio)
    assert not paper.CLAIM.clause("tsp_ratio").holds(float("nan"))  # "not run" never passes


def test_angular_order_is_the_hull_when_all_points_are_on_it():
    sq = torch.tensor([[[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0]]])
    order = paper.angular_order(sq)[0]
    assert paper.polygon_area(sq[0].numpy(), order) == pytest.approx(1.0)
    pts, hull = convex_hull_data(200, 15, seed=3)
    scores = paper.hull_scores(pts, hull, paper.angular_order(pts))
    assert (
        scores["area"] < 0.9
    )  # interior points dent the polygon: the no-learning control fails hull_area_15

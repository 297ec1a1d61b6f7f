import numpy as np
import pytest
import torch
import torch.nn.functional as F

from paperlab.papers import data_filtering_networks as dfn


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny models train fastest on one thread (and do not oversubscribe a shared CPU)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _direct_infonce(logits: torch.Tensor) -> torch.Tensor:
    """The CLIP loss written out: -½ mean_i [log softmax_j S_ij at j=i + log softmax_j S_ji at j=i]."""
    n = len(logits)
    row = torch.stack([logits[i, i] - torch.logsumexp(logits[i], 0) for i in range(n)])
    col = torch.stack([logits[i, i] - torch.logsumexp(logits[:, i], 0) for i in range(n)])
    return -0.5 * (row.mean() + col.mean())


def test_clip_loss_equals_direct_computation_and_is_symmetric():
    torch.manual_seed(0)
    logits = torch.randn(7, 7) * 3
    loss = dfn.clip_loss(logits)
    assert loss.item() == pytest.approx(_direct_infonce(logits).item(), abs=1e-5)
    # swapping the roles of images and texts transposes S and leaves the loss unchanged
    assert dfn.clip_loss(logits.T).item() == pytest.approx(loss.item(), abs=1e-6)
    # it is the mean of the two cross-entropies
    t = torch.arange(7)
    half = 0.5 * (F.cross_entropy(logits, t) + F.cross_entropy(logits.T, t))
    assert loss.item() == pytest.approx(half.item(), abs=1e-6)
    with pytest.raises(ValueError, match="square"):
        dfn.clip_loss(torch.randn(3, 4))


def test_model_swap_of_towers_gives_the_transposed_logits():
    torch.manual_seed(0)
    model = dfn.MiniCLIP(len(dfn.VOCAB))
    rng = np.random.default_rng(0)
    x = torch.rand(5, 64)
    t = dfn.tokenize([dfn.digit_caption(d, rng) for d in range(5)])
    logits = model(x, t)
    img, txt = model.embed_images(x), model.embed_texts(t)
    assert torch.allclose(img.norm(dim=-1), torch.ones(5), atol=1e-5)
    scale = model.log_scale.exp()
    assert torch.allclose(logits, scale * img @ txt.T, atol=1e-5)
    assert torch.allclose(logits.T, scale * txt @ img.T, atol=1e-5)
    assert model.log_scale.item() == pytest.approx(np.log(1 / 0.07))


def test_pool_corruption_and_captions():
    world = dfn.make_world(seed=0)
    pool, clean = world.pool, world.clean
    assert len(clean) == 150 and clean.clean.all()
    assert len(world.y_test) == 500 and len(pool) == 1797 - 650
    assert pool.clean.mean() == pytest.approx(0.5, abs=0.01)
    wrong, unrelated = pool.kind == 1, pool.kind == 2
    assert np.all(pool.named[pool.clean] == pool.digit[pool.clean])
    assert np.all(pool.named[wrong] != pool.digit[wrong]) and np.all(pool.named[wrong] >= 0)
    assert np.all(pool.named[unrelated] == -1)
    for i in np.flatnonzero(unrelated)[:20]:
        words = set(pool.captions[i].split())
        assert not words & (set(dfn.DIGIT_NAMES) | set(dfn.NUMERALS))
    # the pad id fills the tail of every caption
    assert int(pool.tokens.max()) == len(dfn.VOCAB)
    with pytest.raises(ValueError, match="vocabulary"):
        dfn.tokenize(["a photo of a zebra"])


def test_keep_top_keeps_the_highest_scores():
    s = np.array([0.1, 0.9, 0.5, 0.7, 0.2, 0.8, 0.3, 0.0, 0.4, 0.6])
    assert sorted(dfn.keep_top(s, 0.3).tolist()) == [1, 3, 5]
    pos = s > 0.45
    assert dfn.precision_curve(s, pos, np.array([0.3, 1.0])).tolist() == [1.0, 0.5]
    with pytest.raises(ValueError, match="frac"):
        dfn.keep_top(s, 0.0)


def test_trained_dfn_separates_clean_from_corrupted_pairs():
    world = dfn.make_world(seed=1)
    run = dfn.train_dfn(world.clean, max_steps=60, seed=1)
    scores = dfn.clip_scores(run.model, world.pool)
    assert dfn.roc(scores, world.pool.clean)[2] > 0.75
    untrained = dfn.untrained_filter(world, seed=1)
    assert dfn.roc(untrained.scores, world.pool.clean)[2] < 0.65
    assert run.best_step in run.steps and run.val_auc[run.steps.index(run.best_step)] == max(run.val_auc)


def test_claim_rows_controls_fail_an_evidence_clause():
    world = dfn.make_world(seed=0)
    cmp = dfn.compare(world, steps=20, repeats=1, dfn_steps=20)
    rows = dfn.claim_rows(cmp)
    assert set(rows) == {"ours", *dfn.CONTROLS}
    assert rows[dfn.POOL_ROW]["gain_vs_pool"] == 0 and rows[dfn.RANDOM_ROW]["gain_vs_random"] == 0
    table = dfn.CLAIM.check(rows)
    for control in dfn.CONTROLS[:2]:
        assert table.control_evidence_failures(control)

import pytest
import torch

from paperlab.data.audio import speech_mixtures
from paperlab.nn.separation import pairwise_si_sdr, pit_si_sdr, pit_si_sdr_loss, si_sdr
from paperlab.papers import mossformer2_separation as P


def test_si_sdr_is_scale_and_offset_invariant():
    g = torch.Generator().manual_seed(0)
    ref, est = torch.randn(3, 500, generator=g), torch.randn(3, 500, generator=g)
    est = ref + 0.3 * est
    base = si_sdr(est, ref)
    assert torch.allclose(si_sdr(7.5 * est + 2.0, ref), base, atol=1e-3)
    assert torch.allclose(si_sdr(est, 0.1 * ref), base, atol=1e-3)
    assert (si_sdr(ref, ref) > 60).all()


def test_pit_loss_is_permutation_invariant_and_finds_the_assignment():
    g = torch.Generator().manual_seed(1)
    ref = torch.randn(4, 3, 400, generator=g)
    est = ref + 0.2 * torch.randn(4, 3, 400, generator=g)
    perm = torch.tensor([2, 0, 1])
    assert torch.allclose(pit_si_sdr_loss(est, ref), pit_si_sdr_loss(est[:, perm], ref), atol=1e-5)
    best, assign = pit_si_sdr(est[:, perm], ref)
    # reference j is matched by the estimate that now sits where perm put it
    assert (assign == torch.argsort(perm)).all()
    assert torch.allclose(best, pairwise_si_sdr(est, ref).diagonal(dim1=1, dim2=2).mean(-1), atol=1e-4)


def test_mixture_as_estimate_gives_zero_improvement():
    mix, ref = speech_mixtures(4, length=800, seed=3)

    class Stub(torch.nn.Module):
        def forward(self, x):
            return torch.stack([x, x], 1)

    assert P.evaluate_si_sdri(Stub(), mix, ref).abs().max() < 1e-4
    assert torch.allclose(mix, ref.sum(1), atol=1e-5)


@pytest.mark.parametrize("recurrent", [True, False])
def test_output_shapes_for_any_length(recurrent):
    torch.manual_seed(0)
    model = P.MossFormer2(enc_dim=8, dim=8, n_blocks=1, chunk=8, qk_dim=4, fsmn_inner=8, recurrent=recurrent)
    for length in (800, 803, 40):
        assert model(torch.randn(2, length)).shape == (2, 2, length)


def test_attention_only_variant_has_no_recurrent_module():
    kw = dict(enc_dim=8, dim=8, n_blocks=2, chunk=8, qk_dim=4, fsmn_inner=8)
    hybrid, attn = P.MossFormer2(**kw), P.MossFormer2(recurrent=False, **kw)
    extra = sum(P.n_params(m) for m in hybrid.recurrence)
    assert P.n_params(hybrid) - P.n_params(attn) == extra > 0
    assert not any(isinstance(m, P.RecurrentModule) for m in attn.modules())


def test_fsmn_memory_receptive_field_is_exact():
    torch.manual_seed(0)
    mem = P.DilatedFSMNMemory(4, lorder=3, depth=3, norm=False)
    radius = mem.receptive_radius()
    assert radius == (3 - 1) * (1 + 2 + 4)
    x = torch.randn(1, 4, 100, requires_grad=True)
    t0 = 50
    mem(x)[0, :, t0].sum().backward()
    touched = (x.grad[0].abs().sum(0) > 0).nonzero().flatten()
    assert touched.min().item() == t0 - radius and touched.max().item() == t0 + radius


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="kernel"):
        P.MossFormer2(kernel=15)
    with pytest.raises(ValueError, match="mixture"):
        P.MossFormer2(enc_dim=8, dim=8, chunk=8)(torch.randn(2, 2, 100))
    with pytest.raises(ValueError, match="n_sources"):
        speech_mixtures(2, n_sources=0)


def test_default_fsmn_order_is_the_official_one():
    # official Gated_FSMN_Block_Dilated: lorder=20, UniDeepFsmn_dilated depth=2 (ClearerVoice-Studio mossformer2_ss)
    mem = (
        P.MossFormer2(enc_dim=8, dim=8, n_blocks=1, chunk=8, qk_dim=4, fsmn_inner=8)
        .recurrence[0]
        .gated_fsmn.memory
    )
    assert (mem.lorder, mem.depth, mem.receptive_radius()) == (20, 2, 57)


def test_attention_only_baseline_is_size_matched():
    sizes = dict(enc_dim=16, dim=8, n_blocks=2, chunk=8, qk_dim=4, fsmn_inner=8)
    hybrid = P.MossFormer2(**sizes)
    attn = P.attention_only_matched(hybrid, **sizes)
    assert not attn.recurrent and not any(isinstance(m, P.RecurrentModule) for m in attn.modules())
    assert abs(P.n_params(attn) - P.n_params(hybrid)) / P.n_params(hybrid) < 0.05
    assert attn.in_proj.out_channels > sizes["dim"]


def test_fixed_filter_split_sums_to_the_mixture():
    mix, _ = speech_mixtures(3, length=800, seed=4)
    est = P.FixedFilterSplit(1000.0)(mix)
    assert est.shape == (3, 2, 800) and torch.allclose(est.sum(1), mix, atol=1e-5)
    with pytest.raises(ValueError, match="cutoff_hz"):
        P.FixedFilterSplit(5000.0)


def test_negative_controls_fail_the_evidence_clauses():
    mix, ref = speech_mixtures(8, length=1600, seed=5)
    torch.manual_seed(0)
    untrained = P.MossFormer2(enc_dim=16, dim=8, n_blocks=1, chunk=16, qk_dim=4, fsmn_inner=8)
    fixed = P.best_fixed_filter((mix, ref))
    rows = P.claim_rows(
        {
            "ours": torch.full((8,), 3.0),  # a stand-in for a trained separator
            "untrained": P.evaluate_si_sdri(untrained, mix, ref),
            "fixed filter": P.evaluate_si_sdri(fixed, mix, ref),
        },
        torch.full((8,), 2.0),
    )
    table = P.CLAIM.check(rows)
    assert table.control_evidence_failures("untrained") and table.control_evidence_failures("fixed filter")
    assert rows["ours"]["gain_vs_attention_only"] == pytest.approx(1.0)

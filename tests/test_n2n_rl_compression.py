import pytest
import torch

from paperlab.papers import n2n_rl_compression as n2n


def test_reward_formula():
    # C = 1 - 25/100 = 0.75: R_c = 0.75 * 1.25 = 0.9375; R_a = 0.9 / 0.95
    assert n2n.reward(25, 100, 0.9, 0.95) == pytest.approx(0.9375 * 0.9 / 0.95)
    assert n2n.reward(100, 100, 0.95, 0.95) == 0.0  # no compression, no reward
    assert n2n.reward(0, 100, 1.0, 1.0) == pytest.approx(1.0)  # C = 1 saturates R_c at 1
    # R_c = C(2 - C) is increasing in C on [0, 1] and concave
    rc = [n2n.reward(p, 100, 1.0, 1.0) for p in (90, 60, 30, 10)]
    assert rc == sorted(rc)
    with pytest.raises(ValueError):
        n2n.reward(1, 0, 1.0, 1.0)


def test_param_count_matches_the_built_student():
    arch = n2n.Arch((True, False, True, True, False, True), (96, 96, 12, 48, 96, 1))
    assert n2n.n_params(arch) == sum(p.numel() for p in n2n.ResMLP(arch).parameters())
    assert n2n.n_params(n2n.TEACHER_ARCH) == sum(p.numel() for p in n2n.ResMLP().parameters())


def test_inherited_student_equals_teacher_when_nothing_changes():
    torch.manual_seed(0)
    teacher = n2n.ResMLP()
    student = n2n.inherit(teacher, n2n.TEACHER_ARCH)
    x = torch.rand(5, 64)
    assert torch.allclose(student(x), teacher(x))


def test_policies_give_valid_actions():
    torch.manual_seed(0)
    desc = n2n.layer_descriptors(n2n.TEACHER_ARCH)
    p = n2n.RemovalPolicy()(desc)
    assert p.shape == (n2n.N_BLOCKS,) and torch.all((p > 0) & (p < 1))
    acts, logp = n2n.ShrinkPolicy().sample(desc)
    assert len(acts) == n2n.N_BLOCKS and all(0 <= a < len(n2n.RATIOS) for a in acts)
    assert logp.requires_grad and float(logp) < 0
    shrunk = n2n.shrink(n2n.TEACHER_ARCH, acts)
    assert all(w == max(1, round(96 * n2n.RATIOS[a])) for w, a in zip(shrunk.inner, acts, strict=True))

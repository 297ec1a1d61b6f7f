import numpy as np
import pytest
import torch

from paperlab.papers import hardware_aware_subnet_search as has
from paperlab.viz import pareto


def test_hypervolume_of_a_known_front():
    # three points of a staircase under reference (4, 4): areas 3·1 + 2·1 + 1·1 = 6
    F = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [3.5, 3.5]])
    assert pareto.hypervolume(F, [4.0, 4.0]) == pytest.approx(6.0)
    assert sorted(pareto.non_dominated(F).tolist()) == [0, 1, 2]
    assert pareto.hypervolume([[5.0, 5.0]], [4.0, 4.0]) == 0.0  # beyond the reference: adds nothing


def test_hv_curve_never_decreases():
    rng = np.random.default_rng(0)
    hv = pareto.hv_curve(rng.uniform(size=(30, 2)), [1.0, 1.0])
    assert np.all(np.diff(hv) >= -1e-12) and hv[-1] > 0


def test_subnet_genes_and_encoding_round_trip():
    rng = np.random.default_rng(0)
    for _ in range(20):
        s = has.random_subnet(rng)
        assert has.SubNet.from_genes(s.genes()) == s
        assert s.encode().sum() == has.N_GENES  # one hot per gene


def test_elastic_kernel_is_the_centre_of_the_large_kernel():
    torch.manual_seed(0)
    block = has.ElasticBlock(4)
    torch.nn.init.normal_(block.conv2.weight)
    x = torch.randn(1, 4, 8, 8)
    w = block.conv1.weight[:8, :, 1:4, 1:4]
    ref = x + torch.nn.functional.conv2d(
        torch.relu(torch.nn.functional.conv2d(x, w, block.conv1.bias[:8], padding=1)),
        block.conv2.weight[:, :8],
        block.conv2.bias,
    )
    assert torch.allclose(block(x, 3, 8), ref, atol=1e-6)


def test_macs_grow_with_the_subnet():
    assert has.macs(has.SMALLEST) < has.macs(has.LARGEST)
    net = has.SuperNet()
    for s in (has.SMALLEST, has.LARGEST):
        assert net(torch.rand(2, 1, 8, 8), s).shape == (2, 10)

import numpy as np
import pytest
import torch

from paperlab.papers import deep_learning_architectures_tour as dt


def test_models_map_digits_to_ten_logits():
    x = torch.rand(5, 64)
    for model in (dt.mlp(), dt.CNN(), dt.RowLSTM()):
        assert model(x).shape == (5, 10)
    ae = dt.Autoencoder()
    assert ae(x).shape == (5, 64) and ae.encode(x).shape == (5, 8)


def test_row_lstm_reads_rows_in_order():
    torch.manual_seed(0)
    m = dt.RowLSTM().eval()
    x = torch.rand(1, 64)
    flipped = x.view(1, 8, 8).flip(1).reshape(1, 64)  # same rows, reversed order
    assert not torch.allclose(m(x), m(flipped))


def test_sensor_faults_are_injected_where_labelled():
    d = dt.sensor_windows(n_train=50, n_test=300, seed=0)
    assert d.train.shape == (50, d.channels * d.window)
    assert set(np.unique(d.fault[d.label == 0])) == {-1}
    assert set(np.unique(d.fault[d.label == 1])) <= {0, 1, 2}
    # stuck-at windows hold a constant tail on one channel
    i = np.flatnonzero(d.fault == dt.FAULTS.index("stuck"))[0]
    w = d.test[i].view(d.channels, d.window).numpy()
    assert any(np.all(np.diff(ch[-d.window // 2 :]) == 0) for ch in w)


def test_detector_auroc_is_one_for_a_perfect_score():
    d = dt.sensor_windows(n_train=20, n_test=200, seed=1)
    a = dt.detector_auroc(d.label.astype(float), d)
    assert a["all"] == pytest.approx(1.0)
    assert all(a[f] == pytest.approx(1.0) for f in dt.FAULTS)


def test_decode_maps_the_search_box():
    width, depth, lr = dt._decode(np.array([5.0, 2.2, -2.0]))
    assert (width, depth) == (32, 2) and lr == pytest.approx(0.01)

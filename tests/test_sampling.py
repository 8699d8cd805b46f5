import numpy as np
import pytest
import torch
from torch import nn

from uqgenomics._engine import _mc_dropout as _sampling
from uqgenomics._engine._mc_dropout import mc_dropout_outputs, split_at_first_dropout
from uqgenomics.networks import HeadedNetwork, build_trunk

from ._float32 import assert_float32_close


def _network(name, input_shape, **params):
    torch.manual_seed(0)
    trunk = build_trunk(name, input_shape, params)
    return HeadedNetwork(trunk, {"mean": nn.Linear(trunk.out_features, 1)}).eval()


def test_deepstarr_prefix_holds_the_convolutions_and_first_dense_layer():
    prefix, suffix = split_at_first_dropout(_network("deepstarr", (64, 4)).stages())
    assert sum(isinstance(m, nn.Conv1d) for m in prefix) == 4
    assert sum(isinstance(m, nn.Linear) for m in prefix) == 1
    assert isinstance(suffix[0], nn.Dropout)


def test_samples_match_full_stochastic_passes():
    net = _network("mlp", (3,), hidden=(32, 32), dropout=0.3)
    x = np.random.RandomState(0).normal(size=(2, 3)).astype(np.float32)
    ours = mc_dropout_outputs(net, x, 4000, batch_size=2, seed=0)[:, :, 0]
    net.train()  # torch's own dropout, one full pass per sample
    torch.manual_seed(1)
    with torch.no_grad():
        naive = np.stack([net(torch.from_numpy(x))[:, 0].numpy() for _ in range(4000)])
    net.eval()
    for i in range(2):
        standard_error = naive[:, i].std() / np.sqrt(4000)
        assert abs(ours[:, i].mean() - naive[:, i].mean()) < 5 * np.sqrt(2) * standard_error
        assert ours[:, i].std() == pytest.approx(naive[:, i].std(), rel=0.08)


def test_reproducible_and_independent_of_the_other_rows():
    net = _network("cnn", (30, 4), filters=(8,), kernel_sizes=(5,), dense_units=(8,))
    X = np.random.RandomState(0).rand(20, 30, 4).astype(np.float32)
    a = mc_dropout_outputs(net, X, 16, batch_size=7, seed=3)
    np.testing.assert_array_equal(a, mc_dropout_outputs(net, X, 16, batch_size=7, seed=3))
    assert not np.allclose(a, mc_dropout_outputs(net, X, 16, batch_size=7, seed=4))
    order = np.random.RandomState(1).permutation(20)
    assert_float32_close(mc_dropout_outputs(net, X[order], 16, 5, seed=3), a[:, order])
    assert_float32_close(mc_dropout_outputs(net, X[:3], 16, 5, seed=3), a[:, :3])


def test_identical_inputs_get_identical_samples():
    net = _network("mlp", (4,), dropout=0.5)
    x = np.ones((2, 4), dtype=np.float32)
    out = mc_dropout_outputs(net, x, 10, batch_size=2, seed=0)
    assert_float32_close(out[:, 0], out[:, 1])  # two rows of one batch: same masks
    assert out[:, 0, 0].std() > 0


def test_chunking_over_samples_gives_the_same_result(monkeypatch):
    net = _network("mlp", (4,), dropout=0.2)
    x = np.random.RandomState(0).rand(9, 4).astype(np.float32)
    whole = mc_dropout_outputs(net, x, 12, batch_size=9, seed=0)
    monkeypatch.setattr(_sampling, "MAX_SAMPLE_ROWS", 20)  # 2 samples per chunk
    # equal up to float rounding of the differently shaped matrix products
    assert_float32_close(mc_dropout_outputs(net, x, 12, batch_size=9, seed=0), whole)


class FirstLayerDropout(nn.Module):
    """Dropout on the input itself: nothing to precompute."""

    def __init__(self):
        super().__init__()
        self.drop = nn.Dropout1d(0.5)
        self.conv = nn.Conv1d(4, 3, 1)

    def forward(self, x):
        return self.conv(self.drop(x.transpose(1, 2))).mean(-1)


def test_repeated_input_fallback_and_channelwise_masks():
    torch.manual_seed(0)
    trunk = build_trunk(FirstLayerDropout, (6, 4), {})
    net = HeadedNetwork(trunk, {"mean": nn.Identity()}).eval()
    prefix, _ = split_at_first_dropout(net.stages())
    assert prefix == []
    x = np.random.RandomState(0).rand(3, 6, 4).astype(np.float32)
    out = mc_dropout_outputs(net, x, 64, batch_size=3, seed=0)
    assert out.shape == (64, 3, 3)
    # Dropout1d drops whole channels: with all 4 channels dropped the conv gives its bias
    bias = net.trunk.module.conv.bias.detach().numpy()
    dropped_all = np.isclose(out, bias).all(axis=(1, 2))
    assert dropped_all.sum() >= 1


def test_networks_without_dropout_are_rejected():
    net = _network("mlp", (4,), dropout=0.0)
    with pytest.raises(ValueError, match="needs a network with dropout layers"):
        mc_dropout_outputs(net, np.zeros((2, 4), np.float32), 4, 2, seed=0)

import pytest
import torch
from torch import nn

from uqgenomics.networks import (
    NETWORKS,
    BasicCNN,
    DeepSTARR,
    HeadedNetwork,
    ModuleTrunk,
    build_trunk,
    resolve_network,
)


def _count(module, kind):
    return sum(isinstance(m, kind) for m in module.modules())


@pytest.mark.parametrize("name", sorted(NETWORKS))
@pytest.mark.parametrize("length", [50, 230])
def test_every_trunk_maps_a_batch_to_features(name, length):
    torch.manual_seed(0)
    params = {"lstm_hidden": 8, "conv_filters": 8} if name == "dream_rnn" else {}
    profile = name == "cnn_task_base"  # features at each of output_length positions
    if profile:
        length = {50: 128, 230: 256}[length]  # a multiple of its total pooling (128)
        params = {"output_length": 10}
    trunk = build_trunk(name, (length, 4), params).eval()
    out = trunk(torch.rand(3, length, 4))
    assert out.shape == ((3, 10, trunk.out_features) if profile else (3, trunk.out_features))
    assert torch.isfinite(out).all()


def test_deepstarr_matches_the_degu_specification():
    net = DeepSTARR((230, 4))
    convs = [m for m in net.modules() if isinstance(m, nn.Conv1d)]
    layers = [(c.out_channels, c.kernel_size[0]) for c in convs]
    assert layers == [(256, 7), (60, 3), (60, 5), (120, 3)]
    assert all(c.padding == "same" for c in convs)
    assert _count(net, nn.MaxPool1d) == 4 and _count(net, nn.BatchNorm1d) == 6
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    assert linears[0].in_features == 120 * (230 // 16)  # flattened after four max-pools of 2
    assert [lin.out_features for lin in linears] == [256, 256]
    dropouts = [m.p for m in net.modules() if isinstance(m, nn.Dropout)]
    assert dropouts == [0.4, 0.4]  # only in the dense blocks
    assert net.out_features == 256


def _trainable(module):
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def test_residualbind_matches_degu_and_counts_its_parameters():
    rb = build_trunk("residualbind", (230, 4), {})
    # DEGU's Keras model (trainable weights; BatchNorm: scale and shift)
    first = 4 * 196 * 19 + 196 + 2 * 196
    block = 6 * (196 * 196 * 3 + 2 * 196)  # one conv, then dilations 1-16, no bias
    conv2 = 196 * 256 * 7 + 256 + 2 * 256
    dense = 2 * (256 * 256 + 256 + 2 * 256)  # position-wise, then after pooling
    assert _trainable(rb) == first + block + conv2 + dense
    dropouts = [m.p for m in rb.modules() if isinstance(m, nn.Dropout)]
    assert dropouts == [0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.2, 0.5, 0.5]
    block_activations = {type(m) for m in rb.features[4].modules()
                         if isinstance(m, (nn.ReLU, nn.SiLU))}
    assert block_activations == {nn.ReLU}  # SiLU only outside the residual block


def test_dream_rnn_has_prix_fixe_widths_and_counts_its_parameters():
    dream = build_trunk("dream_rnn", (230, 4), {})
    first = sum(4 * 256 * k + 256 for k in (9, 15))
    lstm = 2 * 4 * 320 * (512 + 320 + 2)  # per direction: input, hidden, two biases
    core = sum(640 * 256 * k + 256 for k in (9, 15))
    pointwise = 512 * 256 + 256
    assert _trainable(dream) == first + lstm + core + pointwise


def test_residualbind_and_dream_rnn_structure():
    rb = build_trunk("residualbind", (230, 4), {})
    dilations = sorted({m.dilation[0] for m in rb.modules() if isinstance(m, nn.Conv1d)})
    assert dilations == [1, 2, 4, 8, 16]
    first = next(m for m in rb.modules() if isinstance(m, nn.Conv1d))
    assert (first.out_channels, first.kernel_size[0]) == (196, 19)
    dream = build_trunk("dream_rnn", (230, 4), {})
    lstm = next(m for m in dream.modules() if isinstance(m, nn.LSTM))
    assert lstm.bidirectional and lstm.hidden_size == 320
    kernels = sorted({m.kernel_size[0] for m in dream.modules() if isinstance(m, nn.Conv1d)})
    assert kernels == [1, 9, 15]


def test_length_checks():
    flat = DeepSTARR((230, 4))
    flat.check_input_shape((230, 4))
    with pytest.raises(ValueError, match=r"built for samples of shape \(230, 4\)"):
        flat.check_input_shape((200, 4))
    pooled = build_trunk("residualbind", (230, 4), {})
    pooled.check_input_shape((500, 4))  # global pooling: other lengths are fine
    with pytest.raises(ValueError, match="length >= 25"):
        pooled.check_input_shape((10, 4))
    with pytest.raises(ValueError, match="length >= 16"):
        DeepSTARR((8, 4))
    with pytest.raises(ValueError, match="network='mlp'"):
        BasicCNN((20,))


def test_resolve_and_user_modules():
    assert resolve_network("DeepSTARR") is DeepSTARR
    with pytest.raises(ValueError, match="unknown network"):
        resolve_network("transformer")
    with pytest.raises(TypeError):
        resolve_network(42)

    class Tiny(nn.Module):  # no input_shape argument, no out_features attribute
        def __init__(self, width=5):
            super().__init__()
            self.layer = nn.Sequential(nn.Flatten(), nn.LazyLinear(width))

        def forward(self, x):
            return self.layer(x)

    trunk = build_trunk(Tiny, (10, 4), {"width": 7})
    assert isinstance(trunk, ModuleTrunk) and trunk.out_features == 7
    net = HeadedNetwork(trunk, {"mean": nn.Linear(7, 2), "extra": nn.Linear(7, 1)})
    assert net(torch.rand(4, 10, 4)).shape == (4, 3)

"""ResidualBind trunk (Koo et al. 2021), as configured in DEGU's Methods."""

from __future__ import annotations

from torch import nn

from ._base import SequenceTrunk, flatten_sequential, make_activation


class DilatedResidualBlock(nn.Module):
    """Dilated convolutions with a skip connection around them (Koo et al. 2021).

    A same-padded conv (kernel 3) and BatchNorm, then for each dilation the
    activation, dropout, a dilated conv and BatchNorm; the skip is added
    before the final activation. Convs have no bias (BatchNorm follows).
    Shape is kept: ``(batch, C, L)``.
    """

    def __init__(self, channels, dilations=(1, 2, 4, 8, 16), kernel_size=3,
                 activation="relu", dropout=0.1, final_activation="relu"):
        super().__init__()
        layers: list[nn.Module] = [
            nn.Conv1d(channels, channels, kernel_size, padding="same", bias=False),
            nn.BatchNorm1d(channels)]
        for dilation in dilations:
            layers += [make_activation(activation), nn.Dropout(dropout),
                       nn.Conv1d(channels, channels, kernel_size, padding="same",
                                 dilation=dilation, bias=False),
                       nn.BatchNorm1d(channels)]
        self.body = nn.Sequential(*layers)
        self.activation = make_activation(final_activation)

    def forward(self, x):
        return self.activation(x + self.body(x))


def _layer(in_features, out_features, kernel_size, activation, dropout):
    """Conv (kernel_size) or dense (None) with bias → BatchNorm → activation → dropout,
    as DEGU's Keras layers (a bias before BatchNorm included)."""
    linear = (nn.Linear(in_features, out_features) if kernel_size is None else
              nn.Conv1d(in_features, out_features, kernel_size, padding="same"))
    return [linear, nn.BatchNorm1d(out_features), make_activation(activation),
            nn.Dropout(dropout)]


class ResidualBind(SequenceTrunk):
    """ResidualBind as DEGU trains it on lentiMPRA (Zhou et al. 2026, Koo et al. 2021).

    Conv 196×k19 (BatchNorm, SiLU, dropout 0.2); dilated residual block
    (a conv, then dilations 1, 2, 4, 8, 16; ReLU and dropout 0.1 inside);
    dropout 0.2; max-pool 5; conv 256×k7 (BatchNorm, SiLU, dropout 0.2);
    max-pool 5; position-wise dense 256 (BatchNorm, SiLU, dropout 0.5);
    global average pool; dense 256 (BatchNorm, SiLU, dropout 0.5). Accepts
    any length >= 25 once fitted.

    Parameters
    ----------
    input_shape : tuple of int
        ``(length, 4)``, length >= 25.
    filters : int, default=196
    kernel_size : int, default=19
    dilations : sequence of int, default=(1, 2, 4, 8, 16)
    conv2_filters : int, default=256
    dense_units : int, default=256
    activation : str, default='silu'
        Outside the residual block.
    block_activation : str, default='relu'
        Inside the residual block and after its skip connection.

    Input ``(batch, length, 4)``; output ``(batch, dense_units)``.
    """

    variable_length = True
    min_length = 25

    def __init__(self, input_shape, filters=196, kernel_size=19,
                 dilations=(1, 2, 4, 8, 16), conv2_filters=256, dense_units=256,
                 activation="silu", block_activation="relu"):
        super().__init__(input_shape)
        if self.length < self.min_length:
            raise ValueError(f"ResidualBind needs sequences of length >= {self.min_length}")
        self.features = nn.Sequential(
            *_layer(4, filters, kernel_size, activation, 0.2),
            DilatedResidualBlock(filters, dilations, activation=block_activation,
                                 dropout=0.1, final_activation=block_activation),
            nn.Dropout(0.2),
            nn.MaxPool1d(5),
            *_layer(filters, conv2_filters, 7, activation, 0.2),
            nn.MaxPool1d(5),
            # position-wise dense layer = kernel-1 convolution
            *_layer(conv2_filters, dense_units, 1, activation, 0.5),
        )
        self.pool = nn.Sequential(nn.AdaptiveAvgPool1d(1), nn.Flatten())
        self.head = nn.Sequential(*_layer(dense_units, dense_units, None, activation, 0.5))
        self.out_features = dense_units

    def forward(self, x):
        return self.head(self.pool(self.features(self.channels_first(x))))

    def stages(self):
        return [self.channels_first, *flatten_sequential(self.features),
                *flatten_sequential(self.pool), *flatten_sequential(self.head)]

"""ResidualBind trunk (Koo et al. 2021), as configured in DEGU's Methods."""

from __future__ import annotations

from torch import nn

from ._base import SequenceTrunk, conv_block, dense_block, flatten_sequential, make_activation


class DilatedResidualBlock(nn.Module):
    """Dilated convolutions with a skip connection around them.

    Each dilation gets a same-padded conv (kernel 3) and BatchNorm; every
    conv but the last is followed by the activation and dropout. The skip is
    added before the final activation. Shape is kept: ``(batch, C, L)``.
    """

    def __init__(self, channels, dilations=(1, 2, 4, 8, 16), kernel_size=3,
                 activation="silu", dropout=0.1):
        super().__init__()
        layers: list[nn.Module] = []
        for i, dilation in enumerate(dilations):
            layers += [
                nn.Conv1d(channels, channels, kernel_size, padding="same",
                          dilation=dilation, bias=False),
                nn.BatchNorm1d(channels),
            ]
            if i < len(dilations) - 1:
                layers += [make_activation(activation), nn.Dropout(dropout)]
        self.body = nn.Sequential(*layers)
        self.activation = make_activation(activation)

    def forward(self, x):
        return self.activation(x + self.body(x))


class ResidualBind(SequenceTrunk):
    """ResidualBind: conv, dilated residual block, pooling, global average.

    Conv 196×k19 (BatchNorm, SiLU, dropout 0.2); dilated residual block with
    dilations 1, 2, 4, 8, 16 (dropout 0.1); max-pool 5; conv 256×k7; max-pool
    5; position-wise dense 256; global average pool; dense 256 with dropout
    0.5. Accepts any length >= 25 once fitted.

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

    Input ``(batch, length, 4)``; output ``(batch, dense_units)``.
    """

    variable_length = True
    min_length = 25

    def __init__(self, input_shape, filters=196, kernel_size=19,
                 dilations=(1, 2, 4, 8, 16), conv2_filters=256, dense_units=256,
                 activation="silu"):
        super().__init__(input_shape)
        if self.length < self.min_length:
            raise ValueError(f"ResidualBind needs sequences of length >= {self.min_length}")
        self.features = nn.Sequential(
            conv_block(4, filters, kernel_size, activation=activation, dropout=0.2),
            DilatedResidualBlock(filters, dilations, activation=activation, dropout=0.1),
            nn.MaxPool1d(5),
            nn.Dropout(0.1),
            conv_block(filters, conv2_filters, 7, activation=activation, pool=5, dropout=0.1),
            # position-wise dense layer = kernel-1 convolution
            conv_block(conv2_filters, dense_units, 1, activation=activation, dropout=0.1),
        )
        self.pool = nn.Sequential(nn.AdaptiveAvgPool1d(1), nn.Flatten())
        self.head = dense_block(dense_units, dense_units, activation=activation, dropout=0.5)
        self.out_features = dense_units

    def forward(self, x):
        return self.head(self.pool(self.features(self.channels_first(x))))

    def stages(self):
        return [self.channels_first, *flatten_sequential(self.features),
                *flatten_sequential(self.pool), *flatten_sequential(self.head)]

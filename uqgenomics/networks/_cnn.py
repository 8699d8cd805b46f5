"""Configurable convolutional trunks: a basic CNN and DeepSTARR."""

from __future__ import annotations

from torch import nn

from ._base import SequenceTrunk, conv_block, dense_block, flatten_sequential


def _as_tuple(value, n: int, name: str) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    if len(value) != n:
        raise ValueError(
            f"{name} (network__{name} on an estimator) has {len(value)} entries {value}, but "
            f"filters has {n}: give one per conv layer, or a single int for all of them")
    return value


def _pooled_length(length: int, pools: tuple[int, ...], name: str) -> tuple[int, int]:
    """Length after successive floor max-pools, and the shortest valid input."""
    needed = 1
    for pool in pools:
        length //= pool
        needed *= pool
    if length < 1:
        raise ValueError(f"{name} needs sequences of length >= {needed}")
    return length, needed


class BasicCNN(SequenceTrunk):
    """A small configurable CNN: conv blocks, pooling, dense layers.

    Parameters
    ----------
    input_shape : tuple of int
        ``(length, 4)``.
    filters : sequence of int, default=(64, 64)
        Channels of each conv layer.
    kernel_sizes : int or sequence of int, default=(11, 5)
    pool_sizes : int or sequence of int, default=2
        Max-pool after each conv layer (1 = none).
    dense_units : sequence of int, default=(64,)
        Dense layers after pooling.
    global_pool : {'max', 'avg', None}, default='max'
        Pool over positions before the dense layers (any input length),
        or ``None`` to flatten (fixed input length).
    activation : str, default='relu'
    batch_norm : bool, default=True
    dropout : float, default=0.1
        After every conv and dense block.

    Input ``(batch, length, 4)``; output ``(batch, out_features)``.
    """

    def __init__(
        self,
        input_shape,
        filters=(64, 64),
        kernel_sizes=(11, 5),
        pool_sizes=2,
        dense_units=(64,),
        global_pool="max",
        activation="relu",
        batch_norm=True,
        dropout=0.1,
    ):
        super().__init__(input_shape)
        filters = tuple(filters)
        kernel_sizes = _as_tuple(kernel_sizes, len(filters), "kernel_sizes")
        pool_sizes = _as_tuple(pool_sizes, len(filters), "pool_sizes")
        if global_pool not in ("max", "avg", None):
            raise ValueError(f"global_pool must be 'max', 'avg' or None, got {global_pool!r}")
        final_length, self.min_length = _pooled_length(self.length, pool_sizes, "BasicCNN")
        channels = (4,) + filters
        self.convs = nn.Sequential(*(
            conv_block(channels[i], channels[i + 1], kernel_sizes[i], activation=activation,
                       batch_norm=batch_norm, dropout=dropout, pool=pool_sizes[i])
            for i in range(len(filters))
        ))
        self.variable_length = global_pool is not None
        if global_pool is None:
            self.pool = nn.Flatten()
            width = channels[-1] * final_length
        else:
            pool_cls = nn.AdaptiveMaxPool1d if global_pool == "max" else nn.AdaptiveAvgPool1d
            self.pool = nn.Sequential(pool_cls(1), nn.Flatten())
            width = channels[-1]
        units = (width,) + tuple(dense_units)
        self.dense = nn.Sequential(*(
            dense_block(units[i], units[i + 1], activation=activation,
                        batch_norm=batch_norm, dropout=dropout)
            for i in range(len(units) - 1)
        ))
        self.out_features = units[-1]

    def forward(self, x):
        return self.dense(self.pool(self.convs(self.channels_first(x))))

    def stages(self):
        return [self.channels_first, *flatten_sequential(self.convs),
                *flatten_sequential(self.pool), *flatten_sequential(self.dense)]


class DeepSTARR(SequenceTrunk):
    """DeepSTARR trunk (de Almeida et al. 2022), as specified in DEGU's Methods.

    Four conv blocks (256×k7, 60×k3, 60×k5, 120×k3; same padding, BatchNorm,
    ReLU, max-pool 2), flatten, two dense blocks of 256 units (BatchNorm,
    ReLU, dropout 0.4). The flatten ties a fitted network to its input length.

    Parameters
    ----------
    input_shape : tuple of int
        ``(length, 4)``, length >= 16.
    filters : sequence of int, default=(256, 60, 60, 120)
    kernel_sizes : sequence of int, default=(7, 3, 5, 3)
    dense_units : sequence of int, default=(256, 256)
    dropout : float, default=0.4
        Dropout of the dense blocks (the conv blocks have none).

    Input ``(batch, length, 4)``; output ``(batch, dense_units[-1])``.
    """

    def __init__(
        self,
        input_shape,
        filters=(256, 60, 60, 120),
        kernel_sizes=(7, 3, 5, 3),
        dense_units=(256, 256),
        dropout=0.4,
    ):
        super().__init__(input_shape)
        self.body = BasicCNN(
            input_shape, filters=filters, kernel_sizes=kernel_sizes, pool_sizes=2,
            dense_units=dense_units, global_pool=None, activation="relu",
            batch_norm=True, dropout=0.0,
        )
        # DeepSTARR has dropout only in its dense blocks.
        for block in self.body.dense:
            block.append(nn.Dropout(dropout))
        self.out_features = self.body.out_features

    def forward(self, x):
        return self.body(x)

    def stages(self):
        return self.body.stages()

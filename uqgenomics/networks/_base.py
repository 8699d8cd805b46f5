"""The trunk contract shared by every network, and the heads around it.

A *trunk* maps an input batch to a feature vector ``(batch, out_features)``.
Sequence trunks take channels-last one-hot input ``(batch, length, 4)`` and
transpose to channels-first for their convolutions. Estimators put output
heads on top of a trunk with :class:`HeadedNetwork`, so one trunk can serve
a mean head and, later, uncertainty heads.
"""

from __future__ import annotations

from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "silu": nn.SiLU, "gelu": nn.GELU, "elu": nn.ELU, "tanh": nn.Tanh}


def flatten_sequential(module: nn.Module) -> list[nn.Module]:
    """The leaf modules of nested ``nn.Sequential`` containers, in call order."""
    if isinstance(module, nn.Sequential):
        return [leaf for child in module for leaf in flatten_sequential(child)]
    return [module]


class ChannelsFirst(nn.Module):
    """``(batch, length, 4)`` → ``(batch, 4, length)`` for ``nn.Conv1d``."""

    def forward(self, x):
        return x.transpose(1, 2)


def make_activation(name: str) -> nn.Module:
    """Return a fresh activation module from its name (``'relu'``, ``'silu'``...)."""
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; choose from {sorted(ACTIVATIONS)}"
        ) from None


class Trunk(nn.Module):
    """Base class of the built-in trunks.

    Subclasses set ``out_features`` (int) in ``__init__`` and may set the
    class attribute ``variable_length = True`` when a fitted trunk accepts
    sequences of another length than the one it was built for (global
    pooling), down to ``min_length``.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample: ``(length, 4)`` for one-hot sequences or
        ``(n_features,)`` for feature vectors.
    """

    variable_length = False
    min_length = 1

    def __init__(self, input_shape):
        super().__init__()
        self.input_shape = tuple(int(d) for d in input_shape)

    def stages(self) -> list[nn.Module]:
        """The forward pass as modules applied one after another.

        ``forward(x)`` equals feeding ``x`` through the list in order. A
        finer list lets MC dropout compute the deterministic part before
        the first dropout layer once and sample only the rest. Default: the
        whole trunk as one stage.
        """
        return [self]

    def check_input_shape(self, shape: tuple[int, ...]) -> None:
        """Raise ``ValueError`` if samples of ``shape`` cannot pass through."""
        shape = tuple(shape)
        if shape == self.input_shape:
            return
        name = type(self).__name__
        if self.variable_length and len(shape) == 2 and shape[1:] == self.input_shape[1:]:
            if shape[0] >= self.min_length:
                return
            raise ValueError(
                f"{name} needs sequences of length >= {self.min_length}; got {shape[0]}"
            )
        accepted = (
            f"(L, {self.input_shape[1]}) with L >= {self.min_length}"
            if self.variable_length
            else str(self.input_shape)
        )
        raise ValueError(
            f"{name} was built for samples of shape {self.input_shape} and accepts "
            f"{accepted}; got samples of shape {shape}"
        )


class SequenceTrunk(Trunk):
    """Trunk over one-hot sequences ``(batch, length, 4)``."""

    def __init__(self, input_shape):
        super().__init__(input_shape)
        if len(self.input_shape) != 2 or self.input_shape[1] != 4:
            raise ValueError(
                f"{type(self).__name__} takes one-hot sequences of shape (length, 4) per "
                f"sample; got {self.input_shape}. Use network='mlp' for feature vectors."
            )
        self.length = self.input_shape[0]
        self.channels_first = ChannelsFirst()


def conv_block(
    in_channels: int,
    out_channels: int,
    kernel_size: int,
    *,
    activation: str = "relu",
    batch_norm: bool = True,
    dropout: float = 0.0,
    pool: int = 1,
    dilation: int = 1,
) -> nn.Sequential:
    """Same-padded ``Conv1d`` → BatchNorm → activation → max-pool → dropout."""
    layers: list[nn.Module] = [
        nn.Conv1d(
            in_channels, out_channels, kernel_size, padding="same",
            dilation=dilation, bias=not batch_norm,
        )
    ]
    if batch_norm:
        layers.append(nn.BatchNorm1d(out_channels))
    layers.append(make_activation(activation))
    if pool > 1:
        layers.append(nn.MaxPool1d(pool))
    if dropout > 0:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def dense_block(
    in_features: int,
    out_features: int,
    *,
    activation: str = "relu",
    batch_norm: bool = True,
    dropout: float = 0.0,
) -> nn.Sequential:
    """``Linear`` → BatchNorm → activation → dropout."""
    layers: list[nn.Module] = [nn.Linear(in_features, out_features, bias=not batch_norm)]
    if batch_norm:
        layers.append(nn.BatchNorm1d(out_features))
    layers.append(make_activation(activation))
    if dropout > 0:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)

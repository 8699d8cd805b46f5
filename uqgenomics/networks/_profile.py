"""Profile networks: base-resolution outputs ``(batch, output_length, n_tasks)``.

A *profile trunk* maps one-hot sequences ``(batch, length, 4)`` to a
feature map ``(batch, output_length, out_features)``, one feature vector
per output position. :class:`ProfileHeads` puts per-task heads on it (in a
:class:`~uqgenomics.networks.HeadedNetwork`): a convolutional block per
task, then the estimator family's heads (a mean head, a Gaussian head, a
student's heads...) applied at every position.
"""

from __future__ import annotations

import torch
from torch import nn

from ._base import SequenceTrunk, conv_block, flatten_sequential
from ._cnn import _as_tuple, _pooled_length
from ._heads import ConcatHeads

OUTPUT_ACTIVATIONS = ("softplus", None)


class ProfileTrunk(SequenceTrunk):
    """Base class of trunks whose output is a profile.

    Subclasses set ``output_length`` (positions of the output) and
    ``out_features`` (channels per position) in ``__init__``; ``forward``
    returns ``(batch, output_length, out_features)``. Estimators pass
    ``output_length`` from the targets' shape unless it is given as
    ``network__output_length``.
    """


class CNNTaskBase(ProfileTrunk):
    """The profile CNN of DEGU (Zhou et al. 2026) and Toneyan et al. (2022).

    Three convolutional blocks (conv, batch norm, ReLU, max-pool,
    dropout), a dense bottleneck, a dense layer back up to
    ``output_length × bottleneck`` reshaped into a profile, and a
    convolutional block; the per-task heads (a convolutional block and a
    linear layer with softplus) are added by :class:`ProfileHeads`.

    Parameters
    ----------
    input_shape : tuple of int
        ``(length, 4)``; the length must be a multiple of the product of
        ``pool_sizes``.
    output_length : int
        Positions of the output profile (base resolution: the input length).
    filters : sequence of 3 int, default=(192, 256, 512)
    kernel_sizes : int or sequence of 3 int, default=(19, 7, 7)
    pool_sizes : int or sequence of 3 int, default=(8, 4, 4)
    dropouts : float or sequence of 3 float, default=(0.1, 0.1, 0.2)
    dense_units : int, default=256
        The bottleneck.
    bottleneck : int, default=8
        Channels per output position after the dense layer back up.
    profile_filters, profile_kernel_size : int, default=256, 7
        The convolutional block on the profile.
    activation : str, default='relu'
        Of the first convolution (DEGU: ReLU; exponential-like choices help
        interpretability); ReLU elsewhere.

    Input ``(batch, length, 4)``; output ``(batch, output_length, profile_filters)``.
    """

    def __init__(self, input_shape, output_length, filters=(192, 256, 512),
                 kernel_sizes=(19, 7, 7), pool_sizes=(8, 4, 4), dropouts=(0.1, 0.1, 0.2),
                 dense_units=256, bottleneck=8, profile_filters=256, profile_kernel_size=7,
                 activation="relu"):
        super().__init__(input_shape)
        filters = tuple(filters)
        kernel_sizes = _as_tuple(kernel_sizes, len(filters), "kernel_sizes")
        pool_sizes = _as_tuple(pool_sizes, len(filters), "pool_sizes")
        dropouts = tuple(dropouts) if not isinstance(dropouts, (int, float)) else (
            (float(dropouts),) * len(filters))
        if len(dropouts) != len(filters):
            raise ValueError(f"dropouts has {len(dropouts)} entries, filters {len(filters)}")
        if not (isinstance(output_length, int) and output_length >= 1):
            raise ValueError(f"output_length must be a positive int, got {output_length!r}")
        pooled, needed = _pooled_length(self.length, pool_sizes, type(self).__name__)
        if self.length % needed:
            raise ValueError(
                f"CNNTaskBase pools by {needed} in all (pool_sizes={pool_sizes}); the input "
                f"length {self.length} is not a multiple of it, so its last "
                f"{self.length % needed} bp would be dropped: use a length that is, or other "
                "network__pool_sizes")
        self.output_length = output_length
        self.bottleneck = bottleneck
        blocks, channels = [], 4
        for i, (n, k, p, d) in enumerate(zip(filters, kernel_sizes, pool_sizes, dropouts)):
            blocks.append(conv_block(channels, n, k, activation=activation if i == 0 else "relu",
                                     pool=p, dropout=d))
            channels = n
        self.conv = nn.Sequential(self.channels_first, *blocks, nn.Flatten())
        self.dense = nn.Sequential(
            nn.Linear(channels * pooled, dense_units, bias=False),
            nn.BatchNorm1d(dense_units), nn.ReLU(), nn.Dropout(0.3),
            nn.Linear(dense_units, output_length * bottleneck, bias=False),
            nn.BatchNorm1d(output_length * bottleneck), nn.ReLU())
        self.profile = nn.Sequential(
            _ToProfile(output_length, bottleneck), nn.Dropout(0.1),
            conv_block(bottleneck, profile_filters, profile_kernel_size, dropout=0.2),
            _ChannelsLast())
        self.out_features = profile_filters

    def forward(self, x):
        return self.profile(self.dense(self.conv(x)))

    def stages(self):
        return [*flatten_sequential(self.conv), *flatten_sequential(self.dense),
                *flatten_sequential(self.profile)]


class _ToProfile(nn.Module):
    """``(batch, length × channels)`` → channels-first ``(batch, channels, length)``,
    each position's channels contiguous in the input (Keras' ``Reshape``)."""

    def __init__(self, length: int, channels: int):
        super().__init__()
        self.length, self.channels = length, channels

    def forward(self, x):
        return x.reshape(len(x), self.length, self.channels).transpose(1, 2)


class _ChannelsLast(nn.Module):
    """``(batch, channels, length)`` → ``(batch, length, channels)``."""

    def forward(self, x):
        return x.transpose(1, 2)


class ProfileHeads(nn.Module):
    """Per-task heads applied at every position of a profile feature map.

    Each task has its own convolutional block on the feature map and its own
    copy of the family's heads (built for one task), applied at every
    position. The output is flattened part by part: for heads giving ``k``
    values per task and position (1 for a mean head, 2 for a Gaussian head,
    3 for a student's mean, epistemic and aleatoric heads), the output is
    ``(batch, k · output_length · n_tasks)``, each part ``(output_length,
    n_tasks)`` in C order, so ``torch.chunk(output, k, dim=-1)`` splits the
    parts as it does for flat heads.

    Parameters
    ----------
    in_channels : int
        Channels per position of the feature map.
    make_heads : callable
        ``make_heads(n_features) -> dict of str to nn.Module``: one task's
        heads, each ``(m, n_features) -> (m, k_i)``.
    n_tasks : int
    head_filters, head_kernel_size : int, default=64, 7
        The per-task convolutional block.
    output_activation : {'softplus', None}, default='softplus'
        Applied to the first part (the location: a mean, a Gaussian's μ, a
        student's mean), which keeps a predicted profile non-negative as
        counts and coverage are (DEGU's heads end in softplus).
    """

    def __init__(self, in_channels: int, make_heads, n_tasks: int, head_filters: int = 64,
                 head_kernel_size: int = 7, output_activation="softplus"):
        super().__init__()
        if output_activation not in OUTPUT_ACTIVATIONS:
            raise ValueError(f"output_activation must be one of {OUTPUT_ACTIVATIONS}, got "
                             f"{output_activation!r}")
        self.task_convs = nn.ModuleList(
            conv_block(in_channels, head_filters, head_kernel_size, dropout=0.1)
            for _ in range(n_tasks))
        self.task_heads = nn.ModuleList(ConcatHeads(make_heads(head_filters))
                                        for _ in range(n_tasks))
        # a module (not F.softplus), so attribution rules see it
        self.location_activation = nn.Softplus() if output_activation == "softplus" else None

    def forward(self, features):
        """Feature map ``(batch, L, C)`` → flat output ``(batch, k · L · n_tasks)``."""
        batch, length, _ = features.shape
        channels_first = features.transpose(1, 2)
        tasks = []
        for conv, heads in zip(self.task_convs, self.task_heads):
            h = conv(channels_first).transpose(1, 2)  # (batch, L, head_filters)
            tasks.append(heads(h.reshape(batch * length, -1)).reshape(batch, length, -1))
        out = torch.stack(tasks, dim=2)  # (batch, L, T, k)
        if self.location_activation is not None:
            out = torch.cat([self.location_activation(out[..., :1]), out[..., 1:]], dim=-1)
        return out.permute(0, 3, 1, 2).reshape(batch, -1)

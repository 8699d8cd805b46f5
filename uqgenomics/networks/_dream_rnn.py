"""DREAM-RNN trunk (Rafi et al. 2024, Prix Fixe framework)."""

from __future__ import annotations

import torch
from torch import nn

from ._base import SequenceTrunk


class ParallelConv(nn.Module):
    """Same-padded convolutions of several kernel sizes, concatenated.

    ``out_channels`` is split evenly across the kernels, as in Prix Fixe.
    Input ``(batch, C_in, L)``; output ``(batch, out_channels, L)`` after
    ReLU and dropout.
    """

    def __init__(self, in_channels, out_channels, kernel_sizes=(9, 15), dropout=0.2):
        super().__init__()
        if out_channels % len(kernel_sizes):
            raise ValueError(
                f"out_channels={out_channels} must divide evenly over {len(kernel_sizes)} kernels"
            )
        width = out_channels // len(kernel_sizes)
        self.convs = nn.ModuleList(
            nn.Conv1d(in_channels, width, k, padding="same") for k in kernel_sizes
        )
        self.post = nn.Sequential(nn.ReLU(), nn.Dropout(dropout))

    def forward(self, x):
        return self.post(torch.cat([conv(x) for conv in self.convs], dim=1))


class DREAMRNN(SequenceTrunk):
    """DREAM-RNN: parallel convs, bidirectional LSTM, parallel convs, 1×1 conv.

    Parallel convs (kernels 9 and 15, ``conv_filters`` in total: 256 each,
    as Prix Fixe's BHI blocks); BiLSTM with ``lstm_hidden`` units per
    direction; parallel convs again; a 1×1 conv to ``out_features``
    channels; global average pool over positions. Accepts any length once
    fitted.

    Parameters
    ----------
    input_shape : tuple of int
        ``(length, 4)``.
    conv_filters : int, default=512
        Channels of each parallel-conv layer, split across the kernels.
    kernel_sizes : sequence of int, default=(9, 15)
    lstm_hidden : int, default=320
        LSTM units per direction.
    out_features : int, default=256
    dropout : float, default=0.2

    Input ``(batch, length, 4)``; output ``(batch, out_features)``.
    """

    variable_length = True

    def __init__(self, input_shape, conv_filters=512, kernel_sizes=(9, 15),
                 lstm_hidden=320, out_features=256, dropout=0.2):
        super().__init__(input_shape)
        self.first = ParallelConv(4, conv_filters, kernel_sizes, dropout)
        self.lstm = nn.LSTM(conv_filters, lstm_hidden, batch_first=True, bidirectional=True)
        self.core = ParallelConv(2 * lstm_hidden, conv_filters, kernel_sizes, dropout)
        self.pointwise = nn.Sequential(nn.Conv1d(conv_filters, out_features, 1), nn.ReLU())
        self.out_features = out_features

    def forward(self, x):
        h = self.first(self.channels_first(x))              # (B, C, L)
        h, _ = self.lstm(h.transpose(1, 2))                 # (B, L, 2H)
        h = self.pointwise(self.core(h.transpose(1, 2)))    # (B, out, L)
        return h.mean(dim=-1)

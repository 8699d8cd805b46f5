"""Multi-layer perceptron trunk for feature vectors."""

from __future__ import annotations

import math

from torch import nn

from ._base import Trunk, dense_block, flatten_sequential


class MLP(Trunk):
    """Dense layers over a flattened input.

    For feature input (embeddings, k-mer spectra, tabular) of shape
    ``(batch, n_features)``; one-hot input ``(batch, length, 4)`` is
    flattened, which ties the fitted network to that length.

    Parameters
    ----------
    input_shape : tuple of int
        ``(n_features,)`` or ``(length, 4)``.
    hidden : sequence of int, default=(64, 64)
        Units of each hidden layer; empty gives a linear model on the heads.
    activation : str, default='relu'
    batch_norm : bool, default=False
    dropout : float, default=0.1

    Output ``(batch, hidden[-1])``.
    """

    def __init__(self, input_shape, hidden=(64, 64), activation="relu",
                 batch_norm=False, dropout=0.1):
        super().__init__(input_shape)
        units = (math.prod(self.input_shape),) + tuple(hidden)
        self.layers = nn.Sequential(nn.Flatten(), *(
            dense_block(units[i], units[i + 1], activation=activation,
                        batch_norm=batch_norm, dropout=dropout)
            for i in range(len(units) - 1)
        ))
        self.out_features = units[-1]

    def forward(self, x):
        return self.layers(x)

    def stages(self):
        return flatten_sequential(self.layers)

"""Epistemic neural network: a base network plus an index-conditioned epinet."""

from __future__ import annotations

import torch
from torch import nn


def _index_mlp(n_inputs: int, hidden: tuple[int, ...], n_outputs: int) -> nn.Sequential:
    layers, width = [], n_inputs
    for units in hidden:
        layers += [nn.Linear(width, units), nn.ReLU()]
        width = units
    return nn.Sequential(*layers, nn.Linear(width, n_outputs))


class EpinetNetwork(nn.Module):
    """``logits(x, z) = base(x) + σ_L(sg φ(x), z) + prior_scale · σ_P(sg φ(x), z)``.

    Osband et al. (2023), "Epistemic neural networks". ``φ(x)`` are the base
    trunk's features, ``sg`` stops their gradient, ``z ~ N(0, I)`` is an
    epistemic index of ``index_dim`` dimensions, and each epinet part maps
    ``[φ, z]`` through an MLP to a ``(n_classes, index_dim)`` matrix applied
    to ``z``. The learnable part ``σ_L`` trains; the prior ``σ_P`` stays at
    its random initialisation. Different indices give different plausible
    functions: their disagreement is the epistemic uncertainty.

    Parameters
    ----------
    base : HeadedNetwork
        Trunk with one ``(batch, n_classes)`` logits head.
    n_classes : int
    index_dim : int
    hidden : tuple of int
        Hidden widths of both epinet MLPs.
    prior_scale : float
    n_index_samples : int
        Indices drawn per forward call when none are given (training).
    freeze_base : bool
        Keep the base's weights fixed and in eval mode (BatchNorm statistics
        and dropout too).

    Forward: ``forward(x, z=None)`` → logits ``(n_indices, batch, n_classes)``.
    """

    def __init__(self, base, n_classes, index_dim, hidden, prior_scale, n_index_samples,
                 freeze_base=False):
        super().__init__()
        self.base = base
        self.n_classes = n_classes
        self.index_dim = index_dim
        self.prior_scale = prior_scale
        self.n_index_samples = n_index_samples
        self.freeze_base = freeze_base
        n_inputs = base.trunk.out_features + index_dim
        self.learnable = _index_mlp(n_inputs, hidden, n_classes * index_dim)
        self.prior = _index_mlp(n_inputs, hidden, n_classes * index_dim)
        self.prior.requires_grad_(False)
        if freeze_base:
            self.base.requires_grad_(False)

    @property
    def trunk(self):
        """The base's trunk (its input-shape checks apply)."""
        return self.base.trunk

    def train(self, mode: bool = True):
        super().train(mode)
        if self.freeze_base:
            self.base.eval()
        return self

    def forward(self, x, z=None):
        features = self.base.trunk(x)
        logits = self.base.heads(features)
        if z is None:
            z = torch.randn(self.n_index_samples, self.index_dim, device=x.device)
        k, batch = z.shape[0], features.shape[0]
        inputs = torch.cat([features.detach()[None].expand(k, -1, -1),
                            z[:, None, :].expand(-1, batch, -1)], dim=-1)
        term = self._index_term(self.learnable, inputs, z)
        term = term + self.prior_scale * self._index_term(self.prior, inputs, z)
        return logits[None] + term

    def _index_term(self, mlp, inputs, z):
        k, batch, _ = inputs.shape
        weights = mlp(inputs).view(k, batch, self.n_classes, self.index_dim)
        return torch.einsum("kbcd,kd->kbc", weights, z)

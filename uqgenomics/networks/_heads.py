"""Output heads and the network that joins them to a trunk."""

from __future__ import annotations

import torch
from torch import nn

from ..losses import nig_parameters


class ConcatHeads(nn.Module):
    """Apply named heads to the same features; concatenate on the last axis.

    Parameters
    ----------
    heads : dict of str to nn.Module
        Each maps ``(batch, n_features)`` to ``(batch, k)``; dict order is
        column order.
    """

    def __init__(self, heads: dict[str, nn.Module]):
        super().__init__()
        self.named = nn.ModuleDict(heads)

    def forward(self, features):
        return torch.cat([head(features) for head in self.named.values()], dim=-1)


class HeadedNetwork(nn.Module):
    """A trunk with named output heads.

    Parameters
    ----------
    trunk : Trunk
        Maps a batch to ``(batch, out_features)``.
    heads : dict of str to nn.Module
        Output heads, see :class:`ConcatHeads`.

    Forward returns ``(batch, total head outputs)``.
    """

    def __init__(self, trunk: nn.Module, heads: dict[str, nn.Module]):
        super().__init__()
        self.trunk = trunk
        self.heads = ConcatHeads(heads)

    def forward(self, x):
        return self.heads(self.trunk(x))

    def stages(self) -> list[nn.Module]:
        """The trunk's stages followed by the heads (see ``Trunk.stages``)."""
        return [*self.trunk.stages(), self.heads]


class NormalInverseGammaHead(nn.Module):
    """Linear layer to constrained NIG parameters [γ, ν, α, β].

    Output ``(batch, 4 * n_tasks)`` with ν > 0, α > 1, β > 0.
    """

    def __init__(self, in_features: int, n_tasks: int):
        super().__init__()
        self.n_tasks = n_tasks
        self.linear = nn.Linear(in_features, 4 * n_tasks)

    def forward(self, features):
        return torch.cat(nig_parameters(self.linear(features), self.n_tasks), dim=1)

"""Output heads and the network that joins them to a trunk."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

#: Default clamp of a predicted log-variance (in standardised target units:
#: σ between 0.0067 and 148 times the std of the targets).
MIN_LOG_VAR, MAX_LOG_VAR = -10.0, 10.0


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
        Maps a batch to ``(batch, out_features)`` (a profile trunk: to a
        feature map ``(batch, L, C)``).
    heads : dict of str to nn.Module, or nn.Module
        Output heads, see :class:`ConcatHeads`; or a module taking the
        trunk's output, such as a profile network's
        :class:`~uqgenomics.networks.ProfileHeads`.

    Forward returns ``(batch, total head outputs)``.
    """

    def __init__(self, trunk: nn.Module, heads):
        super().__init__()
        self.trunk = trunk
        self.heads = heads if isinstance(heads, nn.Module) else ConcatHeads(heads)

    def forward(self, x):
        return self.heads(self.trunk(x))

    def stages(self) -> list[nn.Module]:
        """The trunk's stages followed by the heads (see ``Trunk.stages``)."""
        return [*self.trunk.stages(), self.heads]


class GaussianHead(nn.Module):
    """A mean and a log-variance per task: the one Gaussian noise head.

    Output ``(batch, 2 * n_tasks)`` = ``[μ, log σ²]``, the log-variance
    clamped to ``[min_log_var, max_log_var]`` here, the only place it is
    clamped (training with :class:`~uqgenomics.losses.GaussianNLLLoss` and
    prediction see the same value).

    Parameters
    ----------
    in_features : int
    n_tasks : int
    min_log_var, max_log_var : float, default=-10.0, 10.0
    """

    def __init__(self, in_features: int, n_tasks: int, min_log_var: float = MIN_LOG_VAR,
                 max_log_var: float = MAX_LOG_VAR):
        super().__init__()
        if not min_log_var < max_log_var:
            raise ValueError(f"min_log_var ({min_log_var}) must be below max_log_var "
                             f"({max_log_var})")
        self.mean = nn.Linear(in_features, n_tasks)
        self.log_var = nn.Linear(in_features, n_tasks)
        self.min_log_var = min_log_var
        self.max_log_var = max_log_var

    def forward(self, features):
        return torch.cat([self.mean(features), self.log_var(features).clamp(
            self.min_log_var, self.max_log_var)], dim=-1)

    @staticmethod
    def moments(outputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and variance ``(..., n_tasks)`` from outputs ``(..., 2 * n_tasks)``."""
        mean, log_var = torch.chunk(outputs, 2, dim=-1)
        return mean, torch.exp(log_var)


class NormalInverseGammaHead(nn.Module):
    """Linear layer to constrained Normal-Inverse-Gamma parameters [γ, ν, α, β].

    Output ``(batch, 4 * n_tasks)`` with γ ∈ ℝ, ν > 0, α > 1, β > 0
    (softplus plus a small floor), the input of
    :class:`~uqgenomics.losses.NormalInverseGammaLoss`.

    Parameters
    ----------
    in_features : int
    n_tasks : int
    """

    #: Floor added to the softplus outputs.
    EPS = 1e-6

    def __init__(self, in_features: int, n_tasks: int):
        super().__init__()
        self.n_tasks = n_tasks
        self.linear = nn.Linear(in_features, 4 * n_tasks)

    def forward(self, features):
        gamma, nu, alpha, beta = torch.split(self.linear(features), self.n_tasks, dim=-1)
        return torch.cat([gamma, F.softplus(nu) + self.EPS, F.softplus(alpha) + 1 + self.EPS,
                          F.softplus(beta) + self.EPS], dim=-1)

    @staticmethod
    def moments(outputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Mean γ, aleatoric variance ``β / (α − 1)`` and epistemic variance
        ``β / (ν (α − 1))``, each ``(..., n_tasks)``, from outputs
        ``(..., 4 * n_tasks)`` (Amini et al. 2020)."""
        gamma, nu, alpha, beta = torch.chunk(outputs, 4, dim=-1)
        aleatoric = beta / (alpha - 1)
        return gamma, aleatoric, aleatoric / nu

"""Training losses for uncertainty heads, as skorch criteria.

Each criterion takes the concatenated network output ``(batch, k * n_tasks)``
and targets ``(batch, n_tasks)``, and checks that the shapes agree instead
of letting broadcasting turn a ``(B,)`` error against a ``(B, 1)`` variance
into a silent ``(B, B)`` loss.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F


def split_outputs(output: torch.Tensor, target: torch.Tensor, k: int) -> tuple[torch.Tensor, ...]:
    """Cut ``(batch, k * n_tasks)`` into ``k`` tensors shaped like ``target``.

    Raises
    ------
    ValueError
        If ``target`` is not ``(batch, n_tasks)`` with ``k * n_tasks``
        output columns.
    """
    if (target.ndim != 2 or output.ndim != 2
            or output.shape != (target.shape[0], k * target.shape[1])):
        raise ValueError(
            f"expected output (batch, {k} * n_tasks) and target (batch, n_tasks); got "
            f"output {tuple(output.shape)} and target {tuple(target.shape)}"
        )
    return tuple(torch.chunk(output, k, dim=1))


class GaussianNLLLoss(nn.Module):
    """Gaussian negative log-likelihood of a mean and a log-variance.

    ``loss = mean(w * 0.5 * (log σ² + (y − μ)² / σ²))`` (the constant
    ``0.5 log 2π`` dropped). With ``beta > 0`` each term is weighted by
    ``w = stop_gradient(σ²)^β`` (β-NLL, Seitz et al. 2022), which keeps badly
    fitted means from being explained away as noise; ``beta=0`` is plain NLL,
    ``beta=1`` gives mean gradients like MSE.

    Parameters
    ----------
    beta : float, default=0.0

    Input: output ``(batch, 2 * n_tasks)`` = [μ, log σ²] of a
    :class:`~uqgenomics.networks.GaussianHead` (which clamps the
    log-variance), target ``(batch, n_tasks)``.
    """

    def __init__(self, beta=0.0):
        super().__init__()
        self.beta = beta

    def forward(self, output, target):
        mean, log_var = split_outputs(output, target, 2)
        nll = 0.5 * (log_var + (target - mean) ** 2 * torch.exp(-log_var))
        if self.beta:
            nll = nll * torch.exp(log_var.detach() * self.beta)
        return nll.mean()


class NormalInverseGammaLoss(nn.Module):
    """Deep evidential regression loss (Amini et al. 2020).

    With ``Ω = 2β(1 + ν)``, the NIG negative log-likelihood is

    ``0.5 log(π/ν) − α log Ω + (α + ½) log((y − γ)² ν + Ω)
    + log Γ(α) − log Γ(α + ½)``

    and the evidence regulariser ``|y − γ| (2ν + α)`` is added with weight
    ``coefficient``. Input: constrained output ``(batch, 4 * n_tasks)`` =
    [γ, ν, α, β] (see
    :class:`~uqgenomics.networks.NormalInverseGammaHead`), target ``(batch, n_tasks)``.

    Parameters
    ----------
    coefficient : float, default=0.01
        λ, the weight of the regulariser.
    """

    def __init__(self, coefficient=0.01):
        super().__init__()
        self.coefficient = coefficient

    def forward(self, output, target):
        gamma, nu, alpha, beta = split_outputs(output, target, 4)
        omega = 2 * beta * (1 + nu)
        error = target - gamma
        nll = (
            0.5 * (math.log(math.pi) - torch.log(nu))
            - alpha * torch.log(omega)
            + (alpha + 0.5) * torch.log(error**2 * nu + omega)
            + torch.lgamma(alpha) - torch.lgamma(alpha + 0.5)
        )
        regulariser = error.abs() * (2 * nu + alpha)
        return (nll + self.coefficient * regulariser).mean()


class DistillationLoss(nn.Module):
    """``MSE(μ) + λ·MSE(σ_epistemic) [+ γ·MSE(σ_aleatoric)]`` against teacher targets.

    Output and target both have shape ``(batch, k * n_tasks)``, laid out as
    ``[μ, σ_epistemic(, σ_aleatoric)]`` with ``k`` = 2 or 3 (the uncertainty
    columns may be log-variances instead of stds: the loss is the same). A
    NaN aleatoric target (an augmented sequence, which has no replicate
    measurement) is left out of that term; a batch without any aleatoric
    target contributes 0 to it.

    Parameters
    ----------
    lambda_ : float, default=1.0
        Weight of the epistemic term.
    gamma : float, default=1.0
        Weight of the aleatoric term.
    n_parts : {2, 3}, default=2
    """

    def __init__(self, lambda_=1.0, gamma=1.0, n_parts=2):
        super().__init__()
        if n_parts not in (2, 3):
            raise ValueError(f"n_parts must be 2 or 3, got {n_parts}")
        self.lambda_ = lambda_
        self.gamma = gamma
        self.n_parts = n_parts

    def forward(self, output, target):
        if output.shape != target.shape or output.ndim != 2 or output.shape[1] % self.n_parts:
            raise ValueError(f"expected output and target of the same shape (batch, "
                             f"{self.n_parts} * n_tasks); got {tuple(output.shape)} and "
                             f"{tuple(target.shape)}")
        outputs = torch.chunk(output, self.n_parts, dim=1)
        targets = torch.chunk(target, self.n_parts, dim=1)
        loss = F.mse_loss(outputs[0], targets[0]) + self.lambda_ * F.mse_loss(outputs[1],
                                                                             targets[1])
        if self.n_parts == 3:
            known = ~torch.isnan(targets[2])
            if known.any():
                loss = loss + self.gamma * F.mse_loss(outputs[2][known], targets[2][known])
        return loss


class IndexedCrossEntropyLoss(nn.Module):
    """Cross-entropy averaged over epistemic indices.

    Output ``(n_indices, batch, n_classes)`` logits (an epinet's forward),
    target ``(batch,)`` class indices: the mean over indices and samples of
    ``−log softmax(logits)[y]``.
    """

    def forward(self, output, target):
        if output.ndim != 3 or output.shape[1] != target.shape[0]:
            raise ValueError(f"expected output (n_indices, batch, n_classes) and target "
                             f"(batch,); got {tuple(output.shape)} and {tuple(target.shape)}")
        k, batch, n_classes = output.shape
        return F.cross_entropy(output.reshape(k * batch, n_classes), target.repeat(k))

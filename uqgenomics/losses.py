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

__all__ = ["DistillationLoss", "GaussianNLLLoss", "IndexedCrossEntropyLoss",
           "MultinomialProfileLoss", "NormalInverseGammaLoss", "PoissonLoss", "split_outputs"]


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


def _check_same_shape(output, target):
    if output.shape != target.shape or output.ndim != 2:
        raise ValueError(f"expected output and target of the same shape (batch, n_outputs); "
                         f"got {tuple(output.shape)} and {tuple(target.shape)}")


class PoissonLoss(nn.Module):
    """Poisson negative log-likelihood of non-negative rates (DEGU's profile loss).

    ``loss = mean(λ − y log(λ + ε))`` (the ``log y!`` constant dropped), for
    rates ``λ >= 0`` (a softplus output) and targets ``y >= 0``; the
    minimiser is ``λ = E[y]``, so non-integer targets (coverage, fold
    change) are fine.

    Input: output and target ``(batch, n_outputs)``.
    """

    #: Floor inside the log, so that a zero rate gives a finite loss.
    EPS = 1e-8

    def forward(self, output, target):
        _check_same_shape(output, target)
        return (output - target * torch.log(output + self.EPS)).mean()


class MultinomialProfileLoss(nn.Module):
    """BPNet's profile loss: multinomial shape + MSE of the log total count.

    Per sample and task, with rates ``λ`` over the ``L`` positions (a
    softplus output) and targets ``y``: the multinomial negative
    log-likelihood of ``y`` under the shape ``λ / Σλ`` (its constant
    dropped), averaged over positions, plus ``count_weight · (log(1 + Σy) −
    log(1 + Σλ))²`` (Avsec et al. 2021). The rates' sum is the predicted
    total, so the mean profile is ``λ`` as for the other losses.

    Parameters
    ----------
    n_tasks : int
        Outputs are ``(batch, L · n_tasks)``, positions major.
    count_weight : float, default=1.0
        BPNet weights the count term by about half the mean total count; 1
        suits targets in standardised units.
    """

    EPS = 1e-8

    def __init__(self, n_tasks=1, count_weight=1.0):
        super().__init__()
        self.n_tasks = n_tasks
        self.count_weight = count_weight

    def forward(self, output, target):
        _check_same_shape(output, target)
        if output.shape[1] % self.n_tasks:
            raise ValueError(f"{output.shape[1]} outputs do not split into {self.n_tasks} "
                             "tasks")
        rates = output.reshape(len(output), -1, self.n_tasks)
        counts = target.reshape(rates.shape)
        total = rates.sum(dim=1, keepdim=True)
        log_shape = torch.log(rates + self.EPS) - torch.log(total + self.EPS)
        shape_nll = -(counts * log_shape).sum(dim=1) / rates.shape[1]  # (batch, T)
        count_error = (torch.log1p(counts.sum(dim=1)) - torch.log1p(total[:, 0])) ** 2
        return (shape_nll + self.count_weight * count_error).mean()


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

"""Differentiable predictions of a fitted regressor, as torch functions of the input.

Attribution needs ``x ↦ prediction`` inside autograd. Every regressor
provides its draws as a torch module (``draws_module()``); the part asked
for is taken from their one summary (:meth:`uqgenomics.Draws.summarize`),
exactly as ``predict_uncertainty`` computes it.
"""

from __future__ import annotations

import torch

PARTS = ("mean", "epistemic", "aleatoric")


def prediction_function(estimator, part: str = "mean"):
    """``f(x) -> (batch, n_tasks)`` for a fitted regressor, differentiable in ``x``.

    Outputs are in the units of ``y``, as ``predict_uncertainty`` reports
    them: the ensemble mean (or std across members), the std over dropout
    masks, a noise head's std, a student's heads... A profile model's part
    is averaged over the profile's positions (DEGU attributes a profile
    through its global average), one value per task.

    Parameters
    ----------
    estimator : fitted uqgenomics regressor
    part : {'mean', 'epistemic', 'aleatoric'}, default='mean'

    Returns
    -------
    f : torch.nn.Module
        Takes a float tensor ``(batch, length, 4)`` on the device of its
        parameters (the fitted networks, in eval mode).

    Raises
    ------
    ValueError
        When the estimator has no such part (e.g. the epistemic part of a
        single deterministic network, which is identically zero).
    """
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, got {part!r}")
    if not hasattr(estimator, "draws_module"):
        raise TypeError(f"attribution explains a fitted uqgenomics regressor; "
                        f"{type(estimator).__name__} has no draws_module()")
    draws = estimator.draws_module()
    device = next(draws.parameters()).device
    with torch.no_grad():
        probe = draws(torch.zeros((1, *estimator.input_shape_), device=device))
    if part not in probe.parts:
        raise ValueError(f"{type(estimator).__name__} has no {part} output (it is identically "
                         f"zero); it has {', '.join(probe.parts)}")
    return _Part(draws, part, estimator.n_tasks_ if getattr(
        estimator, "profile_length_", None) else None)


class _Part(torch.nn.Module):
    """One part of a draws module's summary, ``(batch, n_tasks)``; a profile's
    ``(batch, length · n_tasks)`` averaged over positions (``n_tasks`` given)."""

    def __init__(self, draws: torch.nn.Module, part: str, n_tasks: int | None = None):
        super().__init__()
        self.draws = draws
        self.part = part
        self.n_tasks = n_tasks

    def forward(self, x):
        values = getattr(self.draws(x).summarize(), self.part)
        if self.n_tasks is None:
            return values
        return values.reshape(len(values), -1, self.n_tasks).mean(dim=1)

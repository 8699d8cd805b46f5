"""Differentiable predictions of a fitted estimator, as torch functions of the input.

Attribution needs ``x ↦ prediction`` inside autograd. For each family this
rebuilds the part of ``predict_uncertainty`` that is asked for, from the
fitted networks in eval mode:

* ``EnsembleRegressor``: the member mean; ``epistemic`` is the std across
  members (ddof 0); ``aleatoric`` the root mean member variance (with
  heteroscedastic members).
* ``DistilledRegressor``: the student's heads, in the units of ``y``.
* ``HeteroscedasticRegressor``: the mean head, or the predicted std.
* any other single-network regressor: the first ``n_tasks`` outputs (the
  deterministic mean).
"""

from __future__ import annotations

import numpy as np
import torch

from ..losses import MAX_LOG_VAR, MIN_LOG_VAR
from ..regression import DistilledRegressor, EnsembleRegressor, HeteroscedasticRegressor

PARTS = ("mean", "epistemic", "aleatoric")


def prediction_function(estimator, part: str = "mean"):
    """``f(x) -> (batch, n_tasks)`` for a fitted regressor, differentiable in ``x``.

    Outputs are in the units of ``y``, as ``predict_uncertainty`` reports
    them (the networks train on standardised targets).

    Parameters
    ----------
    estimator : fitted uqgenomics regressor
    part : {'mean', 'epistemic', 'aleatoric'}, default='mean'

    Returns
    -------
    f : callable
        Takes a float tensor ``(batch, length, 4)`` on the networks' device.

    Raises
    ------
    ValueError
        When the estimator has no such part (e.g. the epistemic part of a
        single deterministic network).
    """
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, got {part!r}")
    modules = estimator._fitted_networks()
    for module in modules:
        module.eval()
    n_tasks = estimator.n_tasks_
    if isinstance(estimator, EnsembleRegressor):
        f = _ensemble_function(modules, n_tasks, part, estimator.heteroscedastic)
        return _in_y_units(f, estimator, part, slice(0, n_tasks))
    module = modules[0]
    if isinstance(estimator, DistilledRegressor):
        return _distilled_function(estimator, module, n_tasks, part)
    if isinstance(estimator, HeteroscedasticRegressor) and part == "aleatoric":
        return _in_y_units(lambda x: torch.exp(0.5 * module(x)[:, n_tasks:].clamp(
            estimator.min_log_var, estimator.max_log_var)), estimator, part, slice(0, n_tasks))
    if part != "mean":
        raise ValueError(f"{type(estimator).__name__} has no differentiable {part} output; "
                         "use 'mean'")
    return _in_y_units(lambda x: module(x)[:, :n_tasks], estimator, part, slice(0, n_tasks))


def _in_y_units(f, estimator, part, columns):
    """``f`` (training units) followed by the estimator's target scaling:
    means are scaled and shifted, standard deviations scaled."""
    scale = torch.as_tensor(estimator.y_scale_[columns], dtype=torch.float32)
    offset = torch.as_tensor(estimator.y_mean_[columns] if part == "mean" else
                             np.zeros_like(estimator.y_mean_[columns]), dtype=torch.float32)

    def g(x):
        return f(x) * scale.to(x.device) + offset.to(x.device)
    return g


def _ensemble_function(modules, n_tasks, part, heteroscedastic):
    if part == "aleatoric" and not heteroscedastic:
        raise ValueError("a plain ensemble has no aleatoric output")

    def f(x):
        outputs = torch.stack([m(x) for m in modules])
        means = outputs[..., :n_tasks]
        if part == "mean":
            return means.mean(0)
        if part == "epistemic":
            return means.std(0, unbiased=False)
        log_var = outputs[..., n_tasks:].clamp(MIN_LOG_VAR, MAX_LOG_VAR)
        return torch.exp(log_var).mean(0).sqrt()
    return f


def _distilled_function(estimator, module, n_tasks, part):
    index = PARTS.index(part)
    if index >= estimator._n_parts:
        raise ValueError("this DistilledRegressor has no aleatoric head")
    columns = slice(index * n_tasks, (index + 1) * n_tasks)
    # every student column is a location in training units (stds scaled only)
    head = _in_y_units(lambda x: module(x)[:, columns], estimator, "mean", columns)

    def f(x):
        out = head(x)
        if part != "mean" and estimator.log_targets:
            return torch.exp(0.5 * out)
        return out
    return f

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

import torch

from ..losses import MAX_LOG_VAR, MIN_LOG_VAR
from ..regression import DistilledRegressor, EnsembleRegressor, HeteroscedasticRegressor

PARTS = ("mean", "epistemic", "aleatoric")


def prediction_function(estimator, part: str = "mean"):
    """``f(x) -> (batch, n_tasks)`` for a fitted regressor, differentiable in ``x``.

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
        return _ensemble_function(modules, n_tasks, part, estimator.heteroscedastic)
    module = modules[0]
    if isinstance(estimator, DistilledRegressor):
        return _distilled_function(estimator, module, n_tasks, part)
    if isinstance(estimator, HeteroscedasticRegressor) and part == "aleatoric":
        return lambda x: torch.exp(0.5 * module(x)[:, n_tasks:].clamp(
            estimator.min_log_var, estimator.max_log_var))
    if part != "mean":
        raise ValueError(f"{type(estimator).__name__} has no differentiable {part} output; "
                         "use 'mean'")
    return lambda x: module(x)[:, :n_tasks]


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
    scale = torch.as_tensor(estimator.target_scale_[index * n_tasks:(index + 1) * n_tasks],
                            dtype=torch.float32)

    def f(x):
        out = module(x)[:, index * n_tasks:(index + 1) * n_tasks] * scale.to(x.device)
        if part != "mean" and estimator.log_targets:
            return torch.exp(0.5 * out)
        return out
    return f

"""A profile model seen as one number per sequence: its profile's sum or mean."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from .._result import Draws
from .._validation import check_profile_model
from ._wrapper import WrappedModelMixin

SUMMARIES = ("sum", "mean")


class ProfileSummary(WrappedModelMixin, RegressorMixin, BaseEstimator):
    """One number per sequence from a fitted profile model: its profile's sum or mean.

    A regressor view with ``predict(X, return_std=True)``, so MAPIE's
    conformal regressors (prefit) work on the summary unchanged. The
    summary is taken draw by draw (each ensemble member's or dropout
    mask's total), so the epistemic spread of the total is exact: it keeps
    the correlation between positions. A per-position *variance* (a noise
    head's, or a student's epistemic head) has no such correlation; it is
    summed as if positions were independent, which the caller must accept
    with ``independent_positions=True``.

    Parameters
    ----------
    estimator : fitted profile regressor
    summary : {'sum', 'mean'}, default='sum'
    task : int, default=0
    independent_positions : bool, default=False
        Accept summing per-position variances.
    """

    def __init__(self, estimator, summary="sum", task=0, independent_positions=False):
        self.estimator = estimator
        self.summary = summary
        self.task = task
        self.independent_positions = independent_positions

    def __sklearn_is_fitted__(self):
        return getattr(self.estimator, "profile_length_", None) is not None

    @property
    def is_fitted(self) -> bool:
        """What MAPIE's prefit check looks for (see the estimators' ``is_fitted``)."""
        return self.__sklearn_is_fitted__()

    def fit(self, X=None, y=None):
        """Nothing to fit: the view of a fitted model (checks it)."""
        self._check()
        return self

    #: One value per sequence.
    n_tasks_ = 1
    profile_length_ = None

    def _fitted_networks(self):
        return self.estimator._fitted_networks()

    def _check(self):
        check_profile_model(self.estimator)
        if self.summary not in SUMMARIES:
            raise ValueError(f"summary must be one of {SUMMARIES}, got {self.summary!r}")
        if not 0 <= self.task < self.estimator.n_tasks_:
            raise ValueError(f"task {self.task} is not among the model's "
                             f"{self.estimator.n_tasks_} tasks")

    def predict_draws(self, X) -> Draws:
        """The model's draws summarised over positions: ``means`` ``(K, n)``."""
        self._check()
        draws = self.estimator.predict_draws(X)
        n_tasks = self.estimator.n_tasks_
        length = self.estimator.profile_length_
        scale = 1.0 if self.summary == "sum" else 1.0 / length

        def total(values):  # (..., n, L[, T]) -> (..., n)
            values = np.asarray(values)
            values = values[..., None] if n_tasks == 1 else values
            return values[..., self.task].sum(axis=-1) * scale

        variances = [draws.variances, draws.epistemic_variance]
        if any(v is not None for v in variances) and not self.independent_positions:
            raise ValueError(
                f"{type(self.estimator).__name__} predicts a variance at each position (a "
                "noise or epistemic head), whose sum over positions is right only if the "
                "positions are independent; pass independent_positions=True to accept that")
        return Draws(total(draws.means),
                     None if draws.variances is None else total(draws.variances) * scale,
                     None if draws.epistemic_variance is None else
                     total(draws.epistemic_variance) * scale)

    def predict_uncertainty(self, X):
        return self.predict_draws(X).summarize()

    def predict(self, X, return_std=False):
        """The summary's mean (and total std), shape ``(n_samples,)``."""
        result = self.predict_uncertainty(X)
        return (result.mean, result.total) if return_std else result.mean

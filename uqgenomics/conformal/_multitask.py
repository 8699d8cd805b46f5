"""Split conformal prediction for each task of a multi-task regressor."""

from __future__ import annotations

import copy

import numpy as np
from mapie.regression import SplitConformalRegressor
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from .._validation import check_not_profile


class MultiTaskSplitConformalRegressor:
    """MAPIE's ``SplitConformalRegressor`` on every task of a fitted multi-task model.

    MAPIE v1 conformalizes one target. This runs one prefit split-conformal
    regressor per task, each on that task's column of the model's
    predictions, with its own copy of the conformity score (a learnt floor
    is learnt per task), so every task gets its own marginal coverage
    guarantee (not a joint one over tasks). The model predicts each input
    set once for all tasks (not once per task).

    Parameters
    ----------
    estimator : fitted regressor with ``predict(X, return_std=False)`` returning
        ``(n_samples, n_tasks)``
    confidence_level : float or list of float, default=0.9
    conformity_score : str or MAPIE ``BaseRegressionScore``, default='absolute'
        E.g. :class:`FlooredStdConformityScore` ``()``.

    Attributes
    ----------
    regressors_ : list of SplitConformalRegressor
        One per task.
    conformity_scores_ : list
        Each task's copy of ``conformity_score`` (with its learnt floor).
    """

    def __init__(self, estimator, confidence_level=0.9, conformity_score="absolute"):
        self.estimator = estimator
        self.confidence_level = confidence_level
        self.conformity_score = conformity_score

    def conformalize(self, X_conformalize, y_conformalize):
        """Compute each task's conformity scores on calibration data.

        Parameters
        ----------
        X_conformalize : the estimator's input
        y_conformalize : array-like of shape (n_samples, n_tasks)

        Returns
        -------
        self
        """
        levels = np.atleast_1d(np.asarray(self.confidence_level, dtype=np.float64))
        if levels.ndim != 1 or not np.all((levels > 0) & (levels < 1)):
            raise ValueError(f"confidence_level must be a number or list of numbers in (0, 1), "
                             f"got {self.confidence_level!r}")
        check_is_fitted(self.estimator)
        check_not_profile(self.estimator, "MultiTaskSplitConformalRegressor (per position: "
                          "ProfileConformalRegressor)")
        y = np.asarray(y_conformalize, dtype=np.float64)
        n_tasks = getattr(self.estimator, "n_tasks_", None)
        if y.ndim != 2 or (n_tasks is not None and y.shape[1] != n_tasks):
            raise ValueError(f"y_conformalize must have shape (n_samples, n_tasks={n_tasks}); "
                             f"got {y.shape}. A single-task model needs MAPIE's "
                             "SplitConformalRegressor itself")
        self.conformity_scores_ = [copy.deepcopy(self.conformity_score) for _ in range(y.shape[1])]
        self._shared = _SharedPredictions(self.estimator)
        with self._shared:
            self.regressors_ = [
                SplitConformalRegressor(_TaskView(self._shared, task), self.confidence_level,
                                        score, prefit=True).conformalize(X_conformalize,
                                                                         y[:, task])
                for task, score in enumerate(self.conformity_scores_)]
        return self

    def predict_interval(self, X):
        """Each task's point prediction and conformal intervals.

        Returns
        -------
        y_pred : ndarray of shape (n_samples, n_tasks)
        intervals : ndarray of shape (n_samples, 2, n_confidence_levels, n_tasks)
            Lower and upper bounds, as MAPIE lays them out, one slice per task.
        """
        if not hasattr(self, "regressors_"):
            raise RuntimeError("call conformalize before predict_interval")
        with self._shared:
            parts = [regressor.predict_interval(X) for regressor in self.regressors_]
        return (np.stack([p[0] for p in parts], axis=-1),
                np.stack([p[1] for p in parts], axis=-1))


class _SharedPredictions:
    """A fitted model whose predictions the task views share within one call.

    Inside ``with shared:``, a prediction for inputs equal (in shape and
    value) to the last ones is reused; leaving the block forgets it, so no
    prediction outlives the call that made it.
    """

    def __init__(self, estimator):
        self.estimator = estimator
        self._cache = {}

    def __enter__(self):
        self._cache = {}
        return self

    def __exit__(self, *exc_info):
        self._cache = {}

    def predict(self, X, return_std: bool):
        """``(mean, std or None)``, each ``(n_samples, n_tasks)``."""
        X_seen, outputs = self._cache.get(return_std, (None, None))
        if X_seen is None or not _same_inputs(X_seen, X):
            outputs = (tuple(np.asarray(a) for a in self.estimator.predict(X, return_std=True))
                       if return_std else (np.asarray(self.estimator.predict(X)), None))
            self._cache[return_std] = (X, outputs)
        return outputs


def _same_inputs(a, b) -> bool:
    if a is b:
        return True
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)


class _TaskView(RegressorMixin, BaseEstimator):
    """One task of a fitted multi-task regressor, as a single-target one."""

    def __init__(self, shared=None, task=0):
        self.shared = shared
        self.task = task

    def fit(self, X, y):
        raise TypeError("a task of a fitted model is conformalized as it is (prefit), not refitted")

    def predict(self, X, return_std=False):
        mean, std = self.shared.predict(X, return_std)
        return (mean[:, self.task], std[:, self.task]) if return_std else mean[:, self.task]

    def __sklearn_is_fitted__(self):
        return True

    @property
    def is_fitted(self) -> bool:
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags = self.shared.estimator.__sklearn_tags__().input_tags
        return tags

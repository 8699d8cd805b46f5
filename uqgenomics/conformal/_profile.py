"""Conformal intervals at every position of a profile model."""

from __future__ import annotations

import math

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._validation import check_profile_model


def _task_axis(values: np.ndarray, n_tasks: int) -> np.ndarray:
    """``(..., n, L[, T])`` → ``(..., n, L, T)``."""
    return values[..., None] if n_tasks == 1 else values


class ProfileConformalRegressor:
    """Split-conformal intervals at every position of a profile model.

    The normalised scores ``|y − μ| / (σ + b)`` of the calibration
    profiles give a conformal quantile ``q`` that scales each position's
    interval ``μ ± q (σ + b)``, with ``σ`` the model's total std and ``b`` a
    floor (a small σ otherwise makes huge scores). By default the scores of
    every position are pooled per task: a random position of a new sequence
    exchangeable with the calibration ones is covered with probability at
    least ``confidence_level`` (up to the dependence between positions of
    one sequence, which pooling ignores), and
    :func:`~uqgenomics.metrics.positionwise_coverage` shows how it varies
    along the window. ``per_position=True`` takes a quantile at each
    position and task from that position's scores alone: every position
    gets the split-conformal guarantee, at the price of wider intervals
    from fewer scores each.

    Parameters
    ----------
    estimator : fitted profile regressor
    confidence_level : float, default=0.9
    floor : float or None, default=None
        ``b`` in units of ``y``; None: 1 % of the median σ of each task on
        the calibration data.
    per_position : bool, default=False
        One quantile per position and task instead of one per task.

    Attributes
    ----------
    quantiles_ : ndarray of shape (n_tasks,) or (length, n_tasks)
    floors_ : ndarray of shape (n_tasks,)
    """

    def __init__(self, estimator, confidence_level=0.9, floor=None, per_position=False):
        self.estimator = estimator
        self.confidence_level = confidence_level
        self.floor = floor
        self.per_position = per_position

    def conformalize(self, X_conformalize, y_conformalize):
        """Pool the calibration scores per task.

        Parameters
        ----------
        X_conformalize : the model's input
        y_conformalize : array-like of shape (n, length[, n_tasks])

        Returns
        -------
        self
        """
        check_is_fitted(self.estimator)
        check_profile_model(self.estimator)
        if not 0 < self.confidence_level < 1:
            raise ValueError(f"confidence_level must be in (0, 1), got {self.confidence_level}")
        n_tasks = self.estimator.n_tasks_
        mean, std = (_task_axis(a, n_tasks) for a in self.estimator.predict(
            X_conformalize, return_std=True))
        y = _task_axis(np.asarray(y_conformalize, dtype=np.float64), n_tasks)
        if y.shape != mean.shape:
            raise ValueError(f"y_conformalize has shape {np.shape(y_conformalize)}; the model "
                             f"predicts {np.shape(self.estimator.predict(X_conformalize[:1]))[1:]}"
                             " per sequence")
        if not np.isfinite(y).all():
            raise ValueError("y_conformalize holds NaN or infinite values")
        if self.floor is not None and not self.floor >= 0:
            raise ValueError(f"floor must be >= 0 or None, got {self.floor!r}")
        floors = (np.full(n_tasks, float(self.floor)) if self.floor is not None
                  else 0.01 * np.median(std.reshape(-1, n_tasks), axis=0))
        if np.any(floors <= 0) and np.any(std == 0):
            raise ValueError("some calibration positions have σ = 0 and the floor is 0, so "
                             "their scores are infinite: pass floor= > 0")
        scores = np.abs(y - mean) / (std + floors)  # (n, L, T)
        if not self.per_position:
            scores = scores.reshape(-1, n_tasks)
        n = len(scores)
        rank = math.ceil((n + 1) * self.confidence_level)
        if rank > n:
            what = "calibration sequences" if self.per_position else "calibration positions"
            raise ValueError(f"{n} {what} are too few for confidence_level="
                             f"{self.confidence_level}: the conformal quantile needs "
                             f"{rank} scores")
        self.quantiles_ = np.sort(scores, axis=0)[rank - 1]
        self.floors_ = floors
        return self

    def predict_interval(self, X):
        """The model's mean profile and the conformal interval at every position.

        Returns
        -------
        mean, lower, upper : ndarray of shape (n, length[, n_tasks])
        """
        if not hasattr(self, "quantiles_"):
            raise ValueError("call conformalize(X, y) first")
        mean, std = self.estimator.predict(X, return_std=True)
        single = self.estimator.n_tasks_ == 1  # (n, L): drop the task axis
        floors, quantiles = ((a[..., 0] if single else a) for a in (self.floors_,
                                                                   self.quantiles_))
        half = (std + floors) * quantiles
        return mean, mean - half, mean + half

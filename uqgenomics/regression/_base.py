"""The regression side of the contract: standardised targets, results in ``y`` units."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import RegressorMixin

from .._result import UncertaintyResult


class UncertaintyRegressorMixin(RegressorMixin):
    """Regression on top of :class:`BaseUncertaintyEstimator`: standardised
    targets and ``predict(X, return_std=False)``.

    Networks train on targets standardised per column (``y_mean_``,
    ``y_scale_``), so that losses, learning rates and the log-variance clamp
    work whatever the units of ``y``; every prediction is reported back in
    the units of ``y`` through :meth:`_to_y_units`.
    """

    def _encode_targets(self, y, X, fit):
        y = super()._encode_targets(y, X, fit)
        if fit:
            self.y_mean_, self.y_scale_ = self._target_statistics(y)
        return self._standardize(y)

    def _standardize(self, y: np.ndarray) -> np.ndarray:
        """Targets ``(n, n_columns)`` in ``y`` units → training units, float32."""
        return ((y - self.y_mean_) / self.y_scale_).astype(np.float32)

    def _target_statistics(self, y) -> tuple[np.ndarray, np.ndarray]:
        """Per-column offset and scale ``(n_columns,)``, float64: mean and std of
        the training targets (NaN ignored; a constant column gets scale 1)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column
            mean = np.nanmean(y, axis=0, dtype=np.float64)
            scale = np.nanstd(y, axis=0, dtype=np.float64)
        return (np.where(np.isfinite(mean), mean, 0.0),
                np.where(np.isfinite(scale) & (scale > 0), scale, 1.0))

    def _to_y_units(self, values: np.ndarray, kind: str) -> np.ndarray:
        """Network outputs ``(..., n_columns)`` in training units → units of ``y``.

        ``kind`` is ``'location'`` (means, draws: scaled and shifted) or
        ``'variance'`` (scaled twice).
        """
        if kind == "location":
            return values * self.y_scale_ + self.y_mean_
        if kind == "variance":
            return values * self.y_scale_**2
        raise ValueError(f"unknown kind {kind!r}")

    def _result(self, mean, epistemic, aleatoric) -> UncertaintyResult:
        """An ``UncertaintyResult`` from ``(n_samples, n_tasks)`` parts in
        ``y`` units, the task axis dropped for a 1-D ``y``."""
        return UncertaintyResult(mean=self._format_output(mean),
                                 epistemic=self._format_output(epistemic),
                                 aleatoric=self._format_output(aleatoric))

    def predict(self, X, return_std=False):
        """Predict the mean, and optionally the total standard deviation.

        Parameters
        ----------
        X : sequence of str, array-like of shape (n_samples, length, 4) or (n_samples, n_features)
        return_std : bool, default=False
            Also return ``sqrt(epistemic² + aleatoric²)`` (what MAPIE's
            ``StdConformityScore`` asks for).

        Returns
        -------
        mean : ndarray of shape (n_samples,) or (n_samples, n_tasks), float64
        std : ndarray of the same shape, only when ``return_std=True``
        """
        result = self.predict_uncertainty(X)
        return (result.mean, result.total) if return_std else result.mean

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

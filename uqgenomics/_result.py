"""The result object returned by every ``predict_uncertainty``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class UncertaintyResult:
    """Predictions with their uncertainty, all in the units of ``y``.

    Every array has the shape of ``predict``: ``(n_samples,)`` for one task,
    ``(n_samples, n_tasks)`` otherwise, float64. Uncertainties are standard
    deviations, not variances.

    Attributes
    ----------
    mean : ndarray
        The point prediction.
    epistemic : ndarray
        Model (reducible) uncertainty: spread across ensemble members, MC
        samples or an uncertainty head. Zero for a method that has none.
    aleatoric : ndarray
        Data (irreducible) noise predicted by a noise head. Zero for a
        method that has none (e.g. a plain ensemble).
    """

    mean: np.ndarray
    epistemic: np.ndarray
    aleatoric: np.ndarray

    @property
    def total(self) -> np.ndarray:
        """``sqrt(epistemic² + aleatoric²)``: the predictive standard deviation."""
        return np.sqrt(self.epistemic**2 + self.aleatoric**2)

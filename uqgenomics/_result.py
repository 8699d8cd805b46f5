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


@dataclass(frozen=True)
class ClassificationUncertainty:
    """Class probabilities with the entropy decomposition of their uncertainty.

    With ``p_k`` the class probabilities of member / sample / index ``k``
    and ``p̄`` their mean: ``total = H[p̄]`` (predictive entropy),
    ``aleatoric = mean_k H[p_k]`` (expected entropy) and ``epistemic =
    total − aleatoric`` (mutual information between the label and the
    model). In nats, or divided by ``log C`` when normalised.

    Attributes
    ----------
    proba : ndarray of shape (n_samples, n_classes)
        ``p̄``, float64, rows summing to 1 (``predict_proba``).
    total, aleatoric, epistemic : ndarray of shape (n_samples,)
    """

    proba: np.ndarray
    total: np.ndarray
    aleatoric: np.ndarray
    epistemic: np.ndarray

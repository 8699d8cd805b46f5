"""Temperature scaling of a fitted classifier that keeps its entropy decomposition."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, column_or_1d

from .._result import ClassificationUncertainty
from ..classification._base import class_indices
from ._wrapper import WrappedModelMixin

#: Temperatures searched, as a bracket of log T.
LOG_T_BOUNDS = (np.log(0.02), np.log(50.0))
_TINY = np.finfo(np.float64).tiny


class TemperatureScaledClassifier(WrappedModelMixin, ClassifierMixin, BaseEstimator):
    """A fitted classifier whose draws are temperature-scaled on held-out data.

    Every draw's logits (member, dropout mask, epinet index) are divided by
    one temperature ``T`` (Guo et al. 2017), fitted by minimising the
    negative log-likelihood of the mean probabilities on calibration data
    the model was not trained on. ``T > 1`` softens an overconfident model.
    Scaling each draw, not the averaged probabilities, keeps the draws, so
    ``predict_uncertainty`` still splits the entropy into expected entropy
    (aleatoric) and mutual information (epistemic). scikit-learn's
    ``CalibratedClassifierCV(method='temperature')`` scales the averaged
    output instead, which loses that split.

    Parameters
    ----------
    estimator : fitted uqgenomics classifier
        Anything with ``predict_draws`` and ``classes_``; not refitted
        (``clone`` un-fits it: wrap it in ``sklearn.frozen.FrozenEstimator``).

    Attributes
    ----------
    temperature_ : float
    classes_ : ndarray of shape (n_classes,)
    nll_before_, nll_after_ : float
        Calibration NLL (nats) of the mean probabilities at ``T = 1`` and at
        ``temperature_``.
    """

    def __init__(self, estimator=None):
        self.estimator = estimator

    def fit(self, X, y):
        """Fit the temperature on calibration data.

        Parameters
        ----------
        X : the estimator's input
        y : array-like of shape (n_samples,)
            Labels among the estimator's ``classes_``.

        Returns
        -------
        self
        """
        if self.estimator is None or not hasattr(self.estimator, "predict_draws") \
                or not hasattr(type(self.estimator), "predict_proba"):
            raise TypeError("estimator must be a fitted uqgenomics classifier (with "
                            f"predict_draws); got {type(self.estimator).__name__}")
        check_is_fitted(self.estimator, msg=(
            "TemperatureScaledClassifier calibrates a fitted model on held-out data; fit "
            f"{type(self.estimator).__name__} on the training data first"))
        index = class_indices(self.estimator.classes_, column_or_1d(y, warn=True))
        log_draws = _log(self.estimator.predict_draws(X))
        rows = np.arange(len(index))

        def nll(log_t):
            proba = _scaled(log_draws, np.exp(log_t)).mean(axis=0)
            return -np.mean(np.log(np.maximum(proba[rows, index], _TINY)))

        best = minimize_scalar(nll, bounds=LOG_T_BOUNDS, method="bounded",
                               options={"xatol": 1e-6})
        self.temperature_ = float(np.exp(best.x))
        self.nll_before_, self.nll_after_ = float(nll(0.0)), float(best.fun)
        # Brent's bounded search stops short of a bound it runs to: within 5 % of
        # the bound counts as reaching it
        if best.x > LOG_T_BOUNDS[1] - 0.05:
            raise ValueError(
                f"the temperature ran to {self.temperature_:.3g}: on these calibration data "
                "the model's probabilities are no better than uniform ones (the NLL keeps "
                "falling as they flatten); check that the labels match the inputs and that "
                "the model learnt anything")
        if best.x < LOG_T_BOUNDS[0] + 0.05:
            raise ValueError(
                f"the temperature ran to {self.temperature_:.3g}: the model is right with "
                "margin on every calibration sample, so nothing bounds how sharp it may be; "
                "calibrate on more (or harder) held-out data")
        self.classes_ = self.estimator.classes_
        return self

    def predict_draws(self, X) -> np.ndarray:
        """The estimator's draws with every draw's logits divided by ``temperature_``.

        Returns
        -------
        proba : ndarray of shape (K, n_samples, n_classes), float64
        """
        check_is_fitted(self)
        return _scaled(_log(self.estimator.predict_draws(X)), self.temperature_)

    def predict_proba(self, X):
        """Mean scaled class probabilities, ``(n_samples, n_classes)``."""
        return self.predict_draws(X).mean(axis=0)

    def predict(self, X):
        """Most probable class (the temperature can change it only through
        averaging over draws)."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def predict_uncertainty(self, X, normalize=False):
        """Scaled probabilities and their entropy decomposition (see the
        estimator's ``predict_uncertainty``)."""
        return ClassificationUncertainty.from_draws(self.predict_draws(X), normalize)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "temperature_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.estimator is not None:
            tags.input_tags = self.estimator.__sklearn_tags__().input_tags
        return tags


def _log(proba: np.ndarray) -> np.ndarray:
    """Log-probabilities: the logits up to a constant per draw and row."""
    return np.log(np.maximum(np.asarray(proba, dtype=np.float64), _TINY))


def _scaled(log_proba: np.ndarray, temperature: float) -> np.ndarray:
    return np.exp(log_softmax(log_proba / temperature, axis=-1))

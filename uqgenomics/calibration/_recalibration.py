"""Recalibration of a fitted regressor's predictive standard deviation."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.stats import norm
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted

from .._result import Draws
from .._validation import check_not_profile
from ..metrics import interval_score
from ._wrapper import WrappedModelMixin

#: Levels whose mean interval score picks the method with ``method='auto'``.
SELECTION_LEVELS = (0.5, 0.8, 0.9, 0.95)
_TINY = 1e-12


class StdScaling:
    """``σ' = s·σ``, with ``s² = mean(((y − μ) / σ)²)`` (the Gaussian MLE)."""

    name = "std"

    def fit(self, residuals: np.ndarray, std: np.ndarray) -> StdScaling:
        self.scale_ = float(np.sqrt(np.mean((residuals / np.maximum(std, _TINY)) ** 2)))
        return self

    def total(self, std: np.ndarray) -> np.ndarray:
        return self.scale_ * std

    def interval(self, std: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
        """Offsets from the mean of the central ``level`` interval."""
        half = norm.ppf((1 + level) / 2) * self.total(std)
        return -half, half


class AffineScaling(StdScaling):
    """``σ' = a·σ + b`` with ``a, b >= 0`` minimising the Gaussian NLL: the floor
    ``b`` widens intervals where the model claims near-certainty."""

    name = "affine"

    def fit(self, residuals, std):
        rms = float(np.sqrt(np.mean(residuals**2))) or 1.0
        floor = 1e-9 * rms  # keeps σ' > 0, so the NLL has a gradient everywhere

        def nll(params):
            sigma = params[0] * std + params[1]
            return np.mean(np.log(sigma) + residuals**2 / (2 * sigma**2))

        # two starts: all factor (std scaling) and all floor (constant width)
        starts = [[0.0, rms]]
        if np.any(std > 0):
            starts.append([StdScaling().fit(residuals[std > 0], std[std > 0]).scale_, floor])
        fits = [minimize(nll, x0=start, bounds=[(0.0, None), (floor, None)], method="L-BFGS-B",
                         options={"ftol": 1e-12}) for start in starts]
        best = min(fits, key=lambda fit: fit.fun)
        if not np.isfinite(best.fun):
            raise FloatingPointError(f"the affine recalibration did not converge: {best.message}")
        self.slope_, self.offset_ = float(best.x[0]), float(best.x[1])
        return self

    def total(self, std):
        return self.slope_ * std + self.offset_


class IsotonicCDF:
    """Kuleshov et al. (2018): an isotonic map ``R`` of the predicted CDF level
    ``Φ((y − μ)/σ)`` to its observed frequency. Quantile ``u`` of the
    recalibrated distribution is ``μ + σ·Φ⁻¹(R⁻¹(u))``; its standard deviation
    about ``μ`` is ``σ·s`` with ``s² = E_u[Φ⁻¹(R⁻¹(u))²]``."""

    name = "isotonic"
    _GRID = norm.cdf(np.linspace(-8, 8, 4001))  # CDF levels, |z| <= 8

    def fit(self, residuals, std):
        levels = norm.cdf(residuals / np.maximum(std, _TINY))
        observed = np.searchsorted(np.sort(levels), levels, side="right") / len(levels)
        isotonic = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True,
                                      out_of_bounds="clip").fit(levels, observed)
        # R on a grid of CDF levels: all of the fitted state (arrays, so it saves)
        self.mapped_ = np.maximum.accumulate(isotonic.predict(self._GRID))
        u = (np.arange(2000) + 0.5) / 2000
        self.scale_ = float(np.sqrt(np.mean(self._z(u) ** 2)))
        return self

    def _z(self, u) -> np.ndarray:
        """``Φ⁻¹(R⁻¹(u))``: standardised quantiles of the recalibrated distribution."""
        # the smallest CDF level whose recalibrated level reaches u
        index = np.minimum(np.searchsorted(self.mapped_, u, side="left"), len(self._GRID) - 1)
        return norm.ppf(self._GRID[index])

    def total(self, std):
        return self.scale_ * std

    def interval(self, std, level):
        low, high = self._z(np.array([(1 - level) / 2, (1 + level) / 2]))
        return low * std, high * std


METHODS = {cls.name: cls for cls in (StdScaling, AffineScaling, IsotonicCDF)}


class RecalibratedRegressor(WrappedModelMixin, RegressorMixin, BaseEstimator):
    """A fitted regressor whose predictive std is recalibrated on held-out data.

    Deep ensembles and MC dropout are overconfident out of the box (their own
    95 % intervals cover far less); a heteroscedastic or evidential network
    can be under- or overconfident. ``fit(X_cal, y_cal)`` learns, per task,
    a map from the model's total std ``σ`` to a calibrated one, on data the
    model was not trained on:

    * ``'std'``: ``σ' = s·σ`` (one factor);
    * ``'affine'``: ``σ' = a·σ + b`` (a factor and a floor, by Gaussian NLL);
    * ``'isotonic'``: the predicted CDF recalibrated by isotonic regression
      (Kuleshov et al. 2018), no Gaussian shape assumed for the intervals;
    * ``'auto'``: the one with the lowest mean interval score (levels 0.5,
      0.8, 0.9, 0.95) in ``cv``-fold cross-validation on the calibration data
      (``'affine'`` alone where the model predicts a std of 0 somewhere:
      only its floor gives those samples a width).

    The mean is unchanged. The draws are rescaled around their mean (and
    head variances by the square of the same factor), so
    ``predict_uncertainty`` = ``predict_draws(X).summarize()`` still holds,
    epistemic and aleatoric keep their ratio, and ``predict(X,
    return_std=True)`` gives the calibrated total std: MAPIE's wrappers,
    variant effects and the metrics compose with it unchanged.

    Parameters
    ----------
    estimator : fitted uqgenomics regressor
        Anything with ``predict_draws``; not refitted. ``clone`` (and so
        ``GridSearchCV``) un-fits it: wrap it in
        ``sklearn.frozen.FrozenEstimator`` to keep it fitted.
    method : {'auto', 'std', 'affine', 'isotonic'}, default='auto'
    cv : int, default=5
        Folds of the calibration data for ``method='auto'``.

    Attributes
    ----------
    method_ : str
        The method used.
    calibrators_ : list of length ``n_tasks_``
        One fitted :class:`StdScaling`, :class:`AffineScaling` or
        :class:`IsotonicCDF` per task.
    cv_scores_ : dict of str to float
        With ``method='auto'``: each candidate method's mean cross-validated
        interval score (lower is better), in the units of ``y``.
    n_tasks_ : int

    Examples
    --------
    >>> from uqgenomics import EnsembleRegressor
    >>> from uqgenomics.calibration import RecalibratedRegressor
    >>> from uqgenomics.datasets import make_regulatory_sequences
    >>> X, y = make_regulatory_sequences(n_samples=400, length=60, random_state=0)
    >>> model = EnsembleRegressor(n_estimators=2, max_epochs=2, random_state=0)
    >>> model = model.fit(X[:200], y[:200])
    >>> calibrated = RecalibratedRegressor(model, method="std").fit(X[200:300], y[200:300])
    >>> calibrated.predict(X[300:], return_std=True)[1].shape
    (100,)
    """

    def __init__(self, estimator=None, *, method="auto", cv=5):
        self.estimator = estimator
        self.method = method
        self.cv = cv

    def _check_estimator(self):
        if self.estimator is None or not hasattr(self.estimator, "predict_draws"):
            raise TypeError("estimator must be a fitted uqgenomics regressor (with "
                            f"predict_draws); got {type(self.estimator).__name__}")
        check_is_fitted(self.estimator, msg=(
            "RecalibratedRegressor recalibrates a fitted model on held-out data; fit "
            f"{type(self.estimator).__name__} on the training data first"))
        check_not_profile(self.estimator, "RecalibratedRegressor")

    def fit(self, X, y):
        """Learn the recalibration on calibration data the model was not trained on.

        Parameters
        ----------
        X : the estimator's input (sequences, one-hot or features)
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)

        Returns
        -------
        self
        """
        self._check_estimator()
        if self.method not in (*METHODS, "auto"):
            raise ValueError(f"method must be 'auto' or one of {sorted(METHODS)}, got "
                             f"{self.method!r}")
        result = self.estimator.predict_uncertainty(X)
        mean, total = _tasks(result.mean), _tasks(result.total)
        y = np.asarray(y, dtype=np.float64)
        if y.shape != np.shape(result.mean) or not np.isfinite(y).all():
            raise ValueError(f"y must be finite, of shape {np.shape(result.mean)} like the "
                             f"model's predictions; got {y.shape}")
        if len(y) < 2 * (self.cv if self.method == "auto" else 1):
            raise ValueError(f"{len(y)} calibration samples are too few for method="
                             f"{self.method!r} (cv={self.cv})")
        residuals = _tasks(y) - mean
        self.method_ = self.method
        candidates = METHODS
        zero = int((total == 0).sum())
        if zero:  # only a floor can give these samples a width
            if self.method in ("std", "isotonic"):
                raise ValueError(
                    f"the model predicts a total std of 0 for {zero} calibration value(s); "
                    f"method={self.method!r} scales σ and would leave them at width 0: use "
                    "method='affine' (σ' = a·σ + b) or 'auto'")
            candidates = {"affine": AffineScaling}
        if self.method == "auto":
            self.cv_scores_ = {name: self._cv_score(cls, residuals, total)
                               for name, cls in candidates.items()}
            self.method_ = min(self.cv_scores_, key=self.cv_scores_.get)
        self.calibrators_ = [METHODS[self.method_]().fit(residuals[:, t], total[:, t])
                             for t in range(residuals.shape[1])]
        self.n_tasks_ = residuals.shape[1]
        return self

    def _cv_score(self, cls, residuals, total) -> float:
        """Mean interval score of ``cls`` over folds, tasks and levels."""
        scores = []
        folds = KFold(self.cv, shuffle=True, random_state=0).split(residuals)
        for train, test in folds:
            for t in range(residuals.shape[1]):
                calibrator = cls().fit(residuals[train, t], total[train, t])
                for level in SELECTION_LEVELS:
                    low, high = calibrator.interval(total[test, t], level)
                    scores.append(interval_score(residuals[test, t], low, high, level))
        return float(np.mean(scores))

    def _factors(self, total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-sample factors ``σ'/σ`` (1 where ``σ`` is 0) and the calibrated
        ``σ'``, both ``(n, n_tasks)``."""
        calibrated = np.column_stack([c.total(total[:, t])
                                      for t, c in enumerate(self.calibrators_)])
        return np.where(total > 0, calibrated / np.where(total > 0, total, 1.0), 1.0), calibrated

    def predict_draws(self, X) -> Draws:
        """The estimator's draws, spread around their mean by ``σ'/σ``.

        Where the model's total std is 0 (a deterministic network), the
        calibrated std enters as an epistemic variance.
        """
        check_is_fitted(self)
        draws = self.estimator.predict_draws(X)
        summary = draws.summarize()
        total = _tasks(summary.total)
        factor, calibrated = self._factors(total)
        factor = factor.reshape(np.shape(summary.total))
        missing = np.where(total > 0, 0.0, calibrated**2).reshape(np.shape(summary.total))
        head = None if draws.epistemic_variance is None else factor**2 * draws.epistemic_variance
        if np.any(missing):
            head = missing if head is None else head + missing
        return Draws(summary.mean + factor * (draws.means - summary.mean),
                     None if draws.variances is None else factor**2 * draws.variances, head)

    def predict_uncertainty(self, X):
        """:meth:`predict_draws` summarised: the recalibrated ``UncertaintyResult``."""
        return self.predict_draws(X).summarize()

    def predict(self, X, return_std=False):
        """The estimator's mean, and optionally the recalibrated total std."""
        result = self.predict_uncertainty(X)
        return (result.mean, result.total) if return_std else result.mean

    def predict_interval(self, X, confidence_level=0.95):
        """Central recalibrated prediction intervals.

        Parameters
        ----------
        X : the estimator's input
        confidence_level : float in (0, 1), default=0.95

        Returns
        -------
        lower, upper : ndarrays shaped like ``predict(X)``
            Gaussian with the calibrated std for ``'std'`` / ``'affine'``; the
            isotonic map's own quantiles for ``'isotonic'``.
        """
        check_is_fitted(self)
        if not 0 < confidence_level < 1:
            raise ValueError(f"confidence_level must be in (0, 1), got {confidence_level!r}")
        result = self.estimator.predict_uncertainty(X)
        total = _tasks(result.total)
        offsets = [c.interval(total[:, t], confidence_level)
                   for t, c in enumerate(self.calibrators_)]
        low = np.column_stack([o[0] for o in offsets]).reshape(np.shape(result.mean))
        high = np.column_stack([o[1] for o in offsets]).reshape(np.shape(result.mean))
        return result.mean + low, result.mean + high

    def __sklearn_is_fitted__(self):
        return hasattr(self, "calibrators_")

    @property
    def is_fitted(self) -> bool:
        """Whether ``fit`` has run (MAPIE's prefit check reads this name)."""
        return self.__sklearn_is_fitted__()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.estimator is not None:
            inner = self.estimator.__sklearn_tags__()
            tags.input_tags = inner.input_tags
            tags.target_tags.multi_output = inner.target_tags.multi_output
        return tags


def _tasks(values) -> np.ndarray:
    """``(n,)`` or ``(n, n_tasks)`` → ``(n, n_tasks)`` float64."""
    values = np.asarray(values, dtype=np.float64)
    return values.reshape(len(values), -1)

"""Accuracy and calibration of regression predictions with a standard deviation.

Every function takes 1-D arrays of one task (``y``, ``mean``, ``std`` of
shape ``(n_samples,)``, ``std`` in the units of ``y``) and returns a float,
except the curve and the stratified table. Predictive distributions are
Gaussian ``N(mean, std²)`` throughout.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri
from scipy.stats import norm, rankdata

from ._checks import as_float_arrays, check_level, check_std

_STD_FLOOR = 1e-12


def pearson_r(y_true, y_pred) -> float:
    """Pearson correlation ``cov(y, ŷ) / (σ_y σ_ŷ)``; NaN when either is constant."""
    y, p = as_float_arrays(y_true, y_pred, names=("y_true", "y_pred"))
    y, p = y - y.mean(), p - p.mean()
    denominator = np.sqrt((y @ y) * (p @ p))
    return float(y @ p / denominator) if denominator > 0 else float("nan")


def spearman_r(y_true, y_pred) -> float:
    """Spearman correlation: Pearson r of the ranks (ties share their mean rank)."""
    y, p = as_float_arrays(y_true, y_pred, names=("y_true", "y_pred"))
    return pearson_r(rankdata(y), rankdata(p))


def gaussian_interval(mean, std, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Central interval ``mean ± z·std`` with ``z = Φ⁻¹((1 + level) / 2)``.

    Returns
    -------
    lower, upper : ndarray of the shape of ``mean``
    """
    mean, std = as_float_arrays(mean, std, names=("mean", "std"))
    z = ndtri(0.5 + check_level(level) / 2)
    check_std(std)
    return mean - z * std, mean + z * std


def interval_coverage(y_true, mean, std, level: float = 0.95) -> float:
    """Fraction of ``y_true`` inside the Gaussian central interval at ``level``."""
    y = np.asarray(y_true, dtype=np.float64)
    lower, upper = gaussian_interval(mean, std, level)
    as_float_arrays(y, lower, names=("y_true", "mean"))
    return float(np.mean((y >= lower) & (y <= upper)))


def interval_width(mean, std, level: float = 0.95) -> float:
    """Mean width ``2·z·std`` of the Gaussian central interval at ``level``."""
    lower, upper = gaussian_interval(mean, std, level)
    return float(np.mean(upper - lower))


def interval_score(y_true, lower, upper, level: float = 0.95) -> float:
    """Mean interval score of Gneiting & Raftery (2007), lower is better.

    ``S = (u − l) + (2/α)(l − y)·1[y < l] + (2/α)(y − u)·1[y > u]`` with
    ``α = 1 − level``: the width plus a penalty for each miss that grows with
    its distance.
    """
    y, lo, up = as_float_arrays(y_true, lower, upper, names=("y_true", "lower", "upper"))
    if np.any(up < lo):
        raise ValueError("upper must not be below lower")
    alpha = 1 - check_level(level)
    score = (up - lo) + 2 / alpha * (np.maximum(lo - y, 0) + np.maximum(y - up, 0))
    return float(score.mean())


def gaussian_nll(y_true, mean, std) -> float:
    """Mean Gaussian negative log-likelihood in nats.

    ``NLL = ½ log(2π σ²) + (y − μ)² / (2σ²)``; ``std`` is floored at 1e-12
    so that a zero std gives a large finite value rather than NaN.
    """
    y, mu, sigma = as_float_arrays(y_true, mean, std, names=("y_true", "mean", "std"))
    sigma = np.maximum(check_std(sigma), _STD_FLOOR)
    return float(np.mean(0.5 * np.log(2 * np.pi * sigma**2) + (y - mu) ** 2 / (2 * sigma**2)))


def crps_gaussian(y_true, mean, std) -> float:
    """Mean continuous ranked probability score of ``N(mean, std²)``, lower is better.

    Closed form (Gneiting et al. 2005), with ``z = (y − μ)/σ``:
    ``CRPS = σ [z (2Φ(z) − 1) + 2φ(z) − 1/√π]``, in the units of ``y``; it
    reduces to the absolute error when ``σ → 0``.
    """
    y, mu, sigma = as_float_arrays(y_true, mean, std, names=("y_true", "mean", "std"))
    sigma = np.maximum(check_std(sigma), _STD_FLOOR)
    z = (y - mu) / sigma
    crps = sigma * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / np.sqrt(np.pi))
    return float(crps.mean())


def calibration_curve(y_true, mean, std, n_levels: int = 99) -> tuple[np.ndarray, np.ndarray]:
    """Expected versus observed coverage of central Gaussian intervals.

    Parameters
    ----------
    n_levels : int, default=99
        Number of nominal levels, evenly spaced in (0, 1).

    Returns
    -------
    expected : ndarray of shape (n_levels + 2,)
        Nominal levels, with the end points 0 and 1.
    observed : ndarray of shape (n_levels + 2,)
        Fraction of ``y_true`` inside the interval at each level. A perfectly
        calibrated model lies on the diagonal; below it is over-confident.
    """
    y, mu, sigma = as_float_arrays(y_true, mean, std, names=("y_true", "mean", "std"))
    sigma = np.maximum(check_std(sigma), _STD_FLOOR)
    # |z| <= Φ⁻¹((1 + p)/2)  <=>  p >= 2Φ(|z|) − 1: the smallest level that covers y.
    needed = 2 * norm.cdf(np.abs(y - mu) / sigma) - 1
    expected = np.linspace(0, 1, n_levels + 2)
    observed = np.searchsorted(np.sort(needed), expected, side="right") / y.size
    observed[0], observed[-1] = 0.0, 1.0
    return expected, observed


def miscalibration_area(y_true, mean, std, n_levels: int = 99) -> float:
    """Area between the calibration curve and the diagonal, in [0, 0.5].

    Trapezoidal integral of ``|observed − expected|`` over the levels of
    :func:`calibration_curve`; 0 is perfect calibration.
    """
    expected, observed = calibration_curve(y_true, mean, std, n_levels)
    gap = np.abs(observed - expected)
    return float(np.sum((gap[1:] + gap[:-1]) / 2 * np.diff(expected)))


def uncertainty_error_correlation(y_true, mean, uncertainty, method: str = "spearman") -> float:
    """Correlation of the predicted uncertainty with the absolute error ``|y − mean|``.

    Parameters
    ----------
    method : {'spearman', 'pearson'}, default='spearman'
    """
    y, mu, u = as_float_arrays(y_true, mean, uncertainty,
                               names=("y_true", "mean", "uncertainty"))
    correlations = {"spearman": spearman_r, "pearson": pearson_r}
    if method not in correlations:
        raise ValueError(f"method must be one of {sorted(correlations)}, got {method!r}")
    return correlations[method](u, np.abs(y - mu))


def stratified_performance(y_true, y_pred, uncertainty, percentiles=(25, 50, 75, 100),
                           metric=pearson_r):
    """Performance on the predictions whose uncertainty is below each percentile.

    DEGU Fig. 6c: if the uncertainty is informative, the most confident
    predictions are the most accurate, so the metric falls as the threshold
    rises.

    Parameters
    ----------
    y_true, y_pred, uncertainty : array-like of shape (n_samples,)
    percentiles : sequence of float, default=(25, 50, 75, 100)
        Thresholds in percent of the uncertainty distribution; 100 is all data.
    metric : callable, default=pearson_r
        ``metric(y_true, y_pred) -> float``.

    Returns
    -------
    pandas.DataFrame
        One row per percentile: ``percentile``, ``threshold`` (uncertainty at
        that percentile), ``n`` (points at or below it) and ``score``.
    """
    import pandas as pd

    y, p, u = as_float_arrays(y_true, y_pred, uncertainty,
                              names=("y_true", "y_pred", "uncertainty"))
    rows = []
    for q in percentiles:
        if not 0 < q <= 100:
            raise ValueError(f"percentiles must be in (0, 100], got {q}")
        threshold = float(np.percentile(u, q))
        keep = u <= threshold
        score = metric(y[keep], p[keep]) if keep.sum() >= 2 else float("nan")
        rows.append({"percentile": q, "threshold": threshold, "n": int(keep.sum()),
                     "score": score})
    return pd.DataFrame(rows)

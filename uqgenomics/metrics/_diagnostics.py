"""Where intervals fail and whether uncertainty ranks errors: diagnostics beyond averages.

Average coverage can hide intervals that are too wide where the model is
unsure and too narrow where it is sure, or that miss one group of
sequences. These functions take intervals (``lower``, ``upper``, any
method: Gaussian, recalibrated, conformal) or errors and an uncertainty
score, 1-D arrays of one task.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.stats import norm

from ._checks import as_float_arrays, check_std


def _hits(y_true, lower, upper):
    y, lo, up = as_float_arrays(y_true, lower, upper, names=("y_true", "lower", "upper"))
    if np.any(up < lo):
        raise ValueError("upper must not be below lower")
    return y, lo, up, (y >= lo) & (y <= up)


def coverage_by_uncertainty(y_true, lower, upper, uncertainty, n_bins: int = 5):
    """Coverage and width of intervals in bins of equal size along the uncertainty.

    A calibrated model covers its nominal level in every bin; an
    overconfident one falls short in the most certain bins.

    Parameters
    ----------
    y_true, lower, upper, uncertainty : array-like of shape (n_samples,)
    n_bins : int, default=5

    Returns
    -------
    pandas.DataFrame
        One row per bin, most certain first: ``bin``, ``uncertainty_low``,
        ``uncertainty_high`` (its range), ``n``, ``coverage``, ``mean_width``
        (units of ``y``).
    """
    import pandas as pd

    y, lo, up, hit = _hits(y_true, lower, upper)
    (u,) = as_float_arrays(uncertainty, names=("uncertainty",))
    if u.shape != y.shape:
        raise ValueError(f"uncertainty has shape {u.shape}, expected {y.shape}")
    if not 1 <= n_bins <= len(y):
        raise ValueError(f"n_bins must be in [1, {len(y)}], got {n_bins}")
    order = np.argsort(u, kind="stable")
    rows = []
    for number, rows_in_bin in enumerate(np.array_split(order, n_bins)):
        rows.append({"bin": number, "uncertainty_low": float(u[rows_in_bin].min()),
                     "uncertainty_high": float(u[rows_in_bin].max()), "n": len(rows_in_bin),
                     "coverage": float(hit[rows_in_bin].mean()),
                     "mean_width": float((up - lo)[rows_in_bin].mean())})
    return pd.DataFrame(rows)


def coverage_by_group(y_true, lower, upper, groups):
    """Coverage and width of intervals per group (element, chromosome, species...).

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted by coverage (worst first): ``group``,
        ``n``, ``coverage``, ``mean_width``.
    """
    import pandas as pd

    y, lo, up, hit = _hits(y_true, lower, upper)
    groups = np.asarray(groups)
    if groups.shape != y.shape:
        raise ValueError(f"groups has shape {groups.shape}, expected {y.shape}")
    frame = pd.DataFrame({"group": groups, "hit": hit, "width": up - lo})
    table = frame.groupby("group", sort=False).agg(
        n=("hit", "size"), coverage=("hit", "mean"), mean_width=("width", "mean"))
    return table.reset_index().sort_values(["coverage", "n"], ascending=[True, False],
                                           ignore_index=True)


def worst_slab_coverage(y_true, lower, upper, score, min_fraction: float = 0.1) -> float:
    """Lowest coverage over every slab ``{a <= score <= b}`` holding at least
    ``min_fraction`` of the samples (Cauchois et al. 2021, along one score:
    the predicted std, a feature, a projection).

    The minimum over windows of at least ``k`` sorted samples is reached by
    a window of ``k`` to ``2k − 1`` samples (a longer one splits into two of
    at least ``k``, one of which covers no better), so that is all it checks.

    Returns
    -------
    float
        Coverage of the worst slab; the nominal level if intervals are
        conditionally valid along ``score``.
    """
    y, lo, up, hit = _hits(y_true, lower, upper)
    (s,) = as_float_arrays(score, names=("score",))
    if s.shape != y.shape:
        raise ValueError(f"score has shape {s.shape}, expected {y.shape}")
    if not 0 < min_fraction <= 1:
        raise ValueError(f"min_fraction must be in (0, 1], got {min_fraction}")
    k = max(1, int(np.ceil(min_fraction * len(y))))
    cumulative = np.concatenate([[0], np.cumsum(hit[np.argsort(s, kind="stable")])])
    worst = 1.0
    for size in range(k, min(2 * k, len(y) + 1)):
        windows = cumulative[size:] - cumulative[:-size]
        worst = min(worst, float(windows.min()) / size)
    return worst


def sparsification_curve(errors, uncertainty, n_steps: int = 20):
    """Error left after removing the most uncertain fraction, against the oracle.

    Parameters
    ----------
    errors : array-like of shape (n_samples,)
        Per-sample errors, e.g. ``|y − mean|`` (units of ``y``).
    uncertainty : array-like of shape (n_samples,)
    n_steps : int, default=20
        Removed fractions ``0, 1/n_steps, …``; at most ``n_samples``.

    Returns
    -------
    fractions : ndarray of shape (n_steps,)
        Fraction removed, from 0.
    model, oracle : ndarrays of shape (n_steps,)
        Mean error of the rest when removing by ``uncertainty`` / by the
        errors themselves (the best any uncertainty could do).
    """
    e, u = as_float_arrays(errors, uncertainty, names=("errors", "uncertainty"))
    if isinstance(n_steps, (bool, np.bool_)) or not isinstance(n_steps, numbers.Integral) \
            or not 1 <= n_steps <= len(e):
        given = (f"an array of shape {np.shape(n_steps)} (the third argument is n_steps: "
                 "pass the errors, e.g. |y - mean|, and the uncertainty)"
                 if np.ndim(n_steps) else repr(n_steps))
        raise ValueError(f"n_steps must be an int from 1 to the number of samples ({len(e)}), "
                         f"got {given}")
    fractions = np.arange(n_steps) / n_steps
    by_model, by_error = np.argsort(-u, kind="stable"), np.argsort(-e, kind="stable")

    def rest(order, fraction):
        return float(e[order[int(round(fraction * len(e))):]].mean())

    return (fractions, np.array([rest(by_model, f) for f in fractions]),
            np.array([rest(by_error, f) for f in fractions]))


def sparsification_error(errors, uncertainty, n_steps: int = 20) -> float:
    """AUSE (Ilg et al. 2018): area between the sparsification curve and the
    oracle's over removed fractions 0 to 1, in the units of ``errors``
    (0 = the uncertainty ranks the errors perfectly)."""
    _, model, oracle = sparsification_curve(errors, uncertainty, n_steps)
    return float(np.mean(model - oracle))


def aurc(errors, uncertainty) -> float:
    """Area under the risk–coverage curve: the mean error of the retained samples
    when keeping the ``1, 2, ..., n`` most certain ones, averaged (lower is
    better; with 0/1 errors, the selective classification risk)."""
    e, u = as_float_arrays(errors, uncertainty, names=("errors", "uncertainty"))
    retained = np.cumsum(e[np.argsort(u, kind="stable")]) / np.arange(1, len(e) + 1)
    return float(retained.mean())


def quantile_calibration_error(y_true, mean, std, levels=np.linspace(0.05, 0.95, 19)) -> float:
    """Kuleshov et al. (2018): mean squared gap between each quantile level
    ``p`` of the Gaussian predictions and the fraction of ``y`` below it."""
    y, mu, sigma = as_float_arrays(y_true, mean, std, names=("y_true", "mean", "std"))
    levels = np.asarray(levels, dtype=np.float64)
    if levels.ndim != 1 or np.any((levels <= 0) | (levels >= 1)):
        raise ValueError("levels must be a 1-D array of values in (0, 1)")
    quantiles = mu[:, None] + np.maximum(check_std(sigma), 1e-12)[:, None] * norm.ppf(levels)
    observed = np.mean(y[:, None] <= quantiles, axis=0)
    return float(np.mean((observed - levels) ** 2))

"""Reliability diagrams, coverage by uncertainty and the coverage-versus-width trade-off."""

from __future__ import annotations

import numpy as np

from ..metrics import (
    calibration_curve,
    coverage_by_uncertainty,
    expected_calibration_error,
    interval_coverage,
    interval_width,
    miscalibration_area,
    reliability_bins,
)
from ._axes import as_named_results, get_axes


def plot_calibration_curve(y_true, results, n_levels: int = 99, ax=None):
    """Regression reliability diagram: observed against expected interval coverage.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
    results : UncertaintyResult or dict of str to UncertaintyResult
        One line per model, from its mean and total std; the legend gives
        each miscalibration area.
    n_levels : int, default=99
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = get_axes(ax)
    for name, result in as_named_results(results).items():
        expected, observed = calibration_curve(y_true, result.mean, result.total, n_levels)
        area = miscalibration_area(y_true, result.mean, result.total, n_levels)
        ax.plot(expected, observed, label=f"{name} (area {area:.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="ideal")
    ax.set(xlabel="expected coverage", ylabel="observed coverage", xlim=(0, 1), ylim=(0, 1),
           aspect="equal")
    ax.legend(fontsize="small")
    return ax


def plot_reliability_diagram(y_true, proba, n_bins: int = 15, classes=None, label=None,
                             ax=None):
    """Classification reliability diagram: accuracy against confidence per bin.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
    proba : array-like of shape (n_samples, n_classes)
    n_bins : int, default=15
    classes : array-like, optional
        Label order of the ``proba`` columns (``estimator.classes_``).
    label : str, optional
        Legend entry; the expected calibration error is appended.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        Bars of accuracy over each non-empty bin, and the diagonal.
    """
    ax = get_axes(ax)
    bins = reliability_bins(y_true, proba, n_bins, classes)
    used = bins[bins["count"] > 0]
    ece = expected_calibration_error(y_true, proba, n_bins, classes)
    ax.bar(used["lower"], used["accuracy"], width=1 / n_bins, align="edge", alpha=0.6,
           edgecolor="black", label=f"{label or 'model'} (ECE {ece:.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="ideal")
    ax.set(xlabel="confidence", ylabel="accuracy", xlim=(0, 1), ylim=(0, 1), aspect="equal")
    ax.legend(fontsize="small")
    return ax


def plot_coverage_width(y_true, results, levels=(0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99),
                        ax=None):
    """Coverage against mean interval width across models (DEGU Fig. 5c).

    Each model is a line through one point per nominal level of its
    Gaussian central interval ``mean ± z·total``; at equal coverage the
    narrower model is the more useful.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
    results : UncertaintyResult or dict of str to UncertaintyResult
    levels : sequence of float, default=(0.5, …, 0.99)
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = get_axes(ax)
    for name, result in as_named_results(results).items():
        widths = [interval_width(result.mean, result.total, p) for p in levels]
        coverages = [interval_coverage(y_true, result.mean, result.total, p) for p in levels]
        ax.plot(widths, coverages, marker="o", label=name)
    for level in levels:
        ax.axhline(level, color="grey", linewidth=0.5, linestyle=":")
    ax.set(xlabel="mean interval width", ylabel="observed coverage",
           ylim=(0, 1.02))
    ax.set_yticks(np.round(levels, 2), minor=True)
    ax.legend(fontsize="small")
    return ax


def plot_coverage_by_uncertainty(y_true, intervals, uncertainty, level: float, n_bins: int = 5,
                                 ax=None):
    """Observed coverage per bin of the uncertainty, against the nominal level.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
    intervals : (lower, upper) or dict of str to (lower, upper)
        Each an array of shape (n_samples,), e.g. from
        ``RecalibratedRegressor.predict_interval`` or MAPIE.
    uncertainty : array-like of shape (n_samples,)
        What to bin by (e.g. the model's total std, units of ``y``).
    level : float
        The intervals' nominal coverage, drawn as the reference line.
    n_bins : int, default=5
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        Bins of equal size from the most certain (left) to the least.
    """
    ax = get_axes(ax)
    named = dict(intervals) if isinstance(intervals, dict) else {"model": intervals}
    for name, (lower, upper) in named.items():
        table = coverage_by_uncertainty(y_true, lower, upper, uncertainty, n_bins)
        ax.plot(table["bin"] + 1, table["coverage"], marker="o", label=name)
    ax.axhline(level, color="grey", linestyle="--", linewidth=1,
               label=f"nominal {level:.0%}")
    ax.set(xlabel=f"uncertainty bin (1 = most certain {100 // n_bins} %)",
           ylabel="observed coverage", ylim=(0, 1.02), xticks=range(1, n_bins + 1))
    ax.legend(fontsize="small")
    return ax

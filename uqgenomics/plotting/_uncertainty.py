"""Is the uncertainty useful? Error against uncertainty, and stratified accuracy."""

from __future__ import annotations

import numpy as np

from ..metrics import pearson_r, stratified_performance
from ..metrics._checks import as_float_arrays
from ._axes import as_named_results, get_axes


def plot_error_vs_uncertainty(y_true, mean, uncertainty, n_bins: int = 10, ax=None):
    """Absolute error against predicted std, with binned means and the Gaussian ideal.

    Points are the individual predictions; the line joins the mean
    ``|error|`` of ``n_bins`` equal-count uncertainty bins; the dashed line
    is ``E|error| = σ √(2/π)``, where a calibrated Gaussian model would lie.

    Parameters
    ----------
    y_true, mean, uncertainty : array-like of shape (n_samples,)
    n_bins : int, default=10
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    y, mu, u = as_float_arrays(y_true, mean, uncertainty,
                               names=("y_true", "mean", "uncertainty"))
    ax = get_axes(ax)
    error = np.abs(y - mu)
    ax.scatter(u, error, s=4, alpha=0.25, color="grey", rasterized=True)
    groups = np.array_split(np.argsort(u, kind="stable"), n_bins)
    ax.plot([u[g].mean() for g in groups], [error[g].mean() for g in groups], marker="o",
            label="binned mean |error|")
    grid = np.linspace(0, u.max(), 50)
    ax.plot(grid, grid * np.sqrt(2 / np.pi), color="black", linestyle="--", linewidth=1,
            label="calibrated Gaussian")
    ax.set(xlabel="predicted std", ylabel="|error|")
    ax.legend(fontsize="small")
    return ax


def plot_stratified_performance(y_true, results, percentiles=(25, 50, 75, 100),
                                part: str = "total", metric=pearson_r, ax=None):
    """Accuracy on the most confident predictions, per uncertainty percentile.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
    results : UncertaintyResult or dict of str to UncertaintyResult
    percentiles : sequence of float, default=(25, 50, 75, 100)
    part : {'total', 'epistemic', 'aleatoric'}, default='total'
        Which uncertainty ranks the predictions.
    metric : callable, default=pearson_r
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        Grouped bars: one group per percentile, one bar per model.
    """
    ax = get_axes(ax)
    named = as_named_results(results)
    width = 0.8 / len(named)
    positions = np.arange(len(percentiles))
    for i, (name, result) in enumerate(named.items()):
        table = stratified_performance(y_true, result.mean, getattr(result, part),
                                       percentiles, metric)
        ax.bar(positions + i * width, table["score"], width=width, label=name)
    ax.set_xticks(positions + width * (len(named) - 1) / 2)
    ax.set_xticklabels([f"≤ p{q}" if q < 100 else "all" for q in percentiles])
    ax.set(xlabel=f"{part} uncertainty percentile", ylabel=getattr(metric, "__name__", "score"))
    ax.legend(fontsize="small")
    return ax

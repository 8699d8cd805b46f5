"""One table of every regression metric for a ``predict_uncertainty`` result."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._regression import (
    crps_gaussian,
    gaussian_interval,
    gaussian_nll,
    interval_coverage,
    interval_score,
    interval_width,
    miscalibration_area,
    pearson_r,
    spearman_r,
    stratified_performance,
    uncertainty_error_correlation,
)


def uncertainty_report(y_true, result, level: float = 0.95, task_names=None):
    """Accuracy, calibration and usefulness of the uncertainty, per task.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,), (n_samples, n_tasks) or (n_samples, length, n_tasks)
        Profiles (3-D) get one row per task, every position pooled (give a
        one-task profile ``(n, length)`` a task axis, ``[..., None]``, with
        the result's arrays alike; a 2-D array is read as tasks).
    result : UncertaintyResult or dict of str to UncertaintyResult
        Output of any estimator's ``predict_uncertainty``; the probabilistic
        metrics use ``result.total`` as the predictive std. A dict (as
        :func:`~uqgenomics.plotting.plot_calibration_curve` takes) compares
        models: one block of rows per model.
    level : float, default=0.95
        Nominal level of the central Gaussian intervals.
    task_names : sequence of str, optional
        Row labels; ``task_0, task_1, …`` by default.

    Returns
    -------
    pandas.DataFrame
        One row per task with columns ``pearson``, ``spearman``, ``mse``,
        ``nll`` (Gaussian, nats), ``crps``, ``coverage`` and ``width`` of the
        interval at ``level``, ``interval_score``, ``miscalibration_area``,
        ``spearman_total_error`` and ``spearman_epistemic_error`` (rank
        correlation of each std with ``|error|``; NaN when the part is zero
        everywhere), and ``pearson_below_p25`` / ``p50`` / ``p75`` (Pearson
        r on the points whose total std is below that percentile). For a
        dict, the index is ``(model, task)``.
    """
    import pandas as pd

    if isinstance(result, Mapping):
        if not result:
            raise ValueError("result is an empty dict: give {name: predict_uncertainty(X)}")
        frames = [uncertainty_report(y_true, r, level, task_names) for r in result.values()]
        return pd.concat(frames, keys=[str(name) for name in result], names=["model"])
    if not all(hasattr(result, part) for part in ("mean", "epistemic", "aleatoric", "total")):
        raise TypeError("result must be what a regressor's predict_uncertainty returns (or a "
                        f"dict of them); got {type(result).__name__}. A classifier's result: "
                        "use expected_calibration_error and ood_auroc instead")
    y = np.asarray(y_true, dtype=np.float64)
    parts = [np.asarray(a, dtype=np.float64) for a in
             (result.mean, result.epistemic, result.aleatoric, result.total)]
    if y.ndim == 1:
        y, parts = y[:, None], [p.reshape(-1, 1) for p in parts]
    if parts[0].shape != y.shape:
        raise ValueError(f"y_true has shape {np.shape(y_true)}, but the result's mean has "
                         f"shape {np.shape(result.mean)}")
    if y.ndim == 3:  # profiles: positions pooled per task
        y, parts = y.reshape(-1, y.shape[2]), [p.reshape(-1, y.shape[2]) for p in parts]
    if y.ndim != 2:
        raise ValueError(f"y_true must be 1-D, (n, n_tasks) or profiles (n, length, "
                         f"n_tasks); got shape {np.shape(y_true)}")
    names = list(task_names) if task_names is not None else [
        f"task_{i}" for i in range(y.shape[1])]
    rows = [_task_row(y[:, t], *(p[:, t] for p in parts), level) for t in range(y.shape[1])]
    return pd.DataFrame(rows, index=pd.Index(names, name="task"))


def _task_row(y, mean, epistemic, aleatoric, total, level) -> dict:
    lower, upper = gaussian_interval(mean, total, level)
    stratified = stratified_performance(y, mean, total, percentiles=(25, 50, 75))
    row = {
        "pearson": pearson_r(y, mean),
        "spearman": spearman_r(y, mean),
        "mse": float(np.mean((y - mean) ** 2)),
        "nll": gaussian_nll(y, mean, total),
        "crps": crps_gaussian(y, mean, total),
        "coverage": interval_coverage(y, mean, total, level),
        "width": interval_width(mean, total, level),
        "interval_score": interval_score(y, lower, upper, level),
        "miscalibration_area": miscalibration_area(y, mean, total),
        "spearman_total_error": _rank_correlation(y, mean, total),
        "spearman_epistemic_error": _rank_correlation(y, mean, epistemic),
    }
    for q, score in zip(stratified["percentile"], stratified["score"]):
        row[f"pearson_below_p{q}"] = score
    return row


def _rank_correlation(y, mean, std) -> float:
    if np.all(std == std[0]):
        return float("nan")
    return uncertainty_error_correlation(y, mean, std)

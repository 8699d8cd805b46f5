"""Accuracy and calibration of predicted profiles (one task at a time).

Arrays are ``(n_samples, length)``: one profile per row, one task (index a
task out of ``(n, length, n_tasks)`` predictions first).
"""

from __future__ import annotations

import numpy as np

from ._regression import gaussian_interval, pearson_r


def _profiles(*arrays, names):
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    for array, name in zip(arrays, names):
        if array.ndim != 2:
            raise ValueError(f"{name} must be (n_samples, length), one task; got shape "
                             f"{array.shape} (index a task out of (n, length, n_tasks) first)")
        if array.shape != arrays[0].shape:
            raise ValueError(f"{name} has shape {array.shape}, {names[0]} {arrays[0].shape}")
    return arrays


def profile_pearson(y_true, y_pred) -> float:
    """Mean over rows of each profile's Pearson r across its positions.

    Rows whose measured or predicted profile is flat (r undefined) are left
    out; NaN if every row is.
    """
    y, p = _profiles(y_true, y_pred, names=("y_true", "y_pred"))
    y, p = y - y.mean(axis=1, keepdims=True), p - p.mean(axis=1, keepdims=True)
    denominator = np.sqrt((y * y).sum(axis=1) * (p * p).sum(axis=1))
    valid = denominator > 0
    if not valid.any():
        return float("nan")
    return float(np.mean((y * p).sum(axis=1)[valid] / denominator[valid]))


def whole_chromosome_pearson(y_true, y_pred, chroms) -> dict[str, float]:
    """Pearson r over every position of each chromosome's windows (DEGU).

    The windows of a chromosome (e.g. its non-overlapping tiles from
    :func:`~uqgenomics.genome.profile_dataset`) are concatenated and
    correlated position by position.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples, length)
    chroms : array-like of shape (n_samples,), str

    Returns
    -------
    dict of str to float
        Per chromosome, in sorted order.
    """
    y, p = _profiles(y_true, y_pred, names=("y_true", "y_pred"))
    chroms = np.asarray(chroms).astype(str)
    if chroms.shape != (len(y),):
        raise ValueError(f"chroms must have shape ({len(y)},); got {chroms.shape}")
    return {chrom: pearson_r(y[chroms == chrom].ravel(), p[chroms == chrom].ravel())
            for chrom in sorted(set(chroms))}


def positionwise_coverage(y_true, mean, std, level: float = 0.95) -> np.ndarray:
    """Coverage of the Gaussian central interval at each position, over rows.

    Shows where along the window intervals fail (e.g. at the edges, where a
    model sees the least context); the mean of it is the coverage of all
    positions pooled.

    Returns
    -------
    ndarray of shape (length,)
    """
    y, mean, std = _profiles(y_true, mean, std, names=("y_true", "mean", "std"))
    lower, upper = gaussian_interval(mean, std, level)
    return np.mean((y >= lower) & (y <= upper), axis=0)

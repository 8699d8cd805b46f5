"""Calibration and proper scores of predicted class probabilities.

``y_true`` holds class indices ``0 … C−1`` (the columns of ``proba``) unless
``classes`` is given, in which case labels are looked up in it as
``predict_proba`` orders them (``estimator.classes_``). ``proba`` has shape
``(n_samples, n_classes)``; a 1-D ``proba`` is the positive-class
probability of a binary problem.
"""

from __future__ import annotations

import numpy as np

from .._result import entropy_decomposition  # noqa: F401  (public here)

_EPS = 1e-15


def _check_proba(y_true, proba, classes=None) -> tuple[np.ndarray, np.ndarray]:
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim == 1:
        proba = np.stack([1 - proba, proba], axis=1)
    if proba.ndim != 2 or proba.shape[0] == 0:
        raise ValueError(f"proba must have shape (n_samples, n_classes), got {proba.shape}")
    if np.any(proba < 0) or not np.allclose(proba.sum(axis=1), 1, atol=1e-6):
        raise ValueError("proba rows must be non-negative and sum to 1")
    y = np.asarray(y_true)
    if y.shape != (proba.shape[0],):
        raise ValueError(f"y_true has shape {y.shape}, expected ({proba.shape[0]},)")
    if classes is not None:
        lookup = {label: i for i, label in enumerate(np.asarray(classes).tolist())}
        try:
            y = np.array([lookup[label] for label in y.tolist()], dtype=np.int64)
        except KeyError as error:
            raise ValueError(f"label {error.args[0]!r} is not in classes") from None
    elif y.dtype.kind not in "biu" and not (
            y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y))):
        example = next((label for label in y.tolist() if not (
            isinstance(label, (int, float)) and float(label).is_integer())), y.tolist()[0])
        raise ValueError(
            f"y_true must be class indices (0 … {proba.shape[1] - 1}, the columns of proba) "
            f"unless classes is given; got labels such as {example!r}: pass "
            "classes=model.classes_ (the order of predict_proba's columns)")
    y = y.astype(np.int64)
    if np.any((y < 0) | (y >= proba.shape[1])):
        raise ValueError(f"y_true must be class indices in [0, {proba.shape[1] - 1}]")
    return y, proba


def reliability_bins(y_true, proba, n_bins: int = 15, classes=None):
    """Top-label reliability table: confidence against accuracy in equal-width bins.

    The confidence of a prediction is its largest probability; bins split
    [0, 1] into ``n_bins`` equal intervals, right-closed (the first also
    holds 0).

    Returns
    -------
    pandas.DataFrame
        One row per bin: ``lower``, ``upper``, ``count``, ``confidence``
        (mean confidence) and ``accuracy`` (fraction correct); the last two
        are NaN for an empty bin.
    """
    import pandas as pd

    y, proba = _check_proba(y_true, proba, classes)
    confidence = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == y).astype(np.float64)
    edges = np.linspace(0, 1, n_bins + 1)
    which = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    count = np.bincount(which, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(which, confidence, n_bins) / count
        accuracy = np.bincount(which, correct, n_bins) / count
    return pd.DataFrame({"lower": edges[:-1], "upper": edges[1:], "count": count,
                         "confidence": mean_confidence, "accuracy": accuracy})


def expected_calibration_error(y_true, proba, n_bins: int = 15, classes=None) -> float:
    """ECE: ``Σ_b (n_b / N) |accuracy_b − confidence_b|`` over reliability bins.

    Top-label ECE of Guo et al. (2017) with ``n_bins`` equal-width bins;
    0 is perfect calibration.
    """
    bins = reliability_bins(y_true, proba, n_bins, classes)
    used = bins["count"] > 0
    weights = bins["count"][used] / bins["count"].sum()
    return float(np.sum(weights * np.abs(bins["accuracy"][used] - bins["confidence"][used])))


def calibration_mse(y_true, proba, n_bins: int = 10, classes=None,
                    weighted: bool = True) -> float:
    """Squared calibration error over reliability bins.

    ``weighted=True`` (default): ``Σ_b (n_b / N) (accuracy_b − confidence_b)²``,
    each bin weighted by its share of the samples as in ECE (the square of
    Kumar et al.'s (2019) ℓ2 calibration error). ``weighted=False``: the
    plain mean over non-empty bins, in which a sparse low-confidence bin
    weighs as much as the crowded top bin (noisy with few samples).
    Hearne & Rosen (2025) compare methods by a "calibration MSE" without
    defining it in their abstract; report :func:`expected_calibration_error`
    beside this one.
    """
    bins = reliability_bins(y_true, proba, n_bins, classes)
    used = bins["count"] > 0
    gaps = (bins["accuracy"][used] - bins["confidence"][used]) ** 2
    if not weighted:
        return float(np.mean(gaps))
    return float(np.sum(bins["count"][used] / bins["count"].sum() * gaps))


def brier_score(y_true, proba, classes=None) -> float:
    """Multi-class Brier score ``mean_i Σ_c (p_ic − 1[y_i = c])²``, in [0, 2].

    For two classes this is twice the binary form ``mean (p_1 − y)²``.
    """
    y, proba = _check_proba(y_true, proba, classes)
    onehot = np.eye(proba.shape[1])[y]
    return float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))


def classification_nll(y_true, proba, classes=None) -> float:
    """Mean negative log-likelihood ``−mean_i log p_{i, y_i}`` in nats (log loss).

    Probabilities are clipped at 1e-15 so that a confident miss costs about
    34.5 nats rather than infinity.
    """
    y, proba = _check_proba(y_true, proba, classes)
    return float(-np.mean(np.log(np.clip(proba[np.arange(len(y)), y], _EPS, 1))))

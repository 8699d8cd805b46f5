"""Input validation shared by every estimator.

Three input kinds are accepted for ``X``:

- a sequence of strings (list, tuple, 1-D string / object array, pandas
  Series), one-hot encoded with :func:`~uqgenomics.encoding.one_hot_encode`;
- a one-hot array ``(n_samples, length, 4)``;
- a 2-D float array ``(n_samples, n_features)`` of features.

All come out as C-contiguous float32 arrays.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_array, check_consistent_length, validate_data

from .encoding import one_hot_encode


def is_sequence_input(X) -> bool:
    """Whether ``X`` is a collection of nucleotide strings."""
    if isinstance(X, (str, bytes)):
        raise TypeError(
            "X is a single string; pass a list of sequences, e.g. [sequence]"
        )
    values = getattr(X, "values", X) if type(X).__name__ == "Series" else X
    if isinstance(values, np.ndarray):
        if values.ndim != 1 or values.size == 0:
            return False
        if values.dtype.kind in "US":
            return True
        return values.dtype == object and all(isinstance(v, str) for v in values)
    if isinstance(values, (list, tuple)):
        return len(values) > 0 and all(isinstance(v, str) for v in values)
    return False


def check_X(estimator, X, *, reset: bool) -> np.ndarray:
    """Validate and convert ``X`` to float32.

    Parameters
    ----------
    estimator : BaseEstimator
        Receives ``n_features_in_`` (and ``feature_names_in_``) for 2-D
        feature input when ``reset`` is true, and is checked against them
        otherwise. Sequence input sets neither: MAPIE probes
        ``predict(np.zeros((1, n_features_in_)))``, which only makes sense
        for feature input.
    X : sequence of str, array-like of shape (n_samples, length, 4) or (n_samples, n_features)
    reset : bool
        True in ``fit``, False in ``predict``.

    Returns
    -------
    X : ndarray of shape (n_samples, length, 4) or (n_samples, n_features), float32
    """
    if hasattr(X, "__len__") and not hasattr(X, "shape") and len(X) == 0:
        raise ValueError("X is empty: found 0 samples")
    if is_sequence_input(X):
        return one_hot_encode(list(X))
    array = check_array(X, allow_nd=True, dtype=np.float32, order="C")
    if array.ndim == 2:
        return validate_data(estimator, X, reset=reset, dtype=np.float32, order="C")
    if array.ndim != 3 or array.shape[-1] != 4:
        raise ValueError(
            "X must be sequences (strings), one-hot of shape (n_samples, length, 4) or "
            f"features of shape (n_samples, n_features); got an array of shape {array.shape}"
        )
    if reset:  # forget feature-input attributes of an earlier fit
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(estimator, name):
                delattr(estimator, name)
    return array


def check_targets(estimator, y, X) -> np.ndarray:
    """Validate regression targets.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_tasks)
    X : ndarray of shape (n_samples, ...)
        The validated inputs, for the length check.

    Returns
    -------
    y : ndarray of shape (n_samples,) or (n_samples, n_tasks), float32
    """
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y is None"
        )
    y = check_array(y, ensure_2d=False, dtype=np.float32, order="C", input_name="y")
    check_consistent_length(X, y)
    return y

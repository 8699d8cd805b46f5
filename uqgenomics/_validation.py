"""Input validation shared by every estimator.

Three input kinds are accepted for ``X``:

- nucleotide strings in any array-like: list, tuple, 1-D string / object
  array, pandas Series or Index (pandas 3's ``str`` dtype included), and the
  2-D forms ``(n_samples, 1)`` array or one-column DataFrame that MAPIE's
  wrappers need (they count features); one-hot encoded with
  :func:`~uqgenomics.encoding.one_hot_encode`;
- a one-hot array ``(n_samples, length, 4)``: values in [0, 1], each
  position summing to 1 (a base, or IUPAC fractions) or 0 (unknown);
- a 2-D float array ``(n_samples, n_features)`` of features.

All come out as C-contiguous float32 arrays.
"""

from __future__ import annotations

import contextlib
import contextvars

import numpy as np
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    column_or_1d,
    validate_data,
)

from .encoding._onehot import as_sequences, one_hot_encode

#: Tolerance on a one-hot position's sum (float32 IUPAC fractions such as 1/3).
ONE_HOT_SUM_TOLERANCE = 1e-3
#: Rows checked at a time by :func:`check_one_hot`.
_CHECK_ROWS = 16_384


def encode_sequences(sequences: list[str]) -> np.ndarray:
    """One-hot encode an estimator's input strings, which must share one length.

    Raises
    ------
    ValueError
        On unequal lengths, with how to pad or crop them before the
        estimator (an estimator has no ``resize`` of its own).
    """
    lengths = np.fromiter(map(len, sequences), dtype=np.int64, count=len(sequences))
    if len(lengths) and (lengths != lengths[0]).any():
        i = int(np.flatnonzero(lengths != lengths[0])[0])
        raise ValueError(
            f"sequences must all have one length: sequence 0 has {lengths[0]} bases, "
            f"sequence {i} has {lengths[i]}. Pad or crop them first, e.g. "
            f"uqgenomics.encoding.one_hot_encode(X, length={lengths[0]}, "
            f"resize='pad_or_crop'), or DNAEncoder(length={lengths[0]}, "
            "resize='pad_or_crop') in a Pipeline"
        )
    return one_hot_encode(sequences)


#: Set while a teacher labels augmented training batches, which may carry
#: noise (DEGU's recipe adds Gaussian noise to one-hot input).
_AUGMENTED_INPUT = contextvars.ContextVar("augmented_input", default=False)


@contextlib.contextmanager
def labelling_augmented_batches():
    """Within it, :func:`check_one_hot` accepts noisy one-hot input (finite
    values off the simplex): a teacher labels the training batches an
    augmentation made, as they are."""
    token = _AUGMENTED_INPUT.set(True)
    try:
        yield
    finally:
        _AUGMENTED_INPUT.reset(token)


def check_one_hot(array: np.ndarray) -> np.ndarray:
    """Reject a ``(n, length, 4)`` array that is not one-hot (or IUPAC fractions).

    Inside :func:`labelling_augmented_batches` (a teacher labelling noisy
    augmented batches) the values are taken as they are.

    Raises
    ------
    ValueError
        For values outside [0, 1], or a position whose four values sum to
        neither 1 nor 0, naming the first offending sample and position.
    """
    if _AUGMENTED_INPUT.get():
        return array
    low, high = float(array.min()), float(array.max())
    if np.isnan(low) or np.isnan(high):
        raise ValueError("one-hot input holds NaN; pass sequences as strings, or finite "
                         "one-hot arrays (n, length, 4)")
    if low < 0 or high > 1:
        raise ValueError(f"one-hot input must lie in [0, 1]; found values from {low:g} to "
                         f"{high:g}. Pass sequences as strings, or one-hot arrays (n, length, 4)")
    ones = np.ones(array.shape[-1], dtype=array.dtype)
    for start in range(0, len(array), _CHECK_ROWS):  # bounded temporary memory
        # a product with ones: numpy's sum over a last axis of 4 is ~10x slower,
        # which made the check cost more than a GPU's forward pass
        sums = array[start:start + _CHECK_ROWS] @ ones
        bad = (np.abs(sums - 1) > ONE_HOT_SUM_TOLERANCE) & (sums > ONE_HOT_SUM_TOLERANCE)
        if bad.any():
            sample, position = np.argwhere(bad)[0]
            raise ValueError(
                f"one-hot input must sum to 1 (a base, or IUPAC fractions) or 0 (unknown) at "
                f"every position; sample {start + sample} sums to "
                f"{sums[sample, position]:g} at position {position}")
    return array


def one_hot_sequences(X) -> np.ndarray:
    """Sequences for the analyses that need them (variant effects, ISM,
    attribution): strings in any array-like, or one-hot arrays.

    Returns
    -------
    ndarray of shape (n, length, 4), float32, checked by :func:`check_one_hot`
    """
    sequences = as_sequences(X)
    if sequences is not None:
        return encode_sequences(sequences)
    array = np.asarray(X, dtype=np.float32)
    if array.ndim != 3 or array.shape[-1] != 4:
        raise ValueError(f"expected DNA sequences as strings or one-hot arrays (n, length, 4); "
                         f"got an array of shape {array.shape}")
    return check_one_hot(array)


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
    sequences = as_sequences(X)
    if sequences is not None:
        if reset:
            _forget_feature_attributes(estimator)
        return encode_sequences(sequences)
    _reject_tables_with_text(X)
    array = check_array(X, allow_nd=True, dtype=np.float32, order="C")
    if array.ndim == 2:
        return validate_data(estimator, X, reset=reset, dtype=np.float32, order="C")
    if array.ndim != 3 or array.shape[-1] != 4:
        raise ValueError(
            "X must be sequences (strings), one-hot of shape (n_samples, length, 4) or "
            f"features of shape (n_samples, n_features); got an array of shape {array.shape}"
        )
    if reset:
        _forget_feature_attributes(estimator)
    return check_one_hot(array)


def _reject_tables_with_text(X) -> None:
    """A DataFrame with a text column and others: name the columns to pick from."""
    if type(X).__name__ != "DataFrame":
        return
    text = [c for c in X.columns if getattr(X[c].dtype, "kind", None) in ("O", "U")]
    if text:
        raise ValueError(
            f"X is a table with columns {list(X.columns)}, {text} holding text; pass the "
            f"sequence column alone (e.g. X[{text[0]!r}]), or only numeric feature columns")


def _forget_feature_attributes(estimator) -> None:
    """Drop feature-input attributes of an earlier fit on features."""
    for name in ("n_features_in_", "feature_names_in_"):
        if hasattr(estimator, name):
            delattr(estimator, name)


def check_targets(estimator, y, X) -> np.ndarray:
    """Validate regression targets.

    A column vector ``(n_samples, 1)`` is raveled to ``(n_samples,)`` with
    scikit-learn's ``DataConversionWarning``, as its single-output
    regressors do (MAPIE needs 1-D predictions).

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
    y = check_array(y, ensure_2d=False, allow_nd=True, dtype=np.float32, order="C",
                    input_name="y")
    if y.ndim == 3:
        raise ValueError(
            f"y has shape {y.shape}, which looks like profiles (n_samples, length, "
            f"n_tasks), but network={estimator.network!r} predicts one value per sequence "
            "and task: use a profile network (network='cnn_task_base')")
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    if y.ndim > 2:
        raise ValueError(f"y must have shape (n_samples,) or (n_samples, n_tasks); "
                         f"got {y.shape}")
    check_consistent_length(X, y)
    return y


def check_validation_data(validation_data, forms=("(X_val, y_val)",)) -> tuple:
    """``validation_data`` as a tuple in one of ``forms``.

    Parameters
    ----------
    validation_data : tuple or list
        ``(X_val, y_val)``, or a longer form where ``forms`` allows one.
    forms : tuple of str, default=("(X_val, y_val)",)
        The accepted forms, shortest first, each one element longer than
        the last (``"(X_val, y_val, y_replicates_val)"`` after the pair).

    Returns
    -------
    validation_data : tuple
        Of ``len`` between 2 and ``len(forms) + 1``.
    """
    n_allowed = range(2, len(forms) + 2)
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in n_allowed:
        given = (f"a {type(validation_data).__name__} of {len(validation_data)} elements"
                 if isinstance(validation_data, (tuple, list))
                 else f"a {type(validation_data).__name__}")
        raise ValueError(f"validation_data must be the tuple {' or '.join(forms)}; got {given}")
    return tuple(validation_data)


def check_profile_targets(estimator, y, X) -> np.ndarray:
    """Validate the profile targets of a profile network.

    Parameters
    ----------
    y : array-like of shape (n_samples, length) or (n_samples, length, n_tasks)
        Values at each output position (counts, coverage, fold change).
    X : ndarray of shape (n_samples, ...)

    Returns
    -------
    y : ndarray of shape (n_samples, length) or (n_samples, length, n_tasks), float32
    """
    if y is None:
        raise ValueError(f"{type(estimator).__name__} requires y to be passed, but the target "
                         "y is None")
    y = check_array(y, ensure_2d=False, allow_nd=True, dtype=np.float32, order="C",
                    input_name="y")
    if y.ndim not in (2, 3):
        raise ValueError(
            f"network={estimator.network!r} predicts profiles: y must have shape (n_samples, "
            f"length) or (n_samples, length, n_tasks); got {y.shape}. For one value per "
            "sequence use a network without a profile output (e.g. network='cnn')")
    check_consistent_length(X, y)
    return y


def check_not_profile(estimator, what: str) -> None:
    """Refuse a profile model where one value per sequence and task is needed.

    Parameters
    ----------
    estimator : fitted estimator
    what : str
        What needs single values, for the message (e.g. ``'score_vcf'``).
    """
    length = getattr(estimator, "profile_length_", None)
    if length:
        raise ValueError(
            f"{what} takes one value per sequence and task; {type(estimator).__name__} "
            f"predicts profiles of {length} positions. Wrap it in "
            "uqgenomics.calibration.ProfileSummary(model, summary='sum') (or 'mean') to use "
            "its profile's total")


def check_profile_model(estimator) -> None:
    """Refuse a model that does not predict profiles where profiles are needed."""
    if not getattr(estimator, "profile_length_", None):
        raise ValueError(f"{type(estimator).__name__} does not predict profiles (fit it with a "
                         "profile network such as network='cnn_task_base')")

"""Groups of sequences that must not be split apart: a sequence and its reverse complement."""

from __future__ import annotations

import numpy as np

from ._onehot import as_sequences, reverse_complement


def reverse_complement_groups(X) -> np.ndarray:
    """One group per sequence up to reverse complement (and exact duplicates).

    Libraries such as lentiMPRA WTC11 hold every element in both
    orientations; a random split puts the two strands on both sides and
    leaks. Pass the groups to ``fit(..., groups=)`` (validation split),
    ``GroupKFold`` / ``GroupShuffleSplit`` (test and calibration splits).

    Parameters
    ----------
    X : sequence of str or array-like of shape (n, length, 4)
        Strings are compared case-insensitively; one-hot arrays exactly.

    Returns
    -------
    groups : ndarray of shape (n,), int64
        Equal for two sequences exactly when one is the other or its
        reverse complement; numbered from 0 in order of first appearance.

    Examples
    --------
    >>> reverse_complement_groups(["AACG", "CGTT", "ACGT", "aacg"]).tolist()
    [0, 0, 1, 0]
    """
    sequences = as_sequences(X)
    if sequences is not None:
        upper = [s.upper() for s in sequences]
        keys = [min(s, rc) for s, rc in zip(upper, reverse_complement(upper))]
    else:
        onehot = np.asarray(X)
        if onehot.ndim != 3 or onehot.shape[-1] != 4:
            raise ValueError(f"expected sequences as strings or one-hot arrays (n, length, 4); "
                             f"got an array of shape {onehot.shape}")
        onehot = np.ascontiguousarray(onehot, dtype=np.float32)
        flipped = reverse_complement(onehot)
        keys = [min(a.tobytes(), b.tobytes()) for a, b in zip(onehot, flipped)]
    first = {}
    return np.array([first.setdefault(key, len(first)) for key in keys], dtype=np.int64)

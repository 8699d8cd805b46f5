"""Groups of sequences that must not be split apart: a sequence and its reverse complement."""

from __future__ import annotations

import numpy as np

from ._onehot import as_sequences, reverse_complement


def reverse_complement_groups(X, flank="auto") -> np.ndarray:
    """One group per sequence up to reverse complement (and exact duplicates).

    Libraries such as lentiMPRA WTC11 hold every element in both
    orientations; a random split puts the two strands on both sides and
    leaks. Pass the groups to ``fit(..., groups=)`` (validation split),
    ``GroupKFold`` / ``GroupShuffleSplit`` (test and calibration splits).

    Parameters
    ----------
    X : sequence of str or array-like of shape (n, length, 4)
        Strings are compared case-insensitively; one-hot arrays exactly.
    flank : 'auto', int or (int, int), default='auto'
        Bases at the start and end that belong to the construct, not to the
        element, and are left out of the comparison: an element cloned in
        the other orientation sits between the same adapters, which are not
        reverse-complemented with it (WTC11: 15 bp on each side). ``'auto'``
        leaves out the prefix and suffix that every sequence shares (with
        fewer than 2 sequences, none).

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
        start, end = _flanks(flank, upper)
        inner = [s[start:len(s) - end] for s in upper]
        keys = [min(s, rc) for s, rc in zip(inner, reverse_complement(inner))]
    else:
        onehot = np.asarray(X)
        if onehot.ndim != 3 or onehot.shape[-1] != 4:
            raise ValueError(f"expected sequences as strings or one-hot arrays (n, length, 4); "
                             f"got an array of shape {onehot.shape}")
        onehot = np.ascontiguousarray(onehot, dtype=np.float32)
        start, end = _flanks(flank, onehot)
        inner = np.ascontiguousarray(onehot[:, start:onehot.shape[1] - end])
        flipped = reverse_complement(inner)
        keys = [min(a.tobytes(), b.tobytes()) for a, b in zip(inner, flipped)]
    first = {}
    return np.array([first.setdefault(key, len(first)) for key in keys], dtype=np.int64)


def _flanks(flank, sequences) -> tuple[int, int]:
    """Bases left out at the start and the end: given, or the prefix and suffix
    every sequence shares (strings, or one-hot arrays of one length)."""
    if flank != "auto":
        start, end = (flank, flank) if np.ndim(flank) == 0 else flank
        if min(start, end) < 0:
            raise ValueError(f"flank must be 'auto', an int >= 0 or a pair of them, got {flank!r}")
        return int(start), int(end)
    if len(sequences) < 2:
        return 0, 0
    if isinstance(sequences, np.ndarray):
        constant = np.all(sequences == sequences[:1], axis=(0, 2))
    else:
        length = min(len(s) for s in sequences)
        first, last = sequences[0][:length], [s[len(s) - length:] for s in sequences]
        starts = [all(s[i] == first[i] for s in sequences) for i in range(length)]
        ends = [all(s[i] == last[0][i] for s in last) for i in range(length)]
        return _run(starts), _run(ends[::-1], limit=length - _run(starts))
    return _run(constant), _run(constant[::-1], limit=len(constant) - _run(constant))


def _run(flags, limit=None) -> int:
    """Length of the leading run of True in ``flags`` (at most ``limit``)."""
    count = 0
    for flag in flags[:limit]:
        if not flag:
            break
        count += 1
    return count

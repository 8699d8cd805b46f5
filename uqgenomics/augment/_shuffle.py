"""Dinucleotide-preserving shuffle (Altschul & Erickson 1985)."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state


def dinucleotide_shuffle(X, random_state=None) -> np.ndarray:
    """Shuffle sequences while keeping every dinucleotide count.

    The sequence is a walk through a graph whose nodes are the four bases
    and whose edges are its dinucleotides. Keeping, for every base, the
    edge by which the walk last leaves it (these edges form a tree towards
    the final base, so the walk can always finish), and permuting the order
    of that base's other exits at random, gives a new Eulerian walk: same
    first and last base, same dinucleotide counts, different order.

    Parameters
    ----------
    X : array-like of shape (n_sequences, length, 4)
        One-hot; each position's base is its arg-max channel (an ``N``
        position becomes ``A``).
    random_state : int, RandomState or None

    Returns
    -------
    ndarray of shape (n_sequences, length, 4), like ``X``'s dtype
    """
    X = np.asarray(X)
    rng = check_random_state(random_state)
    codes = X.argmax(axis=-1)
    out = np.empty_like(codes)
    for i, sequence in enumerate(codes):
        out[i] = _shuffle_walk(sequence, rng)
    return np.eye(4, dtype=X.dtype if X.dtype.kind == "f" else np.float32)[out]


def _shuffle_walk(sequence: np.ndarray, rng) -> np.ndarray:
    length = len(sequence)
    if length < 3:
        return sequence.copy()
    exits = []
    for base in range(4):
        successors = sequence[1:][sequence[:-1] == base]
        if len(successors) > 1:
            successors = np.concatenate([rng.permutation(successors[:-1]), successors[-1:]])
        exits.append(successors)
    used = [0, 0, 0, 0]
    walk = np.empty(length, dtype=sequence.dtype)
    walk[0] = sequence[0]
    for j in range(1, length):
        here = walk[j - 1]
        walk[j] = exits[here][used[here]]
        used[here] += 1
    return walk

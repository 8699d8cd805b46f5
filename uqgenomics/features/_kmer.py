"""k-mer spectra of DNA sequences as a scikit-learn transformer."""

from __future__ import annotations

import itertools

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ..encoding._onehot import as_sequences, ascii_sequences
from ..encoding._transformer import SequenceTransformerMixin


class KmerFeaturizer(SequenceTransformerMixin, BaseEstimator):
    """Normalised k-mer spectrum: the frequency of every k-mer in each sequence.

    Parameters
    ----------
    k : int, default=4
        k-mer length; the output has ``4**k`` columns.
    both_strands : bool, default=True
        Count the k-mers of the reverse complement too (a read or peak from
        either strand then gets the same spectrum).
    normalize : bool, default=True
        Divide each row by its number of counted k-mers (frequencies summing
        to 1); otherwise raw counts.

    Windows that contain a non-ACGT base (an IUPAC code such as ``N``) are
    skipped. Input: strings of any lengths, or one-hot arrays ``(n, L, 4)``.
    Characters outside A, C, G, T and the IUPAC codes are refused, as
    :func:`~uqgenomics.encoding.one_hot_encode` refuses them, and so is a
    sequence with no k-mer to count (no ``k`` A, C, G, T bases in a row),
    whose spectrum would be all zeros.

    Attributes
    ----------
    feature_names_out_ : ndarray of shape (4**k,)
        The k-mers, in lexicographic order (AA…A first).
    """

    def __init__(self, k=4, both_strands=True, normalize=True):
        self.k = k
        self.both_strands = both_strands
        self.normalize = normalize

    def fit(self, X, y=None):
        """Check ``k``; nothing is learned from ``X``."""
        if not isinstance(self.k, (int, np.integer)) or not 1 <= self.k <= 12:
            raise ValueError(f"k must be an int in [1, 12], got {self.k!r}")
        self.feature_names_out_ = np.array(
            ["".join(p) for p in itertools.product("ACGT", repeat=self.k)], dtype=object)
        return self

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        return self.feature_names_out_

    def transform(self, X):
        """k-mer spectra.

        Returns
        -------
        ndarray of shape (n_sequences, 4**k), float64
        """
        check_is_fitted(self)
        counts = np.stack([self._counts(codes) for codes in _base_codes(X)])
        totals = counts.sum(axis=1, keepdims=True)
        empty = np.flatnonzero(totals[:, 0] == 0)
        if empty.size:
            raise ValueError(
                f"{empty.size} of {len(counts)} sequences have no {self.k}-mer to count (e.g. "
                f"sequence {empty[0]}): no {self.k} A, C, G, T bases in a row (shorter than "
                f"k={self.k}, or broken up by unknown bases); their spectrum would be all "
                "zeros. Drop them, or use a smaller k")
        return counts / totals if self.normalize else counts

    def _counts(self, codes: np.ndarray) -> np.ndarray:
        counts = _kmer_counts(codes, self.k)
        if self.both_strands:
            reverse = np.where(codes >= 0, 3 - codes, -1)[::-1]
            counts = counts + _kmer_counts(reverse, self.k)
        return counts.astype(np.float64)



def _base_codes(X):
    """Per sequence: base codes A=0, C=1, G=2, T=3, others −1."""
    sequences = as_sequences(X)
    if sequences is not None:
        buffer, lengths = ascii_sequences(sequences)
        table = np.full(256, -1, dtype=np.int64)
        for code, base in enumerate("ACGT"):
            table[ord(base)] = table[ord(base.lower())] = code
        return np.split(table[np.frombuffer(buffer, dtype=np.uint8)], np.cumsum(lengths)[:-1])
    onehot = np.asarray(X, dtype=np.float32)
    if onehot.ndim != 3 or onehot.shape[2] != 4:
        raise ValueError(f"expected sequences or one-hot arrays (n, L, 4), got {onehot.shape}")
    codes = onehot.argmax(axis=2)
    return list(np.where(onehot.max(axis=2) > 0.5, codes, -1))


def _kmer_counts(codes: np.ndarray, k: int) -> np.ndarray:
    """Counts of the ``4**k`` k-mers in one code sequence, skipping ambiguous windows."""
    if len(codes) < k:
        return np.zeros(4**k, dtype=np.int64)
    windows = np.lib.stride_tricks.sliding_window_view(codes, k)
    valid = (windows >= 0).all(axis=1)
    index = windows[valid] @ (4 ** np.arange(k - 1, -1, -1))
    return np.bincount(index, minlength=4**k)

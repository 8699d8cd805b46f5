"""scikit-learn transformer wrapping :func:`one_hot_encode`."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._onehot import one_hot_decode, one_hot_encode


class SequenceTransformerMixin(TransformerMixin):
    """A transformer of DNA strings (not of 2-D numeric arrays) that must be
    fitted first: its scikit-learn tags."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags


class DNAEncoder(SequenceTransformerMixin, BaseEstimator):
    """One-hot encode DNA strings inside a scikit-learn pipeline.

    Parameters
    ----------
    length : int, default=None
        Output length. ``None`` learns it in :meth:`fit`: the common length,
        or with ``resize`` the longest (``'pad'``, ``'pad_or_crop'``) or
        shortest (``'crop'``) training sequence, so that ``transform`` gives
        the same length at prediction time.
    resize : {'error', 'pad', 'crop', 'pad_or_crop'}, default='error'
        Handling of sequences whose length differs from ``length``: raise,
        pad with ``N`` (centred), or centre-crop.
    unknown : {'uniform', 'zeros'}, default='uniform'
        ``N`` as 0.25 in each channel, or as zeros.
    rna : bool, default=False
        Read ``U`` as ``T``.

    Attributes
    ----------
    length_ : int
        Length of every transformed sequence.

    Examples
    --------
    >>> from uqgenomics import DNAEncoder
    >>> DNAEncoder().fit_transform(["ACGT", "acgN"]).shape
    (2, 4, 4)
    """

    def __init__(self, length=None, resize="error", unknown="uniform", rna=False):
        self.length = length
        self.resize = resize
        self.unknown = unknown
        self.rna = rna

    def fit(self, X, y=None):
        """Learn the output length from the training sequences.

        Parameters
        ----------
        X : sequence of str of length n_sequences
        y : ignored
        """
        self.length_ = one_hot_encode(
            X, length=self.length, resize=self.resize, unknown=self.unknown, rna=self.rna
        ).shape[1]
        return self

    def transform(self, X):
        """Encode sequences.

        Parameters
        ----------
        X : sequence of str of length n_sequences

        Returns
        -------
        onehot : ndarray of shape (n_sequences, ``length_``, 4), float32
            Channels-last, A, C, G, T order.
        """
        check_is_fitted(self)
        return one_hot_encode(
            X, length=self.length_, resize=self.resize, unknown=self.unknown, rna=self.rna
        )

    def fit_transform(self, X, y=None):
        """Fit and encode in one pass over the sequences."""
        onehot = one_hot_encode(
            X, length=self.length, resize=self.resize, unknown=self.unknown, rna=self.rna
        )
        self.length_ = onehot.shape[1]
        return onehot

    def inverse_transform(self, X):
        """Decode one-hot arrays to strings (``N`` where no base dominates).

        Returns
        -------
        sequences : ndarray of shape (n_sequences,), dtype object
        """
        return np.array(one_hot_decode(X), dtype=object)

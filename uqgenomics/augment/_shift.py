"""Covariate-shifted copies of a test set (DEGU Fig. 3)."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils import check_random_state

from ..encoding import one_hot_encode
from ._ops import MononucleotideShuffle, RandomAugment, RandomMutation, evoaug_ops
from ._shuffle import dinucleotide_shuffle

SHIFT_KINDS = ("mutagenesis", "evoaug", "shuffle", "dinucleotide_shuffle")


def make_shifted(X, kind: str = "mutagenesis", mutation_rate: float = 0.05,
                 n_ops=(1, 2), random_state=None) -> np.ndarray:
    """Copy of ``X`` moved away from the training distribution.

    Three strengths of shift, as in DEGU:

    * ``'mutagenesis'`` (small): each sequence gets ``mutation_rate`` of its
      positions replaced by random bases;
    * ``'evoaug'`` (intermediate): each sequence goes through ``n_ops``
      EvoAug operations (:func:`evoaug_ops`: mutation, deletion, insertion,
      translocation, inversion, reverse complement);
    * ``'shuffle'`` (large): each sequence's positions permuted at random
      (DEGU's random shuffle: keeps the base composition, destroys motifs);
      ``'dinucleotide_shuffle'`` keeps the dinucleotide counts too.

    Parameters
    ----------
    X : sequence of str or array-like of shape (n_sequences, length, 4)
    kind : {'mutagenesis', 'evoaug', 'shuffle', 'dinucleotide_shuffle'}, default='mutagenesis'
    mutation_rate : float, default=0.05
        For ``'mutagenesis'``.
    n_ops : (int, int), default=(1, 2)
        For ``'evoaug'``: range of operations applied to each sequence.
    random_state : int, RandomState or None

    Returns
    -------
    ndarray of shape (n_sequences, length, 4), float32
    """
    if kind not in SHIFT_KINDS:
        raise ValueError(f"kind must be one of {SHIFT_KINDS}, got {kind!r}")
    X = np.asarray(X)
    onehot = one_hot_encode(list(X)) if X.dtype.kind in "US" or X.dtype == object \
        else np.asarray(X, dtype=np.float32)
    rng = check_random_state(random_state)
    if kind == "dinucleotide_shuffle":
        return dinucleotide_shuffle(onehot, random_state=rng).astype(np.float32)
    generator = torch.Generator().manual_seed(int(rng.randint(2**31 - 1)))
    x = torch.from_numpy(onehot)
    if kind == "shuffle":
        return MononucleotideShuffle()(x, generator).numpy()
    if kind == "mutagenesis":
        return RandomMutation(mutation_rate)(x, generator).numpy()
    augment = RandomAugment(evoaug_ops(), n_ops=n_ops)
    # One draw of operations per sequence, not per batch.
    return torch.cat([augment(x[i: i + 1], generator) for i in range(len(x))]).numpy()

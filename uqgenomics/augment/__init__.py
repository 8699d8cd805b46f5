"""Augmentations of one-hot DNA batches and covariate-shifted test sets.

Operations are callables on torch tensors ``(batch, length, 4)``; combine
them with :class:`RandomAugment` and pass the result as ``augment=`` to
:class:`~uqgenomics.DistilledRegressor` (or use them in any training loop).
:func:`make_shifted` builds shifted test sets from numpy or string input.
Profile models take *joint* augmentations, which move a sequence and its
profile together (:class:`RandomShiftCrop`, :class:`ProfileReverseComplement`).
"""

from ._ops import (
    DinucleotideShuffle,
    MononucleotideShuffle,
    RandomAugment,
    RandomDeletion,
    RandomInsertion,
    RandomInversion,
    RandomMutation,
    RandomNoise,
    RandomReverseComplement,
    RandomTranslocation,
    degu_augment,
    degu_ops,
    evoaug_augment,
    evoaug_ops,
)
from ._profile import JointAugment, ProfileReverseComplement, RandomShiftCrop
from ._shift import SHIFT_KINDS, make_shifted
from ._shuffle import dinucleotide_shuffle

__all__ = [
    "DinucleotideShuffle",
    "JointAugment",
    "ProfileReverseComplement",
    "RandomShiftCrop",
    "MononucleotideShuffle",
    "RandomAugment",
    "RandomDeletion",
    "RandomInsertion",
    "RandomInversion",
    "RandomMutation",
    "RandomNoise",
    "RandomReverseComplement",
    "RandomTranslocation",
    "SHIFT_KINDS",
    "degu_augment",
    "degu_ops",
    "dinucleotide_shuffle",
    "evoaug_augment",
    "evoaug_ops",
    "make_shifted",
]

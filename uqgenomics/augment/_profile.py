"""Augmentations that move sequences and their profile targets together.

A *joint* augmentation (``joint = True``) is called as ``augment(x, y)``
on a one-hot batch ``x`` ``(batch, length, 4)`` and its profile targets
``y`` ``(batch, target_length, n_tasks)`` (or ``y=None`` when a teacher
relabels the batch) and returns both transformed. Pass one as
``iterator_train__augment=`` to any regressor with a profile network:
the training iterator reshapes the targets for it. The target may be
binned: ``length`` must be a multiple of ``target_length`` (the bin size).
"""

from __future__ import annotations

import numpy as np
import torch

from ..encoding._strands import check_strand_pairs, strand_order
from ._ops import _check_batch


def _resolution(length: int, target_length: int) -> int:
    """Base pairs per target position."""
    if target_length < 1 or length % target_length:
        raise ValueError(f"sequences of {length} bp and profiles of {target_length} positions: "
                         "the length must be a whole multiple of the profile's (one bin size)")
    return length // target_length


class RandomShiftCrop:
    """A random sub-window of each sequence, with the same slice of its profile.

    DEGU (after Toneyan et al. 2022) trains on random 2,048 bp windows of
    3,072 bp inputs. Each sequence gets its own offset, a multiple of the
    bin size so the profile slice stays aligned. The model is built for,
    validated on and predicts windows of ``crop_length``: estimators take
    the centre window (:meth:`centre`) of validation data and of the fitted
    shapes.

    Parameters
    ----------
    crop_length : int
        Length of the window, bp.
    """

    joint = True

    def __init__(self, crop_length: int):
        if not (isinstance(crop_length, int) and crop_length >= 1):
            raise ValueError(f"crop_length must be a positive int, got {crop_length!r}")
        self.crop_length = crop_length

    def crop_shapes(self, length: int, target_length: int) -> tuple[int, int, int]:
        """Bin size (bp), number of possible offsets, and the cropped profile length."""
        resolution = _resolution(length, target_length)
        if self.crop_length > length:
            raise ValueError(f"RandomShiftCrop({self.crop_length}) needs sequences of at least "
                             f"{self.crop_length} bp; got {length} bp")
        if self.crop_length % resolution:
            raise ValueError(f"crop_length {self.crop_length} is not a multiple of the profile's "
                             f"bin size ({resolution} bp)")
        return (resolution, (length - self.crop_length) // resolution + 1,
                self.crop_length // resolution)

    def _slice(self, x, y, offsets):
        resolution, _, target_length = self.crop_shapes(x.shape[1], y.shape[1])
        index = offsets[:, None] + torch.arange(self.crop_length, device=x.device)
        x = torch.gather(x, 1, index[..., None].expand(-1, -1, x.shape[2]))
        index = offsets[:, None] // resolution + torch.arange(target_length, device=y.device)
        return x, torch.gather(y, 1, index[..., None].expand(-1, -1, y.shape[2]))

    def __call__(self, x, y=None, generator=None):
        batch, length, _ = _check_batch(x).shape
        profile = y if y is not None else x.new_zeros((batch, length, 1))
        resolution, n_offsets, _ = self.crop_shapes(length, profile.shape[1])
        offsets = torch.randint(n_offsets, (batch,), generator=generator) * resolution
        x, profile = self._slice(x, profile, offsets.to(x.device))
        return x, (profile if y is not None else None)

    def centre(self, x, y):
        """The centre window of every sequence and its profile (the offset
        rounded down to a whole bin).

        Parameters
        ----------
        x : ndarray or tensor of shape (n, length, 4)
        y : ndarray or tensor of shape (n, target_length, ...)
            Profiles, with any trailing axes (tasks, replicates).

        Returns
        -------
        x, y : of the input's kind (ndarray or tensor), cropped
        """
        numpy = isinstance(x, np.ndarray)
        x, y = torch.as_tensor(x), torch.as_tensor(y)
        resolution, n_offsets, _ = self.crop_shapes(x.shape[1], y.shape[1])
        offsets = torch.full((len(x),), (n_offsets - 1) // 2 * resolution, device=x.device)
        x, profile = self._slice(x, y.reshape(len(y), y.shape[1], -1), offsets)
        profile = profile.reshape(len(y), profile.shape[1], *y.shape[2:])
        return (x.numpy(), profile.numpy()) if numpy else (x, profile)


class ProfileReverseComplement:
    """Reverse-complement sequences with probability ``p``, reversing their profiles.

    Parameters
    ----------
    p : float, default=0.5
    strand_pairs : sequence of (int, int), default=()
        Task indices of a stranded assay's plus and minus tracks, swapped
        along with the reversal (a read on the plus strand of a sequence is
        on the minus strand of its reverse complement). Unstranded tasks
        (coverage, ATAC) are only reversed.
    """

    joint = True

    def __init__(self, p: float = 0.5, strand_pairs=()):
        if not 0 <= p <= 1:
            raise ValueError(f"p must be in [0, 1], got {p}")
        self.p = p
        self.strand_pairs = check_strand_pairs(strand_pairs)

    def __call__(self, x, y=None, generator=None):
        flip = torch.rand(_check_batch(x).shape[0], generator=generator,
                          device="cpu").to(x.device) < self.p
        x = torch.where(flip[:, None, None], x.flip(1, 2), x)
        if y is None:
            return x, None
        reverse = y.flip(1)
        if self.strand_pairs:
            reverse = reverse[:, :, strand_order(self.strand_pairs, y.shape[2])]
        return x, torch.where(flip[:, None, None], reverse, y)


class JointAugment:
    """Joint augmentations applied one after another (e.g. a shift, then a flip).

    Parameters
    ----------
    *operations : joint augmentations
        At most one of them crops (``crop_length``); it is this one's too.
    """

    joint = True

    def __init__(self, *operations):
        if not all(getattr(op, "joint", False) for op in operations):
            raise TypeError("JointAugment takes joint augmentations (RandomShiftCrop, "
                            "ProfileReverseComplement); sequence-only ones would leave "
                            "the profile misaligned")
        crops = [op for op in operations if getattr(op, "crop_length", None)]
        if len(crops) > 1:
            raise ValueError("JointAugment takes at most one cropping augmentation")
        self.operations = operations
        self._crop = crops[0] if crops else None
        self.crop_length = self._crop.crop_length if crops else None
        pairs = {op.strand_pairs for op in operations if hasattr(op, "strand_pairs")}
        if len(pairs) > 1:
            raise ValueError(f"JointAugment's reverse complements swap different strand pairs "
                             f"{sorted(pairs)}: a task has one strand")
        #: The strand pairs its reverse complements swap (None: it has none).
        self.strand_pairs = pairs.pop() if pairs else None

    def crop_shapes(self, length, target_length):
        return self._crop.crop_shapes(length, target_length)

    def centre(self, x, y):
        return self._crop.centre(x, y)

    def __call__(self, x, y=None, generator=None):
        for op in self.operations:
            x, y = op(x, y, generator=generator)
        return x, y

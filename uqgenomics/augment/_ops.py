"""EvoAug-style augmentations of one-hot DNA batches (Lee et al. 2023).

Every operation is a callable ``op(x, generator=None) -> x_augmented`` on a
float tensor of shape ``(batch, length, 4)`` (channels-last, A, C, G, T),
returning a new tensor of the same shape, dtype and device. Randomness comes
from ``generator`` (a ``torch.Generator``) or, when it is None, from torch's
global RNG, which the estimators seed for each fit. Each sequence of the
batch draws its own segment, shift or positions. Lengths are preserved:
unlike EvoAug's insertion, which lengthens the batch, ours crops the
lengthened sequence back to its centre. ``moves_positions`` says whether an
operation moves bases along the sequence (which would misalign a profile
target: profile models refuse those and take the joint augmentations of
``_profile.py``); ``swaps_strands`` whether it turns whole sequences to the
other strand (which would leave a stranded assay's plus and minus targets
unswapped: regressors with ``strand_pairs`` refuse those).
"""

from __future__ import annotations

import torch

from ._shuffle import dinucleotide_shuffle


def _uniform_int(low: int, high: int, size: int, x: torch.Tensor, generator) -> torch.Tensor:
    """Integers in ``[low, high]`` (inclusive), one per sequence."""
    return torch.randint(low, high + 1, (size,), generator=generator,
                         device="cpu").to(x.device)


def _random_bases(shape, x: torch.Tensor, generator) -> torch.Tensor:
    """Uniformly random one-hot bases of ``shape + (4,)``, like ``x``."""
    codes = torch.randint(0, 4, shape, generator=generator, device="cpu").to(x.device)
    return torch.nn.functional.one_hot(codes, 4).to(x.dtype)


def _gather_positions(x, source, generator):
    """``out[b, j] = x[b, source[b, j]]``; random bases where ``source`` is out of range."""
    length = x.shape[1]
    outside = (source < 0) | (source >= length)
    gathered = torch.gather(x, 1, source.clamp(0, length - 1)[..., None].expand(-1, -1, 4))
    return torch.where(outside[..., None], _random_bases(source.shape, x, generator), gathered)


def _check_batch(x: torch.Tensor) -> torch.Tensor:
    if x.ndim != 3 or x.shape[2] != 4:
        raise ValueError(f"augmentations take one-hot batches (batch, length, 4), got "
                         f"{tuple(x.shape)}")
    return x


def _check_range(low: int, high: int, name: str) -> None:
    if not 0 <= low <= high:
        raise ValueError(f"{name}: need 0 <= min <= max, got ({low}, {high})")


class RandomMutation:
    """Replace ``round(rate · length)`` random positions with random bases.

    A new base may equal the old one, as in EvoAug. ``rate`` defaults to 5 %.
    """

    moves_positions = False

    def __init__(self, rate: float = 0.05):
        if not 0 <= rate <= 1:
            raise ValueError(f"rate must be in [0, 1], got {rate}")
        self.rate = rate

    def __call__(self, x, generator=None):
        batch, length, _ = _check_batch(x).shape
        n = round(self.rate * length)
        if n == 0:
            return x.clone()
        scores = torch.rand(batch, length, generator=generator, device="cpu").to(x.device)
        positions = scores.argsort(dim=1)[:, :n]
        out = x.clone()
        out.scatter_(1, positions[..., None].expand(-1, -1, 4),
                     _random_bases((batch, n), x, generator))
        return out


class RandomDeletion:
    """Delete a segment of ``min_length … max_length`` bp; random DNA refills both ends."""

    moves_positions = True

    def __init__(self, min_length: int = 0, max_length: int = 20):
        _check_range(min_length, max_length, "RandomDeletion")
        self.min_length, self.max_length = min_length, max_length

    def __call__(self, x, generator=None):
        batch, length, _ = _check_batch(x).shape
        size = _uniform_int(self.min_length, min(self.max_length, length), batch, x, generator)
        start = (torch.rand(batch, generator=generator, device="cpu").to(x.device)
                 * (length - size + 1)).long()
        left = size // 2
        source = torch.arange(length, device=x.device)[None] - left[:, None]
        source = torch.where(source >= start[:, None], source + size[:, None], source)
        return _gather_positions(x, source, generator)


class RandomInsertion:
    """Insert ``min_length … max_length`` random bp, then crop back to the centre."""

    moves_positions = True

    def __init__(self, min_length: int = 0, max_length: int = 20):
        _check_range(min_length, max_length, "RandomInsertion")
        self.min_length, self.max_length = min_length, max_length

    def __call__(self, x, generator=None):
        batch, length, _ = _check_batch(x).shape
        size = _uniform_int(self.min_length, self.max_length, batch, x, generator)
        start = (torch.rand(batch, generator=generator, device="cpu").to(x.device)
                 * (length + 1)).long()
        # Position in the lengthened sequence, cropped to its centre.
        k = torch.arange(length, device=x.device)[None] + (size // 2)[:, None]
        inserted = (k >= start[:, None]) & (k < (start + size)[:, None])
        source = torch.where(k < start[:, None], k, k - size[:, None])
        source = torch.where(inserted, torch.full_like(source, -1), source)
        return _gather_positions(x, source, generator)


class RandomTranslocation:
    """Roll each sequence by ``−max_shift … max_shift`` bp (circularly)."""

    moves_positions = True

    def __init__(self, min_shift: int = 0, max_shift: int = 20):
        _check_range(min_shift, max_shift, "RandomTranslocation")
        self.min_shift, self.max_shift = min_shift, max_shift

    def __call__(self, x, generator=None):
        batch, length, _ = _check_batch(x).shape
        shift = _uniform_int(self.min_shift, self.max_shift, batch, x, generator)
        sign = torch.randint(0, 2, (batch,), generator=generator, device="cpu").to(x.device)
        shift = torch.where(sign == 1, shift, -shift)
        source = (torch.arange(length, device=x.device)[None] - shift[:, None]) % length
        return _gather_positions(x, source, generator)


class RandomInversion:
    """Reverse-complement a random segment of ``min_length … max_length`` bp."""

    moves_positions = True

    def __init__(self, min_length: int = 0, max_length: int = 20):
        _check_range(min_length, max_length, "RandomInversion")
        self.min_length, self.max_length = min_length, max_length

    def __call__(self, x, generator=None):
        batch, length, _ = _check_batch(x).shape
        size = _uniform_int(self.min_length, min(self.max_length, length), batch, x, generator)
        start = (torch.rand(batch, generator=generator, device="cpu").to(x.device)
                 * (length - size + 1)).long()
        j = torch.arange(length, device=x.device)[None]
        inside = (j >= start[:, None]) & (j < (start + size)[:, None])
        source = torch.where(inside, 2 * start[:, None] + size[:, None] - 1 - j, j)
        flipped = torch.gather(x, 1, source[..., None].expand(-1, -1, 4))
        # Complement (A<->T, C<->G) is a flip of the channel axis inside the segment.
        return torch.where(inside[..., None], flipped.flip(2), flipped)


class RandomNoise:
    """Add Gaussian noise of standard deviation ``std`` (default 0.2) to every entry."""

    moves_positions = False

    def __init__(self, std: float = 0.2):
        if std < 0:
            raise ValueError(f"std must be non-negative, got {std}")
        self.std = std

    def __call__(self, x, generator=None):
        noise = torch.randn(_check_batch(x).shape, generator=generator, device="cpu")
        return x + self.std * noise.to(x.device, x.dtype)


class RandomReverseComplement:
    """Reverse-complement whole sequences with probability ``p`` (default ½)."""

    moves_positions = True
    swaps_strands = True

    def __init__(self, p: float = 0.5):
        if not 0 <= p <= 1:
            raise ValueError(f"p must be in [0, 1], got {p}")
        self.p = p

    def __call__(self, x, generator=None):
        flip = torch.rand(_check_batch(x).shape[0], generator=generator,
                          device="cpu").to(x.device) < self.p
        return torch.where(flip[:, None, None], x.flip(1, 2), x)


class MononucleotideShuffle:
    """Permute each sequence's positions: keeps base composition, destroys order."""

    moves_positions = True

    def __call__(self, x, generator=None):
        batch, length, _ = _check_batch(x).shape
        order = torch.rand(batch, length, generator=generator, device="cpu").argsort(dim=1)
        return torch.gather(x, 1, order.to(x.device)[..., None].expand(-1, -1, 4))


class DinucleotideShuffle:
    """Shuffle each sequence keeping its dinucleotide counts (and first and last base).

    Runs on the CPU, one sequence at a time (an Eulerian walk); see
    :func:`dinucleotide_shuffle`.
    """

    moves_positions = True

    def __call__(self, x, generator=None):
        _check_batch(x)
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator, device="cpu"))
        shuffled = dinucleotide_shuffle(x.detach().cpu().numpy(), random_state=seed)
        return torch.as_tensor(shuffled, dtype=x.dtype, device=x.device)


class RandomAugment:
    """Apply a random subset of augmentations to each batch.

    Parameters
    ----------
    ops : sequence of callables
        Augmentations ``op(x, generator=None)``.
    n_ops : (int, int), default=(0, 2)
        Each batch draws ``k`` uniformly from this inclusive range (its top
        capped at the number of ops) and
        applies ``k`` distinct ops, chosen at random, in their listed order
        (EvoAug's scheme).

    Examples
    --------
    >>> import torch
    >>> from uqgenomics.augment import RandomAugment, RandomMutation, RandomTranslocation
    >>> augment = RandomAugment([RandomMutation(), RandomTranslocation()], n_ops=(1, 2))
    >>> x = torch.nn.functional.one_hot(torch.randint(0, 4, (8, 100)), 4).float()
    >>> augment(x, generator=torch.Generator().manual_seed(0)).shape
    torch.Size([8, 100, 4])
    """

    def __init__(self, ops, n_ops=(0, 2)):
        self.ops = list(ops)
        self.moves_positions = any(getattr(op, "moves_positions", False) for op in self.ops)
        self.swaps_strands = any(getattr(op, "swaps_strands", False) for op in self.ops)
        low, high = n_ops
        if not 0 <= low <= high or low > len(self.ops):
            raise ValueError(f"n_ops must satisfy 0 <= min <= max and min <= {len(self.ops)} "
                             f"(the number of ops), got {n_ops}")
        self.n_ops = (low, min(high, len(self.ops)))

    def __call__(self, x, generator=None):
        low, high = self.n_ops
        k = int(torch.randint(low, high + 1, (1,), generator=generator))
        chosen = sorted(torch.randperm(len(self.ops), generator=generator)[:k].tolist())
        for i in chosen:
            x = self.ops[i](x, generator)
        return x

    def __repr__(self):
        return f"RandomAugment({self.ops!r}, n_ops={self.n_ops})"


def degu_ops() -> list:
    """DEGU's augmentations for a student (Zhou et al. 2026, their
    ``dynamic_aug.py``): deletion 0–20 bp, translocation 0–20 bp, Gaussian
    noise (std 0.2), mutation 5 %, in that order. The noise leaves the
    one-hot simplex; it is for training batches, not for test sets."""
    return [RandomDeletion(0, 20), RandomTranslocation(0, 20), RandomNoise(0.2),
            RandomMutation(0.05)]


def degu_augment() -> RandomAugment:
    """DEGU's recipe: :func:`degu_ops`, 1 or 2 of them per batch (their code
    draws ``uniform(1, 3)`` operations, the same ones for the whole batch)."""
    return RandomAugment(degu_ops(), n_ops=(1, 2))


def evoaug_augment() -> RandomAugment:
    """EvoAug's recipe: :func:`evoaug_ops`, 1 or 2 of them per batch."""
    return RandomAugment(evoaug_ops(), n_ops=(1, 2))


def evoaug_ops() -> list:
    """EvoAug's default set for regulatory sequences, with the paper's ranges.

    Mutation 5 %, deletion 0–20 bp, insertion 0–20 bp, translocation 0–20
    bp, inversion 0–20 bp, reverse complement ½; no noise (it makes inputs
    leave the one-hot simplex).
    """
    return [RandomMutation(0.05), RandomDeletion(0, 20), RandomInsertion(0, 20),
            RandomTranslocation(0, 20), RandomInversion(0, 20), RandomReverseComplement(0.5)]

"""Training batches sliced from in-memory arrays, optionally augmented and relabelled."""

from __future__ import annotations

import math

import torch

from ._device import batch_tensor


class ArrayBatchIterator:
    """Minibatches sliced from in-memory arrays, for skorch's ``iterator_*``.

    skorch's default ``DataLoader`` indexes one sample at a time and collates
    the batch; with data already in memory, slicing whole batches out of the
    arrays gives the same batches for a fraction of the cost. Shuffling draws
    from torch's global RNG, so a seeded fit stays reproducible.

    Parameters
    ----------
    dataset : skorch.dataset.Dataset
        Holds ``X`` of shape (n_samples, ...) and ``y`` of shape
        (n_samples, n_tasks) as numpy arrays.
    batch_size : int
    shuffle : bool, default=False
    drop_last : bool, default=False
    pin_memory : bool, default=False
        Pin each batch for asynchronous host-to-GPU copies.
    """

    def __init__(self, dataset, batch_size, shuffle=False, drop_last=False, pin_memory=False):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.pin_memory = pin_memory

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        X, y = self.dataset.X, self.dataset.y
        order = torch.randperm(len(X)).numpy() if self.shuffle else None
        for i in range(len(self)):
            rows = slice(i * self.batch_size, (i + 1) * self.batch_size)
            if order is not None:
                rows = order[rows]
            batch = [batch_tensor(X[rows]), batch_tensor(y[rows])]
            yield [t.pin_memory() for t in batch] if self.pin_memory else batch


class AugmentedBatchIterator(ArrayBatchIterator):
    """Training batches transformed on the fly, optionally relabelled.

    Each minibatch ``x`` becomes ``augment(x)``, labelled by
    ``labeller(augment(x))`` (e.g. a teacher's predictions, made without
    gradients) or, without a labeller, keeping the labels of ``x`` (EvoAug's
    assumption that small edits keep the activity); it either replaces the
    batch or is appended to it. Every estimator trains with this iterator,
    so ``iterator_train__augment=RandomAugment(...)`` (and
    ``iterator_train__mode``) augments any of them.
    Augmentation draws from torch's global RNG, which ``fit_network``
    seeds, so a seeded fit stays reproducible.

    Parameters
    ----------
    dataset, batch_size, shuffle, drop_last, pin_memory
        As for :class:`ArrayBatchIterator`.
    augment : callable or None, default=None
        ``augment(x) -> x'`` on a CPU tensor ``(batch, length, 4)``. None
        yields the plain batches (used for a fine-tune on the original data).
        A *joint* augmentation (``augment.joint``, see
        ``uqgenomics.augment._profile``) is called as ``augment(x, y)`` with
        the profile targets ``(batch, length, n_tasks)`` and moves both.
    labeller : callable, default=None
        ``labeller(x' as ndarray) -> ndarray (batch, n_targets)``; None
        keeps the original labels.
    mode : {'append', 'replace'}, default='append'
    n_tasks : int, default=None
        Tasks of profile targets (rows of ``y`` are ``(length · n_tasks)``,
        positions major), which a joint augmentation needs.
    """

    def __init__(self, dataset, batch_size, shuffle=False, drop_last=False, pin_memory=False,
                 augment=None, labeller=None, mode="append", n_tasks=None):
        super().__init__(dataset, batch_size, shuffle, drop_last, pin_memory)
        if mode not in ("append", "replace"):
            raise ValueError(f"mode must be 'append' or 'replace', got {mode!r}")
        self.augment = augment
        self.labeller = labeller
        self.mode = mode
        self.n_tasks = n_tasks

    def __iter__(self):
        for x, y in super().__iter__():
            if self.augment is None:
                yield [x, y]
                continue
            with torch.no_grad():
                x_new, y_new = self._transform(x.cpu(), y.cpu())
            x_new = x_new.contiguous()
            if self.labeller is not None:
                y_new = torch.as_tensor(self.labeller(x_new.numpy()), dtype=y.dtype)
            if self.mode == "append":
                x_new, y_new = torch.cat([x.cpu(), x_new]), torch.cat([y.cpu(), y_new])
            batch = [x_new, y_new]
            yield [t.pin_memory() for t in batch] if self.pin_memory else batch

    def _transform(self, x, y):
        """The augmented batch and its targets (the original ones unless the
        augmentation is joint; a labeller replaces them afterwards)."""
        if not getattr(self.augment, "joint", False):
            return self.augment(x), y
        if self.labeller is not None:
            return self.augment(x, None)[0], None
        if self.n_tasks is None:
            raise ValueError(f"{type(self.augment).__name__} moves profile targets with the "
                             "sequences; these targets are not profiles (use a profile network)")
        x_new, profile = self.augment(x, y.reshape(len(y), -1, self.n_tasks))
        return x_new, profile.reshape(len(profile), -1)

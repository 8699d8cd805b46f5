"""Strand pairs: which tasks are the plus and minus tracks of one stranded assay.

A read on the plus strand of a sequence is on the minus strand of its
reverse complement, so whatever reverse-complements a sequence (an
augmentation, strand averaging at prediction) swaps those tasks; the one
reading of a ``strand_pairs`` argument is here.
"""

from __future__ import annotations

import numpy as np


def check_strand_pairs(strand_pairs) -> tuple[tuple[int, int], ...]:
    """``strand_pairs`` as a tuple of ``(plus, minus)`` task indices, each task in
    one pair at most.

    Raises
    ------
    ValueError
        For anything but pairs of distinct non-negative ints, or a task in
        two pairs (no single swap would be meant).
    """
    try:
        pairs = tuple(tuple(pair) for pair in strand_pairs)
    except TypeError:
        pairs = None
    if pairs is None or any(len(pair) != 2 or not all(
            isinstance(t, (int, np.integer)) and not isinstance(t, bool) and t >= 0
            for t in pair) for pair in pairs):
        raise ValueError(f"strand_pairs must be (plus, minus) pairs of task indices, e.g. "
                         f"[(0, 1)], got {strand_pairs!r}")
    pairs = tuple((int(plus), int(minus)) for plus, minus in pairs)
    tasks = [t for pair in pairs for t in pair]
    if len(set(tasks)) != len(tasks):
        raise ValueError(f"strand_pairs {pairs} names a task twice (or pairs a task with "
                         "itself): each task is the plus or the minus track of one pair at most")
    return pairs


def strand_order(strand_pairs, n_tasks: int) -> list[int]:
    """Task order on the reverse strand: ``order[t]`` is the task whose values
    task ``t`` takes (each pair swapped, other tasks kept).

    Raises
    ------
    ValueError
        For a pair naming a task beyond ``n_tasks``.
    """
    order = list(range(n_tasks))
    for plus, minus in check_strand_pairs(strand_pairs):
        if max(plus, minus) >= n_tasks:
            raise ValueError(f"strand pair ({plus}, {minus}) names a task beyond the "
                             f"{n_tasks} task(s) of the targets")
        order[plus], order[minus] = minus, plus
    return order

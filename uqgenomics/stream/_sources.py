"""Where streamed sequences come from, and tiling long ones into windows."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator

import numpy as np

from ..encoding import iter_fasta

FASTA_SUFFIXES = (".fa", ".fasta", ".fna", ".fas")
H5_SUFFIXES = (".h5", ".hdf5")


def _strip_gz(path: str) -> str:
    return path[:-3] if path.endswith(".gz") else path


def is_fasta_path(path) -> bool:
    """Whether ``path`` names a (possibly gzipped) FASTA file by its suffix."""
    return _strip_gz(os.fspath(path).lower()).endswith(FASTA_SUFFIXES)


def _iter_h5(path: str, key: str, block: int = 8192) -> Iterator[tuple[str, object]]:
    import h5py
    with h5py.File(path, "r") as handle:
        yield from _iter_h5_dataset(handle[key], block)


def _iter_h5_dataset(dataset, block: int = 8192) -> Iterator[tuple[str, object]]:
    """Rows of an h5 dataset, read ``block`` at a time: one-hot arrays
    ``(n, length, 4)`` or (byte) strings; named by their row index."""
    for start in range(0, len(dataset), block):
        rows = dataset[start:start + block]
        for offset, row in enumerate(rows):
            if isinstance(row, bytes):
                row = row.decode()
            yield str(start + offset), row


def _h5_spec(source) -> tuple[str, str] | None:
    """``(path, dataset)`` of ``('file.h5', 'key')`` or ``'file.h5:key'``, else None."""
    if isinstance(source, tuple) and len(source) == 2 and isinstance(source[0], (str, os.PathLike)):
        path, key = os.fspath(source[0]), source[1]
    elif isinstance(source, (str, os.PathLike)):
        path, _, key = os.fspath(source).rpartition(":")
    else:
        return None
    return (path, key) if key and path.lower().endswith(H5_SUFFIXES) else None


def iter_records(source) -> Iterator[tuple[str, object]]:
    """``(name, sequence)`` records from any streamed source, lazily.

    Parameters
    ----------
    source : path, h5py.Dataset, iterable or ndarray
        - a FASTA path (``.fa``, ``.fasta``, ``.fna``, ``.fas``, optionally
          ``.gz``): names from the headers;
        - ``'file.h5:dataset'`` or ``('file.h5', 'dataset')``, or an open
          ``h5py.Dataset``: rows of one-hot ``(n, length, 4)`` or strings,
          read a block at a time, named by row index;
        - an iterable of strings, of one-hot arrays ``(length, 4)`` or of
          ``(name, sequence)`` pairs (e.g. a generator; never materialised);
        - an array ``(n, length, 4)``.

    Yields
    ------
    name : str
    sequence : str or ndarray of shape (length, 4)
    """
    h5 = _h5_spec(source)
    if h5 is not None:
        yield from _iter_h5(*h5)
        return
    if isinstance(source, (str, os.PathLike)):
        if not is_fasta_path(source):
            raise ValueError(
                f"cannot tell what {os.fspath(source)!r} holds: expected a FASTA file "
                f"({', '.join(FASTA_SUFFIXES)}, optionally .gz) or 'file.h5:dataset'")
        yield from iter_fasta(source)
        return
    if hasattr(source, "shape") and hasattr(source, "dtype") and not isinstance(source, np.ndarray):
        yield from _iter_h5_dataset(source)  # an open h5py.Dataset
        return
    if not isinstance(source, Iterable):
        raise TypeError(f"cannot stream sequences from a {type(source).__name__}")
    for index, item in enumerate(source):
        if isinstance(item, tuple) and len(item) == 2:
            yield str(item[0]), item[1]
        else:
            yield str(index), item


def tile_records(records: Iterable[tuple[str, object]], window: int,
                 stride: int) -> Iterator[tuple[str, object]]:
    """Cut each record into windows of ``window`` bases every ``stride`` bases.

    Windows start at 0, ``stride``, ``2·stride``, ...; when the last one
    does not reach the end of the record, one more window ends exactly at
    the end, so every base is covered. A record shorter than ``window`` is
    one window (the encoder pads it with ``N``). Windows are named
    ``'{name}:{start}-{end}'`` (0-based, end exclusive, as in BED).

    Parameters
    ----------
    records : iterable of (name, sequence)
        Strings or one-hot arrays ``(length, 4)``.
    window, stride : int
        In bases; ``stride <= window`` leaves no gaps.
    """
    if window < 1 or stride < 1:
        raise ValueError(f"window and stride must be positive, got {window} and {stride}")
    for name, sequence in records:
        length = len(sequence)
        if length <= window:
            yield f"{name}:0-{length}", sequence
            continue
        starts = range(0, length - window + 1, stride)
        if starts[-1] + window < length:
            starts = itertools.chain(starts, [length - window])
        for start in starts:
            yield f"{name}:{start}-{start + window}", sequence[start:start + window]

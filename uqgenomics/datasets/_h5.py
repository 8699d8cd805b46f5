"""Reading split arrays from the h5 files of published model repositories."""

from __future__ import annotations

import numpy as np

_SPLIT_ALIASES = {"train": ("train",), "valid": ("valid", "val", "validation"),
                  "test": ("test",)}


def import_h5py():
    """``h5py``, or an ImportError saying how to install it."""
    try:
        import h5py
    except ImportError as error:
        raise ImportError("reading h5 datasets needs h5py: pip install h5py") from error
    return h5py


def find_key(keys, *candidates: str) -> str:
    """The key among ``keys`` equal to a candidate, ignoring case.

    Raises
    ------
    KeyError
        Naming the candidates and the keys present.
    """
    lowered = {key.lower(): key for key in keys}
    for candidate in candidates:
        if candidate.lower() in lowered:
            return lowered[candidate.lower()]
    raise KeyError(f"none of {list(candidates)} among {sorted(keys)}")


def split_names(split: str) -> tuple[str, ...]:
    """Spellings of a split name: ``'valid'`` is also ``'val'`` / ``'validation'``."""
    return _SPLIT_ALIASES[split]


def sequences_last(X) -> np.ndarray:
    """One-hot array as float32 ``(N, L, 4)``, transposing a ``(N, 4, L)`` layout."""
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 3 or 4 not in X.shape[1:]:
        raise ValueError(f"expected one-hot sequences (N, L, 4) or (N, 4, L), got {X.shape}")
    if X.shape[2] != 4:
        X = X.transpose(0, 2, 1)
    return np.ascontiguousarray(X)

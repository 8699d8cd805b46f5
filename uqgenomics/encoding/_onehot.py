"""Vectorised one-hot encoding of DNA / RNA strings.

Axis convention used everywhere in uqgenomics: one-hot arrays are
channels-last, shape ``(n_sequences, length, 4)``, channels in the order
A, C, G, T. Networks transpose to channels-first internally.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

ALPHABET = "ACGT"

#: IUPAC nucleotide codes and the bases each one stands for.
IUPAC_CODES = {
    "A": "A", "C": "C", "G": "G", "T": "T",
    "R": "AG", "Y": "CT", "S": "CG", "W": "AT", "K": "GT", "M": "AC",
    "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT",
}

_COMPLEMENT = str.maketrans(
    "ACGTRYSWKMBDHVNacgtryswkmbdhvn", "TGCAYRSWMKVHDBNtgcayrswmkvhdbn"
)


def _lookup_table(unknown: str, rna: bool) -> tuple[np.ndarray, np.ndarray]:
    """The byte → probability-vector table, built once per setting.

    Returns
    -------
    table : ndarray of shape (256, 4), float32, read-only
    valid : ndarray of shape (256,), bool, read-only
        Which byte values are accepted characters.
    """
    if unknown not in ("uniform", "zeros"):
        raise ValueError(f"unknown must be 'uniform' or 'zeros', got {unknown!r}")
    return _built_table(unknown, bool(rna))


@functools.lru_cache(maxsize=None)
def _built_table(unknown: str, rna: bool) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_lookup_table` for a checked setting (cached: every encoding and
    alphabet check of a call looks it up)."""
    table = np.zeros((256, 4), dtype=np.float32)
    valid = np.zeros(256, dtype=bool)
    codes = dict(IUPAC_CODES)
    if rna:
        codes["U"] = "T"
    for letter, bases in codes.items():
        row = np.zeros(4, dtype=np.float32)
        if not (letter == "N" and unknown == "zeros"):
            for base in bases:
                row[ALPHABET.index(base)] = 1.0 / len(bases)
        for char in (letter, letter.lower()):
            table[ord(char)] = row
            valid[ord(char)] = True
    table.flags.writeable = valid.flags.writeable = False  # shared by every call
    return table, valid


def _locate(offset: int, lengths: np.ndarray) -> tuple[int, int]:
    """(sequence index, position) of a character offset in the joined buffer."""
    ends = np.cumsum(lengths)
    index = int(np.searchsorted(ends, offset, side="right"))
    return index, int(offset - (ends[index] - lengths[index]))


def _to_buffer(sequences: list[str]) -> tuple[bytes, np.ndarray]:
    """Concatenate the sequences into one ASCII buffer.

    Returns
    -------
    buffer : bytes
    lengths : ndarray of shape (n_sequences,), int64
    """
    try:
        joined = "".join(sequences)
    except TypeError:
        index = next(i for i, s in enumerate(sequences) if not isinstance(s, str))
        raise TypeError(
            f"sequence {index} is a {type(sequences[index]).__name__}, expected a string"
        ) from None
    lengths = np.fromiter(map(len, sequences), dtype=np.int64, count=len(sequences))
    try:
        return joined.encode("ascii"), lengths
    except UnicodeEncodeError as err:
        index, position = _locate(err.start, lengths)
        raise ValueError(
            f"invalid character {joined[err.start]!r} in sequence {index} "
            f"at position {position}"
        ) from None


def ascii_sequences(sequences: list[str], rna: bool = False) -> tuple[bytes, np.ndarray]:
    """The sequences joined into one ASCII buffer, every character checked.

    Returns
    -------
    buffer : bytes
    lengths : ndarray of shape (n_sequences,), int64

    Raises
    ------
    ValueError
        Naming the sequence, position and character of the first one outside
        A, C, G, T and the IUPAC codes (any case; U too with ``rna``).
    """
    buffer, lengths = _to_buffer(sequences)
    _, valid = _lookup_table("uniform", rna)
    # Deleting every accepted byte leaves only the invalid ones (C speed).
    if buffer.translate(None, bytes(np.flatnonzero(valid).tolist())):
        offset = int(np.argmax(~valid[np.frombuffer(buffer, dtype=np.uint8)]))
        i, pos = _locate(offset, lengths)
        raise ValueError(
            f"invalid character {chr(buffer[offset])!r} in sequence {i} at "
            f"position {pos}; allowed: A, C, G, T, IUPAC codes"
            + (", U" if rna else " (pass rna=True to accept U)")
        )
    return buffer, lengths


def _resize_codes(
    buffer: bytes, lengths: np.ndarray, length: int | None, resize: str
) -> tuple[np.ndarray, int]:
    """Cut the buffer into a ``(n, length)`` uint8 array, padding with N or
    centre-cropping as ``resize`` allows."""
    if resize not in ("error", "pad", "crop", "pad_or_crop"):
        raise ValueError(
            "resize must be one of 'error', 'pad', 'crop', 'pad_or_crop'; "
            f"got {resize!r}"
        )
    if length is None:
        if resize == "crop":
            length = int(lengths.min())
        elif resize in ("pad", "pad_or_crop"):
            length = int(lengths.max())
        else:
            length = int(lengths[0])
    too_long = np.flatnonzero(lengths > length)
    too_short = np.flatnonzero(lengths < length)
    if too_long.size and resize not in ("crop", "pad_or_crop"):
        i = int(too_long[0])
        raise ValueError(
            f"sequence {i} has length {lengths[i]}, expected {length}; "
            "pass resize='crop' or 'pad_or_crop' to centre-crop"
        )
    if too_short.size and resize not in ("pad", "pad_or_crop"):
        i = int(too_short[0])
        raise ValueError(
            f"sequence {i} has length {lengths[i]}, expected {length}; "
            "pass resize='pad' or 'pad_or_crop' to pad with N"
        )
    flat = np.frombuffer(buffer, dtype=np.uint8)
    if not too_long.size and not too_short.size:
        return flat.reshape(len(lengths), length), length
    codes = np.full((len(lengths), length), ord("N"), dtype=np.uint8)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    for i, (offset, n) in enumerate(zip(offsets, lengths)):
        if n >= length:
            start = offset + (n - length) // 2
            codes[i] = flat[start:start + length]
        else:
            start = (length - n) // 2
            codes[i, start:start + n] = flat[offset:offset + n]
    return codes, length


def as_sequences(X) -> list[str] | None:
    """``X`` as a list of strings when it holds nucleotide strings, else None.

    Parameters
    ----------
    X : array-like
        Strings in a list, tuple, 1-D string / object array, pandas Series
        or Index (any string dtype), ``(n, 1)`` array or one-column
        DataFrame; anything else returns None.

    Raises
    ------
    TypeError
        For a single string, or a string collection with a non-string
        element (e.g. a missing value), naming its index.
    """
    if isinstance(X, (str, bytes)):
        raise TypeError("X is a single string; pass a list of sequences, e.g. [sequence]")
    if type(X).__name__ == "DataFrame":
        if X.shape[1] != 1:
            return None
        X = X.iloc[:, 0]
    if isinstance(X, (list, tuple)):
        values = X
    else:
        dtype = getattr(X, "dtype", None)
        if dtype is None or getattr(dtype, "kind", None) not in ("U", "O"):
            return None
        values = np.asarray(X, dtype=object)
        if values.ndim == 2 and values.shape[1] == 1:
            values = values[:, 0]
        if values.ndim != 1:
            return None
    if len(values) == 0 or not any(isinstance(v, str) for v in values):
        return None
    for index, value in enumerate(values):
        if not isinstance(value, str):
            raise TypeError(f"sequence {index} is {value!r} ({type(value).__name__}), "
                            "expected a string; remove or fill missing sequences first")
    return list(values)


def one_hot_encode(
    sequences: Sequence[str],
    *,
    length: int | None = None,
    resize: str = "error",
    unknown: str = "uniform",
    rna: bool = False,
) -> np.ndarray:
    """One-hot encode nucleotide strings.

    Parameters
    ----------
    sequences : array-like of str of length n_sequences
        Letters A, C, G, T in any case, plus IUPAC ambiguity codes (``N``,
        ``R``, ``Y``, ...). With ``rna=True``, ``U`` is read as ``T``. Any
        form ``as_sequences`` reads (list, array, Series, Index,
        ``(n, 1)`` array, one-column DataFrame), or an iterable of strings.
    length : int, default=None
        Output length. ``None``: all sequences must share one length, or with
        ``resize`` the longest (``'pad'``, ``'pad_or_crop'``) or the shortest
        (``'crop'``) sequence sets it.
    resize : {'error', 'pad', 'crop', 'pad_or_crop'}, default='error'
        What to do with a sequence whose length differs from ``length``:
        raise, pad both ends with ``N`` (the sequence stays centred), or
        centre-crop. When the difference is odd, the extra base is padded
        or cropped at the 3' end.
    unknown : {'uniform', 'zeros'}, default='uniform'
        Encoding of ``N``: 0.25 in each channel, or all zeros. Other IUPAC
        codes are always uniform over the bases they stand for.
    rna : bool, default=False
        Accept ``U`` (read as ``T``).

    Returns
    -------
    onehot : ndarray of shape (n_sequences, length, 4), float32
        Channels-last, channels in A, C, G, T order.

    Raises
    ------
    ValueError
        On a character outside the alphabet (the message names the sequence
        index, the position and the character), on unequal lengths when
        ``resize='error'``, or on an empty input.
    """
    found = as_sequences(sequences)
    if found is None:
        if hasattr(sequences, "shape") or hasattr(sequences, "columns"):
            raise TypeError(f"expected sequences as strings, got a {type(sequences).__name__} "
                            f"of shape {getattr(sequences, 'shape', None)}")
        found = list(sequences)  # a generator or other iterable; non-strings named below
    sequences = found
    if not sequences:
        raise ValueError("cannot encode an empty list of sequences")
    table, _ = _lookup_table(unknown, rna)
    buffer, lengths = ascii_sequences(sequences, rna)  # cropped characters checked too
    codes, length = _resize_codes(buffer, lengths, length, resize)
    if length == 0:
        raise ValueError("cannot encode sequences of length 0")
    # np.take along axis 0 is several times faster than fancy indexing here.
    return np.take(table, codes, axis=0)


def one_hot_decode(onehot: np.ndarray) -> list[str]:
    """Turn one-hot arrays back into strings.

    Parameters
    ----------
    onehot : array-like of shape (n_sequences, length, 4)
        Channels-last, A, C, G, T order.

    Returns
    -------
    sequences : list of str
        The arg-max base at each position; ``N`` where no channel is above
        0.5 (uniform, zeros or other ambiguity).
    """
    onehot = np.asarray(onehot)
    if onehot.ndim != 3 or onehot.shape[-1] != 4:
        raise ValueError(f"expected shape (n, length, 4), got {onehot.shape}")
    letters = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)[onehot.argmax(-1)]
    letters[onehot.max(-1) <= 0.5] = ord("N")
    return [row.tobytes().decode("ascii") for row in letters]


def reverse_complement(x):
    """Reverse complement of a string, a list of strings or one-hot arrays.

    Parameters
    ----------
    x : str, sequence of str, or array-like of shape (..., length, 4)
        One-hot input must be channels-last in A, C, G, T order, so the
        complement is the reversed channel axis.

    Returns
    -------
    Same type as ``x``: IUPAC codes are complemented (``R`` ↔ ``Y`` ...),
    case is kept.
    """
    if isinstance(x, str):
        return x.translate(_COMPLEMENT)[::-1]
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        if x.ndim < 2 or x.shape[-1] != 4:
            raise ValueError(f"expected one-hot shape (..., length, 4), got {x.shape}")
        return np.ascontiguousarray(x[..., ::-1, ::-1])
    return [reverse_complement(s) for s in x]

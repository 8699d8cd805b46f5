"""Readers for sequence files: FASTA and delimited tables."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd


def _open_text(path: str | os.PathLike):
    path = os.fspath(path)
    if path.endswith(".gz"):
        return gzip.open(path, "rt")
    return open(path, encoding="ascii", errors="strict")


def iter_fasta(path: str | os.PathLike) -> Iterator[tuple[str, str]]:
    """Yield ``(name, sequence)`` records of a FASTA file one at a time.

    Parameters
    ----------
    path : str or path-like
        Plain or gzip-compressed (``.gz``) FASTA. Sequence lines are joined;
        the name is the header line without ``>``, up to the first space.
    """
    name, chunks = None, []
    with _open_text(path) as handle:
        for line_number, line in enumerate(handle, start=1):
            line = line.strip()
            if not line or line.startswith(";"):
                continue
            if line.startswith(">"):
                if name is not None:
                    yield name, "".join(chunks)
                header = line[1:].split(maxsplit=1)
                name, chunks = (header[0] if header else ""), []
            elif name is None:
                raise ValueError(
                    f"{os.fspath(path)}: line {line_number} holds sequence before "
                    "any '>' header; is this a FASTA file?"
                )
            else:
                chunks.append(line)
    if name is not None:
        yield name, "".join(chunks)


def read_fasta(path: str | os.PathLike) -> tuple[list[str], list[str]]:
    """Read a whole FASTA file.

    Returns
    -------
    names : list of str of length n_records
    sequences : list of str of length n_records
    """
    records = list(iter_fasta(path))
    return [r[0] for r in records], [r[1] for r in records]


def read_table(
    path: str | os.PathLike,
    *,
    sequence_column: str = "seq",
    target_columns: str | Sequence[str] | None = None,
    sep: str | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Read sequences and targets from a TSV / CSV file.

    Parameters
    ----------
    path : str or path-like
        Delimited text, optionally gzip-compressed.
    sequence_column : str, default='seq'
    target_columns : str or sequence of str, default=None
        One column gives ``y`` of shape ``(n,)``, several give
        ``(n, n_targets)``; ``None`` returns no targets.
    sep : str, default=None
        Delimiter; ``None`` uses a tab for ``.tsv`` / ``.txt`` files and a
        comma otherwise.

    Returns
    -------
    sequences : ndarray of shape (n_rows,), dtype object
        Strings; an array, so that it indexes like ``y`` and MAPIE's
        wrappers count its samples.
    y : ndarray of shape (n_rows,) or (n_rows, n_targets), float64, or None

    Raises
    ------
    ValueError
        For a row without a sequence, or a target cell that is not a finite
        number (empty, ``NA``, text): the rows are named, nothing is dropped.
        Cells are read as written, so a sequence such as ``NA`` stays a
        sequence rather than pandas' missing value.
    """
    if sep is None:
        stem = os.fspath(path).removesuffix(".gz")
        sep = "\t" if stem.endswith((".tsv", ".txt")) else ","
    frame = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)
    columns = [sequence_column]
    if target_columns is not None:
        single = isinstance(target_columns, str)
        targets = [target_columns] if single else list(target_columns)
        columns += targets
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{os.fspath(path)} has no column(s) {missing}; it has {list(frame.columns)}"
        )
    sequences = np.asarray(frame[sequence_column].tolist(), dtype=object)
    refuse_rows(path, sequence_column, sequences == "", sequences, "no sequence")
    if target_columns is None:
        return sequences, None
    y = np.column_stack([pd.to_numeric(frame[c].str.strip(), errors="coerce").to_numpy(
        dtype=np.float64) for c in targets])
    for i, column in enumerate(targets):
        refuse_rows(path, column, ~np.isfinite(y[:, i]), frame[column].to_numpy(),
                     "no finite number")
    return sequences, (y[:, 0] if single else y)


def refuse_rows(path, column: str, bad: np.ndarray, cells: np.ndarray, what: str) -> None:
    """Raise naming the rows of ``column`` where ``bad`` (data rows counted from
    1 after the header) and the first such cell."""
    rows = np.flatnonzero(bad)
    if rows.size:
        raise ValueError(
            f"{os.fspath(path)}: column {column!r} has {what} on {rows.size} of {len(bad)} "
            f"rows (data rows {(rows[:5] + 1).tolist()}{' ...' if rows.size > 5 else ''}, "
            f"counted from 1 after the header; the first reads {cells[rows[0]]!r}): remove "
            "or fill those rows in the table")

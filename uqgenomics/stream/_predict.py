"""Chunked prediction over streamed sequences, and writing it to a file."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import numpy as np
from sklearn.base import is_classifier
from sklearn.utils.validation import check_is_fitted

from .._engine._parallel import parallel
from .._result import ClassificationUncertainty, UncertaintyResult
from .._validation import check_not_profile
from ..encoding import one_hot_encode
from ._fingerprint import run_fingerprint
from ._sink import TableSink
from ._sources import is_fasta_path, iter_records, tile_records
from ._writers import NAME_KEY, WRITERS, infer_format


def _chunks(records, size: int) -> Iterator[tuple[list[str], list]]:
    while True:
        block = list(itertools.islice(records, size))
        if not block:
            return
        names, sequences = zip(*block)
        yield list(names), list(sequences)


def _encode(sequences: list, length: int, pad: bool) -> np.ndarray:
    if all(isinstance(s, str) for s in sequences):
        return one_hot_encode(sequences, length=length, resize="pad" if pad else "error")
    return np.stack([np.asarray(s, dtype=np.float32) for s in sequences])


def _score_chunk(estimator, names, sequences, length, pad):
    """One task: encode a chunk and predict it (runs on a joblib worker)."""
    return names, estimator.predict_uncertainty(_encode(sequences, length, pad))


def _resolve_tiling(estimator, window, stride):
    """``(window, stride)`` or ``(None, None)``; a window the model cannot
    score is refused here, before any sequence is read or output written."""
    if window is None and stride is None:
        return None, None
    window = window or estimator.input_shape_[0]
    if window != estimator.input_shape_[0] and not estimator.variable_length:
        raise ValueError(f"window={window} but {type(estimator).__name__} was fitted on "
                         f"{estimator.input_shape_[0]} bp sequences; use window="
                         f"{estimator.input_shape_[0]} (the default), or a model fitted with "
                         "variable_length=True")
    return window, stride or window


def predict_stream(estimator, source, *, chunk_size: int = 4096, window: int | None = None,
                   stride: int | None = None, skip: int = 0,
                   n_jobs: int | None = None) -> Iterator[tuple[list[str], object]]:
    """``predict_uncertainty`` over a stream of sequences, one chunk at a time.

    Memory stays bounded by a few chunks whatever the stream's length:
    sequences are read, encoded and predicted ``chunk_size`` at a time and
    nothing is kept after a chunk is yielded. Chunks go through joblib, so
    ``n_jobs`` workers (or a ``joblib.parallel_backend('dask')`` cluster)
    score them in parallel; they come back in input order.

    Parameters
    ----------
    estimator : fitted uqgenomics estimator
        Trained on one-hot sequences.
    source : path, h5py.Dataset, iterable or ndarray
        See :func:`iter_records`: a FASTA file, ``'file.h5:dataset'``, or an
        iterable of strings / one-hot arrays / ``(name, sequence)`` pairs.
    chunk_size : int, default=4096
        Sequences (windows) per chunk.
    window, stride : int, default=None
        Tile each record into windows (see :func:`tile_records`). Giving
        either one tiles; ``window`` defaults to the model's input length
        and ``stride`` to ``window``. Without tiling every sequence must
        have the model's input length.
    skip : int, default=0
        Rows (sequences or windows) to skip first, e.g. those already
        written by an interrupted run.
    n_jobs : int or None, default=None
        joblib workers; ``None`` is 1 unless a ``joblib.parallel_backend``
        context says otherwise. Each gets ``torch.get_num_threads() //
        n_jobs`` torch threads (see ``uqgenomics._engine._parallel``).

    Yields
    ------
    names : list of str
        Record names, or ``'{name}:{start}-{end}'`` windows.
    result : UncertaintyResult or ClassificationUncertainty
        For this chunk's sequences.
    """
    check_is_fitted(estimator)
    check_not_profile(estimator, "streamed prediction")
    if len(estimator.input_shape_) != 2:
        raise ValueError("streamed prediction needs a model trained on one-hot sequences")
    if not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}")
    window, stride = _resolve_tiling(estimator, window, stride)
    records = iter_records(source)
    if window is not None:
        records = tile_records(records, window, stride)
    records = itertools.islice(records, skip, None)
    length = window or estimator.input_shape_[0]
    calls = ((_score_chunk, (estimator, names, sequences, length, window is not None), {})
             for names, sequences in _chunks(records, chunk_size))
    yield from parallel(calls, n_jobs, return_as="generator", pre_dispatch="2*n_jobs")


def result_columns(estimator) -> list[str]:
    """Column names of a written prediction table for ``estimator``.

    Regression: ``mean, epistemic, aleatoric, total`` (one task) or
    ``mean_0, ..., total_{T-1}`` (T tasks), in the units of ``y``.
    Classification: ``proba_<class>`` per class, then ``total, aleatoric,
    epistemic`` entropies (nats).
    """
    if is_classifier(estimator):
        return [f"proba_{c}" for c in estimator.classes_] + ["total", "aleatoric", "epistemic"]
    parts = ["mean", "epistemic", "aleatoric", "total"]
    if estimator.n_tasks_ == 1:
        return parts
    return [f"{part}_{t}" for part in parts for t in range(estimator.n_tasks_)]


def _result_values(result) -> np.ndarray:
    """``(n, n_columns)`` in :func:`result_columns` order."""
    if isinstance(result, ClassificationUncertainty):
        return np.column_stack([result.proba, result.total, result.aleatoric, result.epistemic])
    if isinstance(result, UncertaintyResult):
        parts = [result.mean, result.epistemic, result.aleatoric, result.total]
        return np.column_stack([p.reshape(len(p), -1) for p in parts])
    raise TypeError(f"unexpected prediction result {type(result).__name__}")


def write_predictions(estimator, source, out, *, format: str | None = None,
                      resume: bool = True, chunk_size: int = 4096, window: int | None = None,
                      stride: int | None = None, n_jobs: int | None = None,
                      progress: bool = False) -> int:
    """Score a stream of sequences and write means and uncertainties to a file.

    Rows are appended a chunk at a time and made durable before the next
    chunk; rerunning the same call after an interruption keeps the
    complete rows already written and continues from the next one. Only
    the same run resumes: the output records a fingerprint of the source's
    contents, the window and stride, the model (weights and parameters) and
    the columns, and anything else is an error that says how to overwrite.

    Parameters
    ----------
    estimator : fitted uqgenomics estimator
    source : path, h5py.Dataset, iterable or ndarray
        As for :func:`predict_stream`. Resuming needs a source that yields
        the same records in the same order (a file does).
    out : path
        ``*.tsv`` (tab-separated, with a header), ``*.parquet`` (a folder of
        parts, read with ``pandas.read_parquet``) or ``*.h5`` (one dataset
        per column plus ``name``).
    format : {'tsv', 'parquet', 'h5'}, default=None
        Overrides the suffix.
    resume : bool, default=True
        Continue an existing output of the same run (an error for another
        run, or for a one-pass iterator whose contents cannot be checked);
        False starts it afresh, overwriting it.
    chunk_size, window, stride, n_jobs
        As for :func:`predict_stream`.
    progress : bool, default=False
        Show a tqdm bar (in rows).

    Returns
    -------
    n_rows : int
        Rows in the output, including those written before a resume.
    """
    check_is_fitted(estimator)
    check_not_profile(estimator, "write_predictions")
    format = format or infer_format(out)
    if format not in WRITERS:
        raise ValueError(f"format must be one of {sorted(WRITERS)}, got {format!r}")
    columns = result_columns(estimator)
    tiling = _resolve_tiling(estimator, window, stride)
    writer = WRITERS[format](out, columns, resume,
                             run_fingerprint(estimator, source, *tiling, columns))
    with TableSink(writer, NAME_KEY, columns, progress, "seq", out) as sink:
        for names, result in predict_stream(estimator, source, chunk_size=chunk_size,
                                            window=window, stride=stride, skip=sink.done,
                                            n_jobs=n_jobs):
            sink.add({"name": names}, _result_values(result))
    return sink.result()


def predict_fasta(estimator, fasta, out, **kwargs) -> int:
    """Score every sequence (or window) of a FASTA file into ``out``.

    Parameters
    ----------
    estimator : fitted uqgenomics estimator
    fasta : path
        ``.fa``, ``.fasta``, ``.fna`` or ``.fas``, optionally gzipped.
    out : path
        ``*.tsv``, ``*.parquet`` or ``*.h5``.
    **kwargs
        ``format``, ``resume``, ``chunk_size``, ``window``, ``stride``,
        ``n_jobs``, ``progress``: see :func:`write_predictions`.

    Returns
    -------
    n_rows : int

    Examples
    --------
    Genome-scale scoring in 230 bp windows every 50 bp, four processes::

        predict_fasta(model, "chr21.fa.gz", "chr21_scores.parquet",
                      window=230, stride=50, n_jobs=4)
    """
    if not is_fasta_path(fasta):
        raise ValueError(f"{os.fspath(fasta)!r} is not named like a FASTA file "
                         "(.fa, .fasta, .fna, .fas, optionally .gz)")
    return write_predictions(estimator, fasta, out, **kwargs)

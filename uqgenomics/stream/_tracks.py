"""Prediction over genomic regions, and genome tracks (bigWig, bedGraph) of it."""

from __future__ import annotations

import itertools
import os
import warnings
from pathlib import Path

import numpy as np
from sklearn.utils.validation import check_is_fitted
from tqdm.auto import tqdm

from .._engine._parallel import parallel
from .._validation import check_not_profile
from ..encoding import one_hot_encode
from ..genome import Genome
from ..genome._fasta import count_ambiguous
from ..genome._regions import Region, check_regions, genome_regions, read_bed, tile_regions
from ._fingerprint import run_fingerprint
from ._predict import _resolve_tiling, _result_values, result_columns
from ._sink import TableSink
from ._writers import WRITERS, infer_format

#: The key columns of a window table: the window (0-based, end exclusive),
#: the index of its region (in the order predicted), and its count of N /
#: IUPAC bases.
WINDOW_KEYS = {"chrom": str, "start": int, "end": int, "region": int, "n_ambiguous": int}
AGGREGATIONS = ("center", "mean")
TRACK_FORMATS = {"bigwig": ".bw", "bedgraph": ".bedGraph"}


def _as_regions(regions, genome: Genome, sort: bool) -> list[Region]:
    if regions is None:
        regions = genome_regions(genome)
    elif isinstance(regions, (str, os.PathLike)):
        regions = read_bed(regions)
    return check_regions(regions, genome, sort=sort)


def _windows(genome, regions, window, stride):
    """``(keys, sequence)`` per window, lazily."""
    for index, start, end in tile_regions(regions, window, stride, genome.contigs):
        chrom = regions[index].chrom
        sequence = genome.fetch(chrom, start, end)
        yield (chrom, start, end, index, count_ambiguous(sequence)), sequence


def _predict_chunk(estimator, keys, sequences):
    """One task: encode and predict a chunk of windows (runs on a joblib worker)."""
    return keys, estimator.predict_uncertainty(one_hot_encode(sequences))


def predict_regions(estimator, fasta, regions=None, out=None, *, window: int | None = None,
                    stride: int | None = None, format: str | None = None, resume: bool = True,
                    chunk_size: int = 4096, n_jobs: int | None = None,
                    progress: bool = False):
    """Predict windows tiled over genomic regions (or the whole genome).

    Each region is cut into windows of ``window`` bases every ``stride``
    bases (the last one ending at the region's end; a region shorter than a
    window gets one window centred on it, flanks from the genome: see
    :func:`uqgenomics.genome.tile_regions`), read from the genome and
    predicted ``chunk_size`` at a time (memory stays flat). Windows with N
    or other ambiguous bases are predicted as they are (one-hot 0.25 per
    base for N) and counted in ``n_ambiguous``, so they can be left out.

    Parameters
    ----------
    estimator : fitted uqgenomics estimator
        Trained on one-hot sequences.
    fasta : path or Genome
    regions : path, iterable or None, default=None
        A BED file, an iterable of :class:`uqgenomics.genome.Region` or
        ``(chrom, start, end)``; None: every contig whole.
    out : path, default=None
        ``*.tsv``, ``*.parquet`` or ``*.h5``, written chunk by chunk and
        resumed as :func:`predict_fasta` is; None returns a DataFrame.
    window, stride : int, default=None
        In bases; ``window`` defaults to the model's input length (another
        only with ``variable_length`` models), ``stride`` to ``window``.
    format, resume, chunk_size, n_jobs, progress
        As for :func:`write_predictions`.

    Returns
    -------
    table : pandas.DataFrame, or n_rows : int with ``out``
        Columns ``chrom, start, end`` (the window), ``region`` (index of
        the region in ``regions``), ``n_ambiguous``, then
        :func:`result_columns` of the estimator.
    """
    check_is_fitted(estimator)
    check_not_profile(estimator, "predict_regions (write_tracks writes a profile model's "
                      "tracks)")
    if len(estimator.input_shape_) != 2:
        raise ValueError("predicting genomic regions needs a model trained on one-hot sequences")
    window, stride = _resolve_tiling(estimator, window or estimator.input_shape_[0], stride)
    genome = fasta if isinstance(fasta, Genome) else Genome(fasta)
    regions = _as_regions(regions, genome, sort=False)
    return _predict_windows(estimator, genome, regions, out, window, stride, format, resume,
                            chunk_size, n_jobs, progress)


def _predict_windows(estimator, genome, regions, out, window, stride, format, resume,
                     chunk_size, n_jobs, progress):
    columns = result_columns(estimator)
    writer = None
    if out is not None:
        format = format or infer_format(out)
        if format not in WRITERS:
            raise ValueError(f"format must be one of {sorted(WRITERS)}, got {format!r}")
        source = {"genome": genome.path,
                  "regions": [(r.chrom, r.start, r.end, r.name) for r in regions]}
        fingerprint = run_fingerprint(estimator, source, window, stride,
                                      [*WINDOW_KEYS, *columns])
        writer = WRITERS[format](out, columns, resume, fingerprint, keys=WINDOW_KEYS)
    with TableSink(writer, WINDOW_KEYS, columns, progress, "window",
                   out if out is not None else "windows") as sink:
        windows = itertools.islice(_windows(genome, regions, window, stride), sink.done, None)

        def chunks():
            while block := list(itertools.islice(windows, chunk_size)):
                keys, sequences = zip(*block)
                yield _predict_chunk, (estimator, list(keys), list(sequences)), {}

        for keys, result in parallel(chunks(), n_jobs, return_as="generator",
                                     pre_dispatch="2*n_jobs"):
            sink.add(dict(zip(WINDOW_KEYS, (list(column) for column in zip(*keys)))),
                     _result_values(result))
    return sink.result()


def track_intervals(region: Region, starts, ends, values, keep, aggregation: str):
    """The track of one region from its windows' values.

    Parameters
    ----------
    region : Region
    starts, ends : ndarray of shape (n_windows,)
        The region's windows, in tiling order (by start).
    values : ndarray of shape (n_windows,)
    keep : ndarray of shape (n_windows,), bool
        Windows whose values go into the track (the others leave a gap).
    aggregation : {'center', 'mean'}
        ``'center'``: each base of the region takes the value of the window
        whose centre (base ``start + window // 2``) is nearest (ties to the
        earlier window): the region is
        cut halfway between consecutive window centres, the first and last
        pieces reaching the region's ends; a left-out window leaves its
        piece empty. ``'mean'``: each base takes the mean of the kept
        windows covering it (stds are averaged as they are, not pooled).
        Only bases inside the region are written.

    Returns
    -------
    list of (start, end, value)
        Non-overlapping, sorted intervals.
    """
    starts, ends, values = (np.asarray(a) for a in (starts, ends, values))
    keep = np.asarray(keep, dtype=bool)
    if aggregation == "center":
        centres = starts + (ends - starts) // 2
        # base b goes to the earlier window when b - c₀ <= c₁ - b
        cuts = np.concatenate([[region.start], (centres[:-1] + centres[1:]) // 2 + 1,
                               [region.end]])
        cuts = np.clip(cuts, region.start, region.end)
        return [(int(a), int(b), float(v)) for a, b, v, k in
                zip(cuts[:-1], cuts[1:], values, keep) if k and b > a]
    if aggregation != "mean":
        raise ValueError(f"aggregation must be one of {AGGREGATIONS}, got {aggregation!r}")
    lo = np.clip(starts[keep], region.start, region.end)
    hi = np.clip(ends[keep], region.start, region.end)
    points = np.unique(np.concatenate([lo, hi]))
    totals, counts = np.zeros(len(points)), np.zeros(len(points))
    np.add.at(totals, np.searchsorted(points, lo), values[keep])
    np.add.at(totals, np.searchsorted(points, hi), -values[keep])
    np.add.at(counts, np.searchsorted(points, lo), 1)
    np.add.at(counts, np.searchsorted(points, hi), -1)
    totals, counts = np.cumsum(totals), np.cumsum(counts)
    return [(int(a), int(b), float(s / c)) for a, b, s, c in
            zip(points[:-1], points[1:], totals, counts) if c > 0.5]


def write_tracks(estimator, fasta, out_prefix, regions=None, *, window: int | None = None,
                 stride: int | None = None, aggregation: str = "center",
                 max_ambiguous: int = 0, format: str = "bigwig", resume: bool = True,
                 chunk_size: int = 4096, n_jobs: int | None = None,
                 progress: bool = False) -> dict[str, Path]:
    """Genome tracks of a model's prediction and uncertainty: one bigWig (or
    bedGraph) per output column.

    The windows are predicted into ``{out_prefix}.windows.h5`` (see
    :func:`predict_regions`; resumed after an interruption), and every
    column of it (``mean, epistemic, aleatoric, total`` for a regressor,
    per task with a suffix; class probabilities and entropies for a
    classifier) becomes ``{out_prefix}.{column}.bw``, written under a
    temporary name and renamed when whole. Regions are put in the genome's
    contig order; overlapping ones are refused.

    Parameters
    ----------
    estimator : fitted uqgenomics estimator
    fasta : path or Genome
    out_prefix : str or path
        E.g. ``'tracks/chr21'`` → ``tracks/chr21.mean.bw``...
    regions : path, iterable or None, default=None
        As for :func:`predict_regions` (None: the whole genome).
    window, stride : int, default=None
        As for :func:`predict_regions`. With ``stride < window`` windows
        overlap, and ``aggregation`` says which value a base gets.
    aggregation : {'center', 'mean'}, default='center'
        See :func:`track_intervals`: the nearest window centre's value, or
        the mean over the windows covering the base.
    max_ambiguous : int, default=0
        Windows with more N / IUPAC bases are left out of the tracks (a
        gap, counted in a warning); they stay in the windows table.
    format : {'bigwig', 'bedgraph'}, default='bigwig'
    resume, chunk_size, n_jobs, progress
        As for :func:`predict_regions`.

    Returns
    -------
    dict of str to Path
        The track file of each column.

    Examples
    --------
    >>> write_tracks(model, "hg38.fa.gz", "out/enhancers", regions="peaks.bed",
    ...              stride=50, progress=True)                      # doctest: +SKIP
    {'mean': PosixPath('out/enhancers.mean.bw'), 'epistemic': ..., ...}
    """
    check_is_fitted(estimator)
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"aggregation must be one of {AGGREGATIONS}, got {aggregation!r}")
    if format not in TRACK_FORMATS:
        raise ValueError(f"format must be one of {sorted(TRACK_FORMATS)}, got {format!r}")
    if not isinstance(max_ambiguous, (int, np.integer)) or max_ambiguous < 0:
        raise ValueError(f"max_ambiguous must be a non-negative int, got {max_ambiguous!r}")
    if len(estimator.input_shape_) != 2:
        raise ValueError("genome tracks need a model trained on one-hot sequences")
    window, stride = _resolve_tiling(estimator, window or estimator.input_shape_[0], stride)
    genome = fasta if isinstance(fasta, Genome) else Genome(fasta)
    regions = _as_regions(regions, genome, sort=True)
    prefix = Path(out_prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    if getattr(estimator, "profile_length_", None):
        return _write_profile_tracks(estimator, genome, regions, prefix, window, stride,
                                     aggregation, max_ambiguous, format, chunk_size, progress)
    table = Path(f"{prefix}.windows.h5")
    _predict_windows(estimator, genome, regions, table, window, stride, "h5", resume,
                     chunk_size, n_jobs, progress)
    import h5py

    with h5py.File(table, "r") as handle:
        region_index = handle["region"][:]
        starts, ends = handle["start"][:], handle["end"][:]
        keep = handle["n_ambiguous"][:] <= max_ambiguous
        bounds = np.flatnonzero(np.diff(region_index)) + 1
        pieces = np.split(np.arange(len(region_index)), bounds)
        if (~keep).any():
            warnings.warn(f"{int((~keep).sum())} of {len(keep)} windows have more than "
                          f"{max_ambiguous} N / ambiguous bases and are left out of the "
                          f"tracks (gaps; they are in {table}). Raise max_ambiguous to keep "
                          "them", UserWarning, stacklevel=2)
        written = {}
        for column in result_columns(estimator):
            values = handle[column][:]
            intervals = ((regions[region_index[rows[0]]].chrom, *interval)
                         for rows in pieces if len(rows)
                         for interval in track_intervals(
                             regions[region_index[rows[0]]], starts[rows], ends[rows],
                             values[rows], keep[rows], aggregation))
            path = Path(f"{prefix}.{column}{TRACK_FORMATS[format]}")
            _write_track(path, genome.contigs, intervals, format)
            written[column] = path
    return written


def _write_profile_tracks(estimator, genome, regions, prefix, window, stride, aggregation,
                          max_ambiguous, format, chunk_size, progress) -> dict[str, Path]:
    """Tracks of a profile model: every window's profile placed on the genome
    (bin ``i`` of a window starting at ``s`` covers ``s + i·r`` to ``s +
    (i+1)·r``, ``r = window / profile length``), overlapping bins resolved by
    ``aggregation`` as windows are."""
    length = estimator.profile_length_
    if window % length:
        raise ValueError(f"{type(estimator).__name__} predicts {length} positions for "
                         f"{window} bp windows, which does not place them on bases (the "
                         "window must be a whole number of bins)")
    resolution = window // length
    columns = result_columns(estimator)
    bins = {index: [] for index in range(len(regions))}
    n_skipped = 0
    windows = _windows(genome, regions, window, stride)
    with tqdm(desc="windows", unit="window", disable=not progress) as bar:
        while block := list(itertools.islice(windows, chunk_size)):
            keys, sequences = zip(*block)
            result = estimator.predict_uncertainty(one_hot_encode(list(sequences)))
            parts = [np.reshape(p, (len(keys), length, -1)) for p in (
                result.mean, result.epistemic, result.aleatoric, result.total)]
            values = np.concatenate(parts, axis=2)  # (n, L, 4 · T) in column order
            for (chrom, start, end, index, n_ambiguous), profile in zip(keys, values):
                if n_ambiguous > max_ambiguous:
                    n_skipped += 1
                    continue
                bins[index].append((start, profile))
            bar.update(len(keys))
    if n_skipped:
        warnings.warn(f"{n_skipped} windows have more than {max_ambiguous} N / ambiguous bases "
                      "and are left out of the tracks (gaps). Raise max_ambiguous to keep "
                      "them", UserWarning, stacklevel=3)
    written = {}
    for c, column in enumerate(columns):
        intervals = (interval for index, entries in bins.items() if entries
                     for interval in _profile_intervals(regions[index], entries, window,
                                                        resolution, c, aggregation))
        path = Path(f"{prefix}.{column}{TRACK_FORMATS[format]}")
        _write_track(path, genome.contigs, intervals, format)
        written[column] = path
    return written


def _profile_intervals(region, entries, window, resolution, column, aggregation):
    """``(chrom, start, end, value)`` of one region from its windows' profiles
    ``entries`` = ``[(window start, (L, n_columns) values)]``, in tiling order.

    ``'center'``: each base takes the profile of the window holding it whose
    centre is nearest (ties to the earlier window), so a base is read where
    the model saw the most context around it, at the bin covering it;
    ``'mean'``: the mean over every covering window's bin.
    """
    starts = np.array([start for start, _ in entries])
    if aggregation == "mean":
        bin_starts = (starts[:, None] + np.arange(len(entries[0][1])) * resolution).ravel()
        values = np.concatenate([profile[:, column] for _, profile in entries])
        order = np.argsort(bin_starts, kind="stable")
        for interval in track_intervals(region, bin_starts[order],
                                        bin_starts[order] + resolution, values[order],
                                        np.ones(len(order), bool), "mean"):
            yield (region.chrom, *interval)
        return
    # base b (centre b + ½) goes to window k rather than k + 1 when it is no
    # farther from k's centre, and never to a window that does not hold it
    centres = starts + window / 2
    cuts = np.floor((centres[:-1] + centres[1:]) / 2 - 0.5).astype(int) + 1
    cuts = np.clip(cuts, starts[1:], starts[:-1] + window)
    bounds = np.concatenate([[max(region.start, starts[0])], cuts,
                             [min(region.end, starts[-1] + window)]])
    bounds = np.clip(bounds, region.start, region.end)
    for k, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        if b <= a:
            continue
        start, profile = entries[k]
        for i in range((a - start) // resolution, (b - 1 - start) // resolution + 1):
            lo, hi = max(a, start + i * resolution), min(b, start + (i + 1) * resolution)
            yield region.chrom, int(lo), int(hi), float(profile[i, column])


def _write_track(path: Path, contigs: dict, intervals, format: str) -> None:
    """Write sorted ``(chrom, start, end, value)`` intervals, atomically: a
    failure part-way (of the intervals or the writer) leaves no file behind."""
    temporary = path.with_name(f".tmp.{path.name}")  # pybigtools goes by the suffix
    if format == "bigwig":
        try:
            import pybigtools
        except ImportError:
            raise ImportError("writing bigWig needs pybigtools: pip install "
                              "'uqgenomics[genome]' (or pip install pybigtools), or pass "
                              "format='bedgraph'") from None
    failure = []

    def checked():  # pybigtools prints an iterator's error and keeps going
        try:
            for chrom, start, end, value in intervals:
                yield str(chrom), int(start), int(end), float(value)
        except BaseException as error:
            failure.append(error)
            raise
    try:
        if format == "bigwig":
            pybigtools.open(os.fspath(temporary), "w").write(dict(contigs), checked())
            if failure:
                raise failure[0]
        else:
            with open(temporary, "w") as handle:
                handle.writelines(f"{c}\t{a}\t{b}\t{v:.7g}\n" for c, a, b, v in checked())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, path)

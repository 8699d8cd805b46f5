"""Training data from genomic regions: sequences from a genome, targets from
bigWig tracks or a table."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ..encoding import one_hot_encode
from ._fasta import Genome, count_ambiguous
from ._regions import (
    Region,
    centred_window,
    check_regions,
    genome_regions,
    read_bed,
    tile_regions,
)

STATISTICS = ("mean", "sum", "max")
UNCOVERED = ("zero", "error")


def _open_bigwig(path):
    try:
        import pybigtools
    except ImportError:
        raise ImportError("reading bigWig needs pybigtools: pip install 'uqgenomics[genome]' "
                          "(or pip install pybigtools)") from None
    if not Path(path).is_file():
        raise FileNotFoundError(f"bigWig {os.fspath(path)!r} does not exist")
    return pybigtools.open(os.fspath(path))


def _bigwig_values(reader, path, region: Region, uncovered: str) -> np.ndarray:
    """Base values of one region from an open bigWig (as the file holds them);
    bases without a value are an error or 0 (``uncovered``)."""
    values = reader.values(region.chrom, region.start, region.end, fillna=None)
    missing = np.isnan(values)
    if missing.any():
        if uncovered == "error":
            raise ValueError(
                f"{Path(path).name} has no value for {int(missing.sum())} bases of "
                f"{region.chrom}:{region.start}-{region.end}; pass uncovered='zero' if the "
                "track leaves out zero coverage (as coverage and fold-change tracks do)")
        values = np.where(missing, 0.0, values)
    return values


def _bigwig_targets(paths, regions, statistic, uncovered) -> np.ndarray:
    y = np.empty((len(regions), len(paths)))
    for j, path in enumerate(paths):
        reader = _open_bigwig(path)
        chroms = reader.chroms()
        for i, region in enumerate(regions):
            if region.chrom not in chroms:
                raise KeyError(f"contig {region.chrom!r} is not in {Path(path).name} (contigs: "
                               f"{', '.join(list(chroms)[:8])}); the genome and the track "
                               "name contigs differently")
            y[i, j] = getattr(np, statistic)(_bigwig_values(reader, path, region, uncovered))
    return y


def _table_targets(path, regions, columns) -> np.ndarray:
    import pandas as pd

    sep = "," if os.fspath(path).lower().removesuffix(".gz").endswith(".csv") else "\t"
    table = pd.read_csv(path, sep=sep)
    table.columns = [str(c).strip() for c in table.columns]
    keys = ["chrom", "start", "end"]
    missing = [c for c in keys + list(columns) if c not in table.columns]
    if missing:
        raise ValueError(f"{os.fspath(path)} has no column {missing} (columns: "
                         f"{list(table.columns)}); it needs chrom, start, end and the targets")
    table = table.set_index(keys)
    if not table.index.is_unique:
        raise ValueError(f"{os.fspath(path)} lists a region more than once")
    wanted = [(r.chrom, r.start, r.end) for r in regions]
    absent = [w for w in wanted if w not in table.index]
    if absent:
        raise ValueError(f"{len(absent)} regions have no row in {os.fspath(path)}, e.g. "
                         f"{absent[0][0]}:{absent[0][1]}-{absent[0][2]}")
    return table.loc[wanted, list(columns)].to_numpy(dtype=np.float64)


def regions_dataset(fasta, regions, targets, *, length: int | None = None,
                    target_columns=None, statistic: str = "mean",
                    uncovered: str = "error") -> Bunch:
    """``(X, y)`` for training from genomic regions, a genome and targets.

    Each region's sequence is read from the genome; with ``length``, a
    window of that many bases centred on the region (flanks from the
    genome, moved inwards at a contig end; never padded), without it every
    region must have one length. Targets come per region from bigWig
    tracks (one task per track: the ``statistic`` of the track's values
    over the region's bases) or from a table.

    Parameters
    ----------
    fasta : path or Genome
    regions : path or iterable
        A BED file or :class:`Region` / ``(chrom, start, end[, name])`` items.
    targets : path or list of paths
        bigWig files (``.bw``, ``.bigwig``), or one table (``.tsv``, ``.csv``)
        with columns ``chrom, start, end`` matching the regions and the
        ``target_columns``.
    length : int, default=None
        Window length; None: the regions' own (all equal).
    target_columns : list of str, default=None
        The table's target columns (required with a table).
    statistic : {'mean', 'sum', 'max'}, default='mean'
        Of a bigWig's values over a region.
    uncovered : {'error', 'zero'}, default='error'
        Bases without a bigWig value: an error, or 0 (coverage tracks often
        leave zero-coverage stretches out).

    Returns
    -------
    Bunch
        ``X`` (n, length, 4) float32 one-hot; ``y`` (n,) for one target,
        (n, n_targets) otherwise, float32; ``regions`` (list of Region, in
        order); ``windows`` (list of Region: the sequences' coordinates);
        ``target_names``; ``n_ambiguous`` (n,) N / IUPAC bases per window.
    """
    genome = fasta if isinstance(fasta, Genome) else Genome(fasta)
    if isinstance(regions, (str, os.PathLike)):
        regions = read_bed(regions)
    regions = check_regions(regions, genome)
    if statistic not in STATISTICS:
        raise ValueError(f"statistic must be one of {STATISTICS}, got {statistic!r}")
    if uncovered not in UNCOVERED:
        raise ValueError(f"uncovered must be one of {UNCOVERED}, got {uncovered!r}")
    if length is None:
        lengths = {r.end - r.start for r in regions}
        if len(lengths) > 1:
            raise ValueError(f"the regions have {len(lengths)} lengths ({min(lengths)} to "
                             f"{max(lengths)} bp); pass length= to centre a window of one "
                             "length on each")
        length = lengths.pop()
    windows = []
    for region in regions:
        start = centred_window(region, length, genome.contigs[region.chrom])
        windows.append(Region(region.chrom, start, start + length, region.name))
    sequences = [genome.fetch(w.chrom, w.start, w.end) for w in windows]
    paths = [targets] if isinstance(targets, (str, os.PathLike)) else list(targets)
    is_bigwig = [os.fspath(p).lower().endswith((".bw", ".bigwig")) for p in paths]
    if all(is_bigwig):
        y = _bigwig_targets(paths, regions, statistic, uncovered)
        names = [Path(p).name.split(".")[0] for p in paths]
    elif len(paths) == 1 and target_columns:
        names = [target_columns] if isinstance(target_columns, str) else list(target_columns)
        y = _table_targets(paths[0], regions, names)
    else:
        raise ValueError("targets must be bigWig files (.bw, .bigwig) or one table (.tsv, "
                         ".csv) with target_columns=")
    if not np.isfinite(y).all():
        raise ValueError(f"{int((~np.isfinite(y)).sum())} targets are NaN or infinite")
    return Bunch(X=one_hot_encode(sequences), y=(y[:, 0] if y.shape[1] == 1 else y).astype(
        np.float32), regions=regions, windows=windows, target_names=names,
        n_ambiguous=np.array([count_ambiguous(s) for s in sequences]))


def profile_dataset(fasta, tracks, regions=None, *, length: int, stride: int | None = None,
                    resolution: int = 1, uncovered: str = "zero",
                    max_ambiguous: int | None = None) -> Bunch:
    """Sequences and base-resolution target profiles from bigWig replicates.

    Windows of ``length`` bases are centred on BED regions, or tiled over
    the regions (or, with ``regions=None``, every contig) every ``stride``
    bases; each window's profile is read from every replicate's bigWig
    as it is (coverage, or ENCODE's fold change over control), averaged in
    bins of ``resolution`` bases.

    Parameters
    ----------
    fasta : path or Genome
    tracks : path, list of paths, or dict of str to (path or list of paths)
        One bigWig per replicate: a list is one task's replicates; a dict
        maps task names to their replicates (every task the same number).
    regions : path, iterable or None, default=None
        A BED file or :class:`Region` items: with ``stride=None`` one window
        centred on each (peaks), else tiled; None tiles every contig.
    length : int
        Window length, bp; a multiple of ``resolution``.
    stride : int, default=None
        Tile the regions with windows every ``stride`` bases (see
        :func:`tile_regions`); None centres one window on each region (with
        ``regions=None``, contigs are tiled every ``length`` bases).
    resolution : int, default=1
        Bases per target bin.
    uncovered : {'zero', 'error'}, default='zero'
        Bases a track has no value for: 0, or an error.
    max_ambiguous : int, default=None
        Leave out windows with more N / IUPAC bases (counted in
        ``n_dropped``); None keeps every window.

    Returns
    -------
    Bunch
        ``X`` (n, length, 4) float32; ``y`` (n, length // resolution,
        n_tasks) float32, the replicates' mean; ``y_replicates`` (n,
        length // resolution, n_tasks, n_replicates) float32; ``windows``
        (list of Region); ``chroms`` (n,) str, for chromosome splits
        (:func:`chromosome_split`); ``target_names``; ``n_ambiguous`` (n,);
        ``n_dropped``.
    """
    genome = fasta if isinstance(fasta, Genome) else Genome(fasta)
    if uncovered not in UNCOVERED:
        raise ValueError(f"uncovered must be one of {UNCOVERED}, got {uncovered!r}")
    if not isinstance(length, (int, np.integer)) or length < 1 or length % resolution:
        raise ValueError(f"length must be a positive multiple of resolution ({resolution}); "
                         f"got {length!r}")
    if isinstance(tracks, (str, os.PathLike)):
        tracks = {Path(tracks).name.split(".")[0]: [tracks]}
    elif not isinstance(tracks, dict):
        tracks = {"track": list(tracks)}
    tracks = {name: [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
              for name, paths in tracks.items()}
    n_replicates = {len(paths) for paths in tracks.values()}
    if len(n_replicates) != 1 or 0 in n_replicates:
        raise ValueError("every task needs the same (non-zero) number of replicate bigWigs; "
                         f"got {({k: len(v) for k, v in tracks.items()})}")
    if regions is None:
        regions, stride = genome_regions(genome), stride or length
    elif isinstance(regions, (str, os.PathLike)):
        regions = read_bed(regions)
    regions = check_regions(regions, genome)
    if stride is None:
        windows = [Region(r.chrom, start, start + length, r.name) for r in regions
                   for start in [centred_window(r, length, genome.contigs[r.chrom])]]
    else:
        windows = [Region(regions[i].chrom, a, b, regions[i].name)
                   for i, a, b in tile_regions(regions, length, stride, genome.contigs)]
    sequences = [genome.fetch(w.chrom, w.start, w.end) for w in windows]
    n_ambiguous = np.array([count_ambiguous(s) for s in sequences])
    keep = np.ones(len(windows), bool) if max_ambiguous is None else n_ambiguous <= max_ambiguous
    windows = [w for w, k in zip(windows, keep) if k]
    sequences = [s for s, k in zip(sequences, keep) if k]
    names = list(tracks)
    replicates = np.empty((len(windows), length // resolution, len(names),
                           n_replicates.pop()), np.float32)
    for t, name in enumerate(names):
        for r, path in enumerate(tracks[name]):
            reader = _open_bigwig(path)
            chroms = reader.chroms()
            for i, window in enumerate(windows):
                if window.chrom not in chroms:
                    raise KeyError(f"contig {window.chrom!r} is not in {Path(path).name}; the "
                                   "genome and the track name contigs differently")
                replicates[i, :, t, r] = _bigwig_values(
                    reader, path, window, uncovered).reshape(-1, resolution).mean(axis=1)
    if not np.isfinite(replicates).all():
        raise ValueError("a track holds NaN or infinite values")
    return Bunch(X=one_hot_encode(sequences), y=replicates.mean(axis=-1),
                 y_replicates=replicates, windows=windows,
                 chroms=np.array([w.chrom for w in windows]), target_names=names,
                 n_ambiguous=n_ambiguous[keep], n_dropped=int((~keep).sum()))


def chromosome_split(chroms, test, validation) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training, validation and test rows by chromosome (DEGU: one test and
    one validation chromosome held out).

    Parameters
    ----------
    chroms : array-like of shape (n,), str
        Each row's chromosome (``profile_dataset(...).chroms``).
    test, validation : str or sequence of str
        Held-out chromosomes; each must occur in ``chroms``.

    Returns
    -------
    train, validation, test : ndarray of int
        Row indices.
    """
    chroms = np.asarray(chroms).astype(str)
    held = {}
    for role, names in (("test", test), ("validation", validation)):
        names = [names] if isinstance(names, str) else list(names)
        absent = [c for c in names if c not in set(chroms)]
        if absent:
            raise ValueError(f"{role} chromosome {absent} has no rows; the rows are on "
                             f"{sorted(set(chroms))[:10]}")
        held[role] = names
    if set(held["test"]) & set(held["validation"]):
        raise ValueError("a chromosome is both test and validation")
    test_rows = np.flatnonzero(np.isin(chroms, held["test"]))
    valid_rows = np.flatnonzero(np.isin(chroms, held["validation"]))
    train_rows = np.flatnonzero(~np.isin(chroms, held["test"] + held["validation"]))
    if not len(train_rows):
        raise ValueError("no training rows are left outside the held-out chromosomes")
    return train_rows, valid_rows, test_rows

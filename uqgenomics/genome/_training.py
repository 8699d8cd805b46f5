"""Training data from genomic regions: sequences from a genome, targets from
bigWig tracks or a table."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ..encoding import one_hot_encode
from ._fasta import Genome, count_ambiguous
from ._regions import Region, centred_window, check_regions, read_bed

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
            values = reader.values(region.chrom, region.start, region.end, fillna=None)
            missing = np.isnan(values)
            if missing.any():
                if uncovered == "error":
                    raise ValueError(
                        f"{Path(path).name} has no value for {int(missing.sum())} bases of "
                        f"{region.chrom}:{region.start}-{region.end}; pass uncovered='zero' "
                        "if the track leaves out zero coverage (as coverage tracks do)")
                values = np.where(missing, 0.0, values)
            y[i, j] = getattr(np, statistic)(values)
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

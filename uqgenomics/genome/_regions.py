"""Genomic regions: BED files, whole contigs, and tiling them into windows."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ._fasta import Genome


@dataclass(frozen=True)
class Region:
    """A half-open interval ``[start, end)`` of a contig, 0-based as in BED.

    Attributes
    ----------
    chrom : str
    start, end : int
    name : str
        The BED name column, ``'.'`` when absent.
    """

    chrom: str
    start: int
    end: int
    name: str = "."


def read_bed(path) -> list[Region]:
    """The regions of a BED file (plain or gzipped): the first three columns
    (0-based start, end exclusive) and the name when there is one. Header,
    ``track`` and ``browser`` lines and comments are skipped; any other line
    that is not a region is an error naming it."""
    opener = gzip.open if os.fspath(path).endswith(".gz") else open
    regions = []
    with opener(path, "rt") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            fields = line.rstrip("\n").split("\t")
            try:
                chrom, start, end = fields[0], int(fields[1]), int(fields[2])
            except (IndexError, ValueError):
                raise ValueError(f"{os.fspath(path)} line {number} is not a BED region "
                                 f"(tab-separated chrom, start, end): {line[:80]!r}") from None
            regions.append(Region(chrom, start, end, fields[3] if len(fields) > 3 else "."))
    return regions


def genome_regions(genome: Genome) -> list[Region]:
    """One region per contig, covering it whole."""
    return [Region(chrom, 0, length, chrom) for chrom, length in genome.contigs.items()]


def check_regions(regions: Iterable, genome: Genome, *, sort: bool = False) -> list[Region]:
    """Regions checked against the genome: known contigs, ``0 <= start < end
    <= length``; with ``sort``, put in the genome's contig order and by start
    and refused if two overlap (a genome track holds one value per base).

    Parameters
    ----------
    regions : iterable of Region or (chrom, start, end[, name])
    genome : Genome
    sort : bool, default=False

    Returns
    -------
    list of Region
    """
    checked = []
    for region in regions:
        region = region if isinstance(region, Region) else Region(*region)
        genome.check_contig(region.chrom)
        length = genome.contigs[region.chrom]
        if not 0 <= region.start < region.end <= length:
            raise ValueError(f"region {region.chrom}:{region.start}-{region.end} is empty or "
                             f"lies outside {region.chrom} (0-{length})")
        checked.append(region)
    if not checked:
        raise ValueError("no regions to predict")
    if sort:
        order = {chrom: i for i, chrom in enumerate(genome.contigs)}
        checked.sort(key=lambda r: (order[r.chrom], r.start, r.end))
        for before, after in zip(checked, checked[1:]):
            if before.chrom == after.chrom and after.start < before.end:
                raise ValueError(
                    f"regions {before.chrom}:{before.start}-{before.end} and "
                    f"{after.chrom}:{after.start}-{after.end} overlap; a track has one value "
                    "per base: merge them first (e.g. bedtools merge)")
    return checked


def centred_window(region: Region, window: int, contig_length: int) -> int:
    """Start of the ``window``-base window centred on ``region``, moved inwards
    at a contig end; a contig shorter than ``window`` is an error."""
    if contig_length < window:
        raise ValueError(f"contig {region.chrom} ({contig_length} bp) is shorter than the "
                         f"window ({window} bp)")
    start = region.start - (window - (region.end - region.start)) // 2
    return min(max(start, 0), contig_length - window)


def tile_regions(regions: list[Region], window: int, stride: int,
                 contigs: dict[str, int]) -> Iterator[tuple[int, int, int]]:
    """Windows ``(region_index, start, end)`` covering each region.

    Windows start at the region's start and every ``stride`` bases; when the
    last one does not reach the region's end, one more ends exactly there,
    so every base is covered. A region shorter than ``window`` gets one
    window centred on it, its flanks from the genome (moved inwards at a
    contig end); a contig shorter than ``window`` is an error.

    Parameters
    ----------
    regions : list of Region
    window, stride : int
        In bases; ``stride <= window`` leaves no gaps.
    contigs : dict of str to int
        Contig lengths.
    """
    if window < 1 or not 1 <= stride <= window:
        raise ValueError(f"window must be positive and 1 <= stride <= window (no gaps "
                         f"between windows); got window={window}, stride={stride}")
    for index, region in enumerate(regions):
        length = region.end - region.start
        if length <= window:
            start = centred_window(region, window, contigs[region.chrom])
            yield index, start, start + window
            continue
        starts = range(region.start, region.end - window + 1, stride)
        for start in starts:
            yield index, start, start + window
        if starts[-1] + window < region.end:
            yield index, region.end - window, region.end

"""Variants from VCF / BCF or a table, and the model windows around them."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._fasta import Genome, count_ambiguous, import_pysam

#: Why a variant was not scored (``'ok'``: it was). Flagged rows keep their
#: place in the output, with NaN effects.
STATUSES = {
    "ok": "scored",
    "ref_mismatch": "REF differs from the genome at this position",
    "unknown_contig": "the contig is not in the genome",
    "outside_contig": "the window reaches past an end of the contig",
    "unsupported_allele": "an allele that is not a DNA sequence (symbolic <DEL>, '*', '.', "
                          "breakend...)",
    "allele_longer_than_window": "an allele longer than the model's input window",
}
_DNA = re.compile(r"[ACGTN]+")
_VCF_SUFFIXES = (".vcf", ".vcf.gz", ".vcf.bgz", ".bcf")
_TABLE_SUFFIXES = (".tsv", ".csv", ".txt", ".tsv.gz", ".csv.gz", ".txt.gz")


@dataclass(frozen=True)
class Variant:
    """One alternative allele at one site.

    Attributes
    ----------
    chrom : str
    pos : int
        1-based position of the first REF base, as in VCF.
    id : str
        The VCF ID, ``'.'`` when none.
    ref, alt : str
        Alleles as written (VCF indels carry their shared anchor base).
    """

    chrom: str
    pos: int
    id: str
    ref: str
    alt: str


def read_vcf(path) -> Iterator[Variant]:
    """The variants of a VCF / BCF file (plain, bgzip or BCF), one per ALT
    allele: a multi-allelic record becomes one variant per ALT, in order. A
    record without ALT (``.``) is one variant with ``alt='.'``, flagged
    when scored. Read lazily (constant memory).

    Parameters
    ----------
    path : str or path-like
    """
    pysam = import_pysam()
    if not Path(path).is_file():
        raise FileNotFoundError(f"VCF {os.fspath(path)!r} does not exist")
    try:
        vcf = pysam.VariantFile(os.fspath(path))
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read {os.fspath(path)!r} as VCF / BCF: {error}") from None
    with vcf:
        for record in vcf:
            for alt in record.alts or (".",):
                yield Variant(record.chrom, int(record.pos), record.id or ".", record.ref, alt)


def read_variant_table(path, sep: str | None = None, chunksize: int = 65536
                       ) -> Iterator[Variant]:
    """The variants of a CSV / TSV table with columns ``chrom``, ``pos``
    (1-based, as in VCF), ``ref``, ``alt`` and optionally ``id`` (names
    matched without case; other columns ignored). ``alt`` may list several
    alleles separated by commas, split as in :func:`read_vcf`. Read in
    chunks (constant memory).

    Parameters
    ----------
    path : str or path-like
    sep : str, default=None
        Tab for ``.tsv`` / ``.txt``, comma for ``.csv`` (also gzipped).
    chunksize : int, default=65536
    """
    import pandas as pd

    name = Path(path).name.lower().removesuffix(".gz")
    sep = sep or ("," if name.endswith(".csv") else "\t")
    required = ["chrom", "pos", "ref", "alt"]
    with pd.read_csv(path, sep=sep, dtype=str, chunksize=chunksize,
                     keep_default_na=False) as reader:
        for chunk in reader:
            chunk.columns = [c.strip().lower() for c in chunk.columns]
            missing = [c for c in required if c not in chunk.columns]
            if missing:
                raise ValueError(f"{os.fspath(path)} has no column {missing} (columns: "
                                 f"{list(chunk.columns)}); it needs chrom, pos, ref, alt "
                                 "and may have id")
            ids = chunk["id"] if "id" in chunk.columns else ["."] * len(chunk)
            for row, (chrom, pos, ref, alts, id_) in enumerate(zip(
                    chunk["chrom"], chunk["pos"], chunk["ref"], chunk["alt"], ids)):
                try:
                    position = int(pos)
                except ValueError:
                    raise ValueError(f"{os.fspath(path)}: pos {pos!r} of variant "
                                     f"{chrom}:{pos} is not an integer") from None
                for alt in alts.split(","):
                    yield Variant(chrom, position, id_ or ".", ref.strip(), alt.strip())


def iter_variants(source) -> Iterator[Variant]:
    """Variants from a VCF / BCF path, a table path, or an iterable of
    :class:`Variant` or ``(chrom, pos, id, ref, alt)`` tuples."""
    if isinstance(source, (str, os.PathLike)):
        name = Path(source).name.lower()
        if name.endswith(_VCF_SUFFIXES):
            return read_vcf(source)
        if name.endswith(_TABLE_SUFFIXES):
            return read_variant_table(source)
        raise ValueError(f"cannot tell the format of {os.fspath(source)!r}: name a VCF "
                         f"{_VCF_SUFFIXES} or a table {_TABLE_SUFFIXES}")
    if isinstance(source, Iterable):
        return (v if isinstance(v, Variant) else Variant(*v) for v in source)
    raise TypeError(f"variants must be a path or an iterable, got {type(source).__name__}")


@dataclass
class VariantWindows:
    """The model inputs of a batch of variants (see :func:`variant_windows`).

    Attributes
    ----------
    ref, alt : list of str
        Windows of the variants whose status is ``'ok'``, in order.
    status : list of str
        One per variant: a key of ``STATUSES``.
    n_ambiguous : ndarray of shape (n_variants,), int
        Bases other than A, C, G, T (N and other IUPAC codes) in the ref
        and alt windows together; -1 where the variant was not scored.
    """

    ref: list[str]
    alt: list[str]
    status: list[str]
    n_ambiguous: np.ndarray

    @property
    def scored(self) -> np.ndarray:
        """Boolean mask of the variants with windows."""
        return np.array([s == "ok" for s in self.status], dtype=bool)


def variant_windows(genome: Genome, variants: list[Variant], length: int) -> VariantWindows:
    """Windows of ``length`` bases around each variant, for ref and for alt.

    Each window is centred on its own allele, its flanks taken from the
    genome: the ref window is ``(length − len(REF)) // 2`` bases before REF,
    REF, and the rest after it; the alt window the same with ALT in place of
    REF. SNVs and other same-length substitutions therefore share one
    window; an insertion's alt window takes fewer genome bases and a
    deletion's more, so both windows keep the model's length (nothing is
    padded or cut from an allele). A variant is flagged instead of scored
    (``status``, see ``STATUSES``) when its REF differs from the genome,
    its contig is unknown, a window reaches past an end of the contig, an
    allele is not a DNA sequence, or an allele is longer than ``length``.

    Parameters
    ----------
    genome : Genome
    variants : list of Variant
    length : int
        The model's input length.

    Returns
    -------
    VariantWindows
    """
    ref_windows, alt_windows, status = [], [], []
    n_ambiguous = np.full(len(variants), -1, dtype=np.int64)
    for i, variant in enumerate(variants):
        ref, alt = variant.ref.upper(), variant.alt.upper()
        start = variant.pos - 1
        if not (_DNA.fullmatch(ref) and _DNA.fullmatch(alt)):
            status.append("unsupported_allele")
            continue
        if max(len(ref), len(alt)) > length:
            status.append("allele_longer_than_window")
            continue
        if variant.chrom not in genome.contigs:
            status.append("unknown_contig")
            continue
        windows = []
        for allele in (ref, alt):
            before = (length - len(allele)) // 2
            after = length - len(allele) - before
            left, right = start - before, start + len(ref) + after
            if left < 0 or right > genome.contigs[variant.chrom]:
                break
            windows.append(genome.fetch(variant.chrom, left, start) + allele
                           + genome.fetch(variant.chrom, start + len(ref), right))
        if len(windows) < 2:
            status.append("outside_contig")
            continue
        if genome.fetch(variant.chrom, start, start + len(ref)) != ref:
            status.append("ref_mismatch")
            continue
        status.append("ok")
        ref_windows.append(windows[0])
        alt_windows.append(windows[1])
        n_ambiguous[i] = sum(count_ambiguous(w) for w in windows)
    return VariantWindows(ref_windows, alt_windows, status, n_ambiguous)

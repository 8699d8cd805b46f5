"""A reference genome: an indexed FASTA file read region by region (pysam)."""

from __future__ import annotations

import os
from pathlib import Path


def import_pysam():
    """pysam, or an ImportError that says how to install it."""
    try:
        import pysam
    except ImportError:
        raise ImportError("reading genomes and VCF files needs pysam: pip install "
                          "'uqgenomics[genome]' (or pip install pysam; Linux and macOS)") from None
    return pysam


def count_ambiguous(sequence: str) -> int:
    """Bases of an upper-case sequence other than A, C, G, T (N, IUPAC codes)."""
    return len(sequence) - sum(sequence.count(b) for b in "ACGT")


def _plain_gzip(path: Path) -> bool:
    """Whether ``path`` is gzip without bgzip's block header (``BC`` extra field)."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    if head[:2] != b"\x1f\x8b":
        return False
    return not (head[3] & 4 and head[12:14] == b"BC")


class Genome:
    """An indexed reference FASTA, fetched by region.

    Plain or bgzip-compressed FASTA (``bgzip genome.fa``); the index
    (``.fai``, and ``.gzi`` for bgzip) is built beside the file when it is
    missing (``samtools faidx`` makes the same). A gzip file that is not
    bgzip cannot be indexed and is refused with that advice. pysam reads it
    (htslib: the FASTA and VCF / BCF reader of samtools and bcftools), so
    one dependency serves both the genome and the variants.

    Parameters
    ----------
    path : str or path-like
        ``.fa`` / ``.fasta`` / ``.fna``, optionally ``.gz`` (bgzip).

    Attributes
    ----------
    path : Path
    contigs : dict of str to int
        Contig names and lengths, in file order.

    Examples
    --------
    >>> genome = Genome("hg38.fa.gz")                      # doctest: +SKIP
    >>> genome.fetch("chr1", 1_000_000, 1_000_010)         # doctest: +SKIP
    'GGTGGAGCGC'
    """

    def __init__(self, path):
        pysam = import_pysam()
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"genome FASTA {os.fspath(path)!r} does not exist")
        if _plain_gzip(self.path):
            raise ValueError(
                f"{os.fspath(path)!r} is gzip-compressed but not with bgzip, so it cannot be "
                "read by region: pass the uncompressed FASTA (gunzip -k it), or recompress it "
                "with bgzip (gunzip genome.fa.gz, then bgzip genome.fa)")
        try:
            self._fasta = pysam.FastaFile(os.fspath(self.path))
        except (OSError, ValueError) as error:
            raise ValueError(
                f"cannot open {os.fspath(path)!r} as an indexed FASTA ({error}). A compressed "
                "genome must be bgzip-compressed (gunzip genome.fa.gz, then bgzip genome.fa); "
                "without an index beside it, the folder must be writable to build one "
                "(or run samtools faidx on it)") from None
        self.contigs = dict(zip(self._fasta.references, self._fasta.lengths))

    def __repr__(self) -> str:
        return f"Genome({os.fspath(self.path)!r}, {len(self.contigs)} contigs)"

    def check_contig(self, chrom: str) -> None:
        """Raise ``KeyError`` naming the genome's contigs if ``chrom`` is not one."""
        if chrom in self.contigs:
            return
        alternative = chrom[3:] if chrom.startswith("chr") else f"chr{chrom}"
        hint = (f"; the genome has {alternative!r}: the two files name contigs differently "
                "(rename them, e.g. bcftools annotate --rename-chrs)"
                if alternative in self.contigs else "")
        shown = ", ".join(list(self.contigs)[:8]) + (", ..." if len(self.contigs) > 8 else "")
        raise KeyError(f"contig {chrom!r} is not in {self.path.name} (contigs: {shown}){hint}")

    def fetch(self, chrom: str, start: int, end: int) -> str:
        """The sequence of ``chrom`` over ``[start, end)`` (0-based), upper case.

        Soft-masked (lower-case) bases are upper-cased; N and other IUPAC
        codes are kept as they are. A region past either end of the contig
        is an error, never a shorter sequence.
        """
        self.check_contig(chrom)
        length = self.contigs[chrom]
        if not 0 <= start <= end <= length:
            raise ValueError(f"region {chrom}:{start}-{end} lies outside {chrom} "
                             f"(0-{length})")
        return self._fasta.fetch(chrom, start, end).upper()

    def close(self) -> None:
        self._fasta.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __getstate__(self):  # joblib workers reopen the file
        return {"path": self.path}

    def __setstate__(self, state):
        self.__init__(state["path"])

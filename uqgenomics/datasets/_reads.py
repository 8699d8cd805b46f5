"""Metagenomic-style reads cut at random from a genome."""

from __future__ import annotations

import numpy as np
from sklearn.utils import Bunch, check_random_state

from ..encoding import read_fasta, reverse_complement


def sample_reads(genome_fasta, read_length: int = 150, n_reads: int = 1000,
                 random_state=None, both_strands: bool = True,
                 max_ambiguous: float = 0.0) -> Bunch:
    """Cut reads of a fixed length at uniformly random positions of a genome.

    Start positions are uniform over every position where a whole read fits
    (so a contig is chosen in proportion to its usable length); with
    ``both_strands`` each read is reverse-complemented with probability ½,
    as sequencing reads come from either strand.

    Parameters
    ----------
    genome_fasta : str or path-like
        FASTA, optionally gzipped; every record is a contig.
    read_length : int, default=150
    n_reads : int, default=1000
    random_state : int, RandomState or None
    both_strands : bool, default=True
    max_ambiguous : float, default=0.0
        Largest fraction of non-ACGT letters allowed in a read; reads with
        more are redrawn.

    Returns
    -------
    Bunch
        ``reads`` (uppercase strings, shape ``(n_reads,)``), ``contig``
        (record name), ``start`` (0-based, forward strand) and ``strand``
        (``'+'`` or ``'-'``).

    Raises
    ------
    ValueError
        When no contig holds a whole read, or too few clean reads exist.
    """
    if read_length < 1 or n_reads < 1:
        raise ValueError("read_length and n_reads must be positive")
    rng = check_random_state(random_state)
    names, contigs = read_fasta(genome_fasta)
    contigs = [c.upper() for c in contigs]
    usable = np.array([max(len(c) - read_length + 1, 0) for c in contigs])
    if usable.sum() == 0:
        raise ValueError(f"no contig of {genome_fasta} is {read_length} bp long")
    offsets = np.concatenate([[0], np.cumsum(usable)])
    reads, contig, start = [], [], []
    for _ in range(100):
        flat = rng.randint(0, offsets[-1], size=2 * (n_reads - len(reads)))
        which = np.searchsorted(offsets, flat, side="right") - 1
        for w, position in zip(which, flat - offsets[which]):
            read = contigs[w][position: position + read_length]
            ambiguous = (read_length - sum(read.count(b) for b in "ACGT")) / read_length
            if ambiguous <= max_ambiguous:
                reads.append(read)
                contig.append(names[w].split()[0])
                start.append(int(position))
            if len(reads) == n_reads:
                break
        if len(reads) == n_reads:
            break
    else:
        raise ValueError(f"found only {len(reads)} reads with at most {max_ambiguous:.0%} "
                         f"ambiguous bases in {genome_fasta}")
    minus = rng.rand(n_reads) < 0.5 if both_strands else np.zeros(n_reads, bool)
    reads = [reverse_complement(r) if m else r for r, m in zip(reads, minus)]
    return Bunch(reads=np.asarray(reads), contig=np.asarray(contig), start=np.asarray(start),
                 strand=np.where(minus, "-", "+"))

"""DNA input: one-hot encoding, reverse complement, strand groups, sequence file readers.

One-hot arrays are channels-last ``(n_sequences, length, 4)`` float32 in
A, C, G, T order throughout uqgenomics.
"""

from ._groups import reverse_complement_groups
from ._io import iter_fasta, read_fasta, read_table
from ._onehot import ALPHABET, IUPAC_CODES, one_hot_decode, one_hot_encode, reverse_complement
from ._transformer import DNAEncoder

__all__ = [
    "ALPHABET",
    "IUPAC_CODES",
    "DNAEncoder",
    "iter_fasta",
    "one_hot_decode",
    "one_hot_encode",
    "read_fasta",
    "read_table",
    "reverse_complement",
    "reverse_complement_groups",
]

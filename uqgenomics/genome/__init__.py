"""Genome files: an indexed reference FASTA, and variants from VCF / BCF or a table.

Reads through pysam (install ``uqgenomics[genome]``), imported when a file
is opened.
"""

from ._fasta import Genome
from ._variants import (
    STATUSES,
    Variant,
    VariantWindows,
    iter_variants,
    read_variant_table,
    read_vcf,
    variant_windows,
)

__all__ = [
    "Genome",
    "STATUSES",
    "Variant",
    "VariantWindows",
    "iter_variants",
    "read_variant_table",
    "read_vcf",
    "variant_windows",
]

"""Genome files: an indexed reference FASTA, BED regions and their tiling, and
variants from VCF / BCF or a table, and training data from regions.

Reads through pysam (install ``uqgenomics[genome]``), imported when a file
is opened.
"""

from ._fasta import Genome
from ._regions import Region, check_regions, genome_regions, read_bed, tile_regions
from ._training import chromosome_split, profile_dataset, regions_dataset
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
    "Region",
    "STATUSES",
    "Variant",
    "VariantWindows",
    "check_regions",
    "chromosome_split",
    "genome_regions",
    "iter_variants",
    "profile_dataset",
    "read_bed",
    "read_variant_table",
    "regions_dataset",
    "read_vcf",
    "tile_regions",
    "variant_windows",
]

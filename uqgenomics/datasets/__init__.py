"""Datasets: simulated regulatory sequences for examples and tests."""

from ._simulated import (
    MOTIF_EFFECTS,
    MOTIFS,
    SYNERGY,
    make_regulatory_sequences,
    motif_occupancy,
)

__all__ = ["MOTIFS", "MOTIF_EFFECTS", "SYNERGY", "make_regulatory_sequences", "motif_occupancy"]

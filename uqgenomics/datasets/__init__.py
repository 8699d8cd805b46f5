"""Datasets: simulated regulatory sequences for examples and tests."""

from ._simulated import MOTIF_EFFECTS, MOTIFS, SYNERGY, make_regulatory_sequences

__all__ = ["MOTIFS", "MOTIF_EFFECTS", "SYNERGY", "make_regulatory_sequences"]

"""Variant effect prediction with uncertainty and in-silico mutagenesis."""

from ._effects import ism, predict_variant_effects
from ._stratified import stratified_performance

__all__ = ["ism", "predict_variant_effects", "stratified_performance"]

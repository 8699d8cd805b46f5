"""Variant effect prediction with uncertainty and in-silico mutagenesis."""

from ._effects import EffectUncertainty, ism, predict_variant_effects
from ._stratified import stratified_effect_performance

__all__ = ["EffectUncertainty", "ism", "predict_variant_effects", "stratified_effect_performance"]

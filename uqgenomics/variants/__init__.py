"""Variant effect prediction with uncertainty, in-silico mutagenesis, and
scoring the variants of a VCF against a reference genome."""

from ._effects import EffectUncertainty, ism, predict_variant_effects
from ._intervals import ConformalEffectIntervals
from ._stratified import stratified_effect_performance
from ._vcf import VARIANT_KEYS, effect_columns, score_vcf

__all__ = ["ConformalEffectIntervals", "EffectUncertainty", "VARIANT_KEYS", "effect_columns", "ism",
           "predict_variant_effects", "score_vcf", "stratified_effect_performance"]

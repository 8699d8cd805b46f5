"""Metrics for predictions with uncertainty: regression, classification, OOD.

Arrays in, floats or tables out; the formula of each metric is in its
docstring. Regression metrics take one task at a time; the diagnostics
(coverage by uncertainty bin and by group, worst-slab coverage,
sparsification error, AURC, quantile calibration error) show where
intervals fail and whether the uncertainty ranks the errors;
:func:`uncertainty_report` runs them all on a ``predict_uncertainty``
result, one row per task. Profiles (``(n, length)`` per task) have
their own: mean per-profile Pearson r, DEGU's whole-chromosome Pearson r,
and coverage at each position; the other metrics take them raveled.
"""

from ._classification import (
    brier_score,
    calibration_mse,
    classification_nll,
    entropy_decomposition,
    expected_calibration_error,
    reliability_bins,
)
from ._diagnostics import (
    aurc,
    coverage_by_group,
    coverage_by_uncertainty,
    quantile_calibration_error,
    sparsification_curve,
    sparsification_error,
    worst_slab_coverage,
)
from ._ood import fpr_at_95_tpr, ood_aupr, ood_auroc
from ._profile import positionwise_coverage, profile_pearson, whole_chromosome_pearson
from ._regression import (
    calibration_curve,
    crps_gaussian,
    gaussian_interval,
    gaussian_nll,
    interval_coverage,
    interval_score,
    interval_width,
    miscalibration_area,
    pearson_r,
    spearman_r,
    stratified_performance,
    uncertainty_error_correlation,
)
from ._report import uncertainty_report

__all__ = [
    "positionwise_coverage",
    "profile_pearson",
    "whole_chromosome_pearson",
    "aurc",
    "brier_score",
    "calibration_curve",
    "calibration_mse",
    "classification_nll",
    "coverage_by_group",
    "coverage_by_uncertainty",
    "crps_gaussian",
    "entropy_decomposition",
    "expected_calibration_error",
    "fpr_at_95_tpr",
    "gaussian_interval",
    "gaussian_nll",
    "interval_coverage",
    "interval_score",
    "interval_width",
    "miscalibration_area",
    "ood_aupr",
    "ood_auroc",
    "pearson_r",
    "quantile_calibration_error",
    "reliability_bins",
    "sparsification_curve",
    "sparsification_error",
    "spearman_r",
    "stratified_performance",
    "uncertainty_error_correlation",
    "uncertainty_report",
    "worst_slab_coverage",
]

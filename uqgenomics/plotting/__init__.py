"""Plots of calibration and of the usefulness of uncertainty (matplotlib).

Every function draws on ``ax`` (a new figure when omitted) and returns the
Axes. Needs the ``plot`` extra: ``pip install 'uqgenomics[plot]'``.
"""

from ._calibration import (
    plot_calibration_curve,
    plot_coverage_by_uncertainty,
    plot_coverage_width,
    plot_reliability_diagram,
)
from ._logo import plot_attribution_logo
from ._uncertainty import plot_error_vs_uncertainty, plot_stratified_performance

__all__ = [
    "plot_attribution_logo",
    "plot_calibration_curve",
    "plot_coverage_by_uncertainty",
    "plot_coverage_width",
    "plot_error_vs_uncertainty",
    "plot_reliability_diagram",
    "plot_stratified_performance",
]

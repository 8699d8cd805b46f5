"""Calibration of a fitted model's uncertainty on held-out data.

:class:`RecalibratedRegressor` maps a regressor's predictive std to a
calibrated one (one factor, factor and floor, or an isotonic map of the
predicted CDF), keeping its draws, ``predict(X, return_std)`` and
``predict_uncertainty``; :class:`TemperatureScaledClassifier` divides
every draw's logits of a classifier by one temperature, keeping the
entropy decomposition. :class:`ProfileSummary` turns a profile model into
one number per sequence (its profile's sum or mean, draw by draw), which
MAPIE, variant scoring and streaming take like any regressor.
"""

from ._recalibration import AffineScaling, IsotonicCDF, RecalibratedRegressor, StdScaling
from ._summary import ProfileSummary
from ._temperature import TemperatureScaledClassifier

__all__ = ["AffineScaling", "IsotonicCDF", "ProfileSummary", "RecalibratedRegressor",
           "StdScaling", "TemperatureScaledClassifier"]

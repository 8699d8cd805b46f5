"""Calibration of a fitted model's uncertainty on held-out data.

:class:`RecalibratedRegressor` maps a regressor's predictive std to a
calibrated one (one factor, factor and floor, or an isotonic map of the
predicted CDF), keeping its draws, ``predict(X, return_std)`` and
``predict_uncertainty``.
"""

from ._recalibration import AffineScaling, IsotonicCDF, RecalibratedRegressor, StdScaling

__all__ = ["AffineScaling", "IsotonicCDF", "RecalibratedRegressor", "StdScaling"]

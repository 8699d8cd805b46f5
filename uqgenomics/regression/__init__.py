"""Regressors with uncertainty."""

from ._ensemble import EnsembleRegressor

__all__ = ["EnsembleRegressor"]

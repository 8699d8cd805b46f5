"""Regressors with uncertainty."""

from ._base import UncertaintyRegressorMixin
from ._distilled import DistilledRegressor
from ._ensemble import EnsembleRegressor
from ._evidential import EvidentialRegressor
from ._heteroscedastic import HeteroscedasticRegressor
from ._mc_dropout import MCDropoutRegressor

__all__ = [
    "DistilledRegressor",
    "EnsembleRegressor",
    "EvidentialRegressor",
    "HeteroscedasticRegressor",
    "MCDropoutRegressor",
    "UncertaintyRegressorMixin",
]

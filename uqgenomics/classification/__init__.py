"""Classifiers with epistemic uncertainty."""

from ._ensemble import EnsembleClassifier
from ._epinet import EpinetClassifier
from ._mc_dropout import MCDropoutClassifier

__all__ = ["EnsembleClassifier", "EpinetClassifier", "MCDropoutClassifier"]

"""Conformal prediction with uqgenomics models, on top of MAPIE.

:class:`FlooredStdConformityScore` is a MAPIE conformity score whose
intervals follow the model's σ but cannot explode where σ is tiny (its
docstring says which score to use when);
:class:`MultiTaskSplitConformalRegressor` conformalizes every task of a
multi-task model. Profile models get intervals at every position
(:class:`ProfileConformalRegressor`); MAPIE conformalizes a per-sequence
summary of them (:class:`uqgenomics.calibration.ProfileSummary`).
"""

from ._multitask import MultiTaskSplitConformalRegressor
from ._profile import ProfileConformalRegressor
from ._scores import FlooredStdConformityScore

__all__ = ["FlooredStdConformityScore", "MultiTaskSplitConformalRegressor",
           "ProfileConformalRegressor"]

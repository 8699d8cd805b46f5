"""Conformal prediction with uqgenomics models, on top of MAPIE.

:class:`FlooredStdConformityScore` is a MAPIE conformity score whose
intervals follow the model's σ but cannot explode where σ is tiny (its
docstring says which score to use when);
:class:`MultiTaskSplitConformalRegressor` conformalizes every task of a
multi-task model.
"""

from ._multitask import MultiTaskSplitConformalRegressor
from ._scores import FlooredStdConformityScore

__all__ = ["FlooredStdConformityScore", "MultiTaskSplitConformalRegressor"]

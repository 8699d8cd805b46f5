"""A normalised conformity score that cannot explode."""

from __future__ import annotations

import numbers

import numpy as np
from mapie.conformity_scores import StdConformityScore


class FlooredStdConformityScore(StdConformityScore):
    """``|y − ŷ| / (σ + b)``: adaptive intervals whose width cannot explode.

    Which score to use with a uqgenomics regressor and MAPIE:

    * ``'absolute'`` (MAPIE's ``AbsoluteConformityScore``): intervals of one
      width everywhere. Never explodes, never adapts: the baseline an
      uncertainty must beat.
    * ``StdConformityScore``: ``|y − ŷ| / σ``, intervals proportional to the
      model's σ. When some calibration points have a tiny σ (an
      overconfident ensemble agreeing on a sequence it gets wrong), their
      normalised residuals are huge, the conformal quantile follows them, and
      every interval becomes very wide: the 95 % interval of a 2-member
      ensemble on WTC11 was three times the range of ``y``.
    * this score: ``|y − ŷ| / (σ + b)``. The floor ``b`` bounds every score
      by ``|y − ŷ| / b``, so one overconfident point cannot blow the
      quantile up; where ``σ ≫ b`` the intervals still follow ``σ``. The
      recommended choice with every uqgenomics regressor; after a
      :class:`~uqgenomics.calibration.RecalibratedRegressor` its ``σ`` is on
      the right scale already and ``b`` matters less.

    Parameters
    ----------
    floor : 'median', float >= 0 or the name of a quantile, default='median'
        ``b`` in the units of ``y``: a number, or the median (``'median'``)
        of the model's σ over the calibration data, learnt when MAPIE
        conformalizes. The learnt floor depends on the calibration inputs
        only (not their targets); conformal coverage is exact for a number
        and holds up to the influence of one point on a median otherwise.
    sym : bool, default=True
        Symmetric intervals (MAPIE's meaning).

    Attributes
    ----------
    floor_ : float
        The floor used, set by ``conformalize``.
    """

    def __init__(self, floor="median", sym=True):
        super().__init__(sym=sym)
        if not (floor == "median" or (isinstance(floor, numbers.Real)
                                      and not isinstance(floor, bool) and floor >= 0)):
            raise ValueError(f"floor must be 'median' or a number >= 0, got {floor!r}")
        self.floor = floor

    def get_signed_conformity_scores(self, y, y_pred, y_std=None, **kwargs):
        if y_std is None:
            raise ValueError("FlooredStdConformityScore needs predict(X, return_std=True)")
        y_std = np.asarray(y_std, dtype=np.float64)
        self.floor_ = float(np.median(y_std)) if self.floor == "median" else float(self.floor)
        return super().get_signed_conformity_scores(y, y_pred, y_std=y_std + self.floor_,
                                                    **kwargs)

    def get_bounds(self, X, alpha_np, estimator, conformity_scores, **kwargs):
        """MAPIE's bounds ``μ ± q (σ + floor)``; called by MAPIE's wrappers."""
        if not hasattr(self, "floor_"):
            raise RuntimeError("the floor is learnt when MAPIE conformalizes; call "
                               "conformalize before predict_interval")
        return super().get_bounds(X, alpha_np, _FlooredStd(estimator, self.floor_),
                                  conformity_scores, **kwargs)


class _FlooredStd:
    """MAPIE's fitted-estimator wrapper with ``floor`` added to every σ."""

    def __init__(self, estimator, floor: float):
        self.estimator = estimator
        self.floor = floor

    def predict_with_std(self, X, ensemble=False, **predict_params):
        y_pred, low, high, std = self.estimator.predict_with_std(X, ensemble, **predict_params)
        return y_pred, low, high, std + self.floor

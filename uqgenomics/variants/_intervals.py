"""Calibrated intervals for measured variant effects, from predicted ones."""

from __future__ import annotations

import warnings

import numpy as np
from mapie.regression import SplitConformalRegressor
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..conformal import FlooredStdConformityScore


class _EffectScale(RegressorMixin, BaseEstimator):
    """A predicted effect in the units of the measurement: ``a + b·effect``
    with std ``|b|·total``; input ``X = [effect, total]`` (prefit)."""

    def __init__(self, intercept=0.0, slope=1.0):
        self.intercept = intercept
        self.slope = slope

    def fit(self, X, y):
        raise TypeError("the effect scale is fitted by ConformalEffectIntervals")

    def predict(self, X, return_std=False):
        X = np.asarray(X, dtype=np.float64)
        mean = self.intercept + self.slope * X[:, 0]
        return (mean, abs(self.slope) * X[:, 1]) if return_std else mean

    def __sklearn_is_fitted__(self):
        return True

    @property
    def is_fitted(self) -> bool:
        """Always (MAPIE's prefit check reads this name)."""
        return True


def _columns(effect, total, measured=None):
    arrays = [np.asarray(a, dtype=np.float64) for a in (effect, total)]
    if measured is not None:
        arrays.append(np.asarray(measured, dtype=np.float64))
    if any(a.ndim != 1 for a in arrays) or len({len(a) for a in arrays}) != 1:
        raise ValueError("effect, total (and measured) must be 1-D arrays of one length; got "
                         f"shapes {[a.shape for a in arrays]} (score one task at a time)")
    bad = [int((~np.isfinite(a)).sum()) for a in arrays]
    if any(bad):
        raise ValueError(f"{sum(bad)} values are NaN or infinite (e.g. variants that were not "
                         "scored: keep the rows with status 'ok')")
    if np.any(arrays[1] < 0):
        raise ValueError("total must be a standard deviation (>= 0)")
    return arrays


class ConformalEffectIntervals(BaseEstimator):
    """Intervals for the *measured* effect of a variant, with a calibrated
    "confident" call, from its predicted effect and uncertainty.

    A model's effect (``f(alt) − f(ref)`` in its own output units, e.g. from
    :func:`score_vcf`) and a measured effect (an MPRA's log fold change)
    differ in scale, so ``fit`` on labelled variants first maps one onto the
    other, ``measured ≈ a + b·effect`` (least squares on ``map_fraction`` of
    them), then conformalizes on the rest with
    :class:`uqgenomics.conformal.FlooredStdConformityScore`: the interval is
    ``a + b·effect ± q·(|b|·total + floor)``, wider where the model is less
    certain. A variant is **confident** when its interval excludes 0: the
    sign of its measured effect is called at ``confidence_level``.

    Assumptions: the variants to score are exchangeable with the labelled
    ones (the same assay, cell type and kind of element; the guarantee is
    marginal, ``P(measured ∈ interval) >= confidence_level`` on average over
    such variants, not for each one); the relation of the two scales is
    linear. Variants of one element are correlated, so check coverage on
    elements left out of calibration (``benchmarks/bench_variant_intervals.py``
    does, on CAGI5).

    Parameters
    ----------
    confidence_level : float, default=0.9
    floor : 'median' or float, default='median'
        Added to the std in the conformity score (see
        :class:`~uqgenomics.conformal.FlooredStdConformityScore`); in measured units.
    map_fraction : float, default=0.5
        Share of the labelled variants that fits the scale map; the others
        conformalize (the split keeps the guarantee).
    random_state : int, RandomState or None, default=None
        For the split.

    Attributes
    ----------
    intercept_, slope_ : float
        The map ``measured ≈ intercept_ + slope_·effect``.
    correlation_ : float
        Pearson r of predicted and measured effects on the map's variants.
    conformal_ : mapie SplitConformalRegressor
    floor_ : float
        The floor used, in measured units.

    Examples
    --------
    >>> table = score_vcf(model, "calls.vcf.gz", "hg38.fa.gz")    # doctest: +SKIP
    >>> calibrator = ConformalEffectIntervals(0.9, random_state=0).fit(
    ...     labelled["effect"], labelled["total"], labelled["measured"])  # doctest: +SKIP
    >>> calibrator.annotate(table)                                # doctest: +SKIP
    """

    def __init__(self, confidence_level=0.9, floor="median", map_fraction=0.5,
                 random_state=None):
        self.confidence_level = confidence_level
        self.floor = floor
        self.map_fraction = map_fraction
        self.random_state = random_state

    def fit(self, effect, total, measured):
        """Map predicted effects to measured ones and conformalize.

        Parameters
        ----------
        effect, total : array-like of shape (n_variants,)
            Predicted effect and its total std (``score_vcf`` columns).
        measured : array-like of shape (n_variants,)

        Returns
        -------
        self
        """
        effect, total, measured = _columns(effect, total, measured)
        if not 0 < self.confidence_level < 1:
            raise ValueError(f"confidence_level must lie in (0, 1), got "
                             f"{self.confidence_level!r}")
        if not 0 < self.map_fraction < 1:
            raise ValueError(f"map_fraction must lie in (0, 1), got {self.map_fraction!r}")
        n_map = int(round(self.map_fraction * len(effect)))
        n_conformal = len(effect) - n_map
        if n_map < 3 or n_conformal < np.ceil(1 / (1 - self.confidence_level)):
            raise ValueError(
                f"{len(effect)} labelled variants are too few: the map needs 3 and a "
                f"{self.confidence_level:.0%} interval at least "
                f"{int(np.ceil(1 / (1 - self.confidence_level)))} for conformalizing")
        order = check_random_state(self.random_state).permutation(len(effect))
        fit_rows, conformal_rows = order[:n_map], order[n_map:]
        x, m = effect[fit_rows], measured[fit_rows]
        if np.ptp(x) == 0:
            raise ValueError("the predicted effects are all equal: no map to measured effects")
        self.slope_, self.intercept_ = (float(v) for v in np.polyfit(x, m, 1))
        self.correlation_ = float(np.corrcoef(x, m)[0, 1])
        if self.slope_ <= 0:
            warnings.warn(
                f"predicted effects do not track the measured ones (slope {self.slope_:.3g}, "
                f"r = {self.correlation_:.2f}): the intervals are valid but as wide as the "
                "spread of measured effects, and confident calls come from the offset alone",
                UserWarning, stacklevel=2)
        score = FlooredStdConformityScore(self.floor)
        self.conformal_ = SplitConformalRegressor(
            _EffectScale(self.intercept_, self.slope_), self.confidence_level, score,
            prefit=True).conformalize(np.column_stack([effect, total])[conformal_rows],
                                      measured[conformal_rows])
        self.floor_ = float(score.floor_)
        return self

    def predict_interval(self, effect, total):
        """The measured effect's prediction and interval.

        Returns
        -------
        center, low, high : ndarray of shape (n_variants,)
            In measured units.
        """
        check_is_fitted(self)
        effect, total = _columns(effect, total)
        center, bounds = self.conformal_.predict_interval(np.column_stack([effect, total]))
        return center, bounds[:, 0, 0], bounds[:, 1, 0]

    def state(self) -> dict:
        """The fitted calibration as plain numbers (what an output records to
        tell one calibration from another): level, map, floor and the
        interval's half-widths at ``total`` 0 and 1."""
        check_is_fitted(self)
        _, low, high = self.predict_interval([0.0, 0.0], [0.0, 1.0])
        return {"confidence_level": float(self.confidence_level),
                "intercept": self.intercept_, "slope": self.slope_, "floor": self.floor_,
                "half_widths": [float(h - lo) / 2 for lo, h in zip(low, high)]}

    def annotate(self, table, effect="effect", total="total"):
        """A copy of a :func:`score_vcf` table with ``measured_effect``,
        ``measured_low``, ``measured_high`` and ``confident`` columns (NaN and
        False for variants that were not scored)."""
        table = table.copy()
        scored = np.isfinite(table[effect].to_numpy(np.float64)) & \
            np.isfinite(table[total].to_numpy(np.float64))
        for column in ("measured_effect", "measured_low", "measured_high"):
            table[column] = np.nan
        table["confident"] = False
        if scored.any():
            center, low, high = self.predict_interval(table.loc[scored, effect],
                                                      table.loc[scored, total])
            table.loc[scored, "measured_effect"] = center
            table.loc[scored, "measured_low"] = low
            table.loc[scored, "measured_high"] = high
            table.loc[scored, "confident"] = (low > 0) | (high < 0)
        return table

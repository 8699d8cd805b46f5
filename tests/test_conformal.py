"""Conformity scores that stay narrow, and conformal prediction per task."""

import numpy as np
import pytest
from mapie.conformity_scores import StdConformityScore
from mapie.regression import SplitConformalRegressor
from sklearn.base import BaseEstimator, RegressorMixin

from uqgenomics import EnsembleRegressor
from uqgenomics.conformal import FlooredStdConformityScore, MultiTaskSplitConformalRegressor
from uqgenomics.datasets import make_regulatory_sequences

from .conftest import TINY_CNN


class _Overconfident(RegressorMixin, BaseEstimator):
    """Predicts 0 with σ = 1, except σ = 1e-6 on a few points it gets wrong."""

    def fit(self, X, y):
        self.fitted_ = True
        return self

    def predict(self, X, return_std=False):
        X = np.asarray(X, dtype=np.float64)
        std = np.where(X[:, 1] > 0, 1e-6, 1.0)
        return (np.zeros(len(X)), std) if return_std else np.zeros(len(X))


def _data(n, seed):
    rng = np.random.default_rng(seed)
    overconfident = rng.random(n) < 0.15
    X = np.column_stack([np.arange(n), overconfident.astype(float)])
    y = rng.standard_normal(n) * np.where(overconfident, 0.5, 1.0)
    return X, y


def test_a_tiny_sigma_blows_up_the_std_score_but_not_the_floored_one():
    model = _Overconfident().fit(None, None)
    X_cal, y_cal = _data(400, 0)
    X_test, y_test = _data(2000, 1)
    widths, coverages = {}, {}
    for name, score in (("std", StdConformityScore()), ("floored", FlooredStdConformityScore())):
        mapie = SplitConformalRegressor(model, confidence_level=0.9, conformity_score=score,
                                        prefit=True).conformalize(X_cal, y_cal)
        _, intervals = mapie.predict_interval(X_test)
        low, high = intervals[:, 0, 0], intervals[:, 1, 0]
        widths[name] = float(np.mean(high - low))
        coverages[name] = float(np.mean((y_test >= low) & (y_test <= high)))
    # 15 % of the calibration points sit at |r| / 1e-6: the std score's 90 %
    # quantile lands among them and every interval is about 1e5 wide
    assert widths["std"] > 1e3
    assert widths["floored"] < 5
    assert coverages["floored"] == pytest.approx(0.9, abs=3 * np.sqrt(0.09 / 400) + 0.01)


def test_the_floor_is_the_median_sigma_or_a_number():
    model = _Overconfident().fit(None, None)
    X_cal, y_cal = _data(400, 0)
    score = FlooredStdConformityScore()
    SplitConformalRegressor(model, conformity_score=score, prefit=True).conformalize(X_cal, y_cal)
    assert score.floor_ == 1.0  # most σ are 1
    fixed = FlooredStdConformityScore(floor=0.25)
    SplitConformalRegressor(model, conformity_score=fixed, prefit=True).conformalize(X_cal, y_cal)
    assert fixed.floor_ == 0.25
    with pytest.raises(ValueError, match="floor must be"):
        FlooredStdConformityScore(floor=-1)
    with pytest.raises(ValueError, match="floor must be"):
        FlooredStdConformityScore(floor="mean")


def test_every_task_of_a_multi_task_model_is_conformalized():
    X, y = make_regulatory_sequences(1000, length=40, noise=0.5, random_state=3)
    Y = np.column_stack([y, 10 * y + 3])
    model = EnsembleRegressor(n_estimators=2, **dict(TINY_CNN, max_epochs=10))
    model.fit(X[:500], Y[:500])
    conformal = MultiTaskSplitConformalRegressor(
        model, confidence_level=[0.8, 0.9], conformity_score=FlooredStdConformityScore())
    conformal.conformalize(X[500:750], Y[500:750])
    y_pred, intervals = conformal.predict_interval(X[750:])
    assert y_pred.shape == (250, 2) and intervals.shape == (250, 2, 2, 2)
    np.testing.assert_allclose(y_pred, model.predict(X[750:]))
    floors = [score.floor_ for score in conformal.conformity_scores_]
    assert floors[1] > 5 * floors[0]  # each task learns its own floor, in its units
    widths = intervals[:, 1] - intervals[:, 0]  # (n, levels, tasks)
    assert np.all(widths[:, 1] >= widths[:, 0])  # 90 % at least as wide as 80 %
    assert widths[:, :, 1].mean() > 5 * widths[:, :, 0].mean()  # task 2 is 10x the scale
    for task in range(2):
        low, high = intervals[:, 0, 1, task], intervals[:, 1, 1, task]
        hit = (Y[750:, task] >= low) & (Y[750:, task] <= high)
        assert abs(hit.mean() - 0.9) < 3 * np.sqrt(0.09 * (1 / 250 + 1 / 250)) + 0.01
    with pytest.raises(ValueError, match=r"\(n_samples, n_tasks=2\)"):
        MultiTaskSplitConformalRegressor(model).conformalize(X[500:750], y[500:750])
    with pytest.raises(RuntimeError, match="conformalize"):
        MultiTaskSplitConformalRegressor(model).predict_interval(X[:5])
    # a level outside (0, 1): refused at conformalize (MAPIE only at predict_interval)
    for level in (1.5, [0.9, 0.0]):
        with pytest.raises(ValueError, match="confidence_level must be"):
            MultiTaskSplitConformalRegressor(model, confidence_level=level).conformalize(
                X[500:750], Y[500:750])


class _CountingMultiTask(RegressorMixin, BaseEstimator):
    """Three tasks: y_t = t · x₀ with σ = 1; counts its predict calls."""

    n_tasks_ = 3

    def fit(self, X, y):
        self.fitted_, self.calls_ = True, 0
        return self

    def predict(self, X, return_std=False):
        self.calls_ += 1
        mean = np.asarray(X, dtype=np.float64)[:, :1] * np.arange(3)
        return (mean, np.ones_like(mean)) if return_std else mean


def test_a_multi_task_model_predicts_each_input_set_once_for_all_tasks():
    rng = np.random.default_rng(0)
    X_cal, X_test, X_other = (rng.standard_normal((n, 2)) for n in (200, 50, 50))
    model = _CountingMultiTask().fit(None, None)
    conformal = MultiTaskSplitConformalRegressor(model, conformity_score=StdConformityScore())
    conformal.conformalize(X_cal, X_cal[:, :1] * np.arange(3) + rng.standard_normal((200, 3)))
    assert model.calls_ == 1
    mean, intervals = conformal.predict_interval(X_test)
    assert model.calls_ == 2
    np.testing.assert_array_equal(mean, model.predict(X_test))
    # other inputs of the same shape are predicted, not served from the last call
    other_mean, _ = conformal.predict_interval(X_other)
    np.testing.assert_array_equal(other_mean, X_other[:, :1] * np.arange(3))
    assert not conformal._shared._cache  # nothing kept between calls

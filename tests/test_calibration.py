"""Recalibration of regressors and temperature scaling of classifiers, on held-out data."""

import numpy as np
import pytest
from mapie.conformity_scores import StdConformityScore
from mapie.regression import SplitConformalRegressor
from scipy.special import softmax
from scipy.stats import norm
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import log_loss

from uqgenomics import Draws, EnsembleClassifier, EnsembleRegressor
from uqgenomics.calibration import (
    AffineScaling,
    IsotonicCDF,
    RecalibratedRegressor,
    StdScaling,
    TemperatureScaledClassifier,
)
from uqgenomics.datasets import make_regulatory_sequences

from .conftest import TINY_CNN


def _coverage(residuals, low, high):
    return float(np.mean((residuals >= low) & (residuals <= high)))


def test_the_three_maps_recover_what_the_residuals_were_drawn_with():
    rng = np.random.default_rng(0)
    std = rng.uniform(0.2, 2.0, size=20_000)
    scaled = StdScaling().fit(2.0 * std * rng.standard_normal(std.size), std)
    assert scaled.scale_ == pytest.approx(2.0, rel=0.02)  # sd of the estimate: 0.5 %
    floored = AffineScaling().fit((std + 0.5) * rng.standard_normal(std.size), std)
    assert floored.slope_ == pytest.approx(1.0, abs=0.05)
    assert floored.offset_ == pytest.approx(0.5, abs=0.05)
    # heavy tails: the Gaussian 95 % interval of a t(3) variable covers too much
    # in the middle and too little in the tails; the isotonic map's does not
    residuals = std * rng.standard_t(3, size=std.size)
    isotonic = IsotonicCDF().fit(residuals, std)
    fresh = std * rng.standard_t(3, size=std.size)
    for level in (0.5, 0.9, 0.95):
        low, high = isotonic.interval(std, level)
        assert _coverage(fresh, low, high) == pytest.approx(level, abs=0.01)
    low, high = StdScaling().fit(residuals, std).interval(std, 0.5)
    assert _coverage(fresh, low, high) > 0.6  # what the isotonic map corrects


@pytest.fixture(scope="module")
def split():
    X, y = make_regulatory_sequences(1400, length=40, noise=0.5, random_state=3)
    return (X[:600], y[:600]), (X[600:1000], y[600:1000]), (X[1000:], y[1000:])


@pytest.fixture(scope="module")
def ensemble(split):
    (X, y), _, _ = split
    params = dict(TINY_CNN, max_epochs=15, lr=5e-3)
    return EnsembleRegressor(n_estimators=3, heteroscedastic=True, **params).fit(X, y)


@pytest.mark.parametrize("method", ["std", "affine", "isotonic", "auto"])
def test_recalibrated_intervals_cover_held_out_data(ensemble, split, method):
    _, (X_cal, y_cal), (X_test, y_test) = split
    calibrated = RecalibratedRegressor(ensemble, method=method).fit(X_cal, y_cal)
    assert calibrated.method_ in ("std", "affine", "isotonic")
    if method == "auto":
        assert set(calibrated.cv_scores_) == {"std", "affine", "isotonic"}
        assert calibrated.method_ == min(calibrated.cv_scores_, key=calibrated.cv_scores_.get)
    low, high = calibrated.predict_interval(X_test, confidence_level=0.9)
    coverage = np.mean((y_test >= low) & (y_test <= high))
    # 400 calibration and 400 test points: 3 standard deviations of their sum
    sd = np.sqrt(0.9 * 0.1 * (1 / 400 + 1 / 400))
    assert abs(coverage - 0.9) < 3 * sd + 0.01


def test_recalibration_keeps_the_mean_the_draws_and_the_split(ensemble, split):
    _, (X_cal, y_cal), (X_test, _) = split
    calibrated = RecalibratedRegressor(ensemble, method="affine").fit(X_cal, y_cal)
    before, after = ensemble.predict_uncertainty(X_test), calibrated.predict_uncertainty(X_test)
    np.testing.assert_allclose(after.mean, before.mean, rtol=1e-12)
    expected = calibrated.calibrators_[0].total(before.total)
    np.testing.assert_allclose(after.total, expected, rtol=1e-10)
    # epistemic and aleatoric keep their ratio
    np.testing.assert_allclose(after.epistemic * before.aleatoric,
                               after.aleatoric * before.epistemic, rtol=1e-10)
    draws = calibrated.predict_draws(X_test)
    assert draws.means.shape == (3, len(X_test))
    summary = draws.summarize()
    np.testing.assert_array_equal(summary.total, after.total)
    mean, std = calibrated.predict(X_test, return_std=True)
    np.testing.assert_array_equal(std, after.total)


def test_mapie_composes_with_the_recalibrated_model(ensemble, split):
    _, (X_cal, y_cal), (X_test, y_test) = split
    calibrated = RecalibratedRegressor(ensemble, method="std").fit(X_cal[:200], y_cal[:200])
    mapie = SplitConformalRegressor(calibrated, confidence_level=0.9, prefit=True,
                                    conformity_score=StdConformityScore())
    mapie.conformalize(np.asarray(X_cal[200:]), y_cal[200:])
    _, intervals = mapie.predict_interval(np.asarray(X_test))
    assert intervals.shape == (len(X_test), 2, 1)


def test_multi_task_models_get_one_map_per_task(split):
    (X, y), (X_cal, y_cal), (X_test, _) = split
    Y = np.column_stack([y, 3 * y])
    model = EnsembleRegressor(n_estimators=2, **TINY_CNN).fit(X, Y)
    calibrated = RecalibratedRegressor(model, method="std").fit(X_cal, np.column_stack(
        [y_cal, 3 * y_cal]))
    assert len(calibrated.calibrators_) == 2
    low, high = calibrated.predict_interval(X_test)
    assert low.shape == high.shape == (len(X_test), 2)
    assert calibrated.predict_uncertainty(X_test).total.shape == (len(X_test), 2)


def test_mistakes_are_named(ensemble, split):
    _, (X_cal, y_cal), _ = split
    with pytest.raises(NotFittedError, match="fit EnsembleRegressor on the training data"):
        RecalibratedRegressor(clone(ensemble)).fit(X_cal, y_cal)
    with pytest.raises(TypeError, match="predict_draws"):
        RecalibratedRegressor(object()).fit(X_cal, y_cal)
    with pytest.raises(ValueError, match="method must be"):
        RecalibratedRegressor(ensemble, method="platt").fit(X_cal, y_cal)
    with pytest.raises(ValueError, match=r"of shape \(400,\)"):
        RecalibratedRegressor(ensemble).fit(X_cal, y_cal[:-1, None])
    with pytest.raises(ValueError, match="too few"):
        RecalibratedRegressor(ensemble, cv=5).fit(X_cal[:6], y_cal[:6])
    with pytest.raises(NotFittedError):
        RecalibratedRegressor(ensemble).predict(X_cal)
    with pytest.raises(ValueError, match="confidence_level"):
        RecalibratedRegressor(ensemble, method="std").fit(X_cal, y_cal).predict_interval(
            X_cal, confidence_level=95)


def test_gaussian_interval_offsets():
    std = np.array([1.0, 2.0])
    low, high = StdScaling().fit(np.array([1.0, -1.0, 2.0, -2.0]), np.array([1, 1, 2, 2.0])) \
        .interval(std, 0.95)
    np.testing.assert_allclose(high, norm.ppf(0.975) * std)
    np.testing.assert_allclose(low, -high)


class _Sharpened(ClassifierMixin, BaseEstimator):
    """Draws whose logits are ``sharpness`` times those the labels come from."""

    def __init__(self, logits=None, sharpness=3.0):
        self.logits = logits
        self.sharpness = sharpness

    def fit(self, X, y):
        self.classes_ = np.array(["a", "b", "c"])
        return self

    def predict_draws(self, X):
        rows = np.asarray(X, dtype=int)[:, 0]
        jitter = np.stack([np.zeros_like(self.logits), 0.3 * np.roll(self.logits, 1, axis=1)])
        return softmax(self.sharpness * (self.logits + jitter)[:, rows], axis=-1)

    def predict_proba(self, X):
        return self.predict_draws(X).mean(axis=0)


def test_temperature_undoes_a_known_sharpening():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(6000, 3))
    labels = np.array([rng.choice(3, p=p) for p in softmax(logits, axis=1)])
    model = _Sharpened(logits, sharpness=3.0).fit(None, None)
    X = np.arange(6000)[:, None]
    scaled = TemperatureScaledClassifier(model).fit(X, np.array(["a", "b", "c"])[labels])
    assert scaled.temperature_ == pytest.approx(3.0, rel=0.1)
    assert scaled.nll_after_ < scaled.nll_before_
    draws = scaled.predict_draws(X[:10])
    assert draws.shape == (2, 10, 3)
    np.testing.assert_allclose(draws.sum(-1), 1, atol=1e-12)
    result = scaled.predict_uncertainty(X[:10])
    np.testing.assert_allclose(result.proba, scaled.predict_proba(X[:10]))
    np.testing.assert_allclose(result.total, result.aleatoric + result.epistemic, atol=1e-12)
    assert set(scaled.predict(X[:10])) <= {"a", "b", "c"}


def test_temperature_scaling_of_a_real_classifier_lowers_held_out_nll():
    X, y = make_regulatory_sequences(1500, length=40, random_state=5)
    labels = np.where(y > np.median(y), "high", "low")
    model = EnsembleClassifier(n_estimators=2, **dict(TINY_CNN, max_epochs=30, lr=1e-2,
                                                      validation_fraction=None))
    model.fit(X[:500], labels[:500])
    scaled = TemperatureScaledClassifier(model).fit(X[500:1000], labels[500:1000])
    before = log_loss(labels[1000:], model.predict_proba(X[1000:]), labels=model.classes_)
    after = log_loss(labels[1000:], scaled.predict_proba(X[1000:]), labels=model.classes_)
    # trained to overfitting without early stopping, the ensemble is overconfident
    # (T ≈ 1.2 here); the fitted T helps on held-out data too
    assert scaled.temperature_ > 1 and after < before
    with pytest.raises(ValueError, match=r"labels \['medium'\] are not among"):
        TemperatureScaledClassifier(model).fit(X[500:510], ["medium"] * 10)
    with pytest.raises(NotFittedError, match="fit EnsembleClassifier on the training data"):
        TemperatureScaledClassifier(clone(model)).fit(X[500:510], labels[500:510])
    with pytest.raises(TypeError, match="predict_draws"):
        TemperatureScaledClassifier(EnsembleRegressor()).fit(X[500:510], labels[500:510])
    flipped = np.where(labels[500:1000] == "high", "low", "high")  # worse than chance
    with pytest.raises(ValueError, match="no better than uniform"):
        TemperatureScaledClassifier(model).fit(X[500:1000], flipped)


class _PointPredictor(RegressorMixin, BaseEstimator):
    """Draws of one deterministic network: a total std of 0 everywhere."""

    def fit(self, X, y):
        self.fitted_ = True
        return self

    def predict_draws(self, X):
        return Draws(np.asarray(X, dtype=np.float64)[None, :, 0])

    def predict_uncertainty(self, X):
        return self.predict_draws(X).summarize()


def test_a_model_without_uncertainty_gets_the_calibrated_std_as_epistemic():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 1))
    y = X[:, 0] + 0.5 * rng.standard_normal(400)
    calibrated = RecalibratedRegressor(_PointPredictor().fit(X, y), method="affine")
    calibrated.fit(X[:200], y[:200])
    result = calibrated.predict_uncertainty(X[200:])
    np.testing.assert_array_equal(result.mean, X[200:, 0])
    np.testing.assert_array_equal(result.aleatoric, 0)
    assert result.epistemic == pytest.approx(np.full(200, 0.5), rel=0.15)  # the floor b
    assert calibrated.calibrators_[0].offset_ == pytest.approx(0.5, rel=0.15)
    auto = RecalibratedRegressor(_PointPredictor().fit(X, y)).fit(X[:200], y[:200])
    assert auto.method_ == "affine" and set(auto.cv_scores_) == {"affine"}
    for method in ("std", "isotonic"):
        with pytest.raises(ValueError, match="total std of 0 for 200 calibration"):
            RecalibratedRegressor(_PointPredictor().fit(X, y), method=method).fit(X[:200],
                                                                                   y[:200])

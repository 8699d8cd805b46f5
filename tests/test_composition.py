"""The estimator contract in composition: Pipeline, GridSearchCV, MAPIE, sklearn checks."""

import warnings

import numpy as np
import pytest
from mapie.conformity_scores import StdConformityScore
from mapie.metrics.regression import regression_coverage_score
from mapie.regression import CrossConformalRegressor, SplitConformalRegressor
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from uqgenomics import (
    DNAEncoder,
    EnsembleRegressor,
)
from uqgenomics.datasets import make_regulatory_sequences

from ._estimators import REGRESSORS, make_regressor
from .conftest import TINY_CNN


@pytest.fixture(scope="module")
def conformal_data():
    X, y = make_regulatory_sequences(1400, length=40, noise=0.5, random_state=3)
    return (X[:600], y[:600]), (X[600:900], y[600:900]), (X[900:], y[900:])


@pytest.fixture(scope="module", params=sorted(REGRESSORS))
def prefit(request, conformal_data):
    (X, y), _, _ = conformal_data
    return make_regressor(request.param, **dict(TINY_CNN, max_epochs=15, lr=5e-3)).fit(X, y)


@pytest.mark.parametrize("kind", sorted(REGRESSORS))
def test_pipeline_from_strings(conformal_data, kind):
    (X, y), _, (X_test, _) = conformal_data
    pipe = make_pipeline(DNAEncoder(), make_regressor(kind, **TINY_CNN)).fit(X, y)
    mean, std = pipe.predict(X_test, return_std=True)
    assert mean.shape == std.shape == (len(X_test),)
    assert (std > 0).all()
    direct = make_regressor(kind, **TINY_CNN).fit(X, y)
    np.testing.assert_array_equal(mean, direct.predict(X_test))




@pytest.mark.parametrize("kind", sorted(REGRESSORS))
def test_grid_search_over_lr_and_a_network_parameter(conformal_data, kind):
    (X, y), _, _ = conformal_data
    grid = GridSearchCV(
        make_regressor(kind, **TINY_CNN),
        {"lr": [1e-3, 1e-2], "network__filters": [(4,), (8,)]},
        cv=2,
    ).fit(X[:200], y[:200])
    assert set(grid.best_params_) == {"lr", "network__filters"}
    assert len(grid.cv_results_["params"]) == 4
    best_filters = grid.best_params_["network__filters"][0]
    network = grid.best_estimator_._fitted_networks()[0]
    assert network.trunk.convs[0][0].out_channels == best_filters


@pytest.mark.parametrize("level", [0.8, 0.95])
def test_split_conformal_with_std_score_reaches_coverage(prefit, conformal_data, level):
    _, (X_cal, y_cal), (X_test, y_test) = conformal_data
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # MAPIE's prefit check must find nothing to warn about
        mapie = SplitConformalRegressor(
            prefit, confidence_level=level, conformity_score=StdConformityScore(), prefit=True
        )
        mapie.conformalize(np.asarray(X_cal), y_cal)
    y_pred, intervals = mapie.predict_interval(np.asarray(X_test))
    np.testing.assert_allclose(y_pred, prefit.predict(X_test))
    coverage = regression_coverage_score(y_test, intervals)[0]
    # Coverage varies with the calibration draw (300 points) and the test
    # draw (500): three standard deviations of their sum.
    sd = np.sqrt(level * (1 - level) * (1 / len(y_cal) + 1 / len(y_test)))
    assert abs(coverage - level) < 3 * sd
    # the std score gives intervals whose width follows the ensemble spread
    widths = intervals[:, 1, 0] - intervals[:, 0, 0]
    _, std = prefit.predict(X_test, return_std=True)
    assert np.corrcoef(widths, std)[0, 1] > 0.99


def test_split_conformal_on_a_pipeline(conformal_data):
    (X, y), (X_cal, y_cal), (X_test, y_test) = conformal_data
    pipe = make_pipeline(DNAEncoder(), EnsembleRegressor(n_estimators=2, **TINY_CNN)).fit(X, y)
    mapie = SplitConformalRegressor(pipe, confidence_level=0.9, prefit=True)
    mapie.conformalize(np.asarray(X_cal), y_cal)
    _, intervals = mapie.predict_interval(np.asarray(X_test))
    assert abs(regression_coverage_score(y_test, intervals)[0] - 0.9) < 0.06


def test_cross_conformal_reaches_coverage(conformal_data):
    (X, y), (X_cal, y_cal), (X_test, y_test) = conformal_data
    X_all, y_all = np.concatenate([X, X_cal]), np.concatenate([y, y_cal])
    mapie = CrossConformalRegressor(
        EnsembleRegressor(n_estimators=2, **TINY_CNN), confidence_level=0.9,
        conformity_score="absolute", method="plus", cv=3, random_state=0,
    ).fit_conformalize(X_all, y_all)
    _, intervals = mapie.predict_interval(np.asarray(X_test))
    assert abs(regression_coverage_score(y_test, intervals)[0] - 0.9) < 0.06


@pytest.mark.parametrize("kind", sorted(REGRESSORS))
def test_bad_input_is_rejected_by_every_regressor(kind, conformal_data):
    (X, y), _, _ = conformal_data
    with pytest.raises(NotFittedError):
        make_regressor(kind, **TINY_CNN).predict(X[:2])
    for bad_X, bad_y, match in [
        (X[:10], np.r_[y[:9], np.nan], "NaN"),
        (X[:10], y[:9], "inconsistent numbers of samples"),
        (["ACGT", "ACXT"], [1.0, 2.0], "'X' in sequence 1"),
        (np.zeros((4, 5, 3)), np.zeros(4), r"\(n_samples, length, 4\)"),
    ]:
        with pytest.raises(ValueError, match=match):
            make_regressor(kind, **TINY_CNN).fit(bad_X, bad_y)
    fitted = make_regressor(kind, **dict(TINY_CNN, max_epochs=1)).fit(X[:64], y[:64])
    with pytest.raises(ValueError, match="fitted on one-hot sequences"):
        fitted.predict(np.zeros((2, 40)))

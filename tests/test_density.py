"""The feature density behind ood_score."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from uqgenomics._density import fit_feature_density, negative_log_density


def test_density_is_the_gaussian_it_was_fitted_to():
    rng = np.random.default_rng(0)
    covariance = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 0.5]])
    features = rng.multivariate_normal([1.0, -1.0, 0.0], covariance, size=50_000)
    density = fit_feature_density(features)
    points = rng.multivariate_normal([1.0, -1.0, 0.0], covariance, size=5)
    expected = -multivariate_normal([1.0, -1.0, 0.0], covariance).logpdf(points)
    np.testing.assert_allclose(negative_log_density(points, density), expected, rtol=0.02)


def test_one_component_per_class_weighted_by_frequency():
    rng = np.random.default_rng(1)
    labels = (rng.random(20_000) < 0.25).astype(int)
    features = rng.standard_normal((20_000, 2)) + np.where(labels[:, None], 4.0, -4.0)
    density = fit_feature_density(features, labels)
    np.testing.assert_allclose(np.exp(density["log_weights"]), [0.75, 0.25], atol=0.01)
    point = np.array([[4.0, 4.0]])
    expected = -np.log(0.25 * multivariate_normal([4, 4], np.eye(2)).pdf(point[0])
                       + 0.75 * multivariate_normal([-4, -4], np.eye(2)).pdf(point[0]))
    assert negative_log_density(point, density)[0] == pytest.approx(expected, rel=0.02)
    # far from both classes scores higher than either class centre
    assert negative_log_density(np.array([[0.0, 12.0]]), density)[0] > expected + 10


def test_features_that_never_vary_still_give_a_density():
    features = np.zeros((5, 4))
    features[:, 0] = np.arange(5)
    density = fit_feature_density(features)
    scores = negative_log_density(np.vstack([features[:1], np.ones((1, 4))]), density)
    assert np.isfinite(scores).all() and scores[1] > scores[0]
    with pytest.raises(ValueError, match="at least 2 samples"):
        fit_feature_density(np.zeros((1, 4)))

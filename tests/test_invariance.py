"""A prediction does not depend on the other rows of X or their order, up to
float32 rounding (tests/_float32.py), for every estimator.

This is sklearn's check_methods_subset_invariance and
check_methods_sample_order_invariance on the same toy data, with a
tolerance that follows from float32 instead of sklearn's 1e-7.
"""

import numpy as np
import pytest
from sklearn.base import is_classifier

from ._estimators import CLASSIFIERS, REGRESSORS, make_classifier, make_regressor
from ._float32 import assert_float32_close

ESTIMATORS = [("regressor", kind) for kind in sorted(REGRESSORS)] + \
    [("classifier", kind) for kind in sorted(CLASSIFIERS)]


def _fitted(side, kind):
    rng = np.random.RandomState(0)
    X = 3 * rng.uniform(size=(20, 3))
    y = X[:, 0].astype(int)
    make = make_regressor if side == "regressor" else make_classifier
    estimator = make(kind, network="mlp", max_epochs=40, lr=1e-2, batch_size=16,
                     network__hidden=(16,), random_state=1, validation_fraction=None)
    return estimator.fit(X, y if side == "classifier" else y.astype(float)), X


def _outputs(estimator, X):
    """Every per-row output: probabilities, or mean / epistemic / aleatoric."""
    if is_classifier(estimator):
        result = estimator.predict_uncertainty(X)
        return [result.proba, result.total, result.epistemic], 5.0  # logits below 10
    result = estimator.predict_uncertainty(X)
    parts = [result.mean, result.epistemic, result.aleatoric]
    return parts, float(np.abs(result.mean).max() + np.abs(result.total).max())


@pytest.mark.parametrize("side, kind", ESTIMATORS)
def test_rows_alone_and_permuted_predict_as_in_the_whole_set(side, kind):
    estimator, X = _fitted(side, kind)
    whole, scale = _outputs(estimator, X)
    for i in range(len(X)):
        alone, _ = _outputs(estimator, X[i:i + 1])
        for part, expected in zip(alone, whole):
            assert_float32_close(part, expected[i:i + 1], scale, err_msg=f"row {i} alone")
    order = np.random.RandomState(2).permutation(len(X))
    permuted, _ = _outputs(estimator, X[order])
    for part, expected in zip(permuted, whole):
        assert_float32_close(part, expected[order], scale, err_msg="permuted rows")

"""A Gaussian density of a network's trunk features: out-of-distribution scores.

Deterministic uncertainty (DDU, Mukhoti et al. 2023; Lee et al. 2018):
fitted on the training data's features, one Gaussian per class sharing a
covariance (one Gaussian for a regressor), with Ledoit–Wolf shrinkage so
that it stays invertible when the features outnumber the samples. An
input's score is the negative log density of its features: inputs unlike
the training data score high, whatever the model's predictive entropy
says.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_triangular
from scipy.special import logsumexp
from sklearn.covariance import LedoitWolf


def fit_feature_density(features: np.ndarray, labels: np.ndarray | None = None) -> dict:
    """Fit the density to training features.

    Parameters
    ----------
    features : ndarray of shape (n_samples, n_features)
    labels : ndarray of shape (n_samples,) of class indices, or None
        One component per class present (weights: class frequencies), or a
        single component.

    Returns
    -------
    dict of ndarrays
        ``means`` (n_components, n_features), ``log_weights``
        (n_components,), ``covariance_cholesky`` (n_features, n_features):
        the lower-triangular ``L`` with ``L Lᵀ`` the shared (shrunk)
        covariance, and ``log_det`` (scalar): ``log det`` of its inverse.
    """
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"a feature density needs at least 2 samples of 2-D features; got "
                         f"{features.shape}")
    labels = np.zeros(len(features), dtype=np.int64) if labels is None else np.asarray(labels)
    classes, index, counts = np.unique(labels, return_inverse=True, return_counts=True)
    means = np.stack([features[index == c].mean(axis=0) for c in range(len(classes))])
    centred = features - means[index]
    covariance = LedoitWolf(assume_centered=True).fit(centred).covariance_
    # a floor on the diagonal: features that never vary (dead units, two
    # identical samples) would leave the shrunk covariance singular
    d = features.shape[1]
    floor = max(1e-6 * np.trace(covariance) / d, 1e-10)
    chol = np.linalg.cholesky(covariance + floor * np.eye(d))
    return {"means": means, "log_weights": np.log(counts / counts.sum()),
            "covariance_cholesky": chol, "log_det": -2.0 * np.log(np.diag(chol)).sum()}


def negative_log_density(features: np.ndarray, density: dict) -> np.ndarray:
    """``−log p(features)`` under a fitted density, in nats, ``(n_samples,)``."""
    features = np.asarray(features, dtype=np.float64)
    means, chol = density["means"], density["covariance_cholesky"]
    d = features.shape[1]
    log_components = []
    for mean, log_weight in zip(means, density["log_weights"]):
        whitened = solve_triangular(chol, (features - mean).T, lower=True)
        mahalanobis = np.sum(whitened**2, axis=0)
        log_components.append(log_weight + 0.5 * density["log_det"]
                              - 0.5 * (mahalanobis + d * np.log(2 * np.pi)))
    return -logsumexp(np.stack(log_components), axis=0)

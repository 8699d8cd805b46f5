"""Variant effects (alt − ref) with uncertainty, and in-silico mutagenesis."""

from __future__ import annotations

import numpy as np

from .._result import UncertaintyResult
from .._validation import check_one_hot, encode_sequences
from ..encoding._onehot import as_sequences
from ..regression import EnsembleRegressor, MCDropoutRegressor


def _paired_draws(estimator, X):
    """Paired predictions ``(K, n[, n_tasks])`` and the aleatoric std ``(n[, n_tasks])``,
    from one prediction, when the family has paired draws; else None.

    Ensemble members and MC dropout masks are shared by all inputs, so the
    k-th draw of a reference and of its variant come from the same function.
    """
    if isinstance(estimator, EnsembleRegressor):
        return estimator._members_and_aleatoric(X)
    if isinstance(estimator, MCDropoutRegressor):
        samples = estimator.predict_samples(X)
        return samples, np.zeros(samples.shape[1:])
    return None


def _effects_between(estimator, X, ref_index, alt_index) -> UncertaintyResult:
    """Effects ``X[alt_index] − X[ref_index]`` from one prediction over ``X``."""
    paired = _paired_draws(estimator, X)
    if paired is not None:
        draws, aleatoric = paired
        differences = draws[:, alt_index] - draws[:, ref_index]
        epistemic, effect = differences.std(axis=0), differences.mean(axis=0)
    else:
        result = estimator.predict_uncertainty(X)
        aleatoric, effect = result.aleatoric, result.mean[alt_index] - result.mean[ref_index]
        epistemic = np.hypot(result.epistemic[alt_index], result.epistemic[ref_index])
    return UncertaintyResult(effect, epistemic,
                             np.hypot(aleatoric[alt_index], aleatoric[ref_index]))


def predict_variant_effects(estimator, ref, alt) -> UncertaintyResult:
    """Predicted effect ``f(alt) − f(ref)`` of each variant, with its uncertainty.

    How each family combines the uncertainty of the two predictions:

    * ensembles and MC dropout: the effect is computed per member / per
      dropout mask (the same function scores ref and alt), and its mean and
      standard deviation are taken over those paired differences;
    * other families (distilled student, heteroscedastic, evidential): the
      two epistemic stds are combined as if independent,
      ``sqrt(σ_ref² + σ_alt²)`` — an upper bound when the errors of ref and
      alt are positively correlated, as they usually are;
    * aleatoric: ``sqrt(σ_ref² + σ_alt²)`` for every family (two independent
      measurements), 0 without a noise head.

    Parameters
    ----------
    estimator : fitted uqgenomics regressor
    ref, alt : sequence of str or array-like of shape (n_variants, length, 4)

    Returns
    -------
    UncertaintyResult
        ``mean`` = effect, ``epistemic``, ``aleatoric`` (``total`` follows),
        shape ``(n_variants,)`` or ``(n_variants, n_tasks)``.
    """
    ref, alt = _as_onehot(ref), _as_onehot(alt)
    if ref.shape != alt.shape:
        raise ValueError(f"ref {ref.shape} and alt {alt.shape} must have the same shape")
    n = len(ref)
    return _effects_between(estimator, np.concatenate([ref, alt]), np.arange(n),
                            np.arange(n, 2 * n))


def ism(estimator, X, task: int = 0) -> UncertaintyResult:
    """In-silico saturation mutagenesis with uncertainty.

    Every position of every sequence is mutated to each of the other three
    bases; the ``3L`` mutants and the sequence itself go through the model
    as one batch (one forward pass of ``3L + 1`` inputs per sequence), and
    effects follow :func:`predict_variant_effects`.

    Parameters
    ----------
    estimator : fitted uqgenomics regressor
    X : sequence of str or array-like of shape (n, length, 4)
    task : int, default=0
        Task to report for a multi-task model.

    Returns
    -------
    UncertaintyResult
        Arrays of shape ``(n, length, 4)``: the effect of putting each base
        at each position, 0 (with 0 uncertainty) for the reference base.
    """
    X = _as_onehot(X)
    n, length, _ = X.shape
    means, epistemic, aleatoric = (np.zeros((n, length, 4)) for _ in range(3))
    for i, sequence in enumerate(X):
        reference = sequence.argmax(axis=1)
        positions, bases = np.nonzero(np.arange(4)[None] != reference[:, None])
        mutants = np.repeat(sequence[None], len(positions), axis=0)
        mutants[np.arange(len(positions)), positions] = np.eye(4, dtype=X.dtype)[bases]
        batch = np.concatenate([sequence[None], mutants])
        effects = _effects_between(estimator, batch, np.zeros(len(positions), int),
                                   np.arange(1, len(positions) + 1))
        for target, values in zip((means, epistemic, aleatoric),
                                  (effects.mean, effects.epistemic, effects.aleatoric)):
            values = values[:, task] if values.ndim == 2 else values
            target[i, positions, bases] = values
    return UncertaintyResult(means, epistemic, aleatoric)


def _as_onehot(X) -> np.ndarray:
    sequences = as_sequences(X)
    if sequences is not None:
        return encode_sequences(sequences)
    return check_one_hot(np.asarray(X, dtype=np.float32))

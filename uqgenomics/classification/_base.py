"""The classifier side of the contract: labels, probabilities, entropy split."""

from __future__ import annotations

import numpy as np
import torch
from scipy.special import softmax
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_consistent_length, column_or_1d

from .._result import ClassificationUncertainty
from ..encoding import reverse_complement


def class_indices(classes: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Indices of labels ``y`` (n,) into the sorted ``classes``, int64.

    Raises
    ------
    ValueError
        Naming the labels that are not among ``classes``.
    """
    index = np.searchsorted(classes, y)
    unseen = (index >= len(classes)) | (classes[np.minimum(index, len(classes) - 1)] != y)
    if unseen.any():
        raise ValueError(f"labels {np.unique(y[unseen]).tolist()} are not among the "
                         f"training classes {classes.tolist()}")
    return index.astype(np.int64)


class UncertaintyClassifierMixin(ClassifierMixin):
    """Classification on top of :class:`BaseUncertaintyEstimator`.

    Labels of any type are encoded as indices into ``classes_`` (sorted);
    the network has one logit per class and trains with cross-entropy.
    A family makes draws, ``_raw_draws(X)``: the logits of each member /
    dropout mask / epinet index, ``(K, n_samples, n_classes)`` (the family
    bases in ``uqgenomics._families`` provide it; the epinet overrides it).
    ``predict_proba`` (the mean of their probabilities) and
    ``predict_uncertainty`` (:func:`~uqgenomics.metrics.entropy_decomposition`)
    follow from them here.
    """

    def _encode_targets(self, y, X, fit):
        if self._profile:
            raise ValueError(f"network={self.network!r} predicts profiles, which classifiers "
                             "do not take; use a regressor (e.g. EnsembleRegressor)")
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target "
                             "y is None")
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        check_classification_targets(y)
        if type_of_target(y) not in ("binary", "multiclass"):
            raise ValueError(f"{type(self).__name__} handles binary and multiclass labels, "
                             f"got {type_of_target(y)}")
        if fit:
            self.classes_ = np.unique(y)
            if len(self.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes; y has one "
                    f"class, {self.classes_.tolist()[0]!r}, and a model of it would predict "
                    "it for any input with no uncertainty. Is the data sorted by class? "
                    "Shuffle before taking a subset")
        return class_indices(self.classes_, y)

    def _density_labels(self, y):
        return y

    def _stratify(self, y):
        counts = np.bincount(y)
        return y if counts.min() >= 2 and len(y) * self.validation_fraction >= len(counts) \
            else None

    def _n_outputs(self, y) -> int:
        return len(self.classes_)

    def _make_heads(self, n_features, n_outputs):
        return {"logits": torch.nn.Linear(n_features, n_outputs)}

    def _make_criterion(self):
        return torch.nn.CrossEntropyLoss()

    def _draws(self, X) -> np.ndarray:
        """Class probabilities of each draw ``(K, n, n_classes)``, float64 (with
        ``strand_average``, each draw's averaged over both strands)."""
        proba = softmax(self._raw_draws(X).astype(np.float64), axis=-1)
        if self.strand_average:
            reverse = softmax(self._raw_draws(reverse_complement(X)).astype(np.float64), axis=-1)
            proba = (proba + reverse) / 2
        return proba

    def predict_draws(self, X):
        """Class probabilities of each draw: ensemble member, dropout mask or
        epinet index, shared by all inputs.

        Returns
        -------
        proba : ndarray of shape (K, n_samples, n_classes), float64
            Columns in the order of ``classes_``; their mean over ``K`` is
            :meth:`predict_proba`.
        """
        return self._draws(self._check_predict_X(X))

    def predict_proba(self, X):
        """Mean class probabilities over members, samples or indices.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), float64
            Columns in the order of ``classes_``; rows sum to 1.
        """
        return self.predict_draws(X).mean(axis=0)

    def predict(self, X):
        """Most probable class of each sample.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Elements of ``classes_``.
        """
        proba = self.predict_proba(X)  # checks that the model is fitted first
        return self.classes_[proba.argmax(axis=1)]

    def predict_uncertainty(self, X, normalize=False):
        """Class probabilities and the entropy decomposition of their uncertainty.

        Parameters
        ----------
        X : sequence of str, array-like of shape (n_samples, length, 4) or (n_samples, n_features)
        normalize : bool, default=False
            Divide the entropies by ``log C`` (values in [0, 1]).

        Returns
        -------
        result : ClassificationUncertainty
            ``proba`` ``(n_samples, n_classes)``; ``total``, ``aleatoric``,
            ``epistemic`` ``(n_samples,)`` in nats (or fractions of log C).
        """
        return ClassificationUncertainty.from_draws(self.predict_draws(X), normalize)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = False
        return tags

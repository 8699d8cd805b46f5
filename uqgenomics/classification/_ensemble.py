"""Deep ensemble classifier."""

from __future__ import annotations

import torch

from .._base import with_shared_params_doc
from .._families import MemberEnsemble
from ._base import UncertaintyClassifierMixin


@with_shared_params_doc
class EnsembleClassifier(UncertaintyClassifierMixin, MemberEnsemble):
    """Deep ensemble of classifiers: members disagree where the model is unsure.

    Members are the same network trained with cross-entropy from their own
    seeds (derived from ``random_state``), on the same data or bootstrap
    resamples. ``predict_proba`` averages their softmax probabilities;
    ``predict_uncertainty`` splits the predictive entropy into the
    members' expected entropy (aleatoric) and the mutual information
    (epistemic).

    Parameters
    ----------
    %(network_param)s
    n_estimators : int, default=10
    bootstrap : bool, default=False
    n_jobs : int or None, default=None
        Members trained in parallel through joblib; ``None`` is 1 unless a
        ``joblib.parallel_backend`` context says otherwise.
    vectorize : {'auto', True, False}, default='auto'
        Train the members together with ``torch.func.vmap`` (see
        :class:`~uqgenomics.regression.EnsembleRegressor`).
    %(shared_params)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    estimators_ : list of skorch.NeuralNet
    seeds_ : ndarray of shape (n_estimators,)
    vectorized_ : bool
    input_shape_ : tuple of int
    n_features_in_ : int
        Only for 2-D feature input.
    """

    def __init__(
        self,
        network="cnn",
        *,
        n_estimators=10,
        bootstrap=False,
        n_jobs=None,
        vectorize="auto",
        lr=1e-3,
        max_epochs=100,
        batch_size=128,
        optimizer=torch.optim.Adam,
        validation_fraction=0.1,
        patience=10,
        lr_patience=5,
        lr_factor=0.1,
        callbacks=None,
        device="auto",
        precision="fp32",
        compile=False,
        variable_length=False,
        strand_average=False,
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        super().__init__(
            network, lr=lr, max_epochs=max_epochs, batch_size=batch_size,
            optimizer=optimizer, validation_fraction=validation_fraction,
            patience=patience, lr_patience=lr_patience, lr_factor=lr_factor,
            callbacks=callbacks, device=device, precision=precision,
            compile=compile, variable_length=variable_length,
            strand_average=strand_average,
            random_state=random_state,
            verbose=verbose, **kwargs,
        )
        self.n_estimators = n_estimators
        self.bootstrap = bootstrap
        self.n_jobs = n_jobs
        self.vectorize = vectorize

    def predict_members(self, X):
        """Each member's class probabilities, ``(n_estimators, n_samples, n_classes)``:
        :meth:`predict_draws`."""
        return self.predict_draws(X)

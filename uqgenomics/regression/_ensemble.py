"""Deep ensemble regressor."""

from __future__ import annotations

import numpy as np
import torch

from .._base import with_shared_params_doc
from .._families import MemberEnsemble
from .._result import UncertaintyResult
from ..losses import MAX_LOG_VAR, MIN_LOG_VAR, GaussianNLLLoss
from ._base import UncertaintyRegressorMixin


@with_shared_params_doc
class EnsembleRegressor(UncertaintyRegressorMixin, MemberEnsemble):
    """Deep ensemble: independently seeded networks, spread = epistemic.

    Each member is the same network trained from its own seed (derived
    from ``random_state``) on the same training data, or on a bootstrap
    resample of it. The prediction is the member mean; the epistemic
    uncertainty is the standard deviation across members (ddof=0, as in
    DEGU). A plain ensemble predicts no aleatoric noise: that part is zero.

    Parameters
    ----------
    %(shared_params)s
    n_estimators : int, default=10
        Number of members.
    bootstrap : bool, default=False
        Train each member on a bootstrap resample of the training data
        (the validation split stays shared).
    n_jobs : int or None, default=None
        Members trained in parallel through joblib; ``None`` is 1 unless a
        ``joblib.parallel_backend`` context says otherwise (e.g.
        ``'dask'``: one task per member on a cluster).
    vectorize : {'auto', True, False}, default='auto'
        Train the members together, vectorised with ``torch.func.vmap``
        (same seeds and, without dropout, the same weights as one by one).
        ``'auto'``: on a GPU, when members are not spread over joblib
        workers, time one step both ways and keep the faster; on a CPU the
        loop (measured faster there). ``vectorized_`` records the choice.
    heteroscedastic : bool, default=False
        Members predict a mean and a log-variance (Gaussian NLL), giving an
        aleatoric part. Like every regressor, members train on ``y``
        standardised per task and predictions are in the units of ``y``.

    Attributes
    ----------
    estimators_ : list of skorch.NeuralNet
        Fitted members; ``estimators_[i].module_`` is the trained network and
        ``estimators_[i].history`` its per-epoch losses.
    seeds_ : ndarray of shape (n_estimators,)
        The seed each member was trained with.
    vectorized_ : bool
        Whether the members were trained together (``vectorize``).
    n_tasks_ : int
        Number of targets.
    input_shape_ : tuple of int
        Shape of one training sample: ``(length, 4)`` or ``(n_features,)``.
    n_features_in_ : int
        Only for 2-D feature input.

    Examples
    --------
    >>> from uqgenomics import EnsembleRegressor
    >>> from uqgenomics.datasets import make_regulatory_sequences
    >>> X, y = make_regulatory_sequences(n_samples=200, length=60, random_state=0)
    >>> model = EnsembleRegressor(n_estimators=2, max_epochs=2, random_state=0).fit(X, y)
    >>> model.predict_uncertainty(X[:3]).epistemic.shape
    (3,)
    """

    def __init__(
        self,
        network="cnn",
        *,
        n_estimators=10,
        bootstrap=False,
        n_jobs=None,
        vectorize="auto",
        heteroscedastic=False,
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
            random_state=random_state,
            verbose=verbose, **kwargs,
        )
        self.n_estimators = n_estimators
        self.bootstrap = bootstrap
        self.n_jobs = n_jobs
        self.vectorize = vectorize
        self.heteroscedastic = heteroscedastic

    def _make_heads(self, n_features, n_tasks):
        heads = super()._make_heads(n_features, n_tasks)
        if self.heteroscedastic:
            heads["log_var"] = torch.nn.Linear(n_features, n_tasks)
        return heads

    def _make_criterion(self):
        return GaussianNLLLoss() if self.heteroscedastic else super()._make_criterion()

    def _member_outputs(self, X) -> tuple[np.ndarray, np.ndarray | None]:
        """Members' means and variances ``(n_estimators, n_samples, n_tasks)`` in
        ``y`` units; variances are None for a plain ensemble."""
        outputs = self._member_forward(X).astype(np.float64)
        if not self.heteroscedastic:
            return self._to_y_units(outputs, "location"), None
        mean, log_var = np.split(outputs, 2, axis=-1)
        variance = np.exp(np.clip(log_var, MIN_LOG_VAR, MAX_LOG_VAR))
        return self._to_y_units(mean, "location"), self._to_y_units(variance, "variance")

    def predict_members(self, X):
        """Each member's prediction.

        Parameters
        ----------
        X : sequence of str, array-like of shape (n_samples, length, 4) or (n_samples, n_features)

        Returns
        -------
        predictions : ndarray of shape (n_estimators, n_samples[, n_tasks]), float64
            The task axis only when ``y`` was 2-D.
        """
        return self._format_output(self._member_outputs(self._check_predict_X(X))[0])

    def predict_uncertainty(self, X):
        """Ensemble mean with the epistemic spread across members.

        Parameters
        ----------
        X : sequence of str, array-like of shape (n_samples, length, 4) or (n_samples, n_features)

        Returns
        -------
        result : UncertaintyResult
            ``mean`` over members; ``epistemic`` = standard deviation across
            members (ddof=0); ``aleatoric`` = root of the members' mean
            variance with ``heteroscedastic=True``, else 0 (a plain ensemble
            has no noise head). Arrays of shape (n_samples,) or
            (n_samples, n_tasks).
        """
        members, aleatoric = self._members_and_aleatoric(X)
        return UncertaintyResult(mean=members.mean(axis=0), epistemic=members.std(axis=0),
                                 aleatoric=aleatoric)

    def _members_and_aleatoric(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Member means ``(n_estimators, n_samples[, n_tasks])`` and the aleatoric
        std ``(n_samples[, n_tasks])`` (0 for a plain ensemble), from one pass."""
        means, variances = self._member_outputs(self._check_predict_X(X))
        aleatoric = np.zeros(means.shape[1:]) if variances is None \
            else np.sqrt(variances.mean(axis=0))
        return self._format_output(means), self._format_output(aleatoric)

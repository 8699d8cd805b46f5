"""Deep ensemble regressor."""

from __future__ import annotations

import torch

from .._base import check_beta, with_shared_params_doc
from .._families import MemberEnsemble
from ._base import UncertaintyRegressorMixin, check_loss


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
    %(network_param)s
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
        Members predict a mean and a log-variance
        (:class:`~uqgenomics.networks.GaussianHead`, Gaussian NLL), giving
        an aleatoric part. Like every regressor, members train on ``y``
        standardised per task and predictions are in the units of ``y``.
    beta : float, default=0.0
        β-NLL weighting of heteroscedastic members (see
        :class:`HeteroscedasticRegressor`); only with ``heteroscedastic=True``.
    %(loss_param)s
    %(strand_pairs_param)s
    %(shared_params)s

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
        beta=0.0,
        loss="mse",
        strand_pairs=(),
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
        self.strand_pairs = strand_pairs
        self.n_estimators = n_estimators
        self.bootstrap = bootstrap
        self.n_jobs = n_jobs
        self.vectorize = vectorize
        self.heteroscedastic = heteroscedastic
        self.beta = beta
        self.loss = loss

    def _check_params(self):
        super()._check_params()
        check_beta(self)
        if self.beta and not self.heteroscedastic:
            raise ValueError("beta weights the Gaussian NLL of heteroscedastic members; set "
                             "heteroscedastic=True, or leave beta=0")
        check_loss(self)

    @property
    def _noise_head(self):
        return bool(self.heteroscedastic)

    def predict_members(self, X):
        """Each member's prediction: the means of :meth:`predict_draws`.

        Parameters
        ----------
        X : sequence of str, array-like of shape (n_samples, length, 4) or (n_samples, n_features)

        Returns
        -------
        predictions : ndarray of shape (n_estimators, n_samples[, n_tasks]), float64
            The task axis only when ``y`` was 2-D.
        """
        return self.predict_draws(X).means

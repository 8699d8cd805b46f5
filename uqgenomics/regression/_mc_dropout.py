"""Monte Carlo dropout regressor (Gal & Ghahramani 2016)."""

from __future__ import annotations

import torch

from .._base import with_shared_params_doc
from .._families import MCDropoutMixin, SingleNetworkEstimator
from ._base import UncertaintyRegressorMixin, check_loss


@with_shared_params_doc
class MCDropoutRegressor(MCDropoutMixin, UncertaintyRegressorMixin, SingleNetworkEstimator):
    """One network; epistemic uncertainty from dropout kept on at prediction.

    Trained with mean squared error like a standard model. At prediction the
    dropout layers stay active (BatchNorm stays in eval mode) and
    ``n_samples`` masks are drawn: the mean over samples is the prediction,
    their standard deviation the epistemic uncertainty; aleatoric is zero.
    The part of the network before its first dropout layer is computed once
    per batch and only the rest is sampled (for DeepSTARR: the dense head),
    which gives each input the same distribution as full stochastic passes
    at a fraction of the cost. Mask ``k`` is shared by all inputs, so a
    prediction does not depend on the other rows of ``X`` and two inputs'
    samples are paired. The network must contain dropout.

    Parameters
    ----------
    %(network_param)s
    n_samples : int, default=100
        Dropout masks per prediction.
    %(loss_param)s
    %(strand_pairs_param)s
    %(shared_params)s

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained network (``net_.module_``) and its history.
    seed_ : int
        Training seed; also seeds the dropout masks at prediction.
    n_tasks_ : int
    input_shape_ : tuple of int
    n_features_in_ : int
        Only for 2-D feature input.
    """

    def __init__(
        self,
        network="cnn",
        *,
        n_samples=100,
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
        self.n_samples = n_samples
        self.loss = loss

    def _check_params(self):
        super()._check_params()
        check_loss(self)

    def predict_samples(self, X):
        """Predictions under each dropout mask: the means of :meth:`predict_draws`.

        Returns
        -------
        samples : ndarray of shape (n_samples, n_X) or (n_samples, n_X, n_tasks), float64
        """
        return self.predict_draws(X).means

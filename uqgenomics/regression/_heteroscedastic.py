"""Heteroscedastic (mean + variance) regressor trained with Gaussian NLL."""

from __future__ import annotations

import numpy as np
import torch

from .._base import SingleNetworkEstimator, UncertaintyRegressorMixin, with_shared_params_doc
from .._result import UncertaintyResult
from ..losses import GaussianNLLLoss


@with_shared_params_doc
class HeteroscedasticRegressor(UncertaintyRegressorMixin, SingleNetworkEstimator):
    """Mean and log-variance heads trained with the Gaussian NLL.

    The aleatoric uncertainty is the predicted standard deviation
    ``exp(log σ² / 2)``. Epistemic is zero, unless ``mc_dropout=True``:
    then ``n_samples`` dropout masks give mean = average of the sampled
    means, epistemic = their standard deviation, aleatoric = the root of the
    average sampled variance.

    The NLL is scale-dependent: standardise ``y`` (e.g. with
    ``TransformedTargetRegressor``) when its values are far from unit scale.

    Parameters
    ----------
    %(shared_params)s
    beta : float, default=0.0
        β-NLL weighting (Seitz et al. 2022): each sample's NLL is weighted
        by its detached predicted variance to the power β. 0 is plain NLL;
        0.5 is the paper's recommendation when the mean fits poorly.
    min_log_var, max_log_var : float, default=-10.0, 10.0
        Clamp of the predicted log-variance in training and prediction.
    mc_dropout : bool, default=False
        Add epistemic uncertainty from dropout masks (the network needs
        dropout layers).
    n_samples : int, default=100
        Dropout masks when ``mc_dropout=True``.

    Attributes
    ----------
    net_ : skorch.NeuralNet
    seed_ : int
    n_tasks_ : int
    input_shape_ : tuple of int
    n_features_in_ : int
        Only for 2-D feature input.
    """

    def __init__(
        self,
        network="cnn",
        *,
        beta=0.0,
        min_log_var=-10.0,
        max_log_var=10.0,
        mc_dropout=False,
        n_samples=100,
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
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        super().__init__(
            network, lr=lr, max_epochs=max_epochs, batch_size=batch_size,
            optimizer=optimizer, validation_fraction=validation_fraction,
            patience=patience, lr_patience=lr_patience, lr_factor=lr_factor,
            callbacks=callbacks, device=device, precision=precision,
            compile=compile, random_state=random_state,
            verbose=verbose, **kwargs,
        )
        self.beta = beta
        self.min_log_var = min_log_var
        self.max_log_var = max_log_var
        self.mc_dropout = mc_dropout
        self.n_samples = n_samples

    def _make_heads(self, n_features, n_tasks):
        return {"mean": torch.nn.Linear(n_features, n_tasks),
                "log_var": torch.nn.Linear(n_features, n_tasks)}

    def _make_criterion(self):
        return GaussianNLLLoss(self.beta, self.min_log_var, self.max_log_var)

    def _mean_and_variance(self, outputs):
        mean, log_var = np.split(outputs, 2, axis=-1)
        return mean, np.exp(np.clip(log_var, self.min_log_var, self.max_log_var))

    def predict_uncertainty(self, X):
        """Predicted mean with aleatoric (and, with MC dropout, epistemic) std.

        Returns
        -------
        result : UncertaintyResult
            Arrays of shape (n_samples,) or (n_samples, n_tasks).
        """
        X = self._check_predict_X(X)
        if not self.mc_dropout:
            mean, variance = self._mean_and_variance(self._outputs(X))
            return UncertaintyResult(
                mean=self._format_output(mean),
                epistemic=self._format_output(np.zeros_like(mean)),
                aleatoric=self._format_output(np.sqrt(variance)),
            )
        means, variances = self._mean_and_variance(
            self._sampled_outputs(X, self.n_samples).astype(np.float64)
        )
        return UncertaintyResult(
            mean=self._format_output(means.mean(axis=0)),
            epistemic=self._format_output(means.std(axis=0)),
            aleatoric=self._format_output(np.sqrt(variances.mean(axis=0))),
        )

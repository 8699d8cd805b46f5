"""Heteroscedastic (mean + variance) regressor trained with Gaussian NLL."""

from __future__ import annotations

import torch

from .._base import check_beta, check_int, with_shared_params_doc
from .._families import SingleNetworkEstimator
from ._base import UncertaintyRegressorMixin


@with_shared_params_doc
class HeteroscedasticRegressor(UncertaintyRegressorMixin, SingleNetworkEstimator):
    """Mean and log-variance heads trained with the Gaussian NLL.

    The aleatoric uncertainty is the predicted standard deviation
    ``exp(log σ² / 2)``. Epistemic is zero, unless ``mc_dropout=True``:
    then ``n_samples`` dropout masks give mean = average of the sampled
    means, epistemic = their standard deviation, aleatoric = the root of the
    average sampled variance.

    The NLL is scale-dependent, so the network trains on ``y``
    standardised per task (``y_mean_``, ``y_scale_``) and predictions are
    reported in the units of ``y``; the log-variance clamp applies in the
    standardised units (σ between 0.0067 and 148 times the std of ``y``).

    Parameters
    ----------
    %(network_param)s
    beta : float, default=0.0
        β-NLL weighting (Seitz et al. 2022): each sample's NLL is weighted
        by its detached predicted variance to the power β. 0 is plain NLL;
        0.5 is the paper's recommendation when the mean fits poorly.
    min_log_var, max_log_var : float, default=-10.0, 10.0
        Clamp of the predicted log-variance (in the
        :class:`~uqgenomics.networks.GaussianHead`, so training and
        prediction see the same value).
    mc_dropout : bool, default=False
        Add epistemic uncertainty from dropout masks (the network needs
        dropout layers).
    n_samples : int, default=100
        Dropout masks when ``mc_dropout=True``.
    %(strand_pairs_param)s
    %(shared_params)s

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
        self.beta = beta
        self.min_log_var = min_log_var
        self.max_log_var = max_log_var
        self.mc_dropout = mc_dropout
        self.n_samples = n_samples

    def _check_params(self):
        super()._check_params()
        if self.mc_dropout:
            check_int(self, "n_samples", minimum=2)
        check_beta(self)  # the head checks the log-variance range when it is built

    _noise_head = True

    @property
    def _log_var_range(self):
        return (self.min_log_var, self.max_log_var)

    @property
    def _needs_dropout(self):
        return bool(self.mc_dropout)

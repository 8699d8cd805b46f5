"""Deep evidential regression (Amini et al. 2020)."""

from __future__ import annotations

import numpy as np
import torch

from .._base import with_shared_params_doc
from .._families import SingleNetworkEstimator
from .._result import Draws
from ..losses import NormalInverseGammaLoss
from ..networks import NormalInverseGammaHead
from ._base import UncertaintyRegressorMixin


@with_shared_params_doc
class EvidentialRegressor(UncertaintyRegressorMixin, SingleNetworkEstimator):
    """Normal-Inverse-Gamma outputs: both uncertainties from one pass.

    The head predicts γ, ν > 0, α > 1, β > 0 (softplus); training minimises
    the NIG negative log-likelihood plus ``coefficient · |y − γ| (2ν + α)``.
    Prediction (one draw with a noise and an epistemic head): mean γ,
    aleatoric ``sqrt(β / (α − 1))``, epistemic ``sqrt(β / (ν (α − 1)))``;
    their combination ``total`` is the standard deviation of the Student-t
    predictive distribution. The loss is
    scale-dependent, so the network trains on ``y`` standardised per task
    and predictions are reported in the units of ``y``.

    Known limitation (Meinert et al. 2023): the split between the two parts
    is not identifiable from the loss. On data with input-dependent noise,
    ``total`` matches the noise scale, ``aleatoric`` ranks inputs by noise
    but underestimates it, and ``epistemic`` follows the noise too. Prefer
    an ensemble or MC dropout for epistemic uncertainty.

    Parameters
    ----------
    %(network_param)s
    coefficient : float, default=0.01
        λ, weight of the evidence regulariser.
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
        coefficient=0.01,
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
        self.coefficient = coefficient

    def _check_params(self):
        super()._check_params()
        if not self.coefficient >= 0:
            raise ValueError(f"coefficient must be >= 0, got {self.coefficient!r}")

    def _make_heads(self, n_features, n_tasks):
        return {"nig": NormalInverseGammaHead(n_features, n_tasks)}

    def _make_criterion(self):
        return NormalInverseGammaLoss(self.coefficient)

    def _decode(self, outputs):
        gamma, aleatoric, epistemic = NormalInverseGammaHead.moments(outputs)
        return Draws(self._to_y_units(gamma, "location"), self._to_y_units(aleatoric, "variance"),
                     self._to_y_units(epistemic, "variance")[0])

    def predict_evidence(self, X):
        """The NIG parameters.

        Returns
        -------
        gamma, nu, alpha, beta : ndarrays of shape (n_samples,) or (n_samples, n_tasks), float64
            In the units of ``y``: γ is a mean, β a squared scale.
        """
        outputs = torch.from_numpy(self._raw_draws(self._check_predict_X(X))[0].astype(np.float64))
        gamma, nu, alpha, beta = torch.chunk(outputs, 4, dim=-1)
        gamma, beta = self._to_y_units(gamma, "location"), self._to_y_units(beta, "variance")
        return tuple(self._format_output(p.numpy()) for p in (gamma, nu, alpha, beta))

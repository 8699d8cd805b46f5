"""MC dropout classifier."""

from __future__ import annotations

import torch

from .._base import with_shared_params_doc
from .._families import MCDropoutMixin, SingleNetworkEstimator
from ._base import UncertaintyClassifierMixin


@with_shared_params_doc
class MCDropoutClassifier(MCDropoutMixin, UncertaintyClassifierMixin, SingleNetworkEstimator):
    """One classifier; epistemic uncertainty from dropout kept on at prediction.

    Trained with cross-entropy. At prediction ``n_samples`` dropout masks
    (shared by all inputs, seeded by the fitted ``seed_``, only the part
    after the first dropout layer re-run) give class probabilities whose
    mean is ``predict_proba`` and whose disagreement is the epistemic part
    (mutual information). The network must contain dropout.

    Parameters
    ----------
    %(network_param)s
    n_samples : int, default=100
        Dropout masks per prediction.
    %(shared_params)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    net_ : skorch.NeuralNet
    seed_ : int
    input_shape_ : tuple of int
    n_features_in_ : int
        Only for 2-D feature input.
    """

    def __init__(
        self,
        network="cnn",
        *,
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
        self.n_samples = n_samples

"""Epinet classifier (Osband et al. 2023)."""

from __future__ import annotations

import copy
from functools import partial

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from .._base import check_int, with_shared_params_doc
from .._engine._inference import forward_in_batches
from .._families import SingleNetworkEstimator
from ..losses import IndexedCrossEntropyLoss
from ..networks import HeadedNetwork
from ..networks._epinet import EpinetNetwork
from ._base import UncertaintyClassifierMixin


@with_shared_params_doc
class EpinetClassifier(UncertaintyClassifierMixin, SingleNetworkEstimator):
    """Classifier with an epinet: epistemic uncertainty from one batched pass.

    The network is :class:`~uqgenomics.networks._epinet.EpinetNetwork`: the
    base network's logits plus an index-conditioned correction
    σ_L(sg φ(x), z) + prior_scale · σ_P(sg φ(x), z) with z ~ N(0, I)
    (Osband et al. 2023). Training averages the cross-entropy over
    ``n_index_samples`` indices per batch; prediction evaluates
    ``n_samples`` fixed indices (seeded by ``seed_``) for every input in
    one batched pass, and splits the entropy of their mean probabilities
    into expected entropy (aleatoric) and mutual information (epistemic).

    With ``freeze_base=True`` the base network is trained first (plain
    cross-entropy), then frozen, and only the epinet trains on top; a
    fitted ``base`` classifier skips the first stage. On frozen
    embeddings (``FrozenLMEmbedder`` features with ``network='mlp'``)
    this is the setting of Hearne & Rosen (2025).

    Parameters
    ----------
    %(network_param)s
    index_dim : int, default=8
        Dimension of the epistemic index ``z``.
    epinet_hidden : tuple of int, default=(50,)
        Hidden widths of the learnable and prior epinet MLPs.
    prior_scale : float, default=1.0
        Weight of the fixed random prior network.
    n_index_samples : int, default=8
        Indices per training batch.
    n_samples : int, default=100
        Indices per prediction (at least 2: their spread is the epistemic part).
    freeze_base : bool, default=False
        Train the base first, then only the epinet.
    base : fitted classifier with ``net_``, default=None
        E.g. a fitted ``MCDropoutClassifier``: its network (copied) is the
        frozen base and only the epinet trains. Its classes must match.
    %(shared_params)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    net_ : skorch.NeuralNet
        ``net_.module_`` is the EpinetNetwork.
    base_net_ : skorch.NeuralNet or None
        The first-stage base fit with ``freeze_base=True``.
    seed_ : int
    input_shape_ : tuple of int
    n_features_in_ : int
        Only for 2-D feature input.
    """

    def __init__(
        self,
        network="cnn",
        *,
        index_dim=8,
        epinet_hidden=(50,),
        prior_scale=1.0,
        n_index_samples=8,
        n_samples=100,
        freeze_base=False,
        base=None,
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
        self.index_dim = index_dim
        self.epinet_hidden = epinet_hidden
        self.prior_scale = prior_scale
        self.n_index_samples = n_index_samples
        self.n_samples = n_samples
        self.freeze_base = freeze_base
        self.base = base

    _compilable = False

    def _check_params(self):
        super()._check_params()
        check_int(self, "index_dim", minimum=1)
        check_int(self, "n_index_samples", minimum=1)
        check_int(self, "n_samples", minimum=2)

    def _fit(self, X, y, validation, rng) -> None:
        """Train the base (unless given or frozen-and-given) and the epinet."""
        self.seed_ = int(rng.randint(2**31 - 1))
        self.base_net_ = None
        pretrained = None
        if self.base is not None:
            check_is_fitted(self.base)
            if not np.array_equal(self.base.classes_, self.classes_):
                raise ValueError(f"base was fitted on classes {self.base.classes_.tolist()}, "
                                 f"the data has {self.classes_.tolist()}")
            pretrained = self.base.net_.module_
        elif self.freeze_base:
            # Stage 1: the plain classifier (logits head, cross-entropy).
            self.base_net_ = self._fit_network(
                X, y, validation, self.seed_ + 1, build_network=super()._build_network,
                criterion=super()._make_criterion(), label="the base network (first stage)")
            pretrained = self.base_net_.module_
        self.net_ = self._fit_network(X, y, validation, self.seed_,
                                      build_network=partial(self._build_network,
                                                            pretrained=pretrained),
                                      label="the epinet")

    def _make_criterion(self):
        return IndexedCrossEntropyLoss()

    def _rebuild_net(self, attribute):
        if attribute == "base_net_":  # the first-stage plain classifier
            return super()._rebuild_net(attribute, super()._build_network,
                                        super()._make_criterion())
        net = super()._rebuild_net(attribute)
        if self.base is not None or self.freeze_base:
            net.module_.freeze_base = True
            net.module_.base.requires_grad_(False)
        return net

    def _build_network(self, trunk, n_outputs, pretrained=None):
        """An EpinetNetwork on a new base, or on a frozen copy of ``pretrained``."""
        base = copy.deepcopy(pretrained) if pretrained is not None else HeadedNetwork(
            trunk, self._make_heads(trunk.out_features, n_outputs))
        return EpinetNetwork(base, n_outputs, self.index_dim, tuple(self.epinet_hidden),
                             self.prior_scale, self.n_index_samples,
                             freeze_base=pretrained is not None)

    def _indices(self) -> torch.Tensor:
        """The fixed prediction indices ``(n_samples, index_dim)``."""
        generator = torch.Generator().manual_seed(self.seed_)
        return torch.randn(self.n_samples, self.index_dim, generator=generator)

    def _raw_draws(self, X):
        """Logits of every prediction index, ``(n_samples, n, n_classes)``, in one
        batched pass per batch of inputs."""
        return forward_in_batches(self.net_.module_, X, self.batch_size, axis=1,
                                  precision=self.precision, z=self._indices())

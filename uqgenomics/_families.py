"""Family bases shared by regressors and classifiers: how many networks
are trained and how they are run.

:class:`SingleNetworkEstimator` trains one network (MC dropout,
heteroscedastic, evidential, distilled, epinet); :class:`MemberEnsemble`
trains seeded members (deep ensembles); :class:`MCDropoutMixin` marks a
family whose every prediction samples dropout masks.
"""

from __future__ import annotations

import numpy as np
import torch
from joblib import effective_n_jobs

from ._base import BaseUncertaintyEstimator, check_int
from ._engine._device import resolve_device
from ._engine._lockstep import fit_members, member_label
from ._engine._mc_dropout import mc_dropout_function, mc_dropout_outputs
from ._engine._parallel import parallel


class SingleNetworkEstimator(BaseUncertaintyEstimator):
    """One network trained on the training data (MC dropout, heteroscedastic,
    evidential, distilled, epinet). Its draws are one pass (``K = 1``) or,
    where the family samples dropout, ``n_samples`` masks; subclasses choose
    heads, loss and how outputs become draws.

    Fitted attributes: ``net_`` (the skorch net; ``net_.module_`` is the
    trained network), ``seed_`` (training seed; also seeds MC dropout masks,
    so a fitted model's predictions are reproducible), ``n_tasks_``,
    ``input_shape_``.
    """

    def _fit(self, X, y, validation, rng) -> None:
        self.seed_ = int(rng.randint(2**31 - 1))
        self.net_ = self._fit_network(X, y, validation, self.seed_)

    def _fitted_networks(self):
        return [self.net_.module_]

    def _raw_draws(self, X) -> np.ndarray:
        """Outputs ``(K, n_samples, n_outputs)``, float32: under ``n_samples``
        dropout masks when the family samples them, else ``K = 1``."""
        if self._needs_dropout:
            return mc_dropout_outputs(self.net_.module_, X, self.n_samples, self.batch_size,
                                      self.seed_, self.precision)
        return self._forward(self.net_.module_, X)[None]

    def _draws_function(self):
        """``x -> (K, batch, n_outputs)``: :meth:`_raw_draws` as a torch function."""
        module = self.net_.module_.eval()
        if self._needs_dropout:
            return mc_dropout_function(module, self.n_samples, self.seed_)
        return lambda x: module(x)[None]


class MCDropoutMixin:
    """A family whose every prediction samples ``n_samples`` dropout masks:
    checks ``n_samples >= 2`` and that the network has dropout, at ``fit``."""

    def _check_params(self):
        super()._check_params()
        check_int(self, "n_samples", minimum=2)

    @property
    def _needs_dropout(self):
        return True


class MemberEnsemble(BaseUncertaintyEstimator):
    """Fit ``n_estimators`` members and run them: each member is a draw.
    Subclasses have the parameters ``n_estimators``, ``bootstrap``,
    ``n_jobs`` and ``vectorize``.

    Fitted attributes: ``estimators_`` (skorch nets), ``seeds_``,
    ``vectorized_``.
    """

    def _check_params(self):
        super()._check_params()
        check_int(self, "n_estimators", minimum=1)
        if self.vectorize not in ("auto", True, False):
            raise ValueError(f"vectorize must be 'auto', True or False, got {self.vectorize!r}")

    def _fit(self, X, y, validation, rng) -> None:
        seeds = rng.randint(2**31 - 1, size=self.n_estimators)
        rows = [
            rng.randint(len(X), size=len(X)) if self.bootstrap else slice(None)
            for _ in seeds
        ]
        vectorize = self._vectorize_mode()
        if vectorize is False:
            self.estimators_ = parallel(
                ((self._fit_network, (X[r], y[r], validation, int(seed)),
                  {"label": member_label(i, len(seeds), seed)})
                 for i, (r, seed) in enumerate(zip(rows, seeds))), self.n_jobs)
            self.vectorized_ = False
        else:
            self.estimators_, self.vectorized_ = fit_members(
                self._network_builder(X, y), self._make_criterion(),
                [(X[r], y[r]) for r in rows], validation, seeds, self._training_params(),
                self._skorch_params(), vectorize)
        self.seeds_ = seeds

    def _vectorize_mode(self):
        """True, False or 'measure' (see ``fit_members``) from ``vectorize``."""
        if self.n_estimators == 1 or self.vectorize is False:
            return False
        if self.vectorize is True:
            return True
        on_gpu = resolve_device(self.device).startswith("cuda")
        return "measure" if on_gpu and effective_n_jobs(self.n_jobs) == 1 else False

    def _fitted_networks(self):
        return [net.module_ for net in self.estimators_]

    def _raw_draws(self, X) -> np.ndarray:
        """Outputs of every member, ``(n_estimators, n_samples, n_outputs)``, float32."""
        return np.stack([self._forward(module, X) for module in self._fitted_networks()])

    def _draws_function(self):
        """``x -> (n_estimators, batch, n_outputs)``: the members as a torch function."""
        modules = [module.eval() for module in self._fitted_networks()]
        return lambda x: torch.stack([module(x) for module in modules])

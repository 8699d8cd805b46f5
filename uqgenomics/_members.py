"""Deep ensembles: independently seeded members of one network (shared by
the regressor and the classifier)."""

from __future__ import annotations

import numpy as np
from joblib import effective_n_jobs

from ._base import BaseUncertaintyEstimator, check_int
from ._parallel import parallel
from ._training import resolve_device
from ._vectorized import fit_members, member_label


class MemberEnsemble(BaseUncertaintyEstimator):
    """Fit ``n_estimators`` members and run them; subclasses set the
    parameters ``n_estimators``, ``bootstrap``, ``n_jobs``, ``vectorize``
    and turn the members' outputs into predictions.

    Fitted attributes: ``estimators_`` (skorch nets), ``seeds_``,
    ``vectorized_``.
    """

    def _check_params(self):
        super()._check_params()
        check_int(self, "n_estimators", minimum=1)
        if self.vectorize not in ("auto", True, False):
            raise ValueError(f"vectorize must be 'auto', True or False, got {self.vectorize!r}")

    def fit(self, X, y, validation_data=None, **fit_params):
        """Train every member.

        Parameters
        ----------
        X : sequence of str, array-like of shape (n_samples, length, 4) or (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Targets (regression) or labels (classification).
        validation_data : (X_val, y_val), default=None
            Used instead of a ``validation_fraction`` split.

        Returns
        -------
        self
        """
        self._reject_fit_params(fit_params)
        X, y, validation, rng = self._validate_fit_data(X, y, validation_data)
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
        self._set_fit_attributes(X, y)
        return self

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

    def _member_forward(self, X) -> np.ndarray:
        """Raw outputs of every member, ``(n_estimators, n_samples, n_outputs)``, float32."""
        return np.stack([self._forward(module, X) for module in self._fitted_networks()])

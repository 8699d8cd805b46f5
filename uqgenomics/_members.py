"""Deep ensembles: independently seeded members of one network (shared by
the regressor and the classifier)."""

from __future__ import annotations

import numpy as np
from joblib import Parallel, delayed

from ._base import BaseUncertaintyEstimator


class MemberEnsemble(BaseUncertaintyEstimator):
    """Fit ``n_estimators`` members and run them; subclasses set the
    parameters ``n_estimators``, ``bootstrap``, ``n_jobs`` and turn the
    members' outputs into predictions.

    Fitted attributes: ``estimators_`` (skorch nets), ``seeds_``.
    """

    def fit(self, X, y, validation_data=None):
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
        if not isinstance(self.n_estimators, (int, np.integer)) or self.n_estimators < 1:
            raise ValueError(f"n_estimators must be a positive int, got {self.n_estimators!r}")
        X, y, validation, rng = self._validate_fit_data(X, y, validation_data)
        seeds = rng.randint(2**31 - 1, size=self.n_estimators)
        rows = [
            rng.randint(len(X), size=len(X)) if self.bootstrap else slice(None)
            for _ in seeds
        ]
        self.estimators_ = Parallel(n_jobs=self.n_jobs)(
            delayed(self._fit_network)(X[r], y[r], validation, int(seed))
            for r, seed in zip(rows, seeds)
        )
        self.seeds_ = seeds
        self._set_fit_attributes(X, y)
        return self

    def _fitted_networks(self):
        return [net.module_ for net in self.estimators_]

    def _member_forward(self, X) -> np.ndarray:
        """Raw outputs of every member, ``(n_estimators, n_samples, n_outputs)``, float32."""
        return np.stack([self._forward(module, X) for module in self._fitted_networks()])

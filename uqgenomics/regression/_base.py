"""The regression side of the contract: standardised targets, draws, results in ``y`` units."""

from __future__ import annotations

import warnings

import numpy as np
import torch
from sklearn.base import RegressorMixin

from .._result import Draws
from ..encoding import reverse_complement
from ..losses import GaussianNLLLoss
from ..networks import GaussianHead
from ..networks._heads import MAX_LOG_VAR, MIN_LOG_VAR


class UncertaintyRegressorMixin(RegressorMixin):
    """Regression on top of :class:`~uqgenomics._base.BaseUncertaintyEstimator`.

    Networks train on targets standardised per column (``y_mean_``,
    ``y_scale_``), so that losses, learning rates and the log-variance clamp
    work whatever the units of ``y``; every prediction is reported back in
    the units of ``y`` through :meth:`_to_y_units`.

    Every prediction goes through draws. A family says how they are made:

    * ``_raw_draws(X)``: network outputs ``(K, n, n_outputs)`` of its ``K``
      members / dropout masks / single network (the family bases in
      ``uqgenomics._families`` provide it), and ``_draws_function()``, the
      same as a differentiable torch function;
    * :meth:`_decode`: those outputs as :class:`~uqgenomics.Draws` in the
      units of ``y`` (a mean head by default; noise, evidential and student
      heads override it).

    How draws are summarised is not the family's business:
    :meth:`Draws.summarize` is the one place.
    """

    #: Whether the networks have a Gaussian noise head (mean, log-variance),
    #: trained with the (β-)NLL; families with one have a ``beta`` parameter.
    _noise_head = False
    #: Clamp of the noise head's log-variance, in standardised units.
    _log_var_range = (MIN_LOG_VAR, MAX_LOG_VAR)

    def _make_heads(self, n_features, n_tasks):
        if self._noise_head:
            return {"gaussian": GaussianHead(n_features, n_tasks, *self._log_var_range)}
        return super()._make_heads(n_features, n_tasks)

    def _make_criterion(self):
        return GaussianNLLLoss(self.beta) if self._noise_head else super()._make_criterion()

    def _encode_targets(self, y, X, fit):
        y = super()._encode_targets(y, X, fit)
        if fit:
            self.y_mean_, self.y_scale_ = self._target_statistics(y)
        return self._standardize(y)

    def _standardize(self, y: np.ndarray) -> np.ndarray:
        """Targets ``(n, n_columns)`` in ``y`` units → training units, float32."""
        return ((y - self.y_mean_) / self.y_scale_).astype(np.float32)

    def _target_statistics(self, y) -> tuple[np.ndarray, np.ndarray]:
        """Per-column offset and scale ``(n_columns,)``, float64: mean and std of
        the training targets (NaN ignored; a constant column gets scale 1)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column
            mean = np.nanmean(y, axis=0, dtype=np.float64)
            scale = np.nanstd(y, axis=0, dtype=np.float64)
        return (np.where(np.isfinite(mean), mean, 0.0),
                np.where(np.isfinite(scale) & (scale > 0), scale, 1.0))

    def _to_y_units(self, values: torch.Tensor, kind: str) -> torch.Tensor:
        """Network outputs ``(..., n_columns)`` in training units → units of ``y``.

        ``kind`` is ``'location'`` (means: scaled and shifted) or
        ``'variance'`` (scaled twice).
        """
        def like(array):
            return torch.as_tensor(array, dtype=values.dtype, device=values.device)
        if kind == "location":
            return values * like(self.y_scale_) + like(self.y_mean_)
        if kind == "variance":
            return values * like(self.y_scale_**2)
        raise ValueError(f"unknown kind {kind!r}")

    # -- draws -------------------------------------------------------------
    def _decode(self, outputs: torch.Tensor) -> Draws:
        """Draws in ``y`` units from network outputs ``(K, n, n_outputs)`` in
        training units: the means, or the noise head's means and variances."""
        if not self._noise_head:
            return Draws(self._to_y_units(outputs, "location"))
        mean, variance = GaussianHead.moments(outputs)
        return Draws(self._to_y_units(mean, "location"), self._to_y_units(variance, "variance"))

    def _draws(self, X: np.ndarray) -> Draws:
        """Draws of checked inputs ``X``: float64 ndarrays, task axis kept."""
        def decoded(inputs):
            return self._decode(torch.from_numpy(self._raw_draws(inputs).astype(np.float64)))
        draws = decoded(X)
        if self.strand_average:
            draws = _average_strands(draws, decoded(reverse_complement(X)))
        return _map(draws, lambda values: values.numpy())

    def predict_draws(self, X) -> Draws:
        """The draws every prediction of this model is summarised from.

        Parameters
        ----------
        X : sequence of str, array-like of shape (n_samples, length, 4) or (n_samples, n_features)

        Returns
        -------
        draws : Draws
            ``means`` (and ``variances``) of shape ``(K, n_samples)`` or
            ``(K, n_samples, n_tasks)``, float64, in the units of ``y``: ``K``
            ensemble members or dropout masks, shared by all inputs (so the
            draws of two inputs are paired), or ``K = 1`` for a single
            network. ``draws.summarize()`` is :meth:`predict_uncertainty`.
        """
        return _map(self._draws(self._check_predict_X(X)), self._format_output)

    def predict_uncertainty(self, X):
        """Mean, epistemic and aleatoric standard deviations.

        Parameters
        ----------
        X : sequence of str, array-like of shape (n_samples, length, 4) or (n_samples, n_features)

        Returns
        -------
        result : UncertaintyResult
            Arrays of shape (n_samples,) or (n_samples, n_tasks), float64, in
            the units of ``y``: :meth:`predict_draws` summarised (mean over
            draws; epistemic = std of the draws' means, ddof 0, or an
            epistemic head; aleatoric = root of the mean noise variance, 0
            without a noise head).
        """
        return self.predict_draws(X).summarize()

    def draws_module(self) -> torch.nn.Module:
        """The draws as a differentiable torch module, for attribution.

        Returns
        -------
        module : torch.nn.Module
            In eval mode, holding the fitted networks (its parameters' device
            is where inputs go). ``module(x)`` with ``x`` a float tensor
            ``(batch, length, 4)`` or ``(batch, n_features)`` returns
            :class:`~uqgenomics.Draws` of tensors ``(K, batch, n_tasks)`` (the
            task axis kept), in the units of ``y``; ``.summarize()`` gives
            the mean and the uncertainties as tensors.
        """
        return _DrawsModule(self).eval()

    def predict(self, X, return_std=False):
        """Predict the mean, and optionally the total standard deviation.

        Parameters
        ----------
        X : sequence of str, array-like of shape (n_samples, length, 4) or (n_samples, n_features)
        return_std : bool, default=False
            Also return ``sqrt(epistemic² + aleatoric²)`` (what MAPIE's
            ``StdConformityScore`` asks for).

        Returns
        -------
        mean : ndarray of shape (n_samples,) or (n_samples, n_tasks), float64
        std : ndarray of the same shape, only when ``return_std=True``
        """
        result = self.predict_uncertainty(X)
        return (result.mean, result.total) if return_std else result.mean

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class _DrawsModule(torch.nn.Module):
    """A fitted regressor's draws as a torch function (see ``draws_module``)."""

    def __init__(self, estimator):
        super().__init__()
        self.networks = torch.nn.ModuleList(estimator._fitted_networks())
        self.estimator = estimator
        self.function = estimator._draws_function()

    def forward(self, x: torch.Tensor) -> Draws:
        self.estimator._check_input_shape(tuple(x.shape[1:]))
        draws = self.estimator._decode(self.function(x))
        if self.estimator.strand_average:  # the reverse complement of one-hot (batch, L, 4)
            draws = _average_strands(draws, self.estimator._decode(self.function(x.flip(1, 2))))
        return draws


def _average_strands(forward: Draws, reverse: Draws) -> Draws:
    """Draw by draw, the average of a sequence's draws and its reverse
    complement's (means, noise variances and head variances alike)."""
    return Draws(*(None if a is None else (a + b) / 2 for a, b in zip(
        (forward.means, forward.variances, forward.epistemic_variance),
        (reverse.means, reverse.variances, reverse.epistemic_variance))))


def _map(draws: Draws, function) -> Draws:
    """``draws`` with ``function`` applied to each array (None stays None)."""
    return Draws(*(None if values is None else function(values) for values in
                   (draws.means, draws.variances, draws.epistemic_variance)))

"""The regression side of the contract: standardised targets, draws, results in ``y`` units."""

from __future__ import annotations

import warnings

import numpy as np
import torch
from sklearn.base import RegressorMixin

from .._result import Draws
from ..encoding import reverse_complement
from ..encoding._strands import check_strand_pairs, strand_order
from ..losses import GaussianNLLLoss, MultinomialProfileLoss, PoissonLoss
from ..networks import GaussianHead
from ..networks._heads import MAX_LOG_VAR, MIN_LOG_VAR

LOSSES = ("mse", "poisson", "multinomial")


def check_loss(estimator) -> None:
    """Refuse an unknown ``loss``, or a count loss without a profile network."""
    if estimator.loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {estimator.loss!r}")
    if estimator.loss == "mse":
        return
    if not estimator._profile:
        raise ValueError(
            f"loss={estimator.loss!r} needs non-negative rates, which profile networks "
            f"predict (softplus output); network={estimator.network!r} is not one: use "
            "network='cnn_task_base', or loss='mse'")
    if getattr(estimator, "heteroscedastic", False):
        raise ValueError(f"heteroscedastic members train with the Gaussian NLL, not "
                         f"loss={estimator.loss!r}: use one of them")


class UncertaintyRegressorMixin(RegressorMixin):
    """Regression on top of ``BaseUncertaintyEstimator``.

    Networks train on targets standardised per column (``y_mean_``,
    ``y_scale_``), so that losses, learning rates and the log-variance clamp
    work whatever the units of ``y``; every prediction is reported back in
    the units of ``y`` through ``_to_y_units``.

    Every prediction goes through draws. A family says how they are made:

    * ``_raw_draws(X)``: network outputs ``(K, n, n_outputs)`` of its ``K``
      members / dropout masks / single network (the family bases in
      ``uqgenomics._families`` provide it), and ``_draws_function()``, the
      same as a differentiable torch function;
    * ``_decode``: those outputs as :class:`~uqgenomics.Draws` in the
      units of ``y`` (a mean head by default; noise, evidential and student
      heads override it).

    How draws are summarised is not the family's business:
    :meth:`Draws.summarize <uqgenomics.Draws.summarize>` is the one place.
    """

    #: Whether the networks have a Gaussian noise head (mean, log-variance),
    #: trained with the (β-)NLL; families with one have a ``beta`` parameter.
    _noise_head = False
    #: Clamp of the noise head's log-variance, in standardised units.
    _log_var_range = (MIN_LOG_VAR, MAX_LOG_VAR)

    @property
    def _strand_pairs(self):
        """``strand_pairs``; none for a family without that parameter."""
        return getattr(self, "strand_pairs", ())

    def _check_params(self) -> None:
        super()._check_params()
        pairs = check_strand_pairs(self._strand_pairs)
        augment = self._training_augment()
        if pairs and getattr(augment, "swaps_strands", False):
            raise ValueError(
                f"{type(augment).__name__} reverse-complements training sequences but keeps "
                f"their targets, so the plus and minus tasks of strand_pairs={list(pairs)} "
                "would be learnt on the wrong strand: drop the reverse complement from the "
                "training augmentation (strand_average=True averages both strands at "
                "prediction), or for profiles use ProfileReverseComplement(strand_pairs=...)")
        declared = getattr(augment, "strand_pairs", None)
        if declared is not None and _unordered(declared) != _unordered(pairs):
            raise ValueError(
                f"the training augmentation swaps the strand pairs {list(declared)} but "
                f"strand_pairs={list(pairs)}; strand_average swaps strand_pairs at "
                f"prediction, so give both the same pairs (strand_pairs={list(declared)})")

    def _check_strand_average(self, X) -> None:
        super()._check_strand_average(X)
        strand_order(self._strand_pairs, self._n_target_tasks())  # pairs within the tasks

    def _n_target_tasks(self) -> int:
        """Tasks of the targets being fitted (``target_shape_``)."""
        if self._profile:
            return self._profile_tasks
        return self.target_shape_[0] if len(self.target_shape_) else 1

    def _make_heads(self, n_features, n_tasks):
        if self._noise_head:
            return {"gaussian": GaussianHead(n_features, n_tasks, *self._log_var_range)}
        return super()._make_heads(n_features, n_tasks)

    def _make_criterion(self):
        if self._noise_head:
            return GaussianNLLLoss(self.beta)
        loss = getattr(self, "loss", "mse")
        if loss == "poisson":
            return PoissonLoss()
        if loss == "multinomial":
            return MultinomialProfileLoss(self._profile_tasks)
        return super()._make_criterion()

    def _encode_targets(self, y, X, fit):
        y = super()._encode_targets(y, X, fit)
        if fit:
            if self._profile and self._profile_activation == "softplus" and np.any(y < 0):
                raise ValueError(
                    f"y has negative values (min {np.min(y):.4g}), but network="
                    f"{self.network!r} predicts non-negative profiles (softplus output, "
                    "for counts and coverage): give non-negative targets (e.g. coverage "
                    "rather than log fold change)")
            self.y_mean_, self.y_scale_ = self._target_statistics(y)
        return self._standardize(y)

    def _standardize(self, y: np.ndarray) -> np.ndarray:
        """Targets ``(n, n_columns)`` in ``y`` units → training units, float32."""
        n_columns = y.shape[-1]
        return ((y - self._per_column(self.y_mean_, n_columns))
                / self._per_column(self.y_scale_, n_columns)).astype(np.float32)

    def _target_statistics(self, y) -> tuple[np.ndarray, np.ndarray]:
        """Offset and scale, float64: mean and std of the training targets per
        column ``(n_columns,)`` (NaN ignored; a constant column gets scale 1).
        Profiles: per part and task ``(k · n_tasks,)``, pooled over positions
        (a shifted window moves positions), and never shifted (a softplus
        output predicts them)."""
        if self._profile:
            n_tasks = self._profile_tasks
            parts = y.reshape(len(y), -1, y.shape[1] // (self._n_target_parts * n_tasks),
                              n_tasks)  # (n, k, L, T)
            y = parts.transpose(0, 2, 1, 3).reshape(-1, parts.shape[1] * n_tasks)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column
            mean = np.nanmean(y, axis=0, dtype=np.float64)
            scale = np.nanstd(y, axis=0, dtype=np.float64)
        mean = np.where(np.isfinite(mean), mean, 0.0)
        return (np.zeros_like(mean) if self._profile else mean,
                np.where(np.isfinite(scale) & (scale > 0), scale, 1.0))

    #: Parts of each target column group (the student's [μ, σ_epi(, σ_ale)]: 2 or 3).
    _n_target_parts = 1

    def _per_column(self, statistic: np.ndarray, n_columns: int) -> np.ndarray:
        """A statistic of :meth:`_target_statistics` for each of ``n_columns``
        columns: itself, or for a profile ``(k · n_tasks,)`` repeated at each of
        the columns' positions (layout ``(k, L, n_tasks)``)."""
        if not self._profile:
            return statistic
        n_tasks = self._profile_tasks
        k = statistic.size // n_tasks
        return np.tile(statistic.reshape(k, 1, n_tasks),
                       (1, n_columns // (k * n_tasks), 1)).reshape(-1)

    def _to_y_units(self, values: torch.Tensor, kind: str) -> torch.Tensor:
        """Network outputs ``(..., n_columns)`` in training units → units of ``y``.

        ``kind`` is ``'location'`` (means: scaled and shifted) or
        ``'variance'`` (scaled twice).
        """
        def like(array):
            return torch.as_tensor(self._per_column(array, values.shape[-1]),
                                   dtype=values.dtype, device=values.device)
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
            draws = _average_strands(draws, self._to_forward_strand(
                decoded(reverse_complement(X))))
        return _map(draws, lambda values: values.numpy())

    def _to_forward_strand(self, draws: Draws) -> Draws:
        """Draws of reverse-complemented inputs in the forward orientation
        (torch tensors ``(..., n_columns)``): a profile's positions reversed,
        and the plus and minus tasks of ``strand_pairs`` swapped."""
        n_tasks = self._n_target_tasks()
        order = strand_order(self._strand_pairs, n_tasks)
        if not self._profile and order == sorted(order):
            return draws

        def turn(values):
            shape = values.shape
            tasks = values.reshape(*shape[:-1], -1, n_tasks)  # (..., positions, tasks)
            if self._profile:
                tasks = tasks.flip(-2)
            return tasks[..., order].reshape(shape)
        return _map(draws, turn)

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
            draws = _average_strands(draws, self.estimator._to_forward_strand(
                self.estimator._decode(self.function(x.flip(1, 2)))))
        return draws


def _unordered(pairs) -> set:
    """Strand pairs as a set of unordered pairs ((0, 1) swaps as (1, 0) does)."""
    return {frozenset(pair) for pair in pairs}


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

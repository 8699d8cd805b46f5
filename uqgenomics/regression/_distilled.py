"""Ensemble distribution distillation into one network (DEGU, Zhou et al. 2026)."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import check_is_fitted

from .._base import check_int, with_shared_params_doc
from .._engine._batches import AugmentedBatchIterator
from .._engine._fitting import TrainingDivergedError, continue_training
from .._families import SingleNetworkEstimator
from .._result import Draws
from .._validation import (
    check_profile_targets,
    check_targets,
    check_validation_data,
    check_X,
    labelling_augmented_batches,
)
from ..augment import degu_augment, evoaug_augment
from ..losses import DistillationLoss
from ._base import UncertaintyRegressorMixin
from ._ensemble import EnsembleRegressor

ALEATORIC_SOURCES = (None, "replicates", "teacher", "teacher_replicates")
TARGET_SCALINGS = ("shared", "std")
#: Named augmentation recipes for ``augment=``.
AUGMENT_RECIPES = {"degu": degu_augment, "evoaug": evoaug_augment}
_MIN_VARIANCE = 1e-8


class TeacherTargets:
    """The student's regression targets from a fitted teacher.

    Calling it on inputs ``X`` returns ``(n, k · n_tasks)`` float32:
    ``[teacher mean, teacher epistemic std(, aleatoric)]``, the uncertainty
    columns as stds or, with ``log_targets``, as log-variances. The
    aleatoric column comes from the teacher's own aleatoric output
    (``source='teacher'``) or is NaN (``'replicates'``: replicate stds exist
    only for measured sequences and are filled in by the caller).

    Parameters
    ----------
    teacher : fitted estimator with ``predict_uncertainty``
    source : {None, 'replicates', 'teacher'}
    log_targets : bool

    Attributes
    ----------
    standardize : callable or None
        Once set (by the student, after it has seen its training targets),
        applied to the targets: the student trains in standardised units.
    """

    def __init__(self, teacher, source, log_targets):
        self.teacher = teacher
        self.source = source
        self.log_targets = log_targets
        self.standardize = None

    def __call__(self, X) -> np.ndarray:
        with labelling_augmented_batches():  # noisy augmented batches taken as they are
            result = self.teacher.predict_uncertainty(X)
        n = len(result.mean)
        if self.source == "teacher_replicates":  # the teacher's tasks: [measured, replicate std]
            half = result.mean.shape[-1] // 2
            mean, epistemic = result.mean[..., :half], result.epistemic[..., :half]
            aleatoric = np.maximum(result.mean[..., half:], 0.0)  # members' average std
            return self._finish([np.reshape(mean, (n, -1)),
                                 self.encode(np.reshape(epistemic, (n, -1))),
                                 self.encode(np.reshape(aleatoric, (n, -1)))])
        parts = [np.reshape(result.mean, (n, -1)),
                 self.encode(np.reshape(result.epistemic, (n, -1)))]
        if self.source == "teacher":
            if not np.any(result.aleatoric):
                raise ValueError("aleatoric='teacher' but the teacher predicts no aleatoric "
                                 "uncertainty; use e.g. EnsembleRegressor(heteroscedastic=True)")
            parts.append(self.encode(np.reshape(result.aleatoric, (n, -1))))
        elif self.source == "replicates":
            parts.append(np.full_like(parts[0], np.nan))
        return self._finish(parts)

    def _finish(self, parts) -> np.ndarray:
        values = np.concatenate(parts, axis=1)
        return (values if self.standardize is None else self.standardize(values)).astype(
            np.float32)

    def encode(self, std: np.ndarray) -> np.ndarray:
        """A std target as the head predicts it (std, or log-variance)."""
        return np.log(np.maximum(std**2, _MIN_VARIANCE)) if self.log_targets else std


@with_shared_params_doc
class DistilledRegressor(UncertaintyRegressorMixin, SingleNetworkEstimator):
    """One student network that carries an ensemble's mean and uncertainty.

    The teacher (by default a 10-member deep ensemble of the same network)
    is fitted first, unless it is already fitted; the student then learns
    the teacher's mean, the teacher's spread across members (epistemic),
    and optionally an aleatoric std, with the loss
    ``MSE(μ) + λ·MSE(σ_epistemic) + γ·MSE(σ_aleatoric)`` (DEGU, Zhou et
    al. 2026). It predicts all three in one forward pass, at the cost of a
    single model.

    The aleatoric target is the std (ddof=1) across replicate
    measurements (``aleatoric='replicates'``, ``fit(..., y_replicates=)``),
    the teacher's own aleatoric output (``aleatoric='teacher'``, e.g.
    ``EnsembleRegressor(heteroscedastic=True)``), or DEGU's lentiMPRA
    recipe (``aleatoric='teacher_replicates'``): the teacher learns the
    replicate std as extra tasks beside the measurement, and the student
    learns the teacher's average of it (defined for every sequence the
    teacher labels, augmented ones included).

    Profile networks (``network='cnn_task_base'``) distil profiles: ``y``
    of shape ``(n, length[, n_tasks])``, replicates ``(n, length[,
    n_tasks], n_replicates)``, and the student predicts a mean, an
    epistemic and an aleatoric profile.

    With ``augment``, every training minibatch is transformed (``'degu'``:
    DEGU's recipe; ``'evoaug'``: EvoAug's; or any callable such as
    :class:`uqgenomics.augment.RandomAugment`) and the teacher labels the
    transformed batch on the fly; it replaces the original batch (DEGU,
    ``augment_mode='replace'``) or is appended to it. Augmented sequences have no
    replicate measurement, so with ``aleatoric='replicates'`` they train
    only the mean and epistemic heads. ``finetune_epochs`` then trains on
    the original data alone at ``finetune_lr``.

    Parameters
    ----------
    %(network_param)s
    teacher : estimator, default=None
        Anything with ``predict_uncertainty``; None is
        ``EnsembleRegressor(network, n_estimators=n_teacher_members)`` with
        this estimator's training parameters and ``network__*`` arguments,
        seeded apart from the student (a ``random_state`` derived from this
        one), so no member shares the student's initial weights. An
        unfitted teacher is cloned and fitted on ``(X, y)``; a fitted one is
        used as is (kept as ``teacher_``). ``clone`` (and so GridSearchCV)
        un-fits a teacher: wrap it in ``sklearn.frozen.FrozenEstimator`` to
        keep it fitted.
    n_teacher_members : int, default=10
        Members of the default teacher (DEGU uses 10; at least 2, as one
        member has no spread to distil); ignored when ``teacher`` is given.
    lambda_ : float, default=1.0
        Weight of the epistemic loss term.
    gamma : float, default=1.0
        Weight of the aleatoric loss term.
    aleatoric : {None, 'replicates', 'teacher', 'teacher_replicates'}, default=None
        Source of the aleatoric target; None trains no aleatoric head
        (``aleatoric`` is then 0 in ``predict_uncertainty``).
    log_targets : bool, default=False
        Learn log-variances instead of stds for the uncertainty heads
        (compresses their range; stds are returned either way).
    target_scaling : {'shared', 'std'}, default='shared'
        ``'shared'``: DEGU's loss. Every target column is put in the units
        of ``y``'s own std (the mean column also centred on ``y``'s mean;
        uncertainty columns only scaled), one scale for all the terms, so
        the loss is DEGU's up to a constant factor and ``lambda_`` and
        ``gamma`` weigh the terms as in DEGU, whatever the units of ``y``.
        ``'std'``: each column divided by its own std over the training
        rows (the mean and log-variance columns also centred). The terms
        are then in units of their own spread, so ``lambda_`` and ``gamma``
        weigh them far more than in DEGU's loss: by ``var(μ) / var(σ_epi)``
        (often 10-100×) for the epistemic term.
    augment : {'auto', 'degu', 'evoaug'}, callable or None, default='auto'
        ``'degu'``: :func:`uqgenomics.augment.degu_augment` (deletion,
        translocation, noise, mutation; 1 or 2 per batch), DEGU's recipe;
        ``'evoaug'``: :func:`uqgenomics.augment.evoaug_augment`; a callable
        ``augment(x) -> x'`` on one-hot torch batches ``(batch, length, 4)``;
        None: no augmentation. ``'auto'`` is ``'degu'`` for one-hot
        sequences and None where DEGU's recipe does not apply: feature
        input, and profile networks (deletions and translocations would move
        bases but not the profile). ``augment_`` records the choice. The
        teacher labels every augmented batch, so training costs about one
        teacher pass per batch more.
    augment_mode : {'replace', 'append'}, default='replace'
    finetune_epochs : int, default=0
        Epochs on the original data after training with ``augment``
        (refused where the student trains without augmentation).
    finetune_lr : float, default=1e-4
    prefit_teacher : bool, default=False
        Require ``teacher`` to be fitted already (an error otherwise).
    %(strand_pairs_param)s
    %(shared_params)s

    Attributes
    ----------
    teacher_ : estimator
        The fitted teacher.
    net_ : skorch.NeuralNet
        The student; ``net_.module_`` has heads ``mean``, ``epistemic``
        (and ``aleatoric``), each ``(batch, n_tasks)``.
    seed_ : int
    augment_ : str, callable or None
        The augmentation used (``augment`` with ``'auto'`` resolved).
    n_dropped_ : int
        Training rows dropped for having fewer than 2 valid replicates.
    y_mean_, y_scale_ : ndarray of shape (k * n_tasks,)
        Offset and scale of the student's target columns ``[μ, σ_epi(,
        σ_ale)]`` per task (see ``target_scaling``).
    n_tasks_ : int
    input_shape_ : tuple of int
    n_features_in_ : int
        Only for 2-D feature input.

    Examples
    --------
    >>> from uqgenomics import DistilledRegressor, EnsembleRegressor
    >>> from uqgenomics.datasets import make_regulatory_sequences
    >>> X, y = make_regulatory_sequences(n_samples=200, length=60, random_state=0)
    >>> teacher = EnsembleRegressor(n_estimators=3, max_epochs=2, random_state=0)
    >>> student = DistilledRegressor(teacher=teacher, max_epochs=2, random_state=0).fit(X, y)
    >>> result = student.predict_uncertainty(X[:4])
    >>> result.mean.shape, result.epistemic.shape
    ((4,), (4,))
    """

    def __init__(
        self,
        network="cnn",
        *,
        teacher=None,
        n_teacher_members=10,
        lambda_=1.0,
        gamma=1.0,
        aleatoric=None,
        log_targets=False,
        target_scaling="shared",
        augment="auto",
        augment_mode="replace",
        finetune_epochs=0,
        finetune_lr=1e-4,
        prefit_teacher=False,
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
        self.teacher = teacher
        self.n_teacher_members = n_teacher_members
        self.lambda_ = lambda_
        self.gamma = gamma
        self.aleatoric = aleatoric
        self.log_targets = log_targets
        self.target_scaling = target_scaling
        self.augment = augment
        self.augment_mode = augment_mode
        self.finetune_epochs = finetune_epochs
        self.finetune_lr = finetune_lr
        self.prefit_teacher = prefit_teacher

    # -- the student's network and loss ----------------------------------
    @property
    def _n_parts(self) -> int:
        return 2 if self.aleatoric is None else 3

    def _make_heads(self, n_features, n_targets):
        # The student's targets are [μ, σ_epi(, σ_ale)] for each task.
        n_tasks = n_targets // self._n_parts

        def uncertainty_head():
            linear = torch.nn.Linear(n_features, n_tasks)
            return linear if self.log_targets else torch.nn.Sequential(linear,
                                                                      torch.nn.Softplus())
        heads = {"mean": torch.nn.Linear(n_features, n_tasks),
                 "epistemic": uncertainty_head()}
        if self.aleatoric is not None:
            heads["aleatoric"] = uncertainty_head()
        return heads

    def _make_criterion(self):
        return DistillationLoss(self.lambda_, self.gamma, self._n_parts)

    # -- fitting ---------------------------------------------------------
    def fit(self, X, y, y_replicates=None, validation_data=None, groups=None, **fit_params):
        """Fit the teacher if needed, then distil it into the student.

        Parameters
        ----------
        X : sequence of str, array-like of shape (n_samples, length, 4) or (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Measured activity: trains the teacher (the student learns the
            teacher's predictions). Profiles for a profile network:
            ``(n_samples, length)`` or ``(n_samples, length, n_tasks)``.
        y_replicates : array-like of shape (n_samples, n_tasks, n_replicates), default=None
            Replicate measurements (NaN where missing), for
            ``aleatoric='replicates'`` or ``'teacher_replicates'``: the
            shape of ``y`` plus a replicate axis (``(n_samples,
            n_replicates)`` or ``(n_samples, 1, n_replicates)`` for one task).
            Rows with fewer than 2 valid replicates in any target are dropped
            from the student's (``'teacher_replicates'``: the teacher's)
            training data, with a warning.
        validation_data : tuple, default=None
            ``(X_val, y_val)``, or ``(X_val, y_val, y_replicates_val)`` with
            replicates; replaces the ``validation_fraction``
            split for the teacher (when fitted here) and the student.
        groups : array-like of shape (n_samples,), default=None
            Group labels kept on one side of the ``validation_fraction``
            split, for the teacher (when fitted here) and the student (e.g.
            :func:`~uqgenomics.encoding.reverse_complement_groups`).

        Returns
        -------
        self
        """
        self._reject_fit_params(fit_params, "X, y, y_replicates, validation_data, groups")
        self._check_params()
        if validation_data is not None:
            validation_data = check_validation_data(
                validation_data, ("(X_val, y_val)", "(X_val, y_val, y_replicates_val)"))
        replicates_given = y_replicates is not None or len(validation_data or ()) == 3
        if replicates_given and self.aleatoric not in ("replicates", "teacher_replicates"):
            raise ValueError(
                f"replicates were given (y_replicates, or a third element in validation_data) "
                f"but aleatoric={self.aleatoric!r} does not use them: set "
                "aleatoric='replicates' (a head learns their spread) or 'teacher_replicates', "
                "or leave them out")
        X_checked = check_X(self, X, reset=True)
        y = (check_profile_targets if self._profile else check_targets)(self, y, X_checked)
        self.target_shape_ = y.shape[1:]  # of y, not of the student's [μ, σ_epi(, σ_ale)]
        # the student's network, checked before the teacher trains
        n_targets = self._n_parts * int(np.prod(y.shape[1:], dtype=int))
        self._check_strand_average(X_checked)
        self._check_network(X_checked[:1], np.zeros((1, n_targets), dtype=np.float32))
        self.augment_ = self._resolve_augment(X_checked)
        groups = self._check_groups(groups, len(X_checked), validation_data)
        if self.aleatoric == "teacher_replicates":
            teacher_data = self._replicate_teacher_data(X, y, y_replicates, validation_data,
                                                         groups)
            self.teacher_ = self._fitted_teacher(*teacher_data)
            self._check_teacher_targets(X_checked[:1], teacher_data[1].shape[1:])
            dropped = len(X_checked) - len(teacher_data[1])
        else:
            self.teacher_ = self._fitted_teacher(X, y, validation_data, groups)
            self._check_teacher_targets(X_checked[:1], y.shape[1:])
        targets = TeacherTargets(self.teacher_, self.aleatoric, self.log_targets)
        X, train_targets, kept = self._training_targets(X, y_replicates, targets)
        self._check_teacher_spread(train_targets, targets)
        self.n_dropped_ = len(X_checked) - len(kept)
        if self.aleatoric == "teacher_replicates":
            self.n_dropped_ = dropped  # from the teacher's training data
        if self.n_dropped_:
            whose = "the teacher's " if self.aleatoric == "teacher_replicates" else ""
            warnings.warn(f"dropped {self.n_dropped_} of {len(X_checked)} {whose}training rows "
                          "with fewer than 2 valid replicates", UserWarning, stacklevel=2)
        validation = None
        if validation_data is not None:
            X_val, _, *replicates_val = validation_data
            X_val, val_targets, _ = self._training_targets(
                X_val, replicates_val[0] if replicates_val else None, targets)
            validation = (X_val, val_targets)
        X, train_targets, validation, rng = self._validate_fit_data(
            X, train_targets, validation, None if groups is None else groups[kept])
        targets.standardize = self._standardize  # augmented batches: the same units
        self.seed_ = int(rng.randint(2**31 - 1))
        iterator_params = {"augment": self._augmentation(), "labeller": targets,
                           "mode": self.augment_mode}
        self.net_ = self._fit_network(X, train_targets, validation, self.seed_,
                                      AugmentedBatchIterator, iterator_params)
        if self.augment_ is not None and self.finetune_epochs:
            continue_training(self.net_, X, train_targets, validation, self.seed_ + 1,
                              self.finetune_epochs, self.finetune_lr,
                              iterator_train__augment=None)
        self._set_fit_attributes(X, train_targets[:, : train_targets.shape[1] // self._n_parts])
        return self

    def _target_statistics(self, y):
        mean, scale = super()._target_statistics(y)
        n = mean.size // self._n_parts  # the mean columns, one per task
        if self.target_scaling == "shared":  # DEGU's loss: y's scale for every term
            mean[n:], scale[n:] = 0.0, np.tile(scale[:n], self._n_parts - 1)
            if self.log_targets:  # log σ² / s² = log σ² − 2 log s: a shift
                mean[n:], scale[n:] = 2 * np.log(scale[n:]), 1.0
            return mean, scale
        if not self.log_targets:  # stds: scaled, never shifted (they stay >= 0)
            mean[n:] = 0.0
        return mean, scale

    def _check_params(self) -> None:
        super()._check_params()
        if self.target_scaling not in TARGET_SCALINGS:
            raise ValueError(f"target_scaling must be one of {TARGET_SCALINGS}, got "
                             f"{self.target_scaling!r}")
        if self.aleatoric not in ALEATORIC_SOURCES:
            raise ValueError(f"aleatoric must be one of {ALEATORIC_SOURCES}, got "
                             f"{self.aleatoric!r}")
        if self.augment is not None and not callable(self.augment) and \
                self.augment not in ("auto", *AUGMENT_RECIPES):
            raise TypeError(f"augment must be one of {['auto', *sorted(AUGMENT_RECIPES)]}, a "
                            f"callable or None, got {self.augment!r}")
        routed = [k for k in self._routed_kwargs if k in ("iterator_train__augment",
                                                           "iterator_train__mode",
                                                           "iterator_train__labeller")]
        if routed:
            raise ValueError(
                f"DistilledRegressor augments through augment= and augment_mode= (the teacher "
                f"labels every augmented batch); {routed} would be replaced by them: pass "
                "augment=... instead")
        if getattr(self.augment, "crop_length", None):
            raise ValueError(
                f"augment={type(self.augment).__name__} crops windows, which the student "
                "cannot take (the teacher labels whole inputs): fit the student on windows "
                "of the teacher's input length (e.g. RandomShiftCrop(...).centre), with a "
                "length-keeping augmentation such as ProfileReverseComplement")
        if self.augment_mode not in ("append", "replace"):
            raise ValueError(f"augment_mode must be 'append' or 'replace', got "
                             f"{self.augment_mode!r}")
        check_int(self, "finetune_epochs", minimum=0)
        check_int(self, "n_teacher_members", minimum=2)  # one member has no spread to distil
        for name in ("lambda_", "gamma"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)!r}")
        if self.teacher is not None and not hasattr(self.teacher, "predict_uncertainty"):
            raise TypeError(f"teacher must have predict_uncertainty, got "
                            f"{type(self.teacher).__name__}")

    def _resolve_augment(self, X):
        """``augment`` with ``'auto'`` resolved for the validated training ``X``;
        a recipe for inputs it cannot take, or a fine-tune with nothing to follow,
        refused before the teacher trains."""
        one_hot = X.ndim == 3 and X.shape[-1] == 4
        augment = self.augment
        if augment == "auto":
            augment = "degu" if one_hot and not self._profile else None
        elif isinstance(augment, str) and not one_hot:
            raise ValueError(f"augment={augment!r} mutates one-hot sequences (batch, length, 4); "
                             f"these inputs have shape {X.shape[1:]} per sample: use "
                             "augment=None (or 'auto', which is None for them)")
        if augment is None and self.finetune_epochs:
            raise ValueError(f"finetune_epochs={self.finetune_epochs} fine-tunes on the original "
                             "data after augmented training, but this student trains without "
                             "augmentation: set finetune_epochs=0 (or train longer with "
                             "max_epochs)")
        return augment

    def _augmentation(self):
        """The training augmentation: a named recipe built afresh, or ``augment_``."""
        recipe = AUGMENT_RECIPES.get(self.augment_) if isinstance(self.augment_, str) else None
        return recipe() if recipe is not None else self.augment_

    def _fitted_teacher(self, X, y, validation_data, groups):
        teacher = self.teacher
        if teacher is None:
            teacher = EnsembleRegressor(self.network, n_estimators=self.n_teacher_members,
                                        validation_fraction=self.validation_fraction,
                                        variable_length=self.variable_length,
                                        strand_average=self.strand_average,
                                        random_state=_teacher_seed(self.random_state),
                                        **self._training_params(), **self._routed_kwargs)
        try:
            check_is_fitted(teacher)
            return teacher
        except NotFittedError:
            if self.prefit_teacher:
                raise ValueError("prefit_teacher=True but the teacher is not fitted") from None
        teacher = clone(teacher)
        fit_params = {}
        if validation_data is not None:
            fit_params["validation_data"] = tuple(validation_data[:2])
        if groups is not None:
            if "groups" not in inspect.signature(teacher.fit).parameters:
                raise TypeError(f"groups= would split the teacher's validation data too, but "
                                f"{type(teacher).__name__}.fit takes no groups: fit the teacher "
                                "yourself and pass it fitted")
            fit_params["groups"] = groups
        try:
            return teacher.fit(X, y, **fit_params)
        except TrainingDivergedError as error:
            raise TrainingDivergedError(f"the teacher's training diverged: {error}") from error

    def _replicate_teacher_data(self, X, y, y_replicates, validation_data, groups):
        """The teacher's training data for ``aleatoric='teacher_replicates'``:
        ``(X, [y, replicate std] on the task axis, validation_data, groups)``,
        rows with fewer than 2 valid replicates left out."""
        def with_std(X, y, replicates):
            if replicates is None:
                raise ValueError("aleatoric='teacher_replicates' needs y_replicates (and a "
                                 "third element in validation_data)")
            std, keep = _replicate_std(replicates, len(y), y.shape[1:])
            values = np.reshape(y, (len(y), -1, 1) if y.ndim < 3 else y.shape)
            std = std.reshape(values.shape)
            both = np.concatenate([values, std], axis=-1)[keep]
            return _safe_indexing(X, np.flatnonzero(keep)), both.reshape(
                (int(keep.sum()), -1) if y.ndim < 3 else (-1, *both.shape[1:])), keep

        X, teacher_y, keep = with_std(X, y, y_replicates)
        validation = None
        if validation_data is not None:
            X_val, y_val, *replicates_val = validation_data
            y_val = (check_profile_targets if self._profile else check_targets)(
                self, y_val, check_X(self, X_val, reset=False))
            X_val, y_val, _ = with_std(X_val, y_val,
                                       replicates_val[0] if replicates_val else None)
            validation = (X_val, y_val)
        return X, teacher_y, validation, None if groups is None else groups[keep]

    def _check_teacher_spread(self, train_targets, targets) -> None:
        """A teacher whose epistemic std is 0 on every training row (one member,
        or members that are all alike) leaves the epistemic head nothing to learn."""
        n = train_targets.shape[1] // self._n_parts
        no_spread = np.float32(targets.encode(np.zeros(1))[0])
        if np.all(train_targets[:, n:2 * n] == no_spread):
            raise ValueError(
                f"the teacher's epistemic std is 0 on every training sample (a "
                f"{type(self.teacher_).__name__} of one member, or members all alike): the "
                "student's epistemic head would learn 0. Distil an ensemble of 2 or more "
                "members trained from different seeds")

    def _check_teacher_targets(self, x, shape) -> None:
        """The teacher must predict one sample's targets in ``shape``: y's, or
        for ``'teacher_replicates'`` [y, replicate std] side by side. A fitted
        teacher of other tasks would train the student on them."""
        predicted = np.shape(self.teacher_.predict(x))[1:]
        if predicted == tuple(shape):
            return
        if self.aleatoric == "teacher_replicates":
            raise ValueError(
                f"aleatoric='teacher_replicates' needs a teacher fitted on the measurement and "
                f"its replicate std side by side (targets of shape {tuple(shape)} per sample); "
                f"the given teacher predicts {predicted}: pass it unfitted, and it is fitted so")
        raise ValueError(
            f"the teacher predicts targets of shape {predicted} per sample but y has "
            f"{tuple(shape)}: the student learns the teacher's outputs, so its teacher must be "
            "fitted on y's tasks (or pass the teacher unfitted, and it is fitted on y)")

    def _fitted_target_shape(self, X, y):
        return self.target_shape_  # set from y at the start of fit

    @property
    def _n_target_parts(self) -> int:
        return self._n_parts

    def _training_targets(self, X, y_replicates, targets):
        """Rows kept (as given: a DataFrame keeps its columns), the student's
        targets on them in ``y`` units, and the indices of the kept rows."""
        values = targets(X)
        if self.aleatoric != "replicates":
            return X, values, np.arange(len(values))
        if y_replicates is None:
            raise ValueError("aleatoric='replicates' needs y_replicates (and a third element "
                             "in validation_data)")
        n_columns = values.shape[1] // 3
        std, keep = _replicate_std(y_replicates, len(values), self.target_shape_)
        values[:, 2 * n_columns:] = targets.encode(std)
        kept = np.flatnonzero(keep)
        return _safe_indexing(X, kept), values[keep], kept

    # -- prediction ------------------------------------------------------
    def _decode(self, outputs):
        """One draw: the mean head, the epistemic head as the draw-free
        epistemic variance, the aleatoric head (if any) as the noise variance."""
        parts = torch.chunk(self._to_y_units(outputs, "location"), self._n_parts, dim=-1)
        variances = [torch.exp(part) if self.log_targets else part.clamp(min=0) ** 2
                     for part in parts[1:]]
        return Draws(parts[0], variances[1] if len(variances) == 2 else None, variances[0][0])


def _teacher_seed(random_state):
    """The default teacher's ``random_state``: drawn apart from the student's, so
    that no member starts from the student's initial weights (with one
    ``random_state`` both would draw the same first seeds)."""
    if random_state is None:
        return None
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(2**31 - 1))
    return int(np.random.SeedSequence([int(random_state), 1]).generate_state(1)[0] >> 1)


def _replicate_std(y_replicates, n_samples: int, shape: tuple):
    """Std (ddof=1) over valid replicates ``(n, prod(shape))`` and the rows with
    ≥ 2 in every target, for replicates ``(n, *shape, n_replicates)`` (``shape``:
    one sample's targets: ``()``, ``(n_tasks,)`` or a profile's)."""
    replicates = np.asarray(y_replicates, dtype=np.float64)
    if shape == () and replicates.ndim == 3 and replicates.shape[1] == 1:
        replicates = replicates[:, 0]  # one task written as (n, 1, n_replicates)
    if replicates.ndim != len(shape) + 2 or replicates.shape[:-1] != (n_samples, *shape):
        expected = ", ".join(str(d) for d in (n_samples, *shape))
        raise ValueError(f"y_replicates must have shape ({expected}, n_replicates): the "
                         f"targets' shape plus a replicate axis; got {replicates.shape}")
    replicates = replicates.reshape(n_samples, -1, replicates.shape[-1])
    n_tasks = replicates.shape[1]
    if replicates.shape[2] < 2:
        raise ValueError("y_replicates needs at least 2 replicates per sequence")
    valid = np.sum(~np.isnan(replicates), axis=2)
    keep = np.all(valid >= 2, axis=1)
    std = np.zeros((n_samples, n_tasks))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        std[keep] = np.nanstd(replicates[keep], axis=2, ddof=1)
    return std, keep

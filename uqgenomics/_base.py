"""The estimator contract shared by every uqgenomics estimator.

:class:`BaseUncertaintyEstimator` owns the parameters common to all
estimators, the ``network__`` / skorch prefix routing, input validation,
the validation split, seeded training of one network through skorch and
batched prediction. Estimator families subclass it and decide how many
networks to train, which heads and loss they use, and how outputs become
an :class:`~uqgenomics.UncertaintyResult`.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.model_selection import GroupShuffleSplit, train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._density import fit_feature_density, negative_log_density
from ._engine._device import check_precision, resolve_device
from ._engine._fitting import fit_network, make_net
from ._engine._inference import forward_in_batches
from ._engine._mc_dropout import has_dropout
from ._validation import check_profile_targets, check_targets, check_validation_data, check_X
from .networks import HeadedNetwork, build_trunk
from .networks._profile import ProfileHeads
from .networks._registry import is_profile_network

#: Parameter prefixes routed to the network constructor or to skorch.
ROUTED_PREFIXES = (
    "network__", "optimizer__", "iterator_train__", "iterator_valid__", "callbacks__",
)

NETWORK_PARAM_DOC = """
    network : str or nn.Module subclass, default='cnn'
        Trunk: ``'cnn'``, ``'deepstarr'``, ``'residualbind'``,
        ``'dream_rnn'``, ``'mlp'``, the profile network ``'cnn_task_base'``
        or a class. Constructor arguments are passed as
        ``network__<name>=value``. A profile network (a
        :class:`~uqgenomics.networks.ProfileTrunk`) predicts targets ``y``
        of shape ``(n_samples, length)`` or ``(n_samples, length, n_tasks)``.
"""

SHARED_PARAMS_DOC = """
    lr : float, default=1e-3
        Learning rate.
    max_epochs : int, default=100
    batch_size : int, default=128
        For training and prediction.
    optimizer : torch.optim.Optimizer class, default=torch.optim.Adam
        Its other arguments are passed as ``optimizer__<name>=value``.
    validation_fraction : float or None, default=0.1
        Fraction of the training data held out for early stopping and the
        learning-rate schedule, unless ``fit`` receives ``validation_data``.
        ``None`` or 0: no validation, train ``max_epochs`` epochs.
    patience : int or None, default=10
        Early stopping on the validation loss; the best weights are
        restored. ``None`` disables it.
    lr_patience : int or None, default=5
        ReduceLROnPlateau patience on the validation loss.
    lr_factor : float, default=0.1
        ReduceLROnPlateau factor.
    callbacks : list of skorch callbacks, default=None
        Added to each network's training (copied per network).
    device : {'auto', 'cpu', 'cuda'}, default='auto'
        ``'auto'`` uses a GPU when one is visible. Batches are pinned and
        copied asynchronously to a GPU; a model trained on a GPU unpickles
        and predicts on a CPU-only machine.
    precision : {'fp32', 'bf16', 'fp16'}, default='fp32'
        Floating-point precision of training and prediction: ``'bf16'`` and
        ``'fp16'`` run the networks under ``torch.autocast`` (weights,
        optimizer state and losses stay float32); ``'fp16'`` adds gradient
        scaling. bf16 is the fast choice on recent GPUs (A100, H100); on CPUs
        without bf16 instructions it is slower than fp32.
    compile : bool, default=False
        Deterministic predictions go through ``torch.compile``-d copies of
        the networks (batches padded to ``batch_size``, so each compiles
        once). Refused where prediction samples dropout masks or epinet
        indices: those paths run eagerly.
    variable_length : bool, default=False
        Accept sequences of another length than the training ones at
        prediction. Off by default: a length other than the fitted one is an
        error naming both. Only for trunks with global pooling (a trunk
        without it is refused at ``fit``).
    strand_average : bool, default=False
        Predict each sequence as the average over it and its reverse
        complement: every draw (member, mask) is averaged over both
        strands, so the result does not depend on the orientation a
        sequence is given in. One-hot / string input only. A profile's
        positions are reversed, and a regressor's ``strand_pairs`` swapped.
    random_state : int, RandomState or None, default=None
        Seeds weights, shuffling, dropout and the validation split; an int
        gives identical results on one machine with one thread count.
    verbose : int, default=0
        ``>= 1`` shows a tqdm progress bar and the per-epoch losses.
    **kwargs
        Prefixed parameters: ``network__*`` (network constructor),
        ``optimizer__*``, ``iterator_train__*``, ``iterator_valid__*``,
        ``callbacks__*`` (passed to skorch).
"""


def check_int(estimator, name: str, minimum: int, allow_none: bool = False) -> None:
    """Raise ``ValueError`` unless parameter ``name`` is an int >= ``minimum``
    (or None when allowed); bools and floats are refused."""
    value = getattr(estimator, name)
    if value is None and allow_none:
        return
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
            or value < minimum:
        allowed = f"an int >= {minimum}" + (" or None" if allow_none else "")
        raise ValueError(f"{name} must be {allowed}, got {value!r}")


def check_beta(estimator) -> None:
    """Raise ``ValueError`` unless the β-NLL weight ``beta`` is a real number >= 0."""
    beta = estimator.beta
    if isinstance(beta, (bool, np.bool_)) or not isinstance(beta, numbers.Real) or not beta >= 0:
        raise ValueError(f"beta must be a number >= 0, got {beta!r}")


LOSS_PARAM_DOC = """
    loss : {'mse', 'poisson', 'multinomial'}, default='mse'
        Training loss of the mean: mean squared error, or for a profile
        network (``network='cnn_task_base'``) the Poisson NLL of DEGU
        (:class:`~uqgenomics.losses.PoissonLoss`) or BPNet's multinomial
        profile + log-count loss
        (:class:`~uqgenomics.losses.MultinomialProfileLoss`).
"""


STRAND_PAIRS_PARAM_DOC = """
    strand_pairs : sequence of (int, int), default=()
        Task indices of a stranded assay's plus and minus tracks (e.g.
        ChIP-nexus or PRO-cap read ends). ``strand_average`` swaps each pair
        when it turns a reverse complement's prediction back to the forward
        strand, as a read on the plus strand of a sequence is on the minus
        strand of its reverse complement; tasks in no pair are unstranded
        (coverage, ATAC, MPRA activity) and only reversed. Must equal the
        ``strand_pairs`` of a ``ProfileReverseComplement`` training
        augmentation, which is checked at ``fit``; a training augmentation
        that reverse-complements sequences but not their targets
        (``RandomReverseComplement``, EvoAug's) is refused with pairs.
"""


def with_shared_params_doc(cls):
    """Class decorator: put the shared parameters where the docstring says
    ``%(network_param)s`` (first, as in the signature), ``%(loss_param)s``
    (families with a mean loss), ``%(strand_pairs_param)s`` (regressors) and
    ``%(shared_params)s`` (after the family's own, before ``**kwargs``)."""
    cls.__doc__ = cls.__doc__.replace("%(network_param)s", NETWORK_PARAM_DOC.strip()).replace(
        "%(loss_param)s", LOSS_PARAM_DOC.strip()).replace(
        "%(strand_pairs_param)s", STRAND_PAIRS_PARAM_DOC.strip()).replace(
        "%(shared_params)s", SHARED_PARAMS_DOC.strip())
    return cls


class BaseUncertaintyEstimator(BaseEstimator):
    """Shared contract: parameters, validation, training and prediction.

    Families implement ``_fit`` (how many networks, on what data) with the
    helpers below, and may override :meth:`_make_heads` and
    :meth:`_make_criterion`; the task mixins (``regression/_base.py``,
    ``classification/_base.py``) turn the networks' draws into predictions.
    """

    def __init__(
        self,
        network="cnn",
        *,
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
        self.network = network
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.lr_patience = lr_patience
        self.lr_factor = lr_factor
        self.callbacks = callbacks
        self.device = device
        self.precision = precision
        self.compile = compile
        self.variable_length = variable_length
        self.strand_average = strand_average
        self.random_state = random_state
        self.verbose = verbose
        # Prefixed parameters: checked in fit (sklearn's __init__ only stores),
        # kept apart from the named ones, exposed by get_params / set_params.
        self._routed_kwargs = dict(kwargs)

    # -- parameters ------------------------------------------------------
    def _routed_params(self, prefix: str | None = None) -> dict:
        prefixes = ROUTED_PREFIXES if prefix is None else (prefix,)
        return {k: v for k, v in self._routed_kwargs.items() if k.startswith(prefixes)}

    def get_params(self, deep=True):
        """Parameters of this estimator, including the prefixed ones."""
        params = super().get_params(deep=deep)
        params.update(self._routed_params())
        return params

    def set_params(self, **params):
        """Set parameters; ``network__*`` and skorch prefixes are accepted."""
        routed = {k: params.pop(k) for k in list(params) if k.startswith(ROUTED_PREFIXES)}
        self._routed_kwargs.update(routed)
        return super().set_params(**params) if params else self

    def _training_params(self) -> dict:
        names = ("lr", "max_epochs", "batch_size", "optimizer", "patience", "lr_patience",
                 "lr_factor", "callbacks", "device", "precision", "verbose")
        return {name: getattr(self, name) for name in names}

    # -- hooks for estimator families ------------------------------------
    def _make_heads(self, n_features: int, n_tasks: int) -> dict[str, torch.nn.Module]:
        """Output heads on the trunk's features; default: one linear mean head."""
        return {"mean": torch.nn.Linear(n_features, n_tasks)}

    def _make_criterion(self) -> torch.nn.Module:
        """Training loss of ``(network output, y)``; default: mean squared error."""
        return torch.nn.MSELoss()

    def _build_network(self, trunk, n_outputs: int) -> torch.nn.Module:
        """The trained module: the trunk with this family's heads (for a
        profile trunk, one task's heads per task, applied at every position)."""
        if not self._profile:
            return HeadedNetwork(trunk, self._make_heads(trunk.out_features, n_outputs))
        n_tasks = self._profile_tasks
        per_task = n_outputs // (trunk.output_length * n_tasks)
        return HeadedNetwork(trunk, ProfileHeads(
            trunk.out_features, lambda n_features: self._make_heads(n_features, per_task),
            n_tasks, output_activation=self._profile_activation))

    # -- profile targets -------------------------------------------------
    @property
    def _profile(self) -> bool:
        """Whether the network predicts profiles (a ``ProfileTrunk``)."""
        return is_profile_network(self.network)

    #: Activation of a profile network's location output (see ``ProfileHeads``).
    _profile_activation = "softplus"

    @property
    def _profile_tasks(self) -> int:
        """Tasks of the profile targets ``target_shape_ = (length[, n_tasks])``."""
        return self.target_shape_[1] if len(self.target_shape_) == 2 else 1

    # -- checks before any training -------------------------------------
    def _check_params(self) -> None:
        """Raise ``ValueError`` / ``TypeError`` for a bad parameter, before any
        training. Families extend it with their own parameters."""
        unknown = [k for k in self._routed_kwargs if not k.startswith(ROUTED_PREFIXES)]
        if unknown:
            raise TypeError(
                f"{type(self).__name__} got unexpected keyword argument(s) {unknown}; "
                f"prefixed parameters must start with one of {ROUTED_PREFIXES}"
            )
        shadowed = {"optimizer__lr": "lr", "iterator_train__batch_size": "batch_size",
                    "iterator_valid__batch_size": "batch_size"}
        clash = sorted(set(self._routed_kwargs) & set(shadowed))
        if clash:
            key = clash[0]
            raise ValueError(
                f"{key} duplicates {shadowed[key]}= (skorch would train with {key} while "
                f"get_params reports {shadowed[key]}={getattr(self, shadowed[key])!r}): pass "
                f"{shadowed[key]}={self._routed_kwargs[key]!r} instead")
        check_int(self, "max_epochs", minimum=1)
        check_int(self, "batch_size", minimum=1)
        check_int(self, "patience", minimum=1, allow_none=True)
        check_int(self, "lr_patience", minimum=1, allow_none=True)
        if not (isinstance(self.lr, numbers.Real) and np.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a positive finite number, got {self.lr!r}")
        if not (isinstance(self.lr_factor, numbers.Real) and 0 < self.lr_factor < 1):
            raise ValueError(f"lr_factor must be in (0, 1), got {self.lr_factor!r}")
        fraction = self.validation_fraction
        if fraction and not (isinstance(fraction, numbers.Real) and 0 < fraction < 1):
            raise ValueError(f"validation_fraction must be in (0, 1) or None, got {fraction!r}")
        if not callable(self.optimizer):
            raise TypeError(f"optimizer must be a torch.optim.Optimizer class, got "
                            f"{self.optimizer!r}")
        if self.callbacks is not None and not isinstance(self.callbacks, (list, tuple)):
            raise TypeError(f"callbacks must be a list of skorch callbacks or None, got "
                            f"{type(self.callbacks).__name__}")
        for name in ("compile", "variable_length", "strand_average"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}")
        check_precision(self.precision)
        resolve_device(self.device)
        self._check_compile()
        self._check_augment()

    def _check_augment(self) -> None:
        """Refuse training augmentations that would misalign profile targets."""
        augment = self._training_augment()
        if augment is None:
            return
        joint = getattr(augment, "joint", False)
        if joint and not self._profile:
            raise ValueError(f"{type(augment).__name__} moves profile targets with the "
                             f"sequences, but network={self.network!r} does not predict "
                             "profiles: use a sequence augmentation (uqgenomics.augment)")
        if self._profile and not joint and getattr(augment, "moves_positions", False):
            raise ValueError(
                f"{type(augment).__name__} moves bases along the sequence but not its profile; "
                "use uqgenomics.augment.ProfileReverseComplement or RandomShiftCrop, which "
                "move both, or augmentations that keep positions (RandomMutation, "
                "RandomNoise)")
        mode = self._routed_kwargs.get("iterator_train__mode", "append")
        if self._crop() is not None and mode != "replace":
            raise ValueError(f"{type(augment).__name__} crops windows, which cannot be "
                             "appended to the full-length batch: pass "
                             "iterator_train__mode='replace'")

    @property
    def _compilable(self) -> bool:
        """Whether every prediction path can run compiled networks: not where
        prediction samples dropout masks (or, for the epinet, indices)."""
        return not self._needs_dropout

    def _check_compile(self) -> None:
        """Refuse ``compile=True`` where prediction would run eagerly anyway."""
        if self.compile and not self._compilable:
            raise ValueError(
                f"compile=True is not available for {type(self).__name__}: its predictions "
                "sample dropout masks or epinet indices, which run eagerly; use compile=False")

    def _reject_fit_params(self, fit_params: dict,
                           accepted: str = "X, y, validation_data, groups"):
        """TypeError naming this estimator's ``fit`` for keyword arguments it lacks."""
        if fit_params:
            raise TypeError(f"{type(self).__name__}.fit() got unexpected keyword argument(s) "
                            f"{sorted(fit_params)}; it takes {accepted}")

    @property
    def _needs_dropout(self) -> bool:
        """Whether prediction samples dropout masks (the network must have dropout)."""
        return False

    def _check_network(self, X, y) -> None:
        """Build one network, untrained and in a forked RNG, before any
        training: its ``network__*`` arguments must fit, and it must have
        what prediction will need (dropout layers for MC dropout, a trunk
        that accepts other lengths for ``variable_length``)."""
        with torch.random.fork_rng(devices=[]):
            network = self._network_builder(X, y)()
        if self._needs_dropout and not has_dropout(network):
            raise ValueError(
                f"{type(self).__name__} samples dropout masks, but network={self.network!r} "
                "has no dropout layer; give it dropout (e.g. network__dropout=0.1 for the "
                "built-in trunks) or use an estimator without MC dropout"
            )
        if self.variable_length and len(X.shape) == 3 and not network.trunk.variable_length:
            raise ValueError(
                f"variable_length=True needs a trunk with global pooling; "
                f"{type(network.trunk).__name__} only takes sequences of the training length "
                f"({X.shape[1]} bp)"
            )

    # -- fitting ---------------------------------------------------------
    def fit(self, X, y, validation_data=None, groups=None, **fit_params):
        """Train the network(s).

        Parameters
        ----------
        X : sequence of str, array-like of shape (n_samples, length, 4) or (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Targets (regression) or labels (classification, 1-D).
        validation_data : (X_val, y_val), default=None
            Used instead of a ``validation_fraction`` split.
        groups : array-like of shape (n_samples,), default=None
            Group labels: the ``validation_fraction`` split keeps each group
            on one side (e.g.
            :func:`~uqgenomics.encoding.reverse_complement_groups`, so that a
            sequence and its reverse complement are not split apart).

        Returns
        -------
        self
        """
        self._reject_fit_params(fit_params)
        X, y, validation, rng = self._validate_fit_data(X, y, validation_data, groups)
        self._fit(X, y, validation, rng)
        self._set_fit_attributes(X, y)
        return self

    def _fit(self, X, y, validation, rng) -> None:
        """Train this family's networks on checked data (``_validate_fit_data``'s
        outputs) and set their fitted attributes."""
        raise NotImplementedError

    def _validate_fit_data(self, X, y, validation_data, groups=None):
        """Check parameters and training data, and split off the validation set.

        Returns
        -------
        X_train : ndarray of shape (n_train, ...), float32
        y_train : ndarray of shape (n_train, n_tasks), float32
        validation : (X_val, y_val) or None
        rng : numpy RandomState
            Seeded from ``random_state``, already used for the split.

        ``groups`` (n_samples,) keeps each group on one side of the
        ``validation_fraction`` split.
        """
        self._check_params()
        X = check_X(self, X, reset=True)
        y = self._encode_targets(y, X, fit=True)
        if len(X) < 2:
            raise ValueError(f"{type(self).__name__} needs at least 2 samples to train; "
                             f"got n_samples={len(X)}")
        self._check_strand_average(X)
        self._check_network(X, y)
        groups = self._check_groups(groups, len(X), validation_data)
        rng = check_random_state(self.random_state)
        if validation_data is not None:
            X_val, y_val = check_validation_data(validation_data)
            X_val = check_X(self, X_val, reset=False)
            y_val = self._encode_targets(y_val, X_val, fit=False)
            if X_val.shape[1:] != X.shape[1:] or y_val.shape[1:] != y.shape[1:]:
                raise ValueError(
                    f"validation_data has samples of shape {X_val.shape[1:]} and targets "
                    f"of shape {y_val.shape[1:]}; training data has {X.shape[1:]} and "
                    f"{y.shape[1:]}"
                )
            return X, y, self._model_sample(X_val, y_val), rng
        if not self.validation_fraction:
            return X, y, None, rng
        seed = rng.randint(2**31 - 1)
        if groups is None:
            X, X_val, y, y_val = train_test_split(
                X, y, test_size=self.validation_fraction, random_state=seed,
                stratify=self._stratify(y),
            )
        else:
            splitter = GroupShuffleSplit(n_splits=1, test_size=self.validation_fraction,
                                         random_state=seed)
            train, held_out = next(splitter.split(X, y, groups))
            X, X_val, y, y_val = X[train], X[held_out], y[train], y[held_out]
        X_val, y_val = self._model_sample(X_val, y_val)
        if len(X) < 2:
            raise ValueError(
                f"{type(self).__name__} has {len(X)} training sample(s) left after holding "
                f"out validation_fraction={self.validation_fraction} ({len(X_val)} samples); "
                "it needs at least 2. Pass more data, validation_fraction=None, or "
                "validation_data=(X_val, y_val)"
            )
        return X, y, (X_val, y_val), rng

    def _check_strand_average(self, X) -> None:
        if self.strand_average and X.ndim != 3:
            raise ValueError("strand_average=True averages a sequence with its reverse "
                             "complement; these inputs are feature vectors, which have no "
                             "strands: use strand_average=False")

    def _check_groups(self, groups, n_samples: int, validation_data) -> np.ndarray | None:
        """``groups`` as an array of ``n_samples`` labels, or None; refused where no
        split would use them."""
        if groups is None:
            return None
        if validation_data is not None:
            raise ValueError("groups= shapes the validation_fraction split, but validation_data "
                             "was given too: pass one of them")
        if not self.validation_fraction:
            raise ValueError("groups= shapes the validation split, but validation_fraction="
                             f"{self.validation_fraction!r} makes none: set a fraction, or "
                             "leave groups out")
        groups = np.asarray(groups)
        if groups.shape != (n_samples,):
            raise ValueError(f"groups must have shape ({n_samples},), one label per sample; got "
                             f"{groups.shape}")
        if len(np.unique(groups)) < 2:
            raise ValueError("groups has a single group: the validation split needs at least 2")
        return groups

    def _encode_targets(self, y, X, fit: bool) -> np.ndarray:
        """Targets as the network trains on them; regression: float32 ``(n, n_tasks)``,
        profiles ``(n, length · n_tasks)`` (positions major).

        ``fit=True`` for the training targets (records ``target_shape_``, the
        shape of one sample's prediction), False for validation targets.
        """
        y = check_profile_targets(self, y, X) if self._profile else check_targets(self, y, X)
        if fit:
            self.target_shape_ = self._fitted_target_shape(X, y)
        return y.reshape(len(y), -1)

    def _fitted_target_shape(self, X, y) -> tuple:
        """The shape of one sample's prediction for training data ``(X, y)``: a
        profile's (cropped) length and tasks, or ``y``'s trailing shape."""
        if not self._profile:
            return y.shape[1:]
        crop = self._crop()
        length = y.shape[1] if crop is None else crop.crop_shapes(X.shape[1], y.shape[1])[2]
        return (length, *y.shape[2:])

    def _crop(self):
        """The training augmentation if it crops windows (``crop_length``), else None."""
        augment = self._training_augment()
        return augment if getattr(augment, "crop_length", None) else None

    def _training_augment(self):
        """The augmentation of the training batches (``iterator_train__augment``)."""
        return self._routed_kwargs.get("iterator_train__augment")

    def _model_sample(self, X, y):
        """Inputs ``(n, length, 4)`` and flat targets as the model takes and
        predicts them: with a cropping augmentation, their centre windows
        (validation data, the network's shape, the fitted shapes)."""
        crop = self._crop()
        if crop is None or X.shape[1] == crop.crop_length:
            return X, y
        n_tasks = self._profile_tasks
        x, profile = crop.centre(X, y.reshape(len(y), -1, n_tasks))
        return x, profile.reshape(len(y), -1)

    def _stratify(self, y):
        """Labels to stratify the validation split by; None for regression."""
        return None

    def _n_outputs(self, y) -> int:
        """Width of the heads for training targets ``y``: one per task."""
        return y.shape[1]

    def _network_builder(self, X, y, build_network=None):
        """``build_module() -> nn.Module``: a new trunk for inputs like ``X``
        with this family's heads for targets ``y`` (or ``build_network``'s)."""
        build_network = build_network or self._build_network
        network_params = {k.removeprefix("network__"): v
                          for k, v in self._routed_params("network__").items()}

        X, y = self._model_sample(X[:1], y[:1])
        if self._profile:
            length = self.target_shape_[0]
            given = network_params.setdefault("output_length", length)
            if given != length:
                raise ValueError(
                    f"network__output_length={given!r}, but the targets are profiles of "
                    f"{length} positions: leave network__output_length out (it is taken from "
                    "y), or give targets of that length")

        def build_module():
            trunk = build_trunk(self.network, X.shape[1:], network_params)
            return build_network(trunk, self._n_outputs(y))

        return build_module

    def _skorch_params(self, iterator_params=None) -> dict:
        """The prefixed parameters skorch takes, plus ``iterator_params`` as
        ``iterator_train__*`` (and, for profile targets, the per-row target
        shape the joint augmentations need)."""
        skorch_params = {k: v for k, v in self._routed_params().items()
                         if not k.startswith("network__")}
        if self._profile and hasattr(self, "target_shape_"):
            skorch_params["iterator_train__n_tasks"] = self._profile_tasks
        skorch_params.update({f"iterator_train__{k}": v
                              for k, v in (iterator_params or {}).items()})
        return skorch_params

    def _fit_network(self, X, y, validation, seed, iterator_train=None,
                     iterator_params=None, build_network=None, criterion=None,
                     label="the network"):
        """Train one headed network on ``(X, y)`` with ``seed`` (a skorch net).

        ``iterator_train`` and ``iterator_params`` (its constructor
        arguments, without the ``iterator_train__`` prefix) replace the
        plain training batches, e.g. with augmented ones;
        ``build_network(trunk, n_outputs)`` and ``criterion`` replace
        :meth:`_build_network` and :meth:`_make_criterion` for this fit
        (a family that trains networks of two kinds); ``label`` names the
        network in a divergence error.
        """
        return fit_network(self._network_builder(X, y, build_network),
                           criterion or self._make_criterion(), X, y, validation, seed,
                           self._training_params(), self._skorch_params(iterator_params),
                           iterator_train, label)

    def _rebuild_net(self, attribute: str, build_network=None, criterion=None):
        """An initialised, untrained skorch net holding a new network of the
        kind fitted into ``attribute`` (``uqgenomics.load`` then loads the
        saved weights into it). ``build_network`` and ``criterion`` as for
        :meth:`_fit_network`. Built in a forked RNG: the caller's torch RNG
        is left untouched."""
        X = np.zeros((1, *self.input_shape_), dtype=np.float32)
        n_columns = len(getattr(self, "y_mean_", ()))
        if self._profile:
            n_columns *= self.target_shape_[0]  # per-task statistics of a profile
        y = np.zeros((1, n_columns), dtype=np.float32)
        with torch.random.fork_rng(devices=[]):
            return make_net(self._network_builder(X, y, build_network),
                            criterion or self._make_criterion(), 2, None,
                            self._training_params(), self._skorch_params())

    def _set_fit_attributes(self, X, y) -> None:
        """Record the fitted input shape and number of tasks, and fit the
        feature density of :meth:`ood_score` to the training inputs (call last
        in fit)."""
        X, y = self._model_sample(X, y)
        self._fit_feature_density(X, y)
        self.__dict__.pop("_compiled", None)  # compiled copies of earlier networks
        if self._profile:
            self.n_tasks_ = self._profile_tasks
        else:
            self.n_tasks_ = y.shape[1] if y.ndim == 2 else 1
        self.profile_length_ = self.target_shape_[0] if self._profile else None
        self.input_shape_ = X.shape[1:]

    # -- out-of-distribution score ----------------------------------------
    #: Fitted arrays of the feature density, one entry per network.
    _DENSITY_ATTRIBUTES = {"means": "ood_means_", "log_weights": "ood_log_weights_",
                           "covariance_cholesky": "ood_covariance_cholesky_",
                           "log_det": "ood_log_det_"}

    def _density_labels(self, y):
        """Class indices to fit one density component per class; None: one component."""
        return None

    def _trunk_features(self, module, X) -> np.ndarray:
        """Trunk features ``(n_samples, n_features)`` of checked inputs, float32
        (through a compiled copy with ``compile=True``, as predictions); a
        profile trunk's feature map averaged over positions."""
        features = self._forward(module.trunk, X)
        return features.mean(axis=1) if features.ndim == 3 else features

    def _fit_feature_density(self, X, y) -> None:
        labels = self._density_labels(y)
        densities = [fit_feature_density(self._trunk_features(module, X), labels)
                     for module in self._fitted_networks()]
        for key, attribute in self._DENSITY_ATTRIBUTES.items():
            setattr(self, attribute, np.stack([density[key] for density in densities]))

    def ood_score(self, X) -> np.ndarray:
        """How unlike the training data each input is, in the network's feature space.

        The negative log density of the trunk's features under Gaussians
        fitted to the training inputs' features when the model was fitted
        (one per class sharing a covariance for a classifier, one for a
        regressor; DDU, Mukhoti et al. 2023), averaged over an ensemble's
        members. It flags inputs the predictive entropy can miss: a model
        may be confidently wrong far from its data.

        Parameters
        ----------
        X : sequence of str, array-like of shape (n_samples, length, 4) or (n_samples, n_features)

        Returns
        -------
        score : ndarray of shape (n_samples,), float64
            In nats, up to a constant: higher is more out-of-distribution.
            Compare scores of one fitted model (e.g. as an AUROC, or against
            a quantile of its scores on held-out in-distribution data), not
            across models.
        """
        X = self._check_predict_X(X)
        scores = [negative_log_density(self._trunk_features(module, X), {
            key: getattr(self, attribute)[k] for key, attribute in
            self._DENSITY_ATTRIBUTES.items()}) for k, module in enumerate(self._fitted_networks())]
        return np.mean(scores, axis=0)

    # -- prediction ------------------------------------------------------
    def _fitted_networks(self) -> list[torch.nn.Module]:
        """The trained ``HeadedNetwork`` modules (subclasses)."""
        raise NotImplementedError

    def _check_predict_X(self, X) -> np.ndarray:
        """``X`` checked and converted for prediction by this fitted model."""
        check_is_fitted(self)
        self._check_compile()  # compile may have been set after fit
        X = check_X(self, X, reset=False)
        self._check_input_shape(X.shape[1:])
        return X

    def _check_input_shape(self, shape: tuple) -> None:
        """Raise ``ValueError`` unless samples of ``shape`` fit this model: the
        fitted shape, or another length with ``variable_length=True`` where the
        trunk accepts it."""
        if shape == self.input_shape_:
            return
        if len(shape) != len(self.input_shape_):
            kind = "one-hot sequences" if len(self.input_shape_) == 2 else "feature vectors"
            raise ValueError(
                f"{type(self).__name__} was fitted on {kind} of shape "
                f"{self.input_shape_} per sample; got samples of shape {shape}"
            )
        if not self.variable_length:
            length = self.input_shape_[0]
            raise ValueError(
                f"{type(self).__name__} was fitted on sequences of {length} bp; got "
                f"{shape[0]} bp. Pad or crop them to {length} bp (e.g. "
                f"one_hot_encode(X, length={length}, resize='pad_or_crop')), or fit "
                "with variable_length=True (trunks with global pooling)"
            )
        self._fitted_networks()[0].trunk.check_input_shape(shape)

    def _forward(self, module: torch.nn.Module, X: np.ndarray) -> np.ndarray:
        """Raw network output ``(n_samples, n_outputs)``, float32."""
        if self.compile:
            cache = self.__dict__.setdefault("_compiled", {})
            if id(module) not in cache:
                cache[id(module)] = torch.compile(module, dynamic=False)
            return forward_in_batches(cache[id(module)], X, self.batch_size,
                                      precision=self.precision, pad=True)
        return forward_in_batches(module, X, self.batch_size, precision=self.precision)

    def _format_output(self, values: np.ndarray) -> np.ndarray:
        """``(..., n_samples, n_outputs)`` → float64 ``(..., n_samples,
        *target_shape_)``: the task axis dropped for one task (``check_targets``
        turns a one-column ``y`` into a 1-D one, so one task always means a
        1-D ``y``), a profile's positions and tasks restored."""
        values = np.asarray(values, dtype=np.float64)
        if self._profile:
            return values.reshape(*values.shape[:-1], *self.target_shape_)
        return values[..., 0] if self.n_tasks_ == 1 else values

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_compiled", None)  # compiled networks do not pickle; rebuilt on demand
        return state

    def __sklearn_is_fitted__(self):
        return hasattr(self, "input_shape_")

    @property
    def is_fitted(self) -> bool:
        """Whether ``fit`` has run. MAPIE's prefit check looks for this name;
        without it, a model fitted on sequences (which has no
        ``n_features_in_``) would draw a spurious "does not appear fitted"
        warning."""
        return self.__sklearn_is_fitted__()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.string = True
        tags.target_tags.required = True
        tags.non_deterministic = self.random_state is None
        return tags

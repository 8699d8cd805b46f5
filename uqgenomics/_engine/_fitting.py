"""Building and fitting one skorch net: mixed precision, callbacks, divergence, seeds.

The estimators train every network as a ``skorch.NeuralNet`` configured
here, fitted inside a seeded, isolated torch RNG state; only the lockstep
trainer (``_lockstep.py``) runs an epoch loop of its own.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, LRScheduler, ProgressBar
from skorch.dataset import Dataset, unpack_data
from skorch.helper import predefined_split
from skorch.utils import TeeGenerator

from ._batches import ArrayBatchIterator, AugmentedBatchIterator
from ._device import autocast, check_precision, resolve_device


class MixedPrecisionNet(NeuralNet):
    """A ``skorch.NeuralNet`` whose forward passes run under autocast.

    ``precision='bf16'`` or ``'fp16'`` runs the module under
    :func:`autocast` in training, validation and inference; the loss is
    computed in float32 on the float32-cast output. ``'fp16'`` also scales
    the loss (``torch.amp.GradScaler``) so that small gradients do not
    underflow; gradients are unscaled before ``on_grad_computed``, so
    callbacks such as gradient clipping see true values. Parameters and
    optimizer state stay float32.

    Parameters
    ----------
    *args, **kwargs
        As for ``skorch.NeuralNet``.
    precision : {'fp32', 'bf16', 'fp16'}, default='fp32'
    """

    def __init__(self, *args, precision="fp32", **kwargs):
        super().__init__(*args, **kwargs)
        self.precision = check_precision(precision)

    def initialize(self):
        super().initialize()
        self.grad_scaler_ = torch.amp.GradScaler(
            torch.device(self.device).type, enabled=self.precision == "fp16")
        return self

    def autocast(self):
        """The autocast context of this net's device and precision."""
        return autocast(self.device, self.precision)

    def infer(self, x, **fit_params):
        with self.autocast():
            return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, *args, **kwargs):
        if torch.is_tensor(y_pred) and y_pred.is_floating_point():
            y_pred = y_pred.float()
        return super().get_loss(y_pred, y_true, *args, **kwargs)

    def scale_loss(self, loss: torch.Tensor) -> torch.Tensor:
        """The loss to differentiate: scaled under fp16, unchanged otherwise."""
        return self.grad_scaler_.scale(loss)

    def unscale_gradients(self) -> None:
        """Undo :meth:`scale_loss` on the gradients (a no-op unless fp16)."""
        if self.grad_scaler_.is_enabled():
            for name in self._optimizers:
                self.grad_scaler_.unscale_(getattr(self, name + "_"))

    def backward(self, loss: torch.Tensor) -> None:
        """``loss.backward()`` with fp16 loss scaling; the gradients are left
        unscaled."""
        self.scale_loss(loss).backward()
        self.unscale_gradients()

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        self.backward(loss)
        return {"loss": loss, "y_pred": y_pred}

    def notify_grad_computed(self, batch) -> None:
        """Fire ``on_grad_computed`` as skorch's ``train_step`` does."""
        self.notify("on_grad_computed",
                    named_parameters=TeeGenerator(self.get_all_learnable_params()),
                    batch=batch, training=True)

    def _step_optimizer(self, step_fn):
        if not self.grad_scaler_.is_enabled():
            super()._step_optimizer(step_fn)
            return
        # GradScaler cannot step with a closure: compute, then step.
        if step_fn is not None:
            step_fn()
        for name in self._optimizers:
            self.grad_scaler_.step(getattr(self, name + "_"))
        self.grad_scaler_.update()


class TrainingDivergedError(FloatingPointError):
    """A training or validation loss became NaN or infinite; ``fit`` stops."""


class StopOnNonFiniteLoss(Callback):
    """Stop training at the first batch whose loss is NaN or infinite.

    A network that diverged predicts NaN (and a classifier built on it,
    class 0 for every row), so the fit must not end quietly: this raises
    :class:`TrainingDivergedError` naming the phase, epoch, batch and
    network, and the likely causes.

    Parameters
    ----------
    label : str, default='the network'
        Which network this is, e.g. ``'member 3 of 10 (seed 42)'``.
    """

    def __init__(self, label="the network"):
        self.label = label

    def on_train_end(self, net, **kwargs):
        bad = [name for name, p in net.module_.named_parameters() if not torch.isfinite(p).all()]
        if bad:
            raise TrainingDivergedError(
                f"training diverged: after {len(net.history)} epochs the weights of {self.label} "
                f"are NaN or infinite ({', '.join(bad[:3])}{', ...' if len(bad) > 3 else ''}). "
                + self._causes(net))

    def on_batch_end(self, net, batch=None, training=None, loss=None, **kwargs):
        if loss is None or bool(torch.isfinite(loss).all()):
            return
        phase = "training" if training else "validation"
        epoch = len(net.history)
        n_batch = len(net.history[-1]["batches"]) if epoch else 0
        raise TrainingDivergedError(
            f"training diverged: the {phase} loss is {float(loss.detach().float().mean())} at "
            f"epoch {epoch}, batch {n_batch} of {self.label}. " + self._causes(net))

    @staticmethod
    def _causes(net) -> str:
        optimizer = getattr(net.optimizer, "__name__", repr(net.optimizer))
        return (f"Likely causes: a learning rate too high for {optimizer} (lr={net.lr}; try "
                "10 times lower); exploding gradients (add callbacks=[skorch.callbacks."
                "GradientNormClipping(1.0)]); with precision='fp16', an overflow (use 'bf16' or "
                "'fp32'); input features of very different scales (standardise them). Nothing "
                "was fitted: fix the cause and fit again.")


def build_callbacks(params: dict, has_validation: bool, label: str = "the network") -> list:
    """Early stopping, LR plateau schedule, progress bar and user callbacks.

    Parameters
    ----------
    params : dict
        The estimator's parameters (``patience``, ``lr_patience``,
        ``lr_factor``, ``verbose``, ``callbacks``).
    has_validation : bool
        Early stopping and the plateau schedule watch the validation loss,
        so they are only added when there is validation data.
    label : str, default='the network'
        Names the network in a divergence error.
    """
    callbacks = [("finite_loss", StopOnNonFiniteLoss(label))]
    if has_validation and params["patience"]:
        callbacks.append(("early_stopping", EarlyStopping(
            monitor="valid_loss", patience=params["patience"], load_best=True,
        )))
    if has_validation and params["lr_patience"]:
        callbacks.append(("lr_plateau", LRScheduler(
            policy=torch.optim.lr_scheduler.ReduceLROnPlateau, monitor="valid_loss",
            factor=params["lr_factor"], patience=params["lr_patience"],
        )))
    if params["verbose"]:
        callbacks.append(("progress_bar", ProgressBar()))
    # Each network gets its own copies: callbacks hold per-fit state.
    callbacks += [copy.deepcopy(cb) for cb in params["callbacks"] or ()]
    return callbacks


def make_net(
    build_module,
    criterion: torch.nn.Module,
    n_train: int,
    validation: tuple[np.ndarray, np.ndarray] | None,
    params: dict,
    routed: dict,
    iterator_train=None,
    label: str = "the network",
) -> MixedPrecisionNet:
    """An initialised, untrained skorch net for one network.

    Call it inside a seeded RNG state (see :func:`fit_network`): the
    module's initial weights are drawn here.

    Parameters
    ----------
    build_module : callable
        ``build_module() -> nn.Module``.
    criterion : nn.Module
        Loss of ``(module output, y)``.
    n_train : int
        Training samples (a remainder batch of one sample is dropped: it
        breaks BatchNorm).
    validation : (X_val, y_val) or None
    params : dict
        The estimator's parameters.
    routed : dict
        ``optimizer__*``, ``iterator_*__*`` and ``callbacks__*`` parameters,
        passed to skorch unchanged.
    iterator_train : class, default=None
        Training batches, :class:`AugmentedBatchIterator` by default (plain
        batches unless ``routed`` has ``iterator_train__augment``).
    label : str, default='the network'
        Names this network in errors (e.g. ``'member 2 of 5 (seed 7)'``).
    """
    device = resolve_device(params["device"])
    routed = dict(routed)
    if n_train % params["batch_size"] == 1 and n_train > 1:
        routed.setdefault("iterator_train__drop_last", True)
    return MixedPrecisionNet(
        module=build_module(),
        criterion=criterion,
        optimizer=params["optimizer"],
        lr=params["lr"],
        max_epochs=params["max_epochs"],
        batch_size=params["batch_size"],
        iterator_train=iterator_train or AugmentedBatchIterator,
        iterator_valid=ArrayBatchIterator,
        iterator_train__shuffle=True,
        iterator_train__pin_memory=device.startswith("cuda"),
        train_split=None if validation is None else predefined_split(Dataset(*validation)),
        callbacks=build_callbacks(params, validation is not None, label),
        verbose=int(params["verbose"]),
        device=device,
        precision=params["precision"],
        **routed,
    ).initialize()


def fit_network(
    build_module,
    criterion: torch.nn.Module,
    X: np.ndarray,
    y: np.ndarray,
    validation: tuple[np.ndarray, np.ndarray] | None,
    seed: int,
    params: dict,
    routed: dict,
    iterator_train=None,
    label: str = "the network",
) -> MixedPrecisionNet:
    """Build and train one network with skorch, reproducibly.

    Parameters
    ----------
    build_module, criterion, validation, params, routed, iterator_train, label
        As for :func:`make_net`.
    X : ndarray of shape (n_train, ...), float32
    y : ndarray of shape (n_train, n_tasks), float32
    seed : int
        Seeds weights, shuffling and dropout inside a forked RNG state, so
        the caller's global torch RNG is left untouched.

    Returns
    -------
    net : MixedPrecisionNet
        Fitted; ``net.module_`` is the trained network, ``net.history`` the
        per-epoch losses (see :func:`release_training_data`).
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = make_net(build_module, criterion, len(X), validation, params, routed,
                       iterator_train, label)
        net.partial_fit(X, y)
    return release_training_data(net)


def release_training_data(net: NeuralNet) -> NeuralNet:
    """Drop what a fitted net holds of its training data, so that a saved
    model's size does not depend on it.

    The validation split (skorch keeps it in ``train_split``) and the
    per-batch records of the history (one per batch and epoch) go; the
    per-epoch losses stay. :func:`continue_training` restores the split.
    """
    net.train_split = None
    for epoch in net.history:
        epoch["batches"] = []
    return net


def continue_training(net: NeuralNet, X: np.ndarray, y: np.ndarray, validation, seed: int,
                      epochs: int, lr: float, **iterator_params) -> NeuralNet:
    """Train a fitted skorch net for ``epochs`` more epochs at learning rate ``lr``.

    Used for a short fine-tune after the main fit; ``iterator_params`` are
    set on the net first (e.g. ``iterator_train__augment=None``; skorch's
    ``set_params`` refuses iterator parameters once a net is initialised,
    but reads them from the attributes at each epoch). Early stopping and
    the plateau schedule restart, watching ``validation`` (``(X_val,
    y_val)`` or None, as in the main fit).
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net.set_params(lr=lr)
        net.train_split = None if validation is None else predefined_split(Dataset(*validation))
        for name, value in iterator_params.items():
            setattr(net, name, value)
        net.partial_fit(X, y, epochs=epochs)
    return release_training_data(net)

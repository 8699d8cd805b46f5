"""Training the members of an ensemble together, vectorised with ``torch.func``.

Each member keeps its own skorch net (module, optimizer, callbacks,
history), built under its own seed exactly as for a one-by-one fit. At
every step the members' parameters are stacked and one ``vmap``-ed
forward and backward pass serves them all; each member then steps its own
optimizer and runs its own callbacks, so early stopping, learning-rate
schedules and per-member histories behave as in a one-by-one fit. Each
member's batches (shuffling, augmentation) are drawn from its own RNG
stream, so a network without dropout ends up with the same weights as
when trained alone (up to floating-point summation order); dropout masks
are drawn from a separate stream by ``vmap(randomness='different')``.

On a GPU this turns M small kernel launches into one large one; on a CPU
a plain loop is faster (see ``benchmarks/bench_scale.py``), which is why
the ensembles only vectorise on CUDA, and only after :func:`lockstep_is_faster`
has measured it.
"""

from __future__ import annotations

import copy
import time

import torch
from skorch.dataset import get_len
from torch.func import functional_call, vmap
from torch.nn.modules.batchnorm import _BatchNorm

from ._fitting import make_net, release_training_data

__all__ = ["fit_members", "lockstep_is_faster"]


def _float_input(module, args):
    return (args[0].float(), *args[1:])


class _RNGStreams:
    """Per-member CPU RNG states, swapped in around each draw."""

    def __init__(self, states: list[torch.Tensor]):
        self.states = list(states)

    def next_batch(self, member: int, iterator):
        torch.set_rng_state(self.states[member])
        try:
            return next(iterator, None)
        finally:
            self.states[member] = torch.get_rng_state()


class LockstepTrainer:
    """Train initialised skorch nets of one architecture in lockstep.

    Parameters
    ----------
    nets : list of MixedPrecisionNet
        Initialised (:func:`~uqgenomics._engine._fitting.make_net`), same module
        architecture, criterion and device.
    rng_states : list of torch.ByteTensor
        Each member's CPU RNG state after its net was built (what a
        one-by-one fit would continue from).
    dropout_seed : int
        Seeds the stream that dropout masks are drawn from.
    """

    def __init__(self, nets, rng_states, dropout_seed: int):
        self.nets = nets
        self.streams = _RNGStreams(rng_states)
        self.dropout_state = torch.Generator().manual_seed(dropout_seed).get_state()
        self.skeleton = copy.deepcopy(nets[0].module_).to("meta")
        if nets[0].precision != "fp32":
            # vmap's BatchNorm rule wants the input in the float32 of the
            # running statistics (what a GPU's fused kernel computes in anyway).
            for module in self.skeleton.modules():
                if isinstance(module, _BatchNorm):
                    module.register_forward_pre_hook(_float_input)
        self.params = [dict(net.module_.named_parameters()) for net in nets]
        self.buffers = [dict(net.module_.named_buffers()) for net in nets]
        self.device = next(nets[0].module_.parameters()).device

    # -- one vectorised pass ---------------------------------------------
    def _member_loss(self, params, buffers, x, y, training):
        y_pred = functional_call(self.skeleton, (params, buffers), (x,))
        return self.nets[0].get_loss(y_pred, y, X=x, training=training), y_pred

    def _losses(self, active, x, y, training):
        """Per-member losses ``(len(active),)`` and outputs, one vmapped pass."""
        params = {name: torch.stack([self.params[i][name] for i in active])
                  for name in self.params[0]}
        buffers = {name: torch.stack([self.buffers[i][name] for i in active])
                   for name in self.buffers[0]}
        self.skeleton.train(training)
        y_dim = 0 if training else None
        torch.set_rng_state(self.dropout_state)
        with self.nets[0].autocast():
            losses, y_pred = vmap(
                lambda p, b, xi, yi: self._member_loss(p, b, xi, yi, training),
                in_dims=(0, 0, y_dim, y_dim), randomness="different",
            )(params, buffers, x, y)
        self.dropout_state = torch.get_rng_state()
        if training:
            # BatchNorm updated the stacked running statistics: copy them back.
            with torch.no_grad():
                for name, stacked in buffers.items():
                    for row, i in enumerate(active):
                        self.buffers[i][name].copy_(stacked[row])
        return losses, y_pred

    def _to_device(self, tensors) -> torch.Tensor:
        stacked = torch.stack(tensors)
        if self.device.type == "cuda":
            stacked = stacked.pin_memory()  # an asynchronous copy needs pinned memory
        return stacked.to(self.device, non_blocking=True)

    def _train_step(self, active, batches):
        """One optimisation step of every active member on its own batch:
        one vmapped forward and backward, then each member's gradient
        callbacks and optimizer step. Returns the losses and outputs."""
        nets = [self.nets[i] for i in active]
        for net in nets:
            net._zero_grad_optimizer()
        x = self._to_device([b[0] for b in batches])
        y = self._to_device([b[1] for b in batches])
        losses, y_pred = self._losses(active, x, y, training=True)
        sum(net.scale_loss(loss) for net, loss in zip(nets, losses)).backward()
        for net, batch in zip(nets, batches):
            net.unscale_gradients()
            net.notify_grad_computed(batch)
            net._step_optimizer(None)
        return losses, y_pred

    # -- epochs ------------------------------------------------------------
    @staticmethod
    def _begin_batches(nets, batches, training: bool) -> None:
        for net, batch in zip(nets, batches):
            net.notify("on_batch_begin", batch=batch, training=training)
            net._set_training(training)

    @staticmethod
    def _end_batches(nets, batches, losses, y_pred, training: bool) -> None:
        """Record each member's batch loss and size as skorch does, then
        fire ``on_batch_end``."""
        prefix = "train" if training else "valid"
        values = losses.detach().float().cpu().numpy()
        for row, (net, batch) in enumerate(zip(nets, batches)):
            net.history.record_batch(f"{prefix}_loss", float(values[row]))
            net.history.record_batch(f"{prefix}_batch_size", get_len(batch[0]))
            net.notify("on_batch_end", batch=batch, training=training,
                       loss=losses[row], y_pred=y_pred[row])

    def _train_epoch(self, active, iterators):
        nets = [self.nets[i] for i in active]
        count = 0
        while True:
            batches = [self.streams.next_batch(i, iterators[i]) for i in active]
            if any(batch is None for batch in batches):
                if not all(batch is None for batch in batches):
                    raise RuntimeError("members drew different numbers of training batches")
                break
            self._begin_batches(nets, batches, training=True)
            losses, y_pred = self._train_step(active, batches)
            self._end_batches(nets, batches, losses, y_pred, training=True)
            count += 1
        for net in nets:
            net.history.record("train_batch_count", count)

    def _valid_epoch(self, active, iterator):
        nets = [self.nets[i] for i in active]
        count = 0
        for batch in iterator:
            batches = [batch] * len(nets)
            self._begin_batches(nets, batches, training=False)
            x = batch[0].to(self.device, non_blocking=True)
            y = batch[1].to(self.device, non_blocking=True)
            with torch.no_grad():
                losses, y_pred = self._losses(active, x, y, training=False)
            self._end_batches(nets, batches, losses, y_pred, training=False)
            count += 1
        for net in nets:
            net.history.record("valid_batch_count", count)

    def fit(self, member_data, epochs: int):
        """Train every member for up to ``epochs`` epochs.

        Parameters
        ----------
        member_data : list of (X, y)
            Each member's training arrays, of equal lengths.
        epochs : int
        """
        splits = [net.get_split_datasets(X, y) for net, (X, y) in zip(self.nets, member_data)]
        train_iterators = [net.get_iterator(train, training=True)
                           for net, (train, _) in zip(self.nets, splits)]
        valid = splits[0][1]
        valid_iterator = (None if valid is None
                          else self.nets[0].get_iterator(valid, training=False))
        for net, (X, y) in zip(self.nets, member_data):
            net.notify("on_train_begin", X=X, y=y)
        active = list(range(len(self.nets)))
        for _ in range(epochs):
            if not active:
                break
            for i in active:
                self.nets[i].notify("on_epoch_begin", dataset_train=splits[i][0],
                                    dataset_valid=valid)
            self._train_epoch(active, {i: iter(train_iterators[i]) for i in active})
            if valid_iterator is not None:
                self._valid_epoch(active, valid_iterator)
            stopped = set()
            for i in active:
                try:
                    self.nets[i].notify("on_epoch_end", dataset_train=splits[i][0],
                                        dataset_valid=valid)
                except KeyboardInterrupt:  # skorch's early-stopping signal
                    stopped.add(i)
            active = [i for i in active if i not in stopped]
        for net, (X, y) in zip(self.nets, member_data):
            net.notify("on_train_end", X=X, y=y)


def _timed(fn, device: torch.device, repeats: int) -> float:
    fn()  # warm-up (allocations, kernel selection)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return (time.perf_counter() - start) / repeats


def lockstep_is_faster(nets, rng_states, member_data, repeats: int = 3) -> tuple[bool, dict]:
    """Time one training step of every member, looped and vmapped.

    Works on copies: the nets and RNG states passed in are not touched.

    Returns
    -------
    faster : bool
        Whether the vmapped step beat the loop.
    timings : dict
        Seconds per step of all members: ``{'loop': ..., 'vmap': ...}``.
    """
    nets = [copy.deepcopy(net) for net in nets]
    device = next(nets[0].module_.parameters()).device
    batches = []
    for net, (X, y) in zip(nets, member_data):
        train, _ = net.get_split_datasets(X, y)
        batches.append(next(iter(net.get_iterator(train, training=True))))
    active = list(range(len(nets)))
    trainer = LockstepTrainer(nets, rng_states, dropout_seed=0)

    def loop_step():
        for net, batch in zip(nets, batches):
            net.train_step(batch)

    def vmap_step():
        trainer._train_step(active, batches)

    with torch.random.fork_rng(devices=[]):
        timings = {"loop": _timed(loop_step, device, repeats),
                   "vmap": _timed(vmap_step, device, repeats)}
    return timings["vmap"] < timings["loop"], timings


def member_label(index: int, n_members: int, seed) -> str:
    """How errors name ensemble member ``index`` (0-based)."""
    return f"member {index + 1} of {n_members} (seed {int(seed)})"


def fit_members(build_module, criterion, member_data, validation, seeds, params, routed,
                vectorize) -> tuple[list, bool]:
    """Build each member's net under its seed, then train them in lockstep
    or one by one.

    Parameters
    ----------
    build_module, criterion, validation, params, routed
        As for :func:`~uqgenomics._engine._fitting.make_net`.
    member_data : list of (X, y)
        Each member's training arrays (bootstrap rows or all), equal lengths.
    seeds : sequence of int
        One per member.
    vectorize : bool or 'measure'
        True: train in lockstep; False: one by one; ``'measure'``: in
        lockstep if :func:`lockstep_is_faster` says so (one by one if the
        network cannot be vmapped).

    Returns
    -------
    nets : list of MixedPrecisionNet
        Fitted, in member order.
    vectorized : bool
        Whether they were trained in lockstep.
    """
    nets, states = [], []
    with torch.random.fork_rng(devices=[]):
        for i, (seed, (X, _)) in enumerate(zip(seeds, member_data)):
            torch.manual_seed(int(seed))
            nets.append(make_net(build_module, copy.deepcopy(criterion), len(X), validation,
                                 params, routed, label=member_label(i, len(seeds), seed)))
            states.append(torch.get_rng_state())
        if vectorize == "measure":
            try:
                vectorize, _ = lockstep_is_faster(nets, states, member_data)
            except (RuntimeError, NotImplementedError):  # an op vmap cannot batch
                vectorize = False
        if vectorize:
            LockstepTrainer(nets, states, dropout_seed=int(seeds[0])).fit(
                member_data, params["max_epochs"])
        else:
            for net, state, (X, y) in zip(nets, states, member_data):
                torch.set_rng_state(state)
                net.partial_fit(X, y)
    return [release_training_data(net) for net in nets], bool(vectorize)


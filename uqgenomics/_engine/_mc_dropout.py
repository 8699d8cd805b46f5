"""Monte Carlo dropout sampling without a loop of full forward passes.

Dropout makes a network stochastic only from the first stage that holds a
dropout layer on. Everything before it (for DeepSTARR: all convolutions and
the first dense layer) is computed once per batch; only the remaining
stages are evaluated for every sample, with the samples stacked into one
large batch. When the very first stage holds dropout, the input itself is
repeated: samples are still batched, never looped one pass at a time.

Masks are drawn per sample index and dropout layer from the seed, and
shared by every input (applied by a per-call copy of the stochastic
stages, so concurrent predictions on one model do not interfere): sample
``k`` is one thinned sub-network. Each input's samples have the usual MC
dropout distribution, a prediction does not depend on which other rows are
in the batch or in what order (up to float32 rounding), and the
samples of two inputs are paired (their differences, e.g. variant effects,
are differences under the same sub-network).
"""

from __future__ import annotations

import copy
import itertools

import numpy as np
import torch
from torch import nn
from torch.nn.modules.dropout import _DropoutNd

from ._device import autocast, batch_tensor
from ._inference import check_finite_outputs

SUPPORTED_DROPOUT = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d)

#: Upper bound on rows (batch × samples) evaluated at once through the suffix.
MAX_SAMPLE_ROWS = 65_536


def has_dropout(module: nn.Module) -> bool:
    return any(isinstance(m, _DropoutNd) for m in module.modules())


def split_at_first_dropout(stages: list[nn.Module]) -> tuple[list[nn.Module], list[nn.Module]]:
    """Split stages into the deterministic prefix and the stochastic rest.

    Returns
    -------
    prefix, suffix : lists of nn.Module
        ``suffix`` starts at the first stage containing a dropout layer; it
        is empty when the network has none.
    """
    for i, stage in enumerate(stages):
        if has_dropout(stage):
            return stages[:i], stages[i:]
    return stages, []


def _run(stages: list[nn.Module], x: torch.Tensor) -> torch.Tensor:
    for stage in stages:
        x = stage(x)
    return x


class SharedMasks:
    """Dropout masks indexed by sample number, shared by every input.

    :meth:`apply_to` returns copies of the stochastic stages (sharing the
    network's parameters and buffers) in which each dropout layer is a
    :class:`_MaskedDropout`: it multiplies its input, viewed as ``(k, rows,
    ...)`` for the ``k`` samples in :attr:`samples`, by masks of shape
    ``(k, 1, ...)`` scaled by ``1 / (1 - p)``. Element-wise dropout masks
    every feature; ``Dropout1d/2d/3d`` mask whole channels. The network
    itself is never modified, so several threads can sample one fitted
    model at once.

    Parameters
    ----------
    network : nn.Module
        Its dropout layers, numbered in ``network.modules()`` order, each get
        their own mask stream seeded by ``(seed, number)``.
    seed : int
    n_samples : int
    """

    def __init__(self, network: nn.Module, seed: int, n_samples: int):
        self.seed = seed
        self.n_samples = n_samples
        self.samples = slice(0, n_samples)
        self._cache: dict = {}
        self._numbers = {}
        for number, module in enumerate(m for m in network.modules() if isinstance(m, _DropoutNd)):
            if type(module) not in SUPPORTED_DROPOUT:
                raise ValueError(f"MC dropout does not support {type(module).__name__}")
            self._numbers[id(module)] = number

    def masks(self, number: int, dropout: nn.Module, shape: tuple, device) -> torch.Tensor:
        """The masks of :attr:`samples` for dropout layer ``number`` and
        per-sample feature ``shape`` (all ``n_samples`` drawn once, cached)."""
        channelwise = not isinstance(dropout, nn.Dropout)
        mask_shape = (shape[0],) + (1,) * (len(shape) - 1) if channelwise else shape
        key = (number, mask_shape, str(device))
        if key not in self._cache:
            generator = torch.Generator().manual_seed(
                int(np.random.SeedSequence([self.seed, number]).generate_state(1)[0])
            )
            keep = torch.rand((self.n_samples, *mask_shape), generator=generator) >= dropout.p
            self._cache[key] = (keep / (1 - dropout.p)).to(device)
        return self._cache[key][self.samples]

    def apply_to(self, stages: list[nn.Module]) -> list[nn.Module]:
        """Copies of ``stages`` whose dropout layers apply these masks."""
        return [self._masked_copy(stage) for stage in stages]

    def _masked_copy(self, stage: nn.Module) -> nn.Module:
        if id(stage) in self._numbers:
            return _MaskedDropout(self, self._numbers[id(stage)], stage)
        shared = {id(t): t for t in itertools.chain(stage.parameters(), stage.buffers())}
        copied = copy.deepcopy(stage, shared)  # the structure only: tensors are shared
        originals = dict(stage.named_modules())
        for name, _ in list(copied.named_modules()):
            original = originals[name]
            if id(original) in self._numbers:
                parent_name, _, child = name.rpartition(".")
                parent = copied.get_submodule(parent_name)
                setattr(parent, child, _MaskedDropout(self, self._numbers[id(original)],
                                                      original))
        return copied


class _MaskedDropout(nn.Module):
    """A dropout layer's stand-in that applies :class:`SharedMasks`' masks."""

    def __init__(self, masks: SharedMasks, number: int, dropout: nn.Module):
        super().__init__()
        self.shared_masks = masks
        self.number = number
        self.dropout = dropout

    def forward(self, x):
        masks = self.shared_masks.masks(self.number, self.dropout, tuple(x.shape[1:]), x.device)
        k = masks.shape[0]
        return (x.reshape(k, -1, *x.shape[1:]) * masks.unsqueeze(1)).reshape(x.shape)


def mc_dropout_outputs(network, X: np.ndarray, n_samples: int, batch_size: int,
                       seed: int, precision: str = "fp32") -> np.ndarray:
    """Network outputs under ``n_samples`` dropout masks.

    Dropout masks are applied (see :class:`SharedMasks`); everything else,
    BatchNorm included, is in eval mode. Each input's samples have the same
    distribution as ``n_samples`` full stochastic forward passes.

    Parameters
    ----------
    network : HeadedNetwork
        Provides ``stages()``.
    X : ndarray of shape (n_samples_X, ...), float32
    n_samples : int
        Dropout samples per input.
    batch_size : int
        Inputs per prefix pass.
    seed : int
        Seeds the dropout masks (the global torch RNG is not used).
    precision : {'fp32', 'bf16', 'fp16'}, default='fp32'
        Autocast precision of the forward passes.

    Returns
    -------
    outputs : ndarray of shape (n_samples, n_samples_X, n_outputs), float32
    """
    prefix, suffix = split_at_first_dropout(network.stages())
    if not suffix:
        raise ValueError(
            "MC dropout needs a network with dropout layers; this one has none "
            "(set its dropout, e.g. network__dropout=0.1)"
        )
    device = next(network.parameters()).device
    network.eval()
    masks = SharedMasks(network, seed, n_samples)
    suffix = masks.apply_to(suffix)
    outputs = None
    with torch.inference_mode(), autocast(device, precision):
        for start in range(0, len(X), batch_size):
            features = _run(prefix, batch_tensor(X[start:start + batch_size]).to(device))
            rows = len(features)
            per_chunk = max(1, MAX_SAMPLE_ROWS // rows)
            for first in range(0, n_samples, per_chunk):
                k = min(per_chunk, n_samples - first)
                masks.samples = slice(first, first + k)
                repeated = features.repeat((k,) + (1,) * (features.ndim - 1))
                out = _run(suffix, repeated).float().reshape(k, rows, -1).cpu().numpy()
                if outputs is None:
                    outputs = np.empty((n_samples, len(X), out.shape[-1]), np.float32)
                outputs[first:first + k, start:start + rows] = check_finite_outputs(
                    out, precision)
    return outputs


def mc_dropout_function(network, n_samples: int, seed: int):
    """``x -> (n_samples, batch, n_outputs)``: :func:`mc_dropout_outputs` as a
    differentiable torch function (the same masks for the same ``seed``; all
    samples in one pass, so memory grows with ``batch × n_samples``).

    Parameters
    ----------
    network : HeadedNetwork
        Put in eval mode (BatchNorm statistics fixed); only the masks vary.
    n_samples : int
    seed : int
    """
    prefix, suffix = split_at_first_dropout(network.eval().stages())
    if not suffix:
        raise ValueError("MC dropout needs a network with dropout layers; this one has none")
    suffix = SharedMasks(network, seed, n_samples).apply_to(suffix)

    def sample(x):
        features = _run(prefix, x)
        repeated = features.repeat((n_samples,) + (1,) * (features.ndim - 1))
        return _run(suffix, repeated).reshape(n_samples, len(x), -1)
    return sample

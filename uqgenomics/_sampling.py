"""Monte Carlo dropout sampling without a loop of full forward passes.

Dropout makes a network stochastic only from the first stage that holds a
dropout layer on. Everything before it (for DeepSTARR: all convolutions and
the first dense layer) is computed once per batch; only the remaining
stages are evaluated for every sample, with the samples stacked into one
large batch. When the very first stage holds dropout, the input itself is
repeated: samples are still batched, never looped one pass at a time.

Masks are drawn per sample index and dropout layer from the seed, and
shared by every input: sample ``k`` is one thinned sub-network. Each
input's samples have the usual MC dropout distribution, a prediction does
not depend on which other rows are in the batch or in what order, and the
samples of two inputs are paired (their differences, e.g. variant effects,
are differences under the same sub-network).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn.modules.dropout import _DropoutNd

SUPPORTED_DROPOUT = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d)

from ._training import autocast, batch_tensor

#: Upper bound on rows (batch × samples) evaluated at once through the suffix.
MAX_SAMPLE_ROWS = 65_536


def _has_dropout(module: nn.Module) -> bool:
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
        if _has_dropout(stage):
            return stages[:i], stages[i:]
    return stages, []


def _run(stages: list[nn.Module], x: torch.Tensor) -> torch.Tensor:
    for stage in stages:
        x = stage(x)
    return x


class SharedMasks:
    """Forward hooks that apply dropout masks indexed by sample number.

    The dropout layers stay in eval mode (identity); the hook multiplies
    their input, viewed as ``(k, rows, ...)`` for the ``k`` samples being
    evaluated, by masks of shape ``(k, 1, ...)``, scaled by ``1 / (1 - p)``.
    Element-wise dropout masks every feature; ``Dropout1d/2d/3d`` mask whole
    channels.
    """

    def __init__(self, network: nn.Module, seed: int, n_samples: int):
        self.seed = seed
        self.n_samples = n_samples
        self.samples = slice(0, n_samples)
        self._cache: dict = {}
        self._handles = []
        for index, module in enumerate(m for m in network.modules() if isinstance(m, _DropoutNd)):
            if type(module) not in SUPPORTED_DROPOUT:
                raise ValueError(f"MC dropout does not support {type(module).__name__}")
            self._handles.append(module.register_forward_hook(self._hook(index)))

    def _masks(self, index: int, module: nn.Module, shape: tuple, device) -> torch.Tensor:
        """All ``n_samples`` masks of one layer for one feature shape (cached)."""
        channelwise = not isinstance(module, nn.Dropout)
        mask_shape = (shape[0],) + (1,) * (len(shape) - 1) if channelwise else shape
        key = (index, mask_shape)
        if key not in self._cache:
            generator = torch.Generator().manual_seed(
                int(np.random.SeedSequence([self.seed, index]).generate_state(1)[0])
            )
            keep = torch.rand((self.n_samples, *mask_shape), generator=generator) >= module.p
            self._cache[key] = (keep / (1 - module.p)).to(device)
        return self._cache[key]

    def _hook(self, index: int):
        def apply(module, inputs, output):
            x = inputs[0]
            masks = self._masks(index, module, tuple(x.shape[1:]), x.device)[self.samples]
            k = masks.shape[0]
            return (x.reshape(k, -1, *x.shape[1:]) * masks.unsqueeze(1)).reshape(x.shape)
        return apply

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()


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
    outputs = None
    try:
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
                    outputs[first:first + k, start:start + rows] = out
    finally:
        masks.remove()
    return outputs

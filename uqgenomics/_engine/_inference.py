"""Batched, checked forward passes of fitted networks."""

from __future__ import annotations

import numpy as np
import torch

from ._device import autocast, batch_tensor


def forward_in_batches(module: torch.nn.Module, X: np.ndarray, batch_size: int,
                       axis: int = 0, precision: str = "fp32", pad: bool = False,
                       **forward_kwargs) -> np.ndarray:
    """Evaluate ``module`` on ``X`` in eval mode, batch by batch.

    Parameters
    ----------
    module : nn.Module
        Its parameters' device is where the batches go (so a network trained
        on a GPU and unpickled on a CPU machine runs on the CPU).
    X : ndarray of shape (n_samples, ...), float32
    batch_size : int
    axis : int, default=0
        Sample axis of the module's output (1 for outputs
        ``(n_indices, batch, n_outputs)``).
    precision : {'fp32', 'bf16', 'fp16'}, default='fp32'
        Autocast precision of the forward passes (outputs are float32).
    pad : bool, default=False
        Pad a last, smaller batch with zeros to ``batch_size`` (and drop
        those rows from the output), so every call sees one input shape (a
        compiled module then compiles once). Only for ``axis=0``.
    **forward_kwargs
        Tensors passed to every forward call (moved to the device).

    Returns
    -------
    out : ndarray of shape (n_samples, n_outputs), float32
        Batches concatenated along ``axis``.
    """
    device = next(module.parameters()).device
    module.eval()
    outputs = []
    with torch.inference_mode(), autocast(device, precision):
        for start in range(0, len(X), batch_size):
            batch = batch_tensor(X[start:start + batch_size]).to(device, non_blocking=True)
            rows = len(batch)
            padded = pad and rows < batch_size
            if padded:
                batch = torch.cat([batch, batch.new_zeros((batch_size - rows, *batch.shape[1:]))])
            kwargs = {k: v.to(device) for k, v in forward_kwargs.items()}
            out = module(batch, **kwargs)
            outputs.append(check_finite_outputs(
                (out[:rows] if padded else out).float().cpu().numpy(), precision))
    return np.concatenate(outputs, axis=axis)


def check_finite_outputs(outputs: np.ndarray, precision: str) -> np.ndarray:
    """Return ``outputs``, or raise ``FloatingPointError`` if any is NaN or infinite.

    A non-finite output would become a NaN prediction (or class 0 for a
    classifier) without a word, so prediction stops instead.
    """
    if np.isfinite(outputs).all():
        return outputs
    hint = ("with precision='fp16' the activations overflow: use 'bf16' or 'fp32'"
            if precision == "fp16" else
            "the fitted weights or these inputs are not usable: check the inputs' scale, or "
            "refit")
    raise FloatingPointError(f"the network output NaN or inf ({int((~np.isfinite(outputs)).sum())} "
                             f"of {outputs.size} values in a batch); {hint}")

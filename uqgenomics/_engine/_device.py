"""Where and in what precision networks run: device names, autocast, batch tensors."""

from __future__ import annotations

import contextlib

import numpy as np
import torch

#: Floating-point precision names → autocast dtypes (None: plain float32).
PRECISIONS = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


def resolve_device(device: str) -> str:
    """``'auto'`` → ``'cuda'`` when a GPU is visible, else ``'cpu'``."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        kind = torch.device(device).type
    except (RuntimeError, TypeError):
        kind = None
    if kind not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda[:i]', got {device!r}")
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} but no CUDA device is available; use 'auto' or 'cpu'")
    return device


def check_precision(precision: str) -> str:
    """Validate a ``precision`` parameter (one of :data:`PRECISIONS`)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {sorted(PRECISIONS)}, got {precision!r}")
    return precision


def autocast(device: torch.device | str, precision: str):
    """Autocast context for ``precision`` on ``device`` (a no-op for fp32).

    Matrix multiplications and convolutions run in bf16 / fp16; reductions
    and losses stay in float32 (torch's autocast op lists).
    """
    dtype = PRECISIONS[check_precision(precision)]
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(torch.device(device).type, dtype=dtype)


def batch_tensor(array: np.ndarray) -> torch.Tensor:
    """A CPU tensor over a batch, copying only when the array is not
    C-contiguous or is read-only (memmaps: torch wants writable memory)."""
    array = np.ascontiguousarray(array)
    return torch.from_numpy(array if array.flags.writeable else array.copy())

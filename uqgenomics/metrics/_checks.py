"""Input checks shared by the metric functions."""

from __future__ import annotations

import numpy as np


def as_float_arrays(*arrays, names: tuple[str, ...]) -> list[np.ndarray]:
    """Convert to float64 and check that every array has the first one's shape.

    Raises
    ------
    ValueError
        If the shapes differ or an array is empty or not finite.
    """
    converted = [np.asarray(a, dtype=np.float64) for a in arrays]
    shape = converted[0].shape
    for name, array in zip(names, converted):
        if array.shape != shape:
            raise ValueError(f"{name} has shape {array.shape}, expected {shape} "
                             f"like {names[0]}")
        if array.size == 0:
            raise ValueError(f"{name} is empty")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} contains NaN or infinite values")
    return converted


def check_std(std: np.ndarray, name: str = "std") -> np.ndarray:
    """Raise when a standard deviation is negative."""
    if np.any(std < 0):
        raise ValueError(f"{name} must be non-negative")
    return std


def check_level(level: float) -> float:
    """Raise unless ``0 < level < 1``."""
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    return float(level)

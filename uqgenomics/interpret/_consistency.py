"""How consistent are attribution maps? (DEGU Fig. 4)"""

from __future__ import annotations

import numpy as np


def _normalised(maps: np.ndarray) -> np.ndarray:
    norms = np.sqrt((maps**2).sum(axis=(-2, -1), keepdims=True))
    return maps / np.where(norms > 0, norms, 1)


def _across_models(maps) -> np.ndarray:
    """Maps of several models ``(n_models >= 2, n, length, 4)`` as float64."""
    maps = np.asarray(maps, np.float64)
    if maps.ndim != 4 or len(maps) < 2:
        raise ValueError(f"maps must be (n_models >= 2, n, length, 4), got {maps.shape}")
    return maps


def attribution_rmse(maps, reference, normalize: bool = False) -> np.ndarray:
    """Per-sequence RMSE between maps and reference maps.

    Parameters
    ----------
    maps, reference : array-like of shape (n, length, 4)
    normalize : bool, default=False
        Divide every map by its L2 norm first: the magnitude-normalised
        control, which compares shapes only, not scales.

    Returns
    -------
    ndarray of shape (n,)
    """
    maps, reference = np.asarray(maps, np.float64), np.asarray(reference, np.float64)
    if maps.shape != reference.shape or maps.ndim != 3:
        raise ValueError(f"maps {maps.shape} and reference {reference.shape} must both be "
                         "(n, length, 4)")
    if normalize:
        maps, reference = _normalised(maps), _normalised(reference)
    return np.sqrt(((maps - reference) ** 2).mean(axis=(1, 2)))


def attribution_variability(maps, normalize: bool = False) -> np.ndarray:
    """Per-sequence spread of maps across models (e.g. seeds).

    The standard deviation across models at each position and nucleotide,
    averaged over the sequence.

    Parameters
    ----------
    maps : array-like of shape (n_models, n, length, 4)
    normalize : bool, default=False
        L2-normalise every map first.

    Returns
    -------
    ndarray of shape (n,)
    """
    maps = _across_models(maps)
    if normalize:
        maps = _normalised(maps)
    return maps.std(axis=0).mean(axis=(1, 2))


def attribution_consistency(maps) -> np.ndarray:
    """DEGU's attribution variability across models, per sequence (Fig. 4).

    Each map is divided by its largest absolute value (max-normalised);
    then the variance across models at every position and nucleotide is
    summed over the sequence, and its square root taken: 0 when every
    model gives the same map shape, larger for less consistent maps.

    Parameters
    ----------
    maps : array-like of shape (n_models, n, length, 4)

    Returns
    -------
    ndarray of shape (n,)
    """
    maps = _across_models(maps)
    peak = np.abs(maps).max(axis=(-2, -1), keepdims=True)
    maps = maps / np.where(peak > 0, peak, 1)
    return np.sqrt(maps.var(axis=0).sum(axis=(1, 2)))

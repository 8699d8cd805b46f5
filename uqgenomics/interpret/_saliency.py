"""Input-gradient attribution maps with gradient correction."""

from __future__ import annotations

import numpy as np
import torch
from tqdm.auto import tqdm

from .._engine._device import batch_tensor
from .._validation import one_hot_sequences
from ._outputs import prediction_function


def gradient_correction(gradients):
    """Subtract, at each position, the mean gradient over the four nucleotides.

    Majdandzic et al. (2023): the component of an input gradient orthogonal
    to the one-hot simplex is arbitrary off-simplex noise; removing it
    leaves the part that can change the prediction.

    Parameters
    ----------
    gradients : ndarray of shape (n, length, 4)
    """
    gradients = np.asarray(gradients)
    return gradients - gradients.mean(axis=-1, keepdims=True)


def saliency(estimator, X, part: str = "mean", task: int = 0, correct: bool = True,
             batch_size: int = 128, progress: bool = False) -> np.ndarray:
    """Gradient of a prediction with respect to the one-hot input.

    Parameters
    ----------
    estimator : fitted uqgenomics regressor
        For an ensemble the map is that of the ensemble mean, which equals
        the average of the members' maps.
    X : sequence of str or array-like of shape (n, length, 4)
    part : {'mean', 'epistemic', 'aleatoric'}, default='mean'
        Which prediction to explain (see :func:`prediction_function`).
    task : int, default=0
    correct : bool, default=True
        Apply :func:`gradient_correction`.
    batch_size : int, default=128
    progress : bool, default=False
        Progress bar over batches.

    Returns
    -------
    ndarray of shape (n, length, 4), float32
        In units of the prediction per unit of one-hot input.
    """
    X = one_hot_sequences(X)
    f = prediction_function(estimator, part)
    device = next(f.parameters()).device
    maps = []
    starts = range(0, len(X), batch_size)
    for start in tqdm(starts, desc="saliency", unit="batch", disable=not progress):
        x = batch_tensor(X[start:start + batch_size]).to(device).requires_grad_(True)
        output = f(x)[:, task].sum()
        (gradient,) = torch.autograd.grad(output, x)
        maps.append(gradient.cpu().numpy())
    maps = np.concatenate(maps)
    return gradient_correction(maps) if correct else maps

"""DeepSHAP attribution through the shap package."""

from __future__ import annotations

import warnings

import numpy as np
import torch
from sklearn.utils import check_random_state
from tqdm.auto import tqdm

from .._validation import one_hot_sequences
from ..augment import dinucleotide_shuffle
from ._outputs import prediction_function
from ._saliency import gradient_correction


class _Explained(torch.nn.Module):
    """One prediction column as a module, for shap's explainers."""

    def __init__(self, function: torch.nn.Module, task: int):
        super().__init__()
        self.function = function
        self.task = task

    def forward(self, x):
        return self.function(x)[:, self.task: self.task + 1]


def deep_shap(estimator, X, background="shuffle", n_background: int = 50,
              part: str = "mean", task: int = 0, correct: bool = False,
              random_state=None, explainer: str = "deep", batch_size: int = 64,
              progress: bool = False) -> np.ndarray:
    """SHAP values of a prediction with shap's DeepExplainer (DeepLIFT rules).

    Parameters
    ----------
    estimator : fitted uqgenomics regressor
    X : sequence of str or array-like of shape (n, length, 4)
    background : {'shuffle', 'sample'} or array-like of shape (m, length, 4), default='shuffle'
        References: dinucleotide shuffles of ``n_background`` sequences
        drawn from ``X`` (keep composition, destroy motifs), those
        sequences themselves, or given one-hot sequences.
    n_background : int, default=50
    part : {'mean', 'epistemic', 'aleatoric'}, default='mean'
        For an ensemble, ``'mean'`` explains the ensemble average.
    task : int, default=0
    correct : bool, default=False
        Apply :func:`gradient_correction` to the values.
    random_state : int, RandomState or None
    explainer : {'deep', 'gradient'}, default='deep'
        ``'deep'`` falls back to GradientExplainer (expected gradients),
        with a warning, when DeepExplainer cannot handle an operation.
    batch_size : int, default=64
        Sequences explained per call (memory grows with batch × background).
    progress : bool, default=False
        Progress bar over batches.

    Returns
    -------
    ndarray of shape (n, length, 4), float32
        Contributions of each input entry; they sum, per sequence, to the
        prediction minus the mean prediction on the background.
    """
    try:
        import shap
    except ImportError as error:
        raise ImportError("deep_shap needs shap: pip install 'uqgenomics[interpret]'") from error
    X = one_hot_sequences(X)
    rng = check_random_state(random_state)
    if isinstance(background, str):
        if background not in ("shuffle", "sample"):
            raise ValueError(f"background must be 'shuffle', 'sample' or an array, got "
                             f"{background!r}")
        picked = X[rng.choice(len(X), size=min(n_background, len(X)), replace=False)]
        background = dinucleotide_shuffle(picked, rng) if background == "shuffle" else picked
    model = _Explained(prediction_function(estimator, part), task).eval()
    device = next(model.parameters()).device
    reference = torch.as_tensor(np.asarray(background, dtype=np.float32), device=device)
    batches = [torch.as_tensor(X[i:i + batch_size], device=device)
               for i in range(0, len(X), batch_size)]
    values = None
    if explainer == "deep":
        try:
            deep = shap.DeepExplainer(model, reference)
            values = [deep.shap_values(b, check_additivity=False) for b in
                      tqdm(batches, desc="DeepSHAP", unit="batch", disable=not progress)]
        except Exception as error:  # shap raises bare errors for unsupported ops
            warnings.warn(f"DeepExplainer failed ({error}); using GradientExplainer",
                          RuntimeWarning, stacklevel=2)
    if values is None:
        gradient = shap.GradientExplainer(model, reference)
        values = [gradient.shap_values(b) for b in
                  tqdm(batches, desc="GradientSHAP", unit="batch", disable=not progress)]
    values = np.concatenate([np.asarray(v, dtype=np.float32).reshape(len(b), *X.shape[1:])
                             for v, b in zip(values, batches)])
    return gradient_correction(values) if correct else values

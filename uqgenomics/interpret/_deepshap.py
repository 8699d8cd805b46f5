"""DeepSHAP attribution through the shap package."""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import torch
from sklearn.utils import check_random_state
from tqdm.auto import tqdm

from .._validation import one_hot_sequences
from ..augment import dinucleotide_shuffle
from ._outputs import prediction_function
from ._saliency import gradient_correction

#: Element-wise activations whose DeepLIFT rescale rule is shap's generic
#: one-dimensional rule (exact for any element-wise function); shap's table
#: lacks them.
ELEMENTWISE = ("SiLU",)
#: Our leaf modules that only move values (transpose, reshape): no rule needed.
SHAPE_ONLY = ("ChannelsFirst", "_ToProfile", "_ChannelsLast")


@contextlib.contextmanager
def _deeplift_rules(op_handler):
    """shap's rule table with :data:`ELEMENTWISE` added, restored afterwards."""
    added = [name for name in ELEMENTWISE if name not in op_handler]
    for name in added:
        op_handler[name] = op_handler["ReLU"]  # the generic 1-D rescale rule
    try:
        yield
    finally:
        for name in added:
            del op_handler[name]


@contextlib.contextmanager
def _left_as_found(model: torch.nn.Module):
    """Remove what shap's DeepExplainer adds to ``model``'s layers, on exit.

    DeepExplainer stores each layer's input and output as Parameters ``x``
    and ``y`` and removes them only from layers inside torch containers
    (shap/shap#4839, open in shap 0.51); our networks' layers kept them (a
    fitted model's ``state_dict`` grew, and ``load`` of its saved file
    failed). When it raises, it also leaves its hooks on, which would
    rewrite later gradients (saliency) by DeepLIFT rules. Parameters and
    forward / backward hooks added are taken off here.
    """
    def kept(module):
        return (set(module._parameters), set(module._forward_hooks),
                set(module._backward_hooks))

    before = {module: kept(module) for module in model.modules()}
    try:
        yield
    finally:
        for module, (parameters, forward, backward) in before.items():
            for name in set(module._parameters) - parameters:
                delattr(module, name)
            for key in set(module._forward_hooks) - forward:
                del module._forward_hooks[key]
            for key in set(module._backward_hooks) - backward:
                del module._backward_hooks[key]


def _without_rule(model, op_handler) -> list[str]:
    """Leaf layers DeepExplainer has no DeepLIFT rule for (it passes plain
    gradients through them)."""
    return sorted({type(m).__name__ for m in model.modules() if not list(m.children())
                   and type(m).__name__ not in op_handler
                   and type(m).__name__ not in SHAPE_ONLY})


class _Explained(torch.nn.Module):
    """One prediction column as a module, for shap's explainers."""

    def __init__(self, function: torch.nn.Module, task: int):
        super().__init__()
        self.function = function
        self.task = task

    def forward(self, x):
        return self.function(x)[:, self.task: self.task + 1]


def deep_shap(estimator, X, background="sample", n_background: int = 100,
              part: str = "mean", task: int = 0, correct: bool = True,
              random_state=None, explainer: str = "deep", batch_size: int = 64,
              progress: bool = False) -> np.ndarray:
    """SHAP values of a prediction with shap's DeepExplainer (DeepLIFT rules).

    Parameters
    ----------
    estimator : fitted uqgenomics regressor
    X : sequence of str or array-like of shape (n, length, 4)
    background : {'sample', 'shuffle'} or array-like of shape (m, length, 4), default='sample'
        References: ``n_background`` sequences drawn at random from ``X``
        (DEGU: 100 random test sequences; pass the test set as ``X`` or the
        references as an array), dinucleotide shuffles of them (keep
        composition, destroy motifs), or given one-hot sequences.
    n_background : int, default=100
    part : {'mean', 'epistemic', 'aleatoric'}, default='mean'
        For an ensemble, ``'mean'`` explains the ensemble average. The
        uncertainty parts pass through square roots and exponentials that
        DeepExplainer has no rule for (a warning says so).
    task : int, default=0
    correct : bool, default=True
        Apply :func:`gradient_correction` to the values, as DEGU does.
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
        Contributions of each input entry; before the correction they sum,
        per sequence, to the prediction minus the mean prediction on the
        background.

    Warns
    -----
    RuntimeWarning
        Where DeepExplainer has no DeepLIFT rule for a layer (e.g. an LSTM)
        or for the part's functions: shap passes plain gradients through
        them, so the values approximate DeepLIFT's. ``explainer='gradient'``
        (expected gradients) needs no rules. Element-wise activations
        (SiLU) get shap's exact one-dimensional rule.
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
        from shap.explainers._deep.deep_pytorch import op_handler

        with _deeplift_rules(op_handler):
            unsupported = _without_rule(model, op_handler)
            if unsupported or part != "mean":
                why = " or for ".join(
                    ([f"layers {', '.join(unsupported)}"] if unsupported else [])
                    + ([f"the {part} part's square roots and exponentials"]
                       if part != "mean" else []))
                warnings.warn(
                    f"DeepExplainer has no DeepLIFT rule for {why}: shap passes plain "
                    "gradients through them, so these values approximate DeepLIFT's; "
                    "explainer='gradient' (expected gradients) needs no rules",
                    RuntimeWarning, stacklevel=2)
            try:
                with _left_as_found(model):
                    deep = shap.DeepExplainer(model, reference)
                    with warnings.catch_warnings():  # named above, not once per layer
                        warnings.filterwarnings("ignore", "unrecognized nn.Module")
                        values = [deep.shap_values(b, check_additivity=False) for b in
                                  tqdm(batches, desc="DeepSHAP", unit="batch",
                                       disable=not progress)]
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

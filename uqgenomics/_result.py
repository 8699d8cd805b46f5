"""What predictions return, and the one place where draws become results.

Every regressor family makes :class:`Draws` (ensemble members, dropout
masks, or one network with noise / uncertainty heads);
:meth:`Draws.summarize` turns them into an :class:`UncertaintyResult`.
Every classifier family makes class probabilities of ``K`` draws;
:meth:`ClassificationUncertainty.from_draws` (through
:func:`~uqgenomics.metrics.entropy_decomposition`) turns them into a result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class UncertaintyResult:
    """Predictions with their uncertainty, all in the units of ``y``.

    Every array has the shape of ``predict``: ``(n_samples,)`` for one task,
    ``(n_samples, n_tasks)`` otherwise, float64. Uncertainties are standard
    deviations, not variances.

    Attributes
    ----------
    mean : ndarray
        The point prediction.
    epistemic : ndarray
        Model (reducible) uncertainty: spread across ensemble members, MC
        samples or an uncertainty head. Zero for a method that has none.
    aleatoric : ndarray
        Data (irreducible) noise predicted by a noise head. Zero for a
        method that has none (e.g. a plain ensemble).
    """

    mean: np.ndarray
    epistemic: np.ndarray
    aleatoric: np.ndarray

    @property
    def total(self) -> np.ndarray:
        """``sqrt(epistemic² + aleatoric²)``: the predictive standard deviation."""
        return (self.epistemic**2 + self.aleatoric**2) ** 0.5


@dataclass(frozen=True)
class Draws:
    """``K`` draws of a regressor's predictive distribution, in the units of ``y``.

    Draw ``k`` is one function of the input (ensemble member ``k``, dropout
    mask ``k``), the same for every input: the ``k``-th draws of two inputs
    are paired. A single network has ``K = 1``; its uncertainty comes from
    heads (a noise head, or a head that predicts the epistemic part).

    From :meth:`~uqgenomics.regression.UncertaintyRegressorMixin.predict_draws`
    the arrays are float64 ndarrays without a task axis for a 1-D ``y``;
    from ``draws_module()`` they are torch tensors ``(..., batch, n_tasks)``.

    Attributes
    ----------
    means : array of shape (K, n_samples[, n_tasks])
        The mean of each draw.
    variances : array of shape (K, n_samples[, n_tasks]) or None
        The noise (aleatoric) variance each draw predicts; None without a
        noise head.
    epistemic_variance : array of shape (n_samples[, n_tasks]) or None
        An epistemic variance predicted by a head of a single network
        (evidential, distilled student); None for families whose epistemic
        part is the spread of the draws.
    """

    means: np.ndarray
    variances: np.ndarray | None = None
    epistemic_variance: np.ndarray | None = None

    @property
    def parts(self) -> tuple[str, ...]:
        """The parts these draws carry: ``'mean'``, and ``'epistemic'`` (more
        than one draw, or an epistemic head) and ``'aleatoric'`` (a noise head)
        where they exist; the others are identically zero."""
        parts = ["mean"]
        if len(self.means) > 1 or self.epistemic_variance is not None:
            parts.append("epistemic")
        if self.variances is not None:
            parts.append("aleatoric")
        return tuple(parts)

    def summarize(self) -> UncertaintyResult:
        """The mean over draws, the epistemic std (spread of the draws' means,
        ddof 0, plus the epistemic head's variance) and the aleatoric std
        (root of the mean noise variance; 0 without a noise head).

        Written in operations common to NumPy arrays and torch tensors, so
        one summary serves prediction and (differentiably) attribution.
        """
        mean = self.means.mean(0)
        epistemic = ((self.means - mean) ** 2).mean(0)
        if self.epistemic_variance is not None:
            epistemic = epistemic + self.epistemic_variance
        # abs: a plain ``mean * 0`` is -0.0 where the mean is negative, printed as '-0.'
        aleatoric = abs(mean * 0) if self.variances is None else self.variances.mean(0)
        return UncertaintyResult(mean=mean, epistemic=epistemic ** 0.5,
                                 aleatoric=aleatoric ** 0.5)


@dataclass(frozen=True)
class ClassificationUncertainty:
    """Class probabilities with the entropy decomposition of their uncertainty.

    With ``p_k`` the class probabilities of member / sample / index ``k``
    and ``p̄`` their mean: ``total = H[p̄]`` (predictive entropy),
    ``aleatoric = mean_k H[p_k]`` (expected entropy) and ``epistemic =
    total − aleatoric`` (mutual information between the label and the
    model). In nats, or divided by ``log C`` when normalised.

    Attributes
    ----------
    proba : ndarray of shape (n_samples, n_classes)
        ``p̄``, float64, rows summing to 1 (``predict_proba``).
    total, aleatoric, epistemic : ndarray of shape (n_samples,)
    """

    proba: np.ndarray
    total: np.ndarray
    aleatoric: np.ndarray
    epistemic: np.ndarray

    @classmethod
    def from_draws(cls, draws, normalize: bool = False) -> ClassificationUncertainty:
        """The result of class probabilities of ``K`` draws ``(K, n, n_classes)``:
        their mean and :func:`~uqgenomics.metrics.entropy_decomposition` (the one summary of a
        classifier's draws, as :meth:`Draws.summarize` is of a regressor's)."""
        total, aleatoric, epistemic = entropy_decomposition(draws, normalize)
        return cls(np.asarray(draws).mean(axis=0), total, aleatoric, epistemic)


def entropy_decomposition(member_proba, normalize: bool = False):
    """Split predictive entropy into expected entropy and mutual information.

    Parameters
    ----------
    member_proba : array-like of shape (n_members, n_samples, n_classes)
        Class probabilities of each ensemble member, MC dropout sample or
        epinet index.
    normalize : bool, default=False
        Divide everything by ``log C`` so that values lie in [0, 1].

    Returns
    -------
    total, aleatoric, epistemic : ndarray of shape (n_samples,)
        Entropy of the mean probabilities ``H[E p]``; expected entropy
        ``E H[p]``; and their difference, the mutual information between
        the prediction and the model, in nats (or fractions of ``log C``).
    """
    p = np.asarray(member_proba, dtype=np.float64)
    if p.ndim != 3:
        raise ValueError(f"member_proba must have shape (n_members, n_samples, n_classes), "
                         f"got {p.shape}")
    total = _entropy(p.mean(axis=0))
    aleatoric = _entropy(p).mean(axis=0)
    epistemic = np.maximum(total - aleatoric, 0.0)
    if normalize:
        scale = np.log(p.shape[2]) if p.shape[2] > 1 else 1.0
        total, aleatoric, epistemic = total / scale, aleatoric / scale, epistemic / scale
    return total, aleatoric, epistemic


def _entropy(p: np.ndarray) -> np.ndarray:
    """Shannon entropy in nats along the last axis, with 0 log 0 = 0."""
    return -np.sum(p * np.log(np.where(p > 0, p, 1.0)), axis=-1)

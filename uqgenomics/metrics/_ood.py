"""Out-of-distribution detection from an uncertainty score.

``score_in`` and ``score_out`` are uncertainty scores (mutual information,
entropy, std, …) of in-distribution and out-of-distribution inputs, each of
shape ``(n,)``; a higher score should mean "more likely out of
distribution".
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score


def _labelled(score_in, score_out) -> tuple[np.ndarray, np.ndarray]:
    score_in = np.asarray(score_in, dtype=np.float64).ravel()
    score_out = np.asarray(score_out, dtype=np.float64).ravel()
    if score_in.size == 0 or score_out.size == 0:
        raise ValueError("score_in and score_out must both be non-empty")
    scores = np.concatenate([score_in, score_out])
    if not np.all(np.isfinite(scores)):
        raise ValueError("scores contain NaN or infinite values")
    is_out = np.concatenate([np.zeros(score_in.size), np.ones(score_out.size)])
    return is_out, scores


def ood_auroc(score_in, score_out) -> float:
    """Area under the ROC curve for telling OOD inputs (positives) from in-distribution.

    Equals the probability that a random OOD input scores higher than a
    random in-distribution one (ties count half); 0.5 is chance.
    """
    return float(roc_auc_score(*_labelled(score_in, score_out)))


def ood_aupr(score_in, score_out) -> float:
    """Average precision with OOD inputs as positives (AUPR-out).

    Chance level is the OOD fraction ``n_out / (n_in + n_out)``.
    """
    return float(average_precision_score(*_labelled(score_in, score_out)))


def fpr_at_95_tpr(score_in, score_out) -> float:
    """FPR at 95 % TPR (Hendrycks & Gimpel 2017), lower is better.

    In-distribution inputs are the positives: the threshold accepts the 95 %
    of them with the lowest uncertainty, and the result is the fraction of
    OOD inputs that it accepts too (uncertainty at or below the threshold).
    """
    is_out, scores = _labelled(score_in, score_out)
    inside = np.sort(scores[is_out == 0])
    threshold = inside[int(np.ceil(0.95 * inside.size)) - 1]
    return float(np.mean(scores[is_out == 1] <= threshold))

"""Attribution maps of predictions and of their uncertainty.

Saliency (input gradients with gradient correction) and DeepSHAP of a
model's mean, epistemic or aleatoric output; consistency of maps across
models.
"""

from ._consistency import attribution_consistency, attribution_rmse, attribution_variability
from ._deepshap import deep_shap
from ._outputs import prediction_function
from ._saliency import gradient_correction, saliency

__all__ = [
    "attribution_consistency",
    "attribution_rmse",
    "attribution_variability",
    "deep_shap",
    "gradient_correction",
    "prediction_function",
    "saliency",
]

"""Adding an uncertainty family is one class that makes draws.

``MultiHeadRegressor`` below (a shared trunk with ``n_heads`` independently
initialised mean heads, each trained on the targets: a cheap ensemble) says
how its networks are built and trained and how their outputs become draws,
and nothing else. Prediction, ``return_std``, the draws, the torch
counterpart, paired variant effects and attribution then work unchanged.
"""

import numpy as np
import torch

from uqgenomics import Draws
from uqgenomics._families import SingleNetworkEstimator
from uqgenomics.interpret import saliency
from uqgenomics.regression import UncertaintyRegressorMixin
from uqgenomics.variants import predict_variant_effects

from ._float32 import assert_float32_close
from .conftest import TINY_CNN


class _EveryHeadMSE(torch.nn.Module):
    """Mean squared error of every head ``(batch, n_heads * n_tasks)`` to ``y``."""

    def __init__(self, n_heads):
        super().__init__()
        self.n_heads = n_heads

    def forward(self, output, target):
        heads = output.reshape(len(output), self.n_heads, -1)
        return ((heads - target[:, None]) ** 2).mean()


class MultiHeadRegressor(UncertaintyRegressorMixin, SingleNetworkEstimator):
    """A shared trunk with ``n_heads`` mean heads; their spread is epistemic.

    (A family in the library spells out every parameter in ``__init__``, as
    scikit-learn reads them from the signature; this one passes the shared
    ones through.)
    """

    def __init__(self, network="cnn", *, n_heads=4, **kwargs):
        super().__init__(network, **kwargs)
        self.n_heads = n_heads

    def _make_heads(self, n_features, n_tasks):
        return {f"head_{k}": torch.nn.Linear(n_features, n_tasks) for k in range(self.n_heads)}

    def _make_criterion(self):
        return _EveryHeadMSE(self.n_heads)

    def _decode(self, outputs):
        # one network pass (K = 1) carries n_heads draws side by side
        heads = torch.stack(torch.chunk(outputs[0], self.n_heads, dim=-1))
        return Draws(self._to_y_units(heads, "location"))


def test_a_family_that_only_makes_draws_gets_everything_else(sequences):
    X, y, X_test, _ = sequences
    model = MultiHeadRegressor(n_heads=4, **TINY_CNN).fit(X, y)
    draws = model.predict_draws(X_test)
    assert draws.means.shape == (4, len(X_test)) and draws.parts == ("mean", "epistemic")
    result = model.predict_uncertainty(X_test)
    np.testing.assert_array_equal(result.mean, draws.means.mean(axis=0))
    np.testing.assert_allclose(result.epistemic, draws.means.std(axis=0), rtol=1e-12)
    np.testing.assert_array_equal(result.aleatoric, 0)
    mean, std = model.predict(X_test, return_std=True)
    np.testing.assert_array_equal(std, result.epistemic)
    # variant effects are paired head by head: ref == alt gives zero
    effects = predict_variant_effects(model, X_test[:5], X_test[:5])
    scale = float(np.abs(draws.means).max())
    assert effects.epistemic_from == "paired draws"
    assert_float32_close(effects.epistemic, 0, scale)
    # attribution of the epistemic part goes through the same draws
    maps = saliency(model, X_test[:3], part="epistemic")
    assert maps.shape == (3, 40, 4) and np.isfinite(maps).all() and np.abs(maps).sum() > 0

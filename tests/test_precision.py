"""Mixed-precision training and inference (``precision='bf16' | 'fp16'``)."""

import pickle
import shutil

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from tests.conftest import TINY_CNN
from uqgenomics import (
    EnsembleRegressor,
    EpinetClassifier,
    HeteroscedasticRegressor,
    MCDropoutRegressor,
)
from uqgenomics._engine._device import autocast


def test_unknown_precision_is_refused(sequences):
    X, y = sequences[:2]
    with pytest.raises(ValueError, match="precision must be one of"):
        EnsembleRegressor(n_estimators=1, precision="fp8", **TINY_CNN).fit(X, y)


@pytest.mark.parametrize("precision, dtype", [("bf16", torch.bfloat16), ("fp16", torch.float16)])
def test_autocast_runs_convolutions_in_low_precision(precision, dtype):
    conv = torch.nn.Conv1d(4, 8, 3)
    with autocast("cpu", precision):
        assert conv(torch.randn(2, 4, 10)).dtype == dtype
    with autocast("cpu", "fp32"):
        assert conv(torch.randn(2, 4, 10)).dtype == torch.float32


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_low_precision_training_learns(sequences, precision):
    X, y, X_test, y_test = sequences
    params = dict(TINY_CNN, max_epochs=15, lr=1e-2, validation_fraction=None)
    low = HeteroscedasticRegressor(precision=precision, **params).fit(X, y)
    full = HeteroscedasticRegressor(**params).fit(X, y)
    net = low.net_
    assert net.precision == precision
    assert net.grad_scaler_.is_enabled() == (precision == "fp16")
    # Weights stay float32; the loss falls as with float32 training.
    assert all(p.dtype == torch.float32 for p in net.module_.parameters())
    losses = net.history[:, "train_loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < 0.8 * losses[0]
    r_low = np.corrcoef(low.predict(X_test), y_test)[0, 1]
    r_full = np.corrcoef(full.predict(X_test), y_test)[0, 1]
    assert r_low > r_full - 0.15


class RecordGradNorm(Callback):
    def initialize(self):
        self.norms = []
        return self

    def on_grad_computed(self, net, named_parameters, **kwargs):
        grads = [p.grad for _, p in named_parameters if p.grad is not None]
        self.norms.append(torch.linalg.vector_norm(torch.stack(
            [torch.linalg.vector_norm(g) for g in grads])).item())


def test_fp16_callbacks_see_unscaled_gradients(sequences):
    # The loss is scaled (from 2**16) for the backward pass; callbacks (e.g.
    # gradient clipping) must see the true gradients. The first scaled
    # backward passes may overflow: GradScaler then skips the step and halves
    # the scale. Steps of SGD at lr=1e-30 leave the weights as they are, so
    # batch k meets the same weights in both precisions, skipped or not.
    X, y = sequences[:2]
    params = dict(TINY_CNN, max_epochs=1, validation_fraction=None,
                  optimizer=torch.optim.SGD, lr=1e-30)
    norms = {}
    for precision in ("fp32", "fp16"):
        model = HeteroscedasticRegressor(precision=precision, callbacks=[RecordGradNorm()],
                                         **params).fit(X, y)
        norms[precision] = np.array(dict(model.net_.callbacks_)["RecordGradNorm"].norms)
    finite = np.flatnonzero(np.isfinite(norms["fp16"]))
    assert finite.size >= len(norms["fp16"]) - 6  # a few halvings from 2**16 suffice
    assert model.net_.grad_scaler_.get_scale() >= 2.0**10
    np.testing.assert_allclose(norms["fp16"][finite], norms["fp32"][finite], rtol=0.05)


@pytest.mark.parametrize("make", [
    lambda: EnsembleRegressor(n_estimators=2, **TINY_CNN),
    lambda: MCDropoutRegressor(n_samples=8, network__dropout=0.2, **TINY_CNN),
    lambda: EpinetClassifier(n_samples=8, **TINY_CNN),
])
def test_inference_precision_is_a_prediction_setting(sequences, make):
    X, y, X_test, _ = sequences
    if isinstance(make(), EpinetClassifier):
        y = (y > np.median(y)).astype(int)
    model = make().fit(X, y)
    full = model.predict_uncertainty(X_test)
    model.set_params(precision="bf16")
    low = model.predict_uncertainty(X_test)
    name = "proba" if hasattr(full, "proba") else "mean"
    full, low = getattr(full, name), getattr(low, name)
    assert low.dtype == np.float64
    # bf16 keeps ~3 significant digits: close to, but not equal to, fp32.
    assert not np.array_equal(low, full)
    np.testing.assert_allclose(low, full, atol=0.05 * np.abs(full).max())


def test_low_precision_model_pickles(sequences):
    X, y, X_test, _ = sequences
    model = EnsembleRegressor(n_estimators=2, precision="fp16", **TINY_CNN).fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X_test), model.predict(X_test))


@pytest.mark.skipif(shutil.which("g++") is None and shutil.which("c++") is None,
                    reason="torch.compile on a CPU needs a C++ compiler")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_compiled_prediction_matches_eager(sequences):
    X, y, X_test, _ = sequences
    model = EnsembleRegressor(n_estimators=2, **TINY_CNN).fit(X, y)
    eager = model.predict_uncertainty(X_test[:50])  # 50: a last batch of 18 is padded
    model.set_params(compile=True)
    compiled = model.predict_uncertainty(X_test[:50])
    np.testing.assert_allclose(compiled.mean, eager.mean, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(compiled.epistemic, eager.epistemic, rtol=1e-3, atol=1e-5)
    assert len(model._compiled) == 2
    # Compiled networks are not pickled; the copy compiles its own.
    restored = pickle.loads(pickle.dumps(model))
    assert "_compiled" not in restored.__dict__
    np.testing.assert_allclose(restored.predict(X_test[:50]), eager.mean, rtol=1e-4, atol=1e-5)
    # A refit drops the compiled copies of the old networks.
    model.fit(X, y)
    assert "_compiled" not in model.__dict__

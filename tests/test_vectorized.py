"""Ensemble members trained together with torch.func (``vectorize``)."""

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from tests.conftest import TINY_CNN
from uqgenomics import EnsembleClassifier, EnsembleRegressor
from uqgenomics._engine._fitting import make_net
from uqgenomics._engine._lockstep import fit_members, lockstep_is_faster
from uqgenomics.augment import RandomMutation

# No dropout: without it a vectorised fit follows the one-by-one fit, up to
# float32 rounding of the vmapped vs looped products. Those differences grow
# with every SGD step, so the tolerances below hold for this many steps: the
# batch size is fixed (8 batches x 6 epochs), whatever the suite's.
NO_DROPOUT = dict(TINY_CNN, network__dropout=0.0, max_epochs=6, batch_size=32)
# SGD: Adam turns float-rounding noise in near-zero gradients into full
# lr-sized steps, SGD keeps it at rounding level.
SGD = dict(optimizer=torch.optim.SGD, lr=0.05, optimizer__momentum=0.9)


def _both(sequences, **params):
    X, y = sequences[:2]
    loop = EnsembleRegressor(n_estimators=3, vectorize=False, **params).fit(X, y)
    together = EnsembleRegressor(n_estimators=3, vectorize=True, **params).fit(X, y)
    assert not loop.vectorized_ and together.vectorized_
    return loop, together


@pytest.mark.parametrize("extra", [
    {},
    {"bootstrap": True},
    {"heteroscedastic": True},
    {"iterator_train__augment": RandomMutation(rate=0.05)},
    {"patience": 1, "lr_patience": 1},
])
def test_vectorised_fit_matches_one_by_one(sequences, extra):
    loop, together = _both(sequences, **NO_DROPOUT, **SGD, **extra)
    X_test = sequences[2]
    np.testing.assert_array_equal(loop.seeds_, together.seeds_)
    for a, b in zip(loop.estimators_, together.estimators_):
        # Same epochs (early stopping per member), losses and learning rates.
        assert len(a.history) == len(b.history)
        np.testing.assert_allclose(a.history[:, "train_loss"], b.history[:, "train_loss"],
                                   rtol=1e-4)
        np.testing.assert_allclose(a.history[:, "valid_loss"], b.history[:, "valid_loss"],
                                   rtol=1e-4)
        assert a.optimizer_.param_groups[0]["lr"] == b.optimizer_.param_groups[0]["lr"]
    np.testing.assert_allclose(together.predict_members(X_test), loop.predict_members(X_test),
                               atol=1e-4)


def test_early_stopping_ends_members_separately(sequences):
    _, together = _both(sequences, **dict(NO_DROPOUT, max_epochs=30, patience=1, **SGD))
    epochs = [len(net.history) for net in together.estimators_]
    assert max(epochs) < 30 and len(set(epochs)) > 1


def test_vectorised_adam_fit_is_close(sequences):
    loop, together = _both(sequences, **NO_DROPOUT)
    np.testing.assert_allclose(together.predict(sequences[2]), loop.predict(sequences[2]),
                               atol=0.02)


def test_dropout_members_train_and_leave_global_rng(sequences):
    X, y, X_test, y_test = sequences
    torch.manual_seed(123)
    before = torch.get_rng_state()
    model = EnsembleRegressor(n_estimators=3, vectorize=True,
                              **dict(TINY_CNN, network__dropout=0.3, max_epochs=10,
                                     lr=3e-3)).fit(X, y)
    assert torch.equal(torch.get_rng_state(), before)
    assert np.corrcoef(model.predict(X_test), y_test)[0, 1] > 0.3
    # Members differ (own seeds, own dropout masks).
    members = model.predict_members(X_test)
    assert np.all(members.std(axis=0) > 0)


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_vectorised_low_precision(sequences, precision):
    X, y = sequences[:2]
    model = EnsembleRegressor(n_estimators=2, vectorize=True, precision=precision,
                              **dict(NO_DROPOUT, validation_fraction=None)).fit(X, y)
    for net in model.estimators_:
        losses = net.history[:, "train_loss"]
        assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]


def test_vectorised_classifier(sequences):
    X, y = sequences[:2]
    labels = (y > np.median(y)).astype(int)
    loop = EnsembleClassifier(n_estimators=2, vectorize=False, **NO_DROPOUT, **SGD).fit(X, labels)
    together = EnsembleClassifier(n_estimators=2, vectorize=True, **NO_DROPOUT, **SGD).fit(
        X, labels)
    np.testing.assert_allclose(together.predict_proba(X), loop.predict_proba(X), atol=1e-4)


class CountGradients(Callback):
    def initialize(self):
        self.calls = 0
        return self

    def on_grad_computed(self, net, named_parameters, **kwargs):
        assert all(p.grad is not None for _, p in named_parameters)
        self.calls += 1


def test_member_callbacks_run_in_lockstep(sequences):
    X, y = sequences[:2]
    model = EnsembleRegressor(n_estimators=2, vectorize=True, callbacks=[CountGradients()],
                              **dict(NO_DROPOUT, max_epochs=2, validation_fraction=None)).fit(X, y)
    for net in model.estimators_:
        assert dict(net.callbacks_)["CountGradients"].calls == 2 * -(-len(X) // 32)  # batch 32


def test_auto_keeps_the_loop_on_cpu_and_checks_the_value(sequences):
    X, y = sequences[:2]
    params = dict(NO_DROPOUT, max_epochs=1, device="cpu")
    assert not EnsembleRegressor(n_estimators=2, **params).fit(X, y).vectorized_
    assert not EnsembleRegressor(n_estimators=1, vectorize=True, **params).fit(X, y).vectorized_
    with pytest.raises(ValueError, match="vectorize must be"):
        EnsembleRegressor(n_estimators=2, vectorize="yes", **params).fit(X, y)


def _initial_nets(sequences, params=NO_DROPOUT, n=2):
    model = EnsembleRegressor(**dict(params, device="cpu", validation_fraction=None))
    X, y, _, _ = model._validate_fit_data(*sequences[:2], None)
    build = model._network_builder(X, y)
    nets, states = [], []
    for seed in range(n):
        torch.manual_seed(seed)
        nets.append(make_net(build, torch.nn.MSELoss(), len(X), None,
                             model._training_params(), {}))
        states.append(torch.get_rng_state())
    return model, build, nets, states, [(X, y)] * n


def test_measurement_leaves_the_nets_alone(sequences):
    _, _, nets, states, data = _initial_nets(sequences)
    before = [{k: v.clone() for k, v in net.module_.state_dict().items()} for net in nets]
    faster, timings = lockstep_is_faster(nets, states, data, repeats=1)
    assert isinstance(faster, bool) and timings["loop"] > 0 and timings["vmap"] > 0
    for net, state in zip(nets, before):
        for name, value in net.module_.state_dict().items():
            assert torch.equal(value, state[name])


def test_measure_falls_back_to_the_loop_when_vmap_cannot_batch(sequences):
    # vmap has no batching rule for LSTMs (DREAM-RNN).
    model, build, _, _, data = _initial_nets(
        sequences, dict(network="dream_rnn", network__conv_filters=8, network__lstm_hidden=4,
                        network__out_features=8, batch_size=32))
    nets, vectorized = fit_members(build, torch.nn.MSELoss(), data, None, [0, 1],
                                   dict(model._training_params(), max_epochs=1), {},
                                   vectorize="measure")
    assert not vectorized and all(len(net.history) == 1 for net in nets)


@pytest.mark.gpu
def test_gpu_auto_measures_and_matches_the_loop(sequences, monkeypatch):
    # cuDNN convolutions run in TF32 by default (a 10-bit mantissa): over these
    # 48 SGD steps vmapped and looped predictions then drift apart by 0.36 (on
    # an H100, predictions of scale 1.2). In float32 they differ by ~2e-6 there,
    # so the CPU test's tolerance holds.
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)
    X, y, X_test, _ = sequences
    params = dict(NO_DROPOUT, **SGD, device="cuda")
    auto = EnsembleRegressor(n_estimators=3, **params).fit(X, y)
    loop = EnsembleRegressor(n_estimators=3, vectorize=False, **params).fit(X, y)
    together = EnsembleRegressor(n_estimators=3, vectorize=True, **params).fit(X, y)
    assert isinstance(auto.vectorized_, bool)
    np.testing.assert_allclose(together.predict_members(X_test), loop.predict_members(X_test),
                               atol=1e-4)


@pytest.mark.gpu
@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_gpu_mixed_precision_lockstep(sequences, precision):
    # Mixed-precision lockstep training learns what float32 lockstep training
    # learns: on an H100 its test predictions correlate with float32's at
    # r 0.9993 (bf16) and 0.9999 (fp16). bf16 rounds every product to an 8-bit
    # mantissa, and the differences compound over the steps, so r > 0.99.
    # (This tiny task itself is hard: float32 reaches r ~ 0.1 with y_test.)
    X, y, X_test, _ = sequences
    params = dict(NO_DROPOUT, max_epochs=15, n_estimators=3, vectorize=True, device="cuda")
    reference = EnsembleRegressor(**params).fit(X, y).predict(X_test)
    model = EnsembleRegressor(precision=precision, **params).fit(X, y)
    assert model.vectorized_
    for net in model.estimators_:
        losses = net.history[:, "train_loss"]
        assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]
    assert np.corrcoef(model.predict(X_test), reference)[0, 1] > 0.99

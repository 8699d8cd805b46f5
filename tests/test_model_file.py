"""uqgenomics.save / uqgenomics.load: one safetensors file, nothing unpickled."""

import json
import pickle

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file
from skorch.callbacks import GradientNormClipping
from torch import nn

import uqgenomics
from uqgenomics import (
    DistilledRegressor,
    EnsembleClassifier,
    EnsembleRegressor,
    EpinetClassifier,
    MCDropoutClassifier,
    UnsafeModelFileError,
)
from uqgenomics.augment import RandomAugment, RandomMutation

from ._estimators import CLASSIFIERS, REGRESSORS, make_classifier, make_regressor
from .conftest import TINY_CNN


def _fit(side, kind, sequences, **params):
    X, y, _, _ = sequences
    if side == "regressor":
        return make_regressor(kind, **{**TINY_CNN, "network__dropout": 0.2, **params}).fit(X, y)
    labels = np.where(y > np.median(y), "high", "low")
    return make_classifier(kind, **{**TINY_CNN, "network__dropout": 0.2, **params}).fit(
        X, labels)


def _predictions(model, X):
    result = model.predict_uncertainty(X)
    return {k: v for k, v in vars(result).items() if isinstance(v, np.ndarray)}


def _same(a, b) -> bool:
    """Structural equality of parameter values (objects by type and attributes)."""
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    if hasattr(a, "get_params") and not isinstance(a, type):
        return type(a) is type(b) and _same(a.get_params(deep=False), b.get_params(deep=False))
    if hasattr(a, "__dict__") and not isinstance(a, type):
        return type(a) is type(b) and _same(vars(a), vars(b))
    return a == b


def _assert_same_model(loaded, model, X):
    assert type(loaded) is type(model)
    assert _same(loaded.get_params(deep=False), model.get_params(deep=False))
    expected, found = _predictions(model, X), _predictions(loaded, X)
    for name in expected:  # same weights, same computation: bit for bit
        np.testing.assert_array_equal(found[name], expected[name], err_msg=name)
    for name, value in vars(model).items():
        if name.endswith("_") and isinstance(value, (np.ndarray, int, float, tuple, str)):
            np.testing.assert_array_equal(getattr(loaded, name), value, err_msg=name)


CASES = [("regressor", kind, {}) for kind in sorted(REGRESSORS)] + \
    [("classifier", kind, {}) for kind in sorted(CLASSIFIERS)] + [
    ("regressor", "ensemble", {"heteroscedastic": True, "bootstrap": True}),
    ("regressor", "distilled", {"augment": RandomAugment([RandomMutation(0.1)]),
                                "callbacks": [GradientNormClipping(1.0)]}),
    ("classifier", "epinet", {"freeze_base": True}),
]


@pytest.mark.parametrize("side, kind, params", CASES,
                         ids=[f"{s}-{k}{'-' + '-'.join(p) if p else ''}" for s, k, p in CASES])
def test_round_trip_is_exact(sequences, tmp_path, side, kind, params):
    model = _fit(side, kind, sequences, **params)
    path = uqgenomics.save(model, tmp_path / "model.safetensors")
    loaded = uqgenomics.load(path)
    _assert_same_model(loaded, model, sequences[2])
    # the training history (per epoch) comes along
    first = model.net_ if hasattr(model, "net_") else model.estimators_[0]
    again = loaded.net_ if hasattr(loaded, "net_") else loaded.estimators_[0]
    assert again.history[:, "train_loss"] == first.history[:, "train_loss"]


def test_nested_fitted_estimators_round_trip(sequences, tmp_path):
    X, y, X_test, _ = sequences
    teacher = EnsembleRegressor(n_estimators=2, **TINY_CNN).fit(X, y)
    student = DistilledRegressor(teacher=teacher, **TINY_CNN).fit(X, y)
    loaded = uqgenomics.load(uqgenomics.save(student, tmp_path / "student.safetensors"))
    _assert_same_model(loaded.teacher_, teacher, X_test)
    _assert_same_model(loaded, student, X_test)
    labels = np.where(y > np.median(y), "a", "b")
    base = MCDropoutClassifier(**dict(TINY_CNN, network__dropout=0.2)).fit(X, labels)
    epinet = EpinetClassifier(base=base, **TINY_CNN).fit(X, labels)
    loaded = uqgenomics.load(uqgenomics.save(epinet, tmp_path / "epinet.safetensors"))
    _assert_same_model(loaded, epinet, X_test)
    assert not any(p.requires_grad for p in loaded.net_.module_.base.parameters())


@pytest.mark.parametrize("method", ["std", "affine", "isotonic"])
def test_calibration_wrappers_round_trip_with_their_fitted_strategies(sequences, tmp_path,
                                                                     method):
    from uqgenomics.calibration import RecalibratedRegressor, TemperatureScaledClassifier

    X, y, X_test, y_test = sequences
    model = EnsembleRegressor(n_estimators=2, **TINY_CNN).fit(X, y)
    recalibrated = RecalibratedRegressor(model, method=method).fit(X_test[:60], y_test[:60])
    loaded = uqgenomics.load(uqgenomics.save(recalibrated, tmp_path / "recal.safetensors"))
    assert _same(vars(loaded.calibrators_[0]), vars(recalibrated.calibrators_[0]))
    for level in (0.5, 0.9):  # same weights and strategy state: the same computation
        np.testing.assert_array_equal(loaded.predict_interval(X_test, level),
                                      recalibrated.predict_interval(X_test, level))
    np.testing.assert_array_equal(loaded.predict(X_test, return_std=True)[1],
                                  recalibrated.predict(X_test, return_std=True)[1])
    labels = np.where(y > np.median(y), "a", "b")
    scaled = TemperatureScaledClassifier(EnsembleClassifier(n_estimators=2, **TINY_CNN).fit(
        X, labels)).fit(X_test, np.where(y_test > np.median(y), "a", "b"))
    loaded = uqgenomics.load(uqgenomics.save(scaled, tmp_path / "scaled.safetensors"))
    assert loaded.temperature_ == scaled.temperature_
    np.testing.assert_array_equal(loaded.predict_proba(X_test), scaled.predict_proba(X_test))


def test_an_unfitted_estimator_round_trips(tmp_path):
    model = EnsembleClassifier(n_estimators=3, lr=5e-3, network__filters=(4,))
    loaded = uqgenomics.load(uqgenomics.save(model, tmp_path / "unfitted.safetensors"))
    assert _same(loaded.get_params(deep=False), model.get_params(deep=False))


def test_augmentations_taking_operations_positionally_round_trip(tmp_path):
    from uqgenomics.augment import JointAugment, ProfileReverseComplement, RandomShiftCrop

    augment = JointAugment(RandomShiftCrop(48), ProfileReverseComplement(strand_pairs=[(0, 1)]))
    model = EnsembleRegressor("cnn_task_base", n_estimators=1, strand_pairs=[(0, 1)],
                              iterator_train__augment=augment, iterator_train__mode="replace")
    loaded = uqgenomics.load(uqgenomics.save(model, tmp_path / "joint.safetensors"))
    restored = loaded.get_params()["iterator_train__augment"]
    assert [type(op) for op in restored.operations] == [RandomShiftCrop,
                                                         ProfileReverseComplement]
    assert (restored.crop_length, restored.strand_pairs) == (48, ((0, 1),))
    assert loaded.strand_pairs == [(0, 1)]


class Steps:
    """Takes its operations positionally but keeps them under another name."""

    def __init__(self, *operations):
        self.kept = operations


class MyTrunk(nn.Module):
    """A user's network: loads only when the caller trusts it."""

    def __init__(self, input_shape, width=6):
        super().__init__()
        self.width = width
        self.out_features = width
        self.layer = nn.Linear(input_shape[0] * input_shape[1], width)

    def forward(self, x):
        return torch.relu(self.layer(x.flatten(1)))


def test_networks_from_outside_load_only_when_trusted(sequences, tmp_path):
    X, y, X_test, _ = sequences
    model = EnsembleRegressor(MyTrunk, n_estimators=2, network__width=5, max_epochs=2,
                              random_state=0).fit(X, y)
    path = uqgenomics.save(model, tmp_path / "custom.safetensors")
    with pytest.raises(UnsafeModelFileError, match=r"MyTrunk.*trusted=\[MyTrunk\]"):
        uqgenomics.load(path)
    _assert_same_model(uqgenomics.load(path, trusted=[MyTrunk]), model, X_test)


def _rewrite(path, edit):
    """Rewrite a model file's metadata (as an attacker or a GPU machine could)."""
    with safe_open(path, framework="pt") as handle:
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}
        document = json.loads(handle.metadata()["uqgenomics"])
    edit(document)
    save_file(tensors, path, metadata={"uqgenomics": json.dumps(document)})


def test_a_crafted_file_cannot_make_load_run_code(sequences, tmp_path, monkeypatch):
    X, y, _, _ = sequences
    path = uqgenomics.save(EnsembleRegressor(n_estimators=1, **dict(TINY_CNN, max_epochs=1))
                           .fit(X[:40], y[:40]), tmp_path / "m.safetensors")
    attacks = [
        {"__object__": "torch.serialization:load", "params": {"f": "evil.pt"}},
        {"__object__": "os:system", "params": {"command": "echo pwned"}},
        {"__class__": "builtins:eval"},
        {"__object__": "torch.nn.modules.module:Module.__init__", "params": {}},
        {"__estimator__": {"class": "subprocess:Popen", "params": {}, "fitted": {},
                           "networks": {}}},
    ]
    for attack in attacks:
        _rewrite(path, lambda d: d["estimator"]["params"].__setitem__("optimizer", attack))
        with pytest.raises(UnsafeModelFileError, match="not a class uqgenomics loads"):
            uqgenomics.load(path)
    # and nothing is ever unpickled
    path = uqgenomics.save(EnsembleRegressor(n_estimators=1, **dict(TINY_CNN, max_epochs=1))
                           .fit(X[:40], y[:40]), tmp_path / "m.safetensors")

    def refuse(*args, **kwargs):
        raise AssertionError("load unpickled something")
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(torch, "load", refuse)
    uqgenomics.load(path)


def test_a_model_saved_on_a_gpu_loads_on_a_cpu(sequences, tmp_path):
    X, y, X_test, _ = sequences
    model = EnsembleRegressor(n_estimators=2, **dict(TINY_CNN, device="cpu")).fit(X, y)
    path = uqgenomics.save(model, tmp_path / "gpu.safetensors")
    _rewrite(path, lambda d: d["estimator"]["params"].__setitem__("device", "cuda"))
    if torch.cuda.is_available():
        loaded = uqgenomics.load(path, device="cpu")
    else:
        with pytest.warns(UserWarning, match="no GPU is visible"):
            loaded = uqgenomics.load(path)
    assert loaded.device == "cpu"
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))


@pytest.mark.gpu
def test_a_model_trained_on_a_gpu_saves_and_loads_on_the_cpu(sequences, tmp_path):
    X, y, X_test, _ = sequences
    model = EnsembleRegressor(n_estimators=2, **dict(TINY_CNN, device="cuda")).fit(X, y)
    loaded = uqgenomics.load(uqgenomics.save(model, tmp_path / "gpu.safetensors"),
                             device="cpu")
    assert next(loaded._fitted_networks()[0].parameters()).device.type == "cpu"
    # CPU and GPU kernels round differently
    from ._float32 import assert_float32_close
    assert_float32_close(loaded.predict(X_test), model.predict(X_test))


def test_what_cannot_be_saved_is_named(sequences, tmp_path):
    X, y, _, _ = sequences
    model = DistilledRegressor(teacher=EnsembleRegressor(n_estimators=1, **TINY_CNN),
                               augment=lambda x: x, **dict(TINY_CNN, max_epochs=1))
    with pytest.raises(TypeError, match="cannot save 'augment': a function"):
        uqgenomics.save(model, tmp_path / "no.safetensors")
    with pytest.raises(TypeError, match=r"Steps does not keep its \*operations arguments"):
        uqgenomics.save(model.set_params(augment=Steps(RandomMutation(0.1))),
                        tmp_path / "no.safetensors")
    assert not (tmp_path / "no.safetensors").exists()
    with pytest.raises(ValueError, match="not a uqgenomics model"):
        save_file({"w": torch.zeros(2)}, tmp_path / "plain.safetensors")
        uqgenomics.load(tmp_path / "plain.safetensors")

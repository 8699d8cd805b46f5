"""The shared estimator contract, for every public estimator of the registry.

Shapes and dtypes, ``return_std``, the identities between draws, results and
predictions, clone, pickle, ``set_params`` routing and bad input. Family
specifics live in the family's own test module.
"""

import inspect
import pickle
import re

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError

from uqgenomics import (
    ClassificationUncertainty,
    Draws,
    UncertaintyResult,
    load,
    one_hot_encode,
    reverse_complement,
    save,
)
from uqgenomics._base import BaseUncertaintyEstimator
from uqgenomics.encoding import reverse_complement_groups
from uqgenomics.metrics import ood_auroc
from uqgenomics.variants import predict_variant_effects

from ._estimators import CLASSES, ESTIMATORS, make
from ._float32 import assert_float32_close
from .conftest import TINY_CNN

REGRESSOR_NAMES = sorted(name for name in ESTIMATORS if name.startswith("regressor:"))
PARAMS = dict(TINY_CNN, network__dropout=0.2)


def _targets(estimator, y):
    """Regression targets, or three labels cut from them for a classifier."""
    if not is_classifier(estimator):
        return y
    return np.select([y < np.quantile(y, 1 / 3), y < np.quantile(y, 2 / 3)], ["low", "mid"],
                     "high")


_FITTED = {}


def _fitted(name, sequences):
    """The estimator registered as ``name``, fitted once per session."""
    if name not in _FITTED:
        X, y, _, _ = sequences
        estimator = make(name, **PARAMS)
        _FITTED[name] = estimator.fit(X, _targets(estimator, y))
    return _FITTED[name]


@pytest.fixture(params=sorted(ESTIMATORS))
def fitted(request, sequences):
    return _fitted(request.param, sequences)


@pytest.fixture(params=REGRESSOR_NAMES)
def fitted_regressor(request, sequences):
    return _fitted(request.param, sequences)


def test_predictions_shapes_dtypes_and_identities(fitted, sequences):
    X_test = sequences[2]
    n = len(X_test)
    if is_classifier(fitted):
        proba = fitted.predict_proba(X_test)
        assert proba.shape == (n, 3) and proba.dtype == np.float64
        np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-12)
        draws = fitted.predict_draws(X_test)
        assert draws.ndim == 3 and draws.shape[1:] == (n, 3)
        np.testing.assert_array_equal(draws.mean(axis=0), proba)
        np.testing.assert_array_equal(fitted.predict(X_test),
                                      fitted.classes_[proba.argmax(axis=1)])
        result = fitted.predict_uncertainty(X_test)
        assert isinstance(result, ClassificationUncertainty)
        np.testing.assert_array_equal(result.proba, proba)
        np.testing.assert_allclose(result.total, result.aleatoric + result.epistemic, atol=1e-12)
        return
    mean = fitted.predict(X_test)
    assert mean.shape == (n,) and mean.dtype == np.float64
    result = fitted.predict_uncertainty(X_test)
    assert isinstance(result, UncertaintyResult)
    for part in (result.mean, result.epistemic, result.aleatoric, result.total):
        assert part.shape == (n,) and part.dtype == np.float64 and np.isfinite(part).all()
    assert (result.epistemic >= 0).all() and (result.aleatoric >= 0).all()
    np.testing.assert_array_equal(result.mean, mean)
    np.testing.assert_allclose(result.total**2, result.epistemic**2 + result.aleatoric**2,
                               rtol=1e-12)
    mean_again, std = fitted.predict(X_test, return_std=True)
    np.testing.assert_array_equal(mean_again, mean)
    np.testing.assert_array_equal(std, result.total)
    # predict_uncertainty is the summary of predict_draws, nothing else
    draws = fitted.predict_draws(X_test)
    assert isinstance(draws, Draws) and draws.means.ndim == 2 and draws.means.shape[1] == n
    summary = draws.summarize()
    for part in ("mean", "epistemic", "aleatoric"):
        np.testing.assert_array_equal(getattr(summary, part), getattr(result, part))
        if part == "mean":
            continue
        if part not in draws.parts:  # a part the model does not have is exactly zero
            np.testing.assert_array_equal(getattr(result, part), 0)
        else:
            assert (getattr(result, part) > 0).all()


@pytest.mark.parametrize("name", REGRESSOR_NAMES)
def test_multi_task_regression_keeps_the_task_axis(name, sequences):
    X, y, X_test, _ = sequences
    model = make(name, **PARAMS)
    if name == "regressor:distilled_aleatoric":
        model.set_params(teacher=clone(model.teacher))
    model.fit(X, np.column_stack([y, -2 * y]))
    assert model.n_tasks_ == 2
    result = model.predict_uncertainty(X_test)
    for part in (result.mean, result.epistemic, result.aleatoric):
        assert part.shape == (len(X_test), 2)
    assert model.predict_draws(X_test).means.shape[1:] == (len(X_test), 2)


def test_a_missing_part_is_positive_zero_for_negative_means():
    """Without a noise head the aleatoric std is 0.0, not -0.0 (printed '-0.')
    where the mean is negative, in NumPy and in torch."""
    for means in (np.array([[-1.5, 2.0], [-0.5, 1.0]]), torch.tensor([[-1.5, 2.0], [-0.5, 1.0]])):
        aleatoric = np.asarray(Draws(means).summarize().aleatoric)
        np.testing.assert_array_equal(aleatoric, 0)
        assert not np.signbit(aleatoric).any()


def test_draws_module_matches_predict_uncertainty(fitted_regressor, sequences):
    """The torch counterpart (attribution) computes what prediction computes."""
    fitted = fitted_regressor
    X_test = one_hot_encode(list(sequences[2]))
    expected = fitted.predict_uncertainty(X_test)
    module = fitted.draws_module()
    x = torch.from_numpy(X_test).requires_grad_(True)
    draws = module(x)
    summary = draws.summarize()
    scale = float(np.abs(fitted.predict_draws(X_test).means).max())
    for part in draws.parts:
        values = getattr(summary, part)
        assert values.shape == (len(X_test), 1)
        assert_float32_close(values[:, 0].detach().numpy(), getattr(expected, part), scale,
                             err_msg=part)
    (gradient,) = torch.autograd.grad(summary.mean.sum(), x)
    assert torch.isfinite(gradient).all() and gradient.abs().sum() > 0
    with pytest.raises(ValueError, match="fitted on sequences of 40 bp; got 30 bp"):
        module(x[:, :30])


def test_identical_ref_and_alt_give_zero_effect_and_epistemic(fitted_regressor, sequences):
    fitted = fitted_regressor
    X_test = sequences[2][:12]
    effects = predict_variant_effects(fitted, X_test, X_test, unpaired="correlated")
    # ref and alt sit at different rows of one batch: zero up to float32 rounding
    scale = float(np.abs(fitted.predict_draws(X_test).means).max())
    assert_float32_close(effects.mean, 0, scale)
    assert_float32_close(effects.epistemic, 0, scale)
    assert effects.epistemic_from in ("paired draws", "correlated heads")


def test_pickle_and_joblib_round_trip(fitted, sequences, tmp_path):
    X_test = sequences[2]
    predict = fitted.predict_proba if is_classifier(fitted) else fitted.predict
    expected = predict(X_test)
    joblib.dump(fitted, tmp_path / "model.joblib")
    for restored in (pickle.loads(pickle.dumps(fitted)), joblib.load(tmp_path / "model.joblib")):
        predict = restored.predict_proba if is_classifier(restored) else restored.predict
        np.testing.assert_array_equal(predict(X_test), expected)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_clone_and_set_params_routing(name, sequences):
    X, y, _, _ = sequences
    model = make(name, network__filters=(4,), optimizer__betas=(0.8, 0.9))
    params = model.get_params()
    assert params["network__filters"] == (4,) and params["optimizer__betas"] == (0.8, 0.9)
    assert "network__filters=(4,)" in repr(model)
    cloned = clone(model)
    assert cloned.get_params().keys() == params.keys()
    cloned.set_params(network__filters=(5,), lr=0.5)
    assert cloned.get_params()["network__filters"] == (5,) and cloned.lr == 0.5
    assert model.get_params()["network__filters"] == (4,)  # the original is untouched
    with pytest.raises(ValueError, match="Invalid parameter"):
        cloned.set_params(no_such_parameter=1)
    # the routed value reaches the network
    estimator = make(name, **dict(PARAMS, max_epochs=1, network__filters=(5,)))
    estimator.fit(X[:64], _targets(estimator, y[:64]))
    convs = [m for m in estimator._fitted_networks()[0].modules()
             if isinstance(m, torch.nn.Conv1d)]
    assert convs and convs[0].out_channels == 5


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_bad_input_is_refused_before_any_training(name, sequences):
    X, y, _, _ = sequences
    estimator = make(name, **PARAMS)
    targets = _targets(estimator, y)
    with pytest.raises(NotFittedError):
        estimator.predict(X[:2])
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['filters'\]"):
        make(name, filters=3).fit(X, targets)
    with pytest.raises(ValueError, match="batch_size"):
        clone(estimator).set_params(batch_size=0).fit(X, targets)
    # skorch's own names for lr and batch_size would train with other values than
    # get_params reports
    with pytest.raises(ValueError, match=r"optimizer__lr duplicates lr= .* pass lr=0.5"):
        make(name, **dict(PARAMS, optimizer__lr=0.5)).fit(X, targets)
    with pytest.raises(ValueError, match="iterator_train__batch_size duplicates batch_size="):
        make(name, **dict(PARAMS, iterator_train__batch_size=7)).fit(X, targets)
    with pytest.raises(ValueError, match="'Z' in sequence 1 at position 2"):
        clone(estimator).fit(["ACGT", "ACZT", "ACGA"], targets[:3])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clone(estimator).fit(X[:5], targets[:4])
    with pytest.raises(TypeError, match="single string"):
        clone(estimator).fit("ACGT", targets[:1])


def test_prediction_input_must_match_the_model(fitted):
    with pytest.raises(ValueError, match="fitted on one-hot sequences"):
        fitted.predict(np.zeros((2, 40)))
    with pytest.raises(ValueError, match="fitted on sequences of 40 bp; got 20 bp"):
        fitted.predict(["A" * 20])
    bad = np.zeros((1, 40, 4), np.float32)
    bad[0, :, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fitted.predict(bad)


def _documented_parameters(cls) -> list[str]:
    """Parameter names of the numpydoc Parameters section, in order."""
    section = cls.__doc__.split("Parameters\n    ----------\n", 1)[1]
    section = re.split(r"\n\n    \w+\n    -{3,}", section, maxsplit=1)[0]
    names = []
    for line in section.splitlines():
        match = re.match(r"^    (\*\*kwargs|[a-z_][\w, ]*?)(?: :|$)", line)
        if match:
            names += match.group(1).split(", ")
    return names


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_signature_has_the_base_parameters_documented_in_order(cls):
    base = list(inspect.signature(BaseUncertaintyEstimator.__init__).parameters.values())[1:]
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    # network first, then the family's own, then the base's in its order, **kwargs last
    assert params[0] == base[0]
    shared = params[len(params) - len(base) + 1:]
    assert [(p.name, p.kind) for p in shared] == [(p.name, p.kind) for p in base[1:]]
    for mine, theirs in zip(shared, base[1:]):
        assert mine.default is theirs.default or mine.default == theirs.default, mine.name
    own = params[1:len(params) - len(base) + 1]
    assert all(p.kind is p.KEYWORD_ONLY for p in own)
    assert not {p.name for p in own} & {p.name for p in base}
    expected = [p.name if p.kind is not p.VAR_KEYWORD else "**kwargs" for p in params]
    assert _documented_parameters(cls) == expected


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_groups_stay_on_one_side_of_the_validation_split(name, sequences):
    X, y, _, _ = sequences
    estimator = make(name, **dict(PARAMS, max_epochs=1, validation_fraction=0.25))
    targets = _targets(estimator, y)
    # each sequence beside its reverse complement, as in WTC11
    both = np.concatenate([X[:60], reverse_complement(list(X[:60]))])
    labels = np.concatenate([targets[:60], targets[:60]])
    groups = reverse_complement_groups(both)
    assert len(np.unique(groups)) == 60
    # the split itself (the student splits its teacher-made targets the same way)
    split = estimator if "distilled" not in name else make("regressor:ensemble", **PARAMS)
    train, _, (X_val, _), _ = clone(split).set_params(validation_fraction=0.25) \
        ._validate_fit_data(both, labels, None, groups)
    held_out = {row.tobytes() for row in X_val}
    trained = {row.tobytes() for row in train}
    assert len(X_val) == 30 and not held_out & trained
    assert not {r.tobytes() for r in reverse_complement(X_val)} & trained
    estimator.fit(both, labels, groups=groups)  # every fit takes them
    with pytest.raises(ValueError, match=r"groups must have shape \(120,\)"):
        clone(estimator).fit(both, labels, groups=groups[:-1])
    with pytest.raises(ValueError, match="validation_data was given too"):
        clone(estimator).fit(both, labels, groups=groups, validation_data=(both, labels))
    for malformed, given in (((both,), "a tuple of 1 elements"), (both, "a ndarray")):
        with pytest.raises(ValueError, match=rf"validation_data must be the tuple \(X_val, "
                                             rf"y_val\).*; got {given}"):
            clone(estimator).fit(both, labels, validation_data=malformed)
    with pytest.raises(ValueError, match="makes none"):
        clone(estimator).set_params(validation_fraction=None).fit(both, labels, groups=groups)


def test_ood_score_flags_inputs_unlike_the_training_data(fitted, sequences, tmp_path):
    X_test = sequences[2]
    rng = np.random.default_rng(0)
    gc_rich = ["".join(rng.choice(list("GC"), 40)) for _ in range(40)]
    inside, outside = fitted.ood_score(X_test), fitted.ood_score(gc_rich)
    assert inside.shape == (len(X_test),) and inside.dtype == np.float64
    assert np.isfinite(inside).all() and np.isfinite(outside).all()
    assert ood_auroc(inside, outside) > 0.9
    # the density is part of the fitted model: pickled and saved with it
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(fitted)).ood_score(X_test), inside)
    restored = load(save(fitted, tmp_path / "model.safetensors"))
    np.testing.assert_array_equal(restored.ood_score(X_test), inside)


@pytest.mark.parametrize("name", ["regressor:mc_dropout_strand_average",
                                  "classifier:ensemble_strand_average"])
def test_strand_average_predicts_a_sequence_and_its_reverse_complement_alike(name, sequences):
    X_test = sequences[2]
    fitted = _fitted(name, sequences)
    flipped = reverse_complement(list(X_test))
    if is_classifier(fitted):
        assert_float32_close(fitted.predict_proba(flipped), fitted.predict_proba(X_test), 1.0)
    else:
        a, b = fitted.predict_uncertainty(X_test), fitted.predict_uncertainty(flipped)
        scale = float(np.abs(fitted.predict_draws(X_test).means).max())
        for part in ("mean", "epistemic"):
            assert_float32_close(getattr(b, part), getattr(a, part), scale)
        one_strand = clone(fitted).set_params(strand_average=False).fit(*sequences[:2])
        assert not np.allclose(one_strand.predict(flipped), one_strand.predict(X_test))
    features = np.random.default_rng(0).normal(size=(20, 5))
    with pytest.raises(ValueError, match="feature vectors, which have no strands"):
        make(name, **dict(PARAMS, network="mlp")).fit(features, _targets(fitted, np.arange(20.0)))

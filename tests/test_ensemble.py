import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import DataConversionWarning

from uqgenomics import EnsembleRegressor, one_hot_encode

from .conftest import TINY_CNN


@pytest.fixture(scope="module")
def fitted(sequences):
    X, y, _, _ = sequences
    return EnsembleRegressor(n_estimators=3, **TINY_CNN).fit(X, y)




def test_members_give_mean_and_population_std(fitted, sequences):
    X_test = sequences[2]
    members = fitted.predict_members(X_test)
    assert members.shape == (3, len(X_test))
    result = fitted.predict_uncertainty(X_test)
    np.testing.assert_allclose(result.mean, members.mean(0))
    np.testing.assert_allclose(result.epistemic, members.std(0, ddof=0))
    # members really differ: distinct seeds
    assert len(set(fitted.seeds_)) == 3
    assert not np.allclose(members[0], members[1])


def test_multi_task_targets(sequences):
    X, y, X_test, _ = sequences
    Y = np.column_stack([y, -y])
    model = EnsembleRegressor(n_estimators=2, **TINY_CNN).fit(X, Y)
    assert model.n_tasks_ == 2
    assert model.predict(X_test).shape == (len(X_test), 2)
    assert model.predict_members(X_test).shape == (2, len(X_test), 2)
    assert model.predict_uncertainty(X_test).total.shape == (len(X_test), 2)


def test_column_vector_targets_are_raveled_with_sklearns_warning(sequences):
    X, y, X_test, _ = sequences
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        model = EnsembleRegressor(n_estimators=2, **TINY_CNN).fit(X, y[:, None])
    assert model.n_tasks_ == 1
    assert model.predict(X_test).shape == (len(X_test),)  # what MAPIE needs


def test_random_state_gives_identical_results(sequences):
    X, y, X_test, _ = sequences
    a = EnsembleRegressor(n_estimators=2, **TINY_CNN).fit(X, y).predict_members(X_test)
    b = EnsembleRegressor(n_estimators=2, **TINY_CNN).fit(X, y).predict_members(X_test)
    np.testing.assert_array_equal(a, b)
    other = dict(TINY_CNN, random_state=1)
    c = EnsembleRegressor(n_estimators=2, **other).fit(X, y).predict_members(X_test)
    assert not np.allclose(a, c)


def test_global_torch_rng_is_left_alone(sequences):
    X, y, _, _ = sequences
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    EnsembleRegressor(n_estimators=1, **TINY_CNN).fit(X, y)
    np.testing.assert_array_equal(torch.rand(3), expected)


def test_parallel_members_match_sequential(sequences):
    # Same seeds per member whatever n_jobs; joblib workers run one torch
    # thread each, so sums are ordered differently and results agree to
    # float rounding accumulated over training, not bit for bit.
    X, y, X_test, _ = sequences
    seq = EnsembleRegressor(n_estimators=2, n_jobs=1, **TINY_CNN).fit(X, y)
    par = EnsembleRegressor(n_estimators=2, n_jobs=2, **TINY_CNN).fit(X, y)
    np.testing.assert_array_equal(seq.seeds_, par.seeds_)
    np.testing.assert_allclose(seq.predict_members(X_test), par.predict_members(X_test),
                               atol=2e-2)


def test_input_kinds_agree(fitted, sequences):
    X_test = sequences[2]
    as_list = fitted.predict(list(X_test))
    np.testing.assert_array_equal(as_list, fitted.predict(X_test))
    np.testing.assert_array_equal(as_list, fitted.predict(one_hot_encode(X_test)))
    np.testing.assert_array_equal(as_list, fitted.predict(np.asarray(X_test, dtype=object)))


def test_feature_input_with_mlp():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 5)).astype(np.float64)
    y = X[:, 0] * 2 + X[:, 1]
    model = EnsembleRegressor("mlp", n_estimators=2, max_epochs=30, random_state=0).fit(X, y)
    assert model.n_features_in_ == 5 and model.input_shape_ == (5,)
    assert np.corrcoef(model.predict(X), y)[0, 1] > 0.9


def test_sequence_fit_does_not_set_n_features_in(fitted):
    # MAPIE probes predict(np.zeros((1, n_features_in_))) when the attribute exists
    assert not hasattr(fitted, "n_features_in_")
    assert fitted.input_shape_ == (40, 4)


def test_training_configuration_reaches_skorch(sequences):
    X, y, _, _ = sequences
    model = EnsembleRegressor(
        n_estimators=1, optimizer=torch.optim.AdamW, optimizer__weight_decay=0.05,
        patience=3, lr_patience=2, lr_factor=0.5, lr=3e-3, **TINY_CNN,
    ).fit(X, y)
    net = model.estimators_[0]
    assert isinstance(net.optimizer_, torch.optim.AdamW)
    assert net.optimizer_.param_groups[0]["weight_decay"] == 0.05
    callbacks = dict(net.callbacks_)
    assert callbacks["early_stopping"].patience == 3 and callbacks["early_stopping"].load_best
    scheduler = callbacks["lr_plateau"]
    assert scheduler.kwargs == {"factor": 0.5, "patience": 2}
    assert "valid_loss" in net.history[-1]


def test_early_stopping_restores_best_epoch(sequences):
    X, _, _, _ = sequences
    noise = np.random.RandomState(0).normal(size=len(X))  # nothing to learn
    params = dict(TINY_CNN, max_epochs=60)
    model = EnsembleRegressor(n_estimators=1, patience=3, lr=1e-2, **params).fit(X, noise)
    history = model.estimators_[0].history
    assert len(history) < 60
    best = int(np.argmin(history[:, "valid_loss"]))
    assert len(history) == best + 1 + 3


def test_validation_options(sequences):
    X, y, X_test, y_test = sequences
    no_valid = EnsembleRegressor(n_estimators=1, validation_fraction=None, **TINY_CNN).fit(X, y)
    history = no_valid.estimators_[0].history
    assert len(history) == TINY_CNN["max_epochs"] and "valid_loss" not in history[-1]
    explicit = EnsembleRegressor(n_estimators=1, **TINY_CNN).fit(
        X, y, validation_data=(X_test, y_test)
    )
    n_batches = -(-len(X_test) // TINY_CNN["batch_size"])
    assert explicit.estimators_[0].history[-1, "valid_batch_count"] == n_batches
    with pytest.raises(ValueError, match="validation_fraction"):
        EnsembleRegressor(validation_fraction=1.5, **TINY_CNN).fit(X, y)
    with pytest.raises(ValueError, match="validation_data"):
        EnsembleRegressor(**TINY_CNN).fit(
            X, y, validation_data=(one_hot_encode(X_test)[:, :20], y_test)
        )


def test_bootstrap_changes_members(sequences):
    X, y, X_test, _ = sequences
    plain = EnsembleRegressor(n_estimators=2, **TINY_CNN).fit(X, y)
    boot = EnsembleRegressor(n_estimators=2, bootstrap=True, **TINY_CNN).fit(X, y)
    np.testing.assert_array_equal(plain.seeds_, boot.seeds_)
    assert not np.allclose(plain.predict_members(X_test), boot.predict_members(X_test))


def test_batchnorm_remainder_of_one_sample(sequences):
    X, y, _, _ = sequences
    # 33 training samples with batch 32 leaves a batch of 1, which BatchNorm rejects.
    EnsembleRegressor(n_estimators=1, validation_fraction=None, **TINY_CNN).fit(X[:33], y[:33])


def test_verbose_prints_epoch_losses(sequences, capsys):
    X, y, _, _ = sequences
    EnsembleRegressor(n_estimators=1, verbose=1, **dict(TINY_CNN, max_epochs=2)).fit(X, y)
    out = capsys.readouterr().out
    assert "train_loss" in out and "valid_loss" in out








@pytest.mark.skipif(torch.cuda.is_available(), reason="checks loading without CUDA")
def test_model_saved_from_cuda_loads_on_cpu(fitted, sequences):
    # skorch records the training device; on a machine without CUDA the
    # unpickled networks are mapped to the CPU.
    X_test = sequences[2]
    expected = fitted.predict(X_test)
    gpu_like = pickle.loads(pickle.dumps(fitted))
    for net in gpu_like.estimators_:
        net.device = "cuda"
    with warnings.catch_warnings(record=True):
        restored = pickle.loads(pickle.dumps(gpu_like))
    assert all(torch.device(net.device).type == "cpu" for net in restored.estimators_)
    np.testing.assert_array_equal(restored.predict(X_test), expected)


@pytest.mark.gpu
def test_gpu_training_then_cpu_prediction(sequences):
    X, y, X_test, _ = sequences
    model = EnsembleRegressor(n_estimators=2, device="cuda", **TINY_CNN).fit(X, y)
    on_gpu = model.predict(X_test)
    for net in model.estimators_:
        net.module_.to("cpu")
    np.testing.assert_allclose(model.predict(X_test), on_gpu, rtol=1e-4, atol=1e-5)


# -- bad input --------------------------------------------------------------



@pytest.mark.parametrize("X, y, match", [
    ([], [], "0 samples"),
    (np.zeros((0, 10, 4)), np.zeros(0), "0 sample"),
    (["ACGT", "ACGA"], [1.0, np.nan], "NaN"),
    (["ACGT", "ACGA"], [1.0, np.inf], "infinity"),
    (np.zeros((4, 5, 4, 1)), np.zeros(4), "shape"),
    (np.zeros((4, 5, 3)), np.zeros(4), r"\(n_samples, length, 4\)"),
    (np.zeros(4), np.zeros(4), "Expected 2D array"),
    (["ACGT", "ACZT"], [1.0, 2.0], "'Z' in sequence 1 at position 2"),
    (["ACGT", "ACG"], [1.0, 2.0], "sequence 1 has 3.*DNAEncoder"),
    (["ACGT", "ACGA", "AAAA"], [1.0, 2.0], "inconsistent numbers of samples"),
    (["ACGT"], [1.0], "at least 2 samples"),
    (["ACGT", "ACGA"], None, "requires y"),
    (["ACGT", "ACGA"], np.zeros((2, 1, 1)), "looks like profiles"),
])
def test_bad_training_input(X, y, match):
    with pytest.raises(ValueError, match=match):
        EnsembleRegressor(**TINY_CNN).fit(X, y)




def test_bad_parameters(sequences):
    X, y, _, _ = sequences
    with pytest.raises(ValueError, match="n_estimators"):
        EnsembleRegressor(n_estimators=0).fit(X, y)
    with pytest.raises(ValueError, match="device"):
        EnsembleRegressor(device="tpu", **TINY_CNN).fit(X, y)
    with pytest.raises(ValueError, match="unknown network"):
        EnsembleRegressor(**dict(TINY_CNN, network="transformer")).fit(X, y)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA error")
def test_cuda_requested_without_gpu(sequences):
    X, y, _, _ = sequences
    with pytest.raises(ValueError, match="no CUDA device"):
        EnsembleRegressor(device="cuda", **TINY_CNN).fit(X, y)


def test_prediction_input_must_match_the_network(fitted, sequences):
    with pytest.raises(ValueError, match="fitted on one-hot sequences"):
        fitted.predict(np.zeros((2, 40)))
    # another length is an error by default, naming both lengths ...
    for length in (20, 80):
        with pytest.raises(ValueError, match=f"fitted on sequences of 40 bp; got {length} bp"):
            fitted.predict(["A" * length])
    # ... and accepted on request by a trunk that pools globally ...
    flexible = clone(fitted).set_params(variable_length=True).fit(*sequences[:2])
    assert flexible.predict(["ACGT" * 20]).shape == (1,)
    # ... but not shorter than its pooling needs
    with pytest.raises(ValueError, match="length >= 2"):
        flexible.predict(["A"])
    X, y, _, _ = sequences
    flat = EnsembleRegressor(
        "deepstarr", n_estimators=1, max_epochs=1, network__filters=(4, 4, 4, 4),
        network__dense_units=(8, 8), random_state=0,
    )
    with pytest.raises(ValueError, match="variable_length=True needs a trunk with global"):
        clone(flat).set_params(variable_length=True).fit(X[:64], y[:64])
    flat.fit(X[:64], y[:64])
    with pytest.raises(ValueError, match="'X' in sequence 0"):
        flat.predict(["X" * 40])

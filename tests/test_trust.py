"""No silent wrong answers: each test reproduces a failure that the landed
code let through quietly (divergence, shared MC dropout state across
threads, scale, feature names, inputs users pass, parameters, model size)."""

import pickle
import threading

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from mapie.classification import SplitConformalClassifier
from mapie.regression import (
    CrossConformalRegressor,
    JackknifeAfterBootstrapRegressor,
    SplitConformalRegressor,
)
from sklearn.exceptions import DataConversionWarning

from uqgenomics import (
    DistilledRegressor,
    DNAEncoder,
    EnsembleClassifier,
    EnsembleRegressor,
    EvidentialRegressor,
    HeteroscedasticRegressor,
    MCDropoutRegressor,
    TrainingDivergedError,
)
from uqgenomics._engine._parallel import parallel
from uqgenomics._validation import one_hot_sequences
from uqgenomics.datasets import make_regulatory_sequences
from uqgenomics.encoding import one_hot_encode
from uqgenomics.features import KmerFeaturizer
from uqgenomics.metrics import interval_coverage
from uqgenomics.stream import predict_fasta

from ._estimators import CLASSIFIERS, REGRESSORS, make_classifier, make_regressor
from ._float32 import assert_float32_close
from .conftest import TINY_CNN

# Two fits compared bit for bit: deterministic by design on a CPU only (cuDNN's
# training kernels are not), so those tests run on the CPU whatever the machine.
_CPU = dict(TINY_CNN, device="cpu")

ALL = [("regressor", k) for k in sorted(REGRESSORS)] + \
    [("classifier", k) for k in sorted(CLASSIFIERS)]


def _make(side, kind, **params):
    return (make_regressor if side == "regressor" else make_classifier)(kind, **params)


def _targets(side, y):
    return y if side == "regressor" else np.where(y > np.median(y), "high", "low")


# -- divergence ---------------------------------------------------------------

def test_a_diverging_fit_stops_with_an_error_naming_where(sequences):
    X, y, _, _ = sequences
    # the example: it used to fit without a word and predict NaN
    model = MCDropoutRegressor("mlp", optimizer=torch.optim.SGD, lr=1e4, max_epochs=4,
                               random_state=0)
    features = np.random.RandomState(0).normal(size=(200, 8))
    with pytest.raises(TrainingDivergedError,
                       match=r"loss is (nan|inf) at epoch \d+, batch \d+ of the network.*"
                             r"lr=10000"):
        model.fit(features, features[:, 0])


@pytest.mark.parametrize("side, kind", ALL)
def test_every_family_stops_on_a_non_finite_loss(side, kind):
    rng = np.random.RandomState(0)
    features = rng.normal(size=(100, 6)) * 1e37  # activations overflow float32 (3.4e38)
    y = _targets(side, rng.normal(size=100))
    # cross-entropy stays finite for finite logits, so also take one huge step
    model = _make(side, kind, network="mlp", network__dropout=0.2, max_epochs=2,
                  optimizer=torch.optim.SGD, lr=1e30, random_state=0)
    with pytest.raises(TrainingDivergedError, match=r"loss is (nan|inf) at epoch 1, batch \d "):
        model.fit(features, y)


def test_divergence_names_the_member_and_the_teacher(sequences):
    X, y, _, _ = sequences
    with pytest.raises(TrainingDivergedError, match=r"member 1 of 2 \(seed \d+\)"):
        EnsembleRegressor(n_estimators=2, optimizer=torch.optim.SGD,
                          **dict(TINY_CNN, lr=1e4)).fit(X, y)
    with pytest.raises(TrainingDivergedError, match="the teacher's training diverged"):
        DistilledRegressor(n_teacher_members=2, optimizer=torch.optim.SGD,
                           **dict(TINY_CNN, lr=1e4)).fit(X, y)


def test_non_finite_outputs_raise_instead_of_predicting_nan(sequences):
    X, y, X_test, _ = sequences
    model = EnsembleClassifier(n_estimators=2, **TINY_CNN).fit(X, _targets("c", y))
    with torch.no_grad():
        model.estimators_[1].module_.heads.named["logits"].bias.fill_(float("nan"))
    with pytest.raises(FloatingPointError, match="NaN or inf"):
        model.predict(X_test)  # used to return class 0 for every row


# -- threads ------------------------------------------------------------------

def test_concurrent_mc_dropout_predictions_equal_serial_ones(sequences):
    X, y, X_test, _ = sequences
    model = MCDropoutRegressor(n_samples=600, **dict(TINY_CNN, batch_size=120,
                                                     network__dropout=0.3)).fit(X, y)
    assert model.batch_size * model.n_samples > 65_536  # masks sampled in several chunks
    serial = model.predict_uncertainty(X_test)
    results, errors = [None] * 6, []

    def predict(i):
        try:
            results[i] = model.predict_uncertainty(X_test)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
    threads = [threading.Thread(target=predict, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for result in results:
        # identical batches and masks; threads only change BLAS's partitioning
        assert_float32_close(result.mean, serial.mean)
        assert_float32_close(result.epistemic, serial.epistemic, np.abs(serial.mean).max())


def _threads_seen(_):
    return torch.get_num_threads()


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_workers_times_torch_threads_stay_within_the_budget(backend):
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)  # the user's budget
        with joblib.parallel_backend(backend, n_jobs=2):
            seen = parallel(((_threads_seen, (i,), {}) for i in range(4)), n_jobs=2)
        assert seen == [1, 1, 1, 1]  # 2 workers x 1 thread
        assert torch.get_num_threads() == 2  # restored after a threaded run
        assert list(parallel(((_threads_seen, (i,), {}) for i in range(2)), n_jobs=1,
                             return_as="generator")) == [2, 2]
    finally:
        torch.set_num_threads(before)


# -- scale of y ---------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: HeteroscedasticRegressor(**_CPU),
    lambda: EvidentialRegressor(**_CPU),
    lambda: EnsembleRegressor(n_estimators=2, heteroscedastic=True, **_CPU),
    lambda: DistilledRegressor(teacher=EnsembleRegressor(n_estimators=2, heteroscedastic=True,
                                                         **_CPU),
                               aleatoric="teacher", **_CPU),
], ids=["heteroscedastic", "evidential", "heteroscedastic_ensemble", "student"])
def test_predictions_follow_the_units_of_y(sequences, make):
    X, y, X_test, y_test = sequences
    # σ was capped at 148 in y units, so for y × 1e6 the 95 % coverage fell to 0.
    # A power of two scales float32 exactly, so the networks see the very same
    # standardised targets and predictions scale exactly (up to the last bit
    # of the float64 rescaling).
    factor = 2.0**20
    unit = make().fit(X, y).predict_uncertainty(X_test)
    scaled = make().fit(X, factor * y).predict_uncertainty(X_test)
    for part in ("mean", "epistemic", "aleatoric"):
        np.testing.assert_allclose(getattr(scaled, part), factor * getattr(unit, part),
                                   rtol=1e-12, atol=1e-12 * factor)
    coverage = interval_coverage(factor * y_test, scaled.mean, scaled.total, 0.95)
    assert coverage == interval_coverage(y_test, unit.mean, unit.total, 0.95)
    assert scaled.total.max() > 148  # the old cap, in y units


# -- feature names and one-hot values -----------------------------------------

def test_student_keeps_feature_names_and_refuses_reordered_columns():
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(rng.normal(size=(200, 3)), columns=["gc", "length", "motifs"])
    y = frame["gc"] - 2 * frame["motifs"] + 0.1 * rng.normal(size=200)
    student = DistilledRegressor("mlp", n_teacher_members=2, network__hidden=(16,),
                                 max_epochs=20, random_state=0).fit(frame, y)
    assert list(student.feature_names_in_) == ["gc", "length", "motifs"]
    with pytest.raises(ValueError, match="feature names"):
        student.predict(frame[["motifs", "length", "gc"]])


@pytest.mark.parametrize("bad, match", [
    (2.0, r"\[0, 1\]; found values from 0 to 2"),
    (-0.5, r"\[0, 1\]"),
    (0.5, "sum to 1 .* or 0 .*; sample 0 sums to 1.5 at position 3"),
])
def test_one_hot_input_that_is_not_one_hot_is_refused(sequences, bad, match):
    X, y, _, _ = sequences
    onehot = one_hot_encode(X[:20])
    onehot[0, 3, (onehot[0, 3].argmax() + 1) % 4] = bad
    with pytest.raises(ValueError, match=match):
        EnsembleRegressor(n_estimators=1, **TINY_CNN).fit(onehot, y[:20])
    soft = one_hot_encode(["ACGTN" * 8, "RYSWK" * 8])  # N (0.25 each) and IUPAC fractions
    EnsembleRegressor(n_estimators=1, **dict(TINY_CNN, max_epochs=1,
                                             validation_fraction=None)).fit(soft, [0.0, 1.0])


def test_one_hot_input_with_nan_is_refused_where_sequences_are_analysed(sequences):
    # variant effects, ISM and attribution take one-hot arrays without
    # sklearn's finiteness check: NaN passed the range and sum checks there
    onehot = one_hot_encode(sequences[0][:3])
    onehot[1, 5] = np.nan
    with pytest.raises(ValueError, match="holds NaN"):
        one_hot_sequences(onehot)


# -- inputs users pass --------------------------------------------------------

@pytest.mark.parametrize("wrap", [
    lambda s: pd.Series(s),  # pandas 3: dtype 'str'
    lambda s: pd.Series(s, dtype=object),
    lambda s: pd.Series(s, dtype="string"),
    lambda s: pd.Index(s),
    lambda s: pd.DataFrame({"sequence": s}),
    lambda s: np.asarray(s)[:, None],
    lambda s: np.asarray(s, dtype=object)[:, None],
], ids=["series", "series_object", "series_string", "index", "one_column_frame",
        "column_array", "column_object"])
def test_any_array_like_of_strings_works_where_strings_work(sequences, wrap):
    X, y, X_test, _ = sequences
    params = dict(_CPU, max_epochs=2)  # two fits compared bit for bit
    model = EnsembleRegressor(n_estimators=1, **params).fit(X, y)
    np.testing.assert_array_equal(model.predict(wrap(X_test)), model.predict(X_test))
    wrapped = EnsembleRegressor(n_estimators=1, **params).fit(wrap(X), y)
    np.testing.assert_array_equal(wrapped.predict(X_test), model.predict(X_test))
    np.testing.assert_array_equal(KmerFeaturizer(k=2).fit(wrap(X)).transform(wrap(X_test)),
                                  KmerFeaturizer(k=2).fit(X).transform(X_test))
    # list() of a one-column DataFrame is its column name: never encode that
    np.testing.assert_array_equal(DNAEncoder().fit_transform(wrap(X)), one_hot_encode(X))
    np.testing.assert_array_equal(one_hot_encode(wrap(X_test)), one_hot_encode(X_test))


def test_two_column_tables_are_not_taken_for_sequences(sequences):
    X, y = sequences[0][:20], sequences[1][:20]
    with pytest.raises(TypeError, match="expected sequences as strings, got a DataFrame"):
        one_hot_encode(pd.DataFrame({"a": X, "b": X}))
    table = pd.DataFrame({"seq": X, "mean_value": y})  # the whole table passed as X
    with pytest.raises(ValueError, match=r"columns \['seq', 'mean_value'\].*X\['seq'\]"):
        EnsembleRegressor(**TINY_CNN).fit(table, y)


def test_missing_sequences_are_named():
    with pytest.raises(TypeError, match="sequence 1 is nan"):
        EnsembleRegressor(**TINY_CNN).fit(pd.Series(["ACGT", None, "ACGA"]), [1.0, 2.0, 3.0])


@pytest.fixture(scope="module")
def conformal():
    X, y = make_regulatory_sequences(700, length=40, noise=0.5, random_state=5)
    column = np.asarray(X, dtype=object)[:, None]  # the documented MAPIE form
    return column[:300], y[:300], column[300:500], y[300:500], column[500:], y[500:]


def test_sequences_as_a_column_go_through_every_mapie_regressor(conformal):
    X, y, X_cal, y_cal, X_test, y_test = conformal
    params = dict(TINY_CNN, max_epochs=6, lr=5e-3)
    model = EnsembleRegressor(n_estimators=2, **params).fit(X, y)
    split = SplitConformalRegressor(model, confidence_level=0.9, prefit=True)
    split.conformalize(X_cal, y_cal)
    cross = CrossConformalRegressor(EnsembleRegressor(n_estimators=2, **params),
                                    confidence_level=0.9, cv=2, random_state=0)
    cross.fit_conformalize(np.concatenate([X, X_cal]), np.concatenate([y, y_cal]))
    jackknife = JackknifeAfterBootstrapRegressor(EnsembleRegressor(n_estimators=1, **params),
                                                 confidence_level=0.9, resampling=3,
                                                 random_state=0)
    jackknife.fit_conformalize(np.concatenate([X, X_cal]), np.concatenate([y, y_cal]))
    for wrapper in (split, cross, jackknife):
        prediction, intervals = wrapper.predict_interval(X_test)
        assert prediction.shape == (len(X_test),) and intervals.shape == (len(X_test), 2, 1)
    # a target column (n, 1) is raveled as sklearn's regressors do, with the warning
    with pytest.warns(DataConversionWarning):
        column_model = EnsembleRegressor(n_estimators=2, **params).fit(X, y[:, None])
    SplitConformalRegressor(column_model, confidence_level=0.9, prefit=True).conformalize(
        X_cal, y_cal[:, None]).predict_interval(X_test)


def test_sequences_as_a_column_go_through_mapie_classification(conformal):
    X, y, X_cal, y_cal, X_test, _ = conformal
    label = lambda v: np.where(v > np.median(y), "high", "low")  # noqa: E731
    model = EnsembleClassifier(n_estimators=2, **TINY_CNN).fit(X, label(y))
    mapie = SplitConformalClassifier(model, confidence_level=0.9, prefit=True)
    mapie.conformalize(X_cal, label(y_cal))
    labels, sets = mapie.predict_set(X_test)
    assert labels.shape == (len(X_test),) and sets.shape == (len(X_test), 2, 1)


# -- parameters, before any training ------------------------------------------

@pytest.mark.parametrize("side, kind", ALL)
@pytest.mark.parametrize("param, value, match", [
    ("max_epochs", 0, "max_epochs must be an int >= 1, got 0"),
    ("batch_size", 0, "batch_size must be an int >= 1"),
    ("batch_size", -3, "batch_size must be an int >= 1"),
    ("batch_size", 32.0, "batch_size must be an int >= 1, got 32.0"),
    ("lr", -1.0, "lr must be a positive"),
    ("validation_fraction", 1.5, "validation_fraction must be in"),
    ("variable_length", "yes", "variable_length must be True or False"),
])
def test_parameters_are_checked_before_training(sequences, side, kind, param, value, match):
    X, y, _, _ = sequences
    model = _make(side, kind, **{**TINY_CNN, param: value})
    with pytest.raises((ValueError, TypeError), match=match):
        model.fit(X, _targets(side, y))
    assert not hasattr(model, "net_") and not hasattr(model, "estimators_")


@pytest.mark.parametrize("side, kind", [("regressor", "mc_dropout"),
                                        ("regressor", "heteroscedastic"),
                                        ("classifier", "mc_dropout"), ("classifier", "epinet")])
def test_n_samples_below_two_is_refused_at_fit(sequences, side, kind):
    X, y, _, _ = sequences
    with pytest.raises(ValueError, match="n_samples must be an int >= 2"):
        _make(side, kind, **dict(TINY_CNN, n_samples=1)).fit(X, _targets(side, y))


def test_two_samples_and_fit_keywords_get_errors_that_name_the_fix(sequences):
    X, y, _, _ = sequences
    with pytest.raises(ValueError, match="1 training sample.*validation_fraction=None"):
        EnsembleRegressor("deepstarr", network__filters=(4, 4, 4, 4),
                          network__dense_units=(8, 8), max_epochs=1).fit(X[:2], y[:2])
    with pytest.raises(TypeError, match=r"EnsembleRegressor.fit\(\) got unexpected keyword "
                                        r"argument\(s\) \['sample_weight'\]"):
        EnsembleRegressor(**TINY_CNN).fit(X, y, sample_weight=np.ones(len(y)))
    with pytest.raises(ValueError, match="DNAEncoder.*resize='pad_or_crop'"):
        EnsembleRegressor(**TINY_CNN).fit(["ACGT", "ACG"], [1.0, 2.0])


def test_network_arguments_are_checked_before_any_training(sequences, monkeypatch):
    X, y, _, _ = sequences
    with pytest.raises(TypeError, match=r"BasicCNN has no argument filter \(given as "
                                        r"network__filter\); it takes network__filters"):
        EnsembleRegressor(network__filter=(8,)).fit(X, y)
    with pytest.raises(ValueError, match=r"network__kernel_sizes on an estimator\) has 2 "):
        EnsembleRegressor(network__filters=(8,)).fit(X, y)

    def no_teacher_training(*args, **kwargs):
        raise AssertionError("the teacher trained before the student's network was checked")
    monkeypatch.setattr(EnsembleRegressor, "fit", no_teacher_training)
    with pytest.raises(ValueError, match="network__kernel_sizes"):
        DistilledRegressor(network__filters=(8,)).fit(X, y)


def test_a_window_the_model_cannot_score_is_refused_before_writing(sequences, tmp_path):
    X, y, X_test, _ = sequences
    model = EnsembleRegressor(n_estimators=1, **TINY_CNN).fit(X, y)
    fasta = tmp_path / "in.fa"
    fasta.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(X_test[:5])))
    with pytest.raises(ValueError, match="window=30 but EnsembleRegressor was fitted on 40 bp"):
        predict_fasta(model, fasta, tmp_path / "out.tsv", window=30)
    assert not (tmp_path / "out.tsv").exists()


@pytest.mark.parametrize("side, kind", [("regressor", "mc_dropout"),
                                        ("regressor", "heteroscedastic"),
                                        ("classifier", "mc_dropout"), ("classifier", "epinet")])
def test_compile_is_refused_where_prediction_cannot_use_it(sequences, side, kind):
    # it used to be ignored without a word by MC dropout sampling and the epinet
    X, y, X_test, _ = sequences
    params = dict(TINY_CNN, network__dropout=0.2, max_epochs=1)
    with pytest.raises(ValueError, match="compile=True is not available"):
        _make(side, kind, compile=True, **params).fit(X, _targets(side, y))
    fitted = _make(side, kind, **params).fit(X, _targets(side, y))
    fitted.set_params(compile=True)
    with pytest.raises(ValueError, match="compile=True is not available"):
        fitted.predict(X_test)


def test_the_student_refuses_an_augmentation_it_would_override(sequences):
    X, y, _, _ = sequences
    with pytest.raises(ValueError, match=r"augment= .*\['iterator_train__augment'\]"):
        DistilledRegressor(iterator_train__augment=lambda x: x, **TINY_CNN).fit(X, y)


# -- model files --------------------------------------------------------------

@pytest.mark.parametrize("n_jobs", [None, 2])
def test_model_size_does_not_depend_on_the_training_data(n_jobs):
    sizes = []
    for n in (100, 2000):
        X, y = make_regulatory_sequences(n, length=40, random_state=0)
        model = EnsembleRegressor(n_estimators=2, n_jobs=n_jobs,
                                  **dict(TINY_CNN, patience=None, lr_patience=None)).fit(X, y)
        sizes.append(len(pickle.dumps(model)))
    assert abs(sizes[1] - sizes[0]) < 2048, sizes  # 20× the data, the same model

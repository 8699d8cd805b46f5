"""DistilledRegressor: targets, heads, replicates, augmentation and the teacher."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from scipy.stats import pearsonr, spearmanr
from sklearn.frozen import FrozenEstimator
from skorch.callbacks import Callback

from uqgenomics import DistilledRegressor, EnsembleRegressor
from uqgenomics.augment import RandomAugment, RandomMutation, degu_augment

from .conftest import TINY_CNN

MLP = dict(network="mlp", network__hidden=(32, 32), network__dropout=0.0, lr=1e-2,
           batch_size=128, max_epochs=40, patience=10, random_state=0)


@pytest.fixture(scope="module")
def features():
    """Inputs whose ensemble disagreement varies: a smooth function, sparse tails."""
    rng = np.random.default_rng(0)
    X = rng.standard_t(df=3, size=(1500, 4)).clip(-6, 6).astype(np.float32)
    noise_std = 0.1 + 0.4 * (X[:, 1] > 0)
    y = np.sin(X[:, 0]) + 0.5 * X[:, 2] + noise_std * rng.normal(size=1500)
    return X, y, noise_std


@pytest.fixture(scope="module")
def teacher(features):
    X, y, _ = features
    return EnsembleRegressor(n_estimators=5, **MLP).fit(X[:1000], y[:1000])


@pytest.fixture(scope="module")
def student(features, teacher):
    X, y, _ = features
    # per-column scaling: on this small problem DEGU's weighting (the default) learns
    # the spread less well (Spearman 0.33 against the ensemble, 0.69 with 'std'):
    # its epistemic term is ~1 % of the loss
    return DistilledRegressor(teacher=teacher, target_scaling="std", **MLP).fit(
        X[:1000], y[:1000])


def test_student_matches_teacher_mean_and_spread(features, teacher, student):
    X, _, _ = features
    expected, got = teacher.predict_uncertainty(X[1000:]), student.predict_uncertainty(X[1000:])
    assert student.teacher_ is teacher  # fitted teacher used as is
    assert pearsonr(expected.mean, got.mean)[0] > 0.95
    assert spearmanr(expected.epistemic, got.epistemic)[0] > 0.5
    assert np.all(got.epistemic >= 0) and np.all(got.aleatoric == 0)
    assert list(student.net_.module_.heads.named) == ["mean", "epistemic"]


def test_replicate_aleatoric_head_and_dropped_rows(features, teacher):
    X, y, noise_std = features
    rng = np.random.default_rng(1)
    replicates = y[:1000, None] + noise_std[:1000, None] * rng.normal(size=(1000, 3))
    replicates[:40, 1:] = np.nan  # one valid replicate: dropped
    replicates[40:80, 2] = np.nan  # two valid: kept
    student = DistilledRegressor(teacher=teacher, aleatoric="replicates", **MLP)
    with pytest.warns(UserWarning, match="dropped 40 of 1000"):
        student.fit(X[:1000], y[:1000], y_replicates=replicates)
    assert student.n_dropped_ == 40
    result = student.predict_uncertainty(X[1000:])
    assert spearmanr(result.aleatoric, noise_std[1000:])[0] > 0.6
    np.testing.assert_allclose(result.total, np.hypot(result.epistemic, result.aleatoric))
    with pytest.raises(ValueError, match="needs y_replicates"):
        DistilledRegressor(teacher=teacher, aleatoric="replicates", **MLP).fit(X[:100], y[:100])
    with pytest.raises(ValueError, match="shape"):
        DistilledRegressor(teacher=teacher, aleatoric="replicates", **MLP).fit(
            X[:100], y[:100], y_replicates=replicates[:100, :, None].repeat(2, 1))
    with pytest.raises(ValueError, match="at least 2 replicates"):
        DistilledRegressor(teacher=teacher, aleatoric="replicates", **MLP).fit(
            X[:100], y[:100], y_replicates=replicates[:100, :1])


def test_teacher_aleatoric_from_heteroscedastic_ensemble(features):
    X, y, noise_std = features
    teacher = EnsembleRegressor(n_estimators=2, heteroscedastic=True, **MLP).fit(X[:1000],
                                                                                 y[:1000])
    assert spearmanr(teacher.predict_uncertainty(X[1000:]).aleatoric, noise_std[1000:])[0] > 0.6
    student = DistilledRegressor(teacher=teacher, aleatoric="teacher", log_targets=True,
                                 **MLP).fit(X[:1000], y[:1000])
    result = student.predict_uncertainty(X[1000:])
    assert spearmanr(result.aleatoric, noise_std[1000:])[0] > 0.6
    assert np.all(result.aleatoric > 0)


def test_teacher_without_aleatoric_is_refused(features, teacher):
    X, y, _ = features
    with pytest.raises(ValueError, match="no aleatoric"):
        DistilledRegressor(teacher=teacher, aleatoric="teacher", **MLP).fit(X[:100], y[:100])
    with pytest.raises(ValueError, match="aleatoric must be"):
        DistilledRegressor(teacher=teacher, aleatoric="replicate").fit(X[:100], y[:100])


def test_fitted_teacher_of_other_tasks_is_refused(features, teacher):
    """A student learns its teacher's outputs: a teacher fitted on other tasks
    than y's would train it on them (it did, silently, with any shape)."""
    X, y, _ = features
    with pytest.raises(ValueError, match=r"teacher predicts targets of shape \(\) per sample "
                                         r"but y has \(2,\)"):
        DistilledRegressor(teacher=teacher, **MLP).fit(X[:100], np.column_stack([y, y])[:100])
    two_tasks = EnsembleRegressor(n_estimators=2, **dict(MLP, max_epochs=1)).fit(
        X[:100], np.column_stack([y, -y])[:100])
    with pytest.raises(ValueError, match=r"shape \(2,\) per sample but y has \(\)"):
        DistilledRegressor(teacher=two_tasks, **MLP).fit(X[:100], y[:100])


def test_teacher_without_spread_is_refused(features):
    """A one-member teacher has no epistemic spread to distil."""
    X, y, _ = features
    single = EnsembleRegressor(n_estimators=1, **dict(MLP, max_epochs=1)).fit(X[:100], y[:100])
    for log_targets in (False, True):
        with pytest.raises(ValueError, match="epistemic std is 0 on every training sample"):
            DistilledRegressor(teacher=single, log_targets=log_targets, **MLP).fit(
                X[:100], y[:100])
    with pytest.raises(ValueError, match="n_teacher_members must be"):
        DistilledRegressor(n_teacher_members=1, **MLP).fit(X[:100], y[:100])


def test_default_teacher_is_fitted_here(features):
    X, y, _ = features
    params = dict(MLP, max_epochs=3)
    student = DistilledRegressor(n_teacher_members=3, **params).fit(X[:200], y[:200])
    assert isinstance(student.teacher_, EnsembleRegressor)
    assert len(student.teacher_.estimators_) == 3
    assert student.teacher_.get_params()["network__hidden"] == (32, 32)
    assert student.teacher is None  # parameters untouched
    with pytest.raises(ValueError, match="not fitted"):
        DistilledRegressor("mlp", teacher=EnsembleRegressor(), prefit_teacher=True).fit(
            X[:50], y[:50])


def test_default_teacher_is_seeded_apart_from_the_student(features):
    X, y, _ = features
    student = DistilledRegressor(n_teacher_members=2, **dict(MLP, max_epochs=2)).fit(
        X[:200], y[:200])
    assert student.teacher_.random_state != student.random_state
    assert student.seed_ not in set(student.teacher_.seeds_)
    again = DistilledRegressor(n_teacher_members=2, **dict(MLP, max_epochs=2)).fit(
        X[:200], y[:200])
    np.testing.assert_array_equal(again.teacher_.seeds_, student.teacher_.seeds_)


def test_shared_target_scaling_keeps_degus_weights_in_any_units(features, teacher):
    X, y, _ = features
    shared = DistilledRegressor(teacher=teacher, **dict(MLP, max_epochs=2)).fit(X[:300], y[:300])
    # one scale (that of the mean column) for every term: DEGU's loss up to a factor
    assert shared.y_scale_[1] == shared.y_scale_[0] and shared.y_mean_[1] == 0
    logs = DistilledRegressor(teacher=teacher, log_targets=True,
                              **dict(MLP, max_epochs=2)).fit(X[:300], y[:300])
    assert logs.y_scale_[1] == 1 and logs.y_mean_[1] == pytest.approx(2 * np.log(
        logs.y_scale_[0]))  # log σ² / s²: shifted, not scaled
    scaled = DistilledRegressor(teacher=teacher, target_scaling="std",
                                **dict(MLP, max_epochs=2)).fit(X[:300], y[:300])
    targets = np.column_stack([teacher.predict(X[:300]),
                               teacher.predict_uncertainty(X[:300]).epistemic])
    # the training rows' stds (a 10 % validation split held out): close to all rows'
    np.testing.assert_allclose(scaled.y_scale_, targets.std(0), rtol=0.15)
    assert scaled.y_mean_[0] != 0 and scaled.y_mean_[1] == 0  # stds never shifted
    with pytest.raises(ValueError, match="target_scaling must be one of"):
        DistilledRegressor(teacher=teacher, target_scaling="minmax").fit(X[:50], y[:50])


def test_named_augmentation_recipes(sequences):
    from uqgenomics.augment import RandomDeletion, RandomNoise, degu_augment, degu_ops

    X, y, _, _ = sequences
    recipe = degu_augment()
    assert [type(op) for op in recipe.ops] == [type(op) for op in degu_ops()]
    assert recipe.n_ops == (1, 2)
    assert isinstance(degu_ops()[0], RandomDeletion) and isinstance(degu_ops()[2], RandomNoise)
    teacher = EnsembleRegressor(n_estimators=2, **TINY_CNN).fit(X, y)
    for name in ("degu", "evoaug"):
        student = DistilledRegressor(teacher=teacher, augment=name, **TINY_CNN).fit(X, y)
        assert np.isfinite(student.predict(X[:3])).all()
    assert DistilledRegressor().augment_mode == "replace"
    with pytest.raises(TypeError, match="augment must be one of"):
        DistilledRegressor(teacher=teacher, augment="mixup", **TINY_CNN).fit(X, y)


def test_auto_augmentation_is_degus_recipe_where_it_applies(sequences, features, teacher):
    X, y, _, _ = sequences
    sequence_teacher = EnsembleRegressor(n_estimators=2, **TINY_CNN).fit(X, y)
    student = DistilledRegressor(teacher=sequence_teacher, **TINY_CNN).fit(X, y)
    assert DistilledRegressor().augment == "auto" and student.augment_ == "degu"
    used = student.net_.get_params()["iterator_train__augment"]
    assert [type(op) for op in used.ops] == [type(op) for op in degu_augment().ops]
    plain = DistilledRegressor(teacher=sequence_teacher, augment=None, **TINY_CNN).fit(X, y)
    assert plain.augment_ is None and plain.net_.get_params()["iterator_train__augment"] is None
    F, y_features, _ = features  # k-mer-like features: no sequence to augment
    on_features = DistilledRegressor(teacher=teacher, **dict(MLP, max_epochs=1))
    assert on_features.fit(F[:300], y_features[:300]).augment_ is None
    # refused before the teacher trains: a recipe on features, a fine-tune after nothing
    for augment in ("degu", "evoaug"):
        with pytest.raises(ValueError, match=rf"augment='{augment}' mutates one-hot sequences"):
            DistilledRegressor(augment=augment, **MLP).fit(F[:300], y_features[:300])
    for augment, params, inputs in ((None, TINY_CNN, (X, y)),
                                    ("auto", MLP, (F[:300], y_features[:300]))):
        with pytest.raises(ValueError, match="finetune_epochs=2 fine-tunes"):
            DistilledRegressor(augment=augment, finetune_epochs=2, **params).fit(*inputs)


def test_frozen_teacher_survives_clone(features, teacher):
    from sklearn.base import clone
    X, y, _ = features
    student = clone(DistilledRegressor(teacher=FrozenEstimator(teacher), **dict(MLP, max_epochs=2)))
    student.fit(X[:200], y[:200])
    assert student.teacher_.estimator is teacher


def test_multi_task_student_has_two_outputs_per_task():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 5)).astype(np.float32)
    Y = np.c_[X[:, 0], X[:, 1] - X[:, 2]]
    params = dict(MLP, max_epochs=5)
    teacher = EnsembleRegressor(n_estimators=2, **params).fit(X, Y)
    student = DistilledRegressor(teacher=teacher, **params).fit(X, Y)
    result = student.predict_uncertainty(X[:7])
    assert result.mean.shape == result.epistemic.shape == (7, 2)
    assert student.net_.module_(torch.from_numpy(X[:3])).shape == (3, 4)
    assert student.predict(X[:7]).shape == (7, 2)
    # DeepSTARR-like Dev / Hk with replicates: 6 outputs.
    replicates = Y[:, :, None] + 0.1 * rng.normal(size=(300, 2, 3))
    student = DistilledRegressor(teacher=teacher, aleatoric="replicates", **params)
    student.fit(X, Y, y_replicates=replicates)
    assert student.net_.module_(torch.from_numpy(X[:3])).shape == (3, 6)
    assert student.predict_uncertainty(X[:7]).aleatoric.shape == (7, 2)


class _Counting:
    """Records the batch sizes it augments; mutates so the batch really changes."""

    def __init__(self):
        self.sizes = []
        self.mutate = RandomMutation(0.2)

    def __call__(self, x):
        self.sizes.append(len(x))
        return self.mutate(x)


class _BatchSizes(Callback):
    """Records the size of every training batch."""

    def initialize(self):
        self.sizes = []
        return self

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if training:
            self.sizes.append(len(batch[0]))


def test_dynamic_augmentation_append_replace_and_finetune(sequences):
    X, y, X_test, _ = sequences
    params = dict(TINY_CNN, batch_size=40, max_epochs=3, validation_fraction=None)
    teacher = EnsembleRegressor(n_estimators=2, **params).fit(X, y)
    for mode, factor in (("append", 2), ("replace", 1)):
        augment, sizes = _Counting(), _BatchSizes()
        student = DistilledRegressor(teacher=teacher, augment=augment, augment_mode=mode,
                                     callbacks=[sizes], **params).fit(X, y)
        assert augment.sizes == [40] * 6 * 3  # 240 / 40 batches x 3 epochs
        recorded = next(cb for _, cb in student.net_.callbacks_ if isinstance(cb, _BatchSizes))
        assert recorded.sizes == [40 * factor] * 6 * 3
    student = DistilledRegressor(teacher=teacher, augment=RandomAugment([RandomMutation()]),
                                 finetune_epochs=2, finetune_lr=1e-4, **params).fit(X, y)
    assert len(student.net_.history) == 5
    assert student.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-4)
    assert student.predict(X_test).shape == (len(X_test),)
    with pytest.raises(TypeError, match="a callable or None"):
        DistilledRegressor(teacher=teacher, augment="cutmix").fit(X, y)


def test_seeded_fit_is_reproducible_and_pickles(sequences):
    X, y, X_test, _ = sequences
    params = dict(TINY_CNN, max_epochs=2)
    teacher = EnsembleRegressor(n_estimators=2, **params).fit(X, y)
    a = DistilledRegressor(teacher=teacher, augment=RandomAugment([RandomMutation()]),
                           **params).fit(X, y)
    b = DistilledRegressor(teacher=teacher, augment=RandomAugment([RandomMutation()]),
                           **params).fit(X, y)
    np.testing.assert_array_equal(a.predict(X_test), b.predict(X_test))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        restored = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(restored.predict_uncertainty(X_test).epistemic,
                                  a.predict_uncertainty(X_test).epistemic)


def test_any_estimator_trains_on_augmented_batches_through_routing(sequences):
    from sklearn.base import clone

    X, y, X_test, _ = sequences
    augment = _Counting()
    model = EnsembleRegressor(n_estimators=1, iterator_train__augment=augment,
                              iterator_train__mode="replace",
                              **dict(TINY_CNN, batch_size=40, max_epochs=2,
                                     validation_fraction=None))
    model.fit(X, y)
    assert augment.sizes == [40] * 12
    assert clone(model).get_params()["iterator_train__mode"] == "replace"
    assert model.predict(X_test).shape == (len(X_test),)


def test_validation_data_with_replicates(features, teacher):
    X, y, noise_std = features
    rng = np.random.default_rng(3)
    replicates = y[:, None] + noise_std[:, None] * rng.normal(size=(1500, 2))
    params = dict(MLP, max_epochs=3)
    student = DistilledRegressor(teacher=teacher, aleatoric="replicates", **params)
    student.fit(X[:800], y[:800], y_replicates=replicates[:800],
                validation_data=(X[800:1000], y[800:1000], replicates[800:1000]))
    assert np.isfinite(student.net_.history[-1, "valid_loss"])
    with pytest.raises(ValueError, match="needs y_replicates"):
        student.fit(X[:800], y[:800], y_replicates=replicates[:800],
                    validation_data=(X[800:1000], y[800:1000]))
    with pytest.raises(ValueError, match="got a tuple of 4 elements"):
        student.fit(X[:800], y[:800], y_replicates=replicates[:800],
                    validation_data=(X[800:1000], y[800:1000], replicates[800:1000], y[:5]))
    # replicates that the chosen aleatoric source would leave unused are refused
    for aleatoric in (None, "teacher"):
        unused = DistilledRegressor(teacher=teacher, aleatoric=aleatoric, **params)
        with pytest.raises(ValueError, match=f"aleatoric={aleatoric!r} does not use them"):
            unused.fit(X[:800], y[:800], y_replicates=replicates[:800])
        with pytest.raises(ValueError, match="does not use them"):
            unused.fit(X[:800], y[:800],
                       validation_data=(X[800:1000], y[800:1000], replicates[800:1000]))

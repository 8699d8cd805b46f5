"""Classifiers: labels, probabilities, entropy decomposition, epinet specifics."""

import numpy as np
import pytest
import torch

from uqgenomics import (
    ClassificationUncertainty,
    EnsembleClassifier,
    EpinetClassifier,
    MCDropoutClassifier,
)
from uqgenomics.datasets import make_regulatory_sequences
from uqgenomics.losses import IndexedCrossEntropyLoss
from uqgenomics.metrics import entropy_decomposition
from uqgenomics.networks._epinet import EpinetNetwork

from ._estimators import CLASSIFIERS, make_classifier
from ._float32 import assert_float32_close
from .conftest import TINY_CNN


@pytest.fixture(scope="module")
def labelled():
    X, y = make_regulatory_sequences(600, length=40, random_state=5)
    labels = np.select([y < np.quantile(y, 0.33), y < np.quantile(y, 0.66)],
                       ["low", "mid"], "high")
    return X[:450], labels[:450], X[450:], labels[450:]


@pytest.fixture(scope="module", params=sorted(CLASSIFIERS))
def fitted(request, labelled):
    X, y, _, _ = labelled
    return make_classifier(request.param, **dict(TINY_CNN, max_epochs=8, lr=5e-3)).fit(X, y)


def test_labels_probabilities_and_uncertainty(fitted, labelled):
    _, _, X_test, y_test = labelled
    assert list(fitted.classes_) == ["high", "low", "mid"]
    proba = fitted.predict_proba(X_test)
    assert proba.dtype == np.float64 and proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(1), 1, atol=1e-12)
    assert set(fitted.predict(X_test)) <= {"high", "low", "mid"}
    assert fitted.score(X_test, y_test) > 0.4  # three balanced classes: chance is 1/3
    result = fitted.predict_uncertainty(X_test)
    assert isinstance(result, ClassificationUncertainty)
    np.testing.assert_allclose(result.proba, proba)
    np.testing.assert_allclose(result.total, result.aleatoric + result.epistemic, atol=1e-9)
    assert np.all(result.epistemic >= 0) and np.all(result.total <= np.log(3) + 1e-9)
    normalised = fitted.predict_uncertainty(X_test, normalize=True)
    np.testing.assert_allclose(normalised.total, result.total / np.log(3))
    # Rows 0-6 alone: another batch composition than within the full set. A
    # softmax moves by at most half its logits' change, and these logits stay
    # below 10 in magnitude, so the scale of the rounding is at most 10 / 2.
    assert_float32_close(fitted.predict_proba(X_test[:7]), proba[:7], scale=5.0)


def test_unseen_validation_label_and_regression_target(labelled):
    X, y, X_test, _ = labelled
    model = make_classifier("ensemble", **TINY_CNN)
    with pytest.raises(ValueError, match="not among the training classes"):
        model.fit(X, y, validation_data=(X_test[:5], ["other"] * 5))
    with pytest.raises(ValueError, match="Unknown label type"):
        model.fit(X, np.linspace(0, 1, len(X)))


@pytest.mark.parametrize("name", sorted(CLASSIFIERS))
def test_one_class_is_refused_before_training(name, labelled):
    """The first rows of a table sorted by class hold one class: a model of
    it would predict that class everywhere with no uncertainty."""
    X, y, _, _ = labelled
    with pytest.raises(ValueError, match="at least 2 classes; y has one class, 'low'"):
        make_classifier(name, **TINY_CNN).fit(X[:50], np.full(50, "low"))


def test_entropy_decomposition_of_ensemble_matches_members(labelled):
    X, y, X_test, _ = labelled
    model = EnsembleClassifier(n_estimators=3, **TINY_CNN).fit(X, y)
    members = model.predict_members(X_test)
    assert members.shape == (3, 150, 3)
    total, aleatoric, epistemic = entropy_decomposition(members)
    np.testing.assert_allclose(model.predict_uncertainty(X_test).epistemic, epistemic)


def test_epinet_module_shapes_prior_and_frozen_base(labelled):
    X, y, _, _ = labelled
    model = EpinetClassifier(index_dim=4, n_index_samples=5, **TINY_CNN).fit(X, y)
    module = model.net_.module_
    assert isinstance(module, EpinetNetwork)
    x = torch.randn(6, 40, 4)
    module.eval()
    assert module(x).shape == (5, 6, 3)
    z = torch.randn(11, 4)
    assert module(x, z).shape == (11, 6, 3)
    # The prior stays at its initialisation: no parameter of it trains.
    assert not any(p.requires_grad for p in module.prior.parameters())
    # Indices matter: two different z give different logits; z = 0 gives the base.
    torch.testing.assert_close(module(x, torch.zeros(1, 4))[0],
                               module.base.heads(module.base.trunk(x)))
    # One batched pass over all prediction indices, not a loop.
    calls = []
    handle = module.learnable.register_forward_hook(lambda *a: calls.append(a[1][0].shape))
    model.predict_proba(X[:10])
    handle.remove()
    batch = model.batch_size
    assert calls == [(model.n_samples, min(batch, 10 - start), module.base.trunk.out_features + 4)
                     for start in range(0, 10, batch)]


def test_epinet_freeze_base_and_fitted_base(labelled):
    X, y, X_test, _ = labelled
    params = dict(TINY_CNN, max_epochs=3)
    frozen = EpinetClassifier(freeze_base=True, **params).fit(X, y)
    base_weights = {k: v.clone() for k, v in frozen.base_net_.module_.state_dict().items()}
    for name, value in frozen.net_.module_.base.state_dict().items():
        torch.testing.assert_close(value, base_weights[name])  # base untouched by stage 2
    pretrained = MCDropoutClassifier(**params).fit(X, y)
    on_top = EpinetClassifier(base=pretrained, **params).fit(X, y)
    assert on_top.base_net_ is None
    for name, value in on_top.net_.module_.base.state_dict().items():
        torch.testing.assert_close(value, pretrained.net_.module_.state_dict()[name])
    np.testing.assert_allclose(on_top.predict_proba(X_test).sum(1), 1)
    with pytest.raises(ValueError, match="classes"):
        EpinetClassifier(base=pretrained, **params).fit(X[:100], np.where(
            np.arange(100) % 2, "a", "b"))


def test_indexed_cross_entropy():
    logits = torch.randn(4, 5, 3)
    target = torch.randint(0, 3, (5,))
    expected = np.mean([torch.nn.functional.cross_entropy(logits[k], target).item()
                        for k in range(4)])
    assert IndexedCrossEntropyLoss()(logits, target).item() == pytest.approx(expected)
    with pytest.raises(ValueError, match="n_indices"):
        IndexedCrossEntropyLoss()(logits[0], target)


# -- the contract in composition ---------------------------------------------

from mapie.classification import SplitConformalClassifier  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from uqgenomics import DNAEncoder  # noqa: E402


@pytest.mark.parametrize("kind", sorted(CLASSIFIERS))
def test_pipeline_grid_search_and_mapie(labelled, kind):
    X, y, X_test, y_test = labelled
    pipe = make_pipeline(DNAEncoder(), make_classifier(kind, **TINY_CNN))
    search = GridSearchCV(pipe, {f"{pipe.steps[-1][0]}__lr": [1e-3, 5e-3]}, cv=2).fit(X, y)
    assert search.best_estimator_.predict_proba(X_test).shape == (150, 3)
    model = make_classifier(kind, **dict(TINY_CNN, max_epochs=8, lr=5e-3)).fit(X[:300], y[:300])
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mapie = SplitConformalClassifier(model, confidence_level=0.9, prefit=True)
        mapie.conformalize(X[300:], y[300:])
    _, sets = mapie.predict_set(X_test)
    hit = sets[np.arange(150), np.searchsorted(model.classes_, y_test), 0]
    sd = np.sqrt(0.9 * 0.1 * (1 / 150 + 1 / 150))
    assert abs(hit.mean() - 0.9) < 3 * sd + 0.02  # conformal sets may over-cover by ties

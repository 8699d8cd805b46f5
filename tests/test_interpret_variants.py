"""Attribution maps, variant effects and ISM, with uncertainty."""

import warnings

import numpy as np
import pytest
import torch

from uqgenomics import (
    DistilledRegressor,
    EnsembleRegressor,
    HeteroscedasticRegressor,
    MCDropoutRegressor,
)
from uqgenomics.encoding import one_hot_encode
from uqgenomics.interpret import (
    attribution_consistency,
    attribution_rmse,
    attribution_variability,
    deep_shap,
    gradient_correction,
    prediction_function,
    saliency,
)
from uqgenomics.variants import ism, predict_variant_effects, stratified_effect_performance

from ._float32 import assert_float32_close
from .conftest import TINY_CNN


@pytest.fixture(scope="module")
def models(sequences):
    X, y, _, _ = sequences
    ensemble = EnsembleRegressor(n_estimators=3, **TINY_CNN).fit(X, y)
    student = DistilledRegressor(teacher=ensemble, **TINY_CNN).fit(X, y)
    mc = MCDropoutRegressor(n_samples=30, **dict(TINY_CNN, network__dropout=0.3)).fit(X, y)
    return ensemble, student, mc


def test_saliency_is_the_gradient_and_corrected(models, sequences):
    ensemble, student, _ = models
    _, _, X, _ = sequences
    onehot = one_hot_encode(list(X[:4]))
    raw = saliency(ensemble, onehot, correct=False)
    # Finite differences along one input entry agree with the gradient.
    f = prediction_function(ensemble)
    x = torch.from_numpy(onehot.copy())
    bumped = x.clone()
    bumped[0, 10, 2] += 1e-2
    with torch.no_grad():
        numeric = (f(bumped)[0, 0] - f(x)[0, 0]).item() / 1e-2
    assert numeric == pytest.approx(raw[0, 10, 2], rel=0.05, abs=1e-4)
    corrected = saliency(ensemble, onehot)
    np.testing.assert_allclose(corrected.sum(-1), 0, atol=1e-6)
    np.testing.assert_allclose(corrected, gradient_correction(raw), atol=1e-7)
    # The ensemble's map is the average of its members' maps, in units of y
    # (the networks learn standardised targets).
    members = []
    for network in ensemble._fitted_networks():
        leaf = x.clone().requires_grad_(True)
        members.append(torch.autograd.grad(network(leaf)[:, 0].sum(), leaf)[0].numpy())
    np.testing.assert_allclose(raw, np.mean(members, axis=0) * ensemble.y_scale_[0],
                               rtol=1e-5, atol=1e-6)
    assert saliency(student, onehot, part="epistemic").shape == onehot.shape
    with pytest.raises(ValueError, match="aleatoric"):
        saliency(ensemble, onehot, part="aleatoric")


def test_deep_shap_sums_to_the_prediction_gap(sequences):
    pytest.importorskip("shap")
    X, y, X_test, _ = sequences
    model = EnsembleRegressor(n_estimators=2, **dict(TINY_CNN, network__global_pool="avg")).fit(
        X, y)
    background = one_hot_encode(list(X[:20]))
    values = deep_shap(model, X_test[:5], background=background, batch_size=2,
                       correct=False)
    gap = model.predict(X_test[:5]) - model.predict(background).mean()
    np.testing.assert_allclose(values.sum(axis=(1, 2)), gap, rtol=1e-3, atol=1e-4)
    # DEGU's defaults: 100 random references from X, gradient correction
    corrected = deep_shap(model, X_test[:5], background=background, batch_size=2)
    np.testing.assert_allclose(corrected, values - values.mean(-1, keepdims=True), atol=1e-6)
    shuffled = deep_shap(model, X_test[:5], background="shuffle", n_background=10,
                         random_state=0)
    assert shuffled.shape == (5, 40, 4)
    with pytest.raises(ValueError, match="background"):
        deep_shap(model, X_test[:2], background="zeros")


def test_deep_shap_is_exact_for_silu_and_warns_where_it_is_not(sequences):
    pytest.importorskip("shap")
    X, y, X_test, _ = sequences
    silu = EnsembleRegressor(n_estimators=1, **dict(
        TINY_CNN, network__global_pool="avg", network__activation="silu")).fit(X, y)
    background = one_hot_encode(list(X[:20]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no rule missing, nothing approximated
        values = deep_shap(silu, X_test[:4], background=background, correct=False)
    gap = silu.predict(X_test[:4]) - silu.predict(background).mean()
    np.testing.assert_allclose(values.sum(axis=(1, 2)), gap, rtol=1e-3, atol=1e-4)
    rnn = EnsembleRegressor(n_estimators=1, network="dream_rnn", network__conv_filters=8,
                            network__lstm_hidden=4, network__out_features=8, max_epochs=1,
                            random_state=0).fit(X, y)
    with pytest.warns(RuntimeWarning, match="no DeepLIFT rule for layers LSTM"):
        deep_shap(rnn, X_test[:2], background=background[:5])
    with pytest.warns(RuntimeWarning, match="epistemic part"):
        deep_shap(EnsembleRegressor(n_estimators=2, **TINY_CNN).fit(X, y), X_test[:2],
                  background=background[:5], part="epistemic")


def _hooks_and_state(model):
    """Every layer's hooks and the state_dict's keys of a fitted estimator."""
    networks = model._fitted_networks()
    hooks = [(len(m._forward_hooks), len(m._backward_hooks)) for n in networks
             for m in n.modules()]
    return hooks, [list(n.state_dict()) for n in networks]


def test_deep_shap_leaves_the_model_as_it_found_it(models, sequences, tmp_path, monkeypatch):
    """shap's DeepExplainer left its layers' inputs and outputs as Parameters on
    our networks (the saved file no longer loaded) and, when it failed, its
    DeepLIFT hooks, which would rewrite later gradients."""
    shap = pytest.importorskip("shap")
    import uqgenomics

    _, student, _ = models
    _, _, X_test, _ = sequences
    found = _hooks_and_state(student)
    expected = saliency(student, X_test[:3])
    deep_shap(student, X_test[:3], background=one_hot_encode(list(X_test[5:15])))
    assert _hooks_and_state(student) == found
    uqgenomics.save(student, tmp_path / "student.safetensors")
    loaded = uqgenomics.load(tmp_path / "student.safetensors")
    assert_float32_close(loaded.predict(X_test), student.predict(X_test))

    real = shap.DeepExplainer

    class FailsHalfway(real):
        def shap_values(self, X, **kwargs):  # hooks on, then an op it cannot take
            self.explainer.add_handles(self.explainer.model, lambda *args: None,
                                       lambda *args: None)
            raise RuntimeError("unsupported operation")

    monkeypatch.setattr(shap, "DeepExplainer", FailsHalfway)
    with pytest.warns(RuntimeWarning, match=r"DeepExplainer failed \(unsupported operation\)"):
        deep_shap(student, X_test[:3], background=one_hot_encode(list(X_test[5:15])))
    assert _hooks_and_state(student) == found
    # the same gradients as before (a DeepLIFT hook left on would rewrite them)
    assert_float32_close(saliency(student, X_test[:3]), expected)


def test_consistency_metrics():
    rng = np.random.default_rng(0)
    reference = rng.normal(size=(6, 20, 4))
    assert np.all(attribution_rmse(reference, reference) == 0)
    np.testing.assert_allclose(attribution_rmse(3 * reference, reference, normalize=True), 0,
                               atol=1e-12)
    assert np.all(attribution_rmse(3 * reference, reference) > 0)
    maps = np.stack([reference, reference + 0.1 * rng.normal(size=reference.shape)])
    spread = attribution_variability(maps)
    assert spread.shape == (6,) and np.all(spread > 0)
    np.testing.assert_allclose(attribution_variability(np.stack([reference, reference])), 0)
    with pytest.raises(ValueError, match="n_models"):
        attribution_variability(reference[None])
    # DEGU: max-normalised maps, root of the summed variance across models
    expected = np.sqrt((maps / np.abs(maps).max(axis=(2, 3), keepdims=True)).var(0).sum((1, 2)))
    np.testing.assert_allclose(attribution_consistency(maps), expected)
    np.testing.assert_allclose(attribution_consistency(np.stack([reference, 5 * reference])), 0,
                               atol=1e-12)  # the same shape at another scale


def test_variant_effects_per_family(models, sequences):
    ensemble, student, mc = models
    _, _, X, _ = sequences
    ref, alt = X[:10], X[10:20]
    # Effects come from one prediction over [ref; alt], the references here
    # from predictions of ref and alt apart: another batch composition.
    effects = predict_variant_effects(ensemble, ref, alt)
    alt_members, ref_members = ensemble.predict_members(alt), ensemble.predict_members(ref)
    scale = np.abs(ref_members).max()
    members = alt_members - ref_members
    assert_float32_close(effects.mean, members.mean(0), scale)
    assert_float32_close(effects.epistemic, members.std(0), scale)
    samples = mc.predict_samples(np.concatenate([one_hot_encode(list(ref)),
                                                 one_hot_encode(list(alt))]))
    np.testing.assert_allclose(predict_variant_effects(mc, ref, alt).epistemic,
                               (samples[:, 10:] - samples[:, :10]).std(0), rtol=1e-6)
    assert effects.epistemic_from == "paired draws"
    # The student predicts one epistemic std per sequence: combined as fully
    # correlated by default, as independent on request, and said so.
    a, b = student.predict_uncertainty(ref), student.predict_uncertainty(alt)
    with pytest.warns(UserWarning, match="lower bound"):
        correlated = predict_variant_effects(student, ref, alt)
    assert correlated.epistemic_from == "correlated heads"
    chosen = predict_variant_effects(student, ref, alt, unpaired="correlated")  # no warning
    np.testing.assert_array_equal(chosen.epistemic, correlated.epistemic)
    assert_float32_close(correlated.mean, b.mean - a.mean, np.abs(a.mean).max())
    assert_float32_close(correlated.epistemic, np.abs(b.epistemic - a.epistemic),
                         a.epistemic.max())
    independent = predict_variant_effects(student, ref, alt, unpaired="independent")
    assert independent.epistemic_from == "independent heads"
    assert_float32_close(independent.epistemic, np.hypot(a.epistemic, b.epistemic))
    with pytest.raises(ValueError, match="unpaired"):
        predict_variant_effects(student, ref, alt, unpaired="paired")
    # A variant identical to its reference has no effect and, paired, no
    # uncertainty (up to rounding: ref and alt sit at other rows of the batch).
    same = predict_variant_effects(ensemble, ref, ref)
    assert_float32_close(same.mean, 0, scale)
    assert_float32_close(same.epistemic, 0, scale)


def test_every_family_with_draws_gets_paired_effects(sequences):
    """A heteroscedastic network with MC dropout has paired draws (the masks):
    its effects are taken mask by mask, and its noise adds as two measurements."""
    X, y, X_test, _ = sequences
    model = HeteroscedasticRegressor(mc_dropout=True, n_samples=30,
                                     **dict(TINY_CNN, network__dropout=0.3)).fit(X, y)
    ref, alt = X_test[:10], X_test[10:20]
    effects = predict_variant_effects(model, ref, alt)
    assert effects.epistemic_from == "paired draws"
    draws = model.predict_draws(np.concatenate([one_hot_encode(list(ref)),
                                                one_hot_encode(list(alt))]))
    differences = draws.means[:, 10:] - draws.means[:, :10]
    scale = np.abs(draws.means).max()
    assert_float32_close(effects.mean, differences.mean(0), scale)
    assert_float32_close(effects.epistemic, differences.std(0), scale)
    noise = draws.variances.mean(0)
    assert_float32_close(effects.aleatoric, np.sqrt(noise[:10] + noise[10:]), noise.max())
    # paired differences are tighter than independent draws would be
    a, b = model.predict_uncertainty(ref), model.predict_uncertainty(alt)
    assert np.median(effects.epistemic / np.hypot(a.epistemic, b.epistemic)) < 1


def test_ism_matches_single_variant_calls_in_one_pass_per_sequence(models, sequences):
    ensemble, _, _ = models
    _, _, X, _ = sequences
    onehot = one_hot_encode(list(X[:2]))
    result = ism(ensemble, onehot)
    assert result.mean.shape == (2, 40, 4)
    reference = onehot.argmax(-1)
    np.testing.assert_array_equal(result.mean[0, np.arange(40), reference[0]], 0)
    variant = onehot[:1].copy()
    position, base = 7, (reference[0, 7] + 1) % 4
    variant[0, position] = np.eye(4)[base]
    single = predict_variant_effects(ensemble, onehot[:1], variant)
    assert result.mean[0, position, base] == pytest.approx(single.mean[0], abs=1e-6)
    assert result.epistemic[0, position, base] == pytest.approx(single.epistemic[0], abs=1e-6)
    calls = []
    network = ensemble._fitted_networks()[0]
    handle = network.register_forward_hook(lambda m, i, o: calls.append(len(i[0])))
    ism(ensemble, onehot)
    handle.remove()
    # Each sequence's 3L + 1 inputs go through in full batches, once.
    assert sum(calls) == 2 * (3 * 40 + 1) and max(calls) <= ensemble.batch_size


def test_stratified_effect_performance_table():
    rng = np.random.default_rng(1)
    uncertainty = rng.uniform(0.1, 2, 500)
    measured = rng.normal(size=500)
    effect = measured + uncertainty * rng.normal(size=500)
    table = stratified_effect_performance(effect, uncertainty, measured)
    assert list(table.columns) == ["percentile", "threshold", "n", "pearson", "spearman"]
    assert table["pearson"].iloc[0] > table["pearson"].iloc[-1]


def test_logo_plot(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from uqgenomics.plotting import plot_attribution_logo

    values = gradient_correction(np.random.default_rng(2).normal(size=(1, 30, 4)))[0]
    ax = plot_attribution_logo(values, start=100)
    assert len(ax.patches) == 30 * 4 - int((values == 0).sum())
    assert ax.get_xlim() == (99.5, 129.5)
    ax.figure.savefig(tmp_path / "logo.png")
    assert (tmp_path / "logo.png").stat().st_size > 5000
    with pytest.raises(ValueError, match="shape"):
        plot_attribution_logo(values[:, :3])

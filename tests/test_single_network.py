"""MC dropout, heteroscedastic and evidential regressors: behaviour and meaning."""

import numpy as np
import pytest
import torch

from uqgenomics import EvidentialRegressor, HeteroscedasticRegressor, MCDropoutRegressor

from .conftest import TINY_CNN


def noisy_sine(n, seed, low=-3.0, high=3.0):
    """y = sin(x) + noise whose std grows with |x|: the true noise is known."""
    rng = np.random.RandomState(seed)
    x = rng.uniform(low, high, size=(n, 1))
    noise_std = 0.05 + 0.3 * np.abs(x[:, 0])
    return x, np.sin(x[:, 0]) + noise_std * rng.normal(size=n), noise_std


FEATURE_NET = dict(network="mlp", network__hidden=(64, 64), network__dropout=0.0,
                   lr=3e-3, batch_size=64, max_epochs=150, patience=20, random_state=0)


# The part whose scale should equal the true noise std: the heteroscedastic
# std; for evidential regression the Student-t predictive std (total), since
# the NIG model puts part of the noise into its 1/ν (epistemic) term.
@pytest.mark.parametrize("cls, params, calibrated", [
    (HeteroscedasticRegressor, {}, "aleatoric"),
    (HeteroscedasticRegressor, {"beta": 0.5}, "aleatoric"),
    (EvidentialRegressor, {}, "total"),
])
def test_aleatoric_std_tracks_the_true_noise(cls, params, calibrated):
    X, y, _ = noisy_sine(3000, seed=0)
    X_test, _, true_std = noisy_sine(500, seed=1)
    model = cls(**FEATURE_NET, **params).fit(X, y)
    result = model.predict_uncertainty(X_test)
    assert np.corrcoef(result.aleatoric, true_std)[0, 1] > 0.8
    assert np.corrcoef(result.mean, np.sin(X_test[:, 0]))[0, 1] > 0.9
    # the scale is right too, not only the ranking
    assert np.median(getattr(result, calibrated) / true_std) == pytest.approx(1.0, abs=0.35)


def test_mc_dropout_epistemic_grows_away_from_the_training_data():
    X, y, _ = noisy_sine(2000, seed=0, low=-1.0, high=1.0)
    model = MCDropoutRegressor(
        "mlp", network__hidden=(128, 128), network__dropout=0.2, lr=3e-3,
        max_epochs=60, random_state=0,
    ).fit(X, y)
    inside = model.predict_uncertainty(np.linspace(-1, 1, 50)[:, None]).epistemic
    outside = model.predict_uncertainty(np.linspace(4, 6, 50)[:, None]).epistemic
    assert outside.mean() > 2 * inside.mean()
    assert np.all(model.predict_uncertainty(np.linspace(-1, 1, 50)[:, None]).aleatoric == 0)


def test_heteroscedastic_with_mc_dropout_gives_both_parts(sequences):
    X, y, X_test, _ = sequences
    # the correlation below is this network's; two fits compared bit for bit
    # are deterministic by design on a CPU only
    params = dict(TINY_CNN, batch_size=32, device="cpu")
    plain = HeteroscedasticRegressor(**params).fit(X, y)
    result = plain.predict_uncertainty(X_test)
    assert np.all(result.epistemic == 0) and np.all(result.aleatoric > 0)
    both = HeteroscedasticRegressor(mc_dropout=True, n_samples=30, **params).fit(X, y)
    # mc_dropout changes prediction only: one seed, one computation, one network
    for name, value in both.net_.module_.state_dict().items():
        torch.testing.assert_close(value, plain.net_.module_.state_dict()[name], rtol=0, atol=0)
    result = both.predict_uncertainty(X_test)
    assert np.all(result.epistemic > 0) and np.all(result.aleatoric > 0)
    np.testing.assert_allclose(result.total, np.hypot(result.epistemic, result.aleatoric))
    # the MC average of the dropout sub-networks follows the full network
    assert np.corrcoef(result.mean, plain.predict(X_test))[0, 1] > 0.95


@pytest.mark.parametrize("cls", [MCDropoutRegressor, HeteroscedasticRegressor, EvidentialRegressor])
def test_multi_task_shapes(sequences, cls):
    X, y, X_test, _ = sequences
    params = {"mc_dropout": True, "n_samples": 5} if cls is HeteroscedasticRegressor else {}
    model = cls(**TINY_CNN, **params).fit(X, np.column_stack([y, 2 * y]))
    result = model.predict_uncertainty(X_test)
    for part in (result.mean, result.epistemic, result.aleatoric):
        assert part.shape == (len(X_test), 2)
    assert model.predict(X_test, return_std=True)[1].shape == (len(X_test), 2)


def test_mc_dropout_samples_and_reproducibility(sequences):
    X, y, X_test, _ = sequences
    model = MCDropoutRegressor(n_samples=25, **TINY_CNN).fit(X, y)
    samples = model.predict_samples(X_test)
    assert samples.shape == (25, len(X_test))
    result = model.predict_uncertainty(X_test)
    np.testing.assert_allclose(result.mean, samples.mean(0))
    np.testing.assert_allclose(result.epistemic, samples.std(0))
    np.testing.assert_array_equal(samples, model.predict_samples(X_test))  # seeded by seed_
    np.testing.assert_allclose(model.predict_samples(X_test[:5]), samples[:, :5], atol=1e-6)


def test_mc_dropout_parameter_errors_come_before_training(sequences):
    X, y, _, _ = sequences
    with pytest.raises(ValueError, match="n_samples must be an int >= 2"):
        MCDropoutRegressor(n_samples=1, **TINY_CNN).fit(X, y)
    no_dropout = MCDropoutRegressor(**dict(TINY_CNN, network__dropout=0.0))
    with pytest.raises(ValueError, match="has no dropout layer.*network__dropout"):
        no_dropout.fit(X, y)
    assert not hasattr(no_dropout, "net_")  # refused before any training


def test_evidential_parameters_are_constrained(sequences):
    X, y, X_test, _ = sequences
    model = EvidentialRegressor(**TINY_CNN).fit(X, y)
    gamma, nu, alpha, beta = model.predict_evidence(X_test)
    assert (nu > 0).all() and (alpha > 1).all() and (beta > 0).all()
    result = model.predict_uncertainty(X_test)
    np.testing.assert_allclose(result.aleatoric, np.sqrt(beta / (alpha - 1)))
    np.testing.assert_allclose(result.epistemic, result.aleatoric / np.sqrt(nu))

"""Diagnostics of intervals and of uncertainty rankings, on data whose answer is known."""

import numpy as np
import pytest

from uqgenomics.metrics import (
    aurc,
    coverage_by_group,
    coverage_by_uncertainty,
    quantile_calibration_error,
    sparsification_curve,
    sparsification_error,
    worst_slab_coverage,
)


@pytest.fixture(scope="module")
def overconfident_where_sure():
    """True noise σ in [0.5, 2]; intervals claim 90 % with σ' = 1 everywhere."""
    rng = np.random.default_rng(0)
    sigma = rng.uniform(0.5, 2.0, size=20_000)
    y = sigma * rng.standard_normal(sigma.size)
    half = 1.645
    return y, -half * np.ones_like(y), half * np.ones_like(y), sigma


def test_coverage_by_uncertainty_shows_where_intervals_fail(overconfident_where_sure):
    y, low, high, sigma = overconfident_where_sure
    table = coverage_by_uncertainty(y, low, high, sigma, n_bins=4)
    assert list(table.columns) == ["bin", "uncertainty_low", "uncertainty_high", "n",
                                   "coverage", "mean_width"]
    assert table["n"].sum() == len(y) and np.all(np.diff(table["coverage"]) < 0)
    assert table["coverage"].iloc[0] > 0.97 and table["coverage"].iloc[-1] < 0.65
    np.testing.assert_allclose(table["mean_width"], 2 * 1.645)


def test_worst_slab_and_group_coverage(overconfident_where_sure):
    y, low, high, sigma = overconfident_where_sure
    # the worst 10 % slab along σ is the noisiest decile: σ near 2, 1.645 / 1.93 sds
    worst = worst_slab_coverage(y, low, high, sigma, min_fraction=0.1)
    expected = np.mean(np.abs(np.random.default_rng(1).standard_normal(200_000)
                              * np.random.default_rng(2).uniform(1.85, 2.0, 200_000)) <= 1.645)
    assert worst == pytest.approx(expected, abs=0.03)
    # along a score that ignores σ the slabs cover about the average
    shuffled = np.random.default_rng(3).permutation(len(y))
    assert worst_slab_coverage(y, low, high, shuffled, 0.1) > 0.75
    groups = np.where(sigma > 1.25, "noisy", "quiet")
    table = coverage_by_group(y, low, high, groups)
    assert table["group"].tolist() == ["noisy", "quiet"]  # worst first
    assert table["n"].sum() == len(y)
    with pytest.raises(ValueError, match="groups has shape"):
        coverage_by_group(y, low, high, groups[:-1])
    with pytest.raises(ValueError, match="min_fraction"):
        worst_slab_coverage(y, low, high, sigma, 0)


def test_sparsification_and_aurc_rank_the_uncertainty():
    rng = np.random.default_rng(0)
    errors = rng.exponential(size=5000)
    fractions, model, oracle = sparsification_curve(errors, errors, n_steps=10)
    np.testing.assert_allclose(model, oracle)  # a perfect ranking is the oracle
    assert fractions[0] == 0 and model[0] == pytest.approx(errors.mean())
    assert sparsification_error(errors, errors) == pytest.approx(0, abs=1e-12)
    random = rng.random(5000)
    assert sparsification_error(errors, random) > 0.2
    assert sparsification_error(errors, -errors) > sparsification_error(errors, random)
    assert aurc(errors, errors) < aurc(errors, random) < aurc(errors, -errors)
    assert aurc(errors, random) == pytest.approx(errors.mean(), rel=0.1)
    # more steps than samples left an empty rest (NaN); a third array (y, mean, std
    # in the place of errors, uncertainty) failed with numpy's 'truth value' error
    sparsification_curve(errors[:10], errors[:10], n_steps=10)
    with pytest.raises(ValueError, match=r"from 1 to the number of samples \(10\), got 11"):
        sparsification_curve(errors[:10], errors[:10], n_steps=11)
    with pytest.raises(ValueError, match="the third argument is n_steps"):
        sparsification_error(errors, errors, random)


def test_quantile_calibration_error():
    rng = np.random.default_rng(0)
    y = rng.standard_normal(50_000)
    assert quantile_calibration_error(y, np.zeros_like(y), np.ones_like(y)) < 1e-4
    assert quantile_calibration_error(y, np.zeros_like(y), 0.3 * np.ones_like(y)) > 0.02
    with pytest.raises(ValueError, match="levels"):
        quantile_calibration_error(y, y, np.ones_like(y), levels=[0.5, 1.0])

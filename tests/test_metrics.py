"""Each metric against an independent reference: closed form vs numerical
integration, scipy, scikit-learn and MAPIE where they overlap."""

import numpy as np
import pytest
from mapie.metrics.regression import regression_coverage_score, regression_mean_width_score
from scipy import integrate, stats
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

from uqgenomics import UncertaintyResult
from uqgenomics.metrics import (
    brier_score,
    calibration_curve,
    calibration_mse,
    classification_nll,
    crps_gaussian,
    entropy_decomposition,
    expected_calibration_error,
    fpr_at_95_tpr,
    gaussian_interval,
    gaussian_nll,
    interval_coverage,
    interval_score,
    interval_width,
    miscalibration_area,
    ood_aupr,
    ood_auroc,
    pearson_r,
    reliability_bins,
    spearman_r,
    stratified_performance,
    uncertainty_error_correlation,
    uncertainty_report,
)


@pytest.fixture
def gaussian_data():
    rng = np.random.default_rng(0)
    mean = rng.normal(size=4000)
    std = rng.uniform(0.2, 2.0, size=4000)
    y = mean + std * rng.normal(size=4000)
    return y, mean, std


def test_correlations_match_scipy():
    rng = np.random.default_rng(1)
    a = rng.normal(size=200)
    b = a + rng.normal(size=200)
    b[:20] = b[0]  # ties
    assert pearson_r(a, b) == pytest.approx(stats.pearsonr(a, b)[0])
    assert spearman_r(a, b) == pytest.approx(stats.spearmanr(a, b)[0])
    assert np.isnan(pearson_r(a, np.ones(200)))


def test_coverage_and_width_match_mapie(gaussian_data):
    y, mean, std = gaussian_data
    lower, upper = gaussian_interval(mean, std, 0.9)
    intervals = np.stack([lower, upper], axis=1)[:, :, None]
    assert interval_coverage(y, mean, std, 0.9) == pytest.approx(
        regression_coverage_score(y, intervals)[0])
    assert interval_width(mean, std, 0.9) == pytest.approx(
        regression_mean_width_score(intervals)[0])
    assert interval_width(mean, std, 0.9) == pytest.approx(
        2 * stats.norm.ppf(0.95) * std.mean())
    # Samples drawn from the predicted Gaussians are covered at the nominal rate.
    assert interval_coverage(y, mean, std, 0.9) == pytest.approx(0.9, abs=0.015)


def test_interval_score_penalises_misses_by_distance():
    y = np.array([0.0, 3.0, -2.0])
    lower, upper = np.full(3, -1.0), np.full(3, 1.0)
    # width 2 each; misses by 2 and 1 at alpha = 0.1 cost 2/0.1 per unit.
    assert interval_score(y, lower, upper, 0.9) == pytest.approx((6 + 40 + 20) / 3)
    with pytest.raises(ValueError, match="upper"):
        interval_score(y, upper, lower)


def test_nll_matches_scipy_logpdf(gaussian_data):
    y, mean, std = gaussian_data
    assert gaussian_nll(y, mean, std) == pytest.approx(
        -stats.norm.logpdf(y, mean, std).mean())
    assert np.isfinite(gaussian_nll(y, mean, np.zeros_like(std)))


def test_crps_closed_form_matches_numerical_integral():
    rng = np.random.default_rng(2)
    for y, mu, sigma in zip(rng.normal(size=5), rng.normal(size=5), rng.uniform(0.3, 2, 5)):
        def integrand(x):
            return (stats.norm.cdf(x, mu, sigma) - (x >= y)) ** 2
        numeric = (integrate.quad(integrand, -np.inf, y)[0]
                   + integrate.quad(integrand, y, np.inf)[0])
        assert crps_gaussian([y], [mu], [sigma]) == pytest.approx(numeric, rel=1e-6)
    # Zero spread reduces CRPS to the absolute error.
    assert crps_gaussian([1.0, -2.0], [0.0, 0.0], [0.0, 0.0]) == pytest.approx(1.5)


def test_calibration_curve_against_direct_coverage(gaussian_data):
    y, mean, std = gaussian_data
    expected, observed = calibration_curve(y, mean, std, n_levels=9)
    assert expected[0] == 0 and expected[-1] == 1
    for level, seen in zip(expected[1:-1], observed[1:-1]):
        assert seen == pytest.approx(interval_coverage(y, mean, std, level))
    # Calibrated Gaussians: small area; std four times too small: large area.
    assert miscalibration_area(y, mean, std) < 0.02
    assert miscalibration_area(y, mean, std / 4) > 0.25
    # The area equals an independent trapezoid over many direct coverages.
    levels = np.linspace(0, 1, 101)
    direct = [0.0] + [interval_coverage(y, mean, std / 4, p) for p in levels[1:-1]] + [1.0]
    assert miscalibration_area(y, mean, std / 4) == pytest.approx(
        np.trapezoid(np.abs(np.array(direct) - levels), levels))


def test_uncertainty_error_correlation_and_stratification(gaussian_data):
    y, mean, std = gaussian_data
    assert uncertainty_error_correlation(y, mean, std) > 0.3
    assert uncertainty_error_correlation(y, mean, -std) < -0.3
    with pytest.raises(ValueError, match="method"):
        uncertainty_error_correlation(y, mean, std, method="kendall")
    table = stratified_performance(y, mean, std)
    assert list(table["percentile"]) == [25, 50, 75, 100]
    assert list(table["n"]) == [1000, 2000, 3000, 4000]
    # The most confident quarter is the most accurate.
    assert table["score"].is_monotonic_decreasing
    assert table["score"].iloc[-1] == pytest.approx(pearson_r(y, mean))


def test_shape_and_value_errors():
    with pytest.raises(ValueError, match="shape"):
        gaussian_nll([1.0, 2.0], [1.0], [1.0])
    with pytest.raises(ValueError, match="non-negative"):
        crps_gaussian([1.0], [1.0], [-1.0])
    with pytest.raises(ValueError, match="NaN"):
        pearson_r([1.0, np.nan], [1.0, 2.0])
    with pytest.raises(ValueError, match="level"):
        interval_coverage([1.0], [1.0], [1.0], level=1.5)


@pytest.fixture
def classification_data():
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(3000, 3)) * 2
    proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    y = np.array([rng.choice(3, p=p) for p in proba])
    return y, proba


def test_reliability_bins_and_ece_against_loop(classification_data):
    y, proba = classification_data
    bins = reliability_bins(y, proba, n_bins=10)
    assert bins["count"].sum() == len(y)
    confidence, hit = proba.max(1), proba.argmax(1) == y
    ece = 0.0
    for lower, upper in zip(np.linspace(0, 1, 11)[:-1], np.linspace(0, 1, 11)[1:]):
        inside = (confidence > lower) & (confidence <= upper)
        if inside.any():
            ece += inside.mean() * abs(hit[inside].mean() - confidence[inside].mean())
    assert expected_calibration_error(y, proba, n_bins=10) == pytest.approx(ece)
    # Labels drawn from the probabilities: calibrated; sharpened: not.
    assert expected_calibration_error(y, proba) < 0.04
    sharp = proba**4 / (proba**4).sum(1, keepdims=True)
    assert expected_calibration_error(y, sharp) > 0.1
    assert calibration_mse(y, sharp) > calibration_mse(y, proba)


def test_calibration_mse_weights_bins_by_count_or_equally():
    y = np.array([0, 0, 0, 0, 1])
    proba = np.array([[0.95, 0.05]] * 4 + [[0.55, 0.45]])
    # Bins: (0.9, 1.0] confidence 0.95, accuracy 1; (0.5, 0.6] confidence 0.55, accuracy 0.
    assert calibration_mse(y, proba, n_bins=10) == pytest.approx(
        0.8 * 0.05**2 + 0.2 * 0.55**2)
    assert calibration_mse(y, proba, n_bins=10, weighted=False) == pytest.approx(
        (0.05**2 + 0.55**2) / 2)


def test_proper_scores_match_sklearn(classification_data):
    y, proba = classification_data
    assert classification_nll(y, proba) == pytest.approx(log_loss(y, proba))
    binary = proba[:, :2] / proba[:, :2].sum(1, keepdims=True)
    labels = (y == 1).astype(int)
    assert brier_score(labels, binary) == pytest.approx(
        2 * brier_score_loss(labels, binary[:, 1]))
    assert brier_score(labels, binary[:, 1]) == pytest.approx(brier_score(labels, binary))


def test_string_labels_through_classes(classification_data):
    y, proba = classification_data
    classes = np.array(["ctcf", "mafk", "oct4"])
    assert expected_calibration_error(classes[y], proba, classes=classes) == pytest.approx(
        expected_calibration_error(y, proba))
    with pytest.raises(ValueError, match="not in classes"):
        brier_score(["ctcf", "nope"], proba[:2], classes=classes)
    with pytest.raises(ValueError, match="sum to 1"):
        brier_score([0, 1], [[0.5, 0.6], [0.5, 0.5]])
    # labels that are not column indices are refused without classes (a fractional
    # label was truncated to an index, silently)
    with pytest.raises(ValueError, match=r"labels such as '\w+': pass classes=model.classes_"):
        expected_calibration_error(classes[y], proba)
    with pytest.raises(ValueError, match="labels such as 0.5"):
        classification_nll([0.0, 0.5], proba[:2])
    assert brier_score(np.array([0.0, 2.0]), proba[:2]) == brier_score([0, 2], proba[:2])


def test_entropy_decomposition():
    agree = np.tile([[0.5, 0.5]], (4, 1, 1))
    total, aleatoric, epistemic = entropy_decomposition(agree)
    assert total[0] == pytest.approx(np.log(2)) and epistemic[0] == pytest.approx(0)
    disagree = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    total, aleatoric, epistemic = entropy_decomposition(disagree, normalize=True)
    assert (total[0], aleatoric[0], epistemic[0]) == pytest.approx((1.0, 0.0, 1.0))


def test_ood_scores_match_mann_whitney_and_definition():
    rng = np.random.default_rng(4)
    inside, outside = rng.normal(size=500), rng.normal(1.0, size=300)
    u = stats.mannwhitneyu(outside, inside).statistic / (500 * 300)
    assert ood_auroc(inside, outside) == pytest.approx(u)
    labels = np.r_[np.zeros(500), np.ones(300)]
    assert ood_auroc(inside, outside) == pytest.approx(
        roc_auc_score(labels, np.r_[inside, outside]))
    assert 300 / 800 < ood_aupr(inside, outside) < 1
    threshold = np.sort(inside)[474]  # accepts 475 of 500 = 95 %
    assert fpr_at_95_tpr(inside, outside) == pytest.approx(np.mean(outside <= threshold))
    assert fpr_at_95_tpr(inside, inside + 100) == 0.0


def test_uncertainty_report_one_and_two_tasks(gaussian_data):
    y, mean, std = gaussian_data
    result = UncertaintyResult(mean, std / 2, std * np.sqrt(3) / 2)
    report = uncertainty_report(y, result)
    assert list(report.index) == ["task_0"]
    row = report.loc["task_0"]
    assert row["coverage"] == pytest.approx(interval_coverage(y, mean, std))
    assert row["nll"] == pytest.approx(gaussian_nll(y, mean, std))
    assert row["crps"] == pytest.approx(crps_gaussian(y, mean, std))
    assert row["pearson_below_p25"] > row["pearson_below_p75"]
    two = UncertaintyResult(np.c_[mean, mean], np.c_[std, std], np.zeros((len(y), 2)))
    report = uncertainty_report(np.c_[y, y], two, task_names=["Dev", "Hk"])
    assert list(report.index) == ["Dev", "Hk"]
    assert report.loc["Dev", "spearman_epistemic_error"] == pytest.approx(
        report.loc["Dev", "spearman_total_error"])
    with pytest.raises(ValueError, match="shape"):
        uncertainty_report(y[:10], result)


def test_uncertainty_report_takes_the_dict_the_plots_take(gaussian_data):
    y, mean, std = gaussian_data
    sharp, wide = UncertaintyResult(mean, std, 0 * std), UncertaintyResult(mean, 2 * std, 0 * std)
    report = uncertainty_report(y, {"sharp": sharp, "wide": wide})
    assert list(report.index) == [("sharp", "task_0"), ("wide", "task_0")]
    assert report.loc[("wide", "task_0"), "coverage"] == pytest.approx(
        interval_coverage(y, mean, 2 * std))
    assert report.loc[("sharp", "task_0"), "width"] < report.loc[("wide", "task_0"), "width"]
    with pytest.raises(ValueError, match="empty dict"):
        uncertainty_report(y, {})
    with pytest.raises(TypeError, match="predict_uncertainty returns"):
        uncertainty_report(y, mean)

"""Plots render headless to PNG and draw what they say."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from uqgenomics import UncertaintyResult  # noqa: E402
from uqgenomics.plotting import (  # noqa: E402
    plot_calibration_curve,
    plot_coverage_by_uncertainty,
    plot_coverage_width,
    plot_error_vs_uncertainty,
    plot_reliability_diagram,
    plot_stratified_performance,
)


@pytest.fixture
def regression():
    rng = np.random.default_rng(0)
    mean, std = rng.normal(size=500), rng.uniform(0.2, 1.5, 500)
    y = mean + std * rng.normal(size=500)
    return y, {"calibrated": UncertaintyResult(mean, std, np.zeros(500)),
               "over-confident": UncertaintyResult(mean, std / 3, np.zeros(500))}


def _render(ax, path):
    ax.figure.savefig(path)
    plt.close(ax.figure)
    assert path.stat().st_size > 5000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_calibration_curve(regression, tmp_path):
    y, results = regression
    ax = plot_calibration_curve(y, results)
    assert len(ax.lines) == 3  # two models and the diagonal
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("calibrated (area") and labels[-1] == "ideal"
    _render(ax, tmp_path / "calibration.png")


def test_coverage_width_one_point_per_level(regression, tmp_path):
    y, results = regression
    ax = plot_coverage_width(y, results, levels=(0.5, 0.9))
    first = ax.lines[0]
    assert len(first.get_xdata()) == 2
    assert first.get_ydata()[1] == pytest.approx(0.9, abs=0.05)
    _render(ax, tmp_path / "coverage.png")


def test_error_vs_uncertainty_and_stratified(regression, tmp_path):
    y, results = regression
    result = results["calibrated"]
    ax = plot_error_vs_uncertainty(y, result.mean, result.total, n_bins=5)
    assert len(ax.lines[0].get_xdata()) == 5
    _render(ax, tmp_path / "error.png")
    ax = plot_stratified_performance(y, results)
    assert len(ax.patches) == 8  # 4 percentiles × 2 models
    _render(ax, tmp_path / "stratified.png")


def test_classification_reliability(tmp_path):
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 1, 400)
    proba = np.c_[1 - p, p]
    y = (rng.uniform(size=400) < p).astype(int)
    fig, ax = plt.subplots()
    assert plot_reliability_diagram(y, proba, n_bins=5, label="cnn", ax=ax) is ax
    assert 1 <= len(ax.patches) <= 5
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(text.startswith("cnn (ECE") for text in labels)
    _render(ax, tmp_path / "reliability.png")


def test_multi_task_result_is_refused(regression):
    y, results = regression
    two = UncertaintyResult(np.zeros((5, 2)), np.ones((5, 2)), np.zeros((5, 2)))
    with pytest.raises(ValueError, match="one task"):
        plot_calibration_curve(y[:5], two)


def test_coverage_by_uncertainty_plot(regression, tmp_path):
    y, results = regression
    intervals = {name: (r.mean - 1.645 * r.total, r.mean + 1.645 * r.total)
                 for name, r in results.items()}
    ax = plot_coverage_by_uncertainty(y, intervals, results["calibrated"].total, level=0.9,
                                      n_bins=4)
    _render(ax, tmp_path / "coverage_by_bin.png")
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"calibrated", "over-confident", "nominal 90%"}
    calibrated = lines["calibrated"].get_ydata()
    assert len(calibrated) == 4 and np.all(np.abs(calibrated - 0.9) < 0.1)
    assert np.all(lines["over-confident"].get_ydata() < 0.6)
    assert "most certain" in ax.get_xlabel()

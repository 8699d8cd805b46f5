"""Fit the regression UQ methods and score them the same way on real data."""

from __future__ import annotations

import time

import numpy as np
from mapie.conformity_scores import StdConformityScore
from mapie.metrics.regression import regression_coverage_score, regression_mean_width_score
from mapie.regression import SplitConformalRegressor

from uqgenomics import (
    EnsembleRegressor,
    EvidentialRegressor,
    HeteroscedasticRegressor,
    MCDropoutRegressor,
)
from uqgenomics.metrics import (
    gaussian_nll,
    interval_coverage,
    interval_width,
    pearson_r,
    spearman_r,
)

LEVEL = 0.95

METHODS = {
    "ensemble": lambda p, n: EnsembleRegressor(n_estimators=n, **p),
    "mc_dropout": lambda p, n: MCDropoutRegressor(n_samples=100, **p),
    "heteroscedastic": lambda p, n: HeteroscedasticRegressor(**p),
    "heteroscedastic+mc": lambda p, n: HeteroscedasticRegressor(mc_dropout=True, **p),
    "evidential": lambda p, n: EvidentialRegressor(**p),
}


def score(model, X_cal, y_cal, X_test, y_test) -> dict:
    """Accuracy, NLL and 95 % coverage / width before and after conformal."""
    result = model.predict_uncertainty(X_test)
    start = time.perf_counter()
    conformal = SplitConformalRegressor(
        model, confidence_level=LEVEL, conformity_score=StdConformityScore(), prefit=True
    ).conformalize(X_cal, y_cal)
    _, intervals = conformal.predict_interval(X_test)
    return {
        "pearson": pearson_r(y_test, result.mean),
        "spearman": spearman_r(y_test, result.mean),
        "nll": gaussian_nll(y_test, result.mean, result.total),
        "coverage_raw": interval_coverage(y_test, result.mean, result.total, LEVEL),
        "width_raw": interval_width(result.mean, result.total, LEVEL),
        "coverage_conformal": regression_coverage_score(y_test, intervals)[0],
        "width_conformal": regression_mean_width_score(intervals)[0],
        "conformal_seconds": time.perf_counter() - start,
        "_result": result,
    }


def fit_and_score(method, params, n_estimators, data) -> dict:
    """Fit one method on ``data['fit']`` (X, y[, groups for the early-stopping
    split]), calibrate on ``'cal'``, score on ``'test'``."""
    start = time.perf_counter()
    X, y, *groups = data["fit"]
    model = METHODS[method](params, n_estimators).fit(X, y, groups=groups[0] if groups else None)
    row = {"method": method, "fit_seconds": time.perf_counter() - start}
    row.update(score(model, *data["cal"], *data["test"]))
    if method == "ensemble":
        row["pearson_members"] = [pearson_r(data["test"][1], m)
                                  for m in model.predict_members(data["test"][0])]
    return row


def summarise(rows: list[dict], keys=("pearson", "nll", "coverage_raw", "width_raw",
                                      "coverage_conformal", "width_conformal")) -> dict:
    """Mean and std over seeds of each metric, per method."""
    summary = {}
    for method in dict.fromkeys(r["method"] for r in rows):
        picked = [r for r in rows if r["method"] == method]
        summary[method] = {k: (float(np.mean([r[k] for r in picked])),
                               float(np.std([r[k] for r in picked]))) for k in keys}
    return summary


TABLE_HEADER = ("method", "Pearson r", "Gaussian NLL", "95 % coverage, mean ± 1.96 std",
                "mean width", "95 % coverage, MAPIE conformal", "mean width (conformal)")


def table(summary: dict) -> list[tuple[str, ...]]:
    """Markdown rows under :data:`TABLE_HEADER`: mean ± std over seeds."""
    return [(method, *(f"{m:.3f} ± {s:.3f}" for m, s in metrics.values()))
            for method, metrics in summary.items()]

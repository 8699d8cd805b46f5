"""Deep ensemble on real MPRA data: lentiMPRA WTC11 (Agarwal et al. 2025).

One cross-validation fold (``WTC11_valid.tsv``) trains: 80 % for fitting
(with the estimator's own 10 % early-stopping split) and 20 % for MAPIE
calibration; the other fold (``WTC11_test.tsv``) tests. Per seed: Pearson r
of each member and of the ensemble, and 95 % interval coverage / width of
mean ± 1.96 epistemic std and of MAPIE split conformal with the std score.

Run: ``python benchmarks/bench_wtc11.py [--seeds 0 1] [--network deepstarr]``.
Needs ``../shared/data/lentimpra_wtc11``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from mapie.conformity_scores import StdConformityScore
from mapie.metrics.regression import regression_coverage_score, regression_mean_width_score
from mapie.regression import SplitConformalRegressor
from scipy.stats import pearsonr, spearmanr

from _common import SHARED_DATA, write_results
from uqgenomics import EnsembleRegressor, one_hot_encode, read_table

LEVEL, Z95 = 0.95, 1.959964


def load_folds():
    folder = SHARED_DATA / "lentimpra_wtc11"
    if not folder.is_dir():
        raise SystemExit(f"{folder} is absent: this benchmark needs the shared WTC11 data")
    train = read_table(folder / "WTC11_valid.tsv", target_columns="mean_value")
    test = read_table(folder / "WTC11_test.tsv", target_columns="mean_value")
    return (one_hot_encode(train[0]), train[1]), (one_hot_encode(test[0]), test[1])


def run_seed(seed, args, fold_a, fold_b) -> dict:
    (X, y), (X_test, y_test) = fold_a, fold_b
    order = np.random.RandomState(seed).permutation(len(X))
    fit_rows, cal_rows = order[: int(0.8 * len(X))], order[int(0.8 * len(X)):]
    start = time.perf_counter()
    model = EnsembleRegressor(
        args.network, n_estimators=args.n_estimators, max_epochs=args.max_epochs,
        random_state=seed, device="cpu",
    ).fit(X[fit_rows], y[fit_rows])
    fit_seconds = time.perf_counter() - start
    members = model.predict_members(X_test)
    result = model.predict_uncertainty(X_test)
    raw = np.stack([result.mean - Z95 * result.total, result.mean + Z95 * result.total], 1)
    conformal = SplitConformalRegressor(
        model, confidence_level=LEVEL, conformity_score=StdConformityScore(), prefit=True
    ).conformalize(X[cal_rows], y[cal_rows])
    _, intervals = conformal.predict_interval(X_test)
    row = {
        "seed": seed,
        "fit_seconds": fit_seconds,
        "epochs": [len(net.history) for net in model.estimators_],
        "pearson_members": [pearsonr(m, y_test)[0] for m in members],
        "pearson_ensemble": pearsonr(result.mean, y_test)[0],
        "spearman_ensemble": spearmanr(result.mean, y_test)[0],
        "coverage_raw": regression_coverage_score(y_test, raw[:, :, None])[0],
        "width_raw": regression_mean_width_score(raw[:, :, None])[0],
        "coverage_conformal": regression_coverage_score(y_test, intervals)[0],
        "width_conformal": regression_mean_width_score(intervals)[0],
    }
    print({k: (np.round(v, 4) if not isinstance(v, list) else np.round(v, 4).tolist())
           for k, v in row.items()}, flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--network", default="deepstarr")
    parser.add_argument("--n-estimators", type=int, default=5)
    parser.add_argument("--max-epochs", type=int, default=100)
    args = parser.parse_args()
    fold_a, fold_b = load_folds()
    rows = [run_seed(seed, args, fold_a, fold_b) for seed in args.seeds]
    members = np.concatenate([r["pearson_members"] for r in rows])
    ensembles = np.array([r["pearson_ensemble"] for r in rows])

    def mean_sd(key):
        values = np.array([r[key] for r in rows])
        return f"{values.mean():.3f} ± {values.std():.3f}"

    write_results("wtc11_ensemble", {"setup": vars(args), "n_train_fold": len(fold_a[1]),
                                     "n_test": len(fold_b[1]), "per_seed": rows}, [
        ("setup", f"{args.network}, {args.n_estimators} members, seeds {args.seeds}, "
                  f"train fold {len(fold_a[1])}, test fold {len(fold_b[1])}", ""),
        ("Pearson r, single members", f"{members.mean():.3f} ± {members.std():.3f}", ""),
        ("Pearson r, ensemble", f"{ensembles.mean():.3f} ± {ensembles.std():.3f}",
         "> single members"),
        ("Spearman, ensemble", mean_sd("spearman_ensemble"), ""),
        ("95 % coverage, mean ± 1.96 epistemic std", mean_sd("coverage_raw"), "0.95"),
        ("mean width, mean ± 1.96 epistemic std", mean_sd("width_raw"), ""),
        ("95 % coverage, MAPIE split conformal (std score)", mean_sd("coverage_conformal"),
         "0.95"),
        ("mean width, MAPIE split conformal", mean_sd("width_conformal"), ""),
    ])


if __name__ == "__main__":
    main()

"""Regression uncertainty on real MPRA data: lentiMPRA WTC11 (Agarwal et al. 2025).

One cross-validation fold (``WTC11_valid.tsv``) trains: 80 % for fitting
(each estimator holds out its own 10 % for early stopping) and 20 % for MAPIE
calibration, split by reverse-complement group (the fold holds almost every
element on both strands); the other fold (``WTC11_test.tsv``) tests. For every seed the
same split and network (DeepSTARR, DEGU's training recipe) serve a deep
ensemble, MC dropout, a heteroscedastic and an evidential regressor. Scores:
Pearson r (also of each ensemble member), Gaussian NLL of the total std, 95 %
coverage and width of mean ± 1.96 total std and of MAPIE split conformal with
the std score.

Run: ``python benchmarks/bench_wtc11.py [--seeds 0 1] [--methods ...]``
(about 25 min per seed on 2 CPU cores). Needs ``../shared/data/lentimpra_wtc11``.
"""

from __future__ import annotations

import argparse

import numpy as np

from sklearn.model_selection import GroupShuffleSplit

from _common import SHARED_DATA, write_results
from _uq_eval import METHODS, TABLE_HEADER, fit_and_score, summarise, table
from uqgenomics import one_hot_encode
from uqgenomics.datasets import load_lentimpra_wtc11
from uqgenomics.encoding import reverse_complement_groups


def load_folds():
    """(X, y) of the training fold and of the test fold, one-hot."""
    data = load_lentimpra_wtc11(data_home=SHARED_DATA)
    return ((one_hot_encode(data.X_valid), data.y_valid),
            (one_hot_encode(data.X_test), data.y_test))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--methods", nargs="+", default=["ensemble", "mc_dropout",
                                                          "heteroscedastic", "evidential"],
                        choices=sorted(METHODS))
    parser.add_argument("--network", default="deepstarr")
    parser.add_argument("--n-estimators", type=int, default=5)
    parser.add_argument("--max-epochs", type=int, default=100)
    args = parser.parse_args()
    (X, y), test = load_folds()
    rows = []
    for seed in args.seeds:
        # the fold holds each element on both strands: split by group, or the
        # calibration set would hold the reverse complements of training rows
        groups = reverse_complement_groups(X)
        fit, cal = next(GroupShuffleSplit(1, test_size=0.2, random_state=seed).split(
            X, None, groups))
        data = {"fit": (X[fit], y[fit], groups[fit]), "cal": (X[cal], y[cal]), "test": test}
        params = dict(network=args.network, max_epochs=args.max_epochs, random_state=seed,
                      device="cpu")
        for method in args.methods:
            row = fit_and_score(method, params, args.n_estimators, data)
            row.pop("_result")
            row["seed"] = seed
            rows.append(row)
            print({k: np.round(v, 4).tolist() if isinstance(v, (list, float)) else v
                   for k, v in row.items()}, flush=True)
            report(rows, args, len(fit), len(cal), len(test[1]))


def report(rows, args, n_fit, n_cal, n_test) -> None:
    """Write the results so far (called after every method: a cut-off run keeps them)."""
    summary = summarise(rows)
    members = [r for row in rows if "pearson_members" in row for r in row["pearson_members"]]
    notes = (
        f"{args.network}, seeds {sorted({r['seed'] for r in rows})} of {args.seeds}, fit on "
        f"{n_fit} / calibrate on {n_cal} sequences of one fold, test on the other fold "
        f"({n_test}). Ensemble: "
        f"{args.n_estimators} members; its single members reach Pearson r "
        f"{np.mean(members):.3f} ± {np.std(members):.3f} (n = {len(members)}). "
        "The ensemble and MC dropout have no noise head, so their total std is epistemic only."
    ) if members else f"{args.network}, seeds {args.seeds}"
    write_results("wtc11_regression", {"setup": vars(args), "summary": summary,
                                       "pearson_single_members": members, "per_seed": rows},
                  table(summary), header=TABLE_HEADER, notes=notes)


if __name__ == "__main__":
    main()

"""Main example: a deep ensemble on DNA, conformalized with MAPIE.

Run ``python -m uqgenomics.demo`` for the built-in simulated regulatory
dataset, or ``python -m uqgenomics.demo --data FILE.tsv`` for a table with a
sequence column and an activity column. The data are split 60 / 20 / 20
into training, conformal calibration and test sets.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from mapie.conformity_scores import StdConformityScore
from mapie.metrics.regression import regression_coverage_score, regression_mean_width_score
from mapie.regression import SplitConformalRegressor

from .datasets import make_regulatory_sequences
from .encoding import read_table
from .metrics import interval_coverage, interval_width, pearson_r
from .regression import EnsembleRegressor


def _load(args) -> tuple[np.ndarray, np.ndarray, str]:
    if args.data is None:
        X, y = make_regulatory_sequences(
            n_samples=6000, length=100, random_state=args.seed
        )
        return X, y, "simulated regulatory sequences (100 bp, GATA / AP-1 / ETS / ZEB motifs)"
    sequences, y = read_table(
        args.data, sequence_column=args.sequence_column, target_columns=args.target_column
    )
    return np.asarray(sequences), y, args.data


def _interval_line(name: str, coverage: float, width: float) -> str:
    return f"  {name:<32} coverage {coverage:6.1%}   mean width {width:.3f}"


def run(args) -> dict:
    """Train, conformalize and report; returns the figures printed."""
    start = time.perf_counter()
    X, y, source = _load(args)
    order = np.random.RandomState(args.seed).permutation(len(X))
    n_train, n_cal = int(0.6 * len(X)), int(0.2 * len(X))
    train, cal, test = np.split(order, [n_train, n_train + n_cal])
    print(f"data: {source}: {len(train)} train / {len(cal)} calibration / {len(test)} test "
          f"({torch.get_num_threads()} torch threads)")

    model = EnsembleRegressor(
        "cnn", n_estimators=args.n_estimators, max_epochs=args.epochs, lr=3e-3,
        network__filters=(32, 32), network__dense_units=(32,),
        random_state=args.seed, verbose=args.verbose,
    ).fit(X[train], y[train])
    print(f"trained {args.n_estimators} members in {time.perf_counter() - start:.0f} s")

    result = model.predict_uncertainty(X[test])
    members = model.predict_members(X[test])
    r_ensemble = pearson_r(y[test], result.mean)
    r_members = [pearson_r(y[test], m) for m in members]
    print(f"Pearson r: ensemble {r_ensemble:.3f}; single members "
          f"{np.mean(r_members):.3f} ± {np.std(r_members):.3f}")
    print(f"epistemic std (spread across members): median {np.median(result.epistemic):.3f}")

    level = 0.95
    mapie = SplitConformalRegressor(
        model, confidence_level=level, conformity_score=StdConformityScore(), prefit=True
    ).conformalize(X[cal], y[cal])
    _, intervals = mapie.predict_interval(X[test])
    print(f"{level:.0%} intervals on the test set:")
    print(_interval_line("mean ± 1.96 epistemic std",
                         interval_coverage(y[test], result.mean, result.total, level),
                         interval_width(result.mean, result.total, level)))
    conformal_coverage = regression_coverage_score(y[test], intervals)[0]
    print(_interval_line("MAPIE split conformal (std)", conformal_coverage,
                         regression_mean_width_score(intervals)[0]))
    print(f"total time {time.perf_counter() - start:.0f} s")
    return {
        "pearson_ensemble": r_ensemble,
        "pearson_members": r_members,
        "coverage_conformal": conformal_coverage,
    }


def main(argv=None) -> dict:
    """Command-line entry point; returns the figures it printed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="TSV/CSV with a sequence column and a target column")
    parser.add_argument("--sequence-column", default="seq")
    parser.add_argument("--target-column", default="mean_value")
    parser.add_argument("--n-estimators", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: torch's, one per core); 1 on a machine "
                             "that other jobs keep busy")
    args = parser.parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    return run(args)


if __name__ == "__main__":
    main()

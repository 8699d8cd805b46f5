"""Calibrated and sharp intervals on real data: raw, recalibrated, conformal, constant width.

Every regressor on MPSA (MLP on 9 nt splice sites; the data's own training /
validation / test sets) and lentiMPRA WTC11 (a CNN on 230 bp; trained on one
fold, the other fold split into recalibration / conformal calibration /
test). Splits are by reverse-complement group (WTC11 holds both strands of
almost every element), and each model's early-stopping split too. At 90 and
95 %, on the test set:

* ``raw``: mean ± z·σ of the model's own total std;
* ``recalibrated``: ``RecalibratedRegressor(method='auto')`` fitted on the
  recalibration set, its ``predict_interval``;
* ``conformal``: MAPIE split conformal with ``FlooredStdConformityScore`` on
  the recalibrated model (the recommended path);
* ``std_conformal``: MAPIE with ``StdConformityScore`` on the raw model
  (what can explode);
* ``constant``: MAPIE with the absolute score: one width everywhere, the
  baseline the uncertainty has to beat (its interval score).

Run: ``python benchmarks/bench_calibration.py [--seeds 0 1 2] [--datasets mpsa wtc11]
[--methods ...] [--update]`` (MPSA about 10 min, WTC11 about 15 min per seed
on 2 cores for the first four methods, the distilled student as much again);
each dataset writes ``results/calibration_<dataset>``. ``--update`` keeps
the rows of the methods not run from the existing file (each row records
when it was measured, and the page says so). Needs ``../shared/data``.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import json

import numpy as np
from mapie.conformity_scores import StdConformityScore
from mapie.regression import SplitConformalRegressor
from sklearn.model_selection import GroupShuffleSplit

from _common import RESULTS, SHARED_DATA, machine_info, write_results
from uqgenomics import (
    DistilledRegressor,
    EnsembleRegressor,
    EvidentialRegressor,
    HeteroscedasticRegressor,
    MCDropoutRegressor,
    one_hot_encode,
)
from uqgenomics.calibration import RecalibratedRegressor
from uqgenomics.conformal import FlooredStdConformityScore
from uqgenomics.datasets import load_lentimpra_wtc11, load_mpsa
from uqgenomics.encoding import reverse_complement_groups
from uqgenomics.metrics import gaussian_interval, interval_score, pearson_r

LEVELS = (0.9, 0.95)
#: Every model trains and predicts on the CPU, also where a GPU is visible
#: (the page's header and rows say so): the networks here are small.
DEVICE = "cpu"
PATHS = ("raw", "recalibrated", "conformal", "std_conformal", "constant")
METHODS = {
    "ensemble": lambda p: EnsembleRegressor(n_estimators=5, **p),
    "mc_dropout": lambda p: MCDropoutRegressor(n_samples=100, **p),
    "heteroscedastic": lambda p: HeteroscedasticRegressor(**p),
    "evidential": lambda p: EvidentialRegressor(**p),
    # DEGU: the student learns a heteroscedastic ensemble's mean, spread and noise
    "distilled": lambda p: DistilledRegressor(
        teacher=EnsembleRegressor(n_estimators=5, heteroscedastic=True, **p),
        aleatoric="teacher", **p),
}
NETWORKS = {
    "mpsa": dict(network="mlp", network__hidden=(128, 64), network__dropout=0.1, lr=1e-3,
                 batch_size=256, max_epochs=100),
    "wtc11": dict(network="cnn", network__filters=(32, 32), network__kernel_sizes=(11, 5),
                  network__dense_units=(32,), network__dropout=0.2, lr=1e-3, batch_size=128,
                  max_epochs=20, patience=5),
}


def _grouped(rows, groups, fraction, seed):
    """Split ``rows`` into (kept, taken) with ``fraction`` of the groups taken."""
    kept, taken = next(GroupShuffleSplit(1, test_size=fraction, random_state=seed).split(
        rows, None, groups[rows]))
    return rows[kept], rows[taken]


def load(name: str, seed: int) -> dict:
    """``fit``, ``recal``, ``conf``, ``test`` as (X, y, groups)."""
    if name == "mpsa":
        data = load_mpsa(data_home=SHARED_DATA)
        frame = data.frame
        X, y = one_hot_encode(data.X), frame["y"].to_numpy()
        sets = frame["set"].to_numpy()
        groups = reverse_complement_groups(X)
        fit, cal, test = (np.flatnonzero(sets == s) for s in ("training", "validation", "test"))
        recal, conf = _grouped(cal, groups, 0.5, seed)
    else:
        data = load_lentimpra_wtc11(data_home=SHARED_DATA)
        X = one_hot_encode(np.concatenate([data.X_valid, data.X_test]))
        y = np.concatenate([data.y_valid, data.y_test])
        groups = reverse_complement_groups(X)
        fit = np.arange(len(data.y_valid))
        other = np.arange(len(data.y_valid), len(y))
        rest, test = _grouped(other, groups, 0.5, seed)
        recal, conf = _grouped(rest, groups, 0.5, seed)
    return {part: (X[rows], y[rows], groups[rows]) for part, rows in
            (("fit", fit), ("recal", recal), ("conf", conf), ("test", test))}


@functools.lru_cache
def test_size(dataset: str, seed: int) -> int:
    """Rows in the test set of ``dataset`` for ``seed``."""
    return len(load(dataset, seed)["test"][1])


def evaluate(model, data) -> dict:
    """Coverage, width and interval score of every path at every level."""
    X_test, y_test, _ = data["test"]
    recalibrated = RecalibratedRegressor(model).fit(*data["recal"][:2])
    result = model.predict_uncertainty(X_test)
    row = {"pearson": pearson_r(y_test, result.mean), "recalibration": recalibrated.method_}
    for level in LEVELS:
        intervals = {"raw": gaussian_interval(result.mean, result.total, level),
                     "recalibrated": recalibrated.predict_interval(X_test, level)}
        for path, estimator, score in (
                ("conformal", recalibrated, FlooredStdConformityScore()),
                ("std_conformal", model, StdConformityScore()),
                ("constant", model, "absolute")):
            mapie = SplitConformalRegressor(estimator, confidence_level=level,
                                            conformity_score=score, prefit=True)
            _, bounds = mapie.conformalize(*data["conf"][:2]).predict_interval(X_test)
            intervals[path] = (bounds[:, 0, 0], bounds[:, 1, 0])
        tag = f"{round(level * 100)}"
        for path, (low, high) in intervals.items():
            row[f"coverage{tag}_{path}"] = float(np.mean((y_test >= low) & (y_test <= high)))
            row[f"width{tag}_{path}"] = float(np.mean(high - low))
            row[f"score{tag}_{path}"] = interval_score(y_test, low, high, level)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--datasets", nargs="+", default=["mpsa", "wtc11"])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=sorted(METHODS))
    parser.add_argument("--update", action="store_true",
                        help="keep the existing rows of the methods not run")
    args = parser.parse_args()
    for dataset in args.datasets:
        rows = kept_rows(dataset, args.methods) if args.update else []
        for seed in args.seeds:
            data = load(dataset, seed)
            for method in args.methods:
                params = dict(NETWORKS[dataset], random_state=seed, device=DEVICE)
                X, y, groups = data["fit"]
                model = METHODS[method](params).fit(X, y, groups=groups)
                row = {"dataset": dataset, "method": method, "seed": seed,
                       "measured": datetime.date.today().isoformat(), "machine": where(),
                       **evaluate(model, data)}
                rows.append(row)
                print({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()},
                      flush=True)
                report(dataset, rows, args)


def kept_rows(dataset, methods) -> list[dict]:
    """The rows of methods other than ``methods`` in the existing results file."""
    path = RESULTS / f"calibration_{dataset}.json"
    if not path.exists():
        raise SystemExit(f"--update: {path} does not exist; run without --update first")
    payload = json.loads(path.read_text())
    # rows from before rows recorded their date and machine: the page's
    date = payload["machine"]["date"][:10]
    return [{"measured": date, "machine": where(payload["machine"]), **row}
            for row in payload["results"]["per_seed"] if row["method"] not in methods]


def where(machine=None) -> str:
    """The processor a row was measured on, and the device (always ``DEVICE``)."""
    return f"{(machine or machine_info())['cpu']}, {DEVICE}"


def report(dataset, rows, args, machine=None) -> None:
    """Write ``results/calibration_<dataset>`` so far (after every model: a cut-off
    run keeps them; ``machine``: the stored record, when re-rendering). ``summary``
    is keyed ``'<method> / <path>'`` (the rows of the summary page's tables, the
    dataset its column)."""
    def stats(picked, key):
        values = [r[key] for r in picked]
        return [float(np.mean(values)), float(np.std(values))]

    summary, n_seeds, table, goals = {}, {}, [], []
    for method in dict.fromkeys(r["method"] for r in rows):
        picked = [r for r in rows if r["method"] == method]
        n_seeds[method] = len(picked)
        for path in PATHS:
            summary[f"{method} / {path}"] = {
                f"{metric}{tag}": stats(picked, f"{metric}{tag}_{path}")
                for metric, tag in (("coverage", "95"), ("width", "95"), ("score", "95"),
                                    ("coverage", "90"))}
            cov, width, score = (summary[f"{method} / {path}"][k]
                                 for k in ("coverage95", "width95", "score95"))
            table.append((f"{method} (n={len(picked)})", path, f"{cov[0]:.3f} ± {cov[1]:.3f}",
                          f"{summary[f'{method} / {path}']['coverage90'][0]:.3f}",
                          f"{width[0]:.3f} ± {width[1]:.3f}", f"{score[0]:.3f} ± {score[1]:.3f}"))
        covered = stats(picked, "coverage95_recalibrated")[0]
        ratio = stats(picked, "width95_conformal")[0] / stats(picked, "width95_constant")[0]
        constant = stats(picked, "score95_constant")
        gain = 1 - stats(picked, "score95_conformal")[0] / constant[0]
        spread = constant[1] / constant[0]
        # the binomial standard error of a 95 % coverage measured on the test rows
        n_test = np.mean([test_size(dataset, r["seed"]) for r in picked])
        error = np.sqrt(0.95 * 0.05 / n_test)
        miss = max(0.93 - covered, covered - 0.97)
        goals.append(f"- {method}: recalibrated 95 % covers {covered:.4f} (goal 0.93–0.97: "
                     + ("met" if miss <= 0 else
                        f"missed by {miss:.4f}, against a binomial standard error of "
                        f"{error:.4f} on {n_test:.0f} test rows per seed")
                     + "); conformal width "
                     f"{ratio:.2f}× the constant width (goal ≤ 1.10: "
                     f"{'met' if ratio <= 1.10 else 'missed'}); interval score "
                     f"{abs(gain):.1%} {'lower' if gain > 0 else 'HIGHER'} than constant "
                     f"width's (its seed spread: {spread:.1%})"
                     + ("" if gain > spread else ": the uncertainty does not clearly earn "
                        "its keep here") + ".")
    pearson = {m: stats([r for r in rows if r["method"] == m], "pearson") for m in n_seeds}
    chosen = sorted({r["recalibration"] for r in rows})
    measured = {m: sorted({f"{r['measured']} ({r['machine']})" for r in rows
                           if r["method"] == m}) for m in n_seeds}
    notes = (f"{dataset}: seeds {sorted({r['seed'] for r in rows})} of {args.seeds} (n = seeds "
             "per row); splits by reverse-complement group; recalibration chosen by "
             f"cross-validated interval score (chosen: {', '.join(chosen)}). Mean ± std over "
             "seeds. Pearson r: " + ", ".join(f"{m} {v[0]:.3f} ± {v[1]:.3f}"
                                             for m, v in pearson.items()) + ". Measured on: "
             + ", ".join(f"{m} {' and '.join(d)}" for m, d in measured.items()) + ".\n\n"
             + "\n".join(goals))
    write_results(f"calibration_{dataset}", {"setup": vars(args), "summary": summary,
                                             "n_seeds": n_seeds, "pearson": pearson,
                                             "per_seed": rows},
                  table, header=("method", "path", "95 % coverage", "90 % coverage",
                                 "95 % width", "95 % interval score"), notes=notes,
                  machine={**(machine or machine_info()), "device": DEVICE})


if __name__ == "__main__":
    main()

"""Classifiers: temperature scaling, and OOD detection in feature space vs by entropy.

ChIP peaks (Oct4 vs Mafk; CTCF peaks as OOD) and 150 bp reads (E. coli vs
C. diphtheriae; reads of a held-out Kutzneria genome as OOD), a CNN on
one-hot input, for an epinet, MC dropout and a deep ensemble. The training
sequences are split 80 / 20 by reverse-complement group into fitting and
temperature calibration. On the test set: ECE and NLL before and after
``TemperatureScaledClassifier``; OOD AUROC of the mutual information, the
predictive entropy and ``ood_score`` (feature-space density) against four
shifts: the task's OOD set, dinucleotide-shuffled test sequences, and test
sequences with 5 % of their positions mutated. Beside them, scores that
use no network (input space): the GC content's distance from the training
mean, and a Gaussian density (the same as ``ood_score``'s, one component
per class) of the 4-mer composition; they show what a
shift looks like in the sequence itself, and so what the network's features
miss.

Run: ``python benchmarks/bench_classifier_calibration.py [--seeds 0 1 2]``
(about 30 min on 2 cores). Needs ``../shared/data``.
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.model_selection import GroupShuffleSplit

from _common import write_results
from bench_classification import INPUTS, chip_data, read_data
from uqgenomics import EnsembleClassifier, EpinetClassifier, MCDropoutClassifier, one_hot_encode
from uqgenomics.augment import make_shifted
from uqgenomics.calibration import TemperatureScaledClassifier
from uqgenomics._density import fit_feature_density, negative_log_density
from uqgenomics.encoding import reverse_complement_groups
from uqgenomics.features import KmerFeaturizer
from uqgenomics.metrics import classification_nll, expected_calibration_error, ood_auroc

METHODS = {
    "epinet": lambda p: EpinetClassifier(n_samples=100, **p),
    "mc_dropout": lambda p: MCDropoutClassifier(n_samples=100, **p),
    "ensemble": lambda p: EnsembleClassifier(n_estimators=3, **p),
}
SHIFTS = ("ood_set", "shuffled", "mutated_5pct")
SCORES = ("mi", "entropy", "feature_density")
REFERENCES = ("gc_distance", "4mer_density")


def tasks():
    chip = chip_data()
    reads = read_data()
    return {"chip": chip, "reads": reads}


def gc_content(X) -> np.ndarray:
    """GC fraction of each one-hot sequence (channels A, C, G, T), ``(n,)``."""
    return X[:, :, 1:3].sum(axis=(1, 2)) / X.sum(axis=(1, 2))


def reference(X_train, y_train, X_test, shifted) -> dict:
    """Input-space OOD AUROC of every reference score (see the module
    docstring) against every shift, and the mean GC content of each set."""
    featurizer = KmerFeaturizer(k=4).fit(X_train)
    density = fit_feature_density(featurizer.transform(X_train),
                                  np.unique(y_train, return_inverse=True)[1])
    centre = gc_content(X_train).mean()

    def scores(X):
        return {"gc_distance": np.abs(gc_content(X) - centre),
                "4mer_density": negative_log_density(featurizer.transform(X), density)}

    inside = scores(X_test)
    row = {"gc_train": float(centre)}
    for shift, X_out in shifted.items():
        outside = scores(X_out)
        row[f"gc_{shift}"] = float(gc_content(X_out).mean())
        for score in REFERENCES:
            row[f"auroc_{shift}_{score}"] = ood_auroc(inside[score], outside[score])
    return row


def evaluate(model, calibration, test, shifted) -> dict:
    X_test, y_test = test
    try:
        scaled = TemperatureScaledClassifier(model).fit(*calibration)
        row = {"temperature": scaled.temperature_}
    except ValueError as error:  # e.g. every calibration sample right with margin
        print(f"temperature scaling refused: {error}", flush=True)
        scaled, row = None, {"temperature": float("nan")}
    for name, estimator in (("before", model), ("after", scaled)):
        if estimator is None:
            row[f"ece_{name}"] = row[f"nll_{name}"] = float("nan")
            continue
        proba = estimator.predict_proba(X_test)
        row[f"ece_{name}"] = expected_calibration_error(y_test, proba, classes=model.classes_)
        row[f"nll_{name}"] = classification_nll(y_test, proba, classes=model.classes_)
    inside = model.predict_uncertainty(X_test)
    inside_score = {"mi": inside.epistemic, "entropy": inside.total,
                    "feature_density": model.ood_score(X_test)}
    for shift, X_out in shifted.items():
        outside = model.predict_uncertainty(X_out)
        outside_score = {"mi": outside.epistemic, "entropy": outside.total,
                         "feature_density": model.ood_score(X_out)}
        for score in SCORES:
            row[f"auroc_{shift}_{score}"] = ood_auroc(inside_score[score], outside_score[score])
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--max-epochs", type=int, default=20)
    args = parser.parse_args()
    rows, references = [], {}
    for task, (X_train, y_train, X_test, y_test, X_ood) in tasks().items():
        X_train, X_test, X_ood = (one_hot_encode(list(s)) for s in (X_train, X_test, X_ood))
        groups = reverse_complement_groups(X_train)
        shifted = {"ood_set": X_ood,
                   "shuffled": make_shifted(X_test, "dinucleotide_shuffle",
                                             random_state=0),
                   "mutated_5pct": make_shifted(X_test, "mutagenesis", 0.05, random_state=0)}
        references[task] = reference(X_train, y_train, X_test, shifted)
        print(task, "input-space reference:", references[task], flush=True)
        for seed in args.seeds:
            fit, cal = next(GroupShuffleSplit(1, test_size=0.2, random_state=seed).split(
                X_train, None, groups))
            params = dict(INPUTS["cnn_onehot"], max_epochs=args.max_epochs, random_state=seed,
                          device="cpu")
            for method, make in METHODS.items():
                model = make(params).fit(X_train[fit], y_train[fit], groups=groups[fit])
                row = {"task": task, "method": method, "seed": seed,
                       **evaluate(model, (X_train[cal], y_train[cal]), (X_test, y_test),
                                  shifted)}
                rows.append(row)
                print({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()},
                      flush=True)
                report(rows, references, args)


def report(rows, references, args) -> None:
    keys = [k for k in rows[0] if k not in ("task", "method", "seed")]
    summary, table = {}, []
    for task, method in dict.fromkeys((r["task"], r["method"]) for r in rows):
        picked = [r for r in rows if (r["task"], r["method"]) == (task, method)]
        stats = {k: [float(np.mean([r[k] for r in picked])), float(np.std([r[k] for r in picked]))]
                 for k in keys}
        summary[f"{task} / {method}"] = stats

        def cell(key):
            return f"{stats[key][0]:.3f} ± {stats[key][1]:.3f}"
        table.append((task, f"{method} (n={len(picked)})", cell("temperature"),
                      f"{cell('ece_before')} → {cell('ece_after')}",
                      f"{cell('nll_before')} → {cell('nll_after')}",
                      *(" / ".join(f"{stats[f'auroc_{shift}_{s}'][0]:.2f}" for s in SCORES)
                        for shift in SHIFTS)))
    goal = [f"- {name}: feature-space OOD AUROC on the task's OOD set "
            f"{stats['auroc_ood_set_feature_density'][0]:.3f} vs MI "
            f"{stats['auroc_ood_set_mi'][0]:.3f}"
            + (f" (goal >= 0.8: {'met' if auroc >= 0.8 else f'missed by {0.8 - auroc:.2f}'})"
               if name.startswith("chip") else "")
            for name, stats in summary.items()
            for auroc in [stats["auroc_ood_set_feature_density"][0]]]
    notes = (f"Seeds {sorted({r['seed'] for r in rows})} of {args.seeds}; CNN on one-hot, up to "
             f"{args.max_epochs} epochs; splits by reverse-complement group. AUROC cells: "
             "mutual information / predictive entropy / feature density (ood_score); nan "
             "temperature: scaling refused (every calibration sample right with margin, so "
             "nothing bounds the sharpening). Goal: "
             "feature-space AUROC >= 0.8 on CTCF peaks.\n\n" + "\n".join(goal)
             + ("\n\nWhy the feature-space score falls short: a network trained to tell "
                "the classes apart keeps in its features what separates them, and a shift "
                "along a direction it has no use for leaves them, and so their density, "
                "nearly unchanged. CTCF peaks differ from the Oct4 / Mafk peaks above all in "
                f"GC content ({references['chip']['gc_train']:.2f} vs "
                f"{references['chip']['gc_ood_set']:.2f}), which the sequence itself shows "
                "(below) and the trained features do not." if "chip" in references else "")
             + "\n\nInput-space reference (no network; AUROC on the OOD set / shuffled / "
             "5 % mutated; mean GC content of the training / OOD set):\n\n" + "\n".join(
                 f"- {task}: GC {values['gc_train']:.2f} / {values['gc_ood_set']:.2f}; "
                 + "; ".join(
                     f"{score} " + " / ".join(f"{values[f'auroc_{shift}_{score}']:.2f}"
                                              for shift in SHIFTS)
                     for score in REFERENCES) for task, values in references.items()))
    write_results("classifier_calibration", {"setup": vars(args), "summary": summary,
                                             "input_space_reference": references,
                                             "per_seed": rows}, table,
                  header=("task", "method", "temperature", "ECE before → after",
                          "NLL before → after", "AUROC OOD set", "AUROC shuffled",
                          "AUROC 5 % mutated"), notes=notes)


if __name__ == "__main__":
    main()

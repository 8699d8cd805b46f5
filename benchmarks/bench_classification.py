"""Classifier uncertainty on real data: ChIP peaks and metagenomic-style reads.

Hearne & Rosen (2025) compared an epinet with MC dropout under distribution
shift. Here, for several seeds, an epinet, MC dropout and a deep ensemble
classify (a) 200 bp ChIP-seq peaks, Oct4 vs Mafk (``chip_peaks``), with
CTCF peaks as out-of-distribution inputs, and (b) 150 bp reads from both
strands of E. coli K-12 vs C. diphtheriae (``genomes``), with reads of a
Kutzneria contig as OOD — each with a CNN on one-hot input and with an MLP
on 4-mer spectra. Scores: accuracy, ECE (15 bins), calibration MSE (10
bins), OOD AUROC / AUPR / FPR@95 from the mutual information (epistemic)
and AUROC from the predictive entropy. Cost: the epinet's prediction (100
indices in one batched pass) against MC dropout (100 masks), interleaved.

Hearne & Rosen's Tables 1-2 (epinet against MC dropout on one frozen
featurisation; here 4-mer spectra, as language-model weights cannot be
downloaded, and the one-hot CNN): each metric's epinet - MC dropout
difference, paired by seed, with its 95 % t interval; the pair is told
apart only where the interval excludes 0.

Run: ``python benchmarks/bench_classification.py [--seeds 0 1 2]
[--methods epinet mc_dropout ensemble] [--inputs cnn_onehot mlp_4mer]
[--tasks chip reads]``. A subset writes a page of its own: the paired
comparison on 4-mer spectra came from ``--seeds 0 1 2 3 4 5 6 7 8 9
--methods epinet mc_dropout --inputs mlp_4mer``
(``results/epinet_vs_mc_dropout_mlp_4mer.md``), the one on one-hot peaks
from ``--tasks chip --seeds 0 1 2 3 4 --methods epinet mc_dropout --inputs
cnn_onehot`` (``results/epinet_vs_mc_dropout_cnn_onehot.md``). ``--from-json PAGE``
re-renders ``results/PAGE.md`` from its JSON.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from _common import RESULTS, SHARED_DATA, interleaved_best_times, mean_ci, write_results
from uqgenomics import EnsembleClassifier, EpinetClassifier, MCDropoutClassifier, one_hot_encode
from uqgenomics.datasets import load_chip_peaks, sample_reads
from uqgenomics.features import KmerFeaturizer
from uqgenomics.metrics import (
    calibration_mse,
    expected_calibration_error,
    fpr_at_95_tpr,
    ood_aupr,
    ood_auroc,
)

METHODS = {
    "epinet": lambda p, a: EpinetClassifier(n_samples=100, **p),
    "mc_dropout": lambda p, a: MCDropoutClassifier(n_samples=100, **p),
    "ensemble": lambda p, a: EnsembleClassifier(n_estimators=a.members, **p),
}
INPUTS = {
    "cnn_onehot": dict(network="cnn", network__filters=(32, 32), network__kernel_sizes=(15, 7),
                       network__dense_units=(32,), network__dropout=0.2, lr=1e-3),
    "mlp_4mer": dict(network="mlp", network__hidden=(128, 64), network__dropout=0.2, lr=1e-3),
}


def chip_data():
    data = load_chip_peaks(data_home=SHARED_DATA)
    return data.X_train, data.y_train, data.X_test, data.y_test, data.X_ood


def read_data(n_train=4000, n_test=1000, n_ood=1000):
    genomes = SHARED_DATA / "genomes"
    species = {"E. coli K-12": "ecoli_k12.fasta.gz",
               "C. diphtheriae": "corynebacterium_diphtheriae_nctc11397.fna.gz"}
    X_train, y_train, X_test, y_test = [], [], [], []
    for i, (name, path) in enumerate(species.items()):
        reads = sample_reads(genomes / path, 150, n_train + n_test, random_state=i).reads
        X_train += list(reads[:n_train])
        X_test += list(reads[n_train:])
        y_train += [name] * n_train
        y_test += [name] * n_test
    ood = sample_reads(genomes / "kutzneria_kk037166.fna.gz", 150, n_ood, random_state=9).reads
    return (np.array(X_train), np.array(y_train), np.array(X_test), np.array(y_test),
            np.array(ood))


def featurise(kind, *sequence_sets):
    if kind == "mlp_4mer":
        featurizer = KmerFeaturizer(k=4).fit(sequence_sets[0])
        return [featurizer.transform(s).astype(np.float32) for s in sequence_sets]
    return [one_hot_encode(list(s)) for s in sequence_sets]


def score(model, X_test, y_test, X_ood) -> dict:
    inside, outside = model.predict_uncertainty(X_test), model.predict_uncertainty(X_ood)
    predicted = model.classes_[inside.proba.argmax(1)]
    return {
        "accuracy": float(np.mean(predicted == y_test)),
        "ece": expected_calibration_error(y_test, inside.proba, classes=model.classes_),
        "calibration_mse": calibration_mse(y_test, inside.proba, classes=model.classes_),
        "ood_auroc_mi": ood_auroc(inside.epistemic, outside.epistemic),
        "ood_aupr_mi": ood_aupr(inside.epistemic, outside.epistemic),
        "fpr95_mi": fpr_at_95_tpr(inside.epistemic, outside.epistemic),
        "ood_auroc_entropy": ood_auroc(inside.total, outside.total),
    }


KEYS = ("accuracy", "ece", "calibration_mse", "ood_auroc_mi", "ood_aupr_mi", "fpr95_mi",
        "ood_auroc_entropy")
HEADER = ("task", "input", "method", "accuracy", "ECE", "calibration MSE",
          "OOD AUROC (MI)", "OOD AUPR (MI)", "FPR@95 (MI)", "OOD AUROC (entropy)")


def paired_differences(rows, first="epinet", second="mc_dropout") -> dict:
    """``{"task / input": {metric: [mean, CI half-width, n]}}`` of ``first - second``,
    paired by seed."""
    out = {}
    for task, kind in dict.fromkeys((r["task"], r["input"]) for r in rows):
        by = {m: {r["seed"]: r for r in rows if (r["task"], r["input"], r["method"]) ==
                  (task, kind, m)} for m in (first, second)}
        seeds = sorted(set(by[first]) & set(by[second]))
        if len(seeds) >= 2:
            out[f"{task} / {kind}"] = {
                k: [*mean_ci([by[first][s][k] - by[second][s][k] for s in seeds]), len(seeds)]
                for k in KEYS}
    return out


def paired_table(paired) -> str:
    """Markdown: each difference, marked where its interval excludes 0."""
    lines = ["| task / input | seeds | " + " | ".join(HEADER[3:]) + " |",
             "|---|---|" + "---|" * len(KEYS)]
    for name, cells in paired.items():
        marks = [f"{m:+.3f} ± {h:.3f}" + (" **apart**" if abs(m) > h else "")
                 for m, h, _ in cells.values()]
        lines.append(f"| {name} | {next(iter(cells.values()))[2]} | " + " | ".join(marks) + " |")
    return "\n".join(lines)


def report(rows, costs, args, machine=None) -> None:
    groups = list(dict.fromkeys((r["task"], r["input"], r["method"]) for r in rows))
    summary, table = {}, []
    for task, kind, method in groups:
        picked = [r for r in rows if (r["task"], r["input"], r["method"]) == (task, kind, method)]
        stats = {k: [float(np.mean([r[k] for r in picked])), float(np.std([r[k] for r in picked]))]
                 for k in KEYS}
        summary[f"{task} / {kind} / {method}"] = stats
        table.append((task, kind, f"{method} (n={len(picked)})",
                      *(f"{m:.3f} ± {s:.3f}" for m, s in stats.values())))
    notes = [f"Seeds {args.seeds}; tasks {args.tasks}; inputs {args.inputs}; methods "
             f"{args.methods} (ensemble of {args.members} "
             f"members); up to {args.max_epochs} "
             "epochs with early stopping on a 10 % split. ChIP test set: 100 + 100 peaks, OOD "
             "500 CTCF peaks. Reads: 4,000 training and 1,000 test reads per species, 1,000 "
             "Kutzneria reads as OOD. ECE and calibration MSE on 200 ChIP test peaks are noisy."]
    # an AUROC below 0.5 ranks OOD inputs as *more* familiar than test inputs
    backwards = [name for name, stats in summary.items() if stats["ood_auroc_mi"][0] < 0.5]
    if backwards:
        notes.append("Below chance (OOD AUROC (MI) under 0.5): " + ", ".join(backwards) + ". "
                     "These give out-of-distribution inputs *less* mutual information than "
                     "test inputs on average: that uncertainty ranks this shift the wrong way "
                     "round, whichever method is better.")
    paired = paired_differences(rows)
    if paired:
        notes.append("Hearne & Rosen, Tables 1-2: epinet − MC dropout, paired by seed (mean ± "
                     "half-width of the 95 % t interval; **apart** where it excludes 0, "
                     "otherwise these seeds cannot tell the two apart). Lower is better for "
                     "ECE, calibration MSE and FPR@95; higher for the rest.\n\n"
                     + paired_table(paired))
    for name, cost in costs.items():
        notes.append(f"Prediction cost ({name}, {cost['n']} inputs): epinet with 100 indices "
                     f"{cost['epinet_s']:.3f} s, MC dropout with 100 masks "
                     f"{cost['mc_dropout_s']:.3f} s, one deterministic pass "
                     f"{cost['single_pass_s']:.3f} s: epinet / MC dropout = "
                     f"**{cost['epinet_s'] / cost['mc_dropout_s']:.2f}**, epinet / one pass = "
                     f"{cost['epinet_s'] / cost['single_pass_s']:.2f}.")
    # a run of some methods or inputs only (the paired comparison) has a page of its own
    name = "classification"
    if set(args.methods) != set(METHODS) or set(args.inputs) != set(INPUTS):
        name = "_vs_".join(args.methods) + "_" + "_".join(args.inputs)
    setup = {k: v for k, v in vars(args).items() if k != "from_json"}
    write_results(name, {"setup": setup, "summary": summary, "costs": costs,
                         "epinet_minus_mc_dropout": paired, "per_seed": rows},
                  table, header=HEADER, notes="\n\n".join(notes), machine=machine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--members", type=int, default=3)
    parser.add_argument("--max-epochs", type=int, default=20)
    parser.add_argument("--tasks", nargs="+", default=["chip", "reads"])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--inputs", nargs="+", default=list(INPUTS), choices=list(INPUTS))
    parser.add_argument("--from-json", metavar="PAGE",
                        help="re-render results/PAGE.md from results/PAGE.json, no training")
    args = parser.parse_args()
    if args.from_json:
        payload = json.loads((RESULTS / f"{args.from_json}.json").read_text())
        results = payload["results"]
        # a page from before an option existed ran with that option's default
        setup = {**vars(parser.parse_args([])), **results["setup"]}
        report(results["per_seed"], results["costs"], argparse.Namespace(**setup),
               machine=payload["machine"])
        return
    loaders = {"chip": chip_data, "reads": read_data}
    rows, costs = [], {}
    for task in args.tasks:
        X, y, X_test, y_test, X_ood = loaders[task]()
        for kind in args.inputs:
            network = INPUTS[kind]
            F, F_test, F_ood = featurise(kind, X, X_test, X_ood)
            for seed in args.seeds:
                params = dict(network, max_epochs=args.max_epochs, patience=5, lr_patience=3,
                              random_state=seed, device="cpu")
                fitted = {}
                for method in args.methods:
                    make = METHODS[method]
                    start = time.perf_counter()
                    model = make(params, args).fit(F, y)
                    row = {"task": task, "input": kind, "method": method, "seed": seed,
                           "fit_seconds": time.perf_counter() - start}
                    row.update(score(model, F_test, y_test, F_ood))
                    rows.append(row)
                    fitted[method] = model
                    print({k: round(v, 4) if isinstance(v, float) else v
                           for k, v in row.items()}, flush=True)
                    report(rows, costs, args)
                if seed == args.seeds[0] and {"epinet", "mc_dropout"} <= set(fitted):
                    epinet, mc = fitted["epinet"], fitted["mc_dropout"]
                    F_time = np.concatenate([F_test, F_ood])
                    times = interleaved_best_times(
                        lambda: epinet.predict_uncertainty(F_time),
                        lambda: mc.predict_uncertainty(F_time),
                        lambda: mc._forward(mc.net_.module_, F_time))
                    costs[f"{task} / {kind}"] = dict(zip(
                        ("epinet_s", "mc_dropout_s", "single_pass_s"), times), n=len(F_time))
                    report(rows, costs, args)


if __name__ == "__main__":
    main()

"""Profile models on simulated footprints: standard vs ensemble vs distilled.

Data: :func:`uqgenomics.datasets.make_profiles` with the first 8 JASPAR
2024 consensus motifs of ``../shared/data/motifs`` (the built-in JASPAR
motifs when the folder is absent): ATAC-like footprints, negative-binomial
count noise, 3 replicates: one simulated data set (``DATA_SEED``), which
each seed splits anew and trains on with its own initialisations (data
sets drawn per seed vary in signal far more than the methods do: the
motifs' strengths are random). Sequences are independent, so a random
split is a grouped split. DEGU's recipe scaled to
a CPU: CNN-task-base (fewer filters), Poisson loss, random shift (a
``CROP`` bp window of ``LENGTH`` bp inputs) and reverse complement; the
student (mean, epistemic and aleatoric profiles) distils a 5-member
ensemble on centre windows, reverse complements relabelled by the teacher
and appended to each batch,
its aleatoric target the std across replicates, its target columns scaled
by their std (``target_scaling='std'``).

Reported, per method over 3 seeds (mean ± std):

* profile Pearson r (mean per test profile) against the measured mean and
  against the noise-free rate, and the Pearson r of all test positions
  concatenated (DEGU's whole-chromosome r);
* the student's epistemic profile against the ensemble's std (Pearson r
  over all test positions);
* per-position 95 % coverage of ``μ ± 1.96 σ_total`` before conformal, and
  after :class:`~uqgenomics.conformal.ProfileConformalRegressor`
  (calibrated on a held-out quarter): pooled, and at the worst position;
* training and prediction throughput of one model against a hand-written
  torch loop on the same network, data, batch size and epochs.

Run: ``python benchmarks/bench_profiles.py`` (about 25 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import copy
import time

import numpy as np
import torch

from _common import SHARED_DATA, interleaved_best_times, write_results
from uqgenomics import DistilledRegressor, EnsembleRegressor, one_hot_encode
from uqgenomics._engine._inference import forward_in_batches
from uqgenomics.augment import JointAugment, ProfileReverseComplement, RandomShiftCrop
from uqgenomics.conformal import ProfileConformalRegressor
from uqgenomics.datasets import make_profiles
from uqgenomics.losses import PoissonLoss
from uqgenomics.metrics import pearson_r, positionwise_coverage, profile_pearson

LENGTH, CROP, N, MEMBERS, LEVEL = 384, 256, 3200, 5, 0.95
NETWORK = dict(network="cnn_task_base", network__filters=(32, 32, 64),
               network__kernel_sizes=(19, 7, 7), network__pool_sizes=(4, 4, 2),
               network__dense_units=64, network__bottleneck=4, network__profile_filters=32,
               loss="poisson")
TRAINING = dict(max_epochs=40, batch_size=64, lr=3e-3, patience=8, lr_patience=4)
MOTIFS = SHARED_DATA / "motifs" / "jaspar_2024_consensus.meme"
DATA_SEED = 0


def centre(X, y):
    """Centre ``CROP`` bp windows of one-hot ``X`` and their profiles ``y``."""
    return RandomShiftCrop(CROP).centre(X, y)


def augmented(**kwargs):
    return dict(iterator_train__augment=JointAugment(RandomShiftCrop(CROP),
                                                     ProfileReverseComplement()),
                iterator_train__mode="replace", **kwargs)


def evaluate(result, y, rate, conformal):
    """Accuracy and coverage of one method on the test windows (task 0)."""
    mean, total = result.mean, result.total
    _, lower, upper = conformal
    after = np.mean((y >= lower) & (y <= upper), axis=0)
    before = positionwise_coverage(y, mean, total, LEVEL)
    return {"profile_r": profile_pearson(y, mean), "profile_r_rate": profile_pearson(rate, mean),
            "all_positions_r": pearson_r(y.ravel(), mean.ravel()),
            "coverage_before": float(before.mean()), "worst_position_before": float(before.min()),
            "coverage_after": float(after.mean()), "worst_position_after": float(after.min())}


def simulate(motifs):
    X, y, replicates, rate = make_profiles(N, LENGTH, motifs=motifs, n_replicates=3,
                                           return_replicates=True, random_state=DATA_SEED)
    return one_hot_encode(X), y[..., 0], replicates, rate[..., 0]


def run_seed(seed, data):
    X, y, replicates, rate = data
    order = np.random.default_rng(seed).permutation(N)
    train, cal, test = np.split(order, [N // 2, 3 * N // 4])
    Xc, yc = centre(X, y)
    _, ratec = centre(X, rate)
    repc = centre(X, replicates[..., 0, :])[1]  # (n, CROP, replicates)

    timings = {}
    start = time.perf_counter()
    standard = EnsembleRegressor(n_estimators=1, random_state=seed,
                                 **augmented(**NETWORK, **TRAINING)).fit(X[train], y[train])
    timings["standard_fit_s"] = time.perf_counter() - start
    start = time.perf_counter()
    ensemble = EnsembleRegressor(n_estimators=MEMBERS, random_state=seed,
                                 **augmented(**NETWORK, **TRAINING)).fit(X[train], y[train])
    timings["ensemble_fit_s"] = time.perf_counter() - start
    student_network = {k: v for k, v in NETWORK.items() if k != "loss"}
    start = time.perf_counter()
    student = DistilledRegressor(teacher=ensemble, prefit_teacher=True, aleatoric="replicates",
                                 target_scaling="std", augment=ProfileReverseComplement(),
                                 augment_mode="append", random_state=seed,
                                 **student_network, **TRAINING).fit(
        Xc[train], yc[train], y_replicates=repc[train])
    timings["student_fit_s"] = time.perf_counter() - start

    metrics = {}
    for name, model, floor in (("standard", standard, 0.01), ("ensemble", ensemble, None),
                               ("distilled", student, None)):
        conformal = ProfileConformalRegressor(model, confidence_level=LEVEL, floor=floor)
        conformal.conformalize(Xc[cal], yc[cal])
        metrics[name] = evaluate(model.predict_uncertainty(Xc[test]), yc[test], ratec[test],
                                 conformal.predict_interval(Xc[test]))
    metrics["distilled"]["epistemic_vs_ensemble_r"] = pearson_r(
        student.predict_uncertainty(Xc[test]).epistemic.ravel(),
        ensemble.predict_uncertainty(Xc[test]).epistemic.ravel())
    return metrics, timings, (standard, Xc[test], X[train], y[train])


def throughput(standard, X_test, X_train, y_train):
    """Seconds per training epoch and per prediction pass of one model, ours and
    a hand-written loop on the same network (copied untrained), data and batches."""
    epochs = 3
    params = {**NETWORK, **TRAINING, "max_epochs": epochs, "validation_fraction": None,
              "patience": None, "lr_patience": None}
    network = standard.estimators_[0].module_

    def ours_fit():
        EnsembleRegressor(n_estimators=1, random_state=0, **augmented(**params)).fit(
            X_train, y_train)

    def bare_fit():
        torch.manual_seed(0)
        module = copy.deepcopy(network)  # the same architecture, initialised afresh
        for layer in module.modules():
            if hasattr(layer, "reset_parameters"):
                layer.reset_parameters()
        optimizer = torch.optim.Adam(module.parameters(), lr=TRAINING["lr"])
        crop, flip, loss = RandomShiftCrop(CROP), ProfileReverseComplement(), PoissonLoss()
        scale = float(np.std(y_train))
        module.train()
        for _ in range(epochs):
            for i in torch.randperm(len(X_train)).split(TRAINING["batch_size"]):
                x, y = crop(torch.from_numpy(X_train[i]), torch.from_numpy(y_train[i, :, None]))
                x, y = flip(x, y)
                optimizer.zero_grad()
                loss(module(x), y.reshape(len(y), -1) / scale).backward()
                optimizer.step()

    def ours_predict():
        standard.predict(X_test)

    def bare_predict():
        forward_in_batches(network, X_test, TRAINING["batch_size"])

    fit_ours, fit_bare = interleaved_best_times(ours_fit, bare_fit, rounds=2)
    predict_ours, predict_bare = interleaved_best_times(ours_predict, bare_predict)
    return {"fit_ours_s": fit_ours, "fit_bare_s": fit_bare, "fit_ratio": fit_ours / fit_bare,
            "predict_ours_s": predict_ours, "predict_bare_s": predict_bare,
            "predict_ratio": predict_ours / predict_bare, "epochs": epochs,
            "train_sequences": len(X_train), "test_sequences": len(X_test)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    motifs = MOTIFS if MOTIFS.is_file() else None
    per_seed, timings, last = [], [], None
    data = simulate(motifs)
    for seed in range(args.seeds):
        metrics, seconds, last = run_seed(seed, data)
        per_seed.append(metrics)
        timings.append(seconds)
        print(f"seed {seed}: {metrics}", flush=True)
    speed = throughput(*last)

    def summary(method, key):
        values = [m[method][key] for m in per_seed]
        return float(np.mean(values)), float(np.std(values))

    keys = ("profile_r", "profile_r_rate", "all_positions_r", "coverage_before",
            "worst_position_before", "coverage_after", "worst_position_after")
    results = {
        "per_seed": per_seed, "timings": timings, "throughput": speed,
        "summary": {method: {key: summary(method, key) for key in keys}
                    for method in ("standard", "ensemble", "distilled")},
        "epistemic_vs_ensemble_r": summary("distilled", "epistemic_vs_ensemble_r"),
        "setup": {"data_seed": DATA_SEED, "length": LENGTH, "crop": CROP, "n_sequences": N,
                  "members": MEMBERS,
                  "motifs": str(motifs) if motifs else "built-in JASPAR (MOTIFS)",
                  "network": {k: (list(v) if isinstance(v, tuple) else v)
                              for k, v in NETWORK.items()},
                  "training": TRAINING, "seeds": args.seeds, "level": LEVEL},
    }

    def cell(method, key):
        mean, std = results["summary"][method][key]
        return f"{mean:.3f} ± {std:.3f}"

    table = [(label, *(cell(m, key) for m in ("standard", "ensemble", "distilled")))
             for label, key in (("profile Pearson r (measured)", "profile_r"),
                                ("profile Pearson r (noise-free rate)", "profile_r_rate"),
                                ("Pearson r, all positions", "all_positions_r"),
                                ("95 % coverage before conformal", "coverage_before"),
                                ("worst position before", "worst_position_before"),
                                ("95 % coverage after conformal", "coverage_after"),
                                ("worst position after", "worst_position_after"))]
    epi = results["epistemic_vs_ensemble_r"]
    table.append(("student epistemic vs ensemble std (r)", "", "",
                  f"{epi[0]:.3f} ± {epi[1]:.3f}"))
    table.append(("fit time / bare torch loop", f"{speed['fit_ratio']:.2f}x", "", ""))
    table.append(("predict time / bare forward", f"{speed['predict_ratio']:.2f}x", "", ""))
    notes = (
        f"{args.seeds} seeds on one simulated data set ({N} sequences of {LENGTH} bp, "
        f"footprints of {results['setup']['motifs']}, data seed {DATA_SEED}), each seed its "
        "own split (half train, a quarter conformal calibration, a quarter test) and "
        f"initialisations. Models see {CROP} bp windows: random shifts and "
        "reverse complements in training, centre windows otherwise. Coverage is of the "
        "measured replicate mean at every test position, pooled; 'worst position' is the "
        "lowest coverage at one position over the test profiles. The standard model has no "
        "uncertainty (σ = 0), so its 'before' coverage is that of a point; its conformal "
        "interval is one width everywhere (floor 0.01). The ensemble's σ is epistemic "
        "only (Poisson members have no noise head). The fit ratio includes the OOD "
        "feature density fitted at the end of every fit (one pass over the training "
        "windows); the bare loop scales targets by one std as the estimator does.")
    write_results("profiles", results, table,
                  header=("metric", "standard", f"ensemble ({MEMBERS})", "distilled"),
                  notes=notes)


if __name__ == "__main__":
    main()

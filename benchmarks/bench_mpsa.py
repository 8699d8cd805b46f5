"""Aleatoric uncertainty on a splicing assay with replicates (MPSA, MAVE-NN data).

Replicate 1 (``mpsa_data.csv.gz``, 9 nt 5' splice sites) trains on its
``training`` rows (each estimator holds out 10 % for early stopping), its
``validation`` rows calibrate MAPIE and its ``test`` rows test. The
independent replicate experiment (``mpsa_replicate_data.csv.gz``) measured
most sequences again: |replicate 1 − replicate 2| and low read counts
(``tot_ct``) are real, per-sequence measurement noise. Per method and seed:
Pearson r, Gaussian NLL, 95 % coverage before / after conformal, width, and
Spearman of the predicted aleatoric (and total) std with |y1 − y2| and with
``tot_ct``.

Run: ``python benchmarks/bench_mpsa.py [--seeds 0 1 2]`` (about 10 min on 2
cores). Needs ``../shared/data/mavenn``.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from _common import SHARED_DATA, write_results
from _uq_eval import METHODS, TABLE_HEADER, fit_and_score, summarise, table
from uqgenomics import one_hot_encode
from uqgenomics.datasets import load_mpsa
from uqgenomics.metrics import spearman_r


def load():
    """The MPSA table split by its ``set`` column, with one-hot ``X``."""
    data = load_mpsa(data_home=SHARED_DATA)
    frame = data.frame.assign(X=list(one_hot_encode(data.X)))
    return {name: part for name, part in frame.groupby("set")}


def noise_agreement(result, test: pd.DataFrame) -> dict:
    """Spearman of predicted std with replicate disagreement and read counts."""
    both = test["y_replicate"].notna().to_numpy()
    disagreement = np.abs(test["y"] - test["y_replicate"]).to_numpy()[both]
    out = {}
    for part in ("aleatoric", "total"):
        std = getattr(result, part)
        if np.all(std == 0):
            out[f"spearman_{part}_vs_replicate_gap"] = float("nan")
            out[f"spearman_{part}_vs_counts"] = float("nan")
            continue
        out[f"spearman_{part}_vs_replicate_gap"] = spearman_r(std[both], disagreement)
        out[f"spearman_{part}_vs_counts"] = spearman_r(std, test["tot_ct"])
    out["n_with_replicate"] = int(both.sum())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=sorted(METHODS))
    parser.add_argument("--n-estimators", type=int, default=5)
    args = parser.parse_args()
    sets = load()

    def arrays(part):
        return np.stack(part["X"].to_list()), part["y"].to_numpy()

    data = {"fit": arrays(sets["training"]), "cal": arrays(sets["validation"]),
            "test": arrays(sets["test"])}
    rows = []
    for seed in args.seeds:
        params = dict(network="mlp", network__hidden=(128, 64), network__dropout=0.1,
                      lr=1e-3, batch_size=256, random_state=seed, device="cpu")
        for method in args.methods:
            row = fit_and_score(method, params, args.n_estimators, data)
            row.update(noise_agreement(row.pop("_result"), sets["test"]))
            row["seed"] = seed
            rows.append(row)
            print({k: np.round(v, 4).tolist() if isinstance(v, (list, float)) else v
                   for k, v in row.items()}, flush=True)
            report(rows, args, data, sets)


def report(rows, args, data, sets) -> None:
    """Write the results so far (called after every method: a cut-off run keeps them)."""
    keys = ("pearson", "nll", "coverage_raw", "width_raw", "coverage_conformal",
            "width_conformal")
    summary = summarise(rows, keys)
    noise = summarise(rows, ("spearman_aleatoric_vs_replicate_gap", "spearman_aleatoric_vs_counts",
                             "spearman_total_vs_replicate_gap", "spearman_total_vs_counts"))
    replicate_r = np.corrcoef(*sets["test"][["y", "y_replicate"]].dropna().to_numpy().T)[0, 1]
    noise_rows = "\n".join(
        f"| {m} | " + " | ".join(f"{a:.3f} ± {s:.3f}" for a, s in v.values()) + " |"
        for m, v in noise.items()
    )
    notes = (
        f"MLP (128, 64), dropout 0.1, batch 256, on one-hot 9 nt; seeds "
        f"{sorted({r['seed'] for r in rows})} of {args.seeds}; fit "
        f"{len(data['fit'][1])}, calibrate {len(data['cal'][1])}, test {len(data['test'][1])}. "
        f"Replicate 1 vs replicate 2 Pearson r on shared test sequences is {replicate_r:.3f}, "
        "so a model that predicted the noise-free value exactly would reach about "
        f"sqrt({replicate_r:.3f}) = {np.sqrt(replicate_r):.3f} against one replicate."
        "\n\nDoes the predicted std find the noisy measurements? Spearman "
        "with |y1 − y2| (positive is right) and with tot_ct (negative is right); nan where "
        "a method has no such part.\n\n"
        "| method | aleatoric vs abs(y1 − y2) | aleatoric vs tot_ct | total vs abs(y1 − y2) "
        "| total vs tot_ct |\n|---|---|---|---|---|\n" + noise_rows
    )
    write_results("mpsa_regression", {"setup": vars(args), "summary": summary,
                                      "noise_agreement": noise, "per_seed": rows},
                  table(summary), header=TABLE_HEADER, notes=notes)


if __name__ == "__main__":
    main()

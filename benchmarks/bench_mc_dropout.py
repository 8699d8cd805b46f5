"""Cost of MC dropout prediction: 100 samples vs one deterministic pass.

DeepSTARR on 230 bp input. Three timings, interleaved in one run: one
deterministic pass; ``MCDropoutRegressor.predict_uncertainty`` with 100
samples (the deterministic prefix computed once, the dropout suffix
sampled in large batches); and the naive way, 100 full forward passes with
dropout on. Goal: ours <= 2x one pass.

Run: ``python benchmarks/bench_mc_dropout.py`` (about 2 minutes on 2 cores).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn.modules.dropout import _DropoutNd

from _common import interleaved_best_times, write_results
from uqgenomics import MCDropoutRegressor
from uqgenomics._engine._inference import forward_in_batches

LENGTH, N, SAMPLES, BATCH = 230, 1024, 100, 128


def main() -> None:
    rng = np.random.RandomState(0)
    X = np.eye(4, dtype=np.float32)[rng.randint(4, size=(N, LENGTH))]
    model = MCDropoutRegressor("deepstarr", n_samples=SAMPLES, max_epochs=1, batch_size=BATCH,
                               validation_fraction=None, random_state=0, device="cpu")
    model.fit(X[:256], rng.normal(size=256))
    network = model.net_.module_

    def deterministic():
        return forward_in_batches(network, X, BATCH)

    def ours():
        return model.predict_uncertainty(X)

    def one_stochastic_pass():
        return torch.cat([network(torch.from_numpy(X[i:i + BATCH]))
                          for i in range(0, len(X), BATCH)]).numpy()

    def naive():
        network.eval()
        for module in network.modules():
            if isinstance(module, _DropoutNd):
                module.train()
        with torch.inference_mode():
            samples = [one_stochastic_pass() for _ in range(SAMPLES)]
        network.eval()
        return np.stack(samples)

    deterministic(), ours()
    det, fast, slow = interleaved_best_times(deterministic, ours, naive)
    results = {"deterministic_s": det, "mc_ours_s": fast, "mc_naive_s": slow,
               "ratio_ours": fast / det, "ratio_naive": slow / det,
               "setup": {"network": "deepstarr", "length": LENGTH, "n_sequences": N,
                         "n_samples": SAMPLES, "batch_size": BATCH}}
    write_results("mc_dropout_cost", results, [
        ("100 MC samples / one deterministic pass (ours)", f"{fast / det:.2f}x", "<= 2x"),
        ("100 full stochastic passes / one deterministic pass (naive)", f"{slow / det:.1f}x", ""),
        ("one deterministic pass", f"{N / det:.0f} seq/s", ""),
    ])


if __name__ == "__main__":
    main()

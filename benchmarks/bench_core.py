"""Encoding speed, training overhead and prediction throughput.

(a) one-hot encoding in MB/s of sequence text;
(b) fit epoch time of a one-member DeepSTARR ``EnsembleRegressor`` against
    a bare torch training loop (same network, data, batch size, optimizer),
    as a ratio measured in one run: the whole fit, and the fit less the
    feature density of ``ood_score`` (fitted once at the end of ``fit``: one
    forward pass over the training data, which a bare loop does not do);
(c) predict throughput against bare eager torch, same batch size.

Run: ``python benchmarks/bench_core.py`` (about 3 minutes on 2 cores).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from _common import best_time, interleaved_best_times, write_results
from uqgenomics import EnsembleRegressor, one_hot_encode
from uqgenomics.networks import HeadedNetwork, build_trunk

LENGTH, N_TRAIN, N_PREDICT, EPOCHS, BATCH = 230, 2048, 4096, 2, 128


def random_sequences(n: int, length: int, seed: int) -> list[str]:
    rng = np.random.RandomState(seed)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.randint(4, size=(n, length))]
    return [row.tobytes().decode() for row in letters]


def bench_encoding() -> float:
    sequences = random_sequences(50_000, LENGTH, 0)
    seconds = best_time(lambda: one_hot_encode(sequences), repeats=5)
    return len(sequences) * LENGTH / seconds / 1e6


def bare_training_loop(X: np.ndarray, y: np.ndarray) -> torch.nn.Module:
    """What a user would write by hand: DataLoader, Adam, MSE, EPOCHS epochs."""
    torch.manual_seed(0)
    trunk = build_trunk("deepstarr", X.shape[1:], {})
    module = HeadedNetwork(trunk, {"mean": torch.nn.Linear(trunk.out_features, 1)})
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
    loader = DataLoader(TensorDataset(torch.from_numpy(X), torch.from_numpy(y)),
                        batch_size=BATCH, shuffle=True)
    module.train()
    for _ in range(EPOCHS):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(module(xb), yb)
            loss.backward()
            optimizer.step()
    return module


def bench_training(X, y) -> dict:
    def ours():
        return EnsembleRegressor(
            "deepstarr", n_estimators=1, max_epochs=EPOCHS, batch_size=BATCH,
            validation_fraction=None, random_state=0, device="cpu",
        ).fit(X, y)

    def bare():
        return bare_training_loop(X, y[:, None])

    fitted = ours()  # warm-up: allocator, oneDNN kernels
    t_ours, t_bare = interleaved_best_times(ours, bare)
    t_density = best_time(lambda: fitted._fit_feature_density(X, y))
    return {"epoch_s_ours": t_ours / EPOCHS, "epoch_s_bare": t_bare / EPOCHS,
            "ratio": t_ours / t_bare, "density_s": t_density,
            "ratio_without_density": (t_ours - t_density) / t_bare}


def bench_prediction(model: EnsembleRegressor, X: np.ndarray) -> dict:
    module = model.estimators_[0].module_

    def bare():
        module.eval()
        with torch.no_grad():
            return torch.cat([module(torch.from_numpy(X[i:i + BATCH]))
                              for i in range(0, len(X), BATCH)])

    model.predict(X)
    bare()
    t_ours, t_bare = interleaved_best_times(lambda: model.predict(X), bare)
    return {"seq_per_s_ours": len(X) / t_ours, "seq_per_s_bare": len(X) / t_bare,
            "ratio": t_bare / t_ours}


def main() -> None:
    mb_s = bench_encoding()
    X = one_hot_encode(random_sequences(N_TRAIN, LENGTH, 1))
    y = np.random.RandomState(2).normal(size=N_TRAIN).astype(np.float32)
    training = bench_training(X, y)
    model = EnsembleRegressor("deepstarr", n_estimators=1, max_epochs=1, batch_size=BATCH,
                              validation_fraction=None, random_state=0, device="cpu").fit(X, y)
    prediction = bench_prediction(model, one_hot_encode(random_sequences(N_PREDICT, LENGTH, 3)))
    results = {"encoding_mb_per_s": mb_s, "training": training, "prediction": prediction,
               "setup": {"network": "deepstarr", "length": LENGTH, "n_train": N_TRAIN,
                         "n_predict": N_PREDICT, "batch_size": BATCH, "epochs": EPOCHS}}
    write_results("core", results, [
        ("one-hot encoding (MB/s of sequence)", f"{mb_s:.0f}", ">= 100"),
        (f"DeepSTARR fit ({EPOCHS} epochs), ours / bare torch loop",
         f"{training['ratio']:.3f} ({training['epoch_s_ours']:.2f} s vs "
         f"{training['epoch_s_bare']:.2f} s per epoch)", "-"),
        ("... less the OOD feature density (once per fit: "
         f"{training['density_s']:.2f} s)", f"{training['ratio_without_density']:.3f}",
         "<= 1.10"),
        ("DeepSTARR predict throughput, ours / bare eager torch",
         f"{prediction['ratio']:.3f} ({prediction['seq_per_s_ours']:.0f} vs "
         f"{prediction['seq_per_s_bare']:.0f} seq/s)", ">= 1.0"),
    ])


if __name__ == "__main__":
    main()

"""
A profile with its uncertainty at every base
============================================

A profile model predicts coverage at every position of a window. Here the
profiles are simulated footprints of real JASPAR 2024 motifs with count
noise, so the truth is known; an ensemble of CNN-task-base networks
(DEGU's profile model) predicts them with a mean and an epistemic profile,
and split conformal prediction gives an interval at every base.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from uqgenomics import EnsembleRegressor, one_hot_encode
from uqgenomics.conformal import ProfileConformalRegressor
from uqgenomics.datasets import get_data_home, make_profiles
from uqgenomics.metrics import profile_pearson

motifs = get_data_home() / "motifs" / "jaspar_2024_consensus.meme"
X, y = make_profiles(2000, 256, motifs=motifs, depth=30.0, random_state=0)
X = one_hot_encode(X)
train, cal, test = slice(0, 1500), slice(1500, 1750), slice(1750, 2000)

# a narrower CNN-task-base than DEGU's, to train in seconds
small = dict(network__filters=(32, 32, 64), network__pool_sizes=(4, 4, 2),
             network__dense_units=64, network__bottleneck=4, network__profile_filters=32)
model = EnsembleRegressor("cnn_task_base", n_estimators=2, loss="poisson", max_epochs=10,
                          batch_size=64, lr=3e-3, random_state=0, **small)
model.fit(X[train], y[train])
result = model.predict_uncertainty(X[test])           # each part: (250, 256, 1)
print(f"profile Pearson r {profile_pearson(y[test, :, 0], result.mean[:, :, 0]):.3f}")

# %%
# Intervals at every position
# ---------------------------
conformal = ProfileConformalRegressor(model, confidence_level=0.9)
conformal.conformalize(X[cal], y[cal])
mean, lower, upper = conformal.predict_interval(X[test])
inside = (y[test] >= lower) & (y[test] <= upper)
print(f"90 % intervals cover {inside.mean():.3f} of the test positions")
along = inside[:, :, 0].mean(axis=0)                    # coverage at each position
print(f"coverage along the window: from {along.min():.3f} to {along.max():.3f}")

# %%
# One test sequence
# -----------------
row = int(np.argmax(y[test].sum(axis=(1, 2))))          # the one with the most signal
positions = np.arange(y.shape[1])
fig, axes = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
axes[0].fill_between(positions, lower[row, :, 0], upper[row, :, 0], alpha=0.3,
                     label="90 % conformal interval")
axes[0].plot(positions, y[test][row, :, 0], color="black", linewidth=0.8, label="counts")
axes[0].plot(positions, mean[row, :, 0], label="predicted mean")
axes[0].legend(loc="upper right")
axes[0].set(ylabel="coverage")
axes[1].plot(positions, result.epistemic[row, :, 0], label="epistemic std")
axes[1].plot(positions, result.total[row, :, 0], label="total std")
axes[1].legend(loc="upper right")
axes[1].set(xlabel="position (bp)", ylabel="std")
fig.tight_layout()

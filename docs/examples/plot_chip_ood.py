"""
Peaks of a factor the classifier never saw
==========================================

An epinet tells Oct4 from Mafk ChIP-seq peaks (200 bp). CTCF peaks belong
to neither class: the classifier still has to give them one, but its
epistemic uncertainty (the mutual information of its index draws) should
be higher on them. How much higher is the OOD AUROC.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from uqgenomics import EpinetClassifier, one_hot_encode
from uqgenomics.calibration import TemperatureScaledClassifier
from uqgenomics.datasets import load_chip_peaks
from uqgenomics.metrics import expected_calibration_error, ood_auroc

data = load_chip_peaks()
X, X_test, X_ood = (one_hot_encode(s) for s in (data.X_train, data.X_test, data.X_ood))
print(f"{len(X)} training peaks, {len(X_test)} test peaks, {len(X_ood)} CTCF peaks")

# %%
# Train, with a held-out part for temperature scaling
# ---------------------------------------------------
rng = np.random.default_rng(0)
order = rng.permutation(len(X))
fit, cal = order[:-400], order[-400:]
clf = EpinetClassifier("cnn", max_epochs=5, network__filters=(32, 32),
                       network__kernel_sizes=(15, 7), lr=3e-3, random_state=0)
clf.fit(X[fit], data.y_train[fit])
scaled = TemperatureScaledClassifier(clf).fit(X[cal], data.y_train[cal])

inside = scaled.predict_uncertainty(X_test)
outside = scaled.predict_uncertainty(X_ood)
accuracy = np.mean(scaled.classes_[inside.proba.argmax(1)] == data.y_test)
ece = expected_calibration_error(data.y_test, inside.proba, classes=scaled.classes_)
auroc = ood_auroc(inside.epistemic, outside.epistemic)
print(f"accuracy {accuracy:.3f}, ECE {ece:.3f} (200 test peaks: noisy), "
      f"OOD AUROC {auroc:.3f}")

# %%
# Epistemic uncertainty inside and outside the training distribution
# ------------------------------------------------------------------
# An AUROC near 0.5 means the mutual information does not separate the
# two: CTCF peaks share much sequence content with the training peaks
# (``benchmarks/results/classification.md`` reports the same over seeds).
fig, ax = plt.subplots(figsize=(6, 4))
bins = np.linspace(0, max(inside.epistemic.max(), outside.epistemic.max()), 30)
ax.hist(inside.epistemic, bins=bins, alpha=0.6, density=True, label="Oct4 / Mafk test peaks")
ax.hist(outside.epistemic, bins=bins, alpha=0.6, density=True, label="CTCF peaks (unseen)")
ax.set(xlabel="mutual information (nats)", ylabel="density",
       title=f"OOD AUROC {auroc:.2f}")
ax.legend()
fig.tight_layout()

"""
Variant effects with uncertainty on CAGI5
=========================================

An ensemble trained on lentiMPRA activity (WTC11 cells) scores every
variant of the CAGI5 saturation mutagenesis release set (Kircher et al.
2019) as ``f(alt) − f(ref)``, with the effect's uncertainty from paired
member draws. The measured effects come from other cell types (HepG2,
K562, ...), so this is a zero-shot test across cell types: check the
correlation's confidence interval before reading anything into it.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import norm

from uqgenomics import EnsembleRegressor, one_hot_encode
from uqgenomics.datasets import load_cagi5, load_lentimpra_wtc11
from uqgenomics.encoding import reverse_complement_groups
from uqgenomics.variants import predict_variant_effects, stratified_effect_performance

wtc11 = load_lentimpra_wtc11()
X, y = one_hot_encode(wtc11.X_valid), wtc11.y_valid        # one of the two folds
model = EnsembleRegressor("cnn", n_estimators=3, max_epochs=4, network__filters=(64, 64),
                          network__kernel_sizes=(15, 7), lr=3e-3, random_state=0)
model.fit(X, y, groups=reverse_complement_groups(X))

# %%
# Score every variant in 230 bp windows
# -------------------------------------
# The loader builds each variant's reference and alternative window around
# it from the element's sequence (its warnings count the Ref alleles that
# differ from the reference and the windows padded at element ends).
cagi5 = load_cagi5(window=230)
effects = predict_variant_effects(model, cagi5.ref, cagi5.alt)
frame = cagi5.frame.assign(effect=effects.mean, total=effects.total)


def r_with_interval(a, b):
    """Pearson r with its 95 % interval (Fisher's z)."""
    r = np.corrcoef(a, b)[0, 1]
    half = norm.ppf(0.975) / np.sqrt(len(a) - 3)
    return r, np.tanh(np.arctanh(r) - half), np.tanh(np.arctanh(r) + half)


r, low, high = r_with_interval(frame.effect, frame.value)
print(f"{len(frame)} variants: Pearson r {r:.3f} [{low:.3f}, {high:.3f}]"
      + (" (the interval holds 0: noise)" if low <= 0 <= high else ""))
print(stratified_effect_performance(frame.effect, frame.total, frame.value).round(3))

# %%
# Per element, and against the effect's uncertainty
# -------------------------------------------------
per_element = (frame.groupby("element_set")[["effect", "value"]]
               .apply(lambda g: r_with_interval(g.effect, g.value)[0]).sort_values())
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
axes[0].barh(per_element.index, per_element.values)
axes[0].axvline(0, color="black", linewidth=0.8)
axes[0].set(xlabel="Pearson r, predicted vs measured effect", title="per element set")
points = axes[1].scatter(frame.effect, frame.value, c=frame.total, s=4, cmap="viridis")
fig.colorbar(points, ax=axes[1], label="effect's total std")
axes[1].set(xlabel="predicted effect (alt − ref)", ylabel="measured effect (log2)",
            title="every variant")
fig.tight_layout()

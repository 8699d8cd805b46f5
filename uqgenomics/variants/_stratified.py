"""Accuracy of variant effect predictions by their uncertainty."""

from __future__ import annotations

from ..metrics import pearson_r, spearman_r
from ..metrics import stratified_performance as _stratified


def stratified_effect_performance(effect, uncertainty, measured, percentiles=(25, 50, 75, 100)):
    """Pearson and Spearman r of predicted vs measured effects below uncertainty percentiles.

    Parameters
    ----------
    effect, uncertainty, measured : array-like of shape (n_variants,)
    percentiles : sequence of float, default=(25, 50, 75, 100)

    Returns
    -------
    pandas.DataFrame
        ``percentile``, ``threshold``, ``n``, ``pearson``, ``spearman``: if
        the uncertainty is informative, r is highest for the most confident
        variants.
    """
    pearson = _stratified(measured, effect, uncertainty, percentiles, pearson_r)
    spearman = _stratified(measured, effect, uncertainty, percentiles, spearman_r)
    return pearson.rename(columns={"score": "pearson"}).assign(spearman=spearman["score"])

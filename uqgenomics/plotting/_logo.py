"""Sequence logo of an attribution map (matplotlib only)."""

from __future__ import annotations

import numpy as np

from ._axes import get_axes

COLORS = {"A": "#109648", "C": "#255C99", "G": "#F7B32B", "T": "#D62839"}


def plot_attribution_logo(attribution, ax=None, alphabet: str = "ACGT", start: int = 0):
    """Draw an attribution map as a logo: letter heights are the values.

    At each position the positive values are stacked upwards and the
    negative ones downwards, largest magnitude outermost.

    Parameters
    ----------
    attribution : array-like of shape (length, 4)
        E.g. ``saliency(...)[i]`` (gradient-corrected) or its product with
        the one-hot input.
    ax : matplotlib Axes, optional
    alphabet : str, default='ACGT'
        Column order.
    start : int, default=0
        Coordinate of the first position on the x axis.

    Returns
    -------
    matplotlib Axes
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import PathPatch
    from matplotlib.textpath import TextPath
    from matplotlib.transforms import Affine2D

    values = np.asarray(attribution, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] != len(alphabet):
        raise ValueError(f"attribution must have shape (length, {len(alphabet)}), got "
                         f"{values.shape}")
    ax = get_axes(ax)
    font = FontProperties(family="DejaVu Sans", weight="bold")
    glyphs = {}
    for letter in alphabet:
        path = TextPath((0, 0), letter, size=1, prop=font)
        box = path.get_extents()
        glyphs[letter] = (path, box)
    for position, row in enumerate(values):
        for sign in (1, -1):
            base = 0.0
            order = [i for i in np.argsort(sign * row) if sign * row[i] > 0]
            for i in order:  # smallest first, so the largest ends outermost
                height = abs(row[i])
                path, box = glyphs[alphabet[i]]
                transform = (Affine2D().translate(-box.x0, -box.y0)
                             .scale(0.9 / box.width, height / box.height)
                             .translate(start + position - 0.45, base if sign > 0 else -base - height))
                ax.add_patch(PathPatch(transform.transform_path(path), linewidth=0,
                                       facecolor=COLORS.get(alphabet[i], "grey")))
                base += height
    low, high = np.minimum(values, 0).sum(1).min(), np.maximum(values, 0).sum(1).max()
    margin = 0.05 * max(high - low, 1e-12)
    ax.set_xlim(start - 0.5, start + len(values) - 0.5)
    ax.set_ylim(low - margin, high + margin)
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set(xlabel="position", ylabel="attribution")
    return ax

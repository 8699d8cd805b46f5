"""Lazy matplotlib import and the shared ``ax=None`` convention."""

from __future__ import annotations


def get_axes(ax=None):
    """Return ``ax``, or the current Axes of a new figure when it is None.

    Raises
    ------
    ImportError
        When matplotlib is not installed (``pip install uqgenomics[plot]``).
    """
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError("plotting needs matplotlib: pip install 'uqgenomics[plot]'") from error
    _, ax = plt.subplots(figsize=(4.5, 4))
    return ax


def as_named_results(results) -> dict:
    """Accept one ``UncertaintyResult`` or a mapping of name to result.

    Every result must be single-task (1-D arrays): select a task column
    before plotting a multi-task model.
    """
    named = dict(results) if isinstance(results, dict) else {"model": results}
    for name, result in named.items():
        if result.mean.ndim != 1:
            raise ValueError(f"{name}: plots take one task at a time; the result has shape "
                             f"{result.mean.shape}")
    return named

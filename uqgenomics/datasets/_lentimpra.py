"""lentiMPRA: activity of 230 bp human regulatory sequences (Agarwal et al. 2023, 2025)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..encoding import one_hot_decode, read_table
from ._h5 import find_key, import_h5py, sequences_last, split_names
from ._home import dataset_folder, require_files

CELL_TYPES = ("K562", "HepG2")
SPLITS = {"train": "Train", "valid": "Val", "test": "Test"}
_SOURCE = ("Agarwal et al. 2023 supplementary tables, as prepared by DEGU: "
           "no public download URL is registered")


def fetch_lentimpra(cell_type: str = "K562", data_home=None, replicates: bool = True) -> Bunch:
    """Load a lentiMPRA cell line from the h5 layout of DEGU, with per-replicate values.

    Files in ``<data_home>/lentimpra/``:

    * ``{cell_type}_data.h5`` with groups ``Train``, ``Val``, ``Test``, each
      holding ``X`` (one-hot ``(N, 230, 4)`` or ``(N, 4, 230)``) and ``y`` of
      shape ``(N,)``, ``(N, 1)`` or ``(N, 2)``: column 0 is the mean activity
      (log2 RNA/DNA) over replicates, column 1 (when present) the standard
      deviation across replicates.
    * with ``replicates=True``, ``{cell_type}_replicates.tsv``: one row per
      element with a ``seq`` column (230 bp) and one column per replicate,
      named ``rep1``, ``rep2``, … (blank for a missing measurement). Rows are
      joined to the h5 sequences by their sequence.

    Nothing is downloaded (no public URL); a missing file raises an error
    naming it and the folder.

    Parameters
    ----------
    cell_type : {'K562', 'HepG2'}, default='K562'
    data_home : str or path-like, optional
    replicates : bool, default=True
        Also return each split's replicate measurements.

    Returns
    -------
    Bunch
        For each split ``train``, ``valid``, ``test``: ``X_<split>`` float32
        ``(N, 230, 4)``, ``y_<split>`` ``(N,)`` mean activity,
        ``y_std_<split>`` ``(N,)`` replicate std (NaN when the h5 has none)
        and, with ``replicates=True``, ``y_replicates_<split>`` of shape
        ``(N, 1, R)`` (NaN where a replicate is missing), ready for
        ``DistilledRegressor.fit(..., y_replicates=...)``; ``replicate_names``.
    """
    if cell_type not in CELL_TYPES:
        raise ValueError(f"cell_type must be one of {CELL_TYPES}, got {cell_type!r}")
    folder = dataset_folder("lentimpra", data_home)
    names = [f"{cell_type}_data.h5"] + ([f"{cell_type}_replicates.tsv"] if replicates else [])
    paths = require_files(folder, names, f"lentiMPRA {cell_type}", _SOURCE)
    data = Bunch(cell_type=cell_type)
    h5py = import_h5py()
    with h5py.File(paths[0], "r") as handle:
        for split in SPLITS:
            group = handle[find_key(handle.keys(), *split_names(split))]
            X = sequences_last(group[find_key(group.keys(), "X", "x")][()])
            y = np.asarray(group[find_key(group.keys(), "y", "Y")][()], dtype=np.float64)
            y = y.reshape(len(X), -1)
            data[f"X_{split}"] = X
            data[f"y_{split}"] = y[:, 0].copy()
            data[f"y_std_{split}"] = y[:, 1].copy() if y.shape[1] > 1 else np.full(len(X), np.nan)
    if replicates:
        table = pd.read_csv(paths[1], sep="\t")
        columns = [c for c in table.columns if c.lower().startswith("rep")]
        if "seq" not in table.columns or not columns:
            raise ValueError(f"{paths[1]} needs a 'seq' column and replicate columns "
                             f"'rep1', 'rep2', …; it has {list(table.columns)}")
        values = table.set_index(table["seq"].str.upper())[columns].astype(np.float64)
        values = values[~values.index.duplicated()]
        for split in SPLITS:
            sequences = one_hot_decode(data[f"X_{split}"])
            data[f"y_replicates_{split}"] = values.reindex(sequences).to_numpy()[:, None, :]
        data["replicate_names"] = columns
    return data


def load_lentimpra_wtc11(data_home=None) -> Bunch:
    """Load the lentiMPRA WTC11 folds of human_legnet (Agarwal et al. 2025).

    Reads ``<data_home>/lentimpra_wtc11/WTC11_valid.tsv`` and
    ``WTC11_test.tsv``: tab-separated, columns ``seq`` (230 bp, the outer
    15 bp on each side are constant adapters; almost every element is there
    in both orientations: split with
    :func:`~uqgenomics.encoding.reverse_complement_groups`, which leaves the
    adapters out) and ``mean_value`` (mean
    activity over replicates). The two files are two cross-validation folds:
    train on one, test on the other.

    Returns
    -------
    Bunch
        ``X_valid``, ``y_valid``, ``X_test``, ``y_test``: sequence strings
        ``(N,)`` and float64 activity ``(N,)``.
    """
    folder = dataset_folder("lentimpra_wtc11", data_home)
    paths = require_files(folder, ["WTC11_valid.tsv", "WTC11_test.tsv"], "lentiMPRA WTC11",
                          "autosome-ru/human_legnet tutorial data")
    data = Bunch()
    for split, path in zip(("valid", "test"), paths):
        sequences, y = read_table(path, sequence_column="seq", target_columns="mean_value")
        data[f"X_{split}"], data[f"y_{split}"] = np.asarray(sequences, dtype=str), y
    return data

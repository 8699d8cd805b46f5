"""Two MAVE-NN example datasets: splicing (MPSA) and sort-seq of the lac promoter."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._home import dataset_folder, require_files

_SOURCE = "mavenn 1.1.4 wheel, mavenn/examples/datasets"


def load_mpsa(data_home=None, replicates: bool = True) -> Bunch:
    """Massively parallel splicing assay of 9 nt 5' splice sites (Wong et al. 2018).

    Reads ``<data_home>/mavenn/mpsa_data.csv.gz`` (columns ``set`` =
    training / validation / test, ``tot_ct``, ``ex_ct``, ``y`` = log10 PSI
    -like activity, ``x`` = sequence in RNA letters) and, with
    ``replicates=True``, the independent replicate experiment
    ``mpsa_replicate_data.csv.gz``, joined on the sequence.

    Returns
    -------
    Bunch
        ``X`` (DNA strings, U → T, shape ``(N,)``), ``y`` ``(N,)``,
        ``split`` (the ``set`` column), ``tot_ct`` and ``ex_ct`` (read
        counts) and ``frame``; with ``replicates=True`` also
        ``y_replicates`` of shape ``(N, 1, 2)``: this experiment and the
        replicate one (NaN where the replicate did not measure the sequence).
    """
    folder = dataset_folder("mavenn", data_home)
    names = ["mpsa_data.csv.gz"] + (["mpsa_replicate_data.csv.gz"] if replicates else [])
    paths = require_files(folder, names, "MPSA", _SOURCE)
    frame = pd.read_csv(paths[0])
    if replicates:
        second = pd.read_csv(paths[1])[["x", "y"]].drop_duplicates("x")
        frame = frame.merge(second.rename(columns={"y": "y_replicate"}), on="x", how="left")
    data = Bunch(X=frame["x"].str.upper().str.replace("U", "T").to_numpy(),
                 y=frame["y"].to_numpy(np.float64), split=frame["set"].to_numpy(),
                 tot_ct=frame["tot_ct"].to_numpy(), ex_ct=frame["ex_ct"].to_numpy(),
                 frame=frame)
    if replicates:
        data["y_replicates"] = frame[["y", "y_replicate"]].to_numpy(np.float64)[:, None, :]
    return data


def load_sortseq(data_home=None) -> Bunch:
    """Sort-seq of 75 bp lac promoter variants in E. coli (Kinney et al. 2010).

    Reads ``<data_home>/mavenn/sortseq_data.csv.gz``: ``set``, read counts
    ``ct_0`` … ``ct_9`` in ten fluorescence bins (dim to bright) and ``x``.

    Returns
    -------
    Bunch
        ``X`` ``(N,)`` sequences; ``counts`` ``(N, 10)`` int; ``y``
        ``(N,)`` the count-weighted mean bin index (0–9), a per-sequence
        expression score whose noise shrinks with ``total_counts``;
        ``total_counts`` ``(N,)``; ``split``; ``frame``.
    """
    folder = dataset_folder("mavenn", data_home)
    (path,) = require_files(folder, ["sortseq_data.csv.gz"], "sort-seq", _SOURCE)
    frame = pd.read_csv(path)
    counts = frame[[f"ct_{i}" for i in range(10)]].to_numpy()
    total = counts.sum(axis=1)
    if np.any(total == 0):
        raise ValueError(f"{path} has sequences without reads")
    return Bunch(X=frame["x"].str.upper().to_numpy(), counts=counts,
                 y=counts @ np.arange(10) / total, total_counts=total,
                 split=frame["set"].to_numpy(), frame=frame)

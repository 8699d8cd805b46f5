"""ChIP-seq peaks for binary classification with an out-of-distribution set."""

from __future__ import annotations

import numpy as np
from sklearn.utils import Bunch

from ..encoding import read_fasta
from ._home import dataset_folder, require_files

_SOURCE = "janggu 0.10.2 resources (Oct4, Mafk); gimmemotifs 0.18.4 examples (CTCF)"


def load_chip_peaks(positive: str = "oct4", negative: str = "mafk",
                    ood: str = "ctcf_gm12878_top500", data_home=None) -> Bunch:
    """200 bp peaks of two factors as two classes, and a third factor's peaks as OOD.

    Reads ``<data_home>/chip_peaks/{positive,negative}_{train,test}.fa`` and
    ``{ood}.fa``.

    Parameters
    ----------
    positive, negative : str, default='oct4', 'mafk'
        File prefixes; they are also the class labels.
    ood : str, default='ctcf_gm12878_top500'
        File stem of peaks from a factor the classifier never sees.
    data_home : str or path-like, optional

    Returns
    -------
    Bunch
        ``X_train``, ``y_train``, ``X_test``, ``y_test`` (sequences and
        string labels, shape ``(N,)``), ``X_ood`` and ``classes``
        ``[negative, positive]``.
    """
    folder = dataset_folder("chip_peaks", data_home)
    names = [f"{c}_{s}.fa" for s in ("train", "test") for c in (negative, positive)]
    paths = require_files(folder, names + [f"{ood}.fa"], "ChIP peaks", _SOURCE)
    data = Bunch(classes=[negative, positive])
    for split, (neg_path, pos_path) in zip(("train", "test"), (paths[0:2], paths[2:4])):
        negatives, positives = read_fasta(neg_path)[1], read_fasta(pos_path)[1]
        data[f"X_{split}"] = np.asarray([s.upper() for s in negatives + positives])
        data[f"y_{split}"] = np.asarray([negative] * len(negatives) + [positive] * len(positives))
    data["X_ood"] = np.asarray([s.upper() for s in read_fasta(paths[4])[1]])
    return data

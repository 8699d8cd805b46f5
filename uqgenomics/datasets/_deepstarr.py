"""DeepSTARR: enhancer activity of 249 bp Drosophila S2 sequences (de Almeida et al. 2022)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..encoding import read_fasta
from ._download import download, zenodo_files
from ._h5 import find_key, import_h5py, sequences_last, split_names
from ._home import MissingDataError, dataset_folder

ZENODO_RECORD = "5502060"
TARGETS = ("Dev_log2_enrichment", "Hk_log2_enrichment")
SPLITS = {"train": "Train", "valid": "Val", "test": "Test"}
RELEASE_FILES = tuple(f"Sequences_{s}.fa" for s in SPLITS.values()) + tuple(
    f"Sequences_activity_{s}.txt" for s in SPLITS.values())
H5_NAMES = ("DeepSTARR_data.h5", "deepstarr_data.h5")


def fetch_deepstarr(data_home=None, download_if_missing: bool = True, layout: str = "auto",
                    progress: bool = True) -> Bunch:
    """Load DeepSTARR's train / validation / test splits, downloading them if needed.

    Two layouts are read from ``<data_home>/deepstarr/``:

    * ``'release'``: the original files of Zenodo record 5502060,
      ``Sequences_{Train,Val,Test}.fa`` with
      ``Sequences_activity_{Train,Val,Test}.txt`` (tab-separated, columns
      ``Dev_log2_enrichment`` and ``Hk_log2_enrichment`` among others, rows in
      FASTA order). ``X_*`` are then sequence strings.
    * ``'h5'``: the ``DeepSTARR_data.h5`` of DEGU / EvoAug, datasets
      ``X_train``, ``Y_train``, ``X_valid``, ``Y_valid``, ``X_test``,
      ``Y_test`` (any case; ``val`` accepted), X one-hot as ``(N, L, 4)`` or
      ``(N, 4, L)``. ``X_*`` are then float32 one-hot ``(N, L, 4)``.

    ``'auto'`` uses the release files when all six are present, else an h5
    file, else downloads the release files.

    Parameters
    ----------
    data_home : str or path-like, optional
        See :func:`get_data_home`.
    download_if_missing : bool, default=True
        Download the release files from Zenodo (checksums verified against
        those Zenodo publishes) when no layout is present.
    layout : {'auto', 'release', 'h5'}, default='auto'
    progress : bool, default=True
        Show a download progress bar.

    Returns
    -------
    Bunch
        ``X_train``, ``y_train``, ``X_valid``, ``y_valid``, ``X_test``,
        ``y_test`` (``y`` of shape ``(N, 2)``, log2 enrichment, float64),
        ``target_names`` ``['Dev', 'Hk']`` and ``layout``.

    Raises
    ------
    MissingDataError
        When the files are absent and may not be downloaded.
    """
    if layout not in ("auto", "release", "h5"):
        raise ValueError(f"layout must be 'auto', 'release' or 'h5', got {layout!r}")
    folder = dataset_folder("deepstarr", data_home)
    h5_path = next((folder / n for n in H5_NAMES if (folder / n).is_file()), None)
    have_release = all((folder / n).is_file() for n in RELEASE_FILES)
    if layout == "h5" or (layout == "auto" and not have_release and h5_path is not None):
        if h5_path is None:
            raise MissingDataError(f"DeepSTARR: no {' or '.join(H5_NAMES)} in {folder}")
        return _read_h5(h5_path)
    if not have_release:
        if not download_if_missing:
            raise MissingDataError(
                f"DeepSTARR: missing files in {folder}. Put {', '.join(RELEASE_FILES)} there "
                f"(https://zenodo.org/records/{ZENODO_RECORD}) or the DEGU / EvoAug "
                f"{H5_NAMES[0]}, or pass download_if_missing=True.")
        missing = [n for n in RELEASE_FILES if not (folder / n).is_file()]
        for remote in zenodo_files(ZENODO_RECORD, missing):
            download(remote, folder, progress)
    return _read_release(folder)


def _read_release(folder) -> Bunch:
    data = Bunch(target_names=["Dev", "Hk"], layout="release")
    for split, name in SPLITS.items():
        names, sequences = read_fasta(folder / f"Sequences_{name}.fa")
        activity = pd.read_csv(folder / f"Sequences_activity_{name}.txt", sep="\t")
        if len(activity) != len(sequences):
            raise ValueError(f"Sequences_{name}.fa has {len(sequences)} sequences but "
                             f"Sequences_activity_{name}.txt has {len(activity)} rows")
        data[f"X_{split}"] = np.asarray(sequences)
        data[f"y_{split}"] = activity.loc[:, list(TARGETS)].to_numpy(np.float64)
    return data


def _read_h5(path) -> Bunch:
    h5py = import_h5py()
    data = Bunch(target_names=["Dev", "Hk"], layout="h5")
    with h5py.File(path, "r") as handle:
        for split in SPLITS:
            x_key = find_key(handle.keys(), *(f"x_{s}" for s in split_names(split)))
            y_key = find_key(handle.keys(), *(f"y_{s}" for s in split_names(split)))
            data[f"X_{split}"] = sequences_last(handle[x_key][()])
            data[f"y_{split}"] = np.asarray(handle[y_key][()], dtype=np.float64).reshape(
                len(data[f"X_{split}"]), -1)
    return data

"""Where dataset files live, and the error raised when they are missing."""

from __future__ import annotations

import os
from pathlib import Path

ENVIRONMENT_VARIABLE = "UQGENOMICS_DATA"


class MissingDataError(FileNotFoundError):
    """A dataset's files are absent and cannot (or may not) be downloaded."""


def get_data_home(data_home=None) -> Path:
    """The folder holding one sub-folder per dataset.

    Parameters
    ----------
    data_home : str or path-like, optional
        Used as given. Otherwise the ``UQGENOMICS_DATA`` environment variable,
        otherwise ``~/uqgenomics_data``. Not created here.

    Returns
    -------
    pathlib.Path
    """
    if data_home is None:
        data_home = os.environ.get(ENVIRONMENT_VARIABLE, "~/uqgenomics_data")
    return Path(data_home).expanduser()


def dataset_folder(name: str, data_home=None) -> Path:
    """``get_data_home(data_home) / name``."""
    return get_data_home(data_home) / name


def require_files(folder: Path, filenames, dataset: str, source: str) -> list[Path]:
    """Paths of ``filenames`` in ``folder``; raise naming every missing one.

    Raises
    ------
    MissingDataError
        Listing the missing files, the folder to put them in and where they
        come from.
    """
    paths = [folder / name for name in filenames]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise MissingDataError(
            f"{dataset}: missing {', '.join(missing)} in {folder}. Put the files there "
            f"({source}), or point data_home / ${ENVIRONMENT_VARIABLE} at the folder that "
            f"holds '{folder.name}/'.")
    return paths

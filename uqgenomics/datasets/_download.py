"""Checksum-verified downloads with a progress bar, and Zenodo record listings."""

from __future__ import annotations

import hashlib
import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

ZENODO_API = "https://zenodo.org/api/records"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class RemoteFile:
    """A file to download and the checksum it must have.

    Attributes
    ----------
    filename : str
        Name to save it under.
    url : str
    checksum : str
        ``"<algorithm>:<hex digest>"`` with any :mod:`hashlib` algorithm,
        e.g. ``"md5:…"`` as Zenodo publishes it.
    """

    filename: str
    url: str
    checksum: str


def download(remote: RemoteFile, folder: Path, progress: bool = True,
             timeout: float = 60.0) -> Path:
    """Download ``remote`` into ``folder`` and verify its checksum.

    The bytes go to ``<filename>.part`` first and are renamed only after
    the checksum matches, so an interrupted or corrupt download never
    leaves a file that a loader would read.

    Raises
    ------
    OSError
        When the checksum differs (the partial file is removed).
    """
    algorithm, expected = remote.checksum.split(":", 1)
    hasher = hashlib.new(algorithm)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / remote.filename
    partial = target.with_name(target.name + ".part")
    with urllib.request.urlopen(remote.url, timeout=timeout) as response, \
            open(partial, "wb") as out, \
            tqdm(total=int(response.headers.get("Content-Length") or 0) or None, unit="B",
                 unit_scale=True, desc=remote.filename, disable=not progress) as bar:
        while chunk := response.read(_CHUNK):
            hasher.update(chunk)
            out.write(chunk)
            bar.update(len(chunk))
    if hasher.hexdigest() != expected.lower():
        partial.unlink()
        raise OSError(f"{remote.filename}: {algorithm} checksum {hasher.hexdigest()} "
                      f"differs from the published {expected} ({remote.url})")
    partial.replace(target)
    return target


def zenodo_files(record: str, filenames, api: str | None = None,
                 timeout: float = 60.0) -> list[RemoteFile]:
    """Download links and published checksums of files in a Zenodo record.

    Parameters
    ----------
    record : str
        Record id, e.g. ``"5502060"``.
    filenames : iterable of str
        Files wanted from the record.
    api : str, optional
        Records endpoint; ``ZENODO_API`` by default.

    Raises
    ------
    KeyError
        When the record lacks one of ``filenames``.
    """
    with urllib.request.urlopen(f"{api or ZENODO_API}/{record}", timeout=timeout) as response:
        listing = json.load(response)["files"]
    entries = listing.get("entries", listing) if isinstance(listing, dict) else listing
    if isinstance(entries, dict):
        entries = list(entries.values())
    by_name = {entry["key"]: entry for entry in entries}
    remotes = []
    for name in filenames:
        if name not in by_name:
            raise KeyError(f"Zenodo record {record} has no file {name!r}")
        links = by_name[name]["links"]
        remotes.append(RemoteFile(name, links.get("content", links.get("self")),
                                  by_name[name]["checksum"]))
    return remotes

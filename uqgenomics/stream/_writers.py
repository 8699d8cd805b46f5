"""Resumable table writers: TSV, Parquet (a folder of parts) and HDF5.

Each writer appends one chunk of rows at a time and makes it durable
before the next, and keeps the run's fingerprint (see ``_fingerprint.py``)
with the output. On opening an existing output to resume it, the
fingerprint must be the current run's and the rows must be intact; the
writer then reports how many complete rows it holds (dropping a partly
written last chunk), so an interrupted run continues where it stopped and
a different run never appends to it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np

from ._fingerprint import check_same_run

FORMATS = ("tsv", "parquet", "h5")


def infer_format(out) -> str:
    """``'tsv'``, ``'parquet'`` or ``'h5'`` from the output's suffix."""
    suffix = Path(out).suffix.lower()
    formats = {".tsv": "tsv", ".txt": "tsv", ".parquet": "parquet", ".h5": "h5", ".hdf5": "h5"}
    if suffix not in formats:
        raise ValueError(f"cannot infer the output format of {os.fspath(out)!r}; name it "
                         f"*.tsv, *.parquet or *.h5, or pass format= one of {FORMATS}")
    return formats[suffix]


def _load_record(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def _save_record(path: Path, fingerprint: dict) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(fingerprint, indent=1))
    os.replace(temporary, path)


class TSVWriter:
    """Tab-separated text with a header line; one flushed, fsynced append
    per chunk. The run's fingerprint is kept beside it in ``<out>.run.json``.

    On resume the fingerprint must match, a partial last line (an
    interrupted append) is cut off, and every other line must be a whole
    row: a corrupt or truncated one is an error.
    """

    def __init__(self, path, columns: list[str], resume: bool, fingerprint: dict):
        self.path = Path(path)
        self.columns = columns
        self.record = self.path.with_name(self.path.name + ".run.json")
        header = "\t".join(["name", *columns]) + "\n"
        if resume and self.path.exists() and self.path.stat().st_size:
            check_same_run(self.path, _load_record(self.record), fingerprint)
            self._truncate_partial_line()
            self.n_rows = self._check_rows(header)
        else:
            _save_record(self.record, fingerprint)
            self.path.write_text(header)
            self.n_rows = 0

    def _truncate_partial_line(self) -> None:
        with open(self.path, "rb+") as handle:
            size = handle.seek(0, os.SEEK_END)
            end = size
            while end > 0:
                step = min(65536, end)
                handle.seek(end - step)
                block = handle.read(step)
                newline = block.rfind(b"\n")
                if newline >= 0:
                    end = end - step + newline + 1
                    break
                end -= step
            if end != size:
                handle.truncate(end)

    def _check_rows(self, header: str) -> int:
        """The number of rows, after checking the header and every row."""
        n_fields = len(self.columns) + 1
        with open(self.path) as handle:
            found = handle.readline()
            if found != header:
                raise ValueError(f"{self.path} has columns {found.strip().split()}, not "
                                 f"{header.strip().split()}: pass resume=False to overwrite it")
            rows = 0
            for rows, line in enumerate(handle, start=1):
                fields = line.rstrip("\n").split("\t")
                try:
                    if len(fields) != n_fields:
                        raise ValueError
                    [float(v) for v in fields[1:]]
                except ValueError:
                    raise ValueError(
                        f"{self.path}: row {rows} is corrupt or truncated ({line[:60]!r}); "
                        "the file was changed outside this run: pass resume=False to "
                        "rewrite it") from None
        return rows

    def write(self, names: list[str], values: np.ndarray) -> None:
        lines = ["\t".join([name, *(f"{v:.7g}" for v in row)])
                 for name, row in zip(names, values)]
        with open(self.path, "a") as handle:
            handle.write("\n".join(lines) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self.n_rows += len(names)

    def close(self) -> None:
        pass


class ParquetWriter:
    """A folder of Parquet parts ``part-000000.parquet``, ... (read it with
    ``pandas.read_parquet(folder)``) and the run's fingerprint ``_run.json``;
    each part is written under a temporary name and renamed, so a part is
    either whole or absent.

    On resume the fingerprint must match, the parts must be numbered without
    a gap and each must be readable; only this writer's own temporary files
    (``.part-NNNNNN.parquet.tmp``) are removed.
    """

    PART = re.compile(r"part-(\d{6})\.parquet")
    #: Hidden (a leading dot), so pandas / pyarrow skip one a crash left behind.
    TEMPORARY = re.compile(r"\.part-\d{6}\.parquet\.tmp")

    def __init__(self, path, columns: list[str], resume: bool, fingerprint: dict):
        import pyarrow.parquet as pq

        self.path = Path(path)
        self.columns = columns
        self.path.mkdir(parents=True, exist_ok=True)
        for stale in self.path.iterdir():
            if self.TEMPORARY.fullmatch(stale.name):
                stale.unlink()
        parts = sorted(p for p in self.path.iterdir() if self.PART.fullmatch(p.name))
        if resume and parts:
            check_same_run(self.path, _load_record(self.path / "_run.json"), fingerprint)
        else:
            for part in parts:
                part.unlink()
            parts = []
            _save_record(self.path / "_run.json", fingerprint)
        for number, part in enumerate(parts):
            if int(self.PART.fullmatch(part.name).group(1)) != number:
                raise ValueError(f"{self.path}: part-{number:06d}.parquet is missing (found "
                                 f"{part.name}); pass resume=False to rewrite the output")
        self.n_rows = 0
        for part in parts:
            try:
                metadata = pq.read_metadata(part)
                found = pq.read_schema(part).names
            except Exception as error:  # pyarrow raises several kinds on a bad file
                raise ValueError(f"{part} is not a readable Parquet file ({error}); pass "
                                 "resume=False to rewrite the output") from None
            if found != ["name", *columns]:
                raise ValueError(f"{part} has columns {found}, not {['name', *columns]}")
            self.n_rows += metadata.num_rows
        self.n_parts = len(parts)

    def write(self, names: list[str], values: np.ndarray) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({"name": pa.array(names, pa.string()),
                          **{c: values[:, j] for j, c in enumerate(self.columns)}})
        final = self.path / f"part-{self.n_parts:06d}.parquet"
        temporary = final.with_name(f".{final.name}.tmp")
        pq.write_table(table, temporary)
        os.replace(temporary, final)
        self.n_parts += 1
        self.n_rows += len(names)

    def close(self) -> None:
        pass


class H5Writer:
    """An HDF5 file with a ``name`` dataset and one float dataset per
    column, all resizable; the ``n_rows`` attribute is updated after each
    chunk and flushed, and the run's fingerprint is the ``run`` attribute.
    On resume the fingerprint must match, every dataset must hold at least
    ``n_rows`` rows, and they are cut back to it."""

    def __init__(self, path, columns: list[str], resume: bool, fingerprint: dict):
        import h5py

        self.columns = columns
        exists = resume and Path(path).exists()
        self.file = h5py.File(path, "a" if exists else "w")
        try:
            if exists:
                self._reopen(path, fingerprint)
            else:
                self.file.attrs["run"] = json.dumps(fingerprint)
                self.file.attrs["columns"] = columns
                self.file.attrs["n_rows"] = 0
                self.file.create_dataset("name", (0,), maxshape=(None,), chunks=(65536,),
                                         dtype=h5py.string_dtype())
                for column in columns:
                    self.file.create_dataset(column, (0,), maxshape=(None,), chunks=(65536,),
                                             dtype="f4")
                self.n_rows = 0
            self.file.flush()
        except BaseException:
            self.file.close()
            raise

    def _reopen(self, path, fingerprint: dict) -> None:
        stored = self.file.attrs.get("run")
        check_same_run(path, None if stored is None else json.loads(stored), fingerprint)
        self.n_rows = int(self.file.attrs["n_rows"])
        for key in ["name", *self.columns]:
            if key not in self.file or len(self.file[key]) < self.n_rows:
                raise ValueError(f"{path}: dataset {key!r} is missing or shorter than the "
                                 f"{self.n_rows} committed rows; pass resume=False to rewrite it")
            self.file[key].resize((self.n_rows,))

    def write(self, names: list[str], values: np.ndarray) -> None:
        end = self.n_rows + len(names)
        for j, key in enumerate(["name", *self.columns]):
            dataset = self.file[key]
            dataset.resize((end,))
            dataset[self.n_rows:end] = names if j == 0 else values[:, j - 1]
        self.file.attrs["n_rows"] = end
        self.file.flush()
        self.n_rows = end

    def close(self) -> None:
        self.file.close()


WRITERS = {"tsv": TSVWriter, "parquet": ParquetWriter, "h5": H5Writer}

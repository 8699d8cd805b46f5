"""Resumable table writers: TSV, Parquet (a folder of parts) and HDF5.

Each writer appends one chunk of rows at a time and makes it durable
before the next, and keeps the run's fingerprint (see ``_fingerprint.py``)
with the output. On opening an existing output to resume it, the
fingerprint must be the current run's and the rows must be intact; the
writer then reports how many complete rows it holds (dropping a partly
written last chunk), so an interrupted run continues where it stopped and
a different run never appends to it.

A table is its key columns (text or integers: ``name``; or ``chrom``,
``pos``... for variants) followed by float columns.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np

from ._fingerprint import START_AFRESH, check_same_run

FORMATS = ("tsv", "parquet", "h5")
#: The key columns of a prediction table: each name with its type.
NAME_KEY = {"name": str}


def infer_format(out) -> str:
    """``'tsv'``, ``'parquet'`` or ``'h5'`` from the output's suffix."""
    suffix = Path(out).suffix.lower()
    formats = {".tsv": "tsv", ".txt": "tsv", ".parquet": "parquet", ".h5": "h5", ".hdf5": "h5"}
    if suffix not in formats:
        raise ValueError(f"cannot infer the output format of {os.fspath(out)!r}; name it "
                         f"*.tsv, *.parquet or *.h5, or pass format= one of {FORMATS}")
    return formats[suffix]


def _check_keys(keys: dict, columns: list[str]) -> None:
    bad = {k: t for k, t in keys.items() if t not in (str, int)}
    if bad:
        raise TypeError(f"key columns must be str or int, got {bad}")
    if set(keys) & set(columns):
        raise ValueError(f"key and value columns share names: {set(keys) & set(columns)}")


def _key_lists(keys: dict, given: dict, n_rows: int) -> list[list]:
    """The key columns of one chunk, in order, checked against the schema."""
    if list(given) != list(keys):
        raise ValueError(f"a chunk has key columns {list(given)}, not {list(keys)}")
    columns = []
    for name, kind in keys.items():
        column = list(given[name])
        if len(column) != n_rows:
            raise ValueError(f"key column {name!r} has {len(column)} rows, values {n_rows}")
        if kind is str and any("\t" in v or "\n" in v for v in column):
            raise ValueError(f"key column {name!r} holds a tab or newline: {column[:3]}")
        columns.append([kind(v) for v in column])
    return columns


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

    def __init__(self, path, columns: list[str], resume: bool, fingerprint: dict,
                 keys: dict = NAME_KEY):
        _check_keys(keys, columns)
        self.path = Path(path)
        self.columns, self.keys = columns, dict(keys)
        self.record = self.path.with_name(self.path.name + ".run.json")
        header = "\t".join([*keys, *columns]) + "\n"
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
        n_keys = len(self.keys)
        integer_keys = [i for i, kind in enumerate(self.keys.values()) if kind is int]
        with open(self.path) as handle:
            found = handle.readline()
            if found != header:
                raise ValueError(f"{self.path} has columns {found.strip().split()}, not "
                                 f"{header.strip().split()}: {START_AFRESH} to overwrite it")
            rows = 0
            for rows, line in enumerate(handle, start=1):
                fields = line.rstrip("\n").split("\t")
                try:
                    if len(fields) != n_keys + len(self.columns):
                        raise ValueError
                    [int(fields[i]) for i in integer_keys]
                    [float(v) for v in fields[n_keys:]]
                except ValueError:
                    raise ValueError(
                        f"{self.path}: row {rows} is corrupt or truncated ({line[:60]!r}); "
                        f"the file was changed outside this run: {START_AFRESH} to "
                        "rewrite it") from None
        return rows

    def write(self, keys: dict, values: np.ndarray) -> None:
        """Append rows: ``keys`` maps each key column to its values, ``values``
        is ``(n_rows, n_columns)``."""
        key_columns = _key_lists(self.keys, keys, len(values))
        lines = ["\t".join([*map(str, key_row), *(f"{v:.7g}" for v in row)])
                 for key_row, row in zip(zip(*key_columns), values)]
        if not lines:
            return
        with open(self.path, "a") as handle:
            handle.write("\n".join(lines) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self.n_rows += len(lines)

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

    def __init__(self, path, columns: list[str], resume: bool, fingerprint: dict,
                 keys: dict = NAME_KEY):
        import pyarrow.parquet as pq

        _check_keys(keys, columns)
        self.path = Path(path)
        self.columns, self.keys = columns, dict(keys)
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
                                 f"{part.name}); {START_AFRESH} to rewrite the output")
        self.n_rows = 0
        for part in parts:
            try:
                metadata = pq.read_metadata(part)
                found = pq.read_schema(part).names
            except Exception as error:  # pyarrow raises several kinds on a bad file
                raise ValueError(f"{part} is not a readable Parquet file ({error}); "
                                 f"{START_AFRESH} to rewrite the output") from None
            if found != [*keys, *columns]:
                raise ValueError(f"{part} has columns {found}, not {[*keys, *columns]}")
            self.n_rows += metadata.num_rows
        self.n_parts = len(parts)

    def write(self, keys: dict, values: np.ndarray) -> None:
        """Append one part (see :meth:`TSVWriter.write`)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not len(values):
            return
        key_columns = _key_lists(self.keys, keys, len(values))
        table = pa.table({**{name: pa.array(column, pa.string() if kind is str else pa.int64())
                             for (name, kind), column in zip(self.keys.items(), key_columns)},
                          **{c: values[:, j] for j, c in enumerate(self.columns)}})
        final = self.path / f"part-{self.n_parts:06d}.parquet"
        temporary = final.with_name(f".{final.name}.tmp")
        pq.write_table(table, temporary)
        os.replace(temporary, final)
        self.n_parts += 1
        self.n_rows += len(values)

    def close(self) -> None:
        pass


class H5Writer:
    """An HDF5 file with a dataset per key column (``name``...) and one
    float dataset per column, all resizable; the ``n_rows`` attribute is updated after each
    chunk and flushed, and the run's fingerprint is the ``run`` attribute.
    On resume the fingerprint must match, every dataset must hold at least
    ``n_rows`` rows, and they are cut back to it."""

    def __init__(self, path, columns: list[str], resume: bool, fingerprint: dict,
                 keys: dict = NAME_KEY):
        import h5py

        _check_keys(keys, columns)
        self.columns, self.keys = columns, dict(keys)
        exists = resume and Path(path).exists()
        self.file = h5py.File(path, "a" if exists else "w")
        try:
            if exists:
                self._reopen(path, fingerprint)
            else:
                self.file.attrs["run"] = json.dumps(fingerprint)
                self.file.attrs["columns"] = columns
                self.file.attrs["n_rows"] = 0
                for key, kind in self.keys.items():
                    self.file.create_dataset(key, (0,), maxshape=(None,), chunks=(65536,),
                                             dtype=h5py.string_dtype() if kind is str else "i8")
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
        for key in [*self.keys, *self.columns]:
            if key not in self.file or len(self.file[key]) < self.n_rows:
                raise ValueError(f"{path}: dataset {key!r} is missing or shorter than the "
                                 f"{self.n_rows} committed rows; {START_AFRESH} to rewrite it")
            self.file[key].resize((self.n_rows,))

    def write(self, keys: dict, values: np.ndarray) -> None:
        """Append rows (see :meth:`TSVWriter.write`)."""
        if not len(values):
            return
        end = self.n_rows + len(values)
        key_columns = _key_lists(self.keys, keys, len(values))
        for key, column in zip([*self.keys, *self.columns],
                               [*key_columns, *np.asarray(values).T]):
            dataset = self.file[key]
            dataset.resize((end,))
            dataset[self.n_rows:end] = column
        self.file.attrs["n_rows"] = end
        self.file.flush()
        self.n_rows = end

    def close(self) -> None:
        self.file.close()


WRITERS = {"tsv": TSVWriter, "parquet": ParquetWriter, "h5": H5Writer}

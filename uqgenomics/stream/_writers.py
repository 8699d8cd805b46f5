"""Resumable table writers: TSV, Parquet (a folder of parts) and HDF5.

Each writer appends one chunk of rows at a time and makes it durable
before the next, and on opening an existing output reports how many
complete rows it holds (dropping a partly written last chunk), so a
scoring run that was interrupted can continue where it stopped.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

FORMATS = ("tsv", "parquet", "h5")


def infer_format(out) -> str:
    """``'tsv'``, ``'parquet'`` or ``'h5'`` from the output's suffix."""
    suffix = Path(out).suffix.lower()
    formats = {".tsv": "tsv", ".txt": "tsv", ".parquet": "parquet", ".h5": "h5", ".hdf5": "h5"}
    if suffix not in formats:
        raise ValueError(f"cannot infer the output format of {os.fspath(out)!r}; name it "
                         f"*.tsv, *.parquet or *.h5, or pass format= one of {FORMATS}")
    return formats[suffix]


class TSVWriter:
    """Tab-separated text with a header line; one flushed, fsynced append
    per chunk. On resume a partial last line is cut off."""

    def __init__(self, path, columns: list[str], resume: bool):
        self.path = Path(path)
        self.columns = columns
        header = "\t".join(["name", *columns]) + "\n"
        if resume and self.path.exists() and self.path.stat().st_size:
            self._truncate_partial_line()
            with open(self.path) as handle:
                found = handle.readline()
            if found != header:
                raise ValueError(f"{self.path} has columns {found.strip().split()}, "
                                 f"not {header.strip().split()}: not the same run")
            self.n_rows = self._count_lines() - 1
        else:
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

    def _count_lines(self) -> int:
        count = 0
        with open(self.path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                count += block.count(b"\n")
        return count

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
    ``pandas.read_parquet(folder)``); each part is written under a
    temporary name and renamed, so a part is either whole or absent."""

    def __init__(self, path, columns: list[str], resume: bool):
        import pyarrow.parquet as pq

        self.path = Path(path)
        self.columns = columns
        self.path.mkdir(parents=True, exist_ok=True)
        for stale in self.path.glob("*.tmp"):
            stale.unlink()
        parts = sorted(self.path.glob("part-*.parquet"))
        if not resume:
            for part in parts:
                part.unlink()
            parts = []
        for part in parts[:1]:
            found = pq.read_schema(part).names
            if found != ["name", *columns]:
                raise ValueError(f"{part} has columns {found}, not {['name', *columns]}")
        self.n_parts = len(parts)
        self.n_rows = sum(pq.read_metadata(part).num_rows for part in parts)

    def write(self, names: list[str], values: np.ndarray) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({"name": pa.array(names, pa.string()),
                          **{c: values[:, j] for j, c in enumerate(self.columns)}})
        final = self.path / f"part-{self.n_parts:06d}.parquet"
        temporary = final.with_suffix(".tmp")
        pq.write_table(table, temporary)
        os.replace(temporary, final)
        self.n_parts += 1
        self.n_rows += len(names)

    def close(self) -> None:
        pass


class H5Writer:
    """An HDF5 file with a ``name`` dataset and one float dataset per
    column, all resizable; the ``n_rows`` attribute is updated after each
    chunk and flushed, and on resume the datasets are cut back to it."""

    def __init__(self, path, columns: list[str], resume: bool):
        import h5py

        self.columns = columns
        exists = resume and Path(path).exists()
        self.file = h5py.File(path, "a" if exists else "w")
        if exists:
            found = [c for c in self.file.attrs.get("columns", [])]
            if found != columns:
                self.file.close()
                raise ValueError(f"{path} has columns {found}, not {columns}")
            self.n_rows = int(self.file.attrs["n_rows"])
            for key in ["name", *columns]:
                self.file[key].resize((self.n_rows,))
        else:
            self.file.attrs["columns"] = columns
            self.file.attrs["n_rows"] = 0
            self.file.create_dataset("name", (0,), maxshape=(None,), chunks=(65536,),
                                     dtype=h5py.string_dtype())
            for column in columns:
                self.file.create_dataset(column, (0,), maxshape=(None,), chunks=(65536,),
                                         dtype="f4")
            self.n_rows = 0
        self.file.flush()

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

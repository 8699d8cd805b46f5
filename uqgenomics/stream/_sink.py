"""Where the rows of a scoring run go: a resumable writer, or a DataFrame."""

from __future__ import annotations

import os

import numpy as np


class TableSink:
    """Rows appended chunk by chunk, with a progress bar.

    Into ``writer`` (one of ``WRITERS``, which makes each chunk durable) or,
    without one, collected in memory and returned as a DataFrame by
    :meth:`result`.

    Parameters
    ----------
    writer : writer or None
    keys : dict of str to type
        The key columns (``str`` or ``int``), in order.
    columns : list of str
        The float columns.
    progress : bool
        Show a tqdm bar counting rows.
    unit : str
        The bar's unit (``'variant'``, ``'window'``...).
    desc : str or path
        The bar's label.
    """

    def __init__(self, writer, keys: dict, columns: list[str], progress: bool, unit: str,
                 desc):
        self.writer, self.keys, self.columns = writer, keys, columns
        self.parts = []
        self.bar = None
        if progress:
            from tqdm.auto import tqdm

            self.bar = tqdm(initial=self.done, unit=unit, desc=os.fspath(desc))

    @property
    def done(self) -> int:
        """Rows already in the output before this run (0 in memory)."""
        return self.writer.n_rows if self.writer is not None else 0

    def add(self, keys: dict, values: np.ndarray) -> None:
        """Append rows: ``keys`` maps each key column to its values."""
        if self.writer is not None:
            self.writer.write(keys, values)
        else:
            self.parts.append((keys, values))
        if self.bar is not None:
            self.bar.update(len(values))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.writer is not None:
            self.writer.close()
        if self.bar is not None:
            self.bar.close()

    def result(self):
        """The number of rows in the output, or the collected DataFrame."""
        if self.writer is not None:
            return self.writer.n_rows
        import pandas as pd

        frame = pd.DataFrame({
            key: pd.Series([v for keys, _ in self.parts for v in keys[key]],
                           dtype=str if kind is str else np.int64)
            for key, kind in self.keys.items()})
        values = np.concatenate([v for _, v in self.parts]) if self.parts else \
            np.empty((0, len(self.columns)))
        for j, column in enumerate(self.columns):
            frame[column] = values[:, j]
        return frame

"""Streaming, genome-scale prediction: chunked ``predict_uncertainty`` over
FASTA / HDF5 / iterators with bounded memory, tiling into windows, and
resumable TSV / Parquet / HDF5 writers."""

from ._predict import predict_fasta, predict_stream, result_columns, write_predictions
from ._sources import iter_records, tile_records

__all__ = [
    "iter_records",
    "predict_fasta",
    "predict_stream",
    "result_columns",
    "tile_records",
    "write_predictions",
]

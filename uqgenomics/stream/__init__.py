"""Streaming, genome-scale prediction: chunked ``predict_uncertainty`` over
FASTA / HDF5 / iterators / genomic regions with bounded memory, tiling into
windows, resumable TSV / Parquet / HDF5 writers, and genome tracks (bigWig,
bedGraph)."""

from ._predict import predict_fasta, predict_stream, result_columns, write_predictions
from ._sources import iter_records, tile_records
from ._tracks import WINDOW_KEYS, predict_regions, track_intervals, write_tracks

__all__ = [
    "WINDOW_KEYS",
    "iter_records",
    "predict_fasta",
    "predict_regions",
    "predict_stream",
    "result_columns",
    "tile_records",
    "track_intervals",
    "write_predictions",
    "write_tracks",
]

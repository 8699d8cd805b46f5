"""Datasets: loaders for real data (scikit-learn style) and a simulator.

Loaders read ``<data_home>/<dataset>/``: ``data_home`` as given, else the
``UQGENOMICS_DATA`` environment variable, else ``~/uqgenomics_data``. A
missing file raises :class:`MissingDataError` naming it and the folder;
``fetch_*`` functions with a public URL download and checksum the files.
"""

from ._cagi5 import load_cagi5
from ._chip import load_chip_peaks
from ._deepstarr import fetch_deepstarr
from ._home import MissingDataError, get_data_home
from ._lentimpra import fetch_lentimpra, load_lentimpra_wtc11
from ._mavenn import load_mpsa, load_sortseq
from ._motifs import read_meme
from ._profiles import make_profiles
from ._reads import sample_reads
from ._simulated import (
    MOTIF_EFFECTS,
    MOTIFS,
    SYNERGY,
    make_regulatory_sequences,
    motif_occupancy,
)

__all__ = [
    "MOTIFS",
    "MOTIF_EFFECTS",
    "MissingDataError",
    "SYNERGY",
    "fetch_deepstarr",
    "fetch_lentimpra",
    "get_data_home",
    "load_cagi5",
    "load_chip_peaks",
    "load_lentimpra_wtc11",
    "load_mpsa",
    "load_sortseq",
    "make_profiles",
    "make_regulatory_sequences",
    "read_meme",
    "motif_occupancy",
    "sample_reads",
]

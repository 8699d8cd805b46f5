"""The ``uqgenomics`` command line: fit, predict, score variants, evaluate,
calibrate, without writing Python.

Each command reads and writes files only: a model is a safe model file
(:func:`uqgenomics.save`), data are tables, FASTA, BED, VCF and genomes.
An error ends the command with one line that names the cause (and exit
status 1); ``--debug`` shows the traceback instead.
"""

from ._main import main

__all__ = ["main"]

"""Scoring the variants of a VCF (or table) against a reference genome."""

from __future__ import annotations

import collections
import itertools
import warnings

import numpy as np
from sklearn.base import is_regressor
from sklearn.utils.validation import check_is_fitted

from .._validation import check_not_profile
from ..genome import STATUSES, Genome, iter_variants, variant_windows
from ..stream._fingerprint import run_fingerprint
from ..stream._sink import TableSink
from ..stream._writers import WRITERS, infer_format
from ._effects import _check_unpaired, predict_variant_effects

#: The key columns of a variant table, in order, with their types.
VARIANT_KEYS = {"chrom": str, "pos": int, "id": str, "ref": str, "alt": str, "status": str,
                "n_ambiguous": int}
_PARTS = ("effect", "epistemic", "aleatoric", "total", "z")
#: Columns added by calibrated effect intervals (``confident``: 1.0 or 0.0).
INTERVAL_COLUMNS = ("measured_effect", "measured_low", "measured_high", "confident")


def effect_columns(estimator) -> list[str]:
    """The value columns of a variant table for ``estimator``: ``effect,
    epistemic, aleatoric, total, z`` (one task) or each with ``_{task}``."""
    if estimator.n_tasks_ == 1:
        return list(_PARTS)
    return [f"{part}_{t}" for part in _PARTS for t in range(estimator.n_tasks_)]


def _effect_values(effects, n_tasks: int) -> np.ndarray:
    """``(n, 5 * n_tasks)`` in :func:`effect_columns` order."""
    parts = [effects.mean, effects.epistemic, effects.aleatoric, effects.total]
    parts = [np.reshape(p, (len(p), n_tasks)) for p in parts]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(parts[3] > 0, parts[0] / parts[3], np.nan)
    return np.concatenate([*parts, z], axis=1)


def _score_chunk(estimator, genome, chunk, length, unpaired, intervals):
    """Key columns and values of one chunk of variants."""
    windows = variant_windows(genome, chunk, length)
    n_columns = len(_PARTS) * estimator.n_tasks_ + (len(INTERVAL_COLUMNS) if intervals else 0)
    values = np.full((len(chunk), n_columns), np.nan)
    scored = windows.scored
    if scored.any():
        effects = predict_variant_effects(estimator, windows.ref, windows.alt, unpaired)
        values[scored, :len(_PARTS) * estimator.n_tasks_] = _effect_values(
            effects, estimator.n_tasks_)
        if intervals is not None:
            center, low, high = intervals.predict_interval(effects.mean, effects.total)
            values[scored, -4:] = np.column_stack(
                [center, low, high, (low > 0) | (high < 0)])
    keys = {"chrom": [v.chrom for v in chunk], "pos": [v.pos for v in chunk],
            "id": [v.id for v in chunk], "ref": [v.ref for v in chunk],
            "alt": [v.alt for v in chunk], "status": windows.status,
            "n_ambiguous": windows.n_ambiguous.tolist()}
    return keys, values


def score_vcf(estimator, vcf, fasta, out=None, *, format: str | None = None,
              resume: bool = True, chunk_size: int = 1024, unpaired=None,
              intervals=None, progress: bool = False):
    """Predicted effect of every variant of a VCF, with its uncertainty.

    Each ALT allele of each record (multi-allelic records split) gets a ref
    and an alt window of the model's input length from the genome, centred
    on the allele (see :func:`uqgenomics.genome.variant_windows`: SNVs,
    MNVs and indels alike, flanks from the genome, never padded), and its
    effect ``f(alt) − f(ref)`` as :func:`predict_variant_effects` gives it:
    paired draws for ensembles and MC dropout. A variant that cannot be
    scored (REF not the genome's, unknown contig, window past a contig end,
    symbolic allele, allele longer than the window) keeps its row, with
    its ``status`` and NaN values, and a warning counts them; it is never
    scored on a guessed sequence. Averaging over both strands is the
    estimator's ``strand_average`` parameter.

    Variants are read, scored and written ``chunk_size`` at a time, so
    memory stays flat for millions of them. With ``out``, rows are appended
    chunk by chunk and an interrupted call, repeated, continues after the
    rows already written (the same run only: VCF, genome, model, columns
    and ``unpaired`` are checked, as for :func:`uqgenomics.stream.predict_fasta`).

    Parameters
    ----------
    estimator : fitted uqgenomics regressor
        Trained on one-hot sequences; its input length is the window.
    vcf : path or iterable
        A VCF / BCF (``.vcf``, ``.vcf.gz``, ``.bcf``), a table (``.tsv``,
        ``.csv``, optionally ``.gz``) with columns ``chrom, pos, ref, alt``
        (and ``id``), or an iterable of :class:`uqgenomics.genome.Variant`.
    fasta : path or Genome
        The reference the VCF was called against: indexed or indexable FASTA
        (plain or bgzip).
    out : path, default=None
        ``*.tsv``, ``*.parquet`` or ``*.h5``; None returns a DataFrame.
    format : {'tsv', 'parquet', 'h5'}, default=None
        Overrides the suffix of ``out``.
    resume : bool, default=True
        Continue an existing output of the same run; False overwrites it.
    chunk_size : int, default=1024
        Variants per prediction.
    unpaired : {'correlated', 'independent'} or None, default=None
        For families whose epistemic part comes from a head: see
        :func:`predict_variant_effects`.
    intervals : ConformalEffectIntervals, default=None
        Fitted on labelled variants scored by this model: adds the measured
        effect's prediction and calibrated interval, and whether it excludes
        0 (``confident``, 1.0 or 0.0), for single-task models.
    progress : bool, default=False
        Show a tqdm bar (in variants).

    Returns
    -------
    table : pandas.DataFrame, or n_rows : int with ``out``
        Columns ``chrom, pos`` (1-based), ``id, ref, alt, status``
        (``'ok'`` or why it was not scored, see
        ``uqgenomics.genome.STATUSES``), ``n_ambiguous`` (N / IUPAC bases
        in the two windows, -1 when not scored), then ``effect, epistemic,
        aleatoric, total`` (stds, in the units of ``y``) and ``z = effect /
        total`` (NaN where total is 0), per task with a ``_{task}`` suffix
        for multi-task models; with ``intervals``, then ``measured_effect,
        measured_low, measured_high, confident``.

    Examples
    --------
    >>> score_vcf(model, "calls.vcf.gz", "hg38.fa.gz", "effects.tsv",
    ...           progress=True)                                    # doctest: +SKIP
    """
    check_is_fitted(estimator)
    check_not_profile(estimator, "score_vcf")
    if not is_regressor(estimator) or len(estimator.input_shape_) != 2:
        raise ValueError("score_vcf needs a regressor fitted on one-hot sequences; got "
                         f"{type(estimator).__name__} with input shape "
                         f"{getattr(estimator, 'input_shape_', None)}")
    if not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}")
    _check_unpaired(unpaired)
    if intervals is not None:
        check_is_fitted(intervals, msg="intervals must be a fitted ConformalEffectIntervals")
        if estimator.n_tasks_ != 1:
            raise ValueError("effect intervals are for single-task models; this one has "
                             f"{estimator.n_tasks_} tasks")
    genome = fasta if isinstance(fasta, Genome) else Genome(fasta)
    length = estimator.input_shape_[0]
    columns = effect_columns(estimator) + (list(INTERVAL_COLUMNS) if intervals else [])
    writer = None
    if out is not None:
        format = format or infer_format(out)
        if format not in WRITERS:
            raise ValueError(f"format must be one of {sorted(WRITERS)}, got {format!r}")
        fingerprint = run_fingerprint(estimator, {"variants": vcf, "genome": genome.path},
                                      length, None, [*VARIANT_KEYS, *columns],
                                      options={"unpaired": unpaired, "intervals": (
                                          intervals.state() if intervals else None)})
        writer = WRITERS[format](out, columns, resume, fingerprint, keys=VARIANT_KEYS)
    counts = collections.Counter()
    with TableSink(writer, VARIANT_KEYS, columns, progress, "variant",
                   out if out is not None else "variants") as sink:
        variants = itertools.islice(iter_variants(vcf), sink.done, None)
        while chunk := list(itertools.islice(variants, chunk_size)):
            keys, values = _score_chunk(estimator, genome, chunk, length, unpaired, intervals)
            if not counts and all(s == "unknown_contig" for s in keys["status"]):
                genome.check_contig(chunk[0].chrom)  # raises, naming the contigs
            counts.update(keys["status"])
            sink.add(keys, values)
    _warn_flagged(counts)
    return sink.result()


def _warn_flagged(counts: collections.Counter) -> None:
    flagged = {s: n for s, n in counts.items() if s != "ok"}
    if flagged:
        total = sum(counts.values())
        warnings.warn(
            f"{sum(flagged.values())} of {total} variants were not scored (rows kept with "
            "NaN effects; see the status column): " + "; ".join(
                f"{status} {n} ({STATUSES[status]})" for status, n in sorted(flagged.items())),
            UserWarning, stacklevel=3)

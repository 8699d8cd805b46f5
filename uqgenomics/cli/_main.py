"""The commands of the ``uqgenomics`` command line (click)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
import numpy as np

from ._config import EXAMPLE, estimator_from_config

_TABLE = (".tsv", ".csv", ".txt", ".tsv.gz", ".csv.gz", ".txt.gz")
_FASTA = (".fa", ".fasta", ".fna", ".fas", ".fa.gz", ".fasta.gz", ".fna.gz", ".fas.gz")


class _Group(click.Group):
    """Turns every error of a command into one line and exit status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except Exception as error:  # noqa: BLE001 - the point: one line, not a traceback
            if ctx.params.get("debug"):
                raise
            # a KeyError's str() quotes its message
            message = (str(error.args[0]) if isinstance(error, KeyError) and error.args
                       else str(error)).strip() or type(error).__name__
            click.echo(f"uqgenomics: error: {message} ({type(error).__name__}; --debug shows "
                       "the traceback)", err=True)
            sys.exit(1)


def _read_data(path, sequence_column, target_columns, labels):
    """Sequences and targets from a table, or from FASTA + a labels table."""
    from ..encoding import read_fasta, read_table

    name = os.fspath(path).lower()
    if name.endswith(_TABLE):
        if labels:
            raise click.UsageError("--labels goes with FASTA input; a table holds its targets")
        try:
            return read_table(path, sequence_column=sequence_column,
                              target_columns=target_columns[0] if len(target_columns) == 1
                              else list(target_columns))
        except ValueError as error:
            if "no column" in str(error):  # say which option names the column
                raise ValueError(f"{error}: name the columns with --sequence-column and "
                                 "--target") from None
            raise
    if name.endswith(_FASTA):
        if not labels:
            raise click.UsageError("FASTA input needs --labels TABLE: a 'name' column matching "
                                   "the FASTA names and the --target columns")
        import pandas as pd

        names, sequences = read_fasta(path)
        sep = "," if os.fspath(labels).lower().removesuffix(".gz").endswith(".csv") else "\t"
        table = pd.read_csv(labels, sep=sep)
        missing = [c for c in ["name", *target_columns] if c not in table.columns]
        if missing:
            raise ValueError(f"{labels} has no column {missing}; it has {list(table.columns)}")
        table = table.set_index("name")
        absent = [n for n in names if n not in table.index]
        if absent:
            raise ValueError(f"{len(absent)} FASTA records have no row in {labels}, e.g. "
                             f"{absent[0]!r}")
        y = table.loc[names, list(target_columns)].to_numpy(dtype=np.float64)
        return sequences, (y[:, 0] if y.shape[1] == 1 else y)
    raise click.UsageError(f"cannot tell the format of {path}: a table {_TABLE} or FASTA "
                           f"{_FASTA}")


def _targets(estimator, y):
    """Class labels stay text for classifiers."""
    from sklearn.base import is_classifier

    return y if not is_classifier(estimator) else np.asarray(y).astype(str)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
@click.version_option(package_name="uqgenomics")
def cli(debug):
    """Uncertainty-aware deep learning on DNA sequences."""


FIT_HELP = """Train the estimator of CONFIG on DATA and save it to MODEL.

DATA is a table (.tsv / .csv) with a sequence column and target columns, or
FASTA with --labels. CONFIG is TOML naming the estimator and its parameters:

""" + "\n\n".join("\b\n" + part for part in EXAMPLE.strip().split("\n\n")) + """

\b
Example:
  uqgenomics fit model.toml train.tsv model.safetensors --target activity
"""


@cli.command(help=FIT_HELP)
@click.argument("config", type=click.Path(dir_okay=False))
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--sequence-column", default="seq", show_default=True)
@click.option("--target", "target_columns", multiple=True, default=("y",), show_default=True,
              help="Target column; repeat for several tasks.")
@click.option("--labels", type=click.Path(exists=True, dir_okay=False),
              help="With FASTA data: a table with 'name' and the target columns.")
@click.option("--group-strands/--no-group-strands", default=True, show_default=True,
              help="Keep a sequence and its reverse complement on one side of the "
                   "validation split.")
@click.option("--quiet", is_flag=True, help="No progress bar (unless the config sets verbose).")
def fit(config, data, model, sequence_column, target_columns, labels, group_strands, quiet):
    from .._model_file import save
    from ..encoding import reverse_complement_groups

    estimator = estimator_from_config(config, defaults={"verbose": 0 if quiet else 1})
    sequences, y = _read_data(data, sequence_column, target_columns, labels)
    groups = reverse_complement_groups(sequences) if group_strands else None
    click.echo(f"fitting {type(estimator).__name__} on {len(sequences)} sequences", err=True)
    estimator.fit(sequences, _targets(estimator, y), groups=groups)
    click.echo(f"saved {save(estimator, model)}", err=True)


def _table_records(path, sequence_column, name_column) -> list[tuple[str, str]]:
    """``(name, sequence)`` rows of a table, named by a column or by row number."""
    frame = _read_any(path, as_written=True)  # as read_table: a sequence 'NA' stays one
    missing = [c for c in (sequence_column, name_column) if c and c not in frame.columns]
    if missing:
        raise ValueError(f"{path} has no column {missing}; it has {list(frame.columns)}")
    from ..encoding._io import refuse_rows

    sequences = frame[sequence_column]
    refuse_rows(path, sequence_column, (sequences.isna() | (sequences.astype(str) == ""))
                .to_numpy(), sequences.to_numpy(), "no sequence")
    names = frame[name_column].astype(str) if name_column else map(str, range(len(frame)))
    return list(zip(names, sequences.astype(str)))


def _load(model, strand_average=None):
    """The model of a file, with ``strand_average`` set where given (a
    calibrated model only with the setting it was calibrated with)."""
    from .._model_file import load

    estimator = load(model)
    if strand_average is None:
        return estimator
    if "strand_average" in estimator.get_params(deep=False):
        return estimator.set_params(strand_average=strand_average)
    if estimator.estimator.strand_average != strand_average:
        raise ValueError(
            f"{model} was calibrated on predictions with strand_average="
            f"{estimator.estimator.strand_average}; its calibration does not hold for the "
            "other setting: calibrate the model again with the setting you want")
    return estimator


@cli.command()
@click.argument("model", type=click.Path(exists=True, dir_okay=False))
@click.option("--fasta", type=click.Path(exists=True, dir_okay=False),
              help="Sequences to score (one row per record, or per window with --window).")
@click.option("--table", type=click.Path(exists=True, dir_okay=False),
              help="Sequences to score from a table's --sequence-column.")
@click.option("--sequence-column", default="seq", show_default=True)
@click.option("--name-column", help="Table column naming the rows (default: row numbers).")
@click.option("--genome", type=click.Path(exists=True, dir_okay=False),
              help="Reference genome FASTA, to score regions of it.")
@click.option("--bed", type=click.Path(exists=True, dir_okay=False),
              help="Regions of --genome (default: the whole genome).")
@click.option("--out", type=click.Path(), help="Output table: .tsv, .parquet or .h5.")
@click.option("--tracks", type=click.Path(),
              help="Output prefix of genome tracks, one per column (with --genome).")
@click.option("--track-format", type=click.Choice(["bigwig", "bedgraph"]), default="bigwig",
              show_default=True)
@click.option("--aggregation", type=click.Choice(["center", "mean"]), default="center",
              show_default=True, help="Which window's value a base of a track takes.")
@click.option("--window", type=int, help="Window length (default: the model's).")
@click.option("--stride", type=int, help="Step between windows (default: the window).")
@click.option("--chunk-size", type=int, default=4096, show_default=True)
@click.option("--jobs", type=int, default=None, help="Parallel workers.")
@click.option("--overwrite", is_flag=True,
              help="Start afresh instead of resuming an existing output of the same run.")
@click.option("--strand-average/--no-strand-average", default=None,
              help="Average every prediction over both strands (default: the model's "
                   "strand_average).")
def predict(model, fasta, table, sequence_column, name_column, genome, bed, out, tracks,
            track_format, aggregation, window, stride, chunk_size, jobs, overwrite,
            strand_average):
    """Predict means and uncertainties with MODEL.

    \b
    Examples:
      uqgenomics predict model.safetensors --fasta seqs.fa --out preds.tsv
      uqgenomics predict model.safetensors --table test.tsv --out preds.tsv
      uqgenomics predict model.safetensors --genome hg38.fa.gz --bed peaks.bed \\
          --out preds.parquet
      uqgenomics predict model.safetensors --genome hg38.fa.gz --bed peaks.bed \\
          --stride 50 --tracks tracks/peaks
    """
    if sum(x is not None for x in (fasta, table, genome)) != 1:
        raise click.UsageError("give one of --fasta or --table (sequences) or --genome "
                               "(regions)")
    if genome is None and (bed or tracks):
        raise click.UsageError("--bed and --tracks go with --genome")
    if genome is not None and (out is None) == (tracks is None):
        raise click.UsageError("with --genome, give --out (a table) or --tracks (a prefix)")
    if genome is None and out is None:
        raise click.UsageError("--out is required")
    estimator = _load(model, strand_average)
    common = dict(chunk_size=chunk_size, n_jobs=jobs, progress=True, resume=not overwrite)
    if fasta is not None or table is not None:
        from ..stream import write_predictions

        source = fasta if fasta is not None else _table_records(table, sequence_column,
                                                                name_column)
        rows = write_predictions(estimator, source, out, window=window, stride=stride,
                                 **common)
        click.echo(f"{rows} rows in {out}", err=True)
    elif out is not None:
        from ..stream import predict_regions

        rows = predict_regions(estimator, genome, bed, out, window=window, stride=stride,
                               **common)
        click.echo(f"{rows} windows in {out}", err=True)
    else:
        from ..stream import write_tracks

        written = write_tracks(estimator, genome, tracks, bed, window=window, stride=stride,
                               aggregation=aggregation, format=track_format, **common)
        for column, path in written.items():
            click.echo(f"{column}: {path}", err=True)


@cli.command("score-variants")
@click.argument("model", type=click.Path(exists=True, dir_okay=False))
@click.argument("variants", type=click.Path(exists=True, dir_okay=False))
@click.argument("genome", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(),
              help="Output table: .tsv, .parquet or .h5.")
@click.option("--unpaired", type=click.Choice(["correlated", "independent"]),
              help="How a head family's epistemic std combines ref and alt.")
@click.option("--calibrate-on", type=click.Path(exists=True, dir_okay=False),
              help="Labelled variants (a table: chrom, pos, ref, alt and --measured) to "
                   "calibrate effect intervals on; adds measured_effect, measured_low, "
                   "measured_high and confident.")
@click.option("--measured", default="measured", show_default=True,
              help="The measured effect's column in --calibrate-on.")
@click.option("--level", type=float, default=0.9, show_default=True,
              help="Confidence level of the effect intervals.")
@click.option("--chunk-size", type=int, default=1024, show_default=True)
@click.option("--overwrite", is_flag=True,
              help="Start afresh instead of resuming an existing output of the same run.")
@click.option("--strand-average/--no-strand-average", default=None,
              help="Average every prediction over both strands (default: the model's "
                   "strand_average).")
def score_variants(model, variants, genome, out, unpaired, calibrate_on, measured, level,
                   chunk_size, overwrite, strand_average):
    """Score the effect of every variant of VARIANTS (VCF / BCF or a table)
    against GENOME (the reference FASTA it was called on).

    Writes chrom, pos, id, ref, alt, status, n_ambiguous, effect, epistemic,
    aleatoric, total and z per ALT allele; variants that cannot be scored
    (REF not the genome's, contig ends...) keep their row with a status.
    With --calibrate-on, each variant also gets an interval for its measured
    effect, calibrated (split conformal) on the labelled variants, and
    confident = 1 where it excludes 0; this assumes the variants are like
    the labelled ones (same assay, cell type, kind of element).

    \b
    Examples:
      uqgenomics score-variants model.safetensors calls.vcf.gz hg38.fa.gz \\
          --out effects.tsv
      uqgenomics score-variants model.safetensors calls.vcf.gz hg38.fa.gz \\
          --out effects.tsv --calibrate-on mpra_effects.tsv --measured log2fc
    """
    from ..variants import score_vcf

    estimator = _load(model, strand_average)
    intervals = None
    if calibrate_on is not None:
        intervals = _effect_intervals(estimator, calibrate_on, genome, measured, level, unpaired)
    rows = score_vcf(estimator, variants, genome, out, unpaired=unpaired, intervals=intervals,
                     chunk_size=chunk_size, resume=not overwrite, progress=True)
    click.echo(f"{rows} variants in {out}", err=True)


def _effect_intervals(estimator, path, genome, measured, level, unpaired):
    """ConformalEffectIntervals fitted on the labelled variants of a table."""
    import warnings

    from ..genome import Variant
    from ..variants import ConformalEffectIntervals, score_vcf

    table = _read_any(path)
    table.columns = [str(c).strip() for c in table.columns]
    missing = [c for c in ("chrom", "pos", "ref", "alt", measured) if c not in table.columns]
    if missing:
        raise ValueError(f"{path} has no column {missing}; it has {list(table.columns)}")
    if table["alt"].astype(str).str.contains(",").any():
        raise ValueError(f"{path}: list one ALT allele per row (each has its own measurement)")
    variants = [Variant(str(c), int(p), ".", str(r), str(a)) for c, p, r, a in
                zip(table["chrom"], table["pos"], table["ref"], table["alt"])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # counted below
        scored = score_vcf(estimator, variants, genome, unpaired=unpaired)
    ok = (scored["status"] == "ok").to_numpy() & np.isfinite(table[measured].to_numpy(float))
    calibrator = ConformalEffectIntervals(level, random_state=0).fit(
        scored["effect"][ok], scored["total"][ok], table[measured][ok])
    click.echo(f"effect intervals calibrated on {int(ok.sum())} of {len(table)} labelled "
               f"variants (the others not scorable or unmeasured); predicted vs measured "
               f"r = {calibrator.correlation_:.2f}", err=True)
    return calibrator


@cli.command()
@click.argument("predictions", type=click.Path(exists=True))
@click.argument("truth", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Folder for report.tsv and the plots.")
@click.option("--key", default="name", show_default=True,
              help="Column that joins predictions and truth.")
@click.option("--by-row", is_flag=True,
              help="Join row by row instead (truth without a key column, e.g. the table "
                   "predicted with `predict --table`; the row counts must match).")
@click.option("--target", "target_column", default="y", show_default=True,
              help="Truth column.")
@click.option("--level", type=float, default=0.95, show_default=True,
              help="Nominal level of the intervals.")
def evaluate(predictions, truth, out, key, by_row, target_column, level):
    """Compare PREDICTIONS (a table from `predict`) with TRUTH (a table with
    the same --key and a --target column): accuracy, calibration and
    whether the uncertainty tracks the error, as report.tsv and plots.

    \b
    Example:
      uqgenomics evaluate preds.tsv truth.tsv --target activity --out report/
      uqgenomics evaluate preds.tsv test.tsv --by-row --target activity --out report/
    """
    from .._result import UncertaintyResult
    from ..metrics import uncertainty_report

    found = _read_any(predictions)
    expected = _read_any(truth)
    if by_row:
        if len(found) != len(expected):
            raise ValueError(f"--by-row: {predictions} has {len(found)} rows and {truth} "
                             f"{len(expected)}")
        key = "__row__"
        found[key] = expected[key] = np.arange(len(found))
    for frame, name, columns in ((found, predictions, [key, "mean", "epistemic", "aleatoric"]),
                                 (expected, truth, [key, target_column])):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            hint = "; pass --key COLUMN, or --by-row" if key in missing else ""
            raise ValueError(f"{name} has no column {missing}; it has {list(frame.columns)}"
                             + hint)
    joined = found.merge(expected[[key, target_column]], on=key, how="inner",
                         validate="one_to_one")
    if len(joined) < len(found):
        raise ValueError(f"{len(found) - len(joined)} of {len(found)} predictions have no "
                         f"{target_column} in {truth} (joined on {key!r})")
    result = UncertaintyResult(*(joined[c].to_numpy(np.float64)
                                 for c in ("mean", "epistemic", "aleatoric")))
    y = joined[target_column].to_numpy(np.float64)
    report = uncertainty_report(y, result, level=level, task_names=[target_column])
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    report.to_csv(folder / "report.tsv", sep="\t")
    click.echo(report.T.to_string(), err=False)
    _plots(folder, y, result)
    covered = float(report["coverage"].iloc[0])
    click.echo(_verdict(covered, level), err=True)
    click.echo(f"wrote {folder / 'report.tsv'} and plots in {folder}", err=True)


def _verdict(covered: float, level: float) -> str:
    """What a coverage means, in one sentence."""
    if covered < level - 0.02:
        return (f"The {level:.0%} intervals cover {covered:.1%}: overconfident. Recalibrating "
                "on held-out data drawn like these (uqgenomics calibrate) widens them; a "
                "recalibrated model that still falls short meets data unlike its "
                "calibration set.")
    if covered > level + 0.02:
        return (f"The {level:.0%} intervals cover {covered:.1%}: wider than they need to be "
                "(underconfident); recalibration narrows them.")
    return f"The {level:.0%} intervals cover {covered:.1%}: calibrated at this level."


def _read_any(path, as_written: bool = False):
    """A table from TSV / CSV, Parquet or HDF5; ``as_written``: text cells as
    strings, pandas' missing-value words (``NA``, ``nan``) kept as written."""
    import pandas as pd

    name = os.fspath(path).lower()
    if name.endswith(".parquet"):
        return pd.read_parquet(path)
    if name.endswith((".h5", ".hdf5")):
        import h5py

        with h5py.File(path, "r") as handle:
            return pd.DataFrame({k: (handle[k].asstr()[:] if handle[k].dtype.kind == "O"
                                     else handle[k][:]) for k in handle})
    sep = "," if name.removesuffix(".gz").endswith(".csv") else "\t"
    return pd.read_csv(path, sep=sep, **(dict(dtype=str, keep_default_na=False)
                                         if as_written else {}))


def _plots(folder: Path, y, result) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..plotting import plot_calibration_curve, plot_error_vs_uncertainty

    figure, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    plot_calibration_curve(y, result, ax=axes[0])
    plot_error_vs_uncertainty(y, result.mean, result.total, ax=axes[1])
    figure.tight_layout()
    figure.savefig(folder / "calibration.png", dpi=120)
    plt.close(figure)


@cli.command()
@click.argument("model", type=click.Path(exists=True, dir_okay=False))
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--sequence-column", default="seq", show_default=True)
@click.option("--target", "target_columns", multiple=True, default=("y",), show_default=True)
@click.option("--labels", type=click.Path(exists=True, dir_okay=False),
              help="With FASTA data: a table with 'name' and the target columns.")
@click.option("--method", type=click.Choice(["auto", "std", "affine", "isotonic"]),
              default="auto", show_default=True, help="Recalibration of a regressor's std.")
def calibrate(model, data, out, sequence_column, target_columns, labels, method):
    """Recalibrate MODEL on held-out DATA (not used in training) and save
    the calibrated model to OUT: a regressor's std (RecalibratedRegressor),
    a classifier's temperature (TemperatureScaledClassifier).

    \b
    Example:
      uqgenomics calibrate model.safetensors heldout.tsv calibrated.safetensors \\
          --target activity
    """
    from sklearn.base import is_classifier

    from .._model_file import save
    from ..calibration import RecalibratedRegressor, TemperatureScaledClassifier

    estimator = _load(model)
    sequences, y = _read_data(data, sequence_column, target_columns, labels)
    if is_classifier(estimator):
        calibrated = TemperatureScaledClassifier(estimator).fit(sequences, _targets(
            estimator, y))
        click.echo(f"temperature {calibrated.temperature_:.3f}", err=True)
    else:
        calibrated = RecalibratedRegressor(estimator, method=method).fit(sequences, y)
        click.echo(f"recalibration: {calibrated.method_}", err=True)
    click.echo(f"saved {save(calibrated, out)}", err=True)


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings as ``uqgenomics: warning: ...`` (no source line)."""
    click.echo(f"uqgenomics: warning: {message}", err=True)


def main(argv=None) -> None:
    """Run the command line (the ``uqgenomics`` console script)."""
    import warnings

    warnings.showwarning = _one_line_warning
    cli.main(args=argv, prog_name="uqgenomics")

"""The uqgenomics command line, driven end to end in subprocesses."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from uqgenomics.datasets import make_regulatory_sequences

from .conftest import TINY_CNN

pysam = pytest.importorskip("pysam", reason="genome files need pysam (uqgenomics[genome])")

from .test_genome import random_genome, write_fasta, write_vcf  # noqa: E402

CONFIG = """\
estimator = "EnsembleRegressor"

[params]
network = "cnn"
n_estimators = 2
max_epochs = 3
batch_size = {batch_size}
network__filters = [8]
network__kernel_sizes = [7]
network__dense_units = [8]
random_state = 0
"""


def run(*args, check=True):
    """``uqgenomics ARGS`` in a fresh interpreter: (exit status, stdout, stderr)."""
    done = subprocess.run([sys.executable, "-m", "uqgenomics.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=300)
    if check and done.returncode != 0:
        raise AssertionError(f"uqgenomics {' '.join(map(str, args))} exited "
                             f"{done.returncode}:\n{done.stderr}")
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    X, y = make_regulatory_sequences(400, length=40, random_state=0)
    table = pd.DataFrame({"name": [f"s{i}" for i in range(400)], "seq": X, "activity": y})
    table[:250].to_csv(folder / "train.tsv", sep="\t", index=False)
    table[250:320].to_csv(folder / "heldout.csv", index=False)
    table[320:].to_csv(folder / "truth.tsv", sep="\t", index=False)
    with open(folder / "test.fa", "w") as handle:
        handle.writelines(f">{n}\n{s}\n" for n, s in zip(table["name"][320:], table["seq"][320:]))
    (folder / "model.toml").write_text(CONFIG.format(batch_size=TINY_CNN["batch_size"]))
    run("fit", folder / "model.toml", folder / "train.tsv", folder / "model.safetensors",
        "--target", "activity", "--quiet")
    return folder


def test_fit_predict_evaluate_calibrate_from_files(workspace):
    w = workspace
    assert (w / "model.safetensors").is_file()
    run("predict", w / "model.safetensors", "--fasta", w / "test.fa", "--out", w / "preds.tsv")
    predictions = pd.read_csv(w / "preds.tsv", sep="\t")
    assert list(predictions.columns) == ["name", "mean", "epistemic", "aleatoric", "total"]
    assert len(predictions) == 80
    _, stdout, _ = run("evaluate", w / "preds.tsv", w / "truth.tsv", "--target", "activity",
                       "--out", w / "report")
    report = pd.read_csv(w / "report" / "report.tsv", sep="\t", index_col=0)
    assert report.index.tolist() == ["activity"] and "coverage" in report.columns
    assert "pearson" in stdout and (w / "report" / "calibration.png").stat().st_size > 1000
    # a table in, rows named by number, joined back to it row by row
    run("predict", w / "model.safetensors", "--table", w / "truth.tsv", "--out",
        w / "table_preds.parquet")
    from_table = pd.read_parquet(w / "table_preds.parquet")
    assert from_table["name"].tolist() == [str(i) for i in range(80)]
    np.testing.assert_allclose(from_table["mean"], predictions["mean"], rtol=1e-5, atol=1e-6)
    status, _, stderr = run("evaluate", w / "table_preds.parquet", w / "truth.tsv", "--target",
                            "activity", "--out", w / "report2", check=False)
    assert status == 1 and "80 of 80 predictions have no activity" in stderr  # "0" vs "s320"
    _, _, stderr = run("evaluate", w / "table_preds.parquet", w / "truth.tsv", "--by-row",
                       "--target", "activity", "--out", w / "report2")
    assert "The 95% intervals cover" in stderr
    _, _, stderr = run("calibrate", w / "model.safetensors", w / "heldout.csv",
                       w / "calibrated.safetensors", "--target", "activity",
                       "--method", "affine")
    assert "recalibration: affine" in stderr
    run("predict", w / "calibrated.safetensors", "--fasta", w / "test.fa",
        "--out", w / "calibrated.tsv")
    calibrated = pd.read_csv(w / "calibrated.tsv", sep="\t")
    np.testing.assert_allclose(calibrated["mean"], predictions["mean"], rtol=1e-5, atol=1e-6)
    assert not np.allclose(calibrated["total"], predictions["total"])
    status, _, stderr = run("predict", w / "calibrated.safetensors", "--fasta", w / "test.fa",
                            "--out", w / "both.tsv", "--strand-average", check=False)
    assert status == 1 and "calibrated on predictions with strand_average=False" in stderr
    run("predict", w / "model.safetensors", "--fasta", w / "test.fa", "--out", w / "both.tsv",
        "--strand-average")
    both = pd.read_csv(w / "both.tsv", sep="\t")
    assert not np.allclose(both["mean"], predictions["mean"])  # averaged over the strands


def test_variants_regions_and_tracks_from_a_genome(workspace):
    w = workspace
    contigs = random_genome(3)
    genome = write_fasta(w / "genome.fa", contigs)
    chr1 = contigs["chr1"].upper()
    vcf = write_vcf(w / "calls.vcf", [("chr1", 101, "a", chr1[100], "T" if chr1[100] != "T"
                                       else "G"),
                                      ("chr1", 151, "b", chr1[150], chr1[150] + "AC"),
                                      ("chr1", 201, "bad", "NN", "A")])
    _, _, stderr = run("score-variants", w / "model.safetensors", vcf, genome,
                       "--out", w / "effects.tsv")
    effects = pd.read_csv(w / "effects.tsv", sep="\t")
    assert effects["status"].tolist() == ["ok", "ok", "ref_mismatch"]
    assert "uqgenomics: warning: 1 of 3 variants were not scored" in stderr
    labelled = pd.DataFrame({"chrom": "chr1", "pos": np.arange(60, 240, 6) + 1,
                             "ref": [chr1[p] for p in range(60, 240, 6)]})
    labelled["alt"] = ["A" if r != "A" else "C" for r in labelled["ref"]]
    labelled["log2fc"] = np.random.default_rng(0).normal(size=len(labelled))
    labelled.to_csv(w / "labelled.tsv", sep="\t", index=False)
    _, _, stderr = run("score-variants", w / "model.safetensors", vcf, genome,
                       "--out", w / "calibrated_effects.tsv", "--calibrate-on",
                       w / "labelled.tsv", "--measured", "log2fc", "--level", "0.8")
    assert "effect intervals calibrated on 30 of 30 labelled variants" in stderr
    calibrated = pd.read_csv(w / "calibrated_effects.tsv", sep="\t")
    assert (calibrated["measured_low"][:2] < calibrated["measured_high"][:2]).all()
    assert calibrated["confident"][:2].isin([0, 1]).all()
    (w / "peaks.bed").write_text("chr1\t20\t160\tp1\nchr2\t40\t100\tp2\n")
    run("predict", w / "model.safetensors", "--genome", genome, "--bed", w / "peaks.bed",
        "--out", w / "regions.parquet", "--stride", "20")
    regions = pd.read_parquet(w / "regions.parquet")
    assert regions[["chrom", "start", "end"]].iloc[0].tolist() == ["chr1", 20, 60]
    run("predict", w / "model.safetensors", "--genome", genome, "--bed", w / "peaks.bed",
        "--tracks", w / "tracks" / "peaks", "--stride", "20", "--track-format", "bedgraph")
    assert sorted(p.name for p in (w / "tracks").glob("*.bedGraph")) == [
        "peaks.aleatoric.bedGraph", "peaks.epistemic.bedGraph", "peaks.mean.bedGraph",
        "peaks.total.bedGraph"]


def test_errors_are_one_line_with_a_non_zero_status(workspace, tmp_path):
    w = workspace
    (tmp_path / "bad.toml").write_text('estimator = "EnsembleRegressor"\n[params]\nn_trees = 3\n')
    status, _, stderr = run("fit", tmp_path / "bad.toml", w / "train.tsv", tmp_path / "m",
                            "--target", "activity", check=False)
    assert status == 1 and "Traceback" not in stderr
    assert stderr.startswith("uqgenomics: error:") and "no parameter ['n_trees']" in stderr
    assert len(stderr.strip().splitlines()) == 1
    status, _, stderr = run("fit", w / "model.toml", w / "train.tsv", tmp_path / "m",
                            "--target", "missing_column", check=False)
    assert status == 1 and "no column(s) ['missing_column']" in stderr
    status, _, stderr = run("--debug", "fit", tmp_path / "bad.toml", w / "train.tsv",
                            tmp_path / "m", "--target", "activity", check=False)
    assert status == 1 and "Traceback" in stderr
    status, _, stderr = run("predict", w / "model.safetensors", "--out", tmp_path / "x.tsv",
                            check=False)
    assert status == 2 and "give one of --fasta" in stderr  # a usage error: status 2
    # FASTA data take their targets from a labels table matched on the names
    status, _, stderr = run("fit", w / "model.toml", w / "test.fa", tmp_path / "m",
                            "--target", "activity", check=False)
    assert status == 2 and "FASTA input needs --labels" in stderr
    run("fit", w / "model.toml", w / "test.fa", tmp_path / "from_fasta.safetensors",
        "--target", "activity", "--labels", w / "truth.tsv", "--quiet")
    assert (tmp_path / "from_fasta.safetensors").is_file()
    # a table row without a sequence: named, and refused before any output is written
    # (it failed with "could not convert string to float" after writing a header)
    holes = tmp_path / "holes.tsv"
    holes.write_text((w / "train.tsv").read_text().splitlines()[0] + "\n"
                     + "\n".join((w / "train.tsv").read_text().splitlines()[1:4]) + "\ns9\t\t1.0\n")
    status, _, stderr = run("predict", w / "model.safetensors", "--table", holes,
                            "--out", tmp_path / "holes_out.tsv", check=False)
    assert status == 1 and "column 'seq' has no sequence on 1 of 4 rows (data rows [4]" in stderr
    assert not (tmp_path / "holes_out.tsv").exists()


def test_every_command_has_help_with_an_example():
    from click.testing import CliRunner

    from uqgenomics.cli._main import cli

    runner = CliRunner()
    for command in ("fit", "predict", "score-variants", "evaluate", "calibrate"):
        result = runner.invoke(cli, [command, "--help"])
        assert result.exit_code == 0 and "Example" in result.output, command
    assert "score-variants" in runner.invoke(cli, ["--help"]).output

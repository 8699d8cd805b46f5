"""score_vcf: variants of a VCF scored against a genome, written resumably."""

import gzip
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

pysam = pytest.importorskip("pysam", reason="genome files need pysam (uqgenomics[genome])")

from uqgenomics import EnsembleRegressor, EvidentialRegressor  # noqa: E402
from uqgenomics.datasets import make_regulatory_sequences  # noqa: E402
from uqgenomics.genome import Genome, Variant, variant_windows  # noqa: E402
from uqgenomics.variants import (  # noqa: E402
    VARIANT_KEYS,
    effect_columns,
    predict_variant_effects,
    score_vcf,
)

from ._float32 import assert_float32_close  # noqa: E402
from .conftest import SHARED_DATA, TINY_CNN, WINDOW_LENGTH  # noqa: E402
from .test_genome import random_genome, write_fasta, write_vcf  # noqa: E402


@pytest.fixture
def files(tmp_path):
    contigs = random_genome(1)
    fasta = write_fasta(tmp_path / "genome.fa", contigs)
    chr1 = contigs["chr1"].upper()
    other = {b: "A" if b != "A" else "C" for b in "ACGT"}
    records = [("chr1", p + 1, f"v{p}", chr1[p], other[chr1[p]]) for p in range(60, 200, 7)]
    records += [("chr1", 101, "multi", chr1[100], ",".join(sorted({"A", "C", "G", "T"}
                                                                   - {chr1[100]})))]
    records += [("chr1", 121, "ins", chr1[120], chr1[120] + "TTAG"),
                ("chr1", 131, "del", chr1[130:134], chr1[130]),
                ("chr1", 141, "wrong_ref", other[chr1[140]], "G"),
                ("chr1", 3, "edge", chr1[2], other[chr1[2]])]
    vcf = write_vcf(tmp_path / "calls.vcf", records)
    return contigs, fasta, vcf


def test_every_alt_allele_gets_a_row_and_ok_rows_carry_paired_effects(window_model, files):
    contigs, fasta, vcf = files
    with pytest.warns(UserWarning, match=r"2 of 27 variants were not scored.*outside_contig 1"
                                         r".*ref_mismatch 1"):
        table = score_vcf(window_model, vcf, fasta, chunk_size=5)
    assert list(table.columns) == [*VARIANT_KEYS, "effect", "epistemic", "aleatoric", "total",
                                   "z"]
    assert len(table) == 20 + 3 + 4
    assert (table.loc[table["id"] == "multi", "alt"].str.len() == 1).all()
    assert table.set_index("id").loc[["wrong_ref", "edge"], "status"].tolist() == [
        "ref_mismatch", "outside_contig"]
    flagged = table["status"] != "ok"
    assert table.loc[flagged, ["effect", "total", "z"]].isna().all().all()
    assert (table.loc[flagged, "n_ambiguous"] == -1).all()
    ok = table[~flagged]
    assert ok[["effect", "epistemic", "total"]].notna().all().all()
    # two members disagree (a variant neither member's max-pool sees has 0 effect)
    assert (ok["epistemic"] > 0).mean() > 0.8
    np.testing.assert_allclose(ok["z"], ok["effect"] / ok["total"])
    # the same effects as predict_variant_effects on the documented windows
    variants = [Variant(r.chrom, r.pos, r.id, r.ref, r.alt) for r in ok.itertuples()]
    windows = variant_windows(Genome(fasta), variants, WINDOW_LENGTH)
    direct = predict_variant_effects(window_model, windows.ref, windows.alt)
    scale = float(np.abs(window_model.predict(windows.ref)).max())
    assert_float32_close(ok["effect"], direct.mean, scale=scale)
    assert_float32_close(ok["epistemic"], direct.epistemic, scale=scale)


def _prediction_scale(model, fasta, table) -> float:
    """The largest |prediction| over the scored variants' ref windows: the scale
    of the float32 rounding in their effects."""
    ok = table[table["status"] == "ok"]
    variants = [Variant(r.chrom, r.pos, r.id, r.ref, r.alt) for r in ok.itertuples()]
    windows = variant_windows(Genome(fasta), variants, WINDOW_LENGTH)
    return float(np.abs(model.predict(windows.ref + windows.alt)).max())


def test_written_tables_resume_after_an_interruption(window_model, files, tmp_path):
    _, fasta, vcf = files
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the flagged rows, tested above
        expected = score_vcf(window_model, vcf, fasta)
        out = tmp_path / "effects.tsv"
        assert score_vcf(window_model, vcf, fasta, out, chunk_size=4) == 27
        full = out.read_text()
        lines = full.splitlines(keepends=True)
        out.write_text("".join(lines[:11]) + lines[11][:9])  # killed mid-row
        assert score_vcf(window_model, vcf, fasta, out, chunk_size=4) == 27
        resumed = out.read_text().splitlines()
        assert resumed[:11] == full.splitlines()[:11] and len(resumed) == 28
        written = pd.read_csv(out, sep="\t", keep_default_na=False, na_values=["nan"])
        pd.testing.assert_frame_equal(written[list(VARIANT_KEYS)], expected[list(VARIANT_KEYS)])
        # rows of other chunks than in `expected`: equal up to float32 rounding
        # (and the 7 significant digits of the text)
        scale = _prediction_scale(window_model, fasta, expected)
        for column in ("effect", "epistemic", "total"):
            assert_float32_close(written[column], expected[column], scale=scale)
        parquet = tmp_path / "effects.parquet"
        assert score_vcf(window_model, vcf, fasta, parquet, chunk_size=8) == 27
        from_parquet = pd.read_parquet(parquet)
        pd.testing.assert_frame_equal(from_parquet[list(VARIANT_KEYS)],
                                      expected[list(VARIANT_KEYS)])
        assert score_vcf(window_model, vcf, fasta, tmp_path / "effects.h5") == 27
    with pytest.raises(ValueError, match=r"other options \(\{'unpaired': None"):
        score_vcf(window_model, vcf, fasta, out, unpaired="independent")
    other_vcf = write_vcf(tmp_path / "other.vcf", [("chr1", 100, ".", "A", "G")])
    with pytest.raises(ValueError, match="another source"):
        score_vcf(window_model, other_vcf, fasta, out)


def test_misnamed_contigs_and_bad_settings_fail_before_scoring(window_model, files, tmp_path):
    contigs, fasta, _ = files
    vcf = write_vcf(tmp_path / "ensembl.vcf", [("1", 100, ".", "A", "G")],
                    contigs={"1": 300})
    with pytest.raises(KeyError, match=r"'1' is not in genome.fa.*has 'chr1'"):
        score_vcf(window_model, vcf, fasta)
    with pytest.raises(ValueError, match="chunk_size"):
        score_vcf(window_model, vcf, fasta, chunk_size=0)
    with pytest.raises(ValueError, match="unpaired"):
        score_vcf(window_model, vcf, fasta, unpaired="both")
    features = EnsembleRegressor("mlp", n_estimators=2, max_epochs=1, random_state=0).fit(
        np.random.default_rng(0).normal(size=(40, 5)), np.arange(40.0))
    with pytest.raises(ValueError, match="one-hot sequences"):
        score_vcf(features, vcf, fasta)


def test_head_families_say_how_they_combined_ref_and_alt(files):
    _, fasta, vcf = files
    X, y = make_regulatory_sequences(200, length=WINDOW_LENGTH, random_state=0)
    evidential = EvidentialRegressor(**TINY_CNN).fit(X, y)
    with pytest.warns(UserWarning, match="fully correlated"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*were not scored")
        score_vcf(evidential, vcf, fasta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        correlated = score_vcf(evidential, vcf, fasta, unpaired="correlated")
        independent = score_vcf(evidential, vcf, fasta, unpaired="independent")
    ok = correlated["status"] == "ok"
    assert (independent.loc[ok, "epistemic"] >= correlated.loc[ok, "epistemic"] - 1e-6).all()
    assert effect_columns(evidential) == ["effect", "epistemic", "aleatoric", "total", "z"]


@pytest.mark.shared_data
def test_the_e_coli_genome_as_bgzip_with_an_index(window_model, tmp_path):
    """A real genome: bgzipped, indexed on first use; SNVs, indels, a
    multi-allelic site and a wrong REF written against its sequence."""
    source = SHARED_DATA / "genomes" / "ecoli_k12.fasta.gz"
    plain = tmp_path / "ecoli.fa"
    with gzip.open(source, "rb") as handle, open(plain, "wb") as out:
        shutil.copyfileobj(handle, out)
    pysam.tabix_compress(str(plain), str(tmp_path / "ecoli.fa.gz"))
    genome = Genome(tmp_path / "ecoli.fa.gz")
    assert (tmp_path / "ecoli.fa.gz.fai").exists() and (tmp_path / "ecoli.fa.gz.gzi").exists()
    (chrom, size), = genome.contigs.items()
    assert size == 4_646_332
    bases = {p: genome.fetch(chrom, p - 1, p + 3) for p in (10_000, 2_000_000, 4_600_000)}
    records = [(chrom, 10_000, "snv", bases[10_000][0], "A" if bases[10_000][0] != "A" else "C"),
               (chrom, 2_000_000, "multi", bases[2_000_000][0],
                ",".join(b for b in "ACGT" if b != bases[2_000_000][0])),
               (chrom, 4_600_000, "del", bases[4_600_000], bases[4_600_000][0]),
               (chrom, 4_600_000, "ins", bases[4_600_000][0], bases[4_600_000][0] + "GATTACA"),
               (chrom, 3_000_000, "wrong_ref", "ACGTACGT", "A")]
    vcf = write_vcf(tmp_path / "ecoli.vcf", records, contigs={chrom: size})
    pysam.tabix_compress(str(vcf), str(tmp_path / "ecoli.vcf.gz"))
    out = tmp_path / "ecoli_effects.tsv"
    with pytest.warns(UserWarning, match="1 of 7 variants were not scored"):
        assert score_vcf(window_model, tmp_path / "ecoli.vcf.gz", genome, out) == 7
    table = pd.read_csv(out, sep="\t")
    assert table["status"].tolist() == ["ok"] * 6 + ["ref_mismatch"]
    assert table["id"].tolist() == ["snv", "multi", "multi", "multi", "del", "ins", "wrong_ref"]
    assert table.loc[:5, "effect"].notna().all() and np.isnan(table.loc[6, "effect"])


def test_conformal_effect_intervals_cover_measured_effects_in_their_units():
    from uqgenomics.variants import ConformalEffectIntervals

    rng = np.random.default_rng(0)
    n = 4000
    effect = rng.normal(size=n)
    total = rng.uniform(0.1, 1.0, size=n)  # predicted std, in the window_model's units
    # measured on another scale (×3 + 1), with noise that grows with the std
    measured = 1.0 + 3.0 * (effect + total * rng.normal(size=n))
    fit, test = slice(0, 2000), slice(2000, None)
    calibrator = ConformalEffectIntervals(0.9, random_state=0).fit(
        effect[fit], total[fit], measured[fit])
    assert abs(calibrator.slope_ - 3.0) < 0.3 and abs(calibrator.intercept_ - 1.0) < 0.3
    center, low, high = calibrator.predict_interval(effect[test], total[test])
    covered = (measured[test] >= low) & (measured[test] <= high)
    assert abs(covered.mean() - 0.9) < 3 * np.sqrt(0.09 / 2000) + 0.01
    width = high - low
    assert np.corrcoef(width, total[test])[0, 1] > 0.9  # wider where the window_model is unsure
    table = pd.DataFrame({"effect": np.r_[effect[test][:5], np.nan],
                          "total": np.r_[total[test][:5], np.nan],
                          "status": ["ok"] * 5 + ["ref_mismatch"]})
    annotated = calibrator.annotate(table)
    np.testing.assert_allclose(annotated["measured_low"][:5], low[:5])
    assert annotated["confident"].tolist()[:5] == ((low[:5] > 0) | (high[:5] < 0)).tolist()
    assert np.isnan(annotated["measured_effect"].iloc[5]) and not annotated["confident"].iloc[5]
    with pytest.raises(ValueError, match="too few"):
        ConformalEffectIntervals(0.95).fit(effect[:12], total[:12], measured[:12])
    with pytest.raises(ValueError, match="NaN"):
        calibrator.predict_interval([np.nan], [1.0])
    with pytest.warns(UserWarning, match="do not track"):
        ConformalEffectIntervals(0.9, random_state=0).fit(effect[fit], total[fit],
                                                          -measured[fit])


def test_score_vcf_adds_calibrated_intervals_and_records_them_in_the_run(window_model, files,
                                                                          tmp_path):
    from uqgenomics.variants import ConformalEffectIntervals

    _, fasta, vcf = files
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        plain = score_vcf(window_model, vcf, fasta)
        ok = plain[plain["status"] == "ok"]
        rng = np.random.default_rng(0)
        measured = 2.0 * ok["effect"] + 0.01 * rng.normal(size=len(ok))  # a labelled set
        calibrator = ConformalEffectIntervals(0.8, random_state=0).fit(
            ok["effect"], ok["total"], measured)
        table = score_vcf(window_model, vcf, fasta, intervals=calibrator)
        assert list(table.columns[-4:]) == ["measured_effect", "measured_low",
                                            "measured_high", "confident"]
        expected = calibrator.annotate(plain)
        scored = table["status"] == "ok"
        np.testing.assert_allclose(table.loc[scored, "measured_low"],
                                   expected.loc[scored, "measured_low"], rtol=1e-5, atol=1e-6)
        assert table["confident"][scored].isin([0.0, 1.0]).all()
        assert table["confident"][~scored].isna().all()
        out = tmp_path / "calibrated.tsv"
        score_vcf(window_model, vcf, fasta, out, intervals=calibrator)
        other = ConformalEffectIntervals(0.9, random_state=0).fit(
            ok["effect"], ok["total"], measured)
        with pytest.raises(ValueError, match="other options"):
            score_vcf(window_model, vcf, fasta, out, intervals=other)
        with pytest.raises(NotFittedError):
            score_vcf(window_model, vcf, fasta, intervals=ConformalEffectIntervals())
